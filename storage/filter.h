/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/error.h"

/*
 * List filters, with containerd's filter-string semantics (containerd/filters):
 *
 *   filters   := alternative ("||" alternative)*     any alternative matches (OR)
 *   alternative := selector ("," selector)*           every selector matches (AND)
 *   selector  := fieldpath [operator value]           no operator: the field is present
 *   fieldpath := field ("." field)*
 *   field     := quoted | [A-Za-z_] [A-Za-z0-9_-]*
 *   operator  := "==" | "!=" | "~="                   equal, not equal, POSIX extended regex
 *   value     := quoted | [^\s,|]+
 *   quoted    := "..." (C/Go escapes) | `...` (raw) | '...' (raw)
 *
 * e.g. `id==abc`, `name~=^web`, `labels.app==db,state==running`, `labels."a.b"`.
 * Several strings given to filter_parse_all() are ORed, as containerd's ParseAll().
 *
 * docker-style `key=value` filters (what `warren ps --filter` passes) are translated by
 * filter_parse_docker(): id=PREFIX, name=REGEX (unanchored), label=KEY, label=KEY=VALUE,
 * status=/state=STATE, sandbox=/pod=ID, image=/ancestor=REF-OR-ID, and any other key as
 * `key==value`. As docker does, filters with the same key are ORed and different keys ANDed.
 *
 * Records are seen through an adaptor: given a field path it fills up to `max` borrowed string
 * values and returns how many there are (0: the field is absent). A selector matches when any
 * value matches (for "!=": when no value equals).
 */

typedef struct Filter Filter;

typedef size_t (*FilterAdaptor)(const void *obj, char *const *fieldpath, size_t n_path,
                                const char **values, size_t max);
#define FILTER_MAX_VALUES 64

int filter_parse(const char *s, Filter **ret, WarrenError **err);
/* OR of several filter strings; an empty list (or NULL) gives a filter that matches all. */
int filter_parse_all(char *const *strs, Filter **ret, WarrenError **err);
/* docker-style "key=value" strings. A string with a containerd operator ("==", "!=", "~=")
 * or without "=" is parsed as a containerd filter and ANDed in. */
int filter_parse_docker(char *const *kvs, Filter **ret, WarrenError **err);

bool filter_match(const Filter *f, FilterAdaptor adaptor, const void *obj);
/* True when the filter has no selectors (matches everything). */
bool filter_is_empty(const Filter *f);
Filter *filter_free(Filter *f);
static inline void filter_freep(Filter **f) {
        filter_free(*f);
}
#define _cleanup_filter_ _cleanup_(filter_freep)
