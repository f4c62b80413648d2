/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-hostfwd.h"

#include <arpa/inet.h>

#include "basic/log.h"
#include "basic/xalloc.h"

void net_hostfwd_table_init(NetHostfwdTable *t, struct in_addr default_guest,
                            const NetHostfwdOps *ops, void *userdata) {
        *t = (NetHostfwdTable){
                .next_id = 1,
                .default_guest = default_guest,
                .ops = ops,
                .userdata = userdata,
        };
}

void net_hostfwd_table_done(NetHostfwdTable *t) {
        /* the newest first: a proxied entry goes before the entry its proxy goes through */
        for (size_t i = t->n; i > 0; i--)
                if (t->ops && t->ops->remove)
                        (void)t->ops->remove(t->userdata, &t->items[i - 1], NULL);
        free(t->items);
        t->items = NULL;
        t->n = 0;
}

static bool overlaps(const NetHostfwd *a, const NetHostfwd *b) {
        if (a->proto != b->proto || a->host_port != b->host_port ||
            a->host_addr.family != b->host_addr.family)
                return false;
        /* 0.0.0.0 covers every IPv4 address, [::] every IPv6 one */
        return net_host_addr_equal(&a->host_addr, &b->host_addr) ||
               net_host_addr_is_any(&a->host_addr) || net_host_addr_is_any(&b->host_addr);
}

static bool has_entry_for(const NetHostfwdTable *t, NetProto proto, struct in_addr guest_addr,
                          uint16_t guest_port) {
        for (size_t i = 0; i < t->n; i++)
                if (t->items[i].proto == proto && t->items[i].guest_port == guest_port &&
                    t->items[i].guest_addr.s_addr == guest_addr.s_addr)
                        return true;
        return false;
}

const NetHostfwd *net_hostfwd_find_direct(const NetHostfwdTable *t, NetProto proto,
                                          struct in_addr guest_addr, uint16_t guest_port) {
        for (size_t i = 0; i < t->n; i++)
                if (!t->items[i].proxied && t->items[i].proto == proto &&
                    t->items[i].guest_port == guest_port &&
                    t->items[i].guest_addr.s_addr == guest_addr.s_addr)
                        return &t->items[i];
        return NULL;
}

static void drop_last(NetHostfwdTable *t, size_t keep) {
        while (t->n > keep) {
                NetHostfwd *f = &t->items[--t->n];
                if (t->ops && t->ops->remove)
                        (void)t->ops->remove(t->userdata, f, NULL);
        }
}

/* Every port of `spec` on one host address, from host port `port` (0: picked). On an error
 * the entries this call added are removed again. */
static int add_run(NetHostfwdTable *t, const NetPortSpec *spec, const NetHostAddr *addr,
                   uint16_t port, struct in_addr guest_addr, bool optional, WarrenError **err) {
        size_t first = t->n;
        char ip[NET_HOST_ADDR_STRLEN];

        t->items = xreallocarray(t->items, t->n + spec->count, sizeof(*t->items));
        for (uint32_t i = 0; i < spec->count; i++) {
                NetHostfwd f = {
                        .id = t->next_id,
                        .proto = spec->proto,
                        .host_addr = *addr,
                        .host_port = port ? (uint16_t)(port + i) : 0,
                        .guest_addr = guest_addr,
                        .guest_port = (uint16_t)(spec->container_port + i),
                        .optional = optional,
                };
                f.proxied = addr->family == AF_INET6 ||
                            (f.proto == NET_PROTO_UDP &&
                             has_entry_for(t, f.proto, f.guest_addr, f.guest_port));
                if (f.host_port != 0)
                        for (size_t j = 0; j < t->n; j++)
                                if (overlaps(&t->items[j], &f)) {
                                        drop_last(t, first);
                                        return error_set(
                                                err, EADDRINUSE,
                                                "host port `%s:%u/%s` is already "
                                                "published (id %u)",
                                                net_host_addr_format(&f.host_addr, true, ip),
                                                (unsigned)f.host_port, net_proto_to_string(f.proto),
                                                (unsigned)t->items[j].id);
                                }
                if (t->ops && t->ops->add) {
                        int r = t->ops->add(t->userdata, &f, err);
                        if (r < 0) {
                                drop_last(t, first);
                                return r;
                        }
                }
                t->next_id++;
                t->items[t->n++] = f;
        }
        return 0;
}

int net_hostfwd_add(NetHostfwdTable *t, const NetPortSpec *spec, struct in_addr guest_addr,
                    size_t *ret_first, WarrenError **err) {
        size_t first = t->n;
        bool both = spec->host_addr.family == AF_UNSPEC;
        int r;

        if (spec->count == 0 || spec->container_port == 0)
                return error_set(err, EINVAL, "invalid port specification");
        if (t->n + (size_t)spec->count * (both ? 2 : 1) > NET_HOSTFWD_MAX)
                return error_set(err, E2BIG, "too many published ports (at most %d)",
                                 NET_HOSTFWD_MAX);
        if ((uint32_t)spec->host_port + spec->count - 1 > 65535 ||
            (uint32_t)spec->container_port + spec->count - 1 > 65535)
                return error_set(err, ERANGE, "port range beyond 65535");
        if (guest_addr.s_addr == htonl(INADDR_ANY))
                guest_addr = t->default_guest;

        if (!both) {
                r = add_run(t, spec, &spec->host_addr, spec->host_port, guest_addr, false, err);
                if (r < 0)
                        return r;
        } else {
                /* every address: 0.0.0.0 first (its entries keep libslirp's own sockets), then
                 * [::] on the same ports */
                const NetHostAddr any4 = {.family = AF_INET}, any6 = {.family = AF_INET6};
                for (unsigned attempt = 1;; attempt++) {
                        r = add_run(t, spec, &any4, spec->host_port, guest_addr, false, err);
                        if (r < 0)
                                return r;
                        _cleanup_error_ WarrenError *err6 = NULL;
                        r = add_run(t, spec, &any6, t->items[first].host_port, guest_addr, true,
                                    &err6);
                        if (r >= 0)
                                break;
                        if (r == -EAFNOSUPPORT) {
                                _cleanup_free_ char *text = net_port_spec_format(spec);
                                log_debug("publish `%s` on 0.0.0.0 only: %s", text,
                                          err6 ? err6->msg : "no ipv6");
                                break;
                        }
                        drop_last(t, first);
                        /* a port picked on 0.0.0.0 may be taken on [::]: pick another */
                        if (r == -EADDRINUSE && spec->host_port == 0 &&
                            attempt < NET_HOSTFWD_PICK_TRIES)
                                continue;
                        if (err && err6)
                                *err = TAKE_PTR(err6);
                        return r;
                }
        }
        if (ret_first)
                *ret_first = first;
        return 0;
}

const NetHostfwd *net_hostfwd_find(const NetHostfwdTable *t, uint32_t id) {
        for (size_t i = 0; i < t->n; i++)
                if (t->items[i].id == id)
                        return &t->items[i];
        return NULL;
}

int net_hostfwd_remove(NetHostfwdTable *t, uint32_t id, WarrenError **err) {
        for (size_t i = 0; i < t->n; i++) {
                if (t->items[i].id != id)
                        continue;
                if (t->ops && t->ops->remove) {
                        int r = t->ops->remove(t->userdata, &t->items[i], err);
                        if (r < 0)
                                return r;
                }
                memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof(*t->items));
                t->n--;
                return 0;
        }
        return error_set(err, ENOENT, "no published port with id `%u`", (unsigned)id);
}
