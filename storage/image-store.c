/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/image-store.h"

#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/image-archive.h"
#include "storage/record-migrate.h"

/* ---- the record ---- */

static const RecordField layer_fields[] = {
        RECORD_FIELD(ImageLayer, diff_id, "diff_id", RECORD_STRING, false),
        RECORD_FIELD(ImageLayer, digest, "digest", RECORD_STRING, false),
        RECORD_FIELD(ImageLayer, media_type, "media_type", RECORD_STRING, false),
        RECORD_FIELD(ImageLayer, size, "size", RECORD_INT64, false),
};
static const RecordTable layer_table =
        RECORD_TABLE(ImageLayer, "layer", layer_fields, RECORD_NO_UNKNOWN);

static const RecordField image_fields[] = {
        RECORD_FIELD(Image, id, "id", RECORD_STRING, true),
        RECORD_FIELD(Image, chain_id, "chain_id", RECORD_STRING, false),
        RECORD_FIELD(Image, repo_tags, "repo_tags", RECORD_STRV, false),
        RECORD_FIELD(Image, repo_digests, "repo_digests", RECORD_STRV, false),
        RECORD_FIELD(Image, size, "size", RECORD_INT64, false),
        RECORD_FIELD(Image, config, "config", RECORD_RAW, false),
        RECORD_FIELD_LIST(Image, layers, n_layers, "layers", &layer_table),
        RECORD_FIELD(Image, created_at, "created_at", RECORD_TIME, false),
        RECORD_FIELD(Image, updated_at, "updated_at", RECORD_TIME, false),
        RECORD_FIELD(Image, extensions, "extensions", RECORD_RAW, false),
};
static const RecordTable image_table =
        RECORD_TABLE(Image, "image", image_fields, offsetof(Image, unknown));

const RecordType image_record_type = {
        .name = "image",
        .version = IMAGE_RECORD_VERSION,
        .table = &image_table,
        .migrations = image_record_migrations,
        .n_migrations = image_record_n_migrations,
};

void image_clear(Image *img) {
        record_clear(&image_table, img);
}

void image_copy(Image *dst, const Image *src) {
        record_copy(&image_table, dst, src);
}

const char *image_label(const Image *img, const char *key) {
        return json_string(
                json_get(json_get_path(img->config, "config", "Labels", (const char *)NULL), key));
}

/* ---- schema ---- */

/* A repo digest names an image as a tag does ("repo@sha256:..."). */
static bool is_digest_ref(const char *name) {
        return strchr(name, '@') != NULL;
}

static char **image_names(const void *rec) {
        const Image *img = rec;
        char **l = NULL;
        STRV_FOREACH (t, img->repo_tags)
                strv_push(&l, *t);
        STRV_FOREACH (d, img->repo_digests)
                if (!strv_contains(l, *d))
                        strv_push(&l, *d);
        return l;
}

static void remove_from(char ***l, const char *s) {
        size_t n = strv_length(*l), k = 0;
        for (size_t i = 0; i < n; i++) {
                if (STREQ((*l)[i], s))
                        free((*l)[i]);
                else
                        (*l)[k++] = (*l)[i];
        }
        if (*l)
                (*l)[k] = NULL;
        if (k == 0)
                *l = strv_free(*l);
}

static void image_add_name(void *rec, const char *name) {
        Image *img = rec;
        char ***l = is_digest_ref(name) ? &img->repo_digests : &img->repo_tags;
        if (!strv_contains(*l, name))
                strv_push(l, name);
}

static void image_drop_name(void *rec, const char *name) {
        Image *img = rec;
        remove_from(&img->repo_tags, name);
        remove_from(&img->repo_digests, name);
}

static size_t image_adaptor(const void *obj, char *const *path, size_t n, const char **values,
                            size_t max) {
        const Image *img = obj;
        if (n == 0 || max < 2)
                return 0;
        if (n == 1 && STREQ(path[0], "id")) {
                size_t k = 0;
                values[k++] = img->id;
                const char *colon = strchr(img->id, ':');
                if (colon)
                        values[k++] = colon + 1;
                return k;
        }
        if (n == 1 && (STREQ(path[0], "name") || STREQ(path[0], "reference") ||
                       STREQ(path[0], "tag") || STREQ(path[0], "image"))) {
                char *const *p = (char *const[]){(char *)"repo_tags"};
                return record_field_values(&image_table, obj, p, 1, values, max);
        }
        if (n == 1 && STREQ(path[0], "digest")) {
                char *const *p = (char *const[]){(char *)"repo_digests"};
                return record_field_values(&image_table, obj, p, 1, values, max);
        }
        if (n == 1 && STREQ(path[0], "dangling")) {
                values[0] = img->repo_tags ? "false" : "true";
                return 1;
        }
        if (n >= 2 && (STREQ(path[0], "labels") || STREQ(path[0], "label"))) {
                char key[1024];
                size_t len = 0;
                for (size_t i = 1; i < n; i++) {
                        int w = snprintf(key + len, sizeof(key) - len, "%s%s", i > 1 ? "." : "",
                                         path[i]);
                        if (w < 0 || (size_t)w >= sizeof(key) - len)
                                return 0;
                        len += (size_t)w;
                }
                const char *v = image_label(img, key);
                if (!v)
                        return 0;
                values[0] = v;
                return 1;
        }
        return record_field_values(&image_table, obj, path, n, values, max);
}

const StoreSchema image_store_schema = {
        .type = &image_record_type,
        .id_offset = offsetof(Image, id),
        .names = image_names,
        .add_name = image_add_name,
        .drop_name = image_drop_name,
        .adaptor = image_adaptor,
        .verify_names = true,
        .has_updated_at = true,
        .updated_at_offset = offsetof(Image, updated_at),
};

/* ---- the store ---- */

struct ImageStore {
        Store *base;
};

int image_store_open(const char *dir, ImageStore **ret, WarrenError **err) {
        _cleanup_free_ char *def = NULL;
        if (!dir) {
                int r = store_default_dir("images", &def, err);
                if (r < 0)
                        return r;
                dir = def;
        }
        Store *base = NULL;
        int r = store_open(dir, &image_store_schema, &base, err);
        if (r < 0)
                return r;
        ImageStore *s = xnew(ImageStore, 1);
        s->base = base;
        *ret = s;
        return 0;
}

ImageStore *image_store_free(ImageStore *s) {
        if (s) {
                store_free(s->base);
                free(s);
        }
        return NULL;
}

Store *image_store_base(ImageStore *s) {
        return s->base;
}

int image_store_create(ImageStore *s, const Image *img, WarrenError **err) {
        Image copy = {};
        image_copy(&copy, img);
        if (copy.created_at == 0)
                copy.created_at = record_now();
        int r = store_create(s->base, &copy, STORE_MOVE_NAMES, err);
        image_clear(&copy);
        return r;
}

int image_store_get(ImageStore *s, const char *ref, Image *ret, WarrenError **err) {
        return store_get(s->base, ref, STORE_BY_ANY, ret, err);
}

int image_store_find(ImageStore *s, const char *ref, Image *ret, WarrenError **err) {
        int r = image_store_get(s, ref, ret, err);
        if (r != -ENOENT)
                return r;
        error_free(err ? TAKE_PTR(*err) : NULL);
        _cleanup_free_ char *norm = NULL;
        if (image_name_normalize(ref, &norm, NULL) == 0 && STRNEQ(norm, ref)) {
                r = image_store_get(s, norm, ret, err);
                if (r != -ENOENT)
                        return r;
                error_free(err ? TAKE_PTR(*err) : NULL);
        }
        return error_set(err, ENOENT, "no such image `%s`", ref);
}

typedef struct Trampoline {
        ImageUpdateFunc fn;
        void *userdata;
} Trampoline;

static int trampoline(void *rec, void *userdata, WarrenError **err) {
        Trampoline *t = userdata;
        return t->fn(rec, t->userdata, err);
}

int image_store_update(ImageStore *s, const char *ref, ImageUpdateFunc fn, void *userdata,
                       Image *ret, WarrenError **err) {
        Trampoline t = {fn, userdata};
        return store_update(s->base, ref, STORE_BY_ANY, trampoline, &t, ret, err);
}

int image_store_update_paths(ImageStore *s, const char *ref, const Image *src, char *const *paths,
                             Image *ret, WarrenError **err) {
        return store_update_paths(s->base, ref, STORE_BY_ANY, src, paths, ret, err);
}

int image_store_list(ImageStore *s, const Filter *filter, StoreList *ret, WarrenError **err) {
        return store_list(s->base, filter, ret, err);
}

int image_store_delete(ImageStore *s, const char *ref, WarrenError **err) {
        return store_delete(s->base, ref, STORE_BY_ANY, err);
}

int image_store_tag(ImageStore *s, const char *ref, const char *tag, WarrenError **err) {
        int r = store_move_name(s->base, tag, ref, STORE_BY_ANY, err);
        return r < 0 ? r : 0;
}

int image_store_untag(ImageStore *s, const char *tag, WarrenError **err) {
        return store_remove_name(s->base, tag, err);
}
