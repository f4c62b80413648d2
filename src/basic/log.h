/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>

#include "basic/macro.h"

/* The log sink: the one piece of global state besides parsed options. Programs configure it in
 * main(); library code only calls log_*(). Library code reports failures through WarrenError,
 * and logs only what a --debug user wants to see (decisions, fallbacks, degraded features). */
typedef enum LogLevel {
        LOG_LEVEL_ERROR = 0,
        LOG_LEVEL_WARNING = 1,
        LOG_LEVEL_INFO = 2,
        LOG_LEVEL_DEBUG = 3,
} LogLevel;

typedef enum LogFormat {
        LOG_FORMAT_TEXT = 0,
        LOG_FORMAT_JSON = 1, /* runc's --log-format json: {"level":..,"msg":..,"time":..} */
} LogFormat;

void log_set_level(LogLevel level);
LogLevel log_get_level(void);
void log_set_program(const char *name);
/* Log to this fd (default stderr). The fd is not closed by the log module. */
void log_set_fd(int fd, LogFormat format);
/* Open `path` for appending (0600, O_CLOEXEC) and log there. Returns -errno. */
int log_open(const char *path, LogFormat format);

void log_emit(LogLevel level, const char *fmt, ...) _printf_(2, 3);
void log_emitv(LogLevel level, const char *fmt, va_list ap) _printf_(2, 0);

#define log_error(...) log_emit(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_emit(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_emit(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
        do {                                                                                       \
                if (log_get_level() >= LOG_LEVEL_DEBUG)                                            \
                        log_emit(LOG_LEVEL_DEBUG, __VA_ARGS__);                                    \
        } while (0)
