/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The control socket's I/O: a unix stream socket (mode 0600) served from the helper's epoll
 * loop without blocking it. Each connection carries one request (ended by a newline or EOF, at
 * most NET_CONTROL_MAX_REQUEST bytes) and gets one response line; the protocol itself is
 * net-control.h. At most NET_SERVER_MAX_CONNS connections are open at once.
 */

#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

#define NET_SERVER_MAX_CONNS 16
/* A connection that has not finished its exchange after this long is closed. */
#define NET_SERVER_CONN_TIMEOUT_MS 10000

/* epoll_event.data.u64 for the loop's own fds: the tag in the high half, the fd in the low. */
#define NET_EPOLL_DATA(tag, fd) (((uint64_t)(tag) << 32) | (uint32_t)(fd))
#define NET_EPOLL_TAG(u64) ((uint32_t)((u64) >> 32))
#define NET_EPOLL_FD(u64) ((int)(uint32_t)(u64))

/* Returns the response text (malloc'd, no newline). */
typedef char *(*NetServerHandler)(void *userdata, const char *request, size_t len);

typedef struct NetServer NetServer;

/* Bind and listen on `path` (a stale socket there is replaced), mode 0600. */
int net_server_listen(const char *path, WarrenError **err);
/* The server registers the listening socket and its connections on `epfd`, tagged
 * `tag_listen` and `tag_conn`; the loop calls back with events for those tags. */
int net_server_new(int epfd, int listen_fd, uint32_t tag_listen, uint32_t tag_conn,
                   NetServerHandler handler, void *userdata, NetServer **ret, WarrenError **err);
void net_server_on_listen(NetServer *s);
void net_server_on_conn(NetServer *s, int fd, uint32_t events);
/* Close connections older than NET_SERVER_CONN_TIMEOUT_MS; `now_ms` is CLOCK_MONOTONIC. The
 * loop calls this at least once a second. */
void net_server_expire(NetServer *s, int64_t now_ms);
NetServer *net_server_free(NetServer *s);

/* Client side (warren-net control): send `request`, return the response (without newline). */
int net_server_request(const char *path, const char *request, char **ret_response,
                       WarrenError **err);
