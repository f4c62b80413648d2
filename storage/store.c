/* SPDX-License-Identifier: Apache-2.0 */
/* The generic record store: a directory of JSON records, a lock file and a name index. */
#include "storage/store.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"

#define REC_PTR(rec, off) ((void *)((char *)(rec) + (off)))

struct Store {
        char *path;
        const StoreSchema *schema;
};

static const char *type_name(const Store *s) {
        return s->schema->type->name;
}

static const char *rec_id(const Store *s, const void *rec) {
        return *(char *const *)((const char *)rec + s->schema->id_offset);
}

int store_default_dir(const char *kind, char **ret, WarrenError **err) {
        _cleanup_free_ char *base = NULL;
        int r = xdg_data_dir(&base, err);
        if (r < 0)
                return r;
        *ret = path_join(base, kind);
        return 0;
}

int store_open(const char *dir, const StoreSchema *schema, Store **ret, WarrenError **err) {
        if (!dir || !*dir)
                return error_set(err, EINVAL, "empty store directory");
        Store *s = xnew(Store, 1);
        s->path = xstrdup(dir);
        s->schema = schema;
        *ret = s;
        return 0;
}

Store *store_free(Store *s) {
        if (s) {
                free(s->path);
                free(s);
        }
        return NULL;
}

const char *store_path(const Store *s) {
        return s->path;
}

bool store_id_valid(const char *id) {
        if (!id || !isalnum((unsigned char)id[0]))
                return false;
        size_t n = 0;
        for (const char *p = id; *p; p++, n++)
                if (!isalnum((unsigned char)*p) && !strchr("_.:+-", *p))
                        return false;
        return n <= STORE_ID_MAX;
}

bool store_name_valid(const char *name) {
        if (!name || !*name || STREQ(name, ".") || STREQ(name, ".."))
                return false;
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++)
                if (*p < 0x20 || *p == 0x7f || *p == '`')
                        return false;
        return n <= STORE_NAME_MAX;
}

/* ---- errors ---- */

static int not_found(const Store *s, const char *key, WarrenError **err) {
        return error_set(err, ENOENT, "%s `%s` not found", type_name(s), key);
}

bool store_is_not_found(const WarrenError *err) {
        return err && err->code == ENOENT;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && STREQ(s + a - b, suffix);
}

/* The id conflict message ends with " already exists" (ids have no spaces or backticks); the
 * name conflict message ends with the holder's id in backticks. error_prefix() only prepends,
 * so the endings survive added context. */
bool store_is_id_conflict(const WarrenError *err) {
        return err && err->code == EEXIST && err->msg && ends_with(err->msg, " already exists");
}

bool store_is_name_conflict(const WarrenError *err) {
        return err && err->code == EEXIST && err->msg && !ends_with(err->msg, " already exists");
}

bool store_is_ambiguous(const WarrenError *err) {
        return err && err->code == ENOTUNIQ;
}

/* ---- directories and locks ---- */

/* Open the store directory. Readers pass create=false and get -ENOENT (no error set) when the
 * store does not exist yet. */
static int open_dir(Store *s, bool create, int *ret_fd, WarrenError **err) {
        if (create) {
                int r = mkdir_p(s->path, 0700, err);
                if (r < 0)
                        return error_prefix(err, r, "%s store", type_name(s));
        }
        int fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && !create)
                        return -ENOENT;
                return error_set_errno(err, errno, "open %s store `%s`", type_name(s), s->path);
        }
        if (create && mkdirat(fd, "names", 0700) < 0 && errno != EEXIST) {
                int r = error_set_errno(err, errno, "create `%s/names`", s->path);
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/*
 * Locking. The lock file has two one-byte ranges: byte 0 guards the data (readers shared,
 * writers exclusive) and byte 1 is a turnstile that gives writers preference: a writer takes
 * byte 1 exclusively before waiting for byte 0, and readers pass byte 1 (shared, released at
 * once) before taking byte 0. Without it a steady stream of readers listing the store starves
 * writers, since fcntl locks have no fairness. OFD locks: per open file, so forks and threads
 * behave, and a killed holder's locks go with its fds.
 */
static int lock_range(int fd, short type, off_t start, bool wait) {
        struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1};
        while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

/* A shared lock without creating anything: a store without a lock file has never been
 * written, so there is nothing to wait for. */
static int lock_shared(Store *s, int dfd, int *ret_fd, WarrenError **err) {
        *ret_fd = -1;
        _cleanup_close_ int fd = openat(dfd, "lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "open `%s/lock`", s->path);
        }
        int r = lock_range(fd, F_RDLCK, 1, true);
        if (r == 0)
                r = lock_range(fd, F_RDLCK, 0, true);
        if (r == 0)
                r = lock_range(fd, F_UNLCK, 1, false);
        if (r < 0)
                return error_set_errno(err, -r, "lock `%s/lock`", s->path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int lock_exclusive(Store *s, int dfd, int *ret_fd, WarrenError **err) {
        _cleanup_close_ int fd =
                openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s/lock`", s->path);
        int r = lock_range(fd, F_WRLCK, 1, true);
        if (r == 0)
                r = lock_range(fd, F_WRLCK, 0, true);
        if (r < 0)
                return error_set_errno(err, -r, "lock `%s/lock`", s->path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int open_names(int dfd) {
        return openat(dfd, "names", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* ---- the name index ---- */

/* A name as a file name: '/', '%' and a leading '.' become %XX. */
static int name_escape(const char *name, char buf[static NAME_MAX + 1]) {
        size_t n = 0;
        for (const char *p = name; *p; p++) {
                bool esc = *p == '/' || *p == '%' || (p == name && *p == '.');
                if (n + (esc ? 3 : 1) > NAME_MAX)
                        return -ENAMETOOLONG;
                if (esc)
                        n += (size_t)snprintf(buf + n, 4, "%%%02X", (unsigned char)*p);
                else
                        buf[n++] = *p;
        }
        buf[n] = 0;
        return 0;
}

static int index_get(int nfd, const char *name, char **ret_id) {
        char esc[NAME_MAX + 1], target[STORE_ID_MAX + 2];
        if (nfd < 0 || name_escape(name, esc) < 0)
                return -ENOENT;
        ssize_t n = readlinkat(nfd, esc, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        if (!store_id_valid(target))
                return -ENOENT;
        *ret_id = xstrdup(target);
        return 0;
}

static int index_set(Store *s, int nfd, const char *name, const char *id, WarrenError **err) {
        char esc[NAME_MAX + 1], tmp[64];
        if (name_escape(name, esc) < 0)
                return error_set(err, ENAMETOOLONG, "name `%s` is too long", name);
        if (symlinkat(id, nfd, esc) == 0)
                goto sync;
        if (errno != EEXIST)
                return error_set_errno(err, errno, "index name `%s`", name);
        /* Replace atomically: a new link under a temporary name, renamed over. */
        snprintf(tmp, sizeof(tmp), ".#name.%d", (int)getpid());
        unlinkat(nfd, tmp, 0);
        if (symlinkat(id, nfd, tmp) < 0)
                return error_set_errno(err, errno, "index name `%s`", name);
        if (renameat(nfd, tmp, nfd, esc) < 0) {
                int r = error_set_errno(err, errno, "index name `%s`", name);
                unlinkat(nfd, tmp, 0);
                return r;
        }
sync:
        /* Durable before the record that relies on it is written (power loss, not just kill:
         * a record naming itself without its index entry would let the name be taken twice). */
        if (fsync(nfd) < 0)
                return error_set_errno(err, errno, "sync `%s/names`", s->path);
        return 0;
}

/* Remove the entry for `name` if it points at `id`. */
static void index_remove_if(int nfd, const char *name, const char *id) {
        _cleanup_free_ char *cur = NULL;
        char esc[NAME_MAX + 1];
        if (index_get(nfd, name, &cur) == 0 && STREQ(cur, id) && name_escape(name, esc) == 0)
                unlinkat(nfd, esc, 0);
}

static int check_names(Store *s, char *const *names, WarrenError **err) {
        char esc[NAME_MAX + 1];
        STRV_FOREACH (n, names) {
                if (!store_name_valid(*n))
                        return error_set(err, EINVAL, "invalid %s name `%s`", type_name(s), *n);
                if (name_escape(*n, esc) < 0)
                        return error_set(err, ENAMETOOLONG, "%s name `%s` is too long",
                                         type_name(s), *n);
        }
        for (size_t i = 0; names && names[i]; i++)
                for (size_t j = i + 1; names[j]; j++)
                        if (STREQ(names[i], names[j]))
                                return error_set(err, EINVAL, "name `%s` is given twice", names[i]);
        return 0;
}

/* ---- records ---- */

static char *record_file(const char *id) {
        return xasprintf("%s.json", id);
}

/* Read a record file. List reads thousands of them, so the common case is one read into the
 * caller's stack buffer `small`: a short read of a regular file is its end, and record files
 * are replaced, never rewritten in place. A file that fills `small` is read again the careful
 * way (fstat, size limit, heap). On success *ret points at `small` or at *ret_heap.
 * -ENOENT without an error when missing. O_NONBLOCK: a FIFO planted here cannot hang us. */
static int read_record(int dfd, const char *file, char *small, size_t small_size, char **ret,
                       char **ret_heap, size_t *ret_len, WarrenError **err) {
        _cleanup_close_ int fd =
                openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return error_set_errno(err, errno, "open `%s`", file);
        }
        ssize_t n;
        do
                n = read(fd, small, small_size);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return error_set_errno(err, errno, "read `%s`", file);
        if ((size_t)n < small_size) {
                *ret = small;
                *ret_len = (size_t)n;
                return 0;
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat `%s`", file);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADMSG, "`%s` is not a regular file", file);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, errno, "seek `%s`", file);
        size_t size = 0;
        int r = read_fd_capped(fd, RECORD_MAX_SIZE, ret_heap, &size, err);
        if (r < 0)
                return error_prefix(err, r, "read `%s`", file);
        *ret = *ret_heap;
        *ret_len = size;
        return 0;
}

/* Load record `id` into the zeroed `rec`. -ENOENT without an error when missing; -EBADMSG
 * naming the file when it does not parse. */
static int load_raw(Store *s, int dfd, const char *id, void *rec, bool *ret_newer,
                    WarrenError **err) {
        _cleanup_free_ char *file = record_file(id), *heap = NULL;
        char small[16384], *buf = NULL;
        size_t len = 0;
        int r = read_record(dfd, file, small, sizeof(small), &buf, &heap, &len, err);
        if (r == -ENOENT)
                return r;
        if (r == -EFBIG) {
                /* Oversized: as unreadable as a torn file. */
                error_prefix(err, r, "%s record", type_name(s));
                if (err && *err)
                        (*err)->code = EBADMSG;
                return -EBADMSG;
        }
        if (r < 0)
                return error_prefix(err, r, "%s record", type_name(s));
        bool newer = false;
        r = record_load(s->schema->type, buf, len, rec, &newer, err);
        if (r < 0) {
                error_prefix(err, r, "%s record `%s`", type_name(s), file);
                if (err && *err)
                        (*err)->code = EBADMSG;
                return -EBADMSG;
        }
        const char *rid = rec_id(s, rec);
        if (!rid || STRNEQ(rid, id)) {
                r = error_set(err, EBADMSG, "%s record `%s` has id `%s`", type_name(s), file,
                              rid ? rid : "");
                record_clear(s->schema->type->table, rec);
                return r;
        }
        if (ret_newer)
                *ret_newer = newer;
        return 0;
}

/* Drop names whose index entry points elsewhere (schemas with verify_names). */
static void verify_names(Store *s, int nfd, void *rec) {
        if (!s->schema->verify_names || !s->schema->names || !s->schema->drop_name)
                return;
        _cleanup_strv_ char **names = s->schema->names(rec);
        const char *id = rec_id(s, rec);
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *holder = NULL;
                if (index_get(nfd, *n, &holder) < 0 || STRNEQ(holder, id))
                        s->schema->drop_name(rec, *n);
        }
}

static int load(Store *s, int dfd, int nfd, const char *id, void *rec, bool *ret_newer,
                WarrenError **err) {
        int r = load_raw(s, dfd, id, rec, ret_newer, err);
        if (r < 0)
                return r;
        verify_names(s, nfd, rec);
        return 0;
}

static bool record_has_name(Store *s, const void *rec, const char *name) {
        if (!s->schema->names)
                return false;
        _cleanup_strv_ char **names = s->schema->names(rec);
        return strv_contains(names, name);
}

static int write_record(Store *s, int dfd, void *rec, WarrenError **err) {
        _cleanup_free_ char *buf = NULL, *file = record_file(rec_id(s, rec));
        size_t len = 0;
        if (s->schema->has_updated_at)
                *(int64_t *)REC_PTR(rec, s->schema->updated_at_offset) = record_now();
        int r = record_emit(s->schema->type, rec, false, &buf, &len, err);
        if (r < 0)
                return r;
        r = write_file_atomic_at(dfd, file, buf, len, 0600, err);
        if (r < 0)
                return error_prefix(err, r, "%s store", type_name(s));
        return 0;
}

/* Who holds `name` (writers, under the exclusive lock). Returns 1 and the holder's id when a
 * record holds it, 0 when it is free (no entry, or a stale entry left by a killed writer). A
 * holder whose file does not parse still holds the name: it is never silently dropped. */
static int name_holder(Store *s, int dfd, int nfd, const char *name, char **ret_id,
                       WarrenError **err) {
        _cleanup_free_ char *id = NULL;
        if (index_get(nfd, name, &id) < 0)
                return 0;
        void *rec = xcalloc(1, s->schema->type->table->size);
        int r = load_raw(s, dfd, id, rec, NULL, NULL);
        bool held = r == -EBADMSG || (r == 0 && record_has_name(s, rec, name));
        record_clear(s->schema->type->table, rec);
        free(rec);
        if (r < 0 && r != -ENOENT && r != -EBADMSG)
                return error_set_errno(err, -r, "%s record `%s`", type_name(s), id);
        if (!held)
                return 0;
        *ret_id = TAKE_PTR(id);
        return 1;
}

static int name_conflict(Store *s, const char *name, const char *holder, WarrenError **err) {
        return error_set(err, EEXIST, "%s name `%s` is already in use by `%s`", type_name(s), name,
                         holder);
}

/* ---- lookup ---- */

static bool prefix_matches(const char *id, size_t idlen, const char *key, size_t klen) {
        if (klen <= idlen && strncmp(id, key, klen) == 0)
                return true;
        const char *colon = memchr(id, ':', idlen);
        if (colon) {
                size_t rest = idlen - (size_t)(colon + 1 - id);
                return klen <= rest && strncmp(colon + 1, key, klen) == 0;
        }
        return false;
}

static int find_prefix(Store *s, int dfd, const char *key, char **ret_id, WarrenError **err) {
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", s->path);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return error_set_errno(err, errno, "open `%s`", s->path);
        }
        _cleanup_free_ char *found = NULL;
        size_t klen = strlen(key), n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (de->d_name[0] == '.' || len <= 5 || !ends_with(de->d_name, ".json"))
                        continue;
                if (!prefix_matches(de->d_name, len - 5, key, klen))
                        continue;
                if (n++ == 0)
                        found = xstrndup(de->d_name, len - 5);
        }
        if (n > 1)
                return error_set(err, ENOTUNIQ, "%s id prefix `%s` is ambiguous: %zu %ss match",
                                 type_name(s), key, n, type_name(s));
        if (n == 0)
                return -ENOENT;
        *ret_id = TAKE_PTR(found);
        return 0;
}

/* Resolve `key` to an id and (when rec is not NULL) load the record. -ENOENT with an error
 * when nothing matches. */
static int lookup(Store *s, int dfd, int nfd, const char *key, unsigned by, char **ret_id,
                  void *rec, bool *ret_newer, WarrenError **err) {
        int r;
        if (!key || !*key)
                return error_set(err, EINVAL, "empty %s id or name", type_name(s));
        if ((by & STORE_BY_ID) && store_id_valid(key)) {
                _cleanup_free_ char *file = record_file(key);
                if (faccessat(dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                        if (rec) {
                                r = load(s, dfd, nfd, key, rec, ret_newer, err);
                                if (r == -ENOENT)
                                        return not_found(s, key, err);
                                if (r < 0)
                                        return r;
                        }
                        *ret_id = xstrdup(key);
                        return 0;
                }
        }
        if ((by & STORE_BY_NAME) && store_name_valid(key)) {
                _cleanup_free_ char *id = NULL;
                if (index_get(nfd, key, &id) == 0) {
                        void *tmp = rec ? rec : xcalloc(1, s->schema->type->table->size);
                        r = load(s, dfd, nfd, id, tmp, ret_newer, err);
                        bool ok = r == 0 && record_has_name(s, tmp, key);
                        if (r == 0 && !ok)
                                record_clear(s->schema->type->table, tmp);
                        if (!rec) {
                                record_clear(s->schema->type->table, tmp);
                                free(tmp);
                        }
                        if (r < 0 && r != -ENOENT)
                                return r;
                        if (ok) {
                                *ret_id = TAKE_PTR(id);
                                return 0;
                        }
                }
        }
        if ((by & STORE_BY_PREFIX) && store_id_valid(key)) {
                _cleanup_free_ char *id = NULL;
                r = find_prefix(s, dfd, key, &id, err);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r == 0) {
                        if (rec) {
                                r = load(s, dfd, nfd, id, rec, ret_newer, err);
                                if (r == -ENOENT)
                                        return not_found(s, key, err);
                                if (r < 0)
                                        return r;
                        }
                        *ret_id = TAKE_PTR(id);
                        return 0;
                }
        }
        return not_found(s, key, err);
}

int store_get(Store *s, const char *key, unsigned by, void *ret_rec, WarrenError **err) {
        _cleanup_close_ int dfd = -1, nfd = -1;
        _cleanup_unlock_ int lock = -1;
        int r = open_dir(s, false, &dfd, err);
        if (r == -ENOENT)
                return not_found(s, key ? key : "", err);
        if (r < 0)
                return r;
        r = lock_shared(s, dfd, &lock, err);
        if (r < 0)
                return r;
        nfd = open_names(dfd);
        _cleanup_free_ char *id = NULL;
        return lookup(s, dfd, nfd, key, by, &id, ret_rec, NULL, err);
}

int store_resolve(Store *s, const char *key, unsigned by, char **ret_id, WarrenError **err) {
        _cleanup_close_ int dfd = -1, nfd = -1;
        _cleanup_unlock_ int lock = -1;
        int r = open_dir(s, false, &dfd, err);
        if (r == -ENOENT)
                return not_found(s, key ? key : "", err);
        if (r < 0)
                return r;
        r = lock_shared(s, dfd, &lock, err);
        if (r < 0)
                return r;
        nfd = open_names(dfd);
        return lookup(s, dfd, nfd, key, by, ret_id, NULL, NULL, err);
}

/* ---- writes ---- */

typedef struct Writer {
        int dfd, nfd, lock;
} Writer;

static void writer_done(Writer *w) {
        w->dfd = safe_close(w->dfd);
        w->nfd = safe_close(w->nfd);
        w->lock = safe_close(w->lock);
}

/* Open for writing: `create` makes the directories; otherwise a missing store is -ENOENT. */
static int writer_begin(Store *s, bool create, const char *key, Writer *w, WarrenError **err) {
        *w = (Writer){.dfd = -1, .nfd = -1, .lock = -1};
        int r = open_dir(s, create, &w->dfd, err);
        if (r == -ENOENT)
                return not_found(s, key ? key : "", err);
        if (r < 0)
                return r;
        r = lock_exclusive(s, w->dfd, &w->lock, err);
        if (r < 0) {
                writer_done(w);
                return r;
        }
        if (!create && mkdirat(w->dfd, "names", 0700) < 0 && errno != EEXIST) {
                r = error_set_errno(err, errno, "create `%s/names`", s->path);
                writer_done(w);
                return r;
        }
        w->nfd = open_names(w->dfd);
        if (w->nfd < 0) {
                r = error_set_errno(err, errno, "open `%s/names`", s->path);
                writer_done(w);
                return r;
        }
        return 0;
}

#define _cleanup_writer_ _cleanup_(writer_done)

typedef struct Record {
        const RecordTable *table;
        void *rec;
} Record;

static void record_freep(Record *r) {
        if (r->rec) {
                record_clear(r->table, r->rec);
                free(r->rec);
        }
}
#define _cleanup_record_ _cleanup_(record_freep)

static Record record_new(Store *s) {
        return (Record){s->schema->type->table, xcalloc(1, s->schema->type->table->size)};
}

/* Take `name` away from the record `holder` (its index entry already points elsewhere). */
static int drop_from(Store *s, Writer *w, const char *holder, const char *name, WarrenError **err) {
        _cleanup_record_ Record old = record_new(s);
        bool newer = false;
        int r = load_raw(s, w->dfd, holder, old.rec, &newer, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!s->schema->drop_name || !record_has_name(s, old.rec, name))
                return 0;
        s->schema->drop_name(old.rec, name);
        verify_names(s, w->nfd, old.rec);
        return write_record(s, w->dfd, old.rec, err);
}

/* A name can be taken from a record only if that record can be rewritten: not when its file
 * does not parse or was written by a newer warren. Checked before anything is written. */
static int check_movable(Store *s, Writer *w, const char *holder, const char *name,
                         WarrenError **err) {
        _cleanup_record_ Record old = record_new(s);
        bool newer = false;
        int r = load_raw(s, w->dfd, holder, old.rec, &newer, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0 || newer)
                return error_set(err, EEXIST,
                                 "%s name `%s` is held by %s `%s`, which cannot be rewritten "
                                 "(%s); it is already in use by `%s`",
                                 type_name(s), name, type_name(s), holder,
                                 r < 0 ? "it does not parse" : "written by a newer warren", holder);
        return 0;
}

int store_create(Store *s, const void *rec, unsigned flags, WarrenError **err) {
        const char *id = rec_id(s, rec);
        if (!store_id_valid(id))
                return error_set(err, EINVAL, "invalid %s id `%s`", type_name(s), id ? id : "");
        _cleanup_strv_ char **names = s->schema->names ? s->schema->names(rec) : NULL;
        int r = check_names(s, names, err);
        if (r < 0)
                return r;

        _cleanup_writer_ Writer w = {-1, -1, -1};
        r = writer_begin(s, true, id, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *file = record_file(id);
        if (faccessat(w.dfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return error_set(err, EEXIST, "%s `%s` already exists", type_name(s), id);

        /* Who holds the names now. */
        size_t n = strv_length(names);
        _cleanup_strv_ char **holders = xnew(char *, n + 1);
        for (size_t i = 0; i < n; i++) {
                r = name_holder(s, w.dfd, w.nfd, names[i], &holders[i], err);
                if (r < 0)
                        return r;
                if (r == 0)
                        holders[i] = xstrdup("");
                else if (!(flags & STORE_MOVE_NAMES) || !s->schema->drop_name)
                        return name_conflict(s, names[i], holders[i], err);
                else {
                        r = check_movable(s, &w, holders[i], names[i], err);
                        if (r < 0)
                                return r;
                }
        }
        /* 1. Free names point at the new id (an entry without its record is stale). */
        for (size_t i = 0; i < n; i++)
                if (!*holders[i]) {
                        r = index_set(s, w.nfd, names[i], id, err);
                        if (r < 0)
                                return r;
                }
        /* 2. The record. */
        _cleanup_record_ Record copy = record_new(s);
        record_copy(copy.table, copy.rec, rec);
        r = write_record(s, w.dfd, copy.rec, err);
        if (r < 0)
                return r;
        /* 3. Moved names: the index entry flips (the atomic step), then the old holder's file
         * forgets the name. Until then readers drop it from the old holder (verify_names). */
        for (size_t i = 0; i < n; i++) {
                if (!*holders[i])
                        continue;
                r = index_set(s, w.nfd, names[i], id, err);
                if (r < 0)
                        return r;
                r = drop_from(s, &w, holders[i], names[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int update_locked(Store *s, Writer *w, const char *key, unsigned by, StoreUpdateFunc fn,
                         void *userdata, void *ret_rec, WarrenError **err) {
        _cleanup_record_ Record old = record_new(s), new = record_new(s);
        _cleanup_free_ char *id = NULL;
        bool newer = false;
        int r = lookup(s, w->dfd, w->nfd, key, by, &id, old.rec, &newer, err);
        if (r < 0)
                return r;
        if (newer)
                return error_set(err, ENOTSUP,
                                 "%s `%s` was written by a newer warren; refusing to replace it",
                                 type_name(s), id);
        record_copy(old.table, new.rec, old.rec);
        r = fn(new.rec, userdata, err);
        if (r < 0)
                return r;
        const char *nid = rec_id(s, new.rec);
        if (!nid || STRNEQ(nid, id))
                return error_set(err, EINVAL, "the id of %s `%s` is immutable", type_name(s), id);

        _cleanup_strv_ char **old_names = s->schema->names ? s->schema->names(old.rec) : NULL;
        _cleanup_strv_ char **new_names = s->schema->names ? s->schema->names(new.rec) : NULL;
        r = check_names(s, new_names, err);
        if (r < 0)
                return r;
        /* New names: free or ours, then indexed before the record names them. */
        STRV_FOREACH (n, new_names) {
                if (strv_contains(old_names, *n))
                        continue;
                _cleanup_free_ char *holder = NULL;
                r = name_holder(s, w->dfd, w->nfd, *n, &holder, err);
                if (r < 0)
                        return r;
                if (r > 0 && STRNEQ(holder, id))
                        return name_conflict(s, *n, holder, err);
                r = index_set(s, w->nfd, *n, id, err);
                if (r < 0)
                        return r;
        }
        r = write_record(s, w->dfd, new.rec, err);
        if (r < 0)
                return r;
        /* Names no longer used: removed from the index after the record stopped naming them. */
        STRV_FOREACH (n, old_names)
                if (!strv_contains(new_names, *n))
                        index_remove_if(w->nfd, *n, id);
        if (ret_rec)
                record_copy(new.table, ret_rec, new.rec);
        return 0;
}

int store_update(Store *s, const char *key, unsigned by, StoreUpdateFunc fn, void *userdata,
                 void *ret_rec, WarrenError **err) {
        _cleanup_writer_ Writer w = {-1, -1, -1};
        int r = writer_begin(s, false, key, &w, err);
        if (r < 0)
                return r;
        return update_locked(s, &w, key, by, fn, userdata, ret_rec, err);
}

typedef struct PathsUpdate {
        const RecordTable *table;
        const void *src;
        char *const *paths;
} PathsUpdate;

static int paths_update(void *rec, void *userdata, WarrenError **err) {
        PathsUpdate *u = userdata;
        return record_copy_paths(u->table, rec, u->src, u->paths, err);
}

int store_update_paths(Store *s, const char *key, unsigned by, const void *src, char *const *paths,
                       void *ret_rec, WarrenError **err) {
        PathsUpdate u = {s->schema->type->table, src, paths};
        return store_update(s, key, by, paths_update, &u, ret_rec, err);
}

int store_delete(Store *s, const char *key, unsigned by, WarrenError **err) {
        _cleanup_writer_ Writer w = {-1, -1, -1};
        int r = writer_begin(s, false, key, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *id = NULL;
        r = lookup(s, w.dfd, w.nfd, key, by, &id, NULL, NULL, err);
        if (r < 0)
                return r;
        /* The names to unindex; a record that does not parse keeps its (now stale) entries,
         * which writers treat as free once the file is gone. */
        _cleanup_record_ Record old = record_new(s);
        _cleanup_strv_ char **names = NULL;
        if (load_raw(s, w.dfd, id, old.rec, NULL, NULL) == 0 && s->schema->names)
                names = s->schema->names(old.rec);
        _cleanup_free_ char *file = record_file(id);
        if (unlinkat(w.dfd, file, 0) < 0) {
                if (errno == ENOENT)
                        return not_found(s, key, err);
                return error_set_errno(err, errno, "remove %s `%s`", type_name(s), id);
        }
        if (fsync(w.dfd) < 0)
                return error_set_errno(err, errno, "sync `%s`", s->path);
        STRV_FOREACH (n, names)
                index_remove_if(w.nfd, *n, id);
        return 0;
}

int store_move_name(Store *s, const char *name, const char *key, unsigned by, WarrenError **err) {
        if (!s->schema->add_name || !s->schema->drop_name)
                return error_set(err, ENOTSUP, "%s names cannot move", type_name(s));
        if (!store_name_valid(name))
                return error_set(err, EINVAL, "invalid %s name `%s`", type_name(s),
                                 name ? name : "");
        char esc[NAME_MAX + 1];
        if (name_escape(name, esc) < 0)
                return error_set(err, ENAMETOOLONG, "%s name `%s` is too long", type_name(s), name);
        _cleanup_writer_ Writer w = {-1, -1, -1};
        int r = writer_begin(s, false, key, &w, err);
        if (r < 0)
                return r;
        _cleanup_record_ Record target = record_new(s);
        _cleanup_free_ char *id = NULL, *holder = NULL;
        bool newer = false;
        r = lookup(s, w.dfd, w.nfd, key, by, &id, target.rec, &newer, err);
        if (r < 0)
                return r;
        if (newer)
                return error_set(err, ENOTSUP,
                                 "%s `%s` was written by a newer warren; refusing to replace it",
                                 type_name(s), id);
        r = name_holder(s, w.dfd, w.nfd, name, &holder, err);
        if (r < 0)
                return r;
        bool moved = r > 0 && STRNEQ(holder, id);
        if (r > 0 && !moved)
                return 0; /* already ours */
        if (moved) {
                r = check_movable(s, &w, holder, name, err);
                if (r < 0)
                        return r;
        }
        /* The target names it first, then the index flips, then the old holder forgets. */
        if (!record_has_name(s, target.rec, name)) {
                s->schema->add_name(target.rec, name);
                r = write_record(s, w.dfd, target.rec, err);
                if (r < 0)
                        return r;
        }
        r = index_set(s, w.nfd, name, id, err);
        if (r < 0)
                return r;
        if (moved) {
                r = drop_from(s, &w, holder, name, err);
                if (r < 0)
                        return r;
        }
        return moved ? 1 : 0;
}

int store_remove_name(Store *s, const char *name, WarrenError **err) {
        if (!s->schema->drop_name)
                return error_set(err, ENOTSUP, "%s names cannot be removed", type_name(s));
        if (!store_name_valid(name))
                return error_set(err, EINVAL, "invalid %s name `%s`", type_name(s),
                                 name ? name : "");
        _cleanup_writer_ Writer w = {-1, -1, -1};
        int r = writer_begin(s, false, name, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *holder = NULL;
        r = name_holder(s, w.dfd, w.nfd, name, &holder, err);
        if (r < 0)
                return r;
        if (r == 0)
                return error_set(err, ENOENT, "%s name `%s` not found", type_name(s), name);
        /* The record forgets the name first; the entry then points at a record that does not
         * name it (stale, so free), and goes. */
        r = drop_from(s, &w, holder, name, err);
        if (r < 0)
                return r;
        index_remove_if(w.nfd, name, holder);
        return 0;
}

/* ---- list ---- */

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_locked(Store *s, const Filter *filter, StoreList *ret, bool *ret_saw_temp,
                       WarrenError **err) {
        const RecordTable *table = s->schema->type->table;
        *ret = (StoreList){.table = table};
        _cleanup_close_ int dfd = -1, nfd = -1;
        _cleanup_unlock_ int lock = -1;
        int r = open_dir(s, false, &dfd, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = lock_shared(s, dfd, &lock, err);
        if (r < 0)
                return r;
        nfd = open_names(dfd);

        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", s->path);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return error_set_errno(err, errno, "open `%s`", s->path);
        }
        char **ids = NULL;
        size_t n_ids = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                /* Writers make temporary files only under the exclusive lock: one seen under
                 * our shared lock was left by a killed writer. */
                if (STARTS_WITH(de->d_name, ".#"))
                        *ret_saw_temp = true;
                if (de->d_name[0] == '.' || len <= 5 || !ends_with(de->d_name, ".json"))
                        continue;
                if (n_ids == cap) {
                        cap = cap ? cap * 2 : 64;
                        ids = xreallocarray(ids, cap, sizeof(char *));
                }
                ids[n_ids++] = xstrndup(de->d_name, len - 5);
        }
        if (n_ids)
                qsort(ids, n_ids, sizeof(char *), cmp_str);

        size_t size = table->size, n = 0;
        char *recs = n_ids ? xcalloc(n_ids, size) : NULL;
        for (size_t i = 0; i < n_ids; i++) {
                void *rec = recs + n * size;
                _cleanup_error_ WarrenError *e = NULL;
                if (!store_id_valid(ids[i])) {
                        strv_consume(&ret->broken,
                                     xasprintf("%s.json: not a valid %s id", ids[i], type_name(s)));
                        continue;
                }
                r = load(s, dfd, nfd, ids[i], rec, NULL, &e);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        strv_consume(&ret->broken,
                                     xasprintf("%s.json: %s", ids[i], e ? e->msg : strerror(-r)));
                        continue;
                }
                if (filter && s->schema->adaptor &&
                    !filter_match(filter, s->schema->adaptor, rec)) {
                        record_clear(table, rec);
                        continue;
                }
                n++;
        }
        for (size_t i = 0; i < n_ids; i++)
                free(ids[i]);
        free(ids);
        ret->records = recs;
        ret->n = n;
        return 0;
}

int store_list(Store *s, const Filter *filter, StoreList *ret, WarrenError **err) {
        bool saw_temp = false;
        int r = list_locked(s, filter, ret, &saw_temp, err);
        /* Housekeeping when it is due, after the shared lock is gone; a reader that may not
         * write (a read-only store) just leaves it for a writer. */
        if (r >= 0 && saw_temp)
                (void)store_gc(s, NULL);
        return r;
}

void store_list_clear(StoreList *l) {
        if (!l)
                return;
        for (size_t i = 0; l->table && i < l->n; i++)
                record_clear(l->table, (char *)l->records + i * l->table->size);
        free(l->records);
        strv_free(l->broken);
        *l = (StoreList){};
}

/* ---- housekeeping ---- */

static int remove_temps(int fd, bool names, Store *s, int dfd, int nfd) {
        int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup_fd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(dup_fd);
        if (!d) {
                close(dup_fd);
                return -errno;
        }
        int removed = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                if (STARTS_WITH(de->d_name, ".#")) {
                        if (unlinkat(fd, de->d_name, 0) == 0)
                                removed++;
                        continue;
                }
                if (!names)
                        continue;
                /* An index entry whose record is gone or does not name it. */
                char target[STORE_ID_MAX + 2];
                ssize_t len = readlinkat(fd, de->d_name, target, sizeof(target) - 1);
                if (len < 0)
                        continue;
                target[len] = 0;
                Record rec = record_new(s);
                int r = store_id_valid(target) ? load_raw(s, dfd, target, rec.rec, NULL, NULL)
                                               : -ENOENT;
                bool stale = r == -ENOENT;
                if (r == 0) {
                        /* Unescape the entry to compare with the record's names. */
                        char name[NAME_MAX + 1];
                        size_t k = 0;
                        for (const char *p = de->d_name; *p && k < NAME_MAX; k++) {
                                unsigned v;
                                if (p[0] == '%' && sscanf(p + 1, "%2X", &v) == 1) {
                                        name[k] = (char)v;
                                        p += 3;
                                } else
                                        name[k] = *p++;
                        }
                        name[k] = 0;
                        _cleanup_free_ char *cur = NULL;
                        stale = !record_has_name(s, rec.rec, name) ||
                                (index_get(nfd, name, &cur) == 0 && STRNEQ(cur, target));
                }
                record_freep(&rec);
                if (stale && unlinkat(fd, de->d_name, 0) == 0)
                        removed++;
        }
        return removed;
}

int store_gc(Store *s, WarrenError **err) {
        if (!is_dir(s->path))
                return 0;
        _cleanup_writer_ Writer w = {-1, -1, -1};
        int r = writer_begin(s, false, "", &w, err);
        if (r < 0)
                return r;
        int a = remove_temps(w.dfd, false, s, w.dfd, w.nfd);
        if (a < 0)
                return error_set_errno(err, -a, "clean `%s`", s->path);
        int b = remove_temps(w.nfd, true, s, w.dfd, w.nfd);
        if (b < 0)
                return error_set_errno(err, -b, "clean `%s/names`", s->path);
        return a + b;
}
