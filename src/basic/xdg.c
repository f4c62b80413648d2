/* SPDX-License-Identifier: Apache-2.0 */
#include "basic/xdg.h"

#include <pwd.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/xalloc.h"

static int home_dir(char **ret, WarrenError **err) {
        const char *h = getenv("HOME");
        if (h && h[0] == '/') {
                *ret = xstrdup(h);
                return 0;
        }
        struct passwd *pw = getpwuid(geteuid());
        if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
                return error_set(err, ENOENT, "cannot find the home directory of uid %u",
                                 (unsigned) geteuid());
        *ret = xstrdup(pw->pw_dir);
        return 0;
}

static int from_env_or_home(const char *env, const char *home_rel, const char *root_default,
                            char **ret, WarrenError **err) {
        const char *v = getenv(env);
        if (v && v[0] == '/') {
                *ret = path_join(v, "warren");
                return 0;
        }
        if (geteuid() == 0 && root_default) {
                *ret = xstrdup(root_default);
                return 0;
        }
        _cleanup_free_ char *home = NULL;
        int r = home_dir(&home, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *base = path_join(home, home_rel);
        *ret = path_join(base, "warren");
        return 0;
}

int xdg_data_dir(char **ret, WarrenError **err) {
        const char *root = getenv("WARREN_ROOT");
        if (root && root[0] == '/') {
                *ret = xstrdup(root);
                return 0;
        }
        return from_env_or_home("XDG_DATA_HOME", ".local/share", "/var/lib/warren", ret, err);
}

int xdg_config_dir(char **ret, WarrenError **err) {
        return from_env_or_home("XDG_CONFIG_HOME", ".config", "/etc/warren", ret, err);
}

int xdg_runtime_base(char **ret, WarrenError **err) {
        static bool warned = false;
        const char *v = getenv("XDG_RUNTIME_DIR");
        struct stat st;
        if (v && v[0] == '/' && stat(v, &st) == 0 && S_ISDIR(st.st_mode) &&
            st.st_uid == geteuid()) {
                *ret = xstrdup(v);
                return 0;
        }
        if (geteuid() == 0) {
                *ret = xstrdup("/run");
                return 0;
        }
        /* As podman does: a private directory under /tmp, created 0700 and checked. */
        _cleanup_free_ char *fb = xasprintf("/tmp/warren-run-%u", (unsigned) geteuid());
        if (mkdir(fb, 0700) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create runtime directory `%s`", fb);
        if (lstat(fb, &st) < 0)
                return error_set_errno(err, errno, "stat `%s`", fb);
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
                return error_set(err, EPERM,
                                 "runtime directory `%s` is not a private directory of uid %u",
                                 fb, (unsigned) geteuid());
        if (!warned) {
                warned = true;
                log_warning("XDG_RUNTIME_DIR is %s; using `%s`",
                            v ? "not a directory owned by you" : "not set", fb);
        }
        *ret = TAKE_PTR(fb);
        return 0;
}

int xdg_runtime_dir(char **ret, WarrenError **err) {
        _cleanup_free_ char *base = NULL;
        int r = xdg_runtime_base(&base, err);
        if (r < 0)
                return r;
        *ret = path_join(base, "warren");
        return 0;
}
