/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/error.h"

#include <stdio.h>
#include <string.h>

#include "basic/xalloc.h"

int error_setv(WarrenError **err, int code, bool with_strerror, const char *fmt, va_list ap) {
        if (code <= 0)
                code = EIO;
        if (!err)
                return -code;
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        WarrenError *e = xnew(WarrenError, 1);
        e->code = code;
        if (with_strerror)
                e->msg = xasprintf("%s: %s", msg, strerror(code));
        else
                e->msg = TAKE_PTR(msg);
        error_free(*err);
        *err = e;
        return -code;
}

int error_set(WarrenError **err, int code, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int error_set_errno(WarrenError **err, int code, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

int error_prefix(WarrenError **err, int ret, const char *fmt, ...) {
        if (!err || !*err)
                return ret;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *ctx = xvasprintf(fmt, ap);
        va_end(ap);
        char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
        free((*err)->msg);
        (*err)->msg = msg;
        return ret;
}

int error_move(WarrenError **dst, WarrenError *src) {
        int r = -(src ? src->code : EIO);
        if (dst) {
                error_free(*dst);
                *dst = src;
        } else
                error_free(src);
        return r;
}

WarrenError *error_free(WarrenError *e) {
        if (e) {
                free(e->msg);
                free(e);
        }
        return NULL;
}

const char *errno_name(int code) {
#define E(x)                                                                                       \
        case x:                                                                                    \
                return #x
        switch (code) {
                E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG); E(ENOEXEC);
                E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY);
                E(EEXIST); E(EXDEV); E(ENODEV); E(ENOTDIR); E(EISDIR); E(EINVAL); E(ENFILE);
                E(EMFILE); E(ENOTTY); E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS); E(EMLINK);
                E(EPIPE); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOSYS); E(ENOTEMPTY);
                E(ELOOP); E(ENODATA); E(ETIME); E(EPROTO); E(EBADMSG); E(EOVERFLOW);
                E(EOPNOTSUPP); E(EADDRINUSE); E(ECONNREFUSED); E(ETIMEDOUT); E(ECANCELED);
                E(EMSGSIZE); E(EILSEQ); E(ENOTCONN); E(ECONNRESET); E(ESTALE);
        default:
                return NULL;
        }
#undef E
}
