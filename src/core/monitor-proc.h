/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Process identity for the monitor's liveness check. The monitor keeps its pid file open with an
 * OFD write lock for as long as it lives, so a checker asks the kernel (F_OFD_GETLK on the file
 * it just read: no /proc read, no pid-reuse question). The file also records "PID STARTTIME"
 * (the start time in clock ticks since boot, field 22 of /proc/PID/stat): for a file nobody
 * locks (a monitor of an earlier warren) the checker compares both, since a pid alone can be
 * reused.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

/* Field 22 of /proc/PID/stat. -ESRCH when the process is gone (or a zombie, which is as dead
 * for our purpose). */
int monitor_proc_starttime(pid_t pid, uint64_t *ret);
/* Parse the text of /proc/PID/stat (pure, for tests). */
int monitor_proc_parse_stat(const char *text, char *ret_state, uint64_t *ret_starttime);

/* Write "PID STARTTIME\n" for the calling process, atomically, as `name` in `dirfd`, locked:
 * the returned descriptor holds the lock (close-on-exec; keep it open while alive). */
int monitor_proc_write_pidfile_at(int dirfd, const char *name, int *ret_fd, WarrenError **err);
/* Read such a file (a bare "PID" is accepted, with starttime 0). Missing: -ENOENT, *err
 * untouched. ret_locked (optional): whether its writer still holds the lock. */
int monitor_proc_read_pidfile_at(int dirfd, const char *name, pid_t *ret_pid,
                                 uint64_t *ret_starttime, bool *ret_locked, WarrenError **err);
/* Is `pid` alive with this start time (0: do not compare)? */
bool monitor_proc_alive(pid_t pid, uint64_t starttime);

/*
 * OOM kills, counted by the cgroup `pid` is in: "oom_kill N" in memory.events (cgroup v2,
 * under /sys/fs/cgroup or /sys/fs/cgroup/unified) or in memory.oom_control (v1 memory
 * controller). Returns the counter file's path, or NULL when `pid` shares the caller's cgroup
 * (an OOM kill could then be anybody's) or no counter is readable.
 */
char *monitor_proc_oom_counter(pid_t pid);
int monitor_proc_oom_kills(const char *counter, uint64_t *ret);
/* The path of the cgroup (v2: hierarchy 0; else the v1 `controller`) in /proc/PID/cgroup text. */
char *monitor_proc_parse_cgroup(const char *text, const char *controller);
