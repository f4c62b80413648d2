/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "basic/json.h"

/*
 * The OCI runtime configuration (config.json) and the process description exec reads
 * (process.json), parsed into plain structs. Pure logic: no syscalls besides reading the file,
 * so the unit tests and the fuzz harness drive it directly. Errors name the field:
 * "`process.args` must not be empty".
 */

#define OCI_CONFIG_MAX_SIZE (4U * 1024U * 1024U)
#define OCI_VERSION "1.0.2-dev"

typedef struct OciUser {
        uint32_t uid;
        uint32_t gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
} OciUser;

typedef struct OciRlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
} OciRlimit;

typedef enum OciCapSet {
        OCI_CAP_BOUNDING,
        OCI_CAP_EFFECTIVE,
        OCI_CAP_INHERITABLE,
        OCI_CAP_PERMITTED,
        OCI_CAP_AMBIENT,
        _OCI_CAP_SET_MAX,
} OciCapSet;

typedef struct OciProcess {
        bool terminal;
        uint32_t console_height;
        uint32_t console_width;
        OciUser user;
        char **args;
        char **env;
        char *cwd;
        bool has_capabilities;
        char **capabilities[_OCI_CAP_SET_MAX]; /* NULL: the set is empty */
        OciRlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
} OciProcess;

typedef struct OciMount {
        char *destination;
        char *source;
        char *type;
        char **options;
} OciMount;

typedef struct OciHook {
        char *path;
        char **args;
        char **env;
        int timeout; /* seconds, 0: none */
} OciHook;

typedef enum OciHookKind {
        OCI_HOOK_PRESTART,
        OCI_HOOK_CREATE_RUNTIME,
        OCI_HOOK_CREATE_CONTAINER,
        OCI_HOOK_START_CONTAINER,
        OCI_HOOK_POSTSTART,
        OCI_HOOK_POSTSTOP,
        _OCI_HOOK_MAX,
} OciHookKind;

typedef enum OciNamespaceType {
        OCI_NS_PID,
        OCI_NS_NET,
        OCI_NS_MOUNT,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        _OCI_NS_MAX,
} OciNamespaceType;

typedef struct OciNamespace {
        bool present;
        char *path; /* NULL: create a new one */
} OciNamespace;

typedef struct OciIdMapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} OciIdMapping;

typedef struct OciDevice {
        char *path;
        char type; /* 'c', 'b', 'u' or 'p' */
        int64_t major;
        int64_t minor;
        bool has_file_mode;
        uint32_t file_mode;
        bool has_uid;
        uint32_t uid;
        bool has_gid;
        uint32_t gid;
} OciDevice;

/* The parts of linux.resources that warren applies (cgroup v2 names in comments). */
typedef struct OciResources {
        bool has_memory_limit;
        int64_t memory_limit; /* memory.max; -1: unlimited */
        bool has_memory_reservation;
        int64_t memory_reservation; /* memory.low */
        bool has_memory_swap;
        int64_t memory_swap; /* memory.swap.max = swap - limit */
        bool has_cpu_shares;
        uint64_t cpu_shares; /* cpu.weight, converted */
        bool has_cpu_quota;
        int64_t cpu_quota; /* cpu.max */
        bool has_cpu_period;
        uint64_t cpu_period;
        char *cpuset_cpus;
        char *cpuset_mems;
        bool has_pids_limit;
        int64_t pids_limit; /* pids.max; <= 0: unlimited */
        char **unified;     /* key, value, key, value: raw cgroup v2 files */
} OciResources;

typedef struct OciLinux {
        OciNamespace namespaces[_OCI_NS_MAX];
        OciIdMapping *uid_mappings;
        size_t n_uid_mappings;
        OciIdMapping *gid_mappings;
        size_t n_gid_mappings;
        OciDevice *devices;
        size_t n_devices;
        bool has_resources;
        OciResources resources;
        char *cgroups_path;
        char **sysctl; /* key, value, key, value */
        char **masked_paths;
        char **readonly_paths;
        char *rootfs_propagation;
        JsonValue *seccomp; /* the linux.seccomp subtree, or NULL */
} OciLinux;

typedef struct OciConfig {
        char *oci_version;
        OciProcess *process;
        char *root_path;
        bool root_readonly;
        char *hostname;
        char *domainname;
        OciMount *mounts;
        size_t n_mounts;
        OciHook *hooks[_OCI_HOOK_MAX];
        size_t n_hooks[_OCI_HOOK_MAX];
        char **annotations; /* key, value, key, value */
        OciLinux linux_;
} OciConfig;

int oci_config_parse(const char *buf, size_t len, OciConfig **ret, WarrenError **err);
int oci_config_load(const char *path, OciConfig **ret, WarrenError **err);
OciConfig *oci_config_free(OciConfig *c);
static inline void oci_config_freep(OciConfig **c) {
        oci_config_free(*c);
}
#define _cleanup_oci_config_ _cleanup_(oci_config_freep)

/* A process object (exec -p process.json); `what` names it in errors ("process"). */
int oci_process_from_json(const JsonValue *v, const char *what, OciProcess **ret,
                          WarrenError **err);
int oci_process_load(const char *path, OciProcess **ret, WarrenError **err);
OciProcess *oci_process_free(OciProcess *p);
static inline void oci_process_freep(OciProcess **p) {
        oci_process_free(*p);
}
#define _cleanup_oci_process_ _cleanup_(oci_process_freep)

/* A linux.resources object (update -r reads the same shape). */
int oci_resources_from_json(const JsonValue *v, const char *what, OciResources *ret,
                            WarrenError **err);
void oci_resources_done(OciResources *r);

const char *oci_hook_kind_name(OciHookKind k);
const char *oci_namespace_type_name(OciNamespaceType t);
int oci_namespace_type_from_name(const char *name);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or -EINVAL. */
int oci_rlimit_from_name(const char *name);
/* The value of `key` in a key/value strv, or NULL. */
const char *oci_kv_get(char *const *kv, const char *key);
