/* SPDX-License-Identifier: Apache-2.0 */
/* Container I/O: exec, logs, top, cp, and running the runtime for a one-off command. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/container-internal.h"
#include "core/containers.h"
#include "core/monitor-client.h"

#define LOG_LINE_MAX (256U * 1024U)

static int wait_child(pid_t pid, int *ret_status) {
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_status = st;
        return 0;
}

int container_run_tool(char *const *argv, WarrenError **err) {
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return error_set_errno(err, errno, "fork");
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                execv(argv[0], argv);
                dprintf(STDERR_FILENO, "exec `%s`: %s", argv[0], strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        (void) read_fd_capped(pipefd[0], 64 * 1024, &out, &len, NULL);
        close(pipefd[0]);
        int st = 0;
        int r = wait_child(pid, &st);
        if (r < 0)
                return error_set_errno(err, -r, "wait for `%s`", argv[0]);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
        /* The runtime's last line says why. */
        char *msg = out ? out : (char *) "";
        while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                msg[--len] = 0;
        char *nl = strrchr(msg, '\n');
        if (nl)
                msg = nl + 1;
        const char *base = strrchr(argv[0], '/');
        return error_set(err, EIO, "`%s %s` failed%s%s", base ? base + 1 : argv[0],
                         argv[1] && argv[2] && argv[3] ? argv[3] : "", *msg ? ": " : "", msg);
}

int container_run_tool_quiet(char *const *argv) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        int st;
        return wait_child(pid, &st);
}

/* ---- exec ---- */

static struct termios exec_saved;
static bool exec_raw;

static void exec_restore(void) {
        if (exec_raw) {
                tcsetattr(STDIN_FILENO, TCSANOW, &exec_saved);
                exec_raw = false;
        }
}

/* Relay between our stdio and a pty master until the master reports EOF or EIO. */
static void relay_pty(int master, int in_fd, int out_fd) {
        char buf[16384];
        bool in_open = in_fd >= 0;
        for (;;) {
                struct pollfd p[2] = {
                        { .fd = master, .events = POLLIN },
                        { .fd = in_open ? in_fd : -1, .events = POLLIN },
                };
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(master, buf, sizeof(buf));
                        if (n <= 0)
                                return;
                        if (write_all(out_fd, buf, (size_t) n) < 0)
                                return;
                }
                if (in_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        ssize_t n = read(in_fd, buf, sizeof(buf));
                        if (n <= 0) {
                                in_open = false;
                                char eot = 4; /* ^D: end of input for the terminal */
                                (void) !write(master, &eot, 1);
                        } else if (write_all(master, buf, (size_t) n) < 0)
                                return;
                }
        }
}

int containers_exec(Engine *e, const char *key, const ExecOptions *o, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_RUNNING)
                return error_set(err, EINVAL, "container `%s` is not running%s", v.c.name,
                                 v.state == CONTAINER_PAUSED ? " (it is paused)" : "");
        if (!o->command || !o->command[0])
                return error_set(err, EINVAL, "exec needs a command");
        _cleanup_free_ char *runtime = NULL;
        r = container_runtime_path(e, &v.c, &runtime, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *root = container_runtime_root(e, runtime);
        _cleanup_strv_ char **argv = NULL;
        strv_push(&argv, runtime);
        strv_push(&argv, "--root");
        strv_push(&argv, root);
        strv_push(&argv, "exec");
        if (o->detach)
                strv_push(&argv, "-d");
        STRV_FOREACH (env, o->env) {
                strv_push(&argv, "--env");
                strv_push(&argv, *env);
        }
        if (o->user) {
                strv_push(&argv, "--user");
                strv_push(&argv, o->user);
        }
        if (o->workdir) {
                strv_push(&argv, "--cwd");
                strv_push(&argv, o->workdir);
        }
        _cleanup_free_ char *sockdir = NULL, *sockpath = NULL;
        _cleanup_close_ int lsock = -1;
        if (o->tty) {
                strv_push(&argv, "-t");
                _cleanup_free_ char *sdir = containers_state_dir(e, v.c.id);
                sockdir = xasprintf("%s/exec-%d", sdir, (int) getpid());
                if (mkdir(sockdir, 0700) < 0 && errno != EEXIST)
                        return error_set_errno(err, errno, "create `%s`", sockdir);
                sockpath = path_join(sockdir, "console.sock");
                lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                if (strlen(sockpath) >= sizeof(sa.sun_path)) {
                        rm_rf(sockdir, NULL);
                        return error_set(err, ENAMETOOLONG, "socket path `%s` is too long", sockpath);
                }
                strcpy(sa.sun_path, sockpath);
                if (lsock < 0 || bind(lsock, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
                    listen(lsock, 1) < 0) {
                        r = error_set_errno(err, errno, "console socket `%s`", sockpath);
                        rm_rf(sockdir, NULL);
                        return r;
                }
                strv_push(&argv, "--console-socket");
                strv_push(&argv, sockpath);
        }
        strv_push(&argv, v.c.id);
        STRV_FOREACH (a, o->command)
                strv_push(&argv, *a);

        pid_t pid = fork();
        if (pid < 0) {
                r = error_set_errno(err, errno, "fork");
                goto out;
        }
        if (pid == 0) {
                if (!o->interactive && !o->tty) {
                        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        dup2(null, STDIN_FILENO);
                }
                execv(argv[0], argv);
                dprintf(STDERR_FILENO, "warren: exec `%s`: %s\n", argv[0], strerror(errno));
                _exit(125);
        }
        if (o->tty) {
                /* The runtime connects and passes the pty master; then we relay. */
                struct pollfd p = { .fd = lsock, .events = POLLIN };
                int st = 0;
                for (;;) {
                        int q = poll(&p, 1, 100);
                        if (q > 0)
                                break;
                        if (waitpid(pid, &st, WNOHANG) == pid) {
                                r = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                                goto out;
                        }
                }
                _cleanup_close_ int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
                _cleanup_close_ int master = conn >= 0 ? recv_fd(conn, NULL, 0, NULL) : -1;
                if (master < 0) {
                        kill(pid, SIGKILL);
                        wait_child(pid, &st);
                        r = error_set(err, EIO, "receive the terminal from the runtime");
                        goto out;
                }
                if (isatty(STDIN_FILENO)) {
                        struct winsize ws;
                        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                                ioctl(master, TIOCSWINSZ, &ws);
                        if (tcgetattr(STDIN_FILENO, &exec_saved) == 0) {
                                struct termios t = exec_saved;
                                cfmakeraw(&t);
                                t.c_oflag |= OPOST;
                                if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
                                        exec_raw = true;
                                        atexit(exec_restore);
                                }
                        }
                }
                if (!o->detach)
                        relay_pty(master, o->interactive ? STDIN_FILENO : -1, STDOUT_FILENO);
                exec_restore();
        }
        int st = 0;
        if (wait_child(pid, &st) < 0) {
                r = error_set_errno(err, errno, "wait for the runtime");
                goto out;
        }
        r = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
        if (sockdir)
                rm_rf(sockdir, NULL);
        return r;
}

/* ---- logs ---- */

typedef struct LogLine {
        int64_t ts;
        bool is_stderr;
        bool partial;
        const char *text;
        size_t len;
        const char *ts_text;
        size_t ts_len;
} LogLine;

static int64_t parse_rfc3339_ns(const char *s, size_t len) {
        struct tm tm = {};
        char buf[64];
        if (len >= sizeof(buf))
                return 0;
        memcpy(buf, s, len);
        buf[len] = 0;
        char *rest = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!rest)
                return 0;
        int64_t ns = 0;
        if (*rest == '.') {
                rest++;
                int digits = 0;
                while (isdigit((unsigned char) *rest)) {
                        if (digits < 9) {
                                ns = ns * 10 + (*rest - '0');
                                digits++;
                        }
                        rest++;
                }
                while (digits++ < 9)
                        ns *= 10;
        }
        int64_t off = 0;
        if (*rest == '+' || *rest == '-') {
                int hh = 0, mm = 0;
                if (sscanf(rest + 1, "%d:%d", &hh, &mm) >= 1)
                        off = (hh * 3600 + mm * 60) * (*rest == '-' ? -1 : 1);
        }
        return ((int64_t) timegm(&tm) - off) * 1000000000LL + ns;
}

/* "<ts> <stream> <P|F> <text>" */
static bool parse_log_line(const char *line, size_t len, LogLine *ret) {
        const char *sp1 = memchr(line, ' ', len);
        if (!sp1)
                return false;
        const char *rest = sp1 + 1;
        size_t rlen = len - (size_t) (rest - line);
        bool is_err;
        if (rlen >= 7 && memcmp(rest, "stdout ", 7) == 0)
                is_err = false;
        else if (rlen >= 7 && memcmp(rest, "stderr ", 7) == 0)
                is_err = true;
        else
                return false;
        rest += 7;
        rlen -= 7;
        if (rlen < 2 || (rest[0] != 'P' && rest[0] != 'F') || rest[1] != ' ') {
                if (!(rlen == 1 && (rest[0] == 'P' || rest[0] == 'F')))
                        return false;
        }
        ret->partial = rest[0] == 'P';
        ret->is_stderr = is_err;
        ret->text = rlen >= 2 ? rest + 2 : rest + rlen;
        ret->len = rlen >= 2 ? rlen - 2 : 0;
        ret->ts_text = line;
        ret->ts_len = (size_t) (sp1 - line);
        ret->ts = parse_rfc3339_ns(line, ret->ts_len);
        return true;
}

typedef struct LogEmitter {
        const LogOptions *o;
        int out_fd, err_fd;
        bool at_line_start[2];
} LogEmitter;

static void emit(LogEmitter *em, const LogLine *l) {
        if (em->o->since_ns && l->ts < em->o->since_ns)
                return;
        int fd = l->is_stderr ? em->err_fd : em->out_fd;
        bool *start = &em->at_line_start[l->is_stderr];
        if (em->o->timestamps && *start) {
                (void) write_all(fd, l->ts_text, l->ts_len);
                (void) write_all(fd, " ", 1);
        }
        (void) write_all(fd, l->text, l->len);
        if (!l->partial)
                (void) write_all(fd, "\n", 1);
        *start = !l->partial;
}

/* Emit complete lines from buf; returns bytes consumed. */
static size_t emit_buffer(LogEmitter *em, const char *buf, size_t len, long skip_full_lines) {
        size_t pos = 0;
        long full = 0;
        while (pos < len) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                if (!nl)
                        break;
                size_t l = (size_t) (nl - (buf + pos));
                LogLine ll;
                if (parse_log_line(buf + pos, l, &ll)) {
                        if (full >= skip_full_lines)
                                emit(em, &ll);
                        if (!ll.partial)
                                full++;
                }
                pos += l + 1;
        }
        return pos;
}

static long count_full_lines(const char *buf, size_t len) {
        long n = 0;
        size_t pos = 0;
        while (pos < len) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                if (!nl)
                        break;
                LogLine ll;
                if (parse_log_line(buf + pos, (size_t) (nl - (buf + pos)), &ll) && !ll.partial)
                        n++;
                pos = (size_t) (nl - buf) + 1;
        }
        return n;
}

int containers_logs(Engine *e, const char *key, const LogOptions *o, int out_fd, int err_fd,
                    WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        const char *path = v.c.config.log_path;
        if (!path)
                return error_set(err, ENOENT, "container `%s` has no log", v.c.name);
        LogEmitter em = { .o = o, .out_fd = out_fd, .err_fd = err_fd,
                          .at_line_start = { true, true } };
        /* The rotated file first, then the current one: one buffer so --tail spans both. */
        _cleanup_free_ char *rotated_path = xasprintf("%s.1", path);
        _cleanup_free_ char *old = NULL, *cur = NULL;
        size_t old_len = 0, cur_len = 0;
        (void) read_file_capped(rotated_path, 256U << 20, &old, &old_len, NULL);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
                (void) read_fd_capped(fd, 256U << 20, &cur, &cur_len, NULL);
        long total = (old ? count_full_lines(old, old_len) : 0) +
                     (cur ? count_full_lines(cur, cur_len) : 0);
        long skip = o->tail >= 0 && total > o->tail ? total - o->tail : 0;
        long old_full = old ? count_full_lines(old, old_len) : 0;
        if (old)
                emit_buffer(&em, old, old_len, skip);
        size_t consumed = cur ? emit_buffer(&em, cur, cur_len, skip > old_full ? skip - old_full : 0)
                              : 0;
        if (!o->follow)
                return 0;

        /* Follow: poll for growth; reopen when the file is rotated; stop when the container
         * has stopped and everything is out. */
        _cleanup_free_ char *pending = cur && consumed < cur_len
                                               ? xstrndup(cur + consumed, cur_len - consumed)
                                               : xstrdup("");
        struct stat st0 = {};
        if (fd >= 0)
                fstat(fd, &st0);
        for (;;) {
                char buf[65536];
                ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
                if (n > 0) {
                        size_t plen = strlen(pending);
                        char *joined = xmalloc(plen + (size_t) n + 1);
                        memcpy(joined, pending, plen);
                        memcpy(joined + plen, buf, (size_t) n);
                        joined[plen + (size_t) n] = 0;
                        size_t used = emit_buffer(&em, joined, plen + (size_t) n, 0);
                        free(pending);
                        pending = xstrdup(joined + used);
                        free(joined);
                        continue;
                }
                struct stat st;
                if (stat(path, &st) == 0 && (fd < 0 || st.st_ino != st0.st_ino)) {
                        fd = safe_close(fd);
                        fd = open(path, O_RDONLY | O_CLOEXEC);
                        if (fd >= 0)
                                fstat(fd, &st0);
                        continue;
                }
                _cleanup_(container_view_done) ContainerView now = {};
                if (containers_get(e, v.c.id, &now, NULL) < 0 || !now.monitor_alive) {
                        /* drain once more */
                        if (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
                                continue;
                        return 0;
                }
                nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
        }
}

/* ---- top ---- */

static int container_init_pid(Engine *e, const Container *c) {
        _cleanup_free_ char *sdir = containers_state_dir(e, c->id);
        _cleanup_free_ char *p = path_join(sdir, "pid");
        _cleanup_free_ char *t = NULL;
        if (read_file_capped(p, 64, &t, NULL, NULL) < 0)
                return -ENOENT;
        int pid = atoi(t);
        return pid > 0 ? pid : -ENOENT;
}

int containers_top(Engine *e, const char *key, char ***ret_lines, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_RUNNING && v.state != CONTAINER_PAUSED)
                return error_set(err, EINVAL, "container `%s` is not running", v.c.name);
        int init = container_init_pid(e, &v.c);
        if (init < 0)
                return error_set(err, ESRCH, "cannot find the init process of `%s`", v.c.name);
        char nsp[64];
        snprintf(nsp, sizeof(nsp), "/proc/%d/ns/pid", init);
        struct stat ref;
        if (stat(nsp, &ref) < 0)
                return error_set_errno(err, errno, "stat `%s`", nsp);
        char **lines = xnew(char *, 1);
        strv_push(&lines, "PID\tUSER\tTIME\tCOMMAND");
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;
        long hz = sysconf(_SC_CLK_TCK);
        while (d && (de = readdir(d))) {
                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                char p[300];
                snprintf(p, sizeof(p), "/proc/%s/ns/pid", de->d_name);
                struct stat st;
                if (stat(p, &st) < 0 || st.st_ino != ref.st_ino || st.st_dev != ref.st_dev)
                        continue;
                snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
                _cleanup_free_ char *cmd = NULL;
                size_t clen = 0;
                if (read_file_capped(p, 4096, &cmd, &clen, NULL) < 0)
                        continue;
                for (size_t i = 0; i + 1 < clen; i++)
                        if (cmd[i] == 0)
                                cmd[i] = ' ';
                snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
                _cleanup_free_ char *stat_text = NULL;
                unsigned long ut = 0, stt = 0;
                if (read_file_capped(p, 4096, &stat_text, NULL, NULL) >= 0) {
                        char *q = strrchr(stat_text, ')');
                        if (q)
                                sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                       &ut, &stt);
                }
                unsigned long secs = hz > 0 ? (ut + stt) / (unsigned long) hz : 0;
                snprintf(p, sizeof(p), "/proc/%s", de->d_name);
                struct stat pst;
                uid_t uid = stat(p, &pst) == 0 ? pst.st_uid : 0;
                strv_consume(&lines, xasprintf("%s\t%u\t%02lu:%02lu:%02lu\t%s", de->d_name,
                                               (unsigned) uid, secs / 3600, (secs / 60) % 60,
                                               secs % 60, cmd && *cmd ? cmd : "?"));
        }
        *ret_lines = lines;
        return 0;
}

/* ---- cp ---- */

static int copy_with_cp(const char *src, const char *dst, WarrenError **err) {
        char *argv[] = { "/bin/cp", "-a", "--", (char *) src, (char *) dst, NULL };
        if (access(argv[0], X_OK) < 0)
                argv[0] = "/usr/bin/cp";
        return container_run_tool(argv, err);
}

/* Resolve a container path beneath the root without following anything out of it. */
static int resolve_in_root(const char *root, const char *path, char **ret, WarrenError **err) {
        _cleanup_free_ char *clean = xstrdup(path);
        _cleanup_strv_ char **parts = strv_split(clean, "/");
        char **stack = xnew(char *, 1);
        STRV_FOREACH (p, parts) {
                if (STREQ(*p, "."))
                        continue;
                if (STREQ(*p, "..")) {
                        size_t n = strv_length(stack);
                        if (n > 0) {
                                free(stack[n - 1]);
                                stack[n - 1] = NULL;
                        }
                        continue;
                }
                strv_push(&stack, *p);
        }
        /* Refuse symlinks in the directories on the way: they could point out of the root. */
        _cleanup_free_ char *cur = xstrdup(root);
        size_t n = strv_length(stack);
        for (size_t i = 0; i < n; i++) {
                char *next = path_join(cur, stack[i]);
                free(cur);
                cur = next;
                struct stat st;
                if (i + 1 < n && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode)) {
                        strv_free(stack);
                        return error_set(err, ELOOP,
                                         "`%s` crosses a symbolic link inside the container; "
                                         "give the resolved path",
                                         path);
                }
        }
        strv_free(stack);
        *ret = TAKE_PTR(cur);
        return 0;
}

int containers_copy(Engine *e, const char *key, const char *src, const char *dst,
                    bool to_container, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        /* The merged root lives in the namespace holder's mount namespace (we have joined it). */
        _cleanup_free_ char *cfg = NULL;
        _cleanup_free_ char *dir = engine_container_dir(e, v.c.id);
        _cleanup_free_ char *cfgp = path_join(dir, "config.json");
        _cleanup_json_ JsonValue *spec = NULL;
        r = json_parse_file(cfgp, 0, &spec, err);
        if (r < 0)
                return r;
        const char *root = json_string(json_get_path(spec, "root", "path", NULL));
        if (!root || !is_dir(root))
                return error_set(err, ENOENT, "the root filesystem of `%s` is not mounted",
                                 v.c.name);
        const char *cpath = to_container ? dst : src;
        _cleanup_free_ char *resolved = NULL;
        r = resolve_in_root(root, cpath, &resolved, err);
        if (r < 0)
                return r;
        if (to_container) {
                struct stat st;
                if (stat(src, &st) < 0)
                        return error_set_errno(err, errno, "`%s`", src);
                return copy_with_cp(src, resolved, err);
        }
        struct stat st;
        if (lstat(resolved, &st) < 0)
                return error_set_errno(err, errno, "`%s` in container `%s`", cpath, v.c.name);
        return copy_with_cp(resolved, dst, err);
}
