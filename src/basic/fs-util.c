/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/fs-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "basic/xalloc.h"

int read_fd_capped(int fd, size_t max, char **ret, size_t *ret_len, WarrenError **err) {
        size_t cap = 4096, len = 0;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                if ((uint64_t) st.st_size > max)
                        return error_set(err, EFBIG, "%lld bytes exceeds the limit of %zu",
                                         (long long) st.st_size, max);
                cap = (size_t) st.st_size + 1;
        }
        _cleanup_free_ char *buf = xmalloc(cap + 1);
        for (;;) {
                if (len == cap) {
                        if (cap > max)
                                return error_set(err, EFBIG, "more than %zu bytes", max);
                        cap = MIN(cap * 2, max + 1);
                        buf = xrealloc(buf, cap + 1);
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "read");
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return error_set(err, EFBIG, "more than %zu bytes", max);
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_file_at_capped(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                        bool missing_ok, WarrenError **err) {
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT && missing_ok)
                        return -ENOENT;
                return error_set_errno(err, errno, "open `%s`", name);
        }
        int r = read_fd_capped(fd, max, ret, ret_len, err);
        if (r < 0)
                return error_prefix(err, r, "read `%s`", name);
        return 0;
}

int read_file_capped(const char *path, size_t max, char **ret, size_t *ret_len,
                     WarrenError **err) {
        return read_file_at_capped(AT_FDCWD, path, max, ret, ret_len, false, err);
}

int write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int read_all(int fd, void *buf, size_t len) {
        char *p = buf;
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, p + got, len - got);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                got += (size_t) n;
        }
        return (int) got;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                         WarrenError **err) {
        char tmp[NAME_MAX + 1];
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        _cleanup_free_ char *dir = base == name ? xstrdup(".") : xstrndup(name, (size_t) (base - name));
        _cleanup_close_ int dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "open directory of `%s`", name);

        int fd = -1;
        for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                snprintf(tmp, sizeof(tmp), ".#%.200s.%d.%lx", base, getpid(),
                         (unsigned long) (ts.tv_nsec ^ (attempt * 7919)));
                fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
                if (fd < 0 && errno != EEXIST)
                        return error_set_errno(err, errno, "create temporary file for `%s`", name);
        }
        if (fd < 0)
                return error_set_errno(err, EEXIST, "create temporary file for `%s`", name);

        int r = write_all(fd, data, len);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dfd, tmp, 0);
                return error_set_errno(err, -r, "write `%s`", name);
        }
        if (fsync(dfd) < 0)
                return error_set_errno(err, errno, "sync directory of `%s`", name);
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      WarrenError **err) {
        return write_file_atomic_at(AT_FDCWD, path, data, len, mode, err);
}

int mkdir_p(const char *path, mode_t mode, WarrenError **err) {
        _cleanup_free_ char *p = xstrdup(path);
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
                p[--n] = 0;
        for (char *s = p + 1;; s++) {
                bool last = *s == 0;
                if (*s == '/' || last) {
                        char c = *s;
                        *s = 0;
                        if (mkdir(p, mode) < 0 && errno != EEXIST)
                                return error_set_errno(err, errno, "create directory `%s`", p);
                        *s = c;
                }
                if (last)
                        break;
        }
        if (!is_dir(path))
                return error_set(err, ENOTDIR, "`%s` is not a directory", path);
        return 0;
}

static int rm_rf_children(int dfd, dev_t dev, WarrenError **err) {
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return error_set_errno(err, errno, "open directory");
        }
        _cleanup_closedir_ DIR *dd = d;
        struct dirent *de;
        int ret = 0;
        while ((errno = 0, de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        ret = error_set_errno(err, errno, "stat `%s`", de->d_name);
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        if (st.st_dev != dev)
                                continue; /* a mount point: do not cross */
                        int cfd = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0) {
                                /* An unreadable directory we own: make it readable. */
                                if (errno == EACCES &&
                                    fchmodat(dirfd(d), de->d_name, 0700, 0) == 0)
                                        cfd = openat(dirfd(d), de->d_name,
                                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                             O_CLOEXEC);
                                if (cfd < 0) {
                                        ret = error_set_errno(err, errno, "open `%s`",
                                                              de->d_name);
                                        continue;
                                }
                        }
                        int r = rm_rf_children(cfd, dev, err);
                        if (r < 0) {
                                ret = error_prefix(err, r, "%s", de->d_name);
                                continue;
                        }
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                ret = error_set_errno(err, errno, "remove `%s`", de->d_name);
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        ret = error_set_errno(err, errno, "remove `%s`", de->d_name);
        }
        return ret;
}

int rm_rf_at(int dirfd, const char *name, WarrenError **err) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "stat `%s`", name);
        }
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return error_set_errno(err, errno, "remove `%s`", name);
                return 0;
        }
        int cfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
                return error_set_errno(err, errno, "open `%s`", name);
        int r = rm_rf_children(cfd, st.st_dev, err);
        if (r < 0)
                return error_prefix(err, r, "remove `%s`", name);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove `%s`", name);
        return 0;
}

int rm_rf(const char *path, WarrenError **err) {
        return rm_rf_at(AT_FDCWD, path, err);
}

int lock_file_at(int dirfd, const char *name, bool exclusive, int *ret_fd, WarrenError **err) {
        _cleanup_close_ int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open lock `%s`", name);
        struct flock fl = {
                .l_type = exclusive ? F_WRLCK : F_RDLCK,
                .l_whence = SEEK_SET,
        };
        while (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
                if (errno == EINTR)
                        continue;
                return error_set_errno(err, errno, "lock `%s`", name);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int lock_file(const char *path, bool exclusive, int *ret_fd, WarrenError **err) {
        return lock_file_at(AT_FDCWD, path, exclusive, ret_fd, err);
}

int send_fd(int sock, int fd, const void *data, size_t len) {
        char dummy = 0;
        struct iovec iov = {
                .iov_base = len ? (void *) data : &dummy,
                .iov_len = len ? len : 1,
        };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
                if (errno != EINTR)
                        return -errno;
        }
        return 0;
}

int recv_fd(int sock, void *data, size_t size, size_t *ret_len) {
        char dummy;
        struct iovec iov = {
                .iov_base = size ? data : &dummy,
                .iov_len = size ? size : 1,
        };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        ssize_t n;
        while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
                if (errno != EINTR)
                        return -errno;
        if (ret_len)
                *ret_len = size ? (size_t) n : 0;
        int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if (fd < 0)
                return n == 0 ? -ECONNRESET : -EBADMSG;
        return fd;
}

char *path_join(const char *a, const char *b) {
        size_t la = strlen(a);
        while (la > 1 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        if (la == 1 && a[0] == '/')
                return xasprintf("/%s", b);
        return xasprintf("%.*s/%s", (int) la, a, b);
}

bool path_exists(const char *path) {
        return access(path, F_OK) == 0;
}

bool is_dir(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
