/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/oci-config.h"

#include <sys/resource.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

#define WHAT_MAX 256

/* "parent.key" into a caller's buffer, for error messages. */
static const char *field(char *buf, const char *parent, const char *key) {
        int n = snprintf(buf, WHAT_MAX, "%s%s%s", parent ? parent : "",
                         parent && *parent ? "." : "", key);
        if (n < 0 || n >= WHAT_MAX)
                buf[WHAT_MAX - 1] = 0;
        return buf;
}

static const char *item(char *buf, const char *parent, size_t i) {
        int n = snprintf(buf, WHAT_MAX, "%s[%zu]", parent, i);
        if (n < 0 || n >= WHAT_MAX)
                buf[WHAT_MAX - 1] = 0;
        return buf;
}

/* A member that must have `type` when present. Returns 1 when present, 0 when absent or null. */
static int get_typed(const JsonValue *obj, const char *key, const char *what, JsonType type,
                     const JsonValue **ret, WarrenError **err) {
        const JsonValue *v = json_get(obj, key);
        *ret = NULL;
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != type)
                return error_set(err, EINVAL, "`%s` must be %s %s, not %s", what,
                                 type == JSON_OBJECT || type == JSON_ARRAY ? "an" : "a",
                                 json_type_name(type), json_type_name(v->type));
        *ret = v;
        return 1;
}

static int require_string(const JsonValue *obj, const char *key, const char *what, char **ret,
                          WarrenError **err) {
        int r = json_get_string(obj, key, what, ret, err);
        if (r < 0)
                return r;
        if (r == 0)
                return error_set(err, EINVAL, "`%s` is required", what);
        return 0;
}

static int get_kv_object(const JsonValue *obj, const char *key, const char *what, char ***ret,
                         WarrenError **err) {
        const JsonValue *o = NULL;
        int r = get_typed(obj, key, what, JSON_OBJECT, &o, err);
        if (r <= 0)
                return r;
        char **l = xnew(char *, 2 * o->u.object.n + 1);
        for (size_t i = 0; i < o->u.object.n; i++) {
                const JsonValue *v = o->u.object.values[i];
                if (v->type != JSON_STRING) {
                        strv_free(l);
                        return error_set(err, EINVAL, "`%s.%s` must be a string, not %s", what,
                                         o->u.object.keys[i], json_type_name(v->type));
                }
                l[2 * i] = xstrdup(o->u.object.keys[i]);
                l[2 * i + 1] = xstrdup(v->u.string);
        }
        strv_free(*ret);
        *ret = l;
        return 1;
}

const char *oci_kv_get(char *const *kv, const char *key) {
        for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
                if (STREQ(kv[i], key))
                        return kv[i + 1];
        return NULL;
}

/* ---- names ---- */

static const char *const hook_names[_OCI_HOOK_MAX] = {
        [OCI_HOOK_PRESTART] = "prestart",
        [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
        [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
        [OCI_HOOK_START_CONTAINER] = "startContainer",
        [OCI_HOOK_POSTSTART] = "poststart",
        [OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_hook_kind_name(OciHookKind k) {
        return k < _OCI_HOOK_MAX ? hook_names[k] : NULL;
}

static const char *const ns_names[_OCI_NS_MAX] = {
        [OCI_NS_PID] = "pid",       [OCI_NS_NET] = "network", [OCI_NS_MOUNT] = "mount",
        [OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",     [OCI_NS_USER] = "user",
        [OCI_NS_CGROUP] = "cgroup",
};

const char *oci_namespace_type_name(OciNamespaceType t) {
        return t < _OCI_NS_MAX ? ns_names[t] : NULL;
}

int oci_namespace_type_from_name(const char *name) {
        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                if (STREQ(ns_names[i], name))
                        return (int)i;
        return -EINVAL;
}

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
        {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_STACK", RLIMIT_STACK},
};

int oci_rlimit_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(rlimit_table); i++)
                if (STREQ(rlimit_table[i].name, name))
                        return rlimit_table[i].resource;
        return -EINVAL;
}

/* ---- process ---- */

OciProcess *oci_process_free(OciProcess *p) {
        if (!p)
                return NULL;
        free(p->user.additional_gids);
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        for (size_t i = 0; i < _OCI_CAP_SET_MAX; i++)
                strv_free(p->capabilities[i]);
        free(p->rlimits);
        free(p);
        return NULL;
}

static int parse_user(const JsonValue *proc, const char *parent, OciUser *u, WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX];
        const JsonValue *o = NULL;
        int r = get_typed(proc, "user", field(w, parent, "user"), JSON_OBJECT, &o, err);
        if (r <= 0)
                return r;
        const char *base = field(w, parent, "user");
        r = json_get_uint32(o, "uid", field(w2, base, "uid"), &u->uid, err);
        if (r < 0)
                return r;
        r = json_get_uint32(o, "gid", field(w2, base, "gid"), &u->gid, err);
        if (r < 0)
                return r;
        r = json_get_uint32(o, "umask", field(w2, base, "umask"), &u->umask, err);
        if (r < 0)
                return r;
        u->has_umask = r > 0;
        if (u->has_umask && u->umask > 0777)
                return error_set(err, EINVAL, "`%s` must be at most 0777", w2);
        const JsonValue *a = NULL;
        r = get_typed(o, "additionalGids", field(w2, base, "additionalGids"), JSON_ARRAY, &a, err);
        if (r < 0)
                return r;
        if (a && a->u.array.n > 0) {
                if (a->u.array.n > 65536)
                        return error_set(err, E2BIG, "`%s` has too many entries", w2);
                u->additional_gids = xnew(uint32_t, a->u.array.n);
                for (size_t i = 0; i < a->u.array.n; i++) {
                        const JsonValue *g = a->u.array.items[i];
                        if (g->type != JSON_INTEGER || g->unsigned_big || g->u.integer < 0 ||
                            g->u.integer > UINT32_MAX)
                                return error_set(err, EINVAL,
                                                 "`%s[%zu]` must be an unsigned 32-bit integer", w2,
                                                 i);
                        u->additional_gids[i] = (uint32_t)g->u.integer;
                }
                u->n_additional_gids = a->u.array.n;
        }
        return 0;
}

static const char *const cap_set_names[_OCI_CAP_SET_MAX] = {
        [OCI_CAP_BOUNDING] = "bounding",       [OCI_CAP_EFFECTIVE] = "effective",
        [OCI_CAP_INHERITABLE] = "inheritable", [OCI_CAP_PERMITTED] = "permitted",
        [OCI_CAP_AMBIENT] = "ambient",
};

static int parse_capabilities(const JsonValue *proc, const char *parent, OciProcess *p,
                              WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX];
        const JsonValue *o = NULL;
        int r = get_typed(proc, "capabilities", field(w, parent, "capabilities"), JSON_OBJECT, &o,
                          err);
        if (r <= 0)
                return r;
        p->has_capabilities = true;
        for (size_t i = 0; i < _OCI_CAP_SET_MAX; i++) {
                r = json_get_strv(o, cap_set_names[i], field(w2, w, cap_set_names[i]),
                                  &p->capabilities[i], err);
                if (r < 0)
                        return r;
                STRV_FOREACH (c, p->capabilities[i])
                        if (!STARTS_WITH(*c, "CAP_") || strlen(*c) > 64)
                                return error_set(err, EINVAL, "`%s`: `%s` is not a capability name",
                                                 w2, *c);
        }
        return 0;
}

static int parse_rlimits(const JsonValue *proc, const char *parent, OciProcess *p,
                         WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX], w3[WHAT_MAX];
        const JsonValue *a = NULL;
        int r = get_typed(proc, "rlimits", field(w, parent, "rlimits"), JSON_ARRAY, &a, err);
        if (r <= 0)
                return r;
        p->rlimits = xnew(OciRlimit, a->u.array.n + 1);
        for (size_t i = 0; i < a->u.array.n; i++) {
                const JsonValue *o = a->u.array.items[i];
                item(w2, w, i);
                if (o->type != JSON_OBJECT)
                        return error_set(err, EINVAL, "`%s` must be an object", w2);
                _cleanup_free_ char *type = NULL;
                r = require_string(o, "type", field(w3, w2, "type"), &type, err);
                if (r < 0)
                        return r;
                int res = oci_rlimit_from_name(type);
                if (res < 0)
                        return error_set(err, EINVAL, "`%s`: unknown rlimit `%s`", w3, type);
                for (size_t j = 0; j < p->n_rlimits; j++)
                        if (p->rlimits[j].resource == res)
                                return error_set(err, EINVAL, "`%s`: duplicate rlimit `%s`", w3,
                                                 type);
                OciRlimit *rl = &p->rlimits[p->n_rlimits];
                rl->resource = res;
                if (!json_get(o, "soft") || !json_get(o, "hard"))
                        return error_set(err, EINVAL, "`%s` needs `soft` and `hard`", w2);
                r = json_get_uint64(o, "soft", field(w3, w2, "soft"), &rl->soft, err);
                if (r < 0)
                        return r;
                r = json_get_uint64(o, "hard", field(w3, w2, "hard"), &rl->hard, err);
                if (r < 0)
                        return r;
                p->n_rlimits++;
        }
        return 0;
}

int oci_process_from_json(const JsonValue *v, const char *what, OciProcess **ret,
                          WarrenError **err) {
        char w[WHAT_MAX];
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "`%s` must be an object", what);
        _cleanup_oci_process_ OciProcess *p = xnew(OciProcess, 1);
        int r = json_get_bool(v, "terminal", field(w, what, "terminal"), &p->terminal, err);
        if (r < 0)
                return r;
        const JsonValue *cs = NULL;
        r = get_typed(v, "consoleSize", field(w, what, "consoleSize"), JSON_OBJECT, &cs, err);
        if (r < 0)
                return r;
        if (cs) {
                char w2[WHAT_MAX];
                r = json_get_uint32(cs, "height", field(w2, w, "height"), &p->console_height, err);
                if (r < 0)
                        return r;
                r = json_get_uint32(cs, "width", field(w2, w, "width"), &p->console_width, err);
                if (r < 0)
                        return r;
        }
        r = parse_user(v, what, &p->user, err);
        if (r < 0)
                return r;
        r = json_get_strv(v, "args", field(w, what, "args"), &p->args, err);
        if (r < 0)
                return r;
        if (!p->args || !p->args[0])
                return error_set(err, EINVAL, "`%s` must not be empty", w);
        r = json_get_strv(v, "env", field(w, what, "env"), &p->env, err);
        if (r < 0)
                return r;
        r = require_string(v, "cwd", field(w, what, "cwd"), &p->cwd, err);
        if (r < 0)
                return r;
        if (p->cwd[0] != '/')
                return error_set(err, EINVAL, "`%s` must be an absolute path, not `%s`", w, p->cwd);
        r = parse_capabilities(v, what, p, err);
        if (r < 0)
                return r;
        r = parse_rlimits(v, what, p, err);
        if (r < 0)
                return r;
        r = json_get_bool(v, "noNewPrivileges", field(w, what, "noNewPrivileges"),
                          &p->no_new_privileges, err);
        if (r < 0)
                return r;
        int64_t adj = 0;
        r = json_get_int64(v, "oomScoreAdj", field(w, what, "oomScoreAdj"), &adj, err);
        if (r < 0)
                return r;
        if (r > 0) {
                if (adj < -1000 || adj > 1000)
                        return error_set(err, ERANGE, "`%s` must be within -1000..1000", w);
                p->has_oom_score_adj = true;
                p->oom_score_adj = (int)adj;
        }
        /* apparmorProfile, selinuxLabel: accepted and ignored (no LSM support). */
        *ret = TAKE_PTR(p);
        return 0;
}

int oci_process_load(const char *path, OciProcess **ret, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse_file(path, OCI_CONFIG_MAX_SIZE, &v, err);
        if (r < 0)
                return r;
        return oci_process_from_json(v, "process", ret, err);
}

/* ---- mounts, hooks ---- */

static int parse_mounts(const JsonValue *root, OciConfig *c, WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX];
        const JsonValue *a = NULL;
        int r = get_typed(root, "mounts", "mounts", JSON_ARRAY, &a, err);
        if (r <= 0)
                return r;
        c->mounts = xnew(OciMount, a->u.array.n + 1);
        for (size_t i = 0; i < a->u.array.n; i++) {
                const JsonValue *o = a->u.array.items[i];
                item(w, "mounts", i);
                if (o->type != JSON_OBJECT)
                        return error_set(err, EINVAL, "`%s` must be an object", w);
                OciMount *m = &c->mounts[c->n_mounts++];
                r = require_string(o, "destination", field(w2, w, "destination"), &m->destination,
                                   err);
                if (r < 0)
                        return r;
                if (m->destination[0] != '/')
                        return error_set(err, EINVAL, "`%s` must be an absolute path, not `%s`", w2,
                                         m->destination);
                r = json_get_string(o, "source", field(w2, w, "source"), &m->source, err);
                if (r < 0)
                        return r;
                r = json_get_string(o, "type", field(w2, w, "type"), &m->type, err);
                if (r < 0)
                        return r;
                r = json_get_strv(o, "options", field(w2, w, "options"), &m->options, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void hook_done(OciHook *h) {
        free(h->path);
        strv_free(h->args);
        strv_free(h->env);
}

static int parse_hooks(const JsonValue *root, OciConfig *c, WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX], w3[WHAT_MAX];
        const JsonValue *hooks = NULL;
        int r = get_typed(root, "hooks", "hooks", JSON_OBJECT, &hooks, err);
        if (r <= 0)
                return r;
        for (size_t k = 0; k < _OCI_HOOK_MAX; k++) {
                const JsonValue *a = NULL;
                r = get_typed(hooks, hook_names[k], field(w, "hooks", hook_names[k]), JSON_ARRAY,
                              &a, err);
                if (r < 0)
                        return r;
                if (!a)
                        continue;
                c->hooks[k] = xnew(OciHook, a->u.array.n + 1);
                for (size_t i = 0; i < a->u.array.n; i++) {
                        const JsonValue *o = a->u.array.items[i];
                        item(w2, w, i);
                        if (o->type != JSON_OBJECT)
                                return error_set(err, EINVAL, "`%s` must be an object", w2);
                        OciHook *h = &c->hooks[k][c->n_hooks[k]++];
                        r = require_string(o, "path", field(w3, w2, "path"), &h->path, err);
                        if (r < 0)
                                return r;
                        if (h->path[0] != '/')
                                return error_set(err, EINVAL,
                                                 "`%s` must be an absolute path, not `%s`", w3,
                                                 h->path);
                        r = json_get_strv(o, "args", field(w3, w2, "args"), &h->args, err);
                        if (r < 0)
                                return r;
                        r = json_get_strv(o, "env", field(w3, w2, "env"), &h->env, err);
                        if (r < 0)
                                return r;
                        int64_t t = 0;
                        r = json_get_int64(o, "timeout", field(w3, w2, "timeout"), &t, err);
                        if (r < 0)
                                return r;
                        if (r > 0 && (t <= 0 || t > 86400))
                                return error_set(err, ERANGE,
                                                 "`%s` must be a positive number of seconds", w3);
                        h->timeout = (int)t;
                }
        }
        return 0;
}

/* ---- linux ---- */

static int parse_namespaces(const JsonValue *lx, OciLinux *l, WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX];
        const JsonValue *a = NULL;
        int r = get_typed(lx, "namespaces", "linux.namespaces", JSON_ARRAY, &a, err);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < a->u.array.n; i++) {
                const JsonValue *o = a->u.array.items[i];
                item(w, "linux.namespaces", i);
                if (o->type != JSON_OBJECT)
                        return error_set(err, EINVAL, "`%s` must be an object", w);
                _cleanup_free_ char *type = NULL;
                r = require_string(o, "type", field(w2, w, "type"), &type, err);
                if (r < 0)
                        return r;
                int t = oci_namespace_type_from_name(type);
                if (t < 0)
                        return error_set(err, EINVAL, "`%s`: unsupported namespace type `%s`", w2,
                                         type);
                if (l->namespaces[t].present)
                        return error_set(err, EINVAL, "`%s`: duplicate namespace `%s`", w2, type);
                l->namespaces[t].present = true;
                r = json_get_string(o, "path", field(w2, w, "path"), &l->namespaces[t].path, err);
                if (r < 0)
                        return r;
                if (l->namespaces[t].path && l->namespaces[t].path[0] != '/')
                        return error_set(err, EINVAL, "`%s` must be an absolute path, not `%s`", w2,
                                         l->namespaces[t].path);
        }
        return 0;
}

static int parse_mappings(const JsonValue *lx, const char *key, OciIdMapping **ret, size_t *ret_n,
                          WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX], w3[WHAT_MAX];
        const JsonValue *a = NULL;
        int r = get_typed(lx, key, field(w, "linux", key), JSON_ARRAY, &a, err);
        if (r <= 0)
                return r;
        if (a->u.array.n > 340) /* the kernel's limit on map lines */
                return error_set(err, E2BIG, "`%s` has more than 340 entries", w);
        *ret = xnew(OciIdMapping, a->u.array.n + 1);
        for (size_t i = 0; i < a->u.array.n; i++) {
                const JsonValue *o = a->u.array.items[i];
                item(w2, w, i);
                if (o->type != JSON_OBJECT)
                        return error_set(err, EINVAL, "`%s` must be an object", w2);
                OciIdMapping *m = &(*ret)[i];
                static const char *const keys[] = {"containerID", "hostID", "size"};
                uint32_t *dst[] = {&m->container_id, &m->host_id, &m->size};
                for (size_t k = 0; k < 3; k++) {
                        r = json_get_uint32(o, keys[k], field(w3, w2, keys[k]), dst[k], err);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                return error_set(err, EINVAL, "`%s` is required", w3);
                }
                if (m->size == 0)
                        return error_set(err, EINVAL, "`%s.size` must not be 0", w2);
                if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1 ||
                    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
                        return error_set(err, ERANGE, "`%s` overflows the id range", w2);
                *ret_n = i + 1;
        }
        return 0;
}

static int parse_devices(const JsonValue *lx, OciLinux *l, WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX];
        const JsonValue *a = NULL;
        int r = get_typed(lx, "devices", "linux.devices", JSON_ARRAY, &a, err);
        if (r <= 0)
                return r;
        l->devices = xnew(OciDevice, a->u.array.n + 1);
        for (size_t i = 0; i < a->u.array.n; i++) {
                const JsonValue *o = a->u.array.items[i];
                item(w, "linux.devices", i);
                if (o->type != JSON_OBJECT)
                        return error_set(err, EINVAL, "`%s` must be an object", w);
                OciDevice *d = &l->devices[l->n_devices++];
                r = require_string(o, "path", field(w2, w, "path"), &d->path, err);
                if (r < 0)
                        return r;
                if (d->path[0] != '/')
                        return error_set(err, EINVAL, "`%s` must be an absolute path, not `%s`", w2,
                                         d->path);
                _cleanup_free_ char *type = NULL;
                r = require_string(o, "type", field(w2, w, "type"), &type, err);
                if (r < 0)
                        return r;
                if (strlen(type) != 1 || !strchr("cbup", type[0]))
                        return error_set(err, EINVAL, "`%s` must be one of c, b, u, p, not `%s`",
                                         w2, type);
                d->type = type[0];
                if (d->type != 'p') {
                        r = json_get_int64(o, "major", field(w2, w, "major"), &d->major, err);
                        if (r == 0)
                                r = error_set(err, EINVAL, "`%s` is required", w2);
                        if (r < 0)
                                return r;
                        r = json_get_int64(o, "minor", field(w2, w, "minor"), &d->minor, err);
                        if (r == 0)
                                r = error_set(err, EINVAL, "`%s` is required", w2);
                        if (r < 0)
                                return r;
                        if (d->major < 0 || d->major > 0xfff || d->minor < 0 || d->minor > 0xfffff)
                                return error_set(err, ERANGE, "`%s`: device number out of range",
                                                 w);
                }
                r = json_get_uint32(o, "fileMode", field(w2, w, "fileMode"), &d->file_mode, err);
                if (r < 0)
                        return r;
                d->has_file_mode = r > 0;
                r = json_get_uint32(o, "uid", field(w2, w, "uid"), &d->uid, err);
                if (r < 0)
                        return r;
                d->has_uid = r > 0;
                r = json_get_uint32(o, "gid", field(w2, w, "gid"), &d->gid, err);
                if (r < 0)
                        return r;
                d->has_gid = r > 0;
        }
        return 0;
}

void oci_resources_done(OciResources *r) {
        free(r->cpuset_cpus);
        free(r->cpuset_mems);
        strv_free(r->unified);
        *r = (OciResources){};
}

int oci_resources_from_json(const JsonValue *v, const char *what, OciResources *res,
                            WarrenError **err) {
        char w[WHAT_MAX], w2[WHAT_MAX];
        int r;
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "`%s` must be an object", what);
        const JsonValue *mem = NULL, *cpu = NULL, *pids = NULL;
        r = get_typed(v, "memory", field(w, what, "memory"), JSON_OBJECT, &mem, err);
        if (r < 0)
                return r;
        if (mem) {
                r = json_get_int64(mem, "limit", field(w2, w, "limit"), &res->memory_limit, err);
                if (r < 0)
                        return r;
                res->has_memory_limit = r > 0;
                r = json_get_int64(mem, "reservation", field(w2, w, "reservation"),
                                   &res->memory_reservation, err);
                if (r < 0)
                        return r;
                res->has_memory_reservation = r > 0;
                r = json_get_int64(mem, "swap", field(w2, w, "swap"), &res->memory_swap, err);
                if (r < 0)
                        return r;
                res->has_memory_swap = r > 0;
        }
        r = get_typed(v, "cpu", field(w, what, "cpu"), JSON_OBJECT, &cpu, err);
        if (r < 0)
                return r;
        if (cpu) {
                r = json_get_uint64(cpu, "shares", field(w2, w, "shares"), &res->cpu_shares, err);
                if (r < 0)
                        return r;
                res->has_cpu_shares = r > 0;
                r = json_get_int64(cpu, "quota", field(w2, w, "quota"), &res->cpu_quota, err);
                if (r < 0)
                        return r;
                res->has_cpu_quota = r > 0;
                r = json_get_uint64(cpu, "period", field(w2, w, "period"), &res->cpu_period, err);
                if (r < 0)
                        return r;
                res->has_cpu_period = r > 0;
                r = json_get_string(cpu, "cpus", field(w2, w, "cpus"), &res->cpuset_cpus, err);
                if (r < 0)
                        return r;
                r = json_get_string(cpu, "mems", field(w2, w, "mems"), &res->cpuset_mems, err);
                if (r < 0)
                        return r;
        }
        r = get_typed(v, "pids", field(w, what, "pids"), JSON_OBJECT, &pids, err);
        if (r < 0)
                return r;
        if (pids) {
                r = json_get_int64(pids, "limit", field(w2, w, "limit"), &res->pids_limit, err);
                if (r < 0)
                        return r;
                res->has_pids_limit = r > 0;
        }
        r = get_kv_object(v, "unified", field(w, what, "unified"), &res->unified, err);
        if (r < 0)
                return r;
        STRV_FOREACH (k, res->unified) {
                if (strchr(*k, '/') || STREQ(*k, "..") || STREQ(*k, "."))
                        return error_set(err, EINVAL, "`%s`: `%s` is not a cgroup file name", w,
                                         *k);
                k++; /* skip the value */
                if (!*k)
                        break;
        }
        /* devices, hugepageLimits, blockIO, network, rdma: accepted, not applied. */
        return 0;
}

static int parse_linux(const JsonValue *root, OciLinux *l, WarrenError **err) {
        const JsonValue *lx = NULL;
        int r = get_typed(root, "linux", "linux", JSON_OBJECT, &lx, err);
        if (r <= 0)
                return r;
        r = parse_namespaces(lx, l, err);
        if (r < 0)
                return r;
        r = parse_mappings(lx, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err);
        if (r < 0)
                return r;
        r = parse_mappings(lx, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err);
        if (r < 0)
                return r;
        r = parse_devices(lx, l, err);
        if (r < 0)
                return r;
        const JsonValue *res = NULL;
        r = get_typed(lx, "resources", "linux.resources", JSON_OBJECT, &res, err);
        if (r < 0)
                return r;
        if (res) {
                r = oci_resources_from_json(res, "linux.resources", &l->resources, err);
                if (r < 0)
                        return r;
                l->has_resources = true;
        }
        r = json_get_string(lx, "cgroupsPath", "linux.cgroupsPath", &l->cgroups_path, err);
        if (r < 0)
                return r;
        r = get_kv_object(lx, "sysctl", "linux.sysctl", &l->sysctl, err);
        if (r < 0)
                return r;
        r = json_get_strv(lx, "maskedPaths", "linux.maskedPaths", &l->masked_paths, err);
        if (r < 0)
                return r;
        r = json_get_strv(lx, "readonlyPaths", "linux.readonlyPaths", &l->readonly_paths, err);
        if (r < 0)
                return r;
        r = json_get_string(lx, "rootfsPropagation", "linux.rootfsPropagation",
                            &l->rootfs_propagation, err);
        if (r < 0)
                return r;
        if (l->rootfs_propagation) {
                static const char *const ok[] = {"private",    "rprivate",   "slave",
                                                 "rslave",     "shared",     "rshared",
                                                 "unbindable", "runbindable"};
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(ok); i++)
                        found = found || STREQ(ok[i], l->rootfs_propagation);
                if (!found)
                        return error_set(err, EINVAL,
                                         "`linux.rootfsPropagation`: unknown propagation `%s`",
                                         l->rootfs_propagation);
        }
        const JsonValue *sc = NULL;
        r = get_typed(lx, "seccomp", "linux.seccomp", JSON_OBJECT, &sc, err);
        if (r < 0)
                return r;
        if (sc)
                l->seccomp = json_copy(sc);
        /* mountLabel, intelRdt, personality: ignored. */
        return 0;
}

/* ---- the whole document ---- */

OciConfig *oci_config_free(OciConfig *c) {
        if (!c)
                return NULL;
        free(c->oci_version);
        oci_process_free(c->process);
        free(c->root_path);
        free(c->hostname);
        free(c->domainname);
        for (size_t i = 0; i < c->n_mounts; i++) {
                free(c->mounts[i].destination);
                free(c->mounts[i].source);
                free(c->mounts[i].type);
                strv_free(c->mounts[i].options);
        }
        free(c->mounts);
        for (size_t k = 0; k < _OCI_HOOK_MAX; k++) {
                for (size_t i = 0; i < c->n_hooks[k]; i++)
                        hook_done(&c->hooks[k][i]);
                free(c->hooks[k]);
        }
        strv_free(c->annotations);
        OciLinux *l = &c->linux_;
        for (size_t i = 0; i < _OCI_NS_MAX; i++)
                free(l->namespaces[i].path);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        oci_resources_done(&l->resources);
        free(l->cgroups_path);
        strv_free(l->sysctl);
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
        free(l->rootfs_propagation);
        json_free(l->seccomp);
        free(c);
        return NULL;
}

static int config_from_json(const JsonValue *v, OciConfig **ret, WarrenError **err) {
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "the configuration must be a JSON object, not %s",
                                 json_type_name(v->type));
        _cleanup_oci_config_ OciConfig *c = xnew(OciConfig, 1);
        int r = require_string(v, "ociVersion", "ociVersion", &c->oci_version, err);
        if (r < 0)
                return r;
        if (!STARTS_WITH(c->oci_version, "1."))
                return error_set(err, EINVAL, "`ociVersion` `%s` is not supported (want 1.x)",
                                 c->oci_version);
        const JsonValue *root = NULL;
        r = get_typed(v, "root", "root", JSON_OBJECT, &root, err);
        if (r < 0)
                return r;
        if (!root)
                return error_set(err, EINVAL, "`root` is required");
        r = require_string(root, "path", "root.path", &c->root_path, err);
        if (r < 0)
                return r;
        if (!c->root_path[0])
                return error_set(err, EINVAL, "`root.path` must not be empty");
        r = json_get_bool(root, "readonly", "root.readonly", &c->root_readonly, err);
        if (r < 0)
                return r;
        const JsonValue *proc = json_get(v, "process");
        if (proc && proc->type != JSON_NULL) {
                r = oci_process_from_json(proc, "process", &c->process, err);
                if (r < 0)
                        return r;
        }
        r = json_get_string(v, "hostname", "hostname", &c->hostname, err);
        if (r < 0)
                return r;
        r = json_get_string(v, "domainname", "domainname", &c->domainname, err);
        if (r < 0)
                return r;
        r = parse_mounts(v, c, err);
        if (r < 0)
                return r;
        r = parse_hooks(v, c, err);
        if (r < 0)
                return r;
        r = get_kv_object(v, "annotations", "annotations", &c->annotations, err);
        if (r < 0)
                return r;
        r = parse_linux(v, &c->linux_, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int oci_config_parse(const char *buf, size_t len, OciConfig **ret, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse(buf, len, OCI_CONFIG_MAX_SIZE, &v, err);
        if (r < 0)
                return r;
        return config_from_json(v, ret, err);
}

int oci_config_load(const char *path, OciConfig **ret, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse_file(path, OCI_CONFIG_MAX_SIZE, &v, err);
        if (r < 0)
                return r;
        r = config_from_json(v, ret, err);
        if (r < 0)
                return error_prefix(err, r, "`%s`", path);
        return 0;
}
