/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's per-client packet queue: order, whole packets, chunks released as they empty,
 * and flushing into a SOCK_SEQPACKET socket that fills up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/monitor-msg.h"
#include "core/monitor-queue.h"

/* Packet i: STDOUT or STDERR, payload of (i * 37) % (MONITOR_DATA_MAX + 1) bytes of (char)i. */
static size_t payload_len(unsigned i) {
        return (i * 37U) % (MONITOR_DATA_MAX + 1);
}

static void fill(char *buf, unsigned i) {
        memset(buf, (int)(i & 0xff), payload_len(i));
}

static MonitorMsgType type_of(unsigned i) {
        return i % 3 ? MONITOR_MSG_STDOUT : MONITOR_MSG_STDERR;
}

static void check_packet(const char *p, size_t len, unsigned i) {
        assert_int_equal(len, 1 + payload_len(i));
        assert_int_equal((unsigned char)p[0], type_of(i));
        for (size_t k = 1; k < len; k++)
                assert_int_equal((unsigned char)p[k], i & 0xff);
}

static void test_queue_empty(void **state) {
        MonitorQueue q = {};
        const void *p;
        size_t len;
        assert_true(monitor_queue_empty(&q));
        assert_false(monitor_queue_peek(&q, &p, &len));
        monitor_queue_pop(&q); /* nothing to pop: no effect */
        assert_true(monitor_queue_empty(&q));
        assert_int_equal(q.bytes, 0);
        monitor_queue_clear(&q);
        char big[MONITOR_DATA_MAX + 1] = {};
        assert_int_equal(monitor_queue_push(&q, MONITOR_MSG_STDOUT, big, sizeof(big)), -EMSGSIZE);
        assert_true(monitor_queue_empty(&q));
}

static void test_queue_order_across_chunks(void **state) {
        MonitorQueue q = {};
        char buf[MONITOR_DATA_MAX];
        size_t total = 0;
        const unsigned n = 400; /* about 1.6 MB: a dozen chunks */
        for (unsigned i = 0; i < n; i++) {
                fill(buf, i);
                assert_int_equal(monitor_queue_push(&q, type_of(i), buf, payload_len(i)), 0);
                total += 1 + payload_len(i);
                assert_int_equal(q.bytes, total);
        }
        assert_true(total > 4 * MONITOR_QUEUE_CHUNK);
        /* An empty payload is a packet too. */
        assert_int_equal(monitor_queue_push(&q, MONITOR_MSG_EXIT, NULL, 0), 0);
        for (unsigned i = 0; i < n; i++) {
                const void *p;
                size_t len;
                assert_true(monitor_queue_peek(&q, &p, &len));
                check_packet(p, len, i);
                monitor_queue_pop(&q);
                total -= len;
                assert_int_equal(q.bytes, total + 1);
        }
        const void *p;
        size_t len;
        assert_true(monitor_queue_peek(&q, &p, &len));
        assert_int_equal(len, 1);
        assert_int_equal(((const char *)p)[0], MONITOR_MSG_EXIT);
        monitor_queue_pop(&q);
        /* Every chunk is released once sent. */
        assert_true(monitor_queue_empty(&q));
        assert_null(q.last);
        assert_int_equal(q.bytes, 0);
}

static void test_queue_interleaved_push_pop(void **state) {
        MonitorQueue q = {};
        char buf[MONITOR_DATA_MAX];
        unsigned next_in = 0, next_out = 0;
        for (unsigned round = 0; round < 200; round++) {
                for (unsigned k = 0; k < 3; k++, next_in++) {
                        fill(buf, next_in);
                        monitor_queue_push(&q, type_of(next_in), buf, payload_len(next_in));
                }
                for (unsigned k = 0; k < 2; k++, next_out++) {
                        const void *p;
                        size_t len;
                        assert_true(monitor_queue_peek(&q, &p, &len));
                        check_packet(p, len, next_out);
                        monitor_queue_pop(&q);
                }
        }
        assert_false(monitor_queue_empty(&q));
        monitor_queue_clear(&q);
        assert_true(monitor_queue_empty(&q));
        assert_int_equal(q.bytes, 0);
}

static void test_queue_flush_to_full_socket(void **state) {
        int sp[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
        MonitorQueue q = {};
        char buf[MONITOR_MSG_MAX + 1];
        const unsigned n = 300; /* more than a unix socket holds */
        for (unsigned i = 0; i < n; i++) {
                fill(buf, i);
                monitor_queue_push(&q, type_of(i), buf, payload_len(i));
        }
        int sent = monitor_queue_flush(&q, sp[0]);
        assert_true(sent > 0);
        assert_true((unsigned)sent < n);
        assert_false(monitor_queue_empty(&q));
        /* Nothing more goes while the peer reads nothing. */
        assert_int_equal(monitor_queue_flush(&q, sp[0]), 0);
        unsigned got = 0;
        while (got < n) {
                ssize_t len = recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT);
                if (len < 0) {
                        assert_int_equal(errno, EAGAIN);
                        assert_true(monitor_queue_flush(&q, sp[0]) > 0);
                        continue;
                }
                check_packet(buf, (size_t)len, got);
                got++;
        }
        assert_true(monitor_queue_empty(&q));
        assert_int_equal(monitor_queue_flush(&q, sp[0]), 0);
        /* A peer that is gone is an error, and the packet stays queued. */
        monitor_queue_push(&q, MONITOR_MSG_EXIT, "0 0 0 0", 7);
        close(sp[1]);
        assert_int_equal(monitor_queue_flush(&q, sp[0]), -EPIPE);
        assert_false(monitor_queue_empty(&q));
        monitor_queue_clear(&q);
        close(sp[0]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_queue_empty),
                cmocka_unit_test(test_queue_order_across_chunks),
                cmocka_unit_test(test_queue_interleaved_push_pop),
                cmocka_unit_test(test_queue_flush_to_full_socket),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
