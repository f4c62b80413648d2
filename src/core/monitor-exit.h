/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The exit file: written by the monitor, atomically (temp file + rename), each time the
 * container's init exits; removed by the monitor just before a restart re-creates the container.
 * Lines of KEY=VALUE (docs/protocols/monitor.md):
 *
 *   version=1
 *   exit_code=137
 *   signal=9
 *   oom_killed=false
 *   restarts=0
 *   restarting=false
 *   reason=signaled
 *   pid=4242
 *   started_at=2026-11-23T13:47:02.123456789Z
 *   finished_at=2026-11-23T13:47:05.000000001Z
 *   error=...            (only with reason create-failed or start-failed)
 *
 * Unknown keys are ignored, so fields can be added without a new version. A plain text file
 * keeps the monitor free of a JSON library: it links libc alone, to stay small.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"

#define MONITOR_EXIT_FILE "exit"
#define MONITOR_EXIT_VERSION 1
#define MONITOR_EXIT_MAX_SIZE 8192U
/* The exit code recorded when the runtime could not create or start the container. */
#define MONITOR_EXIT_CODE_RUNTIME 125

typedef enum MonitorExitReason {
        MONITOR_EXIT_EXITED,        /* init called exit() */
        MONITOR_EXIT_SIGNALED,      /* init was killed by a signal */
        MONITOR_EXIT_OOM_KILLED,    /* killed, and the container's cgroup counted an OOM kill */
        MONITOR_EXIT_CREATE_FAILED, /* `RUNTIME create` failed (error says why) */
        MONITOR_EXIT_START_FAILED,  /* `RUNTIME start` failed (error says why) */
        _MONITOR_EXIT_REASON_MAX,
} MonitorExitReason;

typedef struct MonitorExit {
        int exit_code; /* 0-255; 128+n when killed by signal n */
        int signal;    /* 0, or the signal that killed init */
        bool oom_killed;
        unsigned restarts; /* restarts done before this run */
        bool restarting;   /* the monitor will restart the container */
        MonitorExitReason reason;
        pid_t pid;
        int64_t started_at_ns; /* 0: never started */
        int64_t finished_at_ns;
        char *error; /* NULL unless create or start failed */
} MonitorExit;

void monitor_exit_done(MonitorExit *e);
const char *monitor_exit_reason_to_string(MonitorExitReason r);
int monitor_exit_reason_from_string(const char *s, MonitorExitReason *ret);

/* Fill exit_code, signal and reason from a waitpid() status. */
void monitor_exit_from_status(MonitorExit *e, int status);

/* The file's text (caller frees). Newlines in `error` become spaces. */
char *monitor_exit_format(const MonitorExit *e);
/* Parse the text; unknown keys are ignored; a missing version or exit_code, or a malformed value
 * is EINVAL naming the line. */
int monitor_exit_parse(const char *text, size_t len, MonitorExit *ret, WarrenError **err);

/* Write atomically as `MONITOR_EXIT_FILE` in the directory `dirfd`. */
int monitor_exit_write_at(int dirfd, const MonitorExit *e, WarrenError **err);
/* Read from the state directory. A missing file is -ENOENT, returned without setting *err. */
int monitor_exit_read(const char *state_dir, MonitorExit *ret, WarrenError **err);
