/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The helper's own proxy, for the published ports libslirp cannot serve with a host socket of
 * their own (NetHostfwd.proxied, docs/networking.md "IPv6 host addresses"): it binds the host
 * address and port itself and relays to `target`, an IPv4 address and port on the host where a
 * libslirp socket forwards to the container. The container sees the proxy's connections and
 * datagrams as a client on the host's loopback (10.0.2.2), as docker's userland proxy shows
 * them from the bridge's gateway.
 *
 *   TCP: each accepted connection gets a non-blocking connection to `target`; bytes are copied
 *        both ways (up to 64 KiB per direction in flight, buffered only while in flight), a
 *        half-close is passed on, an error on either side closes both.
 *   UDP: each client (address and port) gets a socket connected to `target`, so replies come
 *        back to the client that asked; a client idle for NET_PROXY_UDP_IDLE_MS is forgotten,
 *        and at most NET_PROXY_UDP_FLOWS are kept per port (the least recently used goes).
 *
 * Everything runs on the helper's epoll set: every fd is registered with the tag given at
 * creation, and the loop hands those events to net_proxy_on_event().
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/net-portspec.h"

#define NET_PROXY_MAX_CONNS 1024
#define NET_PROXY_UDP_FLOWS 256
#define NET_PROXY_UDP_IDLE_MS (90 * 1000)

typedef struct NetProxy NetProxy;

NetProxy *net_proxy_new(int epfd, uint32_t tag);
NetProxy *net_proxy_free(NetProxy *p);

/* Serve published port `id`: bind addr:*port (0: picked, stored back) and relay to `target`.
 * `cookie` is the caller's, handed back by net_proxy_remove(). Errors name the host port. */
int net_proxy_add(NetProxy *p, uint32_t id, NetProto proto, const NetHostAddr *addr, uint16_t *port,
                  const struct sockaddr_in *target, void *cookie, WarrenError **err);
/* Stop serving `id`: its socket, connections and flows close. Returns its cookie. */
void *net_proxy_remove(NetProxy *p, uint32_t id);
/* How many served ports relay to `target` over `proto`. */
size_t net_proxy_users(const NetProxy *p, NetProto proto, const struct sockaddr_in *target);

void net_proxy_on_event(NetProxy *p, int fd, uint32_t events);
/* Forget idle UDP clients; call about once a second. `now_ms` is CLOCK_MONOTONIC. */
void net_proxy_expire(NetProxy *p, int64_t now_ms);
