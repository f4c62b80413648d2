/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

/*
 * The stores an image operation works on, opened together:
 *   <root>/blobs/    blob-store.h (manifests, configs, layer blobs as they came)
 *   <root>/layers/   layer-store.h (unpacked layers by diff id)
 *   <root>/images/   image-store.h (image records: id, names, config, layers)
 * <root> is $XDG_DATA_HOME/warren (xdg.h) unless given.
 */
typedef struct BlobStore BlobStore;
typedef struct LayerStore LayerStore;
typedef struct ImageStore ImageStore;
typedef struct Image Image;

typedef struct ImageStorage {
        char *root;
        BlobStore *blobs;
        LayerStore *layers;
        ImageStore *images;
} ImageStorage;

/* `exclusive`: take the layer store lock exclusively (for deletions). */
int image_storage_open(const char *root, bool exclusive, ImageStorage **ret, WarrenError **err);
ImageStorage *image_storage_free(ImageStorage *s);
static inline void image_storage_freep(ImageStorage **s) {
        image_storage_free(*s);
}
#define _cleanup_image_storage_ _cleanup_(image_storage_freep)

/* Sum of the unpacked sizes of an image's layers (what `images` shows as SIZE). */
uint64_t image_storage_image_size(ImageStorage *s, const Image *img);

/* Ids of images that containers (container store) or rootfs directories use. */
int image_storage_images_in_use(ImageStorage *s, char ***ret_ids, WarrenError **err);

/* Remove layers and blobs that no image references. Returns the bytes of unpacked layers
 * removed (an estimate). Needs the storage opened `exclusive`. */
int image_storage_gc(ImageStorage *s, uint64_t *ret_freed, WarrenError **err);

/* Progress reports for the command line (the library never prints). */
typedef void (*ImageProgressFn)(void *userdata, const char *fmt, ...) _printf_(2, 3);
