/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Sandboxes (pods), with containerd's sandbox-controller semantics: Start (the infra process
 * holding the shared net, ipc and uts namespaces, and the network helper), Shutdown (stops and
 * removes every member, then the sandbox), Wait (blocks until the sandbox exits), Status.
 * `warren pod ...` and the implicit sandbox of a lone `warren run` both come through here.
 *
 * Rootless callers must have joined the namespace holder (holder_join) first.
 */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/engine.h"
#include "storage/sandbox-store.h"

typedef struct JsonValue JsonValue;

typedef struct PodOptions {
        char *name;     /* NULL: a generated one */
        char *hostname; /* NULL: the name */
        char *network;  /* "slirp[:opts]" (default), "none", "host" */
        char **labels;  /* "key=value" */
        char **publish; /* -p specs */
        bool hidden;    /* the implicit sandbox of one container */
        const char *id; /* NULL: a new one (a caller that must know it first passes its own) */
} PodOptions;

int sandboxes_create(Engine *e, const PodOptions *o, char **ret_id, WarrenError **err);
/* Start the infra process (and the network helper) if not running, then the members. */
int sandboxes_start(Engine *e, const char *key, WarrenError **err);
/* Stop the members (each with its stop signal and timeout), then the infra process. */
int sandboxes_stop(Engine *e, const char *key, int timeout_s, WarrenError **err);
int sandboxes_kill(Engine *e, const char *key, int sig, WarrenError **err);
int sandboxes_restart(Engine *e, const char *key, int timeout_s, WarrenError **err);
/* Shutdown: members are stopped and removed. Without `force`, running members refuse. */
int sandboxes_remove(Engine *e, const char *key, bool force, WarrenError **err);
/* Remove the implicit sandbox of a container that is already gone (no member scan). */
int sandboxes_remove_implicit(Engine *e, const char *id, WarrenError **err);
/* Block until the infra process is gone; returns 0. */
int sandboxes_wait(Engine *e, const char *key, WarrenError **err);

typedef struct SandboxView {
        Sandbox sb;
        const char *status; /* "Running", "Degraded", "Exited", "Created" (podman's words) */
        bool infra_alive;
        bool net_helper_alive;
        char **members; /* container ids */
        size_t n_running;
} SandboxView;
void sandbox_view_done(SandboxView *v);
int sandboxes_get(Engine *e, const char *key, SandboxView *ret, WarrenError **err);
/* Visible sandboxes (not the hidden ones) unless `include_hidden`. */
int sandboxes_list(Engine *e, bool include_hidden, SandboxView **ret, size_t *ret_n,
                   WarrenError **err);
void sandbox_views_free(SandboxView *v, size_t n);
JsonValue *sandboxes_inspect_json(Engine *e, const SandboxView *v);
int sandboxes_top(Engine *e, const char *key, char ***ret_lines, WarrenError **err);

/* Published ports, one per port: as the network helper bound them (host port 0 resolved,
 * from its `list_hostfwd`), or as configured before it has run. */
typedef struct SandboxPort {
        char proto[4];    /* "tcp", "udp" */
        char host_ip[46]; /* "0.0.0.0", "::": every IPv4, IPv6 address; no brackets */
        uint16_t host_port;
        uint16_t container_port;
} SandboxPort;
/* Returns the count; *ret is malloc'd (free it). */
size_t sandboxes_ports(const Sandbox *sb, SandboxPort **ret);
/* docker's ps text: "0.0.0.0:8000-8002->80-82/tcp, 127.0.0.1:53->53/udp" */
char *sandboxes_ports_text(const SandboxPort *p, size_t n);
/* [{"HostIp", "HostPort", "ContainerPort", "Protocol"}, ...] */
JsonValue *sandboxes_ports_json(const SandboxPort *p, size_t n);
/* Slirp networking, the infra process up, the network helper gone (killed). */
bool sandboxes_net_helper_missing(const Sandbox *sb);
bool sandboxes_net_helper_running(const Sandbox *sb);

/* For containers.c: the namespace paths a member joins (NULL entries for --network host). */
typedef struct SandboxJoin {
        char *netns, *ipcns, *utsns;
        char *hostname;
        bool host_network;
        char *hosts_file, *resolv_file; /* files in the sandbox's directory */
} SandboxJoin;
void sandbox_join_done(SandboxJoin *j);
int sandboxes_join_info(Engine *e, const char *id, SandboxJoin *ret, WarrenError **err);
/* Add the member to the sandbox's /etc/hosts (its name -> the sandbox's address). */
int sandboxes_add_member(Engine *e, const char *id, const char *container_name,
                         WarrenError **err);
