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

int net_port_spec_parse(const char *s, NetPortSpec *ret, WarrenError **err) {
        NetPortSpec p = {.proto = NET_PROTO_TCP, .host_addr.s_addr = htonl(INADDR_ANY)};
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
        size_t colons = 0;
        for (const char *c = buf; *c; c++)
                colons += *c == ':';
        if (buf[0] == '[' || colons > 2)
                return error_set(err, ENOTSUP, "port `%s`: ipv6 host addresses are not supported",
                                 s);

        /* split on ':' into at most three fields: [hostip:]hostport:containerport */
        char *fields[3] = {};
        size_t n = 0;
        char *cur = buf;
        for (;;) {
                char *colon = strchr(cur, ':');
                if (n == 3)
                        return error_set(err, EINVAL,
                                         "port `%s`: expected [hostip:]hostport:containerport", s);
                fields[n++] = cur;
                if (!colon)
                        break;
                *colon = '\0';
                cur = colon + 1;
        }

        const char *host_ip = NULL, *host_port = NULL, *container_port;
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

        if (host_ip && *host_ip && net_ipv4_parse(host_ip, &p.host_addr) < 0)
                return error_set(err, EINVAL, "port `%s`: invalid host address `%s`", s, host_ip);

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
        char ip[INET_ADDRSTRLEN + 1] = "";
        if (p->host_addr.s_addr != htonl(INADDR_ANY)) {
                inet_ntop(AF_INET, &p->host_addr, ip, sizeof(ip) - 1);
                strcat(ip, ":");
        }
        if (p->count > 1)
                return xasprintf("%s%u-%u:%u-%u/%s", ip, (unsigned)p->host_port,
                                 (unsigned)p->host_port + p->count - 1, (unsigned)p->container_port,
                                 (unsigned)p->container_port + p->count - 1,
                                 net_proto_to_string(p->proto));
        return xasprintf("%s%u:%u/%s", ip, (unsigned)p->host_port, (unsigned)p->container_port,
                         net_proto_to_string(p->proto));
}
