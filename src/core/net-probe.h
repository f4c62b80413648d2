/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Binding host ports: checking one before libslirp binds it, so that a port in use or a
 * privileged port gives a clear error (libslirp only says "failed"), picking a free one for
 * host port 0, and the sockets of the helper's own proxy (docs/networking.md). */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/net-portspec.h"

/* A non-blocking socket bound to addr:port (listening, for TCP) with the options libslirp uses:
 * SO_REUSEADDR for TCP, none for UDP, IPV6_V6ONLY for IPv6 (so 0.0.0.0 and [::] are separate
 * sockets). Port 0: *ret_port gets the port the kernel picked. Returns the fd. EADDRINUSE,
 * EACCES, EADDRNOTAVAIL and EAFNOSUPPORT come with messages naming the port. */
int net_port_bind(NetProto proto, const NetHostAddr *addr, uint16_t port, uint16_t *ret_port,
                  WarrenError **err);
/* net_port_bind() and close: the port was free (and *ret_port, for port 0, free then). */
int net_port_probe(NetProto proto, const NetHostAddr *addr, uint16_t port, uint16_t *ret_port,
                   WarrenError **err);
/* Whether the host has IPv6 to publish ports on: an IPv6 socket can be bound to ::1 (not so
 * with the kernel's ipv6.disable=1, nor with net.ipv6.conf.lo.disable_ipv6=1). */
bool net_ipv6_available(void);
