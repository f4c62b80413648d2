/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-netlink.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "basic/macro.h"

typedef struct NlRequest {
        struct nlmsghdr h;
        union {
                struct ifinfomsg link;
                struct ifaddrmsg addr;
                struct rtmsg route;
        } u;
        char attrs[256];
} NlRequest;

static void add_attr(NlRequest *req, unsigned short type, const void *data, size_t len) {
        struct rtattr *a = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->h.nlmsg_len));
        a->rta_type = type;
        a->rta_len = (unsigned short)RTA_LENGTH(len);
        memcpy(RTA_DATA(a), data, len);
        req->h.nlmsg_len = NLMSG_ALIGN(req->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int net_netlink_open(WarrenError **err) {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return error_set_errno(err, errno, "open netlink socket");
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = error_set_errno(err, errno, "bind netlink socket");
                close(fd);
                return r;
        }
        return fd;
}

/* Send and wait for the kernel's ack; returns 0 or the kernel's -errno. */
static int transact(int nl, NlRequest *req) {
        static uint32_t seq;
        req->h.nlmsg_seq = ++seq;
        req->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        if (sendto(nl, req, req->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        for (;;) {
                char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
                ssize_t n = recv(nl, buf, sizeof(buf), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != req->h.nlmsg_seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                return e->error; /* 0 is the ack */
                        }
                }
        }
}

int net_netlink_link_up(int nl, int ifindex, uint32_t mtu, WarrenError **err) {
        NlRequest req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                .h.nlmsg_type = RTM_NEWLINK,
                .u.link = {.ifi_family = AF_UNSPEC,
                           .ifi_index = ifindex,
                           .ifi_flags = IFF_UP,
                           .ifi_change = IFF_UP},
        };
        if (mtu > 0)
                add_attr(&req, IFLA_MTU, &mtu, sizeof(mtu));
        int r = transact(nl, &req);
        if (r < 0)
                return error_set_errno(err, -r, "set link %d up (mtu %u)", ifindex, (unsigned)mtu);
        return 0;
}

int net_netlink_addr_add(int nl, int ifindex, int family, const void *addr, unsigned prefix,
                         WarrenError **err) {
        size_t len = family == AF_INET ? 4 : 16;
        NlRequest req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                .h.nlmsg_type = RTM_NEWADDR,
                .h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL,
                .u.addr = {.ifa_family = (unsigned char)family,
                           .ifa_prefixlen = (unsigned char)prefix,
                           .ifa_scope = RT_SCOPE_UNIVERSE,
                           .ifa_index = (unsigned)ifindex},
        };
        add_attr(&req, IFA_LOCAL, addr, len);
        add_attr(&req, IFA_ADDRESS, addr, len);
        if (family == AF_INET6) {
                uint32_t flags = IFA_F_NODAD;
                add_attr(&req, IFA_FLAGS, &flags, sizeof(flags));
        }
        int r = transact(nl, &req);
        if (r < 0)
                return error_set_errno(err, -r, "add address to link %d", ifindex);
        return 0;
}

int net_netlink_route_add_default(int nl, int ifindex, int family, const void *gateway,
                                  WarrenError **err) {
        size_t len = family == AF_INET ? 4 : 16;
        NlRequest req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                .h.nlmsg_type = RTM_NEWROUTE,
                .h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL,
                .u.route = {.rtm_family = (unsigned char)family,
                            .rtm_table = RT_TABLE_MAIN,
                            .rtm_protocol = RTPROT_BOOT,
                            .rtm_scope = RT_SCOPE_UNIVERSE,
                            .rtm_type = RTN_UNICAST},
        };
        uint32_t oif = (uint32_t)ifindex;
        add_attr(&req, RTA_GATEWAY, gateway, len);
        add_attr(&req, RTA_OIF, &oif, sizeof(oif));
        int r = transact(nl, &req);
        if (r < 0)
                return error_set_errno(err, -r, "add default route on link %d", ifindex);
        return 0;
}
