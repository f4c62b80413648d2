/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The engine: what every container and sandbox operation needs, opened once per command (or
 * once by the daemon): the three stores, warren's directories, and the helper programs.
 *
 *   $XDG_DATA_HOME/warren/containers/    container records (storage/container-store)
 *   $XDG_DATA_HOME/warren/sandboxes/     sandbox records
 *   $XDG_DATA_HOME/warren/images/        image records
 *   $XDG_DATA_HOME/warren/userdata/ID/   per-container files: config.json, hosts, resolv.conf,
 *                                        hostname, the CRI log
 *   $XDG_RUNTIME_DIR/warren/            holder.pid, alive, runtime state (tmpfs)
 *   $XDG_RUNTIME_DIR/warren/containers/ID/   exit file, attach socket, monitor pid
 */

#include <stdbool.h>

#include "basic/error.h"

typedef struct ContainerStore ContainerStore;
typedef struct SandboxStore SandboxStore;
typedef struct ImageStore ImageStore;

typedef struct Engine {
        char *data_dir;
        char *run_dir;
        char *config_dir;
        ContainerStore *containers;
        SandboxStore *sandboxes;
        ImageStore *images;
        char *bin_dir;      /* where this program lives: sibling programs are found here */
        char *storage_driver; /* --storage-driver, config, or NULL for automatic */
        bool rebooted;      /* the alive file was missing: nothing can still be running */
} Engine;

typedef struct EngineOptions {
        const char *root;           /* --root: the data directory (NULL: XDG) */
        const char *run_root;       /* --runroot (NULL: XDG) */
        const char *storage_driver; /* --storage-driver */
} EngineOptions;

int engine_open(const EngineOptions *opts, Engine **ret, WarrenError **err);
Engine *engine_free(Engine *e);
static inline void engine_freep(Engine **e) {
        engine_free(*e);
}
#define _cleanup_engine_ _cleanup_(engine_freep)

/* The path of a helper program (warren-runtime, warren-monitor, warren-init, warren-net):
 * $WARREN_<NAME> (upper-case, '-' as '_'), next to this program, LIBEXECDIR, then $PATH.
 * ENOENT names every place looked at. */
int engine_program(const Engine *e, const char *name, char **ret, WarrenError **err);

char *engine_container_dir(const Engine *e, const char *id);
char *engine_container_run_dir(const Engine *e, const char *id);
char *engine_sandbox_dir(const Engine *e, const char *id);

/* 64 lower-case hex characters from getrandom(). */
char *engine_new_id(void);
/* A docker-like "adjective_name" for containers without --name. */
char *engine_random_name(void);
