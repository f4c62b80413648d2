/* SPDX-License-Identifier: Apache-2.0 */
/* Image manifests from untrusted archives: docker-archive manifest.json and OCI manifests. */
#include <stdint.h>

#include "storage/digest.h"
#include "storage/image-archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_docker_manifest_ DockerManifest d = {0};
        if (docker_manifest_parse((const char *)data, size, &d, NULL) == 0) {
                for (size_t i = 0; i < d.n; i++) {
                        /* every path must be relative and clean */
                        const char *c = d.entries[i].config;
                        if (!c || c[0] == '/' || STREQ(c, "..") || STARTS_WITH(c, "../"))
                                abort();
                        if (d.entries[i].n_layers == 0)
                                abort();
                }
        }
        _cleanup_oci_manifest_ OciManifest m = {0};
        if (oci_manifest_parse((const char *)data, size, &m, NULL) == 0) {
                if (m.n_layers == 0 || !digest_is_valid(m.config.digest))
                        abort();
                for (size_t i = 0; i < m.n_layers; i++)
                        if (!digest_is_valid(m.layers[i].digest) || m.layers[i].size < 0)
                                abort();
        }
        return 0;
}
