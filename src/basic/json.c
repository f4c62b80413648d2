/* SPDX-License-Identifier: Apache-2.0 */
/* The one file that includes yajl. */
#include "basic/json.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

/* ---- tree ---- */

static JsonValue *json_new(JsonType t) {
        JsonValue *v = xnew(JsonValue, 1);
        v->type = t;
        return v;
}

JsonValue *json_new_null(void) {
        return json_new(JSON_NULL);
}

JsonValue *json_new_bool(bool b) {
        JsonValue *v = json_new(JSON_BOOL);
        v->u.boolean = b;
        return v;
}

JsonValue *json_new_integer(int64_t i) {
        JsonValue *v = json_new(JSON_INTEGER);
        v->u.integer = i;
        return v;
}

JsonValue *json_new_string(const char *s) {
        JsonValue *v = json_new(JSON_STRING);
        v->u.string = xstrdup(s);
        return v;
}

JsonValue *json_new_array(void) {
        return json_new(JSON_ARRAY);
}

JsonValue *json_new_object(void) {
        return json_new(JSON_OBJECT);
}

JsonValue *json_free(JsonValue *v) {
        if (!v)
                return NULL;
        /* Iterative over arrays/objects would be nicer, but depth is capped at JSON_MAX_DEPTH
         * by the parser, so recursion is bounded. */
        switch (v->type) {
        case JSON_STRING:
                free(v->u.string);
                break;
        case JSON_ARRAY:
                for (size_t i = 0; i < v->u.array.n; i++)
                        json_free(v->u.array.items[i]);
                free(v->u.array.items);
                break;
        case JSON_OBJECT:
                for (size_t i = 0; i < v->u.object.n; i++) {
                        free(v->u.object.keys[i]);
                        json_free(v->u.object.values[i]);
                }
                free(v->u.object.keys);
                free(v->u.object.values);
                break;
        default:
                break;
        }
        free(v);
        return NULL;
}

void json_array_append(JsonValue *array, JsonValue *item) {
        if (!array || array->type != JSON_ARRAY) {
                json_free(item);
                return;
        }
        size_t n = array->u.array.n;
        if ((n & (n - 1)) == 0) /* grow at powers of two */
                array->u.array.items = xreallocarray(array->u.array.items, n ? n * 2 : 1,
                                                     sizeof(JsonValue *));
        array->u.array.items[array->u.array.n++] = item;
}

static void object_append(JsonValue *object, char *key, JsonValue *value) {
        size_t n = object->u.object.n;
        /* Capacity: 8, then doubling (records have a dozen keys or so). */
        if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
                size_t cap = n ? n * 2 : 8;
                object->u.object.keys = xreallocarray(object->u.object.keys, cap, sizeof(char *));
                object->u.object.values =
                        xreallocarray(object->u.object.values, cap, sizeof(JsonValue *));
        }
        object->u.object.keys[n] = key;
        object->u.object.values[n] = value;
        object->u.object.n++;
}

void json_object_set(JsonValue *object, const char *key, JsonValue *value) {
        if (!object || object->type != JSON_OBJECT) {
                json_free(value);
                return;
        }
        for (size_t i = 0; i < object->u.object.n; i++)
                if (STREQ(object->u.object.keys[i], key)) {
                        json_free(object->u.object.values[i]);
                        object->u.object.values[i] = value;
                        return;
                }
        object_append(object, xstrdup(key), value);
}

void json_object_add(JsonValue *object, const char *key, JsonValue *value) {
        if (!object || object->type != JSON_OBJECT) {
                json_free(value);
                return;
        }
        object_append(object, xstrdup(key), value);
}

JsonValue *json_copy(const JsonValue *v) {
        if (!v)
                return NULL;
        JsonValue *c = json_new(v->type);
        switch (v->type) {
        case JSON_STRING:
                c->u.string = xstrdup(v->u.string);
                break;
        case JSON_ARRAY:
                for (size_t i = 0; i < v->u.array.n; i++)
                        json_array_append(c, json_copy(v->u.array.items[i]));
                break;
        case JSON_OBJECT:
                for (size_t i = 0; i < v->u.object.n; i++)
                        object_append(c, xstrdup(v->u.object.keys[i]),
                                      json_copy(v->u.object.values[i]));
                break;
        default:
                c->u = v->u;
                c->unsigned_big = v->unsigned_big;
                break;
        }
        return c;
}

const JsonValue *json_get(const JsonValue *object, const char *key) {
        if (!object || object->type != JSON_OBJECT || !key)
                return NULL;
        /* From the end: with duplicate keys the last one wins. */
        for (size_t i = object->u.object.n; i > 0; i--)
                if (STREQ(object->u.object.keys[i - 1], key))
                        return object->u.object.values[i - 1];
        return NULL;
}

const JsonValue *json_get_path(const JsonValue *v, ...) {
        va_list ap;
        va_start(ap, v);
        const char *key;
        while (v && (key = va_arg(ap, const char *)))
                v = json_get(v, key);
        va_end(ap);
        return v;
}

const char *json_string(const JsonValue *v) {
        return json_is(v, JSON_STRING) ? v->u.string : NULL;
}

size_t json_length(const JsonValue *v) {
        if (json_is(v, JSON_ARRAY))
                return v->u.array.n;
        if (json_is(v, JSON_OBJECT))
                return v->u.object.n;
        return 0;
}

const JsonValue *json_at(const JsonValue *array, size_t i) {
        if (!json_is(array, JSON_ARRAY) || i >= array->u.array.n)
                return NULL;
        return array->u.array.items[i];
}

const char *json_type_name(JsonType t) {
        static const char *const names[] = {
                [JSON_NULL] = "null",     [JSON_BOOL] = "boolean", [JSON_INTEGER] = "integer",
                [JSON_DOUBLE] = "number", [JSON_STRING] = "string", [JSON_ARRAY] = "array",
                [JSON_OBJECT] = "object",
        };
        return (unsigned) t < ELEMENTSOF(names) ? names[t] : "unknown";
}

/* ---- typed getters ---- */

static int type_error(const JsonValue *v, const char *what, const char *want, WarrenError **err) {
        return error_set(err, EINVAL, "`%s` must be %s, not %s", what, want,
                         json_type_name(v->type));
}

int json_get_string(const JsonValue *obj, const char *key, const char *what, char **ret,
                    WarrenError **err) {
        const JsonValue *v = json_get(obj, key);
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_STRING)
                return type_error(v, what ? what : key, "a string", err);
        free(*ret);
        *ret = xstrdup(v->u.string);
        return 1;
}

int json_get_bool(const JsonValue *obj, const char *key, const char *what, bool *ret,
                  WarrenError **err) {
        const JsonValue *v = json_get(obj, key);
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_BOOL)
                return type_error(v, what ? what : key, "a boolean", err);
        *ret = v->u.boolean;
        return 1;
}

int json_get_int64(const JsonValue *obj, const char *key, const char *what, int64_t *ret,
                   WarrenError **err) {
        const JsonValue *v = json_get(obj, key);
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_INTEGER)
                return type_error(v, what ? what : key, "an integer", err);
        if (v->unsigned_big)
                return error_set(err, ERANGE, "`%s` is out of range", what ? what : key);
        *ret = v->u.integer;
        return 1;
}

int json_get_uint64(const JsonValue *obj, const char *key, const char *what, uint64_t *ret,
                    WarrenError **err) {
        const JsonValue *v = json_get(obj, key);
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_INTEGER)
                return type_error(v, what ? what : key, "an integer", err);
        if (!v->unsigned_big && v->u.integer < 0)
                return error_set(err, ERANGE, "`%s` must not be negative", what ? what : key);
        *ret = (uint64_t) v->u.integer;
        return 1;
}

int json_get_uint32(const JsonValue *obj, const char *key, const char *what, uint32_t *ret,
                    WarrenError **err) {
        uint64_t u = 0;
        int r = json_get_uint64(obj, key, what, &u, err);
        if (r <= 0)
                return r;
        if (u > UINT32_MAX)
                return error_set(err, ERANGE, "`%s` is out of range", what ? what : key);
        *ret = (uint32_t) u;
        return 1;
}

int json_get_strv(const JsonValue *obj, const char *key, const char *what, char ***ret,
                  WarrenError **err) {
        const JsonValue *v = json_get(obj, key);
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_ARRAY)
                return type_error(v, what ? what : key, "an array of strings", err);
        char **l = xnew(char *, v->u.array.n + 1);
        for (size_t i = 0; i < v->u.array.n; i++) {
                const JsonValue *item = v->u.array.items[i];
                if (item->type != JSON_STRING) {
                        strv_free(l);
                        return error_set(err, EINVAL, "`%s[%zu]` must be a string, not %s",
                                         what ? what : key, i, json_type_name(item->type));
                }
                l[i] = xstrdup(item->u.string);
        }
        strv_free(*ret);
        *ret = l;
        return 1;
}

/* ---- parser ---- */

/* A bump allocator for JsonDoc: chunks, each at least twice the last, freed together. */
typedef struct ArenaChunk {
        struct ArenaChunk *next;
        size_t used, size;
        max_align_t data[];
} ArenaChunk;

typedef struct Arena {
        ArenaChunk *head;
} Arena;

static void *arena_alloc(Arena *a, size_t n) {
        n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
        ArenaChunk *c = a->head;
        if (!c || c->size - c->used < n) {
                size_t size = c ? c->size * 2 : 4096;
                if (size < n)
                        size = n;
                ArenaChunk *nc = xmalloc(sizeof(ArenaChunk) + size);
                nc->next = c;
                nc->used = 0;
                nc->size = size;
                a->head = c = nc;
        }
        void *p = (char *)c->data + c->used;
        c->used += n;
        return p;
}

static void arena_free(Arena *a) {
        for (ArenaChunk *c = a->head, *next; c; c = next) {
                next = c->next;
                free(c);
        }
        a->head = NULL;
}

struct JsonDoc {
        Arena arena;
        JsonValue *root;
};

typedef struct Builder {
        JsonValue *root;
        JsonValue *stack[JSON_MAX_DEPTH];
        size_t depth;
        char *key;
        bool too_deep;
        Arena *arena; /* NULL: the tree is on the heap */
} Builder;

static JsonValue *b_new(Builder *b, JsonType t) {
        if (!b->arena)
                return json_new(t);
        JsonValue *v = arena_alloc(b->arena, sizeof(JsonValue));
        *v = (JsonValue){.type = t};
        return v;
}

/* Arrays of an arena tree grow like the heap's (powers of two; objects from 8), by copying. */
static void *b_grow(Builder *b, void *old, size_t n, size_t cap, size_t size) {
        if (!b->arena)
                return xreallocarray(old, cap, size);
        void *p = arena_alloc(b->arena, cap * size);
        if (n)
                memcpy(p, old, n * size);
        return p;
}

static void b_append(Builder *b, JsonValue *top, char *key, JsonValue *v) {
        if (top->type == JSON_ARRAY) {
                size_t n = top->u.array.n;
                if ((n & (n - 1)) == 0)
                        top->u.array.items =
                                b_grow(b, top->u.array.items, n, n ? n * 2 : 1, sizeof(JsonValue *));
                top->u.array.items[top->u.array.n++] = v;
                return;
        }
        size_t n = top->u.object.n;
        if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
                size_t cap = n ? n * 2 : 8;
                top->u.object.keys = b_grow(b, top->u.object.keys, n, cap, sizeof(char *));
                top->u.object.values =
                        b_grow(b, top->u.object.values, n, cap, sizeof(JsonValue *));
        }
        top->u.object.keys[n] = key;
        top->u.object.values[n] = v;
        top->u.object.n++;
}

static int add_value(Builder *b, JsonValue *v) {
        if (b->depth == 0) {
                if (!b->arena)
                        json_free(b->root);
                b->root = v;
                return 1;
        }
        char *key = NULL;
        JsonValue *top = b->stack[b->depth - 1];
        if (top->type == JSON_OBJECT) {
                key = b->key ? b->key : b->arena ? (char *)"" : xstrdup("");
                b->key = NULL;
        }
        b_append(b, top, key, v);
        return 1;
}

static int push(Builder *b, JsonValue *v) {
        add_value(b, v);
        if (b->depth >= JSON_MAX_DEPTH) {
                b->too_deep = true;
                return 0;
        }
        b->stack[b->depth++] = v;
        return 1;
}

static int cb_null(void *ctx) {
        return add_value(ctx, b_new(ctx, JSON_NULL));
}

static int cb_boolean(void *ctx, int b) {
        JsonValue *v = b_new(ctx, JSON_BOOL);
        v->u.boolean = b;
        return add_value(ctx, v);
}

static int cb_number(void *ctx, const char *s, size_t len) {
        char buf[64];
        JsonValue *v;
        if (len >= sizeof(buf))
                len = sizeof(buf) - 1; /* a longer literal becomes a rounded double below */
        memcpy(buf, s, len);
        buf[len] = 0;
        bool integral = !strpbrk(buf, ".eE");
        if (integral) {
                errno = 0;
                char *end = NULL;
                if (buf[0] == '-') {
                        long long i = strtoll(buf, &end, 10);
                        if (errno == 0 && end && *end == 0) {
                                v = b_new(ctx, JSON_INTEGER);
                                v->u.integer = i;
                                return add_value(ctx, v);
                        }
                } else {
                        unsigned long long u = strtoull(buf, &end, 10);
                        if (errno == 0 && end && *end == 0) {
                                v = b_new(ctx, JSON_INTEGER);
                                v->u.integer = (int64_t) u;
                                v->unsigned_big = u > INT64_MAX;
                                return add_value(ctx, v);
                        }
                }
        }
        v = b_new(ctx, JSON_DOUBLE);
        v->u.number = strtod(buf, NULL);
        return add_value(ctx, v);
}

/* A copy of a parsed string; NULL for one with an embedded NUL (\u0000), which would silently
 * truncate. One pass over the bytes: this runs for every string of every record loaded. */
static char *copy_string(Builder *b, const unsigned char *s, size_t len) {
        if (memchr(s, 0, len))
                return NULL;
        char *c = b->arena ? arena_alloc(b->arena, len + 1) : xmalloc(len + 1);
        memcpy(c, s, len);
        c[len] = 0;
        return c;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len) {
        char *c = copy_string(ctx, s, len);
        if (!c)
                return 0;
        JsonValue *v = b_new(ctx, JSON_STRING);
        v->u.string = c;
        return add_value(ctx, v);
}

static int cb_start_map(void *ctx) {
        return push(ctx, b_new(ctx, JSON_OBJECT));
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len) {
        Builder *b = ctx;
        if (!b->arena)
                free(b->key);
        b->key = copy_string(b, s, len);
        return b->key != NULL;
}

static int cb_end(void *ctx) {
        Builder *b = ctx;
        if (b->depth > 0)
                b->depth--;
        return 1;
}

static int cb_start_array(void *ctx) {
        return push(ctx, b_new(ctx, JSON_ARRAY));
}

static const yajl_callbacks callbacks = {
        .yajl_null = cb_null,
        .yajl_boolean = cb_boolean,
        .yajl_number = cb_number,
        .yajl_string = cb_string,
        .yajl_start_map = cb_start_map,
        .yajl_map_key = cb_map_key,
        .yajl_end_map = cb_end,
        .yajl_start_array = cb_start_array,
        .yajl_end_array = cb_end,
};

static int parse(const char *buf, size_t len, size_t max_size, Builder *b, WarrenError **err) {
        if (max_size == 0)
                max_size = JSON_DEFAULT_MAX_SIZE;
        if (len > max_size)
                return error_set(err, EFBIG, "document of %zu bytes exceeds the limit of %zu",
                                 len, max_size);
        yajl_handle h = yajl_alloc(&callbacks, NULL, b);
        if (!h)
                abort();
        yajl_status st = yajl_parse(h, (const unsigned char *) buf, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(h);
        int r = 0;
        if (st != yajl_status_ok) {
                size_t off = yajl_get_bytes_consumed(h);
                if (b->too_deep)
                        r = error_set(err, EINVAL, "nesting deeper than %d levels",
                                      JSON_MAX_DEPTH);
                else {
                        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
                        char *m = (char *) msg, *nl;
                        if (m && (nl = strchr(m, '\n')))
                                *nl = 0;
                        r = error_set(err, EINVAL, "invalid JSON near byte %zu: %s", off,
                                      m && *m ? m : "parse error");
                        yajl_free_error(h, msg);
                }
        } else if (!b->root)
                r = error_set(err, EINVAL, "empty JSON document");
        yajl_free(h);
        return r;
}

int json_parse(const char *buf, size_t len, size_t max_size, JsonValue **ret, WarrenError **err) {
        Builder b = {};
        int r = parse(buf, len, max_size, &b, err);
        free(b.key);
        if (r < 0) {
                json_free(b.root);
                return r;
        }
        *ret = b.root;
        return 0;
}

int json_parse_doc(const char *buf, size_t len, size_t max_size, JsonDoc **ret,
                   WarrenError **err) {
        JsonDoc *d = xnew(JsonDoc, 1);
        Builder b = {.arena = &d->arena};
        int r = parse(buf, len, max_size, &b, err);
        if (r < 0) {
                json_doc_free(d);
                return r;
        }
        d->root = b.root;
        *ret = d;
        return 0;
}

const JsonValue *json_doc_root(const JsonDoc *d) {
        return d ? d->root : NULL;
}

JsonDoc *json_doc_free(JsonDoc *d) {
        if (d) {
                arena_free(&d->arena);
                free(d);
        }
        return NULL;
}

int json_parse_fd(int fd, size_t max_size, JsonValue **ret, WarrenError **err) {
        if (max_size == 0)
                max_size = JSON_DEFAULT_MAX_SIZE;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_fd_capped(fd, max_size, &buf, &len, err);
        if (r < 0)
                return r;
        return json_parse(buf, len, max_size, ret, err);
}

int json_parse_file(const char *path, size_t max_size, JsonValue **ret, WarrenError **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        int r = json_parse_fd(fd, max_size, ret, err);
        if (r < 0)
                return error_prefix(err, r, "read `%s`", path);
        return 0;
}

/* ---- generator ---- */

struct JsonGen {
        yajl_gen gen;
        yajl_gen_status status;
};

JsonGen *json_gen_new(bool pretty) {
        JsonGen *g = xnew(JsonGen, 1);
        g->gen = yajl_gen_alloc(NULL);
        if (!g->gen)
                abort();
        if (pretty) {
                yajl_gen_config(g->gen, yajl_gen_beautify, 1);
                yajl_gen_config(g->gen, yajl_gen_indent_string, "  ");
        }
        return g;
}

JsonGen *json_gen_free(JsonGen *g) {
        if (g) {
                yajl_gen_free(g->gen);
                free(g);
        }
        return NULL;
}

#define GEN(g, call)                                                                               \
        do {                                                                                       \
                if ((g)->status == yajl_gen_status_ok)                                             \
                        (g)->status = (call);                                                      \
        } while (0)

void json_gen_begin_object(JsonGen *g) {
        GEN(g, yajl_gen_map_open(g->gen));
}
void json_gen_end_object(JsonGen *g) {
        GEN(g, yajl_gen_map_close(g->gen));
}
void json_gen_begin_array(JsonGen *g) {
        GEN(g, yajl_gen_array_open(g->gen));
}
void json_gen_end_array(JsonGen *g) {
        GEN(g, yajl_gen_array_close(g->gen));
}
void json_gen_stringn(JsonGen *g, const char *s, size_t n) {
        GEN(g, yajl_gen_string(g->gen, (const unsigned char *) s, n));
}
void json_gen_key(JsonGen *g, const char *key) {
        json_gen_stringn(g, key, strlen(key));
}
void json_gen_string(JsonGen *g, const char *s) {
        if (!s)
                json_gen_null(g);
        else
                json_gen_stringn(g, s, strlen(s));
}
void json_gen_int(JsonGen *g, int64_t i) {
        GEN(g, yajl_gen_integer(g->gen, (long long) i));
}
void json_gen_uint(JsonGen *g, uint64_t u) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, u);
        GEN(g, yajl_gen_number(g->gen, buf, (size_t) n));
}
void json_gen_double(JsonGen *g, double d) {
        GEN(g, yajl_gen_double(g->gen, d));
}
void json_gen_bool(JsonGen *g, bool b) {
        GEN(g, yajl_gen_bool(g->gen, b));
}
void json_gen_null(JsonGen *g) {
        GEN(g, yajl_gen_null(g->gen));
}
void json_gen_kv_string(JsonGen *g, const char *key, const char *s) {
        json_gen_key(g, key);
        json_gen_string(g, s);
}
void json_gen_kv_int(JsonGen *g, const char *key, int64_t i) {
        json_gen_key(g, key);
        json_gen_int(g, i);
}
void json_gen_kv_bool(JsonGen *g, const char *key, bool b) {
        json_gen_key(g, key);
        json_gen_bool(g, b);
}

void json_gen_value(JsonGen *g, const JsonValue *v) {
        if (!v) {
                json_gen_null(g);
                return;
        }
        switch (v->type) {
        case JSON_NULL:
                json_gen_null(g);
                break;
        case JSON_BOOL:
                json_gen_bool(g, v->u.boolean);
                break;
        case JSON_INTEGER:
                if (v->unsigned_big)
                        json_gen_uint(g, (uint64_t) v->u.integer);
                else
                        json_gen_int(g, v->u.integer);
                break;
        case JSON_DOUBLE:
                json_gen_double(g, v->u.number);
                break;
        case JSON_STRING:
                json_gen_string(g, v->u.string);
                break;
        case JSON_ARRAY:
                json_gen_begin_array(g);
                for (size_t i = 0; i < v->u.array.n; i++)
                        json_gen_value(g, v->u.array.items[i]);
                json_gen_end_array(g);
                break;
        case JSON_OBJECT:
                json_gen_begin_object(g);
                for (size_t i = 0; i < v->u.object.n; i++) {
                        json_gen_key(g, v->u.object.keys[i]);
                        json_gen_value(g, v->u.object.values[i]);
                }
                json_gen_end_object(g);
                break;
        }
}

int json_gen_finish(JsonGen *g, char **ret, size_t *ret_len, WarrenError **err) {
        if (g->status != yajl_gen_status_ok)
                return error_set(err, EINVAL, "generate JSON: yajl status %d", (int) g->status);
        const unsigned char *buf = NULL;
        size_t len = 0;
        yajl_gen_status st = yajl_gen_get_buf(g->gen, &buf, &len);
        if (st != yajl_gen_status_ok)
                return error_set(err, EINVAL, "generate JSON: yajl status %d", (int) st);
        *ret = xstrndup((const char *) buf, len);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int json_to_string(const JsonValue *v, bool pretty, char **ret, WarrenError **err) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(pretty);
        json_gen_value(g, v);
        return json_gen_finish(g, ret, NULL, err);
}
