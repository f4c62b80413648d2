/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/layer-path.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "basic/strv.h"
#include "basic/xalloc.h"

#define WH_PREFIX ".wh."
#define WH_META_PREFIX ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define MAX_SYMLINKS 40

int layer_path_clean(const char *name, char **ret, WarrenError **err) {
        size_t len = strlen(name);
        if (len >= PATH_MAX)
                return error_set(err, ENAMETOOLONG, "entry name of %zu bytes is too long", len);
        /* Components are pushed onto an output buffer no longer than the input. */
        char *out = xmalloc(len + 1);
        size_t olen = 0;
        const char *p = name;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                if (n == 1 && p[0] == '.') {
                        /* nothing */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (olen == 0) {
                                free(out);
                                return error_set(err, EINVAL,
                                                 "entry `%.200s` escapes the layer root", name);
                        }
                        while (olen > 0 && out[olen - 1] != '/')
                                olen--;
                        if (olen > 0)
                                olen--; /* the '/' */
                } else {
                        if (n > NAME_MAX) {
                                free(out);
                                return error_set(err, ENAMETOOLONG,
                                                 "entry `%.100s...` has a component of %zu bytes",
                                                 name, n);
                        }
                        if (olen > 0)
                                out[olen++] = '/';
                        memcpy(out + olen, p, n);
                        olen += n;
                }
                p = end;
        }
        out[olen] = '\0';
        *ret = out;
        return 0;
}

void layer_path_split(const char *clean, char **ret_dir, char **ret_base) {
        const char *slash = strrchr(clean, '/');
        if (!slash) {
                *ret_dir = xstrdup("");
                *ret_base = xstrdup(clean);
                return;
        }
        *ret_dir = xstrndup(clean, (size_t)(slash - clean));
        *ret_base = xstrdup(slash + 1);
}

int layer_path_whiteout(const char *clean, LayerWhiteout *ret_kind, char **ret_dir, char **ret_name,
                        WarrenError **err) {
        const char *slash = strrchr(clean, '/');
        const char *base = slash ? slash + 1 : clean;
        *ret_kind = LAYER_WHITEOUT_NONE;
        if (!STARTS_WITH(base, WH_PREFIX))
                return 0;
        _cleanup_free_ char *dir = slash ? xstrndup(clean, (size_t)(slash - clean)) : xstrdup("");
        if (STREQ(base, WH_OPAQUE)) {
                *ret_kind = LAYER_WHITEOUT_OPAQUE;
                if (ret_dir)
                        *ret_dir = TAKE_PTR(dir);
                return 0;
        }
        if (STARTS_WITH(base, WH_META_PREFIX)) {
                *ret_kind = LAYER_WHITEOUT_META;
                return 0;
        }
        const char *name = base + strlen(WH_PREFIX);
        if (!name[0] || STREQ(name, ".") || STREQ(name, ".."))
                return error_set(err, EINVAL, "whiteout `%s` names no file", clean);
        *ret_kind = LAYER_WHITEOUT_FILE;
        if (ret_dir)
                *ret_dir = TAKE_PTR(dir);
        if (ret_name)
                *ret_name = xstrdup(name);
        return 0;
}

bool layer_xattr_allowed(const char *name) {
        return !(STARTS_WITH(name, "trusted.overlay.") || STARTS_WITH(name, "user.overlay.") ||
                 STARTS_WITH(name, "user.fuseoverlayfs.") || STREQ(name, "security.capability.x"));
}

static bool force_fallback = false;

void layer_path_force_fallback(bool on) {
        force_fallback = on;
}

static int openat2_in_root(int rootfd, const char *path, int *ret_fd) {
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = syscall(SYS_openat2, rootfd, path[0] ? path : ".", &how, sizeof(how));
        if (fd < 0)
                return -errno;
        *ret_fd = (int)fd;
        return 0;
}

/*
 * The walk for kernels without openat2: one component at a time with O_NOFOLLOW; a symlink is
 * read and its target spliced into the remaining path, restarting from the root for an
 * absolute target; ".." never climbs above the root. `stack` holds the directories walked so
 * far (for ".."). Returns an O_PATH fd.
 */
static int walk_in_root(int rootfd, const char *path, bool create, int *ret_fd) {
        _cleanup_free_ char *todo = xstrdup(path);
        int stack[PATH_MAX / 2];
        size_t depth = 0;
        int links = 0, r = 0;
        stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (stack[0] < 0)
                return -errno;
        char *p = todo;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                char *end = strchrnul(p, '/');
                char saved = *end;
                *end = '\0';
                char comp[NAME_MAX + 1];
                if (strlen(p) > NAME_MAX) {
                        r = -ENAMETOOLONG;
                        goto out;
                }
                strcpy(comp, p);
                *end = saved;
                p = end;
                if (STREQ(comp, "."))
                        continue;
                if (STREQ(comp, "..")) {
                        if (depth > 0)
                                close(stack[depth--]);
                        continue;
                }
                struct stat st;
                if (fstatat(stack[depth], comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT || !create) {
                                r = -errno;
                                goto out;
                        }
                        if (mkdirat(stack[depth], comp, 0755) < 0 && errno != EEXIST) {
                                r = -errno;
                                goto out;
                        }
                        if (fstatat(stack[depth], comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                                r = -errno;
                                goto out;
                        }
                }
                if (S_ISLNK(st.st_mode)) {
                        if (++links > MAX_SYMLINKS) {
                                r = -ELOOP;
                                goto out;
                        }
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(stack[depth], comp, target, sizeof(target) - 1);
                        if (n < 0) {
                                r = -errno;
                                goto out;
                        }
                        target[n] = '\0';
                        if (target[0] == '/')
                                while (depth > 0)
                                        close(stack[depth--]);
                        char *rest = xasprintf("%s/%s", target, p);
                        free(todo);
                        todo = rest;
                        p = todo;
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        r = -ENOTDIR;
                        goto out;
                }
                if (depth + 1 >= ELEMENTSOF(stack)) {
                        r = -ENAMETOOLONG;
                        goto out;
                }
                int fd = openat(stack[depth], comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        goto out;
                }
                stack[++depth] = fd;
        }
        *ret_fd = stack[depth];
        for (size_t i = 0; i < depth; i++)
                close(stack[i]);
        return 0;
out:
        for (size_t i = 0; i <= depth; i++)
                close(stack[i]);
        return r;
}

int layer_path_open_dir(int rootfd, const char *dir, bool create, int *ret_fd, WarrenError **err) {
        int r = -ENOSYS;
        if (!force_fallback) {
                r = openat2_in_root(rootfd, dir, ret_fd);
                if (r == -ENOENT && create) {
                        /* Create the missing components, then resolve again. */
                        r = walk_in_root(rootfd, dir, true, ret_fd);
                } else if (r == -EAGAIN)
                        r = walk_in_root(rootfd, dir, create, ret_fd);
        }
        if (r == -ENOSYS || r == -EPERM)
                r = walk_in_root(rootfd, dir, create, ret_fd);
        if (r < 0) {
                if (r == -ELOOP)
                        return error_set_errno(err, -r, "resolve `%s` (symlink loop?)",
                                               dir[0] ? dir : "/");
                return error_set_errno(err, -r, "resolve `%s`", dir[0] ? dir : "/");
        }
        return 0;
}
