/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The network helper's options: the command line of warren-net and the `key=value` list that
 * `--network slirp:mtu=1500,allow_host_loopback=true` will carry. Pure logic, no syscalls.
 *
 * Addresses follow from the CIDR as slirp4netns derives them: gateway/host = network + 2,
 * DNS = network + 3, the container's tap address = network + 100 (so the prefix is at most 25).
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/error.h"
#include "core/net-portspec.h"

#define NET_DEFAULT_MTU 65520U
#define NET_MIN_MTU 576U   /* IPv4's minimum; 1280 with enable_ipv6 */
#define NET_MAX_MTU 65521U /* libslirp's limit */
#define NET_DEFAULT_CIDR "10.0.2.0/24"
#define NET_DEFAULT_TAP "tap0"
#define NET_DEFAULT_RESOLV_CONF "/etc/resolv.conf"

typedef struct NetAddrs {
        struct in_addr network;
        struct in_addr netmask;
        unsigned prefix;
        struct in_addr gateway; /* network + 2: the host (10.0.2.2) */
        struct in_addr dns;     /* network + 3 (10.0.2.3) */
        struct in_addr guest;   /* network + 100 (10.0.2.100) */
} NetAddrs;

typedef struct NetOptions {
        /* target: a holder pid, or namespace paths */
        pid_t target_pid; /* 0 when paths are given */
        char *netns_path;
        char *userns_path; /* optional with netns_path */
        char *tap_name;
        uint32_t mtu;
        NetAddrs addrs;
        bool allow_host_loopback;
        bool enable_ipv6;
        bool sandbox;      /* default true */
        bool seccomp;      /* default true (when the helper can load a filter) */
        int ready_fd;      /* -1: none */
        int exit_fd;       /* -1: none; the helper exits when it becomes readable (EOF) */
        char *api_socket;  /* control socket path, NULL: none */
        char *resolv_conf; /* default /etc/resolv.conf */
        NetPortSpec *ports;
        size_t n_ports;
        bool debug;
        bool help;
        bool version;
} NetOptions;

void net_options_init(NetOptions *o);
void net_options_done(NetOptions *o);

/* One `key=value` (or a bare boolean `key`). Keys: mtu, cidr, allow_host_loopback, enable_ipv6,
 * tap, sandbox, seccomp, resolv_conf, api_socket, publish. Booleans take true/false/1/0/yes/no. */
int net_options_set(NetOptions *o, const char *key, const char *value, WarrenError **err);
/* "mtu=1500,allow_host_loopback=true" */
int net_options_parse_list(NetOptions *o, const char *list, WarrenError **err);
/* The command line (argv[0] is skipped). Long options `--mtu=N` or `--mtu N`, `-p SPEC`,
 * `-o LIST`, and one positional target: a PID or a netns path. */
int net_options_parse_argv(NetOptions *o, int argc, char *const *argv, WarrenError **err);
/* After parsing: a target is given, the MTU fits, etc. */
int net_options_validate(const NetOptions *o, WarrenError **err);

/* "10.0.2.0/24" -> addresses; the host bits of the network must be zero. */
int net_cidr_parse(const char *s, NetAddrs *ret, WarrenError **err);
int net_bool_parse(const char *s, bool *ret);

/* Usage text for --help (static). */
const char *net_options_usage(void);
