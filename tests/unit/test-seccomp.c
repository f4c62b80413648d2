/* SPDX-License-Identifier: Apache-2.0 */
/* OCI linux.seccomp -> filter: valid profiles, every error case, the default profile, and loading
 * in a child process. Rules are checked through libseccomp's pseudo filter code, which names
 * each syscall ("# filter for syscall \"mkdir\""), so the checks do not depend on the
 * architecture's syscall numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "basic/json.h"
#include "runtime/seccomp.h"
#include "basic/fs-util.h"
#include "basic/xalloc.h"

static JsonValue *parse(const char *doc) {
        JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (json_parse(doc, strlen(doc), 0, &v, &err) < 0)
                fail_msg("bad test JSON: %s", err->msg);
        return v;
}

static char *pfc_of(const SeccompFilter *f) {
        char *s = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(seccomp_filter_export_pfc(f, &s, &err), 0);
        return s;
}

static bool has_rule(const char *pfc, const char *syscall) {
        char needle[128];
        snprintf(needle, sizeof(needle), "# filter for syscall \"%s\"", syscall);
        return strstr(pfc, needle) != NULL;
}

/* valgrind does not implement seccomp(2), so libseccomp sees API level 1 and refuses
 * SCMP_ACT_KILL_PROCESS and SCMP_ACT_LOG. */
static bool under_valgrind(void) {
        const char *preload = getenv("LD_PRELOAD");
        return preload && strstr(preload, "vgpreload");
}

static void test_valid(void **state) {
        if (under_valgrind())
                skip();
        _cleanup_json_ JsonValue *v = parse(
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                " \"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_AARCH64\"],"
                " \"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
                " \"syscalls\":["
                "  "
                "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},"
                "  {\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                "  "
                "{\"names\":[\"not_a_syscall_at_all\",\"uname\"],\"action\":\"SCMP_ACT_KILL_"
                "PROCESS\"},"
                "  {\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                "  {\"names\":[\"personality\"],\"action\":\"SCMP_ACT_LOG\","
                "   "
                "\"args\":[{\"index\":0,\"value\":255,\"valueTwo\":8,\"op\":\"SCMP_CMP_MASKED_EQ\"}"
                "]},"
                "  {\"names\":[\"socket\"],\"action\":\"SCMP_ACT_TRAP\","
                "   \"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
                "             {\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]},"
                "  {\"names\":[\"kill\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5,"
                "   \"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_GT\"},"
                "             {\"index\":1,\"value\":9,\"op\":\"SCMP_CMP_NE\"}]},"
                "  {\"names\":[\"fchmod\"],\"action\":\"SCMP_ACT_KILL\"},"
                "  {\"names\":[\"fchown\"],\"action\":\"SCMP_ACT_KILL_THREAD\","
                "   \"args\":[{\"index\":5,\"value\":0,\"op\":\"SCMP_CMP_LT\"}]},"
                "  {\"names\":[\"lchown\"],\"action\":\"SCMP_ACT_ERRNO\","
                "   \"args\":[{\"index\":2,\"value\":1,\"op\":\"SCMP_CMP_LE\"}]},"
                "  {\"names\":[\"fchownat\"],\"action\":\"SCMP_ACT_ERRNO\","
                "   \"args\":[{\"index\":2,\"value\":1,\"op\":\"SCMP_CMP_GE\"}]}"
                " ]}");
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        int r = seccomp_filter_build(v, &f, &err);
        if (r < 0)
                fail_msg("%s", err->msg);
        assert_non_null(f);
        SeccompFilterStats st;
        seccomp_filter_stats(f, &st);
        assert_int_equal(st.syscalls_unknown, 1);
        assert_int_equal(st.rules_redundant, 1); /* getcwd ALLOW == default */
        /* mkdir mkdirat chmod uname personality socket*2 kill fchmod fchown lchown fchownat */
        assert_int_equal(st.rules_added, 12);

        _cleanup_free_ char *pfc = pfc_of(f);
        assert_true(has_rule(pfc, "mkdir"));
        assert_true(has_rule(pfc, "chmod"));
        assert_true(has_rule(pfc, "uname"));
        assert_true(has_rule(pfc, "personality"));
        assert_false(has_rule(pfc, "getcwd"));
        assert_non_null(strstr(pfc, "action ERRNO(13)"));
        assert_non_null(strstr(pfc, "action ERRNO(1)")); /* default EPERM */
        assert_non_null(strstr(pfc, "action TRACE(5)"));
        assert_non_null(strstr(pfc, "action KILL_PROCESS"));
        assert_non_null(strstr(pfc, "action TRAP"));
        assert_non_null(strstr(pfc, "action LOG"));
        assert_non_null(
                strstr(pfc, "& 0x000000ff == 8")); /* value is the mask, valueTwo the datum */

        void *bpf = NULL;
        size_t len = 0;
        assert_int_equal(seccomp_filter_export_bpf(f, &bpf, &len, &err), 0);
        assert_true(len > 0 && len % 8 == 0);
        free(bpf);
}

static void test_null_and_minimal(void **state) {
        SeccompFilter *f = (SeccompFilter *)1;
        assert_int_equal(seccomp_filter_build(NULL, &f, NULL), 0);
        assert_null(f);
        _cleanup_json_ JsonValue *n = parse("null");
        assert_int_equal(seccomp_filter_build(n, &f, NULL), 0);
        assert_null(f);
        assert_int_equal(seccomp_filter_load(NULL, NULL), 0);

        _cleanup_json_ JsonValue *v = parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                                            "\"defaultErrnoRet\":38,\"syscalls\":null}");
        _cleanup_seccomp_filter_ SeccompFilter *g = NULL;
        assert_int_equal(seccomp_filter_build(v, &g, NULL), 0);
        _cleanup_free_ char *pfc = pfc_of(g);
        assert_non_null(strstr(pfc, "action ERRNO(38)"));
}

static void expect_error(const char *doc, int code, const char *msg) {
        _cleanup_json_ JsonValue *v = parse(doc);
        SeccompFilter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        int r = seccomp_filter_build(v, &f, &err);
        if (r >= 0)
                fail_msg("no error for %s", doc);
        assert_null(f);
        assert_int_equal(r, -code);
        if (!strstr(err->msg, msg))
                fail_msg("`%s` does not contain `%s`", err->msg, msg);
}

#define S(x) "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" x "]}"

static void test_errors(void **state) {
        expect_error("[]", EINVAL, "`linux.seccomp` must be an object, not array");
        expect_error("{}", EINVAL, "`linux.seccomp.defaultAction` is required");
        expect_error("{\"defaultAction\":1}", EINVAL,
                     "`linux.seccomp.defaultAction` must be a string, not integer");
        expect_error("{\"defaultAction\":\"SCMP_ACT_NOPE\"}", EINVAL,
                     "`linux.seccomp.defaultAction`: unknown action `SCMP_ACT_NOPE`");
        expect_error("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", ENOTSUP, "is not supported");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}", EINVAL,
                     "`linux.seccomp.defaultErrnoRet` is only valid with `SCMP_ACT_ERRNO`");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}", ERANGE,
                     "`linux.seccomp.defaultErrnoRet` must not be negative");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":70000}", ERANGE,
                     "`linux.seccomp.defaultErrnoRet`: 70000 is larger than 65535");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":\"1\"}", EINVAL,
                     "`linux.seccomp.defaultErrnoRet` must be an integer");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":\"x\"}", EINVAL,
                     "`linux.seccomp.architectures` must be an array");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\","
                     "\"SCMP_ARCH_VAX\"]}",
                     EINVAL,
                     "`linux.seccomp.architectures[1]`: unknown architecture `SCMP_ARCH_VAX`");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[3]}", EINVAL,
                     "`linux.seccomp.architectures[0]` must be a string");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":{}}", EINVAL,
                     "`linux.seccomp.flags` must be an array");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}",
                     EINVAL, "`linux.seccomp.flags[0]`: unknown flag `SECCOMP_FILTER_FLAG_X`");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":"
                     "[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
                     ENOTSUP,
                     "`linux.seccomp.flags[1]`: `SECCOMP_FILTER_FLAG_NEW_LISTENER` is not");
        expect_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", EINVAL,
                     "`linux.seccomp.syscalls` must be an array");
        expect_error(S("1"), EINVAL, "`linux.seccomp.syscalls[0]` must be an object");
        expect_error(S("{\"action\":\"SCMP_ACT_ERRNO\"}"), EINVAL,
                     "`linux.seccomp.syscalls[0].names` is required");
        expect_error(S("{\"names\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\"}"), EINVAL,
                     "`linux.seccomp.syscalls[0].names` must be an array of strings");
        expect_error(S("{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}"), EINVAL,
                     "`linux.seccomp.syscalls[0].names` must not be empty");
        expect_error(S("{\"names\":[\"mkdir\",7],\"action\":\"SCMP_ACT_ERRNO\"}"), EINVAL,
                     "`linux.seccomp.syscalls[0].names[1]` must be a string");
        expect_error(S("{\"names\":[\"\"],\"action\":\"SCMP_ACT_ERRNO\"}"), EINVAL,
                     "`linux.seccomp.syscalls[0].names[0]` must not be empty");
        expect_error(S("{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                       "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                       "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_FOO\"}"),
                     EINVAL, "`linux.seccomp.syscalls[2].action`: unknown action `SCMP_ACT_FOO`");
        expect_error(S("{\"names\":[\"mkdir\"]}"), EINVAL,
                     "`linux.seccomp.syscalls[0].action` is required");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}"), ENOTSUP,
                     "`linux.seccomp.syscalls[0].action`: `SCMP_ACT_NOTIFY` is not supported");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}"),
                     EINVAL, "`linux.seccomp.syscalls[0].errnoRet` is only valid with");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":true}"),
                     EINVAL, "`linux.seccomp.syscalls[0].errnoRet` must be an integer");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":{}}"), EINVAL,
                     "`linux.seccomp.syscalls[0].args` must be an array");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[1]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args[0]` must be an object");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args[0].index` is required");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args[0].index`: 6 is not an argument");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}"),
                     ERANGE, "`linux.seccomp.syscalls[0].args[0].value` must not be negative");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":0,\"valueTwo\":\"x\",\"op\":\"SCMP_CMP_EQ\"}]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args[0].valueTwo` must be an integer");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":0,\"value\":1}]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args[0].op` is required");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}"),
                     EINVAL,
                     "`linux.seccomp.syscalls[0].args[0].op`: unknown operator `SCMP_CMP_XX`");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\","
                       "\"args\":[{\"index\":0,\"value\":1,\"op\":2}]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args[0].op` must be a string");
        expect_error(S("{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
                       "{\"index\":0,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"op\":\"SCMP_CMP_EQ\"},"
                       "{\"index\":2,\"op\":\"SCMP_CMP_EQ\"},{\"index\":3,\"op\":\"SCMP_CMP_EQ\"},"
                       "{\"index\":4,\"op\":\"SCMP_CMP_EQ\"},{\"index\":5,\"op\":\"SCMP_CMP_EQ\"},"
                       "{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}"),
                     EINVAL, "`linux.seccomp.syscalls[0].args` has 7 entries, at most 6");
        /* an error is reported even for entries whose names are all unknown */
        expect_error(S("{\"names\":[\"nope_nope\"],\"action\":\"SCMP_ACT_BAD\"}"), EINVAL,
                     "`linux.seccomp.syscalls[0].action`");
}

static void test_known_lists(void **state) {
        const char *const *a = seccomp_known_actions();
        size_t n = 0;
        for (; a[n]; n++)
                assert_non_null(strstr(a[n], "SCMP_ACT_"));
        assert_int_equal(n, 8);
        const char *const *o = seccomp_known_operators();
        for (n = 0; o[n]; n++)
                ;
        assert_int_equal(n, 7);
        const char *const *archs = seccomp_known_archs();
        bool x86_64 = false;
        for (n = 0; archs[n]; n++)
                x86_64 = x86_64 || STREQ(archs[n], "SCMP_ARCH_X86_64");
        assert_true(x86_64);
        assert_non_null(seccomp_known_flags()[0]);
}

static void test_default_profile(void **state) {
        _cleanup_json_ JsonValue *p = seccomp_default_profile(0);
        assert_string_equal(json_string(json_get(p, "defaultAction")), "SCMP_ACT_ERRNO");
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        int r = seccomp_filter_build(p, &f, &err);
        if (r < 0)
                fail_msg("%s", err->msg);
        SeccompFilterStats st;
        seccomp_filter_stats(f, &st);
        assert_true(st.rules_added > 250);
        _cleanup_free_ char *pfc = pfc_of(f);
        assert_true(has_rule(pfc, "mkdir"));
        assert_true(has_rule(pfc, "getcwd"));
        assert_true(has_rule(pfc, "clone"));
        assert_true(has_rule(pfc, "clone3"));
        assert_false(has_rule(pfc, "mount"));
        assert_false(has_rule(pfc, "unshare"));
        assert_non_null(strstr(pfc, "action ERRNO(38)")); /* clone3 -> ENOSYS */

        /* with CAP_SYS_ADMIN: mount and friends allowed, clone unconditionally */
        _cleanup_json_ JsonValue *admin = seccomp_default_profile(UINT64_C(1) << 21);
        _cleanup_seccomp_filter_ SeccompFilter *g = NULL;
        assert_int_equal(seccomp_filter_build(admin, &g, &err), 0);
        _cleanup_free_ char *pfc2 = pfc_of(g);
        assert_true(has_rule(pfc2, "mount"));
        assert_true(has_rule(pfc2, "unshare"));
        assert_null(strstr(pfc2, "action ERRNO(38)"));

        /* the tree survives a round trip through text */
        _cleanup_free_ char *text = NULL;
        assert_int_equal(json_to_string(p, false, &text, &err), 0);
        _cleanup_json_ JsonValue *again = parse(text);
        _cleanup_seccomp_filter_ SeccompFilter *h = NULL;
        assert_int_equal(seccomp_filter_build(again, &h, &err), 0);
}

/* The exit status of a child, or 128 + its signal. */
static int child_status(pid_t pid) {
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Load filters in a child process; the exit status carries the result. */
static int load_in_child(const char *doc, bool nnp, int (*check)(void)) {
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                JsonValue *v = NULL;
                SeccompFilter *f = NULL;
                WarrenError *err = NULL;
                if (json_parse(doc, strlen(doc), 0, &v, &err) < 0 ||
                    seccomp_filter_build(v, &f, &err) < 0)
                        _exit(90);
                if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(91);
                if (seccomp_filter_load(f, &err) < 0)
                        _exit(err->code == EACCES ? 77 : 92);
                _exit(check());
        }
        return child_status(pid);
}

static int check_mkdir_eacces(void) {
        if (syscall(SYS_getpid) <= 0)
                return 1;
        if (mkdir("/tmp/.test-seccomp-never", 0700) == 0 || errno != EACCES)
                return 2;
        char buf[256];
        if (!getcwd(buf, sizeof(buf)))
                return 3;
        return 0;
}

static int check_default_profile(void) {
        char buf[256];
        if (!getcwd(buf, sizeof(buf)))
                return 1;
        if (syscall(SYS_mount, "x", "/.test-seccomp-missing", "tmpfs", 0, NULL) == 0 ||
            errno != EPERM)
                return 2;
        if (syscall(SYS_unshare, 0x04000000 /* CLONE_NEWUTS */) == 0 || errno != EPERM)
                return 3;
        if (syscall(435 /* clone3 */, NULL, 0) == 0 || errno != ENOSYS)
                return 4;
        pid_t p = fork(); /* plain clone is allowed */
        if (p < 0)
                return 5;
        if (p == 0)
                _exit(0);
        waitpid(p, NULL, 0);
        return 0;
}

static void test_load(void **state) {
        if (under_valgrind())
                skip(); /* valgrind cannot run seccomp filters */
        const char *doc =
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}";
        assert_int_equal(load_in_child(doc, true, check_mkdir_eacces), 0);
        /* without no_new_privs it needs CAP_SYS_ADMIN */
        int r = load_in_child(doc, false, check_mkdir_eacces);
        if (geteuid() == 0)
                assert_int_equal(r, 0);
        else
                assert_int_equal(r, 77);

        _cleanup_json_ JsonValue *p = seccomp_default_profile(0);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(json_to_string(p, false, &text, NULL), 0);
        assert_int_equal(load_in_child(text, true, check_default_profile), 0);
        assert_true(seccomp_is_supported());
}

/* The same, through a compiled program (cached or not) and seccomp_program_load(). */
static int load_program_in_child(const SeccompProgram *prog, int (*check)(void)) {
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                WarrenError *err = NULL;
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(91);
                if (seccomp_program_load(prog, &err) < 0)
                        _exit(92);
                _exit(check());
        }
        return child_status(pid);
}

static char *cache_file(const char *dir) {
        DIR *d = opendir(dir);
        assert_non_null(d);
        char *found = NULL;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.') {
                        assert_null(found); /* one profile, one file */
                        found = xasprintf("%s/%s", dir, de->d_name);
                }
        closedir(d);
        assert_non_null(found);
        return found;
}

static void test_program_cache(void **state) {
        char root[] = "/tmp/test-seccomp-cache.XXXXXX";
        assert_non_null(mkdtemp(root));
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, SECCOMP_CACHE_DIR_NAME);
        _cleanup_json_ JsonValue *p = seccomp_default_profile(0);
        _cleanup_error_ WarrenError *err = NULL;

        /* a miss builds and stores; a hit gives the very same program */
        _cleanup_seccomp_program_ SeccompProgram *a = NULL, *b = NULL;
        assert_int_equal(seccomp_program_build(p, dir, &a, &err), 0);
        assert_false(a->from_cache);
        assert_int_equal(seccomp_program_build(p, dir, &b, &err), 0);
        assert_true(b->from_cache);
        assert_int_equal(a->len, b->len);
        assert_int_equal(a->flags, b->flags);
        assert_memory_equal(a->insns, b->insns, a->len);
        /* and it is what libseccomp exports for the profile */
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        assert_int_equal(seccomp_filter_build(p, &f, &err), 0);
        _cleanup_free_ void *bpf = NULL;
        size_t bpf_len = 0;
        assert_int_equal(seccomp_filter_export_bpf(f, &bpf, &bpf_len, &err), 0);
        assert_int_equal(bpf_len, b->len);
        assert_memory_equal(bpf, b->insns, bpf_len);

        /* another profile is another file; the first is untouched */
        _cleanup_free_ char *file = cache_file(dir);
        /* (valgrind does not know seccomp(2), which libseccomp asks about TSYNC) */
        const char *doc =
                under_valgrind()
                        ? "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                          "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}"
                        : "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_"
                          "TSYNC\"],\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":"
                          "\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}";
        _cleanup_json_ JsonValue *small = parse(doc);
        _cleanup_seccomp_program_ SeccompProgram *c = NULL, *c2 = NULL;
        assert_int_equal(seccomp_program_build(small, dir, &c, &err), 0);
        assert_false(c->from_cache);
        assert_true(under_valgrind() || (c->flags & 1 /* SECCOMP_FILTER_FLAG_TSYNC */));
        assert_int_equal(seccomp_program_build(small, dir, &c2, &err), 0);
        assert_true(c2->from_cache);
        assert_int_equal(c2->flags, c->flags);
        if (!under_valgrind()) {
                assert_int_equal(load_program_in_child(c2, check_mkdir_eacces), 0);
                assert_int_equal(load_program_in_child(b, check_default_profile), 0);
        }

        /* a file whose key is another profile's (a name collision) is a miss, then replaced */
        _cleanup_free_ char *small_text = NULL;
        assert_int_equal(json_to_string(small, false, &small_text, NULL), 0);
        unlink(file);
        _cleanup_seccomp_program_ SeccompProgram *d = NULL, *e = NULL;
        assert_int_equal(seccomp_program_build(p, dir, &d, &err), 0);
        assert_false(d->from_cache);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        assert_int_equal(read_file_capped(file, SECCOMP_CACHE_MAX_FILE, &buf, &len, NULL), 0);
        char *k = memmem(buf, len, "\"defaultAction\"", 15);
        assert_non_null(k);
        k[2] ^= 1; /* same length, another profile */
        assert_int_equal(write_file_atomic(file, buf, len, 0600, NULL), 0);
        assert_int_equal(seccomp_program_build(p, dir, &e, &err), 0);
        assert_false(e->from_cache);
        seccomp_program_free(e);
        e = NULL;
        assert_int_equal(seccomp_program_build(p, dir, &e, &err), 0);
        assert_true(e->from_cache);

        /* a file others may write is not trusted; nor a truncated one */
        assert_int_equal(chmod(file, 0666), 0);
        seccomp_program_free(e);
        e = NULL;
        assert_int_equal(seccomp_program_build(p, dir, &e, &err), 0);
        assert_false(e->from_cache);
        assert_int_equal(truncate(file, 100), 0);
        assert_int_equal(chmod(file, 0600), 0);
        seccomp_program_free(e);
        e = NULL;
        assert_int_equal(seccomp_program_build(p, dir, &e, &err), 0);
        assert_false(e->from_cache);

        /* a bad profile is the same error as without a cache, and stores nothing */
        _cleanup_json_ JsonValue *bad = parse("{\"defaultAction\":\"SCMP_ACT_NOPE\"}");
        _cleanup_seccomp_program_ SeccompProgram *g = NULL;
        assert_int_equal(seccomp_program_build(bad, dir, &g, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "SCMP_ACT_NOPE"));
        assert_null(g);
        /* no profile, no program */
        assert_int_equal(seccomp_program_build(NULL, dir, &g, &err), 0);
        assert_null(g);

        _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_program_cache),
                cmocka_unit_test(test_valid),           cmocka_unit_test(test_null_and_minimal),
                cmocka_unit_test(test_errors),          cmocka_unit_test(test_known_lists),
                cmocka_unit_test(test_default_profile), cmocka_unit_test(test_load),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
