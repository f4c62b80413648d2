/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-hostfwd.h"

#include <arpa/inet.h>

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
        for (size_t i = 0; i < t->n; i++)
                if (t->ops && t->ops->remove)
                        (void)t->ops->remove(t->userdata, &t->items[i], NULL);
        free(t->items);
        t->items = NULL;
        t->n = 0;
}

static bool overlaps(const NetHostfwd *a, NetProto proto, struct in_addr addr, uint16_t port) {
        if (a->proto != proto || a->host_port != port)
                return false;
        /* 0.0.0.0 covers every address */
        return a->host_addr.s_addr == addr.s_addr || a->host_addr.s_addr == htonl(INADDR_ANY) ||
               addr.s_addr == htonl(INADDR_ANY);
}

static void drop_last(NetHostfwdTable *t, size_t keep) {
        while (t->n > keep) {
                NetHostfwd *f = &t->items[--t->n];
                if (t->ops && t->ops->remove)
                        (void)t->ops->remove(t->userdata, f, NULL);
        }
}

int net_hostfwd_add(NetHostfwdTable *t, const NetPortSpec *spec, struct in_addr guest_addr,
                    size_t *ret_first, WarrenError **err) {
        size_t first = t->n;
        char ip[INET_ADDRSTRLEN];

        if (spec->count == 0 || spec->container_port == 0)
                return error_set(err, EINVAL, "invalid port specification");
        if (t->n + spec->count > NET_HOSTFWD_MAX)
                return error_set(err, E2BIG, "too many published ports (at most %d)",
                                 NET_HOSTFWD_MAX);
        if ((uint32_t)spec->host_port + spec->count - 1 > 65535 ||
            (uint32_t)spec->container_port + spec->count - 1 > 65535)
                return error_set(err, ERANGE, "port range beyond 65535");
        if (guest_addr.s_addr == htonl(INADDR_ANY))
                guest_addr = t->default_guest;

        t->items = xreallocarray(t->items, t->n + spec->count, sizeof(*t->items));
        for (uint32_t i = 0; i < spec->count; i++) {
                NetHostfwd f = {
                        .id = t->next_id,
                        .proto = spec->proto,
                        .host_addr = spec->host_addr,
                        .host_port = spec->host_port ? (uint16_t)(spec->host_port + i) : 0,
                        .guest_addr = guest_addr,
                        .guest_port = (uint16_t)(spec->container_port + i),
                };
                if (f.host_port != 0)
                        for (size_t j = 0; j < t->n; j++)
                                if (overlaps(&t->items[j], f.proto, f.host_addr, f.host_port)) {
                                        drop_last(t, first);
                                        inet_ntop(AF_INET, &f.host_addr, ip, sizeof(ip));
                                        return error_set(err, EADDRINUSE,
                                                         "host port `%s:%u/%s` is already "
                                                         "published (id %u)",
                                                         ip, (unsigned)f.host_port,
                                                         net_proto_to_string(f.proto),
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
