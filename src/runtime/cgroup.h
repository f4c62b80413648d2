/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"

typedef struct OciResources OciResources;

/*
 * cgroups, best effort. A container gets a cgroup where one is writable: on the v2 hierarchy
 * (/sys/fs/cgroup when it is cgroup2, else /sys/fs/cgroup/unified on a hybrid host) and in each
 * writable v1 hierarchy of memory, pids, cpu and freezer. Nothing writable (the rootless case
 * without delegation): no cgroup, said at debug level. A hybrid host is never refused.
 */

/* Create the container's cgroups, move `pid` in and apply `res` (may be NULL). `path` is
 * linux.cgroupsPath (NULL: warren-runtime/ID under the caller's own cgroup). *ret gets the
 * directories used (possibly none). A resource that cannot be applied is an error only when a
 * cgroup exists whose controller should take it. */
int cgroup_setup(const char *id, const char *path, bool systemd, pid_t pid, const OciResources *res,
                 char ***ret, WarrenError **err);
/* Move `pid` into the given cgroups (exec). */
int cgroup_enter(char *const *dirs, pid_t pid, WarrenError **err);
/* Apply resources to existing cgroups (update). ENOTSUP when there is none. */
int cgroup_apply(char *const *dirs, const OciResources *res, WarrenError **err);
/* Remove the directories (empty cgroups), ignoring ones already gone. */
void cgroup_destroy(char *const *dirs);
/* The pids in the container's cgroups (first that can be read). ENOENT when none. */
int cgroup_pids(char *const *dirs, pid_t **ret, size_t *ret_n, WarrenError **err);
/* The freezer: cgroup.freeze (v2) or freezer.state (v1). ENOTSUP when none is writable. */
int cgroup_freeze(char *const *dirs, bool frozen, WarrenError **err);
bool cgroup_is_frozen(char *const *dirs);
