/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/rootfs-setup.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/mount-options.h"
#include "runtime/oci-config.h"

/* Without openat2 (old kernels, valgrind, a seccomp profile that refuses it): walk the path
 * one component at a time, following symlinks by hand with `/` and `..` clamped at rootfd. */
static int open_in_root_walk(int rootfd, const char *path, int flags) {
        _cleanup_free_ char *todo = xstrdup(path);
        int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        int links = 0;
        if (cur < 0)
                return -errno;
        char *p = todo;
        for (;;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                char *end = strchrnul(p, '/');
                bool last = !*end || !end[strspn(end, "/")];
                char saved = *end;
                *end = 0;
                if (STREQ(p, ".")) {
                        *end = saved;
                        p = end;
                        continue;
                }
                struct stat st;
                int next;
                if (STREQ(p, "..")) {
                        struct stat a, b;
                        if (fstat(cur, &a) == 0 && fstat(rootfd, &b) == 0 && a.st_ino == b.st_ino &&
                            a.st_dev == b.st_dev)
                                next = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
                        else
                                next = openat(cur, "..", O_PATH | O_CLOEXEC);
                } else
                        next = openat(cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) {
                        int e = errno;
                        close(cur);
                        return -e;
                }
                if (fstatat(next, "", &st, AT_EMPTY_PATH) == 0 && S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(next, "", target, sizeof(target) - 1);
                        close(next);
                        if (n < 0 || ++links > 40) {
                                close(cur);
                                return n < 0 ? -errno : -ELOOP;
                        }
                        target[n] = 0;
                        *end = saved;
                        char *rest = xasprintf("%s/%s", target, end);
                        if (target[0] == '/') {
                                close(cur);
                                cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
                        }
                        free(todo);
                        todo = rest;
                        p = todo;
                        continue;
                }
                close(cur);
                cur = next;
                *end = saved;
                p = end;
                if (last)
                        break;
        }
        /* reopen with the caller's flags */
        _cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", cur);
        int fd = open(self, flags | O_CLOEXEC);
        int e = errno;
        close(cur);
        return fd < 0 ? -e : fd;
}

static int openat2_in_root(int rootfd, const char *path, int flags) {
        static bool no_openat2 = false;
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        if (!no_openat2) {
                int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != ENOSYS && errno != EPERM)
                        return -errno;
                no_openat2 = true;
                log_debug("openat2 unavailable (%s): resolving paths in the rootfs by hand",
                          strerror(errno));
        }
        return open_in_root_walk(rootfd, path, flags);
}

/* Open `path` beneath `rootfd` (symlinks resolved inside it) as O_PATH, creating missing
 * directories, and the last component as a directory or an empty file. */
static int open_or_create_in_root(int rootfd, const char *path, bool file, WarrenError **err) {
        _cleanup_free_ char *p = xstrdup(path);
        size_t len = strlen(p);
        for (size_t i = 1; i <= len; i++) {
                if (p[i] != '/' && p[i] != 0)
                        continue;
                bool last = p[i] == 0 || (p[i] == '/' && p[i + 1] == 0);
                char saved = p[i];
                p[i] = 0;
                int fd = openat2_in_root(rootfd, p, O_PATH);
                if (fd == -ENOENT) {
                        char *slash = strrchr(p, '/');
                        *slash = 0;
                        _cleanup_close_ int parent =
                                openat2_in_root(rootfd, p, O_PATH | O_DIRECTORY);
                        *slash = '/';
                        if (parent < 0)
                                return error_set_errno(err, -parent, "open `%s` in the rootfs", p);
                        int r;
                        if (last && file) {
                                int f = openat(parent, slash + 1,
                                               O_CREAT | O_WRONLY | O_CLOEXEC | O_NOCTTY, 0644);
                                r = f < 0 ? -errno : 0;
                                safe_close(f);
                        } else
                                r = mkdirat(parent, slash + 1, 0755) < 0 ? -errno : 0;
                        if (r < 0 && r != -EEXIST)
                                return error_set_errno(err, -r, "create `%s` in the rootfs", p);
                        fd = openat2_in_root(rootfd, p, O_PATH);
                }
                if (fd < 0)
                        return error_set_errno(err, -fd, "open `%s` in the rootfs", p);
                p[i] = saved;
                if (last)
                        return fd;
                close(fd);
                if (saved == 0)
                        break;
        }
        return error_set(err, EINVAL, "bad mount destination `%s`", path);
}

static unsigned long locked_flags(const char *target) {
        struct statvfs sv;
        unsigned long f = 0;
        if (statvfs(target, &sv) < 0)
                return 0;
        if (sv.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

static int do_mount(const char *src, const char *target, const char *type, unsigned long flags,
                    const char *data) {
        return mount(src, target, type, flags, data) < 0 ? -errno : 0;
}

/* Remount a bind mount with `flags`, keeping what the kernel locked in a user namespace. */
static int bind_remount(const char *target, unsigned long flags, unsigned long clear) {
        unsigned long f = (locked_flags(target) & ~clear) | flags;
        f &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
             MS_RELATIME | MS_STRICTATIME;
        int r = do_mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | f, NULL);
        if (r == -EPERM) /* retry with every lockable flag that is set kept */
                r = do_mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | f | locked_flags(target),
                             NULL);
        return r;
}

/* Make a whole tree read-only (an rbind with "ro": its submounts too, or a container could
 * write through them, e.g. the host's cgroup hierarchies under /sys/fs/cgroup). */
static int tree_readonly(int fd) {
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
            0)
                return -errno;
        return 0;
}

static char *fd_path(int fd) {
        return xasprintf("/proc/self/fd/%d", fd);
}

static int mount_one(const OciMount *m, const RootfsSetup *ctx, int rootfd, WarrenError **err) {
        MountOptions o = {};
        int r = mount_options_parse(m->options, &o, err);
        if (r < 0)
                return r;
        const char *type = m->type ? m->type : "";
        if (STREQ(type, "bind") || STREQ(type, "rbind")) {
                o.bind = true;
                o.recursive = o.recursive || STREQ(type, "rbind");
        }
        _cleanup_free_ char *source = NULL;
        if (m->source && m->source[0] != '/' && o.bind)
                source = path_join(ctx->bundle, m->source);
        else
                source = xstrdup(m->source ? m->source : type);

        /* Fallbacks a user namespace needs (as crun does). */
        bool host_bind = false;
        if (STREQ(type, "sysfs") && !ctx->own_netns)
                host_bind = true;
        if (STREQ(type, "proc") && !ctx->own_pidns)
                host_bind = true;
        if (STREQ(type, "mqueue") && !ctx->own_ipcns)
                host_bind = true;
        bool cgroup = STREQ(type, "cgroup") || STREQ(type, "cgroup2");

        bool file = false;
        if (o.bind) {
                struct stat st;
                if (stat(source, &st) < 0) {
                        mount_options_done(&o);
                        return error_set_errno(err, errno, "mount `%s`: source `%s`",
                                               m->destination, source);
                }
                file = !S_ISDIR(st.st_mode);
        }
        _cleanup_close_ int fd = open_or_create_in_root(rootfd, m->destination, file, err);
        if (fd < 0) {
                mount_options_done(&o);
                return error_prefix(err, fd, "mount `%s`", m->destination);
        }
        _cleanup_free_ char *target = fd_path(fd);
        unsigned long flags = o.flags & ~(MS_REMOUNT);

        if (host_bind || cgroup) {
                const char *hsrc = STREQ(type, "sysfs")    ? "/sys"
                                   : STREQ(type, "proc")   ? "/proc"
                                   : STREQ(type, "mqueue") ? "/dev/mqueue"
                                                           : "/sys/fs/cgroup";
                r = -EPERM;
                if (cgroup && ctx->own_cgroupns) {
                        r = do_mount("cgroup2", target, "cgroup2", flags, NULL);
                        if (r >= 0)
                                goto propagation;
                }
                r = do_mount(hsrc, target, NULL, MS_BIND | MS_REC, NULL);
                if (r >= 0 && (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))) {
                        _cleanup_close_ int fd2 = openat2_in_root(rootfd, m->destination, O_PATH);
                        _cleanup_free_ char *t2 = fd2 >= 0 ? fd_path(fd2) : NULL;
                        if (t2)
                                (void)bind_remount(t2, flags, o.clear);
                        if (fd2 >= 0 && (flags & MS_RDONLY))
                                (void)tree_readonly(fd2);
                }
                if (r < 0) {
                        if (cgroup || STREQ(type, "mqueue")) {
                                log_debug("mount `%s` (%s): %s; skipped", m->destination, type,
                                          strerror(-r));
                                mount_options_done(&o);
                                return 0;
                        }
                        mount_options_done(&o);
                        return error_set_errno(err, -r, "bind host `%s` on `%s`", hsrc,
                                               m->destination);
                }
                log_debug("mount `%s`: bound host `%s` (%s needs its own namespace)",
                          m->destination, hsrc, type);
                goto propagation;
        }

        if (o.bind) {
                r = do_mount(source, target, NULL, MS_BIND | (o.recursive ? MS_REC : 0), NULL);
                if (r < 0) {
                        mount_options_done(&o);
                        return error_set_errno(err, -r, "bind `%s` on `%s`", source,
                                               m->destination);
                }
                if (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                             MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)) {
                        _cleanup_close_ int fd2 = openat2_in_root(rootfd, m->destination, O_PATH);
                        if (fd2 < 0) {
                                mount_options_done(&o);
                                return error_set_errno(err, -fd2, "reopen `%s`", m->destination);
                        }
                        _cleanup_free_ char *t2 = fd_path(fd2);
                        r = bind_remount(t2, flags, o.clear);
                        if (r >= 0 && o.recursive && (flags & MS_RDONLY)) {
                                r = tree_readonly(fd2);
                                if (r == -ENOSYS)
                                        r = 0;
                        }
                        if (r < 0) {
                                mount_options_done(&o);
                                return error_set_errno(err, -r, "remount `%s`", m->destination);
                        }
                }
        } else {
                r = do_mount(source, target, type, flags, o.data);
                if (r == -EINVAL && STREQ(type, "devpts") && o.data) {
                        _cleanup_free_ char *d = mount_data_strip_ids(o.data);
                        r = do_mount(source, target, type, flags, d);
                }
                if (r == -EPERM && STREQ(type, "sysfs")) {
                        r = do_mount("/sys", target, NULL, MS_BIND | MS_REC, NULL);
                        if (r >= 0)
                                log_debug("mount sysfs on `%s` refused; bound the host's /sys",
                                          m->destination);
                }
                if (r < 0) {
                        mount_options_done(&o);
                        return error_set_errno(err, -r, "mount `%s` (%s) on `%s`", source, type,
                                               m->destination);
                }
        }
propagation:
        if (o.propagation) {
                _cleanup_close_ int fd3 = openat2_in_root(rootfd, m->destination, O_PATH);
                _cleanup_free_ char *t3 = fd3 >= 0 ? fd_path(fd3) : NULL;
                if (!t3 || do_mount(NULL, t3, NULL, o.propagation, NULL) < 0) {
                        mount_options_done(&o);
                        return error_set_errno(err, errno, "set propagation of `%s`",
                                               m->destination);
                }
        }
        mount_options_done(&o);
        return 0;
}

static const struct {
        const char *path;
        unsigned major, minor;
} default_devices[] = {
        {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
        {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static int make_device(int rootfd, const char *path, char type, unsigned major, unsigned minor,
                       mode_t mode, uid_t uid, gid_t gid, bool try_mknod, WarrenError **err) {
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        *slash = 0;
        _cleanup_close_ int dfd = open_or_create_in_root(rootfd, *dir ? dir : "/", false, err);
        if (dfd < 0)
                return dfd;
        _cleanup_close_ int real = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (real < 0)
                return error_set_errno(err, errno, "open `%s`", dir);
        const char *name = slash + 1;
        if (try_mknod) {
                mode_t t = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
                (void)unlinkat(real, name, 0);
                if (mknodat(real, name, t | (mode & 07777), makedev(major, minor)) == 0) {
                        (void)fchmodat(real, name, mode & 07777, 0);
                        (void)fchownat(real, name, uid, gid, AT_SYMLINK_NOFOLLOW);
                        return 0;
                }
                if (errno != EPERM)
                        return error_set_errno(err, errno, "mknod `%s`", path);
        }
        /* Bind the host's node onto an empty file. */
        int f = openat(real, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOCTTY, 0644);
        if (f < 0)
                return error_set_errno(err, errno, "create `%s`", path);
        close(f);
        _cleanup_close_ int tfd = openat(real, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
        if (tfd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        _cleanup_free_ char *target = fd_path(tfd);
        if (mount(path, target, NULL, MS_BIND, NULL) < 0)
                return error_set_errno(err, errno, "bind host device `%s`", path);
        return 0;
}

static bool dev_is_bound(const OciConfig *c) {
        for (size_t i = 0; i < c->n_mounts; i++)
                if (STREQ(c->mounts[i].destination, "/dev")) {
                        const char *t = c->mounts[i].type ? c->mounts[i].type : "";
                        if (STREQ(t, "bind") || STREQ(t, "rbind") ||
                            strv_contains(c->mounts[i].options, "bind") ||
                            strv_contains(c->mounts[i].options, "rbind"))
                                return true;
                }
        return false;
}

static int setup_devices(const OciConfig *c, const RootfsSetup *ctx, int rootfd,
                         WarrenError **err) {
        bool mknod_ok = !ctx->userns && geteuid() == 0;
        int r;
        if (!dev_is_bound(c)) {
                for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                        bool configured = false;
                        for (size_t j = 0; j < c->linux_.n_devices; j++)
                                configured = configured || STREQ(c->linux_.devices[j].path,
                                                                 default_devices[i].path);
                        if (configured)
                                continue;
                        r = make_device(rootfd, default_devices[i].path, 'c',
                                        default_devices[i].major, default_devices[i].minor, 0666, 0,
                                        0, mknod_ok, err);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t j = 0; j < c->linux_.n_devices; j++) {
                const OciDevice *d = &c->linux_.devices[j];
                r = make_device(rootfd, d->path, d->type == 'u' ? 'c' : d->type, (unsigned)d->major,
                                (unsigned)d->minor, d->has_file_mode ? d->file_mode : 0666,
                                d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, mknod_ok, err);
                if (r < 0)
                        return r;
        }
        if (dev_is_bound(c))
                return 0;
        static const char *const links[][2] = {
                {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
                {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                {"pts/ptmx", "ptmx"},
        };
        _cleanup_close_ int dev = openat2_in_root(rootfd, "/dev", O_RDONLY | O_DIRECTORY);
        if (dev < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                if (STREQ(links[i][1], "ptmx")) {
                        struct stat st;
                        if (fstatat(dev, "pts/ptmx", &st, 0) < 0)
                                continue;
                        if (fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
                                if (S_ISLNK(st.st_mode))
                                        continue;
                                (void)unlinkat(dev, "ptmx", 0);
                        }
                }
                if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
                        return error_set_errno(err, errno, "symlink `/dev/%s`", links[i][1]);
        }
        return 0;
}

int rootfs_setup_prepare(const OciConfig *c, const RootfsSetup *ctx, WarrenError **err) {
        unsigned long prop = MS_SLAVE | MS_REC;
        if (mount(NULL, "/", NULL, prop, NULL) < 0)
                return error_set_errno(err, errno, "make `/` a slave mount");
        if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return error_set_errno(err, errno, "bind the rootfs `%s`", ctx->rootfs);
        _cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return error_set_errno(err, errno, "open the rootfs `%s`", ctx->rootfs);
        for (size_t i = 0; i < c->n_mounts; i++) {
                int r = mount_one(&c->mounts[i], ctx, rootfd, err);
                if (r < 0)
                        return r;
        }
        return setup_devices(c, ctx, rootfd, err);
}

int rootfs_setup_pivot(const RootfsSetup *ctx, WarrenError **err) {
        if (ctx->no_pivot) {
                if (chdir(ctx->rootfs) < 0)
                        return error_set_errno(err, errno, "chdir to `%s`", ctx->rootfs);
                if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return error_set_errno(err, errno, "move the rootfs to `/`");
                if (chroot(".") < 0)
                        return error_set_errno(err, errno, "chroot");
                if (chdir("/") < 0)
                        return error_set_errno(err, errno, "chdir to `/`");
                return 0;
        }
        _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int newroot = open(ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0 || newroot < 0)
                return error_set_errno(err, errno, "open the rootfs `%s`", ctx->rootfs);
        if (fchdir(newroot) < 0)
                return error_set_errno(err, errno, "chdir to the rootfs");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return error_set_errno(err, errno, "pivot_root to `%s`", ctx->rootfs);
        if (fchdir(oldroot) < 0)
                return error_set_errno(err, errno, "chdir to the old root");
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return error_set_errno(err, errno, "make the old root a slave");
        if (umount2(".", MNT_DETACH) < 0)
                return error_set_errno(err, errno, "detach the old root");
        if (chdir("/") < 0)
                return error_set_errno(err, errno, "chdir to `/`");
        return 0;
}

static int mask_path(const char *path, WarrenError **err) {
        struct stat st;
        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "mask `%s`", path);
        }
        int r;
        if (S_ISDIR(st.st_mode))
                r = do_mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k");
        else
                r = do_mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (r < 0)
                return error_set_errno(err, -r, "mask `%s`", path);
        return 0;
}

static int readonly_path(const char *path, WarrenError **err) {
        int r = do_mount(path, path, NULL, MS_BIND | MS_REC, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return error_set_errno(err, -r, "bind `%s` read-only", path);
        r = bind_remount(path, MS_RDONLY, 0);
        if (r < 0)
                return error_set_errno(err, -r, "remount `%s` read-only", path);
        return 0;
}

int rootfs_setup_finish(const OciConfig *c, const RootfsSetup *ctx, WarrenError **err) {
        int r;
        STRV_FOREACH (p, c->linux_.masked_paths)
                if ((r = mask_path(*p, err)) < 0)
                        return r;
        STRV_FOREACH (p, c->linux_.readonly_paths)
                if ((r = readonly_path(*p, err)) < 0)
                        return r;
        if (c->linux_.rootfs_propagation) {
                MountOptions o = {};
                char *one[] = {c->linux_.rootfs_propagation, NULL};
                r = mount_options_parse(one, &o, err);
                if (r < 0)
                        return r;
                unsigned long p = o.propagation;
                mount_options_done(&o);
                if (p && mount(NULL, "/", NULL, p, NULL) < 0)
                        return error_set_errno(err, errno, "set rootfs propagation `%s`",
                                               c->linux_.rootfs_propagation);
        }
        if (c->root_readonly) {
                r = bind_remount("/", MS_RDONLY, 0);
                if (r < 0)
                        return error_set_errno(err, -r, "remount the rootfs read-only");
        }
        (void)ctx;
        return 0;
}
