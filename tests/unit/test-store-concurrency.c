/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Concurrency: 32 processes each create 50 records with unique names while 32 more race for
 * one shared name and 4 readers list the store all along. Every unique record must be there,
 * exactly one racer must win the shared name, and every file must parse at every moment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/container-store.h"

#define CREATORS 32
#define PER_CREATOR 50
#define RACERS 32
#define READERS 4

enum { EXIT_WON = 0, EXIT_LOST = 10, EXIT_FAIL = 20, EXIT_BROKEN = 30 };

static void wait_start(int fd) {
        char c;
        while (read(fd, &c, 1) < 0 && errno == EINTR)
                ;
}

/* Under valgrind every process is slow: fewer records each. */
static int per_creator(void) {
        const char *p = getenv("LD_PRELOAD");
        return p && strstr(p, "vgpreload") ? PER_CREATOR / 10 : PER_CREATOR;
}

static int creator(const char *dir, int k) {
        _cleanup_container_store_ ContainerStore *cs = NULL;
        if (container_store_open(dir, &cs, NULL) < 0)
                return EXIT_FAIL;
        for (int i = 0; i < per_creator(); i++) {
                Container c = {};
                c.id = xasprintf("c%02d-%03d", k, i);
                c.name = xasprintf("name-%02d-%03d", k, i);
                strmap_set(&c.labels, "creator", "yes");
                _cleanup_error_ WarrenError *err = NULL;
                int r = container_store_create(cs, &c, &err);
                container_clear(&c);
                if (r < 0) {
                        fprintf(stderr, "creator %d: %s\n", k, err ? err->msg : "?");
                        return EXIT_FAIL;
                }
        }
        return 0;
}

static int racer(const char *dir, int k) {
        _cleanup_container_store_ ContainerStore *cs = NULL;
        if (container_store_open(dir, &cs, NULL) < 0)
                return EXIT_FAIL;
        Container c = {};
        c.id = xasprintf("racer-%02d", k);
        c.name = xstrdup("shared");
        _cleanup_error_ WarrenError *err = NULL;
        int r = container_store_create(cs, &c, &err);
        container_clear(&c);
        if (r == 0)
                return EXIT_WON;
        if (r == -EEXIST && store_is_name_conflict(err))
                return EXIT_LOST;
        fprintf(stderr, "racer %d: %s\n", k, err ? err->msg : "?");
        return EXIT_FAIL;
}

static int reader(const char *dir, int stop_fd) {
        _cleanup_container_store_ ContainerStore *cs = NULL;
        if (container_store_open(dir, &cs, NULL) < 0)
                return EXIT_FAIL;
        for (int round = 0; round < 10000; round++) {
                StoreList l = {};
                _cleanup_error_ WarrenError *err = NULL;
                if (container_store_list(cs, NULL, &l, &err) < 0)
                        return EXIT_FAIL;
                bool broken = l.broken != NULL;
                if (broken)
                        fprintf(stderr, "reader: %s\n", l.broken[0]);
                store_list_clear(&l);
                if (broken)
                        return EXIT_BROKEN;
                Container c = {};
                int r = container_store_get(cs, "shared", &c, NULL);
                container_clear(&c);
                if (r < 0 && r != -ENOENT)
                        return EXIT_FAIL;
                /* stop once the parent says so (the write end closes) */
                struct timeval tv = {.tv_usec = 2000};
                fd_set set;
                FD_ZERO(&set);
                FD_SET(stop_fd, &set);
                if (select(stop_fd + 1, &set, NULL, NULL, &tv) > 0)
                        break;
        }
        return 0;
}

static void test_concurrent_creates(void **state) {
        char dir[64];
        strcpy(dir, "/tmp/warren-test-conc-XXXXXX");
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *sdir = path_join(dir, "containers");

        int start[2], stop[2];
        assert_int_equal(pipe(start), 0);
        assert_int_equal(pipe(stop), 0);
        pid_t pids[CREATORS + RACERS + READERS];
        int kinds[CREATORS + RACERS + READERS];
        size_t n = 0;
        for (int i = 0; i < CREATORS + RACERS + READERS; i++) {
                int kind = i < CREATORS ? 0 : i < CREATORS + RACERS ? 1 : 2;
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        close(start[1]);
                        close(stop[1]);
                        wait_start(start[0]);
                        int code = kind == 0   ? creator(sdir, i)
                                   : kind == 1 ? racer(sdir, i - CREATORS)
                                               : reader(sdir, stop[0]);
                        free(TAKE_PTR(sdir));
                        _exit(code);
                }
                pids[n] = pid;
                kinds[n++] = kind;
        }
        close(start[0]);
        close(stop[0]);
        close(start[1]); /* go */

        int winners = 0, losers = 0;
        for (size_t i = 0; i < n; i++) {
                if (kinds[i] == 2)
                        continue;
                int status = 0;
                assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
                assert_true(WIFEXITED(status));
                int code = WEXITSTATUS(status);
                if (kinds[i] == 0)
                        assert_int_equal(code, 0);
                else if (code == EXIT_WON)
                        winners++;
                else if (code == EXIT_LOST)
                        losers++;
                else
                        fail_msg("racer exited with %d", code);
        }
        close(stop[1]); /* readers stop */
        for (size_t i = 0; i < n; i++) {
                if (kinds[i] != 2)
                        continue;
                int status = 0;
                assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
                assert_true(WIFEXITED(status));
                if (WEXITSTATUS(status) != 0)
                        fail_msg("reader exited with %d", WEXITSTATUS(status));
        }
        assert_int_equal(winners, 1);
        assert_int_equal(losers, RACERS - 1);

        _cleanup_container_store_ ContainerStore *cs = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_open(sdir, &cs, &err), 0);
        StoreList l = {};
        assert_int_equal(container_store_list(cs, NULL, &l, &err), 0);
        assert_null(l.broken);
        assert_int_equal(l.n, CREATORS * per_creator() + 1);
        size_t shared = 0;
        for (size_t i = 0; i < l.n; i++)
                if (STREQ(CONTAINER_LIST_AT(&l, i)->name, "shared"))
                        shared++;
        assert_int_equal(shared, 1);
        store_list_clear(&l);
        for (int k = 0; k < CREATORS; k++)
                for (int i = 0; i < per_creator(); i += 7) {
                        char name[32];
                        snprintf(name, sizeof(name), "name-%02d-%03d", k, i);
                        Container c = {};
                        assert_int_equal(container_store_get(cs, name, &c, &err), 0);
                        container_clear(&c);
                }
        /* no temp files left behind by writers that finished */
        assert_int_equal(store_gc(container_store_base(cs), &err), 0);
        rm_rf(dir, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_concurrent_creates),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
