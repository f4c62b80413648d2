/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Build a container's OCI config.json from the image's config and the run options, with
 * warren's security defaults (DESIGN.md): podman's default capabilities, no_new_privs, a
 * Docker-like seccomp profile, the OCI default masked and read-only paths. Pure logic apart
 * from reading a seccomp profile file named by --security-opt.
 */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/run-options.h"
#include "userns/idmap.h"

typedef struct JsonValue JsonValue;

typedef struct SpecUser {
        uint32_t uid, gid;
        uint32_t *additional_gids;
        size_t n_additional_gids;
} SpecUser;

typedef struct SpecInputs {
        const RunOptions *opts;
        /* The image config's "config" object (Env, Cmd, Entrypoint, WorkingDir, User, ...), or
         * NULL for an image without one. */
        const JsonValue *image_config;
        const char *container_id;
        const char *rootfs;   /* absolute path of the container's root filesystem */
        const char *hostname; /* NULL: --hostname, else the first 12 characters of the id */
        SpecUser user;        /* resolved from opts->user or the image's User */
        /* Namespaces to join by path; NULL creates a new one. network_host: no netns at all. */
        const char *netns_path, *ipcns_path, *utsns_path, *userns_path;
        bool network_host;
        /* Id maps for a new user namespace (NULL with userns_path, or to leave it out). */
        const IdMap *uid_map, *gid_map;
        /* Files bind-mounted over /etc/hosts, /etc/resolv.conf, /etc/hostname (NULL: none). */
        const char *hosts_file, *resolv_file, *hostname_file;
        /* --init: the host path of warren's init, bound at /run/warren-init. */
        const char *init_path;
        /* Capabilities the caller's user namespace can grant (0: all known). */
        uint64_t caps_available;
} SpecInputs;

int spec_generate(const SpecInputs *in, JsonValue **ret, WarrenError **err);

/* The process arguments, with docker's rules: --entrypoint replaces the image's entrypoint and
 * drops its Cmd; a command given on the command line replaces the image's Cmd. */
int spec_process_args(const RunOptions *opts, const JsonValue *image_config, char ***ret,
                      WarrenError **err);
/* The process environment: the image's Env, PATH if missing, HOSTNAME, TERM with a tty,
 * container=warren, then -e and --env-file. */
char **spec_process_env(const RunOptions *opts, const JsonValue *image_config,
                        const char *hostname);
/* The effective capability mask after --cap-add/--cap-drop over podman's defaults. */
int spec_capabilities(const RunOptions *opts, uint64_t *ret, WarrenError **err);

/* Resolve "uid[:gid]", "name[:group]" against the text of a passwd and a group file (either may
 * be NULL when the image has none; names then fail). A user's supplementary groups come from
 * the group file. A missing user is ENOENT naming it. */
int spec_resolve_user(const char *spec, const char *passwd, const char *group, SpecUser *ret,
                      WarrenError **err);
void spec_user_done(SpecUser *u);
