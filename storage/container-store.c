/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/container-store.h"

#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/record-migrate.h"

/* ---- the record ---- */

static const RecordField mount_fields[] = {
        RECORD_FIELD(ContainerMount, container_path, "container_path", RECORD_STRING, true),
        RECORD_FIELD(ContainerMount, host_path, "host_path", RECORD_STRING, false),
        RECORD_FIELD(ContainerMount, volume, "volume", RECORD_STRING, false),
        RECORD_FIELD(ContainerMount, type, "type", RECORD_STRING, false),
        RECORD_FIELD(ContainerMount, propagation, "propagation", RECORD_STRING, false),
        RECORD_FIELD(ContainerMount, readonly, "readonly", RECORD_BOOL, false),
        RECORD_FIELD(ContainerMount, selinux_relabel, "selinux_relabel", RECORD_BOOL, false),
};
static const RecordTable mount_table =
        RECORD_TABLE(ContainerMount, "mount", mount_fields, RECORD_NO_UNKNOWN);

static const RecordField restart_fields[] = {
        RECORD_FIELD(ContainerRestartPolicy, name, "name", RECORD_STRING, false),
        RECORD_FIELD(ContainerRestartPolicy, max_retries, "max_retries", RECORD_INT64, false),
};
static const RecordTable restart_table =
        RECORD_TABLE(ContainerRestartPolicy, "restart_policy", restart_fields, RECORD_NO_UNKNOWN);

static const RecordField security_fields[] = {
        RECORD_FIELD(ContainerSecurity, privileged, "privileged", RECORD_BOOL, false),
        RECORD_FIELD(ContainerSecurity, readonly_rootfs, "readonly_rootfs", RECORD_BOOL, false),
        RECORD_FIELD(ContainerSecurity, no_new_privileges, "no_new_privileges", RECORD_BOOL, false),
        RECORD_FIELD(ContainerSecurity, cap_add, "cap_add", RECORD_STRV, false),
        RECORD_FIELD(ContainerSecurity, cap_drop, "cap_drop", RECORD_STRV, false),
        RECORD_FIELD(ContainerSecurity, seccomp_profile, "seccomp_profile", RECORD_STRING, false),
        RECORD_FIELD(ContainerSecurity, apparmor_profile, "apparmor_profile", RECORD_STRING, false),
        RECORD_FIELD(ContainerSecurity, selinux_label, "selinux_label", RECORD_STRING, false),
        RECORD_FIELD(ContainerSecurity, security_opt, "security_opt", RECORD_STRV, false),
        RECORD_FIELD(ContainerSecurity, masked_paths, "masked_paths", RECORD_STRV, false),
        RECORD_FIELD(ContainerSecurity, readonly_paths, "readonly_paths", RECORD_STRV, false),
};
static const RecordTable security_table =
        RECORD_TABLE(ContainerSecurity, "security", security_fields, RECORD_NO_UNKNOWN);

static const RecordField config_fields[] = {
        RECORD_FIELD(ContainerConfig, command, "command", RECORD_STRV, false),
        RECORD_FIELD(ContainerConfig, args, "args", RECORD_STRV, false),
        RECORD_FIELD(ContainerConfig, env, "env", RECORD_STRV, false),
        RECORD_FIELD(ContainerConfig, working_dir, "working_dir", RECORD_STRING, false),
        RECORD_FIELD(ContainerConfig, user, "user", RECORD_STRING, false),
        RECORD_FIELD(ContainerConfig, hostname, "hostname", RECORD_STRING, false),
        RECORD_FIELD_LIST(ContainerConfig, mounts, n_mounts, "mounts", &mount_table),
        RECORD_FIELD(ContainerConfig, tty, "tty", RECORD_BOOL, false),
        RECORD_FIELD(ContainerConfig, stdin_open, "stdin", RECORD_BOOL, false),
        RECORD_FIELD(ContainerConfig, stdin_once, "stdin_once", RECORD_BOOL, false),
        RECORD_FIELD(ContainerConfig, log_path, "log_path", RECORD_STRING, false),
        RECORD_FIELD(ContainerConfig, stop_signal, "stop_signal", RECORD_STRING, false),
        RECORD_FIELD(ContainerConfig, stop_timeout, "stop_timeout", RECORD_INT64, false),
        RECORD_FIELD_OBJECT(ContainerConfig, restart_policy, "restart_policy", &restart_table),
        RECORD_FIELD_OBJECT(ContainerConfig, security, "security", &security_table),
};
static const RecordTable config_table =
        RECORD_TABLE(ContainerConfig, "config", config_fields, RECORD_NO_UNKNOWN);

static const RecordField status_fields[] = {
        RECORD_FIELD(ContainerStatus, pid, "pid", RECORD_INT64, false),
        RECORD_FIELD(ContainerStatus, created_at, "created_at", RECORD_TIME, false),
        RECORD_FIELD(ContainerStatus, started_at, "started_at", RECORD_TIME, false),
        RECORD_FIELD(ContainerStatus, finished_at, "finished_at", RECORD_TIME, false),
        RECORD_FIELD(ContainerStatus, exit_code, "exit_code", RECORD_INT, false),
        RECORD_FIELD(ContainerStatus, reason, "reason", RECORD_STRING, false),
        RECORD_FIELD(ContainerStatus, message, "message", RECORD_STRING, false),
        RECORD_FIELD(ContainerStatus, oom_killed, "oom_killed", RECORD_BOOL, false),
        RECORD_FIELD(ContainerStatus, paused, "paused", RECORD_BOOL, false),
        RECORD_FIELD(ContainerStatus, removing, "removing", RECORD_BOOL, false),
        RECORD_FIELD(ContainerStatus, restart_count, "restart_count", RECORD_INT64, false),
};
static const RecordTable status_table =
        RECORD_TABLE(ContainerStatus, "status", status_fields, RECORD_NO_UNKNOWN);

static const RecordField image_fields[] = {
        RECORD_FIELD(ContainerImage, ref, "ref", RECORD_STRING, false),
        RECORD_FIELD(ContainerImage, id, "id", RECORD_STRING, false),
};
static const RecordTable image_table =
        RECORD_TABLE(ContainerImage, "image", image_fields, RECORD_NO_UNKNOWN);

static const RecordField runtime_fields[] = {
        RECORD_FIELD(RuntimeInfo, name, "name", RECORD_STRING, false),
        RECORD_FIELD(RuntimeInfo, options, "options", RECORD_RAW, false),
};
static const RecordTable runtime_table =
        RECORD_TABLE(RuntimeInfo, "runtime", runtime_fields, RECORD_NO_UNKNOWN);

static const RecordField container_fields[] = {
        RECORD_FIELD(Container, id, "id", RECORD_STRING, true),
        RECORD_FIELD(Container, name, "name", RECORD_STRING, false),
        RECORD_FIELD(Container, sandbox_id, "sandbox_id", RECORD_STRING, false),
        RECORD_FIELD_OBJECT(Container, image, "image", &image_table),
        RECORD_FIELD_OBJECT(Container, runtime, "runtime", &runtime_table),
        RECORD_FIELD_OBJECT(Container, config, "config", &config_table),
        RECORD_FIELD_OBJECT(Container, status, "status", &status_table),
        RECORD_FIELD(Container, labels, "labels", RECORD_MAP, false),
        RECORD_FIELD(Container, annotations, "annotations", RECORD_MAP, false),
        RECORD_FIELD(Container, extensions, "extensions", RECORD_RAW, false),
        RECORD_FIELD(Container, updated_at, "updated_at", RECORD_TIME, false),
};
static const RecordTable container_table =
        RECORD_TABLE(Container, "container", container_fields, offsetof(Container, unknown));

const RecordType container_record_type = {
        .name = "container",
        .version = CONTAINER_RECORD_VERSION,
        .table = &container_table,
        .migrations = container_record_migrations,
        .n_migrations = container_record_n_migrations,
};

/* ---- state ---- */

ContainerState container_state(const Container *c) {
        if (c->status.finished_at != 0)
                return CONTAINER_STOPPED;
        if (c->status.started_at != 0)
                return c->status.paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
        if (c->status.created_at != 0)
                return CONTAINER_CREATED;
        return CONTAINER_UNKNOWN;
}

static const char *const state_names[] = {
        [CONTAINER_CREATED] = "created", [CONTAINER_RUNNING] = "running",
        [CONTAINER_PAUSED] = "paused",   [CONTAINER_STOPPED] = "stopped",
        [CONTAINER_UNKNOWN] = "unknown",
};

const char *container_state_to_string(ContainerState s) {
        return (unsigned)s < ELEMENTSOF(state_names) ? state_names[s] : "unknown";
}

int container_state_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(state_names); i++)
                if (STREQ(state_names[i], s))
                        return (int)i;
        if (STREQ(s, "exited")) /* docker's word */
                return CONTAINER_STOPPED;
        return -EINVAL;
}

void container_clear(Container *c) {
        record_clear(&container_table, c);
}

void container_copy(Container *dst, const Container *src) {
        record_copy(&container_table, dst, src);
}

/* ---- schema ---- */

static char **container_names(const void *rec) {
        const Container *c = rec;
        char **l = NULL;
        if (c->name)
                strv_push(&l, c->name);
        return l;
}

static size_t container_adaptor(const void *obj, char *const *path, size_t n, const char **values,
                                size_t max) {
        const Container *c = obj;
        if (n == 0 || max < 3)
                return 0;
        if (n == 1 && (STREQ(path[0], "state") || STREQ(path[0], "status"))) {
                ContainerState st = container_state(c);
                values[0] = container_state_to_string(st);
                if (st != CONTAINER_STOPPED)
                        return 1;
                values[1] = "exited"; /* docker's word for it */
                return 2;
        }
        if (n == 1 && STREQ(path[0], "sandbox")) {
                values[0] = c->sandbox_id;
                return c->sandbox_id ? 1 : 0;
        }
        if (n == 1 && STREQ(path[0], "image")) {
                size_t k = 0;
                if (c->image.ref)
                        values[k++] = c->image.ref;
                if (c->image.id) {
                        values[k++] = c->image.id;
                        const char *colon = strchr(c->image.id, ':');
                        if (colon)
                                values[k++] = colon + 1;
                }
                return k;
        }
        if (n == 1 && STREQ(path[0], "runtime")) {
                values[0] = c->runtime.name;
                return c->runtime.name ? 1 : 0;
        }
        return record_field_values(&container_table, obj, path, n, values, max);
}

const StoreSchema container_store_schema = {
        .type = &container_record_type,
        .id_offset = offsetof(Container, id),
        .names = container_names,
        .adaptor = container_adaptor,
        .has_updated_at = true,
        .updated_at_offset = offsetof(Container, updated_at),
};

/* ---- the store ---- */

struct ContainerStore {
        Store *base;
};

int container_store_open(const char *dir, ContainerStore **ret, WarrenError **err) {
        _cleanup_free_ char *def = NULL;
        if (!dir) {
                int r = store_default_dir("containers", &def, err);
                if (r < 0)
                        return r;
                dir = def;
        }
        Store *base = NULL;
        int r = store_open(dir, &container_store_schema, &base, err);
        if (r < 0)
                return r;
        ContainerStore *s = xnew(ContainerStore, 1);
        s->base = base;
        *ret = s;
        return 0;
}

ContainerStore *container_store_free(ContainerStore *s) {
        if (s) {
                store_free(s->base);
                free(s);
        }
        return NULL;
}

Store *container_store_base(ContainerStore *s) {
        return s->base;
}

int container_store_create(ContainerStore *s, const Container *c, WarrenError **err) {
        Container copy = {};
        container_copy(&copy, c);
        if (copy.status.created_at == 0)
                copy.status.created_at = record_now();
        int r = store_create(s->base, &copy, 0, err);
        container_clear(&copy);
        return r;
}

int container_store_get(ContainerStore *s, const char *key, Container *ret, WarrenError **err) {
        return store_get(s->base, key, STORE_BY_ANY, ret, err);
}

typedef struct Trampoline {
        ContainerUpdateFunc fn;
        void *userdata;
} Trampoline;

static int trampoline(void *rec, void *userdata, WarrenError **err) {
        Trampoline *t = userdata;
        return t->fn(rec, t->userdata, err);
}

int container_store_update(ContainerStore *s, const char *key, ContainerUpdateFunc fn,
                           void *userdata, Container *ret, WarrenError **err) {
        Trampoline t = {fn, userdata};
        return store_update(s->base, key, STORE_BY_ANY, trampoline, &t, ret, err);
}

int container_store_update_paths(ContainerStore *s, const char *key, const Container *src,
                                 char *const *paths, Container *ret, WarrenError **err) {
        return store_update_paths(s->base, key, STORE_BY_ANY, src, paths, ret, err);
}

int container_store_list(ContainerStore *s, const Filter *filter, StoreList *ret,
                         WarrenError **err) {
        return store_list(s->base, filter, ret, err);
}

int container_store_delete(ContainerStore *s, const char *key, WarrenError **err) {
        return store_delete(s->base, key, STORE_BY_ANY, err);
}
