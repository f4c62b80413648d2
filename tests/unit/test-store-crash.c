/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash safety: a writer creating, updating (with renames) and deleting records is killed with
 * SIGKILL at a random instant, 500 times. After each kill the store must load with no broken
 * file, every record must be wholly its old or its new version (each version is internally
 * consistent: every field carries the same generation), and every record's name must find it.
 *
 * The writer logs "B op id gen" before each operation and "E" after it over a pipe, so the
 * parent knows the committed state and the one operation that may have been cut short.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/container-store.h"
#include "storage/image-store.h"

#define KILLS 500
#define IDS 8
#define ENV_LINES 24

static char *name_for(int k, int64_t gen) {
        return xasprintf("n-%d-%d", k, (int)(gen % 3));
}

static void fill(Container *c, int k, int64_t gen) {
        free(c->name);
        c->name = name_for(k, gen);
        c->status.pid = gen;
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", (long long)gen);
        strmap_set(&c->labels, "gen", buf);
        c->config.env = strv_free(c->config.env);
        for (int i = 0; i < ENV_LINES; i++)
                strv_consume(&c->config.env,
                             xasprintf("GEN%d=%lld-padding-padding-padding", i, (long long)gen));
}

static int update_fn(Container *c, void *userdata, WarrenError **err) {
        int64_t *a = userdata;
        fill(c, (int)a[0], a[1]);
        return 0;
}

static void logf_(int fd, const char *fmt, ...) _printf_(2, 3);
static void logf_(int fd, const char *fmt, ...) {
        char buf[128];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (write(fd, buf, (size_t)n) != n)
                _exit(3);
}

static _noreturn_ void writer(const char *dir, int logfd, unsigned seed, int64_t gen) {
        _cleanup_container_store_ ContainerStore *cs = NULL;
        if (container_store_open(dir, &cs, NULL) < 0)
                _exit(2);
        srand(seed);
        for (;;) {
                int k = rand() % IDS;
                char id[16];
                snprintf(id, sizeof(id), "k%d", k);
                _cleanup_error_ WarrenError *err = NULL;
                Container c = {};
                int r = container_store_get(cs, id, &c, &err);
                container_clear(&c);
                if (r == -ENOENT) {
                        error_free(TAKE_PTR(err));
                        gen++;
                        c.id = xstrdup(id);
                        fill(&c, k, gen);
                        logf_(logfd, "B C %d %lld\n", k, (long long)gen);
                        r = container_store_create(cs, &c, &err);
                        container_clear(&c);
                } else if (r == 0 && rand() % 3 != 0) {
                        gen++;
                        int64_t a[2] = {k, gen};
                        logf_(logfd, "B U %d %lld\n", k, (long long)gen);
                        r = container_store_update(cs, id, update_fn, a, NULL, &err);
                } else if (r == 0) {
                        logf_(logfd, "B D %d -1\n", k);
                        r = container_store_delete(cs, id, &err);
                }
                if (r < 0) {
                        logf_(logfd, "X %.100s\n", err ? err->msg : "?");
                        _exit(1);
                }
                logf_(logfd, "E\n");
        }
}

/* The generation of a record, checking that every field agrees; -2 when inconsistent. */
static int64_t record_gen(const Container *c, int k) {
        const char *g = strmap_get(c->labels, "gen");
        if (!g)
                return -2;
        int64_t gen = strtoll(g, NULL, 10);
        if (c->status.pid != gen)
                return -2;
        _cleanup_free_ char *name = name_for(k, gen);
        if (!c->name || STRNEQ(c->name, name))
                return -2;
        if ((int)strv_length(c->config.env) != ENV_LINES)
                return -2;
        for (int i = 0; i < ENV_LINES; i++) {
                _cleanup_free_ char *want =
                        xasprintf("GEN%d=%lld-padding-padding-padding", i, (long long)gen);
                if (STRNEQ(c->config.env[i], want))
                        return -2;
        }
        return gen;
}

/* Under valgrind every fork is slow: fewer kills. */
static int kills(int n) {
        const char *p = getenv("LD_PRELOAD");
        return p && strstr(p, "vgpreload") ? n / 10 : n;
}

static void test_kill_writer(void **state) {
        char dir[64];
        strcpy(dir, "/tmp/warren-test-crash-XXXXXX");
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *sdir = path_join(dir, "containers");
        _cleanup_container_store_ ContainerStore *cs = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(container_store_open(sdir, &cs, &err), 0);

        int64_t model[IDS];
        for (int k = 0; k < IDS; k++)
                model[k] = -1;
        unsigned seed = (unsigned)time(NULL);
        srand(seed);
        int cut_short = 0, ops = 0;
        for (int it = 0; it < kills(KILLS); it++) {
                int p[2];
                assert_int_equal(pipe2(p, O_CLOEXEC), 0);
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        close(p[0]);
                        writer(sdir, p[1], seed + (unsigned)it, (int64_t)(it + 1) * 1000000);
                }
                close(p[1]);
                struct timespec ts = {0, (rand() % 9000) * 1000L};
                nanosleep(&ts, NULL);
                kill(pid, SIGKILL);
                int status = 0;
                assert_int_equal(waitpid(pid, &status, 0), pid);
                if (!WIFSIGNALED(status))
                        fail_msg("writer exited with %d (seed %u)", WEXITSTATUS(status), seed);

                /* replay the log */
                char buf[65536];
                size_t len = 0;
                ssize_t n;
                while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                        len += (size_t)n;
                close(p[0]);
                buf[len] = 0;
                char op = 0;
                int pk = -1;
                long long pgen = 0;
                for (char *line = buf, *nl; *line; line = nl + 1) {
                        nl = strchr(line, '\n');
                        if (!nl)
                                break; /* a torn log line: the write never happened */
                        *nl = 0;
                        if (line[0] == 'B') {
                                assert_int_equal(sscanf(line, "B %c %d %lld", &op, &pk, &pgen), 3);
                        } else if (line[0] == 'E') {
                                model[pk] = op == 'D' ? -1 : pgen;
                                op = 0;
                                ops++;
                        } else
                                fail_msg("writer failed: %s", line);
                }

                /* the store loads, nothing is broken */
                StoreList l = {};
                assert_int_equal(container_store_list(cs, NULL, &l, &err), 0);
                if (l.broken)
                        fail_msg("broken after kill %d: %s", it, l.broken[0]);
                int64_t actual[IDS];
                for (int k = 0; k < IDS; k++)
                        actual[k] = -1;
                for (size_t i = 0; i < l.n; i++) {
                        const Container *c = CONTAINER_LIST_AT(&l, i);
                        int k = atoi(c->id + 1);
                        assert_true(k >= 0 && k < IDS);
                        actual[k] = record_gen(c, k);
                        if (actual[k] == -2)
                                fail_msg("record `%s` is a mix of versions", c->id);
                        /* its name finds it */
                        Container g = {};
                        if (container_store_get(cs, c->name, &g, &err) < 0)
                                fail_msg("name `%s` of `%s`: %s", c->name, c->id, err->msg);
                        assert_string_equal(g.id, c->id);
                        container_clear(&g);
                }
                store_list_clear(&l);
                /* each record is its committed version, or the new one of the cut operation */
                for (int k = 0; k < IDS; k++) {
                        int64_t alt = op == 'D' ? -1 : pgen;
                        bool ok = actual[k] == model[k] || (op && pk == k && actual[k] == alt);
                        if (!ok)
                                fail_msg("kill %d: `k%d` is at %lld, want %lld%s (seed %u)", it, k,
                                         (long long)actual[k], (long long)model[k],
                                         op && pk == k ? " or the cut operation's" : "", seed);
                        if (op && pk == k && actual[k] != model[k])
                                cut_short++;
                        model[k] = actual[k];
                }
        }
        print_message("%d kills, %d completed operations, %d cut operations that took effect\n",
                      kills(KILLS), ops, cut_short);
        /* leftovers of killed writers are only temp files and stale index entries */
        assert_true(store_gc(container_store_base(cs), &err) >= 0);
        StoreList l = {};
        assert_int_equal(container_store_list(cs, NULL, &l, &err), 0);
        assert_null(l.broken);
        store_list_clear(&l);
        rm_rf(dir, NULL);
}

/* Tags moving between images, killed mid-move: a tag always names exactly one image, the one
 * it was on or the one it was moving to. */
#define IMAGES 4
#define TAGS 3
#define TAG_KILLS 200

static _noreturn_ void tagger(const char *dir, int logfd, unsigned seed) {
        _cleanup_image_store_ ImageStore *is = NULL;
        if (image_store_open(dir, &is, NULL) < 0)
                _exit(2);
        srand(seed);
        for (;;) {
                int img = rand() % IMAGES, t = rand() % TAGS;
                char id[16], tag[16];
                snprintf(id, sizeof(id), "img%d", img);
                snprintf(tag, sizeof(tag), "repo/t:%d", t);
                _cleanup_error_ WarrenError *err = NULL;
                bool untag = rand() % 5 == 0;
                logf_(logfd, "B %c %d %d\n", untag ? 'R' : 'T', t, untag ? -1 : img);
                int r = untag ? image_store_untag(is, tag, &err)
                              : image_store_tag(is, id, tag, &err);
                if (r == -ENOENT && untag && store_is_not_found(err)) {
                        logf_(logfd, "E\n"); /* the tag was free: still free */
                        continue;
                }
                if (r < 0) {
                        logf_(logfd, "X %.100s\n", err ? err->msg : "?");
                        _exit(1);
                }
                logf_(logfd, "E\n");
        }
}

static void test_kill_tagger(void **state) {
        char dir[64];
        strcpy(dir, "/tmp/warren-test-crash-XXXXXX");
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *sdir = path_join(dir, "images");
        _cleanup_image_store_ ImageStore *is = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(image_store_open(sdir, &is, &err), 0);
        for (int i = 0; i < IMAGES; i++) {
                Image img = {};
                img.id = xasprintf("img%d", i);
                assert_int_equal(image_store_create(is, &img, &err), 0);
                image_clear(&img);
        }
        int holder[TAGS]; /* image index, -1 none */
        for (int t = 0; t < TAGS; t++)
                holder[t] = -1;
        unsigned seed = (unsigned)time(NULL) ^ 0x5a5a;
        srand(seed);
        for (int it = 0; it < kills(TAG_KILLS); it++) {
                int p[2];
                assert_int_equal(pipe2(p, O_CLOEXEC), 0);
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        close(p[0]);
                        tagger(sdir, p[1], seed + (unsigned)it);
                }
                close(p[1]);
                struct timespec ts = {0, (rand() % 9000) * 1000L};
                nanosleep(&ts, NULL);
                kill(pid, SIGKILL);
                int status = 0;
                assert_int_equal(waitpid(pid, &status, 0), pid);
                if (!WIFSIGNALED(status))
                        fail_msg("tagger exited with %d (seed %u)", WEXITSTATUS(status), seed);
                char buf[65536];
                size_t len = 0;
                ssize_t n;
                while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                        len += (size_t)n;
                close(p[0]);
                buf[len] = 0;
                /* the completed operations move the model; the last may be cut short */
                int pt = -1, pi = -1;
                char op = 0;
                for (char *line = buf, *nl; *line; line = nl + 1) {
                        nl = strchr(line, '\n');
                        if (!nl)
                                break;
                        *nl = 0;
                        if (line[0] == 'B') {
                                assert_int_equal(sscanf(line, "B %c %d %d", &op, &pt, &pi), 3);
                        } else if (line[0] == 'E') {
                                holder[pt] = pi;
                                op = 0;
                        } else
                                fail_msg("tagger failed: %s", line);
                }
                /* every tag on at most one image, in the listing and by lookup */
                StoreList l = {};
                assert_int_equal(image_store_list(is, NULL, &l, &err), 0);
                if (l.broken)
                        fail_msg("broken after kill %d: %s", it, l.broken[0]);
                assert_int_equal(l.n, IMAGES);
                for (int t = 0; t < TAGS; t++) {
                        char tag[16];
                        snprintf(tag, sizeof(tag), "repo/t:%d", t);
                        int on = -1, count = 0;
                        for (size_t i = 0; i < l.n; i++)
                                if (strv_contains(IMAGE_LIST_AT(&l, i)->repo_tags, tag)) {
                                        on = atoi(IMAGE_LIST_AT(&l, i)->id + 3);
                                        count++;
                                }
                        if (count > 1)
                                fail_msg("kill %d: `%s` is on %d images", it, tag, count);
                        Image g = {};
                        int r = image_store_get(is, tag, &g, NULL);
                        int by_lookup = r == 0 ? atoi(g.id + 3) : -1;
                        image_clear(&g);
                        if (by_lookup != on)
                                fail_msg("kill %d: `%s` lists on %d, resolves to %d", it, tag, on,
                                         by_lookup);
                        bool ok = on == holder[t] || (op && pt == t && on == pi);
                        if (!ok)
                                fail_msg("kill %d: `%s` on %d, was on %d (seed %u)", it, tag, on,
                                         holder[t], seed);
                        holder[t] = on;
                }
                store_list_clear(&l);
        }
        rm_rf(dir, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kill_writer),
                cmocka_unit_test(test_kill_tagger),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
