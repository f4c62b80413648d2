/* SPDX-License-Identifier: Apache-2.0 */
/* All record migrations, oldest first. Version 1 is the first format of every type, so there
 * are none yet; the walker (record.c) applies them in order before decoding. */
#include "storage/record-migrate.h"

const RecordMigration container_record_migrations[] = {
        {.from = 0, .migrate = NULL}, /* placeholder: version 0 never existed */
};

const RecordMigration sandbox_record_migrations[] = {
        {.from = 0, .migrate = NULL},
};

const RecordMigration image_record_migrations[] = {
        {.from = 0, .migrate = NULL},
};
