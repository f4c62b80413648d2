/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-exit.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "core/monitor-log.h"

static const char *const reason_names[_MONITOR_EXIT_REASON_MAX] = {
        [MONITOR_EXIT_EXITED] = "exited",
        [MONITOR_EXIT_SIGNALED] = "signaled",
        [MONITOR_EXIT_OOM_KILLED] = "oom-killed",
        [MONITOR_EXIT_CREATE_FAILED] = "create-failed",
        [MONITOR_EXIT_START_FAILED] = "start-failed",
};

const char *monitor_exit_reason_to_string(MonitorExitReason r) {
        if ((int)r < 0 || r >= _MONITOR_EXIT_REASON_MAX)
                return NULL;
        return reason_names[r];
}

int monitor_exit_reason_from_string(const char *s, MonitorExitReason *ret) {
        for (size_t i = 0; i < ELEMENTSOF(reason_names); i++)
                if (STREQ(s, reason_names[i])) {
                        *ret = (MonitorExitReason)i;
                        return 0;
                }
        return -EINVAL;
}

void monitor_exit_done(MonitorExit *e) {
        if (e) {
                free(e->error);
                e->error = NULL;
        }
}

void monitor_exit_from_status(MonitorExit *e, int status) {
        if (WIFSIGNALED(status)) {
                e->signal = WTERMSIG(status);
                e->exit_code = 128 + e->signal;
                e->reason = MONITOR_EXIT_SIGNALED;
        } else {
                e->signal = 0;
                e->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
                e->reason = MONITOR_EXIT_EXITED;
        }
}

char *monitor_exit_format(const MonitorExit *e) {
        char started[MONITOR_TIME_MAX] = "", finished[MONITOR_TIME_MAX] = "";
        if (e->started_at_ns)
                monitor_format_time(e->started_at_ns, started);
        if (e->finished_at_ns)
                monitor_format_time(e->finished_at_ns, finished);
        _cleanup_free_ char *error = NULL;
        if (e->error) {
                error = xstrndup(e->error, 2048);
                for (char *p = error; *p; p++)
                        if (*p == '\n' || *p == '\r')
                                *p = ' ';
        }
        const char *reason = monitor_exit_reason_to_string(e->reason);
        return xasprintf("version=%d\nexit_code=%d\nsignal=%d\noom_killed=%s\nrestarts=%u\n"
                         "restarting=%s\nreason=%s\npid=%d\nstarted_at=%s\nfinished_at=%s\n"
                         "%s%s%s",
                         MONITOR_EXIT_VERSION, e->exit_code, e->signal,
                         e->oom_killed ? "true" : "false", e->restarts,
                         e->restarting ? "true" : "false", reason ? reason : "exited", (int)e->pid,
                         started, finished, error ? "error=" : "", error ? error : "",
                         error ? "\n" : "");
}

static int parse_bool(const char *v, bool *ret) {
        if (STREQ(v, "true") || STREQ(v, "1")) {
                *ret = true;
                return 0;
        }
        if (STREQ(v, "false") || STREQ(v, "0")) {
                *ret = false;
                return 0;
        }
        return -EINVAL;
}

static int parse_field(MonitorExit *e, const char *key, const char *v, bool *seen_version,
                       bool *seen_code) {
        int i;
        uint32_t u;
        if (STREQ(key, "version")) {
                if (safe_atoi(v, &i) < 0 || i < 1)
                        return -EINVAL;
                *seen_version = true;
                return 0;
        }
        if (STREQ(key, "exit_code")) {
                if (safe_atoi(v, &i) < 0 || i < 0 || i > 255)
                        return -EINVAL;
                e->exit_code = i;
                *seen_code = true;
                return 0;
        }
        if (STREQ(key, "signal")) {
                if (safe_atoi(v, &i) < 0 || i < 0 || i > 64)
                        return -EINVAL;
                e->signal = i;
                return 0;
        }
        if (STREQ(key, "oom_killed"))
                return parse_bool(v, &e->oom_killed);
        if (STREQ(key, "restarting"))
                return parse_bool(v, &e->restarting);
        if (STREQ(key, "restarts")) {
                if (safe_atou32(v, &u) < 0)
                        return -EINVAL;
                e->restarts = u;
                return 0;
        }
        if (STREQ(key, "reason"))
                return monitor_exit_reason_from_string(v, &e->reason);
        if (STREQ(key, "pid")) {
                if (safe_atoi(v, &i) < 0 || i < 0)
                        return -EINVAL;
                e->pid = i;
                return 0;
        }
        if (STREQ(key, "started_at"))
                return *v ? monitor_parse_time(v, &e->started_at_ns) : 0;
        if (STREQ(key, "finished_at"))
                return *v ? monitor_parse_time(v, &e->finished_at_ns) : 0;
        if (STREQ(key, "error")) {
                free(e->error);
                e->error = xstrdup(v);
                return 0;
        }
        return 0; /* unknown keys are ignored */
}

int monitor_exit_parse(const char *text, size_t len, MonitorExit *ret, WarrenError **err) {
        if (len > MONITOR_EXIT_MAX_SIZE)
                return error_set(err, EFBIG, "exit file of %zu bytes is too large", len);
        MonitorExit e = {.reason = MONITOR_EXIT_EXITED};
        bool seen_version = false, seen_code = false;
        const char *p = text, *end = text + len;
        unsigned lineno = 0;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                lineno++;
                if (le > p) {
                        _cleanup_free_ char *line = xstrndup(p, (size_t)(le - p));
                        if (strlen(line) != (size_t)(le - p)) {
                                monitor_exit_done(&e);
                                return error_set(err, EINVAL, "exit file line %u holds a NUL byte",
                                                 lineno);
                        }
                        char *eq = strchr(line, '=');
                        if (!eq) {
                                monitor_exit_done(&e);
                                return error_set(err, EINVAL, "exit file line %u has no `=`",
                                                 lineno);
                        }
                        *eq = 0;
                        if (parse_field(&e, line, eq + 1, &seen_version, &seen_code) < 0) {
                                monitor_exit_done(&e);
                                return error_set(err, EINVAL,
                                                 "exit file line %u: bad value for `%.64s`", lineno,
                                                 line);
                        }
                }
                p = nl ? nl + 1 : end;
        }
        if (!seen_version || !seen_code) {
                monitor_exit_done(&e);
                return error_set(err, EINVAL, "exit file lacks `%s`",
                                 seen_version ? "exit_code" : "version");
        }
        *ret = e;
        return 0;
}

int monitor_exit_write_at(int dirfd, const MonitorExit *e, WarrenError **err) {
        _cleanup_free_ char *text = monitor_exit_format(e);
        return write_file_atomic_at(dirfd, MONITOR_EXIT_FILE, text, strlen(text), 0600, err);
}

int monitor_exit_read(const char *state_dir, MonitorExit *ret, WarrenError **err) {
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, MONITOR_EXIT_FILE) >=
            sizeof(path))
                return error_set(err, ENAMETOOLONG, "state directory `%s`", state_dir);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at_capped(AT_FDCWD, path, MONITOR_EXIT_MAX_SIZE, &text, &len, true,
                                    err);
        if (r == -ENOENT || r == -ENOTDIR)
                return -ENOENT;
        if (r < 0)
                return error_prefix(err, r, "read exit file in `%s`", state_dir);
        r = monitor_exit_parse(text, len, ret, err);
        if (r < 0)
                return error_prefix(err, r, "`%s`", path);
        return 0;
}
