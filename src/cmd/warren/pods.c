/* SPDX-License-Identifier: Apache-2.0 */
/* `warren pod ...`: sandboxes (pods) with containerd's sandbox-controller semantics, through
 * src/core/sandboxes.c. Containers join a pod with `warren run --pod`. docs/commands/pods.md is
 * the manual. */
#include <getopt.h>
#include <regex.h>
#include <signal.h>

#include "basic/json.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "cli-util.h"
#include "core/sandboxes.h"
#include "warren.h"

/* ---- create ---- */

static int cmd_create(int argc, char **argv) {
        static const struct option opts[] = {
                {"name", required_argument, NULL, 'n'},
                {"hostname", required_argument, NULL, 'H'},
                {"network", required_argument, NULL, 'N'},
                {"net", required_argument, NULL, 'N'},
                {"label", required_argument, NULL, 'l'},
                {"publish", required_argument, NULL, 'p'},
                {},
        };
        _cleanup_strv_ char **labels = NULL, **publish = NULL;
        PodOptions o = {0};
        int c;
        FOREACH_OPT(c, argc, argv, "n:l:p:", opts) {
                switch (c) {
                case 'n':
                        if (!*optarg)
                                return cli_usage_error("pod create", "--name must not be empty");
                        o.name = optarg;
                        break;
                case 'H':
                        if (!*optarg || strlen(optarg) > 64)
                                return cli_usage_error("pod create",
                                                       "invalid --hostname `%s`: 1 to 64 "
                                                       "characters",
                                                       optarg);
                        o.hostname = optarg;
                        break;
                case 'N':
                        o.network = optarg;
                        break;
                case 'l':
                        if (optarg[0] == '=' || !optarg[0])
                                return cli_usage_error("pod create",
                                                       "invalid --label `%s`: expected KEY=VALUE",
                                                       optarg);
                        if (strchr(optarg, '='))
                                strv_push(&labels, optarg);
                        else
                                strv_consume(&labels, xasprintf("%s=", optarg));
                        break;
                case 'p':
                        strv_push(&publish, optarg);
                        break;
                default:
                        return cli_bad_option("pod create", argc, argv);
                }
        }
        if (optind < argc) {
                /* podman takes the name as an argument too */
                if (argc - optind > 1 || o.name)
                        return cli_usage_error("pod create", "unexpected argument `%s`",
                                               argv[optind]);
                o.name = argv[optind];
        }
        o.labels = labels;
        o.publish = publish;
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_free_ char *id = NULL;
        cli_progress("creating a pod");
        int r = sandboxes_create(e, &o, &id, &err);
        cli_progress_done();
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        printf("%s\n", id);
        return 0;
}

/* ---- start, stop, kill, restart, rm, wait ---- */

static int op_start(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = sandboxes_start(e, key, err);
        return r < 0 ? r : 0;
}

static int op_stop(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = sandboxes_stop(e, key, *(const int *)arg, err);
        return r < 0 ? r : 0;
}

static int op_restart(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = sandboxes_restart(e, key, *(const int *)arg, err);
        return r < 0 ? r : 0;
}

static int op_kill(Engine *e, const char *key, const void *arg, WarrenError **err) {
        int r = sandboxes_kill(e, key, *(const int *)arg, err);
        return r < 0 ? r : 0;
}

static int op_remove(Engine *e, const char *key, const void *arg, WarrenError **err) {
        bool force = *(const bool *)arg;
        if (force) {
                SandboxView v = {0};
                int r = sandboxes_get(e, key, &v, NULL);
                if (r == -ENOENT)
                        return 1;
                if (r >= 0)
                        sandbox_view_done(&v);
        }
        int r = sandboxes_remove(e, key, force, err);
        return r < 0 ? r : 0;
}

static int cmd_start(int argc, char **argv) {
        int c, r;
        FOREACH_OPT(c, argc, argv, "", NULL)
        return cli_bad_option("pod start", argc, argv);
        if ((r = cli_need_keys("pod start", argc, "pod")))
                return r;
        OPEN_ENGINE(e);
        return cli_each_key(e, argv + optind, argc - optind, op_start, NULL, "starting pod");
}

static int cmd_stop(int argc, char **argv) {
        return cli_stop_like(argc, argv, "pod stop", op_stop, "stopping pod", "pod");
}

static int cmd_restart(int argc, char **argv) {
        return cli_stop_like(argc, argv, "pod restart", op_restart, "restarting pod", "pod");
}

static int cmd_kill(int argc, char **argv) {
        return cli_kill_like(argc, argv, "pod kill", op_kill, "pod");
}

static int cmd_rm(int argc, char **argv) {
        static const struct option opts[] = {
                {"force", no_argument, NULL, 'f'},
                {},
        };
        bool force = false;
        int c, r;
        FOREACH_OPT(c, argc, argv, "f", opts) {
                if (c != 'f')
                        return cli_bad_option("pod rm", argc, argv);
                force = true;
        }
        if ((r = cli_need_keys("pod rm", argc, "pod")))
                return r;
        OPEN_ENGINE(e);
        return cli_each_key(e, argv + optind, argc - optind, op_remove, &force,
                        force ? "removing pod" : NULL);
}

static int cmd_wait(int argc, char **argv) {
        int c, r;
        FOREACH_OPT(c, argc, argv, "", NULL)
        return cli_bad_option("pod wait", argc, argv);
        if ((r = cli_need_keys("pod wait", argc, "pod")))
                return r;
        OPEN_ENGINE(e);
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_error_ WarrenError *err = NULL;
                if (sandboxes_wait(e, argv[i], &err) < 0)
                        ret = warren_fail(TAKE_PTR(err));
                else
                        printf("%s\n", argv[i]);
        }
        return ret;
}

static int cmd_exists(int argc, char **argv) {
        if (argc != 2)
                return cli_usage_error("pod exists", "needs exactly one pod");
        OPEN_ENGINE(e);
        SandboxView v = {0};
        int r = sandboxes_get(e, argv[1], &v, NULL);
        if (r < 0)
                return 1;
        sandbox_view_done(&v);
        return 0;
}

/* ---- ps, inspect, top ---- */

static JsonValue *pod_row(const SandboxView *v, bool no_trunc) {
        JsonValue *o = json_new_object();
        char sid[16], buf[64];
        json_object_set(o, "ID", json_new_string(cli_short_id(v->sb.id, no_trunc, sid)));
        json_object_set(o, "Name", json_new_string(v->sb.name ? v->sb.name : ""));
        json_object_set(o, "Status", json_new_string(v->status ? v->status : "Unknown"));
        json_object_set(o, "Created", json_new_integer(v->sb.created_at / 1000000000LL));
        cli_format_ago(v->sb.created_at, buf);
        json_object_set(o, "RunningFor", json_new_string(buf));
        json_object_set(o, "Hostname",
                        json_new_string(v->sb.config.hostname ? v->sb.config.hostname : ""));
        json_object_set(
                o, "Network",
                json_new_string(v->sb.config.network.mode ? v->sb.config.network.mode : ""));
        json_object_set(o, "InfraPid", json_new_integer(v->infra_alive ? v->sb.infra_pid : 0));
        json_object_set(o, "NumberOfContainers",
                        json_new_integer((int64_t)strv_length(v->members)));
        json_object_set(o, "Running", json_new_integer((int64_t)v->n_running));
        JsonValue *members = json_new_array();
        STRV_FOREACH (m, v->members)
                json_array_append(members, json_new_string(cli_short_id(*m, no_trunc, sid)));
        json_object_set(o, "Containers", members);
        JsonValue *labels = json_new_object();
        for (char **p = v->sb.config.labels; p && p[0] && p[1]; p += 2)
                json_object_set(labels, p[0], json_new_string(p[1]));
        json_object_set(o, "Labels", labels);
        return o;
}

/* docker-style filters: id=PREFIX, name=REGEX, label=KEY[=VALUE], status=STATUS. */
static int pod_matches(const SandboxView *v, char **filters, bool *ret, WarrenError **err) {
        *ret = true;
        STRV_FOREACH (f, filters) {
                const char *eq = strchr(*f, '=');
                _cleanup_free_ char *key = xstrndup(*f, (size_t)(eq - *f));
                const char *val = eq + 1;
                bool ok;
                if (STREQ(key, "id"))
                        ok = STARTS_WITH(v->sb.id, val);
                else if (STREQ(key, "name")) {
                        regex_t re;
                        if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
                                return error_set(err, EINVAL, "invalid name filter `%s`", val);
                        ok = v->sb.name && regexec(&re, v->sb.name, 0, NULL, 0) == 0;
                        regfree(&re);
                } else if (STREQ(key, "label")) {
                        const char *leq = strchr(val, '=');
                        _cleanup_free_ char *lk =
                                leq ? xstrndup(val, (size_t)(leq - val)) : xstrdup(val);
                        ok = false;
                        for (char **p = v->sb.config.labels; p && p[0] && p[1]; p += 2)
                                if (STREQ(p[0], lk) && (!leq || STREQ(p[1], leq + 1)))
                                        ok = true;
                } else if (STREQ(key, "status"))
                        ok = v->status && strcasecmp(v->status, val) == 0;
                else
                        return error_set(err, EINVAL,
                                         "unknown pod filter `%s`: supported: id, name, label, "
                                         "status",
                                         key);
                if (!ok)
                        *ret = false;
        }
        return 0;
}

static int cmd_ps(int argc, char **argv) {
        static const struct option opts[] = {
                {"quiet", no_argument, NULL, 'q'},
                {"format", required_argument, NULL, 'F'},
                {"filter", required_argument, NULL, 'f'},
                {"no-trunc", no_argument, NULL, 'T'},
                {},
        };
        bool quiet = false, no_trunc = false;
        const char *format = NULL;
        _cleanup_strv_ char **filters = NULL;
        int c;
        FOREACH_OPT(c, argc, argv, "qf:", opts) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'F':
                        format = optarg;
                        break;
                case 'f':
                        if (!strchr(optarg, '='))
                                return cli_usage_error("pod ps",
                                                       "invalid --filter `%s`: expected KEY=VALUE",
                                                       optarg);
                        strv_push(&filters, optarg);
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                default:
                        return cli_bad_option("pod ps", argc, argv);
                }
        }
        if (optind < argc)
                return cli_usage_error("pod ps", "unexpected argument `%s`", argv[optind]);
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        SandboxView *views = NULL;
        size_t n = 0;
        if (sandboxes_list(e, false, &views, &n, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        _cleanup_json_ JsonValue *rows = json_new_array();
        int ret = 0;
        for (size_t i = 0; i < n; i++) {
                bool ok;
                if (pod_matches(&views[i], filters, &ok, &err) < 0) {
                        ret = warren_fail(TAKE_PTR(err));
                        break;
                }
                if (ok)
                        json_array_append(
                                rows,
                                pod_row(&views[i], no_trunc || (format && STREQ(format, "json"))));
        }
        sandbox_views_free(views, n);
        if (ret)
                return ret;
        if (quiet) {
                for (size_t i = 0; i < json_length(rows); i++)
                        printf("%s\n", json_string(json_get(json_at(rows, i), "ID")));
        } else if (format && STREQ(format, "json")) {
                ret = cli_print_json(rows);
        } else if (format && STRNEQ(format, "table")) {
                for (size_t i = 0; i < json_length(rows); i++) {
                        _cleanup_free_ char *line = cli_template_render(format, json_at(rows, i));
                        printf("%s\n", line);
                }
        } else {
                CliTable t;
                cli_table_init(&t, 5);
                cli_table_add(&t, "POD ID", "NAME", "STATUS", "CREATED", "# OF CONTAINERS");
                for (size_t i = 0; i < json_length(rows); i++) {
                        const JsonValue *r = json_at(rows, i);
                        char num[32];
                        snprintf(num, sizeof(num), "%lld",
                                 (long long)json_get(r, "NumberOfContainers")->u.integer);
                        cli_table_add(&t, json_string(json_get(r, "ID")),
                                      json_string(json_get(r, "Name")),
                                      json_string(json_get(r, "Status")),
                                      json_string(json_get(r, "RunningFor")), num);
                }
                cli_table_print(&t);
                cli_table_done(&t);
        }
        return ret;
}

static int cmd_inspect(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {},
        };
        const char *format = NULL;
        int c, r;
        FOREACH_OPT(c, argc, argv, "f:", opts) {
                if (c != 'f')
                        return cli_bad_option("pod inspect", argc, argv);
                format = optarg;
        }
        if ((r = cli_need_keys("pod inspect", argc, "pod")))
                return r;
        OPEN_ENGINE(e);
        _cleanup_json_ JsonValue *arr = json_new_array();
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_error_ WarrenError *err = NULL;
                SandboxView v = {0};
                if (sandboxes_get(e, argv[i], &v, &err) < 0) {
                        ret = warren_fail(TAKE_PTR(err));
                        continue;
                }
                JsonValue *j = sandboxes_inspect_json(e, &v);
                sandbox_view_done(&v);
                if (j)
                        json_array_append(arr, j);
        }
        return cli_print_inspect(arr, format, ret);
}

/* ---- prune ---- */

int cli_prune_pods(void) {
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        SandboxView *v = NULL;
        size_t n = 0;
        if (sandboxes_list(e, false, &v, &n, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        int ret = 0;
        bool header = false;
        for (size_t i = 0; i < n; i++) {
                /* stopped pods (their infra is gone), as podman's pod prune */
                if (!STREQ(v[i].status, "Exited"))
                        continue;
                _cleanup_error_ WarrenError *e2 = NULL;
                if (sandboxes_remove(e, v[i].sb.id, false, &e2) < 0) {
                        ret = warren_fail(TAKE_PTR(e2));
                        continue;
                }
                if (!header) {
                        printf("Deleted Pods:\n");
                        header = true;
                }
                printf("%s\n", v[i].sb.id);
        }
        sandbox_views_free(v, n);
        return ret;
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
                        return cli_bad_option("pod prune", argc, argv);
                force = true;
        }
        if (optind < argc)
                return cli_usage_error("pod prune", "unexpected argument `%s`", argv[optind]);
        if (!force && !cli_confirm("WARNING! This will remove all stopped pods and their "
                                   "containers.\nAre you sure you want to continue?"))
                return 0;
        return cli_prune_pods();
}

static int cmd_top(int argc, char **argv) {
        int c;
        FOREACH_OPT(c, argc, argv, "+", NULL)
        return cli_bad_option("pod top", argc, argv);
        if (argc - optind != 1)
                return cli_usage_error("pod top", "needs exactly one pod");
        OPEN_ENGINE(e);
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_strv_ char **lines = NULL;
        if (sandboxes_top(e, argv[optind], &lines, &err) < 0)
                return warren_fail(TAKE_PTR(err));
        STRV_FOREACH (l, lines)
                printf("%s\n", *l);
        return 0;
}

/* ---- table ---- */

static const WarrenCommand pod_cmds[] = {
        {"create",
         "[OPTIONS] [NAME]\n\n"
         "      --name NAME           the pod's name (default: generated)\n"
         "      --hostname NAME       the shared hostname (default: the name)\n"
         "      --network slirp[:OPTS]|none|host   the shared network (default slirp)\n"
         "  -l, --label KEY=VALUE     a label\n"
         "  -p, --publish [IP:]HOST:CTR[/PROTO]   publish a port (slirp networking)",
         "create a pod: shared network, ipc and uts namespaces held by an infra process",
         cmd_create, 0},
        {"start", "POD...", "start pods (the infra process, then the members)", cmd_start, 0},
        {"stop", "[-t SECONDS] POD...", "stop the members, then the infra process", cmd_stop, 0},
        {"kill", "[-s SIGNAL] POD...", "send a signal to every member", cmd_kill, 0},
        {"restart", "[-t SECONDS] POD...", "stop, then start pods", cmd_restart, 0},
        {"rm", "[-f] POD...\n\n  -f, --force   stop and remove running members",
         "remove pods and their members", cmd_rm, 0},
        {"ps", "[-q] [--format table|json|TEMPLATE] [--filter KEY=VALUE] [--no-trunc]", "list pods",
         cmd_ps, 0},
        {"ls", "[-q] [--format table|json|TEMPLATE] [--filter KEY=VALUE]", "list pods", cmd_ps, 0},
        {"list", "[-q] [--format table|json|TEMPLATE]", "list pods", cmd_ps, 0},
        {"inspect", "[-f json|TEMPLATE] POD...", "show pods as a JSON array", cmd_inspect, 0},
        {"top", "POD", "show the processes of every member", cmd_top, 0},
        {"prune", "[-f]", "remove every stopped pod and its containers", cmd_prune, 0},
        {"wait", "POD...", "block until pods exit", cmd_wait, 0},
        {"exists", "POD", "exit 0 when the pod exists, else 1", cmd_exists, 0},
};

const WarrenCommandGroup warren_pod_group = {
        .name = "pod",
        .summary = "manage pods (sandboxes sharing network, ipc and uts)",
        .commands = pod_cmds,
        .n_commands = ELEMENTSOF(pod_cmds),
};
