/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The tap device in the target network namespace (the slirp4netns model). A forked child joins
 * the target's user namespace (when it is not ours) and network namespace, creates the tap,
 * brings it and lo up with its address and default route (rtnetlink), sends the tap fd back as a
 * SYNC_FD message (userns/sync.h, docs/protocols/clone-sync.md: SOCK_SEQPACKET, SCM_RIGHTS) and
 * exits. On failure it sends SYNC_ERR (errno + text) instead, which the parent turns back into a
 * WarrenError.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

typedef struct NetTarget {
        pid_t pid;     /* 0 when given by paths */
        int pidfd;     /* -1 without a pid */
        int userns_fd; /* -1: stay in our user namespace */
        int netns_fd;
} NetTarget;

/* By pid (/proc/PID/ns/{user,net}, plus a pidfd to see it exit) or by paths. Without a user
 * namespace path, the network namespace's owner (NS_GET_USERNS) is joined when it is not ours. */
int net_target_open(pid_t pid, const char *netns_path, const char *userns_path, NetTarget *ret,
                    WarrenError **err);
void net_target_done(NetTarget *t);

typedef struct NetTapConfig {
        const char *name;
        uint32_t mtu;
        struct in_addr addr;
        unsigned prefix;
        struct in_addr gateway;
        bool enable_ipv6;
        struct in6_addr addr6;
        unsigned prefix6;
        struct in6_addr gateway6;
} NetTapConfig;

/* Returns the tap fd (O_CLOEXEC, non-blocking) or -errno. */
int net_tap_create(const NetTarget *t, const NetTapConfig *cfg, WarrenError **err);
