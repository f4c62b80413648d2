/* SPDX-License-Identifier: Apache-2.0 */
/* warren: global options, then a command from the table (crun's src/crun.c shape). */
#include <getopt.h>
#include <stdarg.h>

#include "basic/log.h"
#include "basic/xalloc.h"
#include "warren.h"

WarrenGlobals warren_globals;

/* Top-level commands first, then groups (`warren image ...`). Add a group here. */
static const WarrenCommandGroup *const groups[] = {
        &warren_image_toplevel, &warren_container_toplevel, &warren_port_toplevel,
        &warren_system_toplevel,
        &warren_image_group,    &warren_container_group,    &warren_pod_group,
        &warren_system_group,
};

int warren_fail(WarrenError *e) {
        fprintf(stderr, "warren: %s\n", e && e->msg ? e->msg : "unknown error");
        error_free(e);
        return EXIT_WARREN_ERROR;
}

int warren_failf(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("warren: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        return EXIT_WARREN_ERROR;
}

static void print_commands(FILE *f, const WarrenCommandGroup *g) {
        for (size_t i = 0; i < g->n_commands; i++)
                fprintf(f, "  %s%s%-10s %s\n", g->name ? g->name : "", g->name ? " " : "",
                        g->commands[i].name, g->commands[i].summary);
}

static void usage(FILE *f) {
        fprintf(f, "Usage: warren [OPTIONS] COMMAND [ARG...]\n\n"
                   "Rootless containers.\n\n"
                   "Options:\n"
                   "  --root DIR               storage root (default $XDG_DATA_HOME/warren)\n"
                   "  --storage-driver NAME    overlay, fuse-overlayfs or vfs\n"
                   "  --debug                  debug logging\n"
                   "  --log-level LEVEL        error, warning, info or debug\n"
                   "  -h, --help               this help\n"
                   "  -v, --version            the version\n\n"
                   "Commands:\n"
                   "  help       this help\n");
        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                if (!groups[i]->name)
                        print_commands(f, groups[i]);
                else
                        fprintf(f, "  %-10s %s (warren %s --help)\n", groups[i]->name,
                                groups[i]->summary, groups[i]->name);
        }
}

static int print_version(void) {
        printf("warren version %s\n", WARREN_VERSION);
        return 0;
}

typedef struct Dispatch {
        const WarrenCommand *cmd;
        int argc;
        char **argv;
} Dispatch;

static int run_dispatch(void *userdata) {
        Dispatch *d = userdata;
        return d->cmd->run(d->argc, d->argv);
}

static const WarrenCommand *find(const WarrenCommandGroup *g, const char *name) {
        for (size_t i = 0; i < g->n_commands; i++)
                if (STREQ(g->commands[i].name, name))
                        return &g->commands[i];
        return NULL;
}

static bool wants_help(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (STREQ(argv[i], "--"))
                        return false;
                if (STREQ(argv[i], "--help") || STREQ(argv[i], "-h"))
                        return true;
        }
        return false;
}

static int run_command(const WarrenCommand *c, const char *prefix, int argc, char **argv) {
        if (!(c->flags & WARREN_CMD_OWN_HELP) && wants_help(argc, argv)) {
                printf("Usage: warren %s%s%s %s\n\n%s\n", prefix ? prefix : "", prefix ? " " : "",
                       c->name, c->args, c->summary);
                return 0;
        }
        Dispatch d = {c, argc, argv};
        if (c->flags & WARREN_CMD_USERNS)
                return warren_in_userns(run_dispatch, &d);
        return c->run(argc, argv);
}

static int parse_log_level(const char *s, LogLevel *ret) {
        static const char *const names[] = {"error", "warning", "info", "debug"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (STREQ(s, names[i]) || (i == 1 && STREQ(s, "warn"))) {
                        *ret = (LogLevel)i;
                        return 0;
                }
        return -EINVAL;
}

int main(int argc, char **argv) {
        enum { OPT_ROOT = 0x100, OPT_DRIVER, OPT_DEBUG, OPT_LOG_LEVEL };
        static const struct option options[] = {
                {"root", required_argument, NULL, OPT_ROOT},
                {"storage-driver", required_argument, NULL, OPT_DRIVER},
                {"debug", no_argument, NULL, OPT_DEBUG},
                {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'v'},
                {},
        };
        log_set_program("warren");
        log_set_level(LOG_LEVEL_WARNING);
        int c;
        while ((c = getopt_long(argc, argv, "+hv", options, NULL)) >= 0) {
                switch (c) {
                case OPT_ROOT:
                        if (optarg[0] != '/')
                                return warren_failf("--root `%s` is not an absolute path", optarg);
                        warren_globals.root = xstrdup(optarg);
                        break;
                case OPT_DRIVER:
                        warren_globals.storage_driver = xstrdup(optarg);
                        break;
                case OPT_DEBUG:
                        warren_globals.debug = true;
                        log_set_level(LOG_LEVEL_DEBUG);
                        break;
                case OPT_LOG_LEVEL: {
                        LogLevel l;
                        if (parse_log_level(optarg, &l) < 0)
                                return warren_failf("unknown log level `%s`", optarg);
                        log_set_level(l);
                        break;
                }
                case 'h':
                        usage(stdout);
                        return 0;
                case 'v':
                        return print_version();
                default:
                        usage(stderr);
                        return EXIT_WARREN_ERROR;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_WARREN_ERROR;
        }
        char **args = argv + optind;
        int nargs = argc - optind;
        const char *name = args[0];
        if (STREQ(name, "help")) {
                usage(stdout);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                const WarrenCommandGroup *g = groups[i];
                if (!g->name) {
                        const WarrenCommand *cmd = find(g, name);
                        if (cmd) {
                                optind = 1;
                                return run_command(cmd, NULL, nargs, args);
                        }
                        continue;
                }
                if (STRNEQ(g->name, name))
                        continue;
                if (nargs < 2 || STREQ(args[1], "--help") || STREQ(args[1], "-h") ||
                    STREQ(args[1], "help")) {
                        FILE *f = nargs < 2 ? stderr : stdout;
                        fprintf(f, "Usage: warren %s COMMAND\n\n%s\n\nCommands:\n", g->name,
                                g->summary);
                        print_commands(f, g);
                        return nargs < 2 ? EXIT_WARREN_ERROR : 0;
                }
                const WarrenCommand *cmd = find(g, args[1]);
                if (!cmd)
                        return warren_failf("unknown command `%s %s` (see `warren %s --help`)",
                                            g->name, args[1], g->name);
                optind = 1;
                return run_command(cmd, g->name, nargs - 1, args + 1);
        }
        return warren_failf("unknown command `%s` (see `warren help`)", name);
}
