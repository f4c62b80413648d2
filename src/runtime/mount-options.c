/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/mount-options.h"

#include <sys/mount.h>

#include "basic/strv.h"
#include "basic/xalloc.h"

static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
} flag_table[] = {
        {"defaults", false, 0},
        {"ro", false, MS_RDONLY},
        {"rw", true, MS_RDONLY},
        {"nosuid", false, MS_NOSUID},
        {"suid", true, MS_NOSUID},
        {"nodev", false, MS_NODEV},
        {"dev", true, MS_NODEV},
        {"noexec", false, MS_NOEXEC},
        {"exec", true, MS_NOEXEC},
        {"sync", false, MS_SYNCHRONOUS},
        {"async", true, MS_SYNCHRONOUS},
        {"dirsync", false, MS_DIRSYNC},
        {"remount", false, MS_REMOUNT},
        {"mand", false, MS_MANDLOCK},
        {"nomand", true, MS_MANDLOCK},
        {"atime", true, MS_NOATIME},
        {"noatime", false, MS_NOATIME},
        {"diratime", true, MS_NODIRATIME},
        {"nodiratime", false, MS_NODIRATIME},
        {"relatime", false, MS_RELATIME},
        {"norelatime", true, MS_RELATIME},
        {"strictatime", false, MS_STRICTATIME},
        {"nostrictatime", true, MS_STRICTATIME},
        {"silent", false, MS_SILENT},
        {"loud", true, MS_SILENT},
        {"lazytime", false, MS_LAZYTIME},
        {"nolazytime", true, MS_LAZYTIME},
        {"iversion", false, MS_I_VERSION},
        {"noiversion", true, MS_I_VERSION},
        {"nosymfollow", false, 4096 /* MS_NOSYMFOLLOW */},
        {"symfollow", true, 4096},
};

static const struct {
        const char *name;
        unsigned long flag;
} propagation_table[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Accepted and ignored: options that other runtimes understand and we do not act on. */
static const char *const ignored[] = {"tmpcopyup", "idmap", "ridmap", "copy-symlink",
                                      "acl",       "noacl", NULL};

void mount_options_done(MountOptions *o) {
        free(o->data);
        *o = (MountOptions){};
}

int mount_options_parse(char *const *options, MountOptions *ret, WarrenError **err) {
        MountOptions o = {};
        _cleanup_strv_ char **data = NULL;
        STRV_FOREACH (opt, options) {
                const char *s = *opt;
                bool found = false;
                if (STREQ(s, "bind") || STREQ(s, "rbind")) {
                        o.bind = true;
                        o.recursive = o.recursive || s[0] == 'r';
                        continue;
                }
                for (size_t i = 0; i < ELEMENTSOF(flag_table) && !found; i++)
                        if (STREQ(flag_table[i].name, s)) {
                                found = true;
                                if (flag_table[i].clear) {
                                        o.flags &= ~flag_table[i].flag;
                                        o.clear |= flag_table[i].flag;
                                } else {
                                        o.flags |= flag_table[i].flag;
                                        o.clear &= ~flag_table[i].flag;
                                }
                        }
                for (size_t i = 0; i < ELEMENTSOF(propagation_table) && !found; i++)
                        if (STREQ(propagation_table[i].name, s)) {
                                found = true;
                                o.propagation = propagation_table[i].flag;
                        }
                if (found || strv_contains((char **)ignored, s))
                        continue;
                if (!*s)
                        continue;
                if (strchr(s, ','))
                        return error_set(err, EINVAL, "mount option `%s` contains a comma", s);
                /* "rro", "rnosuid" and friends (mount_setattr): treat as the plain flag. */
                if (s[0] == 'r' && s[1]) {
                        bool sub = false;
                        for (size_t i = 0; i < ELEMENTSOF(flag_table) && !sub; i++)
                                if (STREQ(flag_table[i].name, s + 1) && !flag_table[i].clear) {
                                        o.flags |= flag_table[i].flag;
                                        sub = true;
                                }
                        if (sub)
                                continue;
                }
                strv_push(&data, s);
        }
        o.data = data ? strv_join(data, ",") : NULL;
        *ret = o;
        return 0;
}

char *mount_data_strip_ids(const char *data) {
        if (!data)
                return NULL;
        _cleanup_strv_ char **l = strv_split(data, ",");
        _cleanup_strv_ char **keep = NULL;
        STRV_FOREACH (s, l)
                if (!STARTS_WITH(*s, "uid=") && !STARTS_WITH(*s, "gid="))
                        strv_push(&keep, *s);
        return keep ? strv_join(keep, ",") : NULL;
}
