/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "storage/digest.h"

/*
 * Content-addressed blobs under <root>/blobs/sha256/<hex>. A blob is written to
 * <root>/blobs/tmp/, hashed while written, checked against the expected digest and renamed into
 * place: a blob under its name always has that content. Leftover temp files are removed by
 * blob_store_open() when no other writer holds the store's lock.
 */
typedef struct BlobStore BlobStore;
typedef struct BlobWriter BlobWriter;

int blob_store_open(const char *root, BlobStore **ret, WarrenError **err);
BlobStore *blob_store_free(BlobStore *bs);
static inline void blob_store_freep(BlobStore **bs) {
        blob_store_free(*bs);
}
#define _cleanup_blob_store_ _cleanup_(blob_store_freep)

bool blob_store_has(BlobStore *bs, const char *digest);
/* The path of a blob (it may not exist). NULL for an invalid digest. */
char *blob_store_path(BlobStore *bs, const char *digest);
/* Open a blob read-only; ENOENT when missing. */
int blob_store_open_blob(BlobStore *bs, const char *digest, int *ret_fd, uint64_t *ret_size,
                         WarrenError **err);
int blob_store_read(BlobStore *bs, const char *digest, size_t max, char **ret, size_t *ret_len,
                    WarrenError **err);
/* Write a whole buffer; `expected` (may be NULL) must match. Returns 1 when the blob was new. */
int blob_store_put(BlobStore *bs, const void *data, size_t len, const char *expected,
                   char ret_digest[DIGEST_STRING_MAX], WarrenError **err);
int blob_store_remove(BlobStore *bs, const char *digest, WarrenError **err);
/* All blob digests ("sha256:..."), for pruning. */
int blob_store_list(BlobStore *bs, char ***ret, WarrenError **err);

/* Streaming writes. */
int blob_writer_new(BlobStore *bs, BlobWriter **ret, WarrenError **err);
int blob_writer_write(BlobWriter *w, const void *data, size_t len, WarrenError **err);
/* Verify against `expected` (may be NULL) and rename into place. Returns 1 when the blob was new,
 * 0 when it was already stored. A mismatch is EBADMSG and stores nothing. */
int blob_writer_commit(BlobWriter *w, const char *expected, char ret_digest[DIGEST_STRING_MAX],
                       uint64_t *ret_size, WarrenError **err);
/* Drops an uncommitted temp file. */
BlobWriter *blob_writer_free(BlobWriter *w);
static inline void blob_writer_freep(BlobWriter **w) {
        blob_writer_free(*w);
}
#define _cleanup_blob_writer_ _cleanup_(blob_writer_freep)
