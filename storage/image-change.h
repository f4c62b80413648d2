/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "basic/error.h"

typedef struct JsonValue JsonValue;

/*
 * `import --change`: Dockerfile instructions applied to an image config's "config" object
 * (pure logic). Supported: CMD, ENTRYPOINT (JSON array or shell form, which becomes
 * ["/bin/sh","-c",...]), ENV (KEY=VALUE... or "KEY VALUE"), WORKDIR, USER, LABEL (KEY=VALUE...),
 * EXPOSE (PORT[/PROTO]...). Anything else is ENOTSUP naming the instruction.
 */
int image_change_apply(JsonValue *config, const char *change, WarrenError **err);
