/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/monitor-log.h"

void monitor_config_init(MonitorConfig *c) {
        *c = (MonitorConfig){
                .stop_signal = SIGTERM,
                .stop_timeout = MONITOR_DEFAULT_STOP_TIMEOUT,
                .sync_fd = -1,
        };
}

void monitor_config_done(MonitorConfig *c) {
        free(c->id);
        free(c->bundle);
        free(c->runtime);
        free(c->runtime_root);
        free(c->state_dir);
        free(c->log_path);
        c->runtime_args = strv_free(c->runtime_args);
        c->id = c->bundle = c->runtime = c->runtime_root = c->state_dir = c->log_path = NULL;
}

int monitor_restart_parse(const char *s, MonitorRestartPolicy *ret, unsigned *ret_max) {
        if (STREQ(s, "no") || STREQ(s, "")) {
                *ret = MONITOR_RESTART_NO;
                *ret_max = 0;
                return 0;
        }
        if (STREQ(s, "always") || STREQ(s, "unless-stopped")) {
                *ret = MONITOR_RESTART_ALWAYS;
                *ret_max = 0;
                return 0;
        }
        if (STARTS_WITH(s, "on-failure")) {
                const char *rest = s + strlen("on-failure");
                uint32_t n = 0;
                if (*rest == ':') {
                        if (safe_atou32(rest + 1, &n) < 0 || n > 1000000)
                                return -EINVAL;
                } else if (*rest)
                        return -EINVAL;
                *ret = MONITOR_RESTART_ON_FAILURE;
                *ret_max = n;
                return 0;
        }
        return -EINVAL;
}

const char *monitor_restart_format(MonitorRestartPolicy p, unsigned max, char *buf, size_t size) {
        switch (p) {
        case MONITOR_RESTART_ALWAYS:
                snprintf(buf, size, "always");
                break;
        case MONITOR_RESTART_ON_FAILURE:
                if (max)
                        snprintf(buf, size, "on-failure:%u", max);
                else
                        snprintf(buf, size, "on-failure");
                break;
        default:
                snprintf(buf, size, "no");
                break;
        }
        return buf;
}

static int check_path(const char *value, const char *what, bool absolute, WarrenError **err) {
        if (!value || !*value)
                return error_set(err, EINVAL, "monitor: `--%s` is required", what);
        if (absolute && value[0] != '/')
                return error_set(err, EINVAL, "monitor: `--%s` must be an absolute path, not `%s`",
                                 what, value);
        return 0;
}

int monitor_config_validate(const MonitorConfig *c, WarrenError **err) {
        int r;
        if ((r = check_path(c->id, "id", false, err)) < 0 ||
            (r = check_path(c->bundle, "bundle", true, err)) < 0 ||
            (r = check_path(c->runtime, "runtime", false, err)) < 0 ||
            (r = check_path(c->state_dir, "state-dir", true, err)) < 0 ||
            (r = check_path(c->log_path, "log-path", true, err)) < 0)
                return r;
        if (c->runtime_root && c->runtime_root[0] != '/')
                return error_set(err, EINVAL,
                                 "monitor: `--runtime-root` must be absolute, not `%s`",
                                 c->runtime_root);
        if (strchr(c->id, '/') || c->id[0] == '-')
                return error_set(err, EINVAL, "monitor: bad container id `%s`", c->id);
        if (c->log_max_size != 0 && c->log_max_size < MONITOR_LOG_MIN_SIZE)
                return error_set(err, EINVAL, "monitor: log size cap %llu is below %u bytes",
                                 (unsigned long long)c->log_max_size, MONITOR_LOG_MIN_SIZE);
        if (c->stop_signal <= 0 || c->stop_signal > SIGRTMAX)
                return error_set(err, EINVAL, "monitor: bad stop signal %d", c->stop_signal);
        return 0;
}

enum {
        OPT_ID = 256,
        OPT_BUNDLE,
        OPT_RUNTIME,
        OPT_RUNTIME_ROOT,
        OPT_RUNTIME_ARG,
        OPT_STATE_DIR,
        OPT_LOG_PATH,
        OPT_LOG_MAX_SIZE,
        OPT_TERMINAL,
        OPT_STDIN,
        OPT_START,
        OPT_DELETE,
        OPT_RESTART,
        OPT_STOP_SIGNAL,
        OPT_STOP_TIMEOUT,
        OPT_SYNC_FD,
        OPT_FOREGROUND,
        OPT_DEBUG,
};

static const struct option options[] = {
        {"id", required_argument, NULL, OPT_ID},
        {"bundle", required_argument, NULL, OPT_BUNDLE},
        {"runtime", required_argument, NULL, OPT_RUNTIME},
        {"runtime-root", required_argument, NULL, OPT_RUNTIME_ROOT},
        {"runtime-arg", required_argument, NULL, OPT_RUNTIME_ARG},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"log-path", required_argument, NULL, OPT_LOG_PATH},
        {"log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE},
        {"terminal", no_argument, NULL, OPT_TERMINAL},
        {"stdin", no_argument, NULL, OPT_STDIN},
        {"start", no_argument, NULL, OPT_START},
        {"delete", no_argument, NULL, OPT_DELETE},
        {"restart", required_argument, NULL, OPT_RESTART},
        {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
        {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
        {"sync-fd", required_argument, NULL, OPT_SYNC_FD},
        {"foreground", no_argument, NULL, OPT_FOREGROUND},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {},
};

static void set_str(char **field, const char *v) {
        free(*field);
        *field = xstrdup(v);
}

int monitor_config_parse_argv(int argc, char **argv, MonitorConfig *c, WarrenError **err) {
        optind = 0;
        opterr = 0;
        int o;
        while ((o = getopt_long(argc, argv, "+", options, NULL)) >= 0) {
                uint32_t u;
                int i;
                switch (o) {
                case OPT_ID:
                        set_str(&c->id, optarg);
                        break;
                case OPT_BUNDLE:
                        set_str(&c->bundle, optarg);
                        break;
                case OPT_RUNTIME:
                        set_str(&c->runtime, optarg);
                        break;
                case OPT_RUNTIME_ROOT:
                        set_str(&c->runtime_root, optarg);
                        break;
                case OPT_RUNTIME_ARG:
                        if (optarg[0] != '-')
                                return error_set(
                                        err, EINVAL,
                                        "monitor: `--runtime-arg` takes a global option of "
                                        "the runtime, not `%s`",
                                        optarg);
                        strv_push(&c->runtime_args, optarg);
                        break;
                case OPT_STATE_DIR:
                        set_str(&c->state_dir, optarg);
                        break;
                case OPT_LOG_PATH:
                        set_str(&c->log_path, optarg);
                        break;
                case OPT_LOG_MAX_SIZE:
                        if (parse_size(optarg, &c->log_max_size) < 0)
                                return error_set(err, EINVAL, "monitor: bad log size `%s`", optarg);
                        break;
                case OPT_TERMINAL:
                        c->terminal = true;
                        break;
                case OPT_STDIN:
                        c->stdin_open = true;
                        break;
                case OPT_START:
                        c->start = true;
                        break;
                case OPT_DELETE:
                        c->delete_on_exit = true;
                        break;
                case OPT_RESTART:
                        if (monitor_restart_parse(optarg, &c->restart, &c->restart_max) < 0)
                                return error_set(err, EINVAL,
                                                 "monitor: bad restart policy `%s` (no, always, "
                                                 "on-failure[:N])",
                                                 optarg);
                        break;
                case OPT_STOP_SIGNAL:
                        if (parse_signal(optarg, &c->stop_signal) < 0)
                                return error_set(err, EINVAL, "monitor: bad stop signal `%s`",
                                                 optarg);
                        break;
                case OPT_STOP_TIMEOUT:
                        if (safe_atou32(optarg, &u) < 0)
                                return error_set(err, EINVAL, "monitor: bad stop timeout `%s`",
                                                 optarg);
                        c->stop_timeout = u;
                        break;
                case OPT_SYNC_FD:
                        if (safe_atoi(optarg, &i) < 0 || i < 0)
                                return error_set(err, EINVAL, "monitor: bad sync fd `%s`", optarg);
                        c->sync_fd = i;
                        break;
                case OPT_FOREGROUND:
                        c->foreground = true;
                        break;
                case OPT_DEBUG:
                        c->debug = true;
                        break;
                default:
                        if (optopt)
                                return error_set(err, EINVAL, "monitor: bad option `-%c`",
                                                 optopt < 256 ? optopt : '?');
                        return error_set(err, EINVAL, "monitor: bad option `%s`", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return error_set(err, EINVAL, "monitor: unexpected argument `%s`", argv[optind]);
        return monitor_config_validate(c, err);
}

static void push_opt(char ***l, const char *name, const char *value) {
        strv_push(l, name);
        strv_push(l, value);
}

char **monitor_config_to_argv(const MonitorConfig *c, const char *program) {
        char **l = NULL;
        char buf[64];
        strv_push(&l, program);
        /* First, so that even a bad later option is reported on it. */
        if (c->sync_fd >= 0) {
                snprintf(buf, sizeof(buf), "%d", c->sync_fd);
                push_opt(&l, "--sync-fd", buf);
        }
        push_opt(&l, "--id", c->id);
        push_opt(&l, "--bundle", c->bundle);
        push_opt(&l, "--runtime", c->runtime);
        if (c->runtime_root)
                push_opt(&l, "--runtime-root", c->runtime_root);
        STRV_FOREACH (a, c->runtime_args)
                push_opt(&l, "--runtime-arg", *a);
        push_opt(&l, "--state-dir", c->state_dir);
        push_opt(&l, "--log-path", c->log_path);
        if (c->log_max_size) {
                snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c->log_max_size);
                push_opt(&l, "--log-max-size", buf);
        }
        if (c->terminal)
                strv_push(&l, "--terminal");
        if (c->stdin_open)
                strv_push(&l, "--stdin");
        if (c->start)
                strv_push(&l, "--start");
        if (c->delete_on_exit)
                strv_push(&l, "--delete");
        push_opt(&l, "--restart",
                 monitor_restart_format(c->restart, c->restart_max, buf, sizeof(buf)));
        snprintf(buf, sizeof(buf), "%d", c->stop_signal);
        push_opt(&l, "--stop-signal", buf);
        snprintf(buf, sizeof(buf), "%u", c->stop_timeout);
        push_opt(&l, "--stop-timeout", buf);
        if (c->foreground)
                strv_push(&l, "--foreground");
        if (c->debug)
                strv_push(&l, "--debug");
        return l;
}
