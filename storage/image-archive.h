/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

/*
 * The documents of image archives, parsed from untrusted bytes (pure logic; fuzzed):
 *   docker-archive (`docker save`): manifest.json, repositories, the config;
 *   OCI image layout/archive: oci-layout, index.json, manifests, the config.
 * Every input is size-capped (IMAGE_DOC_MAX) before parsing; paths are checked to stay inside
 * the archive; digests are validated; an unknown layer media type is ENOTSUP.
 */
typedef struct JsonValue JsonValue;

#define IMAGE_DOC_MAX (4U * 1024U * 1024U)
#define IMAGE_MAX_LAYERS 1024

#define MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define OCI_LAYOUT_VERSION "1.0.0"
#define ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define ANNOTATION_IMAGE_NAME "io.containerd.image.name"

typedef enum LayerCompression {
        LAYER_COMPRESSION_NONE,
        LAYER_COMPRESSION_GZIP,
        LAYER_COMPRESSION_ZSTD,
} LayerCompression;

/* Known layer media types (OCI, OCI non-distributable, docker). Unknown: ENOTSUP. */
int image_layer_media_type(const char *media_type, LayerCompression *ret, WarrenError **err);
/* The OCI media type for a compression. */
const char *image_layer_media_type_for(LayerCompression c);

typedef struct OciDescriptor {
        char *media_type;
        char *digest;
        int64_t size;
        char *ref_name;   /* org.opencontainers.image.ref.name, if any */
        char *image_name; /* io.containerd.image.name, if any */
        char *os;         /* platform, if any */
        char *architecture;
} OciDescriptor;

void oci_descriptor_done(OciDescriptor *d);

typedef struct OciIndex {
        OciDescriptor *manifests;
        size_t n;
} OciIndex;
void oci_index_done(OciIndex *x);
#define _cleanup_oci_index_ _cleanup_(oci_index_done)
/* index.json (or a nested image index): schemaVersion 2, descriptors valid. An empty list is
 * EINVAL ("index lists no manifests"). */
int oci_index_parse(const char *buf, size_t len, OciIndex *ret, WarrenError **err);

typedef struct OciManifest {
        char *media_type;
        OciDescriptor config;
        OciDescriptor *layers;
        LayerCompression *compression; /* per layer */
        size_t n_layers;
} OciManifest;
void oci_manifest_done(OciManifest *m);
#define _cleanup_oci_manifest_ _cleanup_(oci_manifest_done)
/* An image manifest (OCI or docker schema 2). No layers is EINVAL; an unknown layer media type
 * is ENOTSUP. */
int oci_manifest_parse(const char *buf, size_t len, OciManifest *ret, WarrenError **err);

/* oci-layout: {"imageLayoutVersion": "1.0.0"} (other 1.x accepted). */
int oci_layout_check(const char *buf, size_t len, WarrenError **err);

typedef struct DockerManifestEntry {
        char *config;     /* path inside the archive */
        char **repo_tags; /* may be empty */
        char **layers;    /* paths inside the archive */
        size_t n_layers;
} DockerManifestEntry;

typedef struct DockerManifest {
        DockerManifestEntry *entries;
        size_t n;
} DockerManifest;
void docker_manifest_done(DockerManifest *m);
#define _cleanup_docker_manifest_ _cleanup_(docker_manifest_done)
/* manifest.json of a docker-archive: a non-empty array of {Config, RepoTags, Layers}. */
int docker_manifest_parse(const char *buf, size_t len, DockerManifest *ret, WarrenError **err);

typedef struct ImageConfig {
        JsonValue *doc; /* the whole document, as is */
        char **diff_ids;
        size_t n_diff_ids;
        const char *os;           /* borrowed from doc */
        const char *architecture; /* borrowed from doc */
        const char *created;      /* borrowed from doc */
} ImageConfig;
void image_config_done(ImageConfig *c);
#define _cleanup_image_config_ _cleanup_(image_config_done)
/* An image config: an object whose rootfs is {"type":"layers","diff_ids":[digests]}. */
int image_config_parse(const char *buf, size_t len, ImageConfig *ret, WarrenError **err);

/* A path inside an archive (docker-archive manifest entries): relative, no "..", cleaned. */
int image_archive_path_check(const char *path, char **ret_clean, WarrenError **err);

/* Normalise a user-given image name: "alpine" -> "alpine:latest"; a digest reference
 * ("name@sha256:...") is kept. Invalid names (spaces, control characters, upper case in the
 * repository, empty parts) are EINVAL. */
int image_name_normalize(const char *name, char **ret, WarrenError **err);
/* Split a normalised "repo:tag" into its parts ("<none>" for absent ones); the caller frees. */
void image_name_split(const char *name, char **ret_repo, char **ret_tag);
