/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The helper's table of published ports. The table is pure logic: ids, ranges expanded into
 * entries, a spec without host address expanded into 0.0.0.0 and [::], duplicate checks,
 * rollback of a half-added spec, and which entries the helper's proxy serves. The actual
 * forwarding (bind a host socket, libslirp's hostfwd, the proxy) is behind NetHostfwdOps, so the
 * unit tests and the fuzz harness drive the table with fakes.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/net-portspec.h"

#define NET_HOSTFWD_MAX 4096
/* Host port 0 without host address: how often a port the kernel picked on 0.0.0.0 that is
 * taken on [::] is given back for another */
#define NET_HOSTFWD_PICK_TRIES 8

typedef struct NetHostfwd {
        uint32_t id;
        NetProto proto;
        NetHostAddr host_addr; /* AF_INET or AF_INET6 */
        uint16_t host_port;    /* the real port, also when 0 was asked for */
        struct in_addr guest_addr;
        uint16_t guest_port;
        /* Served by the helper's proxy, not by a libslirp host socket of its own; the proxy
         * reaches the container through the libslirp socket of an IPv4 entry of the same
         * container port (or one of its own on 127.0.0.1). So are: every IPv6 host address
         * (libslirp 4.7 takes the guest side's IP version from the host socket, so an IPv6
         * host socket cannot reach an IPv4 container), and every IPv4 host port of a container
         * UDP port after the first (libslirp sends all replies of a container UDP port from
         * one host socket, the one published last). */
        bool proxied;
        /* The [::] half of a spec without host address: left out, not an error, when the ops
         * say the host has no IPv6 (EAFNOSUPPORT). */
        bool optional;
} NetHostfwd;

typedef struct NetHostfwdOps {
        /* Start forwarding. fwd->host_port may be 0: pick a free port and store it. A port in
         * use is EADDRINUSE with a message naming it; no IPv6 on the host is EAFNOSUPPORT. */
        int (*add)(void *userdata, NetHostfwd *fwd, WarrenError **err);
        int (*remove)(void *userdata, const NetHostfwd *fwd, WarrenError **err);
} NetHostfwdOps;

typedef struct NetHostfwdTable {
        NetHostfwd *items;
        size_t n;
        uint32_t next_id;
        struct in_addr default_guest; /* the container's address (10.0.2.100) */
        const NetHostfwdOps *ops;
        void *userdata;
} NetHostfwdTable;

void net_hostfwd_table_init(NetHostfwdTable *t, struct in_addr default_guest,
                            const NetHostfwdOps *ops, void *userdata);
/* Removes every forward through ops, the newest first (errors ignored), and frees the table. */
void net_hostfwd_table_done(NetHostfwdTable *t);

/* Add every port of `spec` (guest_addr INADDR_ANY: the default guest); a spec without host
 * address on 0.0.0.0 and then [::] (a picked port the same on both). All or nothing: on an
 * error the entries added so far are removed again. *ret_first is the first new entry's index
 * (the entries are t->items[*ret_first .. t->n - 1]). */
int net_hostfwd_add(NetHostfwdTable *t, const NetPortSpec *spec, struct in_addr guest_addr,
                    size_t *ret_first, WarrenError **err);
/* ENOENT when no entry has `id`. */
int net_hostfwd_remove(NetHostfwdTable *t, uint32_t id, WarrenError **err);
const NetHostfwd *net_hostfwd_find(const NetHostfwdTable *t, uint32_t id);
/* The entry with a libslirp socket of its own (not proxied) for this protocol and container
 * address and port, the first one; NULL when none. */
const NetHostfwd *net_hostfwd_find_direct(const NetHostfwdTable *t, NetProto proto,
                                          struct in_addr guest_addr, uint16_t guest_port);
