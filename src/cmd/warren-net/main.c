/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warren-net: the per-sandbox network helper (docs/networking.md). It runs in the host's
 * network namespace, gets a tap fd created inside the target namespace, and forwards that
 * namespace's traffic with libslirp: outbound connections, DNS at 10.0.2.3, published ports.
 *
 *   warren-net [OPTIONS] PID|--netns PATH
 *   warren-net control SOCKET REQUEST-JSON
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "basic/log.h"
#include "basic/xalloc.h"
#include "core/net-control.h"
#include "core/net-options.h"
#include "core/net-sandbox.h"
#include "core/net-server.h"
#include "core/net-tap.h"
#include "helper.h"

static int cmd_control(int argc, char **argv) {
        if (argc != 4) {
                fputs("usage: warren-net control SOCKET REQUEST-JSON\n", stderr);
                return 2;
        }
        _cleanup_error_ WarrenError *err = NULL;
        _cleanup_free_ char *resp = NULL;
        if (net_server_request(argv[2], argv[3], &resp, &err) < 0) {
                log_error("%s", err->msg);
                return 1;
        }
        printf("%s\n", resp);
        if (net_control_check_response(resp, strlen(resp), &err) < 0) {
                log_error("%s", err->msg);
                return 1;
        }
        return 0;
}

static int signal_fd_setup(WarrenError **err) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return error_set_errno(err, errno, "block signals");
        int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return error_set_errno(err, errno, "signalfd");
        return fd;
}

static int run(const NetOptions *o, WarrenError **err) {
        NetTarget target = {.pidfd = -1, .userns_fd = -1, .netns_fd = -1};
        _cleanup_close_ int sigfd = -1, tap = -1, control = -1;
        _cleanup_net_helper_ NetHelper *h = NULL;
        int r;

        sigfd = signal_fd_setup(err);
        if (sigfd < 0)
                return sigfd;

        r = net_target_open(o->target_pid, o->netns_path, o->userns_path, &target, err);
        if (r < 0)
                return r;

        NetTapConfig tc = {
                .name = o->tap_name ? o->tap_name : NET_DEFAULT_TAP,
                .mtu = o->mtu,
                .addr = o->addrs.guest,
                .prefix = o->addrs.prefix,
                .gateway = o->addrs.gateway,
                .enable_ipv6 = o->enable_ipv6,
                .prefix6 = 64,
        };
        inet_pton(AF_INET6, "fd00::100", &tc.addr6);
        inet_pton(AF_INET6, "fd00::2", &tc.gateway6);
        tap = net_tap_create(&target, &tc, err);
        if (tap < 0) {
                net_target_done(&target);
                return error_prefix(err, tap, "set up `%s`", tc.name);
        }
        /* the namespaces are no longer needed once the tap exists; the pidfd is */
        target.userns_fd = safe_close(target.userns_fd);
        target.netns_fd = safe_close(target.netns_fd);
        _cleanup_close_ int pidfd = TAKE_FD(target.pidfd);

        /* the socket's directory stays reachable from the sandbox, to remove it at exit */
        _cleanup_close_ int api_dir = -1;
        _cleanup_free_ char *api_name = NULL;
        if (o->api_socket) {
                control = net_server_listen(o->api_socket, err);
                if (control < 0)
                        return control;
                _cleanup_free_ char *d = xstrdup(o->api_socket);
                _cleanup_free_ char *b = xstrdup(o->api_socket);
                api_dir = open(dirname(d), O_PATH | O_DIRECTORY | O_CLOEXEC);
                api_name = xstrdup(basename(b));
        }

        NetHelperFds fds = {.tap = tap,
                            .control = control,
                            .signal = sigfd,
                            .pidfd = pidfd,
                            .exit_fd = o->exit_fd};
        r = net_helper_new(o, &fds, &h, err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < o->n_ports; i++) {
                size_t first;
                r = net_hostfwd_add(net_helper_hostfwds(h), &o->ports[i], (struct in_addr){0},
                                    &first, err);
                if (r < 0)
                        return error_prefix(err, r, "publish");
        }
        NetHostfwdTable *t = net_helper_hostfwds(h);
        for (size_t i = 0; i < t->n; i++) {
                char ip[NET_HOST_ADDR_STRLEN];
                printf("published %s:%u:%u/%s id %u%s\n",
                       net_host_addr_format(&t->items[i].host_addr, true, ip),
                       (unsigned)t->items[i].host_port, (unsigned)t->items[i].guest_port,
                       net_proto_to_string(t->items[i].proto), (unsigned)t->items[i].id,
                       t->items[i].proxied ? " proxied" : "");
        }
        fflush(stdout);

        if (o->sandbox) {
                NetSandboxResult sr = {};
                r = net_sandbox_enter(o->resolv_conf, o->seccomp, &sr, err);
                if (r < 0)
                        return r;
                if (!sr.mount_ns)
                        log_warning("no user namespaces: running without the empty mount "
                                    "namespace");
                if (o->seccomp && !sr.seccomp)
                        log_warning("seccomp is not available: running without a filter");
                log_debug("sandbox: mount namespace %s, capabilities dropped, seccomp %s",
                          sr.mount_ns ? "yes" : "no", sr.seccomp ? "yes" : "no");
        } else if (o->resolv_conf)
                log_warning("--resolv-conf needs the sandbox; libslirp reads /etc/resolv.conf");

        if (o->ready_fd >= 0) {
                if (write(o->ready_fd, "1", 1) != 1)
                        log_warning("cannot write to the ready fd: %s", strerror(errno));
                close(o->ready_fd);
        }
        log_debug("tap `%s` up, %zu published ports", tc.name, t->n);

        r = net_helper_run(h, err);
        if (r < 0)
                return r;
        log_info("exiting: %s", net_helper_exit_reason(h));
        if (api_dir >= 0)
                (void)unlinkat(api_dir, api_name, 0);
        return 0;
}

int main(int argc, char **argv) {
        _cleanup_error_ WarrenError *err = NULL;
        NetOptions o;

        log_set_program("warren-net");
        if (argc >= 2 && STREQ(argv[1], "control"))
                return cmd_control(argc, argv);

        net_options_init(&o);
        if (net_options_parse_argv(&o, argc, argv, &err) < 0 ||
            net_options_validate(&o, &err) < 0) {
                log_error("%s", err->msg);
                fputs("try `warren-net --help`\n", stderr);
                net_options_done(&o);
                return 2;
        }
        if (o.help) {
                fputs(net_options_usage(), stdout);
                net_options_done(&o);
                return 0;
        }
        if (o.version) {
                printf("warren-net %s\n", WARREN_VERSION);
                net_options_done(&o);
                return 0;
        }
        log_set_level(o.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
        signal(SIGPIPE, SIG_IGN);

        int r = run(&o, &err);
        if (r < 0)
                log_error("%s", err ? err->msg : strerror(-r));
        net_options_done(&o);
        return r < 0 ? 1 : 0;
}
