/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/parse-util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"

int safe_atoi64(const char *s, int64_t *ret) {
        if (!s || !*s || isspace((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno || !end || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno || !end || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        int64_t v;
        int r = safe_atoi64(s, &v);
        if (r < 0)
                return r;
        if (v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        *ret = (int) v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -ERANGE;
        uint64_t mul = 1;
        switch (tolower((unsigned char) *end)) {
        case 0:
                break;
        case 'b':
                end++;
                break;
        case 'k':
                mul = 1ULL << 10;
                end++;
                break;
        case 'm':
                mul = 1ULL << 20;
                end++;
                break;
        case 'g':
                mul = 1ULL << 30;
                end++;
                break;
        case 't':
                mul = 1ULL << 40;
                end++;
                break;
        default:
                return -EINVAL;
        }
        if (mul > 1 && (*end == 'b' || *end == 'B'))
                end++;
        if (*end)
                return -EINVAL;
        if (v > UINT64_MAX / mul)
                return -ERANGE;
        *ret = v * mul;
        return 0;
}

static const struct {
        const char *name;
        int sig;
} signals[] = {
        { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
        { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
        { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
        { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
        { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
        { "WINCH", SIGWINCH }, { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
        { "SYS", SIGSYS },
};

const char *signal_name(int sig) {
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                if (signals[i].sig == sig)
                        return signals[i].name;
        return NULL;
}

int parse_signal(const char *s, int *ret) {
        if (!s || !*s)
                return -EINVAL;
        int n;
        if (isdigit((unsigned char) *s)) {
                if (safe_atoi(s, &n) < 0 || n <= 0 || n > SIGRTMAX)
                        return -EINVAL;
                *ret = n;
                return 0;
        }
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                if (strcasecmp(s, signals[i].name) == 0) {
                        *ret = signals[i].sig;
                        return 0;
                }
        if (strncasecmp(s, "RTMIN", 5) == 0) {
                n = 0;
                if (s[5] == '+' && (safe_atoi(s + 6, &n) < 0 || n < 0))
                        return -EINVAL;
                if (s[5] && s[5] != '+')
                        return -EINVAL;
                if (SIGRTMIN + n > SIGRTMAX)
                        return -EINVAL;
                *ret = SIGRTMIN + n;
                return 0;
        }
        if (strncasecmp(s, "RTMAX", 5) == 0) {
                n = 0;
                if (s[5] == '-' && (safe_atoi(s + 6, &n) < 0 || n < 0))
                        return -EINVAL;
                if (s[5] && s[5] != '-')
                        return -EINVAL;
                if (SIGRTMAX - n < SIGRTMIN)
                        return -EINVAL;
                *ret = SIGRTMAX - n;
                return 0;
        }
        return -EINVAL;
}
