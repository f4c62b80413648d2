/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/monitor-exit.h"
#include "core/monitor-log.h"
#include "core/monitor-msg.h"
#include "core/monitor-proc.h"
#include "core/monitor-queue.h"
#include "core/monitor-runtime.h"

#define MAX_CLIENTS 16
#define BACKOFF_MIN_MS 100U
#define BACKOFF_MAX_MS 60000U
#define BACKOFF_RESET_NS (10LL * 1000000000LL)
#define READS_PER_WAKEUP 8
#define DRAIN_MAX_READS 1024
/* Flow control to attach clients: above QUEUE_HIGH bytes queued for one client the container's
 * output is no longer read, until every client is below QUEUE_LOW again. */
#define QUEUE_HIGH (1024U * 1024U)
#define QUEUE_LOW (256U * 1024U)
/* A client that is being closed and takes nothing for this long is dropped. */
#define CLIENT_DRAIN_TIMEOUT_NS (10LL * 1000000000LL)

enum {
        TAG_SIGNAL = 1,
        TAG_LISTEN,
        TAG_STDOUT,
        TAG_STDERR,
        TAG_STDIN,
        TAG_STOP_TIMER,
        TAG_RESTART_TIMER,
        TAG_CLIENT, /* + slot index */
};

typedef enum State {
        STATE_CREATED,
        STATE_RUNNING,
        STATE_RESTARTING,
        STATE_DONE,
} State;

static const char *const state_names[] = {
        [STATE_CREATED] = "created",
        [STATE_RUNNING] = "running",
        [STATE_RESTARTING] = "restarting",
        [STATE_DONE] = "stopped",
};

typedef struct Client {
        int fd;
        unsigned flags;      /* MONITOR_ATTACH_*; 0 for a control-only connection */
        uint32_t events;     /* what epoll watches on fd */
        bool closing;        /* ended (EXIT sent or queued): closed once its queue is sent */
        int64_t progress_ns; /* CLOCK_MONOTONIC: when its queue last moved, or started */
        MonitorQueue queue;  /* packets its socket has not taken yet; empty unless it is behind */
} Client;

typedef struct Monitor {
        const MonitorConfig *cfg;
        int dirfd;
        int epfd;
        int sigfd;
        int listen_fd;
        int stop_timer;
        int restart_timer;
        int report_fd;
        int out_fd; /* stdout pipe, or the pty master */
        int err_fd; /* stderr pipe; -1 with a terminal */
        int in_fd;  /* stdin pipe, or a dup of the pty master; -1 without stdin */
        bool pty;
        bool output_paused; /* a client is too far behind: out_fd and err_fd are not watched */
        char *in_pending;   /* stdin bytes the container has not taken yet */
        size_t in_pending_len;
        pid_t init_pid;
        State state;
        bool stop_requested;
        unsigned restarts;
        unsigned backoff_ms;
        int64_t started_at_ns;
        char *start_error;
        char *oom_events; /* memory.events of the container's own cgroup, or NULL */
        uint64_t oom_base;
        MonitorLog *log;
        bool log_failed;
        bool wrote_pidfile;
        int pid_fd; /* the pid file, locked while we live */
        MonitorExit last_exit;
        MonitorConsole console;
        Client clients[MAX_CLIENTS];
        char *buf; /* MONITOR_MSG_MAX + 1: every read and receive goes through it */
} Monitor;

/* ---- small helpers ---- */

static const char *runtime_name(const Monitor *m) {
        const char *s = strrchr(m->cfg->runtime, '/');
        return s ? s + 1 : m->cfg->runtime;
}

static int set_nonblock(int fd) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                return -errno;
        return 0;
}

static int ep_add(Monitor *m, int fd, uint32_t events, uint64_t tag) {
        struct epoll_event ev = {.events = events, .data.u64 = tag};
        return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void ep_mod(Monitor *m, int fd, uint32_t events, uint64_t tag) {
        struct epoll_event ev = {.events = events, .data.u64 = tag};
        (void)epoll_ctl(m->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static int ep_close(Monitor *m, int fd) {
        if (fd >= 0) {
                (void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
        }
        return -1;
}

static int64_t mono_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void timer_arm(int fd, uint64_t ms) {
        struct itimerspec its = {
                .it_value = {.tv_sec = (time_t)(ms / 1000),
                             .tv_nsec = (long)(ms % 1000) * 1000000L},
        };
        if (ms == 0)
                its.it_value.tv_nsec = 1; /* 0 would disarm */
        (void)timerfd_settime(fd, 0, &its, NULL);
}

static void timer_disarm(int fd) {
        struct itimerspec its = {};
        (void)timerfd_settime(fd, 0, &its, NULL);
}

/* ---- running the OCI runtime ---- */

static char **runtime_argv(const Monitor *m, const char *verb) {
        char **l = NULL;
        strv_push(&l, m->cfg->runtime);
        if (m->cfg->runtime_root) {
                strv_push(&l, "--root");
                strv_push(&l, m->cfg->runtime_root);
        }
        STRV_FOREACH (a, m->cfg->runtime_args)
                strv_push(&l, *a);
        strv_push(&l, verb);
        return l;
}

static int runtime_failed(const Monitor *m, const char *verb, int status, int capture_fd,
                          WarrenError **err) {
        _cleanup_free_ char *raw = monitor_runtime_capture(capture_fd);
        _cleanup_free_ char *text = raw ? monitor_runtime_tidy_error(raw) : NULL;
        if (text)
                return error_set(err, EIO, "`%s %s` failed: %s", runtime_name(m), verb, text);
        if (WIFSIGNALED(status))
                return error_set(err, EIO, "`%s %s` was killed by signal %d", runtime_name(m), verb,
                                 WTERMSIG(status));
        return error_set(err, EIO, "`%s %s` failed with exit status %d", runtime_name(m), verb,
                         WEXITSTATUS(status));
}

/* `RUNTIME [--root R] VERB [ARGS] ID` with stdio on /dev/null and stderr captured. */
static int run_runtime(Monitor *m, const char *verb, const char *arg, WarrenError **err) {
        _cleanup_strv_ char **argv = runtime_argv(m, verb);
        if (arg)
                strv_push(&argv, arg);
        strv_push(&argv, m->cfg->id);
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "create pipe");
        _cleanup_close_ int rd = p[0];
        _cleanup_close_ int wr = p[1];
        (void)set_nonblock(rd);
        pid_t pid;
        int r = monitor_runtime_spawn(argv, STDIN_FILENO, STDOUT_FILENO, wr, &pid, err);
        if (r < 0)
                return r;
        wr = safe_close(wr);
        int status = 0;
        r = monitor_runtime_wait(pid, MONITOR_RUNTIME_TIMEOUT_MS, &status);
        if (r == -ETIMEDOUT)
                return error_set(err, ETIMEDOUT, "`%s %s` timed out", runtime_name(m), verb);
        if (r < 0)
                return error_set_errno(err, -r, "wait for `%s %s`", runtime_name(m), verb);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return runtime_failed(m, verb, status, rd, err);
        return 0;
}

static void runtime_delete(Monitor *m) {
        _cleanup_error_ WarrenError *e = NULL;
        if (run_runtime(m, "delete", "--force", &e) < 0)
                log_debug("delete container `%s`: %s", m->cfg->id, e->msg);
}

/* ---- OOM kills, when the container has a cgroup of its own ---- */

static void oom_setup(Monitor *m) {
        free(m->oom_events);
        m->oom_events = monitor_proc_oom_counter(m->init_pid);
        if (m->oom_events && monitor_proc_oom_kills(m->oom_events, &m->oom_base) < 0) {
                free(m->oom_events);
                m->oom_events = NULL;
        }
}

static bool oom_happened(Monitor *m) {
        uint64_t now = 0;
        return m->oom_events && monitor_proc_oom_kills(m->oom_events, &now) == 0 &&
               now > m->oom_base;
}

/* ---- attach clients ---- */

static uint64_t client_tag(const Monitor *m, const Client *c) {
        return TAG_CLIENT + (uint64_t)(c - m->clients);
}

/* Close a connection without losing what the peer has not read yet: closing a unix socket whose
 * receive queue holds unread packets resets the peer, and its next recv() fails with ECONNRESET
 * instead of returning the EXIT still queued for it. So: shut down both ways (the peer can send
 * nothing more), discard what it sent, then close. */
static void client_release(Client *c) {
        if (c->fd >= 0) {
                char junk[64];
                (void)shutdown(c->fd, SHUT_RDWR);
                while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) > 0)
                        ;
                close(c->fd);
        }
        monitor_queue_clear(&c->queue);
        *c = (Client){.fd = -1};
}

/* Does the client receive the container's output (and so hold it back when it is behind)? */
static bool client_gets_output(const Client *c) {
        return c->fd >= 0 && !c->closing &&
               (c->flags & (MONITOR_ATTACH_STDOUT | MONITOR_ATTACH_STDERR));
}

static void output_watch(Monitor *m, bool on) {
        int fds[] = {m->out_fd, m->err_fd};
        uint64_t tags[] = {TAG_STDOUT, TAG_STDERR};
        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                if (fds[i] < 0)
                        continue;
                if (on)
                        (void)ep_add(m, fds[i], EPOLLIN, tags[i]);
                else
                        (void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fds[i], NULL);
        }
}

/* Backpressure: while a client that gets output has more than QUEUE_HIGH bytes queued, the
 * container's stdout and stderr are not read, so its writes block on the full pipe (or pty),
 * until every such client is below QUEUE_LOW. The log is written as the output is read: it
 * falls behind with the clients and loses nothing. */
static void flow_update(Monitor *m) {
        size_t most = 0;
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (client_gets_output(&m->clients[i]))
                        most = MAX(most, m->clients[i].queue.bytes);
        if (!m->output_paused && most > QUEUE_HIGH) {
                m->output_paused = true;
                output_watch(m, false);
        } else if (m->output_paused && most < QUEUE_LOW) {
                m->output_paused = false;
                output_watch(m, true);
        }
}

static void client_close(Monitor *m, Client *c) {
        if (c->fd >= 0)
                (void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        client_release(c);
        flow_update(m); /* it may have been the one holding the output back */
}

/* Input is read unless the client is closing, feeds a stdin the container does not take yet, or
 * is itself behind (it gets no replies for requests it has not read); output is watched while
 * something is queued. */
static void client_update_events(Monitor *m, Client *c) {
        if (c->fd < 0)
                return;
        uint32_t ev = 0;
        if (!c->closing && !(m->in_pending && (c->flags & MONITOR_ATTACH_STDIN)) &&
            c->queue.bytes < QUEUE_HIGH)
                ev |= EPOLLIN;
        if (!monitor_queue_empty(&c->queue))
                ev |= EPOLLOUT;
        if (ev != c->events) {
                ep_mod(m, c->fd, ev, client_tag(m, c));
                c->events = ev;
        }
}

static void clients_update_events(Monitor *m) {
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                client_update_events(m, &m->clients[i]);
}

/* Send one packet to a client, or queue it behind what the client has not taken yet. Only a
 * failed socket (the peer is gone) closes the client. */
static void client_send(Monitor *m, Client *c, MonitorMsgType type, const void *data, size_t len) {
        if (c->fd < 0 || c->closing) /* nothing goes after the last packet (EXIT) */
                return;
        if (monitor_queue_empty(&c->queue)) {
                int r = monitor_msg_send(c->fd, type, data, len, MSG_DONTWAIT);
                if (r == 0)
                        return;
                if (r != -EAGAIN) {
                        client_close(m, c);
                        return;
                }
                c->progress_ns = mono_ns();
        }
        (void)monitor_queue_push(&c->queue, type, data, len);
        client_update_events(m, c);
}

static void client_send_error(Monitor *m, Client *c, const WarrenError *e) {
        char text[2048];
        int n = monitor_error_format(e, text, sizeof(text));
        if (n >= 0)
                client_send(m, c, MONITOR_MSG_ERROR, text, (size_t)n);
}

/* End a connection once what is queued for it has been sent. */
static void client_finish(Monitor *m, Client *c) {
        if (c->fd < 0)
                return;
        if (monitor_queue_empty(&c->queue)) {
                client_close(m, c);
                return;
        }
        c->closing = true;
        c->progress_ns = mono_ns(); /* CLIENT_DRAIN_TIMEOUT_NS from now at the least */
        client_update_events(m, c);
        flow_update(m);
}

static void client_flush(Monitor *m, Client *c) {
        int r = monitor_queue_flush(&c->queue, c->fd);
        if (r < 0) {
                client_close(m, c);
                return;
        }
        if (r > 0)
                c->progress_ns = mono_ns();
        if (c->closing && monitor_queue_empty(&c->queue)) {
                client_close(m, c);
                return;
        }
        client_update_events(m, c);
        flow_update(m);
}

/* A client the monitor waits for before it may go: one being closed, or, once the container is
 * gone for good, any with something queued. */
static bool client_draining(const Monitor *m, const Client *c) {
        return c->fd >= 0 &&
               (c->closing || (m->state == STATE_DONE && !monitor_queue_empty(&c->queue)));
}

/* Drop the draining clients that took nothing for CLIENT_DRAIN_TIMEOUT_NS, so a stuck reader
 * cannot keep the monitor alive. Returns the milliseconds until the next such deadline, -1 when
 * no client is draining. */
static int clients_expire(Monitor *m) {
        int64_t now = mono_ns(), next = -1;
        for (size_t i = 0; i < MAX_CLIENTS; i++) {
                Client *c = &m->clients[i];
                if (!client_draining(m, c))
                        continue;
                int64_t left = c->progress_ns + CLIENT_DRAIN_TIMEOUT_NS - now;
                if (left <= 0) {
                        log_debug("drop an attach client that took nothing for %lld s, %zu bytes "
                                  "unsent",
                                  CLIENT_DRAIN_TIMEOUT_NS / 1000000000LL, c->queue.bytes);
                        client_close(m, c);
                        continue;
                }
                next = next < 0 ? left : MIN(next, left);
        }
        return next < 0 ? -1 : (int)(next / 1000000 + 1);
}

/* While the container does not take its stdin, the clients that feed it are not read: their
 * socket buffers then push back on them, and the monitor holds at most one message. */
static void stdin_close(Monitor *m) {
        bool was_blocked = m->in_pending != NULL;
        free(m->in_pending);
        m->in_pending = NULL;
        m->in_pending_len = 0;
        m->in_fd = ep_close(m, m->in_fd);
        if (was_blocked)
                clients_update_events(m);
}

static void stdin_write(Monitor *m, const char *data, size_t len) {
        if (m->in_fd < 0 || len == 0)
                return;
        if (m->in_pending) {
                m->in_pending = xrealloc(m->in_pending, m->in_pending_len + len);
                memcpy(m->in_pending + m->in_pending_len, data, len);
                m->in_pending_len += len;
                return;
        }
        ssize_t n;
        while ((n = write(m->in_fd, data, len)) < 0 && errno == EINTR)
                ;
        if (n < 0 && errno != EAGAIN) {
                stdin_close(m); /* the container closed its stdin */
                return;
        }
        if (n < 0)
                n = 0;
        if ((size_t)n == len)
                return;
        m->in_pending_len = len - (size_t)n;
        m->in_pending = xmalloc(m->in_pending_len);
        memcpy(m->in_pending, data + n, m->in_pending_len);
        if (ep_add(m, m->in_fd, EPOLLOUT, TAG_STDIN) < 0) {
                stdin_close(m);
                return;
        }
        clients_update_events(m);
}

static void on_stdin_writable(Monitor *m, uint32_t events) {
        if (!m->in_pending || m->in_fd < 0)
                return;
        ssize_t n = write(m->in_fd, m->in_pending, m->in_pending_len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n < 0) {
                stdin_close(m);
                return;
        }
        m->in_pending_len -= (size_t)n;
        memmove(m->in_pending, m->in_pending + n, m->in_pending_len);
        if (m->in_pending_len > 0)
                return;
        free(m->in_pending);
        m->in_pending = NULL;
        (void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->in_fd, NULL);
        clients_update_events(m);
}

static void forward(Monitor *m, MonitorStream s, const char *data, size_t len) {
        unsigned want = s == MONITOR_STREAM_STDERR ? MONITOR_ATTACH_STDERR : MONITOR_ATTACH_STDOUT;
        MonitorMsgType type = s == MONITOR_STREAM_STDERR ? MONITOR_MSG_STDERR : MONITOR_MSG_STDOUT;
        for (size_t i = 0; i < MAX_CLIENTS; i++) {
                Client *c = &m->clients[i];
                if (client_gets_output(c) && (c->flags & want))
                        client_send(m, c, type, data, len);
        }
        flow_update(m);
}

/* Read the container's output: at most a few reads per wakeup, none while a client is too far
 * behind, or everything on exit. */
static void on_output(Monitor *m, int *fdp, MonitorStream s, bool drain) {
        for (int k = 0; *fdp >= 0 && k < (drain ? DRAIN_MAX_READS : READS_PER_WAKEUP) &&
                        (drain || !m->output_paused);
             k++) {
                ssize_t n = read(*fdp, m->buf, MONITOR_DATA_MAX);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) { /* EOF, or EIO from a pty whose other side is gone */
                        *fdp = ep_close(m, *fdp);
                        return;
                }
                _cleanup_error_ WarrenError *e = NULL;
                if (m->log &&
                    monitor_log_write(m->log, s, monitor_now_ns(), m->buf, (size_t)n, &e) < 0 &&
                    !m->log_failed) {
                        m->log_failed = true; /* said once; the attach stream goes on */
                        log_debug("%s", e->msg);
                } else if (!e)
                        m->log_failed = false;
                forward(m, s, m->buf, (size_t)n);
        }
}

static void close_stdio(Monitor *m) {
        m->out_fd = ep_close(m, m->out_fd);
        m->err_fd = ep_close(m, m->err_fd);
        stdin_close(m);
        m->pty = false;
}

static void on_accept(Monitor *m) {
        for (;;) {
                int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0)
                        return;
                struct ucred cred;
                socklen_t cl = sizeof(cred);
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
                    (cred.uid != getuid() && cred.uid != 0)) {
                        close(fd);
                        continue;
                }
                Client *slot = NULL;
                for (size_t i = 0; i < MAX_CLIENTS && !slot; i++)
                        if (m->clients[i].fd < 0)
                                slot = &m->clients[i];
                if (!slot) {
                        struct WarrenError busy = {EBUSY, (char *)"too many monitor clients"};
                        (void)monitor_msg_send_error(fd, &busy);
                        close(fd);
                        continue;
                }
                *slot = (Client){.fd = fd, .events = EPOLLIN};
                if (ep_add(m, fd, EPOLLIN, client_tag(m, slot)) < 0)
                        client_close(m, slot);
        }
}

static int do_start(Monitor *m, WarrenError **err);
static int do_stop(Monitor *m, int timeout, WarrenError **err);
static int do_kill(Monitor *m, int sig, WarrenError **err);
static void client_send_exit(Monitor *m, Client *c, const MonitorExit *e);

static void format_status(const Monitor *m, char *buf, size_t size) {
        int n = snprintf(buf, size, "state=%s pid=%d restarts=%u", state_names[m->state],
                         (int)m->init_pid, m->restarts);
        if (n > 0 && (size_t)n < size && m->state == STATE_RESTARTING)
                snprintf(buf + n, size - (size_t)n, " exit_code=%d", m->last_exit.exit_code);
}

static int on_request(Monitor *m, Client *c, const char *text) {
        _cleanup_error_ WarrenError *e = NULL;
        MonitorRequest req;
        char reply[128] = "ok";
        int r = monitor_request_parse(text, &req, &e);
        if (r >= 0) {
                switch (req.type) {
                case MONITOR_REQUEST_START:
                        r = do_start(m, &e);
                        if (r >= 0)
                                snprintf(reply, sizeof(reply), "started %d", (int)m->init_pid);
                        break;
                case MONITOR_REQUEST_STOP:
                        r = do_stop(m, req.arg, &e);
                        break;
                case MONITOR_REQUEST_KILL:
                        r = do_kill(m, req.arg, &e);
                        break;
                case MONITOR_REQUEST_STATUS:
                        format_status(m, reply, sizeof(reply));
                        break;
                }
        }
        if (r < 0)
                client_send_error(m, c, e);
        else
                client_send(m, c, MONITOR_MSG_REPLY, reply, strlen(reply));
        return 0;
}

static void on_client_msg(Monitor *m, Client *c, const MonitorMsg *msg) {
        switch (msg->type) {
        case MONITOR_MSG_ATTACH: {
                unsigned flags;
                if (monitor_attach_flags_parse(msg->data, &flags) < 0) {
                        WarrenError bad = {EINVAL, (char *)"bad attach flags"};
                        client_send_error(m, c, &bad);
                        return;
                }
                c->flags = flags;
                client_send(m, c, MONITOR_MSG_REPLY, "attached", 8);
                if (m->state == STATE_DONE) /* while the monitor waits for slow clients */
                        client_send_exit(m, c, &m->last_exit);
                else
                        client_update_events(m, c);
                return;
        }
        case MONITOR_MSG_STDIN:
                if (c->flags & MONITOR_ATTACH_STDIN)
                        stdin_write(m, msg->data, msg->len);
                return;
        case MONITOR_MSG_STDIN_CLOSE:
                if ((c->flags & MONITOR_ATTACH_STDIN) && !m->pty)
                        stdin_close(m);
                return;
        case MONITOR_MSG_RESIZE: {
                unsigned short rows, cols;
                if (m->pty && m->out_fd >= 0 &&
                    monitor_resize_parse(msg->data, &rows, &cols) == 0) {
                        struct winsize ws = {.ws_row = rows, .ws_col = cols};
                        (void)ioctl(m->out_fd, TIOCSWINSZ, &ws);
                }
                return;
        }
        case MONITOR_MSG_REQUEST:
                (void)on_request(m, c, msg->data);
                return;
        default: {
                WarrenError bad = {EPROTO, (char *)"unexpected message"};
                client_send_error(m, c, &bad);
                client_finish(m, c);
                return;
        }
        }
}

static void on_client_input(Monitor *m, Client *c) {
        for (int k = 0; k < READS_PER_WAKEUP && c->fd >= 0 && !c->closing; k++) {
                MonitorMsg msg;
                int r = monitor_msg_recv(c->fd, m->buf, MONITOR_MSG_MAX + 1, &msg, NULL);
                if (r == -EAGAIN)
                        return;
                if (r <= 0) {
                        client_close(m, c);
                        return;
                }
                on_client_msg(m, c, &msg);
                if (m->in_pending && (c->flags & MONITOR_ATTACH_STDIN))
                        return;
        }
}

static void on_client(Monitor *m, Client *c, uint32_t events) {
        if (!monitor_queue_empty(&c->queue) && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                client_flush(m, c);
                if (c->fd < 0)
                        return;
        }
        if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                on_client_input(m, c);
}

/* EXIT goes after the output queued before it; the session then ends (a restart is a new
 * session). */
static void client_send_exit(Monitor *m, Client *c, const MonitorExit *e) {
        char text[64];
        int n = snprintf(text, sizeof(text), "%d %d %d %d", e->exit_code, e->signal,
                         e->oom_killed ? 1 : 0, e->restarting ? 1 : 0);
        client_send(m, c, MONITOR_MSG_EXIT, text, (size_t)n);
        client_finish(m, c);
}

static void notify_exit(Monitor *m, const MonitorExit *e) {
        for (size_t i = 0; i < MAX_CLIENTS; i++) {
                Client *c = &m->clients[i];
                if (c->fd >= 0 && c->flags != 0 && !c->closing)
                        client_send_exit(m, c, e);
        }
}

/* ---- the container's life ---- */

static int read_container_pid(Monitor *m, WarrenError **err) {
        pid_t pid = 0;
        int r = monitor_proc_read_pidfile_at(m->dirfd, MONITOR_CONTAINER_PID_FILE, &pid, NULL, NULL,
                                             err);
        if (r == -ENOENT)
                return error_set(err, EPROTO, "`%s create` wrote no pid file", runtime_name(m));
        if (r < 0)
                return r;
        m->init_pid = pid;
        return 0;
}

static int launch(Monitor *m, WarrenError **err) {
        const MonitorConfig *c = m->cfg;
        _cleanup_close_ int out_r = -1, out_w = -1, err_r = -1, err_w = -1, in_r = -1, in_w = -1;
        int p[2], r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "create stdout pipe");
        out_r = p[0], out_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "create stderr pipe");
        err_r = p[0], err_w = p[1];
        if (c->stdin_open && !c->terminal) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        return error_set_errno(err, errno, "create stdin pipe");
                in_r = p[0], in_w = p[1];
                (void)set_nonblock(in_w);
        }
        (void)set_nonblock(out_r);
        (void)set_nonblock(err_r);
        if (c->terminal) {
                r = monitor_runtime_console_listen(&m->console, c->state_dir,
                                                   MONITOR_CONSOLE_SOCKET, err);
                if (r < 0)
                        return r;
        }

        (void)unlinkat(m->dirfd, MONITOR_CONTAINER_PID_FILE, 0);
        _cleanup_free_ char *pidfile = path_join(c->state_dir, MONITOR_CONTAINER_PID_FILE);
        _cleanup_strv_ char **argv = runtime_argv(m, "create");
        strv_push(&argv, "--bundle");
        strv_push(&argv, c->bundle);
        strv_push(&argv, "--pid-file");
        strv_push(&argv, pidfile);
        if (c->terminal) {
                strv_push(&argv, "--console-socket");
                strv_push(&argv, m->console.path);
        }
        strv_push(&argv, c->id);

        pid_t pid;
        r = monitor_runtime_spawn(argv, in_r >= 0 ? in_r : STDIN_FILENO, out_w, err_w, &pid, err);
        if (r < 0)
                return r;
        in_r = safe_close(in_r);
        out_w = safe_close(out_w);
        err_w = safe_close(err_w);

        int status = 0;
        r = monitor_runtime_wait(pid, MONITOR_CREATE_TIMEOUT_MS, &status);
        if (r == -ETIMEDOUT)
                r = error_set(err, ETIMEDOUT, "`%s create` timed out after %d seconds",
                              runtime_name(m), MONITOR_CREATE_TIMEOUT_MS / 1000);
        else if (r < 0)
                r = error_set_errno(err, -r, "wait for `%s create`", runtime_name(m));
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                r = runtime_failed(m, "create", status, err_r, err);
        if (r >= 0)
                r = read_container_pid(m, err);
        int master = -1;
        if (r >= 0 && c->terminal)
                r = monitor_runtime_console_receive(&m->console, runtime_name(m), &master, err);
        monitor_runtime_console_done(&m->console);
        if (r < 0) {
                /* Leave nothing behind: whatever the runtime made is killed and deleted. */
                if (m->init_pid > 0)
                        kill(m->init_pid, SIGKILL);
                m->init_pid = 0; /* reaped later as any orphan */
                runtime_delete(m);
                return r;
        }

        if (c->terminal) {
                m->pty = true;
                m->out_fd = master;
                (void)set_nonblock(master);
                if (c->stdin_open)
                        m->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
        } else {
                m->out_fd = TAKE_FD(out_r);
                m->err_fd = TAKE_FD(err_r);
                m->in_fd = TAKE_FD(in_w);
        }
        if (!m->output_paused && m->out_fd >= 0 && ep_add(m, m->out_fd, EPOLLIN, TAG_STDOUT) < 0)
                return error_set_errno(err, errno, "watch container stdout");
        if (!m->output_paused && m->err_fd >= 0 && ep_add(m, m->err_fd, EPOLLIN, TAG_STDERR) < 0)
                return error_set_errno(err, errno, "watch container stderr");
        oom_setup(m);
        m->started_at_ns = 0;
        m->state = STATE_CREATED;
        return 0;
}

static int do_start(Monitor *m, WarrenError **err) {
        if (m->state == STATE_RUNNING)
                return error_set(err, EBUSY, "container `%s` is already running", m->cfg->id);
        if (m->state != STATE_CREATED || m->init_pid <= 0)
                return error_set(err, EINVAL, "container `%s` is %s", m->cfg->id,
                                 state_names[m->state]);
        m->started_at_ns = monitor_now_ns();
        _cleanup_error_ WarrenError *e = NULL;
        int r = run_runtime(m, "start", NULL, &e);
        if (r < 0) {
                /* A container that would not start is not left half-alive. */
                free(m->start_error);
                m->start_error = xstrdup(e->msg);
                m->stop_requested = true;
                kill(m->init_pid, SIGKILL);
                return error_move(err, TAKE_PTR(e));
        }
        m->state = STATE_RUNNING;
        return 0;
}

/* The container will not run again (its exit file is written): clients attached since it last
 * exited hear of it too, then the monitor exits once the clients have their output. */
static void finish(Monitor *m) {
        m->state = STATE_DONE;
        notify_exit(m, &m->last_exit);
        if (m->cfg->delete_on_exit)
                runtime_delete(m);
}

static int do_stop(Monitor *m, int timeout, WarrenError **err) {
        m->stop_requested = true;
        unsigned secs = timeout < 0 ? m->cfg->stop_timeout : (unsigned)timeout;
        switch (m->state) {
        case STATE_RESTARTING: {
                timer_disarm(m->restart_timer);
                m->last_exit.restarting = false;
                int r = monitor_exit_write_at(m->dirfd, &m->last_exit, err);
                finish(m);
                return r;
        }
        case STATE_CREATED:
                if (m->init_pid > 0)
                        kill(m->init_pid, SIGKILL); /* never started: nothing to shut down */
                return 0;
        case STATE_RUNNING:
                if (m->init_pid <= 0)
                        return 0;
                if (secs == 0) {
                        kill(m->init_pid, SIGKILL);
                        return 0;
                }
                if (kill(m->init_pid, m->cfg->stop_signal) < 0)
                        kill(m->init_pid, SIGKILL);
                timer_arm(m->stop_timer, (uint64_t)secs * 1000U);
                return 0;
        case STATE_DONE:
                return 0;
        }
        return 0;
}

static int do_kill(Monitor *m, int sig, WarrenError **err) {
        if (m->init_pid <= 0 || (m->state != STATE_RUNNING && m->state != STATE_CREATED))
                return error_set(err, ESRCH, "container `%s` is not running", m->cfg->id);
        /* As docker: a container killed by hand is not restarted. */
        m->stop_requested = true;
        if (kill(m->init_pid, sig) < 0)
                return error_set_errno(err, errno, "send signal %d to container `%s`", sig,
                                       m->cfg->id);
        return 0;
}

static bool should_restart(const Monitor *m, const MonitorExit *e, bool was_running) {
        if (m->stop_requested || !was_running)
                return false;
        switch (m->cfg->restart) {
        case MONITOR_RESTART_ALWAYS:
                return true;
        case MONITOR_RESTART_ON_FAILURE:
                return e->exit_code != 0 &&
                       (m->cfg->restart_max == 0 || m->restarts < m->cfg->restart_max);
        default:
                return false;
        }
}

static int on_init_exit(Monitor *m, int status, WarrenError **err) {
        on_output(m, &m->out_fd, MONITOR_STREAM_STDOUT, true);
        on_output(m, &m->err_fd, MONITOR_STREAM_STDERR, true);
        close_stdio(m);
        timer_disarm(m->stop_timer);

        bool was_running = m->state == STATE_RUNNING;
        MonitorExit *e = &m->last_exit;
        monitor_exit_done(e);
        *e = (MonitorExit){.pid = m->init_pid, .restarts = m->restarts};
        monitor_exit_from_status(e, status);
        e->started_at_ns = m->started_at_ns;
        e->finished_at_ns = monitor_now_ns();
        if (m->start_error) {
                e->reason = MONITOR_EXIT_START_FAILED;
                e->exit_code = MONITOR_EXIT_CODE_RUNTIME;
                e->error = TAKE_PTR(m->start_error);
        } else if (e->signal == SIGKILL && oom_happened(m)) {
                e->oom_killed = true;
                e->reason = MONITOR_EXIT_OOM_KILLED;
        }
        m->init_pid = 0;
        e->restarting = should_restart(m, e, was_running);
        int r = monitor_exit_write_at(m->dirfd, e, err);
        if (r < 0)
                return r;
        notify_exit(m, e);

        if (!e->restarting) {
                finish(m);
                return 0;
        }
        runtime_delete(m);
        if (e->finished_at_ns - m->started_at_ns >= BACKOFF_RESET_NS || m->backoff_ms == 0)
                m->backoff_ms = BACKOFF_MIN_MS;
        timer_arm(m->restart_timer, m->backoff_ms);
        m->backoff_ms = MIN(m->backoff_ms * 2, BACKOFF_MAX_MS);
        m->state = STATE_RESTARTING;
        return 0;
}

static int on_restart_timer(Monitor *m, WarrenError **err) {
        if (m->state != STATE_RESTARTING)
                return 0;
        (void)unlinkat(m->dirfd, MONITOR_EXIT_FILE, 0);
        m->restarts++;
        _cleanup_error_ WarrenError *e = NULL;
        int r = launch(m, &e);
        if (r >= 0) {
                (void)do_start(m, NULL); /* a failure is recorded when init is reaped */
                return 0;
        }
        close_stdio(m);
        MonitorExit *x = &m->last_exit;
        monitor_exit_done(x);
        *x = (MonitorExit){
                .exit_code = MONITOR_EXIT_CODE_RUNTIME,
                .reason = MONITOR_EXIT_CREATE_FAILED,
                .restarts = m->restarts,
                .finished_at_ns = monitor_now_ns(),
                .error = xstrdup(e->msg),
        };
        r = monitor_exit_write_at(m->dirfd, x, err);
        finish(m);
        return r;
}

static int reap(Monitor *m, WarrenError **err) {
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);
                if (pid <= 0)
                        return 0;
                /* Anything else is an orphan of the container that came to us as subreaper. */
                if (pid == m->init_pid) {
                        int r = on_init_exit(m, status, err);
                        if (r < 0)
                                return r;
                }
        }
}

static int on_signal(Monitor *m, WarrenError **err) {
        struct signalfd_siginfo si;
        while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                int r = 0;
                switch (si.ssi_signo) {
                case SIGCHLD:
                        r = reap(m, err);
                        break;
                case SIGTERM:
                case SIGINT:
                case SIGQUIT:
                        /* Shut down gracefully: stop the container as `stop` would. */
                        r = do_stop(m, -1, err);
                        break;
                default:
                        break;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static void drain_timer(int fd) {
        uint64_t n;
        (void)!read(fd, &n, sizeof(n));
}

/* ---- setup, loop, teardown ---- */

static int listen_attach(Monitor *m, WarrenError **err) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        /* Through the directory fd, so a long state path still fits in sun_path. */
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", m->dirfd,
                 MONITOR_ATTACH_SOCKET);
        m->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (m->listen_fd < 0)
                return error_set_errno(err, errno, "create attach socket");
        (void)unlinkat(m->dirfd, MONITOR_ATTACH_SOCKET, 0);
        if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "bind attach socket in `%s`", m->cfg->state_dir);
        if (fchmodat(m->dirfd, MONITOR_ATTACH_SOCKET, 0600, 0) < 0)
                return error_set_errno(err, errno, "chmod attach socket");
        if (listen(m->listen_fd, MAX_CLIENTS) < 0)
                return error_set_errno(err, errno, "listen on attach socket");
        if (ep_add(m, m->listen_fd, EPOLLIN, TAG_LISTEN) < 0)
                return error_set_errno(err, errno, "watch attach socket");
        return 0;
}

static int setup(Monitor *m, WarrenError **err) {
        const MonitorConfig *c = m->cfg;
        umask(0077);
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "become child subreaper");
        struct sigaction sa = {.sa_handler = SIG_IGN};
        sigaction(SIGPIPE, &sa, NULL);
        sigset_t mask;
        sigemptyset(&mask);
        int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP};
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(&mask, sigs[i]);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return error_set_errno(err, errno, "block signals");
        m->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (m->sigfd < 0)
                return error_set_errno(err, errno, "create signalfd");
        m->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (m->epfd < 0)
                return error_set_errno(err, errno, "create epoll");
        m->stop_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        m->restart_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (m->stop_timer < 0 || m->restart_timer < 0)
                return error_set_errno(err, errno, "create timer");
        if (ep_add(m, m->sigfd, EPOLLIN, TAG_SIGNAL) < 0 ||
            ep_add(m, m->stop_timer, EPOLLIN, TAG_STOP_TIMER) < 0 ||
            ep_add(m, m->restart_timer, EPOLLIN, TAG_RESTART_TIMER) < 0)
                return error_set_errno(err, errno, "watch signals and timers");
        m->dirfd = open(c->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->dirfd < 0)
                return error_set_errno(err, errno, "open state directory `%s`", c->state_dir);
        int r = monitor_proc_write_pidfile_at(m->dirfd, MONITOR_PID_FILE, &m->pid_fd, err);
        if (r < 0)
                return r;
        m->wrote_pidfile = true;
        (void)unlinkat(m->dirfd, MONITOR_EXIT_FILE, 0);
        if (m->report_fd >= 0) {
                uint64_t st = 0;
                (void)monitor_proc_starttime(getpid(), &st);
                (void)monitor_msg_sendf(m->report_fd, MONITOR_MSG_MONITOR, "%d %llu", (int)getpid(),
                                        (unsigned long long)st);
        }
        r = listen_attach(m, err);
        if (r < 0)
                return r;
        return monitor_log_open(c->log_path, c->log_max_size, &m->log, err);
}

static void monitor_done(Monitor *m) {
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                client_release(&m->clients[i]);
        if (m->listen_fd >= 0 && m->dirfd >= 0)
                (void)unlinkat(m->dirfd, MONITOR_ATTACH_SOCKET, 0);
        if (m->wrote_pidfile)
                (void)unlinkat(m->dirfd, MONITOR_PID_FILE, 0);
        m->pid_fd = safe_close(m->pid_fd);
        monitor_runtime_console_done(&m->console);
        safe_close(m->out_fd);
        safe_close(m->err_fd);
        safe_close(m->in_fd);
        safe_close(m->listen_fd);
        safe_close(m->report_fd);
        safe_close(m->stop_timer);
        safe_close(m->restart_timer);
        safe_close(m->sigfd);
        safe_close(m->epfd);
        safe_close(m->dirfd);
        monitor_log_free(m->log);
        monitor_exit_done(&m->last_exit);
        free(m->in_pending);
        free(m->start_error);
        free(m->oom_events);
        free(m->buf);
}

static void report_close(Monitor *m) {
        m->report_fd = safe_close(m->report_fd);
}

/* Until the container is gone for good and every attach client has been sent what was queued for
 * it (or dropped after CLIENT_DRAIN_TIMEOUT_NS without progress). */
static int loop(Monitor *m, WarrenError **err) {
        for (;;) {
                int timeout = clients_expire(m);
                if (m->state == STATE_DONE && timeout < 0)
                        return 0;
                struct epoll_event evs[16];
                int n = epoll_wait(m->epfd, evs, (int)ELEMENTSOF(evs), timeout);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "wait for events");
                }
                for (int i = 0; i < n; i++) {
                        uint64_t tag = evs[i].data.u64;
                        int r = 0;
                        switch (tag) {
                        case TAG_SIGNAL:
                                r = on_signal(m, err);
                                break;
                        case TAG_LISTEN:
                                on_accept(m);
                                break;
                        case TAG_STDOUT:
                                on_output(m, &m->out_fd, MONITOR_STREAM_STDOUT, false);
                                break;
                        case TAG_STDERR:
                                on_output(m, &m->err_fd, MONITOR_STREAM_STDERR, false);
                                break;
                        case TAG_STDIN:
                                on_stdin_writable(m, evs[i].events);
                                break;
                        case TAG_STOP_TIMER:
                                drain_timer(m->stop_timer);
                                if (m->init_pid > 0)
                                        kill(m->init_pid, SIGKILL);
                                break;
                        case TAG_RESTART_TIMER:
                                drain_timer(m->restart_timer);
                                r = on_restart_timer(m, err);
                                break;
                        default:
                                if (tag >= TAG_CLIENT && tag < TAG_CLIENT + MAX_CLIENTS &&
                                    m->clients[tag - TAG_CLIENT].fd >= 0)
                                        on_client(m, &m->clients[tag - TAG_CLIENT], evs[i].events);
                                break;
                        }
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int monitor_run(const MonitorConfig *cfg, WarrenError **err) {
        _cleanup_(monitor_done) Monitor m = {
                .cfg = cfg,
                .dirfd = -1,
                .pid_fd = -1,
                .epfd = -1,
                .sigfd = -1,
                .listen_fd = -1,
                .stop_timer = -1,
                .restart_timer = -1,
                .report_fd = cfg->sync_fd,
                .out_fd = -1,
                .err_fd = -1,
                .in_fd = -1,
                .state = STATE_CREATED,
                .console = MONITOR_CONSOLE_INIT,
        };
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                m.clients[i].fd = -1;
        m.buf = xmalloc(MONITOR_MSG_MAX + 1);

        int r = setup(&m, err);
        if (r >= 0)
                r = launch(&m, err);
        if (r < 0) {
                if (m.dirfd >= 0 && err && *err) {
                        MonitorExit x = {
                                .exit_code = MONITOR_EXIT_CODE_RUNTIME,
                                .reason = MONITOR_EXIT_CREATE_FAILED,
                                .finished_at_ns = monitor_now_ns(),
                                .error = (*err)->msg,
                        };
                        (void)monitor_exit_write_at(m.dirfd, &x, NULL);
                }
                if (m.report_fd >= 0)
                        (void)monitor_msg_send_error(m.report_fd, err ? *err : NULL);
                return r;
        }
        if (m.report_fd >= 0)
                (void)monitor_msg_sendf(m.report_fd, MONITOR_MSG_CREATED, "%d", (int)m.init_pid);

        _cleanup_error_ WarrenError *start_err = NULL;
        if (cfg->start) {
                r = do_start(&m, &start_err);
                if (m.report_fd >= 0) {
                        if (r < 0)
                                (void)monitor_msg_send_error(m.report_fd, start_err);
                        else
                                (void)monitor_msg_sendf(m.report_fd, MONITOR_MSG_STARTED, "%d",
                                                        (int)m.init_pid);
                }
        }
        report_close(&m);

        r = loop(&m, err);
        if (r < 0)
                return r;
        if (start_err)
                return error_move(err, TAKE_PTR(start_err));
        return 0;
}
