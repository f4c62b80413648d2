/* SPDX-License-Identifier: Apache-2.0 */
#include "core/monitor-proc.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"

int monitor_proc_parse_stat(const char *text, char *ret_state, uint64_t *ret_starttime) {
        /* "PID (COMM) STATE PPID ..."; COMM may hold spaces and parentheses: find the last ')'. */
        const char *p = strrchr(text, ')');
        if (!p || p[1] != ' ')
                return -EINVAL;
        p += 2;
        char state = *p;
        /* state is field 3; starttime is field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EINVAL;
                p++;
        }
        char num[24];
        size_t n = strcspn(p, " \n");
        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, p, n);
        num[n] = 0;
        uint64_t st;
        if (safe_atou64(num, &st) < 0)
                return -EINVAL;
        if (ret_state)
                *ret_state = state;
        *ret_starttime = st;
        return 0;
}

int monitor_proc_starttime(pid_t pid, uint64_t *ret) {
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        int n = read_all(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return n == -ESRCH ? -ESRCH : n;
        buf[n] = 0;
        char state = 0;
        if (monitor_proc_parse_stat(buf, &state, ret) < 0)
                return -EINVAL;
        if (state == 'Z' || state == 'X')
                return -ESRCH;
        return 0;
}

int monitor_proc_write_pidfile_at(int dirfd, const char *name, int *ret_fd, WarrenError **err) {
        uint64_t st = 0;
        int r = monitor_proc_starttime(getpid(), &st);
        if (r < 0)
                return error_set_errno(err, -r, "read own start time");
        char text[64], tmp[NAME_MAX + 1];
        int n = snprintf(text, sizeof(text), "%d %llu\n", (int)getpid(), (unsigned long long)st);
        snprintf(tmp, sizeof(tmp), ".#%.200s.%d", name, (int)getpid());
        /* Locked before it has its name, so that nobody sees it unlocked while we live. */
        _cleanup_close_ int fd =
                openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "create `%s`", name);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        r = fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : write_all(fd, text, (size_t)n);
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return error_set_errno(err, -r, "write `%s`", name);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int monitor_proc_read_pidfile_at(int dirfd, const char *name, pid_t *ret_pid,
                                 uint64_t *ret_starttime, bool *ret_locked, WarrenError **err) {
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return error_set_errno(err, errno, "open `%s`", name);
        }
        char text[128];
        ssize_t n;
        do
                n = read(fd, text, sizeof(text) - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return error_set_errno(err, errno, "read `%s`", name);
        text[n] = 0;
        text[strcspn(text, "\n")] = 0;
        char *sp = strchr(text, ' ');
        if (sp)
                *sp++ = 0;
        int pid;
        uint64_t st = 0;
        if (safe_atoi(text, &pid) < 0 || pid <= 0 || (sp && safe_atou64(sp, &st) < 0))
                return error_set(err, EINVAL, "malformed pid file `%s`", name);
        if (ret_locked) {
                struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
                *ret_locked = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK;
        }
        *ret_pid = pid;
        if (ret_starttime)
                *ret_starttime = st;
        return 0;
}

bool monitor_proc_alive(pid_t pid, uint64_t starttime) {
        uint64_t st;
        if (pid <= 0 || monitor_proc_starttime(pid, &st) < 0)
                return false;
        return starttime == 0 || st == starttime;
}

char *monitor_proc_parse_cgroup(const char *text, const char *controller) {
        /* Lines "ID:CONTROLLERS:PATH"; v2 is "0::PATH". */
        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                const char *c1 = memchr(line, ':', len);
                const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
                if (c2) {
                        size_t clen = (size_t)(c2 - c1 - 1);
                        bool match = false;
                        if (!controller)
                                match = clen == 0 && c1 == line + 1 && line[0] == '0';
                        else
                                for (const char *p = c1 + 1; p < c2;) {
                                        const char *comma = memchr(p, ',', (size_t)(c2 - p));
                                        const char *e = comma ? comma : c2;
                                        if ((size_t)(e - p) == strlen(controller) &&
                                            strncmp(p, controller, (size_t)(e - p)) == 0)
                                                match = true;
                                        p = e + 1;
                                }
                        if (match)
                                return xstrndup(c2 + 1, len - (size_t)(c2 + 1 - line));
                }
                line = nl ? nl + 1 : NULL;
        }
        return NULL;
}

int monitor_proc_oom_kills(const char *counter, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        if (read_file_capped(counter, 4096, &text, NULL, NULL) < 0)
                return -ENOENT;
        const char *p = strstr(text, "oom_kill ");
        while (p && p != text && p[-1] != '\n')
                p = strstr(p + 1, "oom_kill ");
        if (!p)
                return -ENOENT;
        p += strlen("oom_kill ");
        char num[24];
        size_t n = strcspn(p, "\n");
        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, p, n);
        num[n] = 0;
        return safe_atou64(num, ret);
}

static char *counter_for(const char *mine_text, const char *theirs_text, const char *controller,
                         const char *const *bases, const char *file) {
        _cleanup_free_ char *mine = monitor_proc_parse_cgroup(mine_text, controller);
        _cleanup_free_ char *theirs = monitor_proc_parse_cgroup(theirs_text, controller);
        if (!theirs || (mine && STREQ(mine, theirs)))
                return NULL;
        for (const char *const *b = bases; *b; b++) {
                char *path = xasprintf("%s%s/%s", *b, STREQ(theirs, "/") ? "" : theirs, file);
                uint64_t n;
                if (monitor_proc_oom_kills(path, &n) == 0)
                        return path;
                free(path);
        }
        return NULL;
}

char *monitor_proc_oom_counter(pid_t pid) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *mine = NULL, *theirs = NULL;
        if (read_file_capped("/proc/self/cgroup", 16384, &mine, NULL, NULL) < 0 ||
            read_file_capped(path, 16384, &theirs, NULL, NULL) < 0)
                return NULL;
        static const char *const v2[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified", NULL};
        static const char *const v1[] = {"/sys/fs/cgroup/memory", NULL};
        char *c = counter_for(mine, theirs, NULL, v2, "memory.events");
        if (!c)
                c = counter_for(mine, theirs, "memory", v1, "memory.oom_control");
        return c;
}
