/* SPDX-License-Identifier: Apache-2.0 */
#include "core/host-info.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/seccomp.h"
#include "userns/idmap.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static void feature_done(HostFeature *f) {
        free(f->detail);
        *f = (HostFeature){};
}

void host_info_done(HostInfo *h) {
        free(h->kernel);
        feature_done(&h->userns);
        feature_done(&h->idmap);
        free(h->idmap_mode);
        free(h->uid_map);
        free(h->gid_map);
        feature_done(&h->overlay);
        feature_done(&h->fuse);
        feature_done(&h->tun);
        feature_done(&h->seccomp);
        free(h->cgroup_path);
        feature_done(&h->cgroup_delegated);
        free(h->storage_driver);
        strv_free(h->degraded);
        *h = (HostInfo){};
}

const char *cgroup_layout_to_string(CgroupLayout l) {
        switch (l) {
        case CGROUP_LAYOUT_V1:
                return "v1";
        case CGROUP_LAYOUT_HYBRID:
                return "hybrid";
        case CGROUP_LAYOUT_UNIFIED:
                return "v2";
        default:
                return "unknown";
        }
}

CgroupLayout cgroup_layout_detect(void) {
        struct statfs fs;
        if (statfs("/sys/fs/cgroup", &fs) < 0)
                return CGROUP_LAYOUT_UNKNOWN;
        if (fs.f_type == CGROUP2_SUPER_MAGIC)
                return CGROUP_LAYOUT_UNIFIED;
        if (fs.f_type != TMPFS_MAGIC)
                return CGROUP_LAYOUT_UNKNOWN;
        if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return CGROUP_LAYOUT_HYBRID;
        return CGROUP_LAYOUT_V1;
}

/* Run `fn` in a forked child; true when it exits 0 within the child. */
static bool in_child(int (*fn)(void *), void *arg) {
        pid_t pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0)
                _exit(fn(arg) == 0 ? 0 : 1);
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return false;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int try_userns(void *arg) {
        return unshare(CLONE_NEWUSER) < 0 ? 1 : 0;
}

bool host_probe_userns(char **ret_detail) {
        _cleanup_free_ char *max = NULL;
        if (read_file_capped("/proc/sys/user/max_user_namespaces", 64, &max, NULL, NULL) == 0 &&
            atoi(max) == 0) {
                *ret_detail = xstrdup("user.max_user_namespaces is 0");
                return false;
        }
        _cleanup_free_ char *clone = NULL;
        if (read_file_capped("/proc/sys/kernel/unprivileged_userns_clone", 64, &clone, NULL,
                             NULL) == 0 &&
            atoi(clone) == 0 && geteuid() != 0) {
                *ret_detail = xstrdup("kernel.unprivileged_userns_clone is 0");
                return false;
        }
        if (!in_child(try_userns, NULL)) {
                *ret_detail = xstrdup("unshare(CLONE_NEWUSER) is refused (a seccomp filter or "
                                      "an outer container may forbid it)");
                return false;
        }
        *ret_detail = xstrdup("unprivileged user namespaces work");
        return true;
}

static int write_proc(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, text, strlen(text));
        close(fd);
        return r;
}

static int try_overlay(void *arg) {
        const char *dir = arg;
        uid_t uid = geteuid();
        gid_t gid = getegid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return 1;
        char buf[64];
        snprintf(buf, sizeof(buf), "0 %u 1", (unsigned) uid);
        if (write_proc("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
                return 1;
        if (write_proc("/proc/self/uid_map", buf) < 0)
                return 1;
        snprintf(buf, sizeof(buf), "0 %u 1", (unsigned) gid);
        if (write_proc("/proc/self/gid_map", buf) < 0)
                return 1;
        _cleanup_free_ char *opts = xasprintf("lowerdir=%s/l,upperdir=%s/u,workdir=%s/w,userxattr",
                                              dir, dir, dir);
        _cleanup_free_ char *m = xasprintf("%s/m", dir);
        if (mount("overlay", m, "overlay", 0, opts) < 0)
                return 1;
        return 0;
}

bool host_probe_overlay_in_userns(char **ret_detail) {
        char tmpl[] = "/tmp/warren-probe-XXXXXX";
        if (!mkdtemp(tmpl)) {
                *ret_detail = xasprintf("cannot create a probe directory: %s", strerror(errno));
                return false;
        }
        static const char *const sub[] = { "l", "u", "w", "m" };
        for (size_t i = 0; i < ELEMENTSOF(sub); i++) {
                _cleanup_free_ char *p = path_join(tmpl, sub[i]);
                (void) mkdir(p, 0700);
        }
        bool ok = in_child(try_overlay, tmpl);
        rm_rf(tmpl, NULL);
        *ret_detail = xstrdup(ok ? "kernel overlayfs mounts inside a user namespace (userxattr)"
                                 : "the kernel refuses overlayfs inside a user namespace");
        return ok;
}

static char *find_in_path(const char *name) {
        const char *path = getenv("PATH");
        _cleanup_strv_ char **dirs = strv_split(path && *path ? path : "/usr/local/bin:/usr/bin:/bin", ":");
        STRV_FOREACH (d, dirs) {
                char *p = path_join(*d, name);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

bool host_probe_fuse(char **ret_detail) {
        _cleanup_free_ char *bin = find_in_path("fuse-overlayfs");
        int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        int e = errno;
        if (fd >= 0)
                close(fd);
        if (fd < 0) {
                *ret_detail = xasprintf("cannot open /dev/fuse: %s", strerror(e));
                return false;
        }
        if (!bin) {
                *ret_detail = xstrdup("fuse-overlayfs is not installed");
                return false;
        }
        *ret_detail = xasprintf("/dev/fuse and %s", bin);
        return true;
}

bool host_probe_tun(char **ret_detail) {
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                *ret_detail = xasprintf("cannot open /dev/net/tun: %s", strerror(errno));
                return false;
        }
        close(fd);
        *ret_detail = xstrdup("/dev/net/tun can be opened");
        return true;
}

/* Our cgroup: the v2 path ("0::/x") on unified and hybrid hosts. */
static char *own_cgroup(CgroupLayout layout) {
        _cleanup_free_ char *text = NULL;
        if (read_file_capped("/proc/self/cgroup", 64 * 1024, &text, NULL, NULL) < 0)
                return NULL;
        _cleanup_strv_ char **lines = strv_split(text, "\n");
        STRV_FOREACH (l, lines) {
                if (layout != CGROUP_LAYOUT_V1 && STARTS_WITH(*l, "0::"))
                        return xstrdup(*l + 3);
                if (layout == CGROUP_LAYOUT_V1 && strstr(*l, ":memory:"))
                        return xstrdup(strstr(*l, ":memory:") + 8);
        }
        return NULL;
}

static void probe_cgroups(HostInfo *h) {
        h->cgroup_layout = cgroup_layout_detect();
        h->cgroup_path = own_cgroup(h->cgroup_layout);
        const char *v2root = h->cgroup_layout == CGROUP_LAYOUT_UNIFIED  ? "/sys/fs/cgroup"
                             : h->cgroup_layout == CGROUP_LAYOUT_HYBRID ? "/sys/fs/cgroup/unified"
                                                                         : NULL;
        if (v2root) {
                _cleanup_free_ char *ctl = path_join(v2root, "cgroup.controllers");
                _cleanup_free_ char *text = NULL;
                if (read_file_capped(ctl, 4096, &text, NULL, NULL) == 0)
                        h->cgroup_v2_hugetlb = strstr(text, "hugetlb") != NULL &&
                                               h->cgroup_layout == CGROUP_LAYOUT_HYBRID;
        }
        if (v2root && h->cgroup_path) {
                _cleanup_free_ char *dir = path_join(v2root, h->cgroup_path);
                _cleanup_free_ char *procs = path_join(dir, "cgroup.procs");
                _cleanup_free_ char *ctl = path_join(dir, "cgroup.controllers");
                _cleanup_free_ char *controllers = NULL;
                (void) read_file_capped(ctl, 4096, &controllers, NULL, NULL);
                if (controllers)
                        controllers[strcspn(controllers, "\n")] = 0;
                if (access(procs, W_OK) == 0 && controllers && *controllers) {
                        h->cgroup_delegated.available = true;
                        h->cgroup_delegated.detail =
                                xasprintf("writable cgroup %s with controllers: %s", dir, controllers);
                        return;
                }
                h->cgroup_delegated.detail =
                        xasprintf("cgroup %s is %s", dir,
                                  access(procs, W_OK) == 0 ? "writable but has no controllers"
                                                           : "not writable (not delegated)");
                return;
        }
        h->cgroup_delegated.detail = xstrdup("no cgroup v2 hierarchy of our own");
}

static void degrade(HostInfo *h, const char *what) {
        strv_push(&h->degraded, what);
}

int host_info_probe(HostInfo *ret, WarrenError **err) {
        HostInfo h = {};
        struct utsname u;
        if (uname(&u) == 0)
                h.kernel = xasprintf("%s %s %s", u.sysname, u.release, u.machine);
        h.degraded = xnew(char *, 1);

        h.userns.available = host_probe_userns(&h.userns.detail);
        if (!h.userns.available && geteuid() != 0)
                degrade(&h, "no user namespaces: rootless containers cannot run here");

        _cleanup_idmap_support_ IdMapSupport sup = {};
        _cleanup_idmap_plan_ IdMapPlan plan = {};
        _cleanup_error_ WarrenError *e = NULL;
        if (idmap_detect_support(&sup, &e) == 0) {
                idmap_plan_from_support(&sup, &plan);
                h.idmap.available = plan.use_helpers;
                h.idmap.detail = xstrdup(plan.reason ? plan.reason : "");
                h.idmap_mode = xstrdup(plan.use_helpers ? "subuid ranges via newuidmap/newgidmap"
                                                        : "single id");
                _cleanup_free_ char *um = idmap_format_kernel(&plan.uid_map);
                _cleanup_free_ char *gm = idmap_format_kernel(&plan.gid_map);
                for (char *p = um; p && *p; p++)
                        if (*p == '\n')
                                *p = p[1] ? ',' : 0;
                for (char *p = gm; p && *p; p++)
                        if (*p == '\n')
                                *p = p[1] ? ',' : 0;
                h.uid_map = TAKE_PTR(um);
                h.gid_map = TAKE_PTR(gm);
                if (!plan.use_helpers && geteuid() != 0)
                        degrade(&h, "single-id mapping: files owned by other ids in images map "
                                    "to nobody; add a range to /etc/subuid and /etc/subgid and "
                                    "install uidmap");
        } else {
                h.idmap.detail = xstrdup(e->msg);
                h.idmap_mode = xstrdup("single id");
        }

        h.overlay.available = h.userns.available && host_probe_overlay_in_userns(&h.overlay.detail);
        if (!h.overlay.detail)
                h.overlay.detail = xstrdup("needs user namespaces");
        h.fuse.available = host_probe_fuse(&h.fuse.detail);
        if (h.overlay.available)
                h.storage_driver = xstrdup("overlay");
        else if (h.fuse.available) {
                h.storage_driver = xstrdup("fuse-overlayfs");
                degrade(&h, "no overlayfs in a user namespace: using fuse-overlayfs (slower)");
        } else {
                h.storage_driver = xstrdup("vfs");
                degrade(&h, "neither overlayfs in a user namespace nor fuse-overlayfs: using vfs "
                            "(every container copies its image)");
        }

        h.tun.available = host_probe_tun(&h.tun.detail);
        if (!h.tun.available)
                degrade(&h, "no /dev/net/tun: slirp networking is unavailable, containers get "
                            "--network none");

        h.seccomp.available = seccomp_is_supported();
        h.seccomp.detail = xstrdup(h.seccomp.available ? "seccomp filters can be loaded"
                                                       : "the kernel or libseccomp cannot load "
                                                         "filters");
        if (!h.seccomp.available)
                degrade(&h, "no seccomp: containers run without a syscall filter");

        probe_cgroups(&h);
        if (!h.cgroup_delegated.available)
                degrade(&h, "no delegated cgroup: resource limits (--memory, --cpus, update) "
                            "are not applied; pause needs a writable freezer");
        if (h.cgroup_v2_hugetlb)
                degrade(&h, "hybrid cgroups with hugetlb on the v2 hierarchy: crun and podman "
                            "refuse this host; warren-runtime does not");
        h.systemd_pid1 = access("/run/systemd/system", F_OK) == 0;
        if (!h.systemd_pid1)
                degrade(&h, "PID 1 is not systemd: the systemd user units cannot run here");
        *ret = h;
        return 0;
}

static JsonValue *feature_json(const HostFeature *f) {
        JsonValue *o = json_new_object();
        json_object_set(o, "available", json_new_bool(f->available));
        json_object_set(o, "detail", json_new_string(f->detail ? f->detail : ""));
        return o;
}

JsonValue *host_info_to_json(const HostInfo *h) {
        JsonValue *o = json_new_object();
        json_object_set(o, "kernel", json_new_string(h->kernel ? h->kernel : ""));
        json_object_set(o, "userNamespaces", feature_json(&h->userns));
        JsonValue *idm = feature_json(&h->idmap);
        json_object_set(idm, "mode", json_new_string(h->idmap_mode ? h->idmap_mode : ""));
        json_object_set(idm, "uidMap", json_new_string(h->uid_map ? h->uid_map : ""));
        json_object_set(idm, "gidMap", json_new_string(h->gid_map ? h->gid_map : ""));
        json_object_set(o, "idMapping", idm);
        json_object_set(o, "overlayInUserns", feature_json(&h->overlay));
        json_object_set(o, "fuseOverlayfs", feature_json(&h->fuse));
        json_object_set(o, "storageDriver", json_new_string(h->storage_driver));
        json_object_set(o, "tun", feature_json(&h->tun));
        json_object_set(o, "seccomp", feature_json(&h->seccomp));
        JsonValue *cg = feature_json(&h->cgroup_delegated);
        json_object_set(cg, "layout", json_new_string(cgroup_layout_to_string(h->cgroup_layout)));
        json_object_set(cg, "path", json_new_string(h->cgroup_path ? h->cgroup_path : ""));
        json_object_set(cg, "v2Hugetlb", json_new_bool(h->cgroup_v2_hugetlb));
        json_object_set(o, "cgroups", cg);
        json_object_set(o, "systemdPid1", json_new_bool(h->systemd_pid1));
        JsonValue *d = json_new_array();
        STRV_FOREACH (s, h->degraded)
                json_array_append(d, json_new_string(*s));
        json_object_set(o, "degraded", d);
        return o;
}
