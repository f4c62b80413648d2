/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/strv.h"
#include "core/run-options.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) run_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), true, o, err)

static void test_basic_run(void **state) {
        RunOptions o = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(PARSE(&o, &err, "run", "--rm", "-d", "--name", "web", "-e", "A=1",
                               "-e", "B=2", "-e", "A=3", "img:1", "echo", "-n", "hi"),
                         0);
        assert_true(o.rm && o.detach && !o.tty);
        assert_string_equal(o.name, "web");
        assert_string_equal(o.image, "img:1");
        assert_int_equal(strv_length(o.command), 3);
        assert_string_equal(o.command[1], "-n"); /* options after the image belong to the command */
        assert_string_equal(env_get(o.env, "A"), "3");
        assert_string_equal(env_get(o.env, "B"), "2");
        assert_true(o.no_new_privileges);
        assert_int_equal(o.stop_timeout, -1);
        run_options_done(&o);
}

static void test_combined_short_flags(void **state) {
        RunOptions o = {};
        assert_int_equal(PARSE(&o, NULL, "run", "-it", "-h", "box", "img"), 0);
        assert_true(o.interactive && o.tty);
        assert_string_equal(o.hostname, "box");
        assert_int_equal(strv_length(o.command), 0);
        run_options_done(&o);
}

static void test_env_from_caller(void **state) {
        RunOptions o = {};
        setenv("WARREN_TEST_VAR", "from-env", 1);
        unsetenv("WARREN_TEST_UNSET");
        assert_int_equal(PARSE(&o, NULL, "run", "-e", "WARREN_TEST_VAR", "-e",
                               "WARREN_TEST_UNSET", "img"),
                         0);
        assert_string_equal(env_get(o.env, "WARREN_TEST_VAR"), "from-env");
        assert_null(env_get(o.env, "WARREN_TEST_UNSET"));
        run_options_done(&o);
}

static void test_env_file(void **state) {
        char path[] = "/tmp/warren-envfile-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const char *text = "# comment\n\nX=1\r\n  Y=two words\nX=3\n";
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        RunOptions o = {};
        assert_int_equal(PARSE(&o, NULL, "run", "--env-file", path, "img"), 0);
        assert_string_equal(env_get(o.env, "X"), "3");
        assert_string_equal(env_get(o.env, "Y"), "two words");
        run_options_done(&o);
        _cleanup_error_ WarrenError *err = NULL;
        assert_true(PARSE(&o, &err, "run", "--env-file", "/nonexistent/env", "img") < 0);
        assert_non_null(strstr(err->msg, "--env-file"));
        unlink(path);
}

static void test_volumes(void **state) {
        RunMount m = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(run_parse_volume("/h:/c", &m, &err), 0);
        assert_string_equal(m.source, "/h");
        assert_string_equal(m.destination, "/c");
        assert_false(m.read_only);
        free(m.source);
        free(m.destination);
        assert_int_equal(run_parse_volume("/h:/c:ro,z", &m, &err), 0);
        assert_true(m.read_only);
        free(m.source);
        free(m.destination);

        static const char *bad[] = { "/h", "/h:/c:ro:x", "/h:rel", "/h::/c", ":/c",
                                     "/h:/c:bogus", "/h:/c/../../etc", "/h:/c:" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_true(run_parse_volume(bad[i], &m, &err) < 0);
                assert_non_null(strstr(err->msg, bad[i]));
                err = error_free(err);
        }
        assert_int_equal(run_parse_volume("named:/c", &m, &err), -ENOTSUP);
        assert_non_null(strstr(err->msg, "named volumes"));
}

static void test_mounts(void **state) {
        RunMount m = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(run_parse_mount("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=700",
                                         &m, &err),
                         0);
        assert_int_equal(m.kind, MOUNT_KIND_TMPFS);
        assert_true(m.tmpfs_size == 64ULL << 20);
        assert_int_equal(m.tmpfs_mode, 0700);
        free(m.destination);
        assert_int_equal(run_parse_mount("type=bind,src=/a,dst=/b,readonly", &m, &err), 0);
        assert_true(m.read_only);
        free(m.source);
        free(m.destination);
        static const char *bad[] = { "type=volume,target=/x", "target=/x", "type=bind,target=/x",
                                     "type=tmpfs", "type=tmpfs,target=rel", "type=bind,src=/a,dst=/b,foo=1",
                                     "type=tmpfs,target=/t,tmpfs-mode=999" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_true(run_parse_mount(bad[i], &m, &err) < 0);
                err = error_free(err);
        }
}

static void test_expose(void **state) {
        _cleanup_error_ WarrenError *err = NULL;
        static const char *const good[][2] = {
                {"80", "80/tcp"}, {"53/udp", "53/udp"}, {"8000-8010/tcp", "8000-8010/tcp"},
                {"65535", "65535/tcp"},
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *x = NULL;
                assert_int_equal(run_parse_expose(good[i][0], &x, &err), 0);
                assert_string_equal(x, good[i][1]);
        }
        static const char *const bad[] = {"", "0", "65536", "80/sctp", "90-80", "x", "80-",
                                          "-80", "80/"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *x = NULL;
                assert_int_equal(run_parse_expose(bad[i], &x, &err), -EINVAL);
                assert_null(x);
                assert_non_null(strstr(err->msg, "--expose"));
                err = error_free(err);
        }
        RunOptions o = {};
        assert_int_equal(PARSE(&o, &err, "create", "--expose", "9000", "-P", "img"), 0);
        assert_string_equal(o.expose[0], "9000/tcp");
        assert_true(o.publish_all);
        run_options_done(&o);
}

static void test_restart(void **state) {
        RestartPolicy p;
        uint32_t max;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(run_parse_restart("on-failure:3", &p, &max, &err), 0);
        assert_int_equal(p, RESTART_ON_FAILURE);
        assert_int_equal(max, 3);
        assert_int_equal(run_parse_restart("always", &p, &max, &err), 0);
        assert_int_equal(p, RESTART_ALWAYS);
        static const char *bad[] = { "sometimes", "on-failure:", "on-failure:x", "on-failure:0",
                                     "on-failureX", "" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(run_parse_restart(bad[i], &p, &max, &err), -EINVAL);
                assert_non_null(strstr(err->msg, "--restart"));
                err = error_free(err);
        }
        RunOptions o = {};
        assert_true(PARSE(&o, &err, "run", "--rm", "--restart", "always", "img") < 0);
}

static void test_bad_arguments(void **state) {
        RunOptions o = {};
        _cleanup_error_ WarrenError *err = NULL;
        struct {
                int argc;
                char **argv;
                const char *needle;
        } cases[] = {
                { ARGC("run"), ARGV("run"), "needs an image" },
                { ARGC("run", "-d"), ARGV("run", "-d"), "needs an image" },
                { ARGC("run", "--bogus", "img"), ARGV("run", "--bogus", "img"), "--bogus" },
                { ARGC("run", "-x", "img"), ARGV("run", "-x", "img"), "-x" },
                { ARGC("run", "--name"), ARGV("run", "--name"), "needs a value" },
                { ARGC("run", "--stop-signal", "SIGNOPE", "img"),
                  ARGV("run", "--stop-signal", "SIGNOPE", "img"), "SIGNOPE" },
                { ARGC("run", "--cap-add", "CAP_FLY", "img"), ARGV("run", "--cap-add", "CAP_FLY", "img"),
                  "CAP_FLY" },
                { ARGC("run", "-w", "rel", "img"), ARGV("run", "-w", "rel", "img"), "absolute" },
                { ARGC("run", "--network", "bridge", "img"), ARGV("run", "--network", "bridge", "img"),
                  "bridge" },
                { ARGC("run", "--log-opt", "max-file=3", "img"),
                  ARGV("run", "--log-opt", "max-file=3", "img"), "max-file" },
                { ARGC("run", "--security-opt", "nonsense", "img"),
                  ARGV("run", "--security-opt", "nonsense", "img"), "nonsense" },
                { ARGC("run", "--userns", "host", "img"), ARGV("run", "--userns", "host", "img"),
                  "host" },
                { ARGC("run", "--label", "=v", "img"), ARGV("run", "--label", "=v", "img"), "empty" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_true(run_options_parse(cases[i].argc, cases[i].argv, true, &o, &err) < 0);
                if (!strstr(err->msg, cases[i].needle))
                        fail_msg("case %zu: `%s` not in `%s`", i, cases[i].needle, err->msg);
                err = error_free(err);
        }
}

static void test_security_and_misc(void **state) {
        RunOptions o = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(PARSE(&o, &err, "run", "--security-opt", "seccomp=unconfined",
                               "--security-opt", "no-new-privileges:false", "--cap-add",
                               "sys_admin,NET_RAW", "--cap-drop", "ALL", "--userns", "keep-id",
                               "--stop-signal", "SIGINT", "--stop-timeout", "2", "--label",
                               "a=b", "--label", "a=c", "--annotation", "k", "--log-opt",
                               "max-size=1m", "--restart", "on-failure:3", "--init", "--runtime",
                               "/usr/bin/crun", "-p", "8080:80", "--pod", "p1", "--read-only",
                               "img"),
                         0);
        assert_string_equal(o.seccomp_profile, "unconfined");
        assert_false(o.no_new_privileges);
        assert_string_equal(o.cap_add[0], "CAP_SYS_ADMIN");
        assert_string_equal(o.cap_add[1], "CAP_NET_RAW");
        assert_string_equal(o.cap_drop[0], "ALL");
        assert_true(o.userns_keep_id);
        assert_int_equal(o.stop_signal, SIGINT);
        assert_int_equal(o.stop_timeout, 2);
        assert_int_equal(o.n_labels, 1);
        assert_string_equal(o.labels[0].value, "c");
        assert_string_equal(o.annotations[0].value, "");
        assert_true(o.log_max_size == 1 << 20);
        assert_int_equal(o.restart, RESTART_ON_FAILURE);
        assert_int_equal(o.restart_max, 3);
        assert_true(o.init && o.read_only);
        assert_string_equal(o.runtime, "/usr/bin/crun");
        assert_string_equal(o.publish[0], "8080:80");
        assert_string_equal(o.pod, "p1");
        run_options_done(&o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_expose),
                cmocka_unit_test(test_basic_run),       cmocka_unit_test(test_combined_short_flags),
                cmocka_unit_test(test_env_from_caller), cmocka_unit_test(test_env_file),
                cmocka_unit_test(test_volumes),         cmocka_unit_test(test_mounts),
                cmocka_unit_test(test_restart),         cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_security_and_misc),
        };
        return cmocka_run_group_tests_name("run-options", tests, NULL, NULL);
}
