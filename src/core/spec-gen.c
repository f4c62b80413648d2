/* SPDX-License-Identifier: Apache-2.0 */
#include "core/spec-gen.h"

#include <ctype.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>

#include "basic/json.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/caps.h"
#include "runtime/seccomp.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SECCOMP_PROFILE_MAX_SIZE (1U * 1024U * 1024U)

static const char *const masked_paths[] = {
        "/proc/acpi",        "/proc/asound",      "/proc/kcore",
        "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware",     "/sys/devices/virtual/powercap",
        NULL,
};

static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

void spec_user_done(SpecUser *u) {
        free(u->additional_gids);
        *u = (SpecUser){};
}

static JsonValue *strv_to_json(char *const *l) {
        JsonValue *a = json_new_array();
        STRV_FOREACH (s, l)
                json_array_append(a, json_new_string(*s));
        return a;
}

static JsonValue *strings_to_json(const char *const *l) {
        JsonValue *a = json_new_array();
        for (; l && *l; l++)
                json_array_append(a, json_new_string(*l));
        return a;
}

int spec_process_args(const RunOptions *opts, const JsonValue *image_config, char ***ret,
                      WarrenError **err) {
        _cleanup_strv_ char **args = xnew(char *, 1);
        _cleanup_strv_ char **image_ep = NULL, **image_cmd = NULL;
        int r = json_get_strv(image_config, "Entrypoint", "image config Entrypoint", &image_ep,
                              err);
        if (r < 0)
                return r;
        r = json_get_strv(image_config, "Cmd", "image config Cmd", &image_cmd, err);
        if (r < 0)
                return r;

        if (opts->has_entrypoint) {
                if (opts->entrypoint && *opts->entrypoint)
                        strv_push(&args, opts->entrypoint);
        } else
                STRV_FOREACH (s, image_ep)
                        strv_push(&args, *s);

        if (opts->command && opts->command[0])
                STRV_FOREACH (s, opts->command)
                        strv_push(&args, *s);
        else if (!opts->has_entrypoint)
                STRV_FOREACH (s, image_cmd)
                        strv_push(&args, *s);

        if (!args[0])
                return error_set(err, EINVAL,
                                 "no command given, and image `%s` has no Cmd or Entrypoint",
                                 opts->image ? opts->image : "");
        *ret = TAKE_PTR(args);
        return 0;
}

char **spec_process_env(const RunOptions *opts, const JsonValue *image_config,
                        const char *hostname) {
        char **env = xnew(char *, 1);
        const JsonValue *ienv = json_get(image_config, "Env");
        for (size_t i = 0; i < json_length(ienv); i++) {
                const char *e = json_string(json_at(ienv, i));
                const char *eq = e ? strchr(e, '=') : NULL;
                if (!eq || eq == e)
                        continue; /* a malformed image entry is dropped, not fatal */
                _cleanup_free_ char *k = xstrndup(e, (size_t) (eq - e));
                env_set(&env, k, eq + 1);
        }
        if (!env_get(env, "PATH"))
                env_set(&env, "PATH", DEFAULT_PATH);
        if (hostname)
                env_set(&env, "HOSTNAME", hostname);
        if (opts->tty && !env_get(env, "TERM"))
                env_set(&env, "TERM", "xterm");
        env_set(&env, "container", "warren");
        STRV_FOREACH (e, opts->env) {
                const char *eq = strchr(*e, '=');
                if (!eq)
                        continue;
                _cleanup_free_ char *k = xstrndup(*e, (size_t) (eq - *e));
                env_set(&env, k, eq + 1);
        }
        return env;
}

int spec_capabilities(const RunOptions *opts, uint64_t *ret, WarrenError **err) {
        uint64_t mask = caps_default_mask();
        uint64_t all = caps_supported_mask();
        STRV_FOREACH (c, opts->cap_drop) {
                if (STREQ(*c, "ALL"))
                        mask = 0;
                else {
                        int cap = caps_from_name(*c);
                        if (cap < 0)
                                return error_set(err, EINVAL, "unknown capability `%s`", *c);
                        mask &= ~CAPS_BIT(cap);
                }
        }
        STRV_FOREACH (c, opts->cap_add) {
                if (STREQ(*c, "ALL"))
                        mask = all;
                else {
                        int cap = caps_from_name(*c);
                        if (cap < 0)
                                return error_set(err, EINVAL, "unknown capability `%s`", *c);
                        mask |= CAPS_BIT(cap);
                }
        }
        *ret = mask & all;
        return 0;
}

/* Find a line of a passwd or group file whose first field is `name` (or whose id field equals
 * `id` when name is NULL). Returns the fields split on ':' (strv) or NULL. */
static char **find_entry(const char *file, const char *name, long id, size_t id_field) {
        if (!file)
                return NULL;
        const char *line = file;
        while (line && *line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t) (nl - line) : strlen(line);
                _cleanup_free_ char *copy = xstrndup(line, len);
                line = nl ? nl + 1 : NULL;
                if (!copy[0] || copy[0] == '#')
                        continue;
                /* split keeping empty fields */
                char **f = xnew(char *, 1);
                char *p = copy;
                for (;;) {
                        char *c = strchr(p, ':');
                        if (c)
                                *c = 0;
                        strv_push(&f, p);
                        if (!c)
                                break;
                        p = c + 1;
                }
                bool match = false;
                if (name)
                        match = STREQ(f[0], name);
                else if (strv_length(f) > id_field) {
                        int64_t v;
                        match = safe_atoi64(f[id_field], &v) == 0 && v == id;
                }
                if (match && strv_length(f) > id_field)
                        return f;
                strv_free(f);
        }
        return NULL;
}

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

int spec_resolve_user(const char *spec, const char *passwd, const char *group, SpecUser *ret,
                      WarrenError **err) {
        SpecUser u = {};
        const char *colon = spec ? strchr(spec, ':') : NULL;
        _cleanup_free_ char *user = spec ? xstrndup(spec, colon ? (size_t) (colon - spec)
                                                                : strlen(spec))
                                         : xstrdup("0");
        const char *grp = colon ? colon + 1 : NULL;
        _cleanup_free_ char *user_name = NULL;
        bool gid_from_passwd = true;

        if (!*user)
                user = (free(user), xstrdup("0"));
        if (all_digits(user)) {
                if (safe_atou32(user, &u.uid) < 0 || u.uid == UINT32_MAX)
                        return error_set(err, EINVAL, "invalid user `%s`", spec);
                char **f = find_entry(passwd, NULL, u.uid, 2);
                if (f) {
                        user_name = xstrdup(f[0]);
                        if (strv_length(f) > 3)
                                (void) safe_atou32(f[3], &u.gid);
                        strv_free(f);
                } else
                        u.gid = 0;
        } else {
                char **f = find_entry(passwd, user, 0, 2);
                if (!f)
                        return error_set(err, ENOENT, "user `%s` not found in the image's "
                                                      "/etc/passwd", user);
                int r1 = safe_atou32(f[2], &u.uid);
                int r2 = strv_length(f) > 3 ? safe_atou32(f[3], &u.gid) : -EINVAL;
                strv_free(f);
                if (r1 < 0 || r2 < 0)
                        return error_set(err, EINVAL, "malformed /etc/passwd entry for `%s`",
                                         user);
                user_name = xstrdup(user);
        }
        if (grp && *grp) {
                gid_from_passwd = false;
                if (all_digits(grp)) {
                        if (safe_atou32(grp, &u.gid) < 0 || u.gid == UINT32_MAX)
                                return error_set(err, EINVAL, "invalid group in `%s`", spec);
                } else {
                        char **f = find_entry(group, grp, 0, 2);
                        if (!f)
                                return error_set(err, ENOENT,
                                                 "group `%s` not found in the image's /etc/group",
                                                 grp);
                        int r = safe_atou32(f[2], &u.gid);
                        strv_free(f);
                        if (r < 0)
                                return error_set(err, EINVAL,
                                                 "malformed /etc/group entry for `%s`", grp);
                }
        }
        (void) gid_from_passwd;
        /* Supplementary groups: every group listing the user by name. */
        if (user_name && group) {
                const char *line = group;
                while (line && *line) {
                        const char *nl = strchr(line, '\n');
                        size_t len = nl ? (size_t) (nl - line) : strlen(line);
                        _cleanup_free_ char *copy = xstrndup(line, len);
                        line = nl ? nl + 1 : NULL;
                        char *f[4] = {};
                        char *p = copy;
                        size_t k = 0;
                        for (; k < 4 && p; k++) {
                                f[k] = p;
                                p = strchr(p, ':');
                                if (p)
                                        *p++ = 0;
                        }
                        if (k < 4 || !f[3])
                                continue;
                        _cleanup_strv_ char **members = strv_split(f[3], ",");
                        uint32_t gid;
                        if (!strv_contains(members, user_name) || safe_atou32(f[2], &gid) < 0 ||
                            gid == u.gid)
                                continue;
                        u.additional_gids = xreallocarray(u.additional_gids,
                                                          u.n_additional_gids + 1,
                                                          sizeof(uint32_t));
                        u.additional_gids[u.n_additional_gids++] = gid;
                }
        }
        *ret = u;
        return 0;
}

static JsonValue *mount_entry(const char *dest, const char *type, const char *source,
                              const char *const *options) {
        JsonValue *m = json_new_object();
        json_object_set(m, "destination", json_new_string(dest));
        json_object_set(m, "type", json_new_string(type));
        json_object_set(m, "source", json_new_string(source));
        json_object_set(m, "options", strings_to_json(options));
        return m;
}

static JsonValue *idmap_to_json(const IdMap *m) {
        JsonValue *a = json_new_array();
        for (size_t i = 0; i < m->n; i++) {
                JsonValue *e = json_new_object();
                json_object_set(e, "containerID", json_new_integer(m->entries[i].container_id));
                json_object_set(e, "hostID", json_new_integer(m->entries[i].host_id));
                json_object_set(e, "size", json_new_integer(m->entries[i].size));
                json_array_append(a, e);
        }
        return a;
}

static JsonValue *namespace_entry(const char *type, const char *path) {
        JsonValue *n = json_new_object();
        json_object_set(n, "type", json_new_string(type));
        if (path)
                json_object_set(n, "path", json_new_string(path));
        return n;
}

static int load_seccomp(const RunOptions *opts, uint64_t caps, JsonValue **ret,
                        WarrenError **err) {
        if (opts->seccomp_profile && STREQ(opts->seccomp_profile, "unconfined")) {
                *ret = NULL;
                return 0;
        }
        if (!opts->seccomp_profile) {
                *ret = seccomp_default_profile(caps);
                return 0;
        }
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse_file(opts->seccomp_profile, SECCOMP_PROFILE_MAX_SIZE, &v, err);
        if (r < 0)
                return error_prefix(err, r, "seccomp profile");
        /* Validate now so a bad profile fails at create, naming the file. */
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        r = seccomp_filter_build(v, &f, err);
        if (r < 0)
                return error_prefix(err, r, "seccomp profile `%s`", opts->seccomp_profile);
        *ret = TAKE_PTR(v);
        return 0;
}

int spec_generate(const SpecInputs *in, JsonValue **ret, WarrenError **err) {
        const RunOptions *opts = in->opts;
        int r;
        _cleanup_free_ char *short_id = in->container_id ? xstrndup(in->container_id, 12) : NULL;
        const char *hostname = opts->hostname   ? opts->hostname
                               : in->hostname ? in->hostname
                                              : short_id;

        _cleanup_json_ JsonValue *spec = json_new_object();
        json_object_set(spec, "ociVersion", json_new_string("1.0.2"));

        /* process */
        JsonValue *proc = json_new_object();
        json_object_set(spec, "process", proc);
        json_object_set(proc, "terminal", json_new_bool(opts->tty));
        JsonValue *user = json_new_object();
        json_object_set(user, "uid", json_new_integer(in->user.uid));
        json_object_set(user, "gid", json_new_integer(in->user.gid));
        if (in->user.n_additional_gids) {
                JsonValue *g = json_new_array();
                for (size_t i = 0; i < in->user.n_additional_gids; i++)
                        json_array_append(g, json_new_integer(in->user.additional_gids[i]));
                json_object_set(user, "additionalGids", g);
        }
        json_object_set(proc, "user", user);

        _cleanup_strv_ char **args = NULL;
        r = spec_process_args(opts, in->image_config, &args, err);
        if (r < 0)
                return r;
        if (in->init_path) {
                /* warren-init reaps zombies and forwards signals to the command */
                char **wrapped = xnew(char *, 1);
                strv_push(&wrapped, "/run/warren-init");
                strv_push(&wrapped, "--");
                STRV_FOREACH (a, args)
                        strv_push(&wrapped, *a);
                strv_free(args);
                args = wrapped;
        }
        json_object_set(proc, "args", strv_to_json(args));
        _cleanup_strv_ char **env = spec_process_env(opts, in->image_config, hostname);
        json_object_set(proc, "env", strv_to_json(env));

        const char *cwd = opts->workdir ? opts->workdir
                                        : json_string(json_get(in->image_config, "WorkingDir"));
        if (!cwd || cwd[0] != '/')
                cwd = "/";
        json_object_set(proc, "cwd", json_new_string(cwd));

        uint64_t caps = 0;
        r = spec_capabilities(opts, &caps, err);
        if (r < 0)
                return r;
        if (in->caps_available)
                caps &= in->caps_available;
        JsonValue *capobj = json_new_object();
        json_object_set(capobj, "bounding", caps_mask_to_json(caps));
        /* As docker: a non-root user keeps only the bounding set. */
        uint64_t eff = in->user.uid == 0 ? caps : 0;
        json_object_set(capobj, "effective", caps_mask_to_json(eff));
        json_object_set(capobj, "permitted", caps_mask_to_json(eff));
        json_object_set(proc, "capabilities", capobj);
        json_object_set(proc, "noNewPrivileges", json_new_bool(opts->no_new_privileges));
        JsonValue *rl = json_new_array();
        JsonValue *nofile = json_new_object();
        json_object_set(nofile, "type", json_new_string("RLIMIT_NOFILE"));
        /* As podman: as many files as the caller may have, since a user namespace cannot
         * raise a hard limit. */
        struct rlimit rl_nofile = { .rlim_cur = 1048576, .rlim_max = 1048576 };
        (void) getrlimit(RLIMIT_NOFILE, &rl_nofile);
        if (rl_nofile.rlim_max == RLIM_INFINITY || rl_nofile.rlim_max > 1048576)
                rl_nofile.rlim_max = 1048576;
        json_object_set(nofile, "hard", json_new_integer((int64_t) rl_nofile.rlim_max));
        json_object_set(nofile, "soft", json_new_integer((int64_t) rl_nofile.rlim_max));
        json_array_append(rl, nofile);
        json_object_set(proc, "rlimits", rl);

        /* root */
        JsonValue *root = json_new_object();
        json_object_set(root, "path", json_new_string(in->rootfs));
        json_object_set(root, "readonly", json_new_bool(opts->read_only));
        json_object_set(spec, "root", root);
        /* A joined UTS namespace (the sandbox's) already carries the hostname; the runtime
         * refuses to set one in a namespace that is not its own. */
        if (!in->utsns_path)
                json_object_set(spec, "hostname", json_new_string(hostname));

        /* mounts */
        JsonValue *mounts = json_new_array();
        json_object_set(spec, "mounts", mounts);
        json_array_append(mounts, mount_entry("/proc", "proc", "proc",
                                              (const char *const[]){ "nosuid", "noexec", "nodev",
                                                                     NULL }));
        json_array_append(mounts, mount_entry("/dev", "tmpfs", "tmpfs",
                                              (const char *const[]){ "nosuid", "strictatime",
                                                                     "mode=755", "size=65536k",
                                                                     NULL }));
        json_array_append(mounts, mount_entry("/dev/pts", "devpts", "devpts",
                                              (const char *const[]){ "nosuid", "noexec",
                                                                     "newinstance", "ptmxmode=0666",
                                                                     "mode=0620", NULL }));
        json_array_append(mounts, mount_entry("/dev/shm", "tmpfs", "shm",
                                              (const char *const[]){ "nosuid", "noexec", "nodev",
                                                                     "mode=1777", "size=65536k",
                                                                     NULL }));
        json_array_append(mounts, mount_entry("/dev/mqueue", "mqueue", "mqueue",
                                              (const char *const[]){ "nosuid", "noexec", "nodev",
                                                                     NULL }));
        if (in->netns_path || in->network_host)
                /* sysfs cannot be mounted for a netns we do not own: bind the host's */
                json_array_append(mounts, mount_entry("/sys", "bind", "/sys",
                                                      (const char *const[]){ "rbind", "nosuid",
                                                                             "noexec", "nodev",
                                                                             "ro", NULL }));
        else
                json_array_append(mounts, mount_entry("/sys", "sysfs", "sysfs",
                                                      (const char *const[]){ "nosuid", "noexec",
                                                                             "nodev", "ro",
                                                                             NULL }));
        json_array_append(mounts, mount_entry("/run", "tmpfs", "tmpfs",
                                              (const char *const[]){ "nosuid", "nodev",
                                                                     "mode=755", NULL }));
        if (in->hosts_file)
                json_array_append(mounts, mount_entry("/etc/hosts", "bind", in->hosts_file,
                                                      (const char *const[]){ "bind", "rprivate",
                                                                             NULL }));
        if (in->resolv_file)
                json_array_append(mounts,
                                  mount_entry("/etc/resolv.conf", "bind", in->resolv_file,
                                              (const char *const[]){ "bind", "rprivate", NULL }));
        if (in->hostname_file)
                json_array_append(mounts,
                                  mount_entry("/etc/hostname", "bind", in->hostname_file,
                                              (const char *const[]){ "bind", "rprivate", NULL }));
        if (in->init_path)
                json_array_append(mounts, mount_entry("/run/warren-init", "bind", in->init_path,
                                                      (const char *const[]){ "bind", "ro",
                                                                             "nosuid", "nodev",
                                                                             NULL }));
        for (size_t i = 0; i < opts->n_mounts; i++) {
                const RunMount *m = &opts->mounts[i];
                if (m->kind == MOUNT_KIND_BIND) {
                        const char *o[] = { "rbind", m->propagation ? m->propagation : "rprivate",
                                            m->read_only ? "ro" : "rw", NULL };
                        json_array_append(mounts, mount_entry(m->destination, "bind", m->source, o));
                } else {
                        _cleanup_free_ char *mode =
                                xasprintf("mode=%o", m->tmpfs_mode ? m->tmpfs_mode : 01777);
                        _cleanup_free_ char *size =
                                m->tmpfs_size ? xasprintf("size=%llu", (unsigned long long) m->tmpfs_size)
                                              : NULL;
                        const char *o[] = { "nosuid", "nodev", mode, m->read_only ? "ro" : "rw",
                                            size, NULL };
                        json_array_append(mounts, mount_entry(m->destination, "tmpfs", "tmpfs", o));
                }
        }

        /* linux */
        JsonValue *linux_ = json_new_object();
        json_object_set(spec, "linux", linux_);
        JsonValue *ns = json_new_array();
        json_array_append(ns, namespace_entry("pid", NULL));
        json_array_append(ns, namespace_entry("mount", NULL));
        json_array_append(ns, namespace_entry("ipc", in->ipcns_path));
        json_array_append(ns, namespace_entry("uts", in->utsns_path));
        if (!in->network_host)
                json_array_append(ns, namespace_entry("network", in->netns_path));
        json_array_append(ns, namespace_entry("cgroup", NULL));
        if (in->userns_path || (in->uid_map && in->gid_map))
                json_array_append(ns, namespace_entry("user", in->userns_path));
        json_object_set(linux_, "namespaces", ns);
        if (!in->userns_path && in->uid_map && in->gid_map) {
                json_object_set(linux_, "uidMappings", idmap_to_json(in->uid_map));
                json_object_set(linux_, "gidMappings", idmap_to_json(in->gid_map));
        }
        json_object_set(linux_, "maskedPaths", strings_to_json(masked_paths));
        json_object_set(linux_, "readonlyPaths", strings_to_json(readonly_paths));
        JsonValue *seccomp = NULL;
        r = load_seccomp(opts, caps, &seccomp, err);
        if (r < 0)
                return r;
        if (seccomp)
                json_object_set(linux_, "seccomp", seccomp);

        /* annotations */
        JsonValue *ann = json_new_object();
        for (size_t i = 0; i < opts->n_annotations; i++)
                json_object_set(ann, opts->annotations[i].key,
                                json_new_string(opts->annotations[i].value));
        if (opts->stop_signal) {
                const char *sn = signal_name(opts->stop_signal);
                _cleanup_free_ char *s = sn ? xasprintf("SIG%s", sn)
                                            : xasprintf("%d", opts->stop_signal);
                json_object_set(ann, "io.warren.stop-signal", json_new_string(s));
        }
        json_object_set(spec, "annotations", ann);

        *ret = TAKE_PTR(spec);
        return 0;
}
