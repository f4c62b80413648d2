/* SPDX-License-Identifier: Apache-2.0 */
/* The control protocol and the published-port table, with fake forwarding ops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "basic/json.h"
#include "basic/xalloc.h"
#include "core/net-control.h"
#include "core/net-hostfwd.h"

/* The fake: records calls, refuses `busy_port` (and `busy6` on IPv6 only), picks 40000+ for
 * port 0, and with `no_ipv6` says EAFNOSUPPORT to IPv6. */
typedef struct Fake {
        int adds;
        int removes;
        uint16_t busy_port;
        uint16_t busy6;
        uint16_t next_pick;
        bool busy6_all;
        bool no_ipv6;
        uint32_t removed[32]; /* ids, in order */
} Fake;

static int fake_add(void *userdata, NetHostfwd *f, WarrenError **err) {
        Fake *fk = userdata;
        bool v6 = f->host_addr.family == AF_INET6;
        if (v6 && fk->no_ipv6)
                return error_set(err, EAFNOSUPPORT, "ipv6 is not available on this host");
        if (f->host_port != 0 &&
            (f->host_port == fk->busy_port || (v6 && (f->host_port == fk->busy6 || fk->busy6_all))))
                return error_set(err, EADDRINUSE, "host port `%u` is already in use",
                                 (unsigned)f->host_port);
        if (f->host_port == 0)
                f->host_port = fk->next_pick++;
        fk->adds++;
        return 0;
}

static int fake_remove(void *userdata, const NetHostfwd *f, WarrenError **err) {
        Fake *fk = userdata;
        if (fk->removes < (int)ELEMENTSOF(fk->removed))
                fk->removed[fk->removes] = f->id;
        fk->removes++;
        return 0;
}

static const NetHostfwdOps fake_ops = {.add = fake_add, .remove = fake_remove};

static void table_setup(NetHostfwdTable *t, Fake *fk) {
        *fk = (Fake){.busy_port = 9999, .next_pick = 40000};
        struct in_addr guest;
        inet_pton(AF_INET, "10.0.2.100", &guest);
        net_hostfwd_table_init(t, guest, &fake_ops, fk);
}

static char *handle(NetHostfwdTable *t, const char *req, int *ret) {
        char *resp = NULL;
        *ret = net_control_handle(t, req, strlen(req), &resp);
        assert_non_null(resp);
        /* every response is one JSON object on one line */
        _cleanup_json_ JsonValue *v = NULL;
        assert_int_equal(json_parse(resp, strlen(resp), 0, &v, NULL), 0);
        assert_null(strchr(resp, '\n'));
        return resp;
}

static void test_parse_requests(void **state) {
        NetControlRequest r;
        _cleanup_error_ WarrenError *err = NULL;
        const char *add = "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"udp\","
                          "\"host_addr\":\"127.0.0.1\",\"host_port\":5353,\"guest_port\":53}}";
        assert_int_equal(net_control_parse_request(add, strlen(add), &r, &err), 0);
        assert_int_equal(r.command, NET_CONTROL_ADD_HOSTFWD);
        assert_int_equal(r.spec.proto, NET_PROTO_UDP);
        assert_int_equal(r.spec.host_port, 5353);
        assert_int_equal(r.spec.container_port, 53);
        assert_int_equal(r.spec.count, 1);
        assert_int_equal(r.spec.host_addr.family, AF_INET);
        assert_int_equal(r.spec.host_addr.in.s_addr, htonl(INADDR_LOOPBACK));

        /* IPv6 host addresses, without brackets here; no host_addr: 0.0.0.0 (slirp4netns's
         * default), while a spec without one means every address */
        const char *add6 = "{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_addr\":\"::1\","
                           "\"host_port\":8080,\"guest_port\":80}}";
        assert_int_equal(net_control_parse_request(add6, strlen(add6), &r, &err), 0);
        assert_int_equal(r.spec.host_addr.family, AF_INET6);
        const char *add4 = "{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":8080,"
                           "\"guest_port\":80}}";
        assert_int_equal(net_control_parse_request(add4, strlen(add4), &r, &err), 0);
        assert_int_equal(r.spec.host_addr.family, AF_INET);
        assert_true(net_host_addr_is_any(&r.spec.host_addr));
        const char *spec6 =
                "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"[::]:53:53/udp\"}}";
        assert_int_equal(net_control_parse_request(spec6, strlen(spec6), &r, &err), 0);
        assert_int_equal(r.spec.host_addr.family, AF_INET6);
        assert_int_equal(r.spec.proto, NET_PROTO_UDP);

        const char *spec =
                "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"8080-8081:80-81\","
                "\"guest_addr\":\"10.0.2.50\"}}";
        assert_int_equal(net_control_parse_request(spec, strlen(spec), &r, &err), 0);
        assert_int_equal(r.spec.count, 2);
        assert_int_equal(ntohl(r.guest_addr.s_addr), 0x0a000232);

        const char *rm = "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":7}}";
        assert_int_equal(net_control_parse_request(rm, strlen(rm), &r, &err), 0);
        assert_int_equal(r.command, NET_CONTROL_REMOVE_HOSTFWD);
        assert_int_equal(r.id, 7);

        const char *ls = "{\"execute\":\"list_hostfwd\",\"arguments\":null}";
        assert_int_equal(net_control_parse_request(ls, strlen(ls), &r, &err), 0);
        assert_int_equal(r.command, NET_CONTROL_LIST_HOSTFWD);
}

static void parse_fails(const char *req, int code, const char *needle) {
        NetControlRequest r;
        _cleanup_error_ WarrenError *err = NULL;
        int ret = net_control_parse_request(req, strlen(req), &r, &err);
        if (ret >= 0)
                fail_msg("`%s` parsed", req);
        assert_int_equal(ret, -code);
        if (!strstr(err->msg, needle))
                fail_msg("`%s`: `%s` lacks `%s`", req, err->msg, needle);
}

static void test_parse_errors(void **state) {
        parse_fails("", EINVAL, "parse request");
        parse_fails("{", EINVAL, "parse request");
        parse_fails("[]", EINVAL, "must be a json object");
        parse_fails("{}", EINVAL, "`execute` must be a string");
        parse_fails("{\"execute\":1}", EINVAL, "`execute` must be a string");
        parse_fails("{\"execute\":\"reboot\"}", EOPNOTSUPP, "unknown command `reboot`");
        parse_fails("{\"execute\":\"list_hostfwd\",\"arguments\":[]}", EINVAL,
                    "`arguments` must be an object");
        parse_fails("{\"execute\":\"add_hostfwd\"}", EINVAL, "`arguments` must be an object");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"guest_port\":80}}", EINVAL,
                    "`arguments.host_port` is required");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":80}}", EINVAL,
                    "`arguments.guest_port` is required");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":70000,"
                    "\"guest_port\":80}}",
                    EINVAL, "`arguments.host_port` must be a port");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":0}}",
                    EINVAL, "`arguments.guest_port` must be a port");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":2,\"proto\":\"sctp\"}}",
                    EINVAL, "`arguments.proto`");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":2,\"host_addr\":\"zz\"}}",
                    EINVAL, "`arguments.host_addr`: invalid host address `zz`");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":2,\"host_addr\":\"[::1]\"}}",
                    EINVAL, "invalid host address `[::1]`");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":2,\"host_addr\":\"fe80::1%eth0\"}}",
                    EINVAL, "zone ids");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":2,\"host_addr\":1}}",
                    EINVAL, "`arguments.host_addr` must be a string");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,"
                    "\"guest_port\":2,\"guest_addr\":\"::1\"}}",
                    EINVAL, "`arguments.guest_addr`: invalid ipv4 address `::1`");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":5}}", EINVAL,
                    "`arguments.spec` must be a string");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"1:2:3:4\"}}", EINVAL,
                    "expected [hostip:]hostport:containerport");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"[::1:2:3\"}}", EINVAL,
                    "missing `]`");
        parse_fails("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":0}}", EINVAL,
                    "`arguments.id`");
        parse_fails("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":\"1\"}}", EINVAL,
                    "`arguments.id`");
        char *big = xmalloc(NET_CONTROL_MAX_REQUEST + 2);
        memset(big, ' ', NET_CONTROL_MAX_REQUEST + 1);
        big[NET_CONTROL_MAX_REQUEST + 1] = '\0';
        parse_fails(big, EFBIG, "larger than");
        free(big);
}

static void test_add_list_remove(void **state) {
        NetHostfwdTable t;
        Fake fk;
        table_setup(&t, &fk);
        int r;
        _cleanup_free_ char *a = handle(
                &t, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"127.0.0.1:8080:80\"}}",
                &r);
        assert_int_equal(r, 0);
        assert_string_equal(a, "{\"return\":{\"id\":1,\"entries\":[{\"id\":1,\"proto\":\"tcp\","
                               "\"host_addr\":\"127.0.0.1\",\"host_port\":8080,"
                               "\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}]}}");
        /* host port 0: the ops pick it, the response says which */
        _cleanup_free_ char *b = handle(
                &t,
                "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"udp\",\"host_port\":0,"
                "\"guest_port\":53}}",
                &r);
        assert_int_equal(r, 0);
        assert_non_null(strstr(b, "\"host_port\":40000"));
        assert_non_null(strstr(b, "\"host_addr\":\"0.0.0.0\""));
        /* a range */
        _cleanup_free_ char *c = handle(&t,
                                        "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"0."
                                        "0.0.0:9000-9002:90-92\"}}",
                                        &r);
        assert_int_equal(r, 0);
        assert_non_null(strstr(c, "\"id\":3,\"entries\""));
        assert_non_null(strstr(c, "\"id\":5"));
        assert_int_equal(t.n, 5);
        assert_int_equal(fk.adds, 5);

        _cleanup_free_ char *l = handle(&t, "{\"execute\":\"list_hostfwd\"}", &r);
        assert_int_equal(r, 0);
        _cleanup_json_ JsonValue *v = NULL;
        assert_int_equal(json_parse(l, strlen(l), 0, &v, NULL), 0);
        assert_int_equal(json_length(json_get_path(v, "return", "entries", NULL)), 5);

        _cleanup_free_ char *d =
                handle(&t, "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":4}}", &r);
        assert_int_equal(r, 0);
        assert_string_equal(d, "{\"return\":{}}");
        assert_int_equal(t.n, 4);
        assert_null(net_hostfwd_find(&t, 4));
        assert_non_null(net_hostfwd_find(&t, 5));
        _cleanup_free_ char *e =
                handle(&t, "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":4}}", &r);
        assert_int_equal(r, -ENOENT);
        assert_non_null(strstr(e, "\"errno\":\"ENOENT\""));
        assert_non_null(strstr(e, "no published port with id `4`"));

        net_hostfwd_table_done(&t);
        assert_int_equal(fk.removes, 1 + 4);
}

static void test_conflicts_and_rollback(void **state) {
        NetHostfwdTable t;
        Fake fk;
        table_setup(&t, &fk);
        int r;
        _cleanup_free_ char *a = handle(
                &t, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"8080:80\"}}", &r);
        assert_int_equal(r, 0);
        /* the same port on one address overlaps 0.0.0.0 */
        _cleanup_free_ char *b = handle(
                &t, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"127.0.0.1:8080:81\"}}",
                &r);
        assert_int_equal(r, -EADDRINUSE);
        assert_non_null(strstr(b, "already published (id 1)"));
        /* udp on the same port is fine */
        _cleanup_free_ char *c = handle(
                &t, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"8080:80/udp\"}}", &r);
        assert_int_equal(r, 0);
        /* a range that hits the busy port (9999) is all or nothing */
        int adds = fk.adds;
        _cleanup_free_ char *d = handle(
                &t, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"9997-10000:97-100\"}}",
                &r);
        assert_int_equal(r, -EADDRINUSE);
        assert_non_null(strstr(d, "\"errno\":\"EADDRINUSE\",\"code\":98"));
        assert_non_null(strstr(d, "already in use"));
        assert_int_equal(t.n, 4); /* 8080:80 on 0.0.0.0 and [::], over TCP and UDP */
        assert_int_equal(fk.adds - adds, 2);
        assert_int_equal(fk.removes, 2); /* the two added before the failure */
        net_hostfwd_table_done(&t);
}

static NetPortSpec spec_of(const char *s) {
        NetPortSpec p;
        _cleanup_error_ WarrenError *err = NULL;
        if (net_port_spec_parse(s, &p, &err) < 0)
                fail_msg("`%s`: %s", s, err->msg);
        return p;
}

static int add_spec(NetHostfwdTable *t, const char *s, WarrenError **err) {
        NetPortSpec p = spec_of(s);
        return net_hostfwd_add(t, &p, (struct in_addr){0}, NULL, err);
}

static void assert_entry(const NetHostfwd *f, int family, bool any, uint16_t port, bool proxied) {
        assert_int_equal(f->host_addr.family, family);
        assert_int_equal(net_host_addr_is_any(&f->host_addr), any);
        assert_int_equal(f->host_port, port);
        assert_int_equal(f->proxied, proxied);
}

/* No host address: 0.0.0.0 (libslirp's own sockets) and then [::] (the proxy), same ports. */
static void test_every_address(void **state) {
        NetHostfwdTable t;
        Fake fk;
        table_setup(&t, &fk);
        assert_int_equal(add_spec(&t, "8080-8081:80-81", NULL), 0);
        assert_int_equal(t.n, 4);
        assert_entry(&t.items[0], AF_INET, true, 8080, false);
        assert_entry(&t.items[1], AF_INET, true, 8081, false);
        assert_entry(&t.items[2], AF_INET6, true, 8080, true);
        assert_entry(&t.items[3], AF_INET6, true, 8081, true);
        assert_false(t.items[0].optional);
        assert_true(t.items[2].optional);
        assert_int_equal(t.items[3].id, 4);
        assert_int_equal(t.items[3].guest_port, 81);
        /* a picked port is the same on both */
        assert_int_equal(add_spec(&t, "0:90/udp", NULL), 0);
        assert_int_equal(t.n, 6);
        assert_entry(&t.items[4], AF_INET, true, 40000, false);
        assert_entry(&t.items[5], AF_INET6, true, 40000, true);
        /* the list shows [::] as "::" */
        _cleanup_free_ char *l = net_control_format_entries(t.items, t.n);
        assert_non_null(
                strstr(l, "\"id\":3,\"proto\":\"tcp\",\"host_addr\":\"::\",\"host_port\":8080"));
        /* the newest goes first at the end */
        net_hostfwd_table_done(&t);
        assert_int_equal(fk.removes, 6);
        for (int i = 0; i < 6; i++)
                assert_int_equal(fk.removed[i], 6 - i);
}

/* A port picked on 0.0.0.0 but taken on [::] is given back for another; an explicit port
 * taken on [::] is an error, and nothing stays. */
static void test_every_address_in_use(void **state) {
        NetHostfwdTable t;
        Fake fk;
        table_setup(&t, &fk);
        fk.busy6 = 40000;
        assert_int_equal(add_spec(&t, "0:80", NULL), 0);
        assert_int_equal(t.n, 2);
        assert_entry(&t.items[0], AF_INET, true, 40001, false);
        assert_entry(&t.items[1], AF_INET6, true, 40001, true);
        assert_int_equal(fk.removes, 1); /* 0.0.0.0:40000 */

        _cleanup_error_ WarrenError *err = NULL;
        fk.busy6 = 7000;
        assert_int_equal(add_spec(&t, "6999-7000:1-2", &err), -EADDRINUSE);
        assert_non_null(strstr(err->msg, "already in use"));
        assert_int_equal(t.n, 2);
        assert_int_equal(fk.removes, 1 + 3); /* 0.0.0.0:6999, :7000 and [::]:6999 */
        error_free(TAKE_PTR(err));

        /* every port picked on 0.0.0.0 is taken on [::]: give up after a few */
        fk.busy6_all = true;
        int removes = fk.removes;
        assert_int_equal(add_spec(&t, "0:80", &err), -EADDRINUSE);
        assert_int_equal(fk.removes - removes, NET_HOSTFWD_PICK_TRIES);
        assert_int_equal(t.n, 2);
        net_hostfwd_table_done(&t);
}

/* A host without IPv6: [::] is left out of a spec without address; [::1] asked for fails. */
static void test_no_ipv6(void **state) {
        NetHostfwdTable t;
        Fake fk;
        table_setup(&t, &fk);
        fk.no_ipv6 = true;
        assert_int_equal(add_spec(&t, "8080-8081:80-81", NULL), 0);
        assert_int_equal(t.n, 2);
        assert_int_equal(t.items[0].host_addr.family, AF_INET);
        assert_int_equal(t.items[1].host_addr.family, AF_INET);
        assert_int_equal(fk.removes, 0);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(add_spec(&t, "[::1]:9090:90", &err), -EAFNOSUPPORT);
        assert_non_null(strstr(err->msg, "ipv6 is not available"));
        assert_int_equal(t.n, 2);
        net_hostfwd_table_done(&t);
}

/* Which entries the proxy serves; overlaps are per address family. */
static void test_proxied_and_overlaps(void **state) {
        NetHostfwdTable t;
        Fake fk;
        table_setup(&t, &fk);
        struct in_addr guest = t.default_guest;
        assert_int_equal(add_spec(&t, "5353:53/udp", NULL), 0);
        assert_entry(&t.items[0], AF_INET, true, 5353, false);
        assert_entry(&t.items[1], AF_INET6, true, 5353, true);
        /* a second IPv4 host port of container port 53/udp: proxied (one libslirp socket per
         * container UDP port); over TCP, libslirp's own */
        assert_int_equal(add_spec(&t, "127.0.0.1:5354:53/udp", NULL), 0);
        assert_entry(&t.items[2], AF_INET, false, 5354, true);
        assert_int_equal(add_spec(&t, "127.0.0.1:5354:53", NULL), 0);
        assert_entry(&t.items[3], AF_INET, false, 5354, false);
        assert_int_equal(add_spec(&t, "127.0.0.2:5355:53", NULL), 0);
        assert_entry(&t.items[4], AF_INET, false, 5355, false);
        /* IPv6 first, IPv4 after: the IPv4 entry is proxied too (the proxy's own forward
         * already serves the container port) */
        assert_int_equal(add_spec(&t, "[::1]:6000:60/udp", NULL), 0);
        assert_entry(&t.items[5], AF_INET6, false, 6000, true);
        assert_int_equal(add_spec(&t, "127.0.0.1:6001:60/udp", NULL), 0);
        assert_entry(&t.items[6], AF_INET, false, 6001, true);
        assert_null(net_hostfwd_find_direct(&t, NET_PROTO_UDP, guest, 60));

        const NetHostfwd *d = net_hostfwd_find_direct(&t, NET_PROTO_UDP, guest, 53);
        assert_non_null(d);
        assert_int_equal(d->id, 1);
        d = net_hostfwd_find_direct(&t, NET_PROTO_TCP, guest, 53);
        assert_non_null(d);
        assert_int_equal(d->id, 4);
        assert_null(net_hostfwd_find_direct(&t, NET_PROTO_TCP, guest, 54));

        /* [::] covers [::1] but not 0.0.0.0 or 127.0.0.1 */
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(add_spec(&t, "[::1]:5353:1/udp", &err), -EADDRINUSE);
        assert_non_null(strstr(err->msg, "host port `[::1]:5353/udp` is already published (id 2)"));
        error_free(TAKE_PTR(err));
        assert_int_equal(add_spec(&t, "[::]:7000:1", NULL), 0);
        assert_int_equal(add_spec(&t, "0.0.0.0:7000:2", NULL), 0);
        assert_int_equal(add_spec(&t, "[::1]:7000:3", &err), -EADDRINUSE);
        assert_non_null(strstr(err->msg, "`[::1]:7000/tcp`"));
        error_free(TAKE_PTR(err));
        assert_int_equal(add_spec(&t, "[::2]:7001:3", NULL), 0);
        assert_int_equal(add_spec(&t, "[::2]:7001:4", &err), -EADDRINUSE);
        error_free(TAKE_PTR(err));
        assert_int_equal(add_spec(&t, "[::3]:7001:4", NULL), 0);
        net_hostfwd_table_done(&t);
}

static void test_format_and_check(void **state) {
        _cleanup_free_ char *e = net_control_format_error(EADDRINUSE, "port `1` is busy");
        assert_string_equal(e, "{\"error\":{\"desc\":\"port `1` is busy\",\"errno\":\"EADDRINUSE\","
                               "\"code\":98}}");
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(net_control_check_response(e, strlen(e), &err), -EADDRINUSE);
        assert_string_equal(err->msg, "port `1` is busy");
        error_free(TAKE_PTR(err));
        assert_int_equal(net_control_check_response("{\"return\":{}}", 13, &err), 0);
        assert_int_equal(net_control_check_response("{\"x\":1}", 7, &err), -EPROTO);
        error_free(TAKE_PTR(err));
        assert_int_equal(net_control_check_response("nope", 4, &err), -EPROTO);
        /* invalid UTF-8 in a message still yields valid JSON */
        _cleanup_free_ char *bad = net_control_format_error(EINVAL, "\xff\xfe");
        _cleanup_json_ JsonValue *v = NULL;
        assert_int_equal(json_parse(bad, strlen(bad), 0, &v, NULL), 0);
        _cleanup_free_ char *empty = net_control_format_entries(NULL, 0);
        assert_string_equal(empty, "[]");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_requests),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_add_list_remove),
                cmocka_unit_test(test_conflicts_and_rollback),
                cmocka_unit_test(test_every_address),
                cmocka_unit_test(test_every_address_in_use),
                cmocka_unit_test(test_no_ipv6),
                cmocka_unit_test(test_proxied_and_overlaps),
                cmocka_unit_test(test_format_and_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
