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

/* The fake: records calls, refuses `busy_port`, picks 40000+ for port 0. */
typedef struct Fake {
        int adds;
        int removes;
        uint16_t busy_port;
        uint16_t next_pick;
} Fake;

static int fake_add(void *userdata, NetHostfwd *f, WarrenError **err) {
        Fake *fk = userdata;
        if (f->host_port != 0 && f->host_port == fk->busy_port)
                return error_set(err, EADDRINUSE, "host port `%u` is already in use",
                                 (unsigned)f->host_port);
        if (f->host_port == 0)
                f->host_port = fk->next_pick++;
        fk->adds++;
        return 0;
}

static int fake_remove(void *userdata, const NetHostfwd *f, WarrenError **err) {
        Fake *fk = userdata;
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
        assert_int_equal(r.spec.host_addr.s_addr, htonl(INADDR_LOOPBACK));

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
                    "\"guest_port\":2,\"host_addr\":\"::1\"}}",
                    EINVAL, "invalid ipv4 address `::1`");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":5}}", EINVAL,
                    "`arguments.spec` must be a string");
        parse_fails("{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"1:2:3:4\"}}", ENOTSUP,
                    "ipv6");
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
        _cleanup_free_ char *c = handle(
                &t, "{\"execute\":\"add_hostfwd\",\"arguments\":{\"spec\":\"9000-9002:90-92\"}}",
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
        assert_int_equal(t.n, 2);
        assert_int_equal(fk.adds - adds, 2);
        assert_int_equal(fk.removes, 2); /* the two added before the failure */
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
                cmocka_unit_test(test_format_and_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
