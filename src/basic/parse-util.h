/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/* Strict number parsing: the whole string must be a number in range. Return 0 or -EINVAL /
 * -ERANGE. No leading whitespace, no sign for unsigned types. */
int safe_atoi64(const char *s, int64_t *ret);
int safe_atou64(const char *s, uint64_t *ret);
int safe_atoi(const char *s, int *ret);
int safe_atou32(const char *s, uint32_t *ret);
/* "10", "10k", "64m", "1g" (binary multiples, case-insensitive, optional trailing "b"). */
int parse_size(const char *s, uint64_t *ret);
/* A signal by name ("TERM", "SIGTERM", "sigkill") or number ("9"); RTMIN+n too. */
int parse_signal(const char *s, int *ret);
/* The name of a signal without "SIG", or NULL. */
const char *signal_name(int sig);
