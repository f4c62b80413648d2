/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

/*
 * Container state under the runtime root (--root): ROOT/ID/state.json, written atomically.
 * The status shown to users is computed: a recorded pid that is gone (or reused: the start
 * time differs) is "stopped"; a frozen cgroup is "paused".
 */

#define STATE_FILE "state.json"
#define STATE_START_SOCKET "start.sock"
#define STATE_VERSION 1

typedef enum ContainerStatus {
        STATUS_CREATING,
        STATUS_CREATED,
        STATUS_RUNNING,
        STATUS_PAUSED,
        STATUS_STOPPED,
} ContainerStatus;

typedef struct ContainerState {
        char *id;
        pid_t pid;
        uint64_t pid_start;       /* /proc/PID/stat field 22 */
        ContainerStatus recorded; /* created or running */
        char *bundle;
        char *config_path;
        char *rootfs;
        char *created; /* RFC 3339 with nanoseconds */
        char *owner;
        char **annotations; /* key, value, ... */
        char **cgroups;     /* cgroup directories the container was put in */
        bool own_pidns;     /* the container has a pid namespace of its own */
        bool systemd_cgroup;
} ContainerState;

const char *container_status_name(ContainerStatus s);

/* An id is 1..1024 characters of [A-Za-z0-9_+.-], and not "." or "..". */
int container_state_check_id(const char *id, WarrenError **err);
/* The default --root: /run/warren-runtime for root, $XDG_RUNTIME_DIR/warren-runtime else. */
int container_state_default_root(char **ret, WarrenError **err);

ContainerState *container_state_free(ContainerState *s);
static inline void container_state_freep(ContainerState **s) {
        container_state_free(*s);
}
#define _cleanup_container_state_ _cleanup_(container_state_freep)

int container_state_to_json(const ContainerState *s, char **ret, WarrenError **err);
int container_state_from_json(const char *buf, size_t len, ContainerState **ret, WarrenError **err);

/* ROOT/ID/state.json. A missing container is ENOENT "container `x` does not exist". */
int container_state_load(const char *root, const char *id, ContainerState **ret, WarrenError **err);
int container_state_save(const char *root, const ContainerState *s, WarrenError **err);
/* Lock ROOT/ID (flock on the directory; released by closing *ret_fd) so that start, delete
 * and kill of one container do not interleave. A missing container is ENOENT. */
int container_state_lock(const char *root, const char *id, int *ret_fd, WarrenError **err);
/* Replace `path` atomically (temp file + rename), without fsync: runtime state lives on a tmpfs
 * normally and means nothing after a crash, and fsync on a disk would dominate start-up. */
int container_state_write_file(const char *path, const char *data, size_t len, mode_t mode,
                               WarrenError **err);
/* The ids under ROOT (sorted). */
int container_state_list(const char *root, char ***ret, WarrenError **err);

/* The start time of a process (field 22 of /proc/PID/stat), 0 when gone or a zombie. */
uint64_t container_state_pid_start_time(pid_t pid);
/* Whether s->pid is still the container's process. */
bool container_state_pid_alive(const ContainerState *s);
/* The status seen now (checks the process and the freezer). */
ContainerStatus container_state_status(const ContainerState *s);

/* The OCI state document (ociVersion, id, status, pid, bundle, annotations) as given to hooks
 * on stdin and printed by `state` (which adds rootfs, created, owner: runc's fields). */
int container_state_oci_json(const ContainerState *s, ContainerStatus status, bool runc_fields,
                             bool pretty, char **ret, WarrenError **err);

/* Now as RFC 3339 with nanoseconds ("2026-11-23T13:43:56.123456789Z"). */
char *container_state_now_rfc3339(void);
