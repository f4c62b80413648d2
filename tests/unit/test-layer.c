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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_clean),
                cmocka_unit_test(test_whiteout_names),
                cmocka_unit_test_setup_teardown(test_unpack_basic, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_whiteouts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_escapes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_escapes_fallback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unpack_garbage, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
