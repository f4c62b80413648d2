/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

/* The runc life cycle: create, start, run, kill, delete. */

typedef struct ContainerOptions {
        const char *root; /* state directory (--root) */
        const char *id;
        const char *bundle;         /* NULL: the current directory */
        const char *config;         /* NULL: BUNDLE/config.json */
        const char *console_socket; /* --console-socket */
        const char *pid_file;
        bool no_pivot;
        bool detach;      /* run -d */
        int preserve_fds; /* --preserve-fds */
        bool systemd_cgroup;
} ContainerOptions;

/* create: the container is set up and waits for start (status "created"). */
int container_create(const ContainerOptions *o, WarrenError **err);
/* run: create + start; without detach, wait and return the exit status (128+N on signal N). */
int container_run(const ContainerOptions *o, int *ret_status, WarrenError **err);
int container_start(const char *root, const char *id, WarrenError **err);
int container_kill(const char *root, const char *id, int sig, bool all, WarrenError **err);
int container_delete(const char *root, const char *id, bool force, WarrenError **err);
/* The pids of the container's processes (its cgroup, else its pid namespace). */
int container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n, WarrenError **err);
int container_pause(const char *root, const char *id, bool pause, WarrenError **err);
