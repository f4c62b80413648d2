/* SPDX-License-Identifier: Apache-2.0 */
/* Sandbox records: the full round trip, state, typed operations and filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/sandbox-store.h"

static char tmpdir[64];

static int setup(void **state) {
        strcpy(tmpdir, "/tmp/warren-test-sb-XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        return 0;
}

static int teardown(void **state) {
        rm_rf(tmpdir, NULL);
        return 0;
}

static void fill(Sandbox *sb) {
        *sb = (Sandbox){};
        sb->id = xstrdup("5ba7db0c");
        sb->name = xstrdup("nginx_default_uid_0");
        sb->config.hostname = xstrdup("nginx");
        strv_push(&sb->config.dns.servers, "10.0.2.3");
        strv_push(&sb->config.dns.searches, "example.com");
        strv_push(&sb->config.dns.options, "ndots:5");
        sb->config.n_port_mappings = 2;
        sb->config.port_mappings = xnew(SandboxPortMapping, 2);
        sb->config.port_mappings[0].protocol = xstrdup("tcp");
        sb->config.port_mappings[0].container_port = 80;
        sb->config.port_mappings[0].host_port = 8080;
        sb->config.port_mappings[0].host_ip = xstrdup("127.0.0.1");
        sb->config.port_mappings[1].protocol = xstrdup("udp");
        sb->config.port_mappings[1].container_port = 53;
        sb->config.network.mode = xstrdup("slirp");
        strmap_set(&sb->config.network.options, "mtu", "65520");
        sb->config.namespaces.network = xstrdup("pod");
        sb->config.namespaces.pid = xstrdup("container");
        sb->config.namespaces.ipc = xstrdup("pod");
        sb->config.namespaces.uts = xstrdup("pod");
        sb->config.log_directory = xstrdup("/var/log/pods/x");
        sb->config.cgroup_parent = xstrdup("user.slice");
        strmap_set(&sb->config.labels, "app", "nginx");
        strmap_set(&sb->config.annotations, "io.kubernetes.pod.namespace", "default");
        sb->runtime.name = xstrdup("warren-runtime");
        sb->netns_path = xstrdup("/run/user/1000/warren/netns/5ba7db0c");
        sb->infra_pid = 100;
        sb->network_helper_pid = 101;
        sb->state = xstrdup("ready");
        sb->hidden = true;
        sb->created_at = 1700000000000000000LL;
        sb->updated_at = 1700000000500000000LL;
        sb->extensions = json_new_object();
        json_object_set(sb->extensions, "k", json_new_array());
}

static char *emit(const Sandbox *sb) {
        char *s = NULL;
        assert_int_equal(record_emit(&sandbox_record_type, sb, false, &s, NULL, NULL), 0);
        return s;
}

static void test_round_trip(void **state) {
        Sandbox sb, back = {};
        fill(&sb);
        _cleanup_free_ char *a = emit(&sb);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(record_load(&sandbox_record_type, a, strlen(a), &back, NULL, &err), 1);
        _cleanup_free_ char *b = emit(&back);
        assert_string_equal(a, b);
        assert_int_equal(back.config.port_mappings[0].host_port, 8080);
        assert_string_equal(strmap_get(back.config.network.options, "mtu"), "65520");
        assert_int_equal(sandbox_state(&back), SANDBOX_READY);

        SandboxStore *ss = NULL;
        _cleanup_free_ char *dir = path_join(tmpdir, "rt");
        assert_int_equal(sandbox_store_open(dir, &ss, &err), 0);
        assert_int_equal(sandbox_store_create(ss, &sb, &err), 0);
        Sandbox got = {};
        assert_int_equal(sandbox_store_get(ss, "nginx_default_uid_0", &got, &err), 0);
        got.updated_at = sb.updated_at;
        _cleanup_free_ char *g = emit(&got);
        assert_string_equal(a, g);
        sandbox_clear(&got);
        sandbox_store_free(ss);
        sandbox_clear(&sb);
        sandbox_clear(&back);
}

static void test_port_mapping_requires_port(void **state) {
        const char *doc = "{\"version\":1,\"id\":\"s\",\"config\":{\"port_mappings\":[{}]}}";
        Sandbox sb = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(record_load(&sandbox_record_type, doc, strlen(doc), &sb, NULL, &err),
                         -EINVAL);
        assert_non_null(strstr(err->msg, "`config.port_mappings[0].container_port`"));
}

static void test_state(void **state) {
        Sandbox sb = {};
        assert_int_equal(sandbox_state(&sb), SANDBOX_NOTREADY);
        sb.state = (char *)"ready";
        assert_int_equal(sandbox_state(&sb), SANDBOX_READY);
        sb.state = (char *)"weird";
        assert_int_equal(sandbox_state(&sb), SANDBOX_UNKNOWN);
        for (int s = SANDBOX_NOTREADY; s <= SANDBOX_UNKNOWN; s++)
                assert_int_equal(sandbox_state_from_string(sandbox_state_to_string(s)), s);
        assert_int_equal(sandbox_state_from_string("x"), -EINVAL);
}

static int make_ready(Sandbox *sb, void *userdata, WarrenError **err) {
        free(sb->state);
        sb->state = xstrdup("ready");
        sb->infra_pid = 42;
        return 0;
}

static void test_store(void **state) {
        _cleanup_free_ char *dir = path_join(tmpdir, "ops");
        SandboxStore *ss = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(sandbox_store_open(dir, &ss, &err), 0);
        for (int i = 0; i < 3; i++) {
                Sandbox sb = {};
                sb.id = xasprintf("pod%d", i);
                sb.name = xasprintf("name%d", i);
                sb.hidden = i == 2;
                strmap_set(&sb.config.labels, "tier", i ? "back" : "front");
                assert_int_equal(sandbox_store_create(ss, &sb, &err), 0);
                /* duplicates */
                assert_int_equal(sandbox_store_create(ss, &sb, &err), -EEXIST);
                assert_true(store_is_id_conflict(err));
                error_free(TAKE_PTR(err));
                free(sb.id);
                sb.id = xstrdup("other");
                assert_int_equal(sandbox_store_create(ss, &sb, &err), -EEXIST);
                assert_true(store_is_name_conflict(err));
                error_free(TAKE_PTR(err));
                sandbox_clear(&sb);
        }
        Sandbox got = {};
        assert_int_equal(sandbox_store_get(ss, "pod1", &got, &err), 0);
        assert_string_equal(got.state, "notready");
        assert_true(got.created_at > 0);
        sandbox_clear(&got);
        assert_int_equal(sandbox_store_update(ss, "name1", make_ready, NULL, &got, &err), 0);
        assert_int_equal(got.infra_pid, 42);
        sandbox_clear(&got);

        Sandbox src = {};
        src.netns_path = xstrdup("/run/netns/x");
        char *paths[] = {"netns_path", NULL};
        assert_int_equal(sandbox_store_update_paths(ss, "pod0", &src, paths, NULL, &err), 0);
        sandbox_clear(&src);

        static const struct {
                const char *filter;
                size_t n;
        } cases[] = {
                {"state==ready", 1},
                {"state==notready", 2},
                {"labels.tier==back", 2},
                {"hidden==true", 1},
                {"hidden==false", 2},
                {"netns==/run/netns/x", 1},
                {"config.labels.tier==front", 1},
        };
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                _cleanup_filter_ Filter *f = NULL;
                assert_int_equal(filter_parse(cases[k].filter, &f, &err), 0);
                StoreList l = {};
                assert_int_equal(sandbox_store_list(ss, f, &l, &err), 0);
                if (l.n != cases[k].n)
                        fail_msg("`%s`: %zu records, want %zu", cases[k].filter, l.n, cases[k].n);
                store_list_clear(&l);
        }
        _cleanup_filter_ Filter *f = NULL;
        assert_int_equal(filter_parse_docker((char *[]){"label=tier=back", NULL}, &f, &err), 0);
        StoreList l = {};
        assert_int_equal(sandbox_store_list(ss, f, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(SANDBOX_LIST_AT(&l, 0)->id, "pod1");
        store_list_clear(&l);

        assert_int_equal(sandbox_store_delete(ss, "name2", &err), 0);
        assert_int_equal(sandbox_store_get(ss, "pod2", &got, &err), -ENOENT);
        assert_true(store_is_not_found(err));
        sandbox_store_free(ss);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_port_mapping_requires_port),
                cmocka_unit_test(test_state),
                cmocka_unit_test(test_store),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
