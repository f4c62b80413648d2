/* SPDX-License-Identifier: Apache-2.0 */
#include "userns/idmap.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

/* The highest id a range may reach: the kernel keeps (uint32_t)-1 invalid and rejects a range
 * whose first + count wraps to <= first, so first + count <= UINT32_MAX. */
#define IDMAP_ID_END ((uint64_t)UINT32_MAX)

/* ---- IdMap basics ---- */

void idmap_done(IdMap *m) {
        if (!m)
                return;
        free(m->entries);
        m->entries = NULL;
        m->n = 0;
}

IdMap *idmap_new(void) {
        return xnew(IdMap, 1);
}

IdMap *idmap_free(IdMap *m) {
        if (m) {
                idmap_done(m);
                free(m);
        }
        return NULL;
}

void idmap_append(IdMap *m, uint32_t container_id, uint32_t host_id, uint32_t size) {
        m->entries = xreallocarray(m->entries, m->n + 1, sizeof(IdMapEntry));
        m->entries[m->n++] = (IdMapEntry){
                .container_id = container_id,
                .host_id = host_id,
                .size = size,
        };
}

void idmap_copy(const IdMap *src, IdMap *ret) {
        *ret = (IdMap){0};
        if (!src || src->n == 0)
                return;
        ret->entries = xnew(IdMapEntry, src->n);
        memcpy(ret->entries, src->entries, src->n * sizeof(IdMapEntry));
        ret->n = src->n;
}

bool idmap_equal(const IdMap *a, const IdMap *b) {
        size_t na = a ? a->n : 0, nb = b ? b->n : 0;
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (a->entries[i].container_id != b->entries[i].container_id ||
                    a->entries[i].host_id != b->entries[i].host_id ||
                    a->entries[i].size != b->entries[i].size)
                        return false;
        return true;
}

bool idmap_is_single(const IdMap *m, uint32_t host_id) {
        return m && m->n == 1 && m->entries[0].size == 1 && m->entries[0].host_id == host_id;
}

int idmap_to_host(const IdMap *m, uint32_t container_id, uint32_t *ret_host_id) {
        for (size_t i = 0; m && i < m->n; i++) {
                const IdMapEntry *e = &m->entries[i];
                if (container_id >= e->container_id &&
                    (uint64_t)container_id < (uint64_t)e->container_id + e->size) {
                        *ret_host_id = e->host_id + (container_id - e->container_id);
                        return 0;
                }
        }
        return -ERANGE;
}

int idmap_to_container(const IdMap *m, uint32_t host_id, uint32_t *ret_container_id) {
        for (size_t i = 0; m && i < m->n; i++) {
                const IdMapEntry *e = &m->entries[i];
                if (host_id >= e->host_id && (uint64_t)host_id < (uint64_t)e->host_id + e->size) {
                        *ret_container_id = e->container_id + (host_id - e->host_id);
                        return 0;
                }
        }
        return -ERANGE;
}

static bool ranges_overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size) {
        uint64_t a_end = (uint64_t)a + a_size, b_end = (uint64_t)b + b_size;
        return a < b_end && b < a_end;
}

int idmap_validate(const IdMap *m, const char *what, WarrenError **err) {
        if (!what)
                what = "id map";
        if (!m || m->n == 0)
                return error_set(err, EINVAL, "`%s` has no entries", what);
        if (m->n > IDMAP_MAX_ENTRIES)
                return error_set(err, E2BIG, "`%s` has %zu entries, the kernel allows %d", what,
                                 m->n, IDMAP_MAX_ENTRIES);
        for (size_t i = 0; i < m->n; i++) {
                const IdMapEntry *e = &m->entries[i];
                if (e->size == 0)
                        return error_set(err, EINVAL, "`%s[%zu]`: size must not be 0", what, i);
                if ((uint64_t)e->container_id + e->size > IDMAP_ID_END)
                        return error_set(err, EINVAL,
                                         "`%s[%zu]`: container ids %" PRIu32 "+%" PRIu32
                                         " run past 4294967294",
                                         what, i, e->container_id, e->size);
                if ((uint64_t)e->host_id + e->size > IDMAP_ID_END)
                        return error_set(err, EINVAL,
                                         "`%s[%zu]`: host ids %" PRIu32 "+%" PRIu32
                                         " run past 4294967294",
                                         what, i, e->host_id, e->size);
                for (size_t j = 0; j < i; j++) {
                        const IdMapEntry *o = &m->entries[j];
                        if (ranges_overlap(e->container_id, e->size, o->container_id, o->size))
                                return error_set(err, EINVAL,
                                                 "`%s[%zu]`: container ids %" PRIu32 "-%" PRIu32
                                                 " overlap entry %zu",
                                                 what, i, e->container_id,
                                                 (uint32_t)(e->container_id + e->size - 1), j);
                        if (ranges_overlap(e->host_id, e->size, o->host_id, o->size))
                                return error_set(err, EINVAL,
                                                 "`%s[%zu]`: host ids %" PRIu32 "-%" PRIu32
                                                 " overlap entry %zu",
                                                 what, i, e->host_id,
                                                 (uint32_t)(e->host_id + e->size - 1), j);
                }
        }
        return 0;
}

/* ---- /etc/subuid ---- */

void subid_list_done(SubIdList *l) {
        if (!l)
                return;
        free(l->ranges);
        *l = (SubIdList){0};
}

static char *strip(char *s) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = 0;
        return s;
}

/* Parse one non-comment line into name/start/count. Returns a reason on failure. */
static const char *parse_subid_line(char *line, char **ret_name, uint32_t *ret_start,
                                    uint32_t *ret_count) {
        char *f[3];
        char *p = line;
        for (size_t k = 0; k < 3; k++) {
                f[k] = p;
                char *colon = strchr(p, ':');
                if (k < 2) {
                        if (!colon)
                                return "expected `name:start:count`";
                        *colon = 0;
                        p = colon + 1;
                } else if (colon)
                        return "too many fields";
        }
        if (f[0][0] == 0)
                return "empty name";
        uint32_t start, count;
        if (safe_atou32(f[1], &start) < 0)
                return "start is not a number";
        if (safe_atou32(f[2], &count) < 0)
                return "count is not a number";
        if (count == 0)
                return "count is 0";
        if ((uint64_t)start + count > IDMAP_ID_END)
                return "range runs past 4294967294";
        *ret_name = f[0];
        *ret_start = start;
        *ret_count = count;
        return NULL;
}

int idmap_subid_parse(const char *text, size_t len, const char *source, const char *user,
                      uint32_t id, SubIdList *ret, WarrenError **err) {
        if (!source)
                source = "subid";
        if (len > IDMAP_SUBID_MAX_SIZE)
                return error_set(err, EFBIG, "`%s`: %zu bytes exceeds the limit of %u", source, len,
                                 IDMAP_SUBID_MAX_SIZE);
        SubIdList l = {0};
        char idstr[16];
        snprintf(idstr, sizeof(idstr), "%" PRIu32, id);

        size_t lineno = 0;
        const char *p = text, *end = text + len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                lineno++;
                _cleanup_free_ char *buf = xstrndup(p, n);
                p += n + (nl ? 1 : 0);
                if (strlen(buf) != n) {
                        /* an embedded NUL */
                        l.n_malformed++;
                        if (!l.first_malformed_line)
                                l.first_malformed_line = lineno;
                        log_debug("`%s`:%zu: malformed line skipped: contains a NUL byte", source,
                                  lineno);
                        continue;
                }
                char *line = strip(buf);
                if (line[0] == 0 || line[0] == '#')
                        continue;
                char *name;
                uint32_t start, count;
                const char *why = parse_subid_line(line, &name, &start, &count);
                if (why) {
                        l.n_malformed++;
                        if (!l.first_malformed_line)
                                l.first_malformed_line = lineno;
                        log_debug("`%s`:%zu: malformed line skipped: %s", source, lineno, why);
                        continue;
                }
                if (!((user && STREQ(name, user)) || STREQ(name, idstr)))
                        continue;
                l.ranges = xreallocarray(l.ranges, l.n + 1, sizeof(SubIdRange));
                l.ranges[l.n++] = (SubIdRange){.start = start, .count = count};
        }
        *ret = l;
        return (int)MIN(l.n, (size_t)INT_MAX);
}

int idmap_subid_read(const char *path, const char *user, uint32_t id, SubIdList *ret,
                     WarrenError **err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_file_at_capped(AT_FDCWD, path, IDMAP_SUBID_MAX_SIZE, &buf, &len, true, err);
        if (r == -ENOENT) {
                *ret = (SubIdList){0};
                return 0;
        }
        if (r < 0)
                return error_prefix(err, r, "read `%s`", path);
        return idmap_subid_parse(buf, len, path, user, id, ret, err);
}

void idmap_build_rootless(uint32_t host_id, const SubIdList *ranges, IdMap *ret) {
        IdMap m = {0};
        idmap_append(&m, 0, host_id, 1);
        uint64_t next = 1;
        for (size_t i = 0; ranges && i < ranges->n; i++) {
                SubIdRange r = ranges->ranges[i];
                if (m.n >= IDMAP_MAX_ENTRIES) {
                        log_debug("subordinate ranges beyond %d entries are ignored",
                                  IDMAP_MAX_ENTRIES);
                        break;
                }
                if (r.count == 0 || (uint64_t)r.start + r.count > IDMAP_ID_END)
                        continue;
                bool overlap = false;
                for (size_t j = 0; j < m.n && !overlap; j++)
                        overlap = ranges_overlap(r.start, r.count, m.entries[j].host_id,
                                                 m.entries[j].size);
                if (overlap) {
                        log_debug("subordinate range %" PRIu32 "+%" PRIu32
                                  " overlaps the caller's id or an earlier range, ignored",
                                  r.start, r.count);
                        continue;
                }
                if (next + r.count > IDMAP_ID_END) {
                        uint64_t room = IDMAP_ID_END - next;
                        if (room == 0)
                                break;
                        r.count = (uint32_t)room;
                }
                idmap_append(&m, (uint32_t)next, r.start, r.count);
                next += r.count;
        }
        *ret = m;
}

/* ---- kernel text, OCI ---- */

int idmap_parse_kernel(const char *text, const char *what, IdMap *ret, WarrenError **err) {
        if (!what)
                what = "uid_map";
        _cleanup_idmap_ IdMap m = {0};
        size_t lineno = 0;
        const char *p = text;
        while (p && *p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                _cleanup_free_ char *line = xstrndup(p, n);
                p = nl ? nl + 1 : p + n;
                lineno++;
                _cleanup_strv_ char **f = strv_split(line, " \t\r");
                if (strv_length(f) == 0)
                        continue;
                uint32_t v[3];
                if (strv_length(f) != 3)
                        return error_set(err, EINVAL, "`%s` line %zu: expected 3 fields, got %zu",
                                         what, lineno, strv_length(f));
                for (size_t k = 0; k < 3; k++)
                        if (safe_atou32(f[k], &v[k]) < 0)
                                return error_set(err, EINVAL,
                                                 "`%s` line %zu: `%s` is not a 32-bit id", what,
                                                 lineno, f[k]);
                if (m.n >= IDMAP_MAX_ENTRIES)
                        return error_set(err, E2BIG, "`%s`: more than %d lines", what,
                                         IDMAP_MAX_ENTRIES);
                idmap_append(&m, v[0], v[1], v[2]);
        }
        *ret = m;
        m = (IdMap){0};
        return 0;
}

char *idmap_format_kernel(const IdMap *m) {
        size_t cap = 1 + (m ? m->n : 0) * 34, pos = 0;
        char *s = xmalloc(cap);
        s[0] = 0;
        for (size_t i = 0; m && i < m->n; i++)
                pos += (size_t)snprintf(s + pos, cap - pos, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
                                        m->entries[i].container_id, m->entries[i].host_id,
                                        m->entries[i].size);
        return s;
}

char **idmap_format_helper_args(const IdMap *m) {
        char **l = NULL;
        for (size_t i = 0; m && i < m->n; i++) {
                strv_consume(&l, xasprintf("%" PRIu32, m->entries[i].container_id));
                strv_consume(&l, xasprintf("%" PRIu32, m->entries[i].host_id));
                strv_consume(&l, xasprintf("%" PRIu32, m->entries[i].size));
        }
        if (!l)
                l = xnew(char *, 1);
        return l;
}

int idmap_from_oci(const JsonValue *array, const char *what, IdMap *ret, WarrenError **err) {
        if (!what)
                what = "mappings";
        *ret = (IdMap){0};
        if (!array || array->type == JSON_NULL)
                return 0;
        if (array->type != JSON_ARRAY)
                return error_set(err, EINVAL, "`%s` must be an array, not %s", what,
                                 json_type_name(array->type));
        _cleanup_idmap_ IdMap m = {0};
        for (size_t i = 0; i < json_length(array); i++) {
                const JsonValue *e = json_at(array, i);
                _cleanup_free_ char *ew = xasprintf("%s[%zu]", what, i);
                if (!json_is(e, JSON_OBJECT))
                        return error_set(err, EINVAL, "`%s` must be an object", ew);
                static const char *const keys[] = {"containerID", "hostID", "size"};
                uint32_t v[3];
                for (size_t k = 0; k < 3; k++) {
                        _cleanup_free_ char *kw = xasprintf("%s.%s", ew, keys[k]);
                        if (!json_get(e, keys[k]))
                                return error_set(err, EINVAL, "`%s` is required", kw);
                        int r = json_get_uint32(e, keys[k], kw, &v[k], err);
                        if (r < 0)
                                return r;
                }
                idmap_append(&m, v[0], v[1], v[2]);
        }
        *ret = m;
        m = (IdMap){0};
        return 0;
}

JsonValue *idmap_to_oci(const IdMap *m) {
        JsonValue *a = json_new_array();
        for (size_t i = 0; m && i < m->n; i++) {
                JsonValue *o = json_new_object();
                json_object_set(o, "containerID", json_new_integer(m->entries[i].container_id));
                json_object_set(o, "hostID", json_new_integer(m->entries[i].host_id));
                json_object_set(o, "size", json_new_integer(m->entries[i].size));
                json_array_append(a, o);
        }
        return a;
}

/* ---- writing ---- */

const char *idmap_kind_name(IdMapKind kind) {
        return kind == IDMAP_GID ? "gid" : "uid";
}

const char *idmap_helper_name(IdMapKind kind) {
        return kind == IDMAP_GID ? "newgidmap" : "newuidmap";
}

static int write_proc_file(pid_t pid, const char *name, const char *data, WarrenError **err) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        size_t len = strlen(data);
        /* The kernel wants the whole map in one write. */
        ssize_t n = write(fd, data, len);
        if (n < 0)
                return error_set_errno(err, errno, "write `%s`", path);
        if ((size_t)n != len)
                return error_set(err, EIO, "write `%s`: short write", path);
        return 0;
}

int idmap_write_direct(pid_t pid, IdMapKind kind, const IdMap *m, bool deny_setgroups,
                       WarrenError **err) {
        int r;
        if (kind == IDMAP_GID && deny_setgroups) {
                r = write_proc_file(pid, "setgroups", "deny", err);
                /* Kernels before 3.19 have no setgroups file. */
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r == -ENOENT && err) {
                        error_free(*err);
                        *err = NULL;
                }
        }
        _cleanup_free_ char *text = idmap_format_kernel(m);
        r = write_proc_file(pid, kind == IDMAP_GID ? "gid_map" : "uid_map", text, err);
        if (r < 0)
                return error_prefix(err, r, "write %s map", idmap_kind_name(kind));
        return 0;
}

static bool is_executable(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int idmap_find_helper(IdMapKind kind, char **ret_path, WarrenError **err) {
        const char *name = idmap_helper_name(kind);
        const char *path_env = getenv("PATH");
        if (path_env) {
                _cleanup_strv_ char **dirs = strv_split(path_env, ":");
                STRV_FOREACH (d, dirs) {
                        if ((*d)[0] != '/')
                                continue; /* never a relative PATH entry for a setuid helper */
                        _cleanup_free_ char *p = path_join(*d, name);
                        if (is_executable(p)) {
                                *ret_path = TAKE_PTR(p);
                                return 0;
                        }
                }
        }
        static const char *const fallback[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
        for (size_t i = 0; i < ELEMENTSOF(fallback); i++) {
                _cleanup_free_ char *p = path_join(fallback[i], name);
                if (is_executable(p)) {
                        *ret_path = TAKE_PTR(p);
                        return 0;
                }
        }
        return error_set(err, ENOENT,
                         "`%s` not found in PATH or /usr/bin (install the uidmap package)", name);
}

#define HELPER_STDERR_MAX 1024

int idmap_write_helper(pid_t pid, IdMapKind kind, const IdMap *m, WarrenError **err) {
        const char *name = idmap_helper_name(kind);
        _cleanup_free_ char *tool = NULL;
        int r = idmap_find_helper(kind, &tool, err);
        if (r < 0)
                return r;

        _cleanup_strv_ char **argv = NULL;
        strv_push(&argv, tool);
        strv_consume(&argv, xasprintf("%d", (int)pid));
        _cleanup_strv_ char **args = idmap_format_helper_args(m);
        STRV_FOREACH (a, args)
                strv_push(&argv, *a);

        int errpipe[2];
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "run `%s`: pipe", name);
        _cleanup_close_ int rfd = errpipe[0];
        _cleanup_close_ int wfd = errpipe[1];

        pid_t child = fork();
        if (child < 0)
                return error_set_errno(err, errno, "run `%s`: fork", name);
        if (child == 0) {
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (devnull >= 0) {
                        dup2(devnull, STDIN_FILENO);
                        dup2(devnull, STDOUT_FILENO);
                }
                dup2(wfd, STDERR_FILENO);
                execv(tool, argv);
                dprintf(STDERR_FILENO, "exec: %s", strerror(errno));
                _exit(127);
        }
        wfd = safe_close(wfd);

        char buf[HELPER_STDERR_MAX + 1];
        size_t len = 0;
        for (;;) {
                char tmp[512];
                ssize_t n = read(rfd, tmp, sizeof(tmp));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                size_t take = MIN((size_t)n, HELPER_STDERR_MAX - len);
                memcpy(buf + len, tmp, take);
                len += take;
        }
        buf[len] = 0;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                buf[--len] = 0;
        for (size_t i = 0; i < len; i++)
                if (buf[i] == '\n')
                        buf[i] = ' ';

        int status;
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "wait for `%s`", name);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        int code = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT : EPERM;
        if (WIFEXITED(status))
                return error_set(err, code, "%s `%s` failed with status %d%s%s", name, tool,
                                 WEXITSTATUS(status), len ? ": " : "", buf);
        return error_set(err, code, "%s `%s` killed by signal %d%s%s", name, tool, WTERMSIG(status),
                         len ? ": " : "", buf);
}

/* ---- support detection and the plan ---- */

void idmap_support_done(IdMapSupport *s) {
        if (!s)
                return;
        free(s->user);
        free(s->newuidmap);
        free(s->newgidmap);
        subid_list_done(&s->subuids);
        subid_list_done(&s->subgids);
        *s = (IdMapSupport){0};
}

bool idmap_helper_usable(const char *path, int cap) {
        struct stat st;
        if (!path || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return false;
        if ((st.st_mode & S_ISUID) && st.st_uid == 0)
                return true;
        /* struct vfs_cap_data: le32 magic_etc, then {le32 permitted, le32 inheritable}[1 or 2]. */
        uint8_t data[24];
        ssize_t n = getxattr(path, "security.capability", data, sizeof(data));
        if (n < 12 || cap < 0 || cap >= 32)
                return false;
        uint32_t permitted = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
                             (uint32_t)data[7] << 24;
        return (permitted >> cap) & 1;
}

int idmap_detect_support_at(uint32_t uid, uint32_t gid, const char *user, const char *subuid_path,
                            const char *subgid_path, const char *newuidmap_path,
                            const char *newgidmap_path, IdMapSupport *ret, WarrenError **err) {
        _cleanup_idmap_support_ IdMapSupport s = {0};
        s.uid = uid;
        s.gid = gid;
        s.user = user ? xstrdup(user) : NULL;
        s.newuidmap = newuidmap_path ? xstrdup(newuidmap_path) : NULL;
        s.newgidmap = newgidmap_path ? xstrdup(newgidmap_path) : NULL;
        s.newuidmap_usable = idmap_helper_usable(newuidmap_path, 7 /* CAP_SETUID */);
        s.newgidmap_usable = idmap_helper_usable(newgidmap_path, 6 /* CAP_SETGID */);
        int r;
        if (subuid_path) {
                r = idmap_subid_read(subuid_path, user, uid, &s.subuids, err);
                if (r < 0)
                        return r;
        }
        if (subgid_path) {
                /* /etc/subgid is keyed by user name or uid, not gid, as shadow's tools do. */
                r = idmap_subid_read(subgid_path, user, uid, &s.subgids, err);
                if (r < 0)
                        return r;
        }
        *ret = s;
        s = (IdMapSupport){0};
        return 0;
}

int idmap_detect_support(IdMapSupport *ret, WarrenError **err) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        struct passwd pw, *res = NULL;
        char buf[4096];
        const char *user = NULL;
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
                user = res->pw_name;
        _cleanup_free_ char *nu = NULL, *ng = NULL;
        (void)idmap_find_helper(IDMAP_UID, &nu, NULL);
        (void)idmap_find_helper(IDMAP_GID, &ng, NULL);
        return idmap_detect_support_at(uid, gid, user, "/etc/subuid", "/etc/subgid", nu, ng, ret,
                                       err);
}

void idmap_plan_done(IdMapPlan *p) {
        if (!p)
                return;
        idmap_done(&p->uid_map);
        idmap_done(&p->gid_map);
        free(p->reason);
        *p = (IdMapPlan){0};
}

static void plan_single(uint32_t uid, uint32_t gid, const char *reason, IdMapPlan *ret) {
        *ret = (IdMapPlan){0};
        idmap_append(&ret->uid_map, 0, uid, 1);
        idmap_append(&ret->gid_map, 0, gid, 1);
        ret->use_helpers = false;
        ret->reason = xstrdup(reason);
}

void idmap_plan_from_support(const IdMapSupport *s, IdMapPlan *ret) {
        const char *who = s->user ? s->user : "";
        _cleanup_free_ char *why = NULL;
        if (!s->newuidmap)
                why = xstrdup("`newuidmap` not found");
        else if (!s->newgidmap)
                why = xstrdup("`newgidmap` not found");
        else if (!s->newuidmap_usable)
                why = xasprintf("`%s` is neither setuid root nor has cap_setuid", s->newuidmap);
        else if (!s->newgidmap_usable)
                why = xasprintf("`%s` is neither setuid root nor has cap_setgid", s->newgidmap);
        else if (s->subuids.n == 0)
                why = xasprintf("no range for `%s` (uid %" PRIu32 ") in /etc/subuid", who, s->uid);
        else if (s->subgids.n == 0)
                why = xasprintf("no range for `%s` (uid %" PRIu32 ") in /etc/subgid", who, s->uid);
        if (why) {
                _cleanup_free_ char *reason = xasprintf("single-id mapping: %s", why);
                log_debug("id maps: %s", reason);
                plan_single(s->uid, s->gid, reason, ret);
                return;
        }
        *ret = (IdMapPlan){0};
        idmap_build_rootless(s->uid, &s->subuids, &ret->uid_map);
        idmap_build_rootless(s->gid, &s->subgids, &ret->gid_map);
        ret->use_helpers = true;
        ret->reason = xasprintf("multi-range mapping via newuidmap/newgidmap: %zu subuid and %zu "
                                "subgid ranges",
                                s->subuids.n, s->subgids.n);
        log_debug("id maps: %s", ret->reason);
}

int idmap_plan_default(IdMapPlan *ret, WarrenError **err) {
        _cleanup_idmap_support_ IdMapSupport s = {0};
        int r = idmap_detect_support(&s, err);
        if (r < 0)
                return r;
        idmap_plan_from_support(&s, ret);
        return 0;
}

void idmap_plan_from_maps(const IdMap *uid_map, const IdMap *gid_map, IdMapPlan *ret) {
        *ret = (IdMapPlan){0};
        idmap_copy(uid_map, &ret->uid_map);
        idmap_copy(gid_map, &ret->gid_map);
        bool single = (!uid_map || uid_map->n == 0 || idmap_is_single(uid_map, geteuid())) &&
                      (!gid_map || gid_map->n == 0 || idmap_is_single(gid_map, getegid()));
        if (geteuid() == 0) {
                ret->use_helpers = false;
                ret->reason = xstrdup("written directly: the caller is root");
        } else if (single) {
                ret->use_helpers = false;
                ret->reason = xstrdup("single-id mapping of the caller's own ids");
        } else {
                ret->use_helpers = true;
                ret->reason = xstrdup("multi-range mapping via newuidmap/newgidmap");
        }
        log_debug("id maps: %s", ret->reason);
}

int idmap_plan_apply(const IdMapPlan *p, pid_t pid, WarrenError **err) {
        int r;
        if (p->uid_map.n > 0) {
                r = p->use_helpers ? idmap_write_helper(pid, IDMAP_UID, &p->uid_map, err)
                                   : idmap_write_direct(pid, IDMAP_UID, &p->uid_map, false, err);
                if (r < 0)
                        return r;
        }
        if (p->gid_map.n > 0) {
                /* Root may keep setgroups; an unprivileged direct writer must deny it. */
                bool deny = !p->use_helpers && geteuid() != 0;
                r = p->use_helpers ? idmap_write_helper(pid, IDMAP_GID, &p->gid_map, err)
                                   : idmap_write_direct(pid, IDMAP_GID, &p->gid_map, deny, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
