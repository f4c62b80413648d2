/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What warren uses to drive a container's monitor (docs/protocols/monitor.md). Every call that
 * talks to a monitor has a timeout, and a monitor that died (even by SIGKILL) is reported as
 * such: its sockets close with it, and its pid file carries a start time so a reused pid is not
 * mistaken for it. No call can hang on a dead monitor.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"
#include "core/monitor-config.h"
#include "core/monitor-exit.h"

/* Default timeouts, in milliseconds. */
#define MONITOR_CLIENT_SPAWN_TIMEOUT_MS 250000
#define MONITOR_CLIENT_REQUEST_TIMEOUT_MS 70000

typedef struct MonitorInfo {
        pid_t monitor_pid;
        uint64_t monitor_starttime;
        pid_t container_pid;
} MonitorInfo;

/*
 * Start `monitor_path` (warren-monitor) for `cfg` (cfg->sync_fd is ignored: a socket is made
 * for it) and wait, at most timeout_ms (<= 0: the default), until it reports the container
 * created (and started, with cfg->start) or failed. On failure the error is the monitor's
 * (errno and message, e.g. EIO "`crun create` failed: ..."). On a timeout the monitor is sent
 * SIGTERM (it then stops and records the container) and ETIMEDOUT is returned.
 */
int monitor_client_spawn(const char *monitor_path, const MonitorConfig *cfg, int timeout_ms,
                         MonitorInfo *ret, WarrenError **err);

typedef enum MonitorState {
        MONITOR_STATE_ALIVE,      /* the monitor runs; the container is created or running */
        MONITOR_STATE_RESTARTING, /* the monitor runs and will restart the container */
        MONITOR_STATE_EXITED,     /* the container exited for good; see `exit` */
        MONITOR_STATE_DEAD,       /* the monitor is gone and recorded nothing: state unknown */
        MONITOR_STATE_NONE,       /* no monitor ever ran in this state directory */
} MonitorState;

typedef struct MonitorCheck {
        MonitorState state;
        pid_t monitor_pid;
        bool have_exit;
        MonitorExit exit; /* with have_exit; release with monitor_exit_done() */
} MonitorCheck;

const char *monitor_state_to_string(MonitorState s);

/* Look at the state directory only (pid file + start time, exit file); never blocks. */
int monitor_client_check(const char *state_dir, MonitorCheck *ret, WarrenError **err);

/* Connect to the attach socket (SOCK_SEQPACKET, O_CLOEXEC). A monitor that is gone gives
 * ESRCH "the monitor of ... is not running". */
int monitor_client_connect(const char *state_dir, int *ret_fd, WarrenError **err);

/* Send one request ("start", "stop [SECS]", "kill SIG", "status") and wait for its reply text
 * (ret_reply may be NULL). The monitor's ERROR becomes the error. */
int monitor_client_request(const char *state_dir, const char *request, int timeout_ms,
                           char **ret_reply, WarrenError **err);
int monitor_client_start(const char *state_dir, WarrenError **err);
/* Ask for a stop (stop signal, then SIGKILL after `timeout_s`; < 0: the configured one). Does
 * not wait; see monitor_client_wait(). */
int monitor_client_stop(const char *state_dir, int timeout_s, WarrenError **err);
int monitor_client_kill(const char *state_dir, int sig, WarrenError **err);

/* Wait until the container has exited for good (the monitor exits), at most timeout_ms (< 0:
 * forever; the wait still ends when the monitor dies). Fills *ret from the exit file. A monitor
 * that died without one is ESRCH. */
int monitor_client_wait(const char *state_dir, int timeout_ms, MonitorExit *ret, WarrenError **err);

/* Connect and ATTACH with MONITOR_ATTACH_* flags; returns the connected fd once the monitor has
 * acknowledged (output produced after that is delivered). */
int monitor_client_attach(const char *state_dir, unsigned flags, int timeout_ms, int *ret_fd,
                          WarrenError **err);
/* Relay an attach session: in_fd (or -1) to the container's stdin (EOF closes it), its output
 * to out_fd / err_fd, until the container exits. Returns its exit code. EPIPE when the monitor
 * goes away without an EXIT message. Output is written with blocking writes (a slow reader holds
 * the container back, nothing is dropped); stdin is sent without blocking, so output is still
 * read while the monitor does not take more input. */
int monitor_client_relay(int fd, int in_fd, int out_fd, int err_fd, WarrenError **err);
/* Ask for a terminal size (only meaningful with a terminal). */
int monitor_client_resize(int fd, unsigned short rows, unsigned short cols);
