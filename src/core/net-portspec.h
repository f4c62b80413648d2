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
 *
 * Host port 0 (or empty) asks the helper to pick a free port; it cannot be a range. The host
 * address is IPv4 (IPv6 host addresses are refused with ENOTSUP for now).
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

typedef enum NetProto {
        NET_PROTO_TCP,
        NET_PROTO_UDP,
} NetProto;

typedef struct NetPortSpec {
        NetProto proto;
        struct in_addr host_addr; /* INADDR_ANY when not given */
        uint16_t host_port;       /* 0: picked by the helper */
        uint16_t container_port;
        uint16_t count; /* >= 1: host_port..host_port+count-1 -> container_port.. */
} NetPortSpec;

int net_port_spec_parse(const char *s, NetPortSpec *ret, WarrenError **err);
/* The canonical text: "127.0.0.1:8080-8081:80-81/tcp" (the host address only when not any). */
char *net_port_spec_format(const NetPortSpec *p);

const char *net_proto_to_string(NetProto p);
/* "tcp" or "udp" (case-insensitive); -EINVAL otherwise. */
int net_proto_from_string(const char *s, NetProto *ret);
/* A port number 1..65535 (0 too when `zero_ok`); -EINVAL / -ERANGE. */
int net_port_parse(const char *s, bool zero_ok, uint16_t *ret);
/* Strict dotted-quad IPv4 ("1.2.3.4"); -EINVAL otherwise. */
int net_ipv4_parse(const char *s, struct in_addr *ret);
