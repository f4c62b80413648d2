/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/blob-store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

struct BlobStore {
        char *path; /* <root>/blobs */
        int shafd;  /* <root>/blobs/sha256 */
        int tmpfd;  /* <root>/blobs/tmp */
        int lockfd; /* shared lock held while open; cleaning takes it exclusively */
};

struct BlobWriter {
        BlobStore *bs;
        int fd;
        char *tmpname;
        Sha256 *hash;
        uint64_t size;
        char buf[256 * 1024];
        size_t buffered;
};

static int open_dir_at(int dfd, const char *name, int *ret, WarrenError **err) {
        if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create `%s`", name);
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", name);
        *ret = fd;
        return 0;
}

/* Try an exclusive OFD lock without waiting: true when nobody else holds the lock. */
static bool try_lock_exclusive(int dfd, const char *name) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return false;
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

/* Remove temp files left by killed writers, only when nobody else has the store open. */
static void clean_tmp(BlobStore *bs, int blobsfd) {
        if (!try_lock_exclusive(blobsfd, "lock"))
                return;
        int dfd = dup(bs->tmpfd);
        if (dfd < 0)
                return;
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return;
        }
        rewinddir(d); /* a dup shares the offset with earlier listings */
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        (void)unlinkat(bs->tmpfd, de->d_name, 0);
        closedir(d);
}

int blob_store_open(const char *root, BlobStore **ret, WarrenError **err) {
        int r = mkdir_p(root, 0700, err);
        if (r < 0)
                return r;
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return error_set_errno(err, errno, "open `%s`", root);
        _cleanup_close_ int blobsfd = -1;
        r = open_dir_at(rootfd, "blobs", &blobsfd, err);
        if (r < 0)
                return error_prefix(err, r, "blob store");
        BlobStore *bs = xnew(BlobStore, 1);
        bs->path = path_join(root, "blobs");
        bs->shafd = bs->tmpfd = bs->lockfd = -1;
        if ((r = open_dir_at(blobsfd, "sha256", &bs->shafd, err)) < 0 ||
            (r = open_dir_at(blobsfd, "tmp", &bs->tmpfd, err)) < 0) {
                blob_store_free(bs);
                return error_prefix(err, r, "blob store");
        }
        /* Try to clean first (exclusive), then hold a shared lock while open. */
        clean_tmp(bs, blobsfd);
        r = lock_file_at(blobsfd, "lock", false, &bs->lockfd, err);
        if (r < 0) {
                blob_store_free(bs);
                return error_prefix(err, r, "blob store");
        }
        *ret = bs;
        return 0;
}

BlobStore *blob_store_free(BlobStore *bs) {
        if (!bs)
                return NULL;
        safe_close(bs->shafd);
        safe_close(bs->tmpfd);
        safe_close(bs->lockfd);
        free(bs->path);
        free(bs);
        return NULL;
}

bool blob_store_has(BlobStore *bs, const char *digest) {
        const char *hex = digest_hex(digest);
        return hex && faccessat(bs->shafd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

char *blob_store_path(BlobStore *bs, const char *digest) {
        const char *hex = digest_hex(digest);
        if (!hex)
                return NULL;
        return xasprintf("%s/sha256/%s", bs->path, hex);
}

int blob_store_open_blob(BlobStore *bs, const char *digest, int *ret_fd, uint64_t *ret_size,
                         WarrenError **err) {
        const char *hex = NULL;
        int r = digest_parse(digest, "blob digest", &hex, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(bs->shafd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open blob `%s`", digest);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat blob `%s`", digest);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EINVAL, "blob `%s` is not a regular file", digest);
        if (ret_size)
                *ret_size = (uint64_t)st.st_size;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int blob_store_read(BlobStore *bs, const char *digest, size_t max, char **ret, size_t *ret_len,
                    WarrenError **err) {
        _cleanup_close_ int fd = -1;
        int r = blob_store_open_blob(bs, digest, &fd, NULL, err);
        if (r < 0)
                return r;
        r = read_fd_capped(fd, max, ret, ret_len, err);
        if (r < 0)
                return error_prefix(err, r, "read blob `%s`", digest);
        return 0;
}

int blob_store_put(BlobStore *bs, const void *data, size_t len, const char *expected,
                   char ret_digest[DIGEST_STRING_MAX], WarrenError **err) {
        _cleanup_blob_writer_ BlobWriter *w = NULL;
        int r = blob_writer_new(bs, &w, err);
        if (r < 0)
                return r;
        r = blob_writer_write(w, data, len, err);
        if (r < 0)
                return r;
        return blob_writer_commit(w, expected, ret_digest, NULL, err);
}

int blob_store_remove(BlobStore *bs, const char *digest, WarrenError **err) {
        const char *hex = NULL;
        int r = digest_parse(digest, "blob digest", &hex, err);
        if (r < 0)
                return r;
        if (unlinkat(bs->shafd, hex, 0) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove blob `%s`", digest);
        return 0;
}

int blob_store_list(BlobStore *bs, char ***ret, WarrenError **err) {
        return digest_list_dir(bs->shafd, "blobs", ret, err);
}

int blob_writer_new(BlobStore *bs, BlobWriter **ret, WarrenError **err) {
        BlobWriter *w = xmalloc(sizeof(BlobWriter));
        w->bs = bs;
        w->size = 0;
        w->buffered = 0;
        w->hash = NULL;
        for (int i = 0; i < 100; i++) {
                unsigned long long rnd = 0;
                if (getentropy(&rnd, sizeof(rnd)) < 0)
                        rnd = (unsigned long long)getpid() * 1000003ULL + (unsigned)i;
                w->tmpname = xasprintf("blob-%016llx", rnd);
                w->fd = openat(bs->tmpfd, w->tmpname,
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (w->fd >= 0 || errno != EEXIST)
                        break;
                free(w->tmpname);
                w->tmpname = NULL;
        }
        if (w->fd < 0) {
                int e = errno;
                free(w->tmpname);
                free(w);
                return error_set_errno(err, e, "create temporary blob");
        }
        w->hash = sha256_new();
        *ret = w;
        return 0;
}

static int writer_flush(BlobWriter *w, WarrenError **err) {
        if (w->buffered == 0)
                return 0;
        int r = write_all(w->fd, w->buf, w->buffered);
        if (r < 0)
                return error_set_errno(err, -r, "write blob");
        w->buffered = 0;
        return 0;
}

int blob_writer_write(BlobWriter *w, const void *data, size_t len, WarrenError **err) {
        sha256_update(w->hash, data, len);
        w->size += len;
        if (len >= sizeof(w->buf)) {
                int r = writer_flush(w, err);
                if (r < 0)
                        return r;
                r = write_all(w->fd, data, len);
                if (r < 0)
                        return error_set_errno(err, -r, "write blob");
                return 0;
        }
        if (w->buffered + len > sizeof(w->buf)) {
                int r = writer_flush(w, err);
                if (r < 0)
                        return r;
        }
        memcpy(w->buf + w->buffered, data, len);
        w->buffered += len;
        return 0;
}

int blob_writer_commit(BlobWriter *w, const char *expected, char ret_digest[DIGEST_STRING_MAX],
                       uint64_t *ret_size, WarrenError **err) {
        char digest[DIGEST_STRING_MAX];
        int r = writer_flush(w, err);
        if (r < 0)
                return r;
        sha256_final(w->hash, digest);
        w->hash = sha256_free(w->hash);
        if (expected && STRNEQ(expected, digest))
                return error_set(err, EBADMSG, "digest mismatch: expected `%s`, got `%s`", expected,
                                 digest);
        const char *hex = digest + strlen(DIGEST_PREFIX);
        int isnew = 0;
        if (faccessat(w->bs->shafd, hex, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
                /* No fsync of bulk data (as tar -x and containers/storage): a crash cannot leave a
                 * half-named blob, since only a complete, verified file is renamed in. */
                if (fchmod(w->fd, 0600) < 0)
                        return error_set_errno(err, errno, "chmod blob");
                if (renameat(w->bs->tmpfd, w->tmpname, w->bs->shafd, hex) < 0)
                        return error_set_errno(err, errno, "store blob `%s`", digest);
                free(w->tmpname);
                w->tmpname = NULL;
                (void)fsync(w->bs->shafd);
                isnew = 1;
        }
        if (ret_digest)
                memcpy(ret_digest, digest, DIGEST_STRING_MAX);
        if (ret_size)
                *ret_size = w->size;
        return isnew;
}

BlobWriter *blob_writer_free(BlobWriter *w) {
        if (!w)
                return NULL;
        safe_close(w->fd);
        if (w->tmpname)
                (void)unlinkat(w->bs->tmpfd, w->tmpname, 0);
        free(w->tmpname);
        sha256_free(w->hash);
        free(w);
        return NULL;
}
