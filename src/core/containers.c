/* SPDX-License-Identifier: Apache-2.0 */
/* Container lifecycle: create, start, run, stop, kill, remove, and the reconciled view. */
#include "core/containers.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/container-internal.h"
#include "core/monitor-client.h"
#include "core/monitor-config.h"
#include "core/monitor-msg.h"
#include "core/net-portspec.h"
#include "core/sandboxes.h"
#include "core/spec-gen.h"
#include "storage/filter.h"
#include "storage/image-storage.h"
#include "storage/image-store.h"
#include "storage/record.h"
#include "storage/rootfs.h"

#define EXT_KEY "warren"
#define PASSWD_MAX_SIZE (4U * 1024U * 1024U)
#define DEFAULT_LOG_MAX_SIZE (10ULL * 1024 * 1024)

int64_t container_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void container_view_done(ContainerView *v) {
        container_clear(&v->c);
        free(v->status_text);
        *v = (ContainerView){};
}

void container_views_free(ContainerView *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                container_view_done(&v[i]);
        free(v);
}

char *containers_state_dir(Engine *e, const char *id) {
        return engine_container_run_dir(e, id);
}

/* ---- extensions.warren ---- */

static JsonValue *ext_obj(Container *c) {
        if (!json_is(c->extensions, JSON_OBJECT)) {
                json_free(c->extensions);
                c->extensions = json_new_object();
        }
        JsonValue *w = (JsonValue *) json_get(c->extensions, EXT_KEY);
        if (!json_is(w, JSON_OBJECT)) {
                w = json_new_object();
                json_object_set(c->extensions, EXT_KEY, w);
        }
        return w;
}

void container_ext_set_string(Container *c, const char *key, const char *v) {
        json_object_set(ext_obj(c), key, json_new_string(v));
}

void container_ext_set_int(Container *c, const char *key, int64_t v) {
        json_object_set(ext_obj(c), key, json_new_integer(v));
}

void container_ext_set_bool(Container *c, const char *key, bool v) {
        json_object_set(ext_obj(c), key, json_new_bool(v));
}

const char *container_ext_string(const Container *c, const char *key) {
        return json_string(json_get(json_get(c->extensions, EXT_KEY), key));
}

int64_t container_ext_int(const Container *c, const char *key) {
        int64_t v = 0;
        (void) json_get_int64(json_get(c->extensions, EXT_KEY), key, NULL, &v, NULL);
        return v;
}

bool container_ext_bool(const Container *c, const char *key) {
        bool v = false;
        (void) json_get_bool(json_get(c->extensions, EXT_KEY), key, NULL, &v, NULL);
        return v;
}

/* ---- runtime ---- */

int container_runtime_path(Engine *e, const Container *c, char **ret, WarrenError **err) {
        const char *rt = c ? container_ext_string(c, "runtimePath") : NULL;
        if (rt) {
                *ret = xstrdup(rt);
                return 0;
        }
        return engine_program(e, "warren-runtime", ret, err);
}

char *container_runtime_root(Engine *e, const char *runtime_path) {
        const char *base = strrchr(runtime_path, '/');
        base = base ? base + 1 : runtime_path;
        if (STREQ(base, "warren-runtime"))
                return path_join(e->run_dir, "runtime");
        return xasprintf("%s/runtime-%s", e->run_dir, base);
}

static int resolve_runtime(Engine *e, const char *name, char **ret, WarrenError **err) {
        if (!name)
                return engine_program(e, "warren-runtime", ret, err);
        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return error_set_errno(err, errno, "--runtime `%s`", name);
                *ret = xstrdup(name);
                return 0;
        }
        const char *path = getenv("PATH");
        _cleanup_strv_ char **dirs = strv_split(path ? path : "/usr/local/bin:/usr/bin:/bin", ":");
        STRV_FOREACH (d, dirs) {
                char *p = path_join(*d, name);
                if (access(p, X_OK) == 0) {
                        *ret = p;
                        return 0;
                }
                free(p);
        }
        return engine_program(e, name, ret, err) < 0
                       ? error_set(err, ENOENT, "--runtime `%s`: not found in $PATH", name)
                       : 0;
}

/* ---- reconciliation ---- */

static char *human_duration(int64_t ns) {
        int64_t s = ns / 1000000000LL;
        if (s < 1)
                return xstrdup("Less than a second");
        if (s < 60)
                return xasprintf("%lld second%s", (long long) s, s == 1 ? "" : "s");
        int64_t m = s / 60;
        if (m < 60)
                return m == 1 ? xstrdup("About a minute") : xasprintf("%lld minutes", (long long) m);
        int64_t h = m / 60;
        if (h < 48)
                return h == 1 ? xstrdup("About an hour") : xasprintf("%lld hours", (long long) h);
        return xasprintf("%lld days", (long long) (h / 24));
}

static void reconcile(Engine *e, ContainerView *v) {
        Container *c = &v->c;
        int64_t now = container_now_ns();
        _cleanup_free_ char *sdir = containers_state_dir(e, c->id);
        MonitorCheck mc = {};
        bool have = monitor_client_check(sdir, &mc, NULL) >= 0;
        v->monitor_alive = have && (mc.state == MONITOR_STATE_ALIVE ||
                                    mc.state == MONITOR_STATE_RESTARTING);
        if (have && mc.have_exit) {
                c->status.exit_code = mc.exit.exit_code;
                c->status.oom_killed = mc.exit.oom_killed;
                c->status.restart_count = mc.exit.restarts;
                if (mc.exit.started_at_ns)
                        c->status.started_at = mc.exit.started_at_ns;
                if (mc.exit.finished_at_ns && !v->monitor_alive)
                        c->status.finished_at = mc.exit.finished_at_ns;
                if (mc.exit.error) {
                        free(c->status.message);
                        c->status.message = xstrdup(mc.exit.error);
                }
                free(c->status.reason);
                c->status.reason = xstrdup(mc.exit.oom_killed ? "OOMKilled"
                                                              : monitor_exit_reason_to_string(
                                                                        mc.exit.reason));
        }
        if (e->rebooted && !have) {
                v->state = c->status.started_at ? CONTAINER_STOPPED : CONTAINER_CREATED;
        } else if (!have || mc.state == MONITOR_STATE_NONE) {
                v->state = c->status.finished_at ? CONTAINER_STOPPED : CONTAINER_CREATED;
        } else if (mc.state == MONITOR_STATE_DEAD) {
                v->state = CONTAINER_STOPPED;
                if (!c->status.finished_at)
                        c->status.finished_at = now;
                free(c->status.reason);
                c->status.reason = xstrdup("MonitorDied");
                free(c->status.message);
                c->status.message = xstrdup("the container's monitor exited without recording "
                                            "an exit status; the container was killed");
                c->status.exit_code = 255;
        } else if (mc.state == MONITOR_STATE_EXITED) {
                v->state = CONTAINER_STOPPED;
        } else if (!c->status.started_at && !(mc.have_exit && mc.exit.started_at_ns)) {
                v->state = CONTAINER_CREATED;
        } else
                v->state = c->status.paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
        if (e->rebooted && v->state == CONTAINER_RUNNING) {
                v->state = CONTAINER_STOPPED;
                free(c->status.reason);
                c->status.reason = xstrdup("HostRebooted");
        }

        switch (v->state) {
        case CONTAINER_CREATED:
                v->status_text = xstrdup("Created");
                break;
        case CONTAINER_RUNNING:
        case CONTAINER_PAUSED: {
                _cleanup_free_ char *d = human_duration(now - c->status.started_at);
                if (mc.state == MONITOR_STATE_RESTARTING)
                        v->status_text = xasprintf("Restarting (%d) %s ago", c->status.exit_code, d);
                else
                        v->status_text = xasprintf("Up %s%s", d,
                                                   v->state == CONTAINER_PAUSED ? " (Paused)" : "");
                break;
        }
        default: {
                _cleanup_free_ char *d =
                        human_duration(now - (c->status.finished_at ? c->status.finished_at : now));
                v->status_text = xasprintf("Exited (%d) %s ago", c->status.exit_code, d);
                break;
        }
        }
        if (have)
                monitor_exit_done(&mc.exit);
}

int containers_get(Engine *e, const char *key, ContainerView *ret, WarrenError **err) {
        ContainerView v = {};
        int r = container_store_get(e->containers, key, &v.c, err);
        if (r < 0)
                return r;
        reconcile(e, &v);
        *ret = v;
        return 0;
}

static int cmp_created_desc(const void *a, const void *b) {
        const ContainerView *x = a, *y = b;
        if (x->c.status.created_at == y->c.status.created_at)
                return 0;
        return x->c.status.created_at < y->c.status.created_at ? 1 : -1;
}

int containers_list(Engine *e, bool all, char *const *filters, ContainerView **ret, size_t *ret_n,
                    WarrenError **err) {
        containers_cleanup_crashed(e);
        _cleanup_filter_ Filter *f = NULL;
        _cleanup_strv_ char **store_filters = NULL, **state_filters = NULL;
        /* docker's before=/since=: created before/after the container named (every such filter
         * must hold). */
        int64_t before = INT64_MAX, since = INT64_MIN;
        int r;
        /* status/state filters need the reconciled state: apply them after. */
        STRV_FOREACH (s, filters) {
                bool is_before = STARTS_WITH(*s, "before="), is_since = STARTS_WITH(*s, "since=");
                if (is_before || is_since) {
                        const char *ref = strchr(*s, '=') + 1;
                        Container rc = {};
                        r = container_store_get(e->containers, ref, &rc, err);
                        if (r < 0)
                                return error_prefix(err, r, "--filter `%s`", *s);
                        int64_t t = rc.status.created_at;
                        container_clear(&rc);
                        if (is_before)
                                before = MIN(before, t);
                        else
                                since = MAX(since, t);
                } else if (STARTS_WITH(*s, "status=") || STARTS_WITH(*s, "state="))
                        strv_push(&state_filters, strchr(*s, '=') + 1);
                else
                        strv_push(&store_filters, *s);
        }
        r = filter_parse_docker(store_filters, &f, err);
        if (r < 0)
                return r;
        _cleanup_(store_list_clear) StoreList l = {};
        r = container_store_list(e->containers, f, &l, err);
        if (r < 0)
                return r;
        ContainerView *v = xnew(ContainerView, l.n + 1);
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++) {
                ContainerView cv = {};
                /* Move the record out of the list (store_list_clear then frees nothing of it):
                 * with thousands of containers a deep copy is a good part of `ps -a`. */
                Container *rec = CONTAINER_LIST_AT(&l, i);
                cv.c = *rec;
                *rec = (Container){};
                reconcile(e, &cv);
                bool keep = all || cv.state == CONTAINER_RUNNING || cv.state == CONTAINER_PAUSED;
                if (state_filters) {
                        const char *st = container_state_to_string(cv.state);
                        keep = strv_contains(state_filters, st) ||
                               (cv.state == CONTAINER_STOPPED && strv_contains(state_filters, "exited"));
                }
                if (cv.c.status.created_at >= before || cv.c.status.created_at <= since)
                        keep = false;
                /* `run -d --rm`: once it has exited, it goes (lazily, here). */
                if (cv.state == CONTAINER_STOPPED && container_ext_bool(&cv.c, "autoRemove") &&
                    !cv.monitor_alive) {
                        (void) containers_remove(e, cv.c.id, true, NULL);
                        keep = false;
                }
                if (keep)
                        v[n++] = cv;
                else
                        container_view_done(&cv);
        }
        qsort(v, n, sizeof(ContainerView), cmp_created_desc);
        *ret = v;
        *ret_n = n;
        return 0;
}

bool containers_publishes_ports(const Container *c) {
        /* Records made before the flag existed: assume they may. */
        const JsonValue *w = json_get(c->extensions, EXT_KEY);
        return !json_get(w, "publishes") || container_ext_bool(c, "publishes");
}

/* ---- create ---- */

static int read_image_file(const char *rootfs, const char *rel, char **ret) {
        _cleanup_free_ char *p = path_join(rootfs, rel);
        struct stat st;
        /* /etc/passwd in an image is untrusted: a regular file, size-capped, no symlink games
         * (the merged view is ours, but a symlink could still point at the host's files). */
        if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
                return -ENOENT;
        return read_file_capped(p, PASSWD_MAX_SIZE, ret, NULL, NULL);
}

static int write_hostname_file(const char *dir, const char *hostname, WarrenError **err) {
        _cleanup_free_ char *p = path_join(dir, "hostname");
        _cleanup_free_ char *text = xasprintf("%s\n", hostname);
        return write_file_atomic(p, text, strlen(text), 0644, err);
}

static void record_from_options(Container *c, const RunOptions *o, char *const *args,
                                const JsonValue *img_cfg) {
        c->config.command = xnew(char *, 1);
        if (o->has_entrypoint) {
                if (o->entrypoint && *o->entrypoint)
                        strv_push(&c->config.command, o->entrypoint);
        }
        c->config.args = strv_copy(args);
        c->config.env = strv_copy(o->env);
        c->config.working_dir = o->workdir ? xstrdup(o->workdir) : NULL;
        c->config.user = o->user ? xstrdup(o->user) : NULL;
        c->config.hostname = o->hostname ? xstrdup(o->hostname) : NULL;
        c->config.tty = o->tty;
        c->config.stdin_open = o->interactive;
        c->config.mounts = xnew(ContainerMount, o->n_mounts + 1);
        for (size_t i = 0; i < o->n_mounts; i++) {
                const RunMount *m = &o->mounts[i];
                ContainerMount *cm = &c->config.mounts[c->config.n_mounts++];
                cm->container_path = xstrdup(m->destination);
                cm->host_path = m->source ? xstrdup(m->source) : NULL;
                cm->type = xstrdup(m->kind == MOUNT_KIND_TMPFS ? "tmpfs" : "bind");
                cm->propagation = m->propagation ? xstrdup(m->propagation) : NULL;
                cm->readonly = m->read_only;
        }
        int sig = o->stop_signal;
        if (!sig) {
                const char *is = json_string(json_get(img_cfg, "StopSignal"));
                if (!is || parse_signal(is, &sig) < 0)
                        sig = SIGTERM;
        }
        const char *sn = signal_name(sig);
        c->config.stop_signal = sn ? xasprintf("SIG%s", sn) : xasprintf("%d", sig);
        c->config.stop_timeout = o->stop_timeout >= 0 ? o->stop_timeout : 10;
        c->config.restart_policy.name = xstrdup(restart_policy_to_string(o->restart));
        c->config.restart_policy.max_retries = o->restart_max;
        c->config.security.readonly_rootfs = o->read_only;
        c->config.security.no_new_privileges = o->no_new_privileges;
        c->config.security.cap_add = strv_copy(o->cap_add);
        c->config.security.cap_drop = strv_copy(o->cap_drop);
        c->config.security.seccomp_profile = o->seccomp_profile ? xstrdup(o->seccomp_profile) : NULL;
        for (size_t i = 0; i < o->n_labels; i++)
                strmap_set(&c->labels, o->labels[i].key, o->labels[i].value);
        for (size_t i = 0; i < o->n_annotations; i++)
                strmap_set(&c->annotations, o->annotations[i].key, o->annotations[i].value);
}

/* ---- creates that did not finish ----
 *
 * A create makes a hidden sandbox (with its infra process), a root filesystem and directories
 * before the container's record exists; a `warren create` killed in between (SIGKILL, a crash)
 * would leave them to nobody. So a create first takes an OFD write lock on
 * RUN_DIR/creating/ID, records there the hidden sandbox it made, and removes the file when it
 * is done (kept or undone). A lock that can be taken on such a file means its creator died:
 * containers_cleanup_crashed() then removes what it left, unless the record made it (then the
 * container is an ordinary created one, which `rm` removes). */

typedef struct CreateJournal {
        int fd;
        char *path;
} CreateJournal;

static char *creating_dir(Engine *e) {
        return path_join(e->run_dir, "creating");
}

static int journal_begin(Engine *e, const char *id, CreateJournal *j, WarrenError **err) {
        *j = (CreateJournal){.fd = -1};
        _cleanup_free_ char *dir = creating_dir(e);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create `%s`", dir);
        j->path = path_join(dir, id);
        j->fd = open(j->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (j->fd < 0 || fcntl(j->fd, F_OFD_SETLK, &fl) < 0)
                return error_set_errno(err, errno, "create `%s`", j->path);
        return 0;
}

static void journal_note_sandbox(CreateJournal *j, const char *sandbox_id) {
        if (j->fd >= 0 && pwrite(j->fd, sandbox_id, strlen(sandbox_id), 0) < 0)
                log_debug("`%s`: %s", j->path, strerror(errno));
}

static void journal_end(CreateJournal *j) {
        if (j->path)
                (void)unlink(j->path);
        j->fd = safe_close(j->fd);
        free(j->path);
        j->path = NULL;
}

void containers_cleanup_crashed(Engine *e) {
        _cleanup_free_ char *dir = creating_dir(e);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!store_id_valid(de->d_name))
                        continue;
                _cleanup_free_ char *path = path_join(dir, de->d_name);
                _cleanup_close_ int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
                struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
                if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
                        continue; /* still being created */
                const char *id = de->d_name;
                Container c = {};
                if (container_store_get(e->containers, id, &c, NULL) >= 0) {
                        container_clear(&c);
                        (void)unlink(path);
                        continue;
                }
                char sb[STORE_ID_MAX + 1] = "";
                ssize_t n = pread(fd, sb, sizeof(sb) - 1, 0);
                sb[n > 0 ? n : 0] = 0;
                log_debug("removing what a create of `%s` left when it died", id);
                _cleanup_(image_storage_freep) ImageStorage *storage = NULL;
                if (image_storage_open(e->data_dir, false, &storage, NULL) >= 0)
                        (void)rootfs_remove(storage, id, NULL);
                _cleanup_free_ char *ud = engine_container_dir(e, id);
                _cleanup_free_ char *sd = containers_state_dir(e, id);
                (void)rm_rf(ud, NULL);
                (void)rm_rf(sd, NULL);
                /* (an infra whose pid was never recorded is found by its argv there) */
                if (sb[0] && store_id_valid(sb))
                        (void)sandboxes_remove(e, sb, true, NULL);
                (void)unlink(path);
        }
}

typedef struct CreateUndo {
        Engine *e;
        ImageStorage *storage;
        char *id;
        bool rootfs;
        char *sandbox_id; /* implicit sandbox to remove */
        bool record;
} CreateUndo;

static void undo_create(CreateUndo *u) {
        if (!u->id)
                return;
        if (u->record)
                container_store_delete(u->e->containers, u->id, NULL);
        if (u->rootfs && u->storage)
                rootfs_remove(u->storage, u->id, NULL);
        _cleanup_free_ char *d = engine_container_dir(u->e, u->id);
        _cleanup_free_ char *s = containers_state_dir(u->e, u->id);
        rm_rf(d, NULL);
        rm_rf(s, NULL);
        if (u->sandbox_id)
                sandboxes_remove(u->e, u->sandbox_id, true, NULL);
}

static int check_host_paths(const RunOptions *o, WarrenError **err) {
        for (size_t i = 0; i < o->n_mounts; i++) {
                const RunMount *m = &o->mounts[i];
                struct stat st;
                if (m->kind == MOUNT_KIND_BIND && stat(m->source, &st) < 0)
                        return error_set_errno(err, errno, "bind mount source `%s`", m->source);
        }
        return 0;
}

/* -P: the image's EXPOSE ports and --expose ("80/tcp", "53/udp", "8000-8001/tcp"), each on a
 * free host port of every host address, as docker does. */
static int exposed_ports(const JsonValue *img_cfg, char *const *more, char ***publish,
                         WarrenError **err) {
        const JsonValue *ex = json_get(img_cfg, "ExposedPorts");
        _cleanup_strv_ char **keys = NULL;
        for (size_t i = 0; json_is(ex, JSON_OBJECT) && i < ex->u.object.n; i++)
                strv_push(&keys, ex->u.object.keys[i]);
        STRV_FOREACH (m, more)
                if (!strv_contains(keys, *m))
                        strv_push(&keys, *m);
        STRV_FOREACH (k, keys) {
                const char *key = *k;
                _cleanup_free_ char *port = xstrndup(key, strcspn(key, "/"));
                const char *proto = strchr(key, '/') ? strchr(key, '/') + 1 : "tcp";
                char *dash = strchr(port, '-');
                uint32_t lo, hi;
                if (dash)
                        *dash = 0;
                if (safe_atou32(port, &lo) < 0 || lo == 0 || lo > 65535 ||
                    (dash && (safe_atou32(dash + 1, &hi) < 0 || hi < lo || hi > 65535)))
                        return error_set(err, EINVAL, "image exposes an invalid port `%s`", key);
                if (!dash)
                        hi = lo;
                for (uint32_t pnum = lo; pnum <= hi; pnum++) {
                        /* A port the user published with -p keeps only that binding. */
                        bool given = false;
                        STRV_FOREACH (p, *publish) {
                                NetPortSpec ps;
                                if (net_port_spec_parse(*p, &ps, NULL) >= 0 &&
                                    STREQ(net_proto_to_string(ps.proto), proto) &&
                                    pnum >= ps.container_port &&
                                    pnum < (uint32_t) ps.container_port + ps.count)
                                        given = true;
                        }
                        if (!given)
                                strv_consume(publish, xasprintf("%u/%s", (unsigned) pnum, proto));
                }
        }
        return 0;
}

int containers_create(Engine *e, const RunOptions *o, char **ret_id, WarrenError **err) {
        int r;
        if (o->name && !store_name_valid(o->name))
                return error_set(err, EINVAL,
                                 "invalid name `%s`: use letters, digits, '_', '.' and '-'",
                                 o->name);
        r = check_host_paths(o, err);
        if (r < 0)
                return r;
        if (o->pod && o->network)
                return error_set(err, EINVAL, "--network cannot be used with --pod: the pod "
                                              "decides the network");
        if (o->pod && (o->publish || o->publish_all))
                return error_set(err, EINVAL,
                                 "-p cannot be used with --pod: publish ports on the pod");
        _cleanup_free_ char *runtime = NULL;
        r = resolve_runtime(e, o->runtime, &runtime, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *monitor = NULL;
        r = engine_program(e, "warren-monitor", &monitor, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *init = NULL;
        if (o->init) {
                r = engine_program(e, "warren-init", &init, err);
                if (r < 0)
                        return r;
        }

        _cleanup_(image_storage_freep) ImageStorage *storage = NULL;
        r = image_storage_open(e->data_dir, false, &storage, err);
        if (r < 0)
                return r;
        _cleanup_(image_clear) Image img = {};
        r = image_store_find(storage->images, o->image, &img, err);
        if (r < 0) {
                if (r == -ENOENT) {
                        error_free(err ? TAKE_PTR(*err) : NULL);
                        return error_set(err, ENOENT,
                                         "no such image `%s` (load it with `warren load` or "
                                         "`warren import`)",
                                         o->image);
                }
                return r;
        }
        const JsonValue *img_cfg = json_get(img.config, "config");

        /* The name: given, or generated until free. */
        _cleanup_free_ char *name = o->name ? xstrdup(o->name) : NULL;
        if (o->name) {
                Container tmp = {};
                if (container_store_get(e->containers, o->name, &tmp, NULL) >= 0 &&
                    tmp.name && STREQ(tmp.name, o->name)) {
                        container_clear(&tmp);
                        return error_set(err, EEXIST,
                                         "the name `%s` is already in use by container `%.12s`",
                                         o->name, tmp.id ? tmp.id : "");
                }
                container_clear(&tmp);
        }
        if (!name)
                name = engine_random_name();

        _cleanup_strv_ char **args = NULL;
        r = spec_process_args(o, img_cfg, &args, err);
        if (r < 0)
                return r;

        /* Declared before `undo`, so that they outlive its cleanup. */
        _cleanup_free_ char *id = engine_new_id();
        _cleanup_free_ char *sandbox_id = NULL;
        _cleanup_(journal_end) CreateJournal journal = {.fd = -1};
        r = journal_begin(e, id, &journal, err);
        if (r < 0)
                return r;
        _cleanup_(undo_create) CreateUndo undo = { .e = e, .storage = storage, .id = id };

        /* The sandbox: the named pod, or an implicit one of our own. */
        bool publishes = false;
        if (o->pod) {
                _cleanup_(sandbox_view_done) SandboxView sv = {};
                r = sandboxes_get(e, o->pod, &sv, err);
                if (r < 0) {
                        if (r == -ENOENT) {
                                error_free(err ? TAKE_PTR(*err) : NULL);
                                return error_set(err, ENOENT, "no such pod `%s`", o->pod);
                        }
                        return r;
                }
                if (!sv.infra_alive) {
                        r = sandboxes_start(e, sv.sb.id, err);
                        if (r < 0)
                                return r;
                }
                sandbox_id = xstrdup(sv.sb.id);
                publishes = sv.sb.config.n_port_mappings > 0;
        } else {
                _cleanup_strv_ char **publish = strv_copy(o->publish);
                if (o->publish_all) {
                        r = exposed_ports(img_cfg, o->expose, &publish, err);
                        if (r < 0)
                                return r;
                }
                PodOptions po = {
                        .name = NULL,
                        .hostname = o->hostname ? o->hostname : NULL,
                        .network = o->network,
                        .publish = publish && publish[0] ? publish : NULL,
                        .hidden = true,
                };
                _cleanup_free_ char *short_id = xstrndup(id, 12);
                if (!po.hostname)
                        po.hostname = short_id;
                /* Its id goes into the journal before anything of it exists. */
                _cleanup_free_ char *new_sandbox = engine_new_id();
                po.id = new_sandbox;
                journal_note_sandbox(&journal, new_sandbox);
                r = sandboxes_create(e, &po, &sandbox_id, err);
                if (r < 0)
                        return r;
                undo.sandbox_id = sandbox_id;
                publishes = po.publish != NULL;
        }
        _cleanup_(sandbox_join_done) SandboxJoin join = {};
        r = sandboxes_join_info(e, sandbox_id, &join, err);
        if (r < 0)
                return r;

        /* The root filesystem. */
        RootfsDriver driver;
        _cleanup_free_ char *reason = NULL;
        r = rootfs_driver_choose(storage, e->storage_driver, &driver, &reason, err);
        if (r < 0)
                return r;
        log_debug("storage driver %s: %s", rootfs_driver_to_string(driver), reason ? reason : "");
        r = rootfs_create(storage, id, img.id, driver, err);
        if (r < 0)
                return r;
        undo.rootfs = true;
        _cleanup_free_ char *merged = NULL;
        r = rootfs_mount(storage, id, &merged, err);
        if (r < 0)
                return r;

        /* The user, resolved against the image's own files. */
        const char *user = o->user ? o->user : json_string(json_get(img_cfg, "User"));
        if (user && !*user)
                user = NULL;
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        (void) read_image_file(merged, "etc/passwd", &passwd);
        (void) read_image_file(merged, "etc/group", &group);
        _cleanup_(spec_user_done) SpecUser su = {};
        r = spec_resolve_user(user, passwd, group, &su, err);
        if (r < 0)
                return r;

        _cleanup_free_ char *dir = engine_container_dir(e, id);
        _cleanup_free_ char *sdir = containers_state_dir(e, id);
        r = mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        r = mkdir_p(sdir, 0700, err);
        if (r < 0)
                return r;
        const char *hostname = o->hostname ? o->hostname : join.hostname;
        r = write_hostname_file(dir, hostname ? hostname : id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *hostname_file = path_join(dir, "hostname");

        SpecInputs in = {
                .opts = o,
                .image_config = img_cfg,
                .container_id = id,
                .rootfs = merged,
                .hostname = hostname,
                .user = su,
                .netns_path = join.netns,
                .ipcns_path = join.ipcns,
                .utsns_path = o->hostname && o->pod ? NULL : join.utsns,
                .network_host = join.host_network,
                .hosts_file = join.hosts_file,
                .resolv_file = join.resolv_file,
                .hostname_file = hostname_file,
                .init_path = init,
        };
        _cleanup_json_ JsonValue *spec = NULL;
        r = spec_generate(&in, &spec, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        r = json_to_string(spec, true, &text, err);
        if (r < 0)
                return r;
        len = strlen(text);
        _cleanup_free_ char *config_path = path_join(dir, "config.json");
        r = write_file_atomic(config_path, text, len, 0600, err);
        if (r < 0)
                return r;

        /* The record. */
        _cleanup_(container_clear) Container c = {};
        c.id = xstrdup(id);
        c.name = xstrdup(name);
        c.sandbox_id = xstrdup(sandbox_id);
        c.image.ref = xstrdup(o->image);
        c.image.id = xstrdup(img.id);
        const char *rtbase = strrchr(runtime, '/');
        c.runtime.name = xstrdup(rtbase ? rtbase + 1 : runtime);
        record_from_options(&c, o, args, img_cfg);
        c.config.log_path = path_join(dir, "ctr.log");
        c.status.created_at = container_now_ns();
        container_ext_set_string(&c, "runtimePath", runtime);
        container_ext_set_string(&c, "monitorPath", monitor);
        container_ext_set_string(&c, "storageDriver", rootfs_driver_to_string(driver));
        container_ext_set_int(&c, "logMaxSize",
                              (int64_t) (o->log_max_size ? o->log_max_size : DEFAULT_LOG_MAX_SIZE));
        container_ext_set_bool(&c, "implicitSandbox", !o->pod);
        container_ext_set_bool(&c, "autoRemove", o->rm);
        /* `ps` reads a sandbox record only for containers whose sandbox publishes ports. */
        container_ext_set_bool(&c, "publishes", publishes);
        if (o->init)
                container_ext_set_bool(&c, "init", true);
        _cleanup_error_ WarrenError *cerr = NULL;
        for (int attempt = 0;; attempt++) {
                r = container_store_create(e->containers, &c, &cerr);
                /* A generated name that someone took meanwhile: draw another. */
                if (r < 0 && !o->name && attempt < 32 && store_is_name_conflict(cerr)) {
                        cerr = error_free(cerr);
                        free(c.name);
                        c.name = engine_random_name();
                        continue;
                }
                break;
        }
        if (r < 0)
                error_move(err, TAKE_PTR(cerr));
        if (r < 0) {
                if (store_is_name_conflict(err ? *err : NULL)) {
                        error_free(err ? TAKE_PTR(*err) : NULL);
                        return error_set(err, EEXIST, "the name `%s` is already in use", name);
                }
                return r;
        }
        undo.record = true;
        /* In /etc/hosts by name: the pod's members, and a lone container itself. */
        (void) sandboxes_add_member(e, sandbox_id, c.name, NULL);

        /* The monitor runs `RUNTIME create` now; `start` comes later. */
        r = container_spawn_monitor(e, &c, false, err);
        if (r < 0)
                return r;

        undo.id = NULL; /* keep everything */
        if (ret_id)
                *ret_id = TAKE_PTR(id);
        return 0;
}

int container_spawn_monitor(Engine *e, const Container *c, bool start, WarrenError **err) {
        _cleanup_free_ char *runtime = NULL;
        int r = container_runtime_path(e, c, &runtime, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *monitor = NULL;
        const char *mp = container_ext_string(c, "monitorPath");
        if (mp && access(mp, X_OK) == 0)
                monitor = xstrdup(mp);
        else if ((r = engine_program(e, "warren-monitor", &monitor, err)) < 0)
                return r;
        _cleanup_free_ char *dir = engine_container_dir(e, c->id);
        _cleanup_free_ char *sdir = containers_state_dir(e, c->id);
        _cleanup_free_ char *rtroot = container_runtime_root(e, runtime);
        r = mkdir_p(sdir, 0700, err);
        if (r < 0)
                return r;
        r = mkdir_p(rtroot, 0700, err);
        if (r < 0)
                return r;
        MonitorConfig mc;
        monitor_config_init(&mc);
        mc.id = xstrdup(c->id);
        mc.bundle = xstrdup(dir);
        mc.runtime = xstrdup(runtime);
        mc.runtime_root = xstrdup(rtroot);
        mc.state_dir = xstrdup(sdir);
        mc.log_path = xstrdup(c->config.log_path);
        mc.log_max_size = (uint64_t) container_ext_int(c, "logMaxSize");
        mc.terminal = c->config.tty;
        mc.stdin_open = c->config.stdin_open;
        mc.start = start;
        mc.delete_on_exit = true;
        if (monitor_restart_parse(c->config.restart_policy.name ? c->config.restart_policy.name
                                                                 : "no",
                                  &mc.restart, &mc.restart_max) < 0)
                mc.restart = MONITOR_RESTART_NO;
        if (mc.restart == MONITOR_RESTART_ON_FAILURE)
                mc.restart_max = (unsigned) c->config.restart_policy.max_retries;
        int sig = SIGTERM;
        if (c->config.stop_signal)
                (void) parse_signal(c->config.stop_signal, &sig);
        mc.stop_signal = sig;
        mc.stop_timeout = (unsigned) (c->config.stop_timeout >= 0 ? c->config.stop_timeout : 10);
        mc.debug = log_get_level() >= LOG_LEVEL_DEBUG;
        /* A previous run's exit file must not be taken for this one's. */
        _cleanup_free_ char *exitp = path_join(sdir, MONITOR_EXIT_FILE);
        (void) unlink(exitp);
        MonitorInfo info = {};
        r = monitor_client_spawn(monitor, &mc, 0, &info, err);
        monitor_config_done(&mc);
        if (r < 0)
                return r;
        return 0;
}

/* ---- start / run ---- */

/* The sandbox may have been restarted since the bundle was written: point the namespaces at
 * its current infra process. */
static int refresh_bundle(Engine *e, const Container *c, WarrenError **err) {
        _cleanup_(sandbox_join_done) SandboxJoin join = {};
        int r = sandboxes_join_info(e, c->sandbox_id, &join, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = engine_container_dir(e, c->id);
        _cleanup_free_ char *path = path_join(dir, "config.json");
        _cleanup_json_ JsonValue *spec = NULL;
        r = json_parse_file(path, 0, &spec, err);
        if (r < 0)
                return r;
        const JsonValue *ns = json_get_path(spec, "linux", "namespaces", NULL);
        for (size_t i = 0; i < json_length(ns); i++) {
                JsonValue *n = (JsonValue *) json_at(ns, i);
                const char *type = json_string(json_get(n, "type"));
                const char *p = !type                       ? NULL
                                : STREQ(type, "network")    ? join.netns
                                : STREQ(type, "ipc")        ? join.ipcns
                                : STREQ(type, "uts") && json_get(n, "path") ? join.utsns
                                                            : NULL;
                if (p)
                        json_object_set(n, "path", json_new_string(p));
        }
        /* The rootfs may have been remounted elsewhere after a reboot. */
        _cleanup_(image_storage_freep) ImageStorage *storage = NULL;
        r = image_storage_open(e->data_dir, false, &storage, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *merged = NULL;
        r = rootfs_mount(storage, c->id, &merged, err);
        if (r < 0)
                return r;
        JsonValue *root = (JsonValue *) json_get(spec, "root");
        if (root)
                json_object_set(root, "path", json_new_string(merged));
        _cleanup_free_ char *text = NULL;
        r = json_to_string(spec, true, &text, err);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text), 0600, err);
}

static int mark_started(Engine *e, const char *id, WarrenError **err) {
        Container upd = {};
        upd.status.started_at = container_now_ns();
        upd.status.finished_at = 0;
        int r = container_store_update_paths(e->containers, id, &upd,
                                             (char *[]){ "status.started_at", "status.finished_at",
                                                         NULL },
                                             NULL, err);
        container_clear(&upd);
        return r;
}

int containers_start(Engine *e, const char *key, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *sdir = containers_state_dir(e, v.c.id);
        switch (v.state) {
        case CONTAINER_RUNNING:
        case CONTAINER_PAUSED:
                return 0; /* docker: starting a running container is not an error */
        case CONTAINER_CREATED:
                if (v.monitor_alive) {
                        r = monitor_client_start(sdir, err);
                        if (r < 0)
                                return r;
                        return mark_started(e, v.c.id, err);
                }
                break;
        default:
                break;
        }
        /* Stopped (or created without a live monitor): a new monitor, created and started. */
        if (!v.monitor_alive) {
                _cleanup_(sandbox_view_done) SandboxView sv = {};
                r = sandboxes_get(e, v.c.sandbox_id, &sv, err);
                if (r < 0)
                        return error_prefix(err, r, "container `%s`", v.c.name);
                /* A lone container's sandbox whose network helper died gets a new one. */
                if (!sv.infra_alive || (sv.sb.hidden && sandboxes_net_helper_missing(&sv.sb))) {
                        r = sandboxes_start(e, sv.sb.id, err);
                        if (r < 0)
                                return r;
                }
                r = refresh_bundle(e, &v.c, err);
                if (r < 0)
                        return r;
        }
        r = mark_started(e, v.c.id, err);
        if (r < 0)
                return r;
        return container_spawn_monitor(e, &v.c, true, err);
}

static struct termios saved_tio;
static bool raw_mode;

static void restore_tty(void) {
        if (raw_mode) {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
                raw_mode = false;
        }
}

static void set_raw(int fd) {
        if (!isatty(fd) || tcgetattr(fd, &saved_tio) < 0)
                return;
        struct termios t = saved_tio;
        cfmakeraw(&t);
        t.c_oflag |= OPOST; /* keep "\n" -> "\r\n" on our side */
        if (tcsetattr(fd, TCSANOW, &t) == 0) {
                raw_mode = true;
                atexit(restore_tty);
        }
}

static int attach_and_relay(Engine *e, const Container *c, int in_fd, int out_fd, int err_fd,
                            bool with_stdin, bool do_start, WarrenError **err) {
        _cleanup_free_ char *sdir = containers_state_dir(e, c->id);
        unsigned flags = MONITOR_ATTACH_STDOUT | MONITOR_ATTACH_STDERR |
                         (with_stdin ? MONITOR_ATTACH_STDIN : 0);
        _cleanup_close_ int fd = -1;
        int r = monitor_client_attach(sdir, flags, 0, &fd, err);
        if (r < 0)
                return r;
        if (c->config.tty && in_fd >= 0 && isatty(in_fd)) {
                struct winsize ws;
                if (ioctl(in_fd, TIOCGWINSZ, &ws) == 0)
                        monitor_client_resize(fd, ws.ws_row, ws.ws_col);
                set_raw(in_fd);
        }
        if (do_start) {
                r = monitor_client_start(sdir, err);
                if (r < 0) {
                        restore_tty();
                        return r;
                }
                (void) mark_started(e, c->id, NULL);
        }
        _cleanup_error_ WarrenError *rerr = NULL;
        r = monitor_client_relay(fd, with_stdin ? in_fd : -1, out_fd, err_fd, &rerr);
        restore_tty();
        if (r >= 0) {
                log_debug("container `%s`: exit code %d from the monitor's EXIT message", c->id, r);
                return r;
        }
        if (r == -EPIPE) {
                /* The session ended without an exit message (the monitor was killed, or dropped
                 * a client that took nothing for 10 s): the exit file is the record of how the
                 * container ended. */
                MonitorExit ex = {};
                if (monitor_client_wait(sdir, 15000, &ex, NULL) >= 0) {
                        r = ex.exit_code;
                        monitor_exit_done(&ex);
                        log_debug("container `%s`: no EXIT message; exit code %d from the exit "
                                  "file", c->id, r);
                        return r;
                }
                monitor_exit_done(&ex);
        }
        return error_move(err, TAKE_PTR(rerr));
}

int containers_run(Engine *e, const RunOptions *o, int in_fd, int out_fd, int err_fd,
                   char **ret_id, WarrenError **err) {
        _cleanup_free_ char *id = NULL;
        int r = containers_create(e, o, &id, err);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = xstrdup(id);
        _cleanup_(container_clear) Container c = {};
        r = container_store_get(e->containers, id, &c, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *sdir = containers_state_dir(e, id);
        if (o->detach) {
                r = monitor_client_start(sdir, err);
                if (r < 0) {
                        containers_remove(e, id, true, NULL);
                        return r;
                }
                return mark_started(e, id, err);
        }
        int code = attach_and_relay(e, &c, in_fd, out_fd, err_fd, o->interactive, true, err);
        if (code < 0) {
                if (o->rm)
                        containers_remove(e, id, true, NULL);
                return code;
        }
        /* The relay ends with the exit; the exit file is authoritative (restarts, signals). */
        MonitorExit ex = {};
        _cleanup_error_ WarrenError *werr = NULL;
        if (c.config.restart_policy.name && !STREQ(c.config.restart_policy.name, "no")) {
                /* With a restart policy the container may come back: wait for the final exit. */
                if (monitor_client_wait(sdir, -1, &ex, &werr) >= 0)
                        code = ex.exit_code;
                monitor_exit_done(&ex);
        }
        if (o->rm) {
                (void) monitor_client_wait(sdir, 5000, &ex, NULL);
                monitor_exit_done(&ex);
                r = containers_remove(e, id, true, err);
                if (r < 0)
                        return r;
        }
        return code;
}

int containers_attach(Engine *e, const char *key, int in_fd, int out_fd, int err_fd,
                      bool with_stdin, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_RUNNING && v.state != CONTAINER_PAUSED)
                return error_set(err, EINVAL, "container `%s` is not running", v.c.name);
        return attach_and_relay(e, &v.c, in_fd, out_fd, err_fd,
                                with_stdin && v.c.config.stdin_open, false, err);
}

/* ---- stop / kill / wait ---- */

static int record_exit(Engine *e, const char *id) {
        _cleanup_(container_view_done) ContainerView v = {};
        if (containers_get(e, id, &v, NULL) < 0)
                return 0;
        return container_store_update_paths(e->containers, id, &v.c,
                                            (char *[]){ "status.exit_code", "status.finished_at",
                                                        "status.reason", "status.message",
                                                        "status.oom_killed", "status.paused",
                                                        "status.restart_count", NULL },
                                            NULL, NULL);
}

int containers_stop(Engine *e, const char *key, int timeout_s, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (!v.monitor_alive)
                return 0; /* already stopped: docker succeeds */
        _cleanup_free_ char *sdir = containers_state_dir(e, v.c.id);
        if (v.state == CONTAINER_PAUSED)
                (void) containers_unpause(e, v.c.id, NULL);
        r = monitor_client_stop(sdir, timeout_s, err);
        if (r < 0 && r != -ECONNREFUSED && r != -ENOENT)
                return r;
        error_free(err ? TAKE_PTR(*err) : NULL);
        int t = timeout_s >= 0 ? timeout_s : (int) v.c.config.stop_timeout;
        MonitorExit ex = {};
        r = monitor_client_wait(sdir, (t + 15) * 1000, &ex, err);
        monitor_exit_done(&ex);
        if (r < 0)
                return r;
        record_exit(e, v.c.id);
        return 0;
}

int containers_kill(Engine *e, const char *key, int sig, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_RUNNING && v.state != CONTAINER_PAUSED)
                return error_set(err, EINVAL, "container `%s` is not running", v.c.name);
        _cleanup_free_ char *sdir = containers_state_dir(e, v.c.id);
        return monitor_client_kill(sdir, sig, err);
}

int containers_restart(Engine *e, const char *key, int timeout_s, WarrenError **err) {
        int r = containers_stop(e, key, timeout_s, err);
        if (r < 0)
                return r;
        return containers_start(e, key, err);
}

int containers_wait(Engine *e, const char *key, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (!v.monitor_alive)
                return v.state == CONTAINER_STOPPED ? v.c.status.exit_code : 0;
        _cleanup_free_ char *sdir = containers_state_dir(e, v.c.id);
        MonitorExit ex = {};
        r = monitor_client_wait(sdir, -1, &ex, err);
        if (r < 0)
                return r;
        int code = ex.exit_code;
        monitor_exit_done(&ex);
        record_exit(e, v.c.id);
        return code;
}

static int runtime_simple(Engine *e, const Container *c, const char *verb, WarrenError **err) {
        _cleanup_free_ char *runtime = NULL;
        int r = container_runtime_path(e, c, &runtime, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *root = container_runtime_root(e, runtime);
        char *argv[] = { runtime, "--root", root, (char *) verb, c->id, NULL };
        return container_run_tool(argv, err);
}

static int set_paused(Engine *e, const char *id, bool paused, WarrenError **err) {
        Container upd = {};
        upd.status.paused = paused;
        int r = container_store_update_paths(e->containers, id, &upd,
                                             (char *[]){ "status.paused", NULL }, NULL, err);
        container_clear(&upd);
        return r;
}

int containers_pause(Engine *e, const char *key, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_RUNNING)
                return error_set(err, EINVAL, "container `%s` is not running", v.c.name);
        r = runtime_simple(e, &v.c, "pause", err);
        if (r < 0)
                return error_prefix(err, r, "pause `%s`", v.c.name);
        return set_paused(e, v.c.id, true, err);
}

int containers_unpause(Engine *e, const char *key, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_PAUSED)
                return error_set(err, EINVAL, "container `%s` is not paused", v.c.name);
        r = runtime_simple(e, &v.c, "resume", err);
        if (r < 0)
                return error_prefix(err, r, "unpause `%s`", v.c.name);
        return set_paused(e, v.c.id, false, err);
}

int containers_update(Engine *e, const char *key, char *const *args, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        if (v.state != CONTAINER_RUNNING && v.state != CONTAINER_PAUSED)
                return error_set(err, EINVAL, "container `%s` is not running", v.c.name);
        _cleanup_free_ char *runtime = NULL;
        r = container_runtime_path(e, &v.c, &runtime, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *root = container_runtime_root(e, runtime);
        _cleanup_strv_ char **argv = NULL;
        strv_push(&argv, runtime);
        strv_push(&argv, "--root");
        strv_push(&argv, root);
        strv_push(&argv, "update");
        STRV_FOREACH (a, args)
                strv_push(&argv, *a);
        strv_push(&argv, v.c.id);
        r = container_run_tool(argv, err);
        if (r < 0)
                return error_prefix(err, r, "update `%s`", v.c.name);
        return 0;
}

/* ---- remove ---- */

int containers_remove(Engine *e, const char *key, bool force, WarrenError **err) {
        _cleanup_(container_view_done) ContainerView v = {};
        int r = containers_get(e, key, &v, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *sdir = containers_state_dir(e, v.c.id);
        if (v.monitor_alive) {
                if (!force && (v.state == CONTAINER_RUNNING || v.state == CONTAINER_PAUSED))
                        return error_set(err, EBUSY,
                                         "container `%s` is running: stop it first, or use "
                                         "`rm -f`",
                                         v.c.name);
                if (v.state == CONTAINER_PAUSED)
                        (void) runtime_simple(e, &v.c, "resume", NULL);
                (void) monitor_client_stop(sdir, 0, NULL);
                MonitorExit ex = {};
                (void) monitor_client_wait(sdir, 15000, &ex, NULL);
                monitor_exit_done(&ex);
        }
        /* The runtime's own state, in case the monitor could not delete it (the runtimes we
         * drive keep it in ROOT/ID: no state there, nothing to delete, no exec). */
        {
                _cleanup_free_ char *runtime = NULL;
                if (container_runtime_path(e, &v.c, &runtime, NULL) >= 0) {
                        _cleanup_free_ char *root = container_runtime_root(e, runtime);
                        _cleanup_free_ char *state = path_join(root, v.c.id);
                        char *argv[] = { runtime, "--root", root, "delete", "-f", v.c.id, NULL };
                        if (access(state, F_OK) == 0)
                                (void) container_run_tool_quiet(argv);
                }
        }
        _cleanup_(image_storage_freep) ImageStorage *storage = NULL;
        r = image_storage_open(e->data_dir, false, &storage, err);
        if (r < 0)
                return r;
        r = rootfs_remove(storage, v.c.id, err);
        if (r < 0 && r != -ENOENT)
                return error_prefix(err, r, "remove the root filesystem of `%s`", v.c.name);
        error_free(err ? TAKE_PTR(*err) : NULL);
        _cleanup_free_ char *dir = engine_container_dir(e, v.c.id);
        r = rm_rf(dir, err);
        if (r < 0)
                return r;
        (void) rm_rf(sdir, NULL);
        r = container_store_delete(e->containers, v.c.id, err);
        if (r < 0 && r != -ENOENT)
                return r;
        error_free(err ? TAKE_PTR(*err) : NULL);
        if (container_ext_bool(&v.c, "implicitSandbox") && v.c.sandbox_id)
                (void) sandboxes_remove_implicit(e, v.c.sandbox_id, NULL);
        return 0;
}

int containers_rename(Engine *e, const char *key, const char *new_name, WarrenError **err) {
        if (!store_name_valid(new_name))
                return error_set(err, EINVAL,
                                 "invalid name `%s`: use letters, digits, '_', '.' and '-'",
                                 new_name);
        Container upd = {};
        upd.name = xstrdup(new_name);
        int r = container_store_update_paths(e->containers, key, &upd, (char *[]){ "name", NULL },
                                             NULL, err);
        container_clear(&upd);
        if (r < 0 && store_is_name_conflict(err ? *err : NULL)) {
                error_free(TAKE_PTR(*err));
                return error_set(err, EEXIST, "the name `%s` is already in use", new_name);
        }
        return r;
}

int containers_prune(Engine *e, char ***ret_removed, WarrenError **err) {
        ContainerView *v = NULL;
        size_t n = 0;
        int r = containers_list(e, true, NULL, &v, &n, err);
        if (r < 0)
                return r;
        char **removed = xnew(char *, 1);
        for (size_t i = 0; i < n; i++) {
                if (v[i].state != CONTAINER_STOPPED && v[i].state != CONTAINER_CREATED)
                        continue;
                if (v[i].state == CONTAINER_CREATED && v[i].monitor_alive)
                        continue; /* created and waiting for start: docker prunes only exited */
                if (containers_remove(e, v[i].c.id, false, NULL) >= 0)
                        strv_push(&removed, v[i].c.id);
        }
        container_views_free(v, n);
        *ret_removed = removed;
        return 0;
}

/* ---- inspect ---- */

static JsonValue *strv_json(char *const *l) {
        JsonValue *a = json_new_array();
        STRV_FOREACH (s, l)
                json_array_append(a, json_new_string(*s));
        return a;
}

static JsonValue *map_json(char *const *m) {
        JsonValue *o = json_new_object();
        for (char *const *p = m; p && p[0] && p[1]; p += 2)
                json_object_set(o, p[0], json_new_string(p[1]));
        return o;
}

static char *rfc3339(int64_t ns) {
        if (ns <= 0)
                return xstrdup("0001-01-01T00:00:00Z");
        time_t s = (time_t) (ns / 1000000000LL);
        struct tm tm;
        gmtime_r(&s, &tm);
        char buf[64];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return xasprintf("%s.%09lldZ", buf, (long long) (ns % 1000000000LL));
}

/* docker's NetworkSettings: {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}}
 * from the sandbox, with the host ports the network helper bound. */
static JsonValue *network_settings_json(Engine *e, const Container *c) {
        JsonValue *ns = json_new_object();
        JsonValue *ports = json_new_object();
        _cleanup_(sandbox_clear) Sandbox sb = {};
        if (c->sandbox_id && sandbox_store_get(e->sandboxes, c->sandbox_id, &sb, NULL) >= 0) {
                json_object_set(ns, "Mode", json_new_string(sb.config.network.mode
                                                                    ? sb.config.network.mode
                                                                    : ""));
                json_object_set(ns, "SandboxKey",
                                json_new_string(sb.netns_path ? sb.netns_path : ""));
                _cleanup_free_ SandboxPort *p = NULL;
                size_t n = sandboxes_ports(&sb, &p);
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *key =
                                xasprintf("%u/%s", (unsigned) p[i].container_port, p[i].proto);
                        JsonValue *list = (JsonValue *) json_get(ports, key);
                        if (!list) {
                                list = json_new_array();
                                json_object_set(ports, key, list);
                        }
                        JsonValue *b = json_new_object();
                        char hp[8];
                        snprintf(hp, sizeof(hp), "%u", (unsigned) p[i].host_port);
                        json_object_set(b, "HostIp", json_new_string(p[i].host_ip));
                        json_object_set(b, "HostPort", json_new_string(hp));
                        json_array_append(list, b);
                }
        }
        json_object_set(ns, "Ports", ports);
        return ns;
}

JsonValue *containers_inspect_json(Engine *e, const ContainerView *v) {
        const Container *c = &v->c;
        JsonValue *o = json_new_object();
        json_object_set(o, "Id", json_new_string(c->id));
        _cleanup_free_ char *created = rfc3339(c->status.created_at);
        json_object_set(o, "Created", json_new_string(created));
        json_object_set(o, "Path", json_new_string(c->config.args && c->config.args[0]
                                                           ? c->config.args[0]
                                                           : ""));
        JsonValue *args = json_new_array();
        for (char **a = c->config.args && c->config.args[0] ? c->config.args + 1 : NULL; a && *a; a++)
                json_array_append(args, json_new_string(*a));
        json_object_set(o, "Args", args);
        JsonValue *st = json_new_object();
        json_object_set(st, "Status", json_new_string(v->state == CONTAINER_STOPPED
                                                              ? "exited"
                                                              : container_state_to_string(v->state)));
        json_object_set(st, "Running", json_new_bool(v->state == CONTAINER_RUNNING ||
                                                     v->state == CONTAINER_PAUSED));
        json_object_set(st, "Paused", json_new_bool(v->state == CONTAINER_PAUSED));
        json_object_set(st, "OOMKilled", json_new_bool(c->status.oom_killed));
        json_object_set(st, "Dead", json_new_bool(false));
        int64_t pid = 0;
        if (v->monitor_alive) {
                _cleanup_free_ char *sdir = containers_state_dir(e, c->id);
                _cleanup_free_ char *pidp = path_join(sdir, "pid");
                _cleanup_free_ char *pt = NULL;
                if (read_file_capped(pidp, 64, &pt, NULL, NULL) >= 0)
                        pid = atoll(pt);
        }
        json_object_set(st, "Pid", json_new_integer(pid));
        json_object_set(st, "ExitCode", json_new_integer(c->status.exit_code));
        json_object_set(st, "Error", json_new_string(c->status.message ? c->status.message : ""));
        json_object_set(st, "Reason", json_new_string(c->status.reason ? c->status.reason : ""));
        _cleanup_free_ char *started = rfc3339(c->status.started_at);
        _cleanup_free_ char *finished = rfc3339(c->status.finished_at);
        json_object_set(st, "StartedAt", json_new_string(started));
        json_object_set(st, "FinishedAt", json_new_string(finished));
        json_object_set(st, "RestartCount", json_new_integer(c->status.restart_count));
        json_object_set(o, "State", st);
        json_object_set(o, "Image", json_new_string(c->image.id ? c->image.id : ""));
        json_object_set(o, "ImageName", json_new_string(c->image.ref ? c->image.ref : ""));
        json_object_set(o, "Name", json_new_string(c->name ? c->name : ""));
        json_object_set(o, "Pod", json_new_string(container_ext_bool(c, "implicitSandbox")
                                                          ? ""
                                                          : (c->sandbox_id ? c->sandbox_id : "")));
        json_object_set(o, "SandboxId", json_new_string(c->sandbox_id ? c->sandbox_id : ""));
        json_object_set(o, "LogPath", json_new_string(c->config.log_path ? c->config.log_path : ""));
        json_object_set(o, "Driver", json_new_string(container_ext_string(c, "storageDriver")
                                                             ? container_ext_string(c, "storageDriver")
                                                             : ""));
        json_object_set(o, "OCIRuntime", json_new_string(c->runtime.name ? c->runtime.name : ""));
        json_object_set(o, "RestartCount", json_new_integer(c->status.restart_count));
        JsonValue *cfg = json_new_object();
        json_object_set(cfg, "Hostname", json_new_string(c->config.hostname ? c->config.hostname : ""));
        json_object_set(cfg, "User", json_new_string(c->config.user ? c->config.user : ""));
        json_object_set(cfg, "Tty", json_new_bool(c->config.tty));
        json_object_set(cfg, "OpenStdin", json_new_bool(c->config.stdin_open));
        json_object_set(cfg, "Env", strv_json(c->config.env));
        json_object_set(cfg, "Cmd", strv_json(c->config.args));
        json_object_set(cfg, "Entrypoint", strv_json(c->config.command));
        json_object_set(cfg, "WorkingDir",
                        json_new_string(c->config.working_dir ? c->config.working_dir : ""));
        json_object_set(cfg, "Labels", map_json(c->labels));
        json_object_set(cfg, "Annotations", map_json(c->annotations));
        json_object_set(cfg, "StopSignal",
                        json_new_string(c->config.stop_signal ? c->config.stop_signal : "SIGTERM"));
        json_object_set(cfg, "StopTimeout", json_new_integer(c->config.stop_timeout));
        json_object_set(o, "Config", cfg);
        JsonValue *hc = json_new_object();
        JsonValue *rp = json_new_object();
        json_object_set(rp, "Name", json_new_string(c->config.restart_policy.name
                                                            ? c->config.restart_policy.name
                                                            : "no"));
        json_object_set(rp, "MaximumRetryCount",
                        json_new_integer(c->config.restart_policy.max_retries));
        json_object_set(hc, "RestartPolicy", rp);
        json_object_set(hc, "AutoRemove", json_new_bool(container_ext_bool(c, "autoRemove")));
        json_object_set(hc, "ReadonlyRootfs", json_new_bool(c->config.security.readonly_rootfs));
        json_object_set(hc, "CapAdd", strv_json(c->config.security.cap_add));
        json_object_set(hc, "CapDrop", strv_json(c->config.security.cap_drop));
        json_object_set(o, "HostConfig", hc);
        JsonValue *mounts = json_new_array();
        for (size_t i = 0; i < c->config.n_mounts; i++) {
                const ContainerMount *m = &c->config.mounts[i];
                JsonValue *mo = json_new_object();
                json_object_set(mo, "Type", json_new_string(m->type ? m->type : "bind"));
                json_object_set(mo, "Source", json_new_string(m->host_path ? m->host_path : ""));
                json_object_set(mo, "Destination", json_new_string(m->container_path));
                json_object_set(mo, "RW", json_new_bool(!m->readonly));
                json_array_append(mounts, mo);
        }
        json_object_set(o, "Mounts", mounts);
        json_object_set(o, "NetworkSettings", network_settings_json(e, c));
        return o;
}
