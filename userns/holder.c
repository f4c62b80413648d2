/* SPDX-License-Identifier: Apache-2.0 */
#include "userns/holder.h"

#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "userns/clone.h"
#include "userns/idmap.h"
#include "userns/sync.h"

#define PID_FILE "holder.pid"
#define LOCK_FILE "holder.lock"

uint64_t holder_process_start_time(pid_t pid) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_free_ char *text = NULL;
        if (read_file_capped(path, 4096, &text, NULL, NULL) < 0)
                return 0;
        /* The command name may contain spaces and parentheses: fields follow the last ')'. */
        char *p = strrchr(text, ')');
        if (!p)
                return 0;
        p++;
        /* A zombie is dead for our purposes, though its pid and start time remain. */
        if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
                return 0;
        /* After ')' come fields 3..; start time is field 22, i.e. the 20th after ')'. */
        for (int field = 3; field < 22 && p; field++) {
                p = strchr(p + 1, ' ');
        }
        if (!p)
                return 0;
        return strtoull(p + 1, NULL, 10);
}

static int read_pid_file(const char *rundir, HolderInfo *ret) {
        _cleanup_free_ char *path = path_join(rundir, PID_FILE);
        _cleanup_free_ char *text = NULL;
        if (read_file_capped(path, 256, &text, NULL, NULL) < 0)
                return 0;
        int pid = 0, helpers = 0;
        unsigned long long st = 0;
        if (sscanf(text, "%d %llu %d", &pid, &st, &helpers) < 2 || pid <= 1)
                return 0;
        if (holder_process_start_time(pid) != st)
                return 0; /* gone, or the pid now belongs to someone else */
        ret->pid = pid;
        ret->start_time = st;
        ret->use_helpers = helpers;
        return 1;
}

int holder_find(const char *rundir, HolderInfo *ret, WarrenError **err) {
        HolderInfo h = {};
        if (!read_pid_file(rundir, &h))
                return 0;
        *ret = h;
        return 1;
}

/* The holder itself: detach from the caller's session and stdio, make mounts slave so host
 * mounts propagate in and ours never out, report ready, then wait for SIGTERM. */
static int holder_main(int sync_fd, void *userdata, WarrenError **err) {
        (void) prctl(PR_SET_NAME, "warren-holder");
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return error_set_errno(err, errno, "make the holder's mounts slave");
        if (setgroups(0, NULL) < 0 && errno != EPERM)
                return error_set_errno(err, errno, "drop supplementary groups");
        (void) setsid();
        if (chdir("/") < 0)
                return error_set_errno(err, errno, "chdir /");
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                if (null > STDERR_FILENO)
                        close(null);
        }
        /* Close everything else the caller had open, except the sync socket. */
        if (sync_fd > 3)
                (void) syscall(SYS_close_range, 3U, (unsigned) sync_fd - 1, 0U);
        (void) syscall(SYS_close_range, (unsigned) sync_fd + 1, ~0U, 0U);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        if (sync_send(sync_fd, SYNC_READY, 0, NULL, err) < 0)
                return -EIO;
        /* Live on only once the caller has recorded us in the pid file (GO): a caller killed
         * before that would leave a holder nobody knows of, which nothing would ever stop. EOF
         * instead of GO means exactly that. */
        if (sync_expect(sync_fd, SYNC_GO, NULL, NULL) < 0)
                _exit(0);
        close(sync_fd);
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
                        _exit(0);
                if (sig == SIGCHLD)
                        while (waitpid(-1, NULL, WNOHANG) > 0)
                                ;
        }
}

static int start_holder(const char *rundir, HolderInfo *ret, WarrenError **err) {
        _cleanup_idmap_plan_ IdMapPlan plan = {};
        int r = idmap_plan_default(&plan, err);
        if (r < 0)
                return error_prefix(err, r, "plan the user namespace's id maps");
        log_debug("starting the namespace holder: %s", plan.reason ? plan.reason : "");
        CloneOptions opts = {
                .ns_flags = CLONE_NEWUSER | CLONE_NEWNS,
                .idmaps = &plan,
                .become_root = true,
        };
        _cleanup_clone_child_ CloneChild child = { .pid = -1, .sync_fd = -1, .pidfd = -1 };
        r = clone_spawn(&opts, holder_main, NULL, &child, err);
        if (r < 0)
                return error_prefix(err, r, "start the namespace holder");
        r = sync_expect(child.sync_fd, SYNC_READY, NULL, err);
        if (r < 0) {
                clone_kill_and_reap(child.pid);
                return error_prefix(err, r, "start the namespace holder");
        }
        HolderInfo h = {
                .pid = child.pid,
                .start_time = holder_process_start_time(child.pid),
                .use_helpers = plan.use_helpers,
        };
        _cleanup_free_ char *text = xasprintf("%d %" PRIu64 " %d\n", (int) h.pid, h.start_time,
                                              h.use_helpers ? 1 : 0);
        _cleanup_free_ char *path = path_join(rundir, PID_FILE);
        r = write_file_atomic(path, text, strlen(text), 0600, err);
        if (r >= 0)
                r = sync_send(child.sync_fd, SYNC_GO, 0, NULL, err);
        if (r < 0) {
                clone_kill_and_reap(child.pid);
                return r;
        }
        *ret = h;
        return 0;
}

int holder_ensure(const char *rundir, HolderInfo *ret, WarrenError **err) {
        HolderInfo h = {};
        if (read_pid_file(rundir, &h)) {
                *ret = h;
                return 0;
        }
        int r = mkdir_p(rundir, 0700, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *lock = path_join(rundir, LOCK_FILE);
        _cleanup_unlock_ int lfd = -1;
        r = lock_file(lock, true, &lfd, err);
        if (r < 0)
                return r;
        /* Someone may have started it while we waited for the lock. */
        if (read_pid_file(rundir, &h)) {
                *ret = h;
                return 0;
        }
        return start_holder(rundir, ret, err);
}

static bool same_ns(pid_t pid, const char *ns) {
        char a[64], b[64];
        struct stat sa, sb;
        snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int) pid, ns);
        snprintf(b, sizeof(b), "/proc/self/ns/%s", ns);
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
               sa.st_dev == sb.st_dev;
}

int holder_join(const char *rundir, WarrenError **err) {
        if (geteuid() == 0 && !getenv("WARREN_FORCE_HOLDER"))
                return 0;
        HolderInfo h = {};
        int r = holder_ensure(rundir, &h, err);
        if (r < 0)
                return r;
        if (same_ns(h.pid, "user") && same_ns(h.pid, "mnt"))
                return 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) h.pid);
        _cleanup_close_ int userfd = open(path, O_RDONLY | O_CLOEXEC);
        if (userfd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) h.pid);
        _cleanup_close_ int mntfd = open(path, O_RDONLY | O_CLOEXEC);
        if (mntfd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        /* The holder may have died between the check and the opens: the fds pin the
         * namespaces, so joining still works and the next command restarts the holder. */
        /* Joining a mount namespace resets the working directory to its root: keep ours, so
         * that relative paths on the command line still mean what the user meant. */
        _cleanup_close_ int cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (setns(userfd, CLONE_NEWUSER) < 0)
                return error_set_errno(err, errno, "join the holder's user namespace (pid %d)",
                                       (int) h.pid);
        if (setns(mntfd, CLONE_NEWNS) < 0)
                return error_set_errno(err, errno, "join the holder's mount namespace (pid %d)",
                                       (int) h.pid);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return error_set_errno(err, errno, "become root in the user namespace");
        if ((cwd && chdir(cwd) < 0) && (cwdfd < 0 || fchdir(cwdfd) < 0))
                log_debug("cannot keep the working directory `%s` in the holder's namespaces",
                          cwd);
        if (h.use_helpers)
                (void) setgroups(0, NULL);
        log_debug("joined the namespace holder (pid %d)", (int) h.pid);
        return 1;
}

int holder_stop(const char *rundir, WarrenError **err) {
        HolderInfo h = {};
        if (read_pid_file(rundir, &h) && kill(h.pid, SIGTERM) < 0 && errno != ESRCH)
                return error_set_errno(err, errno, "stop the namespace holder (pid %d)",
                                       (int) h.pid);
        _cleanup_free_ char *path = path_join(rundir, PID_FILE);
        if (unlink(path) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove `%s`", path);
        return 0;
}
