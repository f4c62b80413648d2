/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/container-state.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "runtime/cgroup.h"
#include "runtime/oci-config.h"

static const char *const status_names[] = {
        [STATUS_CREATING] = "creating", [STATUS_CREATED] = "created", [STATUS_RUNNING] = "running",
        [STATUS_PAUSED] = "paused",     [STATUS_STOPPED] = "stopped",
};

const char *container_status_name(ContainerStatus s) {
        return s <= STATUS_STOPPED ? status_names[s] : "unknown";
}

int container_state_check_id(const char *id, WarrenError **err) {
        size_t n = strlen(id);
        if (n == 0)
                return error_set(err, EINVAL, "container id must not be empty");
        if (n > 1024)
                return error_set(err, EINVAL, "container id is longer than 1024 characters");
        if (STREQ(id, ".") || STREQ(id, ".."))
                return error_set(err, EINVAL, "invalid container id `%s`", id);
        for (const char *p = id; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || strchr("_+.-", *p)))
                        return error_set(err, EINVAL,
                                         "invalid container id `%s`: only letters, digits and "
                                         "`_+.-` are allowed",
                                         id);
        return 0;
}

/* Whether we run in a user namespace other than the initial one. */
static bool in_user_namespace(void) {
        _cleanup_free_ char *map = NULL;
        if (read_file_capped("/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
                return false;
        unsigned long a, b, c;
        return sscanf(map, "%lu %lu %lu", &a, &b, &c) != 3 || a != 0 || b != 0 || c != 4294967295UL;
}

int container_state_default_root(char **ret, WarrenError **err) {
        /* As runc: uid 0 inside someone's user namespace (rootless podman, rootlesskit) with
         * XDG_RUNTIME_DIR set and USER not root keeps to the user's runtime directory. */
        const char *xdg = getenv("XDG_RUNTIME_DIR"), *user = getenv("USER");
        bool root = geteuid() == 0 &&
                    !(xdg && *xdg && in_user_namespace() && (!user || !STREQ(user, "root")));
        if (root) {
                *ret = xstrdup("/run/warren-runtime");
                return 0;
        }
        _cleanup_free_ char *base = NULL;
        int r = xdg_runtime_base(&base, err);
        if (r < 0)
                return r;
        *ret = path_join(base, "warren-runtime");
        return 0;
}

ContainerState *container_state_free(ContainerState *s) {
        if (!s)
                return NULL;
        free(s->id);
        free(s->bundle);
        free(s->config_path);
        free(s->rootfs);
        free(s->created);
        free(s->owner);
        strv_free(s->annotations);
        strv_free(s->cgroups);
        free(s);
        return NULL;
}

static void gen_kv_strv(JsonGen *g, const char *key, char **kv) {
        json_gen_key(g, key);
        json_gen_begin_object(g);
        for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
                json_gen_kv_string(g, kv[i], kv[i + 1]);
        json_gen_end_object(g);
}

int container_state_to_json(const ContainerState *s, char **ret, WarrenError **err) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(false);
        json_gen_begin_object(g);
        json_gen_kv_int(g, "version", STATE_VERSION);
        json_gen_kv_string(g, "id", s->id);
        json_gen_kv_int(g, "pid", s->pid);
        json_gen_key(g, "pidStart");
        json_gen_uint(g, s->pid_start);
        json_gen_kv_string(g, "status", container_status_name(s->recorded));
        json_gen_kv_string(g, "bundle", s->bundle);
        json_gen_kv_string(g, "config", s->config_path);
        json_gen_kv_string(g, "rootfs", s->rootfs);
        json_gen_kv_string(g, "created", s->created);
        json_gen_kv_string(g, "owner", s->owner);
        json_gen_kv_bool(g, "ownPidns", s->own_pidns);
        json_gen_kv_bool(g, "systemdCgroup", s->systemd_cgroup);
        gen_kv_strv(g, "annotations", s->annotations);
        json_gen_key(g, "cgroups");
        json_gen_begin_array(g);
        STRV_FOREACH (c, s->cgroups)
                json_gen_string(g, *c);
        json_gen_end_array(g);
        json_gen_end_object(g);
        return json_gen_finish(g, ret, NULL, err);
}

int container_state_from_json(const char *buf, size_t len, ContainerState **ret,
                              WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = json_parse(buf, len, 1 << 20, &v, err);
        if (r < 0)
                return r;
        if (!json_is(v, JSON_OBJECT))
                return error_set(err, EINVAL, "state must be an object");
        _cleanup_container_state_ ContainerState *s = xnew(ContainerState, 1);
        int64_t pid = 0;
        _cleanup_free_ char *status = NULL;
        if ((r = json_get_string(v, "id", NULL, &s->id, err)) < 0 ||
            (r = json_get_int64(v, "pid", NULL, &pid, err)) < 0 ||
            (r = json_get_uint64(v, "pidStart", NULL, &s->pid_start, err)) < 0 ||
            (r = json_get_string(v, "status", NULL, &status, err)) < 0 ||
            (r = json_get_string(v, "bundle", NULL, &s->bundle, err)) < 0 ||
            (r = json_get_string(v, "config", NULL, &s->config_path, err)) < 0 ||
            (r = json_get_string(v, "rootfs", NULL, &s->rootfs, err)) < 0 ||
            (r = json_get_string(v, "created", NULL, &s->created, err)) < 0 ||
            (r = json_get_string(v, "owner", NULL, &s->owner, err)) < 0 ||
            (r = json_get_bool(v, "ownPidns", NULL, &s->own_pidns, err)) < 0 ||
            (r = json_get_bool(v, "systemdCgroup", NULL, &s->systemd_cgroup, err)) < 0 ||
            (r = json_get_strv(v, "cgroups", NULL, &s->cgroups, err)) < 0)
                return r;
        if (!s->id || pid < 0 || pid > INT32_MAX)
                return error_set(err, EINVAL, "state is missing `id` or has a bad `pid`");
        s->pid = (pid_t)pid;
        s->recorded = status && STREQ(status, "running") ? STATUS_RUNNING : STATUS_CREATED;
        const JsonValue *a = json_get(v, "annotations");
        if (json_is(a, JSON_OBJECT)) {
                s->annotations = xnew(char *, 2 * a->u.object.n + 1);
                size_t k = 0;
                for (size_t i = 0; i < a->u.object.n; i++)
                        if (json_is(a->u.object.values[i], JSON_STRING)) {
                                s->annotations[k++] = xstrdup(a->u.object.keys[i]);
                                s->annotations[k++] = xstrdup(a->u.object.values[i]->u.string);
                        }
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int container_state_load(const char *root, const char *id, ContainerState **ret,
                         WarrenError **err) {
        int r = container_state_check_id(id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = path_join(root, id);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                if (errno == ENOENT)
                        return error_set(err, ENOENT, "container `%s` does not exist", id);
                return error_set_errno(err, errno, "open `%s`", dir);
        }
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        r = read_file_at_capped(dfd, STATE_FILE, 1 << 20, &buf, &len, true, err);
        if (r == -ENOENT)
                return error_set(err, ENOENT, "container `%s` does not exist", id);
        if (r < 0)
                return r;
        r = container_state_from_json(buf, len, ret, err);
        if (r < 0)
                return error_prefix(err, r, "state of container `%s`", id);
        return 0;
}

int container_state_save(const char *root, const ContainerState *s, WarrenError **err) {
        _cleanup_free_ char *text = NULL;
        int r = container_state_to_json(s, &text, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = path_join(root, s->id);
        _cleanup_free_ char *path = path_join(dir, STATE_FILE);
        return container_state_write_file(path, text, strlen(text), 0600, err);
}

int container_state_write_file(const char *path, const char *data, size_t len, mode_t mode,
                               WarrenError **err) {
        _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
                return error_set_errno(err, errno, "create `%s`", tmp);
        int r = write_all(fd, data, len);
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlink(tmp);
                return error_set_errno(err, -r, "write `%s`", path);
        }
        return 0;
}

int container_state_lock(const char *root, const char *id, int *ret_fd, WarrenError **err) {
        int r = container_state_check_id(id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = path_join(root, id);
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return error_set(err, ENOENT, "container `%s` does not exist", id);
                return error_set_errno(err, errno, "open `%s`", dir);
        }
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "lock `%s`", dir);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int container_state_list(const char *root, char ***ret, WarrenError **err) {
        _cleanup_closedir_ DIR *d = opendir(root);
        char **l = xnew(char *, 1);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = l;
                        return 0;
                }
                strv_free(l);
                return error_set_errno(err, errno, "open `%s`", root);
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && container_state_check_id(de->d_name, NULL) >= 0)
                        strv_push(&l, de->d_name);
        qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret = l;
        return 0;
}

uint64_t container_state_pid_start_time(pid_t pid) {
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return 0;
        p += 2; /* field 3: state */
        if (*p == 'Z' || *p == 'X')
                return 0;
        /* skip to field 22 */
        for (int f = 3; f < 22; f++) {
                p = strchr(p, ' ');
                if (!p)
                        return 0;
                p++;
        }
        return strtoull(p, NULL, 10);
}

bool container_state_pid_alive(const ContainerState *s) {
        if (s->pid <= 0)
                return false;
        uint64_t t = container_state_pid_start_time(s->pid);
        return t != 0 && (s->pid_start == 0 || t == s->pid_start);
}

ContainerStatus container_state_status(const ContainerState *s) {
        if (!container_state_pid_alive(s))
                return STATUS_STOPPED;
        if (s->recorded == STATUS_CREATED)
                return STATUS_CREATED;
        if (s->cgroups && s->cgroups[0] && cgroup_is_frozen(s->cgroups))
                return STATUS_PAUSED;
        return STATUS_RUNNING;
}

int container_state_oci_json(const ContainerState *s, ContainerStatus status, bool runc_fields,
                             bool pretty, char **ret, WarrenError **err) {
        _cleanup_json_gen_ JsonGen *g = json_gen_new(pretty);
        json_gen_begin_object(g);
        json_gen_kv_string(g, "ociVersion", OCI_VERSION);
        json_gen_kv_string(g, "id", s->id);
        json_gen_kv_string(g, "status", container_status_name(status));
        json_gen_kv_int(g, "pid", status == STATUS_STOPPED ? 0 : s->pid);
        json_gen_kv_string(g, "bundle", s->bundle);
        if (runc_fields) {
                json_gen_kv_string(g, "rootfs", s->rootfs);
                json_gen_kv_string(g, "created", s->created);
                json_gen_kv_string(g, "owner", s->owner ? s->owner : "");
        }
        if ((s->annotations && s->annotations[0]) || !runc_fields)
                gen_kv_strv(g, "annotations", s->annotations);
        json_gen_end_object(g);
        return json_gen_finish(g, ret, NULL, err);
}

char *container_state_now_rfc3339(void) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        char buf[64];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}
