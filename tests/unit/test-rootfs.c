/* SPDX-License-Identifier: Apache-2.0 */
/* Root filesystems with the vfs driver (whiteouts and opaque directories applied when copying),
 * reference counts, what gc keeps, and driver names and overrides. The mounting drivers need a
 * user namespace and are covered by tests/integration/images.bats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/image-storage.h"
#include "storage/image-store.h"
#include "storage/layer-store.h"
#include "storage/rootfs.h"

#define IMAGE_ID "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* A minimal ustar writer. */
static void tar_add(char **buf, size_t *len, const char *name, char type, const char *link,
                    const char *data) {
        size_t dlen = data ? strlen(data) : 0, pad = (dlen + 511) / 512 * 512;
        *buf = xrealloc(*buf, *len + 512 + pad);
        char *h = *buf + *len;
        memset(h, 0, 512 + pad);
        snprintf(h, 100, "%s", name);
        memcpy(h + 100, "0000644", 7);
        memcpy(h + 108, "0000000", 7);
        memcpy(h + 116, "0000000", 7);
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%011zo", dlen);
        memcpy(h + 124, tmp, 11);
        memcpy(h + 136, "14524576000", 11);
        h[156] = type;
        if (link)
                snprintf(h + 157, 100, "%s", link);
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
                sum += (unsigned char)h[i];
        snprintf(tmp, sizeof(tmp), "%06o", sum);
        memcpy(h + 148, tmp, 7);
        if (data)
                memcpy(h + 512, data, dlen);
        *len += 512 + pad;
}

static char *stage_layer(ImageStorage *s, char *buf, size_t len) {
        buf = xrealloc(buf, len + 1024);
        memset(buf + len, 0, 1024);
        int fd = memfd_create("layer", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, buf, len + 1024), 0);
        free(buf);
        lseek(fd, 0, SEEK_SET);
        LayerStage *st = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(layer_stage_new(s->layers, &st, &err), 0);
        LayerUnpackResult res;
        assert_int_equal(layer_stage_unpack(st, fd, NULL, &res, &err), 0);
        assert_int_equal(layer_stage_commit(st, res.diff_id, &err), 0);
        layer_stage_free(st);
        close(fd);
        return xstrdup(res.diff_id);
}

typedef struct Fixture {
        char dir[64];
        ImageStorage *s;
        char *l1, *l2;
} Fixture;

static int setup(void **state) {
        Fixture *f = xnew(Fixture, 1);
        strcpy(f->dir, "/tmp/test-rootfs-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(image_storage_open(f->dir, true, &f->s, NULL), 0);
        char *b = NULL;
        size_t n = 0;
        tar_add(&b, &n, "etc/hello", '0', NULL, "hello\n");
        tar_add(&b, &n, "etc/gone", '0', NULL, "deleted above\n");
        tar_add(&b, &n, "opq/lower", '0', NULL, "hidden above\n");
        tar_add(&b, &n, "data/a", '0', NULL, "linked\n");
        tar_add(&b, &n, "data/b", '1', "data/a", NULL);
        f->l1 = stage_layer(f->s, b, n);
        b = NULL;
        n = 0;
        tar_add(&b, &n, "etc/.wh.gone", '0', NULL, NULL);
        tar_add(&b, &n, "opq/.wh..wh..opq", '0', NULL, NULL);
        tar_add(&b, &n, "opq/upper", '0', NULL, "visible\n");
        f->l2 = stage_layer(f->s, b, n);
        Image img = {0};
        img.id = xstrdup(IMAGE_ID);
        strv_push(&img.repo_tags, "test/rootfs:latest");
        img.n_layers = 2;
        img.layers = xnew(ImageLayer, 2);
        img.layers[0].diff_id = xstrdup(f->l1);
        img.layers[1].diff_id = xstrdup(f->l2);
        assert_int_equal(image_store_create(f->s->images, &img, NULL), 0);
        image_clear(&img);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        image_storage_free(f->s);
        rm_rf(f->dir, NULL);
        free(f->l1);
        free(f->l2);
        free(f);
        unsetenv("WARREN_STORAGE_DRIVER");
        return 0;
}

static bool exists(const char *dir, const char *rel) {
        _cleanup_free_ char *p = path_join(dir, rel);
        struct stat st;
        return lstat(p, &st) == 0;
}

static void test_vfs_merged_view(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(rootfs_create(f->s, "c1", IMAGE_ID, ROOTFS_DRIVER_VFS, &err), 0);
        assert_int_equal(rootfs_create(f->s, "c1", IMAGE_ID, ROOTFS_DRIVER_VFS, &err), -EEXIST);
        error_free(TAKE_PTR(err));
        _cleanup_free_ char *merged = NULL;
        assert_int_equal(rootfs_mount(f->s, "c1", &merged, &err), 0);
        assert_true(exists(merged, "etc/hello"));
        assert_false(exists(merged, "etc/gone"));
        assert_false(exists(merged, "opq/lower"));
        assert_true(exists(merged, "opq/upper"));
        struct stat a, b;
        _cleanup_free_ char *pa = path_join(merged, "data/a"), *pb = path_join(merged, "data/b");
        assert_int_equal(stat(pa, &a), 0);
        assert_int_equal(stat(pb, &b), 0);
        assert_true(a.st_ino == b.st_ino);
        /* the layers are untouched */
        _cleanup_free_ char *l1 = layer_store_diff_path(f->s->layers, f->l1);
        assert_true(exists(l1, "etc/gone"));
        /* references */
        _cleanup_free_ char *again = NULL;
        assert_int_equal(rootfs_mount(f->s, "c1", &again, &err), 0);
        _cleanup_free_ char *count = NULL;
        _cleanup_free_ char *cpath = xasprintf("%s/rootfs/c1/mounts", f->dir);
        size_t len = 0;
        assert_int_equal(read_file_capped(cpath, 64, &count, &len, NULL), 0);
        assert_int_equal(atoi(count), 2);
        assert_int_equal(rootfs_unmount(f->s, "c1", &err), 0);
        assert_int_equal(rootfs_unmount(f->s, "c1", &err), 0);
        assert_int_equal(rootfs_mount(f->s, "../x", &again, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(rootfs_create(f->s, "c2", "sha256:nope", ROOTFS_DRIVER_VFS, &err),
                         -ENOENT);
}

static void test_gc_keeps_what_rootfs_uses(void **state) {
        Fixture *f = *state;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(rootfs_create(f->s, "c1", IMAGE_ID, ROOTFS_DRIVER_VFS, &err), 0);
        _cleanup_strv_ char **images = NULL, **layers = NULL;
        assert_int_equal(rootfs_used_images(f->s, &images, &err), 0);
        assert_true(strv_contains(images, IMAGE_ID));
        assert_int_equal(rootfs_used_layers(f->s, &layers, &err), 0);
        assert_true(strv_contains(layers, f->l1) && strv_contains(layers, f->l2));
        _cleanup_strv_ char **in_use = NULL;
        assert_int_equal(image_storage_images_in_use(f->s, &in_use, &err), 0);
        assert_true(strv_contains(in_use, IMAGE_ID));
        /* the image goes; its layers stay while the rootfs uses them */
        assert_int_equal(image_store_delete(f->s->images, IMAGE_ID, &err), 0);
        assert_int_equal(image_storage_gc(f->s, NULL, &err), 0);
        assert_true(layer_store_has(f->s->layers, f->l1));
        assert_int_equal(rootfs_remove(f->s, "c1", &err), 0);
        assert_int_equal(image_storage_gc(f->s, NULL, &err), 0);
        assert_false(layer_store_has(f->s->layers, f->l1));
        assert_false(layer_store_has(f->s->layers, f->l2));
}

static void test_driver_names(void **state) {
        Fixture *f = *state;
        RootfsDriver d;
        assert_int_equal(rootfs_driver_from_string("overlay", &d, NULL), 0);
        assert_int_equal(d, ROOTFS_DRIVER_OVERLAY);
        assert_int_equal(rootfs_driver_from_string("overlay2", &d, NULL), 0);
        assert_int_equal(d, ROOTFS_DRIVER_OVERLAY);
        assert_int_equal(rootfs_driver_from_string("fuse-overlayfs", &d, NULL), 0);
        assert_int_equal(d, ROOTFS_DRIVER_FUSE_OVERLAYFS);
        assert_int_equal(rootfs_driver_from_string("btrfs", &d, NULL), -EINVAL);
        assert_string_equal(rootfs_driver_to_string(ROOTFS_DRIVER_VFS), "vfs");
        _cleanup_free_ char *why = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(rootfs_driver_choose(f->s, "vfs", &d, &why, &err), 0);
        assert_int_equal(d, ROOTFS_DRIVER_VFS);
        assert_non_null(strstr(why, "--storage-driver"));
        free(TAKE_PTR(why));
        setenv("WARREN_STORAGE_DRIVER", "fuse-overlayfs", 1);
        assert_int_equal(rootfs_driver_choose(f->s, NULL, &d, &why, &err), 0);
        assert_int_equal(d, ROOTFS_DRIVER_FUSE_OVERLAYFS);
        setenv("WARREN_STORAGE_DRIVER", "nope", 1);
        assert_int_equal(rootfs_driver_choose(f->s, NULL, &d, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "unknown storage driver"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_vfs_merged_view, setup, teardown),
                cmocka_unit_test_setup_teardown(test_gc_keeps_what_rootfs_uses, setup, teardown),
                cmocka_unit_test_setup_teardown(test_driver_names, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
