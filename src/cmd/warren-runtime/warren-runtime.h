/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "basic/error.h"

/* Parsed global options: the only global state besides the log sink. */
typedef struct GlobalOptions {
        char *root;
        bool debug;
        bool systemd_cgroup;
} GlobalOptions;

extern GlobalOptions arg_global;

typedef int (*CommandFn)(int argc, char **argv);

typedef struct Command {
        const char *name;
        CommandFn fn;
        const char *usage;   /* arguments, for --help */
        const char *help;    /* one line */
        const char *options; /* option lines for --help */
} Command;

/* Print the error (to the log sink, and to stderr when the log goes elsewhere); returns 1. */
int fail(WarrenError *e);
/* Print usage for a command and return 1 (status 1) or 0 when `ok`. */
int usage(const char *command, bool ok);
/* Exactly `n` positional arguments left after option parsing, or usage. */
bool want_args(int argc, int n, const char *command);

int cmd_spec(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_features(int argc, char **argv);
