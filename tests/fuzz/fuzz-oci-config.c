/* SPDX-License-Identifier: Apache-2.0 */
/* config.json reader: any bytes either parse into a config or fail with an error message; the
 * process object alone (exec -p) and linux.resources (update -r) go through the same code. */
#include <stdint.h>

#include "basic/json.h"
#include "runtime/oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        int r = oci_config_parse((const char *)data, size, &c, &err);
        if (r < 0 && (!err || !err->msg || !*err->msg))
                abort(); /* every failure says why */
        if (r >= 0 && (!c || !c->root_path))
                abort();
        _cleanup_json_ JsonValue *v = NULL;
        if (json_parse((const char *)data, size, OCI_CONFIG_MAX_SIZE, &v, NULL) < 0)
                return 0;
        _cleanup_oci_process_ OciProcess *p = NULL;
        _cleanup_error_ WarrenError *perr = NULL;
        if (oci_process_from_json(json_get(v, "process"), "process", &p, &perr) < 0 &&
            (!perr || !perr->msg))
                abort();
        const JsonValue *res = json_get_path(v, "linux", "resources", NULL);
        if (res) {
                OciResources rs = {};
                (void)oci_resources_from_json(res, "linux.resources", &rs, NULL);
                oci_resources_done(&rs);
        }
        return 0;
}
