/* SPDX-License-Identifier: Apache-2.0 */
/* Capabilities: the name table, parsing, and applying the sets in a child process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "runtime/caps.h"

static void test_name_table(void **state) {
        for (int i = 0; i <= CAPS_LAST_KNOWN; i++) {
                const char *n = caps_name(i);
                assert_non_null(n);
                assert_true(STARTS_WITH(n, "CAP_"));
                assert_int_equal(caps_from_name(n), i);
                for (int j = 0; j < i; j++)
                        assert_string_not_equal(n, caps_name(j));
        }
        assert_null(caps_name(-1));
        assert_null(caps_name(CAPS_LAST_KNOWN + 1));
        assert_string_equal(caps_name(0), "CAP_CHOWN");
        assert_string_equal(caps_name(21), "CAP_SYS_ADMIN");
        assert_string_equal(caps_name(40), "CAP_CHECKPOINT_RESTORE");
        assert_int_equal(caps_from_name("cap_net_raw"), 13);
        assert_int_equal(caps_from_name("NET_RAW"), 13);
        assert_int_equal(caps_from_name("sys_admin"), 21);
        assert_int_equal(caps_from_name("CAP_FOO"), -EINVAL);
        assert_int_equal(caps_from_name("CAP_"), -EINVAL);
        assert_int_equal(caps_from_name(""), -EINVAL);
        assert_int_equal(caps_from_name(NULL), -EINVAL);
        _cleanup_strv_ char **all = caps_known_names();
        assert_int_equal(strv_length(all), CAPS_LAST_KNOWN + 1);
        assert_string_equal(all[39], "CAP_BPF");
}

static void test_parse(void **state) {
        char *names[] = {(char *)"CAP_CHOWN", (char *)"CAP_KILL", (char *)"CAP_CHOWN", NULL};
        uint64_t m = 0;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(caps_parse_strv(names, "x", &m, &err), 0);
        assert_true(m == (CAPS_BIT(0) | CAPS_BIT(5)));

        char *bad[] = {(char *)"CAP_CHOWN", (char *)"CAP_KILL", (char *)"CAP_FOO", NULL};
        assert_int_equal(caps_parse_strv(bad, "process.capabilities.bounding", &m, &err), -EINVAL);
        assert_string_equal(err->msg,
                            "`process.capabilities.bounding[2]`: unknown capability `CAP_FOO`");
        error_free(TAKE_PTR(err));
        assert_int_equal(caps_parse_strv(bad, NULL, &m, &err), -EINVAL);
        assert_string_equal(err->msg, "unknown capability `CAP_FOO`");
        error_free(TAKE_PTR(err));

        assert_int_equal(caps_parse_strv(NULL, NULL, &m, &err), 0);
        assert_true(m == 0);
}

static JsonValue *parse(const char *doc) {
        JsonValue *v = NULL;
        if (json_parse(doc, strlen(doc), 0, &v, NULL) < 0)
                fail_msg("bad test JSON");
        return v;
}

static void test_parse_oci(void **state) {
        _cleanup_json_ JsonValue *v =
                parse("{\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_RAW\",\"CAP_SYS_ADMIN\"],"
                      "\"effective\":[\"CAP_CHOWN\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_NET_RAW\"],"
                      "\"inheritable\":[],\"ambient\":[\"CAP_NET_RAW\"]}");
        CapSets s;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(caps_parse_oci(v, &s, &err), 0);
        assert_true(s.bounding == (CAPS_BIT(0) | CAPS_BIT(13) | CAPS_BIT(21)));
        assert_true(s.effective == CAPS_BIT(0));
        assert_true(s.permitted == (CAPS_BIT(0) | CAPS_BIT(13)));
        assert_true(s.inheritable == 0);
        assert_true(s.ambient == CAPS_BIT(13));

        _cleanup_json_ JsonValue *partial = parse("{\"bounding\":[\"CAP_KILL\"]}");
        assert_int_equal(caps_parse_oci(partial, &s, &err), 0);
        assert_true(s.bounding == CAPS_BIT(5) && s.effective == 0 && s.ambient == 0);
        assert_int_equal(caps_parse_oci(NULL, &s, &err), 0);
        assert_true(s.bounding == 0);

        static const struct {
                const char *doc;
                const char *msg;
        } bad[] = {
                {"[]", "`process.capabilities` must be an object, not array"},
                {"{\"effective\":\"CAP_KILL\"}",
                 "`process.capabilities.effective` must be an array of strings, not string"},
                {"{\"ambient\":[\"CAP_KILL\",3]}",
                 "`process.capabilities.ambient[1]` must be a string, not integer"},
                {"{\"permitted\":[\"CAP_KILL\",\"CAP_NOPE\"]}",
                 "`process.capabilities.permitted[1]`: unknown capability `CAP_NOPE`"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_json_ JsonValue *b = parse(bad[i].doc);
                _cleanup_error_ WarrenError *e = NULL;
                assert_int_equal(caps_parse_oci(b, &s, &e), -EINVAL);
                assert_string_equal(e->msg, bad[i].msg);
        }
}

static void test_format(void **state) {
        _cleanup_free_ char *a = caps_mask_to_string(CAPS_BIT(0) | CAPS_BIT(21));
        assert_string_equal(a, "CAP_CHOWN,CAP_SYS_ADMIN");
        _cleanup_free_ char *b = caps_mask_to_string(0);
        assert_string_equal(b, "");
        _cleanup_free_ char *c = caps_mask_to_string(CAPS_BIT(47));
        assert_string_equal(c, "CAP_47");
        _cleanup_json_ JsonValue *j = caps_mask_to_json(caps_default_mask());
        assert_int_equal(json_length(j), 11);
        uint64_t back = 0;
        assert_int_equal(caps_parse_json(j, NULL, &back, NULL), 0);
        assert_true(back == caps_default_mask());
        CapSets s = caps_sets_from_mask(back);
        assert_true(s.bounding == back && s.effective == back && s.permitted == back);
        assert_true(s.inheritable == 0 && s.ambient == 0);
        assert_true(caps_default_mask() & CAPS_BIT(caps_from_name("CAP_NET_BIND_SERVICE")));
        assert_false(caps_default_mask() & CAPS_BIT(caps_from_name("CAP_NET_RAW")));
}

static void test_kernel(void **state) {
        int last = caps_last_cap();
        assert_true(last >= 36 && last <= 63);
        assert_true(caps_supported_mask() & CAPS_BIT(last));
        if (last < 63)
                assert_false(caps_supported_mask() & CAPS_BIT(last + 1));
        CapSets s;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(caps_get_current(&s, &err), 0);
        assert_true((s.effective & ~s.permitted) == 0);
}

/* Apply in a forked child; the exit status carries the result (0 ok, 77 skip). */
static int in_child(int (*fn)(void)) {
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0)
                _exit(fn());
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int apply_same_uid(void) {
        CapSets want = caps_sets_from_mask(caps_default_mask());
        /* ambient needs permitted + inheritable */
        want.inheritable = CAPS_BIT(10);
        want.ambient = CAPS_BIT(10); /* CAP_NET_BIND_SERVICE */
        /* a capability beyond the kernel's last is ignored, not an error */
        want.bounding |= CAPS_BIT(62);
        WarrenError *err = NULL;
        if (caps_apply(&want, &err) < 0) {
                fprintf(stderr, "caps_apply: %s\n", err->msg);
                return 1;
        }
        CapSets got;
        if (caps_get_current(&got, &err) < 0)
                return 2;
        uint64_t sup = caps_supported_mask();
        if (got.bounding != (want.bounding & sup))
                return 3;
        if (got.effective != want.effective || got.permitted != want.permitted)
                return 4;
        if (got.inheritable != want.inheritable || got.ambient != want.ambient)
                return 5;
        if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
                return 6;
        return 0;
}

static int apply_across_setuid(void) {
        CapSets want = caps_sets_from_mask(caps_default_mask());
        WarrenError *err = NULL;
        if (caps_apply_before_setuid(&want, &err) < 0) {
                fprintf(stderr, "before: %s\n", err->msg);
                return 1;
        }
        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
            setresuid(65534, 65534, 65534) < 0)
                return 2;
        if (caps_apply_after_setuid(&want, &err) < 0) {
                fprintf(stderr, "after: %s\n", err->msg);
                return 3;
        }
        CapSets got;
        if (caps_get_current(&got, &err) < 0)
                return 4;
        if (got.effective != want.effective || got.permitted != want.permitted)
                return 5;
        if (got.bounding != want.bounding)
                return 6;
        return 0;
}

static int apply_refused(void) {
        /* effective beyond permitted: the kernel says no and the error names the sets */
        CapSets want = {.bounding = caps_default_mask(), .effective = CAPS_BIT(0)};
        WarrenError *err = NULL;
        if (caps_apply(&want, &err) == 0)
                return 1;
        if (!strstr(err->msg, "set capabilities (effective `CAP_CHOWN`, permitted ``"))
                return 2;
        /* ambient without inheritable */
        want = (CapSets){.bounding = caps_default_mask(),
                         .effective = CAPS_BIT(0),
                         .permitted = CAPS_BIT(0),
                         .ambient = CAPS_BIT(0)};
        error_free(err);
        err = NULL;
        if (caps_apply(&want, &err) == 0)
                return 3;
        int ok = strstr(err->msg, "raise ambient capability `CAP_CHOWN`") != NULL;
        error_free(err);
        return ok ? 0 : 4;
}

static void test_apply(void **state) {
        CapSets cur;
        assert_int_equal(caps_get_current(&cur, NULL), 0);
        uint64_t need = caps_default_mask() | CAPS_BIT(21);
        if ((cur.effective & need) != need || geteuid() != 0)
                skip(); /* needs a root with the default set and CAP_SETPCAP */
        assert_int_equal(in_child(apply_same_uid), 0);
        assert_int_equal(in_child(apply_across_setuid), 0);
        assert_int_equal(in_child(apply_refused), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_table), cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_oci),  cmocka_unit_test(test_format),
                cmocka_unit_test(test_kernel),     cmocka_unit_test(test_apply),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
