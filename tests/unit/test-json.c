/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

/* The arena parse gives the same tree as the heap parse, across chunk boundaries, grown
 * arrays and objects, strings longer than a chunk; and its errors are the same. */
static void test_doc_matches_heap_parse(void **state) {
        _cleanup_json_ JsonValue *big = json_new_object();
        for (int i = 0; i < 300; i++) {
                char key[32];
                snprintf(key, sizeof(key), "key%d", i);
                JsonValue *a = json_new_array();
                for (int j = 0; j < i % 37; j++)
                        json_array_append(a, json_new_integer(j * i));
                json_array_append(a, json_new_string(key));
                json_object_set(big, key, a);
        }
        char *long_str = xmalloc(20000);
        memset(long_str, 'x', 19999);
        long_str[19999] = 0;
        JsonValue *ls = json_new_string(long_str);
        free(long_str);
        json_object_set(big, "long", ls);
        json_object_set(big, "", json_new_null());
        _cleanup_free_ char *text = NULL;
        assert_int_equal(json_to_string(big, false, &text, NULL), 0);

        _cleanup_json_doc_ JsonDoc *doc = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(json_parse_doc(text, strlen(text), 0, &doc, &err), 0);
        const JsonValue *root = json_doc_root(doc);
        assert_int_equal(json_length(root), 302);
        assert_int_equal(json_length(json_get(root, "key36")), 37);
        assert_int_equal(strlen(json_string(json_get(root, "long"))), 19999);
        _cleanup_free_ char *again = NULL;
        assert_int_equal(json_to_string(root, false, &again, NULL), 0);
        assert_string_equal(again, text);
        /* a part copied out outlives the document */
        _cleanup_json_ JsonValue *part = json_copy(json_get(root, "key5"));
        doc = json_doc_free(doc);
        assert_int_equal(json_length(part), 6);

        const char *bad = "{\"a\": [1, 2,}";
        assert_int_equal(json_parse_doc(bad, strlen(bad), 0, &doc, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "invalid JSON near byte"));
        assert_null(doc);
        error_free(TAKE_PTR(err));
        assert_int_equal(json_parse_doc("", 0, 0, &doc, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(json_parse_doc(text, strlen(text), 100, &doc, &err), -EFBIG);
}

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
        json_object_add(o, "arr", arr);
        assert_int_equal(json_length(o), 2);
        for (int k = 0; k < 20; k++) {
                char key[16];
                snprintf(key, sizeof(key), "k%d", k);
                json_object_add(o, key, json_new_integer(k));
        }
        assert_int_equal(json_get(o, "k19")->u.integer, 19);
        assert_int_equal(json_length(o), 22);
        json_object_set(o, "k7", json_new_null());
        assert_int_equal(json_length(o), 22);
        assert_true(json_is(json_get(o, "k7"), JSON_NULL));
        _cleanup_json_ JsonValue *c = json_copy(o);
        assert_string_equal(json_string(json_get(c, "a")), "two");
        assert_int_equal(json_length(json_get(c, "arr")), 100);
        assert_int_equal(json_length(c), 22);
        assert_int_equal(json_at(json_get(c, "arr"), 99)->u.integer, 99);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_types),
                cmocka_unit_test(test_doc_matches_heap_parse),
                cmocka_unit_test(test_type_errors_name_the_key),
                cmocka_unit_test(test_bad_documents),
                cmocka_unit_test(test_depth_and_size_limits),
                cmocka_unit_test(test_roundtrip_and_generator),
                cmocka_unit_test(test_build_and_copy),
        };
        return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
