/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/cgroup.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "runtime/oci-config.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

static const char *const v1_controllers[] = {"memory", "pids", "cpu", "freezer", NULL};

static bool dir_is_v2(const char *dir) {
        _cleanup_free_ char *p = path_join(dir, "cgroup.controllers");
        return access(p, F_OK) == 0;
}

/* Where the v2 hierarchy is mounted, or NULL. */
static const char *v2_mount(void) {
        struct statfs sfs;
        if (statfs(CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
                return CGROUP_ROOT;
        if (statfs(CGROUP_ROOT "/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
                return CGROUP_ROOT "/unified";
        return NULL;
}

/* Our own cgroup in hierarchy `controller` ("" for v2) from /proc/self/cgroup. */
static char *own_cgroup(const char *controller) {
        _cleanup_free_ char *buf = NULL;
        if (read_file_capped("/proc/self/cgroup", 1 << 16, &buf, NULL, NULL) < 0)
                return NULL;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        STRV_FOREACH (l, lines) {
                char *a = strchr(*l, ':');
                if (!a)
                        continue;
                char *b = strchr(a + 1, ':');
                if (!b)
                        continue;
                *b = 0;
                const char *ctrls = a + 1;
                if (!*controller) {
                        if (!*ctrls && STARTS_WITH(*l, "0:"))
                                return xstrdup(b + 1);
                        continue;
                }
                _cleanup_strv_ char **cs = strv_split(ctrls, ",");
                if (strv_contains(cs, controller))
                        return xstrdup(b + 1);
        }
        return NULL;
}

static int write_file(const char *dir, const char *name, const char *value, WarrenError **err) {
        _cleanup_free_ char *p = path_join(dir, name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", p);
        if (write(fd, value, strlen(value)) < 0)
                return error_set_errno(err, errno, "write `%s` to `%s`", value, p);
        return 0;
}

static char *relative_path(const char *id, const char *path, bool systemd, const char *own) {
        if (path && systemd) {
                /* slice:prefix:name -> slice/prefix-name.scope */
                _cleanup_strv_ char **parts = strv_split(path, ":");
                if (strv_length(parts) == 3)
                        return xasprintf("/%s/%s-%s.scope", parts[0], parts[1], parts[2]);
        }
        if (path && path[0] == '/')
                return xstrdup(path);
        if (path)
                return xasprintf("%s/%s", own && !STREQ(own, "/") ? own : "", path);
        return xasprintf("%s/warren-runtime-%s", own && !STREQ(own, "/") ? own : "", id);
}

static int mkdir_cgroup(const char *base, const char *rel, char **ret) {
        _cleanup_free_ char *dir = xasprintf("%s%s", base, rel);
        if (strstr(rel, "/../") || strstr(rel, "/.."))
                return -EINVAL;
        if (access(base, W_OK) < 0 && errno != EACCES)
                return -errno;
        /* mkdir -p, quietly */
        for (char *p = dir + strlen(base) + 1; *p; p++)
                if (*p == '/') {
                        *p = 0;
                        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *p = '/';
                }
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (access(dir, W_OK) < 0)
                return -errno;
        *ret = TAKE_PTR(dir);
        return 0;
}

static int apply_one(const char *dir, const OciResources *res, WarrenError **err) {
        char v[64];
        int r;
        bool v2 = dir_is_v2(dir);
#define TRY(name, val)                                                                             \
        do {                                                                                       \
                _cleanup_free_ char *_p = path_join(dir, name);                                    \
                if (access(_p, F_OK) < 0) {                                                        \
                        if (v2) /* v1: each hierarchy has its own controller's files */            \
                                log_debug("cgroup `%s` has no `%s` here", dir, name);              \
                } else if ((r = write_file(dir, name, val, err)) < 0)                              \
                        return r;                                                                  \
        } while (0)
        if (v2) {
                if (res->has_memory_limit) {
                        if (res->memory_limit < 0)
                                snprintf(v, sizeof(v), "max");
                        else
                                snprintf(v, sizeof(v), "%" PRId64, res->memory_limit);
                        TRY("memory.max", v);
                }
                if (res->has_memory_reservation) {
                        snprintf(v, sizeof(v), "%" PRId64, res->memory_reservation);
                        TRY("memory.low", v);
                }
                if (res->has_memory_swap && res->has_memory_limit) {
                        if (res->memory_swap < 0)
                                snprintf(v, sizeof(v), "max");
                        else
                                snprintf(v, sizeof(v), "%" PRId64,
                                         res->memory_swap - res->memory_limit);
                        TRY("memory.swap.max", v);
                }
                if (res->has_cpu_shares && res->cpu_shares > 0) {
                        /* runc's conversion of shares [2, 262144] to weight [1, 10000] */
                        uint64_t s = MAX(MIN(res->cpu_shares, 262144), 2);
                        snprintf(v, sizeof(v), "%" PRIu64, 1 + ((s - 2) * 9999) / 262142);
                        TRY("cpu.weight", v);
                }
                if (res->has_cpu_quota || res->has_cpu_period) {
                        uint64_t period = res->has_cpu_period ? res->cpu_period : 100000;
                        if (res->has_cpu_quota && res->cpu_quota > 0)
                                snprintf(v, sizeof(v), "%" PRId64 " %" PRIu64, res->cpu_quota,
                                         period);
                        else
                                snprintf(v, sizeof(v), "max %" PRIu64, period);
                        TRY("cpu.max", v);
                }
                if (res->has_pids_limit) {
                        if (res->pids_limit <= 0)
                                snprintf(v, sizeof(v), "max");
                        else
                                snprintf(v, sizeof(v), "%" PRId64, res->pids_limit);
                        TRY("pids.max", v);
                }
                if (res->cpuset_cpus)
                        TRY("cpuset.cpus", res->cpuset_cpus);
                if (res->cpuset_mems)
                        TRY("cpuset.mems", res->cpuset_mems);
                for (size_t i = 0; res->unified && res->unified[i] && res->unified[i + 1]; i += 2) {
                        r = write_file(dir, res->unified[i], res->unified[i + 1], err);
                        if (r < 0)
                                return r;
                }
        } else {
                if (res->has_memory_limit) {
                        snprintf(v, sizeof(v), "%" PRId64, res->memory_limit);
                        TRY("memory.limit_in_bytes", v);
                }
                if (res->has_memory_reservation) {
                        snprintf(v, sizeof(v), "%" PRId64, res->memory_reservation);
                        TRY("memory.soft_limit_in_bytes", v);
                }
                if (res->has_memory_swap) {
                        snprintf(v, sizeof(v), "%" PRId64, res->memory_swap);
                        TRY("memory.memsw.limit_in_bytes", v);
                }
                if (res->has_cpu_shares) {
                        snprintf(v, sizeof(v), "%" PRIu64, res->cpu_shares);
                        TRY("cpu.shares", v);
                }
                if (res->has_cpu_period) {
                        snprintf(v, sizeof(v), "%" PRIu64, res->cpu_period);
                        TRY("cpu.cfs_period_us", v);
                }
                if (res->has_cpu_quota) {
                        snprintf(v, sizeof(v), "%" PRId64, res->cpu_quota);
                        TRY("cpu.cfs_quota_us", v);
                }
                if (res->has_pids_limit) {
                        if (res->pids_limit <= 0)
                                snprintf(v, sizeof(v), "max");
                        else
                                snprintf(v, sizeof(v), "%" PRId64, res->pids_limit);
                        TRY("pids.max", v);
                }
        }
#undef TRY
        return 0;
}

int cgroup_apply(char *const *dirs, const OciResources *res, WarrenError **err) {
        if (!dirs || !dirs[0])
                return error_set(err, ENOTSUP, "the container has no writable cgroup");
        STRV_FOREACH (d, dirs) {
                int r = apply_one(*d, res, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_enter(char *const *dirs, pid_t pid, WarrenError **err) {
        char v[32];
        snprintf(v, sizeof(v), "%d", (int)pid);
        STRV_FOREACH (d, dirs) {
                int r = write_file(*d, "cgroup.procs", v, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* v2: enable the controllers resources need in every ancestor's subtree_control, from the
 * mount point down to the container's parent. Best effort: a controller the parent does not
 * offer, or a parent that is not ours, just stays off (the resource is then not applied). */
static void v2_enable_controllers(const char *base, const char *dir) {
        static const char *const want[] = {"cpu", "cpuset", "io", "memory", "pids", NULL};
        _cleanup_free_ char *path = xstrdup(dir);
        for (char *p = path + strlen(base);; p++) {
                if (*p != '/' && *p != 0)
                        continue;
                if (!*p)
                        break; /* the leaf itself keeps no subtree controllers */
                char saved = *p;
                *p = 0;
                _cleanup_free_ char *avail = NULL;
                _cleanup_free_ char *cf = path_join(path, "cgroup.controllers");
                if (read_file_capped(cf, 4096, &avail, NULL, NULL) >= 0) {
                        _cleanup_strv_ char **have = strv_split(avail, " \n");
                        for (const char *const *w = want; *w; w++)
                                if (strv_contains(have, *w)) {
                                        _cleanup_free_ char *v = xasprintf("+%s", *w);
                                        if (write_file(path, "cgroup.subtree_control", v, NULL) < 0)
                                                log_debug("enable `%s` in `%s`: %s", *w, path,
                                                          strerror(errno));
                                }
                }
                *p = saved;
        }
}

int cgroup_setup(const char *id, const char *path, bool systemd, pid_t pid, const OciResources *res,
                 char ***ret, WarrenError **err) {
        _cleanup_strv_ char **dirs = NULL;
        const char *v2 = v2_mount();
        if (v2) {
                _cleanup_free_ char *own = own_cgroup("");
                _cleanup_free_ char *rel = relative_path(id, path, systemd, own);
                char *dir = NULL;
                int r = mkdir_cgroup(v2, rel, &dir);
                if (r < 0)
                        log_debug("no writable cgroup v2 `%s%s`: %s; running without it", v2, rel,
                                  strerror(-r));
                else {
                        if (res)
                                v2_enable_controllers(v2, dir);
                        strv_consume(&dirs, dir);
                }
        }
        for (const char *const *c = v1_controllers; *c; c++) {
                _cleanup_free_ char *base = path_join(CGROUP_ROOT, *c);
                struct statfs sfs;
                if (statfs(base, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC)
                        continue;
                _cleanup_free_ char *own = own_cgroup(*c);
                _cleanup_free_ char *rel = relative_path(id, path, systemd, own);
                char *dir = NULL;
                int r = mkdir_cgroup(base, rel, &dir);
                if (r < 0) {
                        log_debug("no writable cgroup v1 `%s%s`: %s; running without it", base, rel,
                                  strerror(-r));
                        continue;
                }
                strv_consume(&dirs, dir);
        }
        if (!dirs) {
                log_debug("no writable cgroup: the container runs without resource limits");
                *ret = NULL;
                return 0;
        }
        int r = cgroup_enter(dirs, pid, err);
        if (r >= 0 && res)
                r = cgroup_apply(dirs, res, err);
        if (r < 0) {
                cgroup_destroy(dirs);
                return error_prefix(err, r, "cgroup");
        }
        *ret = TAKE_PTR(dirs);
        return 0;
}

void cgroup_destroy(char *const *dirs) {
        STRV_FOREACH (d, dirs)
                if (rmdir(*d) < 0 && errno != ENOENT)
                        log_debug("remove cgroup `%s`: %s", *d, strerror(errno));
}

int cgroup_pids(char *const *dirs, pid_t **ret, size_t *ret_n, WarrenError **err) {
        STRV_FOREACH (d, dirs) {
                _cleanup_free_ char *p = path_join(*d, "cgroup.procs");
                _cleanup_free_ char *buf = NULL;
                if (read_file_capped(p, 16 << 20, &buf, NULL, NULL) < 0)
                        continue;
                _cleanup_strv_ char **l = strv_split(buf, "\n");
                pid_t *pids = xnew(pid_t, strv_length(l) + 1);
                size_t n = 0;
                STRV_FOREACH (s, l) {
                        int v;
                        if (safe_atoi(*s, &v) >= 0 && v > 0)
                                pids[n++] = v;
                }
                *ret = pids;
                *ret_n = n;
                return 0;
        }
        return error_set(err, ENOENT, "the container has no readable cgroup");
}

int cgroup_freeze(char *const *dirs, bool frozen, WarrenError **err) {
        STRV_FOREACH (d, dirs) {
                _cleanup_free_ char *v2 = path_join(*d, "cgroup.freeze");
                if (access(v2, W_OK) == 0)
                        return write_file(*d, "cgroup.freeze", frozen ? "1" : "0", err);
                _cleanup_free_ char *v1 = path_join(*d, "freezer.state");
                if (access(v1, W_OK) == 0)
                        return write_file(*d, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
        }
        return error_set(err, ENOTSUP, "no writable cgroup freezer for the container");
}

bool cgroup_is_frozen(char *const *dirs) {
        STRV_FOREACH (d, dirs) {
                _cleanup_free_ char *buf = NULL;
                _cleanup_free_ char *v2 = path_join(*d, "cgroup.freeze");
                if (read_file_capped(v2, 64, &buf, NULL, NULL) >= 0)
                        return buf[0] == '1';
                _cleanup_free_ char *v1 = path_join(*d, "freezer.state");
                if (read_file_capped(v1, 64, &buf, NULL, NULL) >= 0)
                        return STARTS_WITH(buf, "FROZEN") || STARTS_WITH(buf, "FREEZING");
        }
        return false;
}
