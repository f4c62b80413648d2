/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "basic/error.h"
#include "storage/image-storage.h"

/*
 * `save`: images into a docker-archive (manifest.json, <config-hex>.json,
 * <diff-hex>/layer.tar) or an OCI archive (oci-layout, index.json, blobs/sha256/...), as a plain
 * tar on `fd`. Configs and layer blobs are written byte for byte as stored, so loading the
 * archive again gives the same image ids. A layer shared by several images is written once.
 */
typedef enum ImageArchiveFormat {
        IMAGE_ARCHIVE_DOCKER,
        IMAGE_ARCHIVE_OCI,
} ImageArchiveFormat;

/* "docker-archive" / "oci-archive" (also "oci"). */
int image_archive_format_from_string(const char *s, ImageArchiveFormat *ret, WarrenError **err);

/* `refs`: names or ids as `images` accepts them. A name given selects that name only; an id
 * saves all the image's names. */
int image_save(ImageStorage *s, char *const *refs, ImageArchiveFormat format, int fd,
               WarrenError **err);
