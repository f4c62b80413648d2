/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>

#include "basic/macro.h"

/*
 * The error object. A fallible function returns int: >= 0 is success, < 0 is -errno, and its
 * last parameter `WarrenError **err` is set exactly when it returns < 0. `err` may be NULL when
 * the caller does not want the message.
 *
 * Messages are lower-case without a trailing period, user values in backticks. Context is added
 * once per layer with error_prefix(): "mount layer `3f2a`: open lowerdir: No such file or directory".
 */
typedef struct WarrenError {
        int code; /* a positive errno value */
        char *msg;
} WarrenError;

/* Set *err to a new error with errno `code` (positive) and return -code. */
int error_set(WarrenError **err, int code, const char *fmt, ...) _printf_(3, 4);
/* Like error_set(), and append ": strerror(code)". */
int error_set_errno(WarrenError **err, int code, const char *fmt, ...) _printf_(3, 4);
int error_setv(WarrenError **err, int code, bool with_strerror, const char *fmt, va_list ap)
        _printf_(4, 0);
/* Prefix an existing error with "context: ". Returns `ret` so that callers can
 * `return error_prefix(err, r, "load `%s`", name);`. A NULL *err is left alone. */
int error_prefix(WarrenError **err, int ret, const char *fmt, ...) _printf_(3, 4);
/* Move an error: *dst takes src (freeing src if dst is NULL). Returns -src->code. */
int error_move(WarrenError **dst, WarrenError *src);
WarrenError *error_free(WarrenError *e);
static inline void error_freep(WarrenError **e) {
        error_free(*e);
}
#define _cleanup_error_ _cleanup_(error_freep)

/* The symbolic errno name ("ENOENT"), or NULL when unknown. */
const char *errno_name(int code);
