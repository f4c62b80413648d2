/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/image-change.h"

#include <ctype.h>
#include <strings.h>

#include "basic/json.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

/* Split on blanks; "..." (with \ escapes) and '...' group, their quotes dropped. */
static int tokenize(const char *s, char ***ret, WarrenError **err) {
        _cleanup_strv_ char **l = NULL;
        size_t len = strlen(s);
        _cleanup_free_ char *tok = xmalloc(len + 1);
        const char *p = s;
        for (;;) {
                while (*p && isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        break;
                size_t n = 0;
                while (*p && !isspace((unsigned char)*p)) {
                        if (*p == '"' || *p == '\'') {
                                char q = *p++;
                                while (*p && *p != q) {
                                        if (q == '"' && *p == '\\' && p[1])
                                                p++;
                                        tok[n++] = *p++;
                                }
                                if (*p != q)
                                        return error_set(err, EINVAL, "unterminated quote in `%s`",
                                                         s);
                                p++;
                        } else
                                tok[n++] = *p++;
                }
                strv_consume(&l, xstrndup(tok, n));
        }
        *ret = l ? TAKE_PTR(l) : xnew(char *, 1);
        return 0;
}

static int command_value(const char *args, const char *what, JsonValue **ret, WarrenError **err) {
        if (args[0] == '[') {
                _cleanup_json_ JsonValue *v = NULL;
                int r = json_parse(args, strlen(args), 64 * 1024, &v, err);
                if (r < 0)
                        return error_prefix(err, r, "%s", what);
                if (!json_is(v, JSON_ARRAY))
                        return error_set(err, EINVAL, "%s must be a JSON array of strings", what);
                for (size_t i = 0; i < json_length(v); i++)
                        if (!json_is(json_at(v, i), JSON_STRING))
                                return error_set(err, EINVAL, "%s must be a JSON array of strings",
                                                 what);
                *ret = TAKE_PTR(v);
                return 0;
        }
        JsonValue *a = json_new_array();
        json_array_append(a, json_new_string("/bin/sh"));
        json_array_append(a, json_new_string("-c"));
        json_array_append(a, json_new_string(args));
        *ret = a;
        return 0;
}

static JsonValue *ensure_object(JsonValue *config, const char *key) {
        JsonValue *o = (JsonValue *)json_get(config, key);
        if (json_is(o, JSON_OBJECT))
                return o;
        json_object_set(config, key, json_new_object());
        return (JsonValue *)json_get(config, key);
}

static void env_set(JsonValue *config, const char *key, const char *value) {
        JsonValue *env = (JsonValue *)json_get(config, "Env");
        JsonValue *n = json_new_array();
        size_t kl = strlen(key);
        for (size_t i = 0; json_is(env, JSON_ARRAY) && i < json_length(env); i++) {
                const char *e = json_string(json_at(env, i));
                if (!e || (strncmp(e, key, kl) == 0 && e[kl] == '='))
                        continue;
                json_array_append(n, json_new_string(e));
        }
        _cleanup_free_ char *kv = xasprintf("%s=%s", key, value);
        json_array_append(n, json_new_string(kv));
        json_object_set(config, "Env", n);
}

static int key_value_pairs(const char *args, const char *what, char ***ret, WarrenError **err) {
        _cleanup_strv_ char **toks = NULL;
        int r = tokenize(args, &toks, err);
        if (r < 0)
                return r;
        if (!toks[0])
                return error_set(err, EINVAL, "%s needs KEY=VALUE", what);
        STRV_FOREACH (t, toks)
                if (!strchr(*t, '=') || **t == '=')
                        return error_set(err, EINVAL, "%s: `%s` is not KEY=VALUE", what, *t);
        *ret = TAKE_PTR(toks);
        return 0;
}

static int expose(JsonValue *config, const char *args, WarrenError **err) {
        _cleanup_strv_ char **toks = NULL;
        int r = tokenize(args, &toks, err);
        if (r < 0)
                return r;
        if (!toks[0])
                return error_set(err, EINVAL, "EXPOSE needs a port");
        JsonValue *ports = ensure_object(config, "ExposedPorts");
        STRV_FOREACH (t, toks) {
                _cleanup_free_ char *port = xstrdup(*t);
                char *slash = strchr(port, '/');
                const char *proto = "tcp";
                if (slash) {
                        *slash = '\0';
                        proto = slash + 1;
                        if (STRNEQ(proto, "tcp") && STRNEQ(proto, "udp") && STRNEQ(proto, "sctp"))
                                return error_set(err, EINVAL, "EXPOSE: unknown protocol `%s`",
                                                 proto);
                }
                uint32_t p = 0;
                if (safe_atou32(port, &p) < 0 || p == 0 || p > 65535)
                        return error_set(err, EINVAL, "EXPOSE: invalid port `%s`", *t);
                _cleanup_free_ char *key = xasprintf("%u/%s", p, proto);
                json_object_set(ports, key, json_new_object());
        }
        return 0;
}

int image_change_apply(JsonValue *config, const char *change, WarrenError **err) {
        while (isspace((unsigned char)*change))
                change++;
        size_t il = 0;
        while (change[il] && !isspace((unsigned char)change[il]))
                il++;
        _cleanup_free_ char *instr = xstrndup(change, il);
        const char *args = change + il;
        while (isspace((unsigned char)*args))
                args++;
        _cleanup_free_ char *a = xstrdup(args);
        for (size_t n = strlen(a); n > 0 && isspace((unsigned char)a[n - 1]); n--)
                a[n - 1] = '\0';
        if (!instr[0])
                return error_set(err, EINVAL, "empty change");
        if (!json_is(config, JSON_OBJECT))
                return error_set(err, EINVAL, "config is not an object");
        int r;
        if (strcasecmp(instr, "CMD") == 0 || strcasecmp(instr, "ENTRYPOINT") == 0) {
                bool cmd = strcasecmp(instr, "CMD") == 0;
                JsonValue *v = NULL;
                if (!a[0])
                        return error_set(err, EINVAL, "%s needs a command",
                                         cmd ? "CMD" : "ENTRYPOINT");
                r = command_value(a, cmd ? "CMD" : "ENTRYPOINT", &v, err);
                if (r < 0)
                        return r;
                json_object_set(config, cmd ? "Cmd" : "Entrypoint", v);
                return 0;
        }
        if (strcasecmp(instr, "ENV") == 0) {
                if (!a[0])
                        return error_set(err, EINVAL, "ENV needs KEY=VALUE");
                const char *sp = strpbrk(a, " \t");
                const char *eq = strchr(a, '=');
                if (!eq || (sp && sp < eq)) {
                        /* ENV KEY VALUE */
                        if (!sp)
                                return error_set(err, EINVAL, "ENV `%s` has no value", a);
                        _cleanup_free_ char *key = xstrndup(a, (size_t)(sp - a));
                        while (isspace((unsigned char)*sp))
                                sp++;
                        env_set(config, key, sp);
                        return 0;
                }
                _cleanup_strv_ char **kvs = NULL;
                r = key_value_pairs(a, "ENV", &kvs, err);
                if (r < 0)
                        return r;
                STRV_FOREACH (kv, kvs) {
                        char *e = strchr(*kv, '=');
                        *e = '\0';
                        env_set(config, *kv, e + 1);
                }
                return 0;
        }
        if (strcasecmp(instr, "LABEL") == 0) {
                _cleanup_strv_ char **kvs = NULL;
                r = key_value_pairs(a, "LABEL", &kvs, err);
                if (r < 0)
                        return r;
                JsonValue *labels = ensure_object(config, "Labels");
                STRV_FOREACH (kv, kvs) {
                        char *e = strchr(*kv, '=');
                        *e = '\0';
                        json_object_set(labels, *kv, json_new_string(e + 1));
                }
                return 0;
        }
        if (strcasecmp(instr, "WORKDIR") == 0 || strcasecmp(instr, "USER") == 0) {
                bool wd = strcasecmp(instr, "WORKDIR") == 0;
                if (!a[0])
                        return error_set(err, EINVAL, "%s needs a value", wd ? "WORKDIR" : "USER");
                if (wd && a[0] != '/')
                        return error_set(err, EINVAL, "WORKDIR `%s` is not absolute", a);
                json_object_set(config, wd ? "WorkingDir" : "User", json_new_string(a));
                return 0;
        }
        if (strcasecmp(instr, "EXPOSE") == 0)
                return expose(config, a, err);
        return error_set(err, ENOTSUP,
                         "unsupported change `%s` (CMD, ENTRYPOINT, ENV, WORKDIR, "
                         "USER, LABEL and EXPOSE are)",
                         instr);
}
