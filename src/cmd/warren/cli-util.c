/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by containers.c, pods.c and system.c: see cli-util.h. */
#include "cli-util.h"

#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <time.h>

#include "basic/json.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "core/engine.h"
#include "userns/holder.h"
#include "warren.h"

/* ---- the engine ---- */

/* Once the holder is joined, euid is 0 and the XDG fallbacks would point at root's directories
 * (/var/lib/warren, /run). Fix the user's choices in the environment first, so that this
 * process and every helper it starts (monitor, runtime) agree on them. */
static int pin_xdg(WarrenError **err) {
        if (geteuid() == 0)
                return 0;
        const char *home = getenv("HOME");
        if (home && home[0] == '/') {
                _cleanup_free_ char *data = xasprintf("%s/.local/share", home);
                _cleanup_free_ char *config = xasprintf("%s/.config", home);
                setenv("XDG_DATA_HOME", data, 0);
                setenv("XDG_CONFIG_HOME", config, 0);
        }
        _cleanup_free_ char *base = NULL;
        int r = xdg_runtime_base(&base, err);
        if (r < 0)
                return r;
        setenv("XDG_RUNTIME_DIR", base, 1);
        return 0;
}

static int engine_open_common(bool join, Engine **ret) {
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_free_ char *data = NULL, *run = NULL;
        if (pin_xdg(&err) < 0)
                return warren_fail(TAKE_PTR(err));
        if (warren_globals.root)
                data = xstrdup(warren_globals.root);
        else if (xdg_data_dir(&data, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        if (xdg_runtime_dir(&run, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        if (join && holder_join(run, &err) < 0) {
                (void)error_prefix(&err, -1, "enter the user namespace");
                return warren_fail(TAKE_PTR(err));
        }
        EngineOptions o = {
                .root = data,
                .run_root = run,
                .storage_driver = warren_globals.storage_driver,
        };
        if (engine_open(&o, ret, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

int cli_engine_open(Engine **ret) {
        return engine_open_common(true, ret);
}

int cli_engine_open_nojoin(Engine **ret) {
        return engine_open_common(false, ret);
}

int cli_bad_option(const char *cmd, int argc, char **argv) {
        const char *arg = optind > 0 && optind - 1 < argc ? argv[optind - 1] : "";
        if (STARTS_WITH(arg, "--")) {
                _cleanup_free_ char *name = xstrndup(arg, strcspn(arg, "="));
                return cli_usage_error(cmd, "unknown option or missing value for `%s`", name);
        }
        if (optopt && optopt != '?')
                return cli_usage_error(cmd, "unknown option or missing value for `-%c`", optopt);
        return cli_usage_error(cmd, "unknown option `%s`", arg);
}

int cli_need_keys(const char *cmd, int argc, const char *what) {
        if (optind >= argc)
                return cli_usage_error(cmd, "needs at least one %s", what);
        return 0;
}

int cli_each_key(Engine *e, char **keys, int n, CliKeyOp op, const void *arg, const char *doing) {
        int ret = 0;
        for (int i = 0; i < n; i++) {
                _cleanup_error_ WarrenError *err = NULL;
                if (doing)
                        cli_progress("%s %s", doing, keys[i]);
                int r = op(e, keys[i], arg, &err);
                cli_progress_done();
                if (r < 0) {
                        ret = warren_fail(TAKE_PTR(err));
                        continue;
                }
                if (r != 1)
                        printf("%s\n", keys[i]);
                fflush(stdout);
        }
        return ret;
}

int cli_stop_like(int argc, char **argv, const char *cmd, CliKeyOp op, const char *doing,
                  const char *what) {
        static const struct option opts[] = {
                {"time", required_argument, NULL, 't'},
                {"timeout", required_argument, NULL, 't'},
                {},
        };
        int timeout = -1, c, r;
        FOREACH_OPT(c, argc, argv, "t:", opts) {
                if (c != 't')
                        return cli_bad_option(cmd, argc, argv);
                if (safe_atoi(optarg, &timeout) < 0 || timeout < 0)
                        return cli_usage_error(cmd, "invalid timeout `%s`: expected seconds",
                                               optarg);
        }
        if ((r = cli_need_keys(cmd, argc, what)))
                return r;
        OPEN_ENGINE(e);
        return cli_each_key(e, argv + optind, argc - optind, op, &timeout, doing);
}

int cli_kill_like(int argc, char **argv, const char *cmd, CliKeyOp op, const char *what) {
        static const struct option opts[] = {
                {"signal", required_argument, NULL, 's'},
                {},
        };
        int sig = SIGKILL, c, r;
        FOREACH_OPT(c, argc, argv, "s:", opts) {
                if (c != 's')
                        return cli_bad_option(cmd, argc, argv);
                if (parse_signal(optarg, &sig) < 0 || sig <= 0 || sig >= NSIG)
                        return warren_failf("%s: invalid signal `%s`", cmd, optarg);
        }
        if ((r = cli_need_keys(cmd, argc, what)))
                return r;
        OPEN_ENGINE(e);
        return cli_each_key(e, argv + optind, argc - optind, op, &sig, NULL);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return warren_failf("%s: %s (see `warren %s --help`)", cmd, msg, cmd);
}

/* ---- progress ---- */

static bool progress_shown;

void cli_progress(const char *fmt, ...) {
        if (!isatty(STDERR_FILENO))
                return;
        va_list ap;
        va_start(ap, fmt);
        fputs("\r\033[K", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fflush(stderr);
        progress_shown = true;
}

void cli_progress_done(void) {
        if (!progress_shown)
                return;
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress_shown = false;
}

/* ---- times ---- */

void cli_format_size(uint64_t n, char buf[32]) {
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
        double v = (double)n;
        size_t u = 0;
        while (v >= 1000.0 && u + 1 < ELEMENTSOF(units)) {
                v /= 1000.0;
                u++;
        }
        snprintf(buf, 32, "%.3g%s", v, units[u]);
}

void cli_format_duration(int64_t d, char buf[64]) {
        /* docker's units.HumanDuration */
        if (d < 1)
                snprintf(buf, 64, "Less than a second");
        else if (d == 1)
                snprintf(buf, 64, "1 second");
        else if (d < 60)
                snprintf(buf, 64, "%lld seconds", (long long)d);
        else if (d / 60 == 1)
                snprintf(buf, 64, "About a minute");
        else if (d < 3600)
                snprintf(buf, 64, "%lld minutes", (long long)(d / 60));
        else if ((d + 1800) / 3600 == 1)
                snprintf(buf, 64, "About an hour");
        else if (d < 48 * 3600)
                snprintf(buf, 64, "%lld hours", (long long)((d + 1800) / 3600));
        else if (d < 7 * 24 * 3600 * 2)
                snprintf(buf, 64, "%lld days", (long long)(d / 86400));
        else if (d < 30 * 24 * 3600 * 3)
                snprintf(buf, 64, "%lld weeks", (long long)(d / (7 * 86400)));
        else if (d < 365 * 24 * 3600 * 2)
                snprintf(buf, 64, "%lld months", (long long)(d / (30 * 86400)));
        else
                snprintf(buf, 64, "%lld years", (long long)(d / (365 * 86400)));
}

void cli_format_ago(int64_t t_ns, char buf[64]) {
        if (t_ns <= 0) {
                snprintf(buf, 64, "N/A");
                return;
        }
        char d[64];
        cli_format_duration((int64_t)time(NULL) - t_ns / 1000000000LL, d);
        snprintf(buf, 64, "%.56s ago", d);
}

void cli_format_rfc3339(int64_t t_ns, char buf[64]) {
        time_t s = (time_t)(t_ns / 1000000000LL);
        struct tm tm;
        gmtime_r(&s, &tm);
        char base[40];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, 64, "%s.%09lldZ", base, (long long)(t_ns % 1000000000LL));
}

static int parse_duration(const char *s, int64_t *ret_ns) {
        int64_t total = 0;
        const char *p = s;
        if (!*p)
                return -EINVAL;
        while (*p) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                char *end;
                errno = 0;
                double v = strtod(p, &end);
                if (errno || end == p)
                        return -EINVAL;
                int64_t unit;
                if (STARTS_WITH(end, "ms")) {
                        unit = 1000000LL;
                        end += 2;
                } else if (*end == 's') {
                        unit = 1000000000LL;
                        end++;
                } else if (*end == 'm') {
                        unit = 60LL * 1000000000LL;
                        end++;
                } else if (*end == 'h') {
                        unit = 3600LL * 1000000000LL;
                        end++;
                } else
                        return -EINVAL;
                total += (int64_t)(v * (double)unit);
                p = end;
        }
        *ret_ns = total;
        return 0;
}

int cli_parse_time(const char *s, int64_t *ret_ns, WarrenError **err) {
        int64_t d;
        if (parse_duration(s, &d) == 0) {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                *ret_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - d;
                return 0;
        }
        /* A unix time, with an optional fraction. */
        char *end;
        errno = 0;
        double unix_s = strtod(s, &end);
        if (!errno && end != s && !*end && isdigit((unsigned char)s[0])) {
                *ret_ns = (int64_t)(unix_s * 1e9);
                return 0;
        }
        struct tm tm = {0};
        const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p) {
                tm = (struct tm){0};
                p = strptime(s, "%Y-%m-%d", &tm);
                if (!p || *p)
                        goto bad;
        }
        int64_t ns = 0;
        if (*p == '.') {
                int64_t scale = 100000000LL;
                for (p++; isdigit((unsigned char)*p); p++) {
                        ns += (*p - '0') * scale;
                        scale /= 10;
                }
        }
        int64_t offset = 0;
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int hh, mm;
                if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
                        goto bad;
                offset = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
                p += 6;
        }
        if (*p)
                goto bad;
        *ret_ns = ((int64_t)timegm(&tm) - offset) * 1000000000LL + ns;
        return 0;
bad:
        return error_set(err, EINVAL,
                         "invalid time `%s`: expected RFC 3339 (2006-01-02T15:04:05Z), a unix "
                         "time, or a duration such as 10s, 5m, 1h30m",
                         s);
}

const char *cli_short_id(const char *id, bool no_trunc, char buf[16]) {
        if (!id)
                return "";
        if (no_trunc)
                return id;
        snprintf(buf, 16, "%.12s", id);
        return buf;
}

/* ---- --format templates ---- */

static void append(char **buf, size_t *len, const char *s, size_t n) {
        *buf = xrealloc(*buf, *len + n + 1);
        memcpy(*buf + *len, s, n);
        *len += n;
        (*buf)[*len] = 0;
}

static char *render_value(const JsonValue *v, bool as_json) {
        if (!v)
                return xstrdup("<no value>");
        if (!as_json) {
                switch (v->type) {
                case JSON_STRING:
                        return xstrdup(v->u.string);
                case JSON_INTEGER:
                        return xasprintf("%lld", (long long)v->u.integer);
                case JSON_BOOL:
                        return xstrdup(v->u.boolean ? "true" : "false");
                case JSON_NULL:
                        return xstrdup("<no value>");
                case JSON_DOUBLE:
                        return xasprintf("%g", v->u.number);
                default:
                        break;
                }
        }
        char *s = NULL;
        if (json_to_string(v, false, &s, NULL) < 0)
                return xstrdup("<no value>");
        return s;
}

static const JsonValue *lookup_path(const JsonValue *obj, const char *path) {
        if (STREQ(path, "."))
                return obj;
        const JsonValue *v = obj;
        _cleanup_free_ char *copy = xstrdup(path + (path[0] == '.'));
        char *save = NULL;
        for (char *k = strtok_r(copy, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
                v = json_get(v, k);
        return v;
}

char *cli_template_render(const char *tmpl, const JsonValue *obj) {
        char *out = xstrdup("");
        size_t len = 0;
        const char *p = tmpl;
        while (*p) {
                if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
                        append(&out, &len, p[1] == 't' ? "\t" : "\n", 1);
                        p += 2;
                        continue;
                }
                if (!STARTS_WITH(p, "{{")) {
                        append(&out, &len, p, 1);
                        p++;
                        continue;
                }
                const char *end = strstr(p + 2, "}}");
                if (!end) {
                        append(&out, &len, p, strlen(p));
                        break;
                }
                _cleanup_free_ char *expr = xstrndup(p + 2, (size_t)(end - p - 2));
                char *e = expr;
                while (isspace((unsigned char)*e))
                        e++;
                for (char *t = e + strlen(e); t > e && isspace((unsigned char)t[-1]);)
                        *--t = 0;
                bool as_json = false;
                if (STARTS_WITH(e, "json ")) {
                        as_json = true;
                        e += 5;
                        while (isspace((unsigned char)*e))
                                e++;
                }
                _cleanup_free_ char *val = render_value(lookup_path(obj, e), as_json);
                append(&out, &len, val, strlen(val));
                p = end + 2;
        }
        return out;
}

int cli_print_json(const JsonValue *v) {
        _cleanup_free_ char *text = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (json_to_string(v, true, &text, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        fputs(text, stdout);
        fputc('\n', stdout);
        return 0;
}

int cli_print_inspect(const JsonValue *arr, const char *format, int ret) {
        if (!format || STREQ(format, "json")) {
                if (json_length(arr) > 0 || ret == 0) {
                        int p = cli_print_json(arr);
                        if (p)
                                ret = p;
                }
                return ret;
        }
        for (size_t i = 0; i < json_length(arr); i++) {
                _cleanup_free_ char *line = cli_template_render(format, json_at(arr, i));
                printf("%s\n", line);
        }
        return ret;
}

/* ---- tables ---- */

void cli_table_init(CliTable *t, size_t n_cols) {
        *t = (CliTable){.n_cols = n_cols};
}

void cli_table_add(CliTable *t, ...) {
        t->cells = xreallocarray(t->cells, (t->n_rows + 1) * t->n_cols, sizeof(char *));
        va_list ap;
        va_start(ap, t);
        for (size_t i = 0; i < t->n_cols; i++) {
                const char *s = va_arg(ap, const char *);
                t->cells[t->n_rows * t->n_cols + i] = xstrdup(s ? s : "");
        }
        va_end(ap);
        t->n_rows++;
}

static size_t display_width(const char *s) {
        size_t n = 0;
        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        return n;
}

void cli_table_print(const CliTable *t) {
        _cleanup_free_ size_t *w = xnew(size_t, t->n_cols);
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t c = 0; c < t->n_cols; c++)
                        w[c] = MAX(w[c], display_width(t->cells[r * t->n_cols + c]));
        for (size_t r = 0; r < t->n_rows; r++) {
                for (size_t c = 0; c < t->n_cols; c++) {
                        const char *s = t->cells[r * t->n_cols + c];
                        fputs(s, stdout);
                        if (c + 1 < t->n_cols)
                                printf("%*s", (int)(w[c] - display_width(s) + 3), "");
                }
                fputc('\n', stdout);
        }
}

void cli_table_done(CliTable *t) {
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
                free(t->cells[i]);
        free(t->cells);
        *t = (CliTable){0};
}

/* ---- terminals ---- */

void cli_raw_enter(CliRaw *r) {
        *r = (CliRaw){0};
        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &r->saved) < 0)
                return;
        struct termios raw = r->saved;
        cfmakeraw(&raw);
        raw.c_oflag = r->saved.c_oflag; /* keep output processing: our own messages stay sane */
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
                r->active = true;
}

void cli_raw_restore(CliRaw *r) {
        if (r->active)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
        r->active = false;
}

bool cli_confirm(const char *question) {
        fprintf(stderr, "%s [y/N] ", question);
        fflush(stderr);
        char line[32];
        if (!fgets(line, sizeof(line), stdin))
                return false;
        return line[0] == 'y' || line[0] == 'Y';
}
