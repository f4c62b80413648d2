/* SPDX-License-Identifier: Apache-2.0 */
/* The only file that includes libarchive (STYLE.md). Two archive handles are chained: the outer
 * one only decompresses ("raw" format, gzip or zstd filter), so the reader sees and hashes the
 * uncompressed tar stream (the diff id); the inner one parses tar from those bytes. */
#include "storage/layer-reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"


/*
 * libarchive is loaded on first use (dlopen), not linked: it pulls in libxml2, ICU and
 * libstdc++, whose loading and relocation would otherwise be a good part of every `warren`
 * command's start-up (`ps`, `run`), though only image commands read archives. The function
 * pointers are typed from libarchive's own headers, so a mismatch fails to compile.
 */
#include <dlfcn.h>

#define ARCHIVE_FUNCS(X) \
        X(archive_entry_atime) \
        X(archive_entry_atime_is_set) \
        X(archive_entry_atime_nsec) \
        X(archive_entry_filetype) \
        X(archive_entry_free) \
        X(archive_entry_gid) \
        X(archive_entry_hardlink) \
        X(archive_entry_mtime) \
        X(archive_entry_mtime_is_set) \
        X(archive_entry_mtime_nsec) \
        X(archive_entry_new) \
        X(archive_entry_pathname) \
        X(archive_entry_perm) \
        X(archive_entry_rdevmajor) \
        X(archive_entry_rdevminor) \
        X(archive_entry_set_filetype) \
        X(archive_entry_set_mtime) \
        X(archive_entry_set_pathname) \
        X(archive_entry_set_perm) \
        X(archive_entry_set_size) \
        X(archive_entry_size) \
        X(archive_entry_size_is_set) \
        X(archive_entry_symlink) \
        X(archive_entry_uid) \
        X(archive_entry_xattr_next) \
        X(archive_entry_xattr_reset) \
        X(archive_errno) \
        X(archive_error_string) \
        X(archive_filter_code) \
        X(archive_filter_count) \
        X(archive_read_data) \
        X(archive_read_data_block) \
        X(archive_read_free) \
        X(archive_read_new) \
        X(archive_read_next_header) \
        X(archive_read_open) \
        X(archive_read_support_filter_gzip) \
        X(archive_read_support_filter_zstd) \
        X(archive_read_support_format_empty) \
        X(archive_read_support_format_raw) \
        X(archive_read_support_format_tar) \
        X(archive_set_error) \
        X(archive_write_add_filter_none) \
        X(archive_write_close) \
        X(archive_write_data) \
        X(archive_write_free) \
        X(archive_write_header) \
        X(archive_write_new) \
        X(archive_write_open_fd) \
        X(archive_write_set_bytes_in_last_block) \
        X(archive_write_set_format_pax_restricted) \

static struct {
#define ARCHIVE_FIELD(f) __typeof__(f) *f;
        ARCHIVE_FUNCS(ARCHIVE_FIELD)
#undef ARCHIVE_FIELD
} archive_lib;
static bool archive_lib_loaded;

#define AR(f) (archive_lib.f)

static int archive_lib_load(WarrenError **err) {
        if (archive_lib_loaded)
                return 0;
        static const char *const names[] = { "libarchive.so.13", "libarchive.so" };
        void *h = NULL;
        for (size_t i = 0; i < ELEMENTSOF(names) && !h; i++)
                h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return error_set(err, ENOSYS, "libarchive is needed to read and write layers (install "
                                              "libarchive13): %s", dlerror());
#define ARCHIVE_LOAD(f)                                                                            \
        if (!(archive_lib.f = (__typeof__(f) *) dlsym(h, #f)))                                     \
                return error_set(err, ENOSYS, "libarchive lacks `%s`", #f);
        ARCHIVE_FUNCS(ARCHIVE_LOAD)
#undef ARCHIVE_LOAD
        archive_lib_loaded = true;
        return 0;
}

#define READ_BUF_SIZE (1024 * 1024)

const LayerLimits layer_limits_default = {
        .max_entry_size = 64ULL << 30,
        .max_total_size = 512ULL << 30,
        .max_entries = 4U << 20,
        .max_path = 4096,
        .max_xattr_size = 64U << 10,
};

struct LayerReader {
        int fd;
        LayerLimits limits;
        struct archive *raw; /* decompression only */
        struct archive *tar; /* tar parsing over raw's output */
        struct archive_entry *entry;
        LayerEntry cur;
        Sha256 *blob_hash;
        Sha256 *tar_hash;
        uint64_t blob_size;
        uint64_t tar_size;
        uint64_t total_size;
        uint64_t entries;
        bool raw_eof;
        bool fd_eof;
        bool tar_eof;
        bool raw_open;
        char *buf;
        int raw_errno;
        char *raw_errmsg;
        char known_digest[DIGEST_STRING_MAX]; /* "" when not known */
        bool tar_hash_off;
};

const char *layer_reader_compression(LayerReader *r);

static ssize_t raw_read_cb(struct archive *a, void *data, const void **ret) {
        LayerReader *r = data;
        ssize_t n;
        do
                n = read(r->fd, r->buf, READ_BUF_SIZE);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                AR(archive_set_error)(a, errno, "read: %s", strerror(errno));
                return -1;
        }
        if (n == 0)
                r->fd_eof = true;
        if (!r->known_digest[0])
                sha256_update(r->blob_hash, r->buf, (size_t)n);
        r->blob_size += (uint64_t)n;
        *ret = r->buf;
        return n;
}

/* Feed the tar parser with decompressed blocks, hashing them on the way. */
static ssize_t tar_read_cb(struct archive *a, void *data, const void **ret) {
        LayerReader *r = data;
        if (r->raw_eof)
                return 0;
        if (!r->raw_open) {
                struct archive_entry *e = NULL;
                int ar = AR(archive_read_next_header)(r->raw, &e);
                if (ar == ARCHIVE_EOF) {
                        r->raw_eof = true;
                        return 0;
                }
                if (ar < ARCHIVE_WARN) {
                        AR(archive_set_error)(a,
                                          AR(archive_errno)(r->raw) > 0 ? AR(archive_errno)(r->raw) : EIO,
                                          "%s", AR(archive_error_string)(r->raw) ?: "read error");
                        return -1;
                }
                r->raw_open = true;
                if (r->known_digest[0] && STREQ(layer_reader_compression(r), "none"))
                        r->tar_hash_off = true; /* not compressed: the diff id is the blob's */
        }
        const void *buf = NULL;
        size_t size = 0;
        la_int64_t off = 0;
        int ar = AR(archive_read_data_block)(r->raw, &buf, &size, &off);
        if (ar == ARCHIVE_EOF) {
                r->raw_eof = true;
                return 0;
        }
        if (ar < ARCHIVE_WARN) {
                AR(archive_set_error)(a, AR(archive_errno)(r->raw) > 0 ? AR(archive_errno)(r->raw) : EIO, "%s",
                                  AR(archive_error_string)(r->raw) ?: "read error");
                return -1;
        }
        if (!r->tar_hash_off)
                sha256_update(r->tar_hash, buf, size);
        r->tar_size += size;
        *ret = buf;
        return (ssize_t)size;
}

static int archive_err(struct archive *a, WarrenError **err, const char *what) {
        int e = AR(archive_errno)(a);
        const char *s = AR(archive_error_string)(a);
        /* libarchive's "misc" (-1) and "file format" (EILSEQ) errors: a malformed stream. */
        if (e <= 0 || e == EILSEQ)
                e = EPROTO;
        return error_set(err, e, "%s: %s", what, s ? s : "unknown error");
}

int layer_reader_new(int fd, const LayerLimits *limits, LayerReader **ret, WarrenError **err) {
        int lr = archive_lib_load(err);
        if (lr < 0)
                return lr;
        LayerReader *r = xnew(LayerReader, 1);
        r->fd = fd;
        r->limits = limits ? *limits : layer_limits_default;
        r->buf = xmalloc(READ_BUF_SIZE);
        r->blob_hash = sha256_new();
        r->tar_hash = sha256_new();
        r->raw = AR(archive_read_new)();
        r->tar = AR(archive_read_new)();
        if (!r->raw || !r->tar)
                abort();
        /* Only the filters we want, never an external program. */
        AR(archive_read_support_filter_gzip)(r->raw);
        AR(archive_read_support_filter_zstd)(r->raw);
        AR(archive_read_support_format_raw)(r->raw);
        AR(archive_read_support_format_empty)(r->raw);
        AR(archive_read_support_format_tar)(r->tar);
        AR(archive_read_support_format_empty)(r->tar);
        if (AR(archive_read_open)(r->raw, r, NULL, raw_read_cb, NULL) != ARCHIVE_OK) {
                int x = archive_err(r->raw, err, "open stream");
                layer_reader_free(r);
                return x;
        }
        /* The inner open reads the first block; errors show at the first entry. */
        if (AR(archive_read_open)(r->tar, r, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
                int x = archive_err(r->tar, err, "read tar");
                layer_reader_free(r);
                return x;
        }
        *ret = r;
        return 0;
}

LayerReader *layer_reader_free(LayerReader *r) {
        if (!r)
                return NULL;
        if (r->tar)
                AR(archive_read_free)(r->tar);
        if (r->raw)
                AR(archive_read_free)(r->raw);
        sha256_free(r->blob_hash);
        sha256_free(r->tar_hash);
        free(r->buf);
        free(r->raw_errmsg);
        free(r);
        return NULL;
}

void layer_reader_set_known_digest(LayerReader *r, const char *digest) {
        if (digest_is_valid(digest))
                snprintf(r->known_digest, sizeof(r->known_digest), "%s", digest);
}

const char *layer_reader_compression(LayerReader *r) {
        int n = AR(archive_filter_count)(r->raw);
        for (int i = 0; i < n; i++) {
                int c = AR(archive_filter_code)(r->raw, i);
                if (c == ARCHIVE_FILTER_GZIP)
                        return "gzip";
                if (c == ARCHIVE_FILTER_ZSTD)
                        return "zstd";
        }
        return "none";
}

static int entry_type(struct archive_entry *e, LayerEntryType *ret) {
        if (AR(archive_entry_hardlink)(e)) {
                *ret = LAYER_ENTRY_HARDLINK;
                return 0;
        }
        switch (AR(archive_entry_filetype)(e)) {
        case AE_IFREG:
                *ret = LAYER_ENTRY_REGULAR;
                return 0;
        case AE_IFDIR:
                *ret = LAYER_ENTRY_DIRECTORY;
                return 0;
        case AE_IFLNK:
                *ret = LAYER_ENTRY_SYMLINK;
                return 0;
        case AE_IFCHR:
                *ret = LAYER_ENTRY_CHAR;
                return 0;
        case AE_IFBLK:
                *ret = LAYER_ENTRY_BLOCK;
                return 0;
        case AE_IFIFO:
                *ret = LAYER_ENTRY_FIFO;
                return 0;
        case AE_IFSOCK:
                *ret = LAYER_ENTRY_SOCKET;
                return 0;
        default:
                return -EINVAL;
        }
}

int layer_reader_next(LayerReader *r, const LayerEntry **ret, WarrenError **err) {
        if (r->tar_eof)
                return 0;
        struct archive_entry *e = NULL;
        int ar = AR(archive_read_next_header)(r->tar, &e);
        if (ar == ARCHIVE_EOF) {
                r->tar_eof = true;
                return 0;
        }
        if (ar < ARCHIVE_WARN)
                return archive_err(r->tar, err, "read tar header");
        if (++r->entries > r->limits.max_entries)
                return error_set(err, EFBIG, "more than %llu entries",
                                 (unsigned long long)r->limits.max_entries);
        LayerEntry *c = &r->cur;
        memset(c, 0, offsetof(LayerEntry, xattrs));
        c->path = AR(archive_entry_pathname)(e);
        if (!c->path || !c->path[0])
                return error_set(err, EINVAL, "tar entry with an empty name");
        if (strlen(c->path) > r->limits.max_path)
                return error_set(err, ENAMETOOLONG, "tar entry name of %zu bytes (limit %zu)",
                                 strlen(c->path), r->limits.max_path);
        if (entry_type(e, &c->type) < 0)
                return error_set(err, EINVAL, "`%s`: unknown tar entry type %o", c->path,
                                 (unsigned)AR(archive_entry_filetype)(e));
        if (c->type == LAYER_ENTRY_HARDLINK)
                c->link = AR(archive_entry_hardlink)(e);
        else if (c->type == LAYER_ENTRY_SYMLINK)
                c->link = AR(archive_entry_symlink)(e);
        if (c->type == LAYER_ENTRY_SYMLINK && !c->link)
                return error_set(err, EINVAL, "`%s`: symlink without a target", c->path);
        if (c->link && strlen(c->link) > r->limits.max_path)
                return error_set(err, ENAMETOOLONG, "`%s`: link target of %zu bytes (limit %zu)",
                                 c->path, strlen(c->link), r->limits.max_path);
        c->mode = AR(archive_entry_perm)(e) & 07777;
        la_int64_t uid = AR(archive_entry_uid)(e), gid = AR(archive_entry_gid)(e);
        if (uid < 0 || uid > UINT32_MAX - 1 || gid < 0 || gid > UINT32_MAX - 1)
                return error_set(err, ERANGE, "`%s`: owner %lld:%lld out of range", c->path,
                                 (long long)uid, (long long)gid);
        c->uid = (uint32_t)uid;
        c->gid = (uint32_t)gid;
        la_int64_t size = AR(archive_entry_size_is_set)(e) ? AR(archive_entry_size)(e) : 0;
        if (size < 0 || (uint64_t)size > r->limits.max_entry_size)
                return error_set(err, EFBIG, "`%s`: header claims %lld bytes (limit %llu)", c->path,
                                 (long long)size, (unsigned long long)r->limits.max_entry_size);
        c->size = c->type == LAYER_ENTRY_REGULAR ? (uint64_t)size : 0;
        r->total_size += c->size;
        if (r->total_size > r->limits.max_total_size)
                return error_set(err, EFBIG, "layer larger than %llu bytes",
                                 (unsigned long long)r->limits.max_total_size);
        if (AR(archive_entry_mtime_is_set)(e)) {
                c->has_mtime = true;
                c->mtime.tv_sec = AR(archive_entry_mtime)(e);
                c->mtime.tv_nsec = AR(archive_entry_mtime_nsec)(e);
        }
        if (AR(archive_entry_atime_is_set)(e)) {
                c->has_atime = true;
                c->atime.tv_sec = AR(archive_entry_atime)(e);
                c->atime.tv_nsec = AR(archive_entry_atime_nsec)(e);
        }
        c->rdev_major = AR(archive_entry_rdevmajor)(e);
        c->rdev_minor = AR(archive_entry_rdevminor)(e);
        c->n_xattrs = 0;
        AR(archive_entry_xattr_reset)(e);
        const char *name;
        const void *value;
        size_t vsize;
        while (AR(archive_entry_xattr_next)(e, &name, &value, &vsize) == ARCHIVE_OK) {
                if (c->n_xattrs >= LAYER_MAX_XATTRS)
                        return error_set(err, E2BIG, "`%s`: more than %d xattrs", c->path,
                                         LAYER_MAX_XATTRS);
                if (vsize > r->limits.max_xattr_size)
                        return error_set(err, E2BIG, "`%s`: xattr `%s` of %zu bytes", c->path, name,
                                         vsize);
                c->xattrs[c->n_xattrs++] = (LayerXattr){name, value, vsize};
        }
        r->entry = e;
        *ret = c;
        return 1;
}

ssize_t layer_reader_read(LayerReader *r, void *buf, size_t size, WarrenError **err) {
        la_ssize_t n = AR(archive_read_data)(r->tar, buf, size);
        if (n < 0)
                return archive_err(r->tar, err, "read tar data");
        return n;
}

int layer_reader_copy_to_fd(LayerReader *r, int fd, uint64_t *ret_size, WarrenError **err) {
        const void *buf;
        size_t size;
        la_int64_t off, end = 0;
        bool sparse = false;
        for (;;) {
                int ar = AR(archive_read_data_block)(r->tar, &buf, &size, &off);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN)
                        return archive_err(r->tar, err, "read tar data");
                if (off != end)
                        sparse = true;
                const char *p = buf;
                size_t left = size;
                la_int64_t pos = off;
                while (left > 0) {
                        ssize_t w = sparse ? pwrite(fd, p, left, pos) : write(fd, p, left);
                        if (w < 0) {
                                if (errno == EINTR)
                                        continue;
                                return error_set_errno(err, errno, "write");
                        }
                        p += w;
                        left -= (size_t)w;
                        pos += w;
                }
                end = off + (la_int64_t)size;
        }
        if (sparse || (uint64_t)end < r->cur.size) {
                if (ftruncate(fd, (off_t)r->cur.size) < 0)
                        return error_set_errno(err, errno, "truncate");
        }
        if (ret_size)
                *ret_size = r->cur.size;
        return 0;
}

int layer_reader_finish(LayerReader *r, char ret_blob_digest[DIGEST_STRING_MAX],
                        char ret_diff_id[DIGEST_STRING_MAX], uint64_t *ret_blob_size,
                        uint64_t *ret_tar_size, WarrenError **err) {
        const LayerEntry *e;
        int x;
        /* Skip any entries left, then the padding after the end marker. */
        while ((x = layer_reader_next(r, &e, err)) > 0)
                ;
        if (x < 0)
                return x;
        const void *p;
        while (!r->raw_eof) {
                ssize_t n = tar_read_cb(r->tar, r, &p);
                if (n < 0)
                        return archive_err(r->tar, err, "read stream");
                if (n == 0)
                        break;
        }
        while (!r->fd_eof) {
                ssize_t n = raw_read_cb(r->raw, r, &p);
                if (n < 0)
                        return error_set_errno(err, errno, "read stream");
        }
        if (ret_blob_digest) {
                if (r->known_digest[0])
                        memcpy(ret_blob_digest, r->known_digest, DIGEST_STRING_MAX);
                else
                        sha256_final(r->blob_hash, ret_blob_digest);
        }
        if (ret_diff_id) {
                if (r->tar_hash_off)
                        memcpy(ret_diff_id, r->known_digest, DIGEST_STRING_MAX);
                else
                        sha256_final(r->tar_hash, ret_diff_id);
        }
        if (ret_blob_size)
                *ret_blob_size = r->blob_size;
        if (ret_tar_size)
                *ret_tar_size = r->tar_size;
        return 0;
}

struct TarWriter {
        struct archive *a;
        int fd;
};

int tar_writer_new(int fd, TarWriter **ret, WarrenError **err) {
        int lr = archive_lib_load(err);
        if (lr < 0)
                return lr;
        TarWriter *w = xnew(TarWriter, 1);
        w->fd = fd;
        w->a = AR(archive_write_new)();
        if (!w->a)
                abort();
        AR(archive_write_set_format_pax_restricted)(w->a);
        AR(archive_write_add_filter_none)(w->a);
        AR(archive_write_set_bytes_in_last_block)(w->a, 1);
        if (AR(archive_write_open_fd)(w->a, fd) != ARCHIVE_OK) {
                int x = archive_err(w->a, err, "open tar writer");
                tar_writer_free(w);
                return x;
        }
        *ret = w;
        return 0;
}

static int write_header(TarWriter *w, const char *path, mode_t type, uint64_t size, mode_t mode,
                        time_t mtime, WarrenError **err) {
        struct archive_entry *e = AR(archive_entry_new)();
        if (!e)
                abort();
        AR(archive_entry_set_pathname)(e, path);
        AR(archive_entry_set_filetype)(e, type);
        AR(archive_entry_set_perm)(e, mode);
        AR(archive_entry_set_size)(e, (la_int64_t)size);
        AR(archive_entry_set_mtime)(e, mtime, 0);
        int ar = AR(archive_write_header)(w->a, e);
        AR(archive_entry_free)(e);
        if (ar < ARCHIVE_WARN)
                return archive_err(w->a, err, "write tar header");
        return 0;
}

int tar_writer_file(TarWriter *w, const char *path, uint64_t size, mode_t mode, time_t mtime,
                    WarrenError **err) {
        return write_header(w, path, AE_IFREG, size, mode, mtime, err);
}

int tar_writer_dir(TarWriter *w, const char *path, time_t mtime, WarrenError **err) {
        return write_header(w, path, AE_IFDIR, 0, 0755, mtime, err);
}

int tar_writer_data(TarWriter *w, const void *buf, size_t len, WarrenError **err) {
        while (len > 0) {
                la_ssize_t n = AR(archive_write_data)(w->a, buf, len);
                if (n <= 0)
                        return archive_err(w->a, err, "write tar data");
                buf = (const char *)buf + n;
                len -= (size_t)n;
        }
        return 0;
}

int tar_writer_close(TarWriter *w, WarrenError **err) {
        if (AR(archive_write_close)(w->a) != ARCHIVE_OK)
                return archive_err(w->a, err, "finish tar");
        return 0;
}

TarWriter *tar_writer_free(TarWriter *w) {
        if (!w)
                return NULL;
        if (w->a)
                AR(archive_write_free)(w->a);
        free(w);
        return NULL;
}
