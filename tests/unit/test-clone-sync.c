/* SPDX-License-Identifier: Apache-2.0 */
/* The clone sync protocol: encode/decode, send/receive, errors across the boundary, and a real
 * clone into a new user namespace (skipped when the host does not allow it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "basic/xalloc.h"
#include "userns/clone.h"
#include "userns/idmap.h"
#include "userns/sync.h"

static void test_encode_decode(void **state) {
        uint8_t buf[SYNC_MSG_MAX];
        int n = sync_encode(SYNC_ERR, ENOENT, "open `x`", 8, buf, sizeof(buf));
        assert_int_equal(n, SYNC_HEADER_SIZE + 8);
        SyncMsg m;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(sync_decode(buf, (size_t)n, &m, &err), 0);
        assert_int_equal(m.type, SYNC_ERR);
        assert_int_equal(m.value, ENOENT);
        assert_int_equal(m.text_len, 8);
        assert_string_equal(m.text, "open `x`");
        assert_int_equal(m.fd, -1);

        /* negative values survive (pids are positive, but value is free for callers) */
        n = sync_encode(SYNC_USER, -42, NULL, 0, buf, sizeof(buf));
        assert_int_equal(n, SYNC_HEADER_SIZE);
        assert_int_equal(sync_decode(buf, (size_t)n, &m, &err), 0);
        assert_int_equal(m.value, -42);
        assert_string_equal(m.text, "");

        /* text is capped */
        _cleanup_free_ char *longtext = xmalloc(SYNC_TEXT_MAX * 2);
        memset(longtext, 'a', SYNC_TEXT_MAX * 2);
        n = sync_encode(SYNC_ERR, EIO, longtext, SYNC_TEXT_MAX * 2, buf, sizeof(buf));
        assert_int_equal(n, SYNC_MSG_MAX);
        assert_int_equal(sync_decode(buf, (size_t)n, &m, &err), 0);
        assert_int_equal(m.text_len, SYNC_TEXT_MAX);
        assert_int_equal(strlen(m.text), SYNC_TEXT_MAX);

        /* a buffer too small */
        assert_int_equal(sync_encode(SYNC_GO, 0, "abc", 3, buf, SYNC_HEADER_SIZE + 2), -ENOBUFS);

        for (int t = SYNC_READY; t < _SYNC_TYPE_MAX; t++)
                assert_non_null(sync_type_name((SyncType)t));
        assert_null(sync_type_name((SyncType)0));
        assert_null(sync_type_name(_SYNC_TYPE_MAX));
        assert_string_equal(sync_type_name(SYNC_MAPPED), "MAPPED");
}

static void expect_decode_error(const void *buf, size_t len, const char *msg) {
        SyncMsg m;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(sync_decode(buf, len, &m, &err), -EPROTO);
        if (!strstr(err->msg, msg))
                fail_msg("`%s` does not contain `%s`", err->msg, msg);
}

static void test_decode_errors(void **state) {
        uint8_t buf[SYNC_MSG_MAX];
        int n = sync_encode(SYNC_GO, 0, "xy", 2, buf, sizeof(buf));
        expect_decode_error(buf, 3, "shorter than its header");
        expect_decode_error(buf, (size_t)n - 1, "does not match its text length");
        expect_decode_error(buf, SYNC_HEADER_SIZE, "does not match its text length");

        uint8_t bad[SYNC_MSG_MAX];
        memcpy(bad, buf, (size_t)n);
        bad[0] ^= 0xff;
        expect_decode_error(bad, (size_t)n, "bad magic");

        memcpy(bad, buf, (size_t)n);
        uint32_t tv = 2U << 16 | SYNC_GO;
        memcpy(bad + 4, &tv, 4);
        expect_decode_error(bad, (size_t)n, "version 2");

        memcpy(bad, buf, (size_t)n);
        tv = SYNC_VERSION << 16 | 999;
        memcpy(bad + 4, &tv, 4);
        expect_decode_error(bad, (size_t)n, "unknown type 999");

        memcpy(bad, buf, (size_t)n);
        uint32_t huge = SYNC_TEXT_MAX + 1;
        memcpy(bad + 12, &huge, 4);
        expect_decode_error(bad, (size_t)n, "does not match its text length");
}

static void test_send_recv(void **state) {
        int fds[2];
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(sync_socketpair(fds, &err), 0);
        _cleanup_close_ int a = fds[0];
        _cleanup_close_ int b = fds[1];
        assert_true(fcntl(a, F_GETFD) & FD_CLOEXEC);

        assert_int_equal(sync_send(a, SYNC_READY, 7, "hello", &err), 0);
        SyncMsg m;
        assert_int_equal(sync_expect(b, SYNC_READY, &m, &err), 0);
        assert_int_equal(m.value, 7);
        assert_string_equal(m.text, "hello");

        /* an fd crosses with SCM_RIGHTS */
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(sync_send_fd(a, SYNC_FD, 3, p[1], &err), 0);
        close(p[1]);
        assert_int_equal(sync_expect(b, SYNC_FD, &m, &err), 0);
        assert_true(m.fd >= 0);
        assert_true(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(write(m.fd, "z", 1), 1);
        close(m.fd);
        char c = 0;
        assert_int_equal(read(p[0], &c, 1), 1);
        assert_int_equal(c, 'z');
        close(p[0]);
        assert_int_equal(sync_send_fd(a, SYNC_FD, 0, -1, &err), -EBADF);
        error_free(TAKE_PTR(err));

        /* an error is rebuilt on the other side */
        WarrenError *child_err = NULL;
        error_set(&child_err, EACCES, "mount `/proc`: denied");
        assert_int_equal(sync_send_error(a, child_err), 0);
        error_free(child_err);
        assert_int_equal(sync_expect(b, SYNC_GO, NULL, &err), -EACCES);
        assert_string_equal(err->msg, "mount `/proc`: denied");
        error_free(TAKE_PTR(err));

        /* NULL error */
        assert_int_equal(sync_send_error(a, NULL), 0);
        assert_int_equal(sync_expect(b, SYNC_GO, NULL, &err), -EIO);
        assert_string_equal(err->msg, "unknown error");
        error_free(TAKE_PTR(err));

        /* the wrong message */
        assert_int_equal(sync_send(a, SYNC_PID, 123, NULL, &err), 0);
        assert_int_equal(sync_expect(b, SYNC_MAPPED, NULL, &err), -EPROTO);
        assert_string_equal(err->msg, "unexpected sync message `PID`, expected `MAPPED`");
        error_free(TAKE_PTR(err));

        assert_int_equal(sync_send(a, SYNC_ACK, 0, NULL, &err), 0);
        assert_int_equal(sync_expect_eof(b, &err), -EPROTO);
        error_free(TAKE_PTR(err));

        /* garbage on the socket */
        assert_int_equal(send(a, "junk", 4, 0), 4);
        assert_int_equal(sync_recv(b, &m, &err), -EPROTO);
        error_free(TAKE_PTR(err));

        /* EOF */
        a = safe_close(a);
        assert_int_equal(sync_recv(b, &m, &err), 0);
        assert_int_equal(sync_expect(b, SYNC_READY, NULL, &err), -EPIPE);
        assert_string_equal(err->msg, "peer exited before sending `READY`");
        error_free(TAKE_PTR(err));
        assert_int_equal(sync_expect_eof(b, &err), 0);

        /* sending to a closed peer */
        assert_int_equal(sync_socketpair(fds, &err), 0);
        close(fds[1]);
        assert_int_equal(sync_send(fds[0], SYNC_GO, 0, NULL, &err), -EPIPE);
        close(fds[0]);
}

static void test_flags_to_string(void **state) {
        _cleanup_free_ char *a = clone_flags_to_string(CLONE_NEWUSER | CLONE_NEWNS);
        assert_string_equal(a, "CLONE_NEWUSER|CLONE_NEWNS");
        _cleanup_free_ char *b = clone_flags_to_string(0);
        assert_string_equal(b, "0");
        _cleanup_free_ char *c = clone_flags_to_string(CLONE_NEWPID | CLONE_VM);
        assert_string_equal(c, "CLONE_NEWPID|0x100");
}

static void test_bad_options(void **state) {
        CloneChild c;
        _cleanup_error_ WarrenError *err = NULL;
        CloneOptions o = {.ns_flags = CLONE_NEWNS | CLONE_VM};
        assert_int_equal(clone_spawn(&o, NULL, NULL, &c, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        IdMapPlan plan = {0};
        o = (CloneOptions){.ns_flags = CLONE_NEWNS, .idmaps = &plan};
        assert_int_equal(clone_spawn(&o, (CloneChildFn)1, NULL, &c, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`CLONE_NEWUSER`"));
}

/* ---- a real clone ---- */

static int child_report(int fd, void *userdata, WarrenError **err) {
        char name[] = "warren-test";
        if (sethostname(name, strlen(name)) < 0)
                return error_set_errno(err, errno, "sethostname in the new uts namespace");
        int r = sync_send(fd, SYNC_READY, (int32_t)getuid(), NULL, err);
        if (r < 0)
                return r;
        r = sync_expect(fd, SYNC_GO, NULL, err);
        if (r < 0)
                return r;
        return 0;
}

static int child_fail(int fd, void *userdata, WarrenError **err) {
        return error_set(err, ENOTSUP, "child says no to `%s`", (const char *)userdata);
}

/* Run the scenario; returns 0 ok, 77 skip, other values a failing step. Runs in a process that
 * may have dropped privileges, so no cmocka assertions here. */
static int scenario(void) {
        _cleanup_error_ WarrenError *err = NULL;
        IdMap um = {0}, gm = {0};
        idmap_append(&um, 0, geteuid(), 1);
        idmap_append(&gm, 0, getegid(), 1);
        _cleanup_idmap_plan_ IdMapPlan plan = {0};
        idmap_plan_from_maps(&um, &gm, &plan);
        idmap_done(&um);
        idmap_done(&gm);
        if (plan.use_helpers)
                return 10;

        CloneOptions o = {
                .ns_flags = CLONE_NEWUSER | CLONE_NEWUTS,
                .idmaps = &plan,
                .become_root = true,
                .pdeath_signal = SIGKILL,
                .want_pidfd = true,
        };
        _cleanup_clone_child_ CloneChild c = {.sync_fd = -1, .pidfd = -1};
        int r = clone_spawn(&o, child_report, NULL, &c, &err);
        if (r < 0 && err && STARTS_WITH(err->msg, "clone with")) {
                fprintf(stderr, "skip: %s\n", err ? err->msg : "?");
                return 77;
        }
        if (r < 0) {
                fprintf(stderr, "clone_spawn: %s\n", err->msg);
                return 11;
        }
        SyncMsg m;
        if (sync_expect(c.sync_fd, SYNC_READY, &m, &err) < 0) {
                fprintf(stderr, "expect READY: %s\n", err->msg);
                return 12;
        }
        if (m.value != 0)
                return 13; /* uid 0 inside */
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)c.pid);
        FILE *f = fopen(path, "re");
        unsigned a = 9, b = 9, s = 9;
        if (!f || fscanf(f, "%u %u %u", &a, &b, &s) != 3 || a != 0 || b != geteuid() || s != 1)
                return 14;
        fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)c.pid);
        f = fopen(path, "re");
        char sg[16] = "";
        if (!f || !fgets(sg, sizeof(sg), f))
                return 15;
        fclose(f);
        if (geteuid() != 0 && strncmp(sg, "deny", 4) != 0)
                return 16;
        if (sync_send(c.sync_fd, SYNC_GO, 0, NULL, &err) < 0)
                return 17;
        if (sync_expect_eof(c.sync_fd, &err) < 0)
                return 18;
        int status;
        if (clone_wait(c.pid, &status, &err) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
                return 19;
        /* a pidfd comes only with clone3 (valgrind, old kernels and some seccomp profiles
         * fall back to clone) */
        if (c.pidfd >= 0 && fcntl(c.pidfd, F_GETFD) < 0)
                return 20;
        clone_child_done(&c);

        /* a failing child: the parent gets its error */
        CloneOptions o2 = {.ns_flags = CLONE_NEWUSER, .idmaps = &plan};
        CloneChild c2 = {.sync_fd = -1, .pidfd = -1};
        r = clone_spawn(&o2, child_fail, (void *)"x", &c2, &err);
        if (r < 0)
                return 21;
        r = sync_expect(c2.sync_fd, SYNC_READY, NULL, &err);
        if (r != -ENOTSUP || !err || strcmp(err->msg, "child says no to `x`") != 0)
                return 22;
        if (clone_wait(c2.pid, &status, NULL) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 1)
                return 23;
        clone_child_done(&c2);
        return 0;
}

static int run_as(uid_t uid, gid_t gid) {
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (uid != geteuid()) {
                        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
                            setresuid(uid, uid, uid) < 0)
                                _exit(77);
                        /* changing uid made us non-dumpable, which makes /proc/PID/uid_map
                         * of our children root's: a real unprivileged user is dumpable */
                        if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                                _exit(77);
                }
                _exit(scenario());
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_clone_single_id_as_self(void **state) {
        int r = run_as(geteuid(), getegid());
        if (r == 77)
                skip();
        assert_int_equal(r, 0);
}

static void test_clone_single_id_unprivileged(void **state) {
        if (geteuid() != 0)
                skip(); /* already covered by the test above */
        int r = run_as(65534, 65534);
        if (r == 77)
                skip();
        assert_int_equal(r, 0);
}

static int child_uid(int fd, void *userdata, WarrenError **err) {
        return sync_send(fd, SYNC_READY, (int32_t)getuid(), NULL, err);
}

/* The newuidmap/newgidmap path: map our own ids (which the helpers allow for anyone). */
static void test_clone_via_helpers(void **state) {
        _cleanup_free_ char *u = NULL, *g = NULL;
        if (idmap_find_helper(IDMAP_UID, &u, NULL) < 0 ||
            idmap_find_helper(IDMAP_GID, &g, NULL) < 0)
                skip();
        _cleanup_idmap_plan_ IdMapPlan plan = {.use_helpers = true};
        idmap_append(&plan.uid_map, 0, geteuid(), 1);
        idmap_append(&plan.gid_map, 0, getegid(), 1);
        CloneOptions o = {.ns_flags = CLONE_NEWUSER, .idmaps = &plan, .become_root = true};
        _cleanup_clone_child_ CloneChild c = {.sync_fd = -1, .pidfd = -1};
        _cleanup_error_ WarrenError *err = NULL;
        int r = clone_spawn(&o, child_uid, NULL, &c, &err);
        if (r < 0 && STARTS_WITH(err->msg, "clone with"))
                skip();
        if (r < 0)
                fail_msg("%s", err->msg);
        SyncMsg m;
        assert_int_equal(sync_expect(c.sync_fd, SYNC_READY, &m, &err), 0);
        assert_int_equal(m.value, 0);
        assert_int_equal(sync_expect_eof(c.sync_fd, &err), 0);
        int status;
        assert_int_equal(clone_wait(c.pid, &status, &err), 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A map the helper refuses: the child is killed and reaped, the error names the tool. */
static void test_clone_helper_refuses(void **state) {
        _cleanup_free_ char *u = NULL;
        if (idmap_find_helper(IDMAP_UID, &u, NULL) < 0)
                skip();
        _cleanup_idmap_plan_ IdMapPlan plan = {.use_helpers = true};
        idmap_append(&plan.uid_map, 0, 4000000000U, 1000); /* nobody owns these */
        idmap_append(&plan.gid_map, 0, getegid(), 1);
        CloneOptions o = {.ns_flags = CLONE_NEWUSER, .idmaps = &plan};
        CloneChild c = {.sync_fd = -1, .pidfd = -1};
        _cleanup_error_ WarrenError *err = NULL;
        int r = clone_spawn(&o, child_uid, NULL, &c, &err);
        if (r < 0 && STARTS_WITH(err->msg, "clone with"))
                skip();
        assert_true(r < 0);
        assert_non_null(strstr(err->msg, "map ids of child"));
        assert_non_null(strstr(err->msg, "newuidmap `"));
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* reaped */
        assert_int_equal(errno, ECHILD);
}

static int child_multi(int fd, void *userdata, WarrenError **err) {
        /* with newgidmap, setgroups stays allowed */
        if (setgroups(0, NULL) < 0)
                return error_set_errno(err, errno, "setgroups in the new user namespace");
        return sync_send(fd, SYNC_READY, (int32_t)getuid(), NULL, err);
}

static int count_lines(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        int n = 0, c;
        while ((c = fgetc(f)) != EOF)
                n += c == '\n';
        fclose(f);
        return n;
}

static int scenario_multi(void) {
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_idmap_plan_ IdMapPlan plan = {0};
        if (idmap_plan_default(&plan, &err) < 0)
                return 30;
        if (!plan.use_helpers) {
                fprintf(stderr, "skip: %s\n", plan.reason);
                return 77;
        }
        CloneOptions o = {.ns_flags = CLONE_NEWUSER, .idmaps = &plan, .become_root = true};
        _cleanup_clone_child_ CloneChild c = {.sync_fd = -1, .pidfd = -1};
        int r = clone_spawn(&o, child_multi, NULL, &c, &err);
        if (r < 0 && STARTS_WITH(err->msg, "clone with"))
                return 77;
        if (r < 0) {
                fprintf(stderr, "clone_spawn: %s\n", err->msg);
                return 31;
        }
        SyncMsg m;
        if (sync_expect(c.sync_fd, SYNC_READY, &m, &err) < 0) {
                fprintf(stderr, "child: %s\n", err->msg);
                return 32;
        }
        if (m.value != 0)
                return 33;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)c.pid);
        if (count_lines(path) != (int)plan.uid_map.n)
                return 34;
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)c.pid);
        if (count_lines(path) != (int)plan.gid_map.n)
                return 35;
        if (sync_expect_eof(c.sync_fd, &err) < 0)
                return 36;
        int status;
        if (clone_wait(c.pid, &status, NULL) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
                return 37;
        return 0;
}

/* Multi-range maps through newuidmap/newgidmap as a real user with subordinate ranges: the
 * user tests/check.sh creates (WARREN_TEST_USER, default warren-test), when it exists. */
static void test_clone_multi_range_as_test_user(void **state) {
        const char *name = getenv("WARREN_TEST_USER") ? getenv("WARREN_TEST_USER") : "warren-test";
        struct passwd *pw = getpwnam(name);
        if (geteuid() != 0 || !pw)
                skip();
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
                    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0 ||
                    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                        _exit(77);
                _exit(scenario_multi());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode_decode),
                cmocka_unit_test(test_decode_errors),
                cmocka_unit_test(test_send_recv),
                cmocka_unit_test(test_flags_to_string),
                cmocka_unit_test(test_bad_options),
                cmocka_unit_test(test_clone_single_id_as_self),
                cmocka_unit_test(test_clone_single_id_unprivileged),
                cmocka_unit_test(test_clone_via_helpers),
                cmocka_unit_test(test_clone_helper_refuses),
                cmocka_unit_test(test_clone_multi_range_as_test_user),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
