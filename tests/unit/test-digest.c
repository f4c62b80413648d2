/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"
#include "storage/blob-store.h"
#include "storage/digest.h"

#define EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_known_vectors(void **state) {
        char d[DIGEST_STRING_MAX];
        digest_buffer("", 0, d);
        assert_string_equal(d, EMPTY);
        digest_buffer("abc", 3, d);
        assert_string_equal(d, ABC);
        /* streaming in pieces gives the same */
        Sha256 *h = sha256_new();
        sha256_update(h, "a", 1);
        sha256_update(h, "bc", 2);
        sha256_final(h, d);
        sha256_free(h);
        assert_string_equal(d, ABC);
}

static void test_validation(void **state) {
        assert_true(digest_is_valid(EMPTY));
        assert_false(digest_is_valid(
                "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
        assert_false(digest_is_valid("sha256:e3b0"));
        assert_false(digest_is_valid(EMPTY "0"));
        assert_false(digest_is_valid(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assert_false(digest_is_valid(NULL));
        const char *hex = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(digest_parse(EMPTY, NULL, &hex, &err), 0);
        assert_string_equal(hex, EMPTY + 7);
        assert_int_equal(digest_parse("sha512:abcd", "layer", NULL, &err), -ENOTSUP);
        assert_non_null(strstr(err->msg, "unsupported"));
        error_free(TAKE_PTR(err));
        assert_int_equal(digest_parse("sha256:xyz", "layer", NULL, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`sha256:xyz`"));
        error_free(TAKE_PTR(err));
        assert_int_equal(digest_parse("garbage", NULL, NULL, &err), -EINVAL);
        _cleanup_free_ char *s = digest_from_hex(EMPTY + 7);
        assert_string_equal(s, EMPTY);
        assert_null(digest_from_hex("zz"));
}

static void test_chain_id(void **state) {
        char c[DIGEST_STRING_MAX], c2[DIGEST_STRING_MAX], want[DIGEST_STRING_MAX];
        digest_chain_id(NULL, ABC, c);
        assert_string_equal(c, ABC);
        digest_chain_id(c, EMPTY, c2);
        const char *s = ABC " " EMPTY;
        digest_buffer(s, strlen(s), want);
        assert_string_equal(c2, want);
}

static void test_blob_store(void **state) {
        char tmpl[] = "/tmp/test-digest-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        _cleanup_blob_store_ BlobStore *bs = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(blob_store_open(tmpl, &bs, &err), 0);
        char d[DIGEST_STRING_MAX];
        assert_int_equal(blob_store_put(bs, "abc", 3, ABC, d, &err), 1);
        assert_string_equal(d, ABC);
        assert_true(blob_store_has(bs, ABC));
        /* the same content again is not new */
        assert_int_equal(blob_store_put(bs, "abc", 3, NULL, d, &err), 0);
        /* a mismatch stores nothing */
        assert_int_equal(blob_store_put(bs, "abd", 3, ABC, d, &err), -EBADMSG);
        assert_non_null(strstr(err->msg, "digest mismatch"));
        error_free(TAKE_PTR(err));
        char dx[DIGEST_STRING_MAX];
        digest_buffer("abd", 3, dx);
        assert_false(blob_store_has(bs, dx));
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        assert_int_equal(blob_store_read(bs, ABC, 100, &buf, &len, &err), 0);
        assert_int_equal(len, 3);
        assert_memory_equal(buf, "abc", 3);
        /* an abandoned writer leaves no temp file behind */
        BlobWriter *w = NULL;
        assert_int_equal(blob_writer_new(bs, &w, &err), 0);
        assert_int_equal(blob_writer_write(w, "x", 1, &err), 0);
        blob_writer_free(w);
        _cleanup_free_ char *tmpdir = xasprintf("%s/blobs/tmp", tmpl);
        DIR *dir = opendir(tmpdir);
        assert_non_null(dir);
        struct dirent *de;
        int n = 0;
        while ((de = readdir(dir)))
                n += de->d_name[0] != '.';
        closedir(dir);
        assert_int_equal(n, 0);
        char **l = NULL;
        assert_int_equal(blob_store_list(bs, &l, &err), 0);
        assert_int_equal(l[0] != NULL, 1);
        assert_string_equal(l[0], ABC);
        assert_null(l[1]);
        free(l[0]);
        free(l);
        assert_int_equal(blob_store_remove(bs, ABC, &err), 0);
        assert_false(blob_store_has(bs, ABC));
        assert_int_equal(rm_rf(tmpl, NULL), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_vectors),
                cmocka_unit_test(test_validation),
                cmocka_unit_test(test_chain_id),
                cmocka_unit_test(test_blob_store),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
