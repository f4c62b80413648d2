/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "basic/error.h"
#include "storage/image-storage.h"
#include "storage/layer-reader.h"

/*
 * `load` and `import`: archives and tarballs into the stores.
 *
 * load: the archive (docker-archive or OCI archive, plain or compressed, from a file or a pipe)
 * is read once; its blobs go to the blob store (each checked against its name when the name is
 * a digest), its small documents to memory. Then the manifests and configs are parsed, every
 * layer is unpacked into staging and its diff id compared with the config, and only when every
 * layer of every image checks out are the layers committed and the image records written. On
 * any failure the blobs this load added are removed and staging is dropped: the store is as it
 * was.
 */
typedef struct ImageLoadOptions {
        ImageProgressFn progress; /* may be NULL */
        void *userdata;
        const LayerLimits *limits; /* NULL: defaults */
} ImageLoadOptions;

/* Returns the loaded names (or ids for untagged images), one per line docker would print. */
int image_load(ImageStorage *s, int fd, const ImageLoadOptions *opts, char ***ret_loaded,
               WarrenError **err);

/* A rootfs tarball (plain, gzip or zstd) becomes a one-layer image, named `name` (may be NULL),
 * its config changed by Dockerfile-style `changes` (image-change.h) and its history carrying
 * `message` (may be NULL). */
int image_import(ImageStorage *s, int fd, const char *name, char *const *changes,
                 const char *message, const ImageLoadOptions *opts, char **ret_id,
                 WarrenError **err);
