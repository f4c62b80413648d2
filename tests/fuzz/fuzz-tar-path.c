/* SPDX-License-Identifier: Apache-2.0 */
/* The tar path check: entry names cleaned beneath the layer root, whiteout names, and tar
 * headers read by the layer reader (the input is tried both as a name and as a tar stream). */
#include <stdint.h>
#include <sys/mman.h>

#include "basic/fs-util.h"
#include "basic/xalloc.h"
#include "storage/layer-path.h"
#include "storage/layer-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name) {
        _cleanup_free_ char *clean = NULL;
        if (layer_path_clean(name, &clean, NULL) < 0)
                return;
        /* a cleaned path never climbs, never starts at /, has no empty or dot components */
        if (clean[0] == '/' || STREQ(clean, "..") || STARTS_WITH(clean, "../") ||
            strstr(clean, "/../") || strstr(clean, "//") || strstr(clean, "/./") ||
            STARTS_WITH(clean, "./") ||
            (strlen(clean) >= 3 && STREQ(clean + strlen(clean) - 3, "/..")))
                abort();
        _cleanup_free_ char *again = NULL;
        if (layer_path_clean(clean, &again, NULL) < 0 || STRNEQ(again, clean))
                abort(); /* idempotent */
        LayerWhiteout k;
        char *dir = NULL, *wname = NULL;
        if (layer_path_whiteout(clean, &k, &dir, &wname, NULL) == 0 && k == LAYER_WHITEOUT_FILE &&
            (!wname[0] || strchr(wname, '/')))
                abort();
        free(dir);
        free(wname);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *name = xstrndup((const char *)data, size);
        check_name(name);
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (write_all(fd, data, size) == 0 && lseek(fd, 0, SEEK_SET) == 0) {
                LayerReader *r = NULL;
                if (layer_reader_new(fd, NULL, &r, NULL) == 0) {
                        const LayerEntry *e;
                        int n = 0;
                        while (n++ < 1000 && layer_reader_next(r, &e, NULL) > 0)
                                check_name(e->path);
                        layer_reader_free(r);
                }
        }
        close(fd);
        return 0;
}
