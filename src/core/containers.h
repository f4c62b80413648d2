/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Container operations: what `warren create/run/start/stop/...` and the daemon do, on the stores
 * directly (daemonless). Each operation is complete or leaves nothing behind: a failed create
 * removes its record, root filesystem, directories, monitor and implicit sandbox.
 *
 * Processes (DESIGN.md): warren-monitor per container (parent of the container's init, CRI log,
 * exit file, attach socket, restart policy), warren-runtime (or --runtime) underneath, one
 * sandbox per container (an implicit, hidden one for a lone container).
 *
 * Rootless callers must have joined the namespace holder (holder_join) before calling these.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"
#include "core/engine.h"
#include "core/run-options.h"
#include "storage/container-store.h"

typedef struct JsonValue JsonValue;

/* The state a user sees: the record reconciled with the monitor's view (a dead monitor shows
 * as stopped with a reason; a reboot stops everything). */
typedef struct ContainerView {
        Container c;
        ContainerState state;
        char *status_text; /* docker's STATUS column: "Up 3 seconds", "Exited (0) 2 minutes ago" */
        bool monitor_alive;
} ContainerView;
void container_view_done(ContainerView *v);

/* Create; *ret_id gets the new id. Does not start. */
int containers_create(Engine *e, const RunOptions *o, char **ret_id, WarrenError **err);

/* Start a created or stopped container. With `attach_fd` >= 0 ... (see containers_run). */
int containers_start(Engine *e, const char *key, WarrenError **err);

/* `warren run`: create, then start; unless detached, relay stdio (in_fd, out_fd, err_fd; in_fd
 * -1 without -i) until the container exits and return its exit code (>= 0). With --rm the
 * container is removed after it exits. *ret_id gets the id (may be NULL). */
int containers_run(Engine *e, const RunOptions *o, int in_fd, int out_fd, int err_fd,
                   char **ret_id, WarrenError **err);

/* Attach to a running container's stdio until it exits; returns its exit code. */
int containers_attach(Engine *e, const char *key, int in_fd, int out_fd, int err_fd,
                      bool with_stdin, WarrenError **err);

/* Stop: the stop signal, then SIGKILL after `timeout_s` (< 0: the container's). Waits. */
int containers_stop(Engine *e, const char *key, int timeout_s, WarrenError **err);
int containers_kill(Engine *e, const char *key, int sig, WarrenError **err);
int containers_restart(Engine *e, const char *key, int timeout_s, WarrenError **err);
int containers_pause(Engine *e, const char *key, WarrenError **err);
int containers_unpause(Engine *e, const char *key, WarrenError **err);
/* Remove: a running container needs `force` (then it is killed). */
int containers_remove(Engine *e, const char *key, bool force, WarrenError **err);
/* Block until the container stops; returns its exit code. */
int containers_wait(Engine *e, const char *key, WarrenError **err);
int containers_rename(Engine *e, const char *key, const char *new_name, WarrenError **err);

/* update: resource limits through the runtime (`RUNTIME update`), for a running container.
 * `args` are runtime flags: "--memory", "67108864", "--cpu-quota", ... Where no cgroup is
 * writable the runtime's error says so. */
int containers_update(Engine *e, const char *key, char *const *args, WarrenError **err);

/* Whether the container's sandbox publishes ports (so that `ps` need not read every sandbox). */
bool containers_publishes_ports(const Container *c);

/* One container, reconciled. */
int containers_get(Engine *e, const char *key, ContainerView *ret, WarrenError **err);
/* All (or running only), reconciled, newest first. `filters` are docker-style "key=value". */
int containers_list(Engine *e, bool all, char *const *filters, ContainerView **ret, size_t *ret_n,
                    WarrenError **err);
void container_views_free(ContainerView *v, size_t n);
/* `inspect`: docker-like JSON. */
JsonValue *containers_inspect_json(Engine *e, const ContainerView *v);

/* exec: run a process in a running container; returns its exit code. */
typedef struct ExecOptions {
        bool interactive, tty, detach, privileged;
        char **env;
        char *user;
        char *workdir;
        char **command;
} ExecOptions;
int containers_exec(Engine *e, const char *key, const ExecOptions *o, WarrenError **err);

/* Logs: the CRI log, rendered as docker does. `since` in ns since the epoch (0: all), `tail`
 * < 0: all. With `follow`, returns when the container stops. */
typedef struct LogOptions {
        bool follow, timestamps;
        int64_t since_ns;
        long tail;
} LogOptions;
int containers_logs(Engine *e, const char *key, const LogOptions *o, int out_fd, int err_fd,
                    WarrenError **err);

/* top: processes of the container (ps-like columns from /proc). */
int containers_top(Engine *e, const char *key, char ***ret_lines, WarrenError **err);

/* cp: `to_container` copies host `src` into the container's `dst`, else the reverse. */
int containers_copy(Engine *e, const char *key, const char *src, const char *dst,
                    bool to_container, WarrenError **err);

/* Remove every stopped container; *ret_removed gets their ids. */
int containers_prune(Engine *e, char ***ret_removed, WarrenError **err);
/* Remove what creates killed midway left (RUN_DIR/creating/ID journals nobody holds): their root
 * filesystem, directories and hidden sandbox, unless the container's record was written. `ps`
 * (containers_list) runs it first; it costs one readdir when there is nothing to do. */
void containers_cleanup_crashed(Engine *e);

/* The state directory the monitor uses: $RUN/containers/ID. */
char *containers_state_dir(Engine *e, const char *id);
