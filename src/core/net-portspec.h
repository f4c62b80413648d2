/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Published ports: `[hostip:]hostport:containerport[/tcp|/udp]`, as docker's and podman's -p.
 * Pure logic, no syscalls.
 *
 *   80                     host port picked by the helper (0), container port 80
 *   8080:80                every host address, port 8080
 *   127.0.0.1:8080:80/udp  one host address, UDP
 *   127.0.0.1::80          one host address, host port picked (0)
 *   8080-8082:80-82        a range: both sides the same length
 *   [::1]:8080:80          an IPv6 host address, in brackets ([::]: every IPv6 address)
 *
 * Host port 0 (or empty) asks the helper to pick a free port; it cannot be a range. Without a
 * host address the port is published on every address: 0.0.0.0 and, where the host has IPv6,
 * [::] (as docker does). An IPv4-mapped address ([::ffff:127.0.0.1]) is the IPv4 address; zone
 * ids (fe80::1%eth0) and link-local addresses are refused.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

typedef enum NetProto {
        NET_PROTO_TCP,
        NET_PROTO_UDP,
} NetProto;

/* A host address. family AF_INET or AF_INET6; in a NetPortSpec AF_UNSPEC when none was given.
 * The all-zero address of either family is "every address" (0.0.0.0, ::). */
typedef struct NetHostAddr {
        int family;
        union {
                struct in_addr in;
                struct in6_addr in6;
        };
} NetHostAddr;

/* "255.255.255.255" or "ffff:...:255.255.255.255", and the brackets of the bracketed form */
#define NET_HOST_ADDR_STRLEN (INET6_ADDRSTRLEN + 2)

typedef struct NetPortSpec {
        NetProto proto;
        NetHostAddr host_addr; /* family AF_UNSPEC when not given */
        uint16_t host_port;    /* 0: picked by the helper */
        uint16_t container_port;
        uint16_t count; /* >= 1: host_port..host_port+count-1 -> container_port.. */
} NetPortSpec;

int net_port_spec_parse(const char *s, NetPortSpec *ret, WarrenError **err);
/* The canonical text: "127.0.0.1:8080-8081:80-81/tcp", "[::1]:8080:80/udp", "8080:80/tcp" (the
 * host address only when one was given). */
char *net_port_spec_format(const NetPortSpec *p);

const char *net_proto_to_string(NetProto p);
/* "tcp" or "udp" (case-insensitive); -EINVAL otherwise. */
int net_proto_from_string(const char *s, NetProto *ret);
/* A port number 1..65535 (0 too when `zero_ok`); -EINVAL / -ERANGE. */
int net_port_parse(const char *s, bool zero_ok, uint16_t *ret);
/* Strict dotted-quad IPv4 ("1.2.3.4"); -EINVAL otherwise. */
int net_ipv4_parse(const char *s, struct in_addr *ret);

/* A host address without brackets: "127.0.0.1", "::1", "::" ("::ffff:1.2.3.4" is 1.2.3.4).
 * EINVAL for anything else, with a message for zone ids and link-local addresses. */
int net_host_addr_parse(const char *s, NetHostAddr *ret, WarrenError **err);
/* "127.0.0.1", "::1"; with `brackets` an IPv6 address is "[::1]" (as before ":port"). buf has
 * NET_HOST_ADDR_STRLEN bytes. AF_UNSPEC gives "". */
const char *net_host_addr_format(const NetHostAddr *a, bool brackets, char *buf);
/* 0.0.0.0 or :: */
bool net_host_addr_is_any(const NetHostAddr *a);
bool net_host_addr_equal(const NetHostAddr *a, const NetHostAddr *b);
