/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the container, pod and system commands share: opening the engine (after joining the
 * namespace holder), progress lines on a terminal, docker-style times and ids, Go-template-like
 * --format strings, and a terminal put into raw mode for -it.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "basic/error.h"
#include "core/engine.h"

typedef struct Engine Engine;
typedef struct JsonValue JsonValue;

/* Open the engine into a cleaned-up `e`, or return the exit code (inside a command). */
#define OPEN_ENGINE(e)                                                                             \
        _cleanup_engine_ Engine *e = NULL;                                                         \
        do {                                                                                       \
                int _r_ = cli_engine_open(&e);                                                     \
                if (_r_)                                                                           \
                        return _r_;                                                                \
        } while (0)

/* getopt for one command, from the start (optind = 0 re-initialises glibc's getopt, which also
 * re-reads the ordering: "+" stops at the first argument, for commands that carry another
 * program's arguments; the others take options anywhere, as docker does). Our own messages. */
#define FOREACH_OPT(c, argc, argv, s, l)                                                           \
        for (optind = 0, opterr = 0; ((c) = getopt_long(argc, argv, s, l, NULL)) >= 0;)
/* getopt said '?': name the option as the user wrote it (a long option, or a short one). */
int cli_bad_option(const char *cmd, int argc, char **argv);
/* At least one KEY after the options, else a usage error naming `what` ("container", "pod"). */
int cli_need_keys(const char *cmd, int argc, const char *what);

/* Apply `op` to every key; print each key done (as docker does), report each failure, go on.
 * `doing` ("stopping", "stopping pod"; NULL: none) is the progress line. An op returning 1 did
 * nothing and prints nothing. Returns 125 when any failed. */
typedef int (*CliKeyOp)(Engine *e, const char *key, const void *arg, WarrenError **err);
int cli_each_key(Engine *e, char **keys, int n, CliKeyOp op, const void *arg, const char *doing);
/* `stop`/`restart` [-t SECONDS] KEY...: `op` gets an int timeout (-1: each one's own). */
int cli_stop_like(int argc, char **argv, const char *cmd, CliKeyOp op, const char *doing,
                  const char *what);
/* `kill` [-s SIGNAL] KEY...: `op` gets an int signal (default SIGKILL). */
int cli_kill_like(int argc, char **argv, const char *cmd, CliKeyOp op, const char *what);

/* Pin the XDG directories (so they stay the user's once euid is 0 in the user namespace), join
 * the namespace holder, open the engine. Returns 0, or an exit code after printing the error. */
int cli_engine_open(Engine **ret);
/* The same without joining the holder (read-only look at the stores: `warren info`). */
int cli_engine_open_nojoin(Engine **ret);

/* "cmd: msg (see `warren cmd --help`)", exit 125. */
int cli_usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);

/* A transient status line on stderr, only when stderr is a terminal; cleared by the next
 * cli_progress() or by cli_progress_done(). */
void cli_progress(const char *fmt, ...) _printf_(1, 2);
void cli_progress_done(void);

/* docker's "3 minutes ago" (t in ns since the epoch; 0: "N/A") and "About a minute". */
void cli_format_ago(int64_t t_ns, char buf[64]);
void cli_format_duration(int64_t seconds, char buf[64]);
/* docker's sizes: "1.98MB", "512kB", "0B" (powers of 1000, three significant digits). */
void cli_format_size(uint64_t n, char buf[32]);
/* RFC 3339 with nanoseconds, UTC. */
void cli_format_rfc3339(int64_t t_ns, char buf[64]);
/* docker's --since/--until: RFC 3339 ("2024-01-02T15:04:05Z", fraction and offset allowed,
 * a date alone), a unix time ("1700000000[.5]"), or a duration before now ("10s", "5m", "1h30m").
 */
int cli_parse_time(const char *s, int64_t *ret_ns, WarrenError **err);

/* The first 12 characters of an id unless `no_trunc`. */
const char *cli_short_id(const char *id, bool no_trunc, char buf[16]);

/* Render a --format template ("{{.Names}}\t{{.Status}}", "{{json .Config}}", "{{.State.Pid}}")
 * against a JSON object; fields may be paths. Unknown fields render as "<no value>". */
char *cli_template_render(const char *tmpl, const JsonValue *obj);
/* Print a tree as JSON on stdout (pretty). Returns 0 or an exit code. */
int cli_print_json(const JsonValue *v);
/* `inspect` output: the array as JSON (for no format or "json"; nothing when every key failed,
 * as docker prints nothing then), else `format` rendered for each element. `ret` is the exit
 * code so far (non-zero when a key failed); the result is the command's exit code. */
int cli_print_inspect(const JsonValue *arr, const char *format, int ret);

/* A table: rows of cells, printed with columns padded to the widest cell plus 3 spaces. */
typedef struct CliTable {
        char **cells; /* row-major */
        size_t n_cols, n_rows;
} CliTable;
void cli_table_init(CliTable *t, size_t n_cols);
void cli_table_add(CliTable *t, ...); /* n_cols strings (copied) */
void cli_table_print(const CliTable *t);
void cli_table_done(CliTable *t);

/* Put stdin into raw mode when it is a terminal (for -it); cli_raw_restore() undoes it. */
typedef struct CliRaw {
        bool active;
        struct termios saved;
} CliRaw;
void cli_raw_enter(CliRaw *r);
void cli_raw_restore(CliRaw *r);

/* Ask on the terminal; true for y/yes. */
bool cli_confirm(const char *question);
