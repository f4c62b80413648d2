/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

/*
 * Paths of tar entries inside a layer, and OCI whiteout names. Pure logic except
 * layer_path_open_parent(), which resolves beneath a root directory fd.
 */

/*
 * Clean a tar entry name into a relative path beneath the layer root: leading "/" and "./"
 * dropped (an absolute name is contained, as tar -x does), "." and empty components dropped,
 * ".." resolved lexically. A name that climbs above the root is EINVAL ("`../x` escapes the
 * layer root"); a component longer than 255 bytes or a path longer than 4095 is ENAMETOOLONG.
 * The root itself cleans to "". A NUL-free string is assumed (tar names cannot hold NUL).
 */
int layer_path_clean(const char *name, char **ret, WarrenError **err);

typedef enum LayerWhiteout {
        LAYER_WHITEOUT_NONE,   /* an ordinary entry */
        LAYER_WHITEOUT_FILE,   /* DIR/.wh.NAME: NAME is deleted */
        LAYER_WHITEOUT_OPAQUE, /* DIR/.wh..wh..opq: DIR hides the layers below */
        LAYER_WHITEOUT_META,   /* other .wh..wh.* (aufs metadata): ignored */
} LayerWhiteout;

/*
 * Classify a cleaned path. For FILE, *ret_dir is the directory ("" for the root) and *ret_name
 * the deleted name; for OPAQUE, *ret_dir is the opaque directory. A whiteout of "." or ".." or
 * of an empty name is EINVAL.
 */
int layer_path_whiteout(const char *clean, LayerWhiteout *ret_kind, char **ret_dir, char **ret_name,
                        WarrenError **err);

/* Split a cleaned, non-empty path into its directory ("" for the root) and last component. */
void layer_path_split(const char *clean, char **ret_dir, char **ret_base);

/* Whether an xattr from a tar may be set on unpacked files: overlay's own xattrs
 * (trusted.overlay.*, user.overlay.*, user.fuseoverlayfs.*) are refused, as they would
 * change what the merged view shows. */
bool layer_xattr_allowed(const char *name);

/*
 * Open directory `dir` (a cleaned path, "" for the root) beneath `rootfd` as an O_PATH fd, every
 * component resolved as if `rootfd` were "/": symlinks (absolute or relative, "..") cannot leave
 * it, magic links are refused. Uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or a
 * component-by-component walk when openat2 is missing. With `create`, missing directories are
 * created (0755). A symlink loop is ELOOP.
 */
int layer_path_open_dir(int rootfd, const char *dir, bool create, int *ret_fd, WarrenError **err);

/* Force the walk even when openat2 exists (tests). */
void layer_path_force_fallback(bool on);
