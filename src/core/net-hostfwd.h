/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The helper's table of published ports. The table is pure logic: ids, ranges expanded into
 * entries, duplicate checks, rollback of a half-added range. The actual forwarding (bind a host
 * socket, libslirp's hostfwd) is behind NetHostfwdOps, so the unit tests and the fuzz harness
 * drive the table with fakes.
 */

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/net-portspec.h"

#define NET_HOSTFWD_MAX 4096

typedef struct NetHostfwd {
        uint32_t id;
        NetProto proto;
        struct in_addr host_addr;
        uint16_t host_port; /* the real port, also when 0 was asked for */
        struct in_addr guest_addr;
        uint16_t guest_port;
} NetHostfwd;

typedef struct NetHostfwdOps {
        /* Start forwarding. fwd->host_port may be 0: pick a free port and store it. A port in
         * use is EADDRINUSE with a message naming it. */
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
/* Removes every forward through ops (errors ignored) and frees the table. */
void net_hostfwd_table_done(NetHostfwdTable *t);

/* Add every port of `spec` (guest_addr INADDR_ANY: the default guest). All or nothing: on an
 * error the entries added so far are removed again. *ret_first is the first new entry's index
 * (the entries are t->items[*ret_first .. t->n - 1]). */
int net_hostfwd_add(NetHostfwdTable *t, const NetPortSpec *spec, struct in_addr guest_addr,
                    size_t *ret_first, WarrenError **err);
/* ENOENT when no entry has `id`. */
int net_hostfwd_remove(NetHostfwdTable *t, uint32_t id, WarrenError **err);
const NetHostfwd *net_hostfwd_find(const NetHostfwdTable *t, uint32_t id);
