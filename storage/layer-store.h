/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/error.h"
#include "storage/layer-unpack.h"

/*
 * Unpacked layers under <root>/layers/, keyed by diff id (a layer's content does not depend on
 * the layers below it, so images that share a layer share its directory whatever their chain):
 *
 *   layers/<diff-hex>/diff/        the unpacked tree (overlay lower directory)
 *   layers/<diff-hex>/layer.json   {"version":1,"diff_id":..,"size":..,"created":..,
 *                                  "parent":..} (only for a layer that copied files up)
 *   layers/.staging/<random>/      layers being unpacked; renamed into place when verified
 *   layers/lock                    shared while importing, exclusive while deleting
 *
 * A layer directory is visible only once complete and verified (rename is atomic). Staging
 * left by a killed import is removed by the next layer_store_open() that finds no other user.
 */
typedef struct LayerStore LayerStore;
typedef struct LayerStage LayerStage;

/* `exclusive`: hold the store lock exclusively (deleting layers). */
int layer_store_open(const char *root, bool exclusive, LayerStore **ret, WarrenError **err);
LayerStore *layer_store_free(LayerStore *ls);
static inline void layer_store_freep(LayerStore **ls) {
        layer_store_free(*ls);
}
#define _cleanup_layer_store_ _cleanup_(layer_store_freep)

bool layer_store_has(LayerStore *ls, const char *diff_id);
/* "<root>/layers/<hex>/diff", or NULL for an invalid diff id. */
char *layer_store_diff_path(LayerStore *ls, const char *diff_id);
/* Bytes unpacked (from layer.json), or -errno. */
int layer_store_size(LayerStore *ls, const char *diff_id, uint64_t *ret, WarrenError **err);
int layer_store_list(LayerStore *ls, char ***ret_diff_ids, WarrenError **err);
/* Remove a layer: renamed into staging first, so it disappears at once. */
int layer_store_remove(LayerStore *ls, const char *diff_id, WarrenError **err);
/* The chain id of the layers a stored layer copied files up from (hardlinks to their files,
 * layer-unpack.h), in *ret; NULL when its content is its own and it fits over any parents. */
int layer_store_parent(LayerStore *ls, const char *diff_id, char **ret, WarrenError **err);

/* A new staging directory; unpack into it, then commit or free (which removes it). */
int layer_stage_new(LayerStore *ls, LayerStage **ret, WarrenError **err);
int layer_stage_unpack(LayerStage *st, int fd, const LayerUnpackOptions *opts,
                       LayerUnpackResult *ret, WarrenError **err);
/* "<root>/layers/.staging/<name>/diff": a lower directory for the layers above it in the same
 * import, before it is committed. */
char *layer_stage_diff_path(LayerStage *st);
/* The unpack copied files up from the layers below (LayerUnpackResult.copied_up), whose chain id
 * is `parent_chain_id`: the layer's content depends on them, and layer.json says so ("parent"),
 * so that it is not reused over other layers. */
void layer_stage_set_parent(LayerStage *st, const char *parent_chain_id);
/* What layer_stage_set_parent() recorded, or NULL. */
const char *layer_stage_parent(LayerStage *st);
/* Make the staged layer visible as `diff_id`. If another import got there first, ours is
 * dropped and that is success. */
int layer_stage_commit(LayerStage *st, const char *diff_id, WarrenError **err);
LayerStage *layer_stage_free(LayerStage *st);
static inline void layer_stage_freep(LayerStage **st) {
        layer_stage_free(*st);
}
#define _cleanup_layer_stage_ _cleanup_(layer_stage_freep)
