/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The monitor's wire format (docs/protocols/monitor.md). Every message on the attach socket and
 * on the report socket is one SOCK_SEQPACKET packet: a type byte, then up to MONITOR_DATA_MAX
 * bytes of payload. Stream data is raw bytes; every other payload is short ASCII text
 * ("24 80", "stop 10", "2 no such file"). Output types use conmon's numbers (2 stdout,
 * 3 stderr), so a conmon-style reader strips one byte and sees the same stream ids.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

#define MONITOR_DATA_MAX 8192U
#define MONITOR_MSG_MAX (1U + MONITOR_DATA_MAX)

typedef enum MonitorMsgType {
        MONITOR_MSG_STDIN = 1,       /* client -> monitor: bytes for the container's stdin */
        MONITOR_MSG_STDOUT = 2,      /* monitor -> client: container stdout (or the tty) */
        MONITOR_MSG_STDERR = 3,      /* monitor -> client: container stderr */
        MONITOR_MSG_STDIN_CLOSE = 4, /* client -> monitor: close the container's stdin */
        MONITOR_MSG_RESIZE = 5,      /* client -> monitor: "ROWS COLS" */
        MONITOR_MSG_ATTACH = 6,      /* client -> monitor: "FLAGS" (MONITOR_ATTACH_*) */
        MONITOR_MSG_REQUEST = 7,     /* client -> monitor: "start", "stop [S]", "kill SIG", ... */
        MONITOR_MSG_REPLY = 8,       /* monitor -> client: success; text depends on the request */
        MONITOR_MSG_ERROR = 9,       /* either way: "ERRNO MESSAGE" */
        MONITOR_MSG_EXIT = 10,       /* monitor -> client: "EXIT_CODE SIGNAL OOM RESTARTING" */
        MONITOR_MSG_MONITOR = 11,    /* report: "PID STARTTIME" of the monitor */
        MONITOR_MSG_CREATED = 12,    /* report: "PID" of the container's init */
        MONITOR_MSG_STARTED = 13,    /* report: "PID" of the container's init */
        _MONITOR_MSG_MAX,
} MonitorMsgType;

/* Attach flags (the ATTACH payload is their sum in decimal). */
#define MONITOR_ATTACH_STDIN 1U
#define MONITOR_ATTACH_STDOUT 2U
#define MONITOR_ATTACH_STDERR 4U
#define MONITOR_ATTACH_ALL 7U

typedef struct MonitorMsg {
        MonitorMsgType type;
        const char *data; /* points into the caller's buffer, NUL-terminated */
        size_t len;
} MonitorMsg;

/* "STDIN", "STDOUT", ... or NULL. */
const char *monitor_msg_type_name(MonitorMsgType type);

/* Encode into buf (at least 1 + len bytes). Returns the packet size, -EMSGSIZE when the payload
 * is longer than MONITOR_DATA_MAX, -EINVAL for an unknown type. */
int monitor_msg_encode(MonitorMsgType type, const void *data, size_t len, void *buf, size_t size);
/* Decode a packet of `len` bytes. The payload must be NUL-terminated by the caller (buf has room
 * for len + 1 bytes and buf[len] == 0, as monitor_msg_recv() does). EPROTO on an empty packet, an
 * unknown type or an oversized payload. */
int monitor_msg_decode(const char *buf, size_t len, MonitorMsg *ret, WarrenError **err);

/* Send one packet (MSG_NOSIGNAL | flags, e.g. MSG_DONTWAIT). Returns 0 or -errno, without
 * setting an error object: callers decide whether a gone peer is an error. */
int monitor_msg_send(int fd, MonitorMsgType type, const void *data, size_t len, int flags);
int monitor_msg_sendf(int fd, MonitorMsgType type, const char *fmt, ...) _printf_(3, 4);
/* Send ERROR for `e` (NULL: EIO "unknown error"). */
int monitor_msg_send_error(int fd, const WarrenError *e);

/* Receive one packet into buf (size >= MONITOR_MSG_MAX + 1). Returns 1 with *ret filled, 0 at
 * EOF, -errno on failure (EAGAIN for a non-blocking socket with nothing to read). A truncated
 * or malformed packet is EPROTO. */
int monitor_msg_recv(int fd, char *buf, size_t size, MonitorMsg *ret, WarrenError **err);

/* Payloads. */
int monitor_error_format(const WarrenError *e, char *buf, size_t size);
/* Rebuild the error an ERROR payload carries. Returns its -errno (EPROTO when malformed). */
int monitor_error_parse(const char *data, size_t len, WarrenError **err);
int monitor_resize_parse(const char *data, unsigned short *ret_rows, unsigned short *ret_cols);
int monitor_attach_flags_parse(const char *data, unsigned *ret_flags);

typedef enum MonitorRequestType {
        MONITOR_REQUEST_START,
        MONITOR_REQUEST_STOP, /* arg: seconds before SIGKILL, -1: the configured default */
        MONITOR_REQUEST_KILL, /* arg: signal number */
        MONITOR_REQUEST_STATUS,
} MonitorRequestType;

typedef struct MonitorRequest {
        MonitorRequestType type;
        int arg;
} MonitorRequest;

int monitor_request_parse(const char *data, MonitorRequest *ret, WarrenError **err);

/* A "PID [NUMBER]" payload (MONITOR, CREATED, STARTED). */
int monitor_pid_parse(const char *data, pid_t *ret_pid, uint64_t *ret_number);
