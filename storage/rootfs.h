/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"
#include "storage/image-storage.h"

/*
 * Root filesystems: per-container upper and work directories over an image's layers, through a
 * driver. Run inside the user and mount namespace that owns the layers' ids.
 *
 *   overlay         kernel overlayfs with `userxattr` (Linux >= 5.11 in a user namespace)
 *   fuse-overlayfs  /usr/bin/fuse-overlayfs (needs /dev/fuse)
 *   vfs             a full copy of the layers, whiteouts applied; no mount at all
 *
 * The driver is detected once (a probe mount in a scratch directory), the result kept in
 * <root>/rootfs/driver.json; `rootfs_driver_choose()` applies an override from
 * --storage-driver, then $WARREN_STORAGE_DRIVER, then `driver = "NAME"` in
 * $XDG_CONFIG_HOME/warren/storage.conf, else the detected one.
 *
 * Layout: <root>/rootfs/<id>/{rootfs.json,upper,work,merged}. Mounts are reference-counted in
 * <root>/rootfs/<id>/mounts (the count is checked against /proc/self/mountinfo, so a count
 * left by a namespace that is gone is not trusted).
 */
typedef enum RootfsDriver {
        ROOTFS_DRIVER_OVERLAY,
        ROOTFS_DRIVER_FUSE_OVERLAYFS,
        ROOTFS_DRIVER_VFS,
        _ROOTFS_DRIVER_MAX,
} RootfsDriver;

const char *rootfs_driver_to_string(RootfsDriver d);
int rootfs_driver_from_string(const char *s, RootfsDriver *ret, WarrenError **err);

/* Probe which drivers work here (in the current namespaces). *ret_reason explains fallbacks. */
int rootfs_driver_detect(ImageStorage *s, RootfsDriver *ret, char **ret_reason, WarrenError **err);
/* The override (may be NULL), else env, config, cached detection, detection. */
int rootfs_driver_choose(ImageStorage *s, const char *override, RootfsDriver *ret,
                         char **ret_reason, WarrenError **err);

/* Create the directories for container `id` over image `image_ref`. */
int rootfs_create(ImageStorage *s, const char *id, const char *image_ref, RootfsDriver driver,
                  WarrenError **err);
/* Mount (or take another reference); *ret_path is the merged directory. */
int rootfs_mount(ImageStorage *s, const char *id, char **ret_path, WarrenError **err);
/* Drop a reference; the last one unmounts. */
int rootfs_unmount(ImageStorage *s, const char *id, WarrenError **err);
/* Unmount if mounted and remove the container's directories. */
int rootfs_remove(ImageStorage *s, const char *id, WarrenError **err);
/* Bytes a container's root filesystem takes of its own: its upper (writable) directory, or for
 * vfs the whole copy. Apparent sizes of regular files and symlinks, not crossing mounts. */
int rootfs_disk_usage(ImageStorage *s, const char *id, uint64_t *ret, WarrenError **err);
/* Image ids and diff ids used by rootfs directories (so that rmi, prune and gc keep them). */
int rootfs_used_images(ImageStorage *s, char ***ret_image_ids, WarrenError **err);
int rootfs_used_layers(ImageStorage *s, char ***ret_diff_ids, WarrenError **err);
