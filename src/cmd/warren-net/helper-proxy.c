/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's proxy for published ports libslirp cannot serve itself (helper-proxy.h). It runs
 * on the helper's epoll set, level-triggered like the rest: a socket is watched only for what
 * it is waiting for, and not at all when it waits for nothing (so a half-closed socket cannot
 * spin the loop with EPOLLHUP).
 */
#include "helper-proxy.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "basic/log.h"
#include "basic/xalloc.h"
#include "core/net-probe.h"
#include "core/net-server.h"

#define BUF_SIZE (64 * 1024)
#define DGRAM_MAX 65536
#define BATCH 64

enum { K_NONE, K_LISTEN, K_UDP, K_CONN, K_FLOW };

typedef struct Port Port;

typedef struct Flow { /* a UDP client */
        struct Flow *next;
        Port *port;
        int fd; /* connected to the target */
        struct sockaddr_storage peer;
        socklen_t peer_len;
        int64_t last_ms;
} Flow;

typedef struct Buf {
        uint8_t *data;
        size_t off, len;
} Buf;

typedef struct Conn { /* a TCP connection */
        struct Conn *prev, *next;
        Port *port;
        int fd[2];        /* 0: the client, 1: the connection to the target */
        uint32_t want[2]; /* the events fd[i] is watched for; 0: not in the epoll set */
        bool connecting;
        bool eof[2];  /* fd[i] said EOF */
        bool shut[2]; /* fd[i]'s write side is shut */
        Buf buf[2];   /* read from fd[i], to be written to fd[1 - i] */
} Conn;

struct Port {
        Port *next;
        uint32_t id;
        NetProto proto;
        int fd; /* listening (TCP) or bound (UDP) */
        struct sockaddr_in target;
        void *cookie;
        Flow *flows;
        size_t n_flows;
};

typedef struct Slot {
        uint8_t kind;
        void *obj;
} Slot;

struct NetProxy {
        int epfd;
        uint32_t tag;
        Port *ports;
        Conn *conns;
        size_t n_conns;
        Slot *slots; /* by fd */
        size_t n_slots;
        uint8_t *dgram;
};

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void slot_set(NetProxy *p, int fd, uint8_t kind, void *obj) {
        if ((size_t)fd >= p->n_slots) {
                size_t n = MAX(p->n_slots * 2, (size_t)fd + 64);
                p->slots = xreallocarray(p->slots, n, sizeof(*p->slots));
                memset(p->slots + p->n_slots, 0, (n - p->n_slots) * sizeof(*p->slots));
                p->n_slots = n;
        }
        p->slots[fd] = (Slot){kind, obj};
}

static int watch(NetProxy *p, int fd, int op, uint32_t events) {
        struct epoll_event ev = {.events = events, .data.u64 = NET_EPOLL_DATA(p->tag, fd)};
        return epoll_ctl(p->epfd, op, fd, &ev);
}

/* Out of the epoll set and the slots, and closed. */
static void drop_fd(NetProxy *p, int fd, bool watched) {
        if (fd < 0)
                return;
        if (watched)
                (void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
        if ((size_t)fd < p->n_slots)
                p->slots[fd] = (Slot){};
        safe_close(fd);
}

NetProxy *net_proxy_new(int epfd, uint32_t tag) {
        NetProxy *p = xnew(NetProxy, 1);
        p->epfd = epfd;
        p->tag = tag;
        p->dgram = xmalloc(DGRAM_MAX);
        return p;
}

/* ---- TCP ---- */

static void conn_close(NetProxy *p, Conn *c) {
        for (int i = 0; i < 2; i++) {
                drop_fd(p, c->fd[i], c->want[i] != 0);
                free(c->buf[i].data);
        }
        if (c->prev)
                c->prev->next = c->next;
        else
                p->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        p->n_conns--;
        free(c);
}

/* Watch each side for what it waits for now. */
static void conn_update(NetProxy *p, Conn *c) {
        uint32_t want[2] = {0, 0};
        if (c->buf[0].len == 0 && !c->eof[0])
                want[0] |= EPOLLIN;
        if (c->buf[1].len > 0)
                want[0] |= EPOLLOUT;
        if (c->connecting)
                want[1] = EPOLLOUT;
        else {
                if (c->buf[1].len == 0 && !c->eof[1])
                        want[1] |= EPOLLIN;
                if (c->buf[0].len > 0)
                        want[1] |= EPOLLOUT;
        }
        for (int i = 0; i < 2; i++) {
                if (want[i] == c->want[i])
                        continue;
                int op = !want[i] ? EPOLL_CTL_DEL : c->want[i] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
                if (watch(p, c->fd[i], op, want[i]) < 0)
                        log_debug("proxy: epoll_ctl: %s", strerror(errno));
                c->want[i] = want[i];
        }
}

/* Move what can be moved. Returns whether anything happened; *closed when c is gone. */
static bool conn_io(NetProxy *p, Conn *c, bool *closed) {
        bool any = false, progress = true;
        while (progress) {
                progress = false;
                for (int i = 0; i < 2; i++) {
                        Buf *b = &c->buf[i];
                        int from = c->fd[i], to = c->fd[1 - i];
                        bool can_read = !(i == 1 && c->connecting);
                        bool can_write = !(i == 0 && c->connecting);
                        if (b->len == 0 && !c->eof[i] && can_read) {
                                if (!b->data)
                                        b->data = xmalloc(BUF_SIZE);
                                ssize_t n = read(from, b->data, BUF_SIZE);
                                if (n > 0) {
                                        b->off = 0;
                                        b->len = (size_t)n;
                                        progress = true;
                                } else if (n == 0) {
                                        c->eof[i] = true;
                                        progress = true;
                                } else if (errno != EAGAIN && errno != EINTR)
                                        goto fail;
                        }
                        if (b->len > 0 && can_write) {
                                ssize_t n = send(to, b->data + b->off, b->len, MSG_NOSIGNAL);
                                if (n > 0) {
                                        b->off += (size_t)n;
                                        b->len -= (size_t)n;
                                        progress = true;
                                        /* an idle connection holds no buffer */
                                        if (b->len == 0) {
                                                free(b->data);
                                                b->data = NULL;
                                        }
                                } else if (n < 0 && errno != EAGAIN && errno != EINTR)
                                        goto fail;
                        }
                        /* pass a half-close on once everything before it is through */
                        if (c->eof[i] && b->len == 0 && !c->shut[1 - i] && can_write) {
                                (void)shutdown(to, SHUT_WR);
                                c->shut[1 - i] = true;
                                progress = true;
                        }
                }
                any |= progress;
        }
        if (c->shut[0] && c->shut[1]) {
                conn_close(p, c);
                *closed = true;
                return true;
        }
        conn_update(p, c);
        return any;
fail:
        log_debug("proxy: connection of published port %u: %s", (unsigned)c->port->id,
                  strerror(errno));
        conn_close(p, c);
        *closed = true;
        return true;
}

static void conn_event(NetProxy *p, Conn *c, int fd, uint32_t events) {
        bool closed = false;
        if (fd == c->fd[1] && c->connecting) {
                int e = 0;
                socklen_t len = sizeof(e);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
                        e = errno;
                if (e == EINPROGRESS || e == EALREADY)
                        return;
                if (e != 0) {
                        log_debug("proxy: published port %u: connect to the container's "
                                  "forward: %s",
                                  (unsigned)c->port->id, strerror(e));
                        conn_close(p, c);
                        return;
                }
                c->connecting = false;
        }
        bool moved = conn_io(p, c, &closed);
        /* an error or hang-up that moved nothing would be reported again and again */
        if (!closed && !moved && (events & (EPOLLERR | EPOLLHUP)))
                conn_close(p, c);
}

static void conn_new(NetProxy *p, Port *port, int cfd) {
        int one = 1;
        int bfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (bfd < 0) {
                log_debug("proxy: socket: %s", strerror(errno));
                safe_close(cfd);
                return;
        }
        (void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        (void)setsockopt(bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        bool connecting = false;
        if (connect(bfd, (const struct sockaddr *)&port->target, sizeof(port->target)) < 0) {
                if (errno != EINPROGRESS) {
                        log_debug("proxy: published port %u: connect: %s", (unsigned)port->id,
                                  strerror(errno));
                        safe_close(bfd);
                        safe_close(cfd);
                        return;
                }
                connecting = true;
        }
        Conn *c = xnew(Conn, 1);
        *c = (Conn){.next = p->conns, .port = port, .fd = {cfd, bfd}, .connecting = connecting};
        if (p->conns)
                p->conns->prev = c;
        p->conns = c;
        p->n_conns++;
        slot_set(p, cfd, K_CONN, c);
        slot_set(p, bfd, K_CONN, c);
        conn_update(p, c);
}

static void on_accept(NetProxy *p, Port *port) {
        for (int k = 0; k < BATCH; k++) {
                int cfd = accept4(port->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno != EAGAIN)
                                log_debug("proxy: accept: %s", strerror(errno));
                        return;
                }
                if (p->n_conns >= NET_PROXY_MAX_CONNS) {
                        log_debug("proxy: %d connections open, refusing one", NET_PROXY_MAX_CONNS);
                        safe_close(cfd);
                        continue;
                }
                conn_new(p, port, cfd);
        }
}

/* ---- UDP ---- */

static void flow_free(NetProxy *p, Flow *f) {
        for (Flow **pp = &f->port->flows; *pp; pp = &(*pp)->next)
                if (*pp == f) {
                        *pp = f->next;
                        break;
                }
        f->port->n_flows--;
        drop_fd(p, f->fd, true);
        free(f);
}

static Flow *flow_get(NetProxy *p, Port *port, const struct sockaddr_storage *peer, socklen_t len) {
        for (Flow *f = port->flows; f; f = f->next)
                if (f->peer_len == len && memcmp(&f->peer, peer, len) == 0)
                        return f;
        if (port->n_flows >= NET_PROXY_UDP_FLOWS) {
                Flow *old = port->flows;
                for (Flow *f = port->flows; f; f = f->next)
                        if (f->last_ms < old->last_ms)
                                old = f;
                flow_free(p, old);
        }
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 ||
            connect(fd, (const struct sockaddr *)&port->target, sizeof(port->target)) < 0 ||
            watch(p, fd, EPOLL_CTL_ADD, EPOLLIN) < 0) {
                log_debug("proxy: published port %u: a socket for a new client: %s",
                          (unsigned)port->id, strerror(errno));
                return NULL;
        }
        Flow *f = xnew(Flow, 1);
        *f = (Flow){.next = port->flows, .port = port, .fd = TAKE_FD(fd), .peer_len = len};
        memcpy(&f->peer, peer, len);
        port->flows = f;
        port->n_flows++;
        slot_set(p, f->fd, K_FLOW, f);
        return f;
}

/* Datagrams from clients, each sent on from its client's socket. */
static void on_client_datagrams(NetProxy *p, Port *port) {
        int64_t now = now_ms();
        for (int k = 0; k < BATCH; k++) {
                struct sockaddr_storage peer;
                socklen_t len = sizeof(peer);
                ssize_t n =
                        recvfrom(port->fd, p->dgram, DGRAM_MAX, 0, (struct sockaddr *)&peer, &len);
                if (n < 0) {
                        if (errno == EINTR || errno == ECONNREFUSED)
                                continue;
                        return;
                }
                Flow *f = flow_get(p, port, &peer, len);
                if (!f)
                        continue;
                f->last_ms = now;
                (void)send(f->fd, p->dgram, (size_t)n, 0);
        }
}

/* Replies, to the client whose socket they came back to. */
static void on_replies(NetProxy *p, Flow *f) {
        for (int k = 0; k < BATCH; k++) {
                ssize_t n = recv(f->fd, p->dgram, DGRAM_MAX, 0);
                if (n < 0) {
                        /* ECONNREFUSED: an ICMP error for an earlier datagram, reported once */
                        if (errno == EINTR || errno == ECONNREFUSED)
                                continue;
                        return;
                }
                f->last_ms = now_ms();
                (void)sendto(f->port->fd, p->dgram, (size_t)n, 0, (const struct sockaddr *)&f->peer,
                             f->peer_len);
        }
}

void net_proxy_expire(NetProxy *p, int64_t now) {
        for (Port *port = p->ports; port; port = port->next)
                for (Flow *f = port->flows, *next; f; f = next) {
                        next = f->next;
                        if (now - f->last_ms > NET_PROXY_UDP_IDLE_MS)
                                flow_free(p, f);
                }
}

/* ---- ports ---- */

int net_proxy_add(NetProxy *p, uint32_t id, NetProto proto, const NetHostAddr *addr, uint16_t *port,
                  const struct sockaddr_in *target, void *cookie, WarrenError **err) {
        int fd = net_port_bind(proto, addr, *port, port, err);
        if (fd < 0)
                return fd;
        if (watch(p, fd, EPOLL_CTL_ADD, EPOLLIN) < 0) {
                int r = error_set_errno(err, errno, "epoll_ctl");
                safe_close(fd);
                return r;
        }
        Port *pt = xnew(Port, 1);
        *pt = (Port){.next = p->ports,
                     .id = id,
                     .proto = proto,
                     .fd = fd,
                     .target = *target,
                     .cookie = cookie};
        p->ports = pt;
        slot_set(p, fd, proto == NET_PROTO_TCP ? K_LISTEN : K_UDP, pt);
        return 0;
}

static void *port_free(NetProxy *p, Port *pt) {
        for (Conn *c = p->conns, *next; c; c = next) {
                next = c->next;
                if (c->port == pt)
                        conn_close(p, c);
        }
        while (pt->flows)
                flow_free(p, pt->flows);
        drop_fd(p, pt->fd, true);
        void *cookie = pt->cookie;
        free(pt);
        return cookie;
}

void *net_proxy_remove(NetProxy *p, uint32_t id) {
        for (Port **pp = &p->ports; *pp; pp = &(*pp)->next)
                if ((*pp)->id == id) {
                        Port *pt = *pp;
                        *pp = pt->next;
                        return port_free(p, pt);
                }
        return NULL;
}

size_t net_proxy_users(const NetProxy *p, NetProto proto, const struct sockaddr_in *target) {
        size_t n = 0;
        for (const Port *pt = p->ports; pt; pt = pt->next)
                n += pt->proto == proto && pt->target.sin_port == target->sin_port &&
                     pt->target.sin_addr.s_addr == target->sin_addr.s_addr;
        return n;
}

void net_proxy_on_event(NetProxy *p, int fd, uint32_t events) {
        if (fd < 0 || (size_t)fd >= p->n_slots)
                return;
        Slot s = p->slots[fd];
        switch (s.kind) {
        case K_LISTEN:
                on_accept(p, s.obj);
                break;
        case K_UDP:
                on_client_datagrams(p, s.obj);
                break;
        case K_CONN:
                conn_event(p, s.obj, fd, events);
                break;
        case K_FLOW:
                on_replies(p, s.obj);
                break;
        default:
                break; /* closed earlier in this round */
        }
}

NetProxy *net_proxy_free(NetProxy *p) {
        if (!p)
                return NULL;
        while (p->ports) {
                Port *pt = p->ports;
                p->ports = pt->next;
                port_free(p, pt);
        }
        while (p->conns)
                conn_close(p, p->conns);
        free(p->slots);
        free(p->dgram);
        free(p);
        return NULL;
}
