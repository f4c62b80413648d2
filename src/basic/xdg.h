/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "basic/error.h"

/*
 * Where warren keeps things (DESIGN.md, "Where things live"):
 *   data:    $XDG_DATA_HOME/warren     (default ~/.local/share/warren)
 *   runtime: $XDG_RUNTIME_DIR/warren   (tmpfs; falls back when unset or not ours)
 *   config:  $XDG_CONFIG_HOME/warren   (default ~/.config/warren)
 * For root the defaults are /var/lib/warren, /run/warren and /etc/warren.
 * WARREN_ROOT, when set, overrides the data directory (tests).
 */
int xdg_data_dir(char **ret, WarrenError **err);
int xdg_runtime_dir(char **ret, WarrenError **err);
int xdg_config_dir(char **ret, WarrenError **err);
/* The user's runtime base ($XDG_RUNTIME_DIR itself, validated), without "warren". */
int xdg_runtime_base(char **ret, WarrenError **err);
