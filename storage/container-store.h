/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "storage/store.h"

/*
 * Container records ($XDG_DATA_HOME/warren/containers/), after cri-containerd's
 * ContainerMetadata and containerd's Container. Times are nanoseconds since the epoch (0:
 * unset). The state is not stored: container_state() derives it from the fields.
 */

typedef struct JsonValue JsonValue;

typedef struct ContainerMount {
        char *container_path;
        char *host_path;   /* NULL for a named volume or tmpfs */
        char *volume;      /* named volume, or NULL */
        char *type;        /* "bind" (default), "volume", "tmpfs" */
        char *propagation; /* "private", "rslave", "rshared", or NULL */
        bool readonly;
        bool selinux_relabel;
} ContainerMount;

typedef struct ContainerRestartPolicy {
        char *name; /* "no", "always", "on-failure", "unless-stopped" */
        int64_t max_retries;
} ContainerRestartPolicy;

typedef struct ContainerSecurity {
        bool privileged;
        bool readonly_rootfs;
        bool no_new_privileges;
        char **cap_add;
        char **cap_drop;
        char *seccomp_profile; /* path, "unconfined", or NULL for the default */
        char *apparmor_profile;
        char *selinux_label;
        char **security_opt; /* docker's --security-opt, as given */
        char **masked_paths;
        char **readonly_paths;
} ContainerSecurity;

typedef struct ContainerConfig {
        char **command; /* entrypoint */
        char **args;
        char **env;
        char *working_dir;
        char *user;
        char *hostname;
        ContainerMount *mounts;
        size_t n_mounts;
        bool tty;
        bool stdin_open; /* "stdin" */
        bool stdin_once;
        char *log_path;
        char *stop_signal;
        int64_t stop_timeout; /* seconds */
        ContainerRestartPolicy restart_policy;
        ContainerSecurity security;
} ContainerConfig;

typedef struct ContainerStatus {
        int64_t pid;
        int64_t created_at;
        int64_t started_at;
        int64_t finished_at;
        int exit_code;
        char *reason;
        char *message;
        bool oom_killed;
        bool paused;
        bool removing;
        int64_t restart_count;
} ContainerStatus;

typedef struct ContainerImage {
        char *ref; /* as the user named it */
        char *id;  /* the image id (config digest) */
} ContainerImage;

typedef struct RuntimeInfo {
        char *name;         /* "warren-runtime", "crun", a path */
        JsonValue *options; /* runtime-specific, opaque */
} RuntimeInfo;

typedef struct Container {
        char *id;
        char *name;
        char *sandbox_id;
        ContainerImage image;
        RuntimeInfo runtime;
        ContainerConfig config;
        ContainerStatus status;
        char **labels;      /* strmap */
        char **annotations; /* strmap */
        JsonValue *extensions;
        int64_t updated_at;
        JsonValue *unknown;
} Container;

typedef enum ContainerState {
        CONTAINER_CREATED,
        CONTAINER_RUNNING,
        CONTAINER_PAUSED,
        CONTAINER_STOPPED,
        CONTAINER_UNKNOWN,
} ContainerState;

#define CONTAINER_RECORD_VERSION 1
extern const RecordType container_record_type;
extern const StoreSchema container_store_schema;

/* As cri-containerd's State(): finished -> stopped, started -> running (paused when paused),
 * created -> created, otherwise unknown. */
ContainerState container_state(const Container *c);
const char *container_state_to_string(ContainerState s); /* "created", "running", ... */
int container_state_from_string(const char *s);          /* -EINVAL when unknown */

void container_clear(Container *c);
void container_copy(Container *dst, const Container *src);

typedef struct ContainerStore ContainerStore;

/* Open the store in `dir` (NULL: $XDG_DATA_HOME/warren/containers). Nothing is created yet. */
int container_store_open(const char *dir, ContainerStore **ret, WarrenError **err);
ContainerStore *container_store_free(ContainerStore *s);
static inline void container_store_freep(ContainerStore **s) {
        container_store_free(*s);
}
#define _cleanup_container_store_ _cleanup_(container_store_freep)
Store *container_store_base(ContainerStore *s);

/* Create; status.created_at and updated_at are set when zero. Duplicate id or name: -EEXIST
 * (store_is_id_conflict() / store_is_name_conflict()). */
int container_store_create(ContainerStore *s, const Container *c, WarrenError **err);
/* By full id, name, or unique id prefix. */
int container_store_get(ContainerStore *s, const char *key, Container *ret, WarrenError **err);
typedef int (*ContainerUpdateFunc)(Container *c, void *userdata, WarrenError **err);
/* updated_at is set by the store. */
int container_store_update(ContainerStore *s, const char *key, ContainerUpdateFunc fn,
                           void *userdata, Container *ret, WarrenError **err);
/* Only the named fields change ("status.pid", "labels.app", "config.env", "name"). */
int container_store_update_paths(ContainerStore *s, const char *key, const Container *src,
                                 char *const *paths, Container *ret, WarrenError **err);
/* Filters: id, name, labels.KEY, annotations.KEY, state (a stopped container also matches
 * docker's "exited"), sandbox (id), image (ref or id), image.ref, image.id, runtime, and any
 * string field by path ("config.user"). */
int container_store_list(ContainerStore *s, const Filter *filter, StoreList *ret,
                         WarrenError **err);
#define CONTAINER_LIST_AT(l, i) STORE_LIST_AT(l, Container, i)
int container_store_delete(ContainerStore *s, const char *key, WarrenError **err);
