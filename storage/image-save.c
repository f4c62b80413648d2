/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/image-save.h"

#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/blob-store.h"
#include "storage/digest.h"
#include "storage/image-archive.h"
#include "storage/image-store.h"
#include "storage/layer-reader.h"

int image_archive_format_from_string(const char *s, ImageArchiveFormat *ret, WarrenError **err) {
        if (STREQ(s, "docker-archive") || STREQ(s, "docker"))
                *ret = IMAGE_ARCHIVE_DOCKER;
        else if (STREQ(s, "oci-archive") || STREQ(s, "oci"))
                *ret = IMAGE_ARCHIVE_OCI;
        else
                return error_set(err, EINVAL,
                                 "unknown archive format `%s` (docker-archive or oci-archive)", s);
        return 0;
}

typedef struct SaveCtx {
        ImageStorage *s;
        TarWriter *w;
        char **written; /* paths already in the archive */
        char *buf;
} SaveCtx;

static int put_bytes(SaveCtx *c, const char *path, const void *data, size_t len,
                     WarrenError **err) {
        if (strv_contains(c->written, path))
                return 0;
        int r = tar_writer_file(c->w, path, len, 0644, 0, err);
        if (r < 0)
                return r;
        r = tar_writer_data(c->w, data, len, err);
        if (r < 0)
                return r;
        strv_push(&c->written, path);
        return 0;
}

static int put_blob(SaveCtx *c, const char *path, const char *digest, WarrenError **err) {
        if (strv_contains(c->written, path))
                return 0;
        _cleanup_close_ int fd = -1;
        uint64_t size = 0;
        int r = blob_store_open_blob(c->s->blobs, digest, &fd, &size, err);
        if (r < 0)
                return r;
        r = tar_writer_file(c->w, path, size, 0644, 0, err);
        if (r < 0)
                return r;
        uint64_t left = size;
        while (left > 0) {
                ssize_t n = read(fd, c->buf, MIN(left, (uint64_t)1024 * 1024));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read blob `%s`", digest);
                if (n == 0)
                        return error_set(err, EIO, "blob `%s` shrank while saving", digest);
                r = tar_writer_data(c->w, c->buf, (size_t)n, err);
                if (r < 0)
                        return r;
                left -= (uint64_t)n;
        }
        strv_push(&c->written, path);
        return 0;
}

static const char *hex(const char *digest) {
        return digest + strlen(DIGEST_PREFIX);
}

typedef struct Selected {
        Image img;
        char **names; /* the names to write for it */
} Selected;

static void add_selected(Selected **sel, size_t *n, const Image *img, const char *name) {
        size_t k;
        for (k = 0; k < *n; k++)
                if (STREQ((*sel)[k].img.id, img->id))
                        break;
        if (k == *n) {
                *sel = xreallocarray(*sel, *n + 1, sizeof(Selected));
                memset(&(*sel)[*n], 0, sizeof(Selected));
                image_copy(&(*sel)[*n].img, img);
                (*n)++;
        }
        if (name && !strv_contains((*sel)[k].names, name))
                strv_push(&(*sel)[k].names, name);
}

/* A repository without a tag (`save alpine`) selects every tag of it, as docker does. */
static int repo_matches(ImageStorage *s, const char *repo, Selected **sel, size_t *n) {
        const char *slash = strrchr(repo, '/');
        const char *colon = strrchr(repo, ':');
        if (strchr(repo, '@') || (colon && (!slash || colon > slash)))
                return 0;
        StoreList list = {0};
        if (image_store_list(s->images, NULL, &list, NULL) < 0)
                return 0;
        _cleanup_free_ char *prefix = xasprintf("%s:", repo);
        int found = 0;
        for (size_t i = 0; i < list.n; i++) {
                const Image *img = IMAGE_LIST_AT(&list, i);
                STRV_FOREACH (t, img->repo_tags)
                        if (STARTS_WITH(*t, prefix)) {
                                add_selected(sel, n, img, *t);
                                found++;
                        }
        }
        store_list_clear(&list);
        return found;
}

static int select_images(ImageStorage *s, char *const *refs, Selected **ret, size_t *ret_n,
                         WarrenError **err) {
        Selected *sel = NULL;
        size_t n = 0;
        int r = 0;
        STRV_FOREACH (ref, refs) {
                Image img = {0};
                _cleanup_free_ char *norm = NULL;
                (void)image_name_normalize(*ref, &norm, NULL);
                r = image_store_find(s->images, *ref, &img, err);
                if (r == -ENOENT && repo_matches(s, *ref, &sel, &n) > 0) {
                        error_free(*err);
                        *err = NULL;
                        continue;
                }
                if (r < 0)
                        goto fail;
                bool by_name = strv_contains(img.repo_tags, norm ? norm : *ref);
                size_t k;
                for (k = 0; k < n; k++)
                        if (STREQ(sel[k].img.id, img.id))
                                break;
                if (k == n) {
                        sel = xreallocarray(sel, n + 1, sizeof(Selected));
                        memset(&sel[n], 0, sizeof(Selected));
                        image_copy(&sel[n].img, &img);
                        n++;
                }
                if (by_name)
                        strv_push(&sel[k].names, norm ? norm : *ref);
                else
                        STRV_FOREACH (t, img.repo_tags)
                                if (!strv_contains(sel[k].names, *t))
                                        strv_push(&sel[k].names, *t);
                image_clear(&img);
        }
        *ret = sel;
        *ret_n = n;
        return 0;
fail:
        for (size_t k = 0; k < n; k++) {
                image_clear(&sel[k].img);
                strv_free(sel[k].names);
        }
        free(sel);
        return r;
}

static int save_docker(SaveCtx *c, Selected *sel, size_t n, WarrenError **err) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(false);
        json_gen_begin_array(g);
        for (size_t i = 0; i < n; i++) {
                const Image *img = &sel[i].img;
                _cleanup_free_ char *cfgpath = xasprintf("%s.json", hex(img->id));
                int r = put_blob(c, cfgpath, img->id, err);
                if (r < 0)
                        return error_prefix(err, r, "config of `%s`", img->id);
                json_gen_begin_object(g);
                json_gen_kv_string(g, "Config", cfgpath);
                json_gen_key(g, "RepoTags");
                json_gen_begin_array(g);
                STRV_FOREACH (t, sel[i].names)
                        json_gen_string(g, *t);
                json_gen_end_array(g);
                json_gen_key(g, "Layers");
                json_gen_begin_array(g);
                for (size_t j = 0; j < img->n_layers; j++) {
                        _cleanup_free_ char *lp =
                                xasprintf("%s/layer.tar", hex(img->layers[j].diff_id));
                        r = put_blob(c, lp, img->layers[j].digest, err);
                        if (r < 0)
                                return error_prefix(err, r, "layer %zu of `%s`", j, img->id);
                        json_gen_string(g, lp);
                }
                json_gen_end_array(g);
                json_gen_end_object(g);
        }
        json_gen_end_array(g);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = json_gen_finish(g, &text, &len, err);
        if (r < 0)
                return r;
        return put_bytes(c, "manifest.json", text, len, err);
}

static void gen_descriptor(JsonGen *g, const char *media_type, const char *digest, int64_t size) {
        json_gen_begin_object(g);
        json_gen_kv_string(g, "mediaType", media_type);
        json_gen_kv_string(g, "digest", digest);
        json_gen_kv_int(g, "size", size);
}

static int save_oci(SaveCtx *c, Selected *sel, size_t n, WarrenError **err) {
        static const char layout[] = "{\"imageLayoutVersion\":\"" OCI_LAYOUT_VERSION "\"}";
        int r = put_bytes(c, "oci-layout", layout, strlen(layout), err);
        if (r < 0)
                return r;
        _cleanup_json_gen_ JsonGen *idx = json_gen_new(false);
        json_gen_begin_object(idx);
        json_gen_kv_int(idx, "schemaVersion", 2);
        json_gen_kv_string(idx, "mediaType", MEDIA_TYPE_OCI_INDEX);
        json_gen_key(idx, "manifests");
        json_gen_begin_array(idx);
        for (size_t i = 0; i < n; i++) {
                const Image *img = &sel[i].img;
                _cleanup_free_ char *cfgpath = xasprintf("blobs/sha256/%s", hex(img->id));
                r = put_blob(c, cfgpath, img->id, err);
                if (r < 0)
                        return error_prefix(err, r, "config of `%s`", img->id);
                uint64_t cfgsize = 0;
                _cleanup_close_ int cfd = -1;
                r = blob_store_open_blob(c->s->blobs, img->id, &cfd, &cfgsize, err);
                if (r < 0)
                        return r;
                _cleanup_json_gen_ JsonGen *m = json_gen_new(false);
                json_gen_begin_object(m);
                json_gen_kv_int(m, "schemaVersion", 2);
                json_gen_kv_string(m, "mediaType", MEDIA_TYPE_OCI_MANIFEST);
                json_gen_key(m, "config");
                gen_descriptor(m, MEDIA_TYPE_OCI_CONFIG, img->id, (int64_t)cfgsize);
                json_gen_end_object(m);
                json_gen_key(m, "layers");
                json_gen_begin_array(m);
                for (size_t j = 0; j < img->n_layers; j++) {
                        const ImageLayer *l = &img->layers[j];
                        _cleanup_free_ char *lp = xasprintf("blobs/sha256/%s", hex(l->digest));
                        r = put_blob(c, lp, l->digest, err);
                        if (r < 0)
                                return error_prefix(err, r, "layer %zu of `%s`", j, img->id);
                        gen_descriptor(m, l->media_type ? l->media_type : MEDIA_TYPE_OCI_LAYER,
                                       l->digest, l->size);
                        json_gen_end_object(m);
                }
                json_gen_end_array(m);
                json_gen_end_object(m);
                _cleanup_free_ char *mtext = NULL;
                size_t mlen = 0;
                r = json_gen_finish(m, &mtext, &mlen, err);
                if (r < 0)
                        return r;
                char mdigest[DIGEST_STRING_MAX];
                digest_buffer(mtext, mlen, mdigest);
                _cleanup_free_ char *mpath = xasprintf("blobs/sha256/%s", hex(mdigest));
                r = put_bytes(c, mpath, mtext, mlen, err);
                if (r < 0)
                        return r;
                size_t k = 0;
                do {
                        const char *name = sel[i].names ? sel[i].names[k] : NULL;
                        gen_descriptor(idx, MEDIA_TYPE_OCI_MANIFEST, mdigest, (int64_t)mlen);
                        if (name) {
                                _cleanup_free_ char *repo = NULL, *tag = NULL;
                                image_name_split(name, &repo, &tag);
                                json_gen_key(idx, "annotations");
                                json_gen_begin_object(idx);
                                json_gen_kv_string(idx, ANNOTATION_IMAGE_NAME, name);
                                json_gen_kv_string(idx, ANNOTATION_REF_NAME, tag);
                                json_gen_end_object(idx);
                        }
                        json_gen_end_object(idx);
                } while (sel[i].names && sel[i].names[++k]);
        }
        json_gen_end_array(idx);
        json_gen_end_object(idx);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        r = json_gen_finish(idx, &text, &len, err);
        if (r < 0)
                return r;
        return put_bytes(c, "index.json", text, len, err);
}

int image_save(ImageStorage *s, char *const *refs, ImageArchiveFormat format, int fd,
               WarrenError **err) {
        if (!refs || !refs[0])
                return error_set(err, EINVAL, "no image to save");
        Selected *sel = NULL;
        size_t n = 0;
        int r = select_images(s, refs, &sel, &n, err);
        if (r < 0)
                return r;
        SaveCtx c = {.s = s, .buf = xmalloc(1024 * 1024)};
        r = tar_writer_new(fd, &c.w, err);
        if (r >= 0)
                r = format == IMAGE_ARCHIVE_OCI ? save_oci(&c, sel, n, err)
                                                : save_docker(&c, sel, n, err);
        if (r >= 0)
                r = tar_writer_close(c.w, err);
        tar_writer_free(c.w);
        strv_free(c.written);
        free(c.buf);
        for (size_t k = 0; k < n; k++) {
                image_clear(&sel[k].img);
                strv_free(sel[k].names);
        }
        free(sel);
        return r < 0 ? r : 0;
}
