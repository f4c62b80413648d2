/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "basic/error.h"

/* Shared between the container files; not part of the runtime's interface. */
char *container_user_name(void);
int container_connect_start(const char *state_dir, int *ret, WarrenError **err);
