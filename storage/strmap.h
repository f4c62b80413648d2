/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macro.h"

/* String maps (labels, annotations): a NULL-terminated char ** of alternating keys and values,
 * freed with strv_free(). Small maps, linear lookups; a key appears once (set replaces). */
const char *strmap_get(char *const *m, const char *key);
void strmap_set(char ***m, const char *key, const char *value);
bool strmap_unset(char ***m, const char *key);
size_t strmap_size(char *const *m);
#define STRMAP_FOREACH(k, v, m)                                                                    \
        for (char *const *_p_ = (m), *k = _p_ ? _p_[0] : NULL, *v = _p_ ? _p_[1] : NULL; _p_ && k; \
             _p_ += 2, k = _p_[0], v = k ? _p_[1] : NULL)
