/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "basic/error.h"
#include "runtime/oci-config.h"

/* Run the hooks of `kind` in order, each with `state_json` on its stdin, its args and env, and
 * its timeout (SIGKILL when it runs over). The first failing hook stops the rest; the error
 * names the hook and its exit status. */
int hooks_run(const OciConfig *c, OciHookKind kind, const char *state_json, WarrenError **err);
