/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testprobe: a tiny static program integration tests run inside containers to see what the
 * container got. libc only. Always exits 0 (2 on a usage error) and prints `key: value` lines.
 *
 *   testprobe ids            uid/gid lines, /proc/self/uid_map and gid_map, groups
 *   testprobe caps           CapInh/CapPrm/CapEff/CapBnd/CapAmb from /proc/self/status
 *   testprobe seccomp        Seccomp, Seccomp_filters and NoNewPrivs from /proc/self/status
 *   testprobe hostname       hostname and domainname
 *   testprobe mounts         /proc/self/mountinfo
 *   testprobe syscall NAME   try one syscall: `syscall NAME: ok` or `syscall NAME: EPERM`
 *                            (mkdir chmod getcwd uname getpid unshare mount sethostname socket
 *                            ptrace clone3 chroot keyctl; mount aims at a missing path, so
 *                            ENOENT means seccomp let it through; clone3 passes no args, so
 *                            EINVAL means allowed, ENOSYS/EPERM blocked)
 *   testprobe read PATH      `read PATH: ok` or `read PATH: ENOENT`
 *   testprobe all            ids, caps, seccomp, hostname
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *errname(int e) {
        static char buf[16];
#define E(x)                                                                                       \
        case x:                                                                                    \
                return #x
        switch (e) {
                E(EPERM);
                E(ENOENT);
                E(ESRCH);
                E(EINTR);
                E(EIO);
                E(ENXIO);
                E(E2BIG);
                E(EBADF);
                E(ECHILD);
                E(EAGAIN);
                E(ENOMEM);
                E(EACCES);
                E(EFAULT);
                E(EBUSY);
                E(EEXIST);
                E(EXDEV);
                E(ENODEV);
                E(ENOTDIR);
                E(EISDIR);
                E(EINVAL);
                E(ENFILE);
                E(EMFILE);
                E(ENOTTY);
                E(EFBIG);
                E(ENOSPC);
                E(ESPIPE);
                E(EROFS);
                E(EMLINK);
                E(EPIPE);
                E(ERANGE);
                E(ENAMETOOLONG);
                E(ENOSYS);
                E(ENOTEMPTY);
                E(ELOOP);
                E(EOPNOTSUPP);
                E(EAFNOSUPPORT);
                E(EPROTONOSUPPORT);
                E(ENOTCONN);
        }
#undef E
        snprintf(buf, sizeof(buf), "E%d", e);
        return buf;
}

static void cat(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f) {
                printf("%s: %s\n", path, errname(errno));
                return;
        }
        char line[4096];
        while (fgets(line, sizeof(line), f))
                fputs(line, stdout);
        fclose(f);
}

/* Print the lines of /proc/self/status that start with one of `keys`. */
static void status_lines(const char *const *keys) {
        FILE *f = fopen("/proc/self/status", "re");
        if (!f) {
                printf("/proc/self/status: %s\n", errname(errno));
                return;
        }
        char line[512];
        while (fgets(line, sizeof(line), f))
                for (size_t i = 0; keys[i]; i++)
                        if (strncmp(line, keys[i], strlen(keys[i])) == 0 &&
                            line[strlen(keys[i])] == ':')
                                fputs(line, stdout);
        fclose(f);
}

static void cmd_ids(void) {
        printf("uid: %d\neuid: %d\ngid: %d\negid: %d\n", (int)getuid(), (int)geteuid(),
               (int)getgid(), (int)getegid());
        printf("uid_map:\n");
        cat("/proc/self/uid_map");
        printf("gid_map:\n");
        cat("/proc/self/gid_map");
        gid_t groups[256];
        int n = getgroups(256, groups);
        printf("groups:");
        for (int i = 0; i < n; i++)
                printf(" %d", (int)groups[i]);
        printf("\n");
}

static void cmd_caps(void) {
        static const char *const keys[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL};
        status_lines(keys);
}

static void cmd_seccomp(void) {
        static const char *const keys[] = {"Seccomp", "Seccomp_filters", "NoNewPrivs", NULL};
        status_lines(keys);
}

static void cmd_hostname(void) {
        struct utsname u;
        if (uname(&u) < 0) {
                printf("uname: %s\n", errname(errno));
                return;
        }
        printf("hostname: %s\ndomainname: %s\n", u.nodename, u.domainname);
}

/* Each probe returns 0 or -errno; raw syscalls so libc cannot substitute another one. */
static long probe(const char *name) {
        char buf[4096];
        long r;
        if (strcmp(name, "mkdir") == 0) {
                char path[64];
                snprintf(path, sizeof(path), "/tmp/.testprobe-%d", (int)getpid());
#ifdef SYS_mkdir
                r = syscall(SYS_mkdir, path, 0700);
#else
                r = syscall(SYS_mkdirat, AT_FDCWD, path, 0700);
#endif
                if (r == 0)
                        rmdir(path);
        } else if (strcmp(name, "chmod") == 0) {
                struct stat st;
                if (stat("/tmp", &st) < 0)
                        return -errno;
#ifdef SYS_chmod
                r = syscall(SYS_chmod, "/tmp", st.st_mode & 07777);
#else
                r = syscall(SYS_fchmodat, AT_FDCWD, "/tmp", st.st_mode & 07777);
#endif
        } else if (strcmp(name, "getcwd") == 0)
                r = syscall(SYS_getcwd, buf, sizeof(buf));
        else if (strcmp(name, "uname") == 0)
                r = syscall(SYS_uname, (struct utsname *)(void *)buf);
        else if (strcmp(name, "getpid") == 0)
                r = syscall(SYS_getpid);
        else if (strcmp(name, "unshare") == 0)
                r = syscall(SYS_unshare, CLONE_NEWUTS);
        else if (strcmp(name, "mount") == 0)
                /* a missing target: ENOENT when seccomp lets it through, changes nothing */
                r = syscall(SYS_mount, "testprobe", "/.testprobe-missing", "tmpfs", 0, NULL);
        else if (strcmp(name, "sethostname") == 0) {
                struct utsname u;
                uname(&u);
                r = syscall(SYS_sethostname, u.nodename, strlen(u.nodename));
        } else if (strcmp(name, "socket") == 0) {
                r = syscall(SYS_socket, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0);
                if (r >= 0)
                        close((int)r);
        } else if (strcmp(name, "ptrace") == 0)
                r = syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, 0, 0, 0);
        else if (strcmp(name, "clone3") == 0)
                r = syscall(435 /* SYS_clone3 */, NULL, 0);
        else if (strcmp(name, "chroot") == 0)
                r = syscall(SYS_chroot, "/");
        else if (strcmp(name, "keyctl") == 0)
                r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
        else
                return -EOPNOTSUPP - 100000; /* unknown to the probe */
        return r < 0 ? -errno : 0;
}

static void cmd_syscall(const char *name) {
        long r = probe(name);
        if (r == -EOPNOTSUPP - 100000)
                printf("syscall %s: unknown probe\n", name);
        else if (r == 0)
                printf("syscall %s: ok\n", name);
        else
                printf("syscall %s: %s\n", name, errname((int)-r));
}

static void cmd_read(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                printf("read %s: %s\n", path, errname(errno));
                return;
        }
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        int e = errno;
        close(fd);
        if (n < 0)
                printf("read %s: %s\n", path, errname(e));
        else
                printf("read %s: ok\n", path);
}

static int usage(void) {
        fprintf(stderr, "usage: testprobe ids|caps|seccomp|hostname|mounts|all|syscall NAME|"
                        "read PATH\n");
        return 2;
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2)
                return usage();
        const char *cmd = argv[1];
        if (strcmp(cmd, "ids") == 0)
                cmd_ids();
        else if (strcmp(cmd, "caps") == 0)
                cmd_caps();
        else if (strcmp(cmd, "seccomp") == 0)
                cmd_seccomp();
        else if (strcmp(cmd, "hostname") == 0)
                cmd_hostname();
        else if (strcmp(cmd, "mounts") == 0)
                cat("/proc/self/mountinfo");
        else if (strcmp(cmd, "syscall") == 0 && argc >= 3)
                for (int i = 2; i < argc; i++)
                        cmd_syscall(argv[i]);
        else if (strcmp(cmd, "read") == 0 && argc >= 3)
                for (int i = 2; i < argc; i++)
                        cmd_read(argv[i]);
        else if (strcmp(cmd, "all") == 0) {
                cmd_ids();
                cmd_caps();
                cmd_seccomp();
                cmd_hostname();
        } else
                return usage();
        return 0;
}
