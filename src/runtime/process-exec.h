/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

typedef struct OciProcess OciProcess;
typedef struct JsonValue JsonValue;
typedef struct SeccompProgram SeccompProgram;

/* What the last step before execve() needs, prepared while the runtime can still fail
 * cleanly: the executable resolved in the container, the capability sets, the seccomp filter. */
typedef struct ProcessPlan {
        const OciProcess *process;
        char *path; /* the resolved executable */
        char **env; /* process env (+ LISTEN_FDS) */
        const SeccompProgram *seccomp; /* borrowed: built before the clone */
        int n_preserve; /* fds 3 .. 3+n-1 stay open */
} ProcessPlan;

void process_plan_done(ProcessPlan *p);

/* In the container (after pivot_root): resolve args[0] in the process PATH, check cwd; the
 * seccomp program (may be NULL) was built by the runtime before the clone
 * (seccomp_program_build(), with the state root's cache) and must outlive the plan. */
int process_plan_prepare(const OciProcess *p, const SeccompProgram *seccomp, int n_preserve,
                         int listen_fds, ProcessPlan *ret, WarrenError **err);
/* rlimits, oom_score_adj, seccomp, capabilities, groups, uid/gid, umask, cwd, no_new_privs,
 * then execve(). Returns only on failure. */
int process_plan_exec(ProcessPlan *p, WarrenError **err);
