/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warren-init: a minimal init for containers (`warren run --init`) and the infra process of a
 * sandbox (`--pause`). Static and libc-only, so it can be bound into any root filesystem.
 *
 *   warren-init [--] COMMAND [ARG...]   run COMMAND as a child, forward signals to it, reap every
 *                                       orphan, exit with COMMAND's status (128+N if killed)
 *   warren-init --pause                 hold namespaces: sleep until SIGTERM/SIGINT, reap orphans
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM,
                                 SIGCONT, SIGWINCH, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU };

static void usage(FILE *f) {
        fputs("usage: warren-init [--] COMMAND [ARG...]\n"
              "       warren-init --pause\n",
              f);
}

/* Reap every exited child; returns the status of `main_pid` if it was among them, else -1. */
static int reap(pid_t main_pid, int *ret_status) {
        int found = -1;
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        break;
                if (p == main_pid) {
                        *ret_status = st;
                        found = 0;
                }
        }
        return found;
}

int main(int argc, char **argv) {
        bool pause_mode = false;
        int first = 1;
        if (argc > 1 && strcmp(argv[1], "--pause") == 0) {
                pause_mode = true;
                if (argc > 2) {
                        usage(stderr);
                        return 2;
                }
        } else if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                usage(stdout);
                return 0;
        } else if (argc > 1 && strcmp(argv[1], "--") == 0)
                first = 2;
        if (!pause_mode && first >= argc) {
                usage(stderr);
                return 2;
        }

        /* Not pid 1 (e.g. --pid=host): still collect orphans. */
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1);

        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        /* An ignored signal is discarded even while blocked, and a background job starts with
         * SIGINT and SIGQUIT ignored: restore the defaults so sigwaitinfo() sees them. */
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                signal(forwarded[i], SIG_DFL);
        signal(SIGCHLD, SIG_DFL);

        pid_t child = -1;
        if (!pause_mode) {
                child = fork();
                if (child < 0) {
                        fprintf(stderr, "warren-init: fork: %s\n", strerror(errno));
                        return 125;
                }
                if (child == 0) {
                        sigprocmask(SIG_SETMASK, &old, NULL);
                        /* Its own process group, and the terminal's foreground one if any. */
                        setpgid(0, 0);
                        if (isatty(STDIN_FILENO)) {
                                signal(SIGTTOU, SIG_IGN);
                                tcsetpgrp(STDIN_FILENO, getpid());
                                signal(SIGTTOU, SIG_DFL);
                        }
                        execvp(argv[first], argv + first);
                        int e = errno;
                        fprintf(stderr, "warren-init: exec `%s`: %s\n", argv[first], strerror(e));
                        _exit(e == ENOENT ? 127 : 126);
                }
                setpgid(child, child);
        }

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        return 125;
                }
                if (sig == SIGCHLD) {
                        int st;
                        if (reap(child, &st) == 0) {
                                /* Give the rest of the group a chance to exit with it. */
                                kill(-child, SIGTERM);
                                if (WIFEXITED(st))
                                        return WEXITSTATUS(st);
                                if (WIFSIGNALED(st))
                                        return 128 + WTERMSIG(st);
                                return 125;
                        }
                        continue;
                }
                if (pause_mode) {
                        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
                                return 0;
                        continue;
                }
                for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                        if (forwarded[i] == sig) {
                                if (kill(-child, sig) < 0)
                                        kill(child, sig);
                                break;
                        }
        }
}
