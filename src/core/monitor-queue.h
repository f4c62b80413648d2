/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the monitor holds for one attach client whose socket is full: whole packets, in order, to
 * be sent when the socket takes them again (docs/protocols/monitor.md, flow control). A
 * zero-initialised MonitorQueue is empty and owns no memory; memory is taken only while a client
 * is behind, in chunks of MONITOR_QUEUE_CHUNK bytes, and each chunk is released as soon as it has
 * been sent. A chunk is large enough to be mapped on its own by the allocator, so a client that
 * falls behind once leaves nothing resident after it has caught up.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/monitor-msg.h"

#define MONITOR_QUEUE_CHUNK (136U * 1024U)

typedef struct MonitorQueueChunk MonitorQueueChunk;

typedef struct MonitorQueue {
        MonitorQueueChunk *first;
        MonitorQueueChunk *last;
        size_t bytes; /* packet bytes queued (type bytes and payloads) */
} MonitorQueue;

/* Append one packet: the type byte, then `len` bytes of payload. -EMSGSIZE when `len` is over
 * MONITOR_DATA_MAX (nothing is queued), else 0. */
int monitor_queue_push(MonitorQueue *q, MonitorMsgType type, const void *data, size_t len);
/* The oldest packet (type byte first), or false when the queue is empty. */
bool monitor_queue_peek(const MonitorQueue *q, const void **ret_packet, size_t *ret_len);
/* Drop the oldest packet; a chunk is freed once it has nothing left. */
void monitor_queue_pop(MonitorQueue *q);
/* Send packets from the front to a SOCK_SEQPACKET socket until it is empty or the socket would
 * block. Returns the number of packets sent, or -errno when the socket failed (the peer is gone);
 * the packet that failed stays queued. */
int monitor_queue_flush(MonitorQueue *q, int fd);
/* Free everything; the queue is empty again. */
void monitor_queue_clear(MonitorQueue *q);

static inline bool monitor_queue_empty(const MonitorQueue *q) {
        return q->first == NULL;
}
