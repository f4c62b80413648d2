/* SPDX-License-Identifier: Apache-2.0 */
#include "core/net-options.h"

#include <arpa/inet.h>
#include <strings.h>

#include "basic/parse-util.h"
#include "basic/strv.h"
#include "basic/xalloc.h"

#define NET_MAX_PORTS 4096

void net_options_init(NetOptions *o) {
        *o = (NetOptions){
                .mtu = NET_DEFAULT_MTU,
                .sandbox = true,
                .seccomp = true,
                .ready_fd = -1,
                .exit_fd = -1,
        };
        int r = net_cidr_parse(NET_DEFAULT_CIDR, &o->addrs, NULL);
        (void)r;
}

void net_options_done(NetOptions *o) {
        free(o->netns_path);
        free(o->userns_path);
        free(o->tap_name);
        free(o->api_socket);
        free(o->resolv_conf);
        free(o->ports);
        *o = (NetOptions){.ready_fd = -1, .exit_fd = -1};
}

int net_bool_parse(const char *s, bool *ret) {
        static const char *const yes[] = {"1", "true", "yes", "on"};
        static const char *const no[] = {"0", "false", "no", "off"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

int net_cidr_parse(const char *s, NetAddrs *ret, WarrenError **err) {
        const char *slash = strchr(s, '/');
        if (!slash)
                return error_set(err, EINVAL, "cidr `%s`: expected ADDRESS/PREFIX", s);
        _cleanup_free_ char *ip = xstrndup(s, (size_t)(slash - s));
        struct in_addr net;
        if (net_ipv4_parse(ip, &net) < 0)
                return error_set(err, EINVAL, "cidr `%s`: invalid address `%s`", s, ip);
        uint32_t prefix;
        if (safe_atou32(slash + 1, &prefix) < 0 || prefix > 32)
                return error_set(err, EINVAL, "cidr `%s`: invalid prefix `%s`", s, slash + 1);
        if (prefix < 8 || prefix > 25)
                return error_set(err, EINVAL,
                                 "cidr `%s`: prefix must be between 8 and 25 (room for .100)", s);
        uint32_t mask = prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
        uint32_t n = ntohl(net.s_addr);
        if (n & ~mask)
                return error_set(err, EINVAL, "cidr `%s`: host bits are set", s);
        if ((n >> 24) == 127 || (n >> 24) == 0 || (n >> 28) >= 14)
                return error_set(err, EINVAL, "cidr `%s`: not a usable network", s);
        NetAddrs a = {.prefix = prefix};
        a.network.s_addr = htonl(n);
        a.netmask.s_addr = htonl(mask);
        a.gateway.s_addr = htonl(n + 2);
        a.dns.s_addr = htonl(n + 3);
        a.guest.s_addr = htonl(n + 100);
        *ret = a;
        return 0;
}

static int parse_uint_fd(const char *key, const char *value, int *ret, WarrenError **err) {
        int v;
        if (safe_atoi(value, &v) < 0 || v < 0)
                return error_set(err, EINVAL, "`%s`: invalid file descriptor `%s`", key, value);
        *ret = v;
        return 0;
}

static int set_string(char **dst, const char *key, const char *value, WarrenError **err) {
        if (!*value)
                return error_set(err, EINVAL, "`%s` must not be empty", key);
        free(*dst);
        *dst = xstrdup(value);
        return 0;
}

int net_options_set(NetOptions *o, const char *key, const char *value, WarrenError **err) {
        int r;
        bool b;
        bool is_bool = STREQ(key, "allow_host_loopback") || STREQ(key, "enable_ipv6") ||
                       STREQ(key, "sandbox") || STREQ(key, "seccomp") || STREQ(key, "debug");

        if (is_bool) {
                if (!value)
                        b = true;
                else if (net_bool_parse(value, &b) < 0)
                        return error_set(err, EINVAL, "`%s`: expected a boolean, got `%s`", key,
                                         value);
                if (STREQ(key, "allow_host_loopback"))
                        o->allow_host_loopback = b;
                else if (STREQ(key, "enable_ipv6"))
                        o->enable_ipv6 = b;
                else if (STREQ(key, "sandbox"))
                        o->sandbox = b;
                else if (STREQ(key, "seccomp"))
                        o->seccomp = b;
                else
                        o->debug = b;
                return 0;
        }

        if (!value)
                return error_set(err, EINVAL, "option `%s` needs a value", key);

        if (STREQ(key, "mtu")) {
                uint32_t mtu;
                if (safe_atou32(value, &mtu) < 0 || mtu < NET_MIN_MTU || mtu > NET_MAX_MTU)
                        return error_set(err, EINVAL, "mtu `%s`: must be between %u and %u", value,
                                         NET_MIN_MTU, NET_MAX_MTU);
                o->mtu = mtu;
                return 0;
        }
        if (STREQ(key, "cidr"))
                return net_cidr_parse(value, &o->addrs, err);
        if (STREQ(key, "tap")) {
                if (strlen(value) >= 16 || strchr(value, '/') || strpbrk(value, " \t\n:") ||
                    STREQ(value, ".") || STREQ(value, ".."))
                        return error_set(err, EINVAL, "invalid interface name `%s`", value);
                return set_string(&o->tap_name, key, value, err);
        }
        if (STREQ(key, "resolv_conf"))
                return set_string(&o->resolv_conf, key, value, err);
        if (STREQ(key, "api_socket"))
                return set_string(&o->api_socket, key, value, err);
        if (STREQ(key, "netns"))
                return set_string(&o->netns_path, key, value, err);
        if (STREQ(key, "userns"))
                return set_string(&o->userns_path, key, value, err);
        if (STREQ(key, "ready_fd"))
                return parse_uint_fd(key, value, &o->ready_fd, err);
        if (STREQ(key, "exit_fd"))
                return parse_uint_fd(key, value, &o->exit_fd, err);
        if (STREQ(key, "pid")) {
                int pid;
                if (safe_atoi(value, &pid) < 0 || pid <= 0)
                        return error_set(err, EINVAL, "invalid pid `%s`", value);
                o->target_pid = pid;
                return 0;
        }
        if (STREQ(key, "publish")) {
                NetPortSpec p;
                r = net_port_spec_parse(value, &p, err);
                if (r < 0)
                        return r;
                if (o->n_ports >= NET_MAX_PORTS)
                        return error_set(err, E2BIG, "too many published ports");
                o->ports = xreallocarray(o->ports, o->n_ports + 1, sizeof(*o->ports));
                o->ports[o->n_ports++] = p;
                return 0;
        }
        return error_set(err, EINVAL, "unknown option `%s`", key);
}

int net_options_parse_list(NetOptions *o, const char *list, WarrenError **err) {
        _cleanup_strv_ char **items = strv_split(list, ",");
        STRV_FOREACH (item, items) {
                char *eq = strchr(*item, '=');
                if (eq)
                        *eq = '\0';
                int r = net_options_set(o, *item, eq ? eq + 1 : NULL, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Long option name -> key for net_options_set, and whether it takes a value. */
static const struct {
        const char *name;
        const char *key;
        bool has_value;
} long_options[] = {
        {"mtu", "mtu", true},
        {"cidr", "cidr", true},
        {"allow-host-loopback", "allow_host_loopback", false},
        {"enable-ipv6", "enable_ipv6", false},
        {"tap", "tap", true},
        {"no-sandbox", "sandbox", false},
        {"no-seccomp", "seccomp", false},
        {"resolv-conf", "resolv_conf", true},
        {"api-socket", "api_socket", true},
        {"netns", "netns", true},
        {"userns", "userns", true},
        {"ready-fd", "ready_fd", true},
        {"exit-fd", "exit_fd", true},
        {"publish", "publish", true},
        {"debug", "debug", false},
};

int net_options_parse_argv(NetOptions *o, int argc, char *const *argv, WarrenError **err) {
        bool only_positional = false;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *value = NULL;

                if (only_positional || a[0] != '-' || STREQ(a, "-")) {
                        if (o->target_pid || o->netns_path)
                                return error_set(err, EINVAL, "unexpected argument `%s`", a);
                        if (a[0] && strspn(a, "0123456789") == strlen(a))
                                r = net_options_set(o, "pid", a, err);
                        else
                                r = net_options_set(o, "netns", a, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (STREQ(a, "--")) {
                        only_positional = true;
                        continue;
                }
                if (STREQ(a, "-h") || STREQ(a, "--help")) {
                        o->help = true;
                        continue;
                }
                if (STREQ(a, "--version")) {
                        o->version = true;
                        continue;
                }
                if (STREQ(a, "-p") || STREQ(a, "-o")) {
                        if (i + 1 >= argc)
                                return error_set(err, EINVAL, "option `%s` needs a value", a);
                        value = argv[++i];
                        r = a[1] == 'p' ? net_options_set(o, "publish", value, err)
                                        : net_options_parse_list(o, value, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (a[1] != '-')
                        return error_set(err, EINVAL, "unknown option `%s`", a);

                const char *name = a + 2;
                const char *eq = strchr(name, '=');
                size_t len = eq ? (size_t)(eq - name) : strlen(name);
                size_t k;
                for (k = 0; k < ELEMENTSOF(long_options); k++)
                        if (strlen(long_options[k].name) == len &&
                            strncmp(long_options[k].name, name, len) == 0)
                                break;
                if (k == ELEMENTSOF(long_options))
                        return error_set(err, EINVAL, "unknown option `%s`", a);

                if (long_options[k].has_value) {
                        if (eq)
                                value = eq + 1;
                        else if (i + 1 < argc)
                                value = argv[++i];
                        else
                                return error_set(err, EINVAL, "option `--%s` needs a value",
                                                 long_options[k].name);
                } else if (eq)
                        return error_set(err, EINVAL, "option `--%s` takes no value",
                                         long_options[k].name);
                else if (STARTS_WITH(long_options[k].name, "no-"))
                        value = "false";

                r = net_options_set(o, long_options[k].key, value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int net_options_validate(const NetOptions *o, WarrenError **err) {
        if (o->help || o->version)
                return 0;
        if (!o->target_pid && !o->netns_path)
                return error_set(err, EINVAL, "no target: give a PID or --netns PATH");
        if (o->target_pid && o->netns_path)
                return error_set(err, EINVAL, "give either a PID or --netns, not both");
        if (o->userns_path && !o->netns_path)
                return error_set(err, EINVAL, "--userns needs --netns");
        if (o->enable_ipv6 && o->mtu < 1280)
                return error_set(err, EINVAL, "mtu `%u`: ipv6 needs at least 1280",
                                 (unsigned)o->mtu);
        return 0;
}

const char *net_options_usage(void) {
        return "usage: warren-net [OPTIONS] PID|--netns PATH\n"
               "       warren-net control SOCKET REQUEST-JSON\n"
               "\n"
               "User-mode networking (libslirp) for a network namespace: creates a tap device\n"
               "in the target namespace (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) and\n"
               "forwards its traffic through the host's network namespace.\n"
               "\n"
               "  PID                     join /proc/PID/ns/{user,net}; exit when PID exits\n"
               "  --netns PATH            the target network namespace\n"
               "  --userns PATH           its user namespace (optional with --netns)\n"
               "  --tap NAME              interface name (default tap0)\n"
               "  --mtu N                 MTU (default 65520)\n"
               "  --cidr A.B.C.D/N        virtual network (default 10.0.2.0/24)\n"
               "  --allow-host-loopback   let the gateway address reach the host's 127.0.0.1\n"
               "  --enable-ipv6           IPv6 (fd00::/64, gateway fd00::2, DNS fd00::3)\n"
               "  --resolv-conf PATH      the host resolvers DNS is forwarded to\n"
               "                          (default /etc/resolv.conf)\n"
               "  -p, --publish SPEC      [hostip:]hostport:containerport[/tcp|/udp]; an IPv6\n"
               "                          hostip in brackets ([::1]:8080:80); without hostip\n"
               "                          on 0.0.0.0 and [::]\n"
               "  --api-socket PATH       control socket (JSON requests, mode 0600)\n"
               "  --ready-fd FD           write \"1\" to FD once the tap is up\n"
               "  --exit-fd FD            exit when FD reaches EOF\n"
               "  --no-sandbox            skip the mount namespace and capability drop\n"
               "  --no-seccomp            skip the seccomp filter\n"
               "  -o KEY=VALUE[,...]      the same options by their key names (mtu, cidr,\n"
               "                          allow_host_loopback, enable_ipv6, ...)\n"
               "  --debug                 log decisions to stderr\n"
               "  -h, --help, --version\n";
}
