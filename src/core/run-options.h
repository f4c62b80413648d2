/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * `warren create` and `warren run` options, parsed into a plain struct. Pure logic: the only
 * outside input is the environment (for `-e KEY` without a value) and --env-file. Errors name
 * the option and the value: "invalid -v `a:b:c:d`: expected HOST:CONTAINER[:OPTIONS]".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

typedef struct JsonValue JsonValue;

typedef enum RestartPolicy {
        RESTART_NO,
        RESTART_ALWAYS,
        RESTART_ON_FAILURE,
        RESTART_UNLESS_STOPPED,
} RestartPolicy;

typedef enum MountKind {
        MOUNT_KIND_BIND,
        MOUNT_KIND_TMPFS,
} MountKind;

typedef struct RunMount {
        MountKind kind;
        char *source;      /* bind: absolute host path */
        char *destination; /* absolute container path */
        bool read_only;
        char *propagation; /* bind: "rprivate" (default), "rshared", "rslave", ... */
        uint64_t tmpfs_size; /* 0: no limit */
        uint32_t tmpfs_mode; /* 0: 1777 */
} RunMount;

typedef struct KeyValue {
        char *key;
        char *value;
} KeyValue;

typedef struct RunOptions {
        bool is_run; /* run (true) or create */
        bool detach, interactive, tty, rm;
        char *name;
        char **env; /* KEY=VALUE, -e and --env-file merged in order */
        char *workdir;
        char *user; /* "uid[:gid]" or "name[:group]" as given */
        bool has_entrypoint;
        char *entrypoint; /* "" clears the image's */
        RunMount *mounts;
        size_t n_mounts;
        bool read_only;
        char *hostname;
        char **cap_add, **cap_drop; /* normalised "CAP_X" names, or "ALL" */
        char *seccomp_profile;      /* NULL: default profile; "unconfined"; or a file path */
        bool no_new_privileges;     /* default true (DESIGN.md: security defaults) */
        bool userns_keep_id;
        char *pod;
        char *network; /* "slirp" (default), "none", "host", or "slirp:opt=v,..." */
        char **publish; /* -p specs as given; parsed by the network module */
        bool publish_all;
        char **expose; /* --expose, normalised "PORT[-PORT]/PROTO": more ports for -P */
        RestartPolicy restart;
        uint32_t restart_max; /* on-failure:N; 0 = unlimited */
        int stop_signal;      /* 0: image's or SIGTERM */
        int stop_timeout;     /* -1: default (10 s) */
        KeyValue *labels;
        size_t n_labels;
        KeyValue *annotations;
        size_t n_annotations;
        uint64_t log_max_size; /* 0: default */
        bool init;
        char *runtime; /* NULL: warren-runtime */
        char *image;
        char **command; /* after the image; may be empty */
} RunOptions;

void run_options_done(RunOptions *o);

/* Parse argv as `warren run` (is_run) or `warren create` sees it after the verb: options, then
 * IMAGE, then the command. argv[0] is the verb itself and is skipped. */
int run_options_parse(int argc, char **argv, bool is_run, RunOptions *ret, WarrenError **err);

/* The single-option parsers, exposed for tests and for other verbs (exec -e, pod create). */
int run_parse_volume(const char *spec, RunMount *ret, WarrenError **err);
int run_parse_mount(const char *spec, RunMount *ret, WarrenError **err);
int run_parse_restart(const char *spec, RestartPolicy *ret_policy, uint32_t *ret_max,
                      WarrenError **err);
/* "KEY=VALUE" stays; "KEY" takes the caller's environment value (dropped when unset). */
int run_parse_env(const char *spec, char ***env, WarrenError **err);
/* Lines of KEY=VALUE; '#' comments and blank lines ignored; size-capped. */
int run_parse_env_file(const char *path, char ***env, WarrenError **err);
int run_parse_key_value(const char *spec, const char *what, KeyValue *ret, WarrenError **err);
/* "SYS_ADMIN", "cap_sys_admin", "ALL" -> "CAP_SYS_ADMIN" / "ALL". */
int run_parse_cap(const char *name, char **ret, WarrenError **err);
/* --expose "80", "53/udp", "8000-8010/tcp" -> "80/tcp", "53/udp", "8000-8010/tcp" (the form of
 * an image's ExposedPorts keys). */
int run_parse_expose(const char *spec, char **ret, WarrenError **err);
const char *restart_policy_to_string(RestartPolicy p);

/* Set (replace) KEY in an env list. */
void env_set(char ***env, const char *key, const char *value);
/* The value of KEY in an env list, or NULL. */
const char *env_get(char *const *env, const char *key);
