/* SPDX-License-Identifier: Apache-2.0 */
#include "core/engine.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "storage/container-store.h"
#include "storage/image-store.h"
#include "storage/sandbox-store.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec/warren"
#endif

Engine *engine_free(Engine *e) {
        if (!e)
                return NULL;
        free(e->data_dir);
        free(e->run_dir);
        free(e->config_dir);
        container_store_free(e->containers);
        sandbox_store_free(e->sandboxes);
        image_store_free(e->images);
        free(e->bin_dir);
        free(e->storage_driver);
        free(e);
        return NULL;
}

static char *self_dir(void) {
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        if (n <= 0)
                return NULL;
        buf[n] = 0;
        char *slash = strrchr(buf, '/');
        if (!slash)
                return NULL;
        *slash = 0;
        return xstrdup(buf[0] ? buf : "/");
}

int engine_open(const EngineOptions *opts, Engine **ret, WarrenError **err) {
        _cleanup_(engine_freep) Engine *e = xnew(Engine, 1);
        int r;
        if (opts && opts->root)
                e->data_dir = xstrdup(opts->root);
        else if ((r = xdg_data_dir(&e->data_dir, err)) < 0)
                return r;
        if (opts && opts->run_root)
                e->run_dir = xstrdup(opts->run_root);
        else if ((r = xdg_runtime_dir(&e->run_dir, err)) < 0)
                return r;
        if ((r = xdg_config_dir(&e->config_dir, err)) < 0)
                return r;
        if ((r = mkdir_p(e->data_dir, 0700, err)) < 0 || (r = mkdir_p(e->run_dir, 0700, err)) < 0)
                return r;
        if (opts && opts->storage_driver)
                e->storage_driver = xstrdup(opts->storage_driver);
        e->bin_dir = self_dir();

        _cleanup_free_ char *cdir = path_join(e->data_dir, "containers");
        _cleanup_free_ char *sdir = path_join(e->data_dir, "sandboxes");
        _cleanup_free_ char *idir = path_join(e->data_dir, "images");
        if ((r = container_store_open(cdir, &e->containers, err)) < 0 ||
            (r = sandbox_store_open(sdir, &e->sandboxes, err)) < 0 ||
            (r = image_store_open(idir, &e->images, err)) < 0)
                return r;

        /* The runtime directory is a tmpfs: no alive file means the machine restarted since
         * warren last ran, so nothing recorded as running can still be. */
        _cleanup_free_ char *alive = path_join(e->run_dir, "alive");
        if (access(alive, F_OK) < 0) {
                e->rebooted = true;
                int fd = open(alive, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                if (fd >= 0)
                        close(fd);
                log_debug("no `%s`: first run since boot", alive);
        }
        *ret = TAKE_PTR(e);
        return 0;
}

int engine_program(const Engine *e, const char *name, char **ret, WarrenError **err) {
        _cleanup_free_ char *env = xasprintf("WARREN_%s", name + (STARTS_WITH(name, "warren-") ? 7 : 0));
        for (char *p = env; *p; p++)
                *p = *p == '-' ? '_' : (char) toupper((unsigned char) *p);
        const char *v = getenv(env);
        if (v && *v) {
                if (access(v, X_OK) < 0)
                        return error_set_errno(err, errno, "$%s=`%s`", env, v);
                *ret = xstrdup(v);
                return 0;
        }
        _cleanup_strv_ char **tried = NULL;
        if (e && e->bin_dir) {
                char *p = path_join(e->bin_dir, name);
                if (access(p, X_OK) == 0) {
                        *ret = p;
                        return 0;
                }
                strv_consume(&tried, p);
        }
        char *p = path_join(LIBEXECDIR, name);
        if (access(p, X_OK) == 0) {
                *ret = p;
                return 0;
        }
        strv_consume(&tried, p);
        const char *path = getenv("PATH");
        _cleanup_strv_ char **dirs = strv_split(path ? path : "/usr/local/bin:/usr/bin:/bin", ":");
        STRV_FOREACH (d, dirs) {
                p = path_join(*d, name);
                if (access(p, X_OK) == 0) {
                        *ret = p;
                        return 0;
                }
                free(p);
        }
        strv_push(&tried, "$PATH");
        _cleanup_free_ char *where = strv_join(tried, ", ");
        return error_set(err, ENOENT, "cannot find `%s` (looked in %s)", name, where);
}

char *engine_container_dir(const Engine *e, const char *id) {
        return xasprintf("%s/userdata/%s", e->data_dir, id);
}

char *engine_container_run_dir(const Engine *e, const char *id) {
        return xasprintf("%s/containers/%s", e->run_dir, id);
}

char *engine_sandbox_dir(const Engine *e, const char *id) {
        return xasprintf("%s/sandbox-data/%s", e->data_dir, id);
}

char *engine_new_id(void) {
        unsigned char raw[32];
        size_t got = 0;
        while (got < sizeof(raw)) {
                ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        abort(); /* the kernel always has getrandom() since 3.17 */
                }
                got += (size_t) n;
        }
        char *id = xmalloc(65);
        for (size_t i = 0; i < sizeof(raw); i++)
                snprintf(id + 2 * i, 3, "%02x", raw[i]);
        return id;
}

char *engine_random_name(void) {
        static const char *const left[] = {
                "agile",   "bold",    "brave",   "bright",  "busy",    "calm",    "clever",
                "cosy",    "curious", "daring",  "deft",    "eager",   "earnest", "fond",
                "gentle",  "glad",    "happy",   "hardy",   "jolly",   "keen",    "kind",
                "lively",  "lucky",   "merry",   "mighty",  "nimble",  "noble",   "patient",
                "plucky",  "proud",   "quick",   "quiet",   "ready",   "sharp",   "shy",
                "sleepy",  "snug",    "steady",  "stout",   "sunny",   "swift",   "tender",
                "tidy",    "upbeat",  "vivid",   "wary",    "wise",    "witty",   "zesty",
        };
        static const char *const right[] = {
                "badger",  "beaver",  "bunny",   "chipmunk", "coney",   "dormouse", "ferret",
                "gerbil",  "gopher",  "hamster", "hare",     "hedgehog", "jackrabbit", "lemming",
                "marmot",  "meerkat", "mink",    "mole",     "mouse",   "muskrat",  "otter",
                "pika",    "platypus", "prairiedog", "rabbit", "shrew", "squirrel", "stoat",
                "tortoise", "vole",   "warthog", "weasel",   "wombat",  "wolverine",
        };
        unsigned char r[2];
        if (getrandom(r, sizeof(r), 0) != sizeof(r))
                r[0] = r[1] = (unsigned char) getpid();
        return xasprintf("%s_%s", left[r[0] % ELEMENTSOF(left)], right[r[1] % ELEMENTSOF(right)]);
}
