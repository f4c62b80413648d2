/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-runtime.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"

extern char **environ;

#define CAPTURE_MAX 2048

int monitor_runtime_spawn(char **argv, int fd0, int fd1, int fd2, pid_t *ret, WarrenError **err) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t empty, def;
        sigemptyset(&empty);
        sigemptyset(&def);
        int sigs[] = {SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT};
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(&def, sigs[i]);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fd0, STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, fd1, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, fd2, STDERR_FILENO);
        posix_spawnattr_init(&at);
        posix_spawnattr_setsigmask(&at, &empty);
        posix_spawnattr_setsigdefault(&at, &def);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        int r = posix_spawnp(ret, argv[0], &fa, &at, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        if (r != 0)
                return error_set_errno(err, r, "run `%s`", argv[0]);
        return 0;
}

int monitor_runtime_wait(pid_t pid, int timeout_ms, int *ret_status) {
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd >= 0) {
                struct pollfd p = {.fd = pfd, .events = POLLIN};
                int r;
                while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                        ;
                if (r == 0) {
                        kill(pid, SIGKILL);
                        while (waitpid(pid, ret_status, 0) < 0 && errno == EINTR)
                                ;
                        return -ETIMEDOUT;
                }
        }
        while (waitpid(pid, ret_status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

char *monitor_runtime_capture(int fd) {
        if (fd < 0)
                return NULL;
        char buf[CAPTURE_MAX + 1];
        size_t len = 0;
        while (len < CAPTURE_MAX) {
                ssize_t n = read(fd, buf + len, CAPTURE_MAX - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\r'))
                len--;
        if (len == 0)
                return NULL;
        buf[len] = 0;
        for (size_t i = 0; i < len; i++)
                if (buf[i] == 0)
                        buf[i] = ' ';
        return xstrdup(buf);
}

/* The value of `msg="..."` starting at p (just after the opening quote), unescaped. */
static char *logrus_msg(const char *p) {
        size_t n = 0;
        char *out = xmalloc(strlen(p) + 1);
        for (; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                        p++;
                out[n++] = *p;
        }
        out[n] = 0;
        return out;
}

static char *one_line(char *s) {
        for (char *p = s; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        return s;
}

char *monitor_runtime_tidy_error(const char *text) {
        const char *best = NULL;
        for (const char *p = strstr(text, "msg=\""); p; p = strstr(p + 1, "msg=\"")) {
                /* the level of this record: the last `level=` before it */
                const char *lvl = NULL;
                for (const char *q = text; (q = strstr(q, "level=")) && q < p; q++)
                        lvl = q;
                bool is_error = lvl && (strncmp(lvl, "level=error", 11) == 0 ||
                                        strncmp(lvl, "level=fatal", 11) == 0);
                if (!best || is_error)
                        best = p + 5;
        }
        return one_line(best ? logrus_msg(best) : xstrdup(text));
}

int monitor_runtime_console_listen(MonitorConsole *c, const char *state_dir, const char *name,
                                   WarrenError **err) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        monitor_runtime_console_done(c);
        c->path = path_join(state_dir, name);
        if (strlen(c->path) >= sizeof(sa.sun_path)) {
                char tmpl[] = "/tmp/warren-console-XXXXXX";
                if (!mkdtemp(tmpl))
                        return error_set_errno(err, errno, "create console directory");
                c->tmpdir = xstrdup(tmpl);
                free(c->path);
                c->path = path_join(c->tmpdir, "sock");
        }
        strncpy(sa.sun_path, c->path, sizeof(sa.sun_path) - 1);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (c->fd < 0)
                return error_set_errno(err, errno, "create console socket");
        (void)unlink(c->path);
        if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "bind console socket `%s`", c->path);
        if (listen(c->fd, 1) < 0)
                return error_set_errno(err, errno, "listen on console socket `%s`", c->path);
        return 0;
}

int monitor_runtime_console_receive(MonitorConsole *c, const char *runtime, int *ret_master,
                                    WarrenError **err) {
        _cleanup_close_ int conn = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return error_set(err, EPROTO, "`%s create` did not send the terminal", runtime);
        struct timeval tv = {.tv_sec = 5};
        (void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        char name[256];
        size_t len = 0;
        int fd = recv_fd(conn, name, sizeof(name), &len);
        if (fd < 0)
                return error_set_errno(err, -fd, "receive the terminal from `%s`", runtime);
        *ret_master = fd;
        return 0;
}

void monitor_runtime_console_done(MonitorConsole *c) {
        c->fd = safe_close(c->fd);
        if (c->path)
                (void)unlink(c->path);
        if (c->tmpdir)
                (void)rmdir(c->tmpdir);
        free(c->path);
        free(c->tmpdir);
        c->path = c->tmpdir = NULL;
}
