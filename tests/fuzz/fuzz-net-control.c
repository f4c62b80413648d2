/* SPDX-License-Identifier: Apache-2.0 */
/* The network helper's control protocol: whatever a client sends, the helper answers with one
 * well-formed JSON line and its port table stays consistent. */
#include <stdint.h>

#include <arpa/inet.h>

#include "basic/json.h"
#include "core/net-control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_add(void *userdata, NetHostfwd *f, WarrenError **err) {
        if (f->host_port == 0)
                f->host_port = 40000;
        if (f->host_port == 1) /* something must fail now and then */
                return error_set(err, EADDRINUSE, "host port `1` is already in use");
        return 0;
}

static int fake_remove(void *userdata, const NetHostfwd *f, WarrenError **err) {
        return 0;
}

static const NetHostfwdOps ops = {.add = fake_add, .remove = fake_remove};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        NetHostfwdTable t;
        struct in_addr guest = {htonl(0x0a000264)};
        net_hostfwd_table_init(&t, guest, &ops, NULL);

        /* the same bytes twice: a second add may conflict with the first */
        for (int round = 0; round < 2; round++) {
                _cleanup_free_ char *resp = NULL;
                int r = net_control_handle(&t, (const char *)data, size, &resp);
                if (!resp)
                        abort();
                _cleanup_json_ JsonValue *v = NULL;
                if (json_parse(resp, strlen(resp), 0, &v, NULL) < 0)
                        abort(); /* every answer is JSON */
                if ((r < 0) != (json_get(v, "error") != NULL))
                        abort(); /* and says what happened */
                if (strchr(resp, '\n'))
                        abort(); /* on one line */
        }
        for (size_t i = 0; i < t.n; i++)
                if (t.items[i].guest_port == 0 || t.items[i].host_port == 0)
                        abort();
        net_hostfwd_table_done(&t);
        return 0;
}
