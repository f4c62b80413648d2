/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-filter.h"

#include <string.h>

#define ETH_HLEN_ 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

static uint16_t get16(const uint8_t *p) {
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len) {
        for (size_t i = 0; i + 1 < len; i += 2)
                sum += get16(p + i);
        if (len & 1)
                sum += (uint32_t)p[len - 1] << 8;
        return sum;
}

static uint16_t csum_fold(uint32_t sum) {
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

static bool udp_published(const NetFilter *f, uint16_t sport) {
        if (!f->published)
                return false;
        for (size_t i = 0; i < f->published->n; i++)
                if (f->published->items[i].proto == NET_PROTO_UDP &&
                    f->published->items[i].guest_port == sport)
                        return true;
        return false;
}

/* A RST|ACK answering an IPv4 TCP SYN: ack = seq + 1 (+ any payload). */
static size_t build_rst4(const uint8_t *frame, const uint8_t *ip, size_t ihl, const uint8_t *tcp,
                         size_t seg_len, uint8_t *out) {
        memset(out, 0, 54);
        memcpy(out, frame + 6, 6); /* to the guest's MAC */
        memcpy(out + 6, frame, 6); /* from the MAC it sent to */
        put16(out + 12, ETHERTYPE_IPV4);
        uint8_t *oip = out + 14;
        oip[0] = 0x45;
        put16(oip + 2, 40);
        put16(oip + 6, 0x4000); /* DF */
        oip[8] = 64;
        oip[9] = PROTO_TCP;
        memcpy(oip + 12, ip + 16, 4); /* src = the address it tried */
        memcpy(oip + 16, ip + 12, 4);
        put16(oip + 10, csum_fold(csum_add(0, oip, 20)));
        uint8_t *otcp = oip + 20;
        memcpy(otcp, tcp + 2, 2);
        memcpy(otcp + 2, tcp, 2);
        size_t data_len = seg_len - (size_t)((tcp[12] >> 4) * 4);
        put32(otcp + 8, get32(tcp + 4) + 1 + (uint32_t)data_len);
        otcp[12] = 5 << 4;
        otcp[13] = TCP_RST | TCP_ACK;
        uint8_t pseudo[12];
        memcpy(pseudo, oip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = PROTO_TCP;
        put16(pseudo + 10, 20);
        put16(otcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), otcp, 20)));
        (void)ihl;
        return 54;
}

static bool host_addr4(const NetFilter *f, const uint8_t *dst) {
        uint32_t d;
        memcpy(&d, dst, 4);
        return d == 0xffffffffU || (d & f->netmask.s_addr) == f->network.s_addr;
}

static bool host_addr6(const NetFilter *f, const uint8_t *dst) {
        static const uint8_t allnodes[16] = {0xff, 0x02, [15] = 0x01};
        return memcmp(dst, &f->prefix6, 8) == 0 || memcmp(dst, allnodes, 16) == 0;
}

/* The verdict for one TCP or UDP packet to a host address. */
static NetFilterVerdict judge(const NetFilter *f, int proto, const uint8_t *l4, size_t l4len,
                              bool to_dns) {
        if (proto == PROTO_TCP) {
                if (l4len < 20)
                        return NET_FILTER_PASS; /* libslirp drops a short header */
                if (to_dns && get16(l4 + 2) == 53)
                        return NET_FILTER_PASS;
                return (l4[13] & (TCP_SYN | TCP_ACK)) == TCP_SYN ? NET_FILTER_REJECT
                                                                 : NET_FILTER_PASS;
        }
        if (proto == PROTO_UDP) {
                if (l4len < 8)
                        return NET_FILTER_PASS;
                uint16_t dport = get16(l4 + 2);
                if ((to_dns && dport == 53) || dport == 67 || dport == 69)
                        return NET_FILTER_PASS;
                return udp_published(f, get16(l4)) ? NET_FILTER_PASS : NET_FILTER_DROP;
        }
        return NET_FILTER_PASS;
}

NetFilterVerdict net_filter_guest_frame(const NetFilter *f, const uint8_t *frame, size_t len,
                                        uint8_t *reply, size_t *ret_reply_len) {
        if (!f->block_host_loopback || len < ETH_HLEN_)
                return NET_FILTER_PASS;
        uint16_t type = get16(frame + 12);
        const uint8_t *ip = frame + ETH_HLEN_;
        size_t iplen = len - ETH_HLEN_;

        if (type == ETHERTYPE_IPV4) {
                if (iplen < 20 || (ip[0] >> 4) != 4)
                        return NET_FILTER_PASS;
                size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
                if (ihl < 20 || iplen < ihl || !host_addr4(f, ip + 16))
                        return NET_FILTER_PASS;
                size_t tot = get16(ip + 2);
                if (tot < ihl || tot > iplen)
                        return NET_FILTER_PASS; /* malformed: libslirp drops it */
                if (get16(ip + 6) & 0x1fff)
                        return NET_FILTER_PASS; /* a later fragment carries no ports */
                const uint8_t *l4 = ip + ihl;
                size_t l4len = tot - ihl;
                NetFilterVerdict v = judge(f, ip[9], l4, l4len, memcmp(ip + 16, &f->dns, 4) == 0);
                if (v != NET_FILTER_REJECT)
                        return v;
                if ((size_t)(l4[12] >> 4) * 4 < 20 || (size_t)(l4[12] >> 4) * 4 > l4len || !reply ||
                    !ret_reply_len)
                        return NET_FILTER_DROP;
                *ret_reply_len = build_rst4(frame, ip, ihl, l4, l4len, reply);
                return NET_FILTER_REJECT;
        }
        if (type == ETHERTYPE_IPV6) {
                if (iplen < 40 || (ip[0] >> 4) != 6 || !host_addr6(f, ip + 24))
                        return NET_FILTER_PASS;
                /* extension headers are not followed: libslirp forwards only plain TCP/UDP */
                NetFilterVerdict v =
                        judge(f, ip[6], ip + 40, iplen - 40, memcmp(ip + 24, &f->dns6, 16) == 0);
                return v == NET_FILTER_REJECT ? NET_FILTER_DROP : v;
        }
        return NET_FILTER_PASS;
}

/* RFC 1624: the checksum `check` after the 32-bit word `old` became `new`. */
static uint16_t csum_replace4(uint16_t check, const uint8_t *old, const uint8_t *new) {
        uint32_t sum = (uint16_t)~check;
        sum += (uint16_t)~get16(old);
        sum += (uint16_t)~get16(old + 2);
        sum += get16(new);
        sum += get16(new + 2);
        return csum_fold(sum);
}

size_t net_filter_host_frame(const NetFilter *f, const uint8_t *frame, size_t len, uint8_t *out,
                             size_t out_size) {
        static const uint8_t loopback[4] = {127, 0, 0, 1};
        /* the cheap test first: this runs for every frame to the guest */
        if (len < ETH_HLEN_ + 20 || frame[ETH_HLEN_ + 9] != PROTO_UDP ||
            memcmp(frame + ETH_HLEN_ + 12, loopback, 4) != 0 ||
            get16(frame + 12) != ETHERTYPE_IPV4 || (frame[ETH_HLEN_] >> 4) != 4)
                return 0;
        size_t ihl = (size_t)(frame[ETH_HLEN_] & 0x0f) * 4;
        if (ihl < 20 || len < ETH_HLEN_ + ihl || len > out_size)
                return 0;
        memcpy(out, frame, len);
        uint8_t *ip = out + ETH_HLEN_;
        memcpy(ip + 12, &f->gateway, 4);
        put16(ip + 10, 0);
        put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
        /* the UDP checksum covers the source address (pseudo-header); it sits in the first
         * fragment only, and 0 means none */
        uint8_t *udp = ip + ihl;
        if ((get16(ip + 6) & 0x1fff) == 0 && len >= ETH_HLEN_ + ihl + 8 && get16(udp + 6) != 0) {
                uint16_t c = csum_replace4(get16(udp + 6), loopback, ip + 12);
                put16(udp + 6, c ? c : 0xffff);
        }
        return len;
}
