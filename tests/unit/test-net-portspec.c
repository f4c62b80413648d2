/* SPDX-License-Identifier: Apache-2.0 */
/* Published-port specifications: [hostip:]hostport:containerport[/tcp|/udp], an IPv6 hostip in
 * brackets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "core/net-portspec.h"

static NetPortSpec parse_ok(const char *s) {
        _cleanup_error_ WarrenError *err = NULL;
        NetPortSpec p = {};
        int r = net_port_spec_parse(s, &p, &err);
        if (r < 0)
                fail_msg("`%s`: %s", s, err->msg);
        return p;
}

static void parse_fails(const char *s, int code, const char *needle) {
        _cleanup_error_ WarrenError *err = NULL;
        NetPortSpec p = {};
        int r = net_port_spec_parse(s, &p, &err);
        if (r >= 0)
                fail_msg("`%s` parsed", s);
        assert_int_equal(r, -code);
        assert_non_null(err);
        assert_int_equal(err->code, code);
        if (needle && !strstr(err->msg, needle))
                fail_msg("`%s`: message `%s` lacks `%s`", s, err->msg, needle);
}

static void test_simple(void **state) {
        NetPortSpec p = parse_ok("8080:80");
        assert_int_equal(p.proto, NET_PROTO_TCP);
        assert_int_equal(p.host_addr.family, AF_UNSPEC); /* every address, both families */
        assert_int_equal(p.host_port, 8080);
        assert_int_equal(p.container_port, 80);
        assert_int_equal(p.count, 1);
}

static void test_host_ip_and_proto(void **state) {
        NetPortSpec p = parse_ok("127.0.0.1:8080:80/udp");
        assert_int_equal(p.proto, NET_PROTO_UDP);
        assert_int_equal(p.host_addr.family, AF_INET);
        assert_int_equal(p.host_addr.in.s_addr, htonl(INADDR_LOOPBACK));
        assert_int_equal(p.host_port, 8080);
        p = parse_ok("10.1.2.3:53:53/TCP");
        assert_int_equal(p.proto, NET_PROTO_TCP);
        assert_int_equal(ntohl(p.host_addr.in.s_addr), 0x0a010203);
        /* 0.0.0.0 given: every IPv4 address only, as docker */
        p = parse_ok("0.0.0.0:8080:80");
        assert_int_equal(p.host_addr.family, AF_INET);
        assert_true(net_host_addr_is_any(&p.host_addr));
}

static void test_ranges(void **state) {
        NetPortSpec p = parse_ok("8080-8082:80-82");
        assert_int_equal(p.host_port, 8080);
        assert_int_equal(p.container_port, 80);
        assert_int_equal(p.count, 3);
        p = parse_ok("127.0.0.1:9000-9000:9000-9000/udp");
        assert_int_equal(p.count, 1);
        p = parse_ok("65534-65535:1-2");
        assert_int_equal(p.count, 2);
        /* a container range alone publishes the same host ports? no: host port picked only
         * for a single port */
        parse_fails("80-81", EINVAL, "cannot be a range");
        parse_fails("8080-8082:80-81", EINVAL, "host range has 3 ports");
        parse_fails("8082-8080:80-82", EINVAL, "invalid host port");
        parse_fails("8080-:80", EINVAL, "invalid host port");
        parse_fails("0-2:80-82", EINVAL, "invalid host port");
}

static void test_host_port_zero(void **state) {
        NetPortSpec p = parse_ok("80");
        assert_int_equal(p.host_port, 0);
        assert_int_equal(p.container_port, 80);
        p = parse_ok("0:80/udp");
        assert_int_equal(p.host_port, 0);
        assert_int_equal(p.proto, NET_PROTO_UDP);
        p = parse_ok("127.0.0.1::80");
        assert_int_equal(p.host_port, 0);
        assert_int_equal(p.host_addr.in.s_addr, htonl(INADDR_LOOPBACK));
        p = parse_ok(":80");
        assert_int_equal(p.host_port, 0);
}

static void test_errors(void **state) {
        parse_fails("", EINVAL, "empty");
        parse_fails("8080:0", EINVAL, "invalid container port `0`");
        parse_fails("8080:65536", EINVAL, "invalid container port");
        parse_fails("70000:80", EINVAL, "invalid host port `70000`");
        parse_fails("8080:80/sctp", EINVAL, "unknown protocol `sctp`");
        parse_fails("8080:80/", EINVAL, "unknown protocol");
        parse_fails("localhost:8080:80", EINVAL, "invalid host address `localhost`");
        parse_fails("1.2.3:8080:80", EINVAL, "invalid host address");
        parse_fails("1.2.3.4:5:6:7", EINVAL, "expected [hostip:]hostport:containerport");
        parse_fails("a:b", EINVAL, "invalid container port `b`");
        parse_fails("-1:80", EINVAL, NULL);
        parse_fails("+80:80", EINVAL, NULL);
        parse_fails(" 80:80", EINVAL, NULL);
        char longer[200];
        memset(longer, '1', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        parse_fails(longer, EINVAL, "too long");
}

static void test_ipv6(void **state) {
        struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;
        NetPortSpec p = parse_ok("[::1]:8080:80");
        assert_int_equal(p.host_addr.family, AF_INET6);
        assert_memory_equal(&p.host_addr.in6, &lo6, sizeof(lo6));
        assert_int_equal(p.host_port, 8080);
        assert_int_equal(p.container_port, 80);
        assert_int_equal(p.proto, NET_PROTO_TCP);
        /* [::]: every IPv6 address only */
        p = parse_ok("[::]:8080:80");
        assert_int_equal(p.host_addr.family, AF_INET6);
        assert_true(net_host_addr_is_any(&p.host_addr));
        /* ranges, udp, a picked port */
        p = parse_ok("[2001:db8::5]:8000-8002:80-82/udp");
        assert_int_equal(p.host_addr.family, AF_INET6);
        assert_int_equal(p.proto, NET_PROTO_UDP);
        assert_int_equal(p.host_port, 8000);
        assert_int_equal(p.count, 3);
        p = parse_ok("[::1]::80");
        assert_int_equal(p.host_port, 0);
        assert_int_equal(p.host_addr.family, AF_INET6);
        p = parse_ok("[::1]:0:53/udp");
        assert_int_equal(p.host_port, 0);
        assert_int_equal(p.proto, NET_PROTO_UDP);
        /* an IPv4-mapped address is the IPv4 address (docker reads it so); brackets around an
         * IPv4 address are allowed */
        p = parse_ok("[::ffff:127.0.0.1]:8080:80");
        assert_int_equal(p.host_addr.family, AF_INET);
        assert_int_equal(p.host_addr.in.s_addr, htonl(INADDR_LOOPBACK));
        p = parse_ok("[10.1.2.3]:1:2");
        assert_int_equal(p.host_addr.family, AF_INET);

        parse_fails("[::1:8080:80", EINVAL, "missing `]`");
        parse_fails("[zz]:1:2", EINVAL, "invalid host address `zz`");
        parse_fails("[]:1:2", EINVAL, "empty host address");
        parse_fails("[::1]:80", EINVAL, "expected [hostip]:hostport:containerport");
        parse_fails("[::1]8080:80", EINVAL, "expected [hostip]:hostport:containerport");
        parse_fails("[::1]:1:2:3", EINVAL, "expected [hostip]:hostport:containerport");
        parse_fails("[::1]:8080:80/sctp", EINVAL, "unknown protocol `sctp`");
        parse_fails("[::1]:8080-8081:80", EINVAL, "host range has 2 ports");
        parse_fails("[::1]::80-81", EINVAL, "cannot be a range");
        parse_fails("[1::2::3]:1:2", EINVAL, "invalid host address `1::2::3`");
        /* zone ids and link-local addresses (which need one) are refused */
        parse_fails("[fe80::1%eth0]:8080:80", EINVAL, "zone ids are not supported");
        parse_fails("[fe80::1]:8080:80", EINVAL, "link-local addresses are not supported");
        /* without brackets: the message says where they go */
        parse_fails("::1:8080:80", EINVAL, "goes in brackets: `[::1]:8080:80`");
        parse_fails("::1:8080:80/udp", EINVAL, "`[::1]:8080:80/udp`");
        parse_fails("::ffff:1.2.3.4:8080:80", EINVAL, "`[::ffff:1.2.3.4]:8080:80`");
        parse_fails("1::2::3:8080:80", EINVAL, "expected [hostip:]hostport:containerport");
}

static void test_format_roundtrip(void **state) {
        const char *cases[] = {"8080:80/tcp",    "127.0.0.1:53:53/udp",       "8080-8082:80-82/tcp",
                               "0:80/tcp",       "0.0.0.0:8080:80/tcp",       "[::1]:8080:80/tcp",
                               "[::]:53:53/udp", "[2001:db8::5]:1-2:3-4/udp", "[::1]:0:80/tcp"};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                NetPortSpec p = parse_ok(cases[i]);
                _cleanup_free_ char *s = net_port_spec_format(&p);
                assert_string_equal(s, cases[i]);
        }
        NetPortSpec p = parse_ok("80");
        _cleanup_free_ char *s = net_port_spec_format(&p);
        assert_string_equal(s, "0:80/tcp");
}

static void test_helpers(void **state) {
        uint16_t port;
        assert_int_equal(net_port_parse("0", true, &port), 0);
        assert_int_equal(port, 0);
        assert_true(net_port_parse("0", false, &port) < 0);
        assert_true(net_port_parse("65536", true, &port) < 0);
        NetProto proto;
        assert_int_equal(net_proto_from_string("UDP", &proto), 0);
        assert_int_equal(proto, NET_PROTO_UDP);
        assert_int_equal(net_proto_from_string("icmp", &proto), -EINVAL);
        struct in_addr a;
        assert_int_equal(net_ipv4_parse("0.0.0.0", &a), 0);
        assert_true(net_ipv4_parse("1.2.3.256", &a) < 0);
        assert_true(net_ipv4_parse("1.2.3.4 ", &a) < 0);

        NetHostAddr h, h2;
        char buf[NET_HOST_ADDR_STRLEN];
        assert_int_equal(net_host_addr_parse("::1", &h, NULL), 0);
        assert_string_equal(net_host_addr_format(&h, false, buf), "::1");
        assert_string_equal(net_host_addr_format(&h, true, buf), "[::1]");
        assert_false(net_host_addr_is_any(&h));
        assert_int_equal(net_host_addr_parse("0:0:0:0:0:0:0:1", &h2, NULL), 0);
        assert_true(net_host_addr_equal(&h, &h2));
        assert_int_equal(net_host_addr_parse("127.0.0.1", &h2, NULL), 0);
        assert_false(net_host_addr_equal(&h, &h2));
        assert_string_equal(net_host_addr_format(&h2, true, buf), "127.0.0.1");
        assert_int_equal(net_host_addr_parse("::", &h, NULL), 0);
        assert_true(net_host_addr_is_any(&h));
        assert_int_equal(net_host_addr_parse("::ffff:10.0.0.1", &h, NULL), 0);
        assert_int_equal(h.family, AF_INET);
        assert_string_equal(net_host_addr_format(&h, true, buf), "10.0.0.1");
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(net_host_addr_parse("fe80::1%lo", &h, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "zone ids"));
        assert_int_equal(net_host_addr_parse("[::1]", &h, NULL), -EINVAL);
        assert_int_equal(net_host_addr_parse("", &h, NULL), -EINVAL);
        NetHostAddr none = {.family = AF_UNSPEC};
        assert_string_equal(net_host_addr_format(&none, true, buf), "");
        /* the longest IPv6 text fits, with its brackets */
        assert_int_equal(
                net_host_addr_parse("ffff:ffff:ffff:ffff:ffff:fffe:255.255.255.255", &h, NULL), 0);
        assert_string_equal(net_host_addr_format(&h, true, buf),
                            "[ffff:ffff:ffff:ffff:ffff:fffe:ffff:ffff]");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_simple),           cmocka_unit_test(test_host_ip_and_proto),
                cmocka_unit_test(test_ranges),           cmocka_unit_test(test_host_port_zero),
                cmocka_unit_test(test_errors),           cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_format_roundtrip), cmocka_unit_test(test_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
