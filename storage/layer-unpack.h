/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "basic/error.h"
#include "storage/digest.h"
#include "storage/layer-reader.h"

/*
 * Unpack one layer (a tar stream, plain, gzip or zstd) into a directory, the way overlayfs wants
 * a lower layer: OCI whiteouts become 0/0 character devices, opaque directories get
 * `user.overlay.opaque=y` (kernel overlayfs with userxattr) and `user.fuseoverlayfs.opaque=y`
 * (fuse-overlayfs). Every path is resolved beneath the directory (layer-path.h). Ownership,
 * modes (setuid included), mtimes and xattrs are kept where the process may set them; device
 * nodes and sockets are skipped with a warning. Run it inside the user namespace so that
 * ownership maps through the subordinate id range.
 *
 * A hardlink whose target is not in the layer (a file of a lower layer) is copied up: the link's
 * path gets a copy of the file the merged view of the layers below shows at the target (content,
 * mode, owner, xattrs, times), as overlayfs would copy it up; links to the same lower file share
 * one copy. A target that no layer shows (absent, deleted by a whiteout, hidden by an opaque
 * directory), or that is a directory, is refused.
 */

typedef struct LayerUnpackResult {
        char blob_digest[DIGEST_STRING_MAX]; /* of the bytes read (compressed or not) */
        char diff_id[DIGEST_STRING_MAX];     /* of the uncompressed tar */
        uint64_t blob_size;
        uint64_t tar_size;
        uint64_t entries;
        uint64_t content_size; /* bytes of regular file data */
        uint64_t whiteouts;
        uint64_t opaque_dirs;
        uint64_t skipped_devices;
        uint64_t owner_failures; /* chown refused (id not mapped): owner left as ours */
        uint64_t xattr_failures;
        uint64_t copied_up; /* hardlinks to a lower layer's file made copies (see above) */
        char compression[8];
} LayerUnpackResult;

typedef struct LayerUnpackOptions {
        const LayerLimits *limits; /* NULL: defaults */
        bool no_chown;             /* do not even try to chown (single-id mapping) */
        /* The input is a stored blob with this digest: it is not hashed again, and when it is
         * not compressed its diff id is the same digest (layer_reader_set_known_digest()). */
        const char *known_blob_digest;
        /* The directories of the layers below, nearest first, NULL-terminated (NULL: none), for
         * hardlinks to their files. They are opened only when a hardlink's target is not in this
         * layer, and are only read. */
        char *const *lower_dirs;
} LayerUnpackOptions;

/* Unpack the stream on `fd` into the directory `rootfd`. Nothing is verified here: the caller
 * compares the digests in *ret with what the manifest and config claim. */
int layer_unpack(int fd, int rootfd, const LayerUnpackOptions *opts, LayerUnpackResult *ret,
                 WarrenError **err);

/* Write the overlay whiteout for `name` in directory `dirfd` (0/0 char device). */
int layer_make_whiteout(int dirfd, const char *name, WarrenError **err);
/* Mark the directory `dirfd` (opened O_RDONLY) opaque for overlayfs and fuse-overlayfs. */
int layer_make_opaque(int dirfd, WarrenError **err);
