/* SPDX-License-Identifier: Apache-2.0 */
/* Layer paths, whiteout names, and unpacking (into a temporary directory) of tars built here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"
#include "storage/layer-path.h"
#include "storage/layer-unpack.h"

/* ---- paths ---- */

static void check_clean(const char *in, const char *want) {
        _cleanup_free_ char *out = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(layer_path_clean(in, &out, &err), 0);
        assert_string_equal(out, want);
}

static void check_refused(const char *in, int code) {
        _cleanup_free_ char *out = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(layer_path_clean(in, &out, &err), -code);
        assert_non_null(err);
}

static void test_path_clean(void **state) {
        check_clean("a/b/c", "a/b/c");
        check_clean("./a//b/./c/", "a/b/c");
        check_clean("/etc/passwd", "etc/passwd"); /* contained, as tar -x does */
        check_clean("a/../b", "b");
        check_clean("a/b/../../c", "c");
        check_clean("./", "");
        check_clean("/", "");
        check_refused("../x", EINVAL);
        check_refused("a/../../x", EINVAL);
        check_refused("/../../etc/passwd", EINVAL);
        _cleanup_free_ char *longc = xmalloc(300);
        memset(longc, 'x', 299);
        longc[299] = '\0';
        check_refused(longc, ENAMETOOLONG);
        _cleanup_free_ char *longp = xmalloc(5000);
        for (int i = 0; i < 4999; i++)
                longp[i] = i % 2 ? '/' : 'a';
        longp[4999] = '\0';
        check_refused(longp, ENAMETOOLONG);
}

static void test_whiteout_names(void **state) {
        LayerWhiteout k;
        _cleanup_error_ WarrenError *err = NULL;
        char *dir = NULL, *name = NULL;
        assert_int_equal(layer_path_whiteout("etc/passwd", &k, &dir, &name, &err), 0);
        assert_int_equal(k, LAYER_WHITEOUT_NONE);
        assert_int_equal(layer_path_whiteout("etc/.wh.passwd", &k, &dir, &name, &err), 0);
        assert_int_equal(k, LAYER_WHITEOUT_FILE);
        assert_string_equal(dir, "etc");
        assert_string_equal(name, "passwd");
        free(dir);
        free(name);
        assert_int_equal(layer_path_whiteout(".wh.top", &k, &dir, &name, &err), 0);
        assert_int_equal(k, LAYER_WHITEOUT_FILE);
        assert_string_equal(dir, "");
        assert_string_equal(name, "top");
        free(dir);
        free(name);
        assert_int_equal(layer_path_whiteout("a/b/.wh..wh..opq", &k, &dir, NULL, &err), 0);
        assert_int_equal(k, LAYER_WHITEOUT_OPAQUE);
        assert_string_equal(dir, "a/b");
        free(dir);
        assert_int_equal(layer_path_whiteout("a/.wh..wh.plnk", &k, NULL, NULL, &err), 0);
        assert_int_equal(k, LAYER_WHITEOUT_META);
        assert_int_equal(layer_path_whiteout("a/.wh...", &k, NULL, NULL, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(layer_path_whiteout("a/.wh.", &k, NULL, NULL, &err), -EINVAL);
        assert_false(layer_xattr_allowed("trusted.overlay.redirect"));
        assert_false(layer_xattr_allowed("user.overlay.opaque"));
        assert_false(layer_xattr_allowed("user.fuseoverlayfs.opaque"));
        assert_true(layer_xattr_allowed("user.test"));
        assert_true(layer_xattr_allowed("security.capability"));
}

/* ---- a tiny ustar writer ---- */

typedef struct Tar {
        char *buf;
        size_t len;
} Tar;

static void octal(char *dst, size_t n, unsigned long long v) {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%0*llo", (int)n - 1, v);
        memcpy(dst, tmp, n - 1);
}

static void tar_add(Tar *t, const char *name, char type, const char *link, const char *data,
                    unsigned mode, unsigned uid) {
        size_t dlen = data ? strlen(data) : 0;
        size_t pad = (dlen + 511) / 512 * 512;
        t->buf = xrealloc(t->buf, t->len + 512 + pad);
        char *h = t->buf + t->len;
        memset(h, 0, 512 + pad);
        snprintf(h, 100, "%s", name);
        octal(h + 100, 8, mode);
        octal(h + 108, 8, uid);
        octal(h + 116, 8, uid);
        octal(h + 124, 12, dlen);
        octal(h + 136, 12, 1700000000);
        h[156] = type;
        if (link)
                snprintf(h + 157, 100, "%s", link);
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
                sum += (unsigned char)h[i];
        snprintf(h + 148, 8, "%06o", sum);
        h[155] = ' ';
        if (data)
                memcpy(h + 512, data, dlen);
        t->len += 512 + pad;
}

static int tar_fd(Tar *t) {
        t->buf = xrealloc(t->buf, t->len + 1024);
        memset(t->buf + t->len, 0, 1024);
        t->len += 1024;
        int fd = memfd_create("tar", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, t->buf, t->len), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        free(t->buf);
        t->buf = NULL;
        t->len = 0;
        return fd;
}

typedef struct Fixture {
        char dir[64];
        int rootfd;
        char outside[64];
} Fixture;

static int setup(void **state) {
        Fixture *f = xnew(Fixture, 1);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-layer-XXXXXX");
        snprintf(f->outside, sizeof(f->outside), "/tmp/test-layer-out-XXXXXX");
        if (!mkdtemp(f->dir) || !mkdtemp(f->outside))
                return -1;
        f->rootfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        close(f->rootfd);
        rm_rf(f->dir, NULL);
        rm_rf(f->outside, NULL);
        free(f);
        layer_path_force_fallback(false);
        return 0;
}

static int unpack(Fixture *f, Tar *t, WarrenError **err) {
        _cleanup_close_ int fd = tar_fd(t);
        LayerUnpackResult res;
        return layer_unpack(fd, f->rootfd, NULL, &res, err);
}

static bool exists_at(Fixture *f, const char *rel) {
        struct stat st;
        return fstatat(f->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool outside_empty(Fixture *f) {
        DIR *d = opendir(f->outside);
        struct dirent *de;
        int n = 0;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        return n == 0;
}

static void test_unpack_basic(void **state) {
        Fixture *f = *state;
        Tar t = {0};
        tar_add(&t, "etc/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "etc/hello", '0', NULL, "hi\n", 04755, 0);
        tar_add(&t, "etc/link", '1', "etc/hello", NULL, 0644, 0);
        tar_add(&t, "sym", '2', "etc/hello", NULL, 0777, 0);
        tar_add(&t, "dev", '3', NULL, NULL, 0644, 0);
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_close_ int fd = tar_fd(&t);
        LayerUnpackResult res;
        assert_int_equal(layer_unpack(fd, f->rootfd, NULL, &res, &err), 0);
        struct stat a, b;
        assert_int_equal(fstatat(f->rootfd, "etc/hello", &a, 0), 0);
        assert_int_equal(fstatat(f->rootfd, "etc/link", &b, 0), 0);
        assert_true(a.st_ino == b.st_ino);
        assert_int_equal(a.st_mode & 07777, 04755);
        assert_int_equal(a.st_mtime, 1700000000);
        char target[64] = "";
        assert_true(readlinkat(f->rootfd, "sym", target, sizeof(target)) > 0);
        assert_string_equal(target, "etc/hello");
        assert_false(exists_at(f, "dev"));
        assert_int_equal(res.skipped_devices, 1);
        assert_int_equal(res.entries, 5);
        assert_true(digest_is_valid(res.diff_id));
        assert_string_equal(res.diff_id, res.blob_digest); /* not compressed */
        assert_string_equal(res.compression, "none");
}

static void test_unpack_whiteouts(void **state) {
        Fixture *f = *state;
        Tar t = {0};
        tar_add(&t, "etc/.wh.passwd", '0', NULL, NULL, 0644, 0);
        tar_add(&t, "opq/.wh..wh..opq", '0', NULL, NULL, 0644, 0);
        tar_add(&t, "opq/new", '0', NULL, "x", 0644, 0);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(unpack(f, &t, &err), 0);
        struct stat st;
        assert_int_equal(fstatat(f->rootfd, "etc/passwd", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_true(st.st_rdev == makedev(0, 0));
        assert_false(exists_at(f, "etc/.wh.passwd"));
        assert_false(exists_at(f, "opq/.wh..wh..opq"));
        _cleanup_close_ int opq = openat(f->rootfd, "opq", O_RDONLY | O_DIRECTORY);
        char v[4] = "";
        assert_int_equal(fgetxattr(opq, "user.overlay.opaque", v, sizeof(v)), 1);
        assert_int_equal(v[0], 'y');
        assert_int_equal(fgetxattr(opq, "user.fuseoverlayfs.opaque", v, sizeof(v)), 1);
        assert_true(exists_at(f, "opq/new"));
}

static bool opaque_at(Fixture *f, const char *rel) {
        _cleanup_close_ int fd = openat(f->rootfd, rel, O_RDONLY | O_DIRECTORY);
        char v[4] = "";
        return fd >= 0 && fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* A whiteout hides the lower layers' entry only (OCI image spec): what the same layer puts at
 * that name stays, and a directory of its own there is opaque, whichever comes first. */
static void test_unpack_whiteouts_same_layer(void **state) {
        Fixture *f = *state;
        Tar t = {0};
        tar_add(&t, ".wh.d1", '0', NULL, NULL, 0644, 0); /* whiteout, then the directory */
        tar_add(&t, "d1/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "d1/new", '0', NULL, "x", 0644, 0);
        tar_add(&t, "d2/", '5', NULL, NULL, 0755, 0); /* the directory, then the whiteout */
        tar_add(&t, "d2/new", '0', NULL, "y", 0644, 0);
        tar_add(&t, ".wh.d2", '0', NULL, NULL, 0644, 0);
        tar_add(&t, "f", '0', NULL, "kept", 0644, 0); /* a file, then its whiteout */
        tar_add(&t, ".wh.f", '0', NULL, NULL, 0644, 0);
        tar_add(&t, ".wh.g", '0', NULL, NULL, 0644, 0); /* a whiteout, then a file */
        tar_add(&t, "g", '0', NULL, "new", 0644, 0);
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(unpack(f, &t, &err), 0);
        assert_true(opaque_at(f, "d1"));
        assert_true(exists_at(f, "d1/new"));
        assert_true(opaque_at(f, "d2"));
        assert_true(exists_at(f, "d2/new"));
        struct stat st;
        assert_int_equal(fstatat(f->rootfd, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_size, 4);
        assert_int_equal(fstatat(f->rootfd, "g", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        /* a plain directory stays plain */
        Tar t2 = {0};
        tar_add(&t2, "plain/", '5', NULL, NULL, 0755, 0);
        assert_int_equal(unpack(f, &t2, &err), 0);
        assert_false(opaque_at(f, "plain"));
}

static void test_unpack_escapes(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        Tar t = {0};
        /* symlinks to outside, then writes through them: contained */
        tar_add(&t, "abs", '2', NULL, NULL, 0777, 0);
        snprintf(t.buf + t.len - 512 + 157, 100, "%s", f->outside);
        {
                /* fix the checksum after editing the link name */
                char *h = t.buf + t.len - 512;
                memset(h + 148, ' ', 8);
                unsigned sum = 0;
                for (int i = 0; i < 512; i++)
                        sum += (unsigned char)h[i];
                snprintf(h + 148, 8, "%06o", sum);
                h[155] = ' ';
        }
        tar_add(&t, "abs/pwned", '0', NULL, "x", 0644, 0);
        tar_add(&t, "rel", '2', "../../../../../../../../tmp", NULL, 0777, 0);
        tar_add(&t, "rel/pwned-rel", '0', NULL, "x", 0644, 0);
        assert_int_equal(unpack(f, &t, &err), 0);
        assert_true(outside_empty(f));
        _cleanup_free_ char *inside = xasprintf("%s/pwned", f->outside + 1);
        assert_true(exists_at(f, inside));
        assert_true(exists_at(f, "tmp/pwned-rel"));
        /* ../ refused */
        tar_add(&t, "../x", '0', NULL, "x", 0644, 0);
        assert_int_equal(unpack(f, &t, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "escapes the layer root"));
        error_free(TAKE_PTR(err));
        /* hardlink out refused */
        tar_add(&t, "hl", '1', "../../etc/passwd", NULL, 0644, 0);
        assert_int_equal(unpack(f, &t, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        /* symlink loop refused */
        tar_add(&t, "a", '2', "b", NULL, 0777, 0);
        tar_add(&t, "b", '2', "a", NULL, 0777, 0);
        tar_add(&t, "a/file", '0', NULL, "x", 0644, 0);
        assert_int_equal(unpack(f, &t, &err), -ELOOP);
        assert_true(outside_empty(f));
}

static void test_unpack_escapes_fallback(void **state) {
        layer_path_force_fallback(true);
        test_unpack_escapes(state);
}

static void test_unpack_garbage(void **state) {
        Fixture *f = *state;
        int fd = memfd_create("junk", MFD_CLOEXEC);
        char junk[2048];
        memset(junk, 'j', sizeof(junk));
        assert_int_equal(write_all(fd, junk, sizeof(junk)), 0);
        lseek(fd, 0, SEEK_SET);
        _cleanup_error_ WarrenError *err = NULL;
        LayerUnpackResult res;
        assert_true(layer_unpack(fd, f->rootfd, NULL, &res, &err) < 0);
        assert_non_null(err);
        close(fd);
}

/* ---- hardlinks to a lower layer's file ---- */

/* Unpack `t` into the new directory `name` under the fixture, over the layers `lowers` (names
 * of earlier directories, nearest first, NULL-terminated). */
static int unpack_layer(Fixture *f, const char *name, Tar *t, const char *const *lowers,
                        const LayerLimits *limits, LayerUnpackResult *res, WarrenError **err) {
        if (mkdirat(f->rootfd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_close_ int dfd = openat(f->rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        char *dirs[8] = {NULL};
        for (size_t i = 0; lowers && lowers[i]; i++)
                dirs[i] = xasprintf("%s/%s", f->dir, lowers[i]);
        _cleanup_close_ int fd = tar_fd(t);
        LayerUnpackOptions o = {.limits = limits, .lower_dirs = dirs};
        int r = layer_unpack(fd, dfd, &o, res, err);
        for (size_t i = 0; dirs[i]; i++)
                free(dirs[i]);
        return r;
}

static char *read_at(Fixture *f, const char *rel) {
        _cleanup_close_ int fd = openat(f->rootfd, rel, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        char *buf = xmalloc(256);
        ssize_t n = read(fd, buf, 255);
        assert_true(n >= 0);
        buf[n] = '\0';
        return buf;
}

static void test_hardlink_lower(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        LayerUnpackResult res;
        Tar t = {0};
        tar_add(&t, "etc/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "etc/file", '0', NULL, "from layer 1\n", 04750, 1234);
        tar_add(&t, "usr/lib/libx.so", '0', NULL, "library\n", 0644, 0);
        tar_add(&t, "lib", '2', "usr/lib", NULL, 0777, 0);
        tar_add(&t, "etc/fifo", '6', NULL, NULL, 0640, 0);
        assert_int_equal(unpack_layer(f, "l1", &t, NULL, NULL, &res, &err), 0);
        /* an xattr and distinct times to be copied */
        _cleanup_close_ int lfd = openat(f->rootfd, "l1/etc/file", O_RDONLY | O_CLOEXEC);
        assert_true(lfd >= 0);
        assert_int_equal(fsetxattr(lfd, "user.test", "kept", 4, 0), 0);
        struct timespec ts[2] = {{1600000000, 111}, {1650000000, 222}};
        assert_int_equal(futimens(lfd, ts), 0);
        struct stat lower;
        assert_int_equal(fstat(lfd, &lower), 0);

        tar_add(&t, "etc/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "etc/link", '1', "etc/file", NULL, 0644, 0);
        tar_add(&t, "other/link2", '1', "/etc/./file", NULL, 0644, 0);         /* shares the copy */
        tar_add(&t, "etc/file", '0', NULL, "rewritten in layer 2\n", 0600, 0); /* after the link */
        tar_add(&t, "own", '0', NULL, "own\n", 0644, 0);
        tar_add(&t, "own-link", '1', "own", NULL, 0644, 0);          /* same layer: a real link */
        tar_add(&t, "libx-link", '1', "lib/libx.so", NULL, 0644, 0); /* through a lower symlink */
        tar_add(&t, "fifo-link", '1', "etc/fifo", NULL, 0644, 0);
        const char *const lowers[] = {"l1", NULL};
        assert_int_equal(unpack_layer(f, "l2", &t, lowers, NULL, &res, &err), 0);
        assert_int_equal(res.copied_up, 3);

        struct stat a, b, c;
        assert_int_equal(fstatat(f->rootfd, "l2/etc/link", &a, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(a.st_mode));
        assert_false(a.st_ino == lower.st_ino);
        assert_int_equal(a.st_mode & 07777, 04750);
        assert_int_equal(a.st_uid, lower.st_uid);
        assert_int_equal(a.st_gid, lower.st_gid);
        assert_int_equal(a.st_mtim.tv_sec, 1650000000);
        assert_int_equal(a.st_mtim.tv_nsec, 222);
        _cleanup_free_ char *content = read_at(f, "l2/etc/link");
        assert_string_equal(content, "from layer 1\n");
        char v[8] = "";
        _cleanup_free_ char *lp = xasprintf("%s/l2/etc/link", f->dir);
        assert_int_equal(getxattr(lp, "user.test", v, sizeof(v)), 4);
        assert_memory_equal(v, "kept", 4);
        /* links to the same lower file share one copy, as the tar's links share an inode */
        assert_int_equal(fstatat(f->rootfd, "l2/other/link2", &b, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(a.st_ino == b.st_ino);
        /* the target written after the link is a separate file */
        _cleanup_free_ char *rewritten = read_at(f, "l2/etc/file");
        assert_string_equal(rewritten, "rewritten in layer 2\n");
        assert_int_equal(fstatat(f->rootfd, "l2/etc/file", &c, AT_SYMLINK_NOFOLLOW), 0);
        assert_false(c.st_ino == a.st_ino);
        /* the lower layer is untouched */
        _cleanup_free_ char *orig = read_at(f, "l1/etc/file");
        assert_string_equal(orig, "from layer 1\n");
        /* a target in the same layer is still a real hardlink */
        assert_int_equal(fstatat(f->rootfd, "l2/own", &a, 0), 0);
        assert_int_equal(fstatat(f->rootfd, "l2/own-link", &b, 0), 0);
        assert_true(a.st_ino == b.st_ino);
        _cleanup_free_ char *lib = read_at(f, "l2/libx-link");
        assert_string_equal(lib, "library\n");
        assert_int_equal(fstatat(f->rootfd, "l2/fifo-link", &a, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISFIFO(a.st_mode));
        assert_int_equal(a.st_mode & 07777, 0640);
}

static void test_hardlink_lower_fallback(void **state) {
        layer_path_force_fallback(true);
        test_hardlink_lower(state);
}

/* Layer 3 hardlinks to `target` over l2 and l1: the error code, and a part of the message. */
static void check_lower_refused(Fixture *f, const char *target, int code, const char *msg) {
        _cleanup_error_ WarrenError *err = NULL;
        LayerUnpackResult res;
        Tar t = {0};
        tar_add(&t, "ok", '0', NULL, "fine\n", 0644, 0);
        /* directories of this layer over a file and a whiteout of layer 2 */
        tar_add(&t, "g/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "gw/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "hl", '1', target, NULL, 0644, 0);
        const char *const lowers[] = {"l2", "l1", NULL};
        (void)rm_rf_at(f->rootfd, "l3", NULL);
        assert_int_equal(unpack_layer(f, "l3", &t, lowers, NULL, &res, &err), -code);
        assert_non_null(err);
        assert_non_null(strstr(err->msg, msg));
        assert_non_null(strstr(err->msg, "entry `hl`"));
        assert_false(exists_at(f, "l3/hl"));
}

static void test_hardlink_lower_refused(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        LayerUnpackResult res;
        Tar t = {0};
        tar_add(&t, "a/x", '0', NULL, "deleted above\n", 0644, 0);
        tar_add(&t, "d/x", '0', NULL, "hidden above\n", 0644, 0);
        tar_add(&t, "d/sub/y", '0', NULL, "hidden above\n", 0644, 0);
        tar_add(&t, "dir/", '5', NULL, NULL, 0755, 0);
        tar_add(&t, "keep/z", '0', NULL, "visible\n", 0644, 0);
        tar_add(&t, "both", '0', NULL, "layer 1\n", 0644, 0);
        tar_add(&t, "f", '0', NULL, "a file, not a directory\n", 0644, 0);
        tar_add(&t, "g/x", '0', NULL, "hidden by layer 2's file g\n", 0644, 0);
        tar_add(&t, "gw/x", '0', NULL, "hidden by layer 2's whiteout of gw\n", 0644, 0);
        tar_add(&t, "loop1", '2', "loop2", NULL, 0777, 0);
        tar_add(&t, "esc", '2', NULL, NULL, 0777, 0);
        /* esc -> the directory outside, as an absolute and a climbing link */
        snprintf(t.buf + t.len - 512 + 157, 100, "../../../../..%s", f->outside);
        {
                char *h = t.buf + t.len - 512;
                memset(h + 148, ' ', 8);
                unsigned sum = 0;
                for (int i = 0; i < 512; i++)
                        sum += (unsigned char)h[i];
                snprintf(h + 148, 8, "%06o", sum);
                h[155] = ' ';
        }
        assert_int_equal(unpack_layer(f, "l1", &t, NULL, NULL, &res, &err), 0);
        _cleanup_free_ char *victim = xasprintf("%s/victim", f->outside);
        _cleanup_close_ int vfd = open(victim, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(vfd >= 0);
        assert_int_equal(write_all(vfd, "outside\n", 8), 0);

        tar_add(&t, "a/.wh.x", '0', NULL, NULL, 0644, 0);
        tar_add(&t, "d/.wh..wh..opq", '0', NULL, NULL, 0644, 0);
        tar_add(&t, "d/new", '0', NULL, "new\n", 0644, 0);
        tar_add(&t, "loop2", '2', "loop1", NULL, 0777, 0);
        tar_add(&t, "g", '0', NULL, "a file over a directory\n", 0644, 0);
        tar_add(&t, ".wh.gw", '0', NULL, NULL, 0644, 0);
        tar_add(&t, "both", '0', NULL, "layer 2\n", 0644, 0);
        const char *const lowers[] = {"l1", NULL};
        assert_int_equal(unpack_layer(f, "l2", &t, lowers, NULL, &res, &err), 0);

        check_lower_refused(f, "a/x", ENOENT, "is deleted by a whiteout");
        check_lower_refused(f, "d/x", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "d/sub/y", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "dir", EPERM, "is a directory");
        check_lower_refused(f, "nowhere", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "f/x", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "g/x", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "gw/x", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "esc/victim", ENOENT, "is not in this layer or below");
        check_lower_refused(f, "loop1/x", ELOOP, "hardlink target `loop1/x`");
        check_lower_refused(f, "../../x", EINVAL, "escapes the layer root");
        /* what is visible through the opaque directory and beside the whiteout still links */
        Tar ok = {0};
        tar_add(&ok, "new", '1', "d/new", NULL, 0644, 0);
        tar_add(&ok, "z", '1', "keep/z", NULL, 0644, 0);
        tar_add(&ok, "nearest", '1', "both", NULL, 0644, 0);
        const char *const both[] = {"l2", "l1", NULL};
        assert_int_equal(unpack_layer(f, "l4", &ok, both, NULL, &res, &err), 0);
        _cleanup_free_ char *n = read_at(f, "l4/new");
        assert_string_equal(n, "new\n");
        _cleanup_free_ char *z = read_at(f, "l4/z");
        assert_string_equal(z, "visible\n");
        _cleanup_free_ char *nearest = read_at(f, "l4/nearest");
        assert_string_equal(nearest, "layer 2\n");
        /* without lower layers the target must be in the layer */
        Tar alone = {0};
        tar_add(&alone, "hl", '1', "keep/z", NULL, 0644, 0);
        assert_int_equal(unpack_layer(f, "l5", &alone, NULL, NULL, &res, &err), -ENOENT);
        assert_non_null(strstr(err->msg, "is not in this layer or below"));
        /* nothing outside was read or written */
        _cleanup_free_ char *still = NULL;
        {
                _cleanup_close_ int fd = open(victim, O_RDONLY | O_CLOEXEC);
                char buf[16] = "";
                assert_int_equal(read(fd, buf, sizeof(buf) - 1), 8);
                still = xstrdup(buf);
        }
        assert_string_equal(still, "outside\n");
}

static void test_hardlink_lower_limits(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        LayerUnpackResult res;
        Tar t = {0};
        char big[101];
        memset(big, 'b', 100);
        big[100] = '\0';
        tar_add(&t, "big", '0', NULL, big, 0644, 0);
        assert_int_equal(unpack_layer(f, "l1", &t, NULL, NULL, &res, &err), 0);
        LayerLimits lim = layer_limits_default;
        lim.max_total_size = 120;
        const char *const lowers[] = {"l1", NULL};
        /* the copy alone fits; a file after it does not */
        tar_add(&t, "hl", '1', "big", NULL, 0644, 0);
        assert_int_equal(unpack_layer(f, "l2", &t, lowers, &lim, &res, &err), 0);
        assert_int_equal(res.content_size, 100);
        tar_add(&t, "hl", '1', "big", NULL, 0644, 0);
        tar_add(&t, "more", '0', NULL, "twenty-one bytes ...\n", 0644, 0);
        assert_int_equal(unpack_layer(f, "l3", &t, lowers, &lim, &res, &err), -EFBIG);
        error_free(TAKE_PTR(err));
        /* the copy does not fit after the layer's own files */
        lim.max_total_size = 110;
        tar_add(&t, "more", '0', NULL, "twenty-one bytes ...\n", 0644, 0);
        tar_add(&t, "hl", '1', "big", NULL, 0644, 0);
        assert_int_equal(unpack_layer(f, "l4", &t, lowers, &lim, &res, &err), -EFBIG);
        assert_non_null(strstr(err->msg, "copying hardlink target `big`"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_clean),
                cmocka_unit_test(test_whiteout_names),
                cmocka_unit_test_setup_teardown(test_unpack_basic, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_whiteouts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_whiteouts_same_layer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_escapes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_escapes_fallback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_garbage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hardlink_lower, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hardlink_lower_fallback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hardlink_lower_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hardlink_lower_limits, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
