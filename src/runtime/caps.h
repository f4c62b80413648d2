/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Capabilities: the name table, parsing OCI `process.capabilities`, and applying the five sets.
 * caps.c is the only file that includes libcap's <sys/capability.h>.
 *
 * Masks are 64-bit: bit N is capability number N (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40).
 *
 * Applying, in the child, between the namespace setup and execve():
 *
 *     caps_apply_before_setuid(&sets, &err);   // drop the bounding set, PR_SET_KEEPCAPS
 *     setgroups(...); setresgid(...); setresuid(...);   // the runtime's user switch
 *     caps_apply_after_setuid(&sets, &err);    // clear KEEPCAPS, capset(eff/perm/inh), ambient
 *     [prctl(PR_SET_NO_NEW_PRIVS); seccomp_filter_load()]   // seccomp last but for execve
 *     execve(...);
 *
 * This is runc's order (bounding first while CAP_SETPCAP is still effective; keep-caps across
 * the uid change so the permitted set survives; then the final sets; ambient last since it needs
 * the capability in both permitted and inheritable). When the process does not change uid,
 * caps_apply() does both halves at once.
 *
 * Capabilities above the running kernel's cap_last_cap are ignored with a debug log, as runc
 * does; names unknown to the table are errors.
 */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

typedef struct JsonValue JsonValue;

#define CAPS_LAST_KNOWN 40 /* CAP_CHECKPOINT_RESTORE */
#define CAPS_BIT(cap) (UINT64_C(1) << (cap))

typedef struct CapSets {
        uint64_t bounding;
        uint64_t effective;
        uint64_t inheritable;
        uint64_t permitted;
        uint64_t ambient;
} CapSets;

/* "CAP_SYS_ADMIN" for 21; NULL when not in the table. */
const char *caps_name(int cap);
/* The number for a name. Exact OCI spelling ("CAP_SYS_ADMIN"); case-insensitive, and the "CAP_"
 * prefix may be left out ("sys_admin") as docker's --cap-add allows. -EINVAL when unknown. */
int caps_from_name(const char *name);
/* All names in the table, in number order (strv_free). For `features`. */
char **caps_known_names(void);

/* Parse a list of names (NULL-terminated) into a mask. An unknown name is EINVAL naming the
 * entry: "`process.capabilities.bounding[2]`: unknown capability `CAP_FOO`". `what` may be NULL. */
int caps_parse_strv(char *const *names, const char *what, uint64_t *ret, WarrenError **err);
/* Same from a JSON array of strings (NULL or null: empty mask). */
int caps_parse_json(const JsonValue *array, const char *what, uint64_t *ret, WarrenError **err);
/* OCI `process.capabilities` (an object with bounding/effective/inheritable/permitted/ambient,
 * each optional: a missing set is empty). NULL: all sets empty. */
int caps_parse_oci(const JsonValue *capabilities, CapSets *ret, WarrenError **err);

/* "CAP_CHOWN,CAP_KILL" (empty string for 0); bits beyond the table print as "CAP_47". */
char *caps_mask_to_string(uint64_t mask);
/* A JSON array of names, for writing an OCI config. */
JsonValue *caps_mask_to_json(uint64_t mask);

/* podman's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP SETGID
 * SETPCAP SETUID SYS_CHROOT. */
uint64_t caps_default_mask(void);
/* A CapSets with `mask` in bounding, effective, permitted (and inheritable empty, ambient empty),
 * as podman and docker build process.capabilities. */
CapSets caps_sets_from_mask(uint64_t mask);

/* /proc/sys/kernel/cap_last_cap (or CAPS_LAST_KNOWN if unreadable). */
int caps_last_cap(void);
/* Bits 0..last_cap set. */
uint64_t caps_supported_mask(void);
/* The calling process's sets (via libcap, bounding via PR_CAPBSET_READ, ambient via
 * PR_CAP_AMBIENT_IS_SET). */
int caps_get_current(CapSets *ret, WarrenError **err);

/* Before the uid change: drop every capability not in s->bounding from the bounding set
 * (PR_CAPBSET_DROP), and set PR_SET_KEEPCAPS. */
int caps_apply_before_setuid(const CapSets *s, WarrenError **err);
/* After the uid change: clear PR_SET_KEEPCAPS, set effective/permitted/inheritable (capset),
 * clear the ambient set and raise s->ambient. Errors name the set and the capability when the
 * kernel refuses one ("raise ambient capability `CAP_NET_RAW`: Operation not permitted"). */
int caps_apply_after_setuid(const CapSets *s, WarrenError **err);
/* Both, for a process that keeps its uid. */
int caps_apply(const CapSets *s, WarrenError **err);
