/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "basic/error.h"

/* Read all of `fd` into a NUL-terminated buffer; more than `max` bytes is EFBIG. */
int read_fd_capped(int fd, size_t max, char **ret, size_t *ret_len, WarrenError **err);
int read_file_capped(const char *path, size_t max, char **ret, size_t *ret_len,
                     WarrenError **err);
/* Same, relative to a directory fd. ENOENT is returned without setting *err when
 * `missing_ok` (so callers can test for absence cheaply). */
int read_file_at_capped(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                        bool missing_ok, WarrenError **err);

int write_all(int fd, const void *buf, size_t len);
int read_all(int fd, void *buf, size_t len); /* returns bytes read (short only at EOF) */

/*
 * Atomic replace: a temp file in the same directory (O_EXCL, `mode`), write, fsync, renameat
 * over `name`, fsync the directory. On failure the temp file is unlinked and `name` is as it
 * was.
 */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                         WarrenError **err);
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      WarrenError **err);

/* Create every missing component of `path` with `mode`. Existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, WarrenError **err);
/* Remove a tree, not crossing mount points; a missing path is success. */
int rm_rf(const char *path, WarrenError **err);
int rm_rf_at(int dirfd, const char *name, WarrenError **err);

/* Locks on a lock file (OFD locks: per open file, so threads and forks behave). The returned
 * fd holds the lock; closing it releases. `exclusive` false takes a shared lock. */
int lock_file(const char *path, bool exclusive, int *ret_fd, WarrenError **err);
int lock_file_at(int dirfd, const char *name, bool exclusive, int *ret_fd, WarrenError **err);
static inline void unlockp(int *fd) {
        closep(fd);
}
#define _cleanup_unlock_ _cleanup_(unlockp)

/* Pass an fd over a unix socket with SCM_RIGHTS, with a small payload. */
int send_fd(int sock, int fd, const void *data, size_t len);
/* Receive; returns the fd (O_CLOEXEC) or -errno; *ret_len gets the payload length. */
int recv_fd(int sock, void *data, size_t size, size_t *ret_len);

/* Join two path parts with exactly one '/'. */
char *path_join(const char *a, const char *b);
bool path_exists(const char *path);
bool is_dir(const char *path);
