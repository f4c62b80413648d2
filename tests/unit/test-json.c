/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/json.h"
#include "basic/strv.h"

static void test_parse_types(void **state) {
        const char *doc = "{\"s\":\"x\",\"i\":-5,\"u\":18446744073709551615,\"d\":1.5,"
                          "\"b\":true,\"n\":null,\"a\":[\"p\",\"q\"],\"o\":{\"k\":1}}";
        _cleanup_json_ JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(json_parse(doc, strlen(doc), 0, &v, &err), 0);
        assert_string_equal(json_string(json_get(v, "s")), "x");
        int64_t i = 0;
        assert_int_equal(json_get_int64(v, "i", NULL, &i, &err), 1);
        assert_int_equal(i, -5);
        uint64_t u = 0;
        assert_int_equal(json_get_uint64(v, "u", NULL, &u, &err), 1);
        assert_true(u == UINT64_MAX);
        assert_true(json_get_int64(v, "u", NULL, &i, &err) == -ERANGE);
        error_free(TAKE_PTR(err));
        assert_true(json_is(json_get(v, "d"), JSON_DOUBLE));
        bool b = false;
        assert_int_equal(json_get_bool(v, "b", NULL, &b, &err), 1);
        assert_true(b);
        _cleanup_strv_ char **l = NULL;
        assert_int_equal(json_get_strv(v, "a", NULL, &l, &err), 1);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[1], "q");
        assert_non_null(json_get_path(v, "o", "k", NULL));
        assert_null(json_get_path(v, "o", "missing", NULL));
        /* a missing key is not an error and leaves the output alone */
        char *s = NULL;
        assert_int_equal(json_get_string(v, "nope", NULL, &s, &err), 0);
        assert_null(s);
}

static void test_type_errors_name_the_key(void **state) {
        const char *doc = "{\"args\":[\"a\",1],\"n\":\"x\"}";
        _cleanup_json_ JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(json_parse(doc, strlen(doc), 0, &v, &err), 0);
        char **l = NULL;
        assert_int_equal(json_get_strv(v, "args", "process.args", &l, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`process.args[1]`"));
        error_free(TAKE_PTR(err));
        int64_t i;
        assert_int_equal(json_get_int64(v, "n", NULL, &i, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`n` must be an integer, not string"));
}

static void test_bad_documents(void **state) {
        static const char *bad[] = { "", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":\"\\u0000\"}" };
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                _cleanup_json_ JsonValue *v = NULL;
                _cleanup_error_ WarrenError *err = NULL;
                assert_true(json_parse(bad[k], strlen(bad[k]), 0, &v, &err) < 0);
                assert_non_null(err);
                assert_null(v);
        }
}

static void test_depth_and_size_limits(void **state) {
        char deep[2 * (JSON_MAX_DEPTH + 2) + 1];
        size_t n = JSON_MAX_DEPTH + 1;
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = 0;
        _cleanup_json_ JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(json_parse(deep, 2 * n, 0, &v, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "nesting"));
        error_free(TAKE_PTR(err));
        assert_int_equal(json_parse("[1,2,3]", 7, 3, &v, &err), -EFBIG);
}

static void test_roundtrip_and_generator(void **state) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(false);
        json_gen_begin_object(g);
        json_gen_kv_string(g, "name", "a\"b\n");
        json_gen_kv_int(g, "n", -3);
        json_gen_key(g, "big");
        json_gen_uint(g, UINT64_MAX);
        json_gen_kv_bool(g, "t", true);
        json_gen_key(g, "null");
        json_gen_string(g, NULL);
        json_gen_end_object(g);
        _cleanup_free_ char *s = NULL;
        assert_int_equal(json_gen_finish(g, &s, NULL, NULL), 0);
        _cleanup_json_ JsonValue *v = NULL;
        assert_int_equal(json_parse(s, strlen(s), 0, &v, NULL), 0);
        assert_string_equal(json_string(json_get(v, "name")), "a\"b\n");
        _cleanup_free_ char *s2 = NULL;
        assert_int_equal(json_to_string(v, false, &s2, NULL), 0);
        assert_string_equal(s, s2);
        /* sticky error: a key where a value is due */
        _cleanup_json_gen_ JsonGen *bad = json_gen_new(false);
        json_gen_end_object(bad);
        json_gen_begin_object(bad);
        _cleanup_free_ char *s3 = NULL;
        assert_true(json_gen_finish(bad, &s3, NULL, NULL) < 0);
}

static void test_build_and_copy(void **state) {
        _cleanup_json_ JsonValue *o = json_new_object();
        json_object_set(o, "a", json_new_integer(1));
        json_object_set(o, "a", json_new_string("two"));
        JsonValue *arr = json_new_array();
        for (int k = 0; k < 100; k++)
                json_array_append(arr, json_new_integer(k));
        json_object_set(o, "arr", arr);
        assert_int_equal(json_length(o), 2);
        _cleanup_json_ JsonValue *c = json_copy(o);
        assert_string_equal(json_string(json_get(c, "a")), "two");
        assert_int_equal(json_length(json_get(c, "arr")), 100);
        assert_int_equal(json_at(json_get(c, "arr"), 99)->u.integer, 99);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_types),
                cmocka_unit_test(test_type_errors_name_the_key),
                cmocka_unit_test(test_bad_documents),
                cmocka_unit_test(test_depth_and_size_limits),
                cmocka_unit_test(test_roundtrip_and_generator),
                cmocka_unit_test(test_build_and_copy),
        };
        return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
