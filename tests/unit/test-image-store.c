/* SPDX-License-Identifier: Apache-2.0 */
/* Image records: round trip, lookups by tag, digest, id and prefix, and tags that move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/image-store.h"

#define ID_A "sha256:aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111"
#define ID_B "sha256:bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222"
#define ID_C "sha256:aaab3333aaab3333aaab3333aaab3333aaab3333aaab3333aaab3333aaab3333"

typedef struct Fixture {
        char dir[64];
        ImageStore *is;
} Fixture;

static int setup(void **state) {
        Fixture *f = xnew(Fixture, 1);
        strcpy(f->dir, "/tmp/warren-test-img-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        _cleanup_free_ char *sub = path_join(f->dir, "images");
        assert_int_equal(image_store_open(sub, &f->is, NULL), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        image_store_free(f->is);
        rm_rf(f->dir, NULL);
        free(f);
        return 0;
}

static void create(Fixture *f, const char *id, const char *tag, const char *digest) {
        Image img = {};
        img.id = xstrdup(id);
        if (tag)
                strv_push(&img.repo_tags, tag);
        if (digest)
                strv_push(&img.repo_digests, digest);
        img.size = 1234;
        _cleanup_error_ WarrenError *err = NULL;
        if (image_store_create(f->is, &img, &err) < 0)
                fail_msg("create: %s", err->msg);
        image_clear(&img);
}

/* The id holding `ref`, or "" */
static const char *who(Fixture *f, const char *ref) {
        static char buf[128];
        Image img = {};
        buf[0] = 0;
        if (image_store_get(f->is, ref, &img, NULL) == 0)
                snprintf(buf, sizeof(buf), "%s", img.id);
        image_clear(&img);
        return buf;
}

static size_t tags_of(Fixture *f, const char *id) {
        Image img = {};
        assert_int_equal(image_store_get(f->is, id, &img, NULL), 0);
        size_t n = strv_length(img.repo_tags);
        image_clear(&img);
        return n;
}

static void test_round_trip(void **state) {
        Fixture *f = *state;
        Image img = {}, back = {};
        img.id = xstrdup(ID_A);
        img.chain_id = xstrdup("sha256:chain");
        strv_push(&img.repo_tags, "docker.io/library/alpine:3.19");
        strv_push(&img.repo_tags, "localhost/mine:v1");
        strv_push(&img.repo_digests, "docker.io/library/alpine@sha256:dddd");
        img.size = 3400000;
        const char *cfg =
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
                "[\"PATH=/bin\"],\"Labels\":{\"org.opencontainers.image.title\":\"alp\"}},"
                "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:l1\"]}}";
        assert_int_equal(json_parse(cfg, strlen(cfg), 0, &img.config, NULL), 0);
        img.n_layers = 1;
        img.layers = xnew(ImageLayer, 1);
        img.layers[0].diff_id = xstrdup("sha256:l1");
        img.layers[0].digest = xstrdup("sha256:b1");
        img.layers[0].media_type = xstrdup("application/vnd.oci.image.layer.v1.tar+gzip");
        img.layers[0].size = 3300000;
        img.created_at = 1700000000000000000LL;
        img.updated_at = 1700000000000000000LL;
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(record_emit(&image_record_type, &img, false, &a, NULL, &err), 0);
        assert_int_equal(record_load(&image_record_type, a, strlen(a), &back, NULL, &err), 1);
        assert_int_equal(record_emit(&image_record_type, &back, false, &b, NULL, &err), 0);
        assert_string_equal(a, b);
        assert_string_equal(image_label(&back, "org.opencontainers.image.title"), "alp");
        assert_null(image_label(&back, "nope"));

        assert_int_equal(image_store_create(f->is, &img, &err), 0);
        Image got = {};
        assert_int_equal(image_store_get(f->is, "localhost/mine:v1", &got, &err), 0);
        got.updated_at = img.updated_at;
        assert_int_equal(record_emit(&image_record_type, &got, false, &c, NULL, &err), 0);
        assert_string_equal(a, c);
        image_clear(&got);
        image_clear(&img);
        image_clear(&back);
}

static void test_lookups(void **state) {
        Fixture *f = *state;
        create(f, ID_A, "docker.io/library/alpine:latest", "docker.io/library/alpine@sha256:1111");
        create(f, ID_B, "quay.io/x/y:1", NULL);
        create(f, ID_C, NULL, NULL);
        assert_string_equal(who(f, "docker.io/library/alpine:latest"), ID_A);
        assert_string_equal(who(f, "docker.io/library/alpine@sha256:1111"), ID_A);
        assert_string_equal(who(f, ID_B), ID_B);
        assert_string_equal(who(f, ID_B + 7), ID_B); /* bare hex */
        assert_string_equal(who(f, "bbbb"), ID_B);
        assert_string_equal(who(f, "sha256:bb"), ID_B);
        assert_string_equal(who(f, "aaab"), ID_C);
        assert_string_equal(who(f, "alpine"), "");
        Image img = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(image_store_get(f->is, "aaa", &img, &err), -ENOTUNIQ);
        assert_true(store_is_ambiguous(err));
        error_free(TAKE_PTR(err));
        assert_int_equal(image_store_get(f->is, "nope:latest", &img, &err), -ENOENT);
        assert_true(store_is_not_found(err));
        error_free(TAKE_PTR(err));
        /* the same id twice */
        img.id = xstrdup(ID_A);
        assert_int_equal(image_store_create(f->is, &img, &err), -EEXIST);
        assert_true(store_is_id_conflict(err));
        image_clear(&img);
}

static void test_tags_move(void **state) {
        Fixture *f = *state;
        create(f, ID_A, "alpine:latest", NULL);
        /* a new pull of alpine:latest takes the tag */
        create(f, ID_B, "alpine:latest", NULL);
        assert_string_equal(who(f, "alpine:latest"), ID_B);
        assert_int_equal(tags_of(f, ID_A), 0);
        assert_int_equal(tags_of(f, ID_B), 1);

        _cleanup_error_ WarrenError *err = NULL;
        /* tag moves back */
        assert_int_equal(image_store_tag(f->is, ID_A, "alpine:latest", &err), 0);
        assert_string_equal(who(f, "alpine:latest"), ID_A);
        assert_int_equal(tags_of(f, ID_B), 0);
        /* tagging again is a no-op */
        assert_int_equal(image_store_tag(f->is, "alpine:latest", "alpine:latest", &err), 0);
        assert_int_equal(tags_of(f, ID_A), 1);
        /* a second tag, by prefix */
        assert_int_equal(image_store_tag(f->is, "aaaa", "registry:5000/team/alpine:prod", &err), 0);
        assert_int_equal(tags_of(f, ID_A), 2);
        assert_string_equal(who(f, "registry:5000/team/alpine:prod"), ID_A);
        /* a digest reference goes to repo_digests */
        assert_int_equal(image_store_tag(f->is, ID_B, "alpine@sha256:9999", &err), 0);
        Image img = {};
        assert_int_equal(image_store_get(f->is, "alpine@sha256:9999", &img, &err), 0);
        assert_string_equal(img.repo_digests[0], "alpine@sha256:9999");
        assert_null(img.repo_tags);
        image_clear(&img);

        /* untag */
        assert_int_equal(image_store_untag(f->is, "alpine:latest", &err), 0);
        assert_string_equal(who(f, "alpine:latest"), "");
        assert_int_equal(tags_of(f, ID_A), 1);
        assert_int_equal(image_store_untag(f->is, "alpine:latest", &err), -ENOENT);
        assert_true(store_is_not_found(err));
        error_free(TAKE_PTR(err));
        assert_int_equal(image_store_tag(f->is, "nope", "x:y", &err), -ENOENT);
        error_free(TAKE_PTR(err));
        assert_int_equal(image_store_tag(f->is, ID_A, "bad\ntag", &err), -EINVAL);
        error_free(TAKE_PTR(err));

        /* dangling filter */
        _cleanup_filter_ Filter *flt = NULL;
        assert_int_equal(filter_parse("dangling==true", &flt, &err), 0);
        StoreList l = {};
        assert_int_equal(image_store_list(f->is, flt, &l, &err), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(IMAGE_LIST_AT(&l, 0)->id, ID_B);
        store_list_clear(&l);
        filter_free(TAKE_PTR(flt));
        assert_int_equal(
                filter_parse_docker((char *[]){"reference=registry:5000/team/alpine:prod", NULL},
                                    &flt, &err),
                0);
        assert_int_equal(image_store_list(f->is, flt, &l, &err), 0);
        assert_int_equal(l.n, 1);
        store_list_clear(&l);

        /* delete frees the tags */
        assert_int_equal(image_store_delete(f->is, "registry:5000/team/alpine:prod", &err), 0);
        assert_string_equal(who(f, "registry:5000/team/alpine:prod"), "");
        create(f, ID_C, "registry:5000/team/alpine:prod", NULL);
        assert_string_equal(who(f, "registry:5000/team/alpine:prod"), ID_C);
}

/* A writer killed between flipping the index and rewriting the old holder leaves the old
 * record still listing the tag: readers must show it on the new image only. */
static void test_half_moved_tag(void **state) {
        Fixture *f = *state;
        create(f, ID_A, "app:1", NULL);
        create(f, ID_B, "other:1", NULL);
        /* simulate: B's file names app:1 and the index points at B, A's file still names it */
        _cleanup_free_ char *link = path_join(store_path(image_store_base(f->is)), "names/app:1");
        assert_int_equal(unlink(link), 0);
        assert_int_equal(symlink(ID_B, link), 0);
        Image b = {};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(image_store_get(f->is, ID_B, &b, &err), 0);
        strv_push(&b.repo_tags, "app:1");
        _cleanup_free_ char *text = NULL;
        assert_int_equal(record_emit(&image_record_type, &b, false, &text, NULL, &err), 0);
        _cleanup_free_ char *file =
                xasprintf("%s/%s.json", store_path(image_store_base(f->is)), ID_B);
        assert_int_equal(write_file_atomic(file, text, strlen(text), 0600, &err), 0);
        image_clear(&b);

        assert_string_equal(who(f, "app:1"), ID_B);
        StoreList l = {};
        assert_int_equal(image_store_list(f->is, NULL, &l, &err), 0);
        assert_int_equal(l.n, 2);
        assert_null(IMAGE_LIST_AT(&l, 0)->repo_tags); /* A */
        assert_int_equal(strv_length(IMAGE_LIST_AT(&l, 1)->repo_tags), 2);
        store_list_clear(&l);
        assert_int_equal(tags_of(f, ID_A), 0);
}

/* A tag held by an image whose file does not parse cannot move (that file cannot be rewritten
 * without losing it): the create or tag fails before writing anything. */
static void test_tag_held_by_broken_image(void **state) {
        Fixture *f = *state;
        create(f, ID_A, "app:1", NULL);
        create(f, ID_C, NULL, NULL);
        _cleanup_free_ char *file =
                xasprintf("%s/%s.json", store_path(image_store_base(f->is)), ID_A);
        const char *torn = "{\"version\":1,\"id\":\"" ID_A "\",\"repo_tags\":[\"app:1\"";
        assert_int_equal(write_file_atomic(file, torn, strlen(torn), 0600, NULL), 0);

        Image img = {};
        img.id = xstrdup(ID_B);
        strv_push(&img.repo_tags, "app:1");
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(image_store_create(f->is, &img, &err), -EEXIST);
        assert_true(store_is_name_conflict(err));
        assert_non_null(strstr(err->msg, "does not parse"));
        error_free(TAKE_PTR(err));
        image_clear(&img);
        assert_string_equal(who(f, ID_B), "");
        assert_int_equal(image_store_tag(f->is, ID_C, "app:1", &err), -EEXIST);
        assert_true(store_is_name_conflict(err));
        error_free(TAKE_PTR(err));
        assert_int_equal(tags_of(f, ID_C), 0);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(read_file_capped(file, 4096, &text, NULL, NULL), 0);
        assert_string_equal(text, torn);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tags_move, setup, teardown),
                cmocka_unit_test_setup_teardown(test_half_moved_tag, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tag_held_by_broken_image, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
