/* SPDX-License-Identifier: Apache-2.0 */
/* The host-loopback policy on frames from the tap; the loopback source of frames to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "core/net-filter.h"

static const uint8_t GUEST_MAC[6] = {0x02, 0, 0, 0, 0, 0x64};
static const uint8_t SLIRP_MAC[6] = {0x52, 0x55, 0x0a, 0, 0x02, 0x02};

static NetFilter filter(const NetHostfwdTable *t) {
        NetFilter f = {.block_host_loopback = true, .published = t};
        inet_pton(AF_INET, "10.0.2.0", &f.network);
        inet_pton(AF_INET, "255.255.255.0", &f.netmask);
        inet_pton(AF_INET, "10.0.2.2", &f.gateway);
        inet_pton(AF_INET, "10.0.2.3", &f.dns);
        inet_pton(AF_INET6, "fd00::", &f.prefix6);
        inet_pton(AF_INET6, "fd00::3", &f.dns6);
        return f;
}

static size_t eth(uint8_t *buf, uint16_t type) {
        memcpy(buf, SLIRP_MAC, 6);
        memcpy(buf + 6, GUEST_MAC, 6);
        buf[12] = (uint8_t)(type >> 8);
        buf[13] = (uint8_t)type;
        return 14;
}

/* An IPv4 frame from 10.0.2.100 to `dst`, protocol `proto`, ports, TCP flags. */
static size_t frame4(uint8_t *buf, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport,
                     uint8_t flags) {
        memset(buf, 0, 128);
        size_t o = eth(buf, 0x0800);
        uint8_t *ip = buf + o;
        size_t l4 = proto == 6 ? 20 : 8;
        ip[0] = 0x45;
        ip[2] = 0;
        ip[3] = (uint8_t)(20 + l4);
        ip[8] = 64;
        ip[9] = proto;
        inet_pton(AF_INET, "10.0.2.100", ip + 12);
        inet_pton(AF_INET, dst, ip + 16);
        uint8_t *p = ip + 20;
        p[0] = (uint8_t)(sport >> 8);
        p[1] = (uint8_t)sport;
        p[2] = (uint8_t)(dport >> 8);
        p[3] = (uint8_t)dport;
        if (proto == 6) {
                p[4] = 0x12; /* seq 0x12345678 */
                p[5] = 0x34;
                p[6] = 0x56;
                p[7] = 0x78;
                p[12] = 5 << 4;
                p[13] = flags;
        }
        return o + 20 + l4;
}

static size_t frame6(uint8_t *buf, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport,
                     uint8_t flags) {
        memset(buf, 0, 128);
        size_t o = eth(buf, 0x86dd);
        uint8_t *ip = buf + o;
        ip[0] = 0x60;
        ip[6] = proto;
        inet_pton(AF_INET6, "fd00::100", ip + 8);
        inet_pton(AF_INET6, dst, ip + 24);
        uint8_t *p = ip + 40;
        p[0] = (uint8_t)(sport >> 8);
        p[1] = (uint8_t)sport;
        p[2] = (uint8_t)(dport >> 8);
        p[3] = (uint8_t)dport;
        p[12] = 5 << 4;
        p[13] = flags;
        return o + 40 + 20;
}

static NetFilterVerdict judge(const NetFilter *f, const uint8_t *buf, size_t len) {
        uint8_t reply[NET_FILTER_REPLY_MAX];
        size_t rlen = 0;
        return net_filter_guest_frame(f, buf, len, reply, &rlen);
}

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum) {
        for (size_t i = 0; i + 1 < len; i += 2)
                sum += (uint32_t)(p[i] << 8 | p[i + 1]);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)sum;
}

static void test_tcp_syn_to_host_is_reset(void **state) {
        NetFilter f = filter(NULL);
        uint8_t buf[128], reply[NET_FILTER_REPLY_MAX];
        size_t rlen = 0;
        size_t len = frame4(buf, "10.0.2.2", 6, 40000, 8080, 0x02);
        assert_int_equal(net_filter_guest_frame(&f, buf, len, reply, &rlen), NET_FILTER_REJECT);
        assert_int_equal(rlen, 54);
        assert_memory_equal(reply, GUEST_MAC, 6);
        assert_memory_equal(reply + 6, SLIRP_MAC, 6);
        const uint8_t *ip = reply + 14, *tcp = ip + 20;
        assert_int_equal(sum16(ip, 20, 0), 0xffff); /* valid IP checksum */
        char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, ip + 12, src, sizeof(src));
        inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
        assert_string_equal(src, "10.0.2.2");
        assert_string_equal(dst, "10.0.2.100");
        assert_int_equal(tcp[0] << 8 | tcp[1], 8080);
        assert_int_equal(tcp[2] << 8 | tcp[3], 40000);
        assert_int_equal(tcp[13], 0x14); /* RST|ACK */
        assert_int_equal(tcp[8] << 24 | tcp[9] << 16 | tcp[10] << 8 | tcp[11], 0x12345679);
        uint8_t pseudo[12] = {0};
        memcpy(pseudo, ip + 12, 8);
        pseudo[9] = 6;
        pseudo[11] = 20;
        assert_int_equal(sum16(tcp, 20, sum16(pseudo, 12, 0)), 0xffff);
        /* without a reply buffer it is a plain drop */
        assert_int_equal(net_filter_guest_frame(&f, buf, len, NULL, NULL), NET_FILTER_DROP);
}

static void test_tcp(void **state) {
        NetFilter f = filter(NULL);
        uint8_t buf[128];
        /* any address of the virtual network, and broadcast */
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.50", 6, 1, 22, 0x02)),
                         NET_FILTER_REJECT);
        assert_int_equal(judge(&f, buf, frame4(buf, "255.255.255.255", 6, 1, 22, 0x02)),
                         NET_FILTER_REJECT);
        /* DNS over TCP passes, other ports of the DNS address do not */
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.3", 6, 1, 53, 0x02)), NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.3", 6, 1, 22, 0x02)),
                         NET_FILTER_REJECT);
        /* the outside world passes */
        assert_int_equal(judge(&f, buf, frame4(buf, "192.0.2.1", 6, 1, 80, 0x02)), NET_FILTER_PASS);
        /* packets of connections opened by the host (SYN|ACK, ACK) pass */
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 6, 80, 4000, 0x12)),
                         NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 6, 80, 4000, 0x10)),
                         NET_FILTER_PASS);
        /* allowed: everything passes */
        f.block_host_loopback = false;
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 6, 1, 22, 0x02)), NET_FILTER_PASS);
}

static void test_udp(void **state) {
        NetHostfwdTable t = {0};
        NetHostfwd items[2] = {
                {.id = 1, .proto = NET_PROTO_UDP, .guest_port = 9090},
                {.id = 2, .proto = NET_PROTO_TCP, .guest_port = 7070},
        };
        t.items = items;
        t.n = 2;
        NetFilter f = filter(&t);
        uint8_t buf[128];
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 17, 5000, 6000, 0)),
                         NET_FILTER_DROP);
        /* the reply of a published UDP service to a loopback client */
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 17, 9090, 6000, 0)),
                         NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 17, 7070, 6000, 0)),
                         NET_FILTER_DROP);
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.3", 17, 5000, 53, 0)), NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.3", 17, 5000, 54, 0)), NET_FILTER_DROP);
        assert_int_equal(judge(&f, buf, frame4(buf, "255.255.255.255", 17, 68, 67, 0)),
                         NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame4(buf, "255.255.255.255", 17, 9, 9, 0)),
                         NET_FILTER_DROP);
        assert_int_equal(judge(&f, buf, frame4(buf, "198.51.100.1", 17, 1, 1, 0)), NET_FILTER_PASS);
        /* ICMP is answered by libslirp itself */
        assert_int_equal(judge(&f, buf, frame4(buf, "10.0.2.2", 1, 0, 0, 0)), NET_FILTER_PASS);
}

static void test_ipv6(void **state) {
        NetFilter f = filter(NULL);
        uint8_t buf[128];
        assert_int_equal(judge(&f, buf, frame6(buf, "fd00::2", 6, 1, 22, 0x02)), NET_FILTER_DROP);
        assert_int_equal(judge(&f, buf, frame6(buf, "fd00::77", 6, 1, 22, 0x02)), NET_FILTER_DROP);
        assert_int_equal(judge(&f, buf, frame6(buf, "ff02::1", 17, 1, 22, 0)), NET_FILTER_DROP);
        assert_int_equal(judge(&f, buf, frame6(buf, "fd00::3", 17, 1, 53, 0)), NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame6(buf, "2001:db8::1", 6, 1, 22, 0x02)),
                         NET_FILTER_PASS);
        assert_int_equal(judge(&f, buf, frame6(buf, "fd00::2", 58, 0, 0, 0)), NET_FILTER_PASS);
}

static void test_malformed_passes_to_libslirp(void **state) {
        NetFilter f = filter(NULL);
        uint8_t buf[128];
        size_t len = frame4(buf, "10.0.2.2", 6, 1, 22, 0x02);
        for (size_t l = 0; l < len; l++)
                (void)judge(&f, buf, l); /* no reads beyond l (ASan in make check) */
        buf[14] = 0x44;                  /* ihl 16 */
        assert_int_equal(judge(&f, buf, len), NET_FILTER_PASS);
        len = frame4(buf, "10.0.2.2", 6, 1, 22, 0x02);
        buf[14 + 3] = 200; /* total length beyond the frame */
        assert_int_equal(judge(&f, buf, len), NET_FILTER_PASS);
        len = frame4(buf, "10.0.2.2", 17, 1, 22, 0);
        buf[14 + 7] = 1; /* a later fragment */
        assert_int_equal(judge(&f, buf, len), NET_FILTER_PASS);
        len = frame6(buf, "fd00::2", 6, 1, 22, 0x02);
        for (size_t l = 0; l < len; l++)
                (void)judge(&f, buf, l);
        eth(buf, 0x0806); /* ARP */
        assert_int_equal(judge(&f, buf, 42), NET_FILTER_PASS);
}

/* A UDP frame libslirp sends to the guest: `src`:5000 -> 10.0.2.100:9090, 6 bytes of payload,
 * valid checksums (the UDP one only with `udp_sum`). */
static size_t udp_to_guest(uint8_t *buf, const char *src, bool udp_sum) {
        memset(buf, 0, 128);
        size_t o = eth(buf, 0x0800);
        memcpy(buf, GUEST_MAC, 6);
        memcpy(buf + 6, SLIRP_MAC, 6);
        uint8_t *ip = buf + o, *udp = ip + 20;
        ip[0] = 0x45;
        ip[3] = 20 + 8 + 6;
        ip[8] = 64;
        ip[9] = 17;
        inet_pton(AF_INET, src, ip + 12);
        inet_pton(AF_INET, "10.0.2.100", ip + 16);
        uint16_t c = (uint16_t)~sum16(ip, 20, 0);
        ip[10] = (uint8_t)(c >> 8);
        ip[11] = (uint8_t)c;
        udp[0] = 5000 >> 8;
        udp[1] = 5000 & 0xff;
        udp[2] = 9090 >> 8;
        udp[3] = 9090 & 0xff;
        udp[5] = 8 + 6;
        memcpy(udp + 8, "hello!", 6);
        if (udp_sum) {
                uint8_t pseudo[12] = {0};
                memcpy(pseudo, ip + 12, 8);
                pseudo[9] = 17;
                pseudo[11] = 8 + 6;
                c = (uint16_t)~sum16(udp, 14, sum16(pseudo, 12, 0));
                udp[6] = (uint8_t)(c >> 8);
                udp[7] = (uint8_t)c;
        }
        return o + 20 + 8 + 6;
}

static void assert_udp_sums_valid(const uint8_t *buf) {
        const uint8_t *ip = buf + 14, *udp = ip + 20;
        assert_int_equal(sum16(ip, 20, 0), 0xffff);
        uint8_t pseudo[12] = {0};
        memcpy(pseudo, ip + 12, 8);
        pseudo[9] = 17;
        pseudo[11] = 8 + 6;
        assert_int_equal(sum16(udp, 14, sum16(pseudo, 12, 0)), 0xffff);
}

static void test_loopback_source_becomes_gateway(void **state) {
        NetFilter f = filter(NULL);
        f.block_host_loopback = false; /* the rewrite does not depend on the policy */
        uint8_t buf[128], out[128];
        char src[INET_ADDRSTRLEN];

        size_t len = udp_to_guest(buf, "127.0.0.1", true);
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), len);
        assert_string_equal(inet_ntop(AF_INET, out + 14 + 12, src, sizeof(src)), "10.0.2.2");
        assert_udp_sums_valid(out);
        /* everything else is as it was */
        assert_memory_equal(out, buf, 14 + 10);
        assert_memory_equal(out + 14 + 16, buf + 14 + 16, len - 14 - 16 - 8);
        assert_memory_equal(out + 14 + 28, "hello!", 6);

        /* no UDP checksum: stays none */
        len = udp_to_guest(buf, "127.0.0.1", false);
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), len);
        assert_int_equal(out[14 + 20 + 6] | out[14 + 20 + 7], 0);
        assert_int_equal(sum16(out + 14, 20, 0), 0xffff);

        /* a later fragment: the address and the IP checksum only */
        len = udp_to_guest(buf, "127.0.0.1", true);
        buf[14 + 7] = 0x10; /* offset 128 */
        buf[14 + 10] = buf[14 + 11] = 0;
        uint16_t c = (uint16_t)~sum16(buf + 14, 20, 0);
        buf[14 + 10] = (uint8_t)(c >> 8);
        buf[14 + 11] = (uint8_t)c;
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), len);
        assert_int_equal(sum16(out + 14, 20, 0), 0xffff);
        assert_memory_equal(out + 14 + 20, buf + 14 + 20, len - 14 - 20);

        /* other sources, other protocols, other frames: untouched */
        len = udp_to_guest(buf, "192.168.77.2", true);
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), 0);
        len = udp_to_guest(buf, "10.0.2.2", true);
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), 0);
        len = udp_to_guest(buf, "127.0.0.2", true); /* libslirp answers 127.0.0.1 only */
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), 0);
        len = udp_to_guest(buf, "127.0.0.1", true);
        buf[14 + 9] = 6;
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), 0);
        len = udp_to_guest(buf, "127.0.0.1", true);
        eth(buf, 0x86dd);
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), 0);
        /* no room, bad header length, short frames: untouched, no reads beyond len */
        len = udp_to_guest(buf, "127.0.0.1", true);
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, len - 1), 0);
        buf[14] = 0x44;
        assert_int_equal(net_filter_host_frame(&f, buf, len, out, sizeof(out)), 0);
        len = udp_to_guest(buf, "127.0.0.1", true);
        for (size_t l = 0; l < len; l++)
                (void)net_filter_host_frame(&f, buf, l, out, sizeof(out));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tcp_syn_to_host_is_reset),
                cmocka_unit_test(test_tcp),
                cmocka_unit_test(test_udp),
                cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_malformed_passes_to_libslirp),
                cmocka_unit_test(test_loopback_source_becomes_gateway),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
