/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The per-container monitor (docs/protocols/monitor.md): parent of the container's init (as a
 * child subreaper), owner of its stdio, writer of the CRI log and of the exit file, server of
 * the attach socket, keeper of the restart policy. One epoll loop with a signalfd.
 */

#include "basic/error.h"
#include "core/monitor-config.h"

/* Names in the state directory. */
#define MONITOR_ATTACH_SOCKET "attach"
#define MONITOR_PID_FILE "monitor.pid"
#define MONITOR_CONTAINER_PID_FILE "pid"
#define MONITOR_CONSOLE_SOCKET "console.sock"
#define MONITOR_DEBUG_LOG "monitor.log"

/* Timeouts for the runtime's commands, in milliseconds. */
#define MONITOR_CREATE_TIMEOUT_MS 240000
#define MONITOR_RUNTIME_TIMEOUT_MS 60000

/* Run the monitor in the calling process (already daemonized) until the container has exited
 * for good. Reports on cfg->sync_fd (MONITOR, then CREATED [and STARTED], or ERROR) and closes
 * it. Returns 0 once the container has run and exited (its exit code is in the exit file), or
 * -errno when the container could not be created or started, or the monitor itself failed. */
int monitor_run(const MonitorConfig *cfg, WarrenError **err);
