/* SPDX-License-Identifier: Apache-2.0 */
/* `warren-monitor ctl`: drives a monitor through the client library (src/core/monitor-client.h),
 * so the library can be exercised from a shell: tests, debugging, and a reference for warren. */
#include "cmd/warren-monitor/ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "core/monitor-client.h"
#include "core/monitor-log.h"
#include "core/monitor-msg.h"

static int fail(WarrenError *e) {
        fprintf(stderr, "warren-monitor: %s\n", e ? e->msg : "unknown error");
        return 125;
}

static void ctl_usage(void) {
        printf("usage: warren-monitor ctl spawn MONITOR-OPTIONS...   start a monitor, wait for its "
               "report\n"
               "       warren-monitor ctl check DIR                  liveness and exit file\n"
               "       warren-monitor ctl status DIR                 ask the monitor\n"
               "       warren-monitor ctl start DIR\n"
               "       warren-monitor ctl stop DIR [SECS]\n"
               "       warren-monitor ctl kill DIR SIG\n"
               "       warren-monitor ctl wait DIR [TIMEOUT_MS]      exit with the container's "
               "code\n"
               "       warren-monitor ctl attach DIR [--stdin]       relay stdio until the exit\n");
}

static void print_exit(const MonitorExit *e) {
        char fin[MONITOR_TIME_MAX] = "";
        if (e->finished_at_ns)
                monitor_format_time(e->finished_at_ns, fin);
        printf("exit_code=%d signal=%d oom_killed=%s restarts=%u restarting=%s reason=%s "
               "finished_at=%s\n",
               e->exit_code, e->signal, e->oom_killed ? "true" : "false", e->restarts,
               e->restarting ? "true" : "false", monitor_exit_reason_to_string(e->reason), fin);
        if (e->error)
                printf("error=%s\n", e->error);
}

static int ctl_spawn(int argc, char **argv) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
                perror("warren-monitor: /proc/self/exe");
                return 125;
        }
        self[n] = 0;
        MonitorConfig cfg;
        monitor_config_init(&cfg);
        _cleanup_error_ WarrenError *err = NULL;
        int r = monitor_config_parse_argv(argc, argv, &cfg, &err);
        MonitorInfo info = {};
        if (r >= 0)
                r = monitor_client_spawn(self, &cfg, -1, &info, &err);
        monitor_config_done(&cfg);
        if (r < 0)
                return fail(err);
        printf("monitor=%d container=%d\n", (int)info.monitor_pid, (int)info.container_pid);
        return 0;
}

int ctl_main(int argc, char **argv) {
        if (argc < 2 || STREQ(argv[1], "help") || STREQ(argv[1], "--help")) {
                ctl_usage();
                return argc < 2 ? 2 : 0;
        }
        const char *verb = argv[1];
        if (STREQ(verb, "spawn"))
                return ctl_spawn(argc - 1, argv + 1);
        if (argc < 3) {
                ctl_usage();
                return 2;
        }
        const char *dir = argv[2];
        _cleanup_error_ WarrenError *err = NULL;
        int r;

        if (STREQ(verb, "check")) {
                MonitorCheck c;
                r = monitor_client_check(dir, &c, &err);
                if (r < 0)
                        return fail(err);
                printf("state=%s monitor_pid=%d\n", monitor_state_to_string(c.state),
                       (int)c.monitor_pid);
                if (c.have_exit) {
                        print_exit(&c.exit);
                        monitor_exit_done(&c.exit);
                }
                return 0;
        }
        if (STREQ(verb, "status") || STREQ(verb, "start")) {
                _cleanup_free_ char *reply = NULL;
                r = monitor_client_request(dir, verb, -1, &reply, &err);
                if (r < 0)
                        return fail(err);
                printf("%s\n", reply);
                return 0;
        }
        if (STREQ(verb, "stop")) {
                int secs = -1;
                if (argc > 3 && (safe_atoi(argv[3], &secs) < 0 || secs < 0)) {
                        fprintf(stderr, "warren-monitor: bad timeout `%s`\n", argv[3]);
                        return 2;
                }
                r = monitor_client_stop(dir, secs, &err);
                return r < 0 ? fail(err) : 0;
        }
        if (STREQ(verb, "kill")) {
                int sig;
                if (argc < 4 || parse_signal(argv[3], &sig) < 0) {
                        fprintf(stderr, "warren-monitor: bad signal `%s`\n",
                                argc > 3 ? argv[3] : "");
                        return 2;
                }
                r = monitor_client_kill(dir, sig, &err);
                return r < 0 ? fail(err) : 0;
        }
        if (STREQ(verb, "wait")) {
                int ms = -1;
                if (argc > 3 && safe_atoi(argv[3], &ms) < 0) {
                        fprintf(stderr, "warren-monitor: bad timeout `%s`\n", argv[3]);
                        return 2;
                }
                MonitorExit e;
                r = monitor_client_wait(dir, ms, &e, &err);
                if (r < 0)
                        return fail(err);
                print_exit(&e);
                int code = e.exit_code;
                monitor_exit_done(&e);
                return code;
        }
        if (STREQ(verb, "attach")) {
                bool in = argc > 3 && STREQ(argv[3], "--stdin");
                int fd = -1;
                unsigned flags = MONITOR_ATTACH_STDOUT | MONITOR_ATTACH_STDERR |
                                 (in ? MONITOR_ATTACH_STDIN : 0);
                r = monitor_client_attach(dir, flags, -1, &fd, &err);
                if (r < 0)
                        return fail(err);
                fprintf(stderr, "attached\n");
                r = monitor_client_relay(fd, in ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO,
                                         &err);
                close(fd);
                return r < 0 ? fail(err) : r;
        }
        ctl_usage();
        return 2;
}
