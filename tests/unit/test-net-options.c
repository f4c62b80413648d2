/* SPDX-License-Identifier: Apache-2.0 */
/* warren-net's command line and key=value options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "core/net-options.h"

static int parse(NetOptions *o, WarrenError **err, ...) {
        char *argv[32] = {(char *)"warren-net"};
        int argc = 1;
        va_list ap;
        va_start(ap, err);
        const char *a;
        while ((a = va_arg(ap, const char *)) && argc < 31)
                argv[argc++] = (char *)a;
        va_end(ap);
        net_options_init(o);
        return net_options_parse_argv(o, argc, argv, err);
}

static void assert_ip(struct in_addr a, const char *s) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a, buf, sizeof(buf));
        assert_string_equal(buf, s);
}

static void test_defaults(void **state) {
        NetOptions o;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(parse(&o, &err, "1234", NULL), 0);
        assert_int_equal(net_options_validate(&o, &err), 0);
        assert_int_equal(o.target_pid, 1234);
        assert_int_equal(o.mtu, 65520);
        assert_false(o.allow_host_loopback);
        assert_false(o.enable_ipv6);
        assert_true(o.sandbox);
        assert_int_equal(o.ready_fd, -1);
        assert_ip(o.addrs.network, "10.0.2.0");
        assert_ip(o.addrs.netmask, "255.255.255.0");
        assert_ip(o.addrs.gateway, "10.0.2.2");
        assert_ip(o.addrs.dns, "10.0.2.3");
        assert_ip(o.addrs.guest, "10.0.2.100");
        assert_int_equal(o.addrs.prefix, 24);
        net_options_done(&o);
}

static void test_long_options(void **state) {
        NetOptions o;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(parse(&o, &err, "--mtu=1500", "--cidr", "192.168.7.0/25",
                               "--allow-host-loopback", "--enable-ipv6", "--ready-fd", "5",
                               "--api-socket=/run/x.sock", "-p", "8080:80", "--publish",
                               "127.0.0.1:53:53/udp", "--tap", "eth0", "--no-sandbox",
                               "--resolv-conf", "/tmp/r", "--netns", "/proc/1/ns/net", NULL),
                         0);
        assert_int_equal(net_options_validate(&o, &err), 0);
        assert_int_equal(o.mtu, 1500);
        assert_ip(o.addrs.guest, "192.168.7.100");
        assert_ip(o.addrs.gateway, "192.168.7.2");
        assert_true(o.allow_host_loopback);
        assert_true(o.enable_ipv6);
        assert_int_equal(o.ready_fd, 5);
        assert_string_equal(o.api_socket, "/run/x.sock");
        assert_int_equal(o.n_ports, 2);
        assert_int_equal(o.ports[1].proto, NET_PROTO_UDP);
        assert_string_equal(o.tap_name, "eth0");
        assert_false(o.sandbox);
        assert_string_equal(o.resolv_conf, "/tmp/r");
        assert_string_equal(o.netns_path, "/proc/1/ns/net");
        assert_int_equal(o.target_pid, 0);
        net_options_done(&o);
}

static void test_key_value_list(void **state) {
        NetOptions o;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(parse(&o, &err, "-o", "mtu=9000,allow_host_loopback=true,enable_ipv6",
                               "-o", "cidr=10.99.0.0/16,sandbox=no", "/run/netns/x", NULL),
                         0);
        assert_int_equal(o.mtu, 9000);
        assert_true(o.allow_host_loopback);
        assert_true(o.enable_ipv6);
        assert_false(o.sandbox);
        assert_ip(o.addrs.guest, "10.99.0.100");
        assert_string_equal(o.netns_path, "/run/netns/x");
        assert_int_equal(net_options_set(&o, "allow_host_loopback", "0", &err), 0);
        assert_false(o.allow_host_loopback);
        net_options_done(&o);
}

static void expect_error(const char *needle, ...) {
        char *argv[16] = {(char *)"warren-net"};
        int argc = 1;
        va_list ap;
        va_start(ap, needle);
        const char *a;
        while ((a = va_arg(ap, const char *)) && argc < 15)
                argv[argc++] = (char *)a;
        va_end(ap);
        NetOptions o;
        _cleanup_error_ WarrenError *err = NULL;
        net_options_init(&o);
        int r = net_options_parse_argv(&o, argc, argv, &err);
        if (r >= 0)
                r = net_options_validate(&o, &err);
        net_options_done(&o);
        if (r >= 0)
                fail_msg("expected an error with `%s`", needle);
        assert_non_null(err);
        if (!strstr(err->msg, needle))
                fail_msg("message `%s` lacks `%s`", err->msg, needle);
}

static void test_errors(void **state) {
        expect_error("mtu `100`", "--mtu", "100", "1", NULL);
        expect_error("mtu `65522`", "--mtu=65522", "1", NULL);
        expect_error("mtu `x`", "--mtu", "x", "1", NULL);
        expect_error("needs a value", "--mtu", NULL);
        expect_error("takes no value", "--allow-host-loopback=yes", "1", NULL);
        expect_error("unknown option `--bogus`", "--bogus", "1", NULL);
        expect_error("unknown option `-x`", "-x", "1", NULL);
        expect_error("unknown option `color`", "-o", "color=red", "1", NULL);
        expect_error("expected a boolean", "-o", "enable_ipv6=maybe", "1", NULL);
        expect_error("no target", NULL);
        expect_error("unexpected argument `2`", "1", "2", NULL);
        expect_error("either a PID or --netns", "-o", "pid=5", "--netns", "/x", NULL);
        expect_error("--userns needs --netns", "--userns", "/y", "1", NULL);
        expect_error("invalid pid `0`", "0", NULL);
        expect_error("port `8080:0`", "-p", "8080:0", "1", NULL);
        expect_error("cidr `10.0.2.1/24`: host bits", "--cidr", "10.0.2.1/24", "1", NULL);
        expect_error("prefix must be between", "--cidr", "10.0.0.0/26", "1", NULL);
        expect_error("invalid prefix", "--cidr", "10.0.0.0/x", "1", NULL);
        expect_error("expected ADDRESS/PREFIX", "--cidr", "10.0.0.0", "1", NULL);
        expect_error("not a usable network", "--cidr", "127.0.0.0/24", "1", NULL);
        expect_error("ipv6 needs at least 1280", "--mtu", "1000", "--enable-ipv6", "1", NULL);
        expect_error("invalid interface name", "--tap", "a/b", "1", NULL);
        expect_error("invalid interface name", "--tap", "abcdefghijklmnopq", "1", NULL);
        expect_error("invalid file descriptor", "--ready-fd", "-1", "1", NULL);
}

static void test_help_and_dashdash(void **state) {
        NetOptions o;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(parse(&o, &err, "--help", NULL), 0);
        assert_true(o.help);
        assert_int_equal(net_options_validate(&o, &err), 0);
        net_options_done(&o);
        assert_int_equal(parse(&o, &err, "--", "-weird-path", NULL), 0);
        assert_string_equal(o.netns_path, "-weird-path");
        net_options_done(&o);
        assert_non_null(strstr(net_options_usage(), "--allow-host-loopback"));
}

static void test_bool_parse(void **state) {
        bool b;
        assert_int_equal(net_bool_parse("YES", &b), 0);
        assert_true(b);
        assert_int_equal(net_bool_parse("off", &b), 0);
        assert_false(b);
        assert_int_equal(net_bool_parse("", &b), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),          cmocka_unit_test(test_long_options),
                cmocka_unit_test(test_key_value_list),    cmocka_unit_test(test_errors),
                cmocka_unit_test(test_help_and_dashdash), cmocka_unit_test(test_bool_parse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
