/* SPDX-License-Identifier: Apache-2.0 */
/* The helper's seccomp profile: valid for the seccomp module, and it denies what it should. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/json.h"
#include "core/net-sandbox.h"
#include "runtime/seccomp.h"

static void test_profile_builds(void **state) {
        _cleanup_json_ JsonValue *p = net_sandbox_seccomp_profile();
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        int r = seccomp_filter_build(p, &f, &err);
        if (r < 0)
                fail_msg("%s", err->msg);
        assert_non_null(f);
        SeccompFilterStats st;
        seccomp_filter_stats(f, &st);
        assert_true(st.rules_added > 60);
        _cleanup_free_ char *pfc = NULL;
        assert_int_equal(seccomp_filter_export_pfc(f, &pfc, &err), 0);
        /* allow by default; exec, mount, setns, unshare and ptrace are refused */
        assert_non_null(strstr(pfc, "execve"));
        assert_non_null(strstr(pfc, "mount"));
        assert_non_null(strstr(pfc, "setns"));
        assert_non_null(strstr(pfc, "unshare"));
        assert_non_null(strstr(pfc, "ptrace"));
        assert_non_null(strstr(pfc, "clone"));
}

static void test_profile_shape(void **state) {
        _cleanup_json_ JsonValue *p = net_sandbox_seccomp_profile();
        assert_string_equal(json_string(json_get(p, "defaultAction")), "SCMP_ACT_ALLOW");
        const JsonValue *sc = json_get(p, "syscalls");
        assert_true(json_length(sc) >= 3);
        for (size_t i = 0; i < json_length(sc); i++) {
                const JsonValue *e = json_at(sc, i);
                assert_string_equal(json_string(json_get(e, "action")), "SCMP_ACT_ERRNO");
                assert_true(json_length(json_get(e, "args")) <= 6);
                /* nothing the helper's loop needs is in the list */
                const JsonValue *names = json_get(e, "names");
                for (size_t k = 0; k < json_length(names); k++) {
                        const char *n = json_string(json_at(names, k));
                        static const char *const needed[] = {"epoll_wait", "read",      "write",
                                                             "socket",     "bind",      "accept4",
                                                             "sendto",     "recvfrom",  "unlinkat",
                                                             "close",      "exit_group"};
                        for (size_t j = 0; j < ELEMENTSOF(needed); j++)
                                assert_string_not_equal(n, needed[j]);
                }
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_profile_builds),
                cmocka_unit_test(test_profile_shape),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
