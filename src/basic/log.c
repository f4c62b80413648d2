/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "basic/xalloc.h"

static LogLevel log_level = LOG_LEVEL_WARNING;
static LogFormat log_format = LOG_FORMAT_TEXT;
static int log_fd = STDERR_FILENO;
static const char *log_program = "warren";

static const char *const level_names[] = {
        [LOG_LEVEL_ERROR] = "error",
        [LOG_LEVEL_WARNING] = "warning",
        [LOG_LEVEL_INFO] = "info",
        [LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(LogLevel level) {
        log_level = level;
}

LogLevel log_get_level(void) {
        return log_level;
}

void log_set_program(const char *name) {
        log_program = name;
}

void log_set_fd(int fd, LogFormat format) {
        log_fd = fd;
        log_format = format;
}

int log_open(const char *path, LogFormat format) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        log_set_fd(fd, format);
        return 0;
}

/* Minimal JSON string escaping for the log line; the json module is not used here so that the
 * log stays usable from any tier and from a child between clone and exec. */
static void append_escaped(char *out, size_t size, size_t *pos, const char *s) {
        for (; *s && *pos + 7 < size; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\') {
                        out[(*pos)++] = '\\';
                        out[(*pos)++] = (char) c;
                } else if (c < 0x20) {
                        *pos += (size_t) snprintf(out + *pos, size - *pos, "\\u%04x", c);
                } else
                        out[(*pos)++] = (char) c;
        }
}

void log_emitv(LogLevel level, const char *fmt, va_list ap) {
        if (level > log_level)
                return;
        int saved = errno;
        char msg[4096];
        vsnprintf(msg, sizeof(msg), fmt, ap);

        char line[8192];
        size_t pos = 0;
        if (log_format == LOG_FORMAT_JSON) {
                struct timespec ts;
                struct tm tm;
                clock_gettime(CLOCK_REALTIME, &ts);
                gmtime_r(&ts.tv_sec, &tm);
                char when[64];
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
                pos = (size_t) snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"",
                                        level_names[level]);
                append_escaped(line, sizeof(line) - 64, &pos, msg);
                pos += (size_t) snprintf(line + pos, sizeof(line) - pos,
                                         "\",\"time\":\"%s.%09ldZ\"}\n", when, ts.tv_nsec);
        } else {
                pos = (size_t) snprintf(line, sizeof(line), "%s: %s%s\n", log_program,
                                        level == LOG_LEVEL_ERROR     ? ""
                                        : level == LOG_LEVEL_WARNING ? "warning: "
                                        : level == LOG_LEVEL_INFO    ? ""
                                                                     : "debug: ",
                                        msg);
        }
        if (pos >= sizeof(line))
                pos = sizeof(line) - 1;
        (void) !write(log_fd, line, pos);
        errno = saved;
}

void log_emit(LogLevel level, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_emitv(level, fmt, ap);
        va_end(ap);
}
