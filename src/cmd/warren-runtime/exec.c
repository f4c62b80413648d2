/* SPDX-License-Identifier: Apache-2.0 */
/* exec: a process in a running container, from -p process.json or the command line. */
#include <getopt.h>

#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/container-exec.h"
#include "runtime/oci-config.h"
#include "warren-runtime.h"

static void env_set(char ***env, const char *kv) {
        const char *eq = strchr(kv, '=');
        size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, kv, n) == 0 && (*e)[n] == '=') {
                        free(*e);
                        *e = xstrdup(kv);
                        return;
                }
        strv_push(env, kv);
}

int cmd_exec(int argc, char **argv) {
        enum {
                OPT_CWD = 256,
                OPT_CONSOLE,
                OPT_PIDFILE,
                OPT_NNP,
                OPT_PRESERVE,
                OPT_LABEL,
                OPT_APPARMOR,
                OPT_IGNORE_PAUSED,
                OPT_SUBCGROUP
        };
        static const struct option opts[] = {
                {"process", required_argument, NULL, 'p'},
                {"tty", no_argument, NULL, 't'},
                {"detach", no_argument, NULL, 'd'},
                {"env", required_argument, NULL, 'e'},
                {"cwd", required_argument, NULL, OPT_CWD},
                {"user", required_argument, NULL, 'u'},
                {"additional-gids", required_argument, NULL, 'g'},
                {"cap", required_argument, NULL, 'c'},
                {"console-socket", required_argument, NULL, OPT_CONSOLE},
                {"pid-file", required_argument, NULL, OPT_PIDFILE},
                {"no-new-privs", no_argument, NULL, OPT_NNP},
                {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
                {"process-label", required_argument, NULL, OPT_LABEL},
                {"apparmor", required_argument, NULL, OPT_APPARMOR},
                {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
                {"cgroup", required_argument, NULL, OPT_SUBCGROUP},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        ExecOptions o = {.root = arg_global.root};
        const char *process_file = NULL, *cwd = NULL, *user = NULL;
        bool tty = false, nnp = false;
        _cleanup_strv_ char **envs = NULL, **capadd = NULL, **gids = NULL;
        WarrenError *e = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1)
                switch (c) {
                case 'p':
                        process_file = optarg;
                        break;
                case 't':
                        tty = true;
                        break;
                case 'd':
                        o.detach = true;
                        break;
                case 'e':
                        strv_push(&envs, optarg);
                        break;
                case OPT_CWD:
                        cwd = optarg;
                        break;
                case 'u':
                        user = optarg;
                        break;
                case 'g':
                        strv_push(&gids, optarg);
                        break;
                case 'c':
                        strv_push(&capadd, optarg);
                        break;
                case OPT_CONSOLE:
                        o.console_socket = optarg;
                        break;
                case OPT_PIDFILE:
                        o.pid_file = optarg;
                        break;
                case OPT_NNP:
                        nnp = true;
                        break;
                case OPT_PRESERVE:
                        if (safe_atoi(optarg, &o.preserve_fds) < 0 || o.preserve_fds < 0) {
                                error_set(&e, EINVAL, "bad --preserve-fds `%s`", optarg);
                                return fail(e);
                        }
                        break;
                case OPT_LABEL:
                case OPT_APPARMOR:
                case OPT_IGNORE_PAUSED:
                case OPT_SUBCGROUP:
                        break;
                case 'h':
                        return usage("exec", true);
                default:
                        return usage("exec", false);
                }
        if (argc - optind < 1)
                return usage("exec", false);
        o.id = argv[optind];
        _cleanup_oci_process_ OciProcess *p = NULL;
        if (process_file) {
                if (oci_process_load(process_file, &p, &e) < 0)
                        return fail(e);
        } else {
                if (argc - optind < 2) {
                        fprintf(stderr, "warren-runtime exec: a command (or -p) is required\n");
                        return usage("exec", false);
                }
                if (container_exec_template(o.root, o.id, &p, &e) < 0)
                        return fail(e);
                if (!p) {
                        p = xnew(OciProcess, 1);
                        p->cwd = xstrdup("/");
                }
                /* runc: the container's process, with these arguments and no terminal */
                strv_free(p->args);
                p->args = strv_copy(argv + optind + 1);
                p->terminal = false;
                p->console_height = p->console_width = 0;
        }
        if (tty)
                p->terminal = true;
        if (nnp)
                p->no_new_privileges = true;
        STRV_FOREACH (kv, envs)
                env_set(&p->env, *kv);
        if (cwd) {
                free(p->cwd);
                p->cwd = xstrdup(cwd);
        }
        if (user) {
                _cleanup_free_ char *u = xstrdup(user);
                char *colon = strchr(u, ':');
                if (colon)
                        *colon++ = 0;
                if (safe_atou32(u, &p->user.uid) < 0 ||
                    (colon && safe_atou32(colon, &p->user.gid) < 0)) {
                        error_set(&e, EINVAL, "bad --user `%s` (UID[:GID])", user);
                        return fail(e);
                }
        }
        STRV_FOREACH (g, gids) {
                uint32_t v;
                if (safe_atou32(*g, &v) < 0) {
                        error_set(&e, EINVAL, "bad --additional-gids `%s`", *g);
                        return fail(e);
                }
                p->user.additional_gids = xreallocarray(
                        p->user.additional_gids, p->user.n_additional_gids + 1, sizeof(uint32_t));
                p->user.additional_gids[p->user.n_additional_gids++] = v;
        }
        if (capadd) {
                p->has_capabilities = true;
                OciCapSet sets[] = {OCI_CAP_BOUNDING, OCI_CAP_EFFECTIVE, OCI_CAP_PERMITTED,
                                    OCI_CAP_AMBIENT};
                STRV_FOREACH (cap, capadd)
                        for (size_t i = 0; i < ELEMENTSOF(sets); i++)
                                if (!strv_contains(p->capabilities[sets[i]], *cap))
                                        strv_push(&p->capabilities[sets[i]], *cap);
        }
        o.process = p;
        int status = 0;
        int r = container_exec(&o, &status, &e);
        if (r < 0) {
                /* As a shell does (and docker exec): 127 when the program is not there, 126 when
                 * it cannot be run, so that callers can tell these from the program's own 1. */
                int code = r == -ENOENT && e && strstr(e->msg, "executable") ? 127
                           : r == -EACCES && e && strstr(e->msg, "executable") ? 126
                                                                                 : 1;
                fail(e);
                return code;
        }
        return status;
}
