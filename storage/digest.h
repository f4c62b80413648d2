/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/error.h"

/*
 * sha256 digests: the one file that includes libcrypto is digest.c. A digest string is
 * "sha256:" followed by 64 lower-case hex digits (OCI image spec, "Digests").
 */
#define DIGEST_HEX_LEN 64
#define DIGEST_PREFIX "sha256:"
#define DIGEST_STRING_LEN (sizeof(DIGEST_PREFIX) - 1 + DIGEST_HEX_LEN) /* 71 */
#define DIGEST_STRING_MAX (DIGEST_STRING_LEN + 1)

typedef struct Sha256 Sha256;

Sha256 *sha256_new(void);
Sha256 *sha256_free(Sha256 *h);
static inline void sha256_freep(Sha256 **h) {
        sha256_free(*h);
}
#define _cleanup_sha256_ _cleanup_(sha256_freep)
void sha256_update(Sha256 *h, const void *data, size_t len);
/* Finish into "sha256:<hex>". The hash may not be updated afterwards. */
void sha256_final(Sha256 *h, char ret[DIGEST_STRING_MAX]);

/* One shot: "sha256:<hex>" of a buffer. */
void digest_buffer(const void *data, size_t len, char ret[DIGEST_STRING_MAX]);

/* True for 64 lower-case hex digits. */
bool digest_hex_is_valid(const char *hex);
/* True for "sha256:<64 lower-case hex>". */
bool digest_is_valid(const char *s);
/* The hex part of a valid "sha256:<hex>" (a pointer into `s`), or NULL. */
const char *digest_hex(const char *s);
/* Validate `s` and return a pointer to its hex part (inside `s`). An unsupported algorithm is
 * ENOTSUP, anything else malformed EINVAL; `what` names the field in the message. */
int digest_parse(const char *s, const char *what, const char **ret_hex, WarrenError **err);
/* "sha256:" + hex, or NULL when hex is invalid. */
char *digest_from_hex(const char *hex);
/* The digests named by the entries of directory `dirfd` (64 hex characters each; others are
 * skipped), as "sha256:HEX": a store of blobs or layers listing itself. `what` is for messages. */
int digest_list_dir(int dirfd, const char *what, char ***ret, WarrenError **err);
/* The chain id of a layer over `parent_chain` (NULL for the bottom layer), OCI image spec:
 * ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
void digest_chain_id(const char *parent_chain, const char *diff_id, char ret[DIGEST_STRING_MAX]);
