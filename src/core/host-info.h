/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What this host offers warren, probed once: user namespaces and id mapping, overlay in a user
 * namespace, /dev/fuse and fuse-overlayfs, /dev/net/tun, the cgroup layout and delegation,
 * seccomp. Each probe says what it found and, when a feature is missing, why and what warren
 * does instead (DESIGN.md, "Degraded hosts"). `warren info` prints it.
 */

#include <stdbool.h>

#include "basic/error.h"

typedef struct JsonValue JsonValue;

typedef enum CgroupLayout {
        CGROUP_LAYOUT_UNKNOWN,
        CGROUP_LAYOUT_V1,
        CGROUP_LAYOUT_HYBRID,
        CGROUP_LAYOUT_UNIFIED,
} CgroupLayout;

typedef struct HostFeature {
        bool available;
        char *detail; /* what was found, or why it is missing */
} HostFeature;

typedef struct HostInfo {
        char *kernel;
        HostFeature userns;      /* unprivileged user namespaces */
        HostFeature idmap;       /* multi-range mapping via newuidmap/newgidmap */
        char *idmap_mode;        /* "subuid ranges via newuidmap" or "single id" */
        char *uid_map, *gid_map; /* the maps warren would use, kernel text on one line */
        HostFeature overlay;     /* kernel overlayfs inside a user namespace */
        HostFeature fuse;        /* /dev/fuse and fuse-overlayfs */
        HostFeature tun;         /* /dev/net/tun */
        HostFeature seccomp;
        CgroupLayout cgroup_layout;
        char *cgroup_path;       /* our own cgroup (v2 path, or v1 memory path) */
        HostFeature cgroup_delegated; /* a writable cgroup for limits */
        bool cgroup_v2_hugetlb;  /* hugetlb on the v2 hierarchy of a hybrid host (crun refuses) */
        bool systemd_pid1;
        char *storage_driver;    /* overlay, fuse-overlayfs or vfs: the automatic choice */
        char **degraded;         /* one line per missing feature: what and what warren does */
} HostInfo;

/* Probe everything. Probes that fork (userns, overlay) take a few milliseconds. */
int host_info_probe(HostInfo *ret, WarrenError **err);
void host_info_done(HostInfo *h);
const char *cgroup_layout_to_string(CgroupLayout l);
CgroupLayout cgroup_layout_detect(void);
/* As JSON, for `warren info --format json`. */
JsonValue *host_info_to_json(const HostInfo *h);

/* Single probes, usable on their own. */
bool host_probe_userns(char **ret_detail);
bool host_probe_overlay_in_userns(char **ret_detail);
bool host_probe_fuse(char **ret_detail);
bool host_probe_tun(char **ret_detail);
