/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/image-archive.h"

#include <ctype.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/digest.h"
#include "storage/layer-path.h"

static const struct {
        const char *media_type;
        LayerCompression compression;
} layer_media_types[] = {
        {MEDIA_TYPE_OCI_LAYER, LAYER_COMPRESSION_NONE},
        {MEDIA_TYPE_OCI_LAYER_GZIP, LAYER_COMPRESSION_GZIP},
        {MEDIA_TYPE_OCI_LAYER_ZSTD, LAYER_COMPRESSION_ZSTD},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_COMPRESSION_NONE},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_COMPRESSION_GZIP},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_COMPRESSION_ZSTD},
        {MEDIA_TYPE_DOCKER_LAYER, LAYER_COMPRESSION_GZIP},
        {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_COMPRESSION_GZIP},
        {"application/vnd.docker.image.rootfs.diff.tar", LAYER_COMPRESSION_NONE},
};

int image_layer_media_type(const char *media_type, LayerCompression *ret, WarrenError **err) {
        if (!media_type)
                return error_set(err, EINVAL, "layer without a media type");
        for (size_t i = 0; i < ELEMENTSOF(layer_media_types); i++)
                if (STREQ(media_type, layer_media_types[i].media_type)) {
                        *ret = layer_media_types[i].compression;
                        return 0;
                }
        return error_set(err, ENOTSUP, "unknown layer media type `%.200s`", media_type);
}

const char *image_layer_media_type_for(LayerCompression c) {
        switch (c) {
        case LAYER_COMPRESSION_GZIP:
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        case LAYER_COMPRESSION_ZSTD:
                return MEDIA_TYPE_OCI_LAYER_ZSTD;
        default:
                return MEDIA_TYPE_OCI_LAYER;
        }
}

void oci_descriptor_done(OciDescriptor *d) {
        free(d->media_type);
        free(d->digest);
        free(d->ref_name);
        free(d->image_name);
        free(d->os);
        free(d->architecture);
        memset(d, 0, sizeof(*d));
}

static int parse_doc(const char *buf, size_t len, const char *what, JsonValue **ret,
                     WarrenError **err) {
        if (len > IMAGE_DOC_MAX)
                return error_set(err, EFBIG, "%s of %zu bytes is larger than %u", what, len,
                                 IMAGE_DOC_MAX);
        int r = json_parse(buf, len, IMAGE_DOC_MAX, ret, err);
        if (r < 0)
                return error_prefix(err, r, "%s is not valid JSON", what);
        if (!json_is(*ret, JSON_OBJECT) && !json_is(*ret, JSON_ARRAY)) {
                *ret = json_free(*ret);
                return error_set(err, EINVAL, "%s is not a JSON object", what);
        }
        return 0;
}

static int check_schema_version(const JsonValue *v, const char *what, WarrenError **err) {
        int64_t sv = 0;
        int r = json_get_int64(v, "schemaVersion", NULL, &sv, err);
        if (r < 0)
                return error_prefix(err, r, "%s", what);
        if (r == 0)
                return error_set(err, EINVAL, "%s has no `schemaVersion`", what);
        if (sv != 2)
                return error_set(err, ENOTSUP, "%s has schemaVersion %lld, not 2", what,
                                 (long long)sv);
        return 0;
}

static int descriptor_parse(const JsonValue *v, const char *what, OciDescriptor *d,
                            WarrenError **err) {
        memset(d, 0, sizeof(*d));
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "`%s` is not an object", what);
        int r;
        if ((r = json_get_string(v, "mediaType", what, &d->media_type, err)) < 0 ||
            (r = json_get_string(v, "digest", what, &d->digest, err)) < 0 ||
            (r = json_get_int64(v, "size", what, &d->size, err)) < 0)
                goto fail;
        if (!d->media_type) {
                r = error_set(err, EINVAL, "`%s` has no mediaType", what);
                goto fail;
        }
        r = digest_parse(d->digest, NULL, NULL, err);
        if (r < 0) {
                r = error_prefix(err, r, "`%s`", what);
                goto fail;
        }
        if (d->size < 0) {
                r = error_set(err, EINVAL, "`%s` has a negative size", what);
                goto fail;
        }
        const JsonValue *ann = json_get(v, "annotations");
        if (ann && !json_is(ann, JSON_OBJECT)) {
                r = error_set(err, EINVAL, "`%s.annotations` is not an object", what);
                goto fail;
        }
        if ((r = json_get_string(ann, ANNOTATION_REF_NAME, what, &d->ref_name, err)) < 0 ||
            (r = json_get_string(ann, ANNOTATION_IMAGE_NAME, what, &d->image_name, err)) < 0)
                goto fail;
        const JsonValue *plat = json_get(v, "platform");
        if ((r = json_get_string(plat, "os", what, &d->os, err)) < 0 ||
            (r = json_get_string(plat, "architecture", what, &d->architecture, err)) < 0)
                goto fail;
        return 0;
fail:
        oci_descriptor_done(d);
        return r;
}

void oci_index_done(OciIndex *x) {
        for (size_t i = 0; i < x->n; i++)
                oci_descriptor_done(&x->manifests[i]);
        free(x->manifests);
        memset(x, 0, sizeof(*x));
}

int oci_index_parse(const char *buf, size_t len, OciIndex *ret, WarrenError **err) {
        memset(ret, 0, sizeof(*ret));
        _cleanup_json_ JsonValue *v = NULL;
        int r = parse_doc(buf, len, "image index", &v, err);
        if (r < 0)
                return r;
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "image index is not a JSON object");
        r = check_schema_version(v, "image index", err);
        if (r < 0)
                return r;
        const JsonValue *mt = json_get(v, "mediaType");
        if (mt && (!json_string(mt) || (STRNEQ(json_string(mt), MEDIA_TYPE_OCI_INDEX) &&
                                        STRNEQ(json_string(mt), MEDIA_TYPE_DOCKER_LIST))))
                return error_set(err, ENOTSUP, "image index has media type `%.200s`",
                                 json_string(mt) ?: "?");
        const JsonValue *m = json_get(v, "manifests");
        if (!json_is(m, JSON_ARRAY))
                return error_set(err, EINVAL, "image index has no `manifests` array");
        size_t n = json_length(m);
        if (n == 0)
                return error_set(err, EINVAL, "image index lists no manifests");
        if (n > 4096)
                return error_set(err, E2BIG, "image index lists %zu manifests", n);
        ret->manifests = xnew(OciDescriptor, n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = xasprintf("manifests[%zu]", i);
                r = descriptor_parse(json_at(m, i), what, &ret->manifests[ret->n], err);
                if (r < 0) {
                        oci_index_done(ret);
                        return error_prefix(err, r, "image index");
                }
                ret->n++;
        }
        return 0;
}

void oci_manifest_done(OciManifest *m) {
        free(m->media_type);
        oci_descriptor_done(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                oci_descriptor_done(&m->layers[i]);
        free(m->layers);
        free(m->compression);
        memset(m, 0, sizeof(*m));
}

int oci_manifest_parse(const char *buf, size_t len, OciManifest *ret, WarrenError **err) {
        memset(ret, 0, sizeof(*ret));
        _cleanup_json_ JsonValue *v = NULL;
        int r = parse_doc(buf, len, "image manifest", &v, err);
        if (r < 0)
                return r;
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "image manifest is not a JSON object");
        r = check_schema_version(v, "image manifest", err);
        if (r < 0)
                return r;
        r = json_get_string(v, "mediaType", "mediaType", &ret->media_type, err);
        if (r < 0)
                goto fail;
        if (ret->media_type && STRNEQ(ret->media_type, MEDIA_TYPE_OCI_MANIFEST) &&
            STRNEQ(ret->media_type, MEDIA_TYPE_DOCKER_MANIFEST)) {
                r = error_set(err, ENOTSUP, "image manifest has media type `%.200s`",
                              ret->media_type);
                goto fail;
        }
        r = descriptor_parse(json_get(v, "config"), "config", &ret->config, err);
        if (r < 0)
                goto fail_prefix;
        if (STRNEQ(ret->config.media_type, MEDIA_TYPE_OCI_CONFIG) &&
            STRNEQ(ret->config.media_type, MEDIA_TYPE_DOCKER_CONFIG)) {
                r = error_set(err, ENOTSUP, "unknown config media type `%.200s`",
                              ret->config.media_type);
                goto fail_prefix;
        }
        const JsonValue *layers = json_get(v, "layers");
        if (layers && !json_is(layers, JSON_ARRAY)) {
                r = error_set(err, EINVAL, "`layers` is not an array");
                goto fail_prefix;
        }
        size_t n = json_length(layers);
        if (n == 0) {
                r = error_set(err, EINVAL, "image manifest lists no layers");
                goto fail;
        }
        if (n > IMAGE_MAX_LAYERS) {
                r = error_set(err, E2BIG, "image manifest lists %zu layers (limit %d)", n,
                              IMAGE_MAX_LAYERS);
                goto fail;
        }
        ret->layers = xnew(OciDescriptor, n);
        ret->compression = xnew(LayerCompression, n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = xasprintf("layers[%zu]", i);
                r = descriptor_parse(json_at(layers, i), what, &ret->layers[ret->n_layers], err);
                if (r < 0)
                        goto fail_prefix;
                ret->n_layers++;
                r = image_layer_media_type(ret->layers[i].media_type, &ret->compression[i], err);
                if (r < 0) {
                        r = error_prefix(err, r, "`%s`", what);
                        goto fail_prefix;
                }
        }
        return 0;
fail_prefix:
        r = error_prefix(err, r, "image manifest");
fail:
        oci_manifest_done(ret);
        return r;
}

int oci_layout_check(const char *buf, size_t len, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = parse_doc(buf, len, "oci-layout", &v, err);
        if (r < 0)
                return r;
        const char *ver = json_string(json_get(v, "imageLayoutVersion"));
        if (!ver)
                return error_set(err, EINVAL, "oci-layout has no `imageLayoutVersion`");
        if (!STARTS_WITH(ver, "1."))
                return error_set(err, ENOTSUP, "unsupported OCI layout version `%.50s`", ver);
        return 0;
}

int image_archive_path_check(const char *path, char **ret_clean, WarrenError **err) {
        if (!path || !path[0])
                return error_set(err, EINVAL, "empty path");
        if (path[0] == '/')
                return error_set(err, EINVAL, "path `%.200s` is absolute", path);
        _cleanup_free_ char *clean = NULL;
        int r = layer_path_clean(path, &clean, err);
        if (r < 0)
                return r;
        if (!clean[0])
                return error_set(err, EINVAL, "path `%.200s` names the archive root", path);
        if (ret_clean)
                *ret_clean = TAKE_PTR(clean);
        return 0;
}

void docker_manifest_done(DockerManifest *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->entries[i].config);
                strv_free(m->entries[i].repo_tags);
                strv_free(m->entries[i].layers);
        }
        free(m->entries);
        memset(m, 0, sizeof(*m));
}

int docker_manifest_parse(const char *buf, size_t len, DockerManifest *ret, WarrenError **err) {
        memset(ret, 0, sizeof(*ret));
        _cleanup_json_ JsonValue *v = NULL;
        int r = parse_doc(buf, len, "manifest.json", &v, err);
        if (r < 0)
                return r;
        if (!json_is(v, JSON_ARRAY))
                return error_set(err, EINVAL, "manifest.json is not a JSON array");
        size_t n = json_length(v);
        if (n == 0)
                return error_set(err, EINVAL, "manifest.json lists no images");
        if (n > 4096)
                return error_set(err, E2BIG, "manifest.json lists %zu images", n);
        ret->entries = xnew(DockerManifestEntry, n);
        for (size_t i = 0; i < n; i++) {
                const JsonValue *e = json_at(v, i);
                DockerManifestEntry *d = &ret->entries[ret->n++];
                _cleanup_free_ char *what = xasprintf("manifest.json[%zu]", i);
                _cleanup_free_ char *config = NULL;
                if (!json_is(e, JSON_OBJECT)) {
                        r = error_set(err, EINVAL, "`%s` is not an object", what);
                        goto fail;
                }
                if ((r = json_get_string(e, "Config", "Config", &config, err)) < 0 ||
                    (r = json_get_strv(e, "RepoTags", "RepoTags", &d->repo_tags, err)) < 0 ||
                    (r = json_get_strv(e, "Layers", "Layers", &d->layers, err)) < 0) {
                        r = error_prefix(err, r, "%s", what);
                        goto fail;
                }
                if (!config) {
                        r = error_set(err, EINVAL, "`%s` has no Config", what);
                        goto fail;
                }
                r = image_archive_path_check(config, &d->config, err);
                if (r < 0) {
                        r = error_prefix(err, r, "`%s.Config`", what);
                        goto fail;
                }
                d->n_layers = strv_length(d->layers);
                if (d->n_layers == 0) {
                        r = error_set(err, EINVAL, "`%s` lists no layers", what);
                        goto fail;
                }
                if (d->n_layers > IMAGE_MAX_LAYERS) {
                        r = error_set(err, E2BIG, "`%s` lists %zu layers", what, d->n_layers);
                        goto fail;
                }
                for (size_t j = 0; j < d->n_layers; j++) {
                        char *clean = NULL;
                        r = image_archive_path_check(d->layers[j], &clean, err);
                        if (r < 0) {
                                r = error_prefix(err, r, "`%s.Layers[%zu]`", what, j);
                                goto fail;
                        }
                        free(d->layers[j]);
                        d->layers[j] = clean;
                }
                if (!d->repo_tags)
                        d->repo_tags = xnew(char *, 1);
        }
        return 0;
fail:
        docker_manifest_done(ret);
        return r;
}

void image_config_done(ImageConfig *c) {
        json_free(c->doc);
        strv_free(c->diff_ids);
        memset(c, 0, sizeof(*c));
}

int image_config_parse(const char *buf, size_t len, ImageConfig *ret, WarrenError **err) {
        memset(ret, 0, sizeof(*ret));
        _cleanup_json_ JsonValue *v = NULL;
        int r = parse_doc(buf, len, "image config", &v, err);
        if (r < 0)
                return r;
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "image config is not a JSON object");
        const JsonValue *rootfs = json_get(v, "rootfs");
        if (!json_is(rootfs, JSON_OBJECT))
                return error_set(err, EINVAL, "image config has no `rootfs` object");
        const char *type = json_string(json_get(rootfs, "type"));
        if (!type || STRNEQ(type, "layers"))
                return error_set(err, EINVAL, "image config `rootfs.type` is not `layers`");
        _cleanup_strv_ char **ids = NULL;
        r = json_get_strv(rootfs, "diff_ids", "rootfs.diff_ids", &ids, err);
        if (r < 0)
                return error_prefix(err, r, "image config");
        size_t n = strv_length(ids);
        if (n > IMAGE_MAX_LAYERS)
                return error_set(err, E2BIG, "image config lists %zu layers", n);
        for (size_t i = 0; i < n; i++) {
                r = digest_parse(ids[i], "diff id", NULL, err);
                if (r < 0)
                        return error_prefix(err, r, "image config `rootfs.diff_ids[%zu]`", i);
        }
        const JsonValue *cfg = json_get(v, "config");
        if (cfg && !json_is(cfg, JSON_OBJECT) && !json_is(cfg, JSON_NULL))
                return error_set(err, EINVAL, "image config `config` is not an object");
        ret->doc = TAKE_PTR(v);
        ret->diff_ids = ids ? TAKE_PTR(ids) : xnew(char *, 1);
        ret->n_diff_ids = n;
        ret->os = json_string(json_get(ret->doc, "os"));
        ret->architecture = json_string(json_get(ret->doc, "architecture"));
        ret->created = json_string(json_get(ret->doc, "created"));
        return 0;
}

/* Names as docker's reference grammar, loosely: [domain[:port]/]path[:tag][@digest]. */
static bool name_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-' || c == '/' || c == ':' || c == '@' || (c >= 'A' && c <= 'Z');
}

int image_name_normalize(const char *name, char **ret, WarrenError **err) {
        size_t len = name ? strlen(name) : 0;
        if (len == 0 || len > 255)
                return error_set(err, EINVAL, "invalid image name `%.255s`", name ? name : "");
        for (size_t i = 0; i < len; i++)
                if (!name_char_ok(name[i]))
                        return error_set(err, EINVAL, "invalid image name `%s`", name);
        if (name[0] == '/' || name[len - 1] == '/' || strstr(name, "//") || name[0] == ':' ||
            name[0] == '@')
                return error_set(err, EINVAL, "invalid image name `%s`", name);
        const char *at = strchr(name, '@');
        if (at) {
                if (!digest_is_valid(at + 1))
                        return error_set(err, EINVAL, "invalid digest in image name `%s`", name);
                *ret = xstrdup(name);
                return 0;
        }
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(name, ':');
        /* The repository part (after the domain) must be lower case. */
        const char *first_slash = strchr(name, '/');
        const char *repo = first_slash && (memchr(name, '.', (size_t)(first_slash - name)) ||
                                           memchr(name, ':', (size_t)(first_slash - name)) ||
                                           STARTS_WITH(name, "localhost/"))
                                   ? first_slash + 1
                                   : name;
        const char *repo_end = colon && (!slash || colon > slash) ? colon : name + len;
        for (const char *p = repo; p < repo_end; p++)
                if (*p >= 'A' && *p <= 'Z')
                        return error_set(err, EINVAL,
                                         "invalid image name `%s`: repository must be lower case",
                                         name);
        if (colon && (!slash || colon > slash)) {
                const char *tag = colon + 1;
                size_t tl = strlen(tag);
                if (tl == 0 || tl > 128 || tag[0] == '.' || tag[0] == '-' || strchr(tag, '/'))
                        return error_set(err, EINVAL, "invalid tag in image name `%s`", name);
                *ret = xstrdup(name);
                return 0;
        }
        *ret = xasprintf("%s:latest", name);
        return 0;
}

void image_name_split(const char *name, char **ret_repo, char **ret_tag) {
        const char *at = strchr(name, '@');
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(name, ':');
        if (at) {
                *ret_repo = xstrndup(name, (size_t)(at - name));
                *ret_tag = xstrdup("<none>");
        } else if (colon && (!slash || colon > slash)) {
                *ret_repo = xstrndup(name, (size_t)(colon - name));
                *ret_tag = xstrdup(colon + 1);
        } else {
                *ret_repo = xstrdup(name);
                *ret_tag = xstrdup("<none>");
        }
}
