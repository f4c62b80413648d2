/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-probe.h"

#include <arpa/inet.h>
#include <sys/socket.h>

int net_port_probe(NetProto proto, struct in_addr addr, uint16_t port, uint16_t *ret_port,
                   WarrenError **err) {
        char ip[INET_ADDRSTRLEN];
        const char *p = net_proto_to_string(proto);
        inet_ntop(AF_INET, &addr, ip, sizeof(ip));

        _cleanup_close_ int fd = socket(
                AF_INET, (proto == NET_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (proto == NET_PROTO_TCP) {
                /* libslirp's listening sockets use SO_REUSEADDR: TIME_WAIT is no conflict */
                int one = 1;
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        }
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = addr, .sin_port = htons(port)};
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            (proto == NET_PROTO_TCP && listen(fd, 1) < 0)) {
                int e = errno;
                if (e == EADDRINUSE)
                        return error_set(err, e, "host port `%s:%u/%s` is already in use", ip,
                                         (unsigned)port, p);
                if (e == EACCES)
                        return error_set(err, e,
                                         "host port `%s:%u/%s` is privileged (see "
                                         "net.ipv4.ip_unprivileged_port_start)",
                                         ip, (unsigned)port, p);
                if (e == EADDRNOTAVAIL)
                        return error_set(err, e, "host address `%s` is not on this host", ip);
                return error_set_errno(err, e, "bind host port `%s:%u/%s`", ip, (unsigned)port, p);
        }
        socklen_t len = sizeof(sa);
        if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
                return error_set_errno(err, errno, "getsockname");
        if (ret_port)
                *ret_port = ntohs(sa.sin_port);
        return 0;
}
