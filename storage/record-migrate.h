/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "storage/record.h"

/*
 * Every migration of every record type lives in record-migrate.c (STYLE.md: "migrations live
 * in one place"). When a type's version goes from N to N+1, add a function rewriting the JSON
 * tree of a version-N record into version N+1, list it here with `.from = N`, bump the type's
 * *_RECORD_VERSION, and add a version-N file to the fuzz corpus and a test that loads it.
 */
extern const RecordMigration container_record_migrations[];
#define container_record_n_migrations ((size_t)0) /* entries in use */
extern const RecordMigration sandbox_record_migrations[];
#define sandbox_record_n_migrations ((size_t)0) /* entries in use */
extern const RecordMigration image_record_migrations[];
#define image_record_n_migrations ((size_t)0) /* entries in use */
