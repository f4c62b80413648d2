/* SPDX-License-Identifier: Apache-2.0 */
/* Container records: the full round trip, the derived state, typed operations and filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/container-store.h"

static char tmpdir[64];

static int setup(void **state) {
        strcpy(tmpdir, "/tmp/warren-test-cs-XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        return 0;
}

static int teardown(void **state) {
        rm_rf(tmpdir, NULL);
        return 0;
}

static void fill(Container *c) {
        *c = (Container){};
        c->id = xstrdup("0123456789abcdef");
        c->name = xstrdup("web");
        c->sandbox_id = xstrdup("sandbox1");
        c->image.ref = xstrdup("docker.io/library/nginx:latest");
        c->image.id = xstrdup("sha256:aaaa");
        c->runtime.name = xstrdup("crun");
        c->runtime.options = json_new_object();
        json_object_set(c->runtime.options, "systemd_cgroup", json_new_bool(true));
        strv_push(&c->config.command, "/docker-entrypoint.sh");
        strv_push(&c->config.args, "nginx");
        strv_push(&c->config.args, "-g");
        strv_push(&c->config.args, "daemon off;");
        strv_push(&c->config.env, "PATH=/usr/bin");
        c->config.working_dir = xstrdup("/srv");
        c->config.user = xstrdup("1000:1000");
        c->config.hostname = xstrdup("web");
        c->config.n_mounts = 2;
        c->config.mounts = xnew(ContainerMount, 2);
        c->config.mounts[0].container_path = xstrdup("/data");
        c->config.mounts[0].host_path = xstrdup("/home/u/data");
        c->config.mounts[0].readonly = true;
        c->config.mounts[0].propagation = xstrdup("rslave");
        c->config.mounts[1].container_path = xstrdup("/cache");
        c->config.mounts[1].volume = xstrdup("cache-vol");
        c->config.mounts[1].type = xstrdup("volume");
        c->config.mounts[1].selinux_relabel = true;
        c->config.tty = true;
        c->config.stdin_open = true;
        c->config.stdin_once = true;
        c->config.log_path = xstrdup("/logs/web.log");
        c->config.stop_signal = xstrdup("SIGQUIT");
        c->config.stop_timeout = 30;
        c->config.restart_policy.name = xstrdup("on-failure");
        c->config.restart_policy.max_retries = 3;
        c->config.security.privileged = true;
        c->config.security.readonly_rootfs = true;
        c->config.security.no_new_privileges = true;
        strv_push(&c->config.security.cap_add, "NET_ADMIN");
        strv_push(&c->config.security.cap_drop, "ALL");
        c->config.security.seccomp_profile = xstrdup("unconfined");
        c->config.security.apparmor_profile = xstrdup("warren-default");
        c->config.security.selinux_label = xstrdup("system_u:system_r:container_t:s0");
        strv_push(&c->config.security.security_opt, "label=disable");
        strv_push(&c->config.security.masked_paths, "/proc/kcore");
        strv_push(&c->config.security.readonly_paths, "/proc/sys");
        c->status.pid = 4321;
        c->status.created_at = 1700000000000000001LL;
        c->status.started_at = 1700000001000000000LL;
        c->status.finished_at = 1700000002000000000LL;
        c->status.exit_code = 137;
        c->status.reason = xstrdup("OOMKilled");
        c->status.message = xstrdup("out of memory");
        c->status.oom_killed = true;
        c->status.removing = true;
        c->status.restart_count = 2;
        strmap_set(&c->labels, "app", "web");
        strmap_set(&c->annotations, "io.kubernetes.cri.container-type", "container");
        c->extensions = json_new_object();
        json_object_set(c->extensions, "io.warren.healthcheck", json_new_string("curl -f"));
        c->updated_at = 1700000003000000000LL;
}

static char *emit(const Container *c) {
        char *s = NULL;
        assert_int_equal(record_emit(&container_record_type, c, false, &s, NULL, NULL), 0);
        return s;
}

static void test_round_trip(void **state) {
        Container c, back = {};
        fill(&c);
        _cleanup_free_ char *a = emit(&c);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(record_load(&container_record_type, a, strlen(a), &back, NULL, &err), 1);
        _cleanup_free_ char *b = emit(&back);
        assert_string_equal(a, b);
        assert_string_equal(back.config.mounts[1].volume, "cache-vol");
        assert_true(back.config.mounts[0].readonly);
        assert_int_equal(back.status.exit_code, 137);
        assert_true(back.status.oom_killed);
        assert_true(json_get(back.runtime.options, "systemd_cgroup")->u.boolean);
        assert_non_null(strstr(a, "\"created_at\":\"2023-11-14T22:13:20.000000001Z\""));
        assert_non_null(strstr(a, "\"stdin\":true"));

        /* through the store */
        ContainerStore *cs = NULL;
        _cleanup_free_ char *dir = path_join(tmpdir, "rt");
        assert_int_equal(container_store_open(dir, &cs, &err), 0);
        assert_int_equal(container_store_create(cs, &c, &err), 0);
        Container got = {};
        assert_int_equal(container_store_get(cs, "web", &got, &err), 0);
        got.updated_at = c.updated_at; /* the store sets it */
        _cleanup_free_ char *g = emit(&got);
        assert_string_equal(a, g);
        container_clear(&got);
        container_store_free(cs);
        container_clear(&c);
        container_clear(&back);
}

static void test_minimal_record(void **state) {
        const char *doc = "{\"version\":1,\"id\":\"x\"}";
        Container c = {};
        assert_int_equal(record_load(&container_record_type, doc, strlen(doc), &c, NULL, NULL), 1);
        assert_int_equal(container_state(&c), CONTAINER_UNKNOWN);
        assert_null(c.name);
        _cleanup_free_ char *s = emit(&c);
        assert_non_null(strstr(s, "\"id\":\"x\""));
        container_clear(&c);
}

static void test_state(void **state) {
        Container c = {};
        assert_int_equal(container_state(&c), CONTAINER_UNKNOWN);
        c.status.created_at = 1;
        assert_int_equal(container_state(&c), CONTAINER_CREATED);
        c.status.started_at = 2;
        assert_int_equal(container_state(&c), CONTAINER_RUNNING);
        c.status.paused = true;
        assert_int_equal(container_state(&c), CONTAINER_PAUSED);
        c.status.finished_at = 3;
        assert_int_equal(container_state(&c), CONTAINER_STOPPED);
        /* exited without ever starting (start failed) */
        c = (Container){};
        c.status.created_at = 1;
        c.status.finished_at = 3;
        assert_int_equal(container_state(&c), CONTAINER_STOPPED);
        for (int s = CONTAINER_CREATED; s <= CONTAINER_UNKNOWN; s++)
                assert_int_equal(container_state_from_string(container_state_to_string(s)), s);
        assert_int_equal(container_state_from_string("exited"), CONTAINER_STOPPED);
        assert_int_equal(container_state_from_string("zombie"), -EINVAL);
        assert_string_equal(container_state_to_string(99), "unknown");
}

static int start(Container *c, void *userdata, WarrenError **err) {
        c->status.started_at = record_now();
        c->status.pid = *(int *)userdata;
        return 0;
}

static int stop(Container *c, void *userdata, WarrenError **err) {
        c->status.finished_at = record_now();
        c->status.exit_code = 0;
        return 0;
}

static void test_lifecycle_and_filters(void **state) {
        _cleanup_free_ char *dir = path_join(tmpdir, "life");
        ContainerStore *cs = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_open(dir, &cs, &err), 0);
        static const char *names[] = {"a", "b", "c", "d"};
        for (int i = 0; i < 4; i++) {
                Container c = {};
                c.id = xasprintf("%c%c0000", 'a' + i, 'a' + i);
                c.name = xstrdup(names[i]);
                c.sandbox_id = xstrdup(i < 2 ? "pod1" : "pod2");
                c.image.ref = xstrdup(i % 2 ? "alpine" : "busybox");
                strmap_set(&c.labels, "idx", i % 2 ? "odd" : "even");
                assert_int_equal(container_store_create(cs, &c, &err), 0);
                container_clear(&c);
        }
        int pid = 10;
        assert_int_equal(container_store_update(cs, "b", start, &pid, NULL, &err), 0);
        assert_int_equal(container_store_update(cs, "c", start, &pid, NULL, &err), 0);
        assert_int_equal(container_store_update(cs, "c", stop, NULL, NULL, &err), 0);
        Container p = {};
        p.status.paused = true;
        char *paths[] = {"status.paused", NULL};
        assert_int_equal(container_store_update(cs, "d", start, &pid, NULL, &err), 0);
        assert_int_equal(container_store_update_paths(cs, "d", &p, paths, NULL, &err), 0);

        static const struct {
                const char *filter;
                size_t n;
        } cases[] = {
                {"state==created", 1},
                {"state==running", 1},
                {"state==stopped", 1},
                {"state==paused", 1},
                {"sandbox==pod1", 2},
                {"image==alpine", 2},
                {"labels.idx==odd", 2},
                {"labels.idx==odd,sandbox==pod2", 1},
                {"name~=^[ab]$", 2},
                {"id==cc0000", 1},
                {"", 4},
                {"state==running || state==paused", 2},
        };
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                _cleanup_filter_ Filter *f = NULL;
                assert_int_equal(filter_parse(cases[k].filter, &f, &err), 0);
                StoreList l = {};
                assert_int_equal(container_store_list(cs, f, &l, &err), 0);
                if (l.n != cases[k].n)
                        fail_msg("`%s`: %zu records, want %zu", cases[k].filter, l.n, cases[k].n);
                store_list_clear(&l);
        }
        _cleanup_filter_ Filter *f = NULL;
        assert_int_equal(
                filter_parse_docker((char *[]){"status=exited", "pod=pod2", NULL}, &f, &err), 0);
        StoreList l = {};
        assert_int_equal(container_store_list(cs, f, &l, &err), 0);
        assert_int_equal(l.n, 1); /* docker's "exited" is our "stopped" */
        store_list_clear(&l);

        assert_int_equal(container_store_delete(cs, "cc", &err), 0);
        assert_int_equal(container_store_list(cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 3);
        store_list_clear(&l);
        container_store_free(cs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_minimal_record),
                cmocka_unit_test(test_state),
                cmocka_unit_test(test_lifecycle_and_filters),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
