/* SPDX-License-Identifier: Apache-2.0 */
#include "storage/image-storage.h"

#include "basic/fs-util.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "basic/xdg.h"
#include "storage/blob-store.h"
#include "storage/container-store.h"
#include "storage/image-store.h"
#include "storage/layer-store.h"
#include "storage/rootfs.h"

int image_storage_open(const char *root, bool exclusive, ImageStorage **ret, WarrenError **err) {
        _cleanup_free_ char *dir = NULL;
        int r;
        if (root)
                dir = xstrdup(root);
        else if ((r = xdg_data_dir(&dir, err)) < 0)
                return r;
        r = mkdir_p(dir, 0700, err);
        if (r < 0)
                return error_prefix(err, r, "storage `%s`", dir);
        ImageStorage *s = xnew(ImageStorage, 1);
        s->root = TAKE_PTR(dir);
        _cleanup_free_ char *images = path_join(s->root, "images");
        if ((r = blob_store_open(s->root, &s->blobs, err)) < 0 ||
            (r = layer_store_open(s->root, exclusive, &s->layers, err)) < 0 ||
            (r = image_store_open(images, &s->images, err)) < 0) {
                image_storage_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

ImageStorage *image_storage_free(ImageStorage *s) {
        if (!s)
                return NULL;
        image_store_free(s->images);
        layer_store_free(s->layers);
        blob_store_free(s->blobs);
        free(s->root);
        free(s);
        return NULL;
}

uint64_t image_storage_image_size(ImageStorage *s, const Image *img) {
        uint64_t total = 0;
        for (size_t i = 0; i < img->n_layers; i++) {
                uint64_t sz = 0;
                if (layer_store_size(s->layers, img->layers[i].diff_id, &sz, NULL) == 0)
                        total += sz;
        }
        return total;
}

int image_storage_gc(ImageStorage *s, uint64_t *ret_freed, WarrenError **err) {
        StoreList list = {0};
        int r = image_store_list(s->images, NULL, &list, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **used_layers = NULL, **used_blobs = NULL;
        for (size_t i = 0; i < list.n; i++) {
                const Image *img = IMAGE_LIST_AT(&list, i);
                strv_push(&used_blobs, img->id);
                for (size_t j = 0; j < img->n_layers; j++) {
                        strv_push(&used_layers, img->layers[j].diff_id);
                        if (img->layers[j].digest)
                                strv_push(&used_blobs, img->layers[j].digest);
                }
        }
        bool broken = list.broken && list.broken[0];
        _cleanup_strv_ char **rootfs_layers = NULL;
        r = rootfs_used_layers(s, &rootfs_layers, err);
        if (r < 0) {
                store_list_clear(&list);
                return r;
        }
        STRV_FOREACH (l, rootfs_layers)
                strv_push(&used_layers, *l);
        store_list_clear(&list);
        if (broken) {
                /* An unreadable record may reference anything: keep everything. */
                log_warning("some image records cannot be read: not removing unused layers");
                if (ret_freed)
                        *ret_freed = 0;
                return 0;
        }
        uint64_t freed = 0;
        _cleanup_strv_ char **layers = NULL, **blobs = NULL;
        r = layer_store_list(s->layers, &layers, err);
        if (r < 0)
                return r;
        STRV_FOREACH (l, layers) {
                if (strv_contains(used_layers, *l))
                        continue;
                uint64_t sz = 0;
                (void)layer_store_size(s->layers, *l, &sz, NULL);
                r = layer_store_remove(s->layers, *l, err);
                if (r < 0)
                        return r;
                log_debug("removed unused layer `%s`", *l);
                freed += sz;
        }
        r = blob_store_list(s->blobs, &blobs, err);
        if (r < 0)
                return r;
        STRV_FOREACH (b, blobs) {
                if (strv_contains(used_blobs, *b))
                        continue;
                r = blob_store_remove(s->blobs, *b, err);
                if (r < 0)
                        return r;
        }
        if (ret_freed)
                *ret_freed = freed;
        return 0;
}

int image_storage_images_in_use(ImageStorage *s, char ***ret, WarrenError **err) {
        _cleanup_strv_ char **ids = NULL;
        int r = rootfs_used_images(s, &ids, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = path_join(s->root, "containers");
        ContainerStore *cs = NULL;
        if (is_dir(dir) && container_store_open(dir, &cs, NULL) == 0) {
                StoreList list = {0};
                if (container_store_list(cs, NULL, &list, NULL) == 0) {
                        for (size_t i = 0; i < list.n; i++) {
                                const Container *c = CONTAINER_LIST_AT(&list, i);
                                if (c->image.id && !strv_contains(ids, c->image.id))
                                        strv_push(&ids, c->image.id);
                        }
                        store_list_clear(&list);
                }
                container_store_free(cs);
        }
        *ret = ids ? TAKE_PTR(ids) : xnew(char *, 1);
        return 0;
}
