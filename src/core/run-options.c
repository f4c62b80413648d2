/* SPDX-License-Identifier: Apache-2.0 */
#include "core/run-options.h"

#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "basic/fs-util.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/caps.h"

#define ENV_FILE_MAX_SIZE (1U * 1024U * 1024U)

static void run_mount_done(RunMount *m) {
        free(m->source);
        free(m->destination);
        free(m->propagation);
        *m = (RunMount){};
}

static void key_values_free(KeyValue *kv, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

void run_options_done(RunOptions *o) {
        free(o->name);
        strv_free(o->env);
        free(o->workdir);
        free(o->user);
        free(o->entrypoint);
        for (size_t i = 0; i < o->n_mounts; i++)
                run_mount_done(&o->mounts[i]);
        free(o->mounts);
        free(o->hostname);
        strv_free(o->cap_add);
        strv_free(o->cap_drop);
        free(o->seccomp_profile);
        free(o->pod);
        free(o->network);
        strv_free(o->publish);
        strv_free(o->expose);
        key_values_free(o->labels, o->n_labels);
        key_values_free(o->annotations, o->n_annotations);
        free(o->runtime);
        free(o->image);
        strv_free(o->command);
        *o = (RunOptions){};
}

const char *restart_policy_to_string(RestartPolicy p) {
        switch (p) {
        case RESTART_NO:
                return "no";
        case RESTART_ALWAYS:
                return "always";
        case RESTART_ON_FAILURE:
                return "on-failure";
        case RESTART_UNLESS_STOPPED:
                return "unless-stopped";
        }
        return "no";
}

static bool valid_env_key(const char *k, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (k[i] == 0 || isspace((unsigned char) k[i]))
                        return false;
        return true;
}

const char *env_get(char *const *env, const char *key) {
        size_t n = strlen(key);
        STRV_FOREACH (e, env)
                if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

void env_set(char ***env, const char *key, const char *value) {
        size_t n = strlen(key);
        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, key, n) == 0 && ((*e)[n] == '=' || (*e)[n] == 0)) {
                        free(*e);
                        *e = xasprintf("%s=%s", key, value);
                        return;
                }
        strv_consume(env, xasprintf("%s=%s", key, value));
}

int run_parse_env(const char *spec, char ***env, WarrenError **err) {
        const char *eq = strchr(spec, '=');
        size_t klen = eq ? (size_t) (eq - spec) : strlen(spec);
        if (!valid_env_key(spec, klen))
                return error_set(err, EINVAL, "invalid environment variable `%s`", spec);
        _cleanup_free_ char *key = xstrndup(spec, klen);
        if (eq) {
                env_set(env, key, eq + 1);
                return 0;
        }
        const char *v = getenv(key);
        if (v)
                env_set(env, key, v);
        return 0;
}

int run_parse_env_file(const char *path, char ***env, WarrenError **err) {
        _cleanup_free_ char *buf = NULL;
        int r = read_file_capped(path, ENV_FILE_MAX_SIZE, &buf, NULL, err);
        if (r < 0)
                return error_prefix(err, r, "--env-file");
        unsigned lineno = 0;
        for (char *line = buf, *next; line; line = next) {
                lineno++;
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                size_t len = strlen(line);
                if (len && line[len - 1] == '\r')
                        line[--len] = 0;
                while (isspace((unsigned char) *line))
                        line++;
                if (!*line || *line == '#')
                        continue;
                r = run_parse_env(line, env, err);
                if (r < 0)
                        return error_prefix(err, r, "--env-file `%s` line %u", path, lineno);
        }
        return 0;
}

int run_parse_key_value(const char *spec, const char *what, KeyValue *ret, WarrenError **err) {
        const char *eq = strchr(spec, '=');
        size_t klen = eq ? (size_t) (eq - spec) : strlen(spec);
        if (klen == 0)
                return error_set(err, EINVAL, "invalid %s `%s`: the key is empty", what, spec);
        ret->key = xstrndup(spec, klen);
        ret->value = xstrdup(eq ? eq + 1 : "");
        return 0;
}

static bool is_abs_path(const char *p) {
        return p && p[0] == '/';
}

static int check_container_path(const char *p, const char *what, const char *spec,
                                WarrenError **err) {
        if (!is_abs_path(p))
                return error_set(err, EINVAL,
                                 "invalid %s `%s`: the container path must be absolute", what,
                                 spec);
        /* ".." could name a path outside the container's root once joined; refuse it. */
        for (const char *s = p; (s = strstr(s, "..")); s += 2)
                if ((s == p || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
                        return error_set(err, EINVAL,
                                         "invalid %s `%s`: the container path contains `..`",
                                         what, spec);
        return 0;
}

static bool is_propagation(const char *o) {
        static const char *const names[] = { "private", "rprivate", "shared", "rshared",
                                             "slave",   "rslave",   NULL };
        return strv_contains((char **) names, o);
}

int run_parse_volume(const char *spec, RunMount *ret, WarrenError **err) {
        _cleanup_strv_ char **parts = NULL;
        /* Split on ':' keeping empty fields, so "a::b" is an error rather than "a:b". */
        const char *p = spec;
        for (;;) {
                const char *c = strchr(p, ':');
                strv_consume(&parts, c ? xstrndup(p, (size_t) (c - p)) : xstrdup(p));
                if (!c)
                        break;
                p = c + 1;
        }
        size_t n = strv_length(parts);
        if (n < 2 || n > 3)
                return error_set(err, EINVAL,
                                 "invalid -v `%s`: expected HOST-PATH:CONTAINER-PATH[:OPTIONS]",
                                 spec);
        if (!is_abs_path(parts[0])) {
                if (!parts[0][0])
                        return error_set(err, EINVAL, "invalid -v `%s`: the host path is empty",
                                         spec);
                return error_set(err, ENOTSUP,
                                 "invalid -v `%s`: named volumes are not supported; give an "
                                 "absolute host path",
                                 spec);
        }
        int r = check_container_path(parts[1], "-v", spec, err);
        if (r < 0)
                return r;
        RunMount m = { .kind = MOUNT_KIND_BIND };
        if (n == 3) {
                _cleanup_strv_ char **opts = strv_split(parts[2], ",");
                if (!opts[0])
                        return error_set(err, EINVAL, "invalid -v `%s`: empty options", spec);
                STRV_FOREACH (o, opts) {
                        if (STREQ(*o, "ro"))
                                m.read_only = true;
                        else if (STREQ(*o, "rw"))
                                m.read_only = false;
                        else if (STREQ(*o, "z") || STREQ(*o, "Z"))
                                ; /* SELinux relabel: nothing to do without SELinux */
                        else if (is_propagation(*o)) {
                                free(m.propagation);
                                m.propagation = xstrdup(*o);
                        } else {
                                free(m.propagation);
                                return error_set(err, EINVAL,
                                                 "invalid -v `%s`: unknown option `%s`", spec,
                                                 *o);
                        }
                }
        }
        m.source = xstrdup(parts[0]);
        m.destination = xstrdup(parts[1]);
        *ret = m;
        return 0;
}

int run_parse_mount(const char *spec, RunMount *ret, WarrenError **err) {
        _cleanup_strv_ char **fields = strv_split(spec, ",");
        RunMount m = { .kind = MOUNT_KIND_BIND };
        bool have_type = false;
        int r = 0;
        STRV_FOREACH (f, fields) {
                const char *eq = strchr(*f, '=');
                _cleanup_free_ char *k = xstrndup(*f, eq ? (size_t) (eq - *f) : strlen(*f));
                const char *v = eq ? eq + 1 : NULL;
                if (STREQ(k, "type")) {
                        if (v && STREQ(v, "bind"))
                                m.kind = MOUNT_KIND_BIND;
                        else if (v && STREQ(v, "tmpfs"))
                                m.kind = MOUNT_KIND_TMPFS;
                        else {
                                r = error_set(err, ENOTSUP,
                                              "invalid --mount `%s`: type must be bind or tmpfs",
                                              spec);
                                goto fail;
                        }
                        have_type = true;
                } else if (STREQ(k, "source") || STREQ(k, "src")) {
                        free(m.source);
                        m.source = v ? xstrdup(v) : NULL;
                } else if (STREQ(k, "target") || STREQ(k, "destination") || STREQ(k, "dst")) {
                        free(m.destination);
                        m.destination = v ? xstrdup(v) : NULL;
                } else if (STREQ(k, "readonly") || STREQ(k, "ro")) {
                        if (v && !STREQ(v, "true") && !STREQ(v, "false") && !STREQ(v, "1") &&
                            !STREQ(v, "0")) {
                                r = error_set(err, EINVAL,
                                              "invalid --mount `%s`: readonly must be true or "
                                              "false",
                                              spec);
                                goto fail;
                        }
                        m.read_only = !v || STREQ(v, "true") || STREQ(v, "1");
                } else if (STREQ(k, "bind-propagation") && v && is_propagation(v)) {
                        free(m.propagation);
                        m.propagation = xstrdup(v);
                } else if (STREQ(k, "tmpfs-size") && v) {
                        if (parse_size(v, &m.tmpfs_size) < 0) {
                                r = error_set(err, EINVAL,
                                              "invalid --mount `%s`: bad tmpfs-size `%s`", spec,
                                              v);
                                goto fail;
                        }
                } else if (STREQ(k, "tmpfs-mode") && v) {
                        char *end = NULL;
                        unsigned long mode = strtoul(v, &end, 8);
                        if (!*v || *end || mode > 07777) {
                                r = error_set(err, EINVAL,
                                              "invalid --mount `%s`: bad tmpfs-mode `%s`", spec,
                                              v);
                                goto fail;
                        }
                        m.tmpfs_mode = (uint32_t) mode;
                } else {
                        r = error_set(err, EINVAL, "invalid --mount `%s`: unknown field `%s`",
                                      spec, *f);
                        goto fail;
                }
        }
        if (!have_type) {
                r = error_set(err, EINVAL, "invalid --mount `%s`: type= is required", spec);
                goto fail;
        }
        if (!m.destination) {
                r = error_set(err, EINVAL, "invalid --mount `%s`: target= is required", spec);
                goto fail;
        }
        r = check_container_path(m.destination, "--mount", spec, err);
        if (r < 0)
                goto fail;
        if (m.kind == MOUNT_KIND_BIND && !is_abs_path(m.source)) {
                r = error_set(err, EINVAL,
                              "invalid --mount `%s`: a bind mount needs an absolute source=", spec);
                goto fail;
        }
        if (m.kind == MOUNT_KIND_TMPFS && m.source) {
                r = error_set(err, EINVAL, "invalid --mount `%s`: tmpfs takes no source", spec);
                goto fail;
        }
        *ret = m;
        return 0;
fail:
        run_mount_done(&m);
        return r;
}

int run_parse_restart(const char *spec, RestartPolicy *ret_policy, uint32_t *ret_max,
                      WarrenError **err) {
        uint32_t max = 0;
        if (STREQ(spec, "no")) {
                *ret_policy = RESTART_NO;
        } else if (STREQ(spec, "always")) {
                *ret_policy = RESTART_ALWAYS;
        } else if (STREQ(spec, "unless-stopped")) {
                *ret_policy = RESTART_UNLESS_STOPPED;
        } else if (STARTS_WITH(spec, "on-failure")) {
                const char *rest = spec + strlen("on-failure");
                if (*rest == ':') {
                        if (safe_atou32(rest + 1, &max) < 0 || max == 0)
                                return error_set(err, EINVAL,
                                                 "invalid --restart `%s`: the retry count must "
                                                 "be a positive number",
                                                 spec);
                } else if (*rest)
                        goto bad;
                *ret_policy = RESTART_ON_FAILURE;
        } else
                goto bad;
        *ret_max = max;
        return 0;
bad:
        return error_set(err, EINVAL,
                         "invalid --restart `%s`: expected no, always, unless-stopped or "
                         "on-failure[:N]",
                         spec);
}

int run_parse_cap(const char *name, char **ret, WarrenError **err) {
        if (strcasecmp(name, "ALL") == 0) {
                *ret = xstrdup("ALL");
                return 0;
        }
        int cap = caps_from_name(name);
        if (cap < 0)
                return error_set(err, EINVAL, "unknown capability `%s`", name);
        *ret = xstrdup(caps_name(cap));
        return 0;
}

enum {
        OPT_RM = 0x100,
        OPT_NAME,
        OPT_ENV_FILE,
        OPT_ENTRYPOINT,
        OPT_MOUNT,
        OPT_READ_ONLY,
        OPT_CAP_ADD,
        OPT_CAP_DROP,
        OPT_SECURITY_OPT,
        OPT_USERNS,
        OPT_POD,
        OPT_NETWORK,
        OPT_RESTART,
        OPT_STOP_SIGNAL,
        OPT_STOP_TIMEOUT,
        OPT_LABEL,
        OPT_ANNOTATION,
        OPT_LOG_OPT,
        OPT_INIT,
        OPT_RUNTIME,
        OPT_EXPOSE,
};

static const struct option run_longopts[] = {
        { "detach", no_argument, NULL, 'd' },
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "rm", no_argument, NULL, OPT_RM },
        { "name", required_argument, NULL, OPT_NAME },
        { "env", required_argument, NULL, 'e' },
        { "env-file", required_argument, NULL, OPT_ENV_FILE },
        { "workdir", required_argument, NULL, 'w' },
        { "user", required_argument, NULL, 'u' },
        { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
        { "volume", required_argument, NULL, 'v' },
        { "mount", required_argument, NULL, OPT_MOUNT },
        { "read-only", no_argument, NULL, OPT_READ_ONLY },
        { "hostname", required_argument, NULL, 'h' },
        { "cap-add", required_argument, NULL, OPT_CAP_ADD },
        { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
        { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
        { "userns", required_argument, NULL, OPT_USERNS },
        { "pod", required_argument, NULL, OPT_POD },
        { "network", required_argument, NULL, OPT_NETWORK },
        { "net", required_argument, NULL, OPT_NETWORK },
        { "publish", required_argument, NULL, 'p' },
        { "publish-all", no_argument, NULL, 'P' },
        { "expose", required_argument, NULL, OPT_EXPOSE },
        { "restart", required_argument, NULL, OPT_RESTART },
        { "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
        { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
        { "label", required_argument, NULL, OPT_LABEL },
        { "annotation", required_argument, NULL, OPT_ANNOTATION },
        { "log-opt", required_argument, NULL, OPT_LOG_OPT },
        { "init", no_argument, NULL, OPT_INIT },
        { "runtime", required_argument, NULL, OPT_RUNTIME },
        {},
};

static void push_kv(KeyValue **kv, size_t *n, KeyValue item) {
        /* A repeated key replaces the earlier value, as docker does. */
        for (size_t i = 0; i < *n; i++)
                if (STREQ((*kv)[i].key, item.key)) {
                        free((*kv)[i].value);
                        (*kv)[i].value = item.value;
                        free(item.key);
                        return;
                }
        *kv = xreallocarray(*kv, *n + 1, sizeof(KeyValue));
        (*kv)[(*n)++] = item;
}

static void replace_str(char **dst, const char *src) {
        free(*dst);
        *dst = xstrdup(src);
}

static int parse_security_opt(RunOptions *o, const char *v, WarrenError **err) {
        if (STARTS_WITH(v, "seccomp=") || STARTS_WITH(v, "seccomp:")) {
                const char *p = v + strlen("seccomp=");
                if (!*p)
                        return error_set(err, EINVAL, "invalid --security-opt `%s`: empty profile",
                                         v);
                replace_str(&o->seccomp_profile, p);
                return 0;
        }
        if (STREQ(v, "no-new-privileges") || STREQ(v, "no-new-privileges:true") ||
            STREQ(v, "no-new-privileges=true")) {
                o->no_new_privileges = true;
                return 0;
        }
        if (STREQ(v, "no-new-privileges:false") || STREQ(v, "no-new-privileges=false")) {
                o->no_new_privileges = false;
                return 0;
        }
        if (STARTS_WITH(v, "label=") || STARTS_WITH(v, "label:") || STARTS_WITH(v, "apparmor=") ||
            STARTS_WITH(v, "apparmor:"))
                return 0; /* no SELinux or AppArmor confinement here: nothing to apply */
        return error_set(err, EINVAL,
                         "invalid --security-opt `%s`: expected seccomp=FILE|unconfined or "
                         "no-new-privileges",
                         v);
}

int run_parse_expose(const char *spec, char **ret, WarrenError **err) {
        _cleanup_free_ char *port = xstrndup(spec, strcspn(spec, "/"));
        const char *proto = strchr(spec, '/') ? strchr(spec, '/') + 1 : "tcp";
        if (STRNEQ(proto, "tcp") && STRNEQ(proto, "udp"))
                return error_set(err, EINVAL, "invalid --expose `%s`: the protocol is tcp or udp",
                                 spec);
        char *dash = strchr(port, '-');
        if (dash)
                *dash++ = 0;
        uint32_t lo, hi;
        if (safe_atou32(port, &lo) < 0 || lo == 0 || lo > 65535 ||
            (dash && (safe_atou32(dash, &hi) < 0 || hi < lo || hi > 65535)))
                return error_set(err, EINVAL,
                                 "invalid --expose `%s`: expected PORT[-PORT][/tcp|udp], ports "
                                 "1-65535",
                                 spec);
        *ret = dash ? xasprintf("%u-%u/%s", (unsigned)lo, (unsigned)hi, proto)
                    : xasprintf("%u/%s", (unsigned)lo, proto);
        return 0;
}

int run_options_parse(int argc, char **argv, bool is_run, RunOptions *ret, WarrenError **err) {
        RunOptions o = {
                .is_run = is_run,
                .no_new_privileges = true,
                .stop_timeout = -1,
        };
        int r = 0, c;
        const char *verb = argc > 0 ? argv[0] : (is_run ? "run" : "create");
        optind = 0; /* reinitialise getopt: this may be called more than once */
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:dite:w:u:v:p:Ph:", run_longopts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        o.detach = true;
                        break;
                case 'i':
                        o.interactive = true;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case OPT_RM:
                        o.rm = true;
                        break;
                case OPT_NAME:
                        if (!*optarg) {
                                r = error_set(err, EINVAL, "--name must not be empty");
                                goto fail;
                        }
                        replace_str(&o.name, optarg);
                        break;
                case 'e':
                        r = run_parse_env(optarg, &o.env, err);
                        if (r < 0)
                                goto fail;
                        break;
                case OPT_ENV_FILE:
                        r = run_parse_env_file(optarg, &o.env, err);
                        if (r < 0)
                                goto fail;
                        break;
                case 'w':
                        if (optarg[0] != '/') {
                                r = error_set(err, EINVAL,
                                              "invalid -w `%s`: the working directory must be "
                                              "absolute",
                                              optarg);
                                goto fail;
                        }
                        replace_str(&o.workdir, optarg);
                        break;
                case 'u':
                        if (!*optarg || optarg[0] == ':') {
                                r = error_set(err, EINVAL, "invalid -u `%s`", optarg);
                                goto fail;
                        }
                        replace_str(&o.user, optarg);
                        break;
                case OPT_ENTRYPOINT:
                        o.has_entrypoint = true;
                        replace_str(&o.entrypoint, optarg);
                        break;
                case 'v':
                case OPT_MOUNT: {
                        RunMount m;
                        r = c == 'v' ? run_parse_volume(optarg, &m, err)
                                     : run_parse_mount(optarg, &m, err);
                        if (r < 0)
                                goto fail;
                        o.mounts = xreallocarray(o.mounts, o.n_mounts + 1, sizeof(RunMount));
                        o.mounts[o.n_mounts++] = m;
                        break;
                }
                case OPT_READ_ONLY:
                        o.read_only = true;
                        break;
                case 'h':
                        if (!*optarg || strlen(optarg) > 64) {
                                r = error_set(err, EINVAL,
                                              "invalid --hostname `%s`: 1 to 64 characters",
                                              optarg);
                                goto fail;
                        }
                        replace_str(&o.hostname, optarg);
                        break;
                case OPT_CAP_ADD:
                case OPT_CAP_DROP: {
                        _cleanup_strv_ char **names = strv_split(optarg, ",");
                        STRV_FOREACH (nm, names) {
                                char *cap = NULL;
                                r = run_parse_cap(*nm, &cap, err);
                                if (r < 0) {
                                        error_prefix(err, r, "%s",
                                                     c == OPT_CAP_ADD ? "--cap-add" : "--cap-drop");
                                        goto fail;
                                }
                                strv_consume(c == OPT_CAP_ADD ? &o.cap_add : &o.cap_drop, cap);
                        }
                        break;
                }
                case OPT_SECURITY_OPT:
                        r = parse_security_opt(&o, optarg, err);
                        if (r < 0)
                                goto fail;
                        break;
                case OPT_USERNS:
                        if (STREQ(optarg, "keep-id"))
                                o.userns_keep_id = true;
                        else if (STREQ(optarg, "") || STREQ(optarg, "auto"))
                                o.userns_keep_id = false;
                        else {
                                r = error_set(err, ENOTSUP,
                                              "invalid --userns `%s`: supported: keep-id, auto",
                                              optarg);
                                goto fail;
                        }
                        break;
                case OPT_POD:
                        replace_str(&o.pod, optarg);
                        break;
                case OPT_NETWORK:
                        if (!STREQ(optarg, "none") && !STREQ(optarg, "host") &&
                            !STREQ(optarg, "slirp") && !STREQ(optarg, "slirp4netns") &&
                            !STARTS_WITH(optarg, "slirp:") &&
                            !STARTS_WITH(optarg, "slirp4netns:") &&
                            !STARTS_WITH(optarg, "container:")) {
                                r = error_set(err, EINVAL,
                                              "invalid --network `%s`: expected slirp[:OPTIONS], "
                                              "none or host",
                                              optarg);
                                goto fail;
                        }
                        replace_str(&o.network, optarg);
                        break;
                case 'p':
                        strv_push(&o.publish, optarg);
                        break;
                case 'P':
                        o.publish_all = true;
                        break;
                case OPT_EXPOSE: {
                        char *x = NULL;
                        r = run_parse_expose(optarg, &x, err);
                        if (r < 0)
                                goto fail;
                        strv_consume(&o.expose, x);
                        break;
                }
                case OPT_RESTART:
                        r = run_parse_restart(optarg, &o.restart, &o.restart_max, err);
                        if (r < 0)
                                goto fail;
                        break;
                case OPT_STOP_SIGNAL:
                        if (parse_signal(optarg, &o.stop_signal) < 0) {
                                r = error_set(err, EINVAL, "invalid --stop-signal `%s`", optarg);
                                goto fail;
                        }
                        break;
                case OPT_STOP_TIMEOUT:
                        if (safe_atoi(optarg, &o.stop_timeout) < 0 || o.stop_timeout < 0) {
                                r = error_set(err, EINVAL,
                                              "invalid --stop-timeout `%s`: expected seconds",
                                              optarg);
                                goto fail;
                        }
                        break;
                case OPT_LABEL:
                case OPT_ANNOTATION: {
                        KeyValue kv;
                        r = run_parse_key_value(optarg, c == OPT_LABEL ? "--label" : "--annotation",
                                                &kv, err);
                        if (r < 0)
                                goto fail;
                        if (c == OPT_LABEL)
                                push_kv(&o.labels, &o.n_labels, kv);
                        else
                                push_kv(&o.annotations, &o.n_annotations, kv);
                        break;
                }
                case OPT_LOG_OPT:
                        if (STARTS_WITH(optarg, "max-size=")) {
                                if (parse_size(optarg + 9, &o.log_max_size) < 0 ||
                                    o.log_max_size == 0) {
                                        r = error_set(err, EINVAL,
                                                      "invalid --log-opt `%s`: bad size", optarg);
                                        goto fail;
                                }
                        } else {
                                r = error_set(err, ENOTSUP,
                                              "invalid --log-opt `%s`: supported: max-size=SIZE",
                                              optarg);
                                goto fail;
                        }
                        break;
                case OPT_INIT:
                        o.init = true;
                        break;
                case OPT_RUNTIME:
                        if (!*optarg) {
                                r = error_set(err, EINVAL, "--runtime must not be empty");
                                goto fail;
                        }
                        replace_str(&o.runtime, optarg);
                        break;
                case ':':
                        r = error_set(err, EINVAL, "option `%s` needs a value",
                                      argv[optind - 1]);
                        goto fail;
                default:
                        if (optopt)
                                r = error_set(err, EINVAL, "unknown option `-%c` for %s", optopt,
                                              verb);
                        else
                                r = error_set(err, EINVAL, "unknown option `%s` for %s",
                                              argv[optind - 1], verb);
                        goto fail;
                }
        }
        if (optind >= argc) {
                r = error_set(err, EINVAL, "%s needs an image", verb);
                goto fail;
        }
        o.image = xstrdup(argv[optind++]);
        o.command = xnew(char *, 1);
        for (int i = optind; i < argc; i++)
                strv_push(&o.command, argv[i]);
        if (o.rm && o.restart != RESTART_NO) {
                r = error_set(err, EINVAL, "--rm and --restart %s cannot be combined",
                              restart_policy_to_string(o.restart));
                goto fail;
        }
        *ret = o;
        return 0;
fail:
        run_options_done(&o);
        return r;
}
