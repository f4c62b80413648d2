/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The helper sandboxes itself once its sockets and the tap fd are open (slirp4netns's
 * sandbox.c, reworked):
 *   1. a mount namespace (inside a new user namespace when unprivileged; the helper stays in the
 *      host's network namespace) whose root is an empty read-only tmpfs holding only
 *      /etc/resolv.conf, a symlink into a bind mount of the directory of the real resolv.conf,
 *      so libslirp still sees the host's resolvers change;
 *   2. every capability dropped (bounding, effective, permitted, inheritable, ambient), through
 *      runtime/caps.h;
 *   3. no_new_privs;
 *   4. a seccomp filter (net_sandbox_seccomp_profile(), through runtime/seccomp.h).
 */

#include <stdbool.h>

#include "basic/error.h"

typedef struct JsonValue JsonValue;

typedef struct NetSandboxResult {
        bool mount_ns; /* the empty root is in place */
        bool caps_dropped;
        bool seccomp; /* the filter is loaded */
} NetSandboxResult;

/* `resolv_conf` is the host file libslirp should read (NULL: /etc/resolv.conf). A missing mount
 * namespace (no user namespaces) or a kernel without seccomp is not an error: *ret says what
 * happened. */
int net_sandbox_enter(const char *resolv_conf, bool seccomp, NetSandboxResult *ret,
                      WarrenError **err);

/* The helper's seccomp profile in OCI `linux.seccomp` form: allow by default, EPERM for what a
 * network helper never needs (exec, mounts, namespaces, ptrace, kernel modules, bpf, keyrings,
 * uid changes, ...), and clone with namespace flags, as slirp4netns's filter does. The caller
 * owns the tree. */
JsonValue *net_sandbox_seccomp_profile(void);
