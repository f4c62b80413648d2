/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The sync protocol between a parent and a child it cloned into new namespaces: tagged messages
 * on a SOCK_SEQPACKET socketpair (one message per send, boundaries kept, EOF when the peer
 * closes or execs since both ends are O_CLOEXEC). The wire format and the usual sequence are
 * in docs/protocols/clone-sync.md.
 *
 * Errors cross the boundary as SYNC_ERR (errno + text capped at SYNC_TEXT_MAX); the receiving
 * side rebuilds a WarrenError from it. A child that fails sends SYNC_ERR and _exit()s
 * (sync_fail()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

#define SYNC_MAGIC 0x57524e53U /* "WRNS" */
#define SYNC_VERSION 1U
#define SYNC_TEXT_MAX 2048U
#define SYNC_HEADER_SIZE 16U
#define SYNC_MSG_MAX (SYNC_HEADER_SIZE + SYNC_TEXT_MAX)

typedef enum SyncType {
        SYNC_READY = 1,  /* child -> parent: set up, waiting for GO (value: free for the caller) */
        SYNC_MAPPED = 2, /* parent -> child: uid/gid maps written */
        SYNC_GO = 3,     /* parent -> child: continue (e.g. exec) */
        SYNC_ERR = 4,    /* either way: value = positive errno, text = message */
        SYNC_PID = 5,    /* value = a pid (e.g. of a grandchild, as seen by the sender) */
        SYNC_FD = 6,     /* carries one fd (SCM_RIGHTS); value/text free for the caller */
        SYNC_ACK = 7,    /* generic acknowledgement */
        SYNC_USER = 8,   /* caller-defined step; value/text free for the caller */
        _SYNC_TYPE_MAX,
} SyncType;

typedef struct SyncMsg {
        SyncType type;
        int32_t value;
        size_t text_len;
        char text[SYNC_TEXT_MAX + 1]; /* always NUL-terminated */
        int fd;                       /* received fd (O_CLOEXEC) or -1; the receiver owns it */
} SyncMsg;

/* "READY", "MAPPED", ... or NULL when out of range. */
const char *sync_type_name(SyncType type);

/*
 * Pure encode/decode of one message (header: magic, version << 16 | type, value, text length,
 * all 32-bit native-endian; then the text without NUL). Text longer than SYNC_TEXT_MAX is
 * truncated. sync_encode returns the number of bytes written or -ENOBUFS. sync_decode checks
 * the magic, version, type, and that the length matches exactly (EPROTO otherwise); the decoded
 * message has fd -1.
 */
int sync_encode(SyncType type, int32_t value, const char *text, size_t text_len, void *buf,
                size_t size);
int sync_decode(const void *buf, size_t len, SyncMsg *ret, WarrenError **err);

/* A SOCK_SEQPACKET socketpair, both ends O_CLOEXEC. fds[0] for the parent, fds[1] the child. */
int sync_socketpair(int fds[2], WarrenError **err);

/* Send one message. `text` may be NULL. EINTR is retried; EPIPE is reported as "peer gone". */
int sync_send(int fd, SyncType type, int32_t value, const char *text, WarrenError **err);
/* Send a message carrying `passfd` (SCM_RIGHTS). */
int sync_send_fd(int fd, SyncType type, int32_t value, int passfd, WarrenError **err);
/* Send SYNC_ERR from an error (NULL: EIO "unknown error"). Never allocates. Returns 0/-errno. */
int sync_send_error(int fd, const WarrenError *e);

/*
 * Receive one message. Returns 1 with *ret filled, 0 on EOF (the peer closed or exec'd), or
 * -errno. A malformed message is EPROTO. A received SYNC_ERR is returned as a message, not as an
 * error (see sync_expect()).
 */
int sync_recv(int fd, SyncMsg *ret, WarrenError **err);

/*
 * Receive one message and require type `want`. A SYNC_ERR becomes the error it carries (its
 * errno and text); EOF is EPIPE "peer exited before sending `READY`"; another type is EPROTO
 * "unexpected sync message `GO`, expected `READY`". `ret` may be NULL; if not NULL the caller
 * owns ret->fd.
 */
int sync_expect(int fd, SyncType want, SyncMsg *ret, WarrenError **err);
/* Require EOF (the child exec'd or exited cleanly). A SYNC_ERR becomes the error; any other
 * message is EPROTO. */
int sync_expect_eof(int fd, WarrenError **err);

/* Rebuild the error carried by a SYNC_ERR message into *err; returns -errno. */
int sync_error_from_msg(const SyncMsg *m, WarrenError **err);

/* Child side: send SYNC_ERR for `e` (which is freed) and _exit(1). */
_noreturn_ void sync_fail(int fd, WarrenError *e);
