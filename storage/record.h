/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "storage/strmap.h" /* maps in records: labels, annotations */

/*
 * Records: one generic field-table walker that loads a C struct from a JSON object and emits it
 * back (STYLE.md, "JSON records"). Each record type describes its struct with a RecordTable of
 * RecordFields (name, type, offset, required flag); nested objects and lists of objects point
 * at their own tables. The walker is the only code that turns record JSON into structs.
 *
 * Rules the walker enforces for every type:
 *   - every file is an object carrying "version": N (an integer >= 1);
 *   - a file older than the type's version is migrated on the JSON tree first, by the type's
 *     migration table (all migrations live in storage/record-migrate.c);
 *   - a file newer than the type's version still loads (unknown keys are kept), but is marked
 *     so that writers refuse to replace it (it would lose what they do not understand);
 *   - unknown keys are never fatal: a table with `unknown_offset` keeps them (JsonValue object)
 *     and emits them again, other tables ignore them;
 *   - a missing required field, or a known field of the wrong type, is an error naming the key
 *     path ("`config.mounts[2].container_path` must be a string, not integer").
 */

typedef struct JsonValue JsonValue;
typedef struct JsonGen JsonGen;

typedef enum RecordFieldType {
        RECORD_STRING, /* char *, NULL when absent; emitted only when set */
        RECORD_INT64,  /* int64_t */
        RECORD_UINT64, /* uint64_t */
        RECORD_INT,    /* int (range-checked) */
        RECORD_BOOL,   /* bool */
        RECORD_TIME,   /* int64_t nanoseconds since the epoch, 0 = unset; emitted as an
                        * RFC 3339 string with nanoseconds (UTC), loaded from that or from an
                        * integer of nanoseconds */
        RECORD_STRV,   /* char ** (NULL-terminated), NULL when empty */
        RECORD_MAP,    /* char ** of alternating keys and values (see strmap_*) */
        RECORD_RAW,    /* JsonValue * kept as is (opaque config, extensions) */
        RECORD_OBJECT, /* a nested struct at `offset`, described by `table` */
        RECORD_LIST,   /* an array of structs: pointer at `offset`, size_t count at
                        * `count_offset`, elements described by `table` */
} RecordFieldType;

typedef struct RecordTable RecordTable;

typedef struct RecordField {
        const char *name;
        RecordFieldType type;
        size_t offset;
        bool required;
        const RecordTable *table; /* RECORD_OBJECT and RECORD_LIST */
        size_t count_offset;      /* RECORD_LIST */
} RecordField;

/* A table has at most 64 fields (the loader tracks them in a bit mask). */
struct RecordTable {
        const char *name; /* for messages */
        size_t size;      /* sizeof the struct (RECORD_LIST elements) */
        const RecordField *fields;
        size_t n_fields;
        /* Offset of a `JsonValue *` that keeps unknown keys, or RECORD_NO_UNKNOWN. */
        size_t unknown_offset;
};
#define RECORD_NO_UNKNOWN ((size_t)-1)

#define RECORD_FIELD(st, member, key, ty, req)                                                     \
        { .name = (key), .type = (ty), .offset = offsetof(st, member), .required = (req) }
#define RECORD_FIELD_OBJECT(st, member, key, tbl)                                                  \
        { .name = (key), .type = RECORD_OBJECT, .offset = offsetof(st, member), .table = (tbl) }
#define RECORD_FIELD_LIST(st, member, count, key, tbl)                                             \
        {                                                                                          \
                .name = (key), .type = RECORD_LIST, .offset = offsetof(st, member),                \
                .count_offset = offsetof(st, count), .table = (tbl)                                \
        }
#define RECORD_TABLE(st, tname, flds, unknown)                                                     \
        {                                                                                          \
                .name = (tname), .size = sizeof(st), .fields = (flds),                             \
                .n_fields = ELEMENTSOF(flds), .unknown_offset = (unknown)                          \
        }

/* A migration rewrites the JSON tree of a record at version `from` into version `from + 1`. */
typedef int (*RecordMigrateFunc)(JsonValue *root, WarrenError **err);
typedef struct RecordMigration {
        int from;
        RecordMigrateFunc migrate;
} RecordMigration;

/* A record type: the top-level table, the current version and the migrations up to it. */
typedef struct RecordType {
        const char *name; /* "container", "sandbox", "image" */
        int version;
        const RecordTable *table;
        const RecordMigration *migrations;
        size_t n_migrations;
} RecordType;

/* The largest record file any store reads. */
#define RECORD_MAX_SIZE (1U * 1024U * 1024U)

/* Load `obj` (a zeroed struct of type->table) from JSON text. Returns the file's version
 * (>= 1); on error `obj` is freed back to zero. `ret_newer` (may be NULL) tells whether the
 * file was written by a newer version than this build knows. */
int record_load(const RecordType *type, const char *buf, size_t len, void *obj, bool *ret_newer,
                WarrenError **err);
/* The same on a parsed tree (consumed: migrations rewrite it in place). */
int record_load_json(const RecordType *type, JsonValue *root, void *obj, bool *ret_newer,
                     WarrenError **err);
/* Emit `obj` as a JSON object with "version" first. */
int record_emit(const RecordType *type, const void *obj, bool pretty, char **ret, size_t *ret_len,
                WarrenError **err);
/* Emit the fields of one table into an open generator (no braces). */
void record_emit_fields(const RecordTable *table, const void *obj, JsonGen *g);
/* Free everything a table's struct owns and zero it (the struct itself is not freed). */
void record_clear(const RecordTable *table, void *obj);
/* Deep copy `src` into the zeroed `dst`. */
void record_copy(const RecordTable *table, void *dst, const void *src);

/* Field paths: copy only the named fields from `src` to `dst` (as containerd's Update with
 * fieldpaths). A path names a field ("name", "config.env", "status.pid"); "labels.KEY",
 * "annotations.KEY" (any map field) set or, when absent in src, remove one key. Unknown paths
 * are EINVAL. */
int record_copy_paths(const RecordTable *table, void *dst, const void *src, char *const *paths,
                      WarrenError **err);
/* Look a field up by path ("config.working_dir"); NULL when no such field. Returns the field
 * and the address of its value inside `obj` in *ret_ptr. */
const RecordField *record_find_field(const RecordTable *table, const char *path, const void *obj,
                                     const void **ret_ptr);

/* The values of the field at `path` for filters (filter.h's FilterAdaptor contract): a string
 * gives one value, a string list its items, a bool "true"/"false", a map's key (path
 * "labels.KEY", the rest of the path being the key) its value, a map itself its keys. Numbers
 * and times give no value. Returns the number of values filled. */
size_t record_field_values(const RecordTable *table, const void *obj, char *const *path,
                           size_t n_path, const char **values, size_t max);

/* Times: nanoseconds since the epoch. */
int64_t record_now(void);
/* "2024-01-02T03:04:05.123456789Z"; `buf` needs 40 bytes. */
char *record_format_time(int64_t ns, char buf[static 40]);
/* RFC 3339 with optional fraction and a Z or +hh:mm offset. */
int record_parse_time(const char *s, int64_t *ret);
