/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/layer-store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

struct LayerStore {
        char *path; /* <root>/layers */
        int dirfd;
        int stagingfd;
        int lockfd;
};

struct LayerStage {
        LayerStore *ls;
        char *name; /* under .staging */
        int diffd;  /* staging/<name>/diff */
        uint64_t content_size;
        char *parent; /* the chain id of the layers it copied files from, or NULL */
};

static int random_name(const char *prefix, char **ret) {
        unsigned long long rnd = 0;
        if (getentropy(&rnd, sizeof(rnd)) < 0)
                rnd = ((unsigned long long)getpid() << 32) ^ (unsigned long long)time(NULL);
        *ret = xasprintf("%s%016llx", prefix, rnd);
        return 0;
}

static bool try_lock_exclusive(int dfd, const char *name) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return false;
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

static void clean_staging(LayerStore *ls) {
        int dfd = dup(ls->stagingfd);
        if (dfd < 0)
                return;
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return;
        }
        rewinddir(d); /* a dup shares the offset with earlier listings */
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                log_debug("removing staging `%s` left by an interrupted import", de->d_name);
                (void)rm_rf_at(ls->stagingfd, de->d_name, NULL);
        }
        closedir(d);
}

int layer_store_open(const char *root, bool exclusive, LayerStore **ret, WarrenError **err) {
        _cleanup_free_ char *path = path_join(root, "layers");
        _cleanup_free_ char *staging = path_join(path, ".staging");
        int r = mkdir_p(staging, 0700, err);
        if (r < 0)
                return error_prefix(err, r, "layer store");
        LayerStore *ls = xnew(LayerStore, 1);
        ls->path = TAKE_PTR(path);
        ls->lockfd = -1;
        ls->dirfd = open(ls->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ls->stagingfd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ls->dirfd < 0 || ls->stagingfd < 0) {
                int e = errno;
                layer_store_free(ls);
                return error_set_errno(err, e, "open layer store `%s`", staging);
        }
        if (try_lock_exclusive(ls->dirfd, "lock"))
                clean_staging(ls);
        r = lock_file_at(ls->dirfd, "lock", exclusive, &ls->lockfd, err);
        if (r < 0) {
                layer_store_free(ls);
                return error_prefix(err, r, "layer store");
        }
        *ret = ls;
        return 0;
}

LayerStore *layer_store_free(LayerStore *ls) {
        if (!ls)
                return NULL;
        safe_close(ls->dirfd);
        safe_close(ls->stagingfd);
        safe_close(ls->lockfd);
        free(ls->path);
        free(ls);
        return NULL;
}

bool layer_store_has(LayerStore *ls, const char *diff_id) {
        const char *hex = digest_hex(diff_id);
        if (!hex)
                return false;
        _cleanup_free_ char *p = xasprintf("%s/layer.json", hex);
        return faccessat(ls->dirfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

char *layer_store_diff_path(LayerStore *ls, const char *diff_id) {
        const char *hex = digest_hex(diff_id);
        return hex ? xasprintf("%s/%s/diff", ls->path, hex) : NULL;
}

static int read_layer_json(LayerStore *ls, const char *diff_id, JsonValue **ret,
                           WarrenError **err) {
        const char *hex = digest_hex(diff_id);
        if (!hex)
                return error_set(err, EINVAL, "invalid diff id `%s`", diff_id);
        _cleanup_free_ char *p = xasprintf("%s/layer.json", hex);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_file_at_capped(ls->dirfd, p, 64 * 1024, &buf, &len, false, err);
        if (r < 0)
                return r;
        r = json_parse(buf, len, 0, ret, err);
        if (r < 0)
                return error_prefix(err, r, "layer `%s`", diff_id);
        return 0;
}

int layer_store_size(LayerStore *ls, const char *diff_id, uint64_t *ret, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = read_layer_json(ls, diff_id, &v, err);
        if (r < 0)
                return r;
        uint64_t size = 0;
        r = json_get_uint64(v, "size", NULL, &size, err);
        if (r < 0)
                return r;
        *ret = size;
        return 0;
}

int layer_store_parent(LayerStore *ls, const char *diff_id, char **ret, WarrenError **err) {
        _cleanup_json_ JsonValue *v = NULL;
        int r = read_layer_json(ls, diff_id, &v, err);
        if (r < 0)
                return r;
        char *parent = NULL;
        r = json_get_string(v, "parent", NULL, &parent, err);
        if (r < 0)
                return error_prefix(err, r, "layer `%s`", diff_id);
        *ret = parent;
        return 0;
}

int layer_store_list(LayerStore *ls, char ***ret, WarrenError **err) {
        return digest_list_dir(ls->dirfd, "layers", ret, err);
}

int layer_store_remove(LayerStore *ls, const char *diff_id, WarrenError **err) {
        const char *hex = digest_hex(diff_id);
        if (!hex)
                return error_set(err, EINVAL, "invalid diff id `%s`", diff_id);
        _cleanup_free_ char *tmp = NULL;
        random_name("del-", &tmp);
        if (renameat(ls->dirfd, hex, ls->stagingfd, tmp) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "remove layer `%s`", diff_id);
        }
        int r = rm_rf_at(ls->stagingfd, tmp, err);
        if (r < 0)
                return error_prefix(err, r, "remove layer `%s`", diff_id);
        return 0;
}

int layer_stage_new(LayerStore *ls, LayerStage **ret, WarrenError **err) {
        LayerStage *st = xnew(LayerStage, 1);
        st->ls = ls;
        st->diffd = -1;
        random_name("new-", &st->name);
        if (mkdirat(ls->stagingfd, st->name, 0700) < 0) {
                int e = errno;
                free(st->name);
                free(st);
                return error_set_errno(err, e, "create layer staging");
        }
        _cleanup_free_ char *diff = path_join(st->name, "diff");
        if (mkdirat(ls->stagingfd, diff, 0755) < 0 ||
            (st->diffd = openat(ls->stagingfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                int e = errno;
                layer_stage_free(st);
                return error_set_errno(err, e, "create layer staging");
        }
        *ret = st;
        return 0;
}

int layer_stage_unpack(LayerStage *st, int fd, const LayerUnpackOptions *opts,
                       LayerUnpackResult *ret, WarrenError **err) {
        int r = layer_unpack(fd, st->diffd, opts, ret, err);
        if (r < 0)
                return r;
        st->content_size = ret->content_size;
        return 0;
}

char *layer_stage_diff_path(LayerStage *st) {
        return xasprintf("%s/.staging/%s/diff", st->ls->path, st->name);
}

void layer_stage_set_parent(LayerStage *st, const char *parent_chain_id) {
        free(st->parent);
        st->parent = parent_chain_id ? xstrdup(parent_chain_id) : NULL;
}

const char *layer_stage_parent(LayerStage *st) {
        return st->parent;
}

int layer_stage_commit(LayerStage *st, const char *diff_id, WarrenError **err) {
        const char *hex = digest_hex(diff_id);
        if (!hex)
                return error_set(err, EINVAL, "invalid diff id `%s`", diff_id);
        _cleanup_json_gen_ JsonGen *g = json_gen_new(true);
        json_gen_begin_object(g);
        json_gen_kv_int(g, "version", 1);
        json_gen_kv_string(g, "diff_id", diff_id);
        json_gen_key(g, "size");
        json_gen_uint(g, st->content_size);
        json_gen_kv_int(g, "created", (int64_t)time(NULL));
        if (st->parent)
                json_gen_kv_string(g, "parent", st->parent);
        json_gen_end_object(g);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = json_gen_finish(g, &text, &len, err);
        if (r < 0)
                return r;
        _cleanup_close_ int sfd =
                openat(st->ls->stagingfd, st->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0)
                return error_set_errno(err, errno, "open layer staging");
        r = write_file_atomic_at(sfd, "layer.json", text, len, 0600, err);
        if (r < 0)
                return error_prefix(err, r, "commit layer `%s`", diff_id);
        if (renameat2(st->ls->stagingfd, st->name, st->ls->dirfd, hex, RENAME_NOREPLACE) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY) {
                        /* A concurrent import won; ours is dropped by free. Both copied files
                         * up from the layers below or neither did (the same tar), but perhaps
                         * from different ones. */
                        _cleanup_free_ char *theirs = NULL;
                        if (st->parent && layer_store_parent(st->ls, diff_id, &theirs, NULL) == 0 &&
                            theirs && STRNEQ(theirs, st->parent))
                                return error_set(err, ENOTSUP,
                                                 "layer `%s` was stored meanwhile with files "
                                                 "copied from other layers below it",
                                                 diff_id);
                        return 0;
                }
                return error_set_errno(err, errno, "commit layer `%s`", diff_id);
        }
        (void)fsync(st->ls->dirfd);
        free(st->name);
        st->name = NULL;
        return 0;
}

LayerStage *layer_stage_free(LayerStage *st) {
        if (!st)
                return NULL;
        safe_close(st->diffd);
        if (st->name)
                (void)rm_rf_at(st->ls->stagingfd, st->name, NULL);
        free(st->name);
        free(st->parent);
        free(st);
        return NULL;
}
