/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The host-loopback policy, applied to frames from the tap before libslirp sees them.
 *
 * libslirp's own disable_host_loopback also drops the replies a published UDP service sends to
 * a client on the host's loopback (the client shows as the gateway, so the reply is "to the
 * host's loopback"), which breaks UDP port publishing for local clients. So the helper runs
 * libslirp with host loopback on and enforces the policy here instead, when allow_host_loopback
 * is off. libslirp maps to the host's loopback: the gateway, 255.255.255.255 and (in older
 * libslirp) any other address of the virtual network, and for IPv6 the whole fd00::/64 prefix
 * and ff02::1. Towards those addresses:
 *   - a TCP SYN (a new connection) is refused: IPv4 gets a RST back at once, IPv6 is dropped;
 *   - UDP is dropped unless its source port is a published UDP port (a service's reply) or it
 *     is DHCP/TFTP, which libslirp answers itself;
 *   - the DNS address passes for port 53 only;
 *   - everything else passes (ICMP, which libslirp answers itself, and the packets of
 *     connections the host opened to a published port).
 * Frames the other way, from libslirp to the tap, go through net_filter_host_frame() (below).
 * Pure logic, no syscalls.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net-hostfwd.h"

typedef enum NetFilterVerdict {
        NET_FILTER_PASS,
        NET_FILTER_DROP,
        NET_FILTER_REJECT, /* drop, and send the reply frame the filter built */
} NetFilterVerdict;

typedef struct NetFilter {
        bool block_host_loopback;
        struct in_addr network; /* 10.0.2.0 */
        struct in_addr netmask;
        struct in_addr gateway;           /* 10.0.2.2 */
        struct in_addr dns;               /* 10.0.2.3 */
        struct in6_addr prefix6;          /* fd00::/64 */
        struct in6_addr dns6;             /* fd00::3 */
        const NetHostfwdTable *published; /* for UDP replies; may be NULL */
} NetFilter;

#define NET_FILTER_REPLY_MAX 64

/* `reply` (NET_FILTER_REPLY_MAX bytes) receives the frame for NET_FILTER_REJECT. */
NetFilterVerdict net_filter_guest_frame(const NetFilter *f, const uint8_t *frame, size_t len,
                                        uint8_t *reply, size_t *ret_reply_len);

/*
 * A frame libslirp sends to the guest. A UDP datagram from the host's loopback must reach the
 * guest from the gateway (127.0.0.1 inside is the guest's own loopback, and the guest's kernel
 * drops a loopback source arriving on tap0 as a martian). libslirp 4.7 decides that per socket,
 * not per datagram: sotranslate_in() rewrites 127.0.0.1 to the gateway only while the socket's
 * last guest-side peer (so_faddr, set by every datagram the guest sends through it) lies in the
 * virtual network. So once a published UDP port has answered a client on another network, the
 * next client on the host's loopback reached the guest as 127.0.0.1 and got no reply.
 *
 * When `frame` is such a datagram (IPv4, UDP, source 127.0.0.1) and fits `out_size`, its copy
 * with the gateway as source (IP and UDP checksums updated) is written to `out` and its length
 * returned; otherwise 0: send `frame` as it is. The guest's reply to the gateway then goes back
 * to 127.0.0.1 and the client's port, as libslirp does for every reply to the gateway.
 */
size_t net_filter_host_frame(const NetFilter *f, const uint8_t *frame, size_t len, uint8_t *out,
                             size_t out_size);
