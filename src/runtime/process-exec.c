/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/process-exec.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/caps.h"
#include "runtime/oci-config.h"
#include "runtime/seccomp.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void process_plan_done(ProcessPlan *p) {
        free(p->path);
        strv_free(p->env);
        *p = (ProcessPlan){};
}

static const char *env_get(char *const *env, const char *key) {
        size_t n = strlen(key);
        STRV_FOREACH (e, env)
                if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

/* 0: a regular file with an execute bit; -ENOENT: nothing there; -EACCES: there but it cannot
 * be run (a directory, or no execute bit). */
static int check_executable(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0)
                return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return -EACCES;
        return 0;
}

static int find_executable(const char *name, char *const *env, char **ret, WarrenError **err) {
        if (strchr(name, '/')) {
                int r = check_executable(name);
                if (r == -ENOENT)
                        return error_set(err, ENOENT, "executable `%s` not found", name);
                if (r < 0)
                        return error_set(err, EACCES,
                                         "executable `%s` cannot be run: permission denied", name);
                *ret = xstrdup(name);
                return 0;
        }
        const char *path = env_get(env, "PATH");
        _cleanup_strv_ char **dirs = strv_split(path ? path : DEFAULT_PATH, ":");
        bool denied = false;
        STRV_FOREACH (d, dirs) {
                _cleanup_free_ char *p = path_join(*d, name);
                int r = check_executable(p);
                if (r == 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
                denied = denied || r == -EACCES;
        }
        if (denied)
                return error_set(err, EACCES,
                                 "executable `%s` in $PATH cannot be run: permission denied", name);
        return error_set(err, ENOENT, "executable file `%s` not found in $PATH", name);
}

int process_plan_prepare(const OciProcess *p, const SeccompProgram *seccomp, int n_preserve,
                         int listen_fds, ProcessPlan *ret, WarrenError **err) {
        _cleanup_(process_plan_done) ProcessPlan plan = {.process = p};
        int r = find_executable(p->args[0], p->env, &plan.path, err);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(p->cwd, &st) < 0)
                return error_set_errno(err, errno, "process cwd `%s`", p->cwd);
        if (!S_ISDIR(st.st_mode))
                return error_set(err, ENOTDIR, "process cwd `%s` is not a directory", p->cwd);
        plan.env = strv_copy(p->env);
        if (!plan.env)
                plan.env = xnew(char *, 1);
        if (listen_fds > 0) {
                strv_consume(&plan.env, xasprintf("LISTEN_FDS=%d", listen_fds));
                strv_push(&plan.env, "LISTEN_PID=1");
        }
        plan.n_preserve = n_preserve + MAX(listen_fds, 0);
        plan.seccomp = seccomp;
        *ret = plan;
        plan = (ProcessPlan){};
        return 0;
}

static int prepare_fds(int n_preserve, WarrenError **err) {
        unsigned first = 3U + (unsigned)n_preserve;
        if (syscall(SYS_close_range, first, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0) {
                for (int fd = (int)first; fd < 1024; fd++) {
                        int fl = fcntl(fd, F_GETFD);
                        if (fl >= 0)
                                fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
                }
        }
        for (int fd = 3; fd < (int)first; fd++) {
                int fl = fcntl(fd, F_GETFD);
                if (fl >= 0 && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
                        return error_set_errno(err, errno, "keep fd %d open", fd);
        }
        return 0;
}

int process_plan_exec(ProcessPlan *plan, WarrenError **err) {
        const OciProcess *p = plan->process;
        int r;
        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
                if (setrlimit(p->rlimits[i].resource, &rl) == 0)
                        continue;
                int e = errno;
                /* Raising a hard limit needs CAP_SYS_RESOURCE in the initial user namespace,
                 * which a rootless caller (or a restricted host) lacks: keep the current hard
                 * limit, as high as it goes, and say so. */
                struct rlimit cur;
                if (e == EPERM && getrlimit(p->rlimits[i].resource, &cur) == 0 &&
                    rl.rlim_max > cur.rlim_max) {
                        struct rlimit clamped = {.rlim_cur = MIN(rl.rlim_cur, cur.rlim_max),
                                                 .rlim_max = cur.rlim_max};
                        if (setrlimit(p->rlimits[i].resource, &clamped) == 0) {
                                log_debug("rlimit %d: hard limit %llu not allowed, kept %llu",
                                          p->rlimits[i].resource, (unsigned long long)rl.rlim_max,
                                          (unsigned long long)cur.rlim_max);
                                continue;
                        }
                }
                return error_set_errno(err, e, "setrlimit %d to %llu/%llu", p->rlimits[i].resource,
                                       (unsigned long long)rl.rlim_cur,
                                       (unsigned long long)rl.rlim_max);
        }
        if (p->has_oom_score_adj) {
                char v[16];
                int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);
                _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, v, (size_t)n) < 0)
                        return error_set_errno(err, errno, "set oom_score_adj to %d",
                                               p->oom_score_adj);
        }
        CapSets caps = {};
        if (p->has_capabilities) {
                static const char *const names[] = {"bounding", "effective", "inheritable",
                                                    "permitted", "ambient"};
                uint64_t *dst[] = {&caps.bounding, &caps.effective, &caps.inheritable,
                                   &caps.permitted, &caps.ambient};
                for (size_t i = 0; i < _OCI_CAP_SET_MAX; i++) {
                        char what[64];
                        snprintf(what, sizeof(what), "process.capabilities.%s", names[i]);
                        r = caps_parse_strv(p->capabilities[i], what, dst[i], err);
                        if (r < 0)
                                return r;
                }
                /* The kernel raises an ambient capability only when it is both permitted and
                 * inheritable; like crun, leave out the others instead of failing. */
                uint64_t dropped = caps.ambient & ~(caps.inheritable & caps.permitted);
                if (dropped) {
                        _cleanup_free_ char *dropped_names = caps_mask_to_string(dropped);
                        log_debug("ambient capabilities not in the inheritable and permitted "
                                  "sets are left out: %s",
                                  dropped_names);
                        caps.ambient &= ~dropped;
                }
        }
        if (plan->seccomp && !p->no_new_privileges) {
                r = seccomp_program_load(plan->seccomp, err);
                if (r < 0)
                        return error_prefix(err, r, "load seccomp filter");
        }
        if (p->has_capabilities) {
                r = caps_apply_before_setuid(&caps, err);
                if (r < 0)
                        return r;
        }
        if (p->user.n_additional_gids > 0) {
                if (setgroups(p->user.n_additional_gids, (gid_t *)p->user.additional_gids) < 0)
                        return error_set_errno(err, errno, "setgroups");
        } else if (setgroups(0, NULL) < 0 && errno != EPERM)
                return error_set_errno(err, errno, "setgroups");
        if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
                return error_set_errno(err, errno, "setgid to %u", p->user.gid);
        if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
                return error_set_errno(err, errno, "setuid to %u", p->user.uid);
        if (p->has_capabilities) {
                r = caps_apply_after_setuid(&caps, err);
                if (r < 0)
                        return r;
        }
        umask(p->user.has_umask ? p->user.umask : 0022);
        if (chdir(p->cwd) < 0)
                return error_set_errno(err, errno, "chdir to `%s`", p->cwd);
        r = prepare_fds(plan->n_preserve, err);
        if (r < 0)
                return r;
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP)
                        signal(s, SIG_DFL);
        if (p->no_new_privileges) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        return error_set_errno(err, errno, "set no_new_privs");
                if (plan->seccomp) {
                        r = seccomp_program_load(plan->seccomp, err);
                        if (r < 0)
                                return error_prefix(err, r, "load seccomp filter");
                }
        }
        execve(plan->path, p->args, plan->env);
        return error_set_errno(err, errno, "exec `%s`", plan->path);
}
