/* SPDX-License-Identifier: Apache-2.0 */
/* The container commands: create, run, start, stop, kill, restart, pause, unpause, rm, ps,
 * inspect, logs, exec, attach, wait, top, rename, update, cp, and `warren container ...`
 * (the same plus ls and prune). Thin: options are parsed here, the work is src/core/containers.c.
 * Exit codes as docker's: 125 for warren's own errors; run, start -a, attach, exec and wait
 * return the container's (or process's) code. docs/commands/containers.md is the manual. */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <time.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "cli-util.h"
#include "core/containers.h"
#include "core/host-info.h"
#include "core/run-options.h"
#include "core/sandboxes.h"
#include "warren.h"

/* When the container's (or exec's) program cannot be started, the runtime refuses at create
 * and the error comes back here (through the monitor, whose errno is EIO): as docker's CLI does,
 * that is 127 for a program that is not there and 126 for one that cannot be run, not 125.
 * The runtime names the program "executable". */
static int fail_start(WarrenError *e) {
        int code = EXIT_WARREN_ERROR;
        const char *m = e && e->msg ? strstr(e->msg, "executable") : NULL;
        if (m) {
                if (strstr(m, "not found") || strstr(m, "No such file"))
                        code = 127;
                else if (strstr(m, "ermission denied") || strstr(m, "not executable") ||
                         strstr(m, "Is a directory") || strstr(m, "Exec format error"))
                        code = 126;
        }
        int r = warren_fail(e);
        return code == EXIT_WARREN_ERROR ? r : code;
}

/* ---- create, run ---- */

static bool has_help(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (STREQ(argv[i], "--"))
                        return false;
                if (STREQ(argv[i], "--help"))
                        return true;
        }
        return false;
}

static const char RUN_OPTIONS[] =
        "Options:\n"
        "  -d, --detach                 run in the background, print the id\n"
        "  -i, --interactive            keep stdin open\n"
        "  -t, --tty                    allocate a pseudo-terminal\n"
        "      --rm                     remove the container when it exits\n"
        "      --name NAME              name the container\n"
        "  -e, --env KEY[=VALUE]        set an environment variable\n"
        "      --env-file FILE          read KEY=VALUE lines\n"
        "  -w, --workdir DIR            working directory\n"
        "  -u, --user USER[:GROUP]      user inside the container\n"
        "      --entrypoint CMD         override the image's entrypoint\n"
        "  -v, --volume HOST:CTR[:ro]   bind mount a host path\n"
        "      --mount type=bind|tmpfs,...  a bind or tmpfs mount\n"
        "      --read-only              read-only root filesystem\n"
        "  -h, --hostname NAME          the container's hostname\n"
        "      --cap-add CAP, --cap-drop CAP   capabilities\n"
        "      --security-opt seccomp=FILE|unconfined, no-new-privileges[:false]\n"
        "      --userns keep-id         map your uid to the same uid inside\n"
        "      --pod POD                join a pod's network, ipc and uts namespaces\n"
        "      --network none|host|slirp[:OPTS]   networking (default slirp)\n"
        "  -p, --publish [IP:]HOST:CTR[/PROTO]   publish a port; -P all exposed ports\n"
        "      --expose PORT[-PORT][/PROTO]      expose a port (for -P) besides the image's\n"
        "      --restart no|always|on-failure[:N]|unless-stopped\n"
        "      --stop-signal SIG, --stop-timeout SECS\n"
        "      --label KEY=VALUE, --annotation KEY=VALUE\n"
        "      --log-opt max-size=SIZE  cap the log (rotated)\n"
        "      --init                   run an init process (reaps zombies, forwards signals)\n"
        "      --runtime PATH|NAME      an OCI runtime (crun, runc) instead of warren-runtime\n";

static int run_help(const char *verb) {
        printf("Usage: warren %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n%s\n\n%s", verb,
               STREQ(verb, "run") ? "create and start a container; wait for it unless -d"
                                  : "create a container without starting it",
               RUN_OPTIONS);
        return 0;
}

static int cmd_create_or_run(int argc, char **argv, bool is_run) {
        const char *verb = is_run ? "run" : "create";
        _cleanup_error_ WarrenError *err = NULL;
        RunOptions o = {0};
        if (run_options_parse(argc, argv, is_run, &o, &err) < 0) {
                if (has_help(argc, argv))
                        return run_help(verb);
                (void)error_prefix(&err, -1, "%s", verb);
                return warren_fail(TAKE_PTR(err));
        }
        int ret = 0;
        _cleanup_free_ char *id = NULL;
        Engine *e = NULL;
        ret = cli_engine_open(&e);
        if (ret) {
                run_options_done(&o);
                return ret;
        }
        if (!is_run) {
                cli_progress("creating a container from `%s`", o.image);
                int r = containers_create(e, &o, &id, &err);
                cli_progress_done();
                if (r < 0)
                        ret = warren_fail(TAKE_PTR(err));
                else
                        printf("%s\n", id);
        } else {
                CliRaw raw = {0};
                if (o.tty && o.interactive && !o.detach)
                        cli_raw_enter(&raw);
                if (o.detach)
                        cli_progress("starting a container from `%s`", o.image);
                int r = containers_run(e, &o, o.interactive && !o.detach ? STDIN_FILENO : -1,
                                       STDOUT_FILENO, STDERR_FILENO, &id, &err);
                cli_progress_done();
                cli_raw_restore(&raw);
                if (r < 0)
                        ret = fail_start(TAKE_PTR(err));
                else if (o.detach)
                        printf("%s\n", id ? id : "");
                else
                        ret = r;
        }
        engine_free(e);
        run_options_done(&o);
        return ret;
}

static int cmd_create(int argc, char **argv) {
        return cmd_create_or_run(argc, argv, false);
}

static int cmd_run(int argc, char **argv) {
        return cmd_create_or_run(argc, argv, true);
}

/* ---- start, stop, kill, restart, pause, unpause, rm ---- */

static int op_start(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = containers_start(e, key, err);
        return r < 0 ? r : 0;
}

static int op_stop(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = containers_stop(e, key, *(const int *)arg, err);
        return r < 0 ? r : 0;
}

static int op_restart(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = containers_restart(e, key, *(const int *)arg, err);
        return r < 0 ? r : 0;
}

static int op_kill(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = containers_kill(e, key, *(const int *)arg, err);
        return r < 0 ? r : 0;
}

static int op_pause(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = containers_pause(e, key, err);
        return r < 0 ? r : 0;
}

static int op_unpause(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = containers_unpause(e, key, err);
        return r < 0 ? r : 0;
}

static int op_remove(Engine *e, const char *key, const void *arg, WarrenError **err) {
        bool force = *(const bool *)arg;
        if (force) {
                /* As docker: `rm -f` of a container that is not there is not an error. */
                ContainerView v = {0};
                int r = containers_get(e, key, &v, NULL);
                if (r == -ENOENT)
                        return 1;
                if (r >= 0)
                        container_view_done(&v);
        }
        int r = containers_remove(e, key, force, err);
        return r < 0 ? r : 0;
}

/* `start -a` without -i: the container's output comes from its log (nothing written before an
 * attach could connect is lost), then its exit code. With -i: attach. */
static int start_attached(Engine *e, const char *key, bool interactive) {
        _cleanup_error_ WarrenError *err = NULL;
        ContainerView v = {0};
        if (containers_get(e, key, &v, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        bool tty = v.c.config.tty;
        container_view_done(&v);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        int64_t since = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
        if (containers_start(e, key, &err) < 0)
                return fail_start(TAKE_PTR(err));
        if (interactive) {
                CliRaw raw = {0};
                if (tty)
                        cli_raw_enter(&raw);
                int r = containers_attach(e, key, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, true,
                                          &err);
                cli_raw_restore(&raw);
                return r < 0 ? warren_fail(TAKE_PTR(err)) : r;
        }
        LogOptions lo = {.follow = true, .since_ns = since, .tail = -1};
        if (containers_logs(e, key, &lo, STDOUT_FILENO, STDERR_FILENO, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        int r = containers_wait(e, key, &err);
        return r < 0 ? warren_fail(TAKE_PTR(err)) : r;
}

static int cmd_start(int argc, char **argv) {
        static const struct option opts[] = {
                {"attach", no_argument, NULL, 'a'},
                {"interactive", no_argument, NULL, 'i'},
                {},
        };
        bool attach = false, interactive = false;
        int c;
        FOREACH_OPT(c, argc, argv, "ai", opts) {
                if (c == 'a')
                        attach = true;
                else if (c == 'i')
                        interactive = true;
                else
                        return cli_bad_option("start", argc, argv);
        }
        int r = cli_need_keys("start", argc, "container");
        if (r)
                return r;
        if ((attach || interactive) && argc - optind > 1)
                return cli_usage_error("start", "-a and -i take one container");
        OPEN_ENGINE(e);
        if (attach || interactive)
                return start_attached(e, argv[optind], interactive);
        return cli_each_key(e, argv + optind, argc - optind, op_start, NULL, "starting");
}

/* stop and restart: the same options (-t/--time/--timeout), one operation each. */
static int cmd_stop(int argc, char **argv) {
        return cli_stop_like(argc, argv, "stop", op_stop, "stopping", "container");
}

static int cmd_restart(int argc, char **argv) {
        return cli_stop_like(argc, argv, "restart", op_restart, "restarting", "container");
}

static int cmd_kill(int argc, char **argv) {
        return cli_kill_like(argc, argv, "kill", op_kill, "container");
}

static int simple_keys(int argc, char **argv, const char *cmd, CliKeyOp op) {
        int c, r;
        FOREACH_OPT(c, argc, argv, "+", NULL)
        return cli_bad_option(cmd, argc, argv);
        if ((r = cli_need_keys(cmd, argc, "container")))
                return r;
        OPEN_ENGINE(e);
        return cli_each_key(e, argv + optind, argc - optind, op, NULL, NULL);
}

static int cmd_pause(int argc, char **argv) {
        return simple_keys(argc, argv, "pause", op_pause);
}

static int cmd_unpause(int argc, char **argv) {
        return simple_keys(argc, argv, "unpause", op_unpause);
}

static int cmd_rm(int argc, char **argv) {
        static const struct option opts[] = {
                {"force", no_argument, NULL, 'f'},
                {"volumes", no_argument, NULL, 'v'},
                {},
        };
        bool force = false;
        int c, r;
        FOREACH_OPT(c, argc, argv, "fv", opts) {
                if (c == 'f')
                        force = true;
                else if (c != 'v') /* -v: no anonymous volumes are made, nothing to remove */
                        return cli_bad_option("rm", argc, argv);
        }
        if ((r = cli_need_keys("rm", argc, "container")))
                return r;
        OPEN_ENGINE(e);
        return cli_each_key(e, argv + optind, argc - optind, op_remove, &force,
                        force ? "removing" : NULL);
}

/* ---- ps ---- */

static char *command_text(const Container *c, bool no_trunc) {
        _cleanup_strv_ char **all = strv_copy(c->config.command);
        STRV_FOREACH (a, c->config.args)
                strv_push(&all, *a);
        _cleanup_free_ char *joined = all ? strv_join(all, " ") : xstrdup("");
        if (!no_trunc && strlen(joined) > 20) {
                /* cut on a character boundary, as docker's Ellipsis */
                size_t n = 19;
                while (n > 0 && ((unsigned char)joined[n] & 0xc0) == 0x80)
                        n--;
                return xasprintf("\"%.*s…\"", (int)n, joined);
        }
        return xasprintf("\"%s\"", joined);
}

static char *status_fallback(const ContainerView *v) {
        char d[64];
        switch (v->state) {
        case CONTAINER_CREATED:
                return xstrdup("Created");
        case CONTAINER_RUNNING:
        case CONTAINER_PAUSED:
                cli_format_duration((int64_t)time(NULL) - v->c.status.started_at / 1000000000LL, d);
                return xasprintf("Up %s%s", d, v->state == CONTAINER_PAUSED ? " (Paused)" : "");
        case CONTAINER_STOPPED:
                cli_format_ago(v->c.status.finished_at, d);
                return xasprintf("Exited (%d) %s", v->c.status.exit_code, d);
        default:
                return xstrdup("Unknown");
        }
}

static char *ports_text(const Sandbox *sb) {
        if (!sb)
                return xstrdup("");
        _cleanup_free_ SandboxPort *p = NULL;
        size_t n = sandboxes_ports(sb, &p);
        return sandboxes_ports_text(p, n);
}

static char *strmap_text(char **m) {
        _cleanup_strv_ char **parts = NULL;
        for (char **p = m; p && p[0] && p[1]; p += 2)
                strv_consume(&parts, xasprintf("%s=%s", p[0], p[1]));
        return parts ? strv_join(parts, ",") : xstrdup("");
}

static JsonValue *strmap_json(char **m) {
        JsonValue *o = json_new_object();
        for (char **p = m; p && p[0] && p[1]; p += 2)
                json_object_set(o, p[0], json_new_string(p[1]));
        return o;
}

/* store_list() returns records sorted by id: binary search (a linear scan is quadratic in
 * `ps -a` with a thousand containers, each with its own sandbox). */
static const Sandbox *find_sandbox(const StoreList *sbs, const char *id) {
        size_t lo = 0, hi = sbs->n;
        while (id && lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const Sandbox *sb = SANDBOX_LIST_AT(sbs, mid);
                int c = strcmp(sb->id, id);
                if (c == 0)
                        return sb;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* One ps row as an object with docker's template names (ps --format). */
static JsonValue *ps_row(const ContainerView *v, const Sandbox *sb, bool no_trunc) {
        const Container *c = &v->c;
        JsonValue *o = json_new_object();
        char buf[64], sid[16];
        json_object_add(o, "ID", json_new_string(cli_short_id(c->id, no_trunc, sid)));
        json_object_add(o, "Names", json_new_string(c->name ? c->name : ""));
        json_object_add(o, "Image", json_new_string(c->image.ref ? c->image.ref : ""));
        json_object_add(o, "ImageID", json_new_string(c->image.id ? c->image.id : ""));
        _cleanup_free_ char *cmd = command_text(c, no_trunc);
        json_object_add(o, "Command", json_new_string(cmd));
        json_object_add(o, "Created", json_new_integer(c->status.created_at / 1000000000LL));
        time_t t = (time_t)(c->status.created_at / 1000000000LL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
        json_object_add(o, "CreatedAt", json_new_string(buf));
        cli_format_ago(c->status.created_at, buf);
        json_object_add(o, "RunningFor", json_new_string(buf));
        _cleanup_free_ char *st = v->status_text ? xstrdup(v->status_text) : status_fallback(v);
        json_object_add(o, "Status", json_new_string(st));
        json_object_add(o, "State",
                        json_new_string(v->state == CONTAINER_STOPPED
                                                ? "exited"
                                                : container_state_to_string(v->state)));
        json_object_add(o, "ExitCode", json_new_integer(c->status.exit_code));
        json_object_add(
                o, "Pid",
                json_new_integer(v->state == CONTAINER_RUNNING || v->state == CONTAINER_PAUSED
                                         ? c->status.pid
                                         : 0));
        json_object_add(o, "Restarts", json_new_integer(c->status.restart_count));
        json_object_add(o, "Reason", json_new_string(c->status.reason ? c->status.reason : ""));
        _cleanup_free_ char *ports = ports_text(sb);
        json_object_add(o, "Ports", json_new_string(ports));
        _cleanup_free_ char *labels = strmap_text(c->labels);
        json_object_add(o, "Labels", json_new_string(labels));
        json_object_add(o, "LabelMap", strmap_json(c->labels));
        bool pod = sb && !sb->hidden;
        json_object_add(o, "Pod", json_new_string(pod ? cli_short_id(sb->id, no_trunc, sid) : ""));
        json_object_add(o, "PodName", json_new_string(pod && sb->name ? sb->name : ""));
        json_object_add(o, "Runtime", json_new_string(c->runtime.name ? c->runtime.name : ""));
        return o;
}

static int cmd_ps(int argc, char **argv) {
        static const struct option opts[] = {
                {"all", no_argument, NULL, 'a'},
                {"quiet", no_argument, NULL, 'q'},
                {"format", required_argument, NULL, 'F'},
                {"filter", required_argument, NULL, 'f'},
                {"last", required_argument, NULL, 'n'},
                {"latest", no_argument, NULL, 'l'},
                {"no-trunc", no_argument, NULL, 'T'},
                {"size", no_argument, NULL, 's'},
                {},
        };
        bool all = false, quiet = false, no_trunc = false;
        const char *format = NULL;
        _cleanup_strv_ char **filters = NULL;
        int last = -1, c;
        FOREACH_OPT(c, argc, argv, "aqf:n:ls", opts) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'f':
                        if (!strchr(optarg, '='))
                                return cli_usage_error("ps",
                                                       "invalid --filter `%s`: expected "
                                                       "KEY=VALUE",
                                                       optarg);
                        strv_push(&filters, optarg);
                        break;
                case 'n':
                        if (safe_atoi(optarg, &last) < 0 || last < 0)
                                return cli_usage_error("ps", "invalid -n `%s`", optarg);
                        break;
                case 'l':
                        last = 1;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 's':
                        break; /* sizes are not computed; the column is left out */
                default:
                        return cli_bad_option("ps", argc, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("ps", "unexpected argument `%s`", argv[optind]);
        bool json = format && (STREQ(format, "json") || STREQ(format, "{{json .}}"));
        bool table = !format || STREQ(format, "table");
        if (last >= 0)
                all = true;
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        ContainerView *views = NULL;
        size_t n = 0;
        if (containers_list(e, all, filters, &views, &n, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        size_t n_all = n;
        if (last >= 0 && (size_t)last < n)
                n = (size_t)last; /* newest first: the last N created */
        if (quiet) {
                char sid[16];
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", cli_short_id(views[i].c.id, no_trunc, sid));
                container_views_free(views, n_all);
                return 0;
        }
        /* Ports come from the sandboxes: read them once, not once per container. */
        StoreList sbs = {0};
        bool any_ports = false;
        for (size_t i = 0; i < n && !any_ports; i++)
                any_ports = containers_publishes_ports(&views[i].c);
        /* The table shows only ports from the sandboxes; json and templates show the pod too. */
        if ((any_ports || !table) && sandbox_store_list(e->sandboxes, NULL, &sbs, NULL) < 0)
                sbs = (StoreList){0};
        int ret = 0;
        if (json) {
                _cleanup_json_ JsonValue *arr = json_new_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append(
                                arr,
                                ps_row(&views[i], find_sandbox(&sbs, views[i].c.sandbox_id), true));
                ret = cli_print_json(arr);
        } else if (table) {
                CliTable t;
                cli_table_init(&t, 7);
                cli_table_add(&t, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
                              "NAMES");
                for (size_t i = 0; i < n; i++) {
                        _cleanup_json_ JsonValue *row = ps_row(
                                &views[i], find_sandbox(&sbs, views[i].c.sandbox_id), no_trunc);
                        cli_table_add(&t, json_string(json_get(row, "ID")),
                                      json_string(json_get(row, "Image")),
                                      json_string(json_get(row, "Command")),
                                      json_string(json_get(row, "RunningFor")),
                                      json_string(json_get(row, "Status")),
                                      json_string(json_get(row, "Ports")),
                                      json_string(json_get(row, "Names")));
                }
                cli_table_print(&t);
                cli_table_done(&t);
        } else {
                /* A template; "table TEMPLATE" adds a header line of the field names. */
                const char *tmpl = format;
                if (STARTS_WITH(format, "table ")) {
                        tmpl = format + 6;
                        _cleanup_json_ JsonValue *names = json_new_object();
                        static const char *const fields[] = {
                                "ID",       "Names",     "Image",      "ImageID", "Command",
                                "Created",  "CreatedAt", "RunningFor", "Status",  "State",
                                "ExitCode", "Pid",       "Ports",      "Labels",  "Pod",
                                "PodName",  "Runtime",
                        };
                        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                                _cleanup_free_ char *u = xstrdup(fields[i]);
                                for (char *p = u; *p; p++)
                                        *p = (char)toupper((unsigned char)*p);
                                json_object_set(names, fields[i], json_new_string(u));
                        }
                        _cleanup_free_ char *hdr = cli_template_render(tmpl, names);
                        printf("%s\n", hdr);
                }
                for (size_t i = 0; i < n; i++) {
                        _cleanup_json_ JsonValue *row = ps_row(
                                &views[i], find_sandbox(&sbs, views[i].c.sandbox_id), no_trunc);
                        _cleanup_free_ char *line = cli_template_render(tmpl, row);
                        printf("%s\n", line);
                }
        }
        if (sbs.table)
                store_list_clear(&sbs);
        container_views_free(views, n_all);
        return ret;
}

/* ---- inspect ---- */

static int cmd_inspect(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"type", required_argument, NULL, 'T'},
                {"size", no_argument, NULL, 's'},
                {},
        };
        const char *format = NULL;
        int c, r;
        FOREACH_OPT(c, argc, argv, "f:s", opts) {
                if (c == 'f')
                        format = optarg;
                else if (c == 'T') {
                        if (STRNEQ(optarg, "container"))
                                return warren_failf("inspect: --type `%s` is not supported here "
                                                    "(use `warren image inspect` or `warren pod "
                                                    "inspect`)",
                                                    optarg);
                } else if (c != 's')
                        return cli_bad_option("inspect", argc, argv);
        }
        if ((r = cli_need_keys("inspect", argc, "container")))
                return r;
        OPEN_ENGINE(e);
        _cleanup_json_ JsonValue *arr = json_new_array();
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_error_ WarrenError *err = NULL;
                ContainerView v = {0};
                if (containers_get(e, argv[i], &v, &err) < 0) {
                        ret = warren_fail(TAKE_PTR(err));
                        continue;
                }
                JsonValue *j = containers_inspect_json(e, &v);
                container_view_done(&v);
                if (j)
                        json_array_append(arr, j);
        }
        return cli_print_inspect(arr, format, ret);
}

/* ---- logs ---- */

static int cmd_logs(int argc, char **argv) {
        static const struct option opts[] = {
                {"follow", no_argument, NULL, 'f'},
                {"timestamps", no_argument, NULL, 't'},
                {"since", required_argument, NULL, 'S'},
                {"tail", required_argument, NULL, 'n'},
                {},
        };
        LogOptions lo = {.tail = -1};
        int c, r;
        FOREACH_OPT(c, argc, argv, "ftn:", opts) {
                _cleanup_error_ WarrenError *err = NULL;
                switch (c) {
                case 'f':
                        lo.follow = true;
                        break;
                case 't':
                        lo.timestamps = true;
                        break;
                case 'S':
                        if (cli_parse_time(optarg, &lo.since_ns, &err) < 0) {
                                (void)error_prefix(&err, -1, "logs: --since");
                                return warren_fail(TAKE_PTR(err));
                        }
                        break;
                case 'n': {
                        int64_t v;
                        if (STREQ(optarg, "all") || STREQ(optarg, "-1"))
                                lo.tail = -1;
                        else if (safe_atoi64(optarg, &v) < 0 || v < 0)
                                return cli_usage_error("logs",
                                                       "invalid --tail `%s`: expected a "
                                                       "number or `all`",
                                                       optarg);
                        else
                                lo.tail = (long)v;
                        break;
                }
                default:
                        return cli_bad_option("logs", argc, argv);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("logs", "needs exactly one container");
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        if ((r = containers_logs(e, argv[optind], &lo, STDOUT_FILENO, STDERR_FILENO, &err)) < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

/* ---- exec, attach, wait, top, rename ---- */

static int exec_help(void) {
        printf("Usage: warren exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
               "run a command in a running container; exits with its code\n\n"
               "Options:\n"
               "  -d, --detach             run in the background\n"
               "  -i, --interactive        keep stdin open\n"
               "  -t, --tty                allocate a pseudo-terminal\n"
               "  -e, --env KEY[=VALUE]    set an environment variable\n"
               "      --env-file FILE      read KEY=VALUE lines\n"
               "  -u, --user USER[:GROUP]  user to run as\n"
               "  -w, --workdir DIR        working directory\n"
               "      --privileged         all capabilities for this process\n");
        return 0;
}

static int cmd_exec(int argc, char **argv) {
        static const struct option opts[] = {
                {"interactive", no_argument, NULL, 'i'},    {"tty", no_argument, NULL, 't'},
                {"detach", no_argument, NULL, 'd'},         {"env", required_argument, NULL, 'e'},
                {"env-file", required_argument, NULL, 'E'}, {"user", required_argument, NULL, 'u'},
                {"workdir", required_argument, NULL, 'w'},  {"privileged", no_argument, NULL, 'P'},
                {"help", no_argument, NULL, 'H'},           {},
        };
        _cleanup_strv_ char **env = NULL;
        ExecOptions o = {0};
        int c;
        FOREACH_OPT(c, argc, argv, "+itde:u:w:", opts) {
                _cleanup_error_ WarrenError *err = NULL;
                switch (c) {
                case 'i':
                        o.interactive = true;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case 'd':
                        o.detach = true;
                        break;
                case 'e':
                case 'E':
                        if ((c == 'e' ? run_parse_env(optarg, &env, &err)
                                      : run_parse_env_file(optarg, &env, &err)) < 0) {
                                (void)error_prefix(&err, -1, "exec");
                                return warren_fail(TAKE_PTR(err));
                        }
                        break;
                case 'u':
                        if (!*optarg || optarg[0] == ':')
                                return cli_usage_error("exec", "invalid -u `%s`", optarg);
                        o.user = optarg;
                        break;
                case 'w':
                        if (optarg[0] != '/')
                                return cli_usage_error("exec",
                                                       "invalid -w `%s`: the working "
                                                       "directory must be absolute",
                                                       optarg);
                        o.workdir = optarg;
                        break;
                case 'P':
                        o.privileged = true;
                        break;
                case 'H':
                        return exec_help();
                default:
                        return cli_bad_option("exec", argc, argv);
                }
        }
        if (argc - optind < 2)
                return cli_usage_error("exec", "needs a container and a command");
        o.env = env;
        o.command = argv + optind + 1;
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        CliRaw raw = {0};
        if (o.tty && o.interactive && !o.detach)
                cli_raw_enter(&raw);
        int r = containers_exec(e, argv[optind], &o, &err);
        cli_raw_restore(&raw);
        if (r < 0)
                return fail_start(TAKE_PTR(err));
        return r;
}

static int cmd_attach(int argc, char **argv) {
        static const struct option opts[] = {
                {"no-stdin", no_argument, NULL, 'N'},
                {"sig-proxy", required_argument, NULL, 'S'},
                {},
        };
        bool no_stdin = false;
        int c;
        FOREACH_OPT(c, argc, argv, "+", opts) {
                if (c == 'N')
                        no_stdin = true;
                else if (c != 'S')
                        return cli_bad_option("attach", argc, argv);
        }
        if (argc - optind != 1)
                return cli_usage_error("attach", "needs exactly one container");
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        ContainerView v = {0};
        if (containers_get(e, argv[optind], &v, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        bool tty = v.c.config.tty, with_stdin = v.c.config.stdin_open && !no_stdin;
        container_view_done(&v);
        CliRaw raw = {0};
        if (tty && with_stdin)
                cli_raw_enter(&raw);
        int r = containers_attach(e, argv[optind], with_stdin ? STDIN_FILENO : -1, STDOUT_FILENO,
                                  STDERR_FILENO, with_stdin, &err);
        cli_raw_restore(&raw);
        return r < 0 ? warren_fail(TAKE_PTR(err)) : r;
}

static int cmd_wait(int argc, char **argv) {
        int c, r;
        FOREACH_OPT(c, argc, argv, "+", NULL)
        return cli_bad_option("wait", argc, argv);
        if ((r = cli_need_keys("wait", argc, "container")))
                return r;
        OPEN_ENGINE(e);
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_error_ WarrenError *err = NULL;
                r = containers_wait(e, argv[i], &err);
                if (r < 0) {
                        ret = warren_fail(TAKE_PTR(err));
                        continue;
                }
                printf("%d\n", r);
                fflush(stdout);
                if (ret != EXIT_WARREN_ERROR)
                        ret = r;
        }
        return ret;
}

static int cmd_top(int argc, char **argv) {
        int c;
        FOREACH_OPT(c, argc, argv, "+", NULL)
        return cli_bad_option("top", argc, argv);
        if (argc - optind < 1)
                return cli_usage_error("top", "needs a container");
        if (argc - optind > 1)
                fprintf(stderr, "warren: top: ps options are not supported; showing the default "
                                "columns\n");
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_strv_ char **lines = NULL;
        if (containers_top(e, argv[optind], &lines, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        STRV_FOREACH (l, lines)
                printf("%s\n", *l);
        return 0;
}

static int cmd_rename(int argc, char **argv) {
        int c;
        FOREACH_OPT(c, argc, argv, "+", NULL)
        return cli_bad_option("rename", argc, argv);
        if (argc - optind != 2)
                return cli_usage_error("rename", "needs a container and a new name");
        if (!*argv[optind + 1])
                return cli_usage_error("rename", "the new name must not be empty");
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        if (containers_rename(e, argv[optind], argv[optind + 1], &err) < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

/* ---- update ---- */

/* docker's update flags become the runtime's (`RUNTIME update`, runc's names). */
static int cmd_update(int argc, char **argv) {
        static const struct option opts[] = {
                {"memory", required_argument, NULL, 'm'},
                {"memory-swap", required_argument, NULL, 'W'},
                {"memory-reservation", required_argument, NULL, 'R'},
                {"cpus", required_argument, NULL, 'C'},
                {"cpu-shares", required_argument, NULL, 'c'},
                {"cpu-quota", required_argument, NULL, 'Q'},
                {"cpu-period", required_argument, NULL, 'D'},
                {"cpuset-cpus", required_argument, NULL, 'S'},
                {"cpuset-mems", required_argument, NULL, 'M'},
                {"pids-limit", required_argument, NULL, 'p'},
                {"blkio-weight", required_argument, NULL, 'b'},
                {"restart", required_argument, NULL, 'r'},
                {},
        };
        _cleanup_strv_ char **args = NULL;
        int c, r;
        FOREACH_OPT(c, argc, argv, "m:c:", opts) {
                uint64_t u;
                int64_t i;
                switch (c) {
                case 'm':
                case 'W':
                case 'R':
                        if (c == 'W' && STREQ(optarg, "-1")) {
                                strv_push(&args, "--memory-swap");
                                strv_push(&args, "-1");
                                break;
                        }
                        if (parse_size(optarg, &u) < 0 || u == 0)
                                return cli_usage_error("update", "invalid size `%s`", optarg);
                        strv_push(&args, c == 'm'   ? "--memory"
                                         : c == 'W' ? "--memory-swap"
                                                    : "--memory-reservation");
                        strv_consume(&args, xasprintf("%llu", (unsigned long long)u));
                        break;
                case 'C': {
                        char *end;
                        errno = 0;
                        double d = strtod(optarg, &end);
                        if (errno || *end || end == optarg || d <= 0 || d > 1e6)
                                return cli_usage_error("update", "invalid --cpus `%s`", optarg);
                        strv_push(&args, "--cpu-period");
                        strv_push(&args, "100000");
                        strv_push(&args, "--cpu-quota");
                        strv_consume(&args, xasprintf("%lld", (long long)(d * 100000.0)));
                        break;
                }
                case 'c':
                case 'Q':
                case 'D':
                case 'p':
                        if (safe_atoi64(optarg, &i) < 0 || (c != 'Q' && c != 'p' && i < 0))
                                return cli_usage_error("update", "invalid number `%s`", optarg);
                        strv_push(&args, c == 'c'   ? "--cpu-shares"
                                         : c == 'Q' ? "--cpu-quota"
                                         : c == 'D' ? "--cpu-period"
                                                    : "--pids-limit");
                        strv_push(&args, optarg);
                        break;
                case 'S':
                case 'M':
                        if (!*optarg || strspn(optarg, "0123456789,-") != strlen(optarg))
                                return cli_usage_error("update",
                                                       "invalid cpu/memory node list `%s`", optarg);
                        strv_push(&args, c == 'S' ? "--cpuset-cpus" : "--cpuset-mems");
                        strv_push(&args, optarg);
                        break;
                case 'b':
                        return warren_failf("update: --blkio-weight is not supported (the "
                                            "runtime has no io weight control)");
                case 'r': {
                        RestartPolicy p;
                        uint32_t max;
                        _cleanup_error_ WarrenError *err = NULL;
                        if (run_parse_restart(optarg, &p, &max, &err) < 0) {
                                (void)error_prefix(&err, -1, "update");
                                return warren_fail(TAKE_PTR(err));
                        }
                        return warren_failf("update: --restart cannot be changed on an existing "
                                            "container (its monitor applies the policy it was "
                                            "created with): recreate it with --restart %s",
                                            optarg);
                }
                default:
                        return cli_bad_option("update", argc, argv);
                }
        }
        if ((r = cli_need_keys("update", argc, "container")))
                return r;
        if (!args)
                return cli_usage_error("update", "nothing to change: give a resource option");
        OPEN_ENGINE(e);
        /* The runtime tries (root on a v1 or hybrid host may have a writable controller even
         * where the v2 probe says no); when it fails on a host without a writable cgroup, say
         * that plainly rather than in the runtime's words. */
        int ret = 0;
        int writable = -1; /* unknown until a failure asks */
        for (int k = optind; k < argc; k++) {
                _cleanup_error_ WarrenError *err = NULL;
                if (containers_update(e, argv[k], args, &err) >= 0) {
                        printf("%s\n", argv[k]);
                        continue;
                }
                ContainerView v = {0};
                if (containers_get(e, argv[k], &v, NULL) < 0) { /* not there: its own error */
                        ret = warren_fail(TAKE_PTR(err));
                        continue;
                }
                container_view_done(&v);
                HostInfo h = {0};
                if (writable < 0 && host_info_probe(&h, NULL) >= 0) {
                        writable = h.cgroup_delegated.available;
                        if (!writable)
                                ret = warren_failf("update `%s`: resource limits cannot be "
                                                   "changed on this host: no writable cgroup "
                                                   "(%s); containers run without limits here "
                                                   "(see `warren info`)",
                                                   argv[k],
                                                   h.cgroup_delegated.detail
                                                           ? h.cgroup_delegated.detail
                                                           : "no delegation");
                        host_info_done(&h);
                        if (!writable) {
                                log_debug("update `%s`: %s", argv[k], err->msg);
                                continue;
                        }
                }
                ret = warren_fail(TAKE_PTR(err));
        }
        return ret;
}

/* ---- cp, prune ---- */

/* "CONTAINER:PATH" -> key, path. A path starting with '/' or '.' is a host path even with
 * a ':' in it (docker's rule). */
static bool split_container_path(const char *arg, char **ret_key, const char **ret_path) {
        if (arg[0] == '/' || arg[0] == '.')
                return false;
        const char *colon = strchr(arg, ':');
        if (!colon || colon == arg)
                return false;
        *ret_key = xstrndup(arg, (size_t)(colon - arg));
        *ret_path = colon + 1;
        return true;
}

static int cmd_cp(int argc, char **argv) {
        static const struct option opts[] = {
                {"archive", no_argument, NULL, 'a'},
                {"follow-link", no_argument, NULL, 'L'},
                {},
        };
        int c;
        FOREACH_OPT(c, argc, argv, "aL", opts)
        if (c != 'a' && c != 'L')
                return cli_bad_option("cp", argc, argv);
        if (argc - optind != 2)
                return cli_usage_error("cp", "needs a source and a destination");
        const char *src = argv[optind], *dst = argv[optind + 1];
        if (STREQ(src, "-") || STREQ(dst, "-"))
                return warren_failf("cp: tar streams on stdin/stdout (`-`) are not supported");
        _cleanup_free_ char *skey = NULL, *dkey = NULL;
        const char *spath = NULL, *dpath = NULL;
        bool s_in = split_container_path(src, &skey, &spath);
        bool d_in = split_container_path(dst, &dkey, &dpath);
        if (s_in == d_in)
                return cli_usage_error("cp",
                                       "exactly one of `%s` and `%s` must be "
                                       "CONTAINER:PATH",
                                       src, dst);
        if (!*(s_in ? spath : dpath))
                return cli_usage_error("cp", "an empty path in the container");
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        int r = s_in ? containers_copy(e, skey, spath, dst, false, &err)
                     : containers_copy(e, dkey, src, dpath, true, &err);
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        return 0;
}

static int cmd_prune(int argc, char **argv) {
        static const struct option opts[] = {
                {"force", no_argument, NULL, 'f'},
                {},
        };
        bool force = false;
        int c;
        FOREACH_OPT(c, argc, argv, "f", opts) {
                if (c != 'f')
                        return cli_bad_option("container prune", argc, argv);
                force = true;
        }
        if (optind < argc)
                return cli_usage_error("container prune", "unexpected argument `%s`", argv[optind]);
        if (!force && !cli_confirm("WARNING! This will remove all stopped containers.\n"
                                   "Are you sure you want to continue?"))
                return 0;
        return cli_prune_containers();
}

int cli_prune_containers(void) {
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_strv_ char **removed = NULL;
        cli_progress("removing stopped containers");
        int r = containers_prune(e, &removed, &err);
        cli_progress_done();
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        if (removed && removed[0]) {
                printf("Deleted Containers:\n");
                STRV_FOREACH (id, removed)
                        printf("%s\n", *id);
        }
        return 0;
}

/* ---- tables ---- */

#define RUN_FLAGS WARREN_CMD_OWN_HELP

static const WarrenCommand toplevel[] = {
        {"run", "[OPTIONS] IMAGE [COMMAND [ARG...]]",
         "create and start a container (see `warren run --help`)", cmd_run, RUN_FLAGS},
        {"create", "[OPTIONS] IMAGE [COMMAND [ARG...]]", "create a container", cmd_create,
         RUN_FLAGS},
        {"start",
         "[-a] [-i] CONTAINER...\n\n"
         "  -a, --attach        show the output and exit with the container's code\n"
         "  -i, --interactive   attach stdin",
         "start containers", cmd_start, 0},
        {"stop",
         "[-t SECONDS] CONTAINER...\n\n  -t, --time SECONDS  wait before SIGKILL "
         "(default: the container's stop timeout, 10)",
         "stop containers (stop signal, then SIGKILL)", cmd_stop, 0},
        {"kill",
         "[-s SIGNAL] CONTAINER...\n\n  -s, --signal SIGNAL  a name or number "
         "(default KILL)",
         "send a signal to containers", cmd_kill, 0},
        {"restart", "[-t SECONDS] CONTAINER...", "stop, then start containers", cmd_restart, 0},
        {"pause", "CONTAINER...", "freeze every process of containers", cmd_pause, 0},
        {"unpause", "CONTAINER...", "thaw containers", cmd_unpause, 0},
        {"rm", "[-f] CONTAINER...\n\n  -f, --force   kill and remove running containers",
         "remove containers", cmd_rm, 0},
        {"ps",
         "[OPTIONS]\n\n"
         "  -a, --all              all containers (default: running)\n"
         "  -q, --quiet            ids only\n"
         "  -n, --last N           the N last created (any state); -l: the latest\n"
         "  -f, --filter KEY=VAL   id, name, label, status, pod, ancestor, ...\n"
         "      --format FORMAT    table, json, or a template such as '{{.Names}} {{.Status}}'\n"
         "      --no-trunc         full ids and commands",
         "list containers", cmd_ps, 0},
        {"inspect",
         "[-f FORMAT] CONTAINER...\n\n  -f, --format json|TEMPLATE  "
         "e.g. '{{.State.Status}}'",
         "show containers as a JSON array", cmd_inspect, 0},
        {"logs",
         "[OPTIONS] CONTAINER\n\n"
         "  -f, --follow       keep printing until the container stops\n"
         "  -n, --tail N|all   the last N lines\n"
         "      --since TIME   RFC 3339, unix time, or a duration like 10s, 5m\n"
         "  -t, --timestamps   prefix each line with its time",
         "show a container's output", cmd_logs, 0},
        {"exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "run a command in a running container",
         cmd_exec, RUN_FLAGS},
        {"attach", "[--no-stdin] CONTAINER", "connect to a running container's stdio", cmd_attach,
         0},
        {"wait", "CONTAINER...", "wait for containers to stop; print their exit codes", cmd_wait,
         0},
        {"top", "CONTAINER", "show a container's processes", cmd_top, 0},
        {"rename", "CONTAINER NEW-NAME", "rename a container", cmd_rename, 0},
        {"update", "[--memory SIZE] [--cpus N] [--pids-limit N] ... CONTAINER...",
         "change resource limits (needs a writable cgroup)", cmd_update, 0},
        {"cp", "CONTAINER:SRC HOST-DST | HOST-SRC CONTAINER:DST",
         "copy files between a container and the host", cmd_cp, 0},
};

const WarrenCommandGroup warren_container_toplevel = {
        .name = NULL,
        .summary = "container commands",
        .commands = toplevel,
        .n_commands = ELEMENTSOF(toplevel),
};

static const WarrenCommand container_cmds[] = {
        {"ls", "[OPTIONS] (as `warren ps`)", "list containers", cmd_ps, 0},
        {"list", "[OPTIONS] (as `warren ps`)", "list containers", cmd_ps, 0},
        {"ps", "[OPTIONS]", "list containers", cmd_ps, 0},
        {"run", "[OPTIONS] IMAGE [COMMAND [ARG...]]", "create and start a container", cmd_run,
         RUN_FLAGS},
        {"create", "[OPTIONS] IMAGE [COMMAND [ARG...]]", "create a container", cmd_create,
         RUN_FLAGS},
        {"start", "[-a] [-i] CONTAINER...", "start containers", cmd_start, 0},
        {"stop", "[-t SECONDS] CONTAINER...", "stop containers", cmd_stop, 0},
        {"kill", "[-s SIGNAL] CONTAINER...", "send a signal to containers", cmd_kill, 0},
        {"restart", "[-t SECONDS] CONTAINER...", "restart containers", cmd_restart, 0},
        {"pause", "CONTAINER...", "pause containers", cmd_pause, 0},
        {"unpause", "CONTAINER...", "unpause containers", cmd_unpause, 0},
        {"rm", "[-f] CONTAINER...", "remove containers", cmd_rm, 0},
        {"inspect", "[-f FORMAT] CONTAINER...", "show containers as JSON", cmd_inspect, 0},
        {"logs", "[-f] [-n N] [--since TIME] [-t] CONTAINER", "show a container's output", cmd_logs,
         0},
        {"exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "run a command in a container", cmd_exec,
         RUN_FLAGS},
        {"attach", "[--no-stdin] CONTAINER", "attach to a container", cmd_attach, 0},
        {"wait", "CONTAINER...", "wait for containers to stop", cmd_wait, 0},
        {"top", "CONTAINER", "show a container's processes", cmd_top, 0},
        {"rename", "CONTAINER NEW-NAME", "rename a container", cmd_rename, 0},
        {"update", "[OPTIONS] CONTAINER...", "change resource limits", cmd_update, 0},
        {"cp", "CONTAINER:SRC DST | SRC CONTAINER:DST", "copy files", cmd_cp, 0},
        {"prune", "[-f]", "remove every stopped container", cmd_prune, 0},
};

const WarrenCommandGroup warren_container_group = {
        .name = "container",
        .summary = "manage containers",
        .commands = container_cmds,
        .n_commands = ELEMENTSOF(container_cmds),
};
