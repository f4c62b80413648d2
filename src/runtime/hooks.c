/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_one(const OciHook *h, const char *name, size_t idx, const char *state_json,
                   WarrenError **err) {
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return error_set_errno(err, e, "fork");
        }
        if (pid == 0) {
                if (dup2(pipefd[0], 0) < 0)
                        _exit(127);
                sigset_t all;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                char *const empty[] = {NULL};
                char *const argv0[] = {h->path, NULL};
                execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : empty);
                _exit(127);
        }
        close(pipefd[0]);
        /* A hook that ignores stdin must not block us: write, ignoring EPIPE. */
        struct sigaction ign = {.sa_handler = SIG_IGN}, old;
        sigaction(SIGPIPE, &ign, &old);
        (void)write_all(pipefd[1], state_json, strlen(state_json));
        close(pipefd[1]);
        sigaction(SIGPIPE, &old, NULL);

        int status = 0;
        if (h->timeout > 0) {
                int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
                int64_t deadline = now_ms() + (int64_t)h->timeout * 1000;
                bool timed_out = false;
                for (;;) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0) {
                                timed_out = true;
                                break;
                        }
                        if (pidfd < 0) {
                                pid_t w = waitpid(pid, &status, WNOHANG);
                                if (w == pid)
                                        break;
                                usleep(10000);
                                continue;
                        }
                        struct pollfd p = {.fd = pidfd, .events = POLLIN};
                        int n = poll(&p, 1, (int)MIN(left, 1000));
                        if (n > 0)
                                break;
                }
                safe_close(pidfd);
                if (timed_out) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        return error_set(err, ETIMEDOUT,
                                         "%s hook #%zu `%s` timed out after %d seconds", name, idx,
                                         h->path, h->timeout);
                }
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        if (errno == ECHILD)
                                break;
                        return error_set_errno(err, errno, "wait for hook `%s`", h->path);
                }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return error_set(err, ENOEXEC, "%s hook #%zu `%s` could not be run", name, idx,
                                 h->path);
        if (WIFEXITED(status))
                return error_set(err, EIO, "%s hook #%zu `%s` exited with status %d", name, idx,
                                 h->path, WEXITSTATUS(status));
        return error_set(err, EIO, "%s hook #%zu `%s` was killed by signal %d", name, idx, h->path,
                         WTERMSIG(status));
}

int hooks_run(const OciConfig *c, OciHookKind kind, const char *state_json, WarrenError **err) {
        for (size_t i = 0; i < c->n_hooks[kind]; i++) {
                log_debug("running %s hook `%s`", oci_hook_kind_name(kind), c->hooks[kind][i].path);
                int r = run_one(&c->hooks[kind][i], oci_hook_kind_name(kind), i, state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
