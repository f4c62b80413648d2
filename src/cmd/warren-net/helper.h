/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The helper's network engine: libslirp behind an epoll loop. helper-slirp.c is the only file
 * of warren that includes <libslirp.h>.
 */

#include "basic/error.h"
#include "core/net-hostfwd.h"
#include "core/net-options.h"

typedef struct NetHelper NetHelper;

/* Fds the loop watches besides libslirp's own; -1 when absent. */
typedef struct NetHelperFds {
        int tap;     /* required; non-blocking */
        int control; /* the listening control socket */
        int signal;  /* a signalfd for SIGTERM/SIGINT/SIGHUP */
        int pidfd;   /* the target's holder process */
        int exit_fd; /* EOF or error: exit */
} NetHelperFds;

int net_helper_new(const NetOptions *o, const NetHelperFds *fds, NetHelper **ret,
                   WarrenError **err);
NetHostfwdTable *net_helper_hostfwds(NetHelper *h);
/* Run until a signal, the holder's exit or the exit fd. Returns 0 then; < 0 on a loop error. */
int net_helper_run(NetHelper *h, WarrenError **err);
/* Why the loop stopped, for the log: "holder process exited", "signal TERM", ... */
const char *net_helper_exit_reason(const NetHelper *h);
NetHelper *net_helper_free(NetHelper *h);
static inline void net_helper_freep(NetHelper **h) {
        net_helper_free(*h);
}
#define _cleanup_net_helper_ _cleanup_(net_helper_freep)
