/* SPDX-License-Identifier: Apache-2.0 */
/* The record loader: every input is tried as a container, a sandbox and an image record. What
 * loads must emit, load again, and emit the same text (what we write we must read back).
 * Inputs are also parsed as filter strings (they come from the CLI and the API) and, when they
 * parse, matched against a container. */
#include <stdint.h>
#include <stdlib.h>

#include "basic/strv.h"
#include "storage/container-store.h"
#include "storage/filter.h"
#include "storage/image-store.h"
#include "storage/record.h"
#include "storage/sandbox-store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const RecordType *type, const uint8_t *data, size_t size) {
        size_t sz = type->table->size;
        void *a = calloc(1, sz), *b = calloc(1, sz);
        if (!a || !b)
                abort();
        if (record_load(type, (const char *)data, size, a, NULL, NULL) >= 0) {
                char *t1 = NULL, *t2 = NULL;
                size_t l1 = 0, l2 = 0;
                if (record_emit(type, a, false, &t1, &l1, NULL) < 0)
                        abort();
                if (record_load(type, t1, l1, b, NULL, NULL) < 0)
                        abort();
                if (record_emit(type, b, false, &t2, &l2, NULL) < 0)
                        abort();
                if (l1 != l2 || memcmp(t1, t2, l1) != 0)
                        abort();
                /* a copy emits the same too */
                record_clear(type->table, b);
                record_copy(type->table, b, a);
                free(t2);
                if (record_emit(type, b, false, &t2, &l2, NULL) < 0 || l1 != l2 ||
                    memcmp(t1, t2, l1) != 0)
                        abort();
                free(t1);
                free(t2);
        }
        record_clear(type->table, a);
        record_clear(type->table, b);
        free(a);
        free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > RECORD_MAX_SIZE)
                return 0;
        round_trip(&container_record_type, data, size);
        round_trip(&sandbox_record_type, data, size);
        round_trip(&image_record_type, data, size);

        if (size > 4096)
                return 0;
        char *s = strndup((const char *)data, size);
        if (!s)
                abort();
        Container c = {};
        c.id = s;
        c.name = s;
        strmap_set(&c.labels, s, s);
        Filter *f = NULL;
        if (filter_parse(s, &f, NULL) == 0)
                (void)filter_match(f, container_store_schema.adaptor, &c);
        filter_free(f);
        char *kvs[] = {s, NULL};
        if (filter_parse_docker(kvs, &f, NULL) == 0)
                (void)filter_match(f, container_store_schema.adaptor, &c);
        filter_free(f);
        strv_free(c.labels);
        free(s);
        return 0;
}
