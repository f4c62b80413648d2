/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/oci-config.h"
#include "runtime/container-state.h"

static int ns_inode(pid_t pid, const char *ns, ino_t *ret) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, ns);
        struct stat st;
        if (stat(p, &st) < 0)
                return -errno;
        *ret = st.st_ino;
        return 0;
}

/* Processes whose pid namespace is the container's. */
static int pidns_pids(pid_t init, pid_t **ret, size_t *ret_n) {
        ino_t want;
        if (ns_inode(init, "pid", &want) < 0)
                return -ESRCH;
        _cleanup_closedir_ DIR *d = opendir("/proc");
        if (!d)
                return -errno;
        size_t n = 0, cap = 16;
        pid_t *pids = xnew(pid_t, cap);
        struct dirent *de;
        while ((de = readdir(d))) {
                char *end;
                long v = strtol(de->d_name, &end, 10);
                if (*end || v <= 0)
                        continue;
                ino_t ino;
                if (ns_inode((pid_t)v, "pid", &ino) < 0 || ino != want)
                        continue;
                if (n == cap)
                        pids = xreallocarray(pids, cap *= 2, sizeof(pid_t));
                pids[n++] = (pid_t)v;
        }
        *ret = pids;
        *ret_n = n;
        return 0;
}

static int state_pids(const ContainerState *s, pid_t **ret, size_t *ret_n) {
        if (s->cgroups && s->cgroups[0] && cgroup_pids(s->cgroups, ret, ret_n, NULL) >= 0)
                return 0;
        if (s->own_pidns && pidns_pids(s->pid, ret, ret_n) >= 0)
                return 0;
        *ret = xnew(pid_t, 1);
        (*ret)[0] = s->pid;
        *ret_n = 1;
        return 0;
}

int container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
                   WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        int r = container_state_load(root, id, &s, err);
        if (r < 0)
                return r;
        if (container_state_status(s) == STATUS_STOPPED) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        return state_pids(s, ret, ret_n);
}

int container_kill(const char *root, const char *id, int sig, bool all, WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        int r = container_state_load(root, id, &s, err);
        if (r < 0)
                return r;
        ContainerStatus st = container_state_status(s);
        if (st == STATUS_STOPPED)
                return error_set(err, ESRCH, "cannot kill `%s`: container not running", id);
        if (all) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                state_pids(s, &pids, &n);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] != s->pid)
                                (void)kill(pids[i], sig);
        }
        if (kill(s->pid, sig) < 0)
                return error_set_errno(err, errno, "kill container `%s`", id);
        if (st == STATUS_PAUSED && (sig == SIGKILL || sig == SIGTERM))
                (void)cgroup_freeze(s->cgroups, false, NULL);
        return 0;
}

static void wait_gone(const ContainerState *s) {
        for (int i = 0; i < 500 && container_state_pid_alive(s); i++) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
}

int container_delete(const char *root, const char *id, bool force, WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        _cleanup_free_ char *dir = path_join(root, id);
        _cleanup_close_ int lock = -1;
        int r = container_state_lock(root, id, &lock, err);
        if (r >= 0)
                r = container_state_load(root, id, &s, err);
        if (r == -ENOENT && force && container_state_check_id(id, NULL) >= 0 && is_dir(dir)) {
                /* half-created: no state file */
                (void)rm_rf(dir, NULL);
                return 0;
        }
        if (r < 0)
                return r;
        ContainerStatus st = container_state_status(s);
        if (st == STATUS_RUNNING || st == STATUS_PAUSED) {
                if (!force)
                        return error_set(err, EBUSY,
                                         "cannot delete container `%s` that is %s (use --force)",
                                         id, container_status_name(st));
        }
        if (st != STATUS_STOPPED) {
                if (s->own_pidns || !s->cgroups) {
                        (void)kill(s->pid, SIGKILL);
                } else {
                        _cleanup_free_ pid_t *pids = NULL;
                        size_t n = 0;
                        state_pids(s, &pids, &n);
                        for (size_t i = 0; i < n; i++)
                                (void)kill(pids[i], SIGKILL);
                }
                if (st == STATUS_PAUSED)
                        (void)cgroup_freeze(s->cgroups, false, NULL);
                wait_gone(s);
                if (container_state_pid_alive(s))
                        return error_set(err, EBUSY, "container `%s` did not stop", id);
        }
        _cleanup_oci_config_ OciConfig *c = NULL;
        _cleanup_error_ WarrenError *e = NULL;
        if (s->config_path && oci_config_load(s->config_path, &c, &e) < 0)
                log_debug("poststop hooks skipped: %s", e->msg);
        if (c && c->n_hooks[OCI_HOOK_POSTSTOP]) {
                _cleanup_free_ char *js = NULL;
                _cleanup_error_ WarrenError *he = NULL;
                if (container_state_oci_json(s, STATUS_STOPPED, false, false, &js, &he) >= 0 &&
                    hooks_run(c, OCI_HOOK_POSTSTOP, js, &he) < 0)
                        log_warning("%s", he->msg);
        }
        /* a cgroup empties a moment after its last process is reaped */
        for (int i = 0; i < 100; i++) {
                bool busy = false;
                STRV_FOREACH (d, s->cgroups)
                        if (rmdir(*d) < 0 && errno == EBUSY)
                                busy = true;
                if (!busy)
                        break;
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        r = rm_rf(dir, err);
        if (r < 0)
                return r;
        return 0;
}

int container_pause(const char *root, const char *id, bool pause, WarrenError **err) {
        _cleanup_container_state_ ContainerState *s = NULL;
        int r = container_state_load(root, id, &s, err);
        if (r < 0)
                return r;
        ContainerStatus st = container_state_status(s);
        if (pause && st != STATUS_RUNNING)
                return error_set(err, EINVAL, "cannot pause container `%s` that is %s", id,
                                 container_status_name(st));
        if (!pause && st != STATUS_PAUSED)
                return error_set(err, EINVAL, "cannot resume container `%s` that is %s", id,
                                 container_status_name(st));
        r = cgroup_freeze(s->cgroups, pause, err);
        if (r < 0)
                return error_prefix(err, r, "%s container `%s`", pause ? "pause" : "resume", id);
        return 0;
}
