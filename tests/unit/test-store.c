/* SPDX-License-Identifier: Apache-2.0 */
/* The generic record store, through the container store: every operation and error case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/container-store.h"

typedef struct Fixture {
        char dir[64];
        ContainerStore *cs;
} Fixture;

static int setup(void **state) {
        Fixture *f = xnew(Fixture, 1);
        strcpy(f->dir, "/tmp/warren-test-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        _cleanup_free_ char *sub = path_join(f->dir, "containers");
        assert_int_equal(container_store_open(sub, &f->cs, NULL), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        container_store_free(f->cs);
        rm_rf(f->dir, NULL);
        free(f);
        return 0;
}

static bool lexists(const char *p) {
        struct stat st;
        return lstat(p, &st) == 0;
}

static const char *sdir(Fixture *f) {
        return store_path(container_store_base(f->cs));
}

static void make(Container *c, const char *id, const char *name) {
        *c = (Container){};
        c->id = xstrdup(id);
        c->name = name ? xstrdup(name) : NULL;
        c->sandbox_id = xstrdup("sb1");
        strmap_set(&c->labels, "app", "test");
}

static void create(Fixture *f, const char *id, const char *name) {
        Container c;
        make(&c, id, name);
        _cleanup_error_ WarrenError *err = NULL;
        if (container_store_create(f->cs, &c, &err) < 0)
                fail_msg("create `%s`: %s", id, err->msg);
        container_clear(&c);
}

static void write_raw(Fixture *f, const char *file, const char *text) {
        _cleanup_free_ char *p = path_join(sdir(f), file);
        assert_int_equal(write_file_atomic(p, text, strlen(text), 0600, NULL), 0);
}

static int get_err(Fixture *f, const char *key, WarrenError **err) {
        Container c = {};
        int r = container_store_get(f->cs, key, &c, err);
        container_clear(&c);
        return r;
}

static void test_create_get(void **state) {
        Fixture *f = *state;
        create(f, "aaa111", "web");
        create(f, "aab222", "db");
        create(f, "sha256:ccc333", NULL);

        Container c = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_get(f->cs, "aaa111", &c, &err), 0);
        assert_string_equal(c.name, "web");
        assert_string_equal(strmap_get(c.labels, "app"), "test");
        assert_true(c.status.created_at > 0);
        assert_true(c.updated_at > 0);
        assert_int_equal(container_state(&c), CONTAINER_CREATED);
        container_clear(&c);

        assert_int_equal(container_store_get(f->cs, "db", &c, &err), 0);
        assert_string_equal(c.id, "aab222");
        container_clear(&c);

        /* unique prefix, also after "sha256:" */
        assert_int_equal(container_store_get(f->cs, "aab", &c, &err), 0);
        assert_string_equal(c.id, "aab222");
        container_clear(&c);
        assert_int_equal(container_store_get(f->cs, "cc", &c, &err), 0);
        assert_string_equal(c.id, "sha256:ccc333");
        container_clear(&c);
        assert_int_equal(container_store_get(f->cs, "sha256:c", &c, &err), 0);
        container_clear(&c);

        /* ambiguous prefix */
        assert_int_equal(get_err(f, "aa", &err), -ENOTUNIQ);
        assert_true(store_is_ambiguous(err));
        assert_false(store_is_not_found(err));
        assert_non_null(strstr(err->msg, "`aa` is ambiguous"));
        error_free(TAKE_PTR(err));

        /* not found */
        assert_int_equal(get_err(f, "zzz", &err), -ENOENT);
        assert_true(store_is_not_found(err));
        assert_string_equal(err->msg, "container `zzz` not found");
        error_free(TAKE_PTR(err));
        assert_int_equal(get_err(f, "", &err), -EINVAL);
        error_free(TAKE_PTR(err));

        /* lookup modes */
        Store *s = container_store_base(f->cs);
        _cleanup_free_ char *id = NULL;
        assert_int_equal(store_resolve(s, "web", STORE_BY_ID, &id, &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(store_resolve(s, "aaa", STORE_BY_ID | STORE_BY_NAME, &id, &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(store_resolve(s, "web", STORE_BY_NAME, &id, &err), 0);
        assert_string_equal(id, "aaa111");
        /* a name wins over a prefix, an id over a name */
        create(f, "web0", "aaa111x");
        free(TAKE_PTR(id));
        assert_int_equal(store_resolve(s, "aaa111", STORE_BY_ANY, &id, &err), 0);
        assert_string_equal(id, "aaa111");
        free(TAKE_PTR(id));
        create(f, "bbb", "web0");
        assert_int_equal(store_resolve(s, "web0", STORE_BY_ANY, &id, &err), 0);
        assert_string_equal(id, "web0");
}

/* A record larger than the fast path's buffer (16 KiB) reads the careful way. */
static void test_large_record(void **state) {
        Fixture *f = *state;
        Container c;
        make(&c, "big1", "big");
        for (int i = 0; i < 3000; i++)
                strv_consume(&c.config.env, xasprintf("VARIABLE_%d=some-value-%d", i, i));
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_create(f->cs, &c, &err), 0);
        container_clear(&c);
        assert_int_equal(container_store_get(f->cs, "big", &c, &err), 0);
        assert_int_equal(strv_length(c.config.env), 3000);
        assert_string_equal(c.config.env[2999], "VARIABLE_2999=some-value-2999");
        container_clear(&c);
        StoreList l = {};
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_null(l.broken);
        store_list_clear(&l);
        /* a FIFO where a record should be does not hang a reader */
        _cleanup_free_ char *fifo = path_join(sdir(f), "fifo.json");
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_int_equal(strv_length(l.broken), 1);
        store_list_clear(&l);
}

static void test_create_conflicts(void **state) {
        Fixture *f = *state;
        create(f, "id1", "name1");
        Container c;
        _cleanup_error_ WarrenError *err = NULL;

        make(&c, "id1", "other");
        assert_int_equal(container_store_create(f->cs, &c, &err), -EEXIST);
        assert_true(store_is_id_conflict(err));
        assert_false(store_is_name_conflict(err));
        assert_string_equal(err->msg, "container `id1` already exists");
        error_free(TAKE_PTR(err));
        container_clear(&c);

        make(&c, "id2", "name1");
        assert_int_equal(container_store_create(f->cs, &c, &err), -EEXIST);
        assert_true(store_is_name_conflict(err));
        assert_false(store_is_id_conflict(err));
        assert_string_equal(err->msg, "container name `name1` is already in use by `id1`");
        /* context prepended by a caller keeps them distinguishable */
        error_prefix(&err, -EEXIST, "create `x`");
        assert_true(store_is_name_conflict(err));
        error_free(TAKE_PTR(err));
        container_clear(&c);

        static const char *bad_ids[] = {"", "-a", "a/b", "a b", ".x", "a`b"};
        for (size_t k = 0; k < ELEMENTSOF(bad_ids); k++) {
                make(&c, bad_ids[k], "n");
                assert_int_equal(container_store_create(f->cs, &c, &err), -EINVAL);
                error_free(TAKE_PTR(err));
                container_clear(&c);
        }
        char long_id[STORE_ID_MAX + 2];
        memset(long_id, 'a', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = 0;
        make(&c, long_id, NULL);
        assert_int_equal(container_store_create(f->cs, &c, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        container_clear(&c);

        static const char *bad_names[] = {"", ".", "..", "a\nb", "a`b"};
        for (size_t k = 0; k < ELEMENTSOF(bad_names); k++) {
                make(&c, "id9", bad_names[k]);
                assert_int_equal(container_store_create(f->cs, &c, &err), -EINVAL);
                error_free(TAKE_PTR(err));
                container_clear(&c);
        }
        /* odd but valid names are escaped in the index */
        static const char *odd[] = {"a/b", ".hidden", "100%", "with space", "ünï"};
        for (size_t k = 0; k < ELEMENTSOF(odd); k++) {
                char id[16];
                snprintf(id, sizeof(id), "odd%zu", k);
                create(f, id, odd[k]);
                Container g = {};
                assert_int_equal(container_store_get(f->cs, odd[k], &g, &err), 0);
                assert_string_equal(g.id, id);
                container_clear(&g);
        }
}

static int set_running(Container *c, void *userdata, WarrenError **err) {
        c->status.pid = 1234;
        c->status.started_at = 5;
        strmap_set(&c->labels, "new", "yes");
        return 0;
}

static int change_id(Container *c, void *userdata, WarrenError **err) {
        free(c->id);
        c->id = xstrdup("other");
        return 0;
}

static int fail_update(Container *c, void *userdata, WarrenError **err) {
        c->status.pid = 99;
        return error_set(err, EPERM, "no");
}

static int rename_to(Container *c, void *userdata, WarrenError **err) {
        free(c->name);
        c->name = userdata ? xstrdup(userdata) : NULL;
        return 0;
}

static void test_update(void **state) {
        Fixture *f = *state;
        create(f, "u1", "one");
        create(f, "u2", "two");
        Container c = {}, before = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_get(f->cs, "u1", &before, &err), 0);

        assert_int_equal(container_store_update(f->cs, "one", set_running, NULL, &c, &err), 0);
        assert_int_equal(c.status.pid, 1234);
        assert_int_equal(container_state(&c), CONTAINER_RUNNING);
        assert_true(c.updated_at >= before.updated_at);
        container_clear(&c);
        assert_int_equal(container_store_get(f->cs, "u1", &c, &err), 0);
        assert_string_equal(strmap_get(c.labels, "new"), "yes");
        assert_string_equal(strmap_get(c.labels, "app"), "test");
        container_clear(&c);

        assert_int_equal(container_store_update(f->cs, "u1", change_id, NULL, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "immutable"));
        error_free(TAKE_PTR(err));

        assert_int_equal(container_store_update(f->cs, "u1", fail_update, NULL, NULL, &err),
                         -EPERM);
        error_free(TAKE_PTR(err));
        assert_int_equal(container_store_get(f->cs, "u1", &c, &err), 0);
        assert_int_equal(c.status.pid, 1234);
        container_clear(&c);

        assert_int_equal(container_store_update(f->cs, "nope", set_running, NULL, NULL, &err),
                         -ENOENT);
        assert_true(store_is_not_found(err));
        error_free(TAKE_PTR(err));

        /* rename: the old name frees, the new one is taken */
        assert_int_equal(container_store_update(f->cs, "one", rename_to, "uno", NULL, &err), 0);
        assert_int_equal(get_err(f, "one", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(container_store_get(f->cs, "uno", &c, &err), 0);
        assert_string_equal(c.id, "u1");
        container_clear(&c);
        create(f, "u3", "one");
        /* onto a taken name */
        assert_int_equal(container_store_update(f->cs, "uno", rename_to, "two", NULL, &err),
                         -EEXIST);
        assert_true(store_is_name_conflict(err));
        error_free(TAKE_PTR(err));
        /* to no name at all */
        assert_int_equal(container_store_update(f->cs, "uno", rename_to, NULL, NULL, &err), 0);
        assert_int_equal(get_err(f, "uno", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        container_clear(&before);
}

static void test_update_paths(void **state) {
        Fixture *f = *state;
        Container c;
        make(&c, "p1", "paths");
        strv_push(&c.config.env, "A=1");
        c.config.working_dir = xstrdup("/srv");
        strmap_set(&c.labels, "keep", "1");
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_create(f->cs, &c, &err), 0);
        container_clear(&c);

        Container src = {};
        src.id = xstrdup("ignored");
        src.name = xstrdup("renamed");
        src.status.pid = 77;
        src.config.working_dir = xstrdup("/tmp");
        strmap_set(&src.labels, "app", "changed");
        char *paths[] = {"status.pid", "labels.app", "labels.keep", "name", NULL};
        Container out = {};
        assert_int_equal(container_store_update_paths(f->cs, "p1", &src, paths, &out, &err), 0);
        assert_int_equal(out.status.pid, 77);
        assert_string_equal(out.name, "renamed");
        assert_string_equal(out.config.working_dir, "/srv");
        assert_string_equal(out.config.env[0], "A=1");
        assert_string_equal(strmap_get(out.labels, "app"), "changed");
        assert_null(strmap_get(out.labels, "keep"));
        assert_string_equal(out.id, "p1");
        container_clear(&out);
        assert_int_equal(container_store_get(f->cs, "renamed", &out, &err), 0);
        container_clear(&out);

        char *idpath[] = {"id", NULL};
        assert_int_equal(container_store_update_paths(f->cs, "p1", &src, idpath, NULL, &err),
                         -EINVAL);
        assert_non_null(strstr(err->msg, "immutable"));
        error_free(TAKE_PTR(err));
        char *bad[] = {"status.nope", NULL};
        assert_int_equal(container_store_update_paths(f->cs, "p1", &src, bad, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`status.nope`"));
        error_free(TAKE_PTR(err));
        container_clear(&src);
}

static void test_delete(void **state) {
        Fixture *f = *state;
        create(f, "d1", "gone");
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_delete(f->cs, "gone", &err), 0);
        assert_int_equal(get_err(f, "d1", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(get_err(f, "gone", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(container_store_delete(f->cs, "d1", &err), -ENOENT);
        assert_true(store_is_not_found(err));
        error_free(TAKE_PTR(err));
        /* the name and the id are free again */
        create(f, "d1", "gone");
        create(f, "d2", NULL);
        assert_int_equal(container_store_delete(f->cs, "d2", &err), 0);
        _cleanup_free_ char *names = path_join(sdir(f), "names/gone");
        assert_true(lexists(names));
        assert_int_equal(container_store_delete(f->cs, "d1", &err), 0);
        assert_false(lexists(names));
}

static void test_list(void **state) {
        Fixture *f = *state;
        StoreList l = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 0);
        store_list_clear(&l);

        create(f, "l3", "c");
        create(f, "l1", "a");
        create(f, "l2", "b");
        assert_int_equal(container_store_update(f->cs, "b", set_running, NULL, NULL, &err), 0);
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 3);
        assert_null(l.broken);
        assert_string_equal(CONTAINER_LIST_AT(&l, 0)->id, "l1");
        assert_string_equal(CONTAINER_LIST_AT(&l, 2)->id, "l3");
        store_list_clear(&l);

        _cleanup_filter_ Filter *flt = NULL;
        assert_int_equal(filter_parse("state==running", &flt, &err), 0);
        assert_int_equal(container_store_list(f->cs, flt, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(CONTAINER_LIST_AT(&l, 0)->name, "b");
        store_list_clear(&l);
        filter_free(TAKE_PTR(flt));
        assert_int_equal(filter_parse_docker((char *[]){"name=^[ac]$", NULL}, &flt, &err), 0);
        assert_int_equal(container_store_list(f->cs, flt, &l, &err), 0);
        assert_int_equal(l.n, 2);
        store_list_clear(&l);
}

static void test_broken_records(void **state) {
        Fixture *f = *state;
        create(f, "good", "good");
        create(f, "torn", "torn");
        create(f, "big", "big");
        /* a torn file, a file for the wrong id, an oversized one, a non-object */
        write_raw(f, "torn.json", "{\"version\":1,\"id\":\"torn\",\"name\":\"to");
        write_raw(f, "liar.json", "{\"version\":1,\"id\":\"good\"}");
        write_raw(f, "arr.json", "[1,2,3]");
        write_raw(f, "bad id!.json", "{}");
        {
                size_t n = RECORD_MAX_SIZE + 10;
                _cleanup_free_ char *huge = xmalloc(n + 1);
                memset(huge, ' ', n);
                memcpy(huge, "{\"version\":1,\"id\":\"big\"}", 24);
                huge[n] = 0;
                write_raw(f, "big.json", huge);
        }
        StoreList l = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(CONTAINER_LIST_AT(&l, 0)->id, "good");
        assert_int_equal(strv_length(l.broken), 5);
        bool seen_torn = false;
        STRV_FOREACH (b, l.broken) {
                if (STARTS_WITH(*b, "torn.json: "))
                        seen_torn = true;
                assert_non_null(strstr(*b, ".json"));
        }
        assert_true(seen_torn);
        store_list_clear(&l);

        /* Get of a broken record reports it by name */
        assert_int_equal(get_err(f, "torn", &err), -EBADMSG);
        assert_non_null(strstr(err->msg, "`torn.json`"));
        error_free(TAKE_PTR(err));
        assert_int_equal(get_err(f, "big", &err), -EBADMSG);
        assert_non_null(strstr(err->msg, "exceeds"));
        error_free(TAKE_PTR(err));

        /* never silently dropped: no create over it, no update of it, its name stays held */
        Container c;
        make(&c, "torn", NULL);
        assert_int_equal(container_store_create(f->cs, &c, &err), -EEXIST);
        error_free(TAKE_PTR(err));
        container_clear(&c);
        make(&c, "torn2", "torn");
        assert_int_equal(container_store_create(f->cs, &c, &err), -EEXIST);
        assert_true(store_is_name_conflict(err));
        error_free(TAKE_PTR(err));
        container_clear(&c);
        assert_int_equal(container_store_update(f->cs, "torn", set_running, NULL, NULL, &err),
                         -EBADMSG);
        error_free(TAKE_PTR(err));
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ char *p = path_join(sdir(f), "torn.json");
        assert_int_equal(read_file_capped(p, 4096, &text, NULL, NULL), 0);
        assert_string_equal(text, "{\"version\":1,\"id\":\"torn\",\"name\":\"to");

        /* an explicit delete by id removes it */
        assert_int_equal(container_store_delete(f->cs, "torn", &err), 0);
        assert_false(path_exists(p));
        /* and its stale name entry does not hold the name any more */
        create(f, "torn3", "torn");
}

static void test_newer_version(void **state) {
        Fixture *f = *state;
        create(f, "x0", NULL);
        write_raw(f, "future.json",
                  "{\"version\":99,\"id\":\"future\",\"name\":\"f\",\"hologram\":true}");
        Container c = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_get(f->cs, "future", &c, &err), 0);
        assert_non_null(c.unknown);
        container_clear(&c);
        assert_int_equal(container_store_update(f->cs, "future", set_running, NULL, NULL, &err),
                         -ENOTSUP);
        assert_non_null(strstr(err->msg, "newer warren"));
        error_free(TAKE_PTR(err));
        StoreList l = {};
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 2);
        store_list_clear(&l);
}

static void list_dir(const char *path, char *buf, size_t size) {
        _cleanup_closedir_ DIR *d = opendir(path);
        buf[0] = 0;
        if (!d)
                return;
        struct dirent *de;
        _cleanup_strv_ char **l = NULL;
        while ((de = readdir(d)))
                strv_push(&l, de->d_name);
        for (size_t i = 0; l && l[i]; i++)
                for (size_t j = i + 1; l[j]; j++)
                        if (strcmp(l[i], l[j]) > 0) {
                                char *t = l[i];
                                l[i] = l[j];
                                l[j] = t;
                        }
        _cleanup_free_ char *j = strv_join(l, " ");
        snprintf(buf, size, "%s", j);
}

static void test_reads_never_write(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        /* a store that does not exist stays so */
        assert_int_equal(get_err(f, "x", &err), -ENOENT);
        assert_true(store_is_not_found(err));
        error_free(TAKE_PTR(err));
        StoreList l = {};
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 0);
        assert_int_equal(container_store_delete(f->cs, "x", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(container_store_update(f->cs, "x", set_running, NULL, NULL, &err),
                         -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(store_gc(container_store_base(f->cs), &err), 0);
        assert_false(path_exists(sdir(f)));

        create(f, "r1", "r");
        _cleanup_free_ char *lock = path_join(sdir(f), "lock");
        assert_int_equal(unlink(lock), 0);
        char before[512], after[512];
        list_dir(sdir(f), before, sizeof(before));
        struct stat st1, st2;
        assert_int_equal(stat(sdir(f), &st1), 0);
        Container c = {};
        assert_int_equal(container_store_get(f->cs, "r", &c, &err), 0);
        container_clear(&c);
        assert_int_equal(container_store_get(f->cs, "r1", &c, &err), 0);
        container_clear(&c);
        assert_int_equal(get_err(f, "r", &err), 0);
        assert_int_equal(get_err(f, "nope", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        store_list_clear(&l);
        list_dir(sdir(f), after, sizeof(after));
        assert_string_equal(before, after);
        assert_int_equal(stat(sdir(f), &st2), 0);
        assert_true(st1.st_mtim.tv_sec == st2.st_mtim.tv_sec &&
                    st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);
}

static void test_stale_index_and_gc(void **state) {
        Fixture *f = *state;
        create(f, "s1", "alive");
        _cleanup_free_ char *names = path_join(sdir(f), "names");
        _cleanup_free_ char *dangling = path_join(names, "ghost");
        _cleanup_free_ char *wrong = path_join(names, "liar");
        /* what a killed writer leaves: an entry without its record, an entry for a record
         * that does not carry the name, temp files */
        assert_int_equal(symlink("nothere", dangling), 0);
        assert_int_equal(symlink("s1", wrong), 0);
        write_raw(f, ".#s1.json.123.abc", "{");
        _cleanup_free_ char *tmp = path_join(names, ".#name.123");
        assert_int_equal(symlink("s1", tmp), 0);

        _cleanup_error_ WarrenError *err = NULL;
        /* readers do not see stale entries */
        assert_int_equal(get_err(f, "ghost", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(get_err(f, "liar", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        /* writers treat stale entries as free */
        create(f, "s2", "liar");
        Container c = {};
        assert_int_equal(container_store_get(f->cs, "liar", &c, &err), 0);
        assert_string_equal(c.id, "s2");
        container_clear(&c);

        /* gc: the dangling entry and both temp files */
        assert_int_equal(store_gc(container_store_base(f->cs), &err), 3);
        assert_false(lexists(dangling));
        assert_false(lexists(tmp));
        assert_int_equal(get_err(f, "alive", &err), 0);
        assert_int_equal(get_err(f, "liar", &err), 0);
        assert_int_equal(store_gc(container_store_base(f->cs), &err), 0);

        /* A list that meets a killed writer's temp file skips it, then cleans up. */
        write_raw(f, ".#s2.json.456.def", "{");
        assert_int_equal(symlink("nothere", dangling), 0);
        StoreList l = {};
        assert_int_equal(container_store_list(f->cs, NULL, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_null(l.broken);
        store_list_clear(&l);
        _cleanup_free_ char *tmp2 = path_join(sdir(f), ".#s2.json.456.def");
        assert_false(lexists(tmp2));
        assert_false(lexists(dangling));
        assert_int_equal(get_err(f, "liar", &err), 0);
        assert_int_equal(store_gc(container_store_base(f->cs), &err), 0);
}

/* Readers wait for a writer (byte 0 exclusive); a waiting writer (byte 1) holds off new
 * readers. The test plays the writer by taking the locks by hand. */
static void test_locking(void **state) {
        Fixture *f = *state;
        create(f, "lk", "locked");
        _cleanup_free_ char *lock = path_join(sdir(f), "lock");
        _cleanup_close_ int fd = open(lock, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
        for (int byte = 1; byte >= 0; byte--) {
                fl.l_start = byte;
                assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
        }
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                Container c = {};
                int r = container_store_get(f->cs, "locked", &c, NULL);
                container_clear(&c);
                char ok = r == 0 ? 'y' : 'n';
                _exit(write(p[1], &ok, 1) == 1 ? 0 : 1);
        }
        close(p[1]);
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 200), 0); /* still waiting */
        /* release byte 0 only: the turnstile (byte 1) still holds the reader */
        fl.l_type = F_UNLCK;
        fl.l_start = 0;
        assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
        assert_int_equal(poll(&pfd, 1, 100), 0);
        fl.l_start = 1;
        assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
        assert_int_equal(poll(&pfd, 1, 5000), 1);
        char ok = 0;
        assert_int_equal(read(p[0], &ok, 1), 1);
        assert_int_equal(ok, 'y');
        close(p[0]);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* a reader holding its shared lock keeps a writer out; other readers pass */
        fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
        _cleanup_close_ int rfd = open(lock, O_RDONLY | O_CLOEXEC);
        assert_int_equal(fcntl(rfd, F_OFD_SETLK, &fl), 0);
        Container c = {};
        assert_int_equal(container_store_get(f->cs, "locked", &c, NULL), 0);
        container_clear(&c);
        fl.l_type = F_WRLCK;
        assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), -1);
        assert_int_equal(errno, EAGAIN);

        /* names cannot move in a container store */
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(
                store_move_name(container_store_base(f->cs), "x", "lk", STORE_BY_ANY, &err),
                -ENOTSUP);
}

static void test_default_dir(void **state) {
        Fixture *f = *state;
        setenv("WARREN_ROOT", f->dir, 1);
        _cleanup_free_ char *d = NULL;
        assert_int_equal(store_default_dir("containers", &d, NULL), 0);
        _cleanup_free_ char *want = path_join(f->dir, "containers");
        assert_string_equal(d, want);
        ContainerStore *cs = NULL;
        assert_int_equal(container_store_open(NULL, &cs, NULL), 0);
        assert_string_equal(store_path(container_store_base(cs)), want);
        container_store_free(cs);
        unsetenv("WARREN_ROOT");
        setenv("XDG_DATA_HOME", "/xdg/data", 1);
        free(TAKE_PTR(d));
        assert_int_equal(store_default_dir("images", &d, NULL), 0);
        if (geteuid() != 0)
                assert_string_equal(d, "/xdg/data/warren/images");
        unsetenv("XDG_DATA_HOME");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_get, setup, teardown),
                cmocka_unit_test_setup_teardown(test_large_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_create_conflicts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_update, setup, teardown),
                cmocka_unit_test_setup_teardown(test_update_paths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_broken_records, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newer_version, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reads_never_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale_index_and_gc, setup, teardown),
                cmocka_unit_test_setup_teardown(test_locking, setup, teardown),
                cmocka_unit_test_setup_teardown(test_default_dir, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
