/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/image-load.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <time.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/blob-store.h"
#include "storage/image-archive.h"
#include "storage/image-change.h"
#include "storage/image-store.h"
#include "storage/layer-path.h"
#include "storage/layer-store.h"

#define MEMORY_DOCS_MAX (64U * 1024U * 1024U)
#define MAX_ALIAS_HOPS 16

typedef struct ArchiveFile {
        char *path;   /* cleaned */
        char *digest; /* stored as a blob, or */
        char *data;   /* held in memory */
        size_t len;
        uint64_t size;
        char *link; /* an alias (symlink or hardlink) of another path, cleaned */
} ArchiveFile;

typedef struct ImagePlan {
        char *config_digest;
        char *config_data;
        size_t config_len;
        ImageConfig config;
        char **names;
        char **repo_digests;
        size_t n_layers;
        char **layer_digests;
        char **layer_media_types;
        int64_t *layer_sizes;
} ImagePlan;

typedef struct LoadCtx {
        ImageStorage *s;
        const ImageLoadOptions *o;
        ArchiveFile *files;
        size_t n_files, cap_files;
        size_t mem_total;
        char **new_blobs;
        ImagePlan *plans;
        size_t n_plans;
        LayerStage **stages;
        char **staged_ids;
        size_t n_stages;
} LoadCtx;

#define PROGRESS(ctx, ...)                                                                         \
        do {                                                                                       \
                if ((ctx)->o->progress)                                                            \
                        (ctx)->o->progress((ctx)->o->userdata, __VA_ARGS__);                       \
        } while (0)

static void plan_done(ImagePlan *p) {
        free(p->config_digest);
        free(p->config_data);
        image_config_done(&p->config);
        strv_free(p->names);
        strv_free(p->repo_digests);
        strv_free(p->layer_digests);
        strv_free(p->layer_media_types);
        free(p->layer_sizes);
}

static void ctx_done(LoadCtx *c, bool failed) {
        for (size_t i = 0; i < c->n_files; i++) {
                free(c->files[i].path);
                free(c->files[i].digest);
                free(c->files[i].data);
                free(c->files[i].link);
        }
        free(c->files);
        for (size_t i = 0; i < c->n_plans; i++)
                plan_done(&c->plans[i]);
        free(c->plans);
        for (size_t i = 0; i < c->n_stages; i++)
                layer_stage_free(c->stages[i]);
        free(c->stages);
        strv_free(c->staged_ids);
        if (failed)
                STRV_FOREACH (b, c->new_blobs)
                        (void)blob_store_remove(c->s->blobs, *b, NULL);
        strv_free(c->new_blobs);
}

static ArchiveFile *add_file(LoadCtx *c, char *path) {
        for (size_t i = 0; i < c->n_files; i++)
                if (STREQ(c->files[i].path, path)) {
                        /* A later entry replaces an earlier one, as tar -x does. */
                        ArchiveFile *f = &c->files[i];
                        free(f->digest);
                        free(f->data);
                        free(f->link);
                        free(f->path);
                        memset(f, 0, sizeof(*f));
                        f->path = path;
                        return f;
                }
        if (c->n_files == c->cap_files) {
                c->cap_files = c->cap_files ? c->cap_files * 2 : 32;
                c->files = xreallocarray(c->files, c->cap_files, sizeof(ArchiveFile));
        }
        ArchiveFile *f = &c->files[c->n_files++];
        memset(f, 0, sizeof(*f));
        f->path = path;
        return f;
}

static const ArchiveFile *find_file(LoadCtx *c, const char *path) {
        for (int hop = 0; hop < MAX_ALIAS_HOPS; hop++) {
                const ArchiveFile *f = NULL;
                for (size_t i = 0; i < c->n_files; i++)
                        if (STREQ(c->files[i].path, path)) {
                                f = &c->files[i];
                                break;
                        }
                if (!f || !f->link)
                        return f;
                path = f->link;
        }
        return NULL;
}

static bool is_memory_doc(const char *path, uint64_t size) {
        if (STARTS_WITH(path, "blobs/"))
                return false;
        if (size > IMAGE_DOC_MAX)
                return false;
        size_t n = strlen(path);
        return STREQ(path, "repositories") || STREQ(path, "oci-layout") ||
               (n > 5 && STREQ(path + n - 5, ".json"));
}

static int store_blob_entry(LoadCtx *c, LayerReader *rd, ArchiveFile *f, WarrenError **err) {
        _cleanup_free_ char *expected = NULL;
        if (STARTS_WITH(f->path, "blobs/")) {
                const char *rest = f->path + strlen("blobs/");
                if (!STARTS_WITH(rest, "sha256/"))
                        return error_set(err, ENOTSUP, "blob `%s`: unsupported digest algorithm",
                                         f->path);
                expected = digest_from_hex(rest + strlen("sha256/"));
                if (!expected)
                        return error_set(err, EINVAL, "blob `%s` is not named by a sha256 digest",
                                         f->path);
        }
        _cleanup_blob_writer_ BlobWriter *w = NULL;
        int r = blob_writer_new(c->s->blobs, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = xmalloc(1024 * 1024);
        for (;;) {
                ssize_t n = layer_reader_read(rd, buf, 1024 * 1024, err);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
                r = blob_writer_write(w, buf, (size_t)n, err);
                if (r < 0)
                        return r;
        }
        char digest[DIGEST_STRING_MAX];
        r = blob_writer_commit(w, expected, digest, &f->size, err);
        if (r < 0)
                return r;
        if (r > 0)
                strv_push(&c->new_blobs, digest);
        f->digest = xstrdup(digest);
        return 0;
}

static int read_archive(LoadCtx *c, int fd, WarrenError **err) {
        _cleanup_layer_reader_ LayerReader *rd = NULL;
        int r = layer_reader_new(fd, c->o->limits, &rd, err);
        if (r < 0)
                return r;
        const LayerEntry *e;
        while ((r = layer_reader_next(rd, &e, err)) > 0) {
                if (e->type != LAYER_ENTRY_REGULAR && e->type != LAYER_ENTRY_SYMLINK &&
                    e->type != LAYER_ENTRY_HARDLINK)
                        continue;
                _cleanup_free_ char *path = NULL;
                r = image_archive_path_check(e->path, &path, err);
                if (r < 0)
                        return error_prefix(err, r, "archive entry");
                if (e->type == LAYER_ENTRY_SYMLINK || e->type == LAYER_ENTRY_HARDLINK) {
                        _cleanup_free_ char *joined = NULL, *target = NULL;
                        if (e->type == LAYER_ENTRY_SYMLINK) {
                                if (e->link[0] == '/')
                                        return error_set(err, EINVAL,
                                                         "archive entry `%s`: absolute symlink",
                                                         path);
                                _cleanup_free_ char *dir = NULL, *base = NULL;
                                layer_path_split(path, &dir, &base);
                                joined = dir[0] ? xasprintf("%s/%s", dir, e->link)
                                                : xstrdup(e->link);
                        } else
                                joined = xstrdup(e->link);
                        r = image_archive_path_check(joined, &target, err);
                        if (r < 0)
                                return error_prefix(err, r, "archive entry `%s`", path);
                        ArchiveFile *f = add_file(c, TAKE_PTR(path));
                        f->link = TAKE_PTR(target);
                        continue;
                }
                ArchiveFile *f = add_file(c, TAKE_PTR(path));
                if (is_memory_doc(f->path, e->size)) {
                        if (c->mem_total + e->size > MEMORY_DOCS_MAX)
                                return error_set(err, EFBIG, "archive documents exceed %u bytes",
                                                 MEMORY_DOCS_MAX);
                        f->data = xmalloc(e->size + 1);
                        size_t got = 0;
                        while (got < e->size) {
                                ssize_t n =
                                        layer_reader_read(rd, f->data + got, e->size - got, err);
                                if (n < 0)
                                        return error_prefix(err, (int)n, "`%s`", f->path);
                                if (n == 0)
                                        break;
                                got += (size_t)n;
                        }
                        f->data[got] = '\0';
                        f->len = got;
                        f->size = got;
                        c->mem_total += got;
                        continue;
                }
                PROGRESS(c, "copying `%s` (%llu bytes)", f->path, (unsigned long long)e->size);
                r = store_blob_entry(c, rd, f, err);
                if (r < 0)
                        return error_prefix(err, r, "archive entry `%s`", f->path);
        }
        if (r < 0)
                return error_prefix(err, r, "read archive");
        r = layer_reader_finish(rd, NULL, NULL, NULL, NULL, err);
        if (r < 0)
                return error_prefix(err, r, "read archive");
        return 0;
}

/* The bytes of an archive document (in memory or a blob); the caller frees. */
static int file_bytes(LoadCtx *c, const char *path, char **ret, size_t *ret_len,
                      WarrenError **err) {
        const ArchiveFile *f = find_file(c, path);
        if (!f)
                return error_set(err, ENOENT, "`%s` is missing from the archive", path);
        if (f->data) {
                *ret = xmalloc(f->len + 1);
                memcpy(*ret, f->data, f->len + 1);
                *ret_len = f->len;
                return 0;
        }
        return blob_store_read(c->s->blobs, f->digest, IMAGE_DOC_MAX, ret, ret_len, err);
}

/* The blob digest of an archive file; documents held in memory are stored first. */
static int file_blob(LoadCtx *c, const char *path, char **ret_digest, int64_t *ret_size,
                     WarrenError **err) {
        const ArchiveFile *f = find_file(c, path);
        if (!f)
                return error_set(err, ENOENT, "`%s` is missing from the archive", path);
        if (f->data) {
                char digest[DIGEST_STRING_MAX];
                int r = blob_store_put(c->s->blobs, f->data, f->len, NULL, digest, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        strv_push(&c->new_blobs, digest);
                *ret_digest = xstrdup(digest);
                *ret_size = (int64_t)f->len;
                return 0;
        }
        *ret_digest = xstrdup(f->digest);
        *ret_size = (int64_t)f->size;
        return 0;
}

static const char *blob_media_type(LoadCtx *c, const char *digest) {
        _cleanup_close_ int fd = -1;
        unsigned char magic[4] = {0};
        if (blob_store_open_blob(c->s->blobs, digest, &fd, NULL, NULL) < 0 ||
            read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic))
                return MEDIA_TYPE_OCI_LAYER;
        if (magic[0] == 0x1f && magic[1] == 0x8b)
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
                return MEDIA_TYPE_OCI_LAYER_ZSTD;
        return MEDIA_TYPE_OCI_LAYER;
}

static ImagePlan *plan_for_config(LoadCtx *c, const char *digest) {
        for (size_t i = 0; i < c->n_plans; i++)
                if (STREQ(c->plans[i].config_digest, digest))
                        return &c->plans[i];
        return NULL;
}

static ImagePlan *new_plan(LoadCtx *c) {
        c->plans = xreallocarray(c->plans, c->n_plans + 1, sizeof(ImagePlan));
        ImagePlan *p = &c->plans[c->n_plans++];
        memset(p, 0, sizeof(*p));
        return p;
}

static int plan_config(ImagePlan *p, char *data, size_t len, const char *digest,
                       WarrenError **err) {
        p->config_data = data;
        p->config_len = len;
        p->config_digest = xstrdup(digest);
        int r = image_config_parse(data, len, &p->config, err);
        if (r < 0)
                return r;
        if (p->config.n_diff_ids != p->n_layers)
                return error_set(err, EINVAL,
                                 "the manifest lists %zu layers but the config %zu diff ids",
                                 p->n_layers, p->config.n_diff_ids);
        return 0;
}

static void add_name(char ***names, const char *name) {
        _cleanup_free_ char *norm = NULL;
        _cleanup_error_ WarrenError *e = NULL;
        if (image_name_normalize(name, &norm, &e) < 0) {
                log_warning("ignoring image name: %s", e->msg);
                return;
        }
        if (!strv_contains(*names, norm))
                strv_push(names, norm);
}

static int plan_docker(LoadCtx *c, WarrenError **err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = file_bytes(c, "manifest.json", &buf, &len, err);
        if (r < 0)
                return r;
        _cleanup_docker_manifest_ DockerManifest m = {0};
        r = docker_manifest_parse(buf, len, &m, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m.n; i++) {
                DockerManifestEntry *e = &m.entries[i];
                char *cfg = NULL;
                size_t cfglen = 0;
                r = file_bytes(c, e->config, &cfg, &cfglen, err);
                if (r < 0)
                        return error_prefix(err, r, "image %zu", i);
                char digest[DIGEST_STRING_MAX];
                digest_buffer(cfg, cfglen, digest);
                ImagePlan *p = plan_for_config(c, digest);
                if (p) {
                        free(cfg);
                        STRV_FOREACH (t, e->repo_tags)
                                add_name(&p->names, *t);
                        continue;
                }
                p = new_plan(c);
                p->n_layers = e->n_layers;
                r = plan_config(p, cfg, cfglen, digest, err);
                if (r < 0)
                        return error_prefix(err, r, "config `%s`", e->config);
                p->layer_sizes = xnew(int64_t, e->n_layers);
                for (size_t j = 0; j < e->n_layers; j++) {
                        char *d = NULL;
                        r = file_blob(c, e->layers[j], &d, &p->layer_sizes[j], err);
                        if (r < 0)
                                return error_prefix(err, r, "layer %zu", j);
                        strv_consume(&p->layer_digests, d);
                        strv_push(&p->layer_media_types, blob_media_type(c, d));
                }
                STRV_FOREACH (t, e->repo_tags)
                        add_name(&p->names, *t);
        }
        return 0;
}

static const char *host_arch(void) {
        static struct utsname u;
        if (uname(&u) < 0)
                return "amd64";
        if (STREQ(u.machine, "x86_64"))
                return "amd64";
        if (STREQ(u.machine, "aarch64"))
                return "arm64";
        if (STREQ(u.machine, "i686") || STREQ(u.machine, "i386"))
                return "386";
        return u.machine;
}

/* Read a blob the archive must hold, checking the descriptor's size. */
static int descriptor_bytes(LoadCtx *c, const OciDescriptor *d, char **ret, size_t *ret_len,
                            WarrenError **err) {
        if (!blob_store_has(c->s->blobs, d->digest))
                return error_set(err, ENOENT, "blob `%s` is missing from the archive", d->digest);
        int r = blob_store_read(c->s->blobs, d->digest, IMAGE_DOC_MAX, ret, ret_len, err);
        if (r < 0)
                return r;
        if ((int64_t)*ret_len != d->size) {
                free(*ret);
                *ret = NULL;
                return error_set(err, EBADMSG, "blob `%s` has %zu bytes, its descriptor says %lld",
                                 d->digest, *ret_len, (long long)d->size);
        }
        return 0;
}

static int plan_oci_manifest(LoadCtx *c, const OciDescriptor *desc, const char *name, int depth,
                             WarrenError **err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = descriptor_bytes(c, desc, &buf, &len, err);
        if (r < 0)
                return r;
        if (STREQ(desc->media_type, MEDIA_TYPE_OCI_INDEX) ||
            STREQ(desc->media_type, MEDIA_TYPE_DOCKER_LIST)) {
                if (depth >= 2)
                        return error_set(err, ELOOP, "image indexes nested too deep");
                _cleanup_oci_index_ OciIndex idx = {0};
                r = oci_index_parse(buf, len, &idx, err);
                if (r < 0)
                        return r;
                const OciDescriptor *pick = NULL;
                for (size_t i = 0; i < idx.n && !pick; i++)
                        if (idx.manifests[i].os && STREQ(idx.manifests[i].os, "linux") &&
                            idx.manifests[i].architecture &&
                            STREQ(idx.manifests[i].architecture, host_arch()))
                                pick = &idx.manifests[i];
                if (!pick)
                        pick = &idx.manifests[0];
                return plan_oci_manifest(c, pick, name, depth + 1, err);
        }
        if (STRNEQ(desc->media_type, MEDIA_TYPE_OCI_MANIFEST) &&
            STRNEQ(desc->media_type, MEDIA_TYPE_DOCKER_MANIFEST))
                return error_set(err, ENOTSUP, "unknown manifest media type `%.200s`",
                                 desc->media_type);
        _cleanup_oci_manifest_ OciManifest m = {0};
        r = oci_manifest_parse(buf, len, &m, err);
        if (r < 0)
                return r;
        ImagePlan *p = plan_for_config(c, m.config.digest);
        if (!p) {
                char *cfg = NULL;
                size_t cfglen = 0;
                r = descriptor_bytes(c, &m.config, &cfg, &cfglen, err);
                if (r < 0)
                        return error_prefix(err, r, "config");
                p = new_plan(c);
                p->n_layers = m.n_layers;
                r = plan_config(p, cfg, cfglen, m.config.digest, err);
                if (r < 0)
                        return error_prefix(err, r, "config `%s`", m.config.digest);
                p->layer_sizes = xnew(int64_t, m.n_layers);
                for (size_t j = 0; j < m.n_layers; j++) {
                        const OciDescriptor *l = &m.layers[j];
                        _cleanup_close_ int fd = -1;
                        uint64_t size = 0;
                        r = blob_store_open_blob(c->s->blobs, l->digest, &fd, &size, err);
                        if (r < 0)
                                return error_prefix(err, r, "layer %zu", j);
                        if ((int64_t)size != l->size)
                                return error_set(err, EBADMSG,
                                                 "layer %zu: blob `%s` has %llu bytes, the "
                                                 "manifest says %lld",
                                                 j, l->digest, (unsigned long long)size,
                                                 (long long)l->size);
                        strv_push(&p->layer_digests, l->digest);
                        strv_push(&p->layer_media_types, l->media_type);
                        p->layer_sizes[j] = l->size;
                }
        }
        if (name) {
                add_name(&p->names, name);
                _cleanup_free_ char *repo = NULL, *tag = NULL;
                image_name_split(name, &repo, &tag);
                _cleanup_free_ char *rd = xasprintf("%s@%s", repo, desc->digest);
                if (!strv_contains(p->repo_digests, rd))
                        strv_push(&p->repo_digests, rd);
        }
        return 0;
}

static int plan_oci(LoadCtx *c, WarrenError **err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = file_bytes(c, "oci-layout", &buf, &len, err);
        if (r < 0)
                return r;
        r = oci_layout_check(buf, len, err);
        if (r < 0)
                return r;
        free(buf);
        buf = NULL;
        r = file_bytes(c, "index.json", &buf, &len, err);
        if (r < 0)
                return r;
        _cleanup_oci_index_ OciIndex idx = {0};
        r = oci_index_parse(buf, len, &idx, err);
        if (r < 0)
                return error_prefix(err, r, "index.json");
        for (size_t i = 0; i < idx.n; i++) {
                const OciDescriptor *d = &idx.manifests[i];
                const char *name = d->image_name;
                if (!name && d->ref_name && (strchr(d->ref_name, '/') || strchr(d->ref_name, ':')))
                        name = d->ref_name;
                r = plan_oci_manifest(c, d, name, 0, err);
                if (r < 0)
                        return error_prefix(err, r, "manifest `%s`", d->digest);
        }
        return 0;
}

static LayerStage *staged(LoadCtx *c, const char *diff_id) {
        for (size_t i = 0; i < c->n_stages; i++)
                if (STREQ(c->staged_ids[i], diff_id))
                        return c->stages[i];
        return NULL;
}

/*
 * Whether layer `diff_id`, over the layers whose chain id is `parent` (NULL for a base layer),
 * is already there (stored, or staged by this load): 1, or 0. A layer whose hardlinks copied
 * files up from the layers below it holds content of those layers, so it is not reused over
 * different ones (layers are keyed by diff id): that is refused.
 */
static int layer_present(LoadCtx *c, const char *diff_id, const char *parent, WarrenError **err) {
        _cleanup_free_ char *recorded = NULL;
        LayerStage *st = staged(c, diff_id);
        if (st) {
                const char *p = layer_stage_parent(st);
                recorded = p ? xstrdup(p) : NULL;
        } else if (layer_store_has(c->s->layers, diff_id)) {
                int r = layer_store_parent(c->s->layers, diff_id, &recorded, err);
                if (r < 0)
                        return r;
        } else
                return 0;
        if (recorded && (!parent || STRNEQ(recorded, parent)))
                return error_set(err, ENOTSUP,
                                 "`%s` holds files its hardlinks copied from the layers below "
                                 "it in another image (chain `%s`), and this image has other "
                                 "layers below it: remove the images that use it first",
                                 diff_id, recorded);
        return 1;
}

/* The directory of a layer that is there: staged by this load, or stored. */
static char *layer_dir(LoadCtx *c, const char *diff_id) {
        LayerStage *st = staged(c, diff_id);
        return st ? layer_stage_diff_path(st) : layer_store_diff_path(c->s->layers, diff_id);
}

static int unpack_plan(LoadCtx *c, ImagePlan *p, WarrenError **err) {
        char chain[DIGEST_STRING_MAX] = ""; /* of the layers below layer j */
        _cleanup_strv_ char **dirs = xnew(char *, p->n_layers + 1); /* of layers 0 .. j-1 */
        for (size_t j = 0; j < p->n_layers; j++) {
                const char *diff = p->config.diff_ids[j];
                const char *parent = j ? chain : NULL;
                int r = layer_present(c, diff, parent, err);
                if (r < 0)
                        return error_prefix(err, r, "layer %zu", j);
                if (r > 0)
                        PROGRESS(c, "layer %s already stored", diff);
                else {
                        PROGRESS(c, "unpacking layer %zu/%zu %s", j + 1, p->n_layers, diff);
                        LayerStage *st = NULL;
                        r = layer_stage_new(c->s->layers, &st, err);
                        if (r < 0)
                                return r;
                        c->stages = xreallocarray(c->stages, c->n_stages + 1, sizeof(LayerStage *));
                        c->stages[c->n_stages++] = st;
                        strv_push(&c->staged_ids, diff);
                        _cleanup_close_ int fd = -1;
                        r = blob_store_open_blob(c->s->blobs, p->layer_digests[j], &fd, NULL, err);
                        if (r < 0)
                                return r;
                        /* the layers below, nearest first (for hardlinks to their files) */
                        _cleanup_free_ char **lowers = xnew(char *, j + 1);
                        for (size_t k = 0; k < j; k++)
                                lowers[k] = dirs[j - 1 - k];
                        LayerUnpackOptions uo = {.limits = c->o->limits,
                                                 .known_blob_digest = p->layer_digests[j],
                                                 .lower_dirs = lowers};
                        LayerUnpackResult res;
                        r = layer_stage_unpack(st, fd, &uo, &res, err);
                        if (r < 0)
                                return error_prefix(err, r, "layer %zu (`%s`)", j,
                                                    p->layer_digests[j]);
                        if (STRNEQ(res.blob_digest, p->layer_digests[j]))
                                return error_set(err, EBADMSG,
                                                 "layer %zu: blob digest mismatch: expected `%s`, "
                                                 "content is `%s`",
                                                 j, p->layer_digests[j], res.blob_digest);
                        if (STRNEQ(res.diff_id, diff))
                                return error_set(err, EBADMSG,
                                                 "layer %zu: diff id mismatch: the config says "
                                                 "`%s`, the content is `%s`",
                                                 j, diff, res.diff_id);
                        if (res.copied_up > 0)
                                layer_stage_set_parent(st, parent);
                }
                dirs[j] = layer_dir(c, diff);
                digest_chain_id(parent, diff, chain);
        }
        return 0;
}

static int unpack_layers(LoadCtx *c, WarrenError **err) {
        for (size_t i = 0; i < c->n_plans; i++) {
                int r = unpack_plan(c, &c->plans[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int commit_layers(LoadCtx *c, WarrenError **err) {
        for (size_t i = 0; i < c->n_stages; i++) {
                int r = layer_stage_commit(c->stages[i], c->staged_ids[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void image_from_plan(const ImagePlan *p, Image *img) {
        memset(img, 0, sizeof(*img));
        img->id = p->config_digest;
        char chain[DIGEST_STRING_MAX] = "";
        for (size_t j = 0; j < p->n_layers; j++)
                digest_chain_id(j ? chain : NULL, p->config.diff_ids[j], chain);
        img->chain_id = xstrdup(chain);
        img->repo_tags = p->names;
        img->repo_digests = p->repo_digests;
        img->config = p->config.doc;
        img->n_layers = p->n_layers;
        img->layers = xnew(ImageLayer, p->n_layers);
        for (size_t j = 0; j < p->n_layers; j++) {
                img->layers[j].diff_id = p->config.diff_ids[j];
                img->layers[j].digest = p->layer_digests[j];
                img->layers[j].media_type = p->layer_media_types[j];
                img->layers[j].size = p->layer_sizes[j];
                img->size += p->layer_sizes[j];
        }
        img->size += (int64_t)p->config_len;
}

/* Write the records; an image already stored gets the new names. */
static int write_records(LoadCtx *c, char ***loaded, WarrenError **err) {
        for (size_t i = 0; i < c->n_plans; i++) {
                ImagePlan *p = &c->plans[i];
                char digest[DIGEST_STRING_MAX];
                int r = blob_store_put(c->s->blobs, p->config_data, p->config_len, p->config_digest,
                                       digest, err);
                if (r < 0)
                        return error_prefix(err, r, "config");
                Image img;
                image_from_plan(p, &img);
                r = image_store_create(c->s->images, &img, err);
                free(img.chain_id);
                free(img.layers);
                if (r == -EEXIST) {
                        error_free(*err);
                        *err = NULL;
                        STRV_FOREACH (n, p->names) {
                                r = image_store_tag(c->s->images, p->config_digest, *n, err);
                                if (r < 0)
                                        return r;
                        }
                } else if (r < 0)
                        return error_prefix(err, r, "image `%s`", p->config_digest);
                if (p->names && p->names[0])
                        STRV_FOREACH (n, p->names)
                                strv_push(loaded, *n);
                else
                        strv_push(loaded, p->config_digest);
        }
        return 0;
}

/* Blobs this load added that no image uses (legacy files of docker-archives, manifests). */
static void drop_unused_blobs(LoadCtx *c) {
        STRV_FOREACH (b, c->new_blobs) {
                bool used = false;
                for (size_t i = 0; i < c->n_plans && !used; i++) {
                        const ImagePlan *p = &c->plans[i];
                        used = STREQ(p->config_digest, *b) || strv_contains(p->layer_digests, *b);
                }
                if (!used)
                        (void)blob_store_remove(c->s->blobs, *b, NULL);
        }
}

int image_load(ImageStorage *s, int fd, const ImageLoadOptions *opts, char ***ret_loaded,
               WarrenError **err) {
        static const ImageLoadOptions no_opts = {0};
        LoadCtx c = {.s = s, .o = opts ? opts : &no_opts};
        _cleanup_strv_ char **loaded = NULL;
        int r = read_archive(&c, fd, err);
        if (r >= 0) {
                if (find_file(&c, "manifest.json")) {
                        log_debug("load: docker-archive");
                        r = plan_docker(&c, err);
                } else if (find_file(&c, "index.json")) {
                        log_debug("load: OCI archive");
                        r = plan_oci(&c, err);
                } else
                        r = error_set(err, EINVAL,
                                      "not a docker-archive or OCI archive: no "
                                      "`manifest.json` or `index.json`");
        }
        if (r >= 0 && c.n_plans == 0)
                r = error_set(err, EINVAL, "the archive holds no image");
        if (r >= 0)
                r = unpack_layers(&c, err);
        if (r >= 0)
                r = commit_layers(&c, err);
        if (r >= 0)
                r = write_records(&c, &loaded, err);
        if (r >= 0)
                drop_unused_blobs(&c);
        ctx_done(&c, r < 0);
        if (r < 0)
                return r;
        *ret_loaded = TAKE_PTR(loaded);
        return 0;
}

static char *now_rfc3339(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char buf[64];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

int image_import(ImageStorage *s, int fd, const char *name, char *const *changes,
                 const char *message, const ImageLoadOptions *opts, char **ret_id,
                 WarrenError **err) {
        static const ImageLoadOptions no_opts = {0};
        LoadCtx c = {.s = s, .o = opts ? opts : &no_opts};
        _cleanup_free_ char *norm = NULL;
        int r = 0;
        if (name && (r = image_name_normalize(name, &norm, err)) < 0)
                return r;
        /* The tarball as it came is the layer blob. */
        _cleanup_blob_writer_ BlobWriter *w = NULL;
        char blob[DIGEST_STRING_MAX];
        uint64_t blob_size = 0;
        r = blob_writer_new(s->blobs, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = xmalloc(1024 * 1024);
        for (;;) {
                ssize_t n = read(fd, buf, 1024 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read tarball");
                if (n == 0)
                        break;
                r = blob_writer_write(w, buf, (size_t)n, err);
                if (r < 0)
                        return r;
        }
        r = blob_writer_commit(w, NULL, blob, &blob_size, err);
        if (r < 0)
                return r;
        if (r > 0)
                strv_push(&c.new_blobs, blob);
        _cleanup_close_ int bfd = -1;
        LayerStage *st = NULL;
        LayerUnpackResult res;
        ImagePlan *p = new_plan(&c);
        JsonValue *doc = NULL;
        _cleanup_free_ char *now = NULL, *text = NULL;
        _cleanup_strv_ char **loaded = NULL;
        if ((r = blob_store_open_blob(s->blobs, blob, &bfd, NULL, err)) < 0 ||
            (r = layer_stage_new(s->layers, &st, err)) < 0)
                goto out;
        c.stages = xnew(LayerStage *, 1);
        c.stages[c.n_stages++] = st;
        PROGRESS(&c, "unpacking %s", blob);
        LayerUnpackOptions uo = {.limits = c.o->limits, .known_blob_digest = blob};
        r = layer_stage_unpack(st, bfd, &uo, &res, err);
        if (r < 0) {
                r = error_prefix(err, r, "tarball");
                goto out;
        }
        strv_push(&c.staged_ids, res.diff_id);
        /* The config. */
        now = now_rfc3339();
        doc = json_new_object();
        json_object_set(doc, "created", json_new_string(now));
        json_object_set(doc, "architecture", json_new_string(host_arch()));
        json_object_set(doc, "os", json_new_string("linux"));
        JsonValue *cfg = json_new_object();
        json_object_set(doc, "config", cfg);
        STRV_FOREACH (ch, changes) {
                r = image_change_apply(cfg, *ch, err);
                if (r < 0) {
                        r = error_prefix(err, r, "change `%s`", *ch);
                        goto out;
                }
        }
        JsonValue *rootfs = json_new_object();
        json_object_set(rootfs, "type", json_new_string("layers"));
        JsonValue *ids = json_new_array();
        json_array_append(ids, json_new_string(res.diff_id));
        json_object_set(rootfs, "diff_ids", ids);
        json_object_set(doc, "rootfs", rootfs);
        JsonValue *hist = json_new_array(), *h = json_new_object();
        json_object_set(h, "created", json_new_string(now));
        json_object_set(h, "created_by", json_new_string("warren import"));
        if (message)
                json_object_set(h, "comment", json_new_string(message));
        json_array_append(hist, h);
        json_object_set(doc, "history", hist);
        r = json_to_string(doc, false, &text, err);
        if (r < 0)
                goto out;
        char digest[DIGEST_STRING_MAX];
        digest_buffer(text, strlen(text), digest);
        p->n_layers = 1;
        r = plan_config(p, xstrdup(text), strlen(text), digest, err);
        if (r < 0)
                goto out;
        strv_push(&p->layer_digests, blob);
        strv_push(&p->layer_media_types,
                  image_layer_media_type_for(STREQ(res.compression, "gzip") ? LAYER_COMPRESSION_GZIP
                                             : STREQ(res.compression, "zstd")
                                                     ? LAYER_COMPRESSION_ZSTD
                                                     : LAYER_COMPRESSION_NONE));
        p->layer_sizes = xnew(int64_t, 1);
        p->layer_sizes[0] = (int64_t)blob_size;
        if (norm)
                strv_push(&p->names, norm);
        if ((r = commit_layers(&c, err)) < 0 || (r = write_records(&c, &loaded, err)) < 0)
                goto out;
        *ret_id = xstrdup(digest);
out:
        json_free(doc);
        ctx_done(&c, r < 0);
        return r < 0 ? r : 0;
}
