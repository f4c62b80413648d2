/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macro.h"

/* NULL-terminated string vectors. */
char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
/* Append a copy of `s`; *l may be NULL. */
void strv_push(char ***l, const char *s);
/* Append, taking ownership of `s`. */
void strv_consume(char ***l, char *s);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Split on any of `sep`, dropping empty fields. */
char **strv_split(const char *s, const char *sep);
char *strv_join(char *const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
