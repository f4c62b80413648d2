/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What a monitor is started with. One definition for both sides: warren builds the command line
 * with monitor_config_to_argv(), warren-monitor parses it with monitor_config_parse_argv().
 */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"

typedef enum MonitorRestartPolicy {
        MONITOR_RESTART_NO,
        MONITOR_RESTART_ALWAYS,     /* until stopped through the monitor */
        MONITOR_RESTART_ON_FAILURE, /* exit code != 0, at most restart_max times (0: no limit) */
} MonitorRestartPolicy;

#define MONITOR_DEFAULT_STOP_TIMEOUT 10U

typedef struct MonitorConfig {
        char *id;              /* the container id, given to the runtime */
        char *bundle;          /* OCI bundle directory */
        char *runtime;         /* OCI runtime executable (warren-runtime, crun, runc) */
        char *runtime_root;    /* the runtime's --root, or NULL for its default */
        char **runtime_args;   /* more global options for the runtime, before the command */
        char *state_dir;       /* exit file, attach socket, pid files (must exist) */
        char *log_path;        /* the CRI log */
        uint64_t log_max_size; /* 0: no cap */
        bool terminal;         /* a pty through --console-socket */
        bool stdin_open;       /* keep a stdin pipe (else /dev/null) */
        bool start;            /* run `RUNTIME start` right after create */
        bool delete_on_exit;   /* run `RUNTIME delete` after the final exit */
        MonitorRestartPolicy restart;
        unsigned restart_max;
        int stop_signal;       /* default SIGTERM */
        unsigned stop_timeout; /* seconds before SIGKILL */
        int sync_fd;           /* report socket (-1: none) */
        bool foreground;       /* do not daemonize (debugging, tests) */
        bool debug;            /* write a debug log to STATE_DIR/monitor.log */
} MonitorConfig;

/* A config with defaults (no strings set). */
void monitor_config_init(MonitorConfig *c);
void monitor_config_done(MonitorConfig *c);

/* "no", "always", "unless-stopped" (as always), "on-failure", "on-failure:N". */
int monitor_restart_parse(const char *s, MonitorRestartPolicy *ret, unsigned *ret_max);
/* The inverse, into buf. */
const char *monitor_restart_format(MonitorRestartPolicy p, unsigned max, char *buf, size_t size);

/* Every required field set, paths absolute, sizes sane. */
int monitor_config_validate(const MonitorConfig *c, WarrenError **err);

/* Parse options from argv[1..] (getopt_long; resets optind). Fields already set in *c are
 * replaced. Validates. */
int monitor_config_parse_argv(int argc, char **argv, MonitorConfig *c, WarrenError **err);
/* The command line for `program` (a NULL-terminated strv, strv_free). */
char **monitor_config_to_argv(const MonitorConfig *c, const char *program);
