/* SPDX-License-Identifier: Apache-2.0 */
/* Image archive documents (docker manifest.json, OCI index and manifest, config), names, and
 * `import --change`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/json.h"
#include "basic/strv.h"
#include "storage/image-archive.h"
#include "storage/image-change.h"

#define D1 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D2 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_docker_manifest(void **state) {
        const char *doc = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"a:1\",\"b:2\"],"
                          "\"Layers\":[\"l1/layer.tar\",\"./l2/layer.tar\"]}]";
        _cleanup_docker_manifest_ DockerManifest m = {0};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(docker_manifest_parse(doc, strlen(doc), &m, &err), 0);
        assert_int_equal(m.n, 1);
        assert_string_equal(m.entries[0].config, "abc.json");
        assert_int_equal(m.entries[0].n_layers, 2);
        assert_string_equal(m.entries[0].layers[1], "l2/layer.tar");
        assert_int_equal(strv_length(m.entries[0].repo_tags), 2);
        const char *bad[] = {
                "{}",
                "[]",
                "[{\"Config\":\"c.json\",\"Layers\":[]}]",
                "[{\"Layers\":[\"x\"]}]",
                "[{\"Config\":\"../c.json\",\"Layers\":[\"x\"]}]",
                "[{\"Config\":\"c.json\",\"Layers\":[\"/etc/passwd\"]}]",
                "[{\"Config\":\"c.json\",\"Layers\":[1]}]",
                "not json",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_docker_manifest_ DockerManifest x = {0};
                _cleanup_error_ WarrenError *e = NULL;
                assert_true(docker_manifest_parse(bad[i], strlen(bad[i]), &x, &e) < 0);
                assert_non_null(e);
        }
}

static void test_oci_index_and_manifest(void **state) {
        const char *idx =
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST
                "\",\"digest\":\"" D1 "\",\"size\":10,\"annotations\":{\"" ANNOTATION_IMAGE_NAME
                "\":\"x/y:1\"},\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
        _cleanup_oci_index_ OciIndex x = {0};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(oci_index_parse(idx, strlen(idx), &x, &err), 0);
        assert_int_equal(x.n, 1);
        assert_string_equal(x.manifests[0].image_name, "x/y:1");
        assert_string_equal(x.manifests[0].architecture, "amd64");
        const char *man = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MEDIA_TYPE_OCI_CONFIG
                          "\",\"digest\":\"" D1
                          "\",\"size\":2},\"layers\":[{\"mediaType\":\"" MEDIA_TYPE_OCI_LAYER_ZSTD
                          "\",\"digest\":\"" D2 "\",\"size\":3}]}";
        _cleanup_oci_manifest_ OciManifest m = {0};
        assert_int_equal(oci_manifest_parse(man, strlen(man), &m, &err), 0);
        assert_int_equal(m.n_layers, 1);
        assert_int_equal(m.compression[0], LAYER_COMPRESSION_ZSTD);
        const char *evil = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MEDIA_TYPE_OCI_CONFIG
                           "\",\"digest\":\"" D1
                           "\",\"size\":2},\"layers\":[{\"mediaType\":\"application/x-evil\""
                           ",\"digest\":\"" D2 "\",\"size\":3}]}";
        _cleanup_oci_manifest_ OciManifest m2 = {0};
        assert_int_equal(oci_manifest_parse(evil, strlen(evil), &m2, &err), -ENOTSUP);
        assert_non_null(strstr(err->msg, "application/x-evil"));
        error_free(TAKE_PTR(err));
        const char *nolayers =
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MEDIA_TYPE_OCI_CONFIG
                "\",\"digest\":\"" D1 "\",\"size\":2},\"layers\":[]}";
        assert_int_equal(oci_manifest_parse(nolayers, strlen(nolayers), &m2, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "no layers"));
        error_free(TAKE_PTR(err));
        const char *baddigest = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a\","
                                "\"digest\":\"sha256:zz\",\"size\":1}]}";
        _cleanup_oci_index_ OciIndex y = {0};
        assert_int_equal(oci_index_parse(baddigest, strlen(baddigest), &y, &err), -EINVAL);
        error_free(TAKE_PTR(err));
        const char *v1 = "{\"schemaVersion\":1,\"manifests\":[]}";
        assert_int_equal(oci_index_parse(v1, strlen(v1), &y, &err), -ENOTSUP);
        error_free(TAKE_PTR(err));
        assert_int_equal(oci_layout_check("{\"imageLayoutVersion\":\"1.0.0\"}", 30, &err), 0);
        assert_int_equal(oci_layout_check("{\"imageLayoutVersion\":\"2.0\"}", 28, &err), -ENOTSUP);
}

static void test_config(void **state) {
        const char *cfg =
                "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\","
                "\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},\"config\":{\"Cmd\":[\"sh\"]}}";
        _cleanup_image_config_ ImageConfig c = {0};
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(image_config_parse(cfg, strlen(cfg), &c, &err), 0);
        assert_int_equal(c.n_diff_ids, 2);
        assert_string_equal(c.diff_ids[1], D2);
        assert_string_equal(c.os, "linux");
        const char *bad[] = {
                "this { is not json",
                "[]",
                "{}",
                "{\"rootfs\":{\"type\":\"other\",\"diff_ids\":[]}}",
                "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:abc\"]}}",
                "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":5}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_image_config_ ImageConfig x = {0};
                _cleanup_error_ WarrenError *e = NULL;
                assert_true(image_config_parse(bad[i], strlen(bad[i]), &x, &e) < 0);
                assert_non_null(e);
        }
}

static void test_media_types(void **state) {
        LayerCompression c;
        assert_int_equal(image_layer_media_type(MEDIA_TYPE_DOCKER_LAYER, &c, NULL), 0);
        assert_int_equal(c, LAYER_COMPRESSION_GZIP);
        assert_int_equal(image_layer_media_type(MEDIA_TYPE_OCI_LAYER, &c, NULL), 0);
        assert_int_equal(c, LAYER_COMPRESSION_NONE);
        assert_int_equal(image_layer_media_type("text/plain", &c, NULL), -ENOTSUP);
        assert_string_equal(image_layer_media_type_for(LAYER_COMPRESSION_ZSTD),
                            MEDIA_TYPE_OCI_LAYER_ZSTD);
}

static void test_names(void **state) {
        char *n = NULL;
        assert_int_equal(image_name_normalize("alpine", &n, NULL), 0);
        assert_string_equal(n, "alpine:latest");
        free(n);
        assert_int_equal(image_name_normalize("localhost:5000/a/b:v1", &n, NULL), 0);
        assert_string_equal(n, "localhost:5000/a/b:v1");
        free(n);
        assert_int_equal(image_name_normalize("localhost:5000/a", &n, NULL), 0);
        assert_string_equal(n, "localhost:5000/a:latest");
        free(n);
        assert_int_equal(image_name_normalize("a@" D1, &n, NULL), 0);
        free(n);
        assert_true(image_name_normalize("Upper", &n, NULL) < 0);
        assert_true(image_name_normalize("a b", &n, NULL) < 0);
        assert_true(image_name_normalize("a:", &n, NULL) < 0);
        assert_true(image_name_normalize("", &n, NULL) < 0);
        assert_true(image_name_normalize("a@sha256:zz", &n, NULL) < 0);
        char *repo = NULL, *tag = NULL;
        image_name_split("reg:5000/x/y:t", &repo, &tag);
        assert_string_equal(repo, "reg:5000/x/y");
        assert_string_equal(tag, "t");
        free(repo);
        free(tag);
}

static void test_changes(void **state) {
        _cleanup_json_ JsonValue *cfg = json_new_object();
        _cleanup_error_ WarrenError *err = NULL;
        assert_int_equal(image_change_apply(cfg, "CMD [\"/bin/sh\",\"-c\",\"x\"]", &err), 0);
        assert_int_equal(json_length(json_get(cfg, "Cmd")), 3);
        assert_int_equal(image_change_apply(cfg, "ENTRYPOINT echo hi", &err), 0);
        assert_string_equal(json_string(json_at(json_get(cfg, "Entrypoint"), 2)), "echo hi");
        assert_int_equal(image_change_apply(cfg, "ENV A=1 B=\"two words\"", &err), 0);
        assert_int_equal(image_change_apply(cfg, "env A 3", &err), 0);
        const JsonValue *env = json_get(cfg, "Env");
        assert_int_equal(json_length(env), 2);
        assert_string_equal(json_string(json_at(env, 0)), "B=two words");
        assert_string_equal(json_string(json_at(env, 1)), "A=3");
        assert_int_equal(image_change_apply(cfg, "WORKDIR /srv", &err), 0);
        assert_string_equal(json_string(json_get(cfg, "WorkingDir")), "/srv");
        assert_int_equal(image_change_apply(cfg, "USER 1000:1000", &err), 0);
        assert_int_equal(image_change_apply(cfg, "LABEL a=b c=\"d e\"", &err), 0);
        assert_string_equal(json_string(json_get_path(cfg, "Labels", "c", (const char *)NULL)),
                            "d e");
        assert_int_equal(image_change_apply(cfg, "EXPOSE 80 53/udp", &err), 0);
        assert_non_null(json_get_path(cfg, "ExposedPorts", "80/tcp", (const char *)NULL));
        assert_non_null(json_get_path(cfg, "ExposedPorts", "53/udp", (const char *)NULL));
        assert_int_equal(image_change_apply(cfg, "EXPOSE 70000", &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(image_change_apply(cfg, "RUN rm -rf /", &err), -ENOTSUP);
        error_free(TAKE_PTR(err));
        assert_int_equal(image_change_apply(cfg, "WORKDIR relative", &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(image_change_apply(cfg, "CMD [1,2]", &err), -EINVAL);
        error_free(TAKE_PTR(err));
        assert_int_equal(image_change_apply(cfg, "LABEL novalue", &err), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_docker_manifest),
                cmocka_unit_test(test_oci_index_and_manifest),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_media_types),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_changes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
