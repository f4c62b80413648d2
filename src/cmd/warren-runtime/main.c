/* SPDX-License-Identifier: Apache-2.0 */
/* warren-runtime: an OCI runtime with runc's command line. A command table, as crun's crun.c. */
#include <getopt.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/xalloc.h"
#include "runtime/oci-config.h"
#include "runtime/container-state.h"
#include "warren-runtime.h"

GlobalOptions arg_global;
static bool log_elsewhere;

static const Command commands[] = {
        {"create", cmd_create, "[options] CONTAINER", "create a container",
         "  -b, --bundle DIR          bundle directory (default: the current directory)\n"
         "      --console-socket PATH unix socket that receives the pty master\n"
         "      --pid-file PATH       write the container's pid here\n"
         "      --no-pivot            use MS_MOVE and chroot instead of pivot_root\n"
         "      --preserve-fds N      pass N extra fds (from 3) to the container\n"
         "      --no-new-keyring      accepted (no keyring is created)\n"},
        {"delete", cmd_delete, "[options] CONTAINER", "delete a container",
         "  -f, --force               kill a running container first\n"},
        {"exec", cmd_exec, "[options] CONTAINER [COMMAND [ARG...]]",
         "run a process in a running container",
         "  -p, --process FILE        process.json with the process to run\n"
         "  -t, --tty                 allocate a pseudo-terminal\n"
         "  -d, --detach              do not wait for the process\n"
         "  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
         "      --cwd DIR             working directory\n"
         "  -u, --user UID[:GID]      user to run as\n"
         "  -g, --additional-gids GID extra group (repeatable)\n"
         "  -c, --cap CAP             add a capability (repeatable)\n"
         "      --console-socket PATH unix socket that receives the pty master\n"
         "      --pid-file PATH       write the process's pid here\n"
         "      --no-new-privs        set no_new_privs\n"
         "      --preserve-fds N      pass N extra fds (from 3)\n"},
        {"features", cmd_features, "", "show what this runtime supports (JSON)", ""},
        {"kill", cmd_kill, "[options] CONTAINER [SIGNAL]",
         "send a signal (default SIGTERM) to the container's init",
         "  -a, --all                 signal every process of the container\n"},
        {"list", cmd_list, "[options]", "list containers",
         "  -f, --format table|json   output format\n"
         "  -q, --quiet               ids only\n"},
        {"pause", cmd_pause, "CONTAINER", "freeze every process of the container", ""},
        {"ps", cmd_ps, "[options] CONTAINER [PS ARGS...]", "show the container's processes",
         "  -f, --format table|json   output format\n"},
        {"resume", cmd_resume, "CONTAINER", "thaw a paused container", ""},
        {"run", cmd_run, "[options] CONTAINER", "create and start a container",
         "  -b, --bundle DIR          bundle directory (default: the current directory)\n"
         "      --config FILE         configuration (default: BUNDLE/config.json)\n"
         "  -d, --detach              do not wait for the container\n"
         "      --console-socket PATH unix socket that receives the pty master\n"
         "      --pid-file PATH       write the container's pid here\n"
         "      --no-pivot            use MS_MOVE and chroot instead of pivot_root\n"
         "      --preserve-fds N      pass N extra fds (from 3) to the container\n"
         "      --no-new-keyring      accepted (no keyring is created)\n"},
        {"spec", cmd_spec, "[options]", "write a default config.json",
         "  -b, --bundle DIR          where to write config.json\n"
         "      --rootless            a configuration for an unprivileged user\n"},
        {"start", cmd_start, "CONTAINER", "start a created container", ""},
        {"state", cmd_state, "CONTAINER", "print the container's state (JSON)", ""},
        {"update", cmd_update, "[options] CONTAINER", "update the container's resources",
         "  -r, --resources FILE      linux.resources JSON (`-`: stdin)\n"
         "      --memory BYTES        --memory-swap BYTES --memory-reservation BYTES\n"
         "      --cpu-shares N        --cpu-quota N --cpu-period N\n"
         "      --cpuset-cpus LIST    --cpuset-mems LIST\n"
         "      --pids-limit N\n"},
};

static const Command *find_command(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (STREQ(commands[i].name, name))
                        return &commands[i];
        return NULL;
}

int fail(WarrenError *e) {
        const char *msg = e && e->msg ? e->msg : "unknown error";
        log_error("%s", msg);
        if (log_elsewhere)
                fprintf(stderr, "warren-runtime: %s\n", msg);
        error_free(e);
        return 1;
}

int usage(const char *name, bool ok) {
        const Command *c = find_command(name);
        FILE *f = ok ? stdout : stderr;
        if (!c)
                return 1;
        fprintf(f, "usage: warren-runtime [global options] %s %s\n\n%s\n", c->name, c->usage,
                c->help);
        if (c->options && *c->options)
                fprintf(f, "\noptions:\n%s", c->options);
        fprintf(f, "  -h, --help                show this help\n");
        return ok ? 0 : 1;
}

bool want_args(int argc, int n, const char *command) {
        if (argc - optind == n)
                return true;
        fprintf(stderr, "warren-runtime %s: expected %d argument%s, got %d\n", command, n,
                n == 1 ? "" : "s", argc - optind);
        usage(command, false);
        return false;
}

static void main_usage(FILE *f) {
        fprintf(f, "usage: warren-runtime [global options] COMMAND [options] [arguments]\n\n"
                   "An OCI runtime with runc's command line.\n\ncommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
        fprintf(f, "\nglobal options:\n"
                   "      --root DIR            state directory (default: /run/warren-runtime for\n"
                   "                            root, $XDG_RUNTIME_DIR/warren-runtime otherwise)\n"
                   "      --log FILE            log to FILE\n"
                   "      --log-format FORMAT   text or json\n"
                   "      --debug               debug logging\n"
                   "      --systemd-cgroup      cgroupsPath is slice:prefix:name\n"
                   "      --cgroup-manager M    cgroupfs, systemd or disabled\n"
                   "  -v, --version             print the version\n"
                   "  -h, --help                show this help\n"
                   "\n`warren-runtime COMMAND --help` shows a command's options.\n");
}

int main(int argc, char **argv) {
        enum {
                OPT_ROOT = 256,
                OPT_LOG,
                OPT_LOG_FORMAT,
                OPT_DEBUG,
                OPT_SYSTEMD,
                OPT_CGMGR,
                OPT_CRIU,
                OPT_ROOTLESS
        };
        static const struct option opts[] = {
                {"root", required_argument, NULL, OPT_ROOT},
                {"log", required_argument, NULL, OPT_LOG},
                {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
                {"debug", no_argument, NULL, OPT_DEBUG},
                {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
                {"cgroup-manager", required_argument, NULL, OPT_CGMGR},
                {"criu", required_argument, NULL, OPT_CRIU},
                {"rootless", required_argument, NULL, OPT_ROOTLESS},
                {"version", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        log_set_program("warren-runtime");
        const char *log_path = NULL;
        LogFormat format = LOG_FORMAT_TEXT;
        int c;
        while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
                switch (c) {
                case OPT_ROOT:
                        free(arg_global.root);
                        arg_global.root = xstrdup(optarg);
                        break;
                case OPT_LOG:
                        log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        if (STREQ(optarg, "json"))
                                format = LOG_FORMAT_JSON;
                        else if (STREQ(optarg, "text"))
                                format = LOG_FORMAT_TEXT;
                        else {
                                fprintf(stderr, "warren-runtime: unknown log format `%s`\n",
                                        optarg);
                                return 1;
                        }
                        break;
                case OPT_DEBUG:
                        arg_global.debug = true;
                        break;
                case OPT_SYSTEMD:
                        arg_global.systemd_cgroup = true;
                        break;
                case OPT_CGMGR:
                        if (STREQ(optarg, "systemd"))
                                arg_global.systemd_cgroup = true;
                        else if (!STREQ(optarg, "cgroupfs") && !STREQ(optarg, "disabled")) {
                                fprintf(stderr, "warren-runtime: unknown cgroup manager `%s`\n",
                                        optarg);
                                return 1;
                        }
                        break;
                case OPT_CRIU:
                case OPT_ROOTLESS:
                        break; /* accepted for runc compatibility */
                case 'v':
                        printf("warren-runtime version %s\nspec: %s\n", WARREN_VERSION,
                               OCI_VERSION);
                        return 0;
                case 'h':
                        main_usage(stdout);
                        return 0;
                default:
                        main_usage(stderr);
                        return 1;
                }
        }
        if (arg_global.debug)
                log_set_level(LOG_LEVEL_DEBUG);
        if (log_path && *log_path) {
                int r = log_open(log_path, format);
                if (r < 0) {
                        fprintf(stderr, "warren-runtime: open log `%s`: %s\n", log_path,
                                strerror(-r));
                        return 1;
                }
                log_elsewhere = true;
        } else
                log_set_fd(STDERR_FILENO, format);
        if (optind >= argc) {
                main_usage(stderr);
                return 1;
        }
        const Command *cmd = find_command(argv[optind]);
        if (!cmd) {
                fprintf(stderr, "warren-runtime: unknown command `%s`\n", argv[optind]);
                main_usage(stderr);
                return 1;
        }
        if (!arg_global.root) {
                WarrenError *e = NULL;
                if (container_state_default_root(&arg_global.root, &e) < 0)
                        return fail(e);
        }
        argc -= optind;
        argv += optind;
        optind = 0; /* reset getopt for the command (0: reinitialise) */
        int r = cmd->fn(argc, argv);
        free(arg_global.root);
        return r;
}
