/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The one code path that clones into new namespaces. It knows nothing of containers: it takes
 * CLONE_NEW* flags, optional id maps, and a callback that runs in the child.
 *
 * Sequence (docs/protocols/clone-sync.md):
 *   parent: sync_socketpair(); clone3 (or clone) with the namespace flags
 *   child:  [with maps] wait for SYNC_MAPPED; [become_root] setresgid/setresuid 0
 *   parent: [with maps] idmap_plan_apply(); send SYNC_MAPPED; return the pid and the sync fd
 *   child:  fn(sync_fd, userdata, &err): on failure -> SYNC_ERR + _exit(1); if it returns >= 0
 *           the child _exit()s with that value (an exec'ing fn never returns)
 * The caller continues the conversation on the returned sync fd (sync_expect(), sync_send()),
 * typically sync_expect(fd, SYNC_READY) then sync_send(fd, SYNC_GO), then sync_expect_eof() to
 * learn that the child's execve() succeeded (the child's end is O_CLOEXEC).
 *
 * The caller must be single-threaded (the child runs on a copy of the parent's address space
 * without glibc's fork handlers).
 */

#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"

typedef struct IdMapPlan IdMapPlan;

/* Runs in the child. `sync_fd` is the child's end of the sync socket. Return < 0 with *err set
 * to fail (the error reaches the parent); return >= 0 to _exit() with that status. */
typedef int (*CloneChildFn)(int sync_fd, void *userdata, WarrenError **err);

typedef struct CloneOptions {
        /* CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
         * CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME; other flags are refused (EINVAL). */
        unsigned long ns_flags;
        /* With CLONE_NEWUSER: maps written by the parent before SYNC_MAPPED. NULL: the child is
         * not mapped by this code (it runs as the overflow id until someone maps it). */
        const IdMapPlan *idmaps;
        /* After SYNC_MAPPED, the child switches to uid 0 and gid 0 in its namespace, each only
         * when the map maps container id 0 (otherwise it stays the overflow id for the callback
         * to change). Needs idmaps. */
        bool become_root;
        /* Signal the child gets when the parent dies (0: none). */
        int pdeath_signal;
        /* Signal the parent gets when the child exits (0: SIGCHLD). */
        int exit_signal;
        /* Ask for a pidfd (clone3 only; -1 when unavailable). */
        bool want_pidfd;
} CloneOptions;

typedef struct CloneChild {
        pid_t pid;
        int sync_fd; /* the parent's end of the sync socket */
        int pidfd;   /* or -1 */
} CloneChild;

/* Close the fds (does not kill or reap). */
void clone_child_done(CloneChild *c);
#define _cleanup_clone_child_ _cleanup_(clone_child_done)

/*
 * Clone a child into new namespaces and run `fn` in it. On success *ret holds the pid, the
 * parent's sync fd and optionally a pidfd; maps (if any) are written and the child told so (its
 * later failures arrive as SYNC_ERR on the sync fd). On failure (clone refused, maps not
 * written) the child, if any, is killed and reaped and *err says why; clone refusals name the flags
 * ("clone with `CLONE_NEWUSER|CLONE_NEWNS`: Operation not permitted").
 */
int clone_spawn(const CloneOptions *opts, CloneChildFn fn, void *userdata, CloneChild *ret,
                WarrenError **err);

/* "CLONE_NEWUSER|CLONE_NEWNS" for messages; the caller frees. */
char *clone_flags_to_string(unsigned long flags);

/* Kill (SIGKILL) and reap a child; a no-op for pid <= 0. For _cleanup_pid_-style helpers. */
void clone_kill_and_reap(pid_t pid);
/* waitpid() with EINTR retried; *ret_status gets the raw status. */
int clone_wait(pid_t pid, int *ret_status, WarrenError **err);
