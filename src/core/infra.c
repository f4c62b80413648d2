/* SPDX-License-Identifier: Apache-2.0 */
#include "core/infra.h"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "userns/clone.h"
#include "userns/holder.h"
#include "userns/sync.h"

static int loopback_up(WarrenError **err) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        struct ifreq ifr = {};
        strcpy(ifr.ifr_name, "lo");
        int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
        if (r == 0) {
                ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
                r = ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        int e = errno;
        close(fd);
        if (r < 0)
                return error_set_errno(err, e, "bring the loopback interface up");
        return 0;
}

static int infra_child(int sync_fd, void *userdata, WarrenError **err) {
        const InfraOptions *o = userdata;
        int r;
        if (o->hostname && sethostname(o->hostname, strlen(o->hostname)) < 0)
                return error_set_errno(err, errno, "set hostname `%s`", o->hostname);
        if (!o->host_network) {
                r = loopback_up(err);
                if (r < 0)
                        return r;
        }
        (void) setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        if (sync_fd > 3)
                (void) syscall(SYS_close_range, 3U, (unsigned) sync_fd - 1, 0U);
        (void) syscall(SYS_close_range, (unsigned) sync_fd + 1, ~0U, 0U);
        /* The sync fd is O_CLOEXEC: a successful exec closes it, which the parent reads as
         * success; a failed exec reports the error. */
        execl(o->pause_path, "warren-pause", o->sandbox_id, (char *) NULL);
        return error_set_errno(err, errno, "exec `%s`", o->pause_path);
}

int infra_start(const InfraOptions *opts, InfraInfo *ret, WarrenError **err) {
        if (access(opts->pause_path, X_OK) < 0)
                return error_set_errno(err, errno, "infra program `%s`", opts->pause_path);
        CloneOptions co = {
                .ns_flags = CLONE_NEWIPC | CLONE_NEWUTS | (opts->host_network ? 0 : CLONE_NEWNET),
        };
        _cleanup_clone_child_ CloneChild child = { .pid = -1, .sync_fd = -1, .pidfd = -1 };
        int r = clone_spawn(&co, infra_child, (void *) opts, &child, err);
        if (r < 0)
                return error_prefix(err, r, "start the sandbox's infra process");
        r = sync_expect_eof(child.sync_fd, err);
        if (r < 0) {
                clone_kill_and_reap(child.pid);
                return error_prefix(err, r, "start the sandbox's infra process");
        }
        ret->pid = child.pid;
        ret->start_time = holder_process_start_time(child.pid);
        return 0;
}

int infra_kill_by_sandbox(const char *sandbox_id) {
        _cleanup_closedir_ DIR *d = opendir("/proc");
        if (!d || !sandbox_id || !sandbox_id[0])
                return 0;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                int pid;
                if (safe_atoi(de->d_name, &pid) < 0 || pid <= 1)
                        continue;
                char path[64], buf[256];
                snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid())
                        continue;
                ssize_t len = read(fd, buf, sizeof(buf) - 1);
                if (len <= 0)
                        continue;
                buf[len] = 0;
                /* "warren-pause\0ID\0" */
                size_t a0 = strlen(buf);
                if (STRNEQ(buf, "warren-pause") || (ssize_t)a0 + 1 >= len ||
                    STRNEQ(buf + a0 + 1, sandbox_id))
                        continue;
                if (kill(pid, SIGKILL) == 0)
                        n++;
        }
        return n;
}

bool infra_alive(pid_t pid, uint64_t start_time) {
        if (pid <= 0)
                return false;
        uint64_t st = holder_process_start_time(pid);
        return st != 0 && (start_time == 0 || st == start_time);
}

/* Wait up to timeout_ms for pid to exit: a pidfd when the kernel has them (no polling), else
 * short sleeps. Our own child is reaped on the way. */
static bool wait_gone(pid_t pid, uint64_t start_time, int timeout_ms) {
        int pfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pfd >= 0) {
                struct pollfd p = { .fd = pfd, .events = POLLIN };
                int r;
                while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                        ;
                close(pfd);
                (void) waitpid(pid, NULL, WNOHANG);
                return r > 0 || !infra_alive(pid, start_time);
        }
        for (int waited = 0; waited < timeout_ms * 10; waited++) {
                (void) waitpid(pid, NULL, WNOHANG);
                if (!infra_alive(pid, start_time))
                        return true;
                nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
        }
        return false;
}

int infra_stop(pid_t pid, uint64_t start_time, int timeout_ms, WarrenError **err) {
        if (!infra_alive(pid, start_time))
                return 0;
        if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
                return error_set_errno(err, errno, "stop infra process %d", (int) pid);
        if (wait_gone(pid, start_time, timeout_ms))
                return 0;
        if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
                return error_set_errno(err, errno, "kill infra process %d", (int) pid);
        (void) wait_gone(pid, start_time, 1000);
        return 0;
}

char *infra_ns_path(pid_t pid, const char *type) {
        return xasprintf("/proc/%d/ns/%s", (int) pid, type);
}
