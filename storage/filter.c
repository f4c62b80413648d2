/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's filter strings and docker's key=value filters (see filter.h). */
#include "storage/filter.h"

#include <ctype.h>
#include <regex.h>

#include "basic/strv.h"
#include "basic/xalloc.h"

typedef enum FilterOp {
        OP_PRESENT,
        OP_EQUAL,
        OP_NOT_EQUAL,
        OP_MATCHES,
        OP_PREFIX, /* docker's id filter */
} FilterOp;

typedef struct Selector {
        char **path;
        size_t n_path;
        FilterOp op;
        char *value;
        regex_t re;
        bool has_re;
} Selector;

/* A clause matches when any of its selectors does (docker's repeated keys); containerd's
 * clauses have one selector each. */
typedef struct Clause {
        Selector *sel;
        size_t n;
} Clause;

/* An alternative matches when all its clauses do. */
typedef struct Alternative {
        Clause *clauses;
        size_t n;
} Alternative;

/* The filter matches when any alternative does (or when there is none). */
struct Filter {
        Alternative *alts;
        size_t n;
};

static void selector_clear(Selector *s) {
        strv_free(s->path);
        free(s->value);
        if (s->has_re)
                regfree(&s->re);
        *s = (Selector){};
}

static void alternative_clear(Alternative *a) {
        for (size_t i = 0; i < a->n; i++) {
                for (size_t j = 0; j < a->clauses[i].n; j++)
                        selector_clear(&a->clauses[i].sel[j]);
                free(a->clauses[i].sel);
        }
        free(a->clauses);
        *a = (Alternative){};
}

Filter *filter_free(Filter *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                alternative_clear(&f->alts[i]);
        free(f->alts);
        free(f);
        return NULL;
}

bool filter_is_empty(const Filter *f) {
        return !f || f->n == 0;
}

static void clause_add(Clause *c, Selector *s) {
        c->sel = xreallocarray(c->sel, c->n + 1, sizeof(Selector));
        c->sel[c->n++] = *s;
        *s = (Selector){};
}

static Clause *alternative_add(Alternative *a) {
        a->clauses = xreallocarray(a->clauses, a->n + 1, sizeof(Clause));
        a->clauses[a->n] = (Clause){};
        return &a->clauses[a->n++];
}

static void filter_add(Filter *f, Alternative *a) {
        f->alts = xreallocarray(f->alts, f->n + 1, sizeof(Alternative));
        f->alts[f->n++] = *a;
        *a = (Alternative){};
}

static int compile(Selector *s, const char *src, WarrenError **err) {
        int r = regcomp(&s->re, s->value, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                char msg[128];
                regerror(r, &s->re, msg, sizeof(msg));
                return error_set(err, EINVAL, "filter `%s`: bad regular expression `%s`: %s", src,
                                 s->value, msg);
        }
        s->has_re = true;
        return 0;
}

/* ---- containerd syntax ---- */

typedef struct Parser {
        const char *src;
        const char *p;
} Parser;

static void skip_space(Parser *ps) {
        while (isspace((unsigned char)*ps->p))
                ps->p++;
}

static int syntax(Parser *ps, const char *what, WarrenError **err) {
        return error_set(err, EINVAL, "filter `%s`: %s at position %zu", ps->src, what,
                         (size_t)(ps->p - ps->src));
}

/* A quoted string: "..." with escapes, `...` or '...' raw. */
static int quoted(Parser *ps, char **ret, WarrenError **err) {
        char q = *ps->p++;
        size_t cap = 16, n = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        for (;;) {
                char c = *ps->p;
                if (!c)
                        return syntax(ps, "unterminated quoted string", err);
                ps->p++;
                if (c == q)
                        break;
                if (c == '\\' && q == '"') {
                        char e = *ps->p++;
                        switch (e) {
                        case 'n':
                                c = '\n';
                                break;
                        case 't':
                                c = '\t';
                                break;
                        case 'r':
                                c = '\r';
                                break;
                        case '\\':
                                c = '\\';
                                break;
                        case '"':
                                c = '"';
                                break;
                        case '\'':
                                c = '\'';
                                break;
                        case 'x': {
                                unsigned v;
                                if (!isxdigit((unsigned char)ps->p[0]) ||
                                    !isxdigit((unsigned char)ps->p[1]) ||
                                    sscanf(ps->p, "%2x", &v) != 1 || v == 0)
                                        return syntax(ps, "bad \\x escape", err);
                                ps->p += 2;
                                c = (char)v;
                                break;
                        }
                        default:
                                ps->p--;
                                return syntax(ps, "bad escape", err);
                        }
                }
                if (n + 2 > cap)
                        buf = xrealloc(buf, cap *= 2);
                buf[n++] = c;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

static bool field_char(char c) {
        return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int field(Parser *ps, char **ret, WarrenError **err) {
        if (*ps->p == '"' || *ps->p == '`' || *ps->p == '\'')
                return quoted(ps, ret, err);
        const char *start = ps->p;
        while (field_char(*ps->p))
                ps->p++;
        if (ps->p == start)
                return syntax(ps, "expected a field name", err);
        *ret = xstrndup(start, (size_t)(ps->p - start));
        return 0;
}

static int value(Parser *ps, char **ret, WarrenError **err) {
        if (*ps->p == '"' || *ps->p == '`' || *ps->p == '\'')
                return quoted(ps, ret, err);
        const char *start = ps->p;
        while (*ps->p && !isspace((unsigned char)*ps->p) && *ps->p != ',' &&
               !(ps->p[0] == '|' && ps->p[1] == '|'))
                ps->p++;
        if (ps->p == start)
                return syntax(ps, "expected a value", err);
        *ret = xstrndup(start, (size_t)(ps->p - start));
        return 0;
}

static int selector(Parser *ps, Selector *s, WarrenError **err) {
        skip_space(ps);
        for (;;) {
                char *f = NULL;
                int r = field(ps, &f, err);
                if (r < 0)
                        return r;
                strv_consume(&s->path, f);
                s->n_path++;
                if (*ps->p != '.')
                        break;
                ps->p++;
        }
        skip_space(ps);
        if (STARTS_WITH(ps->p, "=="))
                s->op = OP_EQUAL;
        else if (STARTS_WITH(ps->p, "!="))
                s->op = OP_NOT_EQUAL;
        else if (STARTS_WITH(ps->p, "~="))
                s->op = OP_MATCHES;
        else {
                s->op = OP_PRESENT;
                return 0;
        }
        ps->p += 2;
        skip_space(ps);
        int r = value(ps, &s->value, err);
        if (r < 0)
                return r;
        if (s->op == OP_MATCHES)
                return compile(s, ps->src, err);
        return 0;
}

int filter_parse(const char *s, Filter **ret, WarrenError **err) {
        Filter *f = xnew(Filter, 1);
        _cleanup_filter_ Filter *owned = f;
        Parser ps = {.src = s, .p = s};
        skip_space(&ps);
        if (!*ps.p) {
                *ret = TAKE_PTR(owned);
                return 0;
        }
        for (;;) {
                Alternative a = {};
                for (;;) {
                        Selector sel = {};
                        int r = selector(&ps, &sel, err);
                        if (r < 0) {
                                selector_clear(&sel);
                                alternative_clear(&a);
                                return r;
                        }
                        clause_add(alternative_add(&a), &sel);
                        skip_space(&ps);
                        if (*ps.p != ',')
                                break;
                        ps.p++;
                }
                filter_add(f, &a);
                skip_space(&ps);
                if (!*ps.p)
                        break;
                if (!STARTS_WITH(ps.p, "||"))
                        return syntax(&ps, "expected `,` or `||`", err);
                ps.p += 2;
        }
        *ret = TAKE_PTR(owned);
        return 0;
}

int filter_parse_all(char *const *strs, Filter **ret, WarrenError **err) {
        Filter *f = xnew(Filter, 1);
        _cleanup_filter_ Filter *owned = f;
        STRV_FOREACH (s, strs) {
                _cleanup_filter_ Filter *one = NULL;
                int r = filter_parse(*s, &one, err);
                if (r < 0)
                        return r;
                if (one->n == 0) {
                        /* An empty string matches everything: so does the whole OR. */
                        for (size_t i = 0; i < f->n; i++)
                                alternative_clear(&f->alts[i]);
                        f->n = 0;
                        *ret = TAKE_PTR(owned);
                        return 0;
                }
                for (size_t i = 0; i < one->n; i++)
                        filter_add(f, &one->alts[i]);
        }
        *ret = TAKE_PTR(owned);
        return 0;
}

/* ---- docker syntax ---- */

static bool is_containerd_syntax(const char *s) {
        return strstr(s, "==") || strstr(s, "!=") || strstr(s, "~=") || !strchr(s, '=');
}

static int docker_selector(const char *kv, Selector *s, char **ret_key, WarrenError **err) {
        const char *eq = strchr(kv, '=');
        _cleanup_free_ char *key = xstrndup(kv, (size_t)(eq - kv));
        const char *val = eq + 1;
        for (char *k = key; *k; k++)
                *k = (char)tolower((unsigned char)*k);
        if (!*key)
                return error_set(err, EINVAL, "filter `%s`: empty key", kv);
        if (STREQ(key, "label") || STREQ(key, "labels")) {
                const char *eq2 = strchr(val, '=');
                if (!*val || eq2 == val)
                        return error_set(err, EINVAL, "filter `%s`: empty label key", kv);
                strv_push(&s->path, "labels");
                strv_consume(&s->path, eq2 ? xstrndup(val, (size_t)(eq2 - val)) : xstrdup(val));
                s->n_path = 2;
                s->op = eq2 ? OP_EQUAL : OP_PRESENT;
                s->value = eq2 ? xstrdup(eq2 + 1) : NULL;
                /* label=a and label=b are both required, as in docker. */
                *ret_key = xasprintf("label=%s", s->path[1]);
                return 0;
        }
        const char *field = key;
        FilterOp op = OP_EQUAL;
        if (STREQ(key, "id"))
                op = OP_PREFIX;
        else if (STREQ(key, "name"))
                op = OP_MATCHES;
        else if (STREQ(key, "status") || STREQ(key, "state"))
                field = "state";
        else if (STREQ(key, "sandbox") || STREQ(key, "pod")) {
                field = "sandbox";
                op = OP_PREFIX;
        } else if (STREQ(key, "image") || STREQ(key, "ancestor"))
                field = "image";
        else if (STREQ(key, "reference"))
                field = "reference";
        strv_push(&s->path, field);
        s->n_path = 1;
        s->op = op;
        s->value = xstrdup(val);
        *ret_key = xstrdup(field);
        if (op == OP_MATCHES)
                return compile(s, kv, err);
        return 0;
}

int filter_parse_docker(char *const *kvs, Filter **ret, WarrenError **err) {
        Filter *f = xnew(Filter, 1);
        _cleanup_filter_ Filter *owned = f;
        Alternative a = {};
        _cleanup_strv_ char **keys = NULL; /* the key of each clause of `a` */
        STRV_FOREACH (kv, kvs) {
                int r;
                if (is_containerd_syntax(*kv)) {
                        _cleanup_filter_ Filter *one = NULL;
                        r = filter_parse(*kv, &one, err);
                        if (r < 0) {
                                alternative_clear(&a);
                                return r;
                        }
                        if (one->n > 1 && strv_length(kvs) > 1) {
                                alternative_clear(&a);
                                return error_set(
                                        err, EINVAL,
                                        "filter `%s`: `||` cannot be combined with other filters",
                                        *kv);
                        }
                        if (one->n > 1) {
                                *ret = TAKE_PTR(one);
                                return 0;
                        }
                        for (size_t i = 0; one->n == 1 && i < one->alts[0].n; i++) {
                                Clause *src = &one->alts[0].clauses[i];
                                Clause *dst = alternative_add(&a);
                                *dst = *src;
                                *src = (Clause){};
                                strv_push(&keys, "");
                        }
                        continue;
                }
                Selector sel = {};
                _cleanup_free_ char *key = NULL;
                r = docker_selector(*kv, &sel, &key, err);
                if (r < 0) {
                        selector_clear(&sel);
                        alternative_clear(&a);
                        return r;
                }
                Clause *c = NULL;
                for (size_t i = 0; i < a.n; i++)
                        if (*keys[i] && STREQ(keys[i], key))
                                c = &a.clauses[i];
                if (!c) {
                        c = alternative_add(&a);
                        strv_push(&keys, key);
                }
                clause_add(c, &sel);
        }
        if (a.n > 0)
                filter_add(f, &a);
        *ret = TAKE_PTR(owned);
        return 0;
}

/* ---- matching ---- */

static bool prefix_of(const char *v, const char *prefix) {
        if (STARTS_WITH(v, prefix))
                return true;
        const char *colon = strchr(v, ':');
        return colon && STARTS_WITH(colon + 1, prefix);
}

static bool selector_match(const Selector *s, FilterAdaptor adaptor, const void *obj) {
        const char *values[FILTER_MAX_VALUES];
        size_t n = adaptor(obj, s->path, s->n_path, values, FILTER_MAX_VALUES);
        switch (s->op) {
        case OP_PRESENT:
                return n > 0;
        case OP_EQUAL:
                for (size_t i = 0; i < n; i++)
                        if (STREQ(values[i], s->value))
                                return true;
                return false;
        case OP_NOT_EQUAL:
                for (size_t i = 0; i < n; i++)
                        if (STREQ(values[i], s->value))
                                return false;
                return true;
        case OP_MATCHES:
                for (size_t i = 0; i < n; i++)
                        if (regexec(&s->re, values[i], 0, NULL, 0) == 0)
                                return true;
                return false;
        case OP_PREFIX:
                for (size_t i = 0; i < n; i++)
                        if (prefix_of(values[i], s->value))
                                return true;
                return false;
        }
        return false;
}

bool filter_match(const Filter *f, FilterAdaptor adaptor, const void *obj) {
        if (filter_is_empty(f))
                return true;
        for (size_t i = 0; i < f->n; i++) {
                const Alternative *a = &f->alts[i];
                bool all = true;
                for (size_t j = 0; j < a->n && all; j++) {
                        bool any = false;
                        for (size_t k = 0; k < a->clauses[j].n && !any; k++)
                                any = selector_match(&a->clauses[j].sel[k], adaptor, obj);
                        all = any;
                }
                if (all)
                        return true;
        }
        return false;
}
