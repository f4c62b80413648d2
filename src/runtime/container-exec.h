/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

typedef struct OciProcess OciProcess;

typedef struct ExecOptions {
        const char *root;
        const char *id;
        const OciProcess *process;
        const char *console_socket;
        const char *pid_file;
        bool detach;
        int preserve_fds;
} ExecOptions;

/* Run a process in a running (or created) container: join its namespaces and cgroup, apply
 * the process's user, capabilities, no_new_privs and the container's seccomp filter. Without
 * detach, wait and return its exit status (128+N on signal N). */
int container_exec(const ExecOptions *o, int *ret_status, WarrenError **err);
/* The container's process as a template for `exec` without -p (runc: env, user, caps, rlimits,
 * no_new_privs of config.json); *ret is NULL when the config cannot be read. */
int container_exec_template(const char *root, const char *id, OciProcess **ret, WarrenError **err);
