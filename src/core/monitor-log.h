/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container log in the CRI format (the kubelet's and CRI-O's):
 *
 *   <RFC3339Nano> <stdout|stderr> <F|P> <text>\n
 *
 * A line the container ends with '\n' becomes one F ("full") record; bytes read without a
 * trailing newline become a P ("partial") record at once (the monitor never holds output back),
 * and the next record of that stream continues the line. Timestamps are UTC with nine fraction
 * digits ("2026-11-23T13:47:02.123456789Z"), the time the monitor read the bytes.
 *
 * With a size cap, no file grows past it: before a record that would cross the cap, LOG is
 * renamed to LOG.1 (replacing the previous one) and a new LOG is started. A line longer than
 * what fits in one file is cut into P records.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

#define MONITOR_TIME_MAX 40
/* The smallest size cap accepted (0 means no cap). */
#define MONITOR_LOG_MIN_SIZE 4096U

typedef enum MonitorStream {
        MONITOR_STREAM_STDOUT,
        MONITOR_STREAM_STDERR,
} MonitorStream;

typedef struct MonitorLog MonitorLog;

/* CLOCK_REALTIME in nanoseconds. */
int64_t monitor_now_ns(void);
/* Format `ns` since the epoch as RFC3339 UTC with nine fraction digits. Returns the length. */
size_t monitor_format_time(int64_t ns, char buf[MONITOR_TIME_MAX]);
/* Parse RFC3339 ("...Z" or "...+hh:mm", with or without a fraction). -EINVAL when malformed. */
int monitor_parse_time(const char *s, int64_t *ret_ns);

/* Open (append, create 0600) the log at `path`; `max_size` 0 means unbounded, else it must be at
 * least MONITOR_LOG_MIN_SIZE (EINVAL). */
int monitor_log_open(const char *path, uint64_t max_size, MonitorLog **ret, WarrenError **err);
MonitorLog *monitor_log_free(MonitorLog *l);
static inline void monitor_log_freep(MonitorLog **l) {
        monitor_log_free(*l);
}
#define _cleanup_monitor_log_ _cleanup_(monitor_log_freep)

/* Append `len` bytes the container wrote on `stream`, read at `now_ns`. */
int monitor_log_write(MonitorLog *l, MonitorStream stream, int64_t now_ns, const char *data,
                      size_t len, WarrenError **err);
/* One parsed record, pointing into the caller's line. */
typedef struct MonitorLogRecord {
        int64_t time_ns;
        MonitorStream stream;
        bool partial; /* P: the line continues in the next record of this stream */
        const char *text;
        size_t len;
} MonitorLogRecord;

/* Parse one record (without its '\n'), for `logs`: join P records of a stream with the next
 * record of that stream to get the container's line back. EINVAL when malformed. */
int monitor_log_parse_line(const char *line, size_t len, MonitorLogRecord *ret);

/* Bytes in the current file. */
uint64_t monitor_log_size(const MonitorLog *l);
