/* SPDX-License-Identifier: Apache-2.0 */
/* CRI log lines (`warren logs` reads them back) and attach-socket packets. */
#include <stdint.h>
#include <stdlib.h>

#include "basic/xalloc.h"
#include "core/monitor-log.h"
#include "core/monitor-msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *p = (const char *) data;
        size_t pos = 0;
        while (pos < size) {
                const char *nl = memchr(p + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - (p + pos)) : size - pos;
                MonitorLogRecord rec;
                if (monitor_log_parse_line(p + pos, len, &rec) == 0 &&
                    (rec.text < p + pos || rec.text + rec.len > p + pos + len))
                        abort(); /* the record must point inside the line */
                pos += len + 1;
        }
        /* The same bytes as one attach packet. */
        char *buf = xmalloc(size + 1);
        memcpy(buf, data, size);
        buf[size] = 0;
        MonitorMsg m;
        (void) monitor_msg_decode(buf, size, &m, NULL);
        free(buf);
        return 0;
}
