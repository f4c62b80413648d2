/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/error.h"
#include "storage/filter.h"
#include "storage/record.h"

/*
 * The generic record store: one directory, one JSON file per record, named by id.
 *
 *   DIR/lock              OFD lock: readers shared, writers exclusive
 *   DIR/ID.json           one record (record.h: versioned, replaced atomically)
 *   DIR/names/NAME        symlink to ID: the name index (names are unique across processes)
 *
 * Reads never write (not even the lock file or the directory). Writes happen under the
 * exclusive lock, in an order that keeps every record file wholly old or new and the name
 * index unambiguous after a kill at any instant (docs/storage-format.md). Locks are OFD
 * byte-range locks on DIR/lock with writer preference (see store.c), so any number of
 * processes and threads can share a store.
 *
 * Errors, all with a message naming the record:
 *   -ENOENT     not found                                store_is_not_found()
 *   -EEXIST     the id exists                            store_is_id_conflict()
 *   -EEXIST     a name is held by another record         store_is_name_conflict()
 *   -ENOTUNIQ   an id prefix matches several records     store_is_ambiguous()
 *   -EINVAL     a bad id or name, an id change in Update
 *   -ENOTSUP    the record was written by a newer warren (Update and name moves refuse to
 *               replace it; Delete works)
 *   -EBADMSG    the record file does not parse or is too large: List reports it by file name
 *               and skips it, Get and Update refuse it, its id and names stay taken, only
 *               Delete by its full id removes it
 */

typedef struct Store Store;

typedef struct StoreSchema {
        const RecordType *type;
        /* Offset of the `char *` id inside the record. */
        size_t id_offset;
        /* The record's unique names (index keys), as a new strv; may be NULL. */
        char **(*names)(const void *rec);
        /* Add or remove one name (store_move_name(), store_remove_name(), STORE_MOVE_NAMES);
         * may be NULL for stores whose names do not move. */
        void (*add_name)(void *rec, const char *name);
        void (*drop_name)(void *rec, const char *name);
        /* Filter adaptor for store_list(). */
        FilterAdaptor adaptor;
        /* The index, not the record file, decides who holds a name: Get/List drop names whose
         * index entry points elsewhere (set when names can move between records). */
        bool verify_names;
        /* An int64_t time (ns) the store sets on every write, when has_updated_at. */
        bool has_updated_at;
        size_t updated_at_offset;
} StoreSchema;

/* Lookup modes for store_get() and friends: the first that matches wins, in this order. */
enum {
        STORE_BY_ID = 1 << 0,
        STORE_BY_NAME = 1 << 1,
        STORE_BY_PREFIX = 1 << 2, /* a unique id prefix (also the part after "sha256:") */
        STORE_BY_ANY = STORE_BY_ID | STORE_BY_NAME | STORE_BY_PREFIX,
};

/* store_create() flags. */
enum {
        /* Names held by other records move to this one (image tags). Without it a held name
         * is -EEXIST. */
        STORE_MOVE_NAMES = 1 << 0,
};

/* Open a store on `dir`. Nothing is created until the first write. */
int store_open(const char *dir, const StoreSchema *schema, Store **ret, WarrenError **err);
Store *store_free(Store *s);
static inline void store_freep(Store **s) {
        store_free(*s);
}
#define _cleanup_store_ _cleanup_(store_freep)
const char *store_path(const Store *s);

/* The default location of a store: $XDG_DATA_HOME/warren/KIND (basic/xdg.h), for KIND
 * "containers", "sandboxes", "images". */
int store_default_dir(const char *kind, char **ret, WarrenError **err);

/* Ids: [A-Za-z0-9][A-Za-z0-9_.:+-]*, at most 128 bytes. Names: 1..STORE_NAME_MAX bytes, no
 * control characters, no backtick, not "." or "..". */
#define STORE_ID_MAX 128
#define STORE_NAME_MAX 240
bool store_id_valid(const char *id);
bool store_name_valid(const char *name);

/* Create a record (a struct of schema->type). */
int store_create(Store *s, const void *rec, unsigned flags, WarrenError **err);
/* Look a record up; `ret_rec` is a zeroed struct that receives a copy. */
int store_get(Store *s, const char *key, unsigned by, void *ret_rec, WarrenError **err);
/* Resolve a key to the full id (cheap: no record is parsed for BY_ID and BY_PREFIX). */
int store_resolve(Store *s, const char *key, unsigned by, char **ret_id, WarrenError **err);

/* Update under the exclusive lock: `fn` gets the current record and changes it in place. The
 * id must not change; names may (the index follows). `ret_rec` (may be NULL) gets the result.
 * `fn` must not call into the same store: it would wait for the lock its caller holds. */
typedef int (*StoreUpdateFunc)(void *rec, void *userdata, WarrenError **err);
int store_update(Store *s, const char *key, unsigned by, StoreUpdateFunc fn, void *userdata,
                 void *ret_rec, WarrenError **err);
/* Update only the fields named by `paths` (record_copy_paths()), taking values from `src`. */
int store_update_paths(Store *s, const char *key, unsigned by, const void *src, char *const *paths,
                       void *ret_rec, WarrenError **err);
int store_delete(Store *s, const char *key, unsigned by, WarrenError **err);

/* Give `name` to the record `key`, taking it from whichever record holds it (image tagging).
 * Returns 1 when it moved from another record, 0 when it was free or already there. */
int store_move_name(Store *s, const char *name, const char *key, unsigned by, WarrenError **err);
/* Remove `name` from the record that holds it (-ENOENT when none does). */
int store_remove_name(Store *s, const char *name, WarrenError **err);

typedef struct StoreList {
        void *records; /* n structs of schema->type */
        size_t n;
        /* Record files that could not be loaded: "FILE: reason", one per file. */
        char **broken;
        const RecordTable *table; /* for store_list_clear() */
} StoreList;

/* All records that match `filter` (NULL: all), sorted by id. Broken files are skipped and
 * named in ret->broken; they are not an error. */
int store_list(Store *s, const Filter *filter, StoreList *ret, WarrenError **err);
void store_list_clear(StoreList *l);
#define STORE_LIST_AT(l, type, i) (&((type *)(l)->records)[i])

/* Writer housekeeping: remove temp files left by killed writers and index entries that point
 * at nothing. Returns the number of entries removed. store_list() runs it when it sees such a
 * temp file. */
int store_gc(Store *s, WarrenError **err);

bool store_is_not_found(const WarrenError *err);
bool store_is_id_conflict(const WarrenError *err);
bool store_is_name_conflict(const WarrenError *err);
bool store_is_ambiguous(const WarrenError *err);
