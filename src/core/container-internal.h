/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between containers.c (lifecycle) and container-io.c (exec, logs, top, cp). */

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "core/engine.h"
#include "storage/container-store.h"

int64_t container_now_ns(void);

/* warren's bookkeeping in extensions.warren: runtimePath, monitorPath, storageDriver,
 * logMaxSize, implicitSandbox, autoRemove, init. */
void container_ext_set_string(Container *c, const char *key, const char *v);
void container_ext_set_int(Container *c, const char *key, int64_t v);
void container_ext_set_bool(Container *c, const char *key, bool v);
const char *container_ext_string(const Container *c, const char *key);
int64_t container_ext_int(const Container *c, const char *key);
bool container_ext_bool(const Container *c, const char *key);

/* The container's OCI runtime and the --root it is driven with. */
int container_runtime_path(Engine *e, const Container *c, char **ret, WarrenError **err);
char *container_runtime_root(Engine *e, const char *runtime_path);

/* Start a monitor for the container (runtime create, and start when `start`). */
int container_spawn_monitor(Engine *e, const Container *c, bool start, WarrenError **err);

/* Run a tool to completion; a non-zero exit is an error carrying its stderr. */
int container_run_tool(char *const *argv, WarrenError **err);
/* Same, ignoring output and status. */
int container_run_tool_quiet(char *const *argv);
