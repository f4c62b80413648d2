/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

typedef struct OciConfig OciConfig;

/* What the container's namespaces allow, for the mount decisions. */
typedef struct RootfsSetup {
        const char *rootfs; /* absolute */
        const char *bundle; /* absolute, for relative mount sources */
        bool userns;        /* in a user namespace: no mknod, locked mount flags */
        bool own_netns;     /* else /sys is bound from the host */
        bool own_pidns;     /* else /proc is bound from the host */
        bool own_ipcns;
        bool own_cgroupns;
        bool no_pivot;
} RootfsSetup;

/* In the child, in its new mount namespace, before pivot_root: propagation, the rootfs bind,
 * the config's mounts, devices and /dev symlinks. */
int rootfs_setup_prepare(const OciConfig *c, const RootfsSetup *ctx, WarrenError **err);
/* pivot_root (or MS_MOVE + chroot with no_pivot) into ctx->rootfs. */
int rootfs_setup_pivot(const RootfsSetup *ctx, WarrenError **err);
/* After pivot: masked and read-only paths, rootfs propagation, a read-only root. */
int rootfs_setup_finish(const OciConfig *c, const RootfsSetup *ctx, WarrenError **err);
