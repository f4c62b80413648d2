/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A sandbox's infra process: it holds the network, IPC and UTS namespaces the sandbox's
 * containers share (DESIGN.md). It is `warren-pause` (a libc-free program of a few kilobytes)
 * started through the one clone code path with CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWUTS
 * (CLONE_NEWNET left out for --network host), after the hostname is set and the loopback
 * interface is up.
 *
 * Called from inside the namespace holder (or as root): the namespaces are owned by the
 * holder's user namespace, so containers created there can join them by path.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

typedef struct InfraOptions {
        const char *pause_path; /* warren-pause */
        const char *hostname;  /* NULL: leave the UTS namespace's default */
        bool host_network;     /* share the caller's network namespace */
        const char *sandbox_id; /* shown as argv[1], so that an infra process whose pid was
                                 * never recorded (its creator killed) can still be found */
} InfraOptions;

typedef struct InfraInfo {
        pid_t pid;
        uint64_t start_time;
} InfraInfo;

int infra_start(const InfraOptions *opts, InfraInfo *ret, WarrenError **err);
/* SIGKILL every infra process of this user started for `sandbox_id` (argv "warren-pause ID"):
 * for a sandbox whose creator died before it recorded the pid. Returns how many. */
int infra_kill_by_sandbox(const char *sandbox_id);
/* Alive and still the same process (start time matches, not a zombie). */
bool infra_alive(pid_t pid, uint64_t start_time);
/* SIGTERM, then SIGKILL after `timeout_ms`; a process already gone is success. */
int infra_stop(pid_t pid, uint64_t start_time, int timeout_ms, WarrenError **err);
/* "/proc/PID/ns/TYPE" (net, ipc, uts). */
char *infra_ns_path(pid_t pid, const char *type);
