/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-client.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/monitor-msg.h"
#include "core/monitor-proc.h"
#include "core/monitor.h"

extern char **environ;

static const char *const state_names[] = {
        [MONITOR_STATE_ALIVE] = "alive",   [MONITOR_STATE_RESTARTING] = "restarting",
        [MONITOR_STATE_EXITED] = "exited", [MONITOR_STATE_DEAD] = "dead",
        [MONITOR_STATE_NONE] = "none",
};

const char *monitor_state_to_string(MonitorState s) {
        if ((int)s < 0 || (size_t)s >= ELEMENTSOF(state_names))
                return NULL;
        return state_names[s];
}

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before `deadline` (-1: none) for poll(). */
static int left_ms(int64_t deadline) {
        if (deadline < 0)
                return -1;
        int64_t left = deadline - now_ms();
        return left <= 0 ? 0 : (int)MIN(left, (int64_t)1 << 30);
}

/* Receive one message within the deadline. 1: got one, 0: EOF, -ETIMEDOUT, -errno. */
static int recv_until(int fd, int64_t deadline, char *buf, MonitorMsg *msg, WarrenError **err) {
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int r = poll(&p, 1, left_ms(deadline));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return error_set_errno(err, errno, "wait for the monitor");
                if (r == 0)
                        return -ETIMEDOUT;
                r = monitor_msg_recv(fd, buf, MONITOR_MSG_MAX + 1, msg, err);
                if (r != -EAGAIN)
                        return r;
        }
}

int monitor_client_spawn(const char *monitor_path, const MonitorConfig *cfg, int timeout_ms,
                         MonitorInfo *ret, WarrenError **err) {
        int r = monitor_config_validate(cfg, err);
        if (r < 0)
                return r;
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return error_set_errno(err, errno, "create monitor socket");
        _cleanup_close_ int mine = sp[0];
        /* Above the descriptors the child rearranges. */
        _cleanup_close_ int theirs = fcntl(sp[1], F_DUPFD_CLOEXEC, 4);
        close(sp[1]);
        if (theirs < 0)
                return error_set_errno(err, errno, "dup monitor socket");

        MonitorConfig c = *cfg; /* shallow: only sync_fd differs */
        c.sync_fd = 3;
        _cleanup_strv_ char **argv = monitor_config_to_argv(&c, monitor_path);

        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t empty, def;
        sigemptyset(&empty);
        sigemptyset(&def);
        sigaddset(&def, SIGPIPE);
        sigaddset(&def, SIGCHLD);
        sigaddset(&def, SIGTERM);
        sigaddset(&def, SIGINT);
        sigaddset(&def, SIGHUP);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&fa, theirs, 3);
        posix_spawnattr_init(&at);
        posix_spawnattr_setsigmask(&at, &empty);
        posix_spawnattr_setsigdefault(&at, &def);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        pid_t pid;
        r = posix_spawn(&pid, monitor_path, &fa, &at, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        if (r != 0)
                return error_set_errno(err, r, "run monitor `%s`", monitor_path);
        theirs = safe_close(theirs);
        if (!cfg->foreground) /* the first process exits as soon as it has forked */
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;

        MonitorInfo info = {.monitor_pid = cfg->foreground ? pid : 0};
        int64_t deadline =
                now_ms() + (timeout_ms > 0 ? timeout_ms : MONITOR_CLIENT_SPAWN_TIMEOUT_MS);
        _cleanup_free_ char *buf = xmalloc(MONITOR_MSG_MAX + 1);
        for (;;) {
                MonitorMsg msg;
                r = recv_until(mine, deadline, buf, &msg, err);
                if (r == -ETIMEDOUT) {
                        if (info.monitor_pid > 0)
                                kill(info.monitor_pid, SIGTERM);
                        return error_set(err, ETIMEDOUT,
                                         "the monitor of container `%s` did not report in time",
                                         cfg->id);
                }
                if (r < 0)
                        return error_prefix(err, r, "monitor of container `%s`", cfg->id);
                if (r == 0)
                        return error_set(err, EPIPE,
                                         "the monitor of container `%s` exited before reporting",
                                         cfg->id);
                switch (msg.type) {
                case MONITOR_MSG_MONITOR:
                        (void)monitor_pid_parse(msg.data, &info.monitor_pid,
                                                &info.monitor_starttime);
                        break;
                case MONITOR_MSG_CREATED:
                        (void)monitor_pid_parse(msg.data, &info.container_pid, NULL);
                        if (!cfg->start) {
                                *ret = info;
                                return 0;
                        }
                        break;
                case MONITOR_MSG_STARTED:
                        (void)monitor_pid_parse(msg.data, &info.container_pid, NULL);
                        *ret = info;
                        return 0;
                case MONITOR_MSG_ERROR:
                        return monitor_error_parse(msg.data, msg.len, err);
                default:
                        return error_set(err, EPROTO,
                                         "unexpected message `%s` from the monitor of `%s`",
                                         monitor_msg_type_name(msg.type), cfg->id);
                }
        }
}

int monitor_client_check(const char *state_dir, MonitorCheck *ret, WarrenError **err) {
        /* ps runs this for every container: a handful of system calls, no directory opened. */
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, MONITOR_PID_FILE) >=
            sizeof(path))
                return error_set(err, ENAMETOOLONG, "state directory `%s`", state_dir);
        MonitorCheck c = {.state = MONITOR_STATE_NONE};
        uint64_t st = 0;
        bool locked = false;
        /* Liveness first, then the exit file: a monitor writes its exit file before it exits, so
         * a monitor seen dead has written all it ever will. A monitor holds its pid file's lock
         * while it lives; an unlocked file is checked by pid and start time (an earlier warren's
         * monitor, or one killed a moment ago). */
        int r = monitor_proc_read_pidfile_at(AT_FDCWD, path, &c.monitor_pid, &st, &locked, err);
        if (r < 0 && r != -ENOENT && r != -ENOTDIR)
                return error_prefix(err, r, "`%s`", state_dir);
        bool had_pidfile = r >= 0;
        bool alive = had_pidfile && (locked || monitor_proc_alive(c.monitor_pid, st));
        r = monitor_exit_read(state_dir, &c.exit, err);
        if (r < 0 && r != -ENOENT)
                return r;
        c.have_exit = r >= 0;
        if (alive)
                c.state = c.have_exit && c.exit.restarting ? MONITOR_STATE_RESTARTING
                                                           : MONITOR_STATE_ALIVE;
        else if (c.have_exit)
                c.state = MONITOR_STATE_EXITED;
        else if (had_pidfile)
                c.state = MONITOR_STATE_DEAD;
        /* A dead monitor that recorded "restarting": it will not restart anything. */
        if (c.state == MONITOR_STATE_EXITED && c.exit.restarting && had_pidfile)
                c.exit.restarting = false;
        *ret = c;
        return 0;
}

int monitor_client_connect(const char *state_dir, int *ret_fd, WarrenError **err) {
        _cleanup_close_ int dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "open state directory `%s`", state_dir);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd,
                 MONITOR_ATTACH_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "create socket");
        while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno == EINTR)
                        continue;
                if (errno == ENOENT || errno == ECONNREFUSED)
                        return error_set(err, ESRCH, "the monitor in `%s` is not running",
                                         state_dir);
                return error_set_errno(err, errno, "connect to the monitor in `%s`", state_dir);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Wait for the reply to what was just sent; ERROR becomes the error. */
static int await_reply(int fd, const char *what, int timeout_ms, char **ret_reply,
                       WarrenError **err) {
        int64_t deadline =
                now_ms() + (timeout_ms > 0 ? timeout_ms : MONITOR_CLIENT_REQUEST_TIMEOUT_MS);
        _cleanup_free_ char *buf = xmalloc(MONITOR_MSG_MAX + 1);
        for (;;) {
                MonitorMsg msg;
                int r = recv_until(fd, deadline, buf, &msg, err);
                if (r == -ETIMEDOUT)
                        return error_set(err, ETIMEDOUT, "the monitor did not answer `%s` in time",
                                         what);
                if (r < 0)
                        return r;
                if (r == 0)
                        return error_set(err, EPIPE, "the monitor went away during `%s`", what);
                if (msg.type == MONITOR_MSG_ERROR)
                        return monitor_error_parse(msg.data, msg.len, err);
                if (msg.type == MONITOR_MSG_REPLY) {
                        if (ret_reply)
                                *ret_reply = xstrndup(msg.data, msg.len);
                        return 0;
                }
                /* Output or EXIT of an attach session before the reply: not ours to keep. */
        }
}

int monitor_client_request(const char *state_dir, const char *request, int timeout_ms,
                           char **ret_reply, WarrenError **err) {
        _cleanup_close_ int fd = -1;
        int r = monitor_client_connect(state_dir, &fd, err);
        if (r < 0)
                return r;
        r = monitor_msg_send(fd, MONITOR_MSG_REQUEST, request, strlen(request), 0);
        if (r < 0)
                return error_set_errno(err, -r, "send `%s` to the monitor", request);
        return await_reply(fd, request, timeout_ms, ret_reply, err);
}

int monitor_client_start(const char *state_dir, WarrenError **err) {
        return monitor_client_request(state_dir, "start", -1, NULL, err);
}

int monitor_client_stop(const char *state_dir, int timeout_s, WarrenError **err) {
        char req[32];
        if (timeout_s < 0)
                snprintf(req, sizeof(req), "stop");
        else
                snprintf(req, sizeof(req), "stop %d", timeout_s);
        return monitor_client_request(state_dir, req, -1, NULL, err);
}

int monitor_client_kill(const char *state_dir, int sig, WarrenError **err) {
        char req[32];
        snprintf(req, sizeof(req), "kill %d", sig);
        return monitor_client_request(state_dir, req, -1, NULL, err);
}

static int exit_or_dead(const char *state_dir, MonitorExit *ret, WarrenError **err) {
        MonitorCheck c;
        int r = monitor_client_check(state_dir, &c, err);
        if (r < 0)
                return r;
        if (c.have_exit && c.state != MONITOR_STATE_ALIVE && c.state != MONITOR_STATE_RESTARTING) {
                *ret = c.exit;
                return 0;
        }
        if (c.have_exit)
                monitor_exit_done(&c.exit);
        if (c.state == MONITOR_STATE_DEAD)
                return error_set(err, ESRCH,
                                 "the monitor (pid %d) in `%s` died without recording an exit",
                                 (int)c.monitor_pid, state_dir);
        if (c.state == MONITOR_STATE_NONE)
                return error_set(err, ESRCH, "no monitor ran in `%s`", state_dir);
        return -EAGAIN; /* still alive */
}

int monitor_client_wait(const char *state_dir, int timeout_ms, MonitorExit *ret,
                        WarrenError **err) {
        int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        for (;;) {
                _cleanup_close_ int fd = -1;
                _cleanup_error_ WarrenError *e = NULL;
                int r = monitor_client_connect(state_dir, &fd, &e);
                if (r < 0) {
                        if (r != -ESRCH)
                                return error_move(err, TAKE_PTR(e));
                        r = exit_or_dead(state_dir, ret, err);
                        if (r != -EAGAIN)
                                return r;
                        /* The monitor is alive but not listening yet (or any more): poll. */
                        if (deadline >= 0 && left_ms(deadline) == 0)
                                return error_set(err, ETIMEDOUT, "timed out waiting for `%s`",
                                                 state_dir);
                        struct timespec ts = {.tv_nsec = 50 * 1000000L};
                        nanosleep(&ts, NULL);
                        continue;
                }
                /* The connection ends when the monitor exits, however it exits. */
                char buf[64];
                for (;;) {
                        struct pollfd p = {.fd = fd, .events = POLLIN};
                        int n = poll(&p, 1, left_ms(deadline));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n == 0)
                                return error_set(err, ETIMEDOUT, "timed out waiting for `%s`",
                                                 state_dir);
                        ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
                        if (got > 0 || (got < 0 && errno == EAGAIN))
                                continue;
                        break;
                }
                r = exit_or_dead(state_dir, ret, err);
                if (r != -EAGAIN)
                        return r;
                /* It closed us but lives on (too many clients?): try again, after a pause. */
                if (deadline >= 0 && left_ms(deadline) == 0)
                        return error_set(err, ETIMEDOUT, "timed out waiting for `%s`", state_dir);
                struct timespec ts = {.tv_nsec = 50 * 1000000L};
                nanosleep(&ts, NULL);
        }
}

int monitor_client_attach(const char *state_dir, unsigned flags, int timeout_ms, int *ret_fd,
                          WarrenError **err) {
        _cleanup_close_ int fd = -1;
        int r = monitor_client_connect(state_dir, &fd, err);
        if (r < 0)
                return r;
        r = monitor_msg_sendf(fd, MONITOR_MSG_ATTACH, "%u", flags);
        if (r < 0)
                return error_set_errno(err, -r, "attach to the monitor in `%s`", state_dir);
        r = await_reply(fd, "attach", timeout_ms, NULL, err);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int monitor_client_resize(int fd, unsigned short rows, unsigned short cols) {
        return monitor_msg_sendf(fd, MONITOR_MSG_RESIZE, "%u %u", rows, cols);
}

/* Write all of it, waiting when out_fd is non-blocking (a descriptor shared with a program that
 * set O_NONBLOCK): output is never dropped here, a slow reader holds the session back instead. */
static int write_out(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        struct pollfd p = {.fd = fd, .events = POLLOUT};
                        (void)poll(&p, 1, -1);
                        continue;
                }
                if (n < 0)
                        return -errno;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

int monitor_client_relay(int fd, int in_fd, int out_fd, int err_fd, WarrenError **err) {
        _cleanup_free_ char *buf = xmalloc(MONITOR_MSG_MAX + 1);
        /* One packet for the container's stdin (STDIN, or STDIN_CLOSE at EOF), sent without
         * blocking: while the monitor does not take it, output is still read, so a container
         * that must write before it reads more input cannot deadlock with this loop. */
        _cleanup_free_ char *in_buf = in_fd >= 0 ? xmalloc(MONITOR_DATA_MAX) : NULL;
        MonitorMsgType in_type = 0; /* 0: nothing to send */
        size_t in_len = 0;
        for (;;) {
                struct pollfd p[2] = {
                        {.fd = fd, .events = POLLIN | (in_type ? POLLOUT : 0)},
                        {.fd = in_type ? -1 : in_fd, .events = POLLIN},
                };
                int n = poll(p, 2, -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "poll");
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t got = read(in_fd, in_buf, MONITOR_DATA_MAX);
                        if (got > 0) {
                                in_type = MONITOR_MSG_STDIN;
                                in_len = (size_t)got;
                        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                                in_type = MONITOR_MSG_STDIN_CLOSE;
                                in_len = 0;
                                in_fd = -1;
                        }
                }
                if (in_type) {
                        int r = monitor_msg_send(fd, in_type, in_buf, in_len, MSG_DONTWAIT);
                        /* Sent, or the monitor is gone (its EOF or EXIT comes next). */
                        if (r != -EAGAIN)
                                in_type = 0;
                        if (r < 0 && r != -EAGAIN)
                                in_fd = -1;
                }
                if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                MonitorMsg msg;
                int r = monitor_msg_recv(fd, buf, MONITOR_MSG_MAX + 1, &msg, err);
                if (r == -EAGAIN)
                        continue;
                if (r < 0)
                        return r;
                if (r == 0)
                        return error_set(err, EPIPE, "the monitor closed the attach session");
                switch (msg.type) {
                case MONITOR_MSG_STDOUT:
                        if (out_fd >= 0)
                                (void)write_out(out_fd, msg.data, msg.len);
                        break;
                case MONITOR_MSG_STDERR:
                        if (err_fd >= 0)
                                (void)write_out(err_fd, msg.data, msg.len);
                        break;
                case MONITOR_MSG_EXIT: {
                        int code = 0;
                        if (sscanf(msg.data, "%d", &code) != 1 || code < 0 || code > 255)
                                return error_set(err, EPROTO, "malformed exit message");
                        return code;
                }
                case MONITOR_MSG_ERROR:
                        return monitor_error_parse(msg.data, msg.len, err);
                default:
                        break;
                }
        }
}
