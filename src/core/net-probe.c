/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-probe.h"

#include <arpa/inet.h>
#include <sys/socket.h>

static socklen_t to_sockaddr(const NetHostAddr *addr, uint16_t port, struct sockaddr_storage *ss) {
        memset(ss, 0, sizeof(*ss));
        if (addr->family == AF_INET6) {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
                s6->sin6_family = AF_INET6;
                s6->sin6_addr = addr->in6;
                s6->sin6_port = htons(port);
                return sizeof(*s6);
        }
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_addr = addr->in;
        s4->sin_port = htons(port);
        return sizeof(*s4);
}

int net_port_bind(NetProto proto, const NetHostAddr *addr, uint16_t port, uint16_t *ret_port,
                  WarrenError **err) {
        char ip[NET_HOST_ADDR_STRLEN], bare[NET_HOST_ADDR_STRLEN];
        const char *p = net_proto_to_string(proto);
        int family = addr->family == AF_INET6 ? AF_INET6 : AF_INET;
        net_host_addr_format(addr, true, ip);
        net_host_addr_format(addr, false, bare);

        _cleanup_close_ int fd = socket(family,
                                        (proto == NET_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) |
                                                SOCK_CLOEXEC | SOCK_NONBLOCK,
                                        0);
        if (fd < 0) {
                if (errno == EAFNOSUPPORT)
                        return error_set(err, errno,
                                         "host address `%s`: ipv6 is not available "
                                         "on this host",
                                         bare);
                return error_set_errno(err, errno, "socket");
        }
        int one = 1;
        if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
                return error_set_errno(err, errno, "set IPV6_V6ONLY");
        /* libslirp's listening sockets use SO_REUSEADDR: TIME_WAIT is no conflict */
        if (proto == NET_PROTO_TCP)
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_storage ss;
        socklen_t len = to_sockaddr(addr, port, &ss);
        if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
            (proto == NET_PROTO_TCP && listen(fd, SOMAXCONN) < 0)) {
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
                        return error_set(err, e, "host address `%s` is not on this host", bare);
                return error_set_errno(err, e, "bind host port `%s:%u/%s`", ip, (unsigned)port, p);
        }
        len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
                return error_set_errno(err, errno, "getsockname");
        if (ret_port)
                *ret_port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
        return TAKE_FD(fd);
}

int net_port_probe(NetProto proto, const NetHostAddr *addr, uint16_t port, uint16_t *ret_port,
                   WarrenError **err) {
        int fd = net_port_bind(proto, addr, port, ret_port, err);
        if (fd < 0)
                return fd;
        safe_close(fd);
        return 0;
}

bool net_ipv6_available(void) {
        NetHostAddr lo = {.family = AF_INET6, .in6 = IN6ADDR_LOOPBACK_INIT};
        int fd = net_port_bind(NET_PROTO_UDP, &lo, 0, NULL, NULL);
        if (fd < 0)
                return false;
        safe_close(fd);
        return true;
}
