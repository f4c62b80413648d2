/* SPDX-License-Identifier: Apache-2.0 */
/* ps, list, pause, resume, update, features. */
#include <fcntl.h>
#include <getopt.h>
#include <sys/wait.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/oci-config.h"
#include "runtime/seccomp.h"
#include "runtime/container-state.h"
#include "warren-runtime.h"

static int format_option(const char *v, bool *json) {
        if (STREQ(v, "json"))
                *json = true;
        else if (STREQ(v, "table"))
                *json = false;
        else {
                fprintf(stderr, "warren-runtime: unknown format `%s` (table or json)\n", v);
                return -1;
        }
        return 0;
}

int cmd_list(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        bool json = false, quiet = false;
        int c;
        while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1)
                switch (c) {
                case 'f':
                        if (format_option(optarg, &json) < 0)
                                return 1;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        return usage("list", true);
                default:
                        return usage("list", false);
                }
        if (!want_args(argc, 0, "list"))
                return 1;
        WarrenError *e = NULL;
        _cleanup_strv_ char **ids = NULL;
        if (container_state_list(arg_global.root, &ids, &e) < 0)
                return fail(e);
        _cleanup_json_gen_ JsonGen *g = json ? json_gen_new(false) : NULL;
        if (g)
                json_gen_begin_array(g);
        else if (!quiet)
                printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                       "CREATED", "OWNER");
        STRV_FOREACH (id, ids) {
                _cleanup_container_state_ ContainerState *s = NULL;
                if (container_state_load(arg_global.root, *id, &s, NULL) < 0)
                        continue;
                ContainerStatus st = container_state_status(s);
                pid_t pid = st == STATUS_STOPPED ? 0 : s->pid;
                if (quiet)
                        printf("%s\n", s->id);
                else if (g) {
                        json_gen_begin_object(g);
                        json_gen_kv_string(g, "ociVersion", OCI_VERSION);
                        json_gen_kv_string(g, "id", s->id);
                        json_gen_kv_int(g, "pid", pid);
                        json_gen_kv_string(g, "status", container_status_name(st));
                        json_gen_kv_string(g, "bundle", s->bundle);
                        json_gen_kv_string(g, "rootfs", s->rootfs);
                        json_gen_kv_string(g, "created", s->created);
                        json_gen_kv_string(g, "owner", s->owner);
                        json_gen_end_object(g);
                } else
                        printf("%-12s %-8d %-10s %-40s %-30s %s\n", s->id, (int)pid,
                               container_status_name(st), s->bundle ? s->bundle : "",
                               s->created ? s->created : "", s->owner ? s->owner : "");
        }
        if (g) {
                json_gen_end_array(g);
                _cleanup_free_ char *text = NULL;
                if (json_gen_finish(g, &text, NULL, &e) < 0)
                        return fail(e);
                printf("%s\n", text);
        }
        return 0;
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == p)
                        return true;
        return false;
}

int cmd_ps(int argc, char **argv) {
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1)
                switch (c) {
                case 'f':
                        if (format_option(optarg, &json) < 0)
                                return 1;
                        break;
                case 'h':
                        return usage("ps", true);
                default:
                        return usage("ps", false);
                }
        if (argc - optind < 1)
                return usage("ps", false);
        const char *id = argv[optind];
        WarrenError *e = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (container_pids(arg_global.root, id, &pids, &n, &e) < 0)
                return fail(e);
        if (json) {
                printf("[");
                for (size_t i = 0; i < n; i++)
                        printf("%s%d", i ? "," : "", (int)pids[i]);
                printf("]\n");
                return 0;
        }
        /* runc: run ps(1) with the given arguments (default -ef) and keep the container's rows */
        _cleanup_strv_ char **args = NULL;
        strv_push(&args, "ps");
        if (argc - optind > 1)
                for (int i = optind + 1; i < argc; i++)
                        strv_push(&args, argv[i]);
        else
                strv_push(&args, "-ef");
        _cleanup_free_ char *cmdline = NULL;
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                error_set_errno(&e, errno, "pipe");
                return fail(e);
        }
        pid_t child = fork();
        if (child == 0) {
                dup2(pfd[1], 1);
                execvp("ps", args);
                _exit(127);
        }
        close(pfd[1]);
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        int r = read_fd_capped(pfd[0], 16 << 20, &out, &len, &e);
        close(pfd[0]);
        int status = 0;
        waitpid(child, &status, 0);
        if (r < 0)
                return fail(e);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                error_set(&e, EIO, "ps failed: %s", out);
                return fail(e);
        }
        _cleanup_strv_ char **lines = strv_split(out, "\n");
        if (!lines)
                return 0;
        _cleanup_strv_ char **header = strv_split(lines[0], " \t");
        int col = -1;
        for (size_t i = 0; header && header[i]; i++)
                if (STREQ(header[i], "PID"))
                        col = (int)i;
        if (col < 0) {
                error_set(&e, EINVAL, "no PID column in the output of ps");
                return fail(e);
        }
        printf("%s\n", lines[0]);
        for (size_t i = 1; lines[i]; i++) {
                _cleanup_strv_ char **f = strv_split(lines[i], " \t");
                int p;
                if ((int)strv_length(f) > col && safe_atoi(f[col], &p) >= 0 && pid_in(p, pids, n))
                        printf("%s\n", lines[i]);
        }
        return 0;
}

static int pause_resume(const char *name, int argc, char **argv, bool pause) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
                switch (c) {
                case 'h':
                        return usage(name, true);
                default:
                        return usage(name, false);
                }
        if (!want_args(argc, 1, name))
                return 1;
        WarrenError *e = NULL;
        if (container_pause(arg_global.root, argv[optind], pause, &e) < 0)
                return fail(e);
        return 0;
}

int cmd_pause(int argc, char **argv) {
        return pause_resume("pause", argc, argv, true);
}

int cmd_resume(int argc, char **argv) {
        return pause_resume("resume", argc, argv, false);
}

int cmd_update(int argc, char **argv) {
        enum {
                OPT_MEM = 256,
                OPT_SWAP,
                OPT_RES,
                OPT_SHARES,
                OPT_QUOTA,
                OPT_PERIOD,
                OPT_CPUS,
                OPT_MEMS,
                OPT_PIDS
        };
        static const struct option opts[] = {
                {"resources", required_argument, NULL, 'r'},
                {"memory", required_argument, NULL, OPT_MEM},
                {"memory-swap", required_argument, NULL, OPT_SWAP},
                {"memory-reservation", required_argument, NULL, OPT_RES},
                {"cpu-shares", required_argument, NULL, OPT_SHARES},
                {"cpu-quota", required_argument, NULL, OPT_QUOTA},
                {"cpu-period", required_argument, NULL, OPT_PERIOD},
                {"cpuset-cpus", required_argument, NULL, OPT_CPUS},
                {"cpuset-mems", required_argument, NULL, OPT_MEMS},
                {"pids-limit", required_argument, NULL, OPT_PIDS},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        OciResources res = {};
        WarrenError *e = NULL;
        const char *file = NULL;
        int c;
        uint64_t u;
        int64_t i64;
        while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
                bool bad = false;
                switch (c) {
                case 'r':
                        file = optarg;
                        break;
                case OPT_MEM:
                        bad = parse_size(optarg, &u) < 0;
                        res.has_memory_limit = true;
                        res.memory_limit = (int64_t)u;
                        break;
                case OPT_SWAP:
                        if (STREQ(optarg, "-1"))
                                u = (uint64_t)-1;
                        else
                                bad = parse_size(optarg, &u) < 0;
                        res.has_memory_swap = true;
                        res.memory_swap = (int64_t)u;
                        break;
                case OPT_RES:
                        bad = parse_size(optarg, &u) < 0;
                        res.has_memory_reservation = true;
                        res.memory_reservation = (int64_t)u;
                        break;
                case OPT_SHARES:
                        bad = safe_atou64(optarg, &res.cpu_shares) < 0;
                        res.has_cpu_shares = true;
                        break;
                case OPT_QUOTA:
                        bad = safe_atoi64(optarg, &res.cpu_quota) < 0;
                        res.has_cpu_quota = true;
                        break;
                case OPT_PERIOD:
                        bad = safe_atou64(optarg, &res.cpu_period) < 0;
                        res.has_cpu_period = true;
                        break;
                case OPT_CPUS:
                        free(res.cpuset_cpus);
                        res.cpuset_cpus = xstrdup(optarg);
                        break;
                case OPT_MEMS:
                        free(res.cpuset_mems);
                        res.cpuset_mems = xstrdup(optarg);
                        break;
                case OPT_PIDS:
                        bad = safe_atoi64(optarg, &i64) < 0;
                        res.has_pids_limit = true;
                        res.pids_limit = i64;
                        break;
                case 'h':
                        oci_resources_done(&res);
                        return usage("update", true);
                default:
                        oci_resources_done(&res);
                        return usage("update", false);
                }
                if (bad) {
                        oci_resources_done(&res);
                        error_set(&e, EINVAL, "bad value `%s`", optarg);
                        return fail(e);
                }
        }
        if (!want_args(argc, 1, "update")) {
                oci_resources_done(&res);
                return 1;
        }
        int r = 0;
        if (file) {
                _cleanup_json_ JsonValue *v = NULL;
                if (STREQ(file, "-"))
                        r = json_parse_fd(STDIN_FILENO, 1 << 20, &v, &e);
                else
                        r = json_parse_file(file, 1 << 20, &v, &e);
                if (r >= 0) {
                        oci_resources_done(&res);
                        r = oci_resources_from_json(v, "resources", &res, &e);
                }
        }
        _cleanup_container_state_ ContainerState *s = NULL;
        if (r >= 0)
                r = container_state_load(arg_global.root, argv[optind], &s, &e);
        if (r >= 0 && container_state_status(s) == STATUS_STOPPED)
                r = error_set(&e, EINVAL, "container `%s` is stopped", argv[optind]);
        if (r >= 0)
                r = cgroup_apply(s->cgroups, &res, &e);
        oci_resources_done(&res);
        if (r < 0)
                return fail(e);
        return 0;
}

static void gen_list(JsonGen *g, const char *key, const char *const *l) {
        json_gen_key(g, key);
        json_gen_begin_array(g);
        for (; l && *l; l++)
                json_gen_string(g, *l);
        json_gen_end_array(g);
}

int cmd_features(int argc, char **argv) {
        static const char *const hooks[] = {"prestart",
                                            "createRuntime",
                                            "createContainer",
                                            "startContainer",
                                            "poststart",
                                            "poststop",
                                            NULL};
        static const char *const mount_options[] = {
                "async",         "atime",       "bind",        "defaults",  "dev",
                "diratime",      "dirsync",     "exec",        "iversion",  "lazytime",
                "loud",          "mand",        "noatime",     "nodev",     "nodiratime",
                "noexec",        "noiversion",  "nolazytime",  "nomand",    "norelatime",
                "nostrictatime", "nosuid",      "nosymfollow", "private",   "rbind",
                "relatime",      "remount",     "ro",          "rprivate",  "rshared",
                "rslave",        "runbindable", "rw",          "shared",    "silent",
                "slave",         "strictatime", "suid",        "symfollow", "sync",
                "tmpcopyup",     "unbindable",  NULL};
        static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network",
                                                 "pid",    "user", "uts",   NULL};
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
                return c == 'h' ? usage("features", true) : usage("features", false);
        if (!want_args(argc, 0, "features"))
                return 1;
        _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
        json_gen_begin_object(g);
        json_gen_kv_string(g, "ociVersionMin", "1.0.0");
        json_gen_kv_string(g, "ociVersionMax", OCI_VERSION);
        gen_list(g, "hooks", hooks);
        gen_list(g, "mountOptions", mount_options);
        json_gen_key(g, "linux");
        json_gen_begin_object(g);
        gen_list(g, "namespaces", namespaces);
        _cleanup_strv_ char **caps = caps_known_names();
        gen_list(g, "capabilities", (const char *const *)caps);
        json_gen_key(g, "cgroup");
        json_gen_begin_object(g);
        json_gen_kv_bool(g, "v1", true);
        json_gen_kv_bool(g, "v2", true);
        json_gen_kv_bool(g, "systemd", false);
        json_gen_kv_bool(g, "systemdUser", false);
        json_gen_end_object(g);
        json_gen_key(g, "seccomp");
        json_gen_begin_object(g);
        json_gen_kv_bool(g, "enabled", seccomp_is_supported());
        gen_list(g, "actions", seccomp_known_actions());
        gen_list(g, "operators", seccomp_known_operators());
        gen_list(g, "archs", seccomp_known_archs());
        json_gen_end_object(g);
        json_gen_key(g, "apparmor");
        json_gen_begin_object(g);
        json_gen_kv_bool(g, "enabled", false);
        json_gen_end_object(g);
        json_gen_key(g, "selinux");
        json_gen_begin_object(g);
        json_gen_kv_bool(g, "enabled", false);
        json_gen_end_object(g);
        json_gen_end_object(g);
        json_gen_key(g, "annotations");
        json_gen_begin_object(g);
        json_gen_kv_string(g, "org.warren.runtime.version", WARREN_VERSION);
        json_gen_end_object(g);
        json_gen_end_object(g);
        WarrenError *e = NULL;
        _cleanup_free_ char *text = NULL;
        if (json_gen_finish(g, &text, NULL, &e) < 0)
                return fail(e);
        printf("%s\n", text);
        return 0;
}
