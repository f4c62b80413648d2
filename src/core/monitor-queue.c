/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-queue.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "basic/xalloc.h"

/* A chunk holds records [u16 length][packet], appended at `tail` and consumed from `head`. A
 * packet never straddles two chunks. */
struct MonitorQueueChunk {
        MonitorQueueChunk *next;
        size_t head;
        size_t tail;
        char data[];
};

#define RECORD_HEADER sizeof(uint16_t)
#define CHUNK_DATA (MONITOR_QUEUE_CHUNK - sizeof(MonitorQueueChunk))

_Static_assert(MONITOR_MSG_MAX <= UINT16_MAX, "a packet length must fit in the record header");
_Static_assert(RECORD_HEADER + MONITOR_MSG_MAX <= CHUNK_DATA, "a chunk must hold a whole packet");

int monitor_queue_push(MonitorQueue *q, MonitorMsgType type, const void *data, size_t len) {
        if (len > MONITOR_DATA_MAX)
                return -EMSGSIZE;
        size_t need = RECORD_HEADER + 1 + len;
        MonitorQueueChunk *c = q->last;
        if (!c || CHUNK_DATA - c->tail < need) {
                c = xmalloc(MONITOR_QUEUE_CHUNK);
                c->next = NULL;
                c->head = c->tail = 0;
                if (q->last)
                        q->last->next = c;
                else
                        q->first = c;
                q->last = c;
        }
        uint16_t plen = (uint16_t)(1 + len);
        char *p = c->data + c->tail;
        memcpy(p, &plen, RECORD_HEADER);
        p[RECORD_HEADER] = (char)type;
        if (len)
                memcpy(p + RECORD_HEADER + 1, data, len);
        c->tail += need;
        q->bytes += plen;
        return 0;
}

bool monitor_queue_peek(const MonitorQueue *q, const void **ret_packet, size_t *ret_len) {
        const MonitorQueueChunk *c = q->first;
        if (!c)
                return false;
        uint16_t plen;
        memcpy(&plen, c->data + c->head, RECORD_HEADER);
        *ret_packet = c->data + c->head + RECORD_HEADER;
        *ret_len = plen;
        return true;
}

void monitor_queue_pop(MonitorQueue *q) {
        MonitorQueueChunk *c = q->first;
        if (!c)
                return;
        uint16_t plen;
        memcpy(&plen, c->data + c->head, RECORD_HEADER);
        c->head += RECORD_HEADER + plen;
        q->bytes -= plen;
        if (c->head < c->tail)
                return;
        q->first = c->next;
        if (!q->first)
                q->last = NULL;
        free(c);
}

int monitor_queue_flush(MonitorQueue *q, int fd) {
        int sent = 0;
        const void *p;
        size_t len;
        while (monitor_queue_peek(q, &p, &len)) {
                if (send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return -errno;
                }
                monitor_queue_pop(q);
                sent++;
        }
        return sent;
}

void monitor_queue_clear(MonitorQueue *q) {
        while (q->first) {
                MonitorQueueChunk *c = q->first;
                q->first = c->next;
                free(c);
        }
        *q = (MonitorQueue){};
}
