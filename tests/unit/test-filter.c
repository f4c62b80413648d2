/* SPDX-License-Identifier: Apache-2.0 */
/* Filter syntax: containerd's filter strings and docker's key=value filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/container-store.h"
#include "storage/filter.h"

static Container web, db;

static int setup(void **state) {
        web = (Container){};
        web.id = xstrdup("abc123");
        web.name = xstrdup("web-1");
        web.sandbox_id = xstrdup("sb0001");
        web.image.ref = xstrdup("docker.io/library/nginx:1.25");
        web.image.id = xstrdup("sha256:feed");
        web.runtime.name = xstrdup("warren-runtime");
        web.status.created_at = 1;
        web.status.started_at = 2;
        strmap_set(&web.labels, "app", "web");
        strmap_set(&web.labels, "io.k8s.name", "front");
        strmap_set(&web.labels, "tier", "a b,c");
        strv_push(&web.config.env, "A=1");
        db = (Container){};
        db.id = xstrdup("def456");
        db.name = xstrdup("db");
        db.sandbox_id = xstrdup("sb0002");
        db.status.created_at = 1;
        strmap_set(&db.labels, "app", "db");
        return 0;
}

static int teardown(void **state) {
        container_clear(&web);
        container_clear(&db);
        return 0;
}

/* Which of web, db match: "wd", "w", "d", "". */
static void expect(const char *filter, const char *want) {
        _cleanup_filter_ Filter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (filter_parse(filter, &f, &err) < 0)
                fail_msg("`%s`: %s", filter, err->msg);
        FilterAdaptor a = container_store_schema.adaptor;
        char got[3] = {}, *p = got;
        if (filter_match(f, a, &web))
                *p++ = 'w';
        if (filter_match(f, a, &db))
                *p++ = 'd';
        if (STRNEQ(got, want))
                fail_msg("`%s`: matched `%s`, want `%s`", filter, got, want);
}

static void expect_docker(char **kvs, const char *want) {
        _cleanup_filter_ Filter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (filter_parse_docker(kvs, &f, &err) < 0)
                fail_msg("`%s`: %s", kvs[0], err->msg);
        FilterAdaptor a = container_store_schema.adaptor;
        char got[3] = {}, *p = got;
        if (filter_match(f, a, &web))
                *p++ = 'w';
        if (filter_match(f, a, &db))
                *p++ = 'd';
        if (STRNEQ(got, want))
                fail_msg("`%s`...: matched `%s`, want `%s`", kvs[0], got, want);
}

static void test_containerd_syntax(void **state) {
        expect("", "wd");
        expect("   ", "wd");
        expect("id==abc123", "w");
        expect("id!=abc123", "d");
        expect("name~=^we", "w");
        expect("name~=b", "wd");
        expect("labels.app==db", "d");
        expect("labels.app", "wd");
        expect("labels.nope", "");
        expect("labels.nope!=x", "wd"); /* as containerd: absent is not equal */
        expect("labels.\"io.k8s.name\"==front", "w");
        expect("labels.io.k8s.name==front", "w");
        expect("labels.`io.k8s.name`==front", "w");
        expect("labels.tier==\"a b,c\"", "w");
        expect("labels.tier=='a b,c'", "w");
        expect("state==running", "w");
        expect("state==created", "d");
        expect("status==running", "w");
        expect("sandbox==sb0002", "d");
        expect("image==sha256:feed", "w");
        expect("image==feed", "w");
        expect("image==docker.io/library/nginx:1.25", "w");
        expect("image.ref~=nginx", "w");
        expect("runtime==warren-runtime", "w");
        expect("config.env==A=1", "w");
        expect("labels.app==web,state==running", "w");
        expect("labels.app==web,state==created", "");
        expect("labels.app==web || labels.app==db", "wd");
        expect("labels.app==web||name==db", "wd");
        expect("name==nobody || id==def456,labels.app==db", "d");
        expect(" labels.app == web , name ~= \"^w\" ", "w");
        expect("name~=a|w", "w");
        expect("name==\"w\\x65b-1\"", "w");
}

static void test_parse_all_ors(void **state) {
        char *l[] = {"name==db", "labels.app==web", NULL};
        _cleanup_filter_ Filter *f = NULL;
        assert_int_equal(filter_parse_all(l, &f, NULL), 0);
        assert_true(filter_match(f, container_store_schema.adaptor, &web));
        assert_true(filter_match(f, container_store_schema.adaptor, &db));
        _cleanup_filter_ Filter *none = NULL;
        assert_int_equal(filter_parse_all(NULL, &none, NULL), 0);
        assert_true(filter_is_empty(none));
        char *l2[] = {"name==db", "", NULL};
        _cleanup_filter_ Filter *all = NULL;
        assert_int_equal(filter_parse_all(l2, &all, NULL), 0);
        assert_true(filter_is_empty(all));
        assert_true(filter_match(NULL, container_store_schema.adaptor, &web));
}

static void test_syntax_errors(void **state) {
        static const char *bad[] = {
                "==x",        "labels.",        "name==", "name~=(", "a,",  "a,,b",
                "labels.\"x", "name==\"a\\q\"", "a b",    "a||",     "||a", "name==x y",
                ".a",         "a==\"\\x0\"",
        };
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                _cleanup_filter_ Filter *f = NULL;
                _cleanup_error_ WarrenError *err = NULL;
                if (filter_parse(bad[k], &f, &err) != -EINVAL)
                        fail_msg("`%s` parsed", bad[k]);
                assert_non_null(err);
                assert_non_null(strstr(err->msg, "filter `"));
        }
}

static void test_docker_syntax(void **state) {
        expect_docker((char *[]){"id=abc", NULL}, "w");
        expect_docker((char *[]){"id=abc123", NULL}, "w");
        expect_docker((char *[]){"id=bc", NULL}, "");
        expect_docker((char *[]){"name=we", NULL}, "w");
        expect_docker((char *[]){"name=^d", NULL}, "d");
        expect_docker((char *[]){"label=app", NULL}, "wd");
        expect_docker((char *[]){"label=app=db", NULL}, "d");
        expect_docker((char *[]){"label=io.k8s.name=front", NULL}, "w");
        expect_docker((char *[]){"status=running", NULL}, "w");
        expect_docker((char *[]){"status=running", "status=created", NULL}, "wd");
        expect_docker((char *[]){"status=running", "label=app=db", NULL}, "");
        expect_docker((char *[]){"label=app", "label=tier", NULL}, "w");
        expect_docker((char *[]){"pod=sb0001", NULL}, "w");
        expect_docker((char *[]){"sandbox=sb", NULL}, "wd");
        expect_docker((char *[]){"ancestor=docker.io/library/nginx:1.25", NULL}, "w");
        expect_docker((char *[]){"image=sha256:feed", NULL}, "w");
        expect_docker((char *[]){"STATE=created", NULL}, "d");
        /* containerd strings mix in, ANDed */
        expect_docker((char *[]){"labels.app==web", "status=running", NULL}, "w");
        expect_docker((char *[]){"labels.app", NULL}, "wd");
        expect_docker((char *[]){"name==db || name==web-1", NULL}, "wd");
        expect_docker((char *[]){NULL}, "wd");

        static const char *bad[] = {"=x", "label=", "label==", "name=("};
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                _cleanup_filter_ Filter *f = NULL;
                _cleanup_error_ WarrenError *err = NULL;
                char *l[] = {(char *)bad[k], NULL};
                if (filter_parse_docker(l, &f, &err) != -EINVAL)
                        fail_msg("`%s` parsed", bad[k]);
        }
        _cleanup_filter_ Filter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(
                filter_parse_docker((char *[]){"a==1 || b==2", "status=running", NULL}, &f, &err),
                -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_containerd_syntax),
                cmocka_unit_test(test_parse_all_ors),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_docker_syntax),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
