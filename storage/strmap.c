/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/strmap.h"

#include <string.h>

#include "basic/strv.h"
#include "basic/xalloc.h"

const char *strmap_get(char *const *m, const char *key) {
        for (size_t i = 0; m && m[i]; i += 2)
                if (STREQ(m[i], key))
                        return m[i + 1];
        return NULL;
}

void strmap_set(char ***m, const char *key, const char *value) {
        for (size_t i = 0; *m && (*m)[i]; i += 2)
                if (STREQ((*m)[i], key)) {
                        free((*m)[i + 1]);
                        (*m)[i + 1] = xstrdup(value);
                        return;
                }
        size_t n = strv_length(*m);
        *m = xreallocarray(*m, n + 3, sizeof(char *));
        (*m)[n] = xstrdup(key);
        (*m)[n + 1] = xstrdup(value);
        (*m)[n + 2] = NULL;
}

bool strmap_unset(char ***m, const char *key) {
        size_t n = strv_length(*m);
        for (size_t i = 0; i + 1 < n; i += 2)
                if (STREQ((*m)[i], key)) {
                        free((*m)[i]);
                        free((*m)[i + 1]);
                        memmove(*m + i, *m + i + 2, (n - i - 1) * sizeof(char *));
                        if (n == 2)
                                *m = strv_free(*m);
                        return true;
                }
        return false;
}

size_t strmap_size(char *const *m) {
        return strv_length(m) / 2;
}
