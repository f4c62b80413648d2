/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

/*
 * The `warren` command line: main.c parses the global options and dispatches through a table of
 * command groups; each group lives in its own file (images.c for the image commands) and
 * exports a WarrenCommandGroup. To add a group: write its file, declare it here and add it to
 * the `groups` table in main.c.
 */

/* Exit codes as docker/podman: 125 for warren's own errors. */
#define EXIT_WARREN_ERROR 125

typedef struct WarrenGlobals {
        char *root;           /* --root: the storage root (data directory) */
        char *storage_driver; /* --storage-driver */
        bool debug;
} WarrenGlobals;

extern WarrenGlobals warren_globals;

enum {
        /* The command reads or writes image storage: it runs inside the user namespace (and a
         * mount namespace of its own) so that file ownership maps through the subuid range. */
        WARREN_CMD_USERNS = 1 << 0,
        /* The command's arguments carry another program's (run IMAGE CMD..., exec CTR CMD...):
         * main() must not take a later -h/--help for itself; the command prints its usage. */
        WARREN_CMD_OWN_HELP = 1 << 1,
};

typedef struct WarrenCommand {
        const char *name;
        const char *args; /* usage after the name, for help */
        const char *summary;
        int (*run)(int argc, char **argv); /* argv[0] is the command name; returns an exit code */
        unsigned flags;
} WarrenCommand;

typedef struct WarrenCommandGroup {
        const char *name; /* "image": `warren image CMD`; NULL: top-level commands */
        const char *summary;
        const WarrenCommand *commands;
        size_t n_commands;
} WarrenCommandGroup;

/* Groups (one file each). */
extern const WarrenCommandGroup warren_image_group;
extern const WarrenCommandGroup warren_image_toplevel; /* load, import, save, images, tag, rmi */
extern const WarrenCommandGroup warren_container_toplevel; /* run, create, start, ps, ... */
extern const WarrenCommandGroup warren_container_group;    /* warren container ... */
extern const WarrenCommandGroup warren_pod_group;          /* warren pod ... */
extern const WarrenCommandGroup warren_port_toplevel;      /* port (ports.c) */
extern const WarrenCommandGroup warren_system_toplevel;    /* info, version */
extern const WarrenCommandGroup warren_system_group;       /* warren system info|version */

/* The prune commands' work after their confirmation, for `system prune` too: each prints what it
 * removed (docker's words) and returns 0 or an exit code. */
int cli_prune_containers(void);
int cli_prune_pods(void);
int cli_prune_images(bool all);

/* Print an error as "warren: MESSAGE" (the one place errors are printed) and return 125. */
int warren_fail(WarrenError *e);
int warren_failf(const char *fmt, ...) _printf_(1, 2);

/* Run `fn(userdata)` inside a user namespace mapped from the subordinate ranges (and a private
 * mount namespace); returns fn's exit code. As root: only a private mount namespace. */
int warren_in_userns(int (*fn)(void *userdata), void *userdata);
