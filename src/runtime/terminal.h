/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"

/* Open a pty pair from the current /dev/ptmx (the container's, after pivot_root). */
int terminal_open_pty(unsigned rows, unsigned cols, int *ret_master, int *ret_slave,
                      WarrenError **err);
/* Make `slave` the controlling terminal and stdin/stdout/stderr (new session). */
int terminal_make_controlling(int slave, WarrenError **err);
/* Connect to a --console-socket (a unix stream socket path). */
int terminal_connect_socket(const char *path, int *ret_fd, WarrenError **err);
/* Send the pty master over a console socket (SCM_RIGHTS), as runc does. */
int terminal_send_master(int sock, int master, WarrenError **err);
/* Copy between our stdin/stdout and `master` until the master hangs up. Puts a tty stdin
 * into raw mode meanwhile. Signals arriving on `sigfd` (a signalfd, or -1) are forwarded to
 * `pid`; returns when the pty closes. */
int terminal_proxy(int master, int sigfd, pid_t pid, WarrenError **err);
/* Copy our terminal's window size to `master` (no-op when stdin is not a tty). */
void terminal_copy_size(int master);
