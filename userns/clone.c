/* SPDX-License-Identifier: Apache-2.0 */
#include "userns/clone.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/xalloc.h"
#include "userns/idmap.h"
#include "userns/sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* struct clone_args from <linux/sched.h>, spelled out so the header's CLONE_* macros do not
 * collide with glibc's. */
struct warren_clone_args {
        uint64_t flags;
        uint64_t pidfd;
        uint64_t child_tid;
        uint64_t parent_tid;
        uint64_t exit_signal;
        uint64_t stack;
        uint64_t stack_size;
        uint64_t tls;
        uint64_t set_tid;
        uint64_t set_tid_size;
        uint64_t cgroup;
};

static const struct {
        unsigned long flag;
        const char *name;
} ns_flag_names[] = {
        {CLONE_NEWUSER, "CLONE_NEWUSER"},     {CLONE_NEWNS, "CLONE_NEWNS"},
        {CLONE_NEWPID, "CLONE_NEWPID"},       {CLONE_NEWUTS, "CLONE_NEWUTS"},
        {CLONE_NEWIPC, "CLONE_NEWIPC"},       {CLONE_NEWNET, "CLONE_NEWNET"},
        {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {CLONE_NEWTIME, "CLONE_NEWTIME"},
};

#define NS_FLAGS_ALL                                                                               \
        (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | \
         CLONE_NEWCGROUP | CLONE_NEWTIME)

char *clone_flags_to_string(unsigned long flags) {
        char *s = xstrdup("");
        for (size_t i = 0; i < ELEMENTSOF(ns_flag_names); i++) {
                if (!(flags & ns_flag_names[i].flag))
                        continue;
                char *n = xasprintf("%s%s%s", s, *s ? "|" : "", ns_flag_names[i].name);
                free(s);
                s = n;
                flags &= ~ns_flag_names[i].flag;
        }
        if (flags) {
                char *n = xasprintf("%s%s0x%lx", s, *s ? "|" : "", flags);
                free(s);
                s = n;
        }
        if (!*s) {
                free(s);
                s = xstrdup("0");
        }
        return s;
}

void clone_child_done(CloneChild *c) {
        if (!c)
                return;
        c->sync_fd = safe_close(c->sync_fd);
        c->pidfd = safe_close(c->pidfd);
        c->pid = 0;
}

void clone_kill_and_reap(pid_t pid) {
        if (pid <= 0)
                return;
        int saved = errno;
        (void)kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        errno = saved;
}

int clone_wait(pid_t pid, int *ret_status, WarrenError **err) {
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "wait for pid %d", (int)pid);
        if (ret_status)
                *ret_status = status;
        return 0;
}

/* Returns like fork(): 0 in the child, the pid in the parent, -errno on failure. */
static pid_t do_clone(unsigned long flags, int exit_signal, int *ret_pidfd) {
        int pidfd = -1;
        struct warren_clone_args args = {
                .flags = flags | (ret_pidfd ? CLONE_PIDFD : 0),
                .pidfd = ret_pidfd ? (uint64_t)(uintptr_t)&pidfd : 0,
                .exit_signal = (uint64_t)exit_signal,
        };
        long r = syscall(SYS_clone3, &args, sizeof(args));
        if (r >= 0) {
                if (r > 0 && ret_pidfd)
                        *ret_pidfd = pidfd;
                return (pid_t)r;
        }
        if (errno != ENOSYS)
                return -errno;
        if (flags & CLONE_NEWTIME)
                return -ENOTSUP; /* clone() cannot carry CLONE_NEWTIME */
        log_debug("clone3 not available, falling back to clone");
        if (ret_pidfd)
                *ret_pidfd = -1;
#if defined(__s390__) || defined(__CRIS__)
        r = syscall(SYS_clone, NULL, flags | (unsigned long)exit_signal, NULL, NULL, NULL);
#else
        r = syscall(SYS_clone, flags | (unsigned long)exit_signal, NULL, NULL, NULL, NULL);
#endif
        return r < 0 ? -errno : (pid_t)r;
}

_noreturn_ static void run_child(const CloneOptions *opts, pid_t parent, int fd, CloneChildFn fn,
                                 void *userdata) {
        WarrenError *e = NULL;
        int r;
        if (opts->pdeath_signal > 0) {
                if (prctl(PR_SET_PDEATHSIG, (unsigned long)opts->pdeath_signal, 0, 0, 0) < 0) {
                        error_set_errno(&e, errno, "set parent death signal");
                        sync_fail(fd, e);
                }
                /* The parent may have died before the prctl. Inside a new pid namespace
                 * getppid() is 0, so only check outside one. */
                if (!(opts->ns_flags & CLONE_NEWPID) && getppid() != parent)
                        _exit(1);
        }
        if (opts->idmaps) {
                r = sync_expect(fd, SYNC_MAPPED, NULL, &e);
                if (r < 0)
                        _exit(1); /* the parent gave up and already knows why */
        }
        uint32_t host;
        if (opts->become_root && idmap_to_host(&opts->idmaps->gid_map, 0, &host) == 0) {
                if (setresgid(0, 0, 0) < 0) {
                        error_set_errno(&e, errno, "switch to gid 0 in the new user namespace");
                        sync_fail(fd, e);
                }
        }
        if (opts->become_root && idmap_to_host(&opts->idmaps->uid_map, 0, &host) == 0) {
                if (setresuid(0, 0, 0) < 0) {
                        error_set_errno(&e, errno, "switch to uid 0 in the new user namespace");
                        sync_fail(fd, e);
                }
        }
        r = fn(fd, userdata, &e);
        if (r < 0) {
                if (!e)
                        error_set_errno(&e, -r, "child setup");
                sync_fail(fd, e);
        }
        _exit(r);
}

int clone_spawn(const CloneOptions *opts, CloneChildFn fn, void *userdata, CloneChild *ret,
                WarrenError **err) {
        if (!opts || !fn)
                return error_set(err, EINVAL, "clone: no options or child function");
        if (opts->ns_flags & ~(unsigned long)NS_FLAGS_ALL) {
                _cleanup_free_ char *s =
                        clone_flags_to_string(opts->ns_flags & ~(unsigned long)NS_FLAGS_ALL);
                return error_set(err, EINVAL, "clone: `%s` are not namespace flags", s);
        }
        if (opts->idmaps && !(opts->ns_flags & CLONE_NEWUSER))
                return error_set(err, EINVAL, "clone: id maps need `CLONE_NEWUSER`");
        if (opts->become_root && !opts->idmaps)
                return error_set(err, EINVAL, "clone: becoming root needs id maps");

        int fds[2];
        int r = sync_socketpair(fds, err);
        if (r < 0)
                return r;
        _cleanup_close_ int parent_fd = fds[0];
        _cleanup_close_ int child_fd = fds[1];

        pid_t self = getpid();
        int pidfd = -1;
        int exit_signal = opts->exit_signal > 0 ? opts->exit_signal : SIGCHLD;
        pid_t pid = do_clone(opts->ns_flags, exit_signal, opts->want_pidfd ? &pidfd : NULL);
        if (pid < 0) {
                _cleanup_free_ char *s = clone_flags_to_string(opts->ns_flags);
                return error_set_errno(err, -pid, "clone with `%s`", s);
        }
        if (pid == 0) {
                parent_fd = safe_close(parent_fd);
                run_child(opts, self, child_fd, fn, userdata);
        }
        child_fd = safe_close(child_fd);
        _cleanup_close_ int pidfd_owned = pidfd;

        if (opts->idmaps) {
                r = idmap_plan_apply(opts->idmaps, pid, err);
                if (r < 0) {
                        clone_kill_and_reap(pid);
                        return error_prefix(err, r, "map ids of child %d", (int)pid);
                }
                log_debug("clone: child %d mapped (%s)", (int)pid,
                          opts->idmaps->reason ? opts->idmaps->reason : "explicit maps");
                r = sync_send(parent_fd, SYNC_MAPPED, 0, NULL, err);
                if (r < 0) {
                        /* The child died early: its error, if any, is on the socket. */
                        WarrenError *child_err = NULL;
                        SyncMsg m;
                        if (sync_recv(parent_fd, &m, NULL) > 0 && m.type == SYNC_ERR) {
                                safe_close(m.fd);
                                sync_error_from_msg(&m, &child_err);
                                r = error_move(err, child_err);
                        }
                        clone_kill_and_reap(pid);
                        return r;
                }
        }

        *ret = (CloneChild){
                .pid = pid,
                .sync_fd = TAKE_FD(parent_fd),
                .pidfd = TAKE_FD(pidfd_owned),
        };
        return 0;
}
