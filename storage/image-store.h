/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "storage/store.h"

/*
 * Image records ($XDG_DATA_HOME/warren/images/), after cri-containerd's ImageMetadata.
 * The id is the config digest ("sha256:<64 hex>"). A repo tag ("docker.io/library/alpine:3.19")
 * or repo digest ("docker.io/library/alpine@sha256:...") names exactly one image: tagging an
 * image with a tag another image holds moves the tag (the other image keeps its other names,
 * and is "dangling" when it has none left).
 */

typedef struct JsonValue JsonValue;

typedef struct ImageLayer {
        char *diff_id;    /* uncompressed digest (rootfs.diff_ids) */
        char *digest;     /* blob digest as stored/pulled (manifest layers[].digest) */
        char *media_type; /* blob media type */
        int64_t size;     /* blob size in bytes */
} ImageLayer;

typedef struct Image {
        char *id;       /* config digest, "sha256:..." */
        char *chain_id; /* chain id of the top layer */
        char **repo_tags;
        char **repo_digests;
        int64_t size;      /* compressed size */
        JsonValue *config; /* the OCI image config document, as is */
        ImageLayer *layers;
        size_t n_layers;
        int64_t created_at; /* ns; when it was stored here */
        int64_t updated_at;
        JsonValue *extensions; /* object: opaque JSON by key */
        JsonValue *unknown;    /* keys this version does not know, kept */
} Image;

#define IMAGE_RECORD_VERSION 1
extern const RecordType image_record_type;
extern const StoreSchema image_store_schema;

void image_clear(Image *img);
void image_copy(Image *dst, const Image *src);
/* "labels" of the image config (config.config.Labels.KEY), or NULL. */
const char *image_label(const Image *img, const char *key);

typedef struct ImageStore ImageStore;

/* Open the store in `dir` (NULL: $XDG_DATA_HOME/warren/images). Nothing is created yet. */
int image_store_open(const char *dir, ImageStore **ret, WarrenError **err);
ImageStore *image_store_free(ImageStore *s);
static inline void image_store_freep(ImageStore **s) {
        image_store_free(*s);
}
#define _cleanup_image_store_ _cleanup_(image_store_freep)
Store *image_store_base(ImageStore *s);

/* Create an image record. Its repo tags and digests move to it from any image holding them
 * (as a pull of a newer alpine:latest does). An existing id is -EEXIST. created_at and
 * updated_at are set when zero. */
int image_store_create(ImageStore *s, const Image *img, WarrenError **err);
/* Get by tag ("alpine" means "docker.io/library/alpine:latest" only if stored so; no
 * normalisation here), repo digest, full id ("sha256:..."), bare hex id, or unique id prefix
 * (with or without "sha256:"). */
int image_store_get(ImageStore *s, const char *ref, Image *ret, WarrenError **err);
/* Look an image up as a person names it: as given, then normalised ("bb" -> "bb:latest"), as
 * docker does. Not found is -ENOENT with "no such image `REF`". */
int image_store_find(ImageStore *s, const char *ref, Image *ret, WarrenError **err);
typedef int (*ImageUpdateFunc)(Image *img, void *userdata, WarrenError **err);
int image_store_update(ImageStore *s, const char *ref, ImageUpdateFunc fn, void *userdata,
                       Image *ret, WarrenError **err);
int image_store_update_paths(ImageStore *s, const char *ref, const Image *src, char *const *paths,
                             Image *ret, WarrenError **err);
/* Filters: id, name/reference/tag (repo tags), digest (repo digests), label, dangling
 * (true/false), chain_id; see filter.h for the syntax. */
int image_store_list(ImageStore *s, const Filter *filter, StoreList *ret, WarrenError **err);
#define IMAGE_LIST_AT(l, i) STORE_LIST_AT(l, Image, i)
int image_store_delete(ImageStore *s, const char *ref, WarrenError **err);

/* Point `tag` at the image `ref`, moving it from the image that had it. */
int image_store_tag(ImageStore *s, const char *ref, const char *tag, WarrenError **err);
/* Remove `tag` from the image that has it (-ENOENT when none). */
int image_store_untag(ImageStore *s, const char *tag, WarrenError **err);
