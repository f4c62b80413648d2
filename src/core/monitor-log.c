/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-log.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "basic/xalloc.h"

/* Records gathered before one writev(); each record is three iovecs. */
#define BATCH_RECORDS 32

struct MonitorLog {
        int fd;
        char *path;
        uint64_t size;
        uint64_t max_size;
};

typedef struct Batch {
        struct iovec iov[BATCH_RECORDS * 3];
        size_t n;
        size_t bytes;
} Batch;

int64_t monitor_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

size_t monitor_format_time(int64_t ns, char buf[MONITOR_TIME_MAX]) {
        time_t sec = (time_t)(ns / 1000000000LL);
        long frac = (long)(ns % 1000000000LL);
        if (frac < 0) {
                frac += 1000000000L;
                sec--;
        }
        struct tm tm;
        gmtime_r(&sec, &tm);
        int n = snprintf(buf, MONITOR_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec, frac);
        return n < 0 ? 0 : MIN((size_t)n, (size_t)MONITOR_TIME_MAX - 1);
}

static int parse_digits(const char **s, int n, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*s)[i]))
                        return -EINVAL;
                v = v * 10 + ((*s)[i] - '0');
        }
        *s += n;
        *ret = v;
        return 0;
}

static int expect_char(const char **s, char c) {
        if (**s != c)
                return -EINVAL;
        (*s)++;
        return 0;
}

int monitor_parse_time(const char *s, int64_t *ret_ns) {
        int y, mo, d, h, mi, se;
        if (parse_digits(&s, 4, &y) < 0 || expect_char(&s, '-') < 0 ||
            parse_digits(&s, 2, &mo) < 0 || expect_char(&s, '-') < 0 ||
            parse_digits(&s, 2, &d) < 0 || (*s != 'T' && *s != 't') || !++s ||
            parse_digits(&s, 2, &h) < 0 || expect_char(&s, ':') < 0 ||
            parse_digits(&s, 2, &mi) < 0 || expect_char(&s, ':') < 0 ||
            parse_digits(&s, 2, &se) < 0)
                return -EINVAL;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
                return -EINVAL;
        long frac = 0;
        if (*s == '.') {
                s++;
                int digits = 0;
                while (isdigit((unsigned char)*s)) {
                        if (digits < 9) {
                                frac = frac * 10 + (*s - '0');
                                digits++;
                        }
                        s++;
                }
                if (digits == 0)
                        return -EINVAL;
                for (; digits < 9; digits++)
                        frac *= 10;
        }
        long offset = 0;
        if (*s == 'Z' || *s == 'z')
                s++;
        else if (*s == '+' || *s == '-') {
                int sign = *s == '-' ? -1 : 1, oh, om;
                s++;
                if (parse_digits(&s, 2, &oh) < 0 || expect_char(&s, ':') < 0 ||
                    parse_digits(&s, 2, &om) < 0 || oh > 23 || om > 59)
                        return -EINVAL;
                offset = sign * (oh * 3600L + om * 60L);
        } else
                return -EINVAL;
        if (*s)
                return -EINVAL;
        struct tm tm = {
                .tm_year = y - 1900,
                .tm_mon = mo - 1,
                .tm_mday = d,
                .tm_hour = h,
                .tm_min = mi,
                .tm_sec = se,
        };
        time_t t = timegm(&tm);
        *ret_ns = ((int64_t)t - offset) * 1000000000LL + frac;
        return 0;
}

int monitor_log_open(const char *path, uint64_t max_size, MonitorLog **ret, WarrenError **err) {
        if (max_size != 0 && max_size < MONITOR_LOG_MIN_SIZE)
                return error_set(err, EINVAL, "log size cap %llu is below the minimum of %u bytes",
                                 (unsigned long long)max_size, MONITOR_LOG_MIN_SIZE);
        int fd =
                open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open log `%s`", path);
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = error_set_errno(err, errno, "stat log `%s`", path);
                close(fd);
                return r;
        }
        MonitorLog *l = xnew(MonitorLog, 1);
        l->fd = fd;
        l->path = xstrdup(path);
        l->size = (uint64_t)st.st_size;
        l->max_size = max_size;
        *ret = l;
        return 0;
}

MonitorLog *monitor_log_free(MonitorLog *l) {
        if (l) {
                safe_close(l->fd);
                free(l->path);
                free(l);
        }
        return NULL;
}

uint64_t monitor_log_size(const MonitorLog *l) {
        return l->size;
}

static int flush(MonitorLog *l, Batch *b, WarrenError **err) {
        struct iovec *iov = b->iov;
        size_t n = b->n;
        while (n > 0) {
                ssize_t w = writev(l->fd, iov, (int)n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        b->n = b->bytes = 0;
                        return error_set_errno(err, errno, "write log `%s`", l->path);
                }
                l->size += (uint64_t)w;
                while (n > 0 && (size_t)w >= iov->iov_len) {
                        w -= (ssize_t)iov->iov_len;
                        iov++;
                        n--;
                }
                if (n > 0) {
                        iov->iov_base = (char *)iov->iov_base + w;
                        iov->iov_len -= (size_t)w;
                }
        }
        b->n = b->bytes = 0;
        return 0;
}

static int rotate(MonitorLog *l, WarrenError **err) {
        _cleanup_free_ char *old = xasprintf("%s.1", l->path);
        if (rename(l->path, old) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "rotate log `%s`", l->path);
        int fd = open(l->path,
                      O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                      0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open log `%s`", l->path);
        safe_close(l->fd);
        l->fd = fd;
        l->size = 0;
        return 0;
}

int monitor_log_write(MonitorLog *l, MonitorStream stream, int64_t now_ns, const char *data,
                      size_t len, WarrenError **err) {
        static char newline[] = "\n";
        char ts[MONITOR_TIME_MAX];
        char hdr_full[MONITOR_TIME_MAX + 16], hdr_part[MONITOR_TIME_MAX + 16];
        monitor_format_time(now_ns, ts);
        const char *sname = stream == MONITOR_STREAM_STDERR ? "stderr" : "stdout";
        int hlen = snprintf(hdr_full, sizeof(hdr_full), "%s %s F ", ts, sname);
        snprintf(hdr_part, sizeof(hdr_part), "%s %s P ", ts, sname);
        if (hlen < 0)
                return error_set(err, EINVAL, "format log record");

        /* What fits in one file after the header and the newline. */
        size_t max_content = l->max_size ? (size_t)l->max_size - (size_t)hlen - 1 : SIZE_MAX;
        Batch b = {.n = 0};
        int r;
        const char *p = data, *end = data + len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t left = (size_t)((nl ? nl : end) - p);
                for (;;) {
                        size_t piece = MIN(left, max_content);
                        bool full = nl && piece == left;
                        size_t reclen = (size_t)hlen + piece + 1;
                        if (l->max_size && l->size + b.bytes > 0 &&
                            l->size + b.bytes + reclen > l->max_size) {
                                r = flush(l, &b, err);
                                if (r < 0)
                                        return r;
                                r = rotate(l, err);
                                if (r < 0)
                                        return r;
                        }
                        b.iov[b.n++] = (struct iovec){full ? hdr_full : hdr_part, (size_t)hlen};
                        b.iov[b.n++] = (struct iovec){(void *)p, piece};
                        b.iov[b.n++] = (struct iovec){newline, 1};
                        b.bytes += reclen;
                        if (b.n == ELEMENTSOF(b.iov)) {
                                r = flush(l, &b, err);
                                if (r < 0)
                                        return r;
                        }
                        p += piece;
                        left -= piece;
                        if (left == 0)
                                break;
                }
                if (nl)
                        p = nl + 1;
        }
        return flush(l, &b, err);
}

int monitor_log_parse_line(const char *line, size_t len, MonitorLogRecord *ret) {
        const char *end = line + len;
        const char *sp = memchr(line, ' ', len);
        if (!sp || (size_t)(sp - line) >= MONITOR_TIME_MAX)
                return -EINVAL;
        char ts[MONITOR_TIME_MAX];
        memcpy(ts, line, (size_t)(sp - line));
        ts[sp - line] = 0;
        MonitorLogRecord r = {};
        if (monitor_parse_time(ts, &r.time_ns) < 0)
                return -EINVAL;
        const char *p = sp + 1;
        if ((size_t)(end - p) >= 7 && memcmp(p, "stdout ", 7) == 0)
                r.stream = MONITOR_STREAM_STDOUT;
        else if ((size_t)(end - p) >= 7 && memcmp(p, "stderr ", 7) == 0)
                r.stream = MONITOR_STREAM_STDERR;
        else
                return -EINVAL;
        p += 7;
        if (end - p < 1 || (*p != 'F' && *p != 'P'))
                return -EINVAL;
        r.partial = *p == 'P';
        p++;
        /* The kubelet allows a tag list ("F:x"); take the first tag. */
        while (p < end && *p != ' ')
                p++;
        if (p < end)
                p++; /* the one space before the text (none when the text is empty) */
        r.text = p;
        r.len = (size_t)(end - p);
        *ret = r;
        return 0;
}
