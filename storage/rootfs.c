/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/rootfs.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "storage/image-store.h"
#include "storage/layer-path.h"
#include "storage/layer-store.h"
#include "storage/layer-unpack.h"

#define FUSE_OVERLAYFS "fuse-overlayfs"

static const char *const driver_names[_ROOTFS_DRIVER_MAX] = {
        [ROOTFS_DRIVER_OVERLAY] = "overlay",
        [ROOTFS_DRIVER_FUSE_OVERLAYFS] = "fuse-overlayfs",
        [ROOTFS_DRIVER_VFS] = "vfs",
};

const char *rootfs_driver_to_string(RootfsDriver d) {
        return d < _ROOTFS_DRIVER_MAX ? driver_names[d] : "unknown";
}

int rootfs_driver_from_string(const char *s, RootfsDriver *ret, WarrenError **err) {
        for (int i = 0; i < _ROOTFS_DRIVER_MAX; i++)
                if (STREQ(s, driver_names[i])) {
                        *ret = (RootfsDriver)i;
                        return 0;
                }
        if (STREQ(s, "overlay2") || STREQ(s, "overlayfs")) {
                *ret = ROOTFS_DRIVER_OVERLAY;
                return 0;
        }
        return error_set(err, EINVAL,
                         "unknown storage driver `%s` (overlay, fuse-overlayfs or vfs)", s);
}

/* ---- mounting ---- */

static char *lower_option(char *const *lowers) {
        return strv_join(lowers, ":");
}

/* Paths in the options are relative to the storage root (cwd during the mount), which keeps
 * the option string short: a page holds about 50 layers. */
static int with_cwd(const char *dir, int *ret_saved, WarrenError **err) {
        int saved = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (saved < 0)
                return error_set_errno(err, errno, "open the working directory");
        if (chdir(dir) < 0) {
                int e = errno;
                close(saved);
                return error_set_errno(err, e, "chdir `%s`", dir);
        }
        *ret_saved = saved;
        return 0;
}

static void restore_cwd(int saved) {
        if (saved >= 0) {
                (void)fchdir(saved);
                close(saved);
        }
}

static int mount_overlay(const char *root, char *const *lowers, const char *upper, const char *work,
                         const char *merged, WarrenError **err) {
        _cleanup_free_ char *lo = lower_option(lowers);
        _cleanup_free_ char *opts =
                xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lo, upper, work);
        if (strlen(opts) >= 4096)
                return error_set(err, E2BIG,
                                 "overlay options of %zu bytes exceed a page "
                                 "(too many layers)",
                                 strlen(opts));
        int saved = -1;
        int r = with_cwd(root, &saved, err);
        if (r < 0)
                return r;
        r = mount("overlay", merged, "overlay", 0, opts);
        int e = errno;
        restore_cwd(saved);
        if (r < 0)
                return error_set_errno(err, e, "mount overlay on `%s`", merged);
        return 0;
}

/* Run a helper and wait for it; its stderr is kept and shown only when it fails. */
static int run_wait(char *const *argv, const char *cwd, WarrenError **err) {
        _cleanup_close_ int errfd = memfd_create("helper-stderr", MFD_CLOEXEC);
        pid_t pid = fork();
        if (pid < 0)
                return error_set_errno(err, errno, "fork");
        if (pid == 0) {
                if (cwd && chdir(cwd) < 0)
                        _exit(126);
                int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (nul >= 0) {
                        dup2(nul, STDIN_FILENO);
                        dup2(nul, STDOUT_FILENO);
                }
                if (errfd >= 0)
                        dup2(errfd, STDERR_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "wait for `%s`", argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return error_set(err, ENOENT, "`%s` not found", argv[0]);
        char msg[512] = "";
        if (errfd >= 0 && lseek(errfd, 0, SEEK_SET) == 0) {
                ssize_t n = read(errfd, msg, sizeof(msg) - 1);
                msg[n > 0 ? n : 0] = '\0';
                for (char *p = msg; *p; p++)
                        if (*p == '\n')
                                *p = *(p + 1) ? ' ' : '\0';
        }
        return error_set(err, EIO, "`%s` failed with status %d%s%s", argv[0],
                         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                         msg[0] ? ": " : "", msg);
}

static int mount_fuse(const char *root, char *const *lowers, const char *upper, const char *work,
                      const char *merged, WarrenError **err) {
        _cleanup_free_ char *lo = lower_option(lowers);
        _cleanup_free_ char *opts =
                xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lo, upper, work);
        char *argv[] = {(char *)FUSE_OVERLAYFS, (char *)"-o", opts, (char *)merged, NULL};
        int r = run_wait(argv, root, err);
        if (r < 0)
                return error_prefix(err, r, "mount fuse-overlayfs on `%s`", merged);
        return 0;
}

static int unmount_path(const char *merged, WarrenError **err) {
        if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return error_set_errno(err, errno, "unmount `%s`", merged);
        return 0;
}

static bool is_mounted(const char *path) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return false;
        char line[8192];
        while (fgets(line, sizeof(line), f)) {
                /* id parent major:minor root mountpoint ... */
                char *save = NULL, *tok = strtok_r(line, " ", &save);
                for (int i = 0; tok && i < 4; i++)
                        tok = strtok_r(NULL, " ", &save);
                if (tok && STREQ(tok, path))
                        return true;
        }
        return false;
}

/* ---- vfs: copy layers bottom-up, applying whiteouts ---- */

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        char *path; /* relative to the destination root */
} HardLink;

typedef struct CopyCtx {
        int dstroot;
        HardLink *links;
        size_t n_links;
} CopyCtx;

static bool is_opaque(int dirfd) {
        char v[4] = {0};
        ssize_t n = fgetxattr(dirfd, "user.overlay.opaque", v, sizeof(v));
        return n == 1 && v[0] == 'y';
}

static void copy_xattrs(int src, int dst) {
        char names[8192];
        ssize_t n = flistxattr(src, names, sizeof(names));
        for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
                const char *name = names + i;
                if (!layer_xattr_allowed(name))
                        continue;
                char value[65536];
                ssize_t vn = fgetxattr(src, name, value, sizeof(value));
                if (vn >= 0)
                        (void)fsetxattr(dst, name, value, (size_t)vn, 0);
        }
}

static void copy_meta_fd(int src, int dst, const struct stat *st) {
        (void)fchown(dst, st->st_uid, st->st_gid);
        (void)fchmod(dst, st->st_mode & 07777);
        copy_xattrs(src, dst);
}

static int copy_dir(CopyCtx *c, int src, int dst, const char *rel, WarrenError **err);

static int copy_entry(CopyCtx *c, int src, int dst, const char *name, const char *rel,
                      WarrenError **err) {
        struct stat st, dst_st;
        if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set_errno(err, errno, "stat `%s`", rel);
        bool exists = fstatat(dst, name, &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                /* a whiteout: the name is gone */
                return exists ? rm_rf_at(dst, name, err) : 0;
        }
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int sfd =
                        openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0)
                        return error_set_errno(err, errno, "open `%s`", rel);
                if (exists && (!S_ISDIR(dst_st.st_mode) || is_opaque(sfd))) {
                        int r = rm_rf_at(dst, name, err);
                        if (r < 0)
                                return r;
                        exists = false;
                }
                if (!exists && mkdirat(dst, name, 0700) < 0)
                        return error_set_errno(err, errno, "create `%s`", rel);
                _cleanup_close_ int dfd =
                        openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        return error_set_errno(err, errno, "open `%s`", rel);
                int r = copy_dir(c, sfd, dfd, rel, err);
                if (r < 0)
                        return r;
                copy_meta_fd(sfd, dfd, &st);
                struct timespec ts[2] = {st.st_atim, st.st_mtim};
                (void)futimens(dfd, ts);
                return 0;
        }
        if (exists) {
                int r = rm_rf_at(dst, name, err);
                if (r < 0)
                        return r;
        }
        if (S_ISREG(st.st_mode)) {
                if (st.st_nlink > 1)
                        for (size_t i = 0; i < c->n_links; i++)
                                if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino) {
                                        if (linkat(c->dstroot, c->links[i].path, dst, name, 0) == 0)
                                                return 0;
                                        break;
                                }
                _cleanup_close_ int sfd = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0)
                        return error_set_errno(err, errno, "open `%s`", rel);
                _cleanup_close_ int dfd = openat(
                        dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (dfd < 0)
                        return error_set_errno(err, errno, "create `%s`", rel);
                off_t left = st.st_size;
                while (left > 0) {
                        ssize_t n = copy_file_range(sfd, NULL, dfd, NULL,
                                                    (size_t)MIN(left, (off_t)1 << 30), 0);
                        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
                                char buf[65536];
                                n = read(sfd, buf, sizeof(buf));
                                if (n > 0 && write_all(dfd, buf, (size_t)n) < 0)
                                        n = -1;
                        }
                        if (n < 0)
                                return error_set_errno(err, errno, "copy `%s`", rel);
                        if (n == 0)
                                break;
                        left -= n;
                }
                copy_meta_fd(sfd, dfd, &st);
                struct timespec ts[2] = {st.st_atim, st.st_mtim};
                (void)futimens(dfd, ts);
                if (st.st_nlink > 1) {
                        c->links = xreallocarray(c->links, c->n_links + 1, sizeof(HardLink));
                        c->links[c->n_links++] = (HardLink){st.st_dev, st.st_ino, xstrdup(rel)};
                }
                return 0;
        }
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
                if (n < 0)
                        return error_set_errno(err, errno, "read link `%s`", rel);
                target[n] = '\0';
                if (symlinkat(target, dst, name) < 0)
                        return error_set_errno(err, errno, "create link `%s`", rel);
                (void)fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                struct timespec ts[2] = {st.st_atim, st.st_mtim};
                (void)utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        if (S_ISFIFO(st.st_mode)) {
                if (mknodat(dst, name, S_IFIFO | (st.st_mode & 07777), 0) < 0)
                        return error_set_errno(err, errno, "create fifo `%s`", rel);
                (void)fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        return 0; /* devices and sockets are never in a layer */
}

static int copy_dir(CopyCtx *c, int src, int dst, const char *rel, WarrenError **err) {
        int dup_fd = dup(src);
        if (dup_fd < 0)
                return error_set_errno(err, errno, "dup");
        DIR *d = fdopendir(dup_fd);
        if (!d) {
                close(dup_fd);
                return error_set_errno(err, errno, "open `%s`", rel[0] ? rel : "/");
        }
        _cleanup_closedir_ DIR *dd = d;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *crel =
                        rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
                int r = copy_entry(c, src, dst, de->d_name, crel, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int vfs_build(char *const *lowers_abs, const char *merged, WarrenError **err) {
        size_t n = strv_length(lowers_abs);
        _cleanup_close_ int dst = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dst < 0)
                return error_set_errno(err, errno, "open `%s`", merged);
        /* lowers are top first: copy bottom-up */
        for (size_t i = n; i > 0; i--) {
                _cleanup_close_ int src =
                        open(lowers_abs[i - 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (src < 0)
                        return error_set_errno(err, errno, "open `%s`", lowers_abs[i - 1]);
                CopyCtx c = {.dstroot = dst};
                int r = copy_dir(&c, src, dst, "", err);
                for (size_t k = 0; k < c.n_links; k++)
                        free(c.links[k].path);
                free(c.links);
                if (r < 0)
                        return error_prefix(err, r, "copy layer `%s`", lowers_abs[i - 1]);
                struct stat st;
                if (fstat(src, &st) == 0)
                        copy_meta_fd(src, dst, &st);
        }
        return 0;
}

/* ---- per-container directories ---- */

typedef struct RootfsInfo {
        char *image;
        RootfsDriver driver;
        char **lowers; /* relative to the storage root, top first */
} RootfsInfo;

static void rootfs_info_done(RootfsInfo *i) {
        free(i->image);
        strv_free(i->lowers);
}

static char *rootfs_dir(ImageStorage *s, const char *id) {
        return xasprintf("%s/rootfs/%s", s->root, id);
}

static int check_id(const char *id, WarrenError **err) {
        if (!id || !id[0] || strlen(id) > 128 || strchr(id, '/') || id[0] == '.')
                return error_set(err, EINVAL, "invalid rootfs id `%s`", id ? id : "");
        return 0;
}

static int info_load(ImageStorage *s, const char *id, RootfsInfo *ret, WarrenError **err) {
        _cleanup_free_ char *dir = rootfs_dir(s, id);
        _cleanup_free_ char *path = path_join(dir, "rootfs.json");
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse_file(path, 1 << 20, &v, err);
        if (r < 0)
                return error_prefix(err, r, "rootfs `%s`", id);
        memset(ret, 0, sizeof(*ret));
        _cleanup_free_ char *driver = NULL;
        if ((r = json_get_string(v, "image", NULL, &ret->image, err)) < 0 ||
            (r = json_get_string(v, "driver", NULL, &driver, err)) < 0 ||
            (r = json_get_strv(v, "lowers", NULL, &ret->lowers, err)) < 0 ||
            (r = rootfs_driver_from_string(driver ? driver : "", &ret->driver, err)) < 0) {
                rootfs_info_done(ret);
                return error_prefix(err, r, "rootfs `%s`", id);
        }
        if (!ret->lowers)
                ret->lowers = xnew(char *, 1);
        return 0;
}

int rootfs_create(ImageStorage *s, const char *id, const char *image_ref, RootfsDriver driver,
                  WarrenError **err) {
        int r = check_id(id, err);
        if (r < 0)
                return r;
        Image img = {0};
        r = image_store_get(s->images, image_ref, &img, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **lowers = NULL, **lowers_abs = NULL;
        for (size_t i = img.n_layers; i > 0; i--) {
                const char *diff = img.layers[i - 1].diff_id;
                if (!layer_store_has(s->layers, diff)) {
                        r = error_set(err, ENOENT, "layer `%s` of image `%s` is not stored", diff,
                                      img.id);
                        image_clear(&img);
                        return r;
                }
                strv_consume(&lowers, xasprintf("layers/%s/diff", diff + strlen(DIGEST_PREFIX)));
                strv_consume(&lowers_abs, layer_store_diff_path(s->layers, diff));
        }
        _cleanup_free_ char *dir = rootfs_dir(s, id);
        if (path_exists(dir)) {
                image_clear(&img);
                return error_set(err, EEXIST, "rootfs `%s` exists", id);
        }
        r = mkdir_p(dir, 0700, err);
        if (r < 0) {
                image_clear(&img);
                return r;
        }
        _cleanup_free_ char *upper = path_join(dir, "upper"), *work = path_join(dir, "work"),
                            *merged = path_join(dir, "merged");
        if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0755) < 0) {
                r = error_set_errno(err, errno, "create rootfs `%s`", id);
                image_clear(&img);
                (void)rm_rf(dir, NULL);
                return r;
        }
        if (driver == ROOTFS_DRIVER_VFS) {
                r = vfs_build(lowers_abs, merged, err);
                if (r < 0) {
                        image_clear(&img);
                        (void)rm_rf(dir, NULL);
                        return error_prefix(err, r, "rootfs `%s`", id);
                }
        }
        _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
        json_gen_begin_object(g);
        json_gen_kv_int(g, "version", 1);
        json_gen_kv_string(g, "id", id);
        json_gen_kv_string(g, "image", img.id);
        json_gen_kv_string(g, "driver", rootfs_driver_to_string(driver));
        json_gen_key(g, "lowers");
        json_gen_begin_array(g);
        STRV_FOREACH (l, lowers)
                json_gen_string(g, *l);
        json_gen_end_array(g);
        json_gen_end_object(g);
        image_clear(&img);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        r = json_gen_finish(g, &text, &len, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = path_join(dir, "rootfs.json");
        return write_file_atomic(path, text, len, 0600, err);
}

static int read_count(int dfd) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if (read_file_at_capped(dfd, "mounts", 64, &buf, &len, true, NULL) < 0)
                return 0;
        return atoi(buf);
}

static int write_count(int dfd, int n, WarrenError **err) {
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%d\n", n);
        return write_file_atomic_at(dfd, "mounts", buf, (size_t)len, 0600, err);
}

int rootfs_mount(ImageStorage *s, const char *id, char **ret_path, WarrenError **err) {
        int r = check_id(id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = rootfs_dir(s, id);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "rootfs `%s`", id);
        _cleanup_unlock_ int lock = -1;
        r = lock_file_at(dfd, "lock", true, &lock, err);
        if (r < 0)
                return r;
        _cleanup_(rootfs_info_done) RootfsInfo info = {0};
        r = info_load(s, id, &info, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *merged = path_join(dir, "merged");
        int count = read_count(dfd);
        bool mounted = info.driver == ROOTFS_DRIVER_VFS || is_mounted(merged);
        if (count > 0 && !mounted) {
                log_debug("rootfs `%s`: %d stale references (its namespace is gone)", id, count);
                count = 0;
        }
        if (!mounted) {
                _cleanup_free_ char *upper = xasprintf("rootfs/%s/upper", id),
                                    *work = xasprintf("rootfs/%s/work", id);
                if (info.driver == ROOTFS_DRIVER_OVERLAY)
                        r = mount_overlay(s->root, info.lowers, upper, work, merged, err);
                else
                        r = mount_fuse(s->root, info.lowers, upper, work, merged, err);
                if (r < 0)
                        return error_prefix(err, r, "rootfs `%s`", id);
        }
        r = write_count(dfd, count + 1, err);
        if (r < 0)
                return r;
        *ret_path = TAKE_PTR(merged);
        return 0;
}

int rootfs_unmount(ImageStorage *s, const char *id, WarrenError **err) {
        int r = check_id(id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = rootfs_dir(s, id);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return error_set_errno(err, errno, "rootfs `%s`", id);
        _cleanup_unlock_ int lock = -1;
        r = lock_file_at(dfd, "lock", true, &lock, err);
        if (r < 0)
                return r;
        _cleanup_(rootfs_info_done) RootfsInfo info = {0};
        r = info_load(s, id, &info, err);
        if (r < 0)
                return r;
        int count = read_count(dfd);
        if (count > 1)
                return write_count(dfd, count - 1, err);
        if (info.driver != ROOTFS_DRIVER_VFS) {
                _cleanup_free_ char *merged = path_join(dir, "merged");
                r = unmount_path(merged, err);
                if (r < 0)
                        return r;
        }
        return write_count(dfd, 0, err);
}

int rootfs_remove(ImageStorage *s, const char *id, WarrenError **err) {
        int r = check_id(id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = rootfs_dir(s, id);
        _cleanup_free_ char *merged = path_join(dir, "merged");
        if (!path_exists(dir))
                return 0;
        while (is_mounted(merged))
                if ((r = unmount_path(merged, err)) < 0)
                        return r;
        return rm_rf(dir, err);
}

static int rootfs_used(ImageStorage *s, bool layers, char ***ret) {
        _cleanup_free_ char *dir = xasprintf("%s/rootfs", s->root);
        char **l = NULL;
        DIR *d = opendir(dir);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        _cleanup_(rootfs_info_done) RootfsInfo info = {0};
                        if (info_load(s, de->d_name, &info, NULL) < 0)
                                continue;
                        if (!layers && info.image && !strv_contains(l, info.image))
                                strv_push(&l, info.image);
                        /* lowers are "layers/<hex>/diff" */
                        STRV_FOREACH (lo, info.lowers) {
                                if (!layers || !STARTS_WITH(*lo, "layers/"))
                                        continue;
                                _cleanup_free_ char *hex = xstrndup(*lo + 7, DIGEST_HEX_LEN);
                                char *dg = digest_from_hex(hex);
                                if (dg && !strv_contains(l, dg))
                                        strv_push(&l, dg);
                                free(dg);
                        }
                }
                closedir(d);
        }
        *ret = l ? l : xnew(char *, 1);
        return 0;
}

/* ---- detection ---- */

static int probe_layout(const char *probe, WarrenError **err) {
        _cleanup_free_ char *l1 = path_join(probe, "l1"), *l2 = path_join(probe, "l2"),
                            *up = path_join(probe, "upper"), *wk = path_join(probe, "work"),
                            *mg = path_join(probe, "merged");
        const char *dirs[] = {l1, l2, up, wk, mg};
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdir(dirs[i], 0755) < 0)
                        return error_set_errno(err, errno, "create `%s`", dirs[i]);
        /* l2 (bottom): gone, op/hidden; l1 (top): a whiteout of gone, op opaque, keep */
        _cleanup_close_ int b = open(l2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int t = open(l1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (b < 0 || t < 0)
                return error_set_errno(err, errno, "open probe layers");
        int fd = openat(b, "gone", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        safe_close(fd);
        if (mkdirat(b, "op", 0755) < 0 || mkdirat(t, "op", 0755) < 0)
                return error_set_errno(err, errno, "create probe directories");
        fd = openat(b, "op/hidden", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        safe_close(fd);
        fd = openat(t, "keep", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        safe_close(fd);
        int r = layer_make_whiteout(t, "gone", err);
        if (r < 0)
                return r;
        _cleanup_close_ int op = openat(t, "op", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (op < 0)
                return error_set_errno(err, errno, "open probe directory");
        return layer_make_opaque(op, err);
}

static int probe_check(const char *merged, WarrenError **err) {
        _cleanup_free_ char *keep = path_join(merged, "keep"), *gone = path_join(merged, "gone"),
                            *hidden = path_join(merged, "op/hidden");
        if (!path_exists(keep))
                return error_set(err, EIO, "the merged view misses the upper layer's file");
        if (path_exists(gone))
                return error_set(err, EIO, "a whiteout is not honoured");
        if (path_exists(hidden))
                return error_set(err, EIO, "an opaque directory is not honoured");
        return 0;
}

static int probe_driver(ImageStorage *s, RootfsDriver d, WarrenError **err) {
        _cleanup_free_ char *probe = xasprintf("%s/rootfs/.probe-%d", s->root, (int)getpid());
        (void)rm_rf(probe, NULL);
        int r = mkdir_p(probe, 0700, err);
        if (r < 0)
                return r;
        r = probe_layout(probe, err);
        if (r >= 0) {
                char *lowers[] = {(char *)"l1", (char *)"l2", NULL};
                _cleanup_free_ char *merged = path_join(probe, "merged");
                r = d == ROOTFS_DRIVER_OVERLAY
                            ? mount_overlay(probe, lowers, "upper", "work", merged, err)
                            : mount_fuse(probe, lowers, "upper", "work", merged, err);
                if (r >= 0) {
                        r = probe_check(merged, err);
                        (void)unmount_path(merged, NULL);
                }
        }
        (void)rm_rf(probe, NULL);
        return r;
}

int rootfs_driver_detect(ImageStorage *s, RootfsDriver *ret, char **ret_reason, WarrenError **err) {
        _cleanup_error_ WarrenError *e1 = NULL, *e2 = NULL;
        if (probe_driver(s, ROOTFS_DRIVER_OVERLAY, &e1) == 0) {
                *ret = ROOTFS_DRIVER_OVERLAY;
                if (ret_reason)
                        *ret_reason = xstrdup("kernel overlayfs works in the user namespace");
                return 0;
        }
        log_debug("storage driver overlay: %s", e1->msg);
        if (access("/dev/fuse", R_OK | W_OK) < 0)
                (void)error_set_errno(&e2, errno, "`/dev/fuse`");
        else
                (void)probe_driver(s, ROOTFS_DRIVER_FUSE_OVERLAYFS, &e2);
        if (!e2) {
                *ret = ROOTFS_DRIVER_FUSE_OVERLAYFS;
                if (ret_reason)
                        *ret_reason = xasprintf("kernel overlayfs failed (%s)", e1->msg);
                return 0;
        }
        log_debug("storage driver fuse-overlayfs: %s", e2->msg);
        *ret = ROOTFS_DRIVER_VFS;
        if (ret_reason)
                *ret_reason = xasprintf("kernel overlayfs failed (%s); fuse-overlayfs failed (%s)",
                                        e1->msg, e2->msg);
        return 0;
}

static int config_driver(char **ret) {
        _cleanup_free_ char *dir = NULL, *buf = NULL;
        size_t len = 0;
        if (xdg_config_dir(&dir, NULL) < 0)
                return 0;
        _cleanup_free_ char *path = path_join(dir, "storage.conf");
        if (read_file_capped(path, 64 * 1024, &buf, &len, NULL) < 0)
                return 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                while (*line == ' ' || *line == '\t')
                        line++;
                if (!STARTS_WITH(line, "driver"))
                        continue;
                char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                char *v = eq + 1;
                while (*v == ' ' || *v == '\t' || *v == '"')
                        v++;
                size_t n = strcspn(v, "\" \t#");
                *ret = xstrndup(v, n);
                return 1;
        }
        return 0;
}

int rootfs_driver_choose(ImageStorage *s, const char *override, RootfsDriver *ret,
                         char **ret_reason, WarrenError **err) {
        _cleanup_free_ char *cfg = NULL;
        const char *env = getenv("WARREN_STORAGE_DRIVER");
        const char *pick = override && override[0] ? override : env && env[0] ? env : NULL;
        const char *why = override && override[0] ? "--storage-driver" : "$WARREN_STORAGE_DRIVER";
        if (!pick && config_driver(&cfg) > 0) {
                pick = cfg;
                why = "storage.conf";
        }
        if (pick) {
                int r = rootfs_driver_from_string(pick, ret, err);
                if (r < 0)
                        return error_prefix(err, r, "%s", why);
                if (ret_reason)
                        *ret_reason = xasprintf("chosen by %s", why);
                return 0;
        }
        _cleanup_free_ char *cache = xasprintf("%s/rootfs/driver.json", s->root);
        _cleanup_json_ JsonValue *v = NULL;
        if (json_parse_file(cache, 64 * 1024, &v, NULL) == 0) {
                const char *d = json_string(json_get(v, "driver"));
                if (d && rootfs_driver_from_string(d, ret, NULL) == 0) {
                        if (ret_reason)
                                *ret_reason =
                                        xstrdup(json_string(json_get(v, "reason")) ?: "cached");
                        return 0;
                }
        }
        _cleanup_free_ char *reason = NULL;
        _cleanup_free_ char *rdir = xasprintf("%s/rootfs", s->root);
        int r = mkdir_p(rdir, 0700, err);
        if (r < 0)
                return r;
        r = rootfs_driver_detect(s, ret, &reason, err);
        if (r < 0)
                return r;
        _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
        json_gen_begin_object(g);
        json_gen_kv_int(g, "version", 1);
        json_gen_kv_string(g, "driver", rootfs_driver_to_string(*ret));
        json_gen_kv_string(g, "reason", reason);
        json_gen_end_object(g);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (json_gen_finish(g, &text, &len, NULL) == 0)
                (void)write_file_atomic(cache, text, len, 0600, NULL);
        if (ret_reason)
                *ret_reason = TAKE_PTR(reason);
        return 0;
}

int rootfs_used_images(ImageStorage *s, char ***ret, WarrenError **err) {
        return rootfs_used(s, false, ret);
}

int rootfs_used_layers(ImageStorage *s, char ***ret, WarrenError **err) {
        return rootfs_used(s, true, ret);
}

static uint64_t usage_sum;

static int usage_add(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        if (type == FTW_F || type == FTW_SL)
                usage_sum += (uint64_t)st->st_size;
        return 0;
}

int rootfs_disk_usage(ImageStorage *s, const char *id, uint64_t *ret, WarrenError **err) {
        _cleanup_(rootfs_info_done) RootfsInfo info = {0};
        int r = info_load(s, id, &info, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = rootfs_dir(s, id);
        _cleanup_free_ char *top =
                path_join(dir, info.driver == ROOTFS_DRIVER_VFS ? "merged" : "upper");
        usage_sum = 0;
        if (nftw(top, usage_add, 16, FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "measure `%s`", top);
        *ret = usage_sum;
        return 0;
}
