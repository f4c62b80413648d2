/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled seccomp programs kept in the runtime's state root (see seccomp-cache.h). */
#include "runtime/seccomp-cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"

/* File: MAGIC, then three host-endian uint32 (key bytes, flags, program bytes), the key, the
 * program. Host-local (tmpfs), so host byte order is fine. */
static const char MAGIC[16] = "warren-seccomp1\n";

void seccomp_program_free(SeccompProgram *p) {
        if (!p)
                return;
        free(p->insns);
        free(p);
}

/* FNV-1a, 64 bits: a file name, not a proof of anything (the key is compared in full). */
static uint64_t fnv1a(const char *s, size_t n) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static void file_name(const char *key, size_t key_len, char buf[static 32]) {
        snprintf(buf, 32, "%016llx.bpf", (unsigned long long)fnv1a(key, key_len));
}

SeccompProgram *seccomp_cache_lookup(const char *dir, const char *key, size_t key_len) {
        char name[32];
        file_name(key, key_len, name);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return NULL;
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            (st.st_mode & 0022) || (size_t)st.st_size > SECCOMP_CACHE_MAX_FILE) {
                log_debug("seccomp cache: `%s/%s` is not ours alone, ignored", dir, name);
                return NULL;
        }
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if (read_fd_capped(fd, SECCOMP_CACHE_MAX_FILE, &buf, &len, NULL) < 0)
                return NULL;
        uint32_t hdr[3];
        size_t head = sizeof(MAGIC) + sizeof(hdr);
        if (len < head || memcmp(buf, MAGIC, sizeof(MAGIC)) != 0)
                return NULL;
        memcpy(hdr, buf + sizeof(MAGIC), sizeof(hdr));
        uint32_t klen = hdr[0], flags = hdr[1], plen = hdr[2];
        if (klen != key_len || plen == 0 || plen % 8 != 0 ||
            (uint64_t)head + klen + plen != (uint64_t)len ||
            memcmp(buf + head, key, key_len) != 0)
                return NULL;
        SeccompProgram *p = xnew(SeccompProgram, 1);
        p->insns = xmalloc(plen);
        memcpy(p->insns, buf + head + klen, plen);
        p->len = plen;
        p->flags = flags;
        p->from_cache = true;
        return p;
}

/* A bound on the directory: profiles differ by capabilities and by what users pass, so a busy
 * host could otherwise collect one file per variation. Past CACHE_MAX_FILES, start over. */
#define CACHE_MAX_FILES 128

static void prune(const char *dir) {
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return;
        int dup_fd = dup(dfd);
        DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        if (!d) {
                safe_close(dup_fd);
                return;
        }
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        if (n >= CACHE_MAX_FILES) {
                rewinddir(d);
                while ((de = readdir(d)))
                        if (de->d_name[0] != '.')
                                (void)unlinkat(dfd, de->d_name, 0);
        }
        closedir(d);
}

void seccomp_cache_store(const char *dir, const char *key, size_t key_len,
                         const SeccompProgram *p) {
        if (key_len > SECCOMP_CACHE_MAX_FILE / 2 || p->len > SECCOMP_CACHE_MAX_FILE / 2)
                return;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                log_debug("seccomp cache: create `%s`: %s", dir, strerror(errno));
                return;
        }
        uint32_t hdr[3] = {(uint32_t)key_len, p->flags, (uint32_t)p->len};
        size_t len = sizeof(MAGIC) + sizeof(hdr) + key_len + p->len;
        _cleanup_free_ char *buf = xmalloc(len);
        char *w = buf;
        memcpy(w, MAGIC, sizeof(MAGIC));
        w += sizeof(MAGIC);
        memcpy(w, hdr, sizeof(hdr));
        w += sizeof(hdr);
        memcpy(w, key, key_len);
        w += key_len;
        memcpy(w, p->insns, p->len);
        prune(dir);
        char name[32];
        file_name(key, key_len, name);
        _cleanup_free_ char *path = path_join(dir, name);
        _cleanup_error_ WarrenError *err = NULL;
        /* The state root is a tmpfs: the fsync in write_file_atomic costs nothing there, and a
         * torn file would only be a miss. */
        if (write_file_atomic(path, buf, len, 0600, &err) < 0)
                log_debug("seccomp cache: %s", err->msg);
}
