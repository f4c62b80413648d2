/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/container-exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/oci-config.h"
#include "runtime/process-exec.h"
#include "runtime/seccomp.h"
#include "runtime/container-state.h"
#include "runtime/terminal.h"
#include "userns/sync.h"

/* The order matters: the user namespace first (it grants the rights to join the others), the
 * pid namespace takes effect for the next fork. */
static const struct {
        const char *name;
        int flag;
} exec_ns[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"ipc", CLONE_NEWIPC},
        {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
        {"pid", CLONE_NEWPID},
};

int container_exec_template(const char *root, const char *id, OciProcess **ret, WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        int r = container_state_load(root, id, &s, err);
        if (r < 0)
                return r;
        *ret = NULL;
        _cleanup_oci_config_ OciConfig *c = NULL;
        if (!s->config_path || oci_config_load(s->config_path, &c, NULL) < 0 || !c->process)
                return 0;
        *ret = TAKE_PTR(c->process);
        return 0;
}

static int wait_child(pid_t pid, int sigfd, int *ret_status) {
        for (;;) {
                int status;
                pid_t w = waitpid(pid, &status, sigfd >= 0 ? WNOHANG : 0);
                if (w == pid) {
                        *ret_status = WIFEXITED(status)     ? WEXITSTATUS(status)
                                      : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                            : 1;
                        return 0;
                }
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (w == 0) {
                        struct signalfd_siginfo si;
                        ssize_t n = read(sigfd, &si, sizeof(si));
                        if (n == sizeof(si) && si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
                                kill(pid, (int)si.ssi_signo);
                }
        }
}

typedef struct ExecChild {
        const ExecOptions *o;
        const SeccompProgram *seccomp;
        int ns_fds[ELEMENTSOF(exec_ns)];
        int console_fd;
        int sync_fd;
} ExecChild;

static int grandchild(ExecChild *x, WarrenError **err) {
        _cleanup_(process_plan_done) ProcessPlan plan = {};
        int r = process_plan_prepare(x->o->process, x->seccomp, x->o->preserve_fds, 0, &plan, err);
        if (r < 0)
                return r;
        _cleanup_close_ int master = -1, slave = -1;
        if (x->o->process->terminal) {
                r = terminal_open_pty(x->o->process->console_height, x->o->process->console_width,
                                      &master, &slave, err);
                if (r < 0)
                        return r;
                if (x->console_fd >= 0)
                        r = terminal_send_master(x->console_fd, master, err);
                else
                        r = sync_send_fd(x->sync_fd, SYNC_FD, 0, master, err);
                if (r < 0)
                        return r;
                master = safe_close(master);
                x->console_fd = safe_close(x->console_fd);
        }
        r = sync_send(x->sync_fd, SYNC_READY, 0, NULL, err);
        if (r < 0)
                return r;
        r = sync_expect(x->sync_fd, SYNC_GO, NULL, err);
        if (r < 0)
                return r;
        if (slave >= 0) {
                r = terminal_make_controlling(slave, err);
                if (r < 0)
                        return r;
                slave = safe_close(slave);
        }
        return process_plan_exec(&plan, err);
}

_noreturn_ static void first_child(ExecChild *x) {
        WarrenError *e = NULL;
        for (size_t i = 0; i < ELEMENTSOF(exec_ns); i++) {
                if (x->ns_fds[i] < 0)
                        continue;
                if (setns(x->ns_fds[i], exec_ns[i].flag) < 0) {
                        error_set_errno(&e, errno, "join the container's %s namespace",
                                        exec_ns[i].name);
                        sync_fail(x->sync_fd, e);
                }
                x->ns_fds[i] = safe_close(x->ns_fds[i]);
        }
        pid_t pid = fork();
        if (pid < 0) {
                error_set_errno(&e, errno, "fork");
                sync_fail(x->sync_fd, e);
        }
        if (pid == 0) {
                if (grandchild(x, &e) < 0)
                        sync_fail(x->sync_fd, e);
                _exit(1);
        }
        if (sync_send(x->sync_fd, SYNC_PID, pid, NULL, &e) < 0)
                _exit(1);
        _exit(0);
}

static bool same_ns(pid_t pid, const char *name) {
        char a[64], b[64];
        snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
        snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
        struct stat sa, sb;
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
               sa.st_dev == sb.st_dev;
}

int container_exec(const ExecOptions *o, int *ret_status, WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        int r = container_state_load(o->root, o->id, &s, err);
        if (r < 0)
                return r;
        ContainerStatus st = container_state_status(s);
        if (st != STATUS_RUNNING && st != STATUS_CREATED)
                return error_set(err, EINVAL, "cannot exec in container `%s` that is %s", o->id,
                                 container_status_name(st));
        if (o->process->terminal && o->detach && !o->console_socket)
                return error_set(err, EINVAL, "--tty with --detach needs --console-socket");
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *ce = NULL;
        if (s->config_path && oci_config_load(s->config_path, &c, &ce) < 0)
                log_debug("config of container `%s` unreadable, no seccomp for exec: %s", o->id,
                          ce->msg);

        _cleanup_seccomp_program_ SeccompProgram *prog = NULL;
        _cleanup_free_ char *cache = path_join(o->root, SECCOMP_CACHE_DIR_NAME);
        r = seccomp_program_build(c ? c->linux_.seccomp : NULL, cache, &prog, err);
        if (r < 0)
                return error_prefix(err, r, "seccomp");

        _cleanup_close_ int sync_fd = -1, sigfd = -1, master = -1;
        ExecChild x = {.o = o, .seccomp = prog, .console_fd = -1, .sync_fd = -1};
        for (size_t i = 0; i < ELEMENTSOF(exec_ns); i++) {
                x.ns_fds[i] = -1;
                if (same_ns(s->pid, exec_ns[i].name))
                        continue;
                char p[64];
                snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)s->pid, exec_ns[i].name);
                x.ns_fds[i] = open(p, O_RDONLY | O_CLOEXEC);
                if (x.ns_fds[i] < 0 && errno != ENOENT) {
                        r = error_set_errno(err, errno, "open `%s`", p);
                        goto out;
                }
        }
        if (!container_state_pid_alive(s)) { /* the pid may have been reused while we opened */
                r = error_set(err, ESRCH, "container `%s` is not running", o->id);
                goto out;
        }
        if (o->console_socket) {
                r = terminal_connect_socket(o->console_socket, &x.console_fd, err);
                if (r < 0)
                        goto out;
        }
        int fds[2];
        r = sync_socketpair(fds, err);
        if (r < 0)
                goto out;
        sync_fd = fds[0];
        x.sync_fd = fds[1];

        if (!o->detach) {
                sigset_t mask;
                sigemptyset(&mask);
                int sigs[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                              SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
                for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                        sigaddset(&mask, sigs[i]);
                sigprocmask(SIG_BLOCK, &mask, NULL);
                sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        }
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        pid_t c1 = fork();
        if (c1 < 0) {
                r = error_set_errno(err, errno, "fork");
                goto out;
        }
        if (c1 == 0) {
                safe_close(sync_fd);
                first_child(&x);
        }
        x.sync_fd = safe_close(x.sync_fd);
        x.console_fd = safe_close(x.console_fd);
        for (size_t i = 0; i < ELEMENTSOF(exec_ns); i++)
                x.ns_fds[i] = safe_close(x.ns_fds[i]);

        /* The first child sends PID, the grandchild FD and READY: in any order. */
        SyncMsg m;
        pid_t pid = 0;
        bool ready = false;
        while (r >= 0 && (!pid || !ready)) {
                r = sync_recv(sync_fd, &m, err);
                if (r == 0)
                        r = error_set(err, EPIPE, "the process exited before it was ready");
                if (r < 0)
                        break;
                if (m.type == SYNC_ERR)
                        r = sync_error_from_msg(&m, err);
                else if (m.type == SYNC_PID && m.value > 0)
                        pid = m.value;
                else if (m.type == SYNC_FD) {
                        safe_close(master);
                        master = m.fd;
                } else if (m.type == SYNC_READY)
                        ready = true;
                else {
                        safe_close(m.fd);
                        r = error_set(err, EPROTO, "unexpected message from the exec child");
                }
        }
        int c1_status;
        while (waitpid(c1, &c1_status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0 && pid <= 0)
                return error_prefix(err, r, "exec in container `%s`", o->id);
        if (r >= 0 && s->cgroups) {
                _cleanup_error_ WarrenError *ge = NULL;
                if (cgroup_enter(s->cgroups, pid, &ge) < 0)
                        log_debug("exec: %s", ge->msg);
        }
        if (r >= 0)
                r = sync_send(sync_fd, SYNC_GO, 0, NULL, err);
        if (r >= 0)
                r = sync_expect_eof(sync_fd, err);
        if (r < 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return error_prefix(err, r, "exec in container `%s`", o->id);
        }
        if (o->pid_file) {
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
                r = container_state_write_file(o->pid_file, buf, (size_t)n, 0644, err);
                if (r < 0)
                        return error_prefix(err, r, "pid file");
        }
        if (o->detach) {
                *ret_status = 0;
                return 0;
        }
        if (master >= 0)
                (void)terminal_proxy(master, sigfd, pid, NULL);
        r = wait_child(pid, sigfd, ret_status);
        if (r < 0)
                return error_set_errno(err, -r, "wait for the process");
        return 0;
out:
        for (size_t i = 0; i < ELEMENTSOF(exec_ns); i++)
                safe_close(x.ns_fds[i]);
        safe_close(x.console_fd);
        safe_close(x.sync_fd);
        return r;
}
