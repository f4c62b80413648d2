/* SPDX-License-Identifier: Apache-2.0 */
#include "userns/sync.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const type_names[_SYNC_TYPE_MAX] = {
        [SYNC_READY] = "READY", [SYNC_MAPPED] = "MAPPED", [SYNC_GO] = "GO",   [SYNC_ERR] = "ERR",
        [SYNC_PID] = "PID",     [SYNC_FD] = "FD",         [SYNC_ACK] = "ACK", [SYNC_USER] = "USER",
};

const char *sync_type_name(SyncType type) {
        if ((int)type <= 0 || type >= _SYNC_TYPE_MAX)
                return NULL;
        return type_names[type];
}

static void put32(uint8_t *p, uint32_t v) {
        memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
}

int sync_encode(SyncType type, int32_t value, const char *text, size_t text_len, void *buf,
                size_t size) {
        if (!text)
                text_len = 0;
        if (text_len > SYNC_TEXT_MAX)
                text_len = SYNC_TEXT_MAX;
        if (size < SYNC_HEADER_SIZE + text_len)
                return -ENOBUFS;
        uint8_t *p = buf;
        put32(p, SYNC_MAGIC);
        put32(p + 4, SYNC_VERSION << 16 | ((uint32_t)type & 0xffffU));
        put32(p + 8, (uint32_t)value);
        put32(p + 12, (uint32_t)text_len);
        if (text_len)
                memcpy(p + SYNC_HEADER_SIZE, text, text_len);
        return (int)(SYNC_HEADER_SIZE + text_len);
}

int sync_decode(const void *buf, size_t len, SyncMsg *ret, WarrenError **err) {
        const uint8_t *p = buf;
        if (len < SYNC_HEADER_SIZE)
                return error_set(err, EPROTO,
                                 "sync message of %zu bytes is shorter than its header", len);
        if (get32(p) != SYNC_MAGIC)
                return error_set(err, EPROTO, "sync message has a bad magic 0x%08x", get32(p));
        uint32_t tv = get32(p + 4);
        if (tv >> 16 != SYNC_VERSION)
                return error_set(err, EPROTO, "sync message has version %u, expected %u", tv >> 16,
                                 SYNC_VERSION);
        uint32_t type = tv & 0xffffU;
        if (!sync_type_name((SyncType)type))
                return error_set(err, EPROTO, "sync message has unknown type %u", type);
        uint32_t text_len = get32(p + 12);
        if (text_len > SYNC_TEXT_MAX || SYNC_HEADER_SIZE + (size_t)text_len != len)
                return error_set(err, EPROTO,
                                 "sync message length %zu does not match its text length %u", len,
                                 text_len);
        ret->type = (SyncType)type;
        ret->value = (int32_t)get32(p + 8);
        ret->text_len = text_len;
        memcpy(ret->text, p + SYNC_HEADER_SIZE, text_len);
        ret->text[text_len] = 0;
        ret->fd = -1;
        return 0;
}

int sync_socketpair(int fds[2], WarrenError **err) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return error_set_errno(err, errno, "create sync socketpair");
        return 0;
}

static int send_raw(int fd, const void *buf, size_t len, int passfd, WarrenError **err) {
        struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (passfd >= 0) {
                memset(&control, 0, sizeof(control));
                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &passfd, sizeof(int));
        }
        for (;;) {
                ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
                if (n >= 0) {
                        if ((size_t)n != len)
                                return error_set(err, EIO, "sync send: short write");
                        return 0;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EPIPE || errno == ECONNRESET)
                        return error_set(err, EPIPE, "sync send: peer gone");
                return error_set_errno(err, errno, "sync send");
        }
}

int sync_send(int fd, SyncType type, int32_t value, const char *text, WarrenError **err) {
        uint8_t buf[SYNC_MSG_MAX];
        int n = sync_encode(type, value, text, text ? strlen(text) : 0, buf, sizeof(buf));
        if (n < 0)
                return error_set(err, -n, "sync encode");
        return send_raw(fd, buf, (size_t)n, -1, err);
}

int sync_send_fd(int fd, SyncType type, int32_t value, int passfd, WarrenError **err) {
        if (passfd < 0)
                return error_set(err, EBADF, "sync send: no fd to pass");
        uint8_t buf[SYNC_MSG_MAX];
        int n = sync_encode(type, value, NULL, 0, buf, sizeof(buf));
        if (n < 0)
                return error_set(err, -n, "sync encode");
        return send_raw(fd, buf, (size_t)n, passfd, err);
}

int sync_send_error(int fd, const WarrenError *e) {
        uint8_t buf[SYNC_MSG_MAX];
        int code = e && e->code > 0 ? e->code : EIO;
        const char *text = e && e->msg ? e->msg : "unknown error";
        int n = sync_encode(SYNC_ERR, code, text, strlen(text), buf, sizeof(buf));
        if (n < 0)
                return n;
        return send_raw(fd, buf, (size_t)n, -1, NULL);
}

int sync_recv(int fd, SyncMsg *ret, WarrenError **err) {
        uint8_t buf[SYNC_MSG_MAX + 1];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        ssize_t n;
        for (;;) {
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
                if (n >= 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno == ECONNRESET)
                        return 0;
                return error_set_errno(err, errno, "sync receive");
        }
        int passed = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int x;
                        memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (passed < 0)
                                passed = x;
                        else
                                close(x);
                }
        }
        if (n == 0 && passed < 0)
                return 0; /* EOF: the peer closed (or exec'd) */
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
                safe_close(passed);
                return error_set(err, EPROTO, "sync message truncated");
        }
        int r = sync_decode(buf, (size_t)n, ret, err);
        if (r < 0) {
                safe_close(passed);
                return r;
        }
        ret->fd = passed;
        return 1;
}

int sync_error_from_msg(const SyncMsg *m, WarrenError **err) {
        int code = m->value > 0 ? m->value : EIO;
        return error_set(err, code, "%s", m->text_len ? m->text : "unknown error");
}

int sync_expect(int fd, SyncType want, SyncMsg *ret, WarrenError **err) {
        SyncMsg m;
        int r = sync_recv(fd, &m, err);
        if (r < 0)
                return r;
        if (r == 0)
                return error_set(err, EPIPE, "peer exited before sending `%s`",
                                 sync_type_name(want));
        if (m.type == SYNC_ERR && want != SYNC_ERR) {
                safe_close(m.fd);
                return sync_error_from_msg(&m, err);
        }
        if (m.type != want) {
                safe_close(m.fd);
                return error_set(err, EPROTO, "unexpected sync message `%s`, expected `%s`",
                                 sync_type_name(m.type), sync_type_name(want));
        }
        if (ret)
                *ret = m;
        else
                safe_close(m.fd);
        return 0;
}

int sync_expect_eof(int fd, WarrenError **err) {
        SyncMsg m;
        int r = sync_recv(fd, &m, err);
        if (r <= 0)
                return r;
        safe_close(m.fd);
        if (m.type == SYNC_ERR)
                return sync_error_from_msg(&m, err);
        return error_set(err, EPROTO, "unexpected sync message `%s`, expected end of stream",
                         sync_type_name(m.type));
}

void sync_fail(int fd, WarrenError *e) {
        (void)sync_send_error(fd, e);
        error_free(e);
        _exit(1);
}
