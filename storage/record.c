/* SPDX-License-Identifier: Apache-2.0 */
/* The one field-table walker: JSON <-> record structs. */
#include "storage/record.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <time.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

#define FIELD_PTR(base, off) ((void *)((char *)(base) + (off)))
#define FIELD_CPTR(base, off) ((const void *)((const char *)(base) + (off)))

/* ---- times ---- */

int64_t record_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *record_format_time(int64_t ns, char buf[static 40]) {
        char tmp[96];
        int64_t sec = ns / 1000000000, frac = ns % 1000000000;
        if (frac < 0) {
                frac += 1000000000;
                sec--;
        }
        time_t t = (time_t)sec;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) {
                snprintf(buf, 40, "%" PRId64, ns);
                return buf;
        }
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 frac);
        snprintf(buf, 40, "%.39s", tmp);
        return buf;
}

static int digits(const char **p, int n, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if ((*p)[i] < '0' || (*p)[i] > '9')
                        return -EINVAL;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

static int expect(const char **p, const char *set) {
        if (!**p || !strchr(set, **p))
                return -EINVAL;
        (*p)++;
        return 0;
}

int record_parse_time(const char *s, int64_t *ret) {
        const char *p = s;
        int Y, M, D, h, m, sec;
        if (digits(&p, 4, &Y) < 0 || expect(&p, "-") < 0 || digits(&p, 2, &M) < 0 ||
            expect(&p, "-") < 0 || digits(&p, 2, &D) < 0 || expect(&p, "Tt ") < 0 ||
            digits(&p, 2, &h) < 0 || expect(&p, ":") < 0 || digits(&p, 2, &m) < 0 ||
            expect(&p, ":") < 0 || digits(&p, 2, &sec) < 0)
                return -EINVAL;
        if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
                return -EINVAL;
        int64_t frac = 0;
        if (*p == '.') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9') {
                        if (n < 9) {
                                frac = frac * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return -EINVAL;
                for (; n < 9; n++)
                        frac *= 10;
        }
        int64_t off = 0;
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int sign = *p == '-' ? -1 : 1, oh, om;
                p++;
                if (digits(&p, 2, &oh) < 0 || expect(&p, ":") < 0 || digits(&p, 2, &om) < 0 ||
                    oh > 23 || om > 59)
                        return -EINVAL;
                off = sign * (oh * 3600 + om * 60);
        } else
                return -EINVAL;
        if (*p)
                return -EINVAL;
        /* Go's zero time.Time: unset. */
        if (Y == 1 && M == 1 && D == 1 && h == 0 && m == 0 && sec == 0 && frac == 0) {
                *ret = 0;
                return 0;
        }
        /* int64 nanoseconds cover 1678..2262. */
        if (Y < 1678 || Y > 2261)
                return -ERANGE;
        struct tm tm = {
                .tm_year = Y - 1900,
                .tm_mon = M - 1,
                .tm_mday = D,
                .tm_hour = h,
                .tm_min = m,
                .tm_sec = sec,
        };
        time_t t = timegm(&tm);
        *ret = ((int64_t)t - off) * 1000000000 + frac;
        return 0;
}

/* ---- load ---- */

static const RecordField *table_field(const RecordTable *table, const char *name) {
        for (size_t i = 0; i < table->n_fields; i++)
                if (STREQ(table->fields[i].name, name))
                        return &table->fields[i];
        return NULL;
}

static int load_table(const RecordTable *table, JsonValue *jo, void *obj, const char *path,
                      bool top, bool own, WarrenError **err);

/* Field paths for messages, built in a caller's buffer (cheap: this runs for every field). */
#define PATH_MAX_LEN 512
static const char *sub_path(char buf[static PATH_MAX_LEN], const char *path, const char *name) {
        size_t a = strlen(path), b = strlen(name);
        if (a + b + 2 > PATH_MAX_LEN) {
                snprintf(buf, PATH_MAX_LEN, "%s", name);
                return buf;
        }
        if (a) {
                memcpy(buf, path, a);
                buf[a++] = '.';
        }
        memcpy(buf + a, name, b + 1);
        return buf;
}

static int wrong_type(const char *what, const char *want, const JsonValue *v, WarrenError **err) {
        return error_set(err, EINVAL, "`%s` must be %s, not %s", what, want,
                         json_type_name(v->type));
}

/* Opaque JSON must be writable again: the generator refuses infinities ("1e999" parses as
 * one), so such a document is refused when loaded. */
static bool all_finite(const JsonValue *v) {
        switch (v->type) {
        case JSON_DOUBLE:
                return isfinite(v->u.number);
        case JSON_ARRAY:
                for (size_t i = 0; i < v->u.array.n; i++)
                        if (!all_finite(v->u.array.items[i]))
                                return false;
                return true;
        case JSON_OBJECT:
                for (size_t i = 0; i < v->u.object.n; i++)
                        if (!all_finite(v->u.object.values[i]))
                                return false;
                return true;
        default:
                return true;
        }
}

/* Move a node's contents out of a tree that is ours (consumed), leaving a null behind; from a
 * read-only tree (a JsonDoc's), copy. */
static JsonValue *steal(JsonValue *v, bool own) {
        if (!own)
                return json_copy(v);
        JsonValue *n = xnew(JsonValue, 1);
        *n = *v;
        *v = (JsonValue){.type = JSON_NULL};
        return n;
}

static char *steal_string(JsonValue *v, bool own) {
        if (!own)
                return xstrdup(v->u.string);
        char *s = v->u.string;
        v->u.string = NULL;
        v->type = JSON_NULL;
        return s;
}

static int load_field(const RecordField *f, JsonValue *v, void *ptr, const char *what, bool own,
                      WarrenError **err) {
        switch (f->type) {
        case RECORD_STRING:
                if (v->type != JSON_STRING)
                        return wrong_type(what, "a string", v, err);
                free(*(char **)ptr);
                *(char **)ptr = steal_string(v, own);
                return 0;
        case RECORD_INT64:
        case RECORD_INT:
                if (v->type != JSON_INTEGER)
                        return wrong_type(what, "an integer", v, err);
                if (v->unsigned_big ||
                    (f->type == RECORD_INT && (v->u.integer < INT_MIN || v->u.integer > INT_MAX)))
                        return error_set(err, ERANGE, "`%s` is out of range", what);
                if (f->type == RECORD_INT)
                        *(int *)ptr = (int)v->u.integer;
                else
                        *(int64_t *)ptr = v->u.integer;
                return 0;
        case RECORD_UINT64:
                if (v->type != JSON_INTEGER)
                        return wrong_type(what, "an integer", v, err);
                if (!v->unsigned_big && v->u.integer < 0)
                        return error_set(err, ERANGE, "`%s` must not be negative", what);
                *(uint64_t *)ptr = (uint64_t)v->u.integer;
                return 0;
        case RECORD_BOOL:
                if (v->type != JSON_BOOL)
                        return wrong_type(what, "a boolean", v, err);
                *(bool *)ptr = v->u.boolean;
                return 0;
        case RECORD_TIME:
                if (v->type == JSON_INTEGER && !v->unsigned_big) {
                        *(int64_t *)ptr = v->u.integer;
                        return 0;
                }
                if (v->type != JSON_STRING)
                        return wrong_type(what, "an RFC 3339 time", v, err);
                if (record_parse_time(v->u.string, (int64_t *)ptr) < 0)
                        return error_set(err, EINVAL, "`%s` is not an RFC 3339 time: `%s`", what,
                                         v->u.string);
                return 0;
        case RECORD_STRV: {
                if (v->type != JSON_ARRAY)
                        return wrong_type(what, "an array of strings", v, err);
                for (size_t i = 0; i < v->u.array.n; i++)
                        if (v->u.array.items[i]->type != JSON_STRING)
                                return error_set(err, EINVAL, "`%s[%zu]` must be a string, not %s",
                                                 what, i,
                                                 json_type_name(v->u.array.items[i]->type));
                char **l = xnew(char *, v->u.array.n + 1);
                for (size_t i = 0; i < v->u.array.n; i++)
                        l[i] = steal_string(v->u.array.items[i], own);
                strv_free(*(char ***)ptr);
                *(char ***)ptr = v->u.array.n ? l : strv_free(l);
                return 0;
        }
        case RECORD_MAP: {
                if (v->type != JSON_OBJECT)
                        return wrong_type(what, "an object of strings", v, err);
                size_t n = v->u.object.n;
                for (size_t i = 0; i < n; i++)
                        if (v->u.object.values[i]->type != JSON_STRING)
                                return error_set(err, EINVAL, "`%s.%s` must be a string, not %s",
                                                 what, v->u.object.keys[i],
                                                 json_type_name(v->u.object.values[i]->type));
                char **m = n ? xnew(char *, 2 * n + 1) : NULL;
                size_t k = 0;
                for (size_t i = 0; i < n; i++) {
                        char *key = v->u.object.keys[i];
                        char *val = steal_string(v->u.object.values[i], own);
                        /* a duplicate key: the last one wins */
                        size_t j = 0;
                        while (j < k && STRNEQ(m[j], key))
                                j += 2;
                        if (j < k) {
                                free(m[j + 1]);
                                m[j + 1] = val;
                                continue;
                        }
                        m[k++] = xstrdup(key);
                        m[k++] = val;
                        m[k] = NULL;
                }
                strv_free(*(char ***)ptr);
                *(char ***)ptr = m;
                return 0;
        }
        case RECORD_RAW:
                if (!all_finite(v))
                        return error_set(err, ERANGE, "`%s` holds a number out of range", what);
                json_free(*(JsonValue **)ptr);
                *(JsonValue **)ptr = steal(v, own);
                return 0;
        case RECORD_OBJECT:
                if (v->type != JSON_OBJECT)
                        return wrong_type(what, "an object", v, err);
                return load_table(f->table, v, ptr, what, false, own, err);
        case RECORD_LIST: {
                if (v->type != JSON_ARRAY)
                        return wrong_type(what, "an array of objects", v, err);
                size_t *count = FIELD_PTR(ptr, f->count_offset - f->offset);
                void **items = ptr;
                /* Free what was there (a record is loaded into a zeroed struct, but a field
                 * may appear twice in a malformed file: the last one wins). */
                for (size_t i = 0; i < *count; i++)
                        record_clear(f->table, FIELD_PTR(*items, i * f->table->size));
                free(*items);
                *items = NULL;
                *count = 0;
                if (v->u.array.n == 0)
                        return 0;
                *items = xcalloc(v->u.array.n, f->table->size);
                for (size_t i = 0; i < v->u.array.n; i++) {
                        JsonValue *item = v->u.array.items[i];
                        char ipath[PATH_MAX_LEN];
                        snprintf(ipath, sizeof(ipath), "%.480s[%zu]", what, i);
                        if (item->type != JSON_OBJECT)
                                return wrong_type(ipath, "an object", item, err);
                        *count = i + 1;
                        int r = load_table(f->table, item, FIELD_PTR(*items, i * f->table->size),
                                           ipath, false, own, err);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        }
        return error_set(err, EINVAL, "`%s` has an unknown field type", what);
}

static void clear_field(const RecordField *f, void *ptr);

/* One pass over the object's keys. Files are written in table order, so the next field is
 * tried first; a key appearing twice is loaded twice (the last one wins). */
static int load_table(const RecordTable *table, JsonValue *jo, void *obj, const char *path,
                      bool top, bool own, WarrenError **err) {
        uint64_t seen = 0;
        size_t next = 0;
        JsonValue **unknown = table->unknown_offset == RECORD_NO_UNKNOWN
                                      ? NULL
                                      : FIELD_PTR(obj, table->unknown_offset);
        for (size_t i = 0; i < jo->u.object.n; i++) {
                const char *key = jo->u.object.keys[i];
                JsonValue *v = jo->u.object.values[i];
                size_t k = table->n_fields;
                if (next < table->n_fields && STREQ(table->fields[next].name, key))
                        k = next;
                else
                        for (size_t j = 0; j < table->n_fields; j++)
                                if (STREQ(table->fields[j].name, key)) {
                                        k = j;
                                        break;
                                }
                char buf[PATH_MAX_LEN];
                if (k == table->n_fields) {
                        if (!unknown || (top && STREQ(key, "version")))
                                continue;
                        if (!all_finite(v))
                                return error_set(err, ERANGE, "`%s` holds a number out of range",
                                                 sub_path(buf, path, key));
                        if (!*unknown)
                                *unknown = json_new_object();
                        json_object_set(*unknown, key, steal(v, own));
                        continue;
                }
                next = k + 1;
                const RecordField *f = &table->fields[k];
                void *ptr = FIELD_PTR(obj, f->offset);
                if (v->type == JSON_NULL) {
                        clear_field(f, ptr);
                        seen &= ~(UINT64_C(1) << k);
                        continue;
                }
                int r = load_field(f, v, ptr, sub_path(buf, path, f->name), own, err);
                if (r < 0)
                        return r;
                seen |= UINT64_C(1) << k;
        }
        for (size_t k = 0; k < table->n_fields; k++)
                if (table->fields[k].required && !(seen & (UINT64_C(1) << k))) {
                        char buf[PATH_MAX_LEN];
                        return error_set(err, EINVAL, "missing `%s`",
                                         sub_path(buf, path, table->fields[k].name));
                }
        return 0;
}

static int migrate(const RecordType *type, JsonValue *root, int64_t *version, WarrenError **err) {
        while (*version < type->version) {
                const RecordMigration *m = NULL;
                for (size_t i = 0; i < type->n_migrations; i++)
                        if (type->migrations[i].from == *version)
                                m = &type->migrations[i];
                if (!m)
                        return error_set(err, EPROTO,
                                         "no migration of a %s record from version %" PRId64,
                                         type->name, *version);
                int r = m->migrate(root, err);
                if (r < 0)
                        return error_prefix(err, r, "migrate from version %" PRId64, *version);
                (*version)++;
                json_object_set(root, "version", json_new_integer(*version));
        }
        return 0;
}

/* The file's version, checked. */
static int root_version(const RecordType *type, const JsonValue *root, int64_t *ret,
                        WarrenError **err) {
        if (!json_is(root, JSON_OBJECT))
                return error_set(err, EINVAL, "a %s record must be an object, not %s", type->name,
                                 root ? json_type_name(root->type) : "nothing");
        const JsonValue *vv = json_get(root, "version");
        if (!vv)
                return error_set(err, EINVAL, "missing `version`");
        if (vv->type != JSON_INTEGER || vv->unsigned_big || vv->u.integer < 1 ||
            vv->u.integer > INT_MAX)
                return error_set(err, EINVAL, "`version` must be a positive integer");
        *ret = vv->u.integer;
        return 0;
}

static int load_root(const RecordType *type, JsonValue *root, bool own, int file_version,
                     void *obj, bool *ret_newer, WarrenError **err) {
        int r = load_table(type->table, root, obj, "", true, own, err);
        if (r < 0) {
                record_clear(type->table, obj);
                return r;
        }
        if (ret_newer)
                *ret_newer = file_version > type->version;
        return file_version;
}

int record_load_json(const RecordType *type, JsonValue *root, void *obj, bool *ret_newer,
                     WarrenError **err) {
        int64_t version;
        int r = root_version(type, root, &version, err);
        if (r < 0)
                return r;
        int file_version = (int)version;
        r = migrate(type, root, &version, err);
        if (r < 0)
                return r;
        return load_root(type, root, true, file_version, obj, ret_newer, err);
}

int record_load(const RecordType *type, const char *buf, size_t len, void *obj, bool *ret_newer,
                WarrenError **err) {
        /* Parsed into an arena and copied out of it (every list loads every record: this is
         * most of `ps`); a file that needs migrating is copied to the heap to be rewritten. */
        _cleanup_json_doc_ JsonDoc *doc = NULL;
        int r = json_parse_doc(buf, len, RECORD_MAX_SIZE, &doc, err);
        if (r < 0)
                return r;
        const JsonValue *root = json_doc_root(doc);
        int64_t version;
        r = root_version(type, root, &version, err);
        if (r < 0)
                return r;
        if (version < type->version) {
                _cleanup_json_ JsonValue *copy = json_copy(root);
                return record_load_json(type, copy, obj, ret_newer, err);
        }
        /* own = false: load_table only reads the tree. */
        return load_root(type, (JsonValue *)root, false, (int)version, obj, ret_newer, err);
}

/* ---- emit ---- */

static void emit_field(const RecordField *f, const void *ptr, JsonGen *g) {
        switch (f->type) {
        case RECORD_STRING: {
                const char *s = *(char *const *)ptr;
                if (s || f->required)
                        json_gen_kv_string(g, f->name, s ? s : "");
                return;
        }
        case RECORD_INT64:
                if (*(const int64_t *)ptr || f->required)
                        json_gen_kv_int(g, f->name, *(const int64_t *)ptr);
                return;
        case RECORD_INT:
                if (*(const int *)ptr || f->required)
                        json_gen_kv_int(g, f->name, *(const int *)ptr);
                return;
        case RECORD_UINT64:
                if (*(const uint64_t *)ptr || f->required) {
                        json_gen_key(g, f->name);
                        json_gen_uint(g, *(const uint64_t *)ptr);
                }
                return;
        case RECORD_BOOL:
                if (*(const bool *)ptr || f->required)
                        json_gen_kv_bool(g, f->name, *(const bool *)ptr);
                return;
        case RECORD_TIME: {
                int64_t t = *(const int64_t *)ptr;
                char buf[40];
                if (t)
                        json_gen_kv_string(g, f->name, record_format_time(t, buf));
                else if (f->required)
                        json_gen_kv_int(g, f->name, 0);
                return;
        }
        case RECORD_STRV: {
                char *const *l = *(char **const *)ptr;
                if (!l && !f->required)
                        return;
                json_gen_key(g, f->name);
                json_gen_begin_array(g);
                STRV_FOREACH (s, l)
                        json_gen_string(g, *s);
                json_gen_end_array(g);
                return;
        }
        case RECORD_MAP: {
                char *const *m = *(char **const *)ptr;
                if (!m && !f->required)
                        return;
                json_gen_key(g, f->name);
                json_gen_begin_object(g);
                for (size_t i = 0; m && m[i] && m[i + 1]; i += 2)
                        json_gen_kv_string(g, m[i], m[i + 1]);
                json_gen_end_object(g);
                return;
        }
        case RECORD_RAW: {
                const JsonValue *v = *(JsonValue *const *)ptr;
                if (!v && !f->required)
                        return;
                json_gen_key(g, f->name);
                json_gen_value(g, v);
                return;
        }
        case RECORD_OBJECT:
                json_gen_key(g, f->name);
                json_gen_begin_object(g);
                record_emit_fields(f->table, ptr, g);
                json_gen_end_object(g);
                return;
        case RECORD_LIST: {
                size_t count = *(const size_t *)FIELD_CPTR(ptr, f->count_offset - f->offset);
                const void *items = *(void *const *)ptr;
                if (count == 0 && !f->required)
                        return;
                json_gen_key(g, f->name);
                json_gen_begin_array(g);
                for (size_t i = 0; i < count; i++) {
                        json_gen_begin_object(g);
                        record_emit_fields(f->table, FIELD_CPTR(items, i * f->table->size), g);
                        json_gen_end_object(g);
                }
                json_gen_end_array(g);
                return;
        }
        }
}

void record_emit_fields(const RecordTable *table, const void *obj, JsonGen *g) {
        for (size_t i = 0; i < table->n_fields; i++)
                emit_field(&table->fields[i], FIELD_CPTR(obj, table->fields[i].offset), g);
        if (table->unknown_offset == RECORD_NO_UNKNOWN)
                return;
        const JsonValue *unknown = *(JsonValue *const *)FIELD_CPTR(obj, table->unknown_offset);
        for (size_t i = 0; json_is(unknown, JSON_OBJECT) && i < unknown->u.object.n; i++) {
                const char *key = unknown->u.object.keys[i];
                if (table_field(table, key) || STREQ(key, "version"))
                        continue;
                json_gen_key(g, key);
                json_gen_value(g, unknown->u.object.values[i]);
        }
}

int record_emit(const RecordType *type, const void *obj, bool pretty, char **ret, size_t *ret_len,
                WarrenError **err) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(pretty);
        json_gen_begin_object(g);
        json_gen_kv_int(g, "version", type->version);
        record_emit_fields(type->table, obj, g);
        json_gen_end_object(g);
        int r = json_gen_finish(g, ret, ret_len, err);
        if (r < 0)
                return error_prefix(err, r, "emit %s record", type->name);
        return 0;
}

/* ---- clear and copy ---- */

static void clear_field(const RecordField *f, void *ptr) {
        switch (f->type) {
        case RECORD_STRING:
                free(*(char **)ptr);
                *(char **)ptr = NULL;
                break;
        case RECORD_STRV:
        case RECORD_MAP:
                *(char ***)ptr = strv_free(*(char ***)ptr);
                break;
        case RECORD_RAW:
                *(JsonValue **)ptr = json_free(*(JsonValue **)ptr);
                break;
        case RECORD_OBJECT:
                record_clear(f->table, ptr);
                break;
        case RECORD_LIST: {
                size_t *count = FIELD_PTR(ptr, f->count_offset - f->offset);
                void **items = ptr;
                for (size_t i = 0; i < *count; i++)
                        record_clear(f->table, FIELD_PTR(*items, i * f->table->size));
                free(*items);
                *items = NULL;
                *count = 0;
                break;
        }
        case RECORD_INT64:
        case RECORD_UINT64:
        case RECORD_TIME:
                *(int64_t *)ptr = 0;
                break;
        case RECORD_INT:
                *(int *)ptr = 0;
                break;
        case RECORD_BOOL:
                *(bool *)ptr = false;
                break;
        }
}

void record_clear(const RecordTable *table, void *obj) {
        if (!obj)
                return;
        for (size_t i = 0; i < table->n_fields; i++)
                clear_field(&table->fields[i], FIELD_PTR(obj, table->fields[i].offset));
        if (table->unknown_offset != RECORD_NO_UNKNOWN) {
                JsonValue **u = FIELD_PTR(obj, table->unknown_offset);
                *u = json_free(*u);
        }
}

/* Copy one field into a cleared destination. */
static void copy_field(const RecordField *f, void *dst, const void *src) {
        switch (f->type) {
        case RECORD_STRING: {
                const char *s = *(char *const *)src;
                *(char **)dst = s ? xstrdup(s) : NULL;
                break;
        }
        case RECORD_STRV:
        case RECORD_MAP: {
                char *const *l = *(char **const *)src;
                *(char ***)dst = l ? strv_copy(l) : NULL;
                break;
        }
        case RECORD_RAW:
                *(JsonValue **)dst = json_copy(*(JsonValue *const *)src);
                break;
        case RECORD_OBJECT:
                record_copy(f->table, dst, src);
                break;
        case RECORD_LIST: {
                size_t count = *(const size_t *)FIELD_CPTR(src, f->count_offset - f->offset);
                const void *items = *(void *const *)src;
                void *c = count ? xcalloc(count, f->table->size) : NULL;
                for (size_t i = 0; i < count; i++)
                        record_copy(f->table, FIELD_PTR(c, i * f->table->size),
                                    FIELD_CPTR(items, i * f->table->size));
                *(void **)dst = c;
                *(size_t *)FIELD_PTR(dst, f->count_offset - f->offset) = count;
                break;
        }
        case RECORD_INT64:
        case RECORD_UINT64:
        case RECORD_TIME:
                *(int64_t *)dst = *(const int64_t *)src;
                break;
        case RECORD_INT:
                *(int *)dst = *(const int *)src;
                break;
        case RECORD_BOOL:
                *(bool *)dst = *(const bool *)src;
                break;
        }
}

void record_copy(const RecordTable *table, void *dst, const void *src) {
        for (size_t i = 0; i < table->n_fields; i++)
                copy_field(&table->fields[i], FIELD_PTR(dst, table->fields[i].offset),
                           FIELD_CPTR(src, table->fields[i].offset));
        if (table->unknown_offset != RECORD_NO_UNKNOWN)
                *(JsonValue **)FIELD_PTR(dst, table->unknown_offset) =
                        json_copy(*(JsonValue *const *)FIELD_CPTR(src, table->unknown_offset));
}

/* ---- field paths ---- */

/* Walk `path` through nested objects. Returns the field of the last component walked, the
 * pointer to its value in *ret_ptr, and in *ret_rest what is left after a map field (its
 * key) or NULL. */
static const RecordField *walk(const RecordTable *table, const char *path, const void *obj,
                               const void **ret_ptr, const char **ret_rest) {
        const char *p = path;
        for (;;) {
                size_t len = strcspn(p, ".");
                const RecordField *f = NULL;
                for (size_t i = 0; i < table->n_fields; i++)
                        if (strlen(table->fields[i].name) == len &&
                            strncmp(table->fields[i].name, p, len) == 0)
                                f = &table->fields[i];
                if (!f)
                        return NULL;
                obj = FIELD_CPTR(obj, f->offset);
                const char *rest = p[len] == '.' ? p + len + 1 : NULL;
                if (rest && f->type == RECORD_OBJECT) {
                        table = f->table;
                        p = rest;
                        continue;
                }
                if (rest && f->type != RECORD_MAP)
                        return NULL;
                if (rest && !*rest)
                        return NULL;
                *ret_ptr = obj;
                *ret_rest = rest;
                return f;
        }
}

const RecordField *record_find_field(const RecordTable *table, const char *path, const void *obj,
                                     const void **ret_ptr) {
        const char *rest = NULL;
        const void *ptr = NULL;
        const RecordField *f = walk(table, path, obj, &ptr, &rest);
        if (!f || rest)
                return NULL;
        if (ret_ptr)
                *ret_ptr = ptr;
        return f;
}

int record_copy_paths(const RecordTable *table, void *dst, const void *src, char *const *paths,
                      WarrenError **err) {
        /* Validate every path first, so that a bad path changes nothing. */
        STRV_FOREACH (p, paths) {
                const void *ptr;
                const char *rest;
                if (!walk(table, *p, src, &ptr, &rest))
                        return error_set(err, EINVAL, "unknown field path `%s`", *p);
        }
        STRV_FOREACH (p, paths) {
                const void *sptr, *dptr;
                const char *rest = NULL;
                const RecordField *f = walk(table, *p, src, &sptr, &rest);
                walk(table, *p, dst, &dptr, &rest);
                if (rest) {
                        /* One key of a map. */
                        const char *v = strmap_get(*(char **const *)sptr, rest);
                        if (v)
                                strmap_set((char ***)dptr, rest, v);
                        else
                                strmap_unset((char ***)dptr, rest);
                        continue;
                }
                clear_field(f, (void *)dptr);
                copy_field(f, (void *)dptr, sptr);
        }
        return 0;
}

size_t record_field_values(const RecordTable *table, const void *obj, char *const *path,
                           size_t n_path, const char **values, size_t max) {
        const RecordField *f = NULL;
        size_t i = 0;
        for (; i < n_path; i++) {
                f = table_field(table, path[i]);
                if (!f)
                        return 0;
                obj = FIELD_CPTR(obj, f->offset);
                if (f->type != RECORD_OBJECT || i + 1 == n_path)
                        break;
                table = f->table;
        }
        if (!f || max == 0)
                return 0;
        size_t rest = n_path - i - 1;
        switch (f->type) {
        case RECORD_STRING:
                if (rest || !*(char *const *)obj)
                        return 0;
                values[0] = *(char *const *)obj;
                return 1;
        case RECORD_BOOL:
                if (rest)
                        return 0;
                values[0] = *(const bool *)obj ? "true" : "false";
                return 1;
        case RECORD_STRV: {
                if (rest)
                        return 0;
                size_t n = 0;
                STRV_FOREACH (s, *(char **const *)obj)
                        if (n < max)
                                values[n++] = *s;
                return n;
        }
        case RECORD_MAP: {
                char *const *m = *(char **const *)obj;
                if (rest == 0) {
                        size_t n = 0;
                        for (size_t k = 0; m && m[k] && n < max; k += 2)
                                values[n++] = m[k];
                        return n;
                }
                /* The key is the rest of the path, joined with dots. */
                char key[1024];
                size_t len = 0;
                for (size_t k = i + 1; k < n_path; k++) {
                        int w = snprintf(key + len, sizeof(key) - len, "%s%s", k > i + 1 ? "." : "",
                                         path[k]);
                        if (w < 0 || (size_t)w >= sizeof(key) - len)
                                return 0;
                        len += (size_t)w;
                }
                const char *v = strmap_get(m, key);
                if (!v)
                        return 0;
                values[0] = v;
                return 1;
        }
        default:
                return 0;
        }
}
