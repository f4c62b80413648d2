/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "basic/error.h"
#include "storage/digest.h"

/*
 * Reading tar streams (layers and image archives), plain, gzip or zstd: the only file that
 * includes libarchive is layer-reader.c. While reading, the reader hashes both the bytes it was
 * given (the blob digest) and the uncompressed tar stream (the diff id). Headers are checked
 * against limits before anything is written.
 */
typedef enum LayerEntryType {
        LAYER_ENTRY_REGULAR,
        LAYER_ENTRY_DIRECTORY,
        LAYER_ENTRY_SYMLINK,
        LAYER_ENTRY_HARDLINK,
        LAYER_ENTRY_CHAR,
        LAYER_ENTRY_BLOCK,
        LAYER_ENTRY_FIFO,
        LAYER_ENTRY_SOCKET,
} LayerEntryType;

#define LAYER_MAX_XATTRS 64

typedef struct LayerXattr {
        const char *name;
        const void *value;
        size_t size;
} LayerXattr;

/* Valid until the next layer_reader_next(). */
typedef struct LayerEntry {
        const char *path;
        const char *link; /* symlink target or hardlink target, else NULL */
        LayerEntryType type;
        mode_t mode; /* permission bits with setuid, setgid and sticky */
        uint32_t uid;
        uint32_t gid;
        uint64_t size;
        struct timespec mtime;
        struct timespec atime;
        bool has_mtime;
        bool has_atime;
        unsigned rdev_major;
        unsigned rdev_minor;
        size_t n_xattrs;
        LayerXattr xattrs[LAYER_MAX_XATTRS];
} LayerEntry;

typedef struct LayerLimits {
        uint64_t max_entry_size; /* one file's size as its header claims */
        uint64_t max_total_size; /* sum of file sizes in one stream */
        uint64_t max_entries;
        size_t max_path;       /* bytes in a path or link target */
        size_t max_xattr_size; /* one xattr value */
} LayerLimits;

/* 64 GiB per file, 512 GiB per stream, 4M entries, 4096-byte paths, 64 KiB xattr values. */
extern const LayerLimits layer_limits_default;

typedef struct LayerReader LayerReader;

/* Read from `fd` (not closed by the reader). `limits` may be NULL for the defaults. */
int layer_reader_new(int fd, const LayerLimits *limits, LayerReader **ret, WarrenError **err);
LayerReader *layer_reader_free(LayerReader *r);
static inline void layer_reader_freep(LayerReader **r) {
        layer_reader_free(*r);
}
#define _cleanup_layer_reader_ _cleanup_(layer_reader_freep)

/* The blob's digest is already known (it comes from the content-addressed store): do not hash
 * the input again, and when the stream is not compressed, the diff id is that digest too. */
void layer_reader_set_known_digest(LayerReader *r, const char *digest);

/* The next entry: 1, or 0 at the end of the archive. */
int layer_reader_next(LayerReader *r, const LayerEntry **ret, WarrenError **err);
/* Read the current entry's data; returns bytes read, 0 at its end. */
ssize_t layer_reader_read(LayerReader *r, void *buf, size_t size, WarrenError **err);
/* Copy the current entry's data to `fd` (sparse holes kept); returns the bytes written. */
int layer_reader_copy_to_fd(LayerReader *r, int fd, uint64_t *ret_size, WarrenError **err);
/* After the last entry: read the rest of the stream and give both digests and sizes (any may
 * be NULL). */
int layer_reader_finish(LayerReader *r, char ret_blob_digest[DIGEST_STRING_MAX],
                        char ret_diff_id[DIGEST_STRING_MAX], uint64_t *ret_blob_size,
                        uint64_t *ret_tar_size, WarrenError **err);
/* "gzip", "zstd" or "none", once the first entry has been read. */
const char *layer_reader_compression(LayerReader *r);

/* A tar writer (for `save`): plain tar to `fd`. */
typedef struct TarWriter TarWriter;
int tar_writer_new(int fd, TarWriter **ret, WarrenError **err);
/* A regular file of `size` bytes whose data follows in tar_writer_data() calls. */
int tar_writer_file(TarWriter *w, const char *path, uint64_t size, mode_t mode, time_t mtime,
                    WarrenError **err);
int tar_writer_dir(TarWriter *w, const char *path, time_t mtime, WarrenError **err);
int tar_writer_data(TarWriter *w, const void *buf, size_t len, WarrenError **err);
int tar_writer_close(TarWriter *w, WarrenError **err);
TarWriter *tar_writer_free(TarWriter *w);
static inline void tar_writer_freep(TarWriter **w) {
        tar_writer_free(*w);
}
#define _cleanup_tar_writer_ _cleanup_(tar_writer_freep)
