/* SPDX-License-Identifier: Apache-2.0 */
/* The field-table walker, tested once with a type that uses every field kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/record.h"

typedef struct Item {
        char *name;
        int64_t n;
} Item;

typedef struct Inner {
        char *s;
        bool b;
} Inner;

typedef struct Thing {
        char *id;
        char *str;
        int64_t i64;
        uint64_t u64;
        int i;
        bool flag;
        int64_t when;
        char **list;
        char **labels;
        JsonValue *raw;
        Inner inner;
        Item *items;
        size_t n_items;
        JsonValue *unknown;
} Thing;

static const RecordField item_fields[] = {
        RECORD_FIELD(Item, name, "name", RECORD_STRING, true),
        RECORD_FIELD(Item, n, "n", RECORD_INT64, false),
};
static const RecordTable item_table = RECORD_TABLE(Item, "item", item_fields, RECORD_NO_UNKNOWN);

static const RecordField inner_fields[] = {
        RECORD_FIELD(Inner, s, "s", RECORD_STRING, false),
        RECORD_FIELD(Inner, b, "b", RECORD_BOOL, false),
};
static const RecordTable inner_table =
        RECORD_TABLE(Inner, "inner", inner_fields, RECORD_NO_UNKNOWN);

static const RecordField thing_fields[] = {
        RECORD_FIELD(Thing, id, "id", RECORD_STRING, true),
        RECORD_FIELD(Thing, str, "str", RECORD_STRING, false),
        RECORD_FIELD(Thing, i64, "i64", RECORD_INT64, false),
        RECORD_FIELD(Thing, u64, "u64", RECORD_UINT64, false),
        RECORD_FIELD(Thing, i, "i", RECORD_INT, false),
        RECORD_FIELD(Thing, flag, "flag", RECORD_BOOL, false),
        RECORD_FIELD(Thing, when, "when", RECORD_TIME, false),
        RECORD_FIELD(Thing, list, "list", RECORD_STRV, false),
        RECORD_FIELD(Thing, labels, "labels", RECORD_MAP, false),
        RECORD_FIELD(Thing, raw, "raw", RECORD_RAW, false),
        RECORD_FIELD_OBJECT(Thing, inner, "inner", &inner_table),
        RECORD_FIELD_LIST(Thing, items, n_items, "items", &item_table),
};
static const RecordTable thing_table =
        RECORD_TABLE(Thing, "thing", thing_fields, offsetof(Thing, unknown));

/* Version 1 called "str" "old_str"; version 2 renamed it. */
static int migrate_1_to_2(JsonValue *root, WarrenError **err) {
        const JsonValue *v = json_get(root, "old_str");
        if (v)
                json_object_set(root, "str", json_copy(v));
        return 0;
}
static const RecordMigration thing_migrations[] = {{.from = 1, .migrate = migrate_1_to_2}};
static const RecordType thing_type = {
        .name = "thing",
        .version = 2,
        .table = &thing_table,
        .migrations = thing_migrations,
        .n_migrations = ELEMENTSOF(thing_migrations),
};

static int load(const char *s, Thing *t, bool *newer, WarrenError **err) {
        return record_load(&thing_type, s, strlen(s), t, newer, err);
}

static void test_round_trip_every_kind(void **state) {
        Thing t = {};
        t.id = xstrdup("abc");
        t.str = xstrdup("hello \"world\"\n");
        t.i64 = -5;
        t.u64 = UINT64_MAX;
        t.i = 42;
        t.flag = true;
        t.when = 1700000000123456789LL;
        strv_push(&t.list, "a");
        strv_push(&t.list, "b");
        strmap_set(&t.labels, "app", "web");
        strmap_set(&t.labels, "a.b", "c");
        t.raw = json_new_object();
        json_object_set(t.raw, "x", json_new_integer(1));
        t.inner.s = xstrdup("in");
        t.inner.b = true;
        t.n_items = 2;
        t.items = xnew(Item, 2);
        t.items[0].name = xstrdup("one");
        t.items[0].n = 1;
        t.items[1].name = xstrdup("two");

        _cleanup_free_ char *text = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(record_emit(&thing_type, &t, false, &text, NULL, &err), 0);
        assert_non_null(strstr(text, "\"version\":2"));
        assert_non_null(strstr(text, "\"when\":\"2023-11-14T22:13:20.123456789Z\""));

        Thing u = {};
        bool newer = true;
        assert_int_equal(load(text, &u, &newer, &err), 2);
        assert_false(newer);
        assert_string_equal(u.id, "abc");
        assert_string_equal(u.str, t.str);
        assert_int_equal(u.i64, -5);
        assert_true(u.u64 == UINT64_MAX);
        assert_int_equal(u.i, 42);
        assert_true(u.flag);
        assert_true(u.when == t.when);
        assert_int_equal(strv_length(u.list), 2);
        assert_string_equal(strmap_get(u.labels, "a.b"), "c");
        assert_int_equal(strmap_size(u.labels), 2);
        assert_int_equal(json_get(u.raw, "x")->u.integer, 1);
        assert_string_equal(u.inner.s, "in");
        assert_true(u.inner.b);
        assert_int_equal(u.n_items, 2);
        assert_string_equal(u.items[1].name, "two");
        assert_int_equal(u.items[0].n, 1);

        /* emit(load(emit(x))) == emit(x) */
        _cleanup_free_ char *again = NULL;
        assert_int_equal(record_emit(&thing_type, &u, false, &again, NULL, &err), 0);
        assert_string_equal(text, again);

        /* deep copy */
        Thing c = {};
        record_copy(&thing_table, &c, &u);
        _cleanup_free_ char *copied = NULL;
        assert_int_equal(record_emit(&thing_type, &c, true, &copied, NULL, &err), 0);
        Thing d = {};
        assert_int_equal(load(copied, &d, NULL, &err), 2);
        assert_string_equal(d.items[0].name, "one");

        record_clear(&thing_table, &t);
        record_clear(&thing_table, &u);
        record_clear(&thing_table, &c);
        record_clear(&thing_table, &d);
        assert_null(t.id);
        assert_null(t.items);
}

static void test_unknown_keys_are_kept(void **state) {
        const char *doc = "{\"version\":2,\"id\":\"x\",\"future\":{\"a\":[1,2]},\"zz\":\"q\","
                          "\"inner\":{\"s\":\"v\",\"ignored\":1}}";
        Thing t = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(load(doc, &t, NULL, &err), 2);
        assert_non_null(json_get(t.unknown, "future"));
        _cleanup_free_ char *text = NULL;
        assert_int_equal(record_emit(&thing_type, &t, false, &text, NULL, &err), 0);
        assert_non_null(strstr(text, "\"future\":{\"a\":[1,2]}"));
        assert_non_null(strstr(text, "\"zz\":\"q\""));
        /* tables without an unknown slot ignore unknown keys */
        assert_null(strstr(text, "ignored"));
        record_clear(&thing_table, &t);
}

static void test_version_rules(void **state) {
        Thing t = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(load("{\"id\":\"x\"}", &t, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "missing `version`"));
        error_free(TAKE_PTR(err));
        assert_int_equal(load("{\"version\":\"1\",\"id\":\"x\"}", &t, NULL, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(load("{\"version\":0,\"id\":\"x\"}", &t, NULL, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(load("[1]", &t, NULL, &err), -EINVAL);
        error_free(TAKE_PTR(err));

        /* a newer file loads, flagged */
        bool newer = false;
        assert_int_equal(load("{\"version\":7,\"id\":\"x\",\"new\":1}", &t, &newer, &err), 7);
        assert_true(newer);
        record_clear(&thing_table, &t);

        /* an older one is migrated */
        assert_int_equal(
                load("{\"version\":1,\"id\":\"x\",\"old_str\":\"moved\"}", &t, &newer, &err), 1);
        assert_false(newer);
        assert_string_equal(t.str, "moved");
        record_clear(&thing_table, &t);

        /* no migration path */
        RecordType bare = thing_type;
        bare.n_migrations = 0;
        assert_int_equal(record_load(&bare, "{\"version\":1,\"id\":\"x\"}", 22, &t, NULL, &err),
                         -EPROTO);
        error_free(TAKE_PTR(err));
}

static void test_errors_name_the_path(void **state) {
        static const struct {
                const char *doc, *needle;
        } cases[] = {
                {"{\"version\":2}", "missing `id`"},
                {"{\"version\":2,\"id\":1}", "`id` must be a string, not integer"},
                {"{\"version\":2,\"id\":\"x\",\"i\":9999999999}", "`i` is out of range"},
                {"{\"version\":2,\"id\":\"x\",\"u64\":-1}", "`u64` must not be negative"},
                {"{\"version\":2,\"id\":\"x\",\"flag\":1}", "`flag` must be a boolean"},
                {"{\"version\":2,\"id\":\"x\",\"when\":\"yesterday\"}",
                 "`when` is not an RFC 3339"},
                {"{\"version\":2,\"id\":\"x\",\"when\":true}", "`when` must be an RFC 3339 time"},
                {"{\"version\":2,\"id\":\"x\",\"list\":[\"a\",2]}", "`list[1]` must be a string"},
                {"{\"version\":2,\"id\":\"x\",\"labels\":{\"a\":1}}",
                 "`labels.a` must be a string"},
                {"{\"version\":2,\"id\":\"x\",\"inner\":{\"s\":[]}}", "`inner.s` must be a string"},
                {"{\"version\":2,\"id\":\"x\",\"items\":[{\"name\":\"a\"},{}]}",
                 "missing `items[1].name`"},
                {"{\"version\":2,\"id\":\"x\",\"items\":[3]}", "`items[0]` must be an object"},
                {"{\"version\":2,\"id\":\"x\",\"items\":{}}",
                 "`items` must be an array of objects"},
                {"{\"version\":2,\"id\":\"x\"", "invalid JSON"},
        };
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                Thing t = {};
                _cleanup_error_ WarrenError *err = NULL;
                int r = load(cases[k].doc, &t, NULL, &err);
                assert_true(r < 0);
                assert_non_null(err);
                if (!strstr(err->msg, cases[k].needle))
                        fail_msg("case %zu: `%s` lacks `%s`", k, err->msg, cases[k].needle);
                /* a failed load leaves nothing behind */
                assert_null(t.id);
                assert_null(t.items);
        }
}

static void test_nulls_and_duplicates(void **state) {
        Thing t = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(load("{\"version\":2,\"id\":\"x\",\"str\":null,\"list\":[],"
                              "\"items\":[{\"name\":\"a\"}],\"items\":[{\"name\":\"b\"}]}",
                              &t, NULL, &err),
                         2);
        assert_null(t.str);
        assert_null(t.list);
        assert_int_equal(t.n_items, 1);
        assert_string_equal(t.items[0].name, "b");
        record_clear(&thing_table, &t);
}

static void test_times(void **state) {
        int64_t ns = 0;
        char buf[40];
        assert_int_equal(record_parse_time("2024-02-29T12:34:56Z", &ns), 0);
        assert_string_equal(record_format_time(ns, buf), "2024-02-29T12:34:56.000000000Z");
        assert_int_equal(record_parse_time("2024-02-29T14:34:56.5+02:00", &ns), 0);
        assert_string_equal(record_format_time(ns, buf), "2024-02-29T12:34:56.500000000Z");
        assert_int_equal(record_parse_time("2024-02-29T12:34:56.1234567891234Z", &ns), 0);
        assert_true(ns % 1000000000 == 123456789);
        assert_int_equal(record_parse_time("0001-01-01T00:00:00Z", &ns), 0);
        assert_true(ns == 0);
        assert_int_equal(record_parse_time("1969-12-31T23:59:59.5Z", &ns), 0);
        assert_true(ns == -500000000);
        assert_string_equal(record_format_time(ns, buf), "1969-12-31T23:59:59.500000000Z");
        assert_int_equal(record_parse_time("3000-01-01T00:00:00Z", &ns), -ERANGE);
        static const char *bad[] = {"",
                                    "2024-02-29",
                                    "2024-02-29T12:34:56",
                                    "2024-13-01T00:00:00Z",
                                    "2024-02-29T12:34:56.Z",
                                    "2024-02-29T12:34:56Zjunk",
                                    "2024-02-29T12:34:56+0200"};
        for (size_t k = 0; k < ELEMENTSOF(bad); k++)
                assert_int_equal(record_parse_time(bad[k], &ns), -EINVAL);
        /* integers of nanoseconds load too */
        Thing t = {};
        assert_int_equal(load("{\"version\":2,\"id\":\"x\",\"when\":12345}", &t, NULL, NULL), 2);
        assert_true(t.when == 12345);
        record_clear(&thing_table, &t);
}

static void test_strmap(void **state) {
        _cleanup_strv_ char **m = NULL;
        assert_null(strmap_get(m, "a"));
        strmap_set(&m, "a", "1");
        strmap_set(&m, "b", "2");
        strmap_set(&m, "a", "3");
        assert_int_equal(strmap_size(m), 2);
        assert_string_equal(strmap_get(m, "a"), "3");
        size_t n = 0;
        STRMAP_FOREACH(k, v, m) {
                assert_non_null(k);
                assert_non_null(v);
                n++;
        }
        assert_int_equal(n, 2);
        assert_true(strmap_unset(&m, "a"));
        assert_false(strmap_unset(&m, "a"));
        assert_string_equal(strmap_get(m, "b"), "2");
        assert_true(strmap_unset(&m, "b"));
        assert_null(m);
}

static void test_copy_paths(void **state) {
        Thing dst = {}, src = {};
        dst.id = xstrdup("x");
        dst.str = xstrdup("keep");
        dst.i = 1;
        strmap_set(&dst.labels, "a", "1");
        strmap_set(&dst.labels, "gone", "1");
        dst.inner.s = xstrdup("old");
        src.id = xstrdup("y");
        src.str = xstrdup("changed");
        src.i = 2;
        src.inner.s = xstrdup("new");
        src.inner.b = true;
        strmap_set(&src.labels, "a", "2");
        strmap_set(&src.labels, "x.y", "z");
        char *paths[] = {"i", "inner.s", "labels.a", "labels.x.y", "labels.gone", NULL};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(record_copy_paths(&thing_table, &dst, &src, paths, &err), 0);
        assert_string_equal(dst.id, "x");
        assert_string_equal(dst.str, "keep");
        assert_int_equal(dst.i, 2);
        assert_string_equal(dst.inner.s, "new");
        assert_false(dst.inner.b);
        assert_string_equal(strmap_get(dst.labels, "a"), "2");
        assert_string_equal(strmap_get(dst.labels, "x.y"), "z");
        assert_null(strmap_get(dst.labels, "gone"));

        char *whole[] = {"labels", "items", NULL};
        assert_int_equal(record_copy_paths(&thing_table, &dst, &src, whole, &err), 0);
        assert_int_equal(strmap_size(dst.labels), 2);

        char *bad[] = {"i", "nope", NULL};
        assert_int_equal(record_copy_paths(&thing_table, &dst, &src, bad, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`nope`"));
        error_free(TAKE_PTR(err));
        char *bad2[] = {"str.sub", NULL};
        assert_int_equal(record_copy_paths(&thing_table, &dst, &src, bad2, &err), -EINVAL);

        const void *ptr = NULL;
        const RecordField *f = record_find_field(&thing_table, "inner.b", &dst, &ptr);
        assert_non_null(f);
        assert_int_equal(f->type, RECORD_BOOL);
        assert_null(record_find_field(&thing_table, "inner.zz", &dst, &ptr));
        record_clear(&thing_table, &dst);
        record_clear(&thing_table, &src);
}

static void test_field_values(void **state) {
        Thing t = {};
        t.id = xstrdup("x");
        t.flag = true;
        strv_push(&t.list, "p");
        strv_push(&t.list, "q");
        strmap_set(&t.labels, "a.b", "c");
        t.inner.s = xstrdup("deep");
        const char *v[8];
        char *p1[] = {"id"}, *p2[] = {"list"}, *p3[] = {"labels", "a", "b"}, *p4[] = {"inner", "s"},
             *p5[] = {"flag"}, *p6[] = {"i64"}, *p7[] = {"nope"}, *p8[] = {"labels"};
        assert_int_equal(record_field_values(&thing_table, &t, p1, 1, v, 8), 1);
        assert_string_equal(v[0], "x");
        assert_int_equal(record_field_values(&thing_table, &t, p2, 1, v, 8), 2);
        assert_int_equal(record_field_values(&thing_table, &t, p3, 3, v, 8), 1);
        assert_string_equal(v[0], "c");
        assert_int_equal(record_field_values(&thing_table, &t, p4, 2, v, 8), 1);
        assert_string_equal(v[0], "deep");
        assert_int_equal(record_field_values(&thing_table, &t, p5, 1, v, 8), 1);
        assert_string_equal(v[0], "true");
        assert_int_equal(record_field_values(&thing_table, &t, p6, 1, v, 8), 0);
        assert_int_equal(record_field_values(&thing_table, &t, p7, 1, v, 8), 0);
        assert_int_equal(record_field_values(&thing_table, &t, p8, 1, v, 8), 1);
        assert_string_equal(v[0], "a.b");
        record_clear(&thing_table, &t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip_every_kind),
                cmocka_unit_test(test_unknown_keys_are_kept),
                cmocka_unit_test(test_version_rules),
                cmocka_unit_test(test_errors_name_the_path),
                cmocka_unit_test(test_nulls_and_duplicates),
                cmocka_unit_test(test_times),
                cmocka_unit_test(test_strmap),
                cmocka_unit_test(test_copy_paths),
                cmocka_unit_test(test_field_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
