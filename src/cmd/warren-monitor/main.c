/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warren-monitor: one per container (docs/protocols/monitor.md). Started by warren through
 * monitor_client_spawn(); daemonizes (fork, setsid, fork) unless --foreground, then runs the
 * container under the OCI runtime and stays its parent until it exits for good.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"
#include "cmd/warren-monitor/ctl.h"
#include "core/monitor-msg.h"
#include "core/monitor.h"

static void usage(void) {
        printf("usage: warren-monitor --id ID --bundle DIR --runtime PATH --state-dir DIR\n"
               "                      --log-path FILE [--runtime-root DIR] [--runtime-arg OPT]...\n"
               "                      [--log-max-size SIZE]\n"
               "                      [--terminal] [--stdin] [--start] [--delete]\n"
               "                      [--restart no|always|on-failure[:N]] [--stop-signal SIG]\n"
               "                      [--stop-timeout SECS] [--sync-fd FD] [--foreground] "
               "[--debug]\n"
               "       warren-monitor ctl VERB ...   (warren-monitor ctl help)\n"
               "See docs/protocols/monitor.md.\n");
}

/* stdin, stdout and stderr open (on /dev/null if need be), so that no pipe or socket the
 * monitor makes can land on 0-2; the sync fd moved to 3; nothing else inherited. */
static int sanitize_fds(int *sync_fd) {
        for (int fd = 0; fd < 3; fd++)
                if (fcntl(fd, F_GETFD) < 0) {
                        int n = open("/dev/null", O_RDWR);
                        if (n < 0)
                                return -errno;
                        if (n != fd) {
                                dup2(n, fd);
                                close(n);
                        }
                }
        if (*sync_fd >= 0 && *sync_fd != 3) {
                if (dup2(*sync_fd, 3) < 0)
                        return -errno;
                *sync_fd = 3;
        }
        (void)syscall(SYS_close_range, *sync_fd >= 0 ? 4U : 3U, ~0U, 0U);
        if (*sync_fd >= 0)
                fcntl(*sync_fd, F_SETFD, FD_CLOEXEC);
        return 0;
}

static int daemonize(void) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0)
                _exit(0);
        if (setsid() < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0)
                _exit(0);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                close(null);
        }
        return 0;
}

/* Bad arguments: say so on the sync socket too, so the caller gets the message. */
static int fail_early(const MonitorConfig *cfg, WarrenError *e) {
        if (cfg->sync_fd >= 0)
                (void)monitor_msg_send_error(cfg->sync_fd, e);
        log_error("%s", e->msg);
        return 125;
}

int main(int argc, char **argv) {
        log_set_program("warren-monitor");
        if (argc >= 2 && STREQ(argv[1], "ctl"))
                return ctl_main(argc - 1, argv + 1);
        if (argc >= 2 && (STREQ(argv[1], "--help") || STREQ(argv[1], "-h"))) {
                usage();
                return 0;
        }
        if (argc >= 2 && STREQ(argv[1], "--version")) {
                printf("warren-monitor %s\n", WARREN_VERSION);
                return 0;
        }

        MonitorConfig cfg;
        monitor_config_init(&cfg);
        _cleanup_error_ WarrenError *err = NULL;
        int r = monitor_config_parse_argv(argc, argv, &cfg, &err);
        if (r < 0) {
                r = fail_early(&cfg, err);
                monitor_config_done(&cfg);
                return r;
        }
        r = sanitize_fds(&cfg.sync_fd);
        if (r >= 0 && !cfg.foreground)
                r = daemonize();
        if (r >= 0 && chdir("/") < 0)
                r = -errno;
        if (r < 0) {
                error_set_errno(&err, -r, "monitor: start");
                r = fail_early(&cfg, err);
                monitor_config_done(&cfg);
                return r;
        }

        /* Our own diagnostics go next to the container's state. */
        _cleanup_free_ char *logpath = path_join(cfg.state_dir, MONITOR_DEBUG_LOG);
        if (cfg.debug) {
                log_set_level(LOG_LEVEL_DEBUG);
                (void)log_open(logpath, LOG_FORMAT_TEXT);
        } else if (!cfg.foreground)
                (void)log_open(logpath, LOG_FORMAT_TEXT);

        r = monitor_run(&cfg, &err);
        if (r < 0)
                log_error("container `%s`: %s", cfg.id, err ? err->msg : "unknown error");
        monitor_config_done(&cfg);
        return r < 0 ? 1 : 0;
}
