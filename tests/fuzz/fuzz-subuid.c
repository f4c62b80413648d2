/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/subuid and /etc/subgid: parse for a user, build the rootless map from what was found, and
 * check the result is a map the kernel would take. Also parse the same bytes as uid_map text. */
#include <stdint.h>

#include "userns/idmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_subid_list_ SubIdList l = {0};
        if (idmap_subid_parse((const char *)data, size, "fuzz", "alice", 1000, &l, NULL) < 0)
                return 0;
        for (size_t i = 0; i < l.n; i++)
                if (l.ranges[i].count == 0 ||
                    (uint64_t)l.ranges[i].start + l.ranges[i].count > UINT32_MAX)
                        abort();
        _cleanup_idmap_ IdMap m = {0};
        idmap_build_rootless(1000, &l, &m);
        if (idmap_validate(&m, NULL, NULL) < 0)
                abort(); /* the builder must only produce valid maps */

        /* the same bytes as kernel uid_map text: what we format we must parse back */
        _cleanup_free_ char *text = malloc(size + 1);
        if (!text)
                abort();
        memcpy(text, data, size);
        text[size] = 0;
        _cleanup_idmap_ IdMap k = {0};
        if (idmap_parse_kernel(text, NULL, &k, NULL) == 0) {
                _cleanup_free_ char *out = idmap_format_kernel(&k);
                _cleanup_idmap_ IdMap again = {0};
                if (idmap_parse_kernel(out, NULL, &again, NULL) < 0 || !idmap_equal(&k, &again))
                        abort();
        }
        return 0;
}
