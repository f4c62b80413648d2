/* SPDX-License-Identifier: Apache-2.0 */
#include "core/sandboxes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/fs-util.h"
#include "basic/json.h"
#include "basic/log.h"
#include "basic/strv.h"
#include "basic/xalloc.h"
#include "core/containers.h"
#include "core/host-info.h"
#include "core/infra.h"
#include "core/net-options.h"
#include "core/net-control.h"
#include "core/net-portspec.h"
#include "core/net-server.h"
#include "storage/container-store.h"
#include "storage/filter.h"
#include "storage/record.h"
#include "userns/holder.h"

#define EXT_KEY "warren"
/* How long the network helper may take to come up (tap device, ports bound). */
#define NET_READY_TIMEOUT_MS 30000

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void sandbox_join_done(SandboxJoin *j) {
        free(j->netns);
        free(j->ipcns);
        free(j->utsns);
        free(j->hostname);
        free(j->hosts_file);
        free(j->resolv_file);
        *j = (SandboxJoin){};
}

void sandbox_view_done(SandboxView *v) {
        sandbox_clear(&v->sb);
        strv_free(v->members);
        *v = (SandboxView){};
}

void sandbox_views_free(SandboxView *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                sandbox_view_done(&v[i]);
        free(v);
}

/* warren's own bookkeeping lives in extensions.warren: process start times, so that a
 * recycled pid is never taken for the infra process or the network helper. */
static uint64_t ext_u64(const Sandbox *sb, const char *key) {
        uint64_t v = 0;
        (void) json_get_uint64(json_get(sb->extensions, EXT_KEY), key, NULL, &v, NULL);
        return v;
}

static void ext_set(Sandbox *sb, const char *key, JsonValue *v) {
        if (!json_is(sb->extensions, JSON_OBJECT)) {
                json_free(sb->extensions);
                sb->extensions = json_new_object();
        }
        JsonValue *w = (JsonValue *) json_get(sb->extensions, EXT_KEY);
        if (!json_is(w, JSON_OBJECT)) {
                w = json_new_object();
                json_object_set(sb->extensions, EXT_KEY, w);
        }
        json_object_set(w, key, v);
}

static void ext_set_u64(Sandbox *sb, const char *key, uint64_t v) {
        ext_set(sb, key, json_new_integer((int64_t) v));
}

static bool sandbox_infra_alive(const Sandbox *sb) {
        return sb->infra_pid > 0 && infra_alive((pid_t) sb->infra_pid, ext_u64(sb, "infraStartTime"));
}

static bool sandbox_net_alive(const Sandbox *sb) {
        return sb->network_helper_pid > 0 &&
               infra_alive((pid_t) sb->network_helper_pid, ext_u64(sb, "netStartTime"));
}

bool sandboxes_net_helper_running(const Sandbox *sb) {
        return sandbox_net_alive(sb);
}

bool sandboxes_net_helper_missing(const Sandbox *sb) {
        return sb->config.network.mode && STREQ(sb->config.network.mode, "slirp") &&
               sandbox_infra_alive(sb) && !sandbox_net_alive(sb);
}

/* The slirp network's addresses, from the `cidr` option (10.0.2.0/24 by default). */
static int slirp_addrs(const char *opts, NetAddrs *ret, WarrenError **err) {
        NetOptions no;
        net_options_init(&no);
        int r = opts && *opts ? net_options_parse_list(&no, opts, err) : 0;
        if (r >= 0)
                *ret = no.addrs;
        net_options_done(&no);
        return r;
}

static void sandbox_addrs(const Sandbox *sb, char ret_guest[static INET_ADDRSTRLEN],
                          char ret_gateway[static INET_ADDRSTRLEN]) {
        NetAddrs a = {};
        if (slirp_addrs(strmap_get(sb->config.network.options, "options"), &a, NULL) < 0)
                (void) net_cidr_parse(NET_DEFAULT_CIDR, &a, NULL);
        inet_ntop(AF_INET, &a.guest, ret_guest, INET_ADDRSTRLEN);
        inet_ntop(AF_INET, &a.gateway, ret_gateway, INET_ADDRSTRLEN);
}

static const char *network_mode(const char *network) {
        if (!network || STARTS_WITH(network, "slirp"))
                return "slirp";
        return network;
}

static const char *network_opts(const char *network) {
        const char *c = network ? strchr(network, ':') : NULL;
        return c ? c + 1 : NULL;
}

static int write_text(const char *dir, const char *name, const char *text, WarrenError **err) {
        _cleanup_free_ char *p = path_join(dir, name);
        return write_file_atomic(p, text, strlen(text), 0644, err);
}

static int write_sandbox_files(Engine *e, const Sandbox *sb, WarrenError **err) {
        _cleanup_free_ char *dir = engine_sandbox_dir(e, sb->id);
        int r = mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        const char *mode = sb->config.network.mode ? sb->config.network.mode : "none";
        const char *hn = sb->config.hostname ? sb->config.hostname : sb->id;
        _cleanup_free_ char *hosts = NULL;
        char guest[INET_ADDRSTRLEN], gateway[INET_ADDRSTRLEN];
        sandbox_addrs(sb, guest, gateway);
        if (STREQ(mode, "slirp"))
                hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                  "%s\t%s\n%s\thost.containers.internal\n",
                                  guest, hn, gateway);
        else
                hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                  "127.0.1.1\t%s\n",
                                  hn);
        r = write_text(dir, "hosts", hosts, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *resolv = NULL;
        if (STREQ(mode, "slirp")) {
                NetAddrs a = {};
                if (slirp_addrs(strmap_get(sb->config.network.options, "options"), &a, NULL) < 0)
                        (void) net_cidr_parse(NET_DEFAULT_CIDR, &a, NULL);
                char dns[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &a.dns, dns, sizeof(dns));
                resolv = xasprintf("nameserver %s\n", dns);
        }
        else if (read_file_capped("/etc/resolv.conf", 64 * 1024, &resolv, NULL, NULL) < 0)
                resolv = xstrdup("");
        r = write_text(dir, "resolv.conf", resolv, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *hostname = xasprintf("%s\n", hn);
        return write_text(dir, "hostname", hostname, err);
}

static int mapping_to_spec(const SandboxPortMapping *m, NetPortSpec *ret) {
        NetPortSpec ps = { .host_addr.family = AF_UNSPEC, .count = 1 };
        if (net_proto_from_string(m->protocol ? m->protocol : "tcp", &ps.proto) < 0 ||
            m->host_port < 0 || m->host_port > 65535 || m->container_port <= 0 ||
            m->container_port > 65535)
                return -EINVAL;
        if (m->host_ip && *m->host_ip && net_host_addr_parse(m->host_ip, &ps.host_addr, NULL) < 0)
                return -EINVAL;
        ps.host_port = (uint16_t) m->host_port;
        ps.container_port = (uint16_t) m->container_port;
        *ret = ps;
        return 0;
}

/* The ports the helper bound, as `list_hostfwd` reports them (host port 0 resolved), into
 * extensions.warren.ports for ps, inspect and `warren port`. */
static int read_back_ports(Sandbox *sb, const char *sock, WarrenError **err) {
        _cleanup_free_ char *resp = NULL;
        int r = net_server_request(sock, "{\"execute\": \"list_hostfwd\"}", &resp, err);
        if (r < 0)
                return r;
        r = net_control_check_response(resp, strlen(resp), err);
        if (r < 0)
                return r;
        _cleanup_json_ JsonValue *j = NULL;
        r = json_parse(resp, strlen(resp), NET_CONTROL_MAX_REQUEST * 16, &j, err);
        if (r < 0)
                return r;
        const JsonValue *entries = json_get_path(j, "return", "entries", NULL);
        JsonValue *ports = json_new_array();
        for (size_t i = 0; i < json_length(entries); i++) {
                const JsonValue *e = json_at(entries, i);
                uint32_t hp = 0, gp = 0;
                if (json_get_uint32(e, "host_port", NULL, &hp, NULL) < 0 ||
                    json_get_uint32(e, "guest_port", NULL, &gp, NULL) < 0)
                        continue;
                const char *proto = json_string(json_get(e, "proto"));
                const char *addr = json_string(json_get(e, "host_addr"));
                JsonValue *o = json_new_object();
                json_object_set(o, "proto", json_new_string(proto ? proto : "tcp"));
                json_object_set(o, "hostIp", json_new_string(addr ? addr : "0.0.0.0"));
                json_object_set(o, "hostPort", json_new_integer(hp));
                json_object_set(o, "containerPort", json_new_integer(gp));
                json_array_append(ports, o);
        }
        ext_set(sb, "ports", ports);
        return 0;
}

/* Unix socket paths are limited to 107 bytes: keep it short, in the runtime dir. */
static char *net_socket_path(Engine *e, const Sandbox *sb) {
        return xasprintf("%s/net-%.12s.sock", e->run_dir, sb->id);
}

/* The helper's last words (its log's last line, without its program-name prefix). */
static char *helper_last_line(const char *logp) {
        _cleanup_free_ char *log = NULL;
        if (read_file_capped(logp, 64 * 1024, &log, NULL, NULL) < 0 || !log)
                return xstrdup("");
        size_t n = strlen(log);
        while (n > 0 && log[n - 1] == '\n')
                log[--n] = 0;
        char *nl = strrchr(log, '\n');
        const char *last = nl ? nl + 1 : log;
        if (STARTS_WITH(last, "warren-net: "))
                last += strlen("warren-net: ");
        return xstrdup(last);
}

/* Start warren-net for the infra process; it exits when the infra process does. */
static int start_net_helper(Engine *e, Sandbox *sb, WarrenError **err) {
        _cleanup_free_ char *prog = NULL;
        int r = engine_program(e, "warren-net", &prog, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = engine_sandbox_dir(e, sb->id);
        _cleanup_free_ char *sock = net_socket_path(e, sb);
        _cleanup_free_ char *logp = path_join(dir, "net.log");
        _cleanup_strv_ char **argv = NULL;
        strv_push(&argv, prog);
        char fdbuf[16];
        snprintf(fdbuf, sizeof(fdbuf), "%d", 3);
        strv_push(&argv, "--ready-fd");
        strv_push(&argv, fdbuf);
        strv_push(&argv, "--api-socket");
        strv_push(&argv, sock);
        const char *opts = strmap_get(sb->config.network.options, "options");
        if (opts && *opts) {
                strv_push(&argv, "-o");
                strv_push(&argv, opts);
        }
        for (size_t i = 0; i < sb->config.n_port_mappings; i++) {
                NetPortSpec ps;
                if (mapping_to_spec(&sb->config.port_mappings[i], &ps) < 0)
                        return error_set(err, EINVAL, "sandbox `%s`: invalid port mapping %zu",
                                         sb->name, i);
                strv_push(&argv, "-p");
                strv_consume(&argv, net_port_spec_format(&ps));
        }
        char pidbuf[32];
        snprintf(pidbuf, sizeof(pidbuf), "%lld", (long long) sb->infra_pid);
        strv_push(&argv, pidbuf);

        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return error_set_errno(err, errno, "fork");
        }
        if (pid == 0) {
                setsid();
                /* Truncated: a failure is read back from this start's lines only. */
                int logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                dup2(null, STDIN_FILENO);
                dup2(logfd >= 0 ? logfd : null, STDOUT_FILENO);
                dup2(logfd >= 0 ? logfd : null, STDERR_FILENO);
                dup2(pipefd[1], 3); /* clears O_CLOEXEC on the copy */
                execv(argv[0], argv);
                _exit(127);
        }
        close(pipefd[1]);
        char c = 0;
        ssize_t n = -1;
        struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
        int pr;
        while ((pr = poll(&pfd, 1, NET_READY_TIMEOUT_MS)) < 0 && errno == EINTR)
                ;
        if (pr > 0)
                while ((n = read(pipefd[0], &c, 1)) < 0 && errno == EINTR)
                        ;
        close(pipefd[0]);
        if (n != 1) {
                int st = 0;
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                (void) unlink(sock);
                if (pr == 0)
                        return error_set(err, ETIMEDOUT,
                                         "the network helper did not come up within %d s",
                                         NET_READY_TIMEOUT_MS / 1000);
                _cleanup_free_ char *why = helper_last_line(logp);
                return error_set(err, EIO, "the network helper failed%s%s", *why ? ": " : "",
                                 why);
        }
        sb->network_helper_pid = pid;
        ext_set_u64(sb, "netStartTime", holder_process_start_time(pid));
        _cleanup_error_ WarrenError *lerr = NULL;
        if (read_back_ports(sb, sock, &lerr) < 0) {
                log_warning("read the published ports back from the network helper: %s",
                            lerr->msg);
                ext_set(sb, "ports", json_new_null()); /* not a previous start's */
        }
        return 0;
}

static int start_infra(Engine *e, Sandbox *sb, WarrenError **err) {
        _cleanup_free_ char *pause = NULL;
        int r = engine_program(e, "warren-pause", &pause, err);
        if (r < 0)
                return r;
        const char *mode = sb->config.network.mode ? sb->config.network.mode : "none";
        InfraOptions io = {
                .pause_path = pause,
                .hostname = sb->config.hostname,
                .host_network = STREQ(mode, "host"),
                .sandbox_id = sb->id,
        };
        InfraInfo info = {};
        r = infra_start(&io, &info, err);
        if (r < 0)
                return r;
        sb->infra_pid = info.pid;
        ext_set_u64(sb, "infraStartTime", info.start_time);
        free(sb->netns_path);
        sb->netns_path = io.host_network ? NULL : infra_ns_path(info.pid, "net");
        sb->network_helper_pid = 0;
        if (STREQ(mode, "slirp")) {
                r = start_net_helper(e, sb, err);
                if (r < 0) {
                        infra_stop(info.pid, info.start_time, 1000, NULL);
                        sb->infra_pid = 0;
                        return r;
                }
        }
        free(sb->state);
        sb->state = xstrdup("ready");
        return 0;
}

static void stop_processes(Engine *e, Sandbox *sb) {
        if (sandbox_net_alive(sb))
                infra_stop((pid_t) sb->network_helper_pid, ext_u64(sb, "netStartTime"), 2000, NULL);
        if (sandbox_infra_alive(sb))
                infra_stop((pid_t) sb->infra_pid, ext_u64(sb, "infraStartTime"), 2000, NULL);
        else if (!sb->infra_pid && !ext_u64(sb, "infraStartTime"))
                /* Never recorded a start: its creator may have died between starting the
                 * infra and recording it. Found by its argv. */
                (void) infra_kill_by_sandbox(sb->id);
        sb->infra_pid = 0;
        sb->network_helper_pid = 0;
        free(sb->state);
        sb->state = xstrdup("notready");
        /* A killed helper could not remove its control socket. */
        _cleanup_free_ char *sock = net_socket_path(e, sb);
        (void) unlink(sock);
}

/* -p specs, each port of a range one mapping (as docker records them); host port 0 stays 0
 * until the helper picks one. */
static int parse_publish(Sandbox *sb, char *const *publish, WarrenError **err) {
        STRV_FOREACH (p, publish) {
                NetPortSpec ps;
                int r = net_port_spec_parse(*p, &ps, err);
                if (r < 0)
                        return error_prefix(err, r, "invalid -p");
                /* no address: every one (0.0.0.0 and [::]); "::1" without brackets */
                char ip[NET_HOST_ADDR_STRLEN];
                net_host_addr_format(&ps.host_addr, false, ip);
                for (unsigned i = 0; i < ps.count; i++) {
                        sb->config.port_mappings = xreallocarray(sb->config.port_mappings,
                                                                 sb->config.n_port_mappings + 1,
                                                                 sizeof(SandboxPortMapping));
                        SandboxPortMapping *m =
                                &sb->config.port_mappings[sb->config.n_port_mappings++];
                        *m = (SandboxPortMapping){
                                .protocol = xstrdup(net_proto_to_string(ps.proto)),
                                .container_port = ps.container_port + i,
                                .host_port = ps.host_port ? ps.host_port + i : 0,
                                .host_ip = *ip ? xstrdup(ip) : NULL,
                        };
                }
        }
        return 0;
}

int sandboxes_create(Engine *e, const PodOptions *o, char **ret_id, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        sb.id = o->id ? xstrdup(o->id) : engine_new_id();
        sb.name = o->name ? xstrdup(o->name) : xstrndup(sb.id, 12);
        if (!store_name_valid(sb.name))
                return error_set(err, EINVAL,
                                 "invalid name `%s`: use letters, digits, '_', '.' and '-'",
                                 sb.name);
        sb.hidden = o->hidden;
        sb.config.hostname = xstrdup(o->hostname ? o->hostname : sb.name);
        if (strlen(sb.config.hostname) > 64)
                sb.config.hostname[64] = 0;
        const char *mode = network_mode(o->network);
        if (!STREQ(mode, "slirp") && !STREQ(mode, "none") && !STREQ(mode, "host"))
                return error_set(err, EINVAL, "invalid network `%s`: expected slirp, none or host",
                                 o->network);
        if (STREQ(mode, "slirp")) {
                _cleanup_free_ char *why = NULL;
                if (!host_probe_tun(&why)) {
                        log_warning("%s: slirp networking is unavailable, using --network none",
                                    why);
                        mode = "none";
                }
        }
        sb.config.network.mode = xstrdup(mode);
        if (STREQ(mode, "slirp") && network_opts(o->network)) {
                /* Checked here, so that a typo fails before anything starts. */
                NetAddrs a;
                int q = slirp_addrs(network_opts(o->network), &a, err);
                if (q < 0)
                        return error_prefix(err, q, "invalid --network `%s`", o->network);
                _cleanup_strv_ char **kv = strv_split(network_opts(o->network), ",");
                STRV_FOREACH (k, kv)
                        if (STARTS_WITH(*k, "api_socket") || STARTS_WITH(*k, "publish"))
                                return error_set(err, EINVAL,
                                                 "invalid --network `%s`: warren sets `%.*s` "
                                                 "itself (use -p to publish ports)",
                                                 o->network, (int) strcspn(*k, "="), *k);
                strmap_set(&sb.config.network.options, "options", network_opts(o->network));
        }
        if (o->publish && !STREQ(mode, "slirp"))
                return error_set(err, EINVAL, "-p needs slirp networking, not `%s`", mode);
        int r = parse_publish(&sb, o->publish, err);
        if (r < 0)
                return r;
        STRV_FOREACH (l, o->labels) {
                const char *eq = strchr(*l, '=');
                _cleanup_free_ char *k = xstrndup(*l, eq ? (size_t) (eq - *l) : strlen(*l));
                if (!*k)
                        return error_set(err, EINVAL, "invalid --label `%s`", *l);
                strmap_set(&sb.config.labels, k, eq ? eq + 1 : "");
        }
        sb.runtime.name = xstrdup("warren-runtime");
        sb.state = xstrdup("notready");
        sb.created_at = now_ns();

        /* The record first: a taken name fails before any process starts. */
        r = sandbox_store_create(e->sandboxes, &sb, err);
        if (r < 0)
                return r;
        r = write_sandbox_files(e, &sb, err);
        if (r >= 0)
                r = start_infra(e, &sb, err);
        if (r >= 0)
                r = sandbox_store_update_paths(e->sandboxes, sb.id, &sb,
                                               (char *[]){ "infra_pid", "network_helper_pid",
                                                           "netns_path", "state", "extensions",
                                                           NULL },
                                               NULL, err);
        if (r < 0) {
                stop_processes(e, &sb);
                _cleanup_free_ char *dir = engine_sandbox_dir(e, sb.id);
                rm_rf(dir, NULL);
                sandbox_store_delete(e->sandboxes, sb.id, NULL);
                return r;
        }
        if (ret_id)
                *ret_id = xstrdup(sb.id);
        return 0;
}

static int members(Engine *e, const char *id, StoreList *ret, WarrenError **err) {
        _cleanup_free_ char *expr = xasprintf("sandbox==%s", id);
        _cleanup_filter_ Filter *f = NULL;
        int r = filter_parse(expr, &f, err);
        if (r < 0)
                return r;
        return container_store_list(e->containers, f, ret, err);
}

int sandboxes_join_info(Engine *e, const char *id, SandboxJoin *ret, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, id, &sb, err);
        if (r < 0)
                return r;
        if (!sandbox_infra_alive(&sb))
                return error_set(err, ESRCH, "sandbox `%s` is not running; start it with `warren "
                                             "pod start %s`",
                                 sb.name, sb.name);
        SandboxJoin j = {};
        const char *mode = sb.config.network.mode ? sb.config.network.mode : "none";
        j.host_network = STREQ(mode, "host");
        if (!j.host_network)
                j.netns = infra_ns_path((pid_t) sb.infra_pid, "net");
        j.ipcns = infra_ns_path((pid_t) sb.infra_pid, "ipc");
        j.utsns = infra_ns_path((pid_t) sb.infra_pid, "uts");
        j.hostname = sb.config.hostname ? xstrdup(sb.config.hostname) : NULL;
        _cleanup_free_ char *dir = engine_sandbox_dir(e, sb.id);
        j.hosts_file = path_join(dir, "hosts");
        j.resolv_file = path_join(dir, "resolv.conf");
        *ret = j;
        return 0;
}

int sandboxes_add_member(Engine *e, const char *id, const char *container_name,
                         WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, id, &sb, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = engine_sandbox_dir(e, sb.id);
        _cleanup_free_ char *path = path_join(dir, "hosts");
        _cleanup_unlock_ int lock = -1;
        _cleanup_free_ char *lockp = path_join(dir, "hosts.lock");
        r = lock_file(lockp, true, &lock, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL;
        r = read_file_capped(path, 1 << 20, &text, NULL, err);
        if (r < 0)
                return r;
        const char *mode = sb.config.network.mode ? sb.config.network.mode : "none";
        char guest[INET_ADDRSTRLEN], gateway[INET_ADDRSTRLEN];
        sandbox_addrs(&sb, guest, gateway);
        _cleanup_free_ char *line =
                xasprintf("%s\t%s\n", STREQ(mode, "slirp") ? guest : "127.0.1.1", container_name);
        if (strstr(text, line))
                return 0;
        _cleanup_free_ char *updated = xasprintf("%s%s", text, line);
        /* Rewrite in place: the file is bind-mounted into running members, and a rename would
         * leave them with the old inode. */
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open `%s`", path);
        r = write_all(fd, updated, strlen(updated));
        close(fd);
        if (r < 0)
                return error_set_errno(err, -r, "write `%s`", path);
        return 0;
}

static const char *view_status(const SandboxView *v) {
        if (!v->infra_alive)
                return "Exited";
        /* The network helper died: the members have lost their network. */
        if (v->sb.config.network.mode && STREQ(v->sb.config.network.mode, "slirp") &&
            !v->net_helper_alive)
                return "Degraded";
        size_t n = strv_length(v->members);
        if (n == 0 || v->n_running == n)
                return "Running";
        if (v->n_running == 0)
                return "Created";
        return "Degraded";
}

static int fill_view(Engine *e, const Sandbox *sb, SandboxView *v, WarrenError **err) {
        *v = (SandboxView){};
        sandbox_copy(&v->sb, sb);
        v->infra_alive = !e->rebooted && sandbox_infra_alive(sb);
        v->net_helper_alive = !e->rebooted && sandbox_net_alive(sb);
        v->members = xnew(char *, 1);
        _cleanup_(store_list_clear) StoreList l = {};
        int r = members(e, sb->id, &l, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l.n; i++) {
                const Container *c = CONTAINER_LIST_AT(&l, i);
                strv_push(&v->members, c->id);
                _cleanup_(container_view_done) ContainerView cv = {};
                if (containers_get(e, c->id, &cv, NULL) >= 0 && cv.state == CONTAINER_RUNNING)
                        v->n_running++;
        }
        v->status = view_status(v);
        return 0;
}

int sandboxes_get(Engine *e, const char *key, SandboxView *ret, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, key, &sb, err);
        if (r < 0)
                return r;
        return fill_view(e, &sb, ret, err);
}

int sandboxes_list(Engine *e, bool include_hidden, SandboxView **ret, size_t *ret_n,
                   WarrenError **err) {
        _cleanup_(store_list_clear) StoreList l = {};
        int r = sandbox_store_list(e->sandboxes, NULL, &l, err);
        if (r < 0)
                return r;
        SandboxView *v = xnew(SandboxView, l.n + 1);
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++) {
                const Sandbox *sb = STORE_LIST_AT(&l, Sandbox, i);
                if (sb->hidden && !include_hidden)
                        continue;
                r = fill_view(e, sb, &v[n], err);
                if (r < 0) {
                        sandbox_views_free(v, n);
                        return r;
                }
                n++;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int sandboxes_start(Engine *e, const char *key, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, key, &sb, err);
        if (r < 0)
                return r;
        if (!sandbox_infra_alive(&sb) || e->rebooted) {
                r = write_sandbox_files(e, &sb, err);
                if (r < 0)
                        return r;
                r = start_infra(e, &sb, err);
                if (r < 0)
                        return error_prefix(err, r, "start sandbox `%s`", sb.name);
                r = sandbox_store_update_paths(e->sandboxes, sb.id, &sb,
                                               (char *[]){ "infra_pid", "network_helper_pid",
                                                           "netns_path", "state", "extensions",
                                                           NULL },
                                               NULL, err);
                if (r < 0) {
                        stop_processes(e, &sb);
                        return r;
                }
        } else if (sandboxes_net_helper_missing(&sb)) {
                /* The helper died (killed): a new one for the running infra process; its tap
                 * device went with the old one, so the members get their network back. */
                r = start_net_helper(e, &sb, err);
                if (r < 0)
                        return error_prefix(err, r, "start sandbox `%s`", sb.name);
                r = sandbox_store_update_paths(e->sandboxes, sb.id, &sb,
                                               (char *[]){ "network_helper_pid", "extensions",
                                                           NULL },
                                               NULL, err);
                if (r < 0)
                        return r;
        }
        if (sb.hidden)
                return 0; /* the implicit sandbox's one member is started by its caller */
        _cleanup_(store_list_clear) StoreList l = {};
        r = members(e, sb.id, &l, err);
        if (r < 0)
                return r;
        int ret = 0;
        for (size_t i = 0; i < l.n; i++) {
                const Container *c = CONTAINER_LIST_AT(&l, i);
                _cleanup_(container_view_done) ContainerView cv = {};
                if (containers_get(e, c->id, &cv, NULL) < 0 || cv.state == CONTAINER_RUNNING)
                        continue;
                _cleanup_error_ WarrenError *cerr = NULL;
                int q = containers_start(e, c->id, &cerr);
                if (q < 0 && ret == 0) {
                        ret = error_prefix(&cerr, q, "start member `%s`", c->name);
                        error_move(err, TAKE_PTR(cerr));
                }
        }
        return ret;
}

int sandboxes_stop(Engine *e, const char *key, int timeout_s, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, key, &sb, err);
        if (r < 0)
                return r;
        _cleanup_(store_list_clear) StoreList l = {};
        r = members(e, sb.id, &l, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l.n; i++) {
                const Container *c = CONTAINER_LIST_AT(&l, i);
                _cleanup_(container_view_done) ContainerView cv = {};
                if (containers_get(e, c->id, &cv, NULL) < 0 || cv.state == CONTAINER_STOPPED ||
                    cv.state == CONTAINER_CREATED)
                        continue;
                r = containers_stop(e, c->id, timeout_s, err);
                if (r < 0)
                        return error_prefix(err, r, "stop member `%s`", c->name);
        }
        stop_processes(e, &sb);
        return sandbox_store_update_paths(e->sandboxes, sb.id, &sb,
                                          (char *[]){ "infra_pid", "network_helper_pid", "state",
                                                      NULL },
                                          NULL, err);
}

int sandboxes_kill(Engine *e, const char *key, int sig, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, key, &sb, err);
        if (r < 0)
                return r;
        _cleanup_(store_list_clear) StoreList l = {};
        r = members(e, sb.id, &l, err);
        if (r < 0)
                return r;
        size_t killed = 0;
        for (size_t i = 0; i < l.n; i++) {
                const Container *c = CONTAINER_LIST_AT(&l, i);
                _cleanup_(container_view_done) ContainerView cv = {};
                if (containers_get(e, c->id, &cv, NULL) < 0 || cv.state != CONTAINER_RUNNING)
                        continue;
                r = containers_kill(e, c->id, sig, err);
                if (r < 0)
                        return error_prefix(err, r, "kill member `%s`", c->name);
                killed++;
        }
        if (killed == 0)
                return error_set(err, ESRCH, "pod `%s` has no running containers", sb.name);
        return 0;
}

int sandboxes_restart(Engine *e, const char *key, int timeout_s, WarrenError **err) {
        int r = sandboxes_stop(e, key, timeout_s, err);
        if (r < 0)
                return r;
        return sandboxes_start(e, key, err);
}

int sandboxes_remove(Engine *e, const char *key, bool force, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, key, &sb, err);
        if (r < 0)
                return r;
        _cleanup_(store_list_clear) StoreList l = {};
        r = members(e, sb.id, &l, err);
        if (r < 0)
                return r;
        if (!force)
                for (size_t i = 0; i < l.n; i++) {
                        const Container *c = CONTAINER_LIST_AT(&l, i);
                        _cleanup_(container_view_done) ContainerView cv = {};
                        if (containers_get(e, c->id, &cv, NULL) >= 0 &&
                            (cv.state == CONTAINER_RUNNING || cv.state == CONTAINER_PAUSED))
                                return error_set(err, EBUSY,
                                                 "pod `%s` has running container `%s`; stop it "
                                                 "first or use -f",
                                                 sb.name, c->name);
                }
        for (size_t i = 0; i < l.n; i++) {
                const Container *c = CONTAINER_LIST_AT(&l, i);
                _cleanup_error_ WarrenError *cerr = NULL;
                r = containers_remove(e, c->id, true, &cerr);
                if (r < 0 && r != -ENOENT) {
                        error_prefix(&cerr, r, "remove member `%s`", c->name);
                        return error_move(err, TAKE_PTR(cerr));
                }
        }
        stop_processes(e, &sb);
        _cleanup_free_ char *dir = engine_sandbox_dir(e, sb.id);
        r = rm_rf(dir, err);
        if (r < 0)
                return r;
        _cleanup_error_ WarrenError *derr = NULL;
        r = sandbox_store_delete(e->sandboxes, sb.id, &derr);
        if (r < 0 && r != -ENOENT)
                return error_move(err, TAKE_PTR(derr));
        return 0;
}

int sandboxes_remove_implicit(Engine *e, const char *id, WarrenError **err) {
        _cleanup_(sandbox_clear) Sandbox sb = {};
        int r = sandbox_store_get(e->sandboxes, id, &sb, err);
        if (r < 0)
                return r;
        if (!sb.hidden)
                return error_set(err, EINVAL, "sandbox `%s` is a pod, not an implicit sandbox",
                                 sb.name);
        stop_processes(e, &sb);
        _cleanup_free_ char *dir = engine_sandbox_dir(e, sb.id);
        (void) rm_rf(dir, NULL);
        _cleanup_error_ WarrenError *derr = NULL;
        r = sandbox_store_delete(e->sandboxes, sb.id, &derr);
        if (r < 0 && r != -ENOENT)
                return error_move(err, TAKE_PTR(derr));
        return 0;
}

int sandboxes_wait(Engine *e, const char *key, WarrenError **err) {
        for (;;) {
                _cleanup_(sandbox_clear) Sandbox sb = {};
                int r = sandbox_store_get(e->sandboxes, key, &sb, err);
                if (r < 0)
                        return r;
                if (!sandbox_infra_alive(&sb))
                        return 0;
                (void) waitpid((pid_t) sb.infra_pid, NULL, WNOHANG);
                nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
        }
}

JsonValue *sandboxes_inspect_json(Engine *e, const SandboxView *v) {
        const Sandbox *sb = &v->sb;
        JsonValue *o = json_new_object();
        json_object_set(o, "Id", json_new_string(sb->id));
        json_object_set(o, "Name", json_new_string(sb->name ? sb->name : ""));
        json_object_set(o, "State", json_new_string(v->status));
        json_object_set(o, "Hostname", json_new_string(sb->config.hostname ? sb->config.hostname : ""));
        json_object_set(o, "Created", json_new_integer(sb->created_at));
        JsonValue *infra = json_new_object();
        json_object_set(infra, "Pid", json_new_integer(v->infra_alive ? sb->infra_pid : 0));
        json_object_set(infra, "Running", json_new_bool(v->infra_alive));
        json_object_set(o, "Infra", infra);
        JsonValue *net = json_new_object();
        json_object_set(net, "Mode", json_new_string(sb->config.network.mode ? sb->config.network.mode : ""));
        json_object_set(net, "NetNSPath", json_new_string(sb->netns_path ? sb->netns_path : ""));
        json_object_set(net, "HelperPid",
                        json_new_integer(v->net_helper_alive ? sb->network_helper_pid : 0));
        json_object_set(net, "HelperRunning", json_new_bool(v->net_helper_alive));
        _cleanup_free_ SandboxPort *pp = NULL;
        size_t np = sandboxes_ports(sb, &pp);
        JsonValue *ports = sandboxes_ports_json(pp, np);
        json_object_set(net, "Ports", ports);
        const char *nopts = strmap_get(sb->config.network.options, "options");
        json_object_set(net, "Options", json_new_string(nopts ? nopts : ""));
        json_object_set(o, "Network", net);
        JsonValue *labels = json_new_object();
        for (char **l = sb->config.labels; l && l[0] && l[1]; l += 2)
                json_object_set(labels, l[0], json_new_string(l[1]));
        json_object_set(o, "Labels", labels);
        JsonValue *m = json_new_array();
        STRV_FOREACH (id, v->members)
                json_array_append(m, json_new_string(*id));
        json_object_set(o, "Containers", m);
        json_object_set(o, "NumContainers", json_new_integer((int64_t) strv_length(v->members)));
        return o;
}

int sandboxes_top(Engine *e, const char *key, char ***ret_lines, WarrenError **err) {
        _cleanup_(sandbox_view_done) SandboxView v = {};
        int r = sandboxes_get(e, key, &v, err);
        if (r < 0)
                return r;
        char **all = xnew(char *, 1);
        STRV_FOREACH (id, v.members) {
                _cleanup_strv_ char **lines = NULL;
                if (containers_top(e, *id, &lines, NULL) < 0)
                        continue;
                STRV_FOREACH (l, lines) {
                        if (all[0] && l == lines)
                                continue; /* one header */
                        strv_push(&all, *l);
                }
        }
        *ret_lines = all;
        return 0;
}

size_t sandboxes_ports(const Sandbox *sb, SandboxPort **ret) {
        const JsonValue *bound = json_get_path(sb->extensions, EXT_KEY, "ports", NULL);
        size_t n = json_is(bound, JSON_ARRAY) ? json_length(bound) : sb->config.n_port_mappings;
        SandboxPort *p = xnew(SandboxPort, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                SandboxPort *o = &p[k];
                const char *proto, *ip;
                int64_t hp = 0, cp = 0;
                if (json_is(bound, JSON_ARRAY)) {
                        const JsonValue *e = json_at(bound, i);
                        proto = json_string(json_get(e, "proto"));
                        ip = json_string(json_get(e, "hostIp"));
                        if (json_get_int64(e, "hostPort", NULL, &hp, NULL) < 0 ||
                            json_get_int64(e, "containerPort", NULL, &cp, NULL) < 0)
                                continue;
                } else {
                        const SandboxPortMapping *m = &sb->config.port_mappings[i];
                        proto = m->protocol;
                        ip = m->host_ip;
                        hp = m->host_port;
                        cp = m->container_port;
                }
                if (hp < 0 || hp > 65535 || cp <= 0 || cp > 65535)
                        continue;
                snprintf(o->proto, sizeof(o->proto), "%s", proto && STREQ(proto, "udp") ? "udp" : "tcp");
                snprintf(o->host_ip, sizeof(o->host_ip), "%s", ip && *ip ? ip : "0.0.0.0");
                o->host_port = (uint16_t) hp;
                o->container_port = (uint16_t) cp;
                k++;
        }
        *ret = p;
        return k;
}

static bool port_follows(const SandboxPort *a, const SandboxPort *b) {
        return STREQ(a->proto, b->proto) && STREQ(a->host_ip, b->host_ip) && a->host_port &&
               b->host_port == a->host_port + 1 && b->container_port == a->container_port + 1;
}

char *sandboxes_ports_text(const SandboxPort *p, size_t n) {
        _cleanup_strv_ char **parts = NULL;
        for (size_t i = 0; i < n;) {
                size_t j = i;
                while (j + 1 < n && port_follows(&p[j], &p[j + 1]))
                        j++;
                /* an IPv6 address in brackets, as docker shows it: [::]:8080->80/tcp */
                _cleanup_free_ char *ip = strchr(p[i].host_ip, ':')
                                                  ? xasprintf("[%s]", p[i].host_ip)
                                                  : xstrdup(p[i].host_ip);
                if (j == i)
                        strv_consume(&parts, xasprintf("%s:%u->%u/%s", ip,
                                                       (unsigned) p[i].host_port,
                                                       (unsigned) p[i].container_port, p[i].proto));
                else
                        strv_consume(&parts, xasprintf("%s:%u-%u->%u-%u/%s", ip,
                                                       (unsigned) p[i].host_port,
                                                       (unsigned) p[j].host_port,
                                                       (unsigned) p[i].container_port,
                                                       (unsigned) p[j].container_port, p[i].proto));
                i = j + 1;
        }
        return parts ? strv_join(parts, ", ") : xstrdup("");
}

JsonValue *sandboxes_ports_json(const SandboxPort *p, size_t n) {
        JsonValue *ports = json_new_array();
        for (size_t i = 0; i < n; i++) {
                JsonValue *pm = json_new_object();
                json_object_set(pm, "HostIp", json_new_string(p[i].host_ip));
                json_object_set(pm, "HostPort", json_new_integer(p[i].host_port));
                json_object_set(pm, "ContainerPort", json_new_integer(p[i].container_port));
                json_object_set(pm, "Protocol", json_new_string(p[i].proto));
                json_array_append(ports, pm);
        }
        return ports;
}
