/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: order, the state on stdin, args and env, exit statuses, timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/hooks.h"

static char dir[] = "/tmp/warren-test-hooks.XXXXXX";

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        rm_rf(dir, NULL);
        return 0;
}

/* A config with hooks of `kind` running `sh -c SCRIPT` each. */
static OciConfig *config_with(OciHookKind kind, const char *const *scripts, int timeout) {
        OciConfig *c = xnew(OciConfig, 1);
        size_t n = 0;
        while (scripts[n])
                n++;
        c->hooks[kind] = xnew(OciHook, n + 1);
        for (size_t i = 0; i < n; i++) {
                OciHook *h = &c->hooks[kind][i];
                h->path = xstrdup("/bin/sh");
                strv_push(&h->args, "sh");
                strv_push(&h->args, "-c");
                strv_push(&h->args, scripts[i]);
                strv_push(&h->env, "HOOKVAR=from-env");
                h->timeout = timeout;
        }
        c->n_hooks[kind] = n;
        return c;
}

static void test_order_and_stdin(void **state) {
        _cleanup_free_ char *s1 = xasprintf("read -r s; echo \"one $s $HOOKVAR\" >> %s/log", dir);
        _cleanup_free_ char *s2 = xasprintf("echo two >> %s/log", dir);
        const char *const scripts[] = {s1, s2, NULL};
        _cleanup_oci_config_ OciConfig *c = config_with(OCI_HOOK_PRESTART, scripts, 0);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(hooks_run(c, OCI_HOOK_PRESTART, "{\"status\":\"creating\"}", &err), 0);
        /* hooks of another kind do not run */
        assert_int_equal(hooks_run(c, OCI_HOOK_POSTSTOP, "{}", &err), 0);
        _cleanup_free_ char *log = path_join(dir, "log");
        _cleanup_free_ char *text = NULL;
        assert_int_equal(read_file_capped(log, 4096, &text, NULL, NULL), 0);
        assert_string_equal(text, "one {\"status\":\"creating\"} from-env\ntwo\n");
}

static void test_failure_stops_the_rest(void **state) {
        _cleanup_free_ char *s2 = xasprintf("touch %s/not-run", dir);
        const char *const scripts[] = {"exit 3", s2, NULL};
        _cleanup_oci_config_ OciConfig *c = config_with(OCI_HOOK_CREATE_RUNTIME, scripts, 0);
        _cleanup_error_ WarrenError *err = NULL;
        assert_true(hooks_run(c, OCI_HOOK_CREATE_RUNTIME, "{}", &err) < 0);
        assert_non_null(strstr(err->msg, "createRuntime hook #0"));
        assert_non_null(strstr(err->msg, "status 3"));
        _cleanup_free_ char *p = path_join(dir, "not-run");
        assert_false(path_exists(p));
}

static void test_hook_ignoring_stdin(void **state) {
        /* a large state and a hook that never reads it must not block or kill us */
        _cleanup_free_ char *big = xmalloc(1 << 20);
        memset(big, 'x', (1 << 20) - 1);
        big[(1 << 20) - 1] = 0;
        const char *const scripts[] = {"exit 0", NULL};
        _cleanup_oci_config_ OciConfig *c = config_with(OCI_HOOK_POSTSTART, scripts, 0);
        assert_int_equal(hooks_run(c, OCI_HOOK_POSTSTART, big, NULL), 0);
}

static void test_timeout(void **state) {
        const char *const scripts[] = {"sleep 10", NULL};
        _cleanup_oci_config_ OciConfig *c = config_with(OCI_HOOK_POSTSTOP, scripts, 1);
        _cleanup_error_ WarrenError *err = NULL;
        time_t t0 = time(NULL);
        assert_int_equal(hooks_run(c, OCI_HOOK_POSTSTOP, "{}", &err), -ETIMEDOUT);
        assert_true(time(NULL) - t0 < 5);
        assert_non_null(strstr(err->msg, "timed out after 1 seconds"));
}

static void test_missing_binary(void **state) {
        OciConfig *c = xnew(OciConfig, 1);
        c->hooks[OCI_HOOK_START_CONTAINER] = xnew(OciHook, 1);
        c->hooks[OCI_HOOK_START_CONTAINER][0].path = xstrdup("/no/such/hook");
        c->n_hooks[OCI_HOOK_START_CONTAINER] = 1;
        _cleanup_error_ WarrenError *err = NULL;
        assert_true(hooks_run(c, OCI_HOOK_START_CONTAINER, "{}", &err) < 0);
        assert_non_null(strstr(err->msg, "`/no/such/hook` could not be run"));
        oci_config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order_and_stdin),
                cmocka_unit_test(test_failure_stops_the_rest),
                cmocka_unit_test(test_hook_ignoring_stdin),
                cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_missing_binary),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
