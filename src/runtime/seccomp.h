/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Seccomp: OCI `linux.seccomp` -> a libseccomp filter. seccomp.c is the only file that includes
 * <seccomp.h>. The input is the JSON object itself (basic/json.h), so this module does not depend
 * on the runtime's config structs.
 *
 * Build validates everything, with errors that name the field
 * ("`linux.seccomp.syscalls[2].action`: unknown action `SCMP_ACT_FOO`"):
 *   defaultAction (required), defaultErrnoRet (only with SCMP_ACT_ERRNO / SCMP_ACT_TRACE),
 *   architectures (SCMP_ARCH_*), flags (SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW; LOG and
 *   SPEC_ALLOW are dropped with a debug log when the kernel or libseccomp lacks them),
 *   syscalls[] {names (required, non-empty), action (required), errnoRet, args[] {index 0-5,
 *   value, valueTwo, op}}.
 * Actions: SCMP_ACT_KILL (= KILL_THREAD), SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD,
 * SCMP_ACT_TRAP, SCMP_ACT_ERRNO (errnoRet, default EPERM), SCMP_ACT_TRACE (errnoRet is the
 * tracer's message, default EPERM), SCMP_ACT_ALLOW, SCMP_ACT_LOG. SCMP_ACT_NOTIFY is refused
 * with ENOTSUP ("not supported").
 * Ops: SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ (value is the mask, valueTwo the datum).
 * As runc does: a syscall name unknown to libseccomp is skipped (debug log); a rule whose action
 * equals the default action is skipped; several args on one index make one rule per arg (OR),
 * otherwise all args of an entry go in one rule (AND).
 *
 * Load: libseccomp's own no_new_privs handling is turned off, so the caller sets
 * PR_SET_NO_NEW_PRIVS per process.noNewPrivileges; loading without it needs CAP_SYS_ADMIN
 * (EACCES otherwise, with a message saying so).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "runtime/seccomp-cache.h"

typedef struct JsonValue JsonValue;
typedef struct SeccompFilter SeccompFilter;

/* `seccomp` is the `linux.seccomp` object; NULL or JSON null yields *ret = NULL and 0 (no
 * filter). */
int seccomp_filter_build(const JsonValue *seccomp, SeccompFilter **ret, WarrenError **err);
/* Load into the calling thread (or all threads with TSYNC). Call right before execve(). */
int seccomp_filter_load(SeccompFilter *f, WarrenError **err);

/* What the runtime uses: the compiled program for `seccomp` (validated and built as
 * seccomp_filter_build() does), taken from `cache_dir` when it holds this profile compiled by
 * this libseccomp on this kernel, else built and stored there (runtime/seccomp-cache.h).
 * `cache_dir` NULL: no cache. NULL or JSON null `seccomp` yields *ret = NULL and 0. */
int seccomp_program_build(const JsonValue *seccomp, const char *cache_dir,
                          SeccompProgram **ret, WarrenError **err);
/* Load it into the calling thread with seccomp(2) (same rules as seccomp_filter_load). */
int seccomp_program_load(const SeccompProgram *p, WarrenError **err);
SeccompFilter *seccomp_filter_free(SeccompFilter *f);
static inline void seccomp_filter_freep(SeccompFilter **f) {
        seccomp_filter_free(*f);
}
#define _cleanup_seccomp_filter_ _cleanup_(seccomp_filter_freep)

/* Statistics of the build, for tests and debug logs. */
typedef struct SeccompFilterStats {
        size_t rules_added;      /* libseccomp rules added (an entry may add several) */
        size_t syscalls_unknown; /* names skipped as unknown to libseccomp */
        size_t rules_redundant;  /* rules skipped because action == default action */
} SeccompFilterStats;
void seccomp_filter_stats(const SeccompFilter *f, SeccompFilterStats *ret);

/* The filter as libseccomp's pseudo-filter-code text (seccomp_export_pfc), for tests and
 * `--debug`. */
int seccomp_filter_export_pfc(const SeccompFilter *f, char **ret, WarrenError **err);
/* The raw BPF program (seccomp_export_bpf). */
int seccomp_filter_export_bpf(const SeccompFilter *f, void **ret, size_t *ret_len,
                              WarrenError **err);

/*
 * A default profile like Docker's, in OCI `linux.seccomp` form: defaultAction SCMP_ACT_ERRNO
 * (EPERM), the native architecture and its compat ones, an allow list of ordinary syscalls, and
 * the privileged ones allowed only when the matching capability is in `caps_effective` (bit N =
 * capability N, as in runtime/caps.h): e.g. mount/umount/unshare/setns with CAP_SYS_ADMIN.
 * clone is allowed without namespace flags (unless CAP_SYS_ADMIN); clone3 returns ENOSYS so
 * glibc falls back to clone. The caller owns the tree.
 */
JsonValue *seccomp_default_profile(uint64_t caps_effective);

/* Names this module accepts, for `warren-runtime features` (static, NULL-terminated). */
const char *const *seccomp_known_actions(void);
const char *const *seccomp_known_operators(void);
const char *const *seccomp_known_archs(void);
const char *const *seccomp_known_flags(void);
/* Whether the running kernel and libseccomp can load filters at all. */
bool seccomp_is_supported(void);
