/* SPDX-License-Identifier: Apache-2.0 */
/* OCI linux.seccomp JSON -> libseccomp filter. Builds (and exports) only: never loads. */
#include <stdint.h>

#include "basic/json.h"
#include "runtime/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ JsonValue *v = NULL;
        if (json_parse((const char *)data, size, 1 << 20, &v, NULL) < 0)
                return 0;
        /* accept either the seccomp object or a whole config with linux.seccomp */
        const JsonValue *s = json_get_path(v, "linux", "seccomp", NULL);
        if (!s)
                s = v;
        _cleanup_seccomp_filter_ SeccompFilter *f = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        int r = seccomp_filter_build(s, &f, &err);
        if (r < 0) {
                if (!err || !err->msg || err->code <= 0)
                        abort(); /* a failure always explains itself */
                return 0;
        }
        if (f) {
                void *bpf = NULL;
                size_t len = 0;
                if (seccomp_filter_export_bpf(f, &bpf, &len, NULL) == 0)
                        free(bpf);
        }
        return 0;
}
