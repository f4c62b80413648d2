/* SPDX-License-Identifier: Apache-2.0 */
/* Image configs from untrusted archives, and `--change` lines applied to their config. */
#include <stdint.h>

#include "basic/json.h"
#include "basic/xalloc.h"
#include "storage/digest.h"
#include "storage/image-archive.h"
#include "storage/image-change.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_image_config_ ImageConfig c = {0};
        if (image_config_parse((const char *)data, size, &c, NULL) == 0) {
                for (size_t i = 0; i < c.n_diff_ids; i++)
                        if (!digest_is_valid(c.diff_ids[i]))
                                abort();
        }
        if (size < 4096) {
                _cleanup_free_ char *line = xstrndup((const char *)data, size);
                _cleanup_json_ JsonValue *cfg = json_new_object();
                (void)image_change_apply(cfg, line, NULL);
        }
        return 0;
}
