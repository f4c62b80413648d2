/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Checking a host port before libslirp binds it, so that a port in use or a privileged port
 * gives a clear error (libslirp only says "failed"), and picking a free one for host port 0. */

#include <netinet/in.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/net-portspec.h"

/* Bind (and listen, for TCP) a throwaway socket on addr:port with the options libslirp uses.
 * Port 0: *ret_port gets the port the kernel picked. EADDRINUSE, EACCES and EADDRNOTAVAIL come
 * with messages naming the port. */
int net_port_probe(NetProto proto, struct in_addr addr, uint16_t port, uint16_t *ret_port,
                   WarrenError **err);
