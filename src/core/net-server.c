/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"
#include "core/net-control.h"

typedef struct Conn {
        int fd;
        int64_t since_ms;
        char *buf;
        size_t len;
        char *out;
        size_t out_len;
        size_t out_off;
} Conn;

struct NetServer {
        int epfd;
        int listen_fd;
        uint32_t tag_conn;
        NetServerHandler handler;
        void *userdata;
        Conn conns[NET_SERVER_MAX_CONNS];
};

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fill_addr(const char *path, struct sockaddr_un *sa, WarrenError **err) {
        *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa->sun_path))
                return error_set(err, ENAMETOOLONG, "socket path `%s` is too long", path);
        strcpy(sa->sun_path, path);
        return 0;
}

int net_server_listen(const char *path, WarrenError **err) {
        struct sockaddr_un sa;
        int r = fill_addr(path, &sa, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
                (void)unlink(path);
        mode_t old = umask(0177);
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        int e = errno;
        umask(old);
        if (r < 0)
                return error_set_errno(err, e, "bind control socket `%s`", path);
        if (listen(fd, 16) < 0)
                return error_set_errno(err, errno, "listen on `%s`", path);
        return TAKE_FD(fd);
}

int net_server_new(int epfd, int listen_fd, uint32_t tag_listen, uint32_t tag_conn,
                   NetServerHandler handler, void *userdata, NetServer **ret, WarrenError **err) {
        NetServer *s = xnew(NetServer, 1);
        *s = (NetServer){.epfd = epfd,
                         .listen_fd = listen_fd,
                         .tag_conn = tag_conn,
                         .handler = handler,
                         .userdata = userdata};
        for (size_t i = 0; i < NET_SERVER_MAX_CONNS; i++)
                s->conns[i].fd = -1;
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u64 = NET_EPOLL_DATA(tag_listen, listen_fd)};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
                free(s);
                return error_set_errno(err, errno, "watch the control socket");
        }
        *ret = s;
        return 0;
}

static void conn_close(NetServer *s, Conn *c) {
        if (c->fd >= 0) {
                (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
        }
        free(c->buf);
        free(c->out);
        *c = (Conn){.fd = -1};
}

static Conn *conn_find(NetServer *s, int fd) {
        for (size_t i = 0; i < NET_SERVER_MAX_CONNS; i++)
                if (s->conns[i].fd == fd)
                        return &s->conns[i];
        return NULL;
}

void net_server_on_listen(NetServer *s) {
        for (;;) {
                int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0)
                        return;
                Conn *c = conn_find(s, -1);
                if (!c) {
                        log_debug("control: too many connections, refusing one");
                        close(fd);
                        continue;
                }
                struct epoll_event ev = {.events = EPOLLIN,
                                         .data.u64 = NET_EPOLL_DATA(s->tag_conn, fd)};
                if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                        close(fd);
                        continue;
                }
                *c = (Conn){.fd = fd,
                            .since_ms = now_ms(),
                            .buf = xmalloc(NET_CONTROL_MAX_REQUEST + 1)};
        }
}

static void conn_respond(NetServer *s, Conn *c) {
        c->buf[c->len] = '\0';
        _cleanup_free_ char *resp = s->handler(s->userdata, c->buf, c->len);
        c->out = xasprintf("%s\n", resp);
        c->out_len = strlen(c->out);
        c->out_off = 0;
        struct epoll_event ev = {.events = EPOLLOUT,
                                 .data.u64 = NET_EPOLL_DATA(s->tag_conn, c->fd)};
        if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
                conn_close(s, c);
}

void net_server_on_conn(NetServer *s, int fd, uint32_t events) {
        Conn *c = conn_find(s, fd);
        if (!c)
                return;
        if (c->out) {
                while (c->out_off < c->out_len) {
                        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                         MSG_NOSIGNAL);
                        if (n < 0) {
                                if (errno == EAGAIN || errno == EINTR)
                                        return;
                                break;
                        }
                        c->out_off += (size_t)n;
                }
                conn_close(s, c);
                return;
        }
        for (;;) {
                ssize_t n = recv(c->fd, c->buf + c->len, NET_CONTROL_MAX_REQUEST + 1 - c->len, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                if (events & (EPOLLHUP | EPOLLERR))
                                        conn_close(s, c);
                                return;
                        }
                        conn_close(s, c);
                        return;
                }
                if (n == 0) { /* EOF ends the request */
                        if (c->len == 0)
                                conn_close(s, c);
                        else
                                conn_respond(s, c);
                        return;
                }
                char *nl = memchr(c->buf + c->len, '\n', (size_t)n);
                c->len += (size_t)n;
                if (nl) {
                        c->len = (size_t)(nl - c->buf);
                        conn_respond(s, c);
                        return;
                }
                if (c->len > NET_CONTROL_MAX_REQUEST) {
                        /* let the protocol layer say it is too large */
                        conn_respond(s, c);
                        return;
                }
        }
}

void net_server_expire(NetServer *s, int64_t now) {
        for (size_t i = 0; i < NET_SERVER_MAX_CONNS; i++)
                if (s->conns[i].fd >= 0 &&
                    now - s->conns[i].since_ms > NET_SERVER_CONN_TIMEOUT_MS) {
                        log_debug("control: closing a connection idle for too long");
                        conn_close(s, &s->conns[i]);
                }
}

NetServer *net_server_free(NetServer *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < NET_SERVER_MAX_CONNS; i++)
                conn_close(s, &s->conns[i]);
        free(s);
        return NULL;
}

int net_server_request(const char *path, const char *request, char **ret_response,
                       WarrenError **err) {
        struct sockaddr_un sa;
        int r = fill_addr(path, &sa, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "connect to `%s`", path);
        if (write_all(fd, request, strlen(request)) < 0 || write_all(fd, "\n", 1) < 0)
                return error_set_errno(err, errno, "send the request");
        char *resp = NULL;
        size_t len = 0;
        r = read_fd_capped(fd, NET_CONTROL_MAX_REQUEST * 16, &resp, &len, err);
        if (r < 0)
                return error_prefix(err, r, "read the response");
        while (len > 0 && resp[len - 1] == '\n')
                resp[--len] = '\0';
        *ret_response = resp;
        return 0;
}
