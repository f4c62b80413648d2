/* SPDX-License-Identifier: Apache-2.0 */
/* OCI index.json (and nested indexes) and oci-layout from untrusted archives. */
#include <stdint.h>

#include "storage/digest.h"
#include "storage/image-archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_oci_index_ OciIndex x = {0};
        if (oci_index_parse((const char *)data, size, &x, NULL) == 0) {
                if (x.n == 0)
                        abort();
                for (size_t i = 0; i < x.n; i++)
                        if (!digest_is_valid(x.manifests[i].digest) || !x.manifests[i].media_type)
                                abort();
        }
        (void)oci_layout_check((const char *)data, size, NULL);
        return 0;
}
