/* SPDX-License-Identifier: Apache-2.0 */
/* spec, create, run, start, state, kill, delete. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "runtime/container.h"
#include "runtime/default-spec.h"
#include "runtime/container-state.h"
#include "warren-runtime.h"

int cmd_spec(int argc, char **argv) {
        static const struct option opts[] = {
                {"bundle", required_argument, NULL, 'b'},
                {"rootless", no_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *bundle = NULL;
        bool rootless = false;
        int c;
        while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1)
                switch (c) {
                case 'b':
                        bundle = optarg;
                        break;
                case 'r':
                        rootless = true;
                        break;
                case 'h':
                        return usage("spec", true);
                default:
                        return usage("spec", false);
                }
        if (!want_args(argc, 0, "spec"))
                return 1;
        WarrenError *e = NULL;
        _cleanup_free_ char *text = NULL;
        if (default_spec_generate(rootless, geteuid(), getegid(), &text, &e) < 0)
                return fail(e);
        _cleanup_free_ char *path = path_join(bundle ? bundle : ".", "config.json");
        if (path_exists(path)) {
                error_set(&e, EEXIST, "file `%s` exists; remove it first", path);
                return fail(e);
        }
        size_t n = strlen(text);
        text = xrealloc(text, n + 2);
        text[n] = '\n';
        text[n + 1] = 0;
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 || write_all(fd, text, n + 1) < 0) {
                error_set_errno(&e, errno, "write `%s`", path);
                return fail(e);
        }
        return 0;
}

static int parse_create_options(const char *name, int argc, char **argv, ContainerOptions *o,
                                bool run) {
        enum {
                OPT_CONSOLE = 256,
                OPT_PIDFILE,
                OPT_NOPIVOT,
                OPT_PRESERVE,
                OPT_KEYRING,
                OPT_CONFIG,
                OPT_NOSUBREAPER
        };
        static const struct option opts[] = {
                {"bundle", required_argument, NULL, 'b'},
                {"console-socket", required_argument, NULL, OPT_CONSOLE},
                {"pid-file", required_argument, NULL, OPT_PIDFILE},
                {"no-pivot", no_argument, NULL, OPT_NOPIVOT},
                {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
                {"no-new-keyring", no_argument, NULL, OPT_KEYRING},
                {"no-subreaper", no_argument, NULL, OPT_NOSUBREAPER},
                {"config", required_argument, NULL, OPT_CONFIG},
                {"detach", no_argument, NULL, 'd'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, run ? "+b:dh" : "+b:h", opts, NULL)) != -1)
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case OPT_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case OPT_PIDFILE:
                        o->pid_file = optarg;
                        break;
                case OPT_NOPIVOT:
                        o->no_pivot = true;
                        break;
                case OPT_PRESERVE:
                        if (safe_atoi(optarg, &o->preserve_fds) < 0 || o->preserve_fds < 0 ||
                            o->preserve_fds > 1000) {
                                fprintf(stderr, "warren-runtime: bad --preserve-fds `%s`\n",
                                        optarg);
                                return -1;
                        }
                        break;
                case OPT_KEYRING:
                case OPT_NOSUBREAPER:
                        break;
                case OPT_CONFIG:
                        if (!run)
                                return usage(name, false), -1;
                        o->config = optarg;
                        break;
                case 'd':
                        o->detach = true;
                        break;
                case 'h':
                        usage(name, true);
                        return 1;
                default:
                        usage(name, false);
                        return -1;
                }
        if (!want_args(argc, 1, name))
                return -1;
        o->id = argv[optind];
        o->root = arg_global.root;
        o->systemd_cgroup = arg_global.systemd_cgroup;
        return 0;
}

int cmd_create(int argc, char **argv) {
        ContainerOptions o = {};
        int r = parse_create_options("create", argc, argv, &o, false);
        if (r != 0)
                return r < 0 ? 1 : 0;
        WarrenError *e = NULL;
        if (container_create(&o, &e) < 0)
                return fail(e);
        return 0;
}

int cmd_run(int argc, char **argv) {
        ContainerOptions o = {};
        int r = parse_create_options("run", argc, argv, &o, true);
        if (r != 0)
                return r < 0 ? 1 : 0;
        WarrenError *e = NULL;
        int status = 0;
        if (container_run(&o, &status, &e) < 0)
                return fail(e);
        return status;
}

/* Commands that take no options and one container id. */
static int simple_options(const char *name, int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
                switch (c) {
                case 'h':
                        usage(name, true);
                        return 1;
                default:
                        usage(name, false);
                        return -1;
                }
        if (!want_args(argc, 1, name))
                return -1;
        return 0;
}

int cmd_start(int argc, char **argv) {
        int r = simple_options("start", argc, argv);
        if (r != 0)
                return r < 0 ? 1 : 0;
        WarrenError *e = NULL;
        if (container_start(arg_global.root, argv[optind], &e) < 0)
                return fail(e);
        return 0;
}

int cmd_state(int argc, char **argv) {
        int r = simple_options("state", argc, argv);
        if (r != 0)
                return r < 0 ? 1 : 0;
        WarrenError *e = NULL;
        _cleanup_container_state_ ContainerState *s = NULL;
        if (container_state_load(arg_global.root, argv[optind], &s, &e) < 0)
                return fail(e);
        _cleanup_free_ char *js = NULL;
        if (container_state_oci_json(s, container_state_status(s), true, true, &js, &e) < 0)
                return fail(e);
        printf("%s\n", js);
        return 0;
}

int cmd_kill(int argc, char **argv) {
        static const struct option opts[] = {
                {"all", no_argument, NULL, 'a'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        bool all = false;
        int c;
        while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1)
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'h':
                        return usage("kill", true);
                default:
                        return usage("kill", false);
                }
        if (argc - optind != 1 && argc - optind != 2) {
                fprintf(stderr, "warren-runtime kill: expected CONTAINER [SIGNAL]\n");
                return usage("kill", false);
        }
        int sig = SIGTERM;
        WarrenError *e = NULL;
        if (argc - optind == 2 && parse_signal(argv[optind + 1], &sig) < 0) {
                error_set(&e, EINVAL, "unknown signal `%s`", argv[optind + 1]);
                return fail(e);
        }
        if (container_kill(arg_global.root, argv[optind], sig, all, &e) < 0)
                return fail(e);
        return 0;
}

int cmd_delete(int argc, char **argv) {
        static const struct option opts[] = {
                {"force", no_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        bool force = false;
        int c;
        while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1)
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        return usage("delete", true);
                default:
                        return usage("delete", false);
                }
        if (!want_args(argc, 1, "delete"))
                return 1;
        WarrenError *e = NULL;
        if (container_delete(arg_global.root, argv[optind], force, &e) < 0) {
                /* runc: deleting a missing container with --force is not an error */
                if (force && e && e->code == ENOENT) {
                        error_free(e);
                        return 0;
                }
                return fail(e);
        }
        return 0;
}
