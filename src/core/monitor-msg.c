/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-msg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "basic/parse-util.h"

static const char *const type_names[_MONITOR_MSG_MAX] = {
        [MONITOR_MSG_STDIN] = "STDIN",     [MONITOR_MSG_STDOUT] = "STDOUT",
        [MONITOR_MSG_STDERR] = "STDERR",   [MONITOR_MSG_STDIN_CLOSE] = "STDIN_CLOSE",
        [MONITOR_MSG_RESIZE] = "RESIZE",   [MONITOR_MSG_ATTACH] = "ATTACH",
        [MONITOR_MSG_REQUEST] = "REQUEST", [MONITOR_MSG_REPLY] = "REPLY",
        [MONITOR_MSG_ERROR] = "ERROR",     [MONITOR_MSG_EXIT] = "EXIT",
        [MONITOR_MSG_MONITOR] = "MONITOR", [MONITOR_MSG_CREATED] = "CREATED",
        [MONITOR_MSG_STARTED] = "STARTED",
};

const char *monitor_msg_type_name(MonitorMsgType type) {
        if ((int)type <= 0 || type >= _MONITOR_MSG_MAX)
                return NULL;
        return type_names[type];
}

int monitor_msg_encode(MonitorMsgType type, const void *data, size_t len, void *buf, size_t size) {
        if (!monitor_msg_type_name(type))
                return -EINVAL;
        if (len > MONITOR_DATA_MAX || size < len + 1)
                return -EMSGSIZE;
        unsigned char *p = buf;
        p[0] = (unsigned char)type;
        if (len)
                memcpy(p + 1, data, len);
        return (int)(len + 1);
}

int monitor_msg_decode(const char *buf, size_t len, MonitorMsg *ret, WarrenError **err) {
        if (len == 0)
                return error_set(err, EPROTO, "empty monitor message");
        unsigned type = (unsigned char)buf[0];
        if (!monitor_msg_type_name((MonitorMsgType)type))
                return error_set(err, EPROTO, "unknown monitor message type %u", type);
        if (len - 1 > MONITOR_DATA_MAX)
                return error_set(err, EPROTO, "monitor message of %zu bytes is too long", len);
        ret->type = (MonitorMsgType)type;
        ret->data = buf + 1;
        ret->len = len - 1;
        return 0;
}

int monitor_msg_send(int fd, MonitorMsgType type, const void *data, size_t len, int flags) {
        if (!monitor_msg_type_name(type))
                return -EINVAL;
        if (len > MONITOR_DATA_MAX)
                return -EMSGSIZE;
        unsigned char t = (unsigned char)type;
        struct iovec iov[2] = {
                {.iov_base = &t, .iov_len = 1},
                {.iov_base = (void *)data, .iov_len = len},
        };
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
        for (;;) {
                if (sendmsg(fd, &mh, MSG_NOSIGNAL | flags) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

int monitor_msg_sendf(int fd, MonitorMsgType type, const char *fmt, ...) {
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        return monitor_msg_send(fd, type, text, MIN((size_t)n, sizeof(text) - 1), 0);
}

int monitor_error_format(const WarrenError *e, char *buf, size_t size) {
        int n = snprintf(buf, size, "%d %s", e ? e->code : EIO, e ? e->msg : "unknown error");
        if (n < 0)
                return -EINVAL;
        return (int)MIN((size_t)n, size - 1);
}

int monitor_msg_send_error(int fd, const WarrenError *e) {
        char text[2048];
        int n = monitor_error_format(e, text, sizeof(text));
        if (n < 0)
                return n;
        return monitor_msg_send(fd, MONITOR_MSG_ERROR, text, (size_t)n, 0);
}

int monitor_msg_recv(int fd, char *buf, size_t size, MonitorMsg *ret, WarrenError **err) {
        if (size < MONITOR_MSG_MAX + 1)
                return error_set(err, EINVAL, "monitor receive buffer too small");
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n;
        while ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) < 0) {
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        return -EAGAIN;
                if (errno == ECONNRESET)
                        return 0;
                return error_set_errno(err, errno, "receive from monitor socket");
        }
        if (n == 0)
                return 0;
        if (mh.msg_flags & MSG_TRUNC)
                return error_set(err, EPROTO, "monitor message too long");
        buf[n] = 0;
        int r = monitor_msg_decode(buf, (size_t)n, ret, err);
        if (r < 0)
                return r;
        return 1;
}

int monitor_error_parse(const char *data, size_t len, WarrenError **err) {
        const char *sp = memchr(data, ' ', len);
        int code = 0;
        if (sp) {
                char num[16];
                size_t nl = (size_t)(sp - data);
                if (nl > 0 && nl < sizeof(num)) {
                        memcpy(num, data, nl);
                        num[nl] = 0;
                        if (safe_atoi(num, &code) < 0)
                                code = 0;
                }
        }
        if (code <= 0 || code > 4095)
                return error_set(err, EPROTO, "malformed error from the monitor: `%.*s`",
                                 (int)MIN(len, (size_t)200), data);
        size_t mlen = len - (size_t)(sp + 1 - data);
        return error_set(err, code, "%.*s", (int)mlen, sp + 1);
}

int monitor_resize_parse(const char *data, unsigned short *ret_rows, unsigned short *ret_cols) {
        unsigned rows = 0, cols = 0;
        int end = 0;
        if (sscanf(data, "%5u %5u%n", &rows, &cols, &end) != 2 || data[end] != 0 ||
            !isdigit((unsigned char)data[0]) || rows > 65535 || cols > 65535)
                return -EINVAL;
        *ret_rows = (unsigned short)rows;
        *ret_cols = (unsigned short)cols;
        return 0;
}

int monitor_attach_flags_parse(const char *data, unsigned *ret_flags) {
        uint32_t v;
        if (safe_atou32(data, &v) < 0 || v == 0 || (v & ~MONITOR_ATTACH_ALL))
                return -EINVAL;
        *ret_flags = v;
        return 0;
}

int monitor_request_parse(const char *data, MonitorRequest *ret, WarrenError **err) {
        const char *arg = strchr(data, ' ');
        size_t vlen = arg ? (size_t)(arg - data) : strlen(data);
        if (arg)
                arg++;
#define VERB(v) (vlen == strlen(v) && strncmp(data, v, vlen) == 0)
        if (VERB("start") && !arg) {
                *ret = (MonitorRequest){MONITOR_REQUEST_START, 0};
                return 0;
        }
        if (VERB("status") && !arg) {
                *ret = (MonitorRequest){MONITOR_REQUEST_STATUS, 0};
                return 0;
        }
        if (VERB("stop")) {
                int secs = -1;
                if (arg && (safe_atoi(arg, &secs) < 0 || secs < 0))
                        return error_set(err, EINVAL, "bad stop timeout `%s`", arg);
                *ret = (MonitorRequest){MONITOR_REQUEST_STOP, secs};
                return 0;
        }
        if (VERB("kill")) {
                int sig = 0;
                if (!arg || parse_signal(arg, &sig) < 0)
                        return error_set(err, EINVAL, "bad signal `%s`", arg ? arg : "");
                *ret = (MonitorRequest){MONITOR_REQUEST_KILL, sig};
                return 0;
        }
#undef VERB
        return error_set(err, EINVAL, "unknown monitor request `%.*s`", (int)MIN(vlen, 64), data);
}

int monitor_pid_parse(const char *data, pid_t *ret_pid, uint64_t *ret_number) {
        char pidbuf[16];
        const char *sp = strchr(data, ' ');
        size_t n = sp ? (size_t)(sp - data) : strlen(data);
        if (n == 0 || n >= sizeof(pidbuf))
                return -EINVAL;
        memcpy(pidbuf, data, n);
        pidbuf[n] = 0;
        int pid;
        if (safe_atoi(pidbuf, &pid) < 0 || pid <= 0)
                return -EINVAL;
        uint64_t number = 0;
        if (sp && safe_atou64(sp + 1, &number) < 0)
                return -EINVAL;
        *ret_pid = pid;
        if (ret_number)
                *ret_number = number;
        return 0;
}
