/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's pure parts: the CRI log writer, the exit file, the attach framing, the command
 * line, the /proc parsing behind the liveness check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/monitor-config.h"
#include "core/monitor-exit.h"
#include "core/monitor-log.h"
#include "core/monitor-msg.h"
#include "core/monitor-proc.h"
#include "core/monitor-runtime.h"

/* 2026-11-23T13:47:02.000000005Z */
#define T0 (1795441622LL * 1000000000LL + 5)

static int setup_tmp(void **state) {
        char tmpl[] = "/tmp/test-monitor-XXXXXX";
        assert_non_null(mkdtemp(tmpl));
        *state = xstrdup(tmpl);
        return 0;
}

static int teardown_tmp(void **state) {
        rm_rf(*state, NULL);
        free(*state);
        return 0;
}

static char *slurp(const char *path) {
        char *text = NULL;
        assert_int_equal(read_file_capped(path, 1 << 20, &text, NULL, NULL), 0);
        return text;
}

/* ---- time ---- */

static void test_time_format_parse(void **state) {
        char buf[MONITOR_TIME_MAX];
        assert_int_equal(monitor_format_time(T0, buf), 30);
        assert_string_equal(buf, "2026-11-23T13:47:02.000000005Z");
        int64_t ns = 0;
        assert_int_equal(monitor_parse_time(buf, &ns), 0);
        assert_true(ns == T0);
        assert_int_equal(monitor_parse_time("2026-11-23T14:47:02.5+01:00", &ns), 0);
        assert_true(ns == T0 - 5 + 500000000LL);
        assert_int_equal(monitor_parse_time("2026-11-23T13:47:02Z", &ns), 0);
        assert_true(ns == T0 - 5);
        static const char *bad[] = {"",
                                    "2026-11-23",
                                    "2026-13-01T00:00:00Z",
                                    "2026-11-23T13:47:02",
                                    "2026-11-23T13:47:02.Z",
                                    "2026-11-23T13:47:02Zjunk"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(monitor_parse_time(bad[i], &ns), -EINVAL);
}

/* ---- the CRI log ---- */

static void test_log_full_and_partial_lines(void **state) {
        _cleanup_free_ char *path = path_join(*state, "ctr.log");
        _cleanup_monitor_log_ MonitorLog *l = NULL;
        assert_int_equal(monitor_log_open(path, 0, &l, NULL), 0);
        assert_int_equal(
                monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, "one\ntwo\npart", 12, NULL), 0);
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, "ial\n", 4, NULL), 0);
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDERR, T0, "\n", 1, NULL), 0);
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDERR, T0, "no newline", 10, NULL),
                         0);
        _cleanup_free_ char *text = slurp(path);
        const char *want = "2026-11-23T13:47:02.000000005Z stdout F one\n"
                           "2026-11-23T13:47:02.000000005Z stdout F two\n"
                           "2026-11-23T13:47:02.000000005Z stdout P part\n"
                           "2026-11-23T13:47:02.000000005Z stdout F ial\n"
                           "2026-11-23T13:47:02.000000005Z stderr F \n"
                           "2026-11-23T13:47:02.000000005Z stderr P no newline\n";
        assert_string_equal(text, want);
        assert_int_equal(monitor_log_size(l), strlen(want));
}

static void test_log_binary_bytes_kept(void **state) {
        _cleanup_free_ char *path = path_join(*state, "bin.log");
        _cleanup_monitor_log_ MonitorLog *l = NULL;
        assert_int_equal(monitor_log_open(path, 0, &l, NULL), 0);
        const char data[] = {'a', '\r', '\t', 'b', '\n'};
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, data, sizeof(data), NULL),
                         0);
        _cleanup_free_ char *text = slurp(path);
        assert_string_equal(text, "2026-11-23T13:47:02.000000005Z stdout F a\r\tb\n");
}

static void test_log_appends_to_existing(void **state) {
        _cleanup_free_ char *path = path_join(*state, "append.log");
        assert_int_equal(write_file_atomic(path, "old\n", 4, 0600, NULL), 0);
        _cleanup_monitor_log_ MonitorLog *l = NULL;
        assert_int_equal(monitor_log_open(path, 0, &l, NULL), 0);
        assert_int_equal(monitor_log_size(l), 4);
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, "x\n", 2, NULL), 0);
        _cleanup_free_ char *text = slurp(path);
        assert_string_equal(text, "old\n2026-11-23T13:47:02.000000005Z stdout F x\n");
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_log_rotation_at_cap(void **state) {
        _cleanup_free_ char *path = path_join(*state, "rot.log");
        _cleanup_free_ char *old = xasprintf("%s.1", path);
        _cleanup_monitor_log_ MonitorLog *l = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(monitor_log_open(path, 100, &l, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "below the minimum"));
        const uint64_t cap = MONITOR_LOG_MIN_SIZE;
        assert_int_equal(monitor_log_open(path, cap, &l, NULL), 0);
        /* Each record is a 40-byte header, 59 bytes and a newline: 40 fit in 4096, the 41st
         * rotates. */
        char line[60];
        memset(line, 'x', 59);
        line[59] = '\n';
        for (int i = 0; i < 40; i++)
                assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, line, 60, NULL),
                                 0);
        assert_int_equal(monitor_log_size(l), 4000);
        assert_false(path_exists(old));
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, line, 60, NULL), 0);
        assert_true(path_exists(old));
        assert_int_equal(monitor_log_size(l), 100);
        struct stat st;
        assert_int_equal(stat(old, &st), 0);
        assert_int_equal(st.st_size, 4000);
        /* A second rotation replaces LOG.1: only one rotated file is kept. */
        for (int i = 0; i < 40; i++)
                assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDERR, T0, line, 60, NULL),
                                 0);
        assert_int_equal(stat(old, &st), 0);
        assert_true((uint64_t)st.st_size <= cap);
        _cleanup_free_ char *rotated = slurp(old);
        assert_non_null(strstr(rotated, "stderr F xxx"));
        _cleanup_free_ char *dir_log2 = xasprintf("%s.2", path);
        assert_false(path_exists(dir_log2));
}

static void test_log_long_line_split_under_cap(void **state) {
        _cleanup_free_ char *path = path_join(*state, "long.log");
        _cleanup_free_ char *old = xasprintf("%s.1", path);
        _cleanup_monitor_log_ MonitorLog *l = NULL;
        const uint64_t cap = MONITOR_LOG_MIN_SIZE;
        assert_int_equal(monitor_log_open(path, cap, &l, NULL), 0);
        size_t n = 3 * cap;
        _cleanup_free_ char *big = xmalloc(n + 1);
        memset(big, 'y', n);
        big[n] = '\n';
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDOUT, T0, big, n + 1, NULL), 0);
        /* No file is ever above the cap; the pieces are P records and the last is F. */
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_true((uint64_t)st.st_size <= cap);
        assert_int_equal(stat(old, &st), 0);
        assert_true((uint64_t)st.st_size <= cap);
        _cleanup_free_ char *cur = slurp(path);
        assert_non_null(strstr(cur, " stdout F y"));
        _cleanup_free_ char *prev = slurp(old);
        assert_non_null(strstr(prev, " stdout P y"));
        assert_null(strstr(prev, " stdout F "));
}

static void test_log_parse_line(void **state) {
        _cleanup_free_ char *path = path_join(*state, "parse.log");
        _cleanup_monitor_log_ MonitorLog *l = NULL;
        assert_int_equal(monitor_log_open(path, 0, &l, NULL), 0);
        assert_int_equal(monitor_log_write(l, MONITOR_STREAM_STDERR, T0, "a b\n\npart", 10, NULL),
                         0);
        _cleanup_free_ char *text = slurp(path);
        /* What the writer wrote, the parser reads back. */
        char *save = NULL;
        MonitorLogRecord r;
        char *line = strtok_r(text, "\n", &save);
        assert_int_equal(monitor_log_parse_line(line, strlen(line), &r), 0);
        assert_true(r.time_ns == T0);
        assert_int_equal(r.stream, MONITOR_STREAM_STDERR);
        assert_false(r.partial);
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.text, "a b", 3);
        line = strtok_r(NULL, "\n", &save);
        assert_int_equal(monitor_log_parse_line(line, strlen(line), &r), 0);
        assert_int_equal(r.len, 0); /* the empty line */
        line = strtok_r(NULL, "\n", &save);
        assert_int_equal(monitor_log_parse_line(line, strlen(line), &r), 0);
        assert_true(r.partial);
        assert_int_equal(r.len, 4);
        const char *kube = "2016-10-06T00:17:10.113242941Z stdout F:x hi";
        assert_int_equal(monitor_log_parse_line(kube, strlen(kube), &r), 0);
        assert_int_equal(r.len, 2);
        static const char *bad[] = {"",
                                    "garbage",
                                    "2026-11-23T13:47:02Z stdin F x",
                                    "2026-11-23T13:47:02Z stdout X x",
                                    "2026-11-23 stdout F x",
                                    "2026-11-23T13:47:02Z stdout"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(monitor_log_parse_line(bad[i], strlen(bad[i]), &r), -EINVAL);
}

/* ---- the exit file ---- */

static void test_exit_from_status(void **state) {
        MonitorExit e = {};
        monitor_exit_from_status(&e, 3 << 8);
        assert_int_equal(e.exit_code, 3);
        assert_int_equal(e.signal, 0);
        assert_int_equal(e.reason, MONITOR_EXIT_EXITED);
        monitor_exit_from_status(&e, SIGKILL);
        assert_int_equal(e.exit_code, 137);
        assert_int_equal(e.signal, SIGKILL);
        assert_int_equal(e.reason, MONITOR_EXIT_SIGNALED);
}

static void test_exit_roundtrip(void **state) {
        MonitorExit e = {
                .exit_code = 137,
                .signal = 9,
                .oom_killed = true,
                .restarts = 3,
                .restarting = true,
                .reason = MONITOR_EXIT_OOM_KILLED,
                .pid = 4242,
                .started_at_ns = T0,
                .finished_at_ns = T0 + 1000,
                .error = (char *)"two\nlines",
        };
        _cleanup_free_ char *text = monitor_exit_format(&e);
        assert_non_null(strstr(text, "version=1\nexit_code=137\n"));
        assert_non_null(strstr(text, "error=two lines\n"));
        MonitorExit back = {};
        assert_int_equal(monitor_exit_parse(text, strlen(text), &back, NULL), 0);
        assert_int_equal(back.exit_code, 137);
        assert_int_equal(back.signal, 9);
        assert_true(back.oom_killed);
        assert_int_equal(back.restarts, 3);
        assert_true(back.restarting);
        assert_int_equal(back.reason, MONITOR_EXIT_OOM_KILLED);
        assert_int_equal(back.pid, 4242);
        assert_true(back.started_at_ns == T0);
        assert_true(back.finished_at_ns == T0 + 1000);
        assert_string_equal(back.error, "two lines");
        monitor_exit_done(&back);
        assert_null(back.error);
}

static void test_exit_parse_errors(void **state) {
        MonitorExit e = {};
        _cleanup_error_ WarrenError *err = NULL;
        const char *ok = "version=1\nexit_code=0\nfuture_key=whatever\n\n";
        assert_int_equal(monitor_exit_parse(ok, strlen(ok), &e, &err), 0);
        assert_int_equal(e.exit_code, 0);
        assert_int_equal(e.reason, MONITOR_EXIT_EXITED);
        monitor_exit_done(&e);
        static const struct {
                const char *text;
                const char *msg;
        } bad[] = {
                {"exit_code=1\n", "lacks `version`"},
                {"version=1\n", "lacks `exit_code`"},
                {"version=1\nexit_code=256\n", "line 2: bad value for `exit_code`"},
                {"version=1\nexit_code=x\n", "bad value"},
                {"version=1\nexit_code=1\nreason=eaten\n", "`reason`"},
                {"version=1\nexit_code=1\noom_killed=maybe\n", "`oom_killed`"},
                {"version=1\ngarbage\n", "line 2 has no `=`"},
                {"version=1\nexit_code=1\nfinished_at=yesterday\n", "`finished_at`"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                error_free(TAKE_PTR(err));
                assert_int_equal(monitor_exit_parse(bad[i].text, strlen(bad[i].text), &e, &err),
                                 -EINVAL);
                assert_non_null(strstr(err->msg, bad[i].msg));
        }
        const char nul[] = "version=1\nexit_code=1\x00\n";
        error_free(TAKE_PTR(err));
        assert_int_equal(monitor_exit_parse(nul, sizeof(nul) - 1, &e, &err), -EINVAL);
}

static void test_exit_write_read(void **state) {
        const char *dir = *state;
        MonitorExit e = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(monitor_exit_read(dir, &e, &err), -ENOENT);
        assert_null(err);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        MonitorExit w = {.exit_code = 3, .restarts = 1, .finished_at_ns = T0};
        assert_int_equal(monitor_exit_write_at(dfd, &w, NULL), 0);
        w.exit_code = 4; /* replaced atomically */
        assert_int_equal(monitor_exit_write_at(dfd, &w, NULL), 0);
        close(dfd);
        assert_int_equal(monitor_exit_read(dir, &e, &err), 0);
        assert_int_equal(e.exit_code, 4);
        assert_int_equal(e.restarts, 1);
        monitor_exit_done(&e);
        _cleanup_free_ char *path = path_join(dir, MONITOR_EXIT_FILE);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(write_file_atomic(path, "junk", 4, 0600, NULL), 0);
        assert_int_equal(monitor_exit_read(dir, &e, &err), -EINVAL);
        assert_non_null(strstr(err->msg, MONITOR_EXIT_FILE));
}

/* ---- the attach framing ---- */

static void test_msg_encode_decode(void **state) {
        char buf[MONITOR_MSG_MAX + 1];
        int n = monitor_msg_encode(MONITOR_MSG_STDOUT, "hello", 5, buf, sizeof(buf));
        assert_int_equal(n, 6);
        assert_int_equal(buf[0], 2); /* conmon's stdout id */
        buf[n] = 0;
        MonitorMsg m;
        assert_int_equal(monitor_msg_decode(buf, (size_t)n, &m, NULL), 0);
        assert_int_equal(m.type, MONITOR_MSG_STDOUT);
        assert_int_equal(m.len, 5);
        assert_memory_equal(m.data, "hello", 5);
        assert_int_equal(monitor_msg_encode(MONITOR_MSG_STDERR, NULL, 0, buf, sizeof(buf)), 1);
        assert_int_equal(buf[0], 3);
        assert_int_equal(monitor_msg_encode(0, "x", 1, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(monitor_msg_encode(_MONITOR_MSG_MAX, "x", 1, buf, sizeof(buf)), -EINVAL);
        static char big[MONITOR_DATA_MAX + 1];
        assert_int_equal(monitor_msg_encode(MONITOR_MSG_STDIN, big, sizeof(big), buf, sizeof(buf)),
                         -EMSGSIZE);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(monitor_msg_decode(buf, 0, &m, &err), -EPROTO);
        error_free(TAKE_PTR(err));
        buf[0] = 99;
        assert_int_equal(monitor_msg_decode(buf, 1, &m, &err), -EPROTO);
        assert_non_null(strstr(err->msg, "99"));
        assert_string_equal(monitor_msg_type_name(MONITOR_MSG_EXIT), "EXIT");
        assert_null(monitor_msg_type_name(0));
}

static void test_msg_socket_roundtrip(void **state) {
        int sp[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
        static char data[MONITOR_DATA_MAX];
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (char)(i * 7);
        _cleanup_free_ char *buf = xmalloc(MONITOR_MSG_MAX + 1);
        MonitorMsg m;
        /* A full-size packet keeps its boundary and every byte. */
        assert_int_equal(monitor_msg_send(sp[0], MONITOR_MSG_STDERR, data, sizeof(data), 0), 0);
        assert_int_equal(monitor_msg_sendf(sp[0], MONITOR_MSG_RESIZE, "%u %u", 24, 80), 0);
        assert_int_equal(monitor_msg_send(sp[0], MONITOR_MSG_STDIN_CLOSE, NULL, 0, 0), 0);
        assert_int_equal(monitor_msg_recv(sp[1], buf, MONITOR_MSG_MAX + 1, &m, NULL), 1);
        assert_int_equal(m.type, MONITOR_MSG_STDERR);
        assert_int_equal(m.len, sizeof(data));
        assert_memory_equal(m.data, data, sizeof(data));
        assert_int_equal(monitor_msg_recv(sp[1], buf, MONITOR_MSG_MAX + 1, &m, NULL), 1);
        assert_int_equal(m.type, MONITOR_MSG_RESIZE);
        unsigned short rows, cols;
        assert_int_equal(monitor_resize_parse(m.data, &rows, &cols), 0);
        assert_int_equal(rows, 24);
        assert_int_equal(cols, 80);
        assert_int_equal(monitor_msg_recv(sp[1], buf, MONITOR_MSG_MAX + 1, &m, NULL), 1);
        assert_int_equal(m.type, MONITOR_MSG_STDIN_CLOSE);
        assert_int_equal(m.len, 0);
        /* An error crosses with its errno and text. */
        WarrenError e = {ENOENT, (char *)"`crun create` failed: no such file"};
        assert_int_equal(monitor_msg_send_error(sp[0], &e), 0);
        assert_int_equal(monitor_msg_recv(sp[1], buf, MONITOR_MSG_MAX + 1, &m, NULL), 1);
        assert_int_equal(m.type, MONITOR_MSG_ERROR);
        _cleanup_error_ WarrenError *back = NULL;
        assert_int_equal(monitor_error_parse(m.data, m.len, &back), -ENOENT);
        assert_string_equal(back->msg, "`crun create` failed: no such file");
        /* An oversized packet from a peer is refused, not truncated silently. */
        static char huge[MONITOR_MSG_MAX + 10];
        huge[0] = MONITOR_MSG_STDIN;
        assert_true(send(sp[0], huge, sizeof(huge), 0) == (ssize_t)sizeof(huge));
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(monitor_msg_recv(sp[1], buf, MONITOR_MSG_MAX + 1, &m, &err), -EPROTO);
        close(sp[0]);
        assert_int_equal(monitor_msg_recv(sp[1], buf, MONITOR_MSG_MAX + 1, &m, NULL), 0);
        close(sp[1]);
}

static void test_msg_payloads(void **state) {
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(monitor_error_parse("nonsense", 8, &err), -EPROTO);
        error_free(TAKE_PTR(err));
        assert_int_equal(monitor_error_parse("0 zero", 6, &err), -EPROTO);
        error_free(TAKE_PTR(err));
        unsigned short r, c;
        assert_int_equal(monitor_resize_parse("24 80x", &r, &c), -EINVAL);
        assert_int_equal(monitor_resize_parse("-1 80", &r, &c), -EINVAL);
        assert_int_equal(monitor_resize_parse("70000 80", &r, &c), -EINVAL);
        unsigned flags;
        assert_int_equal(monitor_attach_flags_parse("7", &flags), 0);
        assert_int_equal(flags, MONITOR_ATTACH_ALL);
        assert_int_equal(monitor_attach_flags_parse("8", &flags), -EINVAL);
        assert_int_equal(monitor_attach_flags_parse("0", &flags), -EINVAL);
        MonitorRequest req;
        assert_int_equal(monitor_request_parse("start", &req, NULL), 0);
        assert_int_equal(req.type, MONITOR_REQUEST_START);
        assert_int_equal(monitor_request_parse("stop", &req, NULL), 0);
        assert_int_equal(req.type, MONITOR_REQUEST_STOP);
        assert_int_equal(req.arg, -1);
        assert_int_equal(monitor_request_parse("stop 5", &req, NULL), 0);
        assert_int_equal(req.arg, 5);
        assert_int_equal(monitor_request_parse("kill KILL", &req, NULL), 0);
        assert_int_equal(req.type, MONITOR_REQUEST_KILL);
        assert_int_equal(req.arg, SIGKILL);
        assert_int_equal(monitor_request_parse("status", &req, NULL), 0);
        assert_int_equal(req.type, MONITOR_REQUEST_STATUS);
        assert_int_equal(monitor_request_parse("stop -1", &req, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(monitor_request_parse("kill NOPE", &req, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`NOPE`"));
        error_free(TAKE_PTR(err));
        assert_int_equal(monitor_request_parse("startx", &req, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "`startx`"));
        pid_t pid;
        uint64_t st;
        assert_int_equal(monitor_pid_parse("42 1234", &pid, &st), 0);
        assert_int_equal(pid, 42);
        assert_true(st == 1234);
        assert_int_equal(monitor_pid_parse("42", &pid, NULL), 0);
        assert_int_equal(monitor_pid_parse("0", &pid, NULL), -EINVAL);
        assert_int_equal(monitor_pid_parse("x 1", &pid, NULL), -EINVAL);
}

/* ---- command line ---- */

static void test_restart_policy(void **state) {
        MonitorRestartPolicy p;
        unsigned max;
        char buf[32];
        assert_int_equal(monitor_restart_parse("no", &p, &max), 0);
        assert_int_equal(p, MONITOR_RESTART_NO);
        assert_int_equal(monitor_restart_parse("always", &p, &max), 0);
        assert_int_equal(p, MONITOR_RESTART_ALWAYS);
        assert_int_equal(monitor_restart_parse("on-failure", &p, &max), 0);
        assert_int_equal(p, MONITOR_RESTART_ON_FAILURE);
        assert_int_equal(max, 0);
        assert_int_equal(monitor_restart_parse("on-failure:3", &p, &max), 0);
        assert_int_equal(max, 3);
        assert_string_equal(monitor_restart_format(p, max, buf, sizeof(buf)), "on-failure:3");
        static const char *bad[] = {"sometimes", "on-failure:", "on-failure:x", "on-failure3",
                                    "on-failure:-1"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(monitor_restart_parse(bad[i], &p, &max), -EINVAL);
}

static void test_config_argv_roundtrip(void **state) {
        MonitorConfig c;
        monitor_config_init(&c);
        c.id = xstrdup("abc");
        c.bundle = xstrdup("/b");
        c.runtime = xstrdup("crun");
        c.runtime_root = xstrdup("/run/r");
        strv_push(&c.runtime_args, "--cgroup-manager=disabled");
        strv_push(&c.runtime_args, "--debug");
        c.state_dir = xstrdup("/s");
        c.log_path = xstrdup("/s/ctr.log");
        c.log_max_size = 1 << 20;
        c.terminal = c.stdin_open = c.start = c.delete_on_exit = true;
        c.restart = MONITOR_RESTART_ON_FAILURE;
        c.restart_max = 3;
        c.stop_signal = SIGINT;
        c.stop_timeout = 2;
        c.sync_fd = 3;
        _cleanup_strv_ char **argv = monitor_config_to_argv(&c, "warren-monitor");
        MonitorConfig d;
        monitor_config_init(&d);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(monitor_config_parse_argv((int)strv_length(argv), argv, &d, &err), 0);
        assert_string_equal(d.id, "abc");
        assert_string_equal(d.runtime_root, "/run/r");
        assert_int_equal(strv_length(d.runtime_args), 2);
        assert_string_equal(d.runtime_args[0], "--cgroup-manager=disabled");
        assert_string_equal(d.log_path, "/s/ctr.log");
        assert_true(d.log_max_size == 1 << 20);
        assert_true(d.terminal && d.stdin_open && d.start && d.delete_on_exit);
        assert_false(d.foreground);
        assert_int_equal(d.restart, MONITOR_RESTART_ON_FAILURE);
        assert_int_equal(d.restart_max, 3);
        assert_int_equal(d.stop_signal, SIGINT);
        assert_int_equal(d.stop_timeout, 2);
        assert_int_equal(d.sync_fd, 3);
        monitor_config_done(&d);
        monitor_config_done(&c);
}

static void test_config_errors(void **state) {
        static const char *const cases[][12] = {
                {"m", "--bundle", "/b", NULL},
                {"m", "--id", "x", "--bundle", "b", "--runtime", "r", "--state-dir", "/s",
                 "--log-path", "/l", NULL},
                {"m", "--id", "x", "--bundle", "/b", "--runtime", "r", "--state-dir", "/s",
                 "--log-path", "/l", "--bogus"},
                {"m", "--id", "x", "--bundle", "/b", "--runtime", "r", "--state-dir", "/s",
                 "--restart", "sometimes", NULL},
                {"m", "--id", "x", "--bundle", "/b", "--runtime", "r", "--state-dir", "/s",
                 "--log-max-size", "100", NULL},
        };
        static const char *const msgs[] = {
                "`--id` is required", "`--bundle` must be an absolute path", "bad option `--bogus`",
                "bad restart policy `sometimes`", "`--log-path` is required"};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                MonitorConfig c;
                monitor_config_init(&c);
                _cleanup_error_ WarrenError *err = NULL;
                int argc = 0;
                while (argc < 12 && cases[i][argc])
                        argc++;
                assert_int_equal(monitor_config_parse_argv(argc, (char **)cases[i], &c, &err),
                                 -EINVAL);
                if (!strstr(err->msg, msgs[i]))
                        fail_msg("case %zu: `%s` lacks `%s`", i, err->msg, msgs[i]);
                monitor_config_done(&c);
        }
}

/* ---- /proc ---- */

static void test_proc_parse_stat(void **state) {
        const char *stat = "1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 "
                           "20 0 1 0 987654 10000 100 18446744073709551615";
        char st = 0;
        uint64_t start = 0;
        assert_int_equal(monitor_proc_parse_stat(stat, &st, &start), 0);
        assert_int_equal(st, 'S');
        assert_true(start == 987654);
        assert_int_equal(monitor_proc_parse_stat("1234 (x) S 1 2", &st, &start), -EINVAL);
        assert_int_equal(monitor_proc_parse_stat("garbage", &st, &start), -EINVAL);
        /* This process is alive with its own start time, and not with another one. */
        uint64_t mine = 0;
        assert_int_equal(monitor_proc_starttime(getpid(), &mine), 0);
        assert_true(monitor_proc_alive(getpid(), mine));
        assert_false(monitor_proc_alive(getpid(), mine + 1));
}

static void test_proc_pidfile(void **state) {
        int dfd = open(*state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        pid_t pid = 0;
        uint64_t st = 0;
        assert_int_equal(
                monitor_proc_read_pidfile_at(dfd, "monitor.pid", &pid, &st, NULL, NULL), -ENOENT);
        /* Written in a child that then waits: its lock is seen while it lives, and not after. */
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                int fd = -1;
                char c = monitor_proc_write_pidfile_at(dfd, "monitor.pid", &fd, NULL) == 0;
                (void)!write(pfd[1], &c, 1);
                pause(); /* until the parent kills us */
                _exit(0);
        }
        char ok = 0;
        assert_int_equal(read(pfd[0], &ok, 1), 1);
        assert_int_equal(ok, 1);
        bool locked = false;
        assert_int_equal(
                monitor_proc_read_pidfile_at(dfd, "monitor.pid", &pid, &st, &locked, NULL), 0);
        assert_int_equal(pid, child);
        assert_true(locked);
        assert_true(monitor_proc_alive(pid, st));
        kill(child, SIGKILL);
        assert_int_equal(waitpid(child, NULL, 0), child);
        close(pfd[0]);
        close(pfd[1]);
        assert_int_equal(
                monitor_proc_read_pidfile_at(dfd, "monitor.pid", &pid, &st, &locked, NULL), 0);
        assert_false(locked);
        assert_false(monitor_proc_alive(pid, st));
        /* No temporary file is left beside it. */
        DIR *d = fdopendir(dup(dfd));
        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));)
                assert_true(strncmp(de->d_name, ".#", 2) != 0);
        closedir(d);
        assert_int_equal(write_file_atomic_at(dfd, "pid", "77", 2, 0600, NULL), 0);
        assert_int_equal(monitor_proc_read_pidfile_at(dfd, "pid", &pid, &st, &locked, NULL), 0);
        assert_int_equal(pid, 77);
        assert_true(st == 0);
        assert_false(locked);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(write_file_atomic_at(dfd, "pid", "x", 1, 0600, NULL), 0);
        assert_int_equal(monitor_proc_read_pidfile_at(dfd, "pid", &pid, &st, NULL, &err),
                         -EINVAL);
        close(dfd);
}

static void test_proc_parse_cgroup(void **state) {
        const char *hybrid = "9:name=systemd:/user.slice\n4:memory:/a/b\n3:cpu,cpuacct:/c\n0::/d\n";
        _cleanup_free_ char *v2 = monitor_proc_parse_cgroup(hybrid, NULL);
        _cleanup_free_ char *mem = monitor_proc_parse_cgroup(hybrid, "memory");
        _cleanup_free_ char *cpu = monitor_proc_parse_cgroup(hybrid, "cpuacct");
        assert_string_equal(v2, "/d");
        assert_string_equal(mem, "/a/b");
        assert_string_equal(cpu, "/c");
        assert_null(monitor_proc_parse_cgroup(hybrid, "pids"));
        assert_null(monitor_proc_parse_cgroup("4:memory:/x\n", NULL));
        /* The caller shares its own cgroup: no counter, an OOM kill could be anybody's. */
        assert_null(monitor_proc_oom_counter(getpid()));
}

static void test_proc_oom_kills(void **state) {
        _cleanup_free_ char *path = path_join(*state, "memory.events");
        const char *events = "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n";
        assert_int_equal(write_file_atomic(path, events, strlen(events), 0600, NULL), 0);
        uint64_t n = 0;
        assert_int_equal(monitor_proc_oom_kills(path, &n), 0);
        assert_true(n == 1);
        const char *v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 7\n";
        assert_int_equal(write_file_atomic(path, v1, strlen(v1), 0600, NULL), 0);
        assert_int_equal(monitor_proc_oom_kills(path, &n), 0);
        assert_true(n == 7);
        assert_int_equal(write_file_atomic(path, "oom 1\n", 6, 0600, NULL), 0);
        assert_int_equal(monitor_proc_oom_kills(path, &n), -ENOENT);
}

static void test_runtime_tidy_error(void **state) {
        _cleanup_free_ char *a = monitor_runtime_tidy_error(
                "time=\"2026-11-23T14:06:55Z\" level=warning msg=\"a warning\" "
                "time=\"2026-11-23T14:06:55Z\" level=error msg=\"runc create failed: chdir "
                "\\\"x\\\": no such file\"");
        assert_string_equal(a, "runc create failed: chdir \"x\": no such file");
        _cleanup_free_ char *b = monitor_runtime_tidy_error(
                "time=\"t\" level=warning msg=\"a warning\"\ntime=\"t\" level=error msg=\"it "
                "failed: \\\"x\\\"\"");
        assert_string_equal(b, "it failed: \"x\"");
        _cleanup_free_ char *c = monitor_runtime_tidy_error("crun: open `/x`:\nNo such file");
        assert_string_equal(c, "crun: open `/x`: No such file");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_time_format_parse),
                cmocka_unit_test_setup_teardown(test_log_full_and_partial_lines, setup_tmp,
                                                teardown_tmp),
                cmocka_unit_test_setup_teardown(test_log_binary_bytes_kept, setup_tmp,
                                                teardown_tmp),
                cmocka_unit_test_setup_teardown(test_log_appends_to_existing, setup_tmp,
                                                teardown_tmp),
                cmocka_unit_test_setup_teardown(test_log_rotation_at_cap, setup_tmp, teardown_tmp),
                cmocka_unit_test_setup_teardown(test_log_long_line_split_under_cap, setup_tmp,
                                                teardown_tmp),
                cmocka_unit_test_setup_teardown(test_log_parse_line, setup_tmp, teardown_tmp),
                cmocka_unit_test(test_exit_from_status),
                cmocka_unit_test(test_exit_roundtrip),
                cmocka_unit_test(test_exit_parse_errors),
                cmocka_unit_test_setup_teardown(test_exit_write_read, setup_tmp, teardown_tmp),
                cmocka_unit_test(test_msg_encode_decode),
                cmocka_unit_test(test_msg_socket_roundtrip),
                cmocka_unit_test(test_msg_payloads),
                cmocka_unit_test(test_restart_policy),
                cmocka_unit_test(test_config_argv_roundtrip),
                cmocka_unit_test(test_config_errors),
                cmocka_unit_test(test_proc_parse_stat),
                cmocka_unit_test_setup_teardown(test_proc_pidfile, setup_tmp, teardown_tmp),
                cmocka_unit_test(test_proc_parse_cgroup),
                cmocka_unit_test(test_runtime_tidy_error),
                cmocka_unit_test_setup_teardown(test_proc_oom_kills, setup_tmp, teardown_tmp),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
