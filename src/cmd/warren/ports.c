/* SPDX-License-Identifier: Apache-2.0 */
/* `warren port CONTAINER|POD [PRIVATE_PORT[/PROTO]]`: the published ports of a container's
 * sandbox (or a pod's), as docker prints them: `80/tcp -> 0.0.0.0:8080`, `80/tcp -> [::]:8080`.
 * The host ports are the ones the network helper bound (host port 0 resolved), read from the
 * sandbox record. */
#include <string.h>

#include "basic/parse-util.h"
#include "basic/xalloc.h"
#include "cli-util.h"
#include "core/containers.h"
#include "core/sandboxes.h"
#include "warren.h"

/* "80", "80/tcp", "53/udp" */
static int parse_private(const char *s, uint32_t *ret_port, const char **ret_proto) {
        const char *slash = strchr(s, '/');
        _cleanup_free_ char *num = xstrndup(s, slash ? (size_t)(slash - s) : strlen(s));
        const char *proto = slash ? slash + 1 : NULL;
        if (proto && !STREQ(proto, "tcp") && !STREQ(proto, "udp"))
                return -EINVAL;
        if (safe_atou32(num, ret_port) < 0 || *ret_port == 0 || *ret_port > 65535)
                return -EINVAL;
        *ret_proto = proto;
        return 0;
}

static int cmd_port(int argc, char **argv) {
        int first = 1;
        if (first < argc && STREQ(argv[first], "--"))
                first++;
        else if (first < argc && argv[first][0] == '-' && argv[first][1])
                return cli_usage_error("port", "unknown option `%s`", argv[first]);
        if (first >= argc)
                return cli_usage_error("port", "needs a container or a pod");
        if (argc - first > 2)
                return cli_usage_error("port", "unexpected argument `%s`", argv[first + 2]);
        const char *key = argv[first];
        const char *private = first + 1 < argc ? argv[first + 1] : NULL;
        uint32_t want_port = 0;
        const char *want_proto = NULL;
        if (private && parse_private(private, &want_port, &want_proto) < 0)
                return cli_usage_error("port", "invalid port `%s`: expected PORT[/tcp|/udp]",
                                       private);

        _cleanup_engine_ Engine *e = NULL;
        int r = cli_engine_open(&e);
        if (r)
                return r;
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_(sandbox_view_done) SandboxView sv = {};
        _cleanup_(container_view_done) ContainerView cv = {};
        if (containers_get(e, key, &cv, &err) >= 0)
                r = sandboxes_get(e, cv.c.sandbox_id, &sv, &err);
        else if (err && err->code == ENOENT) {
                err = error_free(err);
                r = sandboxes_get(e, key, &sv, &err);
                if (r == -ENOENT) {
                        err = error_free(err);
                        return warren_failf("no such container or pod `%s`", key);
                }
        } else
                return warren_fail(TAKE_PTR(err));
        if (r < 0)
                return warren_fail(TAKE_PTR(err));
        /* A stopped sandbox has nothing bound (docker prints nothing for a stopped container). */
        if (!sv.infra_alive)
                return 0;

        _cleanup_free_ SandboxPort *p = NULL;
        size_t n = sandboxes_ports(&sv.sb, &p);
        size_t shown = 0;
        for (size_t i = 0; i < n; i++) {
                if (private && (p[i].container_port != want_port ||
                                !STREQ(p[i].proto, want_proto ? want_proto : "tcp")))
                        continue;
                /* an IPv6 address in brackets, as docker prints it: 80/tcp -> [::]:8080 */
                bool v6 = strchr(p[i].host_ip, ':');
                if (private)
                        printf("%s%s%s:%u\n", v6 ? "[" : "", p[i].host_ip, v6 ? "]" : "",
                               (unsigned)p[i].host_port);
                else
                        printf("%u/%s -> %s%s%s:%u\n", (unsigned)p[i].container_port, p[i].proto,
                               v6 ? "[" : "", p[i].host_ip, v6 ? "]" : "",
                               (unsigned)p[i].host_port);
                shown++;
        }
        if (private && shown == 0)
                return warren_failf("no public port `%u/%s` published for `%s`",
                                    (unsigned)want_port, want_proto ? want_proto : "tcp", key);
        return 0;
}

static const WarrenCommand toplevel[] = {
        {"port", "CONTAINER|POD [PRIVATE_PORT[/PROTO]]",
         "list a container's (or pod's) published ports", cmd_port, 0},
};

const WarrenCommandGroup warren_port_toplevel = {
        .name = NULL,
        .summary = "published ports",
        .commands = toplevel,
        .n_commands = ELEMENTSOF(toplevel),
};
