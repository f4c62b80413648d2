/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/sandbox-store.h"

#include "basic/strv.h"
#include "basic/xalloc.h"
#include "storage/record-migrate.h"

/* ---- the record ---- */

static const RecordField port_fields[] = {
        RECORD_FIELD(SandboxPortMapping, protocol, "protocol", RECORD_STRING, false),
        RECORD_FIELD(SandboxPortMapping, container_port, "container_port", RECORD_INT64, true),
        RECORD_FIELD(SandboxPortMapping, host_port, "host_port", RECORD_INT64, false),
        RECORD_FIELD(SandboxPortMapping, host_ip, "host_ip", RECORD_STRING, false),
};
static const RecordTable port_table =
        RECORD_TABLE(SandboxPortMapping, "port_mapping", port_fields, RECORD_NO_UNKNOWN);

static const RecordField dns_fields[] = {
        RECORD_FIELD(SandboxDns, servers, "servers", RECORD_STRV, false),
        RECORD_FIELD(SandboxDns, searches, "searches", RECORD_STRV, false),
        RECORD_FIELD(SandboxDns, options, "options", RECORD_STRV, false),
};
static const RecordTable dns_table = RECORD_TABLE(SandboxDns, "dns", dns_fields, RECORD_NO_UNKNOWN);

static const RecordField network_fields[] = {
        RECORD_FIELD(SandboxNetwork, mode, "mode", RECORD_STRING, false),
        RECORD_FIELD(SandboxNetwork, options, "options", RECORD_MAP, false),
};
static const RecordTable network_table =
        RECORD_TABLE(SandboxNetwork, "network", network_fields, RECORD_NO_UNKNOWN);

static const RecordField ns_fields[] = {
        RECORD_FIELD(SandboxNamespaces, network, "network", RECORD_STRING, false),
        RECORD_FIELD(SandboxNamespaces, pid, "pid", RECORD_STRING, false),
        RECORD_FIELD(SandboxNamespaces, ipc, "ipc", RECORD_STRING, false),
        RECORD_FIELD(SandboxNamespaces, uts, "uts", RECORD_STRING, false),
};
static const RecordTable ns_table =
        RECORD_TABLE(SandboxNamespaces, "namespaces", ns_fields, RECORD_NO_UNKNOWN);

static const RecordField config_fields[] = {
        RECORD_FIELD(SandboxConfig, hostname, "hostname", RECORD_STRING, false),
        RECORD_FIELD_OBJECT(SandboxConfig, dns, "dns", &dns_table),
        RECORD_FIELD_LIST(SandboxConfig, port_mappings, n_port_mappings, "port_mappings",
                          &port_table),
        RECORD_FIELD_OBJECT(SandboxConfig, network, "network", &network_table),
        RECORD_FIELD_OBJECT(SandboxConfig, namespaces, "namespaces", &ns_table),
        RECORD_FIELD(SandboxConfig, log_directory, "log_directory", RECORD_STRING, false),
        RECORD_FIELD(SandboxConfig, cgroup_parent, "cgroup_parent", RECORD_STRING, false),
        RECORD_FIELD(SandboxConfig, labels, "labels", RECORD_MAP, false),
        RECORD_FIELD(SandboxConfig, annotations, "annotations", RECORD_MAP, false),
};
static const RecordTable config_table =
        RECORD_TABLE(SandboxConfig, "config", config_fields, RECORD_NO_UNKNOWN);

static const RecordField runtime_fields[] = {
        RECORD_FIELD(RuntimeInfo, name, "name", RECORD_STRING, false),
        RECORD_FIELD(RuntimeInfo, options, "options", RECORD_RAW, false),
};
static const RecordTable runtime_table =
        RECORD_TABLE(RuntimeInfo, "runtime", runtime_fields, RECORD_NO_UNKNOWN);

static const RecordField sandbox_fields[] = {
        RECORD_FIELD(Sandbox, id, "id", RECORD_STRING, true),
        RECORD_FIELD(Sandbox, name, "name", RECORD_STRING, false),
        RECORD_FIELD_OBJECT(Sandbox, config, "config", &config_table),
        RECORD_FIELD_OBJECT(Sandbox, runtime, "runtime", &runtime_table),
        RECORD_FIELD(Sandbox, netns_path, "netns_path", RECORD_STRING, false),
        RECORD_FIELD(Sandbox, infra_pid, "infra_pid", RECORD_INT64, false),
        RECORD_FIELD(Sandbox, network_helper_pid, "network_helper_pid", RECORD_INT64, false),
        RECORD_FIELD(Sandbox, state, "state", RECORD_STRING, false),
        RECORD_FIELD(Sandbox, hidden, "hidden", RECORD_BOOL, false),
        RECORD_FIELD(Sandbox, created_at, "created_at", RECORD_TIME, false),
        RECORD_FIELD(Sandbox, updated_at, "updated_at", RECORD_TIME, false),
        RECORD_FIELD(Sandbox, extensions, "extensions", RECORD_RAW, false),
};
static const RecordTable sandbox_table =
        RECORD_TABLE(Sandbox, "sandbox", sandbox_fields, offsetof(Sandbox, unknown));

const RecordType sandbox_record_type = {
        .name = "sandbox",
        .version = SANDBOX_RECORD_VERSION,
        .table = &sandbox_table,
        .migrations = sandbox_record_migrations,
        .n_migrations = sandbox_record_n_migrations,
};

/* ---- state ---- */

static const char *const state_names[] = {
        [SANDBOX_NOTREADY] = "notready",
        [SANDBOX_READY] = "ready",
        [SANDBOX_UNKNOWN] = "unknown",
};

const char *sandbox_state_to_string(SandboxState s) {
        return (unsigned)s < ELEMENTSOF(state_names) ? state_names[s] : "unknown";
}

int sandbox_state_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(state_names); i++)
                if (STREQ(state_names[i], s))
                        return (int)i;
        return -EINVAL;
}

SandboxState sandbox_state(const Sandbox *sb) {
        if (!sb->state)
                return SANDBOX_NOTREADY;
        int r = sandbox_state_from_string(sb->state);
        return r < 0 ? SANDBOX_UNKNOWN : (SandboxState)r;
}

void sandbox_clear(Sandbox *sb) {
        record_clear(&sandbox_table, sb);
}

void sandbox_copy(Sandbox *dst, const Sandbox *src) {
        record_copy(&sandbox_table, dst, src);
}

/* ---- schema ---- */

static char **sandbox_names(const void *rec) {
        const Sandbox *sb = rec;
        char **l = NULL;
        if (sb->name)
                strv_push(&l, sb->name);
        return l;
}

static size_t sandbox_adaptor(const void *obj, char *const *path, size_t n, const char **values,
                              size_t max) {
        const Sandbox *sb = obj;
        if (n == 0 || max < 1)
                return 0;
        if (n == 1 && (STREQ(path[0], "state") || STREQ(path[0], "status"))) {
                values[0] = sandbox_state_to_string(sandbox_state(sb));
                return 1;
        }
        if (n == 1 && STREQ(path[0], "netns")) {
                values[0] = sb->netns_path;
                return sb->netns_path ? 1 : 0;
        }
        if (n == 1 && STREQ(path[0], "runtime")) {
                values[0] = sb->runtime.name;
                return sb->runtime.name ? 1 : 0;
        }
        if (STREQ(path[0], "labels") || STREQ(path[0], "annotations")) {
                /* They live in the config, as in CRI. */
                const char *p2[n + 1];
                p2[0] = "config";
                for (size_t i = 0; i < n; i++)
                        p2[i + 1] = path[i];
                return record_field_values(&sandbox_table, obj, (char *const *)p2, n + 1, values,
                                           max);
        }
        return record_field_values(&sandbox_table, obj, path, n, values, max);
}

const StoreSchema sandbox_store_schema = {
        .type = &sandbox_record_type,
        .id_offset = offsetof(Sandbox, id),
        .names = sandbox_names,
        .adaptor = sandbox_adaptor,
        .has_updated_at = true,
        .updated_at_offset = offsetof(Sandbox, updated_at),
};

/* ---- the store ---- */

struct SandboxStore {
        Store *base;
};

int sandbox_store_open(const char *dir, SandboxStore **ret, WarrenError **err) {
        _cleanup_free_ char *def = NULL;
        if (!dir) {
                int r = store_default_dir("sandboxes", &def, err);
                if (r < 0)
                        return r;
                dir = def;
        }
        Store *base = NULL;
        int r = store_open(dir, &sandbox_store_schema, &base, err);
        if (r < 0)
                return r;
        SandboxStore *s = xnew(SandboxStore, 1);
        s->base = base;
        *ret = s;
        return 0;
}

SandboxStore *sandbox_store_free(SandboxStore *s) {
        if (s) {
                store_free(s->base);
                free(s);
        }
        return NULL;
}

Store *sandbox_store_base(SandboxStore *s) {
        return s->base;
}

int sandbox_store_create(SandboxStore *s, const Sandbox *sb, WarrenError **err) {
        Sandbox copy = {};
        sandbox_copy(&copy, sb);
        if (copy.created_at == 0)
                copy.created_at = record_now();
        if (!copy.state)
                copy.state = xstrdup("notready");
        int r = store_create(s->base, &copy, 0, err);
        sandbox_clear(&copy);
        return r;
}

int sandbox_store_get(SandboxStore *s, const char *key, Sandbox *ret, WarrenError **err) {
        return store_get(s->base, key, STORE_BY_ANY, ret, err);
}

typedef struct Trampoline {
        SandboxUpdateFunc fn;
        void *userdata;
} Trampoline;

static int trampoline(void *rec, void *userdata, WarrenError **err) {
        Trampoline *t = userdata;
        return t->fn(rec, t->userdata, err);
}

int sandbox_store_update(SandboxStore *s, const char *key, SandboxUpdateFunc fn, void *userdata,
                         Sandbox *ret, WarrenError **err) {
        Trampoline t = {fn, userdata};
        return store_update(s->base, key, STORE_BY_ANY, trampoline, &t, ret, err);
}

int sandbox_store_update_paths(SandboxStore *s, const char *key, const Sandbox *src,
                               char *const *paths, Sandbox *ret, WarrenError **err) {
        return store_update_paths(s->base, key, STORE_BY_ANY, src, paths, ret, err);
}

int sandbox_store_list(SandboxStore *s, const Filter *filter, StoreList *ret, WarrenError **err) {
        return store_list(s->base, filter, ret, err);
}

int sandbox_store_delete(SandboxStore *s, const char *key, WarrenError **err) {
        return store_delete(s->base, key, STORE_BY_ANY, err);
}
