/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Compiled seccomp programs, kept between runs. libseccomp takes about 10 ms of CPU to turn
 * Docker's default profile into BPF (rule database, then code generation), for every container
 * and every exec: the same profile gives the same program, so the runtime keeps programs in a
 * directory of its state root (tmpfs, private to the user, gone at reboot), one file per
 * profile. A file holds the full key (a header naming libseccomp, its API level, the kernel and
 * architecture, then the profile's JSON text) and is used only when that key matches byte for
 * byte: the file name is just a hash, so a collision can only cost a rebuild, never hand one
 * profile another's program. Files not owned by us, or writable by others, are ignored.
 */

#include <stdbool.h>
#include <stddef.h>

/* A classic-BPF seccomp program and the seccomp(2) flags to load it with. */
typedef struct SeccompProgram {
        void *insns;      /* struct sock_filter[] */
        size_t len;       /* bytes, a multiple of 8 */
        unsigned flags;   /* SECCOMP_FILTER_FLAG_* */
        bool from_cache;  /* for tests and debug logs */
} SeccompProgram;

void seccomp_program_free(SeccompProgram *p);
static inline void seccomp_program_freep(SeccompProgram **p) {
        seccomp_program_free(*p);
}
#define _cleanup_seccomp_program_ _cleanup_(seccomp_program_freep)

/* The program stored under `key` in `dir`, or NULL (missing, different key, unsafe file,
 * malformed). Never an error: a miss means building it again. */
SeccompProgram *seccomp_cache_lookup(const char *dir, const char *key, size_t key_len);
/* Store `p` under `key` (atomically; `dir` is created 0700). Best effort: failures are logged
 * at debug level. */
void seccomp_cache_store(const char *dir, const char *key, size_t key_len,
                         const SeccompProgram *p);

/* The cache's directory inside the runtime's state root: a name no container id can take
 * (`#` is not allowed in ids), so `list` never sees it. */
#define SECCOMP_CACHE_DIR_NAME "#seccomp-cache"

/* The largest program and key this cache reads back. */
#define SECCOMP_CACHE_MAX_FILE (4U * 1024U * 1024U)
