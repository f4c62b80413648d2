/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

/*
 * JSON: the only file that includes yajl is json.c. Parsing builds a tree of JsonValue; the
 * generator is a sticky-error writer, so call sites do not check every key.
 */

#define JSON_MAX_DEPTH 128
#define JSON_DEFAULT_MAX_SIZE (4U * 1024U * 1024U)

typedef enum JsonType {
        JSON_NULL,
        JSON_BOOL,
        JSON_INTEGER,
        JSON_DOUBLE,
        JSON_STRING,
        JSON_ARRAY,
        JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
        JsonType type;
        /* JSON_INTEGER above INT64_MAX: the value is (uint64_t) u.integer. */
        bool unsigned_big;
        union {
                bool boolean;
                int64_t integer;
                double number;
                char *string;
                struct {
                        JsonValue **items;
                        size_t n;
                } array;
                struct {
                        char **keys;
                        JsonValue **values;
                        size_t n;
                } object;
        } u;
};

/* Parse `len` bytes (need not be NUL-terminated). Nesting deeper than JSON_MAX_DEPTH, and inputs
 * larger than `max_size` (0: JSON_DEFAULT_MAX_SIZE), are refused with EINVAL/EFBIG. A parse error
 * names the byte offset. Duplicate object keys: the last one wins. */
int json_parse(const char *buf, size_t len, size_t max_size, JsonValue **ret, WarrenError **err);
/* Read and parse a file, at most `max_size` bytes (0: default). */
int json_parse_file(const char *path, size_t max_size, JsonValue **ret, WarrenError **err);
int json_parse_fd(int fd, size_t max_size, JsonValue **ret, WarrenError **err);

/* A parse whose whole tree (nodes, keys, strings) lives in one arena: several times fewer
 * allocations to build, one free to drop. The tree is read-only: never json_free() a part of it
 * nor add to it; json_copy() takes a part out onto the heap. Same limits and errors as
 * json_parse(). */
typedef struct JsonDoc JsonDoc;
int json_parse_doc(const char *buf, size_t len, size_t max_size, JsonDoc **ret,
                   WarrenError **err);
const JsonValue *json_doc_root(const JsonDoc *d);
JsonDoc *json_doc_free(JsonDoc *d);
static inline void json_doc_freep(JsonDoc **d) {
        json_doc_free(*d);
}
#define _cleanup_json_doc_ _cleanup_(json_doc_freep)

JsonValue *json_free(JsonValue *v);
static inline void json_freep(JsonValue **v) {
        json_free(*v);
}
#define _cleanup_json_ _cleanup_(json_freep)

/* Constructors, for building trees by hand (tests, defaults). */
JsonValue *json_new_null(void);
JsonValue *json_new_bool(bool b);
JsonValue *json_new_integer(int64_t i);
JsonValue *json_new_string(const char *s);
JsonValue *json_new_array(void);
JsonValue *json_new_object(void);
/* Takes ownership of `item`. */
void json_array_append(JsonValue *array, JsonValue *item);
/* Takes ownership of `value`; replaces an existing key. */
void json_object_set(JsonValue *object, const char *key, JsonValue *value);
/* The same for a key the caller knows is not there yet (building a fresh object): no search. */
void json_object_add(JsonValue *object, const char *key, JsonValue *value);
JsonValue *json_copy(const JsonValue *v);

/* Accessors: NULL-safe, return NULL / false / defaults on a type mismatch. */
const JsonValue *json_get(const JsonValue *object, const char *key);
/* json_get_path(v, "linux", "seccomp", NULL) */
const JsonValue *json_get_path(const JsonValue *v, ...) __attribute__((sentinel));
static inline bool json_is(const JsonValue *v, JsonType t) {
        return v && v->type == t;
}
const char *json_string(const JsonValue *v);
size_t json_length(const JsonValue *v); /* array or object size, else 0 */
const JsonValue *json_at(const JsonValue *array, size_t i);
const char *json_type_name(JsonType t);

/* Typed getters for required or optional fields, with errors that name the key:
 * "`process.args` must be an array of strings". A missing key returns 0 and leaves *ret alone
 * (check json_get() first when a field is required). */
int json_get_string(const JsonValue *obj, const char *key, const char *what, char **ret,
                    WarrenError **err);
int json_get_bool(const JsonValue *obj, const char *key, const char *what, bool *ret,
                  WarrenError **err);
int json_get_int64(const JsonValue *obj, const char *key, const char *what, int64_t *ret,
                   WarrenError **err);
int json_get_uint32(const JsonValue *obj, const char *key, const char *what, uint32_t *ret,
                    WarrenError **err);
int json_get_uint64(const JsonValue *obj, const char *key, const char *what, uint64_t *ret,
                    WarrenError **err);
/* A NULL-terminated string array (freed with strv_free). */
int json_get_strv(const JsonValue *obj, const char *key, const char *what, char ***ret,
                  WarrenError **err);

/* Generator. All calls after the first error are no-ops; json_gen_finish() reports it. */
typedef struct JsonGen JsonGen;
JsonGen *json_gen_new(bool pretty);
JsonGen *json_gen_free(JsonGen *g);
static inline void json_gen_freep(JsonGen **g) {
        json_gen_free(*g);
}
#define _cleanup_json_gen_ _cleanup_(json_gen_freep)
void json_gen_begin_object(JsonGen *g);
void json_gen_end_object(JsonGen *g);
void json_gen_begin_array(JsonGen *g);
void json_gen_end_array(JsonGen *g);
void json_gen_key(JsonGen *g, const char *key);
void json_gen_string(JsonGen *g, const char *s); /* NULL emits null */
void json_gen_stringn(JsonGen *g, const char *s, size_t n);
void json_gen_int(JsonGen *g, int64_t i);
void json_gen_uint(JsonGen *g, uint64_t u);
void json_gen_double(JsonGen *g, double d);
void json_gen_bool(JsonGen *g, bool b);
void json_gen_null(JsonGen *g);
void json_gen_value(JsonGen *g, const JsonValue *v); /* emit a whole tree */
/* Key + value shorthands. */
void json_gen_kv_string(JsonGen *g, const char *key, const char *s);
void json_gen_kv_int(JsonGen *g, const char *key, int64_t i);
void json_gen_kv_bool(JsonGen *g, const char *key, bool b);
/* The text (NUL-terminated, owned by the caller). */
int json_gen_finish(JsonGen *g, char **ret, size_t *ret_len, WarrenError **err);

/* Serialize a tree. */
int json_to_string(const JsonValue *v, bool pretty, char **ret, WarrenError **err);
