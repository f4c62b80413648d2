/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/subuid and /etc/subgid parsing, malformed lines included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"
#include "userns/idmap.h"

static int parse(const char *text, const char *user, uint32_t id, SubIdList *l) {
        return idmap_subid_parse(text, strlen(text), "subuid", user, id, l, NULL);
}

static void test_basic(void **state) {
        const char *text = "# comment\n"
                           "\n"
                           "alice:100000:65536\n"
                           "bob:165536:65536\n"
                           "   \t\n"
                           "  alice:231072:1000  \n" /* surrounding blanks are ignored */
                           "1000:300000:10\n"        /* the uid form */
                           "alice2:400000:10\n";     /* a prefix is not a match */
        _cleanup_subid_list_ SubIdList l = {0};
        assert_int_equal(parse(text, "alice", 1000, &l), 3);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.ranges[0].start, 100000);
        assert_int_equal(l.ranges[0].count, 65536);
        assert_int_equal(l.ranges[1].start, 231072);
        assert_int_equal(l.ranges[2].start, 300000);
        assert_int_equal(l.n_malformed, 0);
        assert_int_equal(l.first_malformed_line, 0);

        _cleanup_subid_list_ SubIdList b = {0};
        assert_int_equal(parse(text, "bob", 1001, &b), 1);
        assert_int_equal(b.ranges[0].start, 165536);

        /* no user name (no passwd entry): the uid still matches */
        _cleanup_subid_list_ SubIdList u = {0};
        assert_int_equal(parse(text, NULL, 1000, &u), 1);
        assert_int_equal(u.ranges[0].start, 300000);

        _cleanup_subid_list_ SubIdList none = {0};
        assert_int_equal(parse(text, "carol", 2000, &none), 0);
        assert_null(none.ranges);
}

static void test_crlf_and_no_trailing_newline(void **state) {
        _cleanup_subid_list_ SubIdList l = {0};
        assert_int_equal(parse("alice:1:2\r\nalice:10:20", "alice", 5, &l), 2);
        assert_int_equal(l.ranges[1].start, 10);
        assert_int_equal(l.ranges[1].count, 20);
}

static void test_malformed(void **state) {
        const char *text = "alice:100000:65536\n"  /* 1 ok */
                           "alice\n"               /* 2 no fields */
                           "alice:100000\n"        /* 3 two fields */
                           "alice:1:2:3\n"         /* 4 too many */
                           "alice:x:10\n"          /* 5 start not a number */
                           "alice:10:y\n"          /* 6 count not a number */
                           "alice:10:0\n"          /* 7 count 0 */
                           "alice:-1:10\n"         /* 8 negative */
                           ":10:10\n"              /* 9 empty name */
                           "alice:4294967295:1\n"  /* 10 runs past the last id */
                           "alice:4294967290:10\n" /* 11 overflow */
                           "alice:99999999999:1\n" /* 12 not 32-bit */
                           "alice: 10:10\n"        /* 13 blank inside a field */
                           "alice:200000:10\n";    /* 14 ok */
        _cleanup_subid_list_ SubIdList l = {0};
        assert_int_equal(parse(text, "alice", 1000, &l), 2);
        assert_int_equal(l.ranges[0].start, 100000);
        assert_int_equal(l.ranges[1].start, 200000);
        assert_int_equal(l.n_malformed, 12);
        assert_int_equal(l.first_malformed_line, 2);

        /* malformed lines of other users count too: the file is broken for everyone */
        _cleanup_subid_list_ SubIdList o = {0};
        assert_int_equal(parse("bob:1\nalice:5:5\n", "alice", 1000, &o), 1);
        assert_int_equal(o.n_malformed, 1);
        assert_int_equal(o.first_malformed_line, 1);
}

static void test_nul_byte(void **state) {
        const char text[] = "alice:1:2\nal\0ice:3:4\nalice:5:6\n";
        _cleanup_subid_list_ SubIdList l = {0};
        assert_int_equal(idmap_subid_parse(text, sizeof(text) - 1, NULL, "alice", 1, &l, NULL), 2);
        assert_int_equal(l.n_malformed, 1);
        assert_int_equal(l.first_malformed_line, 2);
        assert_int_equal(l.ranges[1].start, 5);
}

static void test_too_big(void **state) {
        size_t n = IDMAP_SUBID_MAX_SIZE + 1;
        _cleanup_free_ char *big = xmalloc(n);
        memset(big, '\n', n);
        _cleanup_subid_list_ SubIdList l = {0};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(idmap_subid_parse(big, n, "/etc/subuid", "alice", 1, &l, &err), -EFBIG);
        assert_non_null(strstr(err->msg, "`/etc/subuid`"));
}

static void test_read_file(void **state) {
        char path[] = "/tmp/test-subuid-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const char *text = "alice:100000:65536\nbroken\n";
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        _cleanup_subid_list_ SubIdList l = {0};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(idmap_subid_read(path, "alice", 1000, &l, &err), 1);
        assert_int_equal(l.n_malformed, 1);
        unlink(path);

        _cleanup_subid_list_ SubIdList m = {0};
        assert_int_equal(idmap_subid_read("/nonexistent/subuid", "alice", 1000, &m, &err), 0);
        assert_int_equal(m.n, 0);

        /* a directory cannot be read */
        _cleanup_subid_list_ SubIdList d = {0};
        assert_true(idmap_subid_read("/", "alice", 1000, &d, &err) < 0);
        assert_non_null(strstr(err->msg, "read `/`"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic),
                cmocka_unit_test(test_crlf_and_no_trailing_newline),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_read_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
