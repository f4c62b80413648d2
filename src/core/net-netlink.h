/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Minimal rtnetlink for the tap setup inside the target namespace: link up and MTU, addresses,
 * a default route. Works on the calling thread's current network namespace; no `ip` binary.
 */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

/* An NETLINK_ROUTE socket (O_CLOEXEC). */
int net_netlink_open(WarrenError **err);
/* Set IFF_UP (and the MTU when `mtu` > 0). */
int net_netlink_link_up(int nl, int ifindex, uint32_t mtu, WarrenError **err);
/* Add an address (AF_INET: 4 bytes, AF_INET6: 16 bytes); IPv6 addresses skip DAD. */
int net_netlink_addr_add(int nl, int ifindex, int family, const void *addr, unsigned prefix,
                         WarrenError **err);
/* Add a default route via `gateway`. */
int net_netlink_route_add_default(int nl, int ifindex, int family, const void *gateway,
                                  WarrenError **err);
