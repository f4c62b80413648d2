/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON reader every record and config loader sits on: parse, serialize, parse again. */
#include <stdint.h>

#include "basic/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        if (json_parse((const char *) data, size, 1 << 20, &v, &err) < 0)
                return 0;
        _cleanup_free_ char *s = NULL;
        if (json_to_string(v, false, &s, NULL) < 0)
                abort();
        _cleanup_json_ JsonValue *again = NULL;
        if (json_parse(s, strlen(s), 4 << 20, &again, NULL) < 0)
                abort(); /* what we write we must read back */
        return 0;
}
