/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "core/spec-gen.h"
#include "runtime/caps.h"

static JsonValue *parse(const char *s) {
        JsonValue *v = NULL;
        assert_int_equal(json_parse(s, strlen(s), 0, &v, NULL), 0);
        return v;
}

static void test_args_docker_rules(void **state) {
        _cleanup_json_ JsonValue *img =
                parse("{\"Entrypoint\":[\"/ep\",\"x\"],\"Cmd\":[\"c1\",\"c2\"]}");
        RunOptions o = {};
        _cleanup_strv_ char **a = NULL;
        assert_int_equal(spec_process_args(&o, img, &a, NULL), 0);
        assert_int_equal(strv_length(a), 4); /* entrypoint + cmd */
        a = strv_free(a);

        char *cmd[] = { "user", NULL };
        o.command = cmd;
        assert_int_equal(spec_process_args(&o, img, &a, NULL), 0);
        assert_string_equal(a[0], "/ep");
        assert_string_equal(a[2], "user"); /* the given command replaces Cmd */
        assert_int_equal(strv_length(a), 3);
        a = strv_free(a);

        o.has_entrypoint = true;
        o.entrypoint = "/other";
        o.command = NULL;
        assert_int_equal(spec_process_args(&o, img, &a, NULL), 0);
        assert_int_equal(strv_length(a), 1); /* --entrypoint drops the image's Cmd */
        assert_string_equal(a[0], "/other");
        a = strv_free(a);

        o.entrypoint = "";
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(spec_process_args(&o, img, &a, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "no command"));
}

static void test_env_layering(void **state) {
        _cleanup_json_ JsonValue *img = parse("{\"Env\":[\"A=img\",\"B=img\",\"broken\"]}");
        char *env[] = { "B=cli", "C=cli", NULL };
        RunOptions o = { .env = env, .tty = true };
        _cleanup_strv_ char **e = spec_process_env(&o, img, "host1");
        assert_string_equal(env_get(e, "A"), "img");
        assert_string_equal(env_get(e, "B"), "cli");
        assert_string_equal(env_get(e, "C"), "cli");
        assert_non_null(env_get(e, "PATH"));
        assert_string_equal(env_get(e, "HOSTNAME"), "host1");
        assert_string_equal(env_get(e, "TERM"), "xterm");
        assert_null(env_get(e, "broken"));
}

static void test_capabilities(void **state) {
        RunOptions o = {};
        uint64_t m;
        assert_int_equal(spec_capabilities(&o, &m, NULL), 0);
        assert_true(m == (caps_default_mask() & caps_supported_mask()));
        assert_true(m & CAPS_BIT(caps_from_name("CAP_CHOWN")));
        assert_false(m & CAPS_BIT(caps_from_name("CAP_SYS_ADMIN")));
        char *drop[] = { "ALL", NULL }, *add[] = { "CAP_NET_RAW", NULL };
        o.cap_drop = drop;
        o.cap_add = add;
        assert_int_equal(spec_capabilities(&o, &m, NULL), 0);
        assert_true(m == CAPS_BIT(caps_from_name("CAP_NET_RAW")));
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# comment\n"
                             "app:x:1000:1001::/home/app:/bin/sh\n"
                             "broken:x:notanumber:1\n";
static const char group[] = "root:x:0:\n"
                            "appgrp:x:1001:\n"
                            "wheel:x:10:app,other\n"
                            "audio:x:29:other\n";

static void test_resolve_user(void **state) {
        SpecUser u = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(spec_resolve_user("app", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1001);
        assert_int_equal(u.n_additional_gids, 1);
        assert_int_equal(u.additional_gids[0], 10);
        spec_user_done(&u);
        assert_int_equal(spec_resolve_user("1000:29", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 29);
        spec_user_done(&u);
        assert_int_equal(spec_resolve_user("4242", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 4242); /* numeric ids need no entry */
        assert_int_equal(u.gid, 0);
        spec_user_done(&u);
        assert_int_equal(spec_resolve_user(NULL, NULL, NULL, &u, &err), 0);
        assert_int_equal(u.uid, 0);
        assert_int_equal(spec_resolve_user("ghost", passwd, group, &u, &err), -ENOENT);
        assert_non_null(strstr(err->msg, "`ghost`"));
        err = error_free(err);
        assert_int_equal(spec_resolve_user("app:nogroup", passwd, group, &u, &err), -ENOENT);
        err = error_free(err);
        assert_int_equal(spec_resolve_user("broken", passwd, group, &u, &err), -EINVAL);
        err = error_free(err);
        assert_int_equal(spec_resolve_user("app", NULL, NULL, &u, &err), -ENOENT);
}

static void test_generate(void **state) {
        _cleanup_json_ JsonValue *img = parse("{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/srv\"}");
        RunMount mounts[] = {
                { .kind = MOUNT_KIND_BIND, .source = "/h", .destination = "/c", .read_only = true },
                { .kind = MOUNT_KIND_TMPFS, .destination = "/t", .tmpfs_size = 1 << 20 },
        };
        KeyValue ann[] = { { "k", "v" } };
        RunOptions o = { .mounts = mounts, .n_mounts = 2, .annotations = ann, .n_annotations = 1,
                         .no_new_privileges = true, .stop_signal = 2, .image = "img" };
        IdMap map = {};
        idmap_append(&map, 0, 1000, 1);
        idmap_append(&map, 1, 100000, 65536);
        SpecInputs in = { .opts = &o, .image_config = img, .container_id = "0123456789abcdef",
                          .rootfs = "/r", .uid_map = &map, .gid_map = &map,
                          .hosts_file = "/x/hosts" };
        _cleanup_json_ JsonValue *spec = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(spec_generate(&in, &spec, &err), 0);
        assert_string_equal(json_string(json_get(spec, "hostname")), "0123456789ab");
        assert_string_equal(json_string(json_get_path(spec, "process", "cwd", NULL)), "/srv");
        assert_true(json_get_path(spec, "process", "noNewPrivileges", NULL)->u.boolean);
        assert_string_equal(json_string(json_get_path(spec, "root", "path", NULL)), "/r");
        assert_int_equal(json_length(json_get_path(spec, "linux", "uidMappings", NULL)), 2);
        assert_non_null(json_get_path(spec, "linux", "seccomp", "defaultAction", NULL));
        assert_true(json_length(json_get_path(spec, "linux", "maskedPaths", NULL)) >= 10);
        assert_string_equal(json_string(json_get_path(spec, "annotations", "k", NULL)), "v");
        assert_string_equal(
                json_string(json_get_path(spec, "annotations", "io.warren.stop-signal", NULL)),
                "SIGINT");
        const JsonValue *m = json_get(spec, "mounts");
        bool saw_bind = false, saw_tmpfs = false, saw_hosts = false;
        for (size_t i = 0; i < json_length(m); i++) {
                const char *d = json_string(json_get(json_at(m, i), "destination"));
                saw_bind |= STREQ(d, "/c");
                saw_tmpfs |= STREQ(d, "/t");
                saw_hosts |= STREQ(d, "/etc/hosts");
        }
        assert_true(saw_bind && saw_tmpfs && saw_hosts);
        /* The caps in the bounding set are podman's defaults. */
        uint64_t b = 0;
        assert_int_equal(caps_parse_json(json_get_path(spec, "process", "capabilities", "bounding",
                                                       NULL),
                                         "b", &b, NULL),
                         0);
        assert_true(b == (caps_default_mask() & caps_supported_mask()));
        idmap_done(&map);

        /* A seccomp file that does not parse fails, naming it. */
        o.seccomp_profile = "/nonexistent/profile.json";
        _cleanup_json_ JsonValue *spec2 = NULL;
        assert_true(spec_generate(&in, &spec2, &err) < 0);
        assert_non_null(strstr(err->msg, "profile"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_args_docker_rules), cmocka_unit_test(test_env_layering),
                cmocka_unit_test(test_capabilities),      cmocka_unit_test(test_resolve_user),
                cmocka_unit_test(test_generate),
        };
        return cmocka_run_group_tests_name("spec-gen", tests, NULL, NULL);
}
