/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/layer-unpack.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"
#include "storage/layer-path.h"

#define MAX_SYMLINKS 40
#define XATTR_LIST_MAX_BYTES 65536
#define XATTR_VALUE_MAX_BYTES 65536

typedef struct DirTime {
        char *path;
        struct timespec mtime;
} DirTime;

/* A copy of a lower layer's file made for a hardlink; later links to that file share it. */
typedef struct CopyUp {
        dev_t src_dev;
        ino_t src_ino;
        char *path; /* the copy, in this layer */
        dev_t dev;
        ino_t ino;
} CopyUp;

typedef struct Unpacker {
        int rootfd;
        const LayerUnpackOptions *opts;
        LayerUnpackResult *res;
        /* The parent directory of the last entry, reused while entries stay in it. */
        char *cached_dir;
        int cached_fd;
        DirTime *dirs;
        size_t n_dirs, cap_dirs;
        char *first_device;
        /* Hardlinks to lower layers' files (the cold path: a target not in this layer). */
        size_t n_lowers;
        int *lower_fds; /* opened on first use */
        CopyUp *copies;
        size_t n_copies;
        uint64_t copied_bytes;
} Unpacker;

static void cache_drop(Unpacker *u) {
        u->cached_fd = safe_close(u->cached_fd);
        free(u->cached_dir);
        u->cached_dir = NULL;
}

static int open_parent(Unpacker *u, const char *dir, int *ret_fd, WarrenError **err) {
        if (u->cached_dir && STREQ(u->cached_dir, dir)) {
                *ret_fd = u->cached_fd;
                return 0;
        }
        cache_drop(u);
        int fd = -1;
        int r = layer_path_open_dir(u->rootfd, dir, true, &fd, err);
        if (r < 0)
                return r;
        u->cached_fd = fd;
        u->cached_dir = xstrdup(dir);
        *ret_fd = fd;
        return 0;
}

int layer_make_whiteout(int dirfd, const char *name, WarrenError **err) {
        if (mknodat(dirfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0)
                return error_set_errno(err, errno, "create whiteout `%s`", name);
        return 0;
}

int layer_make_opaque(int dirfd, WarrenError **err) {
        if (fsetxattr(dirfd, "user.overlay.opaque", "y", 1, 0) < 0)
                return error_set_errno(err, errno, "set `user.overlay.opaque`");
        if (fsetxattr(dirfd, "user.fuseoverlayfs.opaque", "y", 1, 0) < 0)
                return error_set_errno(err, errno, "set `user.fuseoverlayfs.opaque`");
        return 0;
}

static void set_owner_ids(Unpacker *u, int fd, const char *name, uid_t uid, gid_t gid,
                          const char *path, int flags) {
        if (u->opts->no_chown)
                return;
        int r = name ? fchownat(fd, name, uid, gid, flags) : fchown(fd, uid, gid);
        if (r < 0) {
                if (u->res->owner_failures++ == 0)
                        log_warning("cannot set owner %u:%u of `%s` (%s): ids outside the "
                                    "user namespace's map are left as the caller's",
                                    (unsigned)uid, (unsigned)gid, path, strerror(errno));
        }
}

static void set_owner(Unpacker *u, int fd, const char *name, const LayerEntry *e, int flags) {
        set_owner_ids(u, fd, name, e->uid, e->gid, e->path, flags);
}

static void set_xattrs(Unpacker *u, int fd, const LayerEntry *e) {
        for (size_t i = 0; i < e->n_xattrs; i++) {
                const LayerXattr *x = &e->xattrs[i];
                if (!layer_xattr_allowed(x->name)) {
                        log_debug("`%s`: dropping xattr `%s`", e->path, x->name);
                        continue;
                }
                if (fsetxattr(fd, x->name, x->value, x->size, 0) < 0) {
                        if (u->res->xattr_failures++ == 0)
                                log_warning("cannot set xattr `%s` on `%s`: %s", x->name, e->path,
                                            strerror(errno));
                }
        }
}

/* Remove what is at `name` unless it is a directory and `keep_dir`. Returns 1 when it removed
 * a directory or symlink (the parent cache may point through it). */
static int clear_existing(int dfd, const char *name, bool keep_dir, bool *ret_is_dir,
                          WarrenError **err) {
        struct stat st;
        *ret_is_dir = false;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "stat `%s`", name);
        }
        if (S_ISDIR(st.st_mode)) {
                if (keep_dir) {
                        *ret_is_dir = true;
                        return 0;
                }
                int r = rm_rf_at(dfd, name, err);
                return r < 0 ? r : 1;
        }
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove `%s`", name);
        return S_ISLNK(st.st_mode) ? 1 : 0;
}

static int write_regular(Unpacker *u, LayerReader *rd, int dfd, const char *base,
                         const LayerEntry *e, WarrenError **err) {
        _cleanup_close_ int fd =
                openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "create");
        uint64_t n = 0;
        int r = layer_reader_copy_to_fd(rd, fd, &n, err);
        if (r < 0)
                return r;
        u->res->content_size += n;
        set_owner(u, fd, NULL, e, 0);
        if (fchmod(fd, e->mode) < 0)
                return error_set_errno(err, errno, "chmod");
        set_xattrs(u, fd, e);
        if (e->has_mtime) {
                struct timespec ts[2] = {e->has_atime ? e->atime : e->mtime, e->mtime};
                (void)futimens(fd, ts);
        }
        return 0;
}

static bool is_whiteout(const struct stat *st) {
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int write_dir(Unpacker *u, int dfd, const char *base, const char *clean, const LayerEntry *e,
                     WarrenError **err) {
        /* A whiteout of this layer at this name (`.wh.NAME` came first) hides the lower layers'
         * NAME, not this one's: the new directory must not merge with what is below, so it is
         * opaque (the OCI image spec's whiteout rule; containerd does the same). */
        struct stat st;
        bool over_whiteout = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(&st);
        bool is_dir = false;
        int r = clear_existing(dfd, base, true, &is_dir, err);
        if (r < 0)
                return r;
        if (!is_dir && mkdirat(dfd, base, 0700) < 0)
                return error_set_errno(err, errno, "create directory");
        _cleanup_close_ int fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open directory");
        if (over_whiteout) {
                r = layer_make_opaque(fd, err);
                if (r < 0)
                        return error_prefix(err, r, "`%s`", clean);
                u->res->opaque_dirs++;
        }
        set_owner(u, fd, NULL, e, 0);
        if (fchmod(fd, e->mode) < 0)
                return error_set_errno(err, errno, "chmod");
        set_xattrs(u, fd, e);
        if (e->has_mtime) {
                if (u->n_dirs == u->cap_dirs) {
                        u->cap_dirs = u->cap_dirs ? u->cap_dirs * 2 : 64;
                        u->dirs = xreallocarray(u->dirs, u->cap_dirs, sizeof(DirTime));
                }
                u->dirs[u->n_dirs++] = (DirTime){xstrdup(clean), e->mtime};
        }
        return 0;
}

/* ---- hardlinks to a lower layer's file: the merged view, walked as overlayfs looks up ---- */

typedef struct MergedWalk {
        Unpacker *u;
        size_t n;   /* layers: 0 is the one being unpacked (as far as it is), then the lowers */
        int *fds;   /* the current directory in each layer (O_PATH), -1 where it shows nothing */
        char *path; /* the current directory ("" for the root), reached through no symlink */
} MergedWalk;

static int lower_roots_open(Unpacker *u, WarrenError **err) {
        if (u->lower_fds)
                return 0;
        u->lower_fds = xnew(int, u->n_lowers);
        for (size_t i = 0; i < u->n_lowers; i++)
                u->lower_fds[i] = -1;
        for (size_t i = 0; i < u->n_lowers; i++) {
                u->lower_fds[i] = open(u->opts->lower_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (u->lower_fds[i] < 0)
                        return error_set_errno(err, errno, "open lower layer `%s`",
                                               u->opts->lower_dirs[i]);
        }
        return 0;
}

static int walk_root(const MergedWalk *m, size_t i) {
        return i == 0 ? m->u->rootfd : m->u->lower_fds[i - 1];
}

static void walk_set(MergedWalk *m, size_t i, int fd) {
        if (m->fds[i] >= 0 && m->fds[i] != walk_root(m, i))
                close(m->fds[i]);
        m->fds[i] = fd;
}

static void walk_reset(MergedWalk *m) {
        for (size_t i = 0; i < m->n; i++)
                walk_set(m, i, walk_root(m, i));
        free(m->path);
        m->path = xstrdup("");
}

static void walk_done(MergedWalk *m) {
        if (m->fds)
                for (size_t i = 0; i < m->n; i++)
                        walk_set(m, i, -1);
        free(m->fds);
        free(m->path);
}

/* Whether directory `fd` (O_PATH) is opaque: our own unpacking marked it (layer_make_opaque). */
static int dir_is_opaque(int fd, WarrenError **err) {
        _cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "open a lower directory");
        char v[2];
        ssize_t n = fgetxattr(dfd, "user.overlay.opaque", v, sizeof(v));
        if (n < 0 && errno != ENODATA && errno != ENOTSUP)
                return error_set_errno(err, errno, "read `user.overlay.opaque`");
        return n == 1 && v[0] == 'y';
}

/* The highest layer that has `name` in the current directory: 1 with its index and stat, or 0. */
static int walk_lookup(MergedWalk *m, const char *name, size_t *ret_layer, struct stat *ret_st,
                       WarrenError **err) {
        for (size_t i = 0; i < m->n; i++) {
                if (m->fds[i] < 0)
                        continue;
                if (fstatat(m->fds[i], name, ret_st, AT_SYMLINK_NOFOLLOW) == 0) {
                        *ret_layer = i;
                        return 1;
                }
                if (errno != ENOENT)
                        return error_set_errno(err, errno, "look up `%s` in layer %zu", name, i);
        }
        return 0;
}

/*
 * Enter `name`, a directory in layer `top` (the highest layer that has the name). The layers
 * below merge into it until one is opaque there or has a whiteout or a non-directory there,
 * which hides it and everything below, as overlayfs merges lower directories.
 */
static int walk_enter(MergedWalk *m, const char *name, size_t top, WarrenError **err) {
        bool cut = false;
        for (size_t i = 0; i < m->n; i++) {
                int child = -1;
                if (i >= top && !cut && m->fds[i] >= 0) {
                        struct stat st;
                        if (fstatat(m->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                                if (errno != ENOENT)
                                        return error_set_errno(
                                                err, errno, "look up `%s` in layer %zu", name, i);
                        } else if (!S_ISDIR(st.st_mode))
                                cut = true;
                        else {
                                child = openat(m->fds[i], name,
                                               O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                                if (child < 0)
                                        return error_set_errno(err, errno, "open `%s` in layer %zu",
                                                               name, i);
                                int r = dir_is_opaque(child, err);
                                if (r < 0) {
                                        close(child);
                                        return r;
                                }
                                cut = r > 0;
                        }
                }
                walk_set(m, i, child);
        }
        char *p = m->path[0] ? xasprintf("%s/%s", m->path, name) : xstrdup(name);
        free(m->path);
        m->path = p;
        return 0;
}

/* "..": the parent of the current directory, walked again from the root ("/.." is "/"). */
static int walk_up(MergedWalk *m, WarrenError **err) {
        char *slash = strrchr(m->path, '/');
        _cleanup_free_ char *parent =
                slash ? xstrndup(m->path, (size_t)(slash - m->path)) : xstrdup("");
        walk_reset(m);
        char *save = NULL;
        for (char *c = strtok_r(parent, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                size_t top = 0;
                struct stat st;
                int r = walk_lookup(m, c, &top, &st, err);
                if (r < 0)
                        return r;
                if (r == 0 || !S_ISDIR(st.st_mode))
                        return error_set(err, ENOENT, "directory `%s` vanished", c);
                r = walk_enter(m, c, top, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct MergedFile {
        size_t layer; /* 0: this layer (reached through a lower layer's symlink) */
        int dirfd;    /* its directory in that layer (O_PATH) */
        char *name;
        struct stat st;
} MergedFile;

/*
 * Look `target` (cleaned, not empty) up in the merged view of this layer over its lowers.
 * Symlinks in its directory part are followed inside the merged root, as RESOLVE_IN_ROOT does
 * within one layer: an absolute one restarts at the root, ".." stops there; the last component
 * is not followed. Returns 1 with the file, or 0 when the merged view shows nothing there
 * (*ret_deleted when a whiteout deleted it).
 */
static int merged_find(Unpacker *u, const char *target, MergedFile *ret, bool *ret_deleted,
                       WarrenError **err) {
        *ret_deleted = false;
        int r = lower_roots_open(u, err);
        if (r < 0)
                return r;
        _cleanup_(walk_done) MergedWalk m = {.u = u, .n = u->n_lowers + 1};
        m.fds = xnew(int, m.n);
        for (size_t i = 0; i < m.n; i++)
                m.fds[i] = -1;
        walk_reset(&m);
        _cleanup_free_ char *todo = xstrdup(target);
        char *p = todo;
        unsigned links = 0;
        for (;;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        return 0; /* a symlink to a directory as the last component */
                char *end = strchrnul(p, '/');
                _cleanup_free_ char *comp = xstrndup(p, (size_t)(end - p));
                p = end;
                while (*p == '/')
                        p++;
                bool last = !*p;
                if (STREQ(comp, ".") || STREQ(comp, "..")) {
                        if (last)
                                return 0;
                        if (STREQ(comp, "..") && (r = walk_up(&m, err)) < 0)
                                return r;
                        continue;
                }
                size_t top = 0;
                struct stat st;
                r = walk_lookup(&m, comp, &top, &st, err);
                if (r <= 0)
                        return r;
                if (is_whiteout(&st)) {
                        *ret_deleted = true;
                        return 0;
                }
                if (last) {
                        int fd = fcntl(m.fds[top], F_DUPFD_CLOEXEC, 3);
                        if (fd < 0)
                                return error_set_errno(err, errno, "dup");
                        *ret = (MergedFile){top, fd, TAKE_PTR(comp), st};
                        return 1;
                }
                if (S_ISDIR(st.st_mode)) {
                        r = walk_enter(&m, comp, top, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!S_ISLNK(st.st_mode))
                        return 0; /* a file where a directory should be */
                if (++links > MAX_SYMLINKS)
                        return error_set_errno(err, ELOOP, "resolve `%s`", target);
                char link[PATH_MAX];
                ssize_t n = readlinkat(m.fds[top], comp, link, sizeof(link) - 1);
                if (n < 0)
                        return error_set_errno(err, errno, "read symlink `%s`", comp);
                if (n == 0)
                        return 0;
                link[n] = '\0';
                char *rest = xasprintf("%s/%s", link, p);
                free(todo);
                todo = rest;
                p = todo;
                if (link[0] == '/')
                        walk_reset(&m);
        }
}

static void copy_xattrs(Unpacker *u, int src, int dst, const char *path) {
        _cleanup_free_ char *names = xmalloc(XATTR_LIST_MAX_BYTES);
        ssize_t len = flistxattr(src, names, XATTR_LIST_MAX_BYTES);
        if (len <= 0)
                return;
        _cleanup_free_ char *value = xmalloc(XATTR_VALUE_MAX_BYTES);
        for (const char *n = names; n < names + len; n += strlen(n) + 1) {
                /* the kernel labels the copy as it labels every file the unpacker creates */
                if (!layer_xattr_allowed(n) || STREQ(n, "security.selinux"))
                        continue;
                ssize_t vn = fgetxattr(src, n, value, XATTR_VALUE_MAX_BYTES);
                if (vn >= 0 && fsetxattr(dst, n, value, (size_t)vn, 0) == 0)
                        continue;
                if (u->res->xattr_failures++ == 0)
                        log_warning("cannot copy xattr `%s` to `%s`: %s", n, path, strerror(errno));
        }
}

static int copy_data(int src, int dst, uint64_t size, uint64_t *ret, WarrenError **err) {
        uint64_t done = 0;
        bool fallback = false;
        while (done < size) {
                size_t want = (size_t)MIN(size - done, (uint64_t)1 << 30);
                ssize_t n = -1;
                if (!fallback) {
                        n = copy_file_range(src, NULL, dst, NULL, want, 0);
                        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                                      errno == EOPNOTSUPP))
                                fallback = true;
                }
                if (fallback) {
                        char buf[65536];
                        n = read(src, buf, MIN(sizeof(buf), want));
                        if (n > 0 && write_all(dst, buf, (size_t)n) < 0)
                                n = -1;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "copy");
                if (n == 0)
                        break; /* shorter than it was: keep what there is */
                done += (uint64_t)n;
        }
        *ret = done;
        return 0;
}

/* Create `base` in `dfd` as a copy of `sname` in `sdir` (a lower layer's file): content, owner,
 * mode, xattrs and times, as overlayfs copies a file up. */
static int copy_up(Unpacker *u, int sdir, const char *sname, const struct stat *st, int dfd,
                   const char *base, const LayerEntry *e, WarrenError **err) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (S_ISLNK(st->st_mode)) {
                char link[PATH_MAX];
                ssize_t n = readlinkat(sdir, sname, link, sizeof(link) - 1);
                if (n < 0)
                        return error_set_errno(err, errno, "read symlink `%s`", e->link);
                link[n] = '\0';
                if (symlinkat(link, dfd, base) < 0)
                        return error_set_errno(err, errno, "create symlink");
                set_owner_ids(u, dfd, base, st->st_uid, st->st_gid, e->path, AT_SYMLINK_NOFOLLOW);
                (void)utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        if (S_ISFIFO(st->st_mode)) {
                if (mknodat(dfd, base, S_IFIFO | 0600, 0) < 0)
                        return error_set_errno(err, errno, "create fifo");
                set_owner_ids(u, dfd, base, st->st_uid, st->st_gid, e->path, AT_SYMLINK_NOFOLLOW);
                (void)fchmodat(dfd, base, st->st_mode & 07777, 0);
                (void)utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        if (!S_ISREG(st->st_mode))
                return error_set(err, EPERM, "hardlink target `%s` is not a regular file", e->link);
        const LayerLimits *lim = u->opts->limits ? u->opts->limits : &layer_limits_default;
        uint64_t size = (uint64_t)st->st_size;
        if (size > lim->max_entry_size)
                return error_set(err, EFBIG, "hardlink target `%s` has %llu bytes (limit %llu)",
                                 e->link, (unsigned long long)size,
                                 (unsigned long long)lim->max_entry_size);
        if (u->res->content_size + size > lim->max_total_size)
                return error_set(err, EFBIG,
                                 "copying hardlink target `%s` makes the layer larger than %llu "
                                 "bytes",
                                 e->link, (unsigned long long)lim->max_total_size);
        _cleanup_close_ int sfd = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return error_set_errno(err, errno, "open hardlink target `%s`", e->link);
        _cleanup_close_ int fd =
                openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "create");
        uint64_t n = 0;
        int r = copy_data(sfd, fd, size, &n, err);
        if (r < 0)
                return error_prefix(err, r, "hardlink target `%s`", e->link);
        u->res->content_size += n;
        u->copied_bytes += n;
        set_owner_ids(u, fd, NULL, st->st_uid, st->st_gid, e->path, 0);
        if (fchmod(fd, st->st_mode & 07777) < 0)
                return error_set_errno(err, errno, "chmod");
        copy_xattrs(u, sfd, fd, e->path); /* after the chown, which drops security.capability */
        (void)futimens(fd, ts);
        return 0;
}

/* An earlier copy of the same lower file, if it is still at its path: an fd of its directory
 * and its name. */
static int find_copy(Unpacker *u, const struct stat *src, int *ret_dirfd, char **ret_name) {
        for (size_t i = u->n_copies; i > 0; i--) {
                const CopyUp *c = &u->copies[i - 1];
                if (c->src_dev != src->st_dev || c->src_ino != src->st_ino)
                        continue;
                _cleanup_free_ char *dir = NULL, *name = NULL;
                layer_path_split(c->path, &dir, &name);
                _cleanup_close_ int fd = -1;
                struct stat st;
                if (layer_path_open_dir(u->rootfd, dir, false, &fd, NULL) < 0 ||
                    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != c->dev ||
                    st.st_ino != c->ino)
                        return 0;
                *ret_dirfd = TAKE_FD(fd);
                *ret_name = TAKE_PTR(name);
                return 1;
        }
        return 0;
}

static void remember_copy(Unpacker *u, const struct stat *src, int dfd, const char *base,
                          const char *clean) {
        struct stat st;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return;
        u->copies = xreallocarray(u->copies, u->n_copies + 1, sizeof(CopyUp));
        u->copies[u->n_copies++] =
                (CopyUp){src->st_dev, src->st_ino, xstrdup(clean), st.st_dev, st.st_ino};
}

/* The hardlink `clean` (`base` in `dfd`) whose target is not in this layer: a copy of what the
 * layers below show at `target`, or a link to an earlier copy of the same file. */
static int link_from_lowers(Unpacker *u, int dfd, const char *base, const char *clean,
                            const char *target, const LayerEntry *e, WarrenError **err) {
        MergedFile f = {.dirfd = -1};
        bool deleted = false;
        int r = 0;
        if (u->n_lowers > 0) {
                r = merged_find(u, target, &f, &deleted, err);
                if (r < 0)
                        return error_prefix(err, r, "hardlink target `%s`", e->link);
        }
        if (r == 0)
                return error_set(err, ENOENT,
                                 deleted ? "hardlink target `%s` is deleted by a whiteout"
                                         : "hardlink target `%s` is not in this layer or below",
                                 e->link);
        _cleanup_close_ int fdir = f.dirfd;
        _cleanup_free_ char *fname = f.name;
        if (S_ISDIR(f.st.st_mode))
                return error_set(err, EPERM, "hardlink target `%s` is a directory", e->link);
        struct stat st;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == f.st.st_dev &&
            st.st_ino == f.st.st_ino)
                return 0;
        bool is_dir;
        r = clear_existing(dfd, base, false, &is_dir, err);
        if (r < 0)
                return r;
        if (f.layer == 0) {
                /* in this layer after all, through a lower layer's symlink */
                if (linkat(fdir, fname, dfd, base, 0) < 0)
                        return error_set_errno(err, errno, "link to `%s`", e->link);
                return 0;
        }
        _cleanup_close_ int cdir = -1;
        _cleanup_free_ char *cname = NULL;
        if (find_copy(u, &f.st, &cdir, &cname) > 0) {
                if (linkat(cdir, cname, dfd, base, 0) < 0)
                        return error_set_errno(err, errno, "link to the copy of `%s`", e->link);
                return 0;
        }
        r = copy_up(u, fdir, fname, &f.st, dfd, base, e, err);
        if (r < 0)
                return r;
        u->res->copied_up++;
        remember_copy(u, &f.st, dfd, base, clean);
        return 0;
}

static int write_hardlink(Unpacker *u, int dfd, const char *base, const char *clean,
                          const LayerEntry *e, WarrenError **err) {
        _cleanup_free_ char *target = NULL, *tdir = NULL, *tbase = NULL;
        int r = layer_path_clean(e->link, &target, err);
        if (r < 0)
                return error_prefix(err, r, "hardlink target");
        if (!target[0])
                return error_set(err, EINVAL, "hardlink to the layer root");
        layer_path_split(target, &tdir, &tbase);
        _cleanup_close_ int tfd = -1;
        _cleanup_error_ WarrenError *lerr = NULL;
        r = layer_path_open_dir(u->rootfd, tdir, false, &tfd, &lerr);
        if (r == -ENOENT || r == -ENOTDIR)
                return link_from_lowers(u, dfd, base, clean, target, e, err);
        if (r < 0) {
                error_move(err, TAKE_PTR(lerr));
                return error_prefix(err, r, "hardlink target `%s`", e->link);
        }
        struct stat tst, st;
        if (fstatat(tfd, tbase, &tst, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return link_from_lowers(u, dfd, base, clean, target, e, err);
                return error_set_errno(err, errno, "hardlink target `%s`", e->link);
        }
        if (S_ISDIR(tst.st_mode))
                return error_set(err, EPERM, "hardlink target `%s` is a directory", e->link);
        if (is_whiteout(&tst))
                return error_set(err, ENOENT, "hardlink target `%s` is deleted by a whiteout",
                                 e->link);
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == tst.st_dev &&
            st.st_ino == tst.st_ino)
                return 0;
        bool is_dir;
        r = clear_existing(dfd, base, false, &is_dir, err);
        if (r < 0)
                return r;
        if (linkat(tfd, tbase, dfd, base, 0) < 0)
                return error_set_errno(err, errno, "link to `%s`", e->link);
        return 0;
}

static int unpack_entry(Unpacker *u, LayerReader *rd, const LayerEntry *e, WarrenError **err) {
        _cleanup_free_ char *clean = NULL, *dir = NULL, *base = NULL;
        int r = layer_path_clean(e->path, &clean, err);
        if (r < 0)
                return r;
        u->res->entries++;
        LayerWhiteout wk;
        _cleanup_free_ char *wdir = NULL, *wname = NULL;
        r = layer_path_whiteout(clean, &wk, &wdir, &wname, err);
        if (r < 0)
                return r;
        if (wk == LAYER_WHITEOUT_META)
                return 0;
        if (wk == LAYER_WHITEOUT_OPAQUE) {
                cache_drop(u);
                _cleanup_close_ int pfd = -1;
                r = layer_path_open_dir(u->rootfd, wdir, true, &pfd, err);
                if (r < 0)
                        return r;
                _cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return error_set_errno(err, errno, "open `%s`", wdir);
                r = layer_make_opaque(fd, err);
                if (r < 0)
                        return r;
                u->res->opaque_dirs++;
                return 0;
        }
        if (wk == LAYER_WHITEOUT_FILE) {
                int dfd;
                r = open_parent(u, wdir, &dfd, err);
                if (r < 0)
                        return r;
                /* A whiteout applies to the lower layers only (OCI image spec): what this layer
                 * already put at the name stays. A directory of its own becomes opaque (nothing
                 * below shows through it); a file or symlink of its own hides the lower entry
                 * by itself. */
                struct stat st;
                if (fstatat(dfd, wname, &st, AT_SYMLINK_NOFOLLOW) == 0 && !is_whiteout(&st)) {
                        if (!S_ISDIR(st.st_mode))
                                return 0;
                        _cleanup_close_ int fd =
                                openat(dfd, wname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                return error_set_errno(err, errno, "open `%s`", clean);
                        r = layer_make_opaque(fd, err);
                        if (r < 0)
                                return error_prefix(err, r, "`%s`", clean);
                        u->res->opaque_dirs++;
                        return 0;
                }
                bool is_dir;
                r = clear_existing(dfd, wname, false, &is_dir, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        cache_drop(u);
                r = open_parent(u, wdir, &dfd, err);
                if (r < 0)
                        return r;
                r = layer_make_whiteout(dfd, wname, err);
                if (r < 0)
                        return r;
                u->res->whiteouts++;
                return 0;
        }
        if (!clean[0]) {
                /* The root itself ("./"): keep its mode and owner. */
                if (e->type != LAYER_ENTRY_DIRECTORY)
                        return error_set(err, EINVAL, "the layer root is not a directory");
                _cleanup_close_ int fd = openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return error_set_errno(err, errno, "open the layer root");
                set_owner(u, fd, NULL, e, 0);
                (void)fchmod(fd, e->mode);
                return 0;
        }
        layer_path_split(clean, &dir, &base);
        int dfd;
        r = open_parent(u, dir, &dfd, err);
        if (r < 0)
                return r;
        bool is_dir;
        switch (e->type) {
        case LAYER_ENTRY_REGULAR:
                if (u->copied_bytes > 0) {
                        /* copies from lower layers count against the layer's size */
                        const LayerLimits *lim =
                                u->opts->limits ? u->opts->limits : &layer_limits_default;
                        if (u->res->content_size + e->size > lim->max_total_size)
                                return error_set(err, EFBIG, "layer larger than %llu bytes",
                                                 (unsigned long long)lim->max_total_size);
                }
                r = clear_existing(dfd, base, false, &is_dir, err);
                if (r < 0)
                        return r;
                return write_regular(u, rd, dfd, base, e, err);
        case LAYER_ENTRY_DIRECTORY:
                cache_drop(u);
                r = open_parent(u, dir, &dfd, err);
                if (r < 0)
                        return r;
                return write_dir(u, dfd, base, clean, e, err);
        case LAYER_ENTRY_SYMLINK:
                cache_drop(u);
                r = open_parent(u, dir, &dfd, err);
                if (r < 0)
                        return r;
                r = clear_existing(dfd, base, false, &is_dir, err);
                if (r < 0)
                        return r;
                if (symlinkat(e->link, dfd, base) < 0)
                        return error_set_errno(err, errno, "create symlink");
                set_owner(u, dfd, base, e, AT_SYMLINK_NOFOLLOW);
                if (e->has_mtime) {
                        struct timespec ts[2] = {e->mtime, e->mtime};
                        (void)utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW);
                }
                return 0;
        case LAYER_ENTRY_HARDLINK:
                cache_drop(u);
                r = open_parent(u, dir, &dfd, err);
                if (r < 0)
                        return r;
                return write_hardlink(u, dfd, base, clean, e, err);
        case LAYER_ENTRY_FIFO:
                r = clear_existing(dfd, base, false, &is_dir, err);
                if (r < 0)
                        return r;
                if (mknodat(dfd, base, S_IFIFO | 0600, 0) < 0)
                        return error_set_errno(err, errno, "create fifo");
                set_owner(u, dfd, base, e, AT_SYMLINK_NOFOLLOW);
                (void)fchmodat(dfd, base, e->mode, 0);
                return 0;
        case LAYER_ENTRY_CHAR:
        case LAYER_ENTRY_BLOCK:
        case LAYER_ENTRY_SOCKET:
                if (u->res->skipped_devices++ == 0)
                        u->first_device = xstrdup(clean);
                return 0;
        }
        return 0;
}

static void restore_dir_times(Unpacker *u) {
        for (size_t i = u->n_dirs; i > 0; i--) {
                DirTime *d = &u->dirs[i - 1];
                int pfd = -1;
                if (layer_path_open_dir(u->rootfd, d->path, false, &pfd, NULL) < 0)
                        continue;
                int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(pfd);
                if (fd < 0)
                        continue;
                struct timespec ts[2] = {d->mtime, d->mtime};
                (void)futimens(fd, ts);
                close(fd);
        }
}

int layer_unpack(int fd, int rootfd, const LayerUnpackOptions *opts, LayerUnpackResult *ret,
                 WarrenError **err) {
        static const LayerUnpackOptions defaults = {};
        if (!opts)
                opts = &defaults;
        memset(ret, 0, sizeof(*ret));
        Unpacker u = {.rootfd = rootfd, .opts = opts, .res = ret, .cached_fd = -1};
        while (opts->lower_dirs && opts->lower_dirs[u.n_lowers])
                u.n_lowers++;
        _cleanup_layer_reader_ LayerReader *rd = NULL;
        int r = layer_reader_new(fd, opts->limits, &rd, err);
        if (r < 0)
                return r;
        if (opts->known_blob_digest)
                layer_reader_set_known_digest(rd, opts->known_blob_digest);
        const LayerEntry *e;
        while ((r = layer_reader_next(rd, &e, err)) > 0) {
                r = unpack_entry(&u, rd, e, err);
                if (r < 0) {
                        r = error_prefix(err, r, "entry `%.200s`", e->path);
                        break;
                }
        }
        if (r >= 0)
                r = layer_reader_finish(rd, ret->blob_digest, ret->diff_id, &ret->blob_size,
                                        &ret->tar_size, err);
        if (r >= 0) {
                restore_dir_times(&u);
                snprintf(ret->compression, sizeof(ret->compression), "%s",
                         layer_reader_compression(rd));
                if (ret->skipped_devices > 0)
                        log_warning("skipped %llu device node(s) or socket(s), first `%s`: "
                                    "an unprivileged user cannot create them",
                                    (unsigned long long)ret->skipped_devices, u.first_device);
        }
        cache_drop(&u);
        for (size_t i = 0; i < u.n_dirs; i++)
                free(u.dirs[i].path);
        free(u.dirs);
        free(u.first_device);
        if (u.lower_fds)
                for (size_t i = 0; i < u.n_lowers; i++)
                        safe_close(u.lower_fds[i]);
        free(u.lower_fds);
        for (size_t i = 0; i < u.n_copies; i++)
                free(u.copies[i].path);
        free(u.copies);
        return r < 0 ? r : 0;
}
