/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * User and group id maps: /etc/subuid and /etc/subgid parsing, the rootless default map, the
 * kernel's uid_map text, OCI `uidMappings`/`gidMappings`, validation, and writing maps to a child
 * (directly for a single id of our own, through newuidmap/newgidmap otherwise).
 *
 * Everything above the "Writing" section is pure logic and touches no files or processes,
 * except idmap_subid_read() which reads one size-capped file.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

typedef struct JsonValue JsonValue;

/* The kernel refuses more lines than this in uid_map/gid_map (since Linux 4.15). */
#define IDMAP_MAX_ENTRIES 340
/* /etc/subuid and /etc/subgid larger than this are refused (EFBIG). */
#define IDMAP_SUBID_MAX_SIZE (4U * 1024U * 1024U)

/* One line of a uid_map: container ids [container_id, container_id + size) are host ids
 * [host_id, host_id + size). */
typedef struct IdMapEntry {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} IdMapEntry;

typedef struct IdMap {
        IdMapEntry *entries;
        size_t n;
} IdMap;

/* Release the entries of an IdMap (the struct itself is usually on the stack) and zero it. */
void idmap_done(IdMap *m);
#define _cleanup_idmap_ _cleanup_(idmap_done)
/* For heap-allocated maps (idmap_new()): frees entries and struct, returns NULL. NULL-safe. */
IdMap *idmap_new(void);
IdMap *idmap_free(IdMap *m);
static inline void idmap_freep(IdMap **m) {
        idmap_free(*m);
}
#define _cleanup_idmap_free_ _cleanup_(idmap_freep)

/* Append one entry (no validation). */
void idmap_append(IdMap *m, uint32_t container_id, uint32_t host_id, uint32_t size);
/* Deep copy into *ret (which is overwritten, not freed). */
void idmap_copy(const IdMap *src, IdMap *ret);
bool idmap_equal(const IdMap *a, const IdMap *b);
/* True when the map is exactly one entry of size 1 whose host id is `host_id`. */
bool idmap_is_single(const IdMap *m, uint32_t host_id);

/* Translate an id through the map. Return 0, or -ERANGE when the id is not mapped. */
int idmap_to_host(const IdMap *m, uint32_t container_id, uint32_t *ret_host_id);
int idmap_to_container(const IdMap *m, uint32_t host_id, uint32_t *ret_container_id);

/*
 * Check a map as the kernel would, with clear errors. `what` names the map in messages
 * ("linux.uidMappings"; NULL: "id map"). Refused with EINVAL: no entries, more than
 * IDMAP_MAX_ENTRIES (E2BIG), a size of 0, a range that runs past 4294967294 on either side
 * (the kernel keeps (uint32_t)-1 invalid), and two entries overlapping on the container side or
 * on the host side. Errors name the entry: "`linux.uidMappings[2]`: container ids 0-9 overlap
 * entry 0".
 */
int idmap_validate(const IdMap *m, const char *what, WarrenError **err);

/* ---- /etc/subuid, /etc/subgid ---- */

typedef struct SubIdRange {
        uint32_t start;
        uint32_t count;
} SubIdRange;

typedef struct SubIdList {
        SubIdRange *ranges;
        size_t n;
        /* Lines that could not be parsed, whoever they were for (comments and blank lines do not
         * count), and the number of the first such line (1-based; 0 when none). */
        size_t n_malformed;
        size_t first_malformed_line;
} SubIdList;

void subid_list_done(SubIdList *l);
#define _cleanup_subid_list_ _cleanup_(subid_list_done)

/*
 * Parse subuid/subgid text (`len` bytes, need not be NUL-terminated): lines `NAME:START:COUNT`
 * where NAME is a user name or a numeric id. The ranges whose NAME is `user` (may be NULL) or
 * the decimal form of `id` are returned in file order. Leading/trailing blanks on a line are
 * ignored, `#` starts a comment line, blank lines are skipped. A malformed line (wrong field
 * count, non-numeric START or COUNT, COUNT 0, START + COUNT past 2^32) is skipped, counted in
 * n_malformed and logged at debug level as "`SOURCE`:LINE: ...". `source` names the file in
 * logs (NULL: "subid"). Never fails except on input larger than IDMAP_SUBID_MAX_SIZE (EFBIG).
 * Returns the number of ranges found for the user.
 */
int idmap_subid_parse(const char *text, size_t len, const char *source, const char *user,
                      uint32_t id, SubIdList *ret, WarrenError **err);

/* Read and parse a file (size-capped). A missing file is success with no ranges. */
int idmap_subid_read(const char *path, const char *user, uint32_t id, SubIdList *ret,
                     WarrenError **err);

/*
 * The rootless default map: container id 0 is `host_id` (size 1), then container ids 1.. are
 * the subordinate ranges in order. Ranges that contain `host_id` or overlap an earlier range are
 * dropped (with a debug log), the map stops at IDMAP_MAX_ENTRIES entries or before container ids
 * would run past 4294967294. The result passes idmap_validate().
 */
void idmap_build_rootless(uint32_t host_id, const SubIdList *ranges, IdMap *ret);

/* ---- The kernel's /proc/PID/uid_map text and OCI mappings ---- */

/* Parse "C H S\n" lines (any blanks between fields, as the kernel prints them). An empty text
 * is an empty map. Errors name the line. The map is not validated. */
int idmap_parse_kernel(const char *text, const char *what, IdMap *ret, WarrenError **err);
/* Format as the kernel expects to have it written: "0 1000 1\n1 100000 65536\n". */
char *idmap_format_kernel(const IdMap *m);
/* Arguments for newuidmap/newgidmap after the pid: "C H S C H S ..." as a strv (strv_free). */
char **idmap_format_helper_args(const IdMap *m);

/* OCI `[{"containerID":0,"hostID":1000,"size":1}, ...]`. `what` names the array in errors
 * ("linux.uidMappings"). A NULL or JSON null value is an empty map. Not validated. */
int idmap_from_oci(const JsonValue *array, const char *what, IdMap *ret, WarrenError **err);
JsonValue *idmap_to_oci(const IdMap *m);

/* ---- Writing maps to a child ---- */

typedef enum IdMapKind {
        IDMAP_UID,
        IDMAP_GID,
} IdMapKind;

/* "uid" / "gid", and the helper's name "newuidmap" / "newgidmap". */
const char *idmap_kind_name(IdMapKind kind);
const char *idmap_helper_name(IdMapKind kind);

/*
 * Write `m` to /proc/PID/{uid,gid}_map directly. For IDMAP_GID, /proc/PID/setgroups is set to
 * "deny" first when `deny_setgroups` (the kernel requires it for an unprivileged writer). Works
 * for an unprivileged caller only for a single mapping of its own id.
 */
int idmap_write_direct(pid_t pid, IdMapKind kind, const IdMap *m, bool deny_setgroups,
                       WarrenError **err);

/*
 * Find newuidmap/newgidmap: in $PATH, then /usr/bin and /bin. Returns 0 and the path, or
 * -ENOENT (with *err naming the tool).
 */
int idmap_find_helper(IdMapKind kind, char **ret_path, WarrenError **err);

/*
 * Run newuidmap/newgidmap PID C H S ... and wait for it. A missing tool is ENOENT naming it; a
 * failure is EPERM with its exit status and stderr (capped): "newuidmap `/usr/bin/newuidmap`
 * failed with status 1: newuidmap: uid range [1-65537) -> [100000-165536) not allowed".
 */
int idmap_write_helper(pid_t pid, IdMapKind kind, const IdMap *m, WarrenError **err);

/* ---- Deciding how to map the caller (rootless) ---- */

/* What the host offers, for the plan below and for `warren info`. */
typedef struct IdMapSupport {
        char *user;        /* the caller's user name (NULL if it has no passwd entry) */
        uint32_t uid, gid; /* the caller's effective ids */
        char *newuidmap;   /* path, or NULL when not found */
        char *newgidmap;
        bool newuidmap_usable; /* setuid root, or file capability cap_setuid */
        bool newgidmap_usable; /* setuid root, or file capability cap_setgid */
        SubIdList subuids;     /* the caller's ranges in /etc/subuid */
        SubIdList subgids;
} IdMapSupport;

void idmap_support_done(IdMapSupport *s);
#define _cleanup_idmap_support_ _cleanup_(idmap_support_done)

/* Probe the running host for the calling user (getuid/getgid): /etc/subuid, /etc/subgid,
 * newuidmap, newgidmap. Missing pieces are not errors; the fields say what is there. */
int idmap_detect_support(IdMapSupport *ret, WarrenError **err);
/* Same with explicit inputs, for tests and for callers that already know the paths. A NULL
 * subuid/subgid path means "no file"; a NULL helper path means "not found". */
int idmap_detect_support_at(uint32_t uid, uint32_t gid, const char *user, const char *subuid_path,
                            const char *subgid_path, const char *newuidmap_path,
                            const char *newgidmap_path, IdMapSupport *ret, WarrenError **err);
/* Whether `path` is a usable id-map helper: setuid root, or file capability `cap` (CAP_SETUID
 * 7 / CAP_SETGID 6) in its permitted set. */
bool idmap_helper_usable(const char *path, int cap);

typedef struct IdMapPlan {
        IdMap uid_map;
        IdMap gid_map;
        /* true: multi-range maps written with newuidmap/newgidmap (setgroups stays allowed);
         * false: a single id each, written directly, with setgroups denied. */
        bool use_helpers;
        char *reason; /* why this mode, for debug logs and `warren info` */
} IdMapPlan;

void idmap_plan_done(IdMapPlan *p);
#define _cleanup_idmap_plan_ _cleanup_(idmap_plan_done)

/*
 * Decide (pure logic, from a probe): multi-range via newuidmap/newgidmap when both helpers are
 * usable and the user has both subuid and subgid ranges; otherwise the single-id fallback
 * (container 0 -> the caller's uid/gid). Logs the decision and its reason at debug level.
 */
void idmap_plan_from_support(const IdMapSupport *s, IdMapPlan *ret);
/* idmap_detect_support() + idmap_plan_from_support(). */
int idmap_plan_default(IdMapPlan *ret, WarrenError **err);
/* A plan with explicit maps: use_helpers is set unless both maps are a single id of the caller's
 * own (euid/egid), or the caller is root. */
void idmap_plan_from_maps(const IdMap *uid_map, const IdMap *gid_map, IdMapPlan *ret);

/*
 * Write the plan's maps to `pid` (a child in a new user namespace, not yet mapped): uid_map,
 * then gid_map; through the helpers when use_helpers, else directly with setgroups "deny"
 * before gid_map. An empty map is skipped.
 */
int idmap_plan_apply(const IdMapPlan *p, pid_t pid, WarrenError **err);
