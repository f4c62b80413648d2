/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "storage/container-store.h" /* RuntimeInfo */
#include "storage/store.h"

/*
 * Sandbox (pod) records ($XDG_DATA_HOME/warren/sandboxes/), after cri-containerd's
 * SandboxMetadata and containerd's sandbox store. Unlike containers, the state is stored
 * (the sandbox controller sets it); labels and annotations live in the config, as in CRI.
 */

typedef struct JsonValue JsonValue;

typedef struct SandboxPortMapping {
        char *protocol; /* "tcp" (default), "udp", "sctp" */
        int64_t container_port;
        int64_t host_port;
        char *host_ip;
} SandboxPortMapping;

typedef struct SandboxDns {
        char **servers;
        char **searches;
        char **options;
} SandboxDns;

typedef struct SandboxNetwork {
        char *mode;     /* "slirp", "none", "host" */
        char **options; /* strmap of mode-specific options */
} SandboxNetwork;

/* Which namespaces the sandbox's containers share, as CRI's NamespaceOption: "pod",
 * "container", "node" (host) or "target". */
typedef struct SandboxNamespaces {
        char *network;
        char *pid;
        char *ipc;
        char *uts;
} SandboxNamespaces;

typedef struct SandboxConfig {
        char *hostname;
        SandboxDns dns;
        SandboxPortMapping *port_mappings;
        size_t n_port_mappings;
        SandboxNetwork network;
        SandboxNamespaces namespaces;
        char *log_directory;
        char *cgroup_parent;
        char **labels;      /* strmap */
        char **annotations; /* strmap */
} SandboxConfig;

typedef enum SandboxState {
        SANDBOX_NOTREADY = 0,
        SANDBOX_READY,
        SANDBOX_UNKNOWN,
} SandboxState;

typedef struct Sandbox {
        char *id;
        char *name;
        SandboxConfig config;
        RuntimeInfo runtime;
        char *netns_path;
        int64_t infra_pid;
        int64_t network_helper_pid;
        char *state; /* "ready", "notready", "unknown"; see sandbox_state() */
        bool hidden; /* the implicit sandbox of a lone `warren run` (not shown by `pod ps`) */
        int64_t created_at;
        int64_t updated_at;
        JsonValue *extensions;
        JsonValue *unknown;
} Sandbox;

#define SANDBOX_RECORD_VERSION 1
extern const RecordType sandbox_record_type;
extern const StoreSchema sandbox_store_schema;

SandboxState sandbox_state(const Sandbox *sb);
const char *sandbox_state_to_string(SandboxState s);
int sandbox_state_from_string(const char *s); /* -EINVAL when unknown */

void sandbox_clear(Sandbox *sb);
void sandbox_copy(Sandbox *dst, const Sandbox *src);

typedef struct SandboxStore SandboxStore;

/* Open the store in `dir` (NULL: $XDG_DATA_HOME/warren/sandboxes). Nothing is created yet. */
int sandbox_store_open(const char *dir, SandboxStore **ret, WarrenError **err);
SandboxStore *sandbox_store_free(SandboxStore *s);
static inline void sandbox_store_freep(SandboxStore **s) {
        sandbox_store_free(*s);
}
#define _cleanup_sandbox_store_ _cleanup_(sandbox_store_freep)
Store *sandbox_store_base(SandboxStore *s);

/* created_at and updated_at are set when zero; state defaults to "notready". */
int sandbox_store_create(SandboxStore *s, const Sandbox *sb, WarrenError **err);
int sandbox_store_get(SandboxStore *s, const char *key, Sandbox *ret, WarrenError **err);
typedef int (*SandboxUpdateFunc)(Sandbox *sb, void *userdata, WarrenError **err);
int sandbox_store_update(SandboxStore *s, const char *key, SandboxUpdateFunc fn, void *userdata,
                         Sandbox *ret, WarrenError **err);
int sandbox_store_update_paths(SandboxStore *s, const char *key, const Sandbox *src,
                               char *const *paths, Sandbox *ret, WarrenError **err);
/* Filters: id, name, labels.KEY (config labels), annotations.KEY, state, hidden, netns,
 * runtime. */
int sandbox_store_list(SandboxStore *s, const Filter *filter, StoreList *ret, WarrenError **err);
#define SANDBOX_LIST_AT(l, i) STORE_LIST_AT(l, Sandbox, i)
int sandbox_store_delete(SandboxStore *s, const char *key, WarrenError **err);
