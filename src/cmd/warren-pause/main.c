/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warren-pause: a sandbox's infra process. It only holds the sandbox's namespaces: it blocks
 * every signal, reaps children, and exits 0 on SIGTERM, SIGINT or SIGHUP.
 *
 * It is the one process warren keeps per sandbox, so its memory is a reported figure: on x86_64
 * and aarch64 it is built without libc (raw system calls, no startup code), a few kilobytes of
 * text and one page of stack. Elsewhere the same logic is built on libc.
 */
#include <asm/unistd.h>
#include <linux/signal.h>

#define PAUSE_SIGCHLD 17
#define PAUSE_SIGHUP 1
#define PAUSE_SIGINT 2
#define PAUSE_SIGTERM 15
#define PAUSE_WNOHANG 1
#define PAUSE_SIG_BLOCK 0

#if defined(__x86_64__) && defined(WARREN_NOLIBC)
static long sys4(long n, long a, long b, long c, long d) {
        long r;
        register long r10 __asm__("r10") = d;
        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                         : "rcx", "r11", "memory");
        return r;
}
#elif defined(__aarch64__) && defined(WARREN_NOLIBC)
static long sys4(long n, long a, long b, long c, long d) {
        register long x8 __asm__("x8") = n;
        register long x0 __asm__("x0") = a;
        register long x1 __asm__("x1") = b;
        register long x2 __asm__("x2") = c;
        register long x3 __asm__("x3") = d;
        __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
        return x0;
}
#else
#undef WARREN_NOLIBC
#include <unistd.h>
#include <sys/syscall.h>
static long sys4(long n, long a, long b, long c, long d) {
        return syscall(n, a, b, c, d);
}
#endif

static void pause_main(void) __attribute__((noreturn));
static void pause_main(void) {
        unsigned long all = ~0UL; /* the kernel's sigset is 64 bits here */
        long info[16];            /* siginfo_t is 128 bytes */
        sys4(__NR_rt_sigprocmask, PAUSE_SIG_BLOCK, (long) &all, 0, sizeof(all));
        /* An ignored signal is discarded even while blocked (a background job starts with
         * SIGINT ignored): back to the default action, which blocking keeps from running. */
        static const int wanted[] = { PAUSE_SIGTERM, PAUSE_SIGINT, PAUSE_SIGHUP, PAUSE_SIGCHLD };
        for (unsigned i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
                long act[4] = { 0, 0, 0, 0 }; /* handler SIG_DFL, flags, restorer, mask */
                sys4(__NR_rt_sigaction, wanted[i], (long) act, 0, sizeof(all));
        }
        for (;;) {
                long sig = sys4(__NR_rt_sigtimedwait, (long) &all, (long) info, 0, sizeof(all));
                if (sig == PAUSE_SIGTERM || sig == PAUSE_SIGINT || sig == PAUSE_SIGHUP)
                        break;
                if (sig == PAUSE_SIGCHLD)
                        while (sys4(__NR_wait4, -1, 0, PAUSE_WNOHANG, 0) > 0)
                                ;
        }
        for (;;)
                sys4(__NR_exit_group, 0, 0, 0, 0);
}

#ifdef WARREN_NOLIBC
void _start(void) __attribute__((noreturn, used));
#if defined(__x86_64__)
__attribute__((force_align_arg_pointer))
#endif
void _start(void) {
        pause_main();
}
#else
int main(void) {
        pause_main();
}
#endif
