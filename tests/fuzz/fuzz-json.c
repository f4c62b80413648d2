/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON reader every record and config loader sits on: parse, serialize, parse again; and
 * the arena parse (JsonDoc) must accept exactly the same documents and give the same tree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ JsonValue *v = NULL;
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_json_doc_ JsonDoc *doc = NULL;
        int r = json_parse((const char *) data, size, 1 << 20, &v, &err);
        int rd = json_parse_doc((const char *) data, size, 1 << 20, &doc, NULL);
        if ((r < 0) != (rd < 0))
                abort();
        if (r < 0)
                return 0;
        _cleanup_free_ char *s = NULL, *sd = NULL;
        int w = json_to_string(v, false, &s, NULL);
        int wd = json_to_string(json_doc_root(doc), false, &sd, NULL);
        if ((w < 0) != (wd < 0))
                abort();
        /* A number that parses to infinity ("1e999") cannot be written back: the generator
         * refuses it by design (records refuse such documents when loaded). */
        if (w < 0)
                return 0;
        if (strcmp(s, sd) != 0)
                abort();
        _cleanup_json_ JsonValue *again = NULL;
        if (json_parse(s, strlen(s), 4 << 20, &again, NULL) < 0)
                abort(); /* what we write we must read back */
        return 0;
}
