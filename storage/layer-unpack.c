/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/layer-unpack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"
#include "storage/layer-path.h"

typedef struct DirTime {
        char *path;
        struct timespec mtime;
} DirTime;

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

static void set_owner(Unpacker *u, int fd, const char *name, const LayerEntry *e, int flags) {
        if (u->opts->no_chown)
                return;
        int r = name ? fchownat(fd, name, e->uid, e->gid, flags) : fchown(fd, e->uid, e->gid);
        if (r < 0) {
                if (u->res->owner_failures++ == 0)
                        log_warning("cannot set owner %u:%u of `%s` (%s): ids outside the "
                                    "user namespace's map are left as the caller's",
                                    e->uid, e->gid, e->path, strerror(errno));
        }
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

static int write_dir(Unpacker *u, int dfd, const char *base, const char *clean, const LayerEntry *e,
                     WarrenError **err) {
        bool is_dir = false;
        int r = clear_existing(dfd, base, true, &is_dir, err);
        if (r < 0)
                return r;
        if (!is_dir && mkdirat(dfd, base, 0700) < 0)
                return error_set_errno(err, errno, "create directory");
        _cleanup_close_ int fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open directory");
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

static int write_hardlink(Unpacker *u, int dfd, const char *base, const LayerEntry *e,
                          WarrenError **err) {
        _cleanup_free_ char *target = NULL, *tdir = NULL, *tbase = NULL;
        int r = layer_path_clean(e->link, &target, err);
        if (r < 0)
                return error_prefix(err, r, "hardlink target");
        if (!target[0])
                return error_set(err, EINVAL, "hardlink to the layer root");
        layer_path_split(target, &tdir, &tbase);
        _cleanup_close_ int tfd = -1;
        r = layer_path_open_dir(u->rootfd, tdir, false, &tfd, err);
        if (r < 0)
                return error_prefix(err, r, "hardlink target `%s`", e->link);
        struct stat tst, st;
        if (fstatat(tfd, tbase, &tst, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set_errno(err, errno, "hardlink target `%s`", e->link);
        if (S_ISDIR(tst.st_mode))
                return error_set(err, EPERM, "hardlink target `%s` is a directory", e->link);
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
                return write_hardlink(u, dfd, base, e, err);
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
        return r < 0 ? r : 0;
}
