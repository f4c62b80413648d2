/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "basic/error.h"

/* Mount options of an OCI mount entry, split into what mount(2) takes. Pure logic. */
typedef struct MountOptions {
        unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... to set */
        unsigned long clear;       /* flags an option turned off ("rw", "suid", ...) */
        unsigned long propagation; /* MS_SHARED|MS_PRIVATE|MS_SLAVE|MS_UNBINDABLE [|MS_REC] */
        bool bind;
        bool recursive; /* rbind */
        char *data;     /* the rest, comma-joined ("mode=755,size=65536k"), or NULL */
} MountOptions;

int mount_options_parse(char *const *options, MountOptions *ret, WarrenError **err);
void mount_options_done(MountOptions *o);
/* Drop uid=/gid= from a data string (for devpts in a user namespace); returns a new string. */
char *mount_data_strip_ids(const char *data);
