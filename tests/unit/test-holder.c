/* SPDX-License-Identifier: Apache-2.0 */
/* The namespace holder: started once, found again, joined by other processes, stopped. */
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"
#include "userns/holder.h"

static char rundir[] = "/tmp/warren-holder-test-XXXXXX";

static int setup(void **state) {
        if (!mkdtemp(rundir))
                return -1;
        setenv("WARREN_FORCE_HOLDER", "1", 1); /* so that root exercises the same path */
        return 0;
}

static int teardown(void **state) {
        holder_stop(rundir, NULL);
        rm_rf(rundir, NULL);
        return 0;
}

static bool userns_available(void) {
        pid_t p = fork();
        if (p == 0)
                _exit(unshare(CLONE_NEWUSER) < 0);
        int st;
        waitpid(p, &st, 0);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static ino_t ns_inode(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 ? st.st_ino : 0;
}

static void test_start_find_join_stop(void **state) {
        if (!userns_available())
                skip();
        HolderInfo a = {}, b = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(holder_find(rundir, &a, &err), 0);
        assert_int_equal(holder_ensure(rundir, &a, &err), 0);
        assert_true(a.pid > 1);
        assert_true(a.start_time > 0);
        /* A second ensure finds the same holder instead of starting another. */
        assert_int_equal(holder_ensure(rundir, &b, &err), 0);
        assert_int_equal(a.pid, b.pid);
        assert_int_equal(holder_find(rundir, &b, &err), 1);

        /* A child joins: it ends up in the holder's user and mount namespaces, as uid 0. */
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) a.pid);
        ino_t holder_user = ns_inode(path);
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) a.pid);
        ino_t holder_mnt = ns_inode(path);
        pid_t c = fork();
        if (c == 0) {
                if (holder_join(rundir, NULL) < 0)
                        _exit(10);
                if (ns_inode("/proc/self/ns/user") != holder_user)
                        _exit(11);
                if (ns_inode("/proc/self/ns/mnt") != holder_mnt)
                        _exit(12);
                if (getuid() != 0)
                        _exit(13);
                /* joining again is a no-op */
                _exit(holder_join(rundir, NULL) == 0 ? 0 : 14);
        }
        int st;
        assert_int_equal(waitpid(c, &st, 0), c);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);

        assert_int_equal(holder_stop(rundir, &err), 0);
        assert_int_equal(holder_find(rundir, &b, &err), 0);
        /* A stale pid file (the holder died) is not taken for a live holder. */
        assert_int_equal(holder_ensure(rundir, &b, &err), 0);
        assert_int_not_equal(b.pid, a.pid);
        kill(b.pid, SIGKILL);
        for (int i = 0; i < 100 && holder_process_start_time(b.pid) != 0; i++)
                usleep(10000);
        assert_int_equal(holder_find(rundir, &b, &err), 0);
}

static void test_start_time(void **state) {
        assert_true(holder_process_start_time(getpid()) > 0);
        assert_true(holder_process_start_time(0x7ffffff0) == 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start_time),
                cmocka_unit_test(test_start_find_join_stop),
        };
        return cmocka_run_group_tests_name("holder", tests, setup, teardown);
}
