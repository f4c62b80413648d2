/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The per-user namespace holder (DESIGN.md, "Processes at run time"): one long-lived process per
 * user holding a user namespace mapped from /etc/subuid and /etc/subgid (or a single id when
 * those are missing) and a mount namespace where image layers are mounted. Commands join it
 * with setns() instead of paying for a new mapping each time, so every warren process of a
 * user sees the same ids and the same layer mounts. The role podman's pause process plays.
 *
 * State: `RUNDIR/holder.pid` holds "PID STARTTIME\n" (STARTTIME from /proc/PID/stat, so a
 * recycled pid is never taken for the holder); `RUNDIR/holder.lock` serialises starting one.
 * RUNDIR is $XDG_RUNTIME_DIR/warren (a tmpfs: a reboot forgets the holder, as it should).
 *
 * Root needs no holder: holder_join() is a no-op for euid 0.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

typedef struct HolderInfo {
        pid_t pid;
        uint64_t start_time;
        bool use_helpers; /* multi-range maps via newuidmap/newgidmap */
} HolderInfo;

/* Start the holder if it is not running; *ret describes the running one. */
int holder_ensure(const char *rundir, HolderInfo *ret, WarrenError **err);
/* Find a running holder without starting one: 1 found, 0 none. */
int holder_find(const char *rundir, HolderInfo *ret, WarrenError **err);
/* Join the holder's user and mount namespaces (starting it if needed). Afterwards the caller is
 * uid 0 in the user namespace. Must be called while single-threaded. A no-op when the caller
 * is already in the holder's namespaces, and for root. Returns 1 when it joined, 0 otherwise. */
int holder_join(const char *rundir, WarrenError **err);
/* Stop the holder (SIGTERM) and forget it. Containers that joined its namespaces keep them. */
int holder_stop(const char *rundir, WarrenError **err);
/* The start time of a process (field 22 of /proc/PID/stat), or 0. */
uint64_t holder_process_start_time(pid_t pid);
