/* SPDX-License-Identifier: Apache-2.0 */
/* Entering the user namespace for storage commands: join the per-user namespace holder
 * (userns/holder.c), so every command sees the same ids and the same layer mounts. When the
 * holder cannot be used (WARREN_NO_HOLDER=1, or it fails to start), a per-command user + mount
 * namespace child made by userns/clone.c with the rootless maps of userns/idmap.c runs the rest
 * of the command, and its exit code becomes ours. */
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "basic/log.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "userns/clone.h"
#include "userns/holder.h"
#include "userns/idmap.h"
#include "userns/sync.h"
#include "warren.h"

typedef struct Call {
        int (*fn)(void *userdata);
        void *userdata;
} Call;

static int make_private(WarrenError **err) {
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return error_set_errno(err, errno, "make mounts private");
        return 0;
}

static int child(int sync_fd, void *userdata, WarrenError **err) {
        Call *c = userdata;
        int r = make_private(err);
        if (r < 0)
                return r;
        close(sync_fd);
        r = c->fn(c->userdata);
        fflush(stdout);
        fflush(stderr);
        return r;
}

int warren_in_userns(int (*fn)(void *userdata), void *userdata) {
        _cleanup_error_ WarrenError *err = NULL;
        if (geteuid() == 0) {
                if (unshare(CLONE_NEWNS) < 0)
                        return warren_failf("unshare the mount namespace: %s", strerror(errno));
                if (make_private(&err) < 0)
                        return warren_fail(TAKE_PTR(err));
                return fn(userdata);
        }
        const char *no_holder = getenv("WARREN_NO_HOLDER");
        if (!no_holder || STRNEQ(no_holder, "1")) {
                _cleanup_free_ char *rundir = NULL;
                _cleanup_error_ WarrenError *herr = NULL;
                if (xdg_runtime_dir(&rundir, &herr) >= 0 && holder_join(rundir, &herr) >= 0)
                        return fn(userdata);
                log_debug("namespace holder unavailable (%s): using a user namespace of this "
                          "command's own",
                          herr ? herr->msg : "unknown error");
        }
        _cleanup_idmap_plan_ IdMapPlan plan = {0};
        if (idmap_plan_default(&plan, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        log_debug("user namespace: %s", plan.reason ? plan.reason : "");
        Call c = {fn, userdata};
        CloneOptions opts = {
                .ns_flags = CLONE_NEWUSER | CLONE_NEWNS,
                .idmaps = &plan,
                .become_root = true,
                .pdeath_signal = SIGKILL,
        };
        fflush(stdout);
        fflush(stderr);
        CloneChild ch = {.pid = -1, .sync_fd = -1, .pidfd = -1};
        if (clone_spawn(&opts, child, &c, &ch, &err) < 0) {
                (void)error_prefix(&err, -1, "enter the user namespace");
                return warren_fail(TAKE_PTR(err));
        }
        /* The child closes its end when it starts; an error before that arrives as SYNC_ERR. */
        int r = sync_expect_eof(ch.sync_fd, &err);
        int status = 0;
        _cleanup_error_ WarrenError *werr = NULL;
        int w = clone_wait(ch.pid, &status, &werr);
        clone_child_done(&ch);
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        if (w < 0)
                return warren_fail(TAKE_PTR(werr));
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}
