/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libslirp glue: the callback table, host forwarding, and the event loop on epoll. This is the
 * only file of warren that includes <libslirp.h> (STYLE.md: one wrapper per library).
 *
 * libslirp's API is poll()-shaped: every round slirp_pollfds_fill() names the sockets it wants
 * and slirp_pollfds_poll() asks what happened to each. We keep those sockets registered in an
 * epoll set and only touch the set when a socket's interest changes, so a round costs one
 * epoll_wait() plus the changes, not a scan of every socket by the kernel. Frames from the tap
 * are read in batches per wake-up.
 */
#include "helper.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <libslirp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>

#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "core/net-control.h"
#include "core/net-filter.h"
#include "core/net-probe.h"
#include "core/net-server.h"
#include "helper-proxy.h"

enum {
        TAG_SLIRP = 1,
        TAG_TAP,
        TAG_CONTROL,
        TAG_CONN,
        TAG_SIGNAL,
        TAG_PIDFD,
        TAG_EXIT,
        TAG_PROXY,
};

#define TAP_BATCH 64
#define MAX_EVENTS 256
#define REG_REGISTERED 0x80u

/* A libslirp forward on 127.0.0.1 (port picked) that the proxy goes through to a container port
 * no IPv4 entry of the table forwards (net-hostfwd.h, NetHostfwd.proxied). */
typedef struct Backend {
        struct Backend *next;
        NetProto proto;
        struct in_addr guest_addr;
        uint16_t guest_port;
        uint16_t host_port;
        unsigned users;
} Backend;

typedef struct Timer {
        struct Timer *next;
        bool opaque_kind; /* timer_new_opaque: fired through slirp_handle_timer */
        SlirpTimerId id;
        SlirpTimerCb cb;
        void *cb_opaque;
        bool armed;
        int64_t expire_ms;
} Timer;

struct NetHelper {
        Slirp *slirp;
        int epfd;
        NetHelperFds fds;
        NetServer *server;
        NetHostfwdTable table;
        NetProxy *proxy;
        Backend *backends;
        bool ipv6; /* the host has IPv6 (net_ipv6_available()) */
        NetFilter filter;
        int sndbuf; /* SO_SNDBUF for libslirp's sockets; 0: kernel autotuning */
        int rcvbuf; /* SO_RCVBUF likewise */
        int tap_batch;

        /* epoll state of libslirp's sockets, indexed by fd */
        uint8_t *reg;
        uint32_t *seen;
        uint32_t *revents;
        size_t cap;
        int *regfds;
        size_t n_regfds;
        uint32_t gen;
        /* this round's poll list: index -> fd */
        int *pollfds;
        size_t n_pollfds;
        size_t cap_pollfds;

        Timer *timers;
        uint8_t *pkt; /* a frame from the tap */
        uint8_t *fix; /* a frame to the tap that net_filter_host_frame() rewrote */
        size_t pkt_size;
        int64_t last_expire_ms;
        bool quit;
        char reason[64];
};

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- libslirp callbacks ---- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque) {
        NetHelper *h = opaque;
        /* UDP from the host's 127.0.0.1 goes to the guest as from the gateway (net-filter.h),
         * rewritten in h->fix: this runs inside slirp_input() too, while h->pkt is in use */
        size_t fixed = net_filter_host_frame(&h->filter, buf, len, h->fix, h->pkt_size);
        if (fixed > 0)
                buf = h->fix;
        for (;;) {
                ssize_t n = write(h->fds.tap, buf, len);
                if (n >= 0)
                        return n;
                if (errno == EINTR)
                        continue;
                /* a full queue drops the frame; TCP retransmits at its own pace */
                if (errno == EAGAIN)
                        return (ssize_t)len;
                return -errno;
        }
}

static void cb_guest_error(const char *msg, void *opaque) {
        log_debug("slirp: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque) {
        return now_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque) {
        NetHelper *h = opaque;
        Timer *t = xnew(Timer, 1);
        *t = (Timer){.next = h->timers, .cb = cb, .cb_opaque = cb_opaque};
        h->timers = t;
        return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque) {
        NetHelper *h = opaque;
        Timer *t = xnew(Timer, 1);
        *t = (Timer){.next = h->timers, .opaque_kind = true, .id = id, .cb_opaque = cb_opaque};
        h->timers = t;
        return t;
}

static void cb_timer_free(void *timer, void *opaque) {
        NetHelper *h = opaque;
        for (Timer **p = &h->timers; *p; p = &(*p)->next)
                if (*p == timer) {
                        *p = ((Timer *)timer)->next;
                        free(timer);
                        return;
                }
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque) {
        Timer *t = timer;
        t->armed = true;
        t->expire_ms = expire_ms;
}

static bool fd_ensure(NetHelper *h, int fd) {
        if (fd < 0)
                return false;
        if ((size_t)fd >= h->cap) {
                size_t cap = MAX(h->cap * 2, (size_t)fd + 64);
                h->reg = xrealloc(h->reg, cap);
                h->seen = xreallocarray(h->seen, cap, sizeof(*h->seen));
                h->revents = xreallocarray(h->revents, cap, sizeof(*h->revents));
                h->regfds = xreallocarray(h->regfds, cap, sizeof(*h->regfds));
                memset(h->reg + h->cap, 0, cap - h->cap);
                memset(h->seen + h->cap, 0, (cap - h->cap) * sizeof(*h->seen));
                memset(h->revents + h->cap, 0, (cap - h->cap) * sizeof(*h->revents));
                h->cap = cap;
        }
        return true;
}

static void unregister_fd(NetHelper *h, int fd) {
        if (!fd_ensure(h, fd) || !(h->reg[fd] & REG_REGISTERED))
                return;
        (void)epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
        h->reg[fd] = 0;
        for (size_t i = 0; i < h->n_regfds; i++)
                if (h->regfds[i] == fd) {
                        h->regfds[i] = h->regfds[--h->n_regfds];
                        break;
                }
}

/* libslirp announces every host socket it creates: size its buffers when the knobs ask for it.
 * By default the kernel's autotuning stays: fixed sizes (1 to 8 MiB) measured no better with
 * tests/bench/net.sh. */
static void cb_register_poll_fd(int fd, void *opaque) {
        NetHelper *h = opaque;
        if (h->sndbuf > 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &h->sndbuf, sizeof(h->sndbuf));
        if (h->rcvbuf > 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &h->rcvbuf, sizeof(h->rcvbuf));
}

static void cb_unregister_poll_fd(int fd, void *opaque) {
        unregister_fd(opaque, fd);
}

static void cb_notify(void *opaque) {
}

static const SlirpCb slirp_callbacks = {
        .send_packet = cb_send_packet,
        .guest_error = cb_guest_error,
        .clock_get_ns = cb_clock_get_ns,
        .timer_new = cb_timer_new,
        .timer_free = cb_timer_free,
        .timer_mod = cb_timer_mod,
        .register_poll_fd = cb_register_poll_fd,
        .unregister_poll_fd = cb_unregister_poll_fd,
        .notify = cb_notify,
        .timer_new_opaque = cb_timer_new_opaque,
};

/* ---- the poll bridge ---- */

static uint32_t to_epoll(int events) {
        uint32_t e = 0;
        if (events & SLIRP_POLL_IN)
                e |= EPOLLIN;
        if (events & SLIRP_POLL_OUT)
                e |= EPOLLOUT;
        if (events & SLIRP_POLL_PRI)
                e |= EPOLLPRI;
        return e;
}

static int from_epoll(uint32_t e) {
        int r = 0;
        if (e & EPOLLIN)
                r |= SLIRP_POLL_IN;
        if (e & EPOLLOUT)
                r |= SLIRP_POLL_OUT;
        if (e & EPOLLPRI)
                r |= SLIRP_POLL_PRI;
        if (e & EPOLLERR)
                r |= SLIRP_POLL_ERR;
        if (e & EPOLLHUP)
                r |= SLIRP_POLL_HUP;
        return r;
}

static int cb_add_poll(int fd, int events, void *opaque) {
        NetHelper *h = opaque;
        if (!fd_ensure(h, fd))
                return -1;
        uint8_t want = (uint8_t)(events & 0x7f);
        h->seen[fd] = h->gen;
        if (h->reg[fd] != (REG_REGISTERED | want)) {
                struct epoll_event ev = {.events = to_epoll(events),
                                         .data.u64 = NET_EPOLL_DATA(TAG_SLIRP, fd)};
                bool was = h->reg[fd] & REG_REGISTERED;
                int r = epoll_ctl(h->epfd, was ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
                /* an fd number reused behind our back: the kernel knows better */
                if (r < 0 && errno == ENOENT)
                        r = epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev);
                else if (r < 0 && errno == EEXIST)
                        r = epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev);
                if (r == 0) {
                        if (!was)
                                h->regfds[h->n_regfds++] = fd;
                        h->reg[fd] = REG_REGISTERED | want;
                } else
                        log_debug("epoll_ctl on slirp fd %d: %s", fd, strerror(errno));
        }
        if (h->n_pollfds == h->cap_pollfds) {
                h->cap_pollfds = MAX(h->cap_pollfds * 2, 64);
                h->pollfds = xreallocarray(h->pollfds, h->cap_pollfds, sizeof(*h->pollfds));
        }
        h->pollfds[h->n_pollfds] = fd;
        return (int)h->n_pollfds++;
}

static int cb_get_revents(int idx, void *opaque) {
        NetHelper *h = opaque;
        if (idx < 0 || (size_t)idx >= h->n_pollfds)
                return 0;
        return from_epoll(h->revents[h->pollfds[idx]]);
}

/* Sockets libslirp no longer asked for this round leave the epoll set, or level-triggered
 * readiness would spin the loop. */
static void prune(NetHelper *h) {
        for (size_t i = 0; i < h->n_regfds;) {
                int fd = h->regfds[i];
                if (h->seen[fd] != h->gen) {
                        (void)epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
                        h->reg[fd] = 0;
                        h->regfds[i] = h->regfds[--h->n_regfds];
                        continue;
                }
                i++;
        }
}

/* ---- host forwarding (NetHostfwdOps) ---- */

static const char *fwd_text(const NetHostfwd *f, char *buf, size_t size) {
        char ip[NET_HOST_ADDR_STRLEN];
        snprintf(buf, size, "%s:%u/%s", net_host_addr_format(&f->host_addr, true, ip),
                 (unsigned)f->host_port, net_proto_to_string(f->proto));
        return buf;
}

/* Where the proxy reaches a direct (libslirp) entry: its address, 127.0.0.1 for 0.0.0.0. */
static struct sockaddr_in direct_target(const NetHostfwd *d) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(d->host_port)};
        sin.sin_addr.s_addr = net_host_addr_is_any(&d->host_addr) ? htonl(INADDR_LOOPBACK)
                                                                  : d->host_addr.in.s_addr;
        return sin;
}

/* The libslirp socket the proxy of `f` goes through: the table's first IPv4 entry for the same
 * container port, or a backend of our own on 127.0.0.1 (*ret_backend, counted). */
static int backend_get(NetHelper *h, const NetHostfwd *f, struct sockaddr_in *ret,
                       Backend **ret_backend, WarrenError **err) {
        const NetHostfwd *d =
                net_hostfwd_find_direct(&h->table, f->proto, f->guest_addr, f->guest_port);
        *ret_backend = NULL;
        if (d) {
                *ret = direct_target(d);
                return 0;
        }
        Backend *b = h->backends;
        while (b && !(b->proto == f->proto && b->guest_port == f->guest_port &&
                      b->guest_addr.s_addr == f->guest_addr.s_addr))
                b = b->next;
        if (!b) {
                NetHostAddr lo = {.family = AF_INET, .in.s_addr = htonl(INADDR_LOOPBACK)};
                uint16_t port = 0;
                int r = net_port_probe(f->proto, &lo, 0, &port, err);
                if (r < 0)
                        return error_prefix(err, r, "the proxy's forward on 127.0.0.1");
                if (slirp_add_hostfwd(h->slirp, f->proto == NET_PROTO_UDP, lo.in, port,
                                      f->guest_addr, f->guest_port) < 0)
                        return error_set(err, EADDRINUSE,
                                         "the proxy's forward on `127.0.0.1:%u/%s`: libslirp "
                                         "cannot bind it",
                                         (unsigned)port, net_proto_to_string(f->proto));
                b = xnew(Backend, 1);
                *b = (Backend){.next = h->backends,
                               .proto = f->proto,
                               .guest_addr = f->guest_addr,
                               .guest_port = f->guest_port,
                               .host_port = port};
                h->backends = b;
                log_debug("proxy: container port %u/%s through 127.0.0.1:%u",
                          (unsigned)f->guest_port, net_proto_to_string(f->proto), (unsigned)port);
        }
        b->users++;
        *ret_backend = b;
        *ret = (struct sockaddr_in){.sin_family = AF_INET,
                                    .sin_port = htons(b->host_port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        return 0;
}

static void backend_put(NetHelper *h, Backend *b) {
        if (!b || --b->users > 0)
                return;
        struct in_addr lo = {htonl(INADDR_LOOPBACK)};
        (void)slirp_remove_hostfwd(h->slirp, b->proto == NET_PROTO_UDP, lo, b->host_port);
        for (Backend **pp = &h->backends; *pp; pp = &(*pp)->next)
                if (*pp == b) {
                        *pp = b->next;
                        break;
                }
        free(b);
}

static int fwd_add(void *userdata, NetHostfwd *f, WarrenError **err) {
        NetHelper *h = userdata;
        char text[NET_HOST_ADDR_STRLEN + 16];
        uint16_t port = f->host_port;
        int r;

        if (f->host_addr.family == AF_INET6 && !h->ipv6) {
                char ip[NET_HOST_ADDR_STRLEN];
                return error_set(err, EAFNOSUPPORT,
                                 "host address `%s`: ipv6 is not available on this host",
                                 net_host_addr_format(&f->host_addr, false, ip));
        }
        if (f->proxied) {
                struct sockaddr_in target;
                Backend *b = NULL;
                r = backend_get(h, f, &target, &b, err);
                if (r < 0)
                        return r;
                r = net_proxy_add(h->proxy, f->id, f->proto, &f->host_addr, &port, &target, b, err);
                if (r < 0) {
                        backend_put(h, b);
                        return r;
                }
                f->host_port = port;
                return 0;
        }
        r = net_port_probe(f->proto, &f->host_addr, f->host_port, &port, err);
        if (r < 0)
                return r;
        if (slirp_add_hostfwd(h->slirp, f->proto == NET_PROTO_UDP, f->host_addr.in, port,
                              f->guest_addr, f->guest_port) < 0) {
                f->host_port = port;
                return error_set(err, EADDRINUSE, "host port `%s`: libslirp cannot bind it",
                                 fwd_text(f, text, sizeof(text)));
        }
        f->host_port = port;
        return 0;
}

static int fwd_remove(void *userdata, const NetHostfwd *f, WarrenError **err) {
        NetHelper *h = userdata;
        char text[NET_HOST_ADDR_STRLEN + 16];
        if (f->proxied) {
                backend_put(h, net_proxy_remove(h->proxy, f->id));
                return 0;
        }
        struct sockaddr_in me = direct_target(f);
        size_t users = net_proxy_users(h->proxy, f->proto, &me);
        if (users > 0)
                return error_set(err, EBUSY,
                                 "published port %u (`%s`) carries %zu port(s) the helper "
                                 "proxies to container port %u/%s: remove those first",
                                 (unsigned)f->id, fwd_text(f, text, sizeof(text)), users,
                                 (unsigned)f->guest_port, net_proto_to_string(f->proto));
        if (slirp_remove_hostfwd(h->slirp, f->proto == NET_PROTO_UDP, f->host_addr.in,
                                 f->host_port) < 0)
                return error_set(err, ENOENT, "published port `%u` is not forwarded",
                                 (unsigned)f->host_port);
        return 0;
}

static const NetHostfwdOps fwd_ops = {
        .add = fwd_add,
        .remove = fwd_remove,
};

static char *control_handler(void *userdata, const char *req, size_t len) {
        NetHelper *h = userdata;
        char *resp = NULL;
        int r = net_control_handle(&h->table, req, len, &resp);
        log_debug("control: %.*s -> %s", (int)MIN(len, 512), req, r < 0 ? resp : "ok");
        return resp;
}

/* ---- setup ---- */

static int watch(NetHelper *h, int fd, uint32_t tag, WarrenError **err) {
        if (fd < 0)
                return 0;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = NET_EPOLL_DATA(tag, fd)};
        if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return error_set_errno(err, errno, "epoll_ctl");
        return 0;
}

/* Tuning knobs for benchmarks (docs/networking.md): a size ("4m", "0" for autotuning). */
static int env_size(const char *name, int def) {
        const char *s = getenv(name);
        uint64_t v;
        if (!s || parse_size(s, &v) < 0 || v > (64U << 20))
                return def;
        return (int)v;
}

int net_helper_new(const NetOptions *o, const NetHelperFds *fds, NetHelper **ret,
                   WarrenError **err) {
        _cleanup_net_helper_ NetHelper *h = xnew(NetHelper, 1);
        int r;

        h->epfd = -1;
        h->fds = *fds;
        h->pkt_size = 65536 + 256;
        h->pkt = xmalloc(h->pkt_size);
        h->fix = xmalloc(h->pkt_size);
        h->tap_batch = TAP_BATCH;
        const char *tb = getenv("WARREN_NET_TAP_BATCH");
        if (tb && safe_atoi(tb, &h->tap_batch) == 0 && (h->tap_batch < 1 || h->tap_batch > 1024))
                h->tap_batch = TAP_BATCH;
        h->sndbuf = env_size("WARREN_NET_SNDBUF", 0);
        h->rcvbuf = env_size("WARREN_NET_RCVBUF", 0);

        SlirpConfig cfg = {
                .version = 4,
                .restricted = 0,
                .in_enabled = true,
                .vnetwork = o->addrs.network,
                .vnetmask = o->addrs.netmask,
                .vhost = o->addrs.gateway,
                .in6_enabled = o->enable_ipv6,
                .vprefix_len = 64,
                .vhostname = "warren",
                .vnameserver = o->addrs.dns,
                .if_mtu = o->mtu,
                .if_mru = o->mtu,
                /* enforced by net-filter.c instead, which keeps UDP replies to loopback
                 * clients of published ports working */
                .disable_host_loopback = false,
                .enable_emu = false,
        };
        cfg.vdhcp_start.s_addr = htonl(ntohl(o->addrs.network.s_addr) + 15);
        inet_pton(AF_INET6, "fd00::", &cfg.vprefix_addr6);
        inet_pton(AF_INET6, "fd00::2", &cfg.vhost6);
        inet_pton(AF_INET6, "fd00::3", &cfg.vnameserver6);

        h->filter = (NetFilter){
                .block_host_loopback = !o->allow_host_loopback,
                .network = o->addrs.network,
                .netmask = o->addrs.netmask,
                .gateway = o->addrs.gateway,
                .dns = o->addrs.dns,
                .prefix6 = cfg.vprefix_addr6,
                .dns6 = cfg.vnameserver6,
                .published = &h->table,
        };
        h->slirp = slirp_new(&cfg, &slirp_callbacks, h);
        if (!h->slirp)
                return error_set(err, EINVAL, "libslirp refused the configuration");
        log_debug("libslirp %s, mtu %u", slirp_version_string(), (unsigned)o->mtu);

        h->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (h->epfd < 0)
                return error_set_errno(err, errno, "epoll_create1");
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = NET_EPOLL_DATA(TAG_TAP, fds->tap)};
        if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fds->tap, &ev) < 0)
                return error_set_errno(err, errno, "watch the tap device");
        if ((r = watch(h, fds->signal, TAG_SIGNAL, err)) < 0 ||
            (r = watch(h, fds->pidfd, TAG_PIDFD, err)) < 0 ||
            (r = watch(h, fds->exit_fd, TAG_EXIT, err)) < 0)
                return r;
        if (fds->control >= 0) {
                r = net_server_new(h->epfd, fds->control, TAG_CONTROL, TAG_CONN, control_handler, h,
                                   &h->server, err);
                if (r < 0)
                        return r;
        }
        h->proxy = net_proxy_new(h->epfd, TAG_PROXY);
        h->ipv6 = net_ipv6_available();
        if (!h->ipv6)
                log_debug("no ipv6 on this host (no socket binds ::1): ports are published on "
                          "ipv4 only");
        net_hostfwd_table_init(&h->table, o->addrs.guest, &fwd_ops, h);
        *ret = TAKE_PTR(h);
        return 0;
}

NetHostfwdTable *net_helper_hostfwds(NetHelper *h) {
        return &h->table;
}

const char *net_helper_exit_reason(const NetHelper *h) {
        return h->reason[0] ? h->reason : "stopped";
}

NetHelper *net_helper_free(NetHelper *h) {
        if (!h)
                return NULL;
        if (h->slirp)
                net_hostfwd_table_done(&h->table);
        net_proxy_free(h->proxy);
        while (h->backends) {
                Backend *b = h->backends;
                h->backends = b->next;
                free(b);
        }
        net_server_free(h->server);
        if (h->slirp)
                slirp_cleanup(h->slirp);
        while (h->timers) {
                Timer *t = h->timers;
                h->timers = t->next;
                free(t);
        }
        safe_close(h->epfd);
        free(h->reg);
        free(h->seen);
        free(h->revents);
        free(h->regfds);
        free(h->pollfds);
        free(h->pkt);
        free(h->fix);
        free(h);
        return NULL;
}

/* ---- the loop ---- */

static void read_tap(NetHelper *h) {
        for (int i = 0; i < h->tap_batch; i++) {
                ssize_t n = read(h->fds.tap, h->pkt, h->pkt_size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return; /* EAGAIN: drained */
                }
                if (n == 0)
                        return;
                uint8_t reply[NET_FILTER_REPLY_MAX];
                size_t reply_len = 0;
                switch (net_filter_guest_frame(&h->filter, h->pkt, (size_t)n, reply, &reply_len)) {
                case NET_FILTER_PASS:
                        slirp_input(h->slirp, h->pkt, (int)n);
                        break;
                case NET_FILTER_REJECT:
                        (void)cb_send_packet(reply, reply_len, h);
                        break;
                case NET_FILTER_DROP:
                        break;
                }
        }
}

static int64_t run_timers(NetHelper *h) {
        int64_t now = now_ns() / 1000000, next = INT64_MAX;
        bool again = true;
        while (again) {
                again = false;
                for (Timer *t = h->timers; t; t = t->next) {
                        if (!t->armed)
                                continue;
                        if (t->expire_ms <= now) {
                                t->armed = false;
                                if (t->opaque_kind)
                                        slirp_handle_timer(h->slirp, t->id, t->cb_opaque);
                                else
                                        t->cb(t->cb_opaque);
                                again = true; /* the list may have changed */
                                break;
                        }
                }
        }
        for (Timer *t = h->timers; t; t = t->next)
                if (t->armed)
                        next = MIN(next, t->expire_ms - now);
        return next;
}

static void on_signal(NetHelper *h) {
        struct signalfd_siginfo si;
        if (read(h->fds.signal, &si, sizeof(si)) != sizeof(si))
                return;
        const char *name = signal_name((int)si.ssi_signo);
        snprintf(h->reason, sizeof(h->reason), "signal %s", name ? name : "?");
        h->quit = true;
}

int net_helper_run(NetHelper *h, WarrenError **err) {
        struct epoll_event evs[MAX_EVENTS];

        while (!h->quit) {
                uint32_t timeout = 1000;
                h->gen++;
                h->n_pollfds = 0;
                slirp_pollfds_fill(h->slirp, &timeout, cb_add_poll, h);
                prune(h);
                int64_t t = run_timers(h);
                if (t < (int64_t)timeout)
                        timeout = (uint32_t)MAX(t, 0);

                int n = epoll_wait(h->epfd, evs, MAX_EVENTS, (int)timeout);
                if (n < 0) {
                        if (errno != EINTR)
                                return error_set_errno(err, errno, "epoll_wait");
                        n = 0;
                }
                bool tap_ready = false;
                for (int i = 0; i < n; i++) {
                        uint64_t d = evs[i].data.u64;
                        int fd = NET_EPOLL_FD(d);
                        switch (NET_EPOLL_TAG(d)) {
                        case TAG_SLIRP:
                                if (fd_ensure(h, fd))
                                        h->revents[fd] = evs[i].events;
                                break;
                        case TAG_TAP:
                                tap_ready = true;
                                break;
                        case TAG_CONTROL:
                                net_server_on_listen(h->server);
                                break;
                        case TAG_CONN:
                                net_server_on_conn(h->server, fd, evs[i].events);
                                break;
                        case TAG_SIGNAL:
                                on_signal(h);
                                break;
                        case TAG_PIDFD:
                                snprintf(h->reason, sizeof(h->reason), "holder process exited");
                                h->quit = true;
                                break;
                        case TAG_EXIT:
                                snprintf(h->reason, sizeof(h->reason), "exit fd closed");
                                h->quit = true;
                                break;
                        case TAG_PROXY:
                                net_proxy_on_event(h->proxy, fd, evs[i].events);
                                break;
                        }
                }
                if (tap_ready)
                        read_tap(h);
                slirp_pollfds_poll(h->slirp, 0, cb_get_revents, h);
                for (int i = 0; i < n; i++)
                        if (NET_EPOLL_TAG(evs[i].data.u64) == TAG_SLIRP) {
                                int fd = NET_EPOLL_FD(evs[i].data.u64);
                                if ((size_t)fd < h->cap)
                                        h->revents[fd] = 0;
                        }
                (void)run_timers(h);
                int64_t now = now_ns() / 1000000;
                if (now - h->last_expire_ms >= 1000) {
                        if (h->server)
                                net_server_expire(h->server, now);
                        net_proxy_expire(h->proxy, now);
                        h->last_expire_ms = now;
                }
        }
        return 0;
}
