/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-tap.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "basic/xalloc.h"
#include "core/net-netlink.h"
#include "userns/sync.h"

static bool same_ns(int fd, const char *self) {
        struct stat a, b;
        return fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

void net_target_done(NetTarget *t) {
        t->pidfd = safe_close(t->pidfd);
        t->userns_fd = safe_close(t->userns_fd);
        t->netns_fd = safe_close(t->netns_fd);
}

int net_target_open(pid_t pid, const char *netns_path, const char *userns_path, NetTarget *ret,
                    WarrenError **err) {
        NetTarget t = {.pid = pid, .pidfd = -1, .userns_fd = -1, .netns_fd = -1};
        _cleanup_free_ char *net = NULL, *user = NULL;
        int r;

        if (pid > 0) {
                t.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
                if (t.pidfd < 0)
                        return error_set_errno(err, errno, "open process `%d`", (int)pid);
                net = xasprintf("/proc/%d/ns/net", (int)pid);
                user = xasprintf("/proc/%d/ns/user", (int)pid);
        } else {
                net = xstrdup(netns_path);
                user = userns_path ? xstrdup(userns_path) : NULL;
        }

        t.netns_fd = open(net, O_RDONLY | O_CLOEXEC);
        if (t.netns_fd < 0) {
                r = error_set_errno(err, errno, "open network namespace `%s`", net);
                goto fail;
        }
        if (user) {
                t.userns_fd = open(user, O_RDONLY | O_CLOEXEC);
                if (t.userns_fd < 0) {
                        r = error_set_errno(err, errno, "open user namespace `%s`", user);
                        goto fail;
                }
        } else {
                /* the owner of the network namespace */
                t.userns_fd = ioctl(t.netns_fd, NS_GET_USERNS);
                if (t.userns_fd >= 0)
                        (void)fcntl(t.userns_fd, F_SETFD, FD_CLOEXEC);
        }
        if (t.userns_fd >= 0 && same_ns(t.userns_fd, "/proc/self/ns/user"))
                t.userns_fd = safe_close(t.userns_fd);
        if (same_ns(t.netns_fd, "/proc/self/ns/net")) {
                r = error_set(err, EINVAL, "`%s` is the helper's own network namespace", net);
                goto fail;
        }
        /* the pid may have been reused between pidfd_open and opening its namespaces */
        if (t.pidfd >= 0 && syscall(SYS_pidfd_send_signal, t.pidfd, 0, NULL, 0) < 0) {
                r = error_set_errno(err, errno, "process `%d`", (int)pid);
                goto fail;
        }
        *ret = t;
        return 0;
fail:
        net_target_done(&t);
        return r;
}

static int child_setup(const NetTarget *t, const NetTapConfig *cfg, int *ret_fd,
                       WarrenError **err) {
        int r;
        if (t->userns_fd >= 0 && setns(t->userns_fd, CLONE_NEWUSER) < 0)
                return error_set_errno(err, errno, "join the target's user namespace");
        if (setns(t->netns_fd, CLONE_NEWNET) < 0)
                return error_set_errno(err, errno, "join the target's network namespace");

        _cleanup_close_ int tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
        if (tap < 0)
                return error_set_errno(err, errno, "open `/dev/net/tun`");
        struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->name);
        if (ioctl(tap, TUNSETIFF, &ifr) < 0)
                return error_set_errno(err, errno, "create tap device `%s`", cfg->name);

        _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return error_set_errno(err, errno, "socket");
        struct ifreq idx = {};
        snprintf(idx.ifr_name, sizeof(idx.ifr_name), "%s", cfg->name);
        if (ioctl(sock, SIOCGIFINDEX, &idx) < 0)
                return error_set_errno(err, errno, "find tap device `%s`", cfg->name);
        struct ifreq lo = {};
        snprintf(lo.ifr_name, sizeof(lo.ifr_name), "lo");
        if (ioctl(sock, SIOCGIFINDEX, &lo) < 0)
                return error_set_errno(err, errno, "find `lo`");

        _cleanup_close_ int nl = net_netlink_open(err);
        if (nl < 0)
                return nl;
        r = net_netlink_link_up(nl, lo.ifr_ifindex, 0, err);
        if (r < 0)
                return error_prefix(err, r, "lo");
        r = net_netlink_link_up(nl, idx.ifr_ifindex, cfg->mtu, err);
        if (r < 0)
                return error_prefix(err, r, "`%s`", cfg->name);
        r = net_netlink_addr_add(nl, idx.ifr_ifindex, AF_INET, &cfg->addr, cfg->prefix, err);
        if (r < 0)
                return error_prefix(err, r, "`%s`", cfg->name);
        r = net_netlink_route_add_default(nl, idx.ifr_ifindex, AF_INET, &cfg->gateway, err);
        if (r < 0)
                return error_prefix(err, r, "`%s`", cfg->name);
        if (cfg->enable_ipv6) {
                r = net_netlink_addr_add(nl, idx.ifr_ifindex, AF_INET6, &cfg->addr6, cfg->prefix6,
                                         err);
                if (r < 0)
                        return error_prefix(err, r, "`%s` (ipv6)", cfg->name);
                r = net_netlink_route_add_default(nl, idx.ifr_ifindex, AF_INET6, &cfg->gateway6,
                                                  err);
                if (r < 0)
                        return error_prefix(err, r, "`%s` (ipv6)", cfg->name);
        }
        *ret_fd = TAKE_FD(tap);
        return 0;
}

int net_tap_create(const NetTarget *t, const NetTapConfig *cfg, WarrenError **err) {
        int sv[2];
        int r = sync_socketpair(sv, err);
        if (r < 0)
                return r;
        _cleanup_close_ int parent_sock = sv[0];
        _cleanup_close_ int child_sock = sv[1];

        pid_t pid = fork();
        if (pid < 0)
                return error_set_errno(err, errno, "fork");
        if (pid == 0) {
                WarrenError *cerr = NULL;
                int fd = -1;
                if (child_setup(t, cfg, &fd, &cerr) < 0)
                        sync_fail(child_sock, cerr);
                _exit(sync_send_fd(child_sock, SYNC_FD, 0, fd, NULL) < 0 ? 1 : 0);
        }
        child_sock = safe_close(child_sock);

        SyncMsg m;
        r = sync_expect(parent_sock, SYNC_FD, &m, err);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        if (m.fd < 0)
                return error_set(err, EPROTO, "tap setup: no fd in the answer");
        return m.fd;
}
