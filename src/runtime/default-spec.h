/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "basic/error.h"

/* runc's default config.json (`runc spec`), or its rootless variant (`runc spec --rootless`:
 * a user namespace mapping `uid`/`gid` to 0, no network namespace, /sys bound from the host,
 * no uid=/gid= mount options, no resources). The text is pretty-printed JSON. */
int default_spec_generate(bool rootless, uid_t uid, gid_t gid, char **ret, WarrenError **err);
