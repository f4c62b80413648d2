/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * How the monitor runs the OCI runtime: spawn with given stdio (signals back to their defaults,
 * an empty mask), wait with a timeout, capture what it printed for the error message, and the
 * console socket through which it hands over a terminal.
 */

#include <sys/types.h>

#include "basic/error.h"

/* Run argv (argv[0] looked up in PATH) with fd0-fd2 as its stdin, stdout, stderr. */
int monitor_runtime_spawn(char **argv, int fd0, int fd1, int fd2, pid_t *ret, WarrenError **err);
/* Wait for it, at most timeout_ms; on timeout it is killed, reaped, and -ETIMEDOUT returned. */
int monitor_runtime_wait(pid_t pid, int timeout_ms, int *ret_status);
/* What a pipe holds now (it must be non-blocking), at most 2 KiB, trailing blanks trimmed; NULL
 * when empty. */
char *monitor_runtime_capture(int fd);

/* What a runtime printed, made fit for one error line: runc's logrus lines
 * (`time="..." level=error msg="..."`) become their msg, the last error one winning; newlines
 * become spaces. Returns a new string. */
char *monitor_runtime_tidy_error(const char *text);

typedef struct MonitorConsole {
        int fd;       /* listening socket, -1 when closed */
        char *path;   /* where it is bound */
        char *tmpdir; /* a private directory under /tmp when the state path was too long */
} MonitorConsole;

#define MONITOR_CONSOLE_INIT ((MonitorConsole){.fd = -1})

/* Listen at STATE_DIR/`name`, or in a fresh 0700 directory under /tmp when that path does not
 * fit in sun_path (as conmon does). */
int monitor_runtime_console_listen(MonitorConsole *c, const char *state_dir, const char *name,
                                   WarrenError **err);
/* After the runtime exited: accept its connection (waiting in the backlog) and receive the pty
 * master (O_CLOEXEC). */
int monitor_runtime_console_receive(MonitorConsole *c, const char *runtime, int *ret_master,
                                    WarrenError **err);
/* Close, unlink, remove the directory, free. */
void monitor_runtime_console_done(MonitorConsole *c);
