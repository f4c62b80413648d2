#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# warren-net, the libslirp network helper, on network namespaces the tests create themselves
# (`unshare -Urn sleep infinity` holders). Traffic stays on loopback and in those namespaces.
# pass: rootless

load helpers

WARREN_NET=$WARREN_STAGE/bin/warren-net
PY=/usr/bin/python3
# servers and clients for TCP, UDP and DNS (tests/lib/nettool.py says how each behaves)
TOOL=$(cd "$BATS_TEST_DIRNAME/../lib" && pwd)/nettool.py

setup() {
        common_setup
        require_feature userns tun
        [ -x "$PY" ] || skip "needs python3"
        HOLDER_PID=
        HELPER_PID=
        BG_PIDS=()
}

teardown() {
        local p
        for p in "${BG_PIDS[@]}" $HELPER_PID $HOLDER_PID; do
                kill "$p" 2>/dev/null || true
        done
}

# netns_differs PID OTHER: PID has left OTHER's network namespace (unshare is done).
netns_differs() {
        [ "$(readlink "/proc/$1/ns/net")" != "$(readlink "/proc/$2/ns/net")" ]
}

# A holder process in a new user + network namespace.
start_holder() {
        unshare --user --map-root-user --net sleep infinity 3>&- &
        HOLDER_PID=$!
        wait_for netns_differs "$HOLDER_PID" $$
}

in_ns() {
        nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$@"
}

# start_helper [OPTIONS...]: warren-net for the holder, waiting for its ready signal.
start_helper() {
        rm -f "$TEST_TMP/ready"
        "$WARREN_NET" --api-socket "$TEST_TMP/net.sock" --ready-fd 3 "$@" "$HOLDER_PID" \
                3>"$TEST_TMP/ready" >"$TEST_TMP/net.out" 2>"$TEST_TMP/net.err" &
        HELPER_PID=$!
        if ! wait_for grep -q 1 "$TEST_TMP/ready"; then
                cat "$TEST_TMP/net.err" >&2
                return 1
        fi
}

bg() {
        "$@" 3>&- &
        BG_PIDS+=($!)
}

free_port() { "$PY" "$TOOL" free-port "${1:-tcp}"; }

# IPv6 host addresses need ::1 on the host's loopback (not there with the kernel's
# ipv6.disable=1 or net.ipv6.conf.lo.disable_ipv6=1)
require_ipv6_lo() {
        ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' ||
                skip "no IPv6 on the loopback (\`ip -6 addr show lo\` shows no ::1)"
}

in_ns_bg() { bg nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$@"; }

@test "net: tap0 gets 10.0.2.100/24, the default route via 10.0.2.2 and MTU 65520" {
        start_holder
        start_helper
        run in_ns ip -4 addr show dev tap0
        [ "$status" -eq 0 ]
        assert_contains "$output" "inet 10.0.2.100/24"
        run in_ns ip link show dev tap0
        assert_contains "$output" "mtu 65520"
        assert_contains "$output" "UP"
        run in_ns ip link show dev lo
        assert_contains "$output" "UP"
        run in_ns ip route show default
        assert_contains "$output" "default via 10.0.2.2 dev tap0"
}

@test "net: mtu and cidr options" {
        start_holder
        start_helper --mtu 1500 -o cidr=10.9.0.0/24
        run in_ns ip -4 addr show dev tap0
        assert_contains "$output" "inet 10.9.0.100/24"
        run in_ns ip link show dev tap0
        assert_contains "$output" "mtu 1500"
        run in_ns ip route show default
        assert_contains "$output" "default via 10.9.0.2"
}

@test "net: enable_ipv6 gives tap0 fd00::100/64 and a route via fd00::2" {
        start_holder
        start_helper --enable-ipv6
        run in_ns ip -6 addr show dev tap0
        assert_contains "$output" "inet6 fd00::100/64"
        run in_ns ip -6 route show default
        assert_contains "$output" "default via fd00::2 dev tap0"
}

@test "net: bad options are refused with a message" {
        run "$WARREN_NET" --mtu 10 1
        [ "$status" -eq 2 ]
        assert_contains "$output" "mtu \`10\`"
        run "$WARREN_NET" -p 80:90-91 1
        [ "$status" -eq 2 ]
        assert_contains "$output" "port \`80:90-91\`"
        run "$WARREN_NET"
        [ "$status" -eq 2 ]
        assert_contains "$output" "no target"
}

@test "net: the host's loopback is not reachable at 10.0.2.2 by default" {
        local port
        port=$(free_port)
        bg "$PY" "$TOOL" tcp-serve 127.0.0.1 "$port" hello-host "$TEST_TMP/srv.log" "$TEST_TMP/srv.ready"
        wait_for test -e "$TEST_TMP/srv.ready"
        start_holder
        start_helper
        # refused at once (a RST from the helper), not left to time out
        SECONDS=0
        run in_ns "$PY" "$TOOL" tcp-client 10.0.2.2 "$port" x
        [ "$status" -ne 0 ]
        assert_not_contains "$output" "hello-host"
        assert_contains "$output" "ConnectionRefusedError"
        [ "$SECONDS" -lt 3 ]
        # nor through any other address of the virtual network
        run in_ns "$PY" "$TOOL" tcp-client 10.0.2.77 "$port" x
        [ "$status" -ne 0 ]
        assert_not_contains "$output" "hello-host"
        [ ! -s "$TEST_TMP/srv.log" ]
}

@test "net: allow_host_loopback makes the host's 127.0.0.1 reachable at 10.0.2.2" {
        local port
        port=$(free_port)
        bg "$PY" "$TOOL" tcp-serve 127.0.0.1 "$port" hello-host "$TEST_TMP/srv.log" "$TEST_TMP/srv.ready"
        wait_for test -e "$TEST_TMP/srv.ready"
        start_holder
        start_helper --allow-host-loopback
        run in_ns "$PY" "$TOOL" tcp-client 10.0.2.2 "$port" from-ns
        [ "$status" -eq 0 ]
        [ "$output" = hello-host ]
        # the host sees the helper's loopback connection
        run cat "$TEST_TMP/srv.log"
        assert_contains "$output" "peer=127.0.0.1 data=from-ns"
}

@test "net: a published TCP port reaches a server in the namespace, client shown as 10.0.2.2" {
        local hp
        hp=$(free_port)
        start_holder
        start_helper -p "127.0.0.1:$hp:8080"
        run cat "$TEST_TMP/net.out"
        assert_contains "$output" "published 127.0.0.1:$hp:8080/tcp"
        bg nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$PY" "$TOOL" tcp-serve 0.0.0.0 8080 pong "$TEST_TMP/ns.log" "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$hp" ping
        [ "$status" -eq 0 ]
        [ "$output" = pong ]
        wait_for grep -q ping "$TEST_TMP/ns.log"
        run cat "$TEST_TMP/ns.log"
        assert_contains "$output" "peer=10.0.2.2 data=ping"
}

@test "net: a published UDP port round-trips" {
        local hp
        hp=$(free_port udp)
        start_holder
        start_helper -p "127.0.0.1:$hp:9090/udp"
        bg nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$PY" "$TOOL" udp-echo 9090 --ready "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        run "$PY" "$TOOL" udp-client 127.0.0.1 "$hp" datagram
        [ "$status" -eq 0 ]
        [ "$output" = "echo:datagram from 10.0.2.2" ]
}

@test "net: control socket adds, lists and removes ports; a port in use is a clear error" {
        local busy hp
        start_holder
        start_helper
        [ "$(stat -c %a "$TEST_TMP/net.sock")" = 600 ]
        busy=$(free_port)
        bg "$PY" "$TOOL" tcp-serve 127.0.0.1 "$busy" x "$TEST_TMP/busy.log" "$TEST_TMP/busy.ready"
        wait_for test -e "$TEST_TMP/busy.ready"
        run "$WARREN_NET" control "$TEST_TMP/net.sock" \
                "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"127.0.0.1\",\"host_port\":$busy,\"guest_port\":80}}"
        [ "$status" -eq 1 ]
        assert_contains "$output" "EADDRINUSE"
        assert_contains "$output" "host port \`127.0.0.1:$busy/tcp\` is already in use"

        # host port 0: the helper picks one and says which
        run "$WARREN_NET" control "$TEST_TMP/net.sock" \
                '{"execute":"add_hostfwd","arguments":{"spec":"127.0.0.1:0:8080"}}'
        [ "$status" -eq 0 ]
        assert_contains "$output" '"id":1'
        hp=$(printf '%s' "$output" | sed -n 's/.*"host_port":\([0-9]*\).*/\1/p')
        [ -n "$hp" ] && [ "$hp" -gt 0 ]
        bg nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$PY" "$TOOL" tcp-serve 0.0.0.0 8080 pong "$TEST_TMP/ns.log" "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$hp" ping
        [ "$output" = pong ]

        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"list_hostfwd"}'
        [ "$status" -eq 0 ]
        assert_contains "$output" "\"host_port\":$hp"
        run "$WARREN_NET" control "$TEST_TMP/net.sock" \
                '{"execute":"remove_hostfwd","arguments":{"id":1}}'
        [ "$status" -eq 0 ]
        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"list_hostfwd"}'
        assert_contains "$output" '"entries":[]'
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$hp" ping
        [ "$status" -ne 0 ]
        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"nope"}'
        [ "$status" -eq 1 ]
        assert_contains "$output" "unknown command"
}

@test "net: IPv6 host addresses: TCP and UDP through [::1] reach the namespace's IPv4 address" {
        require_ipv6_lo
        local hp up
        hp=$(free_port)
        up=$(free_port udp)
        start_holder
        start_helper -p "[::1]:$hp:8080" -p "[::1]:$up:9090/udp"
        run cat "$TEST_TMP/net.out"
        assert_contains "$output" "published [::1]:$hp:8080/tcp id 1 proxied"
        assert_contains "$output" "published [::1]:$up:9090/udp id 2 proxied"
        in_ns_bg "$PY" "$TOOL" tcp-serve 0.0.0.0 8080 pong "$TEST_TMP/ns.log" "$TEST_TMP/ns.ready"
        in_ns_bg "$PY" "$TOOL" udp-echo 9090 --ready "$TEST_TMP/udp.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/udp.ready"
        run "$PY" "$TOOL" tcp-client ::1 "$hp" ping6
        [ "$status" -eq 0 ]
        [ "$output" = pong ]
        wait_for grep -q ping6 "$TEST_TMP/ns.log"
        run cat "$TEST_TMP/ns.log"
        assert_contains "$output" "peer=10.0.2.2 data=ping6"
        # udp-client takes only replies from [::1]:$up
        run "$PY" "$TOOL" udp-client ::1 "$up" d1 d2
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'echo:%s from 10.0.2.2\n' d1 d2)" ]
        # nothing on 127.0.0.1
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$hp" x
        [ "$status" -ne 0 ]
        # a message larger than the proxy's 64 KiB buffer, then the half-close, then the answer
        local big
        big=$(head -c 100000 /dev/zero | tr '\0' a)
        run "$PY" "$TOOL" tcp-client ::1 "$hp" "$big"
        [ "$output" = pong ]
        wait_for grep -q "data=aaa" "$TEST_TMP/ns.log"
        [ "$(awk '/data=aaa/ { print length($0) }' "$TEST_TMP/ns.log")" = $((19 + 100000)) ]

        # the control socket: the -p syntax, a picked port, and host_addr without brackets
        run "$WARREN_NET" control "$TEST_TMP/net.sock" \
                '{"execute":"add_hostfwd","arguments":{"spec":"[::1]::8080"}}'
        [ "$status" -eq 0 ]
        assert_contains "$output" '"host_addr":"::1"'
        local picked
        picked=$(printf '%s' "$output" | sed -n 's/.*"host_port":\([0-9]*\).*/\1/p')
        [ "$picked" -gt 0 ]
        run "$PY" "$TOOL" tcp-client ::1 "$picked" via-picked
        [ "$output" = pong ]
        run "$WARREN_NET" control "$TEST_TMP/net.sock" \
                '{"execute":"add_hostfwd","arguments":{"host_addr":"::1","host_port":0,"guest_port":8080}}'
        [ "$status" -eq 0 ]
        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"remove_hostfwd","arguments":{"id":3}}'
        [ "$status" -eq 0 ]
        run "$PY" "$TOOL" tcp-client ::1 "$picked" x
        [ "$status" -ne 0 ]
}

@test "net: a port without host address is published on 0.0.0.0 and [::]" {
        require_ipv6_lo
        local hp up
        hp=$(free_port)
        up=$(free_port udp)
        start_holder
        start_helper -p "$hp:8080" -p "$up:9090/udp" -p 8080
        run cat "$TEST_TMP/net.out"
        assert_contains "$output" "published 0.0.0.0:$hp:8080/tcp id 1
published [::]:$hp:8080/tcp id 2 proxied
published 0.0.0.0:$up:9090/udp id 3
published [::]:$up:9090/udp id 4 proxied"
        # host port 0: the same picked port on both
        local picked
        picked=$(sed -n 's/^published 0\.0\.0\.0:\([0-9]*\):8080\/tcp id 5$/\1/p' "$TEST_TMP/net.out")
        [ -n "$picked" ]
        assert_contains "$output" "published [::]:$picked:8080/tcp id 6 proxied"
        in_ns_bg "$PY" "$TOOL" tcp-serve 0.0.0.0 8080 pong "$TEST_TMP/ns.log" "$TEST_TMP/ns.ready"
        in_ns_bg "$PY" "$TOOL" udp-echo 9090 --ready "$TEST_TMP/udp.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/udp.ready"
        local host
        for host in 127.0.0.1 ::1; do
                run "$PY" "$TOOL" tcp-client "$host" "$hp" "via-$host"
                [ "$output" = pong ]
                run "$PY" "$TOOL" tcp-client "$host" "$picked" "picked-$host"
                [ "$output" = pong ]
                run "$PY" "$TOOL" udp-client "$host" "$up" "u-$host"
                [ "$status" -eq 0 ]
                [ "$output" = "echo:u-$host from 10.0.2.2" ]
        done
        # both families at once, interleaved
        "$PY" "$TOOL" udp-client 127.0.0.1 "$up" v4-a v4-b v4-c >"$TEST_TMP/v4.out" 2>&1 3>&- &
        local v4=$!
        BG_PIDS+=($v4)
        run "$PY" "$TOOL" udp-client ::1 "$up" v6-a v6-b v6-c
        [ "$status" -eq 0 ]
        wait "$v4"
        [ "$(cat "$TEST_TMP/v4.out")" = "$(printf 'echo:v4-%s from 10.0.2.2\n' a b c)" ]

        # the proxy of [::] goes through 0.0.0.0's libslirp socket: that one stays while [::] does
        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"remove_hostfwd","arguments":{"id":3}}'
        [ "$status" -eq 1 ]
        assert_contains "$output" "EBUSY"
        assert_contains "$output" "remove those first"
        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"remove_hostfwd","arguments":{"id":4}}'
        [ "$status" -eq 0 ]
        run "$WARREN_NET" control "$TEST_TMP/net.sock" '{"execute":"remove_hostfwd","arguments":{"id":3}}'
        [ "$status" -eq 0 ]
}

@test "net: a host port in use on ::1 or [::] is a clear error" {
        require_ipv6_lo
        local busy
        busy=$(free_port)
        bg "$PY" "$TOOL" hold ::1 "$busy" "$TEST_TMP/hold.ready"
        wait_for test -e "$TEST_TMP/hold.ready"
        start_holder
        run timeout 10 "$WARREN_NET" -p "[::1]:$busy:80" "$HOLDER_PID"
        [ "$status" -eq 1 ]
        assert_contains "$output" "publish: host port \`[::1]:$busy/tcp\` is already in use"
        # without host address, [::] is part of the request: taken there is taken
        run timeout 10 "$WARREN_NET" -p "$busy:80" "$HOLDER_PID"
        [ "$status" -eq 1 ]
        assert_contains "$output" "host port \`[::]:$busy/tcp\` is already in use"
        # an address the host does not have
        run timeout 10 "$WARREN_NET" -p "[2001:db8::7]:$busy:80" "$HOLDER_PID"
        [ "$status" -eq 1 ]
        assert_contains "$output" "host address \`2001:db8::7\` is not on this host"
        # and bad forms are usage errors
        run "$WARREN_NET" -p "[::1:$busy:80" "$HOLDER_PID"
        [ "$status" -eq 2 ]
        assert_contains "$output" "missing \`]\`"
        run "$WARREN_NET" -p "::1:$busy:80" "$HOLDER_PID"
        [ "$status" -eq 2 ]
        assert_contains "$output" "goes in brackets: \`[::1]:$busy:80\`"
}

@test "net: two host ports of one container UDP port: replies leave from the port each client asked" {
        local a b
        a=$(free_port udp)
        b=$(free_port udp)
        start_holder
        start_helper -p "127.0.0.1:$a:9090/udp" -p "127.0.0.1:$b:9090/udp"
        run cat "$TEST_TMP/net.out"
        assert_contains "$output" "published 127.0.0.1:$a:9090/udp id 1
published 127.0.0.1:$b:9090/udp id 2 proxied"
        in_ns_bg "$PY" "$TOOL" udp-echo 9090 --ready "$TEST_TMP/udp.ready"
        wait_for test -e "$TEST_TMP/udp.ready"
        udp_two_ports_answer "$a" "$b"
}

@test "net: a host without IPv6 publishes on 0.0.0.0 only (disable_ipv6 in a host namespace of our own)" {
        unshare --user --map-root-user --net sh -c 'ip link set lo up && exec sleep infinity' 3>&- &
        local host_pid=$!
        BG_PIDS+=($host_pid)
        wait_for netns_differs "$host_pid" $$
        local on_host=(nsenter --user --net --preserve-credentials -t "$host_pid")
        wait_for "${on_host[@]}" ip addr show lo up
        "${on_host[@]}" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
                echo 1 >/proc/sys/net/ipv6/conf/lo/disable_ipv6'
        run "${on_host[@]}" ip -6 addr show dev lo
        assert_not_contains "$output" "::1"

        "${on_host[@]}" unshare --user --map-root-user --net sleep infinity 3>&- &
        HOLDER_PID=$!
        wait_for netns_differs "$HOLDER_PID" "$host_pid"
        # asked for explicitly, IPv6 fails
        run "${on_host[@]}" timeout 10 "$WARREN_NET" -p "[::1]:8001:80" "$HOLDER_PID"
        [ "$status" -eq 1 ]
        assert_contains "$output" "host address \`::1\`: ipv6 is not available on this host"
        # without host address, [::] is left out with a debug line
        rm -f "$TEST_TMP/ready"
        "${on_host[@]}" "$WARREN_NET" --debug --ready-fd 3 -p 8000:8080 -p 8002:9090/udp "$HOLDER_PID" \
                3>"$TEST_TMP/ready" >"$TEST_TMP/net.out" 2>"$TEST_TMP/net.err" &
        HELPER_PID=$!
        wait_for grep -q 1 "$TEST_TMP/ready"
        run cat "$TEST_TMP/net.out"
        [ "$output" = "$(printf 'published 0.0.0.0:8000:8080/tcp id 1\npublished 0.0.0.0:8002:9090/udp id 2')" ]
        run cat "$TEST_TMP/net.err"
        assert_contains "$output" "publish \`8000:8080/tcp\` on 0.0.0.0 only"
        in_ns_bg "$PY" "$TOOL" tcp-serve 0.0.0.0 8080 pong "$TEST_TMP/ns.log" "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        run "${on_host[@]}" "$PY" "$TOOL" tcp-client 127.0.0.1 8000 no-v6
        [ "$output" = pong ]
}

@test "net: DNS at 10.0.2.3 is forwarded to the host's resolver (a 127.0.0.x one)" {
        # An unprivileged user cannot bind port 53 on the real host, so the "host" here is a
        # namespace of our own (HOST_PID): the resolver and warren-net run in it, and the
        # container namespace is created from inside it.
        unshare --user --map-root-user --net sh -c 'ip link set lo up && exec sleep infinity' 3>&- &
        local host_pid=$!
        BG_PIDS+=($host_pid)
        wait_for netns_differs "$host_pid" $$
        local on_host=(nsenter --user --net --preserve-credentials -t "$host_pid")
        wait_for "${on_host[@]}" ip addr show lo up
        bg "${on_host[@]}" "$PY" "$TOOL" dns-serve 127.0.0.53 db.example.test 192.0.2.7 "$TEST_TMP/dns.ready"
        wait_for test -e "$TEST_TMP/dns.ready"
        printf 'nameserver 127.0.0.53\noptions edns0\n' >"$TEST_TMP/resolv.conf"

        "${on_host[@]}" unshare --user --map-root-user --net sleep infinity 3>&- &
        HOLDER_PID=$!
        wait_for netns_differs "$HOLDER_PID" "$host_pid"
        rm -f "$TEST_TMP/ready"
        "${on_host[@]}" "$WARREN_NET" --ready-fd 3 --resolv-conf "$TEST_TMP/resolv.conf" \
                "$HOLDER_PID" 3>"$TEST_TMP/ready" 2>"$TEST_TMP/net.err" &
        HELPER_PID=$!
        wait_for grep -q 1 "$TEST_TMP/ready"

        run in_ns busybox nslookup db.example.test 10.0.2.3
        echo "$output"
        [ "$status" -eq 0 ]
        assert_contains "$output" "192.0.2.7"
        run in_ns busybox nslookup missing.example.test 10.0.2.3
        assert_contains "$output" "NXDOMAIN"
}

@test "net: a client on another network keeps its address (veth pair between test namespaces)" {
        # "host" namespace H runs warren-net; client namespace C is joined to H by a veth pair;
        # the container namespace (HOLDER_PID) is created from inside H. All made here.
        unshare --user --map-root-user --net sh -c 'ip link set lo up && exec sleep infinity' 3>&- &
        local host_pid=$!
        BG_PIDS+=($host_pid)
        wait_for netns_differs "$host_pid" $$
        local on_host=(nsenter --user --net --preserve-credentials -t "$host_pid")
        "${on_host[@]}" unshare --user --map-root-user --net sleep infinity 3>&- &
        local client_pid=$!
        BG_PIDS+=($client_pid)
        wait_for netns_differs "$client_pid" "$host_pid"
        local on_client=(nsenter --user --net --preserve-credentials -t "$client_pid")
        "${on_host[@]}" ip link add wnv0 type veth peer name wnv1 netns "$client_pid"
        "${on_host[@]}" ip addr add 192.168.77.1/24 dev wnv0
        "${on_host[@]}" ip link set wnv0 up
        "${on_client[@]}" ip addr add 192.168.77.2/24 dev wnv1
        "${on_client[@]}" ip link set wnv1 up

        "${on_host[@]}" unshare --user --map-root-user --net sleep infinity 3>&- &
        HOLDER_PID=$!
        wait_for netns_differs "$HOLDER_PID" "$host_pid"
        rm -f "$TEST_TMP/ready"
        "${on_host[@]}" "$WARREN_NET" --ready-fd 3 -p 8000:8080 -p 8001:9090/udp "$HOLDER_PID" \
                3>"$TEST_TMP/ready" 2>"$TEST_TMP/net.err" &
        HELPER_PID=$!
        wait_for grep -q 1 "$TEST_TMP/ready"

        bg nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$PY" "$TOOL" tcp-serve 0.0.0.0 8080 pong "$TEST_TMP/ns.log" "$TEST_TMP/ns.ready"
        bg nsenter --user --net --preserve-credentials -t "$HOLDER_PID" "$PY" "$TOOL" udp-echo 9090 --ready "$TEST_TMP/udp.ready"
        wait_for test -e "$TEST_TMP/ns.ready"
        wait_for test -e "$TEST_TMP/udp.ready"
        run "${on_client[@]}" "$PY" "$TOOL" tcp-client 192.168.77.1 8000 from-veth
        [ "$status" -eq 0 ]
        [ "$output" = pong ]
        wait_for grep -q from-veth "$TEST_TMP/ns.log"
        run cat "$TEST_TMP/ns.log"
        assert_contains "$output" "peer=192.168.77.2 data=from-veth"
        run "${on_client[@]}" "$PY" "$TOOL" udp-client 192.168.77.1 8001 dgram
        [ "$status" -eq 0 ]
        [ "$output" = "echo:dgram from 192.168.77.2" ]
        # a loopback client of the same helper still shows as the gateway, over UDP (after the
        # other network's client: libslirp alone lets 127.0.0.1 through then) and TCP
        run "${on_host[@]}" "$PY" "$TOOL" udp-client 127.0.0.1 8001 lo-dgram
        [ "$status" -eq 0 ]
        [ "$output" = "echo:lo-dgram from 10.0.2.2" ]
        run "${on_host[@]}" "$PY" "$TOOL" tcp-client 127.0.0.1 8000 from-lo
        [ "$output" = pong ]
        wait_for grep -q from-lo "$TEST_TMP/ns.log"
        run cat "$TEST_TMP/ns.log"
        assert_contains "$output" "peer=10.0.2.2 data=from-lo"
}

@test "net: the helper exits when the holder process exits" {
        start_holder
        start_helper
        kill "$HOLDER_PID"
        local rc=0
        timeout 10 tail --pid="$HELPER_PID" -f /dev/null
        wait "$HELPER_PID" || rc=$?
        [ "$rc" -eq 0 ]
        run cat "$TEST_TMP/net.err"
        assert_contains "$output" "holder process exited"
        [ ! -e "$TEST_TMP/net.sock" ]
}

@test "net: a killed helper is detectable: process gone, tap0 gone from the namespace" {
        start_holder
        start_helper
        run in_ns ip link show dev tap0
        [ "$status" -eq 0 ]
        kill -9 "$HELPER_PID"
        local rc=0
        wait "$HELPER_PID" || rc=$?
        [ "$rc" -eq 137 ]
        ! kill -0 "$HELPER_PID" 2>/dev/null
        wait_for sh -c "! nsenter --user --net --preserve-credentials -t $HOLDER_PID ip link show dev tap0"
}

@test "net: SIGTERM stops the helper cleanly" {
        start_holder
        start_helper
        kill -TERM "$HELPER_PID"
        local rc=0
        wait "$HELPER_PID" || rc=$?
        [ "$rc" -eq 0 ]
        run cat "$TEST_TMP/net.err"
        assert_contains "$output" "signal TERM"
}
