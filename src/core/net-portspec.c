/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-portspec.h"

#include <arpa/inet.h>
#include <strings.h>

#include "basic/parse-util.h"
#include "basic/xalloc.h"

const char *net_proto_to_string(NetProto p) {
        return p == NET_PROTO_UDP ? "udp" : "tcp";
}

int net_proto_from_string(const char *s, NetProto *ret) {
        if (strcasecmp(s, "tcp") == 0)
                *ret = NET_PROTO_TCP;
        else if (strcasecmp(s, "udp") == 0)
                *ret = NET_PROTO_UDP;
        else
                return -EINVAL;
        return 0;
}

int net_port_parse(const char *s, bool zero_ok, uint16_t *ret) {
        uint32_t v;
        int r = safe_atou32(s, &v);
        if (r < 0)
                return r;
        if (v > 65535)
                return -ERANGE;
        if (v == 0 && !zero_ok)
                return -ERANGE;
        *ret = (uint16_t)v;
        return 0;
}

int net_ipv4_parse(const char *s, struct in_addr *ret) {
        /* inet_pton(AF_INET) accepts exactly the dotted-quad form, no shorthands */
        struct in_addr a;
        if (inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = a;
        return 0;
}

/* "80" or "80-82" into start and count. */
static int parse_range(const char *s, bool zero_ok, uint16_t *ret_start, uint16_t *ret_count) {
        const char *dash = strchr(s, '-');
        if (!dash) {
                uint16_t p;
                int r = net_port_parse(s, zero_ok, &p);
                if (r < 0)
                        return r;
                *ret_start = p;
                *ret_count = 1;
                return 0;
        }
        _cleanup_free_ char *a = xstrndup(s, (size_t)(dash - s));
        uint16_t lo, hi;
        int r = net_port_parse(a, false, &lo);
        if (r < 0)
                return r;
        r = net_port_parse(dash + 1, false, &hi);
        if (r < 0)
                return r;
        if (hi < lo)
                return -ERANGE;
        *ret_start = lo;
        *ret_count = (uint16_t)(hi - lo + 1);
        return 0;
}

int net_host_addr_parse(const char *s, NetHostAddr *ret, WarrenError **err) {
        NetHostAddr a = {};
        if (strchr(s, '%'))
                return error_set(err, EINVAL, "host address `%s`: zone ids are not supported", s);
        if (inet_pton(AF_INET, s, &a.in) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, s, &a.in6) == 1) {
                a.family = AF_INET6;
                if (IN6_IS_ADDR_V4MAPPED(&a.in6)) {
                        /* ::ffff:1.2.3.4 is 1.2.3.4, as docker reads it */
                        struct in_addr v4;
                        memcpy(&v4, &a.in6.s6_addr[12], sizeof(v4));
                        a = (NetHostAddr){.family = AF_INET, .in = v4};
                } else if (IN6_IS_ADDR_LINKLOCAL(&a.in6))
                        return error_set(err, EINVAL,
                                         "host address `%s`: link-local addresses are not "
                                         "supported (they need a zone id)",
                                         s);
        } else
                return error_set(err, EINVAL, "invalid host address `%s`", s);
        *ret = a;
        return 0;
}

const char *net_host_addr_format(const NetHostAddr *a, bool brackets, char *buf) {
        buf[0] = '\0';
        if (a->family == AF_INET)
                inet_ntop(AF_INET, &a->in, buf, NET_HOST_ADDR_STRLEN);
        else if (a->family == AF_INET6) {
                char *p = buf + (brackets ? 1 : 0);
                inet_ntop(AF_INET6, &a->in6, p, INET6_ADDRSTRLEN);
                if (brackets) {
                        buf[0] = '[';
                        strcat(buf, "]");
                }
        }
        return buf;
}

bool net_host_addr_is_any(const NetHostAddr *a) {
        if (a->family == AF_INET)
                return a->in.s_addr == htonl(INADDR_ANY);
        if (a->family == AF_INET6)
                return IN6_IS_ADDR_UNSPECIFIED(&a->in6);
        return false;
}

bool net_host_addr_equal(const NetHostAddr *a, const NetHostAddr *b) {
        if (a->family != b->family)
                return false;
        if (a->family == AF_INET)
                return a->in.s_addr == b->in.s_addr;
        if (a->family == AF_INET6)
                return IN6_ARE_ADDR_EQUAL(&a->in6, &b->in6);
        return true;
}

/* Split `s` on ':' into exactly `n` fields (in place). */
static bool split_fields(char *s, char **fields, size_t n) {
        for (size_t i = 0; i < n; i++) {
                fields[i] = s;
                char *colon = strchr(s, ':');
                if (i == n - 1)
                        return !colon;
                if (!colon)
                        return false;
                *colon = '\0';
                s = colon + 1;
        }
        return false;
}

int net_port_spec_parse(const char *s, NetPortSpec *ret, WarrenError **err) {
        NetPortSpec p = {.proto = NET_PROTO_TCP, .host_addr.family = AF_UNSPEC};
        int r;

        if (!s || !*s)
                return error_set(err, EINVAL, "empty port specification");
        if (strlen(s) > 128)
                return error_set(err, EINVAL, "port specification too long");

        _cleanup_free_ char *buf = xstrdup(s);
        char *slash = strrchr(buf, '/');
        if (slash) {
                *slash = '\0';
                if (net_proto_from_string(slash + 1, &p.proto) < 0)
                        return error_set(err, EINVAL,
                                         "port `%s`: unknown protocol `%s` (tcp or udp)", s,
                                         slash + 1);
        }

        /* [hostip:]hostport:containerport, an IPv6 hostip in brackets */
        const char *host_ip = NULL, *host_port = NULL, *container_port;
        char *fields[3] = {};
        if (buf[0] == '[') {
                char *close = strchr(buf, ']');
                if (!close)
                        return error_set(err, EINVAL,
                                         "port `%s`: missing `]` after the host address", s);
                *close = '\0';
                if (close[1] != ':' || !split_fields(close + 2, fields, 2))
                        return error_set(err, EINVAL,
                                         "port `%s`: expected [hostip]:hostport:containerport", s);
                host_ip = buf + 1;
                host_port = fields[0];
                container_port = fields[1];
                if (!*host_ip)
                        return error_set(err, EINVAL, "port `%s`: empty host address", s);
        } else {
                size_t colons = 0;
                for (const char *c = buf; *c; c++)
                        colons += *c == ':';
                if (colons > 2) {
                        /* docker reads the fields before the last two as the address; say
                         * where the brackets go */
                        char *cp = strrchr(buf, ':');
                        *cp = '\0';
                        char *hp = strrchr(buf, ':');
                        *hp = '\0';
                        NetHostAddr a;
                        if (net_host_addr_parse(buf, &a, NULL) == 0)
                                return error_set(err, EINVAL,
                                                 "port `%s`: an ipv6 host address goes in "
                                                 "brackets: `[%s]:%s:%s%s%s`",
                                                 s, buf, hp + 1, cp + 1, slash ? "/" : "",
                                                 slash ? slash + 1 : "");
                        return error_set(err, EINVAL,
                                         "port `%s`: expected [hostip:]hostport:containerport", s);
                }
                size_t n = colons + 1;
                split_fields(buf, fields, n);
                if (n == 1)
                        container_port = fields[0];
                else if (n == 2) {
                        host_port = fields[0];
                        container_port = fields[1];
                } else {
                        host_ip = fields[0];
                        host_port = fields[1];
                        container_port = fields[2];
                }
        }

        if (host_ip && *host_ip) {
                r = net_host_addr_parse(host_ip, &p.host_addr, err);
                if (r < 0)
                        return error_prefix(err, r, "port `%s`", s);
        }

        uint16_t cstart, ccount;
        r = parse_range(container_port, false, &cstart, &ccount);
        if (r < 0)
                return error_set(err, EINVAL, "port `%s`: invalid container port `%s`", s,
                                 container_port);

        uint16_t hstart = 0, hcount = 1;
        if (host_port && *host_port) {
                r = parse_range(host_port, true, &hstart, &hcount);
                if (r < 0)
                        return error_set(err, EINVAL, "port `%s`: invalid host port `%s`", s,
                                         host_port);
        } else
                hcount = ccount;

        if (hstart == 0) {
                if (ccount != 1)
                        return error_set(err, EINVAL,
                                         "port `%s`: a picked host port (0) cannot be a range", s);
                hcount = 1;
        }
        if (hcount != ccount)
                return error_set(err, EINVAL,
                                 "port `%s`: host range has %u ports, container range %u", s,
                                 (unsigned)hcount, (unsigned)ccount);

        p.host_port = hstart;
        p.container_port = cstart;
        p.count = ccount;
        *ret = p;
        return 0;
}

char *net_port_spec_format(const NetPortSpec *p) {
        char ip[NET_HOST_ADDR_STRLEN + 1];
        net_host_addr_format(&p->host_addr, true, ip);
        if (*ip)
                strcat(ip, ":");
        if (p->count > 1)
                return xasprintf("%s%u-%u:%u-%u/%s", ip, (unsigned)p->host_port,
                                 (unsigned)p->host_port + p->count - 1, (unsigned)p->container_port,
                                 (unsigned)p->container_port + p->count - 1,
                                 net_proto_to_string(p->proto));
        return xasprintf("%s%u:%u/%s", ip, (unsigned)p->host_port, (unsigned)p->container_port,
                         net_proto_to_string(p->proto));
}
