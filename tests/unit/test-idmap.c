/* SPDX-License-Identifier: Apache-2.0 */
/* Id maps: kernel text, OCI form, validation, the rootless default map, the mapping plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "userns/idmap.h"

static void test_kernel_roundtrip(void **state) {
        _cleanup_idmap_ IdMap m = {0};
        _cleanup_error_ WarrenError *err = NULL;
        /* as the kernel prints it: padded columns */
        const char *text = "         0       1000          1\n         1     100000      65536\n";
        assert_int_equal(idmap_parse_kernel(text, NULL, &m, &err), 0);
        assert_int_equal(m.n, 2);
        assert_int_equal(m.entries[1].container_id, 1);
        assert_int_equal(m.entries[1].host_id, 100000);
        assert_int_equal(m.entries[1].size, 65536);
        _cleanup_free_ char *s = idmap_format_kernel(&m);
        assert_string_equal(s, "0 1000 1\n1 100000 65536\n");
        _cleanup_idmap_ IdMap again = {0};
        assert_int_equal(idmap_parse_kernel(s, NULL, &again, &err), 0);
        assert_true(idmap_equal(&m, &again));
        assert_int_equal(idmap_validate(&m, NULL, &err), 0);

        _cleanup_strv_ char **args = idmap_format_helper_args(&m);
        assert_int_equal(strv_length(args), 6);
        assert_string_equal(args[3], "1");
        assert_string_equal(args[4], "100000");

        /* the full map of the initial namespace */
        _cleanup_idmap_ IdMap full = {0};
        assert_int_equal(idmap_parse_kernel("0 0 4294967295\n", NULL, &full, &err), 0);
        assert_int_equal(full.entries[0].size, UINT32_MAX);
        assert_int_equal(idmap_validate(&full, NULL, &err), 0);

        _cleanup_idmap_ IdMap empty = {0};
        assert_int_equal(idmap_parse_kernel("", NULL, &empty, &err), 0);
        assert_int_equal(empty.n, 0);
        _cleanup_free_ char *es = idmap_format_kernel(&empty);
        assert_string_equal(es, "");
}

static void test_kernel_parse_errors(void **state) {
        static const struct {
                const char *text;
                const char *msg;
        } bad[] = {
                {"0 1000\n", "line 1: expected 3 fields, got 2"},
                {"0 1000 1\n1 2 3 4\n", "line 2: expected 3 fields, got 4"},
                {"0 x 1\n", "`x` is not a 32-bit id"},
                {"0 -1 1\n", "`-1` is not a 32-bit id"},
                {"0 1 4294967296\n", "`4294967296` is not a 32-bit id"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_idmap_ IdMap m = {0};
                _cleanup_error_ WarrenError *err = NULL;
                assert_int_equal(idmap_parse_kernel(bad[i].text, "uid_map", &m, &err), -EINVAL);
                assert_non_null(strstr(err->msg, bad[i].msg));
                assert_non_null(strstr(err->msg, "`uid_map`"));
        }
}

static void expect_invalid(const IdMapEntry *e, size_t n, int code, const char *msg) {
        IdMap m = {.entries = (IdMapEntry *)e, .n = n};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(idmap_validate(&m, "linux.uidMappings", &err), -code);
        assert_non_null(err);
        if (!strstr(err->msg, msg))
                fail_msg("`%s` does not contain `%s`", err->msg, msg);
}

static void test_validate(void **state) {
        expect_invalid(NULL, 0, EINVAL, "`linux.uidMappings` has no entries");
        expect_invalid((IdMapEntry[]){{0, 1000, 0}}, 1, EINVAL,
                       "`linux.uidMappings[0]`: size must not be 0");
        expect_invalid((IdMapEntry[]){{0, 1000, 1}, {0, 2000, 5}}, 2, EINVAL,
                       "`linux.uidMappings[1]`: container ids 0-4 overlap entry 0");
        expect_invalid((IdMapEntry[]){{0, 1000, 10}, {20, 1005, 5}}, 2, EINVAL,
                       "`linux.uidMappings[1]`: host ids 1005-1009 overlap entry 0");
        expect_invalid((IdMapEntry[]){{4294967290U, 1000, 10}}, 1, EINVAL,
                       "container ids 4294967290+10 run past");
        expect_invalid((IdMapEntry[]){{0, 4294967295U, 1}}, 1, EINVAL, "host ids");
        /* adjacent ranges are fine */
        IdMapEntry ok[] = {{0, 1000, 1}, {1, 100000, 65536}, {65537, 1001, 1}};
        IdMap m = {.entries = ok, .n = 3};
        assert_int_equal(idmap_validate(&m, NULL, NULL), 0);

        _cleanup_idmap_ IdMap big = {0};
        for (uint32_t i = 0; i <= IDMAP_MAX_ENTRIES; i++)
                idmap_append(&big, i, 1000 + i, 1);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(idmap_validate(&big, NULL, &err), -E2BIG);
        assert_non_null(strstr(err->msg, "has 341 entries"));
}

static void test_translate(void **state) {
        IdMapEntry e[] = {{0, 1000, 1}, {1, 100000, 65536}};
        IdMap m = {.entries = e, .n = 2};
        uint32_t x = 0;
        assert_int_equal(idmap_to_host(&m, 0, &x), 0);
        assert_int_equal(x, 1000);
        assert_int_equal(idmap_to_host(&m, 65536, &x), 0);
        assert_int_equal(x, 165535);
        assert_int_equal(idmap_to_host(&m, 65537, &x), -ERANGE);
        assert_int_equal(idmap_to_container(&m, 100000, &x), 0);
        assert_int_equal(x, 1);
        assert_int_equal(idmap_to_container(&m, 999, &x), -ERANGE);
        assert_true(idmap_is_single(&(IdMap){.entries = e, .n = 1}, 1000));
        assert_false(idmap_is_single(&m, 1000));
        IdMap copy;
        idmap_copy(&m, &copy);
        assert_true(idmap_equal(&m, &copy));
        copy.entries[1].size = 5;
        assert_false(idmap_equal(&m, &copy));
        idmap_done(&copy);
        IdMap *h = idmap_new();
        idmap_append(h, 0, 0, 1);
        assert_null(idmap_free(h));
}

static void test_oci(void **state) {
        const char *doc = "[{\"containerID\":0,\"hostID\":1000,\"size\":1},"
                          "{\"containerID\":1,\"hostID\":100000,\"size\":65536}]";
        _cleanup_json_ JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(json_parse(doc, strlen(doc), 0, &v, &err), 0);
        _cleanup_idmap_ IdMap m = {0};
        assert_int_equal(idmap_from_oci(v, "linux.uidMappings", &m, &err), 0);
        assert_int_equal(m.n, 2);
        assert_int_equal(m.entries[1].host_id, 100000);
        _cleanup_json_ JsonValue *out = idmap_to_oci(&m);
        _cleanup_idmap_ IdMap back = {0};
        assert_int_equal(idmap_from_oci(out, NULL, &back, &err), 0);
        assert_true(idmap_equal(&m, &back));

        _cleanup_idmap_ IdMap none = {0};
        assert_int_equal(idmap_from_oci(NULL, NULL, &none, &err), 0);
        assert_int_equal(none.n, 0);

        static const struct {
                const char *doc;
                const char *msg;
        } bad[] = {
                {"{}", "`linux.uidMappings` must be an array, not object"},
                {"[1]", "`linux.uidMappings[0]` must be an object"},
                {"[{\"containerID\":0,\"size\":1}]", "`linux.uidMappings[0].hostID` is required"},
                {"[{\"containerID\":0,\"hostID\":-1,\"size\":1}]",
                 "`linux.uidMappings[0].hostID` must not be negative"},
                {"[{\"containerID\":0,\"hostID\":1,\"size\":4294967296}]",
                 "`linux.uidMappings[0].size` is out of range"},
                {"[{\"containerID\":\"0\",\"hostID\":1,\"size\":1}]",
                 "`linux.uidMappings[0].containerID` must be an integer"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_json_ JsonValue *b = NULL;
                _cleanup_error_ WarrenError *e = NULL;
                assert_int_equal(json_parse(bad[i].doc, strlen(bad[i].doc), 0, &b, &e), 0);
                _cleanup_idmap_ IdMap x = {0};
                assert_true(idmap_from_oci(b, "linux.uidMappings", &x, &e) < 0);
                if (!strstr(e->msg, bad[i].msg))
                        fail_msg("`%s` does not contain `%s`", e->msg, bad[i].msg);
        }
}

static void test_build_rootless(void **state) {
        SubIdRange r[] = {
                {100000, 65536},
                {1000, 10},  /* contains the caller's id: dropped */
                {120000, 5}, /* overlaps the first range: dropped */
                {300000, 1000},
        };
        SubIdList l = {.ranges = r, .n = ELEMENTSOF(r)};
        _cleanup_idmap_ IdMap m = {0};
        idmap_build_rootless(1005, &l, &m);
        assert_int_equal(m.n, 3);
        assert_int_equal(m.entries[0].container_id, 0);
        assert_int_equal(m.entries[0].host_id, 1005);
        assert_int_equal(m.entries[0].size, 1);
        assert_int_equal(m.entries[1].container_id, 1);
        assert_int_equal(m.entries[1].host_id, 100000);
        assert_int_equal(m.entries[2].container_id, 65537);
        assert_int_equal(m.entries[2].host_id, 300000);
        assert_int_equal(m.entries[2].size, 1000);
        assert_int_equal(idmap_validate(&m, NULL, NULL), 0);

        /* no ranges: the single-id map */
        _cleanup_idmap_ IdMap single = {0};
        idmap_build_rootless(1000, NULL, &single);
        assert_true(idmap_is_single(&single, 1000));

        /* huge ranges are clipped so container ids stay valid */
        SubIdRange huge[] = {{1, 4000000000U}, {4000000001U, 294967290U}};
        SubIdList hl = {.ranges = huge, .n = 2};
        _cleanup_idmap_ IdMap hm = {0};
        idmap_build_rootless(0, &hl, &hm);
        assert_int_equal(idmap_validate(&hm, NULL, NULL), 0);
        assert_int_equal(hm.n, 3);
        assert_int_equal((uint64_t)hm.entries[2].container_id + hm.entries[2].size, 4294967291U);
}

static void test_plan(void **state) {
        IdMapSupport s = {
                .user = (char *)"alice",
                .uid = 1000,
                .gid = 1000,
                .newuidmap = (char *)"/usr/bin/newuidmap",
                .newgidmap = (char *)"/usr/bin/newgidmap",
                .newuidmap_usable = true,
                .newgidmap_usable = true,
                .subuids = {.ranges = (SubIdRange[]){{100000, 65536}}, .n = 1},
                .subgids = {.ranges = (SubIdRange[]){{200000, 65536}}, .n = 1},
        };
        _cleanup_idmap_plan_ IdMapPlan p = {0};
        idmap_plan_from_support(&s, &p);
        assert_true(p.use_helpers);
        assert_int_equal(p.uid_map.n, 2);
        assert_int_equal(p.gid_map.entries[1].host_id, 200000);
        assert_non_null(strstr(p.reason, "multi-range"));
        idmap_plan_done(&p);

        s.subgids.n = 0;
        idmap_plan_from_support(&s, &p);
        assert_false(p.use_helpers);
        assert_true(idmap_is_single(&p.uid_map, 1000));
        assert_true(idmap_is_single(&p.gid_map, 1000));
        assert_non_null(strstr(p.reason, "no range for `alice` (uid 1000) in /etc/subgid"));
        idmap_plan_done(&p);

        s.subgids.n = 1;
        s.newuidmap = NULL;
        idmap_plan_from_support(&s, &p);
        assert_false(p.use_helpers);
        assert_non_null(strstr(p.reason, "`newuidmap` not found"));
        idmap_plan_done(&p);

        s.newuidmap = (char *)"/usr/bin/newuidmap";
        s.newgidmap_usable = false;
        idmap_plan_from_support(&s, &p);
        assert_false(p.use_helpers);
        assert_non_null(strstr(p.reason, "neither setuid root nor has cap_setgid"));
        idmap_plan_done(&p);

        /* explicit maps: a multi-range map needs the helpers unless we are root */
        IdMap um = {.entries = (IdMapEntry[]){{0, 1000, 1}, {1, 100000, 10}}, .n = 2};
        idmap_plan_from_maps(&um, &um, &p);
        assert_int_equal(p.use_helpers, geteuid() != 0);
        assert_true(idmap_equal(&p.uid_map, &um));
}

static void test_detect_at(void **state) {
        char path[] = "/tmp/test-idmap-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const char *text = "alice:100000:65536\nbob:165536:65536\n1000:300000:10\n";
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        _cleanup_idmap_support_ IdMapSupport s = {0};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(
                idmap_detect_support_at(1000, 1000, "alice", path, path, NULL, NULL, &s, &err), 0);
        unlink(path);
        assert_int_equal(s.subuids.n, 2); /* by name and by uid */
        assert_int_equal(s.subuids.ranges[1].start, 300000);
        assert_int_equal(s.subgids.n, 2);
        assert_null(s.newuidmap);
        assert_false(s.newuidmap_usable);

        /* a missing file is not an error */
        _cleanup_idmap_support_ IdMapSupport m = {0};
        assert_int_equal(idmap_detect_support_at(1000, 1000, "alice", "/nonexistent/subuid", NULL,
                                                 NULL, NULL, &m, &err),
                         0);
        assert_int_equal(m.subuids.n, 0);

        /* the running host: whatever it has, the probe succeeds */
        _cleanup_idmap_support_ IdMapSupport h = {0};
        assert_int_equal(idmap_detect_support(&h, &err), 0);
        assert_int_equal(h.uid, geteuid());
}

static void test_helpers(void **state) {
        assert_false(idmap_helper_usable("/nonexistent", 7));
        assert_false(idmap_helper_usable("/bin/sh", 7));
        _cleanup_free_ char *p = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (idmap_find_helper(IDMAP_UID, &p, &err) < 0) {
                assert_int_equal(err->code, ENOENT);
                assert_non_null(strstr(err->msg, "`newuidmap` not found"));
                return;
        }
        assert_true(p[0] == '/');
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        if ((st.st_mode & S_ISUID) && st.st_uid == 0)
                assert_true(idmap_helper_usable(p, 7));

        /* A map the helper refuses (a pid that is not ours to map): the error names the tool
         * and carries its stderr. */
        IdMap m = {.entries = (IdMapEntry[]){{0, 1, 1}}, .n = 1};
        int r = idmap_write_helper(1, IDMAP_UID, &m, &err);
        assert_true(r < 0);
        assert_non_null(strstr(err->msg, "newuidmap `"));
        assert_non_null(strstr(err->msg, "failed with status"));
        assert_string_equal(idmap_helper_name(IDMAP_GID), "newgidmap");
        assert_string_equal(idmap_kind_name(IDMAP_GID), "gid");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kernel_roundtrip),
                cmocka_unit_test(test_kernel_parse_errors),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_translate),
                cmocka_unit_test(test_oci),
                cmocka_unit_test(test_build_rootless),
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_detect_at),
                cmocka_unit_test(test_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
