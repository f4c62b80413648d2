#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Networking at the `warren` level (docs/networking.md, "Using it from warren"): published ports
# (-p, ranges, host port 0, -P), `warren port`, ps/inspect, client addresses, host loopback, DNS
# through 10.0.2.3, /etc/hosts, UDP replies to the client that asked, and the network helper's
# life with its pod.
#
# Traffic stays on loopback and in namespaces the tests create. Three tests need what an
# unprivileged user cannot have on the real host (a veth pair to a client network, port 53):
# they make a "host" of their own, a user + network namespace (PARENT_PID) where we are root,
# and run warren, the resolver and the client's veth end there (the approach of net.bats).
# pass: rootless

load helpers
bats_require_minimum_version 1.5.0

IMG=busybox:test
PY=/usr/bin/python3
# servers and clients for TCP, UDP and DNS (tests/lib/nettool.py says how each behaves); its
# directory is mounted at /tool into the containers that run it, with the host's python3
TOOL_DIR=$(cd "$BATS_TEST_DIRNAME/../lib" && pwd)
TOOL=$TOOL_DIR/nettool.py

setup_file() {
        tar -C "$ROOTFS_TEMPLATE" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
        # The TCP server inside containers: busybox nc runs it per connection (-e); it records
        # the peer as the container sees it (netstat) and what it got, and answers.
        cat >"$BATS_FILE_TMPDIR/srv.sh" <<'EOF'
#!/bin/sh
read -r line
# (established, or closing once the client has shut its side: not the listener)
netstat -tn | grep ':80 ' >>/out/peers
echo "got=$line" >>/out/log
echo "pong:$line"
EOF
        chmod 0755 "$BATS_FILE_TMPDIR/srv.sh"
}

setup() {
        common_setup
        require_feature userns tun
        [ -x "$PY" ] || skip "needs python3"
        BG_PIDS=()
        PARENT_PID=
        OUT=$TEST_TMP/out
        mkdir -p "$OUT"
        cp "$BATS_FILE_TMPDIR/srv.sh" "$OUT/srv.sh"
        run "$WARREN" import "$BATS_FILE_TMPDIR/busybox.tar" "$IMG"
        if [ "$status" -ne 0 ]; then
                echo "import failed: $output" >&2
                return 1
        fi
}

teardown() {
        local p ids
        if [ -n "$PARENT_PID" ]; then
                ids=$(pw pod ps -q 2>/dev/null) || true
                [ -z "$ids" ] || pw pod rm -f $ids >/dev/null 2>&1 || true
                ids=$(pw ps -aq 2>/dev/null) || true
                [ -z "$ids" ] || pw rm -f $ids >/dev/null 2>&1 || true
                pw image prune -a -f >/dev/null 2>&1 || true
        fi
        for p in "${BG_PIDS[@]}" $PARENT_PID; do
                kill "$p" 2>/dev/null || true
        done
        "$WARREN" pod rm -f $("$WARREN" pod ps -q 2>/dev/null) >/dev/null 2>&1 || true
        "$WARREN" image prune -a -f >/dev/null 2>&1 || true
        common_teardown
}

bg() {
        "$@" 3>&- &
        BG_PIDS+=($!)
}

free_port() { "$PY" "$TOOL" free-port "${1:-tcp}" "${2:-1}"; }

# IPv6 host addresses need ::1 on the host's loopback (not there with the kernel's
# ipv6.disable=1 or net.ipv6.conf.lo.disable_ipv6=1)
have_ipv6_lo() { ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; }
require_ipv6_lo() {
        have_ipv6_lo || skip "no IPv6 on the loopback (\`ip -6 addr show lo\` shows no ::1)"
}

# The network helpers of this test's warren (their control sockets live in our runtime dir).
helpers() { pgrep -f -- "warren-net .*--api-socket $XDG_RUNTIME_DIR/" || true; }
no_helpers() { [ -z "$(helpers)" ]; }

# A TCP server in a container: busybox nc, one srv.sh per connection. OPTIONS... IMAGE
start_nc_server() {
        "$WARREN" run -d -v "$OUT:/out" "$@" sh -c 'while true; do nc -l -p 80 -e /out/srv.sh; done'
}

# The options that give a container the host's python3 and nettool.py (at /tool): this
# busybox's nc has no -u, so UDP servers in containers are `python3 /tool/nettool.py udp-echo`.
PY_MOUNTS=(-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v "$TOOL_DIR:/tool:ro")

# A UDP echo server on port 9090 in a container.
start_udp_server() {
        "$WARREN" run -d "${PY_MOUNTS[@]}" "$@" python3 /tool/nettool.py udp-echo 9090
}

listening() { # CONTAINER PORT: the container has a TCP listener on PORT
        "$WARREN" exec "$1" netstat -ltn | grep -q ":$2 "
}

# ---- a "host" of our own (see the top of the file) ----

netns_differs() { [ "$(readlink "/proc/$1/ns/net")" != "$(readlink "/proc/$2/ns/net")" ]; }

start_parent() {
        unshare --user --map-root-user --net sh -c 'ip link set lo up && exec sleep infinity' 3>&- &
        PARENT_PID=$!
        wait_for netns_differs "$PARENT_PID" $$
        wait_for in_parent ip -o addr show dev lo scope host
        mkdir -p "$TEST_TMP/p/data" "$TEST_TMP/p/config" "$TEST_TMP/p/run"
        chmod 0700 "$TEST_TMP/p/run"
        in_parent true
}

in_parent() { nsenter --user --net --preserve-credentials -t "$PARENT_PID" "$@"; }

# warren inside the parent namespace (where it runs as root), with stores of its own
pw() {
        in_parent env XDG_DATA_HOME="$TEST_TMP/p/data" XDG_CONFIG_HOME="$TEST_TMP/p/config" \
                XDG_RUNTIME_DIR="$TEST_TMP/p/run" "$WARREN" "$@"
}

pw_listening() { pw exec "$1" netstat -ltn | grep -q ":$2 "; }
pw_udp_listening() { pw exec "$1" netstat -lun | grep -q ":$2 "; }

# A client network: a namespace (CLIENT_PID) joined to the parent's by a veth pair, the parent
# at 192.168.77.1 and the client at 192.168.77.2 (after start_parent).
start_client_net() {
        # (not through the in_parent function: $! must be the namespace's own process)
        nsenter --user --net --preserve-credentials -t "$PARENT_PID" \
                unshare --user --map-root-user --net sleep infinity 3>&- &
        CLIENT_PID=$!
        BG_PIDS+=($CLIENT_PID)
        wait_for netns_differs "$CLIENT_PID" "$PARENT_PID"
        in_parent ip link add wnv0 type veth peer name wnv1 netns "$CLIENT_PID"
        in_parent ip addr add 192.168.77.1/24 dev wnv0
        in_parent ip link set wnv0 up
        in_client ip addr add 192.168.77.2/24 dev wnv1
        in_client ip link set wnv1 up
}

in_client() { nsenter --user --net --preserve-credentials -t "$CLIENT_PID" "$@"; }

# ---- tests ----

@test "network: a pod's published TCP and UDP ports round-trip; a loopback client shows as 10.0.2.2" {
        local tp up
        tp=$(free_port tcp)
        up=$(free_port udp)
        run "$WARREN" pod create --name web -p "127.0.0.1:$tp:80" -p "127.0.0.1:$up:9090/udp"
        [ "$status" -eq 0 ]
        run start_nc_server --pod web --name tsrv "$IMG"
        [ "$status" -eq 0 ]
        run start_udp_server --pod web --name usrv "$IMG"
        [ "$status" -eq 0 ]
        wait_for listening tsrv 80

        # TCP: what the client sends arrives, the answer comes back
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$tp" ping
        [ "$status" -eq 0 ]
        [ "$output" = "pong:ping" ]
        wait_for grep -q got=ping "$OUT/log"
        run cat "$OUT/peers"
        assert_contains "$output" "10.0.2.2:"
        assert_contains "$output" "10.0.2.100:80"

        # UDP: the same, the client again seen as the gateway
        run "$PY" "$TOOL" udp-client 127.0.0.1 "$up" dgram
        [ "$status" -eq 0 ]
        [ "$output" = "echo:dgram from 10.0.2.2" ]

        # shown by ps, port, inspect and pod inspect
        run "$WARREN" ps --format '{{.Names}} {{.Ports}}'
        assert_contains "$output" "tsrv 127.0.0.1:$tp->80/tcp, 127.0.0.1:$up->9090/udp"
        run "$WARREN" port web
        [ "$status" -eq 0 ]
        assert_contains "$output" "80/tcp -> 127.0.0.1:$tp"
        assert_contains "$output" "9090/udp -> 127.0.0.1:$up"
        run "$WARREN" port tsrv 9090/udp
        [ "$output" = "127.0.0.1:$up" ]
        run "$WARREN" port tsrv 81
        [ "$status" -ne 0 ]
        assert_contains "$output" "no public port \`81/tcp\` published"
        run "$WARREN" inspect --format '{{json .NetworkSettings.Ports}}' tsrv
        assert_contains "$output" "\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$tp\"}]"
        run "$WARREN" pod inspect --format '{{json .Network.Ports}}' web
        assert_contains "$output" "\"HostPort\":$tp,\"ContainerPort\":80,\"Protocol\":\"tcp\""
        assert_contains "$output" "\"HostPort\":$up,\"ContainerPort\":9090,\"Protocol\":\"udp\""
}

@test "network: /etc/hosts has the hostname, the pod's members and host.containers.internal; DNS is 10.0.2.3" {
        run "$WARREN" pod create --name names --hostname podhost
        [ "$status" -eq 0 ]
        run "$WARREN" run -d --pod names --name alpha "$IMG" sleep 600
        [ "$status" -eq 0 ]
        run "$WARREN" run -d --pod names --name beta "$IMG" sleep 600
        [ "$status" -eq 0 ]
        run "$WARREN" exec alpha cat /etc/hosts
        assert_contains "$output" "10.0.2.100	podhost"
        assert_contains "$output" "10.0.2.100	alpha"
        assert_contains "$output" "10.0.2.100	beta"
        assert_contains "$output" "10.0.2.2	host.containers.internal"
        assert_contains "$output" "127.0.0.1	localhost"
        run "$WARREN" exec alpha cat /etc/resolv.conf
        [ "$output" = "nameserver 10.0.2.3" ]
        run "$WARREN" exec alpha hostname
        [ "$output" = podhost ]
        # a lone container: its name and its hostname (the short id)
        run "$WARREN" run --rm --name solo "$IMG" cat /etc/hosts
        assert_contains "$output" "10.0.2.100	solo"
        # the cidr option moves every address
        run "$WARREN" run --rm --network slirp:cidr=10.9.0.0/24 "$IMG" \
                sh -c 'cat /etc/hosts /etc/resolv.conf; ip -4 addr show dev tap0'
        assert_contains "$output" "10.9.0.2	host.containers.internal"
        assert_contains "$output" "nameserver 10.9.0.3"
        assert_contains "$output" "inet 10.9.0.100/24"
}

@test "network: -P publishes the image's EXPOSE ports on free host ports; host port 0 and ranges" {
        run "$WARREN" import -c "EXPOSE 80 53/udp" "$BATS_FILE_TMPDIR/busybox.tar" busybox:exposed
        [ "$status" -eq 0 ]
        run start_nc_server -P --name pub busybox:exposed
        [ "$status" -eq 0 ]
        wait_for listening pub 80
        # on every address, as docker: 0.0.0.0 and (where the host has IPv6) [::], one port
        local hp
        run "$WARREN" port pub 80
        hp=${lines[0]}
        [[ "$hp" =~ ^0\.0\.0\.0:[0-9]+$ ]]
        hp=${hp#0.0.0.0:}
        [ "$hp" -gt 0 ]
        if have_ipv6_lo; then
                [ "${lines[1]}" = "[::]:$hp" ]
        else
                [ "${#lines[@]}" -eq 1 ]
        fi
        run "$WARREN" port pub
        assert_contains "$output" "80/tcp -> 0.0.0.0:$hp"
        assert_contains "$output" "53/udp -> 0.0.0.0:"
        run "$WARREN" ps --format '{{.Ports}}' --filter name=pub
        assert_contains "$output" "0.0.0.0:$hp->80/tcp"
        run "$WARREN" inspect --format '{{json .NetworkSettings.Ports}}' pub
        assert_contains "$output" "\"HostPort\":\"$hp\""
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$hp" via-P
        [ "$output" = "pong:via-P" ]

        # --expose adds ports for -P (docker's form; the image's EXPOSE stays)
        run "$WARREN" create --name more -P --expose 7000-7001 --expose 6000/udp busybox:exposed true
        [ "$status" -eq 0 ]
        run "$WARREN" port more
        assert_contains "$output" "80/tcp -> 0.0.0.0:"
        assert_contains "$output" "7000/tcp -> 0.0.0.0:"
        assert_contains "$output" "7001/tcp -> 0.0.0.0:"
        assert_contains "$output" "6000/udp -> 0.0.0.0:"
        run "$WARREN" create --expose 70000 busybox:exposed true
        [ "$status" -eq 125 ]
        assert_contains "$output" "invalid --expose \`70000\`"

        # host port 0 on one address, and a range, on a pod
        local base
        base=$(free_port tcp 3)
        run "$WARREN" pod create --name ranges -p "127.0.0.1::80" -p "127.0.0.1:$base-$((base + 2)):90-92"
        [ "$status" -eq 0 ]
        run "$WARREN" port ranges
        assert_contains "$output" "90/tcp -> 127.0.0.1:$base"
        assert_contains "$output" "92/tcp -> 127.0.0.1:$((base + 2))"
        hp=$("$WARREN" port ranges 80)
        [[ "$hp" =~ ^127\.0\.0\.1:[0-9]+$ ]]
        [ "${hp#127.0.0.1:}" -gt 0 ]
        run "$WARREN" pod inspect --format '{{json .Network.Ports}}' ranges
        assert_contains "$output" "\"HostPort\":${hp#127.0.0.1:},\"ContainerPort\":80"
        run "$WARREN" run -d --pod ranges --name rsrv "$IMG" sh -c 'while true; do echo r91 | nc -l -p 91; done'
        [ "$status" -eq 0 ]
        wait_for listening rsrv 91
        run "$WARREN" ps --format '{{.Ports}}' --filter name=rsrv
        assert_contains "$output" "127.0.0.1:$base-$((base + 2))->90-92/tcp"
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$((base + 1))" x
        [ "$output" = r91 ]
}

@test "network: a host port in use fails at create with a clear error and leaves nothing behind" {
        local base busy
        base=$(free_port tcp 2)
        busy=$((base + 1))
        bg "$PY" "$TOOL" hold 127.0.0.1 "$busy" "$TEST_TMP/hold.ready"
        wait_for test -e "$TEST_TMP/hold.ready"
        # the first port of the range binds, the second cannot: all or nothing
        run "$WARREN" pod create --name taken -p "127.0.0.1:$base-$busy:80-81"
        [ "$status" -eq 125 ]
        assert_contains "$output" "host port \`127.0.0.1:$busy/tcp\` is already in use"
        run "$WARREN" run -d --name taken-ctr -p "127.0.0.1:$busy:80" "$IMG" sleep 600
        [ "$status" -eq 125 ]
        assert_contains "$output" "host port \`127.0.0.1:$busy/tcp\` is already in use"
        run "$WARREN" pod ps -q
        [ -z "$output" ]
        run "$WARREN" ps -aq
        [ -z "$output" ]
        [ -z "$(ls "$XDG_DATA_HOME/warren/sandboxes" | grep json)" ]
        [ -z "$(helpers)" ]
        [ -z "$(ls "$XDG_RUNTIME_DIR/warren" | grep '^net-')" ]
        # bad specs and options fail before anything starts
        run "$WARREN" pod create -p 80:90-91
        [ "$status" -eq 125 ]
        assert_contains "$output" "invalid -p"
        run "$WARREN" pod create --network slirp:mtu=10
        [ "$status" -eq 125 ]
        assert_contains "$output" "invalid --network \`slirp:mtu=10\`"
        run "$WARREN" pod ps -q
        [ -z "$output" ]
}

@test "network: -p [::1]:PORT: TCP and UDP round trips on the IPv6 loopback; port, ps and inspect show it" {
        require_ipv6_lo
        local tp up
        tp=$(free_port tcp)
        up=$(free_port udp)
        run "$WARREN" pod create --name web6 -p "[::1]:$tp:80" -p "[::1]:$up:9090/udp"
        [ "$status" -eq 0 ]
        run start_nc_server --pod web6 --name t6 "$IMG"
        [ "$status" -eq 0 ]
        run start_udp_server --pod web6 --name u6 "$IMG"
        [ "$status" -eq 0 ]
        wait_for listening t6 80

        # the container's IPv4 address answers; the client is the gateway, as for 127.0.0.1
        run "$PY" "$TOOL" tcp-client ::1 "$tp" ping6
        [ "$status" -eq 0 ]
        [ "$output" = "pong:ping6" ]
        wait_for grep -q got=ping6 "$OUT/log"
        run cat "$OUT/peers"
        assert_contains "$output" "10.0.2.2:"
        run "$PY" "$TOOL" udp-client ::1 "$up" dgram6
        [ "$status" -eq 0 ]
        [ "$output" = "echo:dgram6 from 10.0.2.2" ]
        # only there
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$tp" x
        [ "$status" -ne 0 ]

        run "$WARREN" ps --format '{{.Names}} {{.Ports}}' --filter name=t6
        [ "$output" = "t6 [::1]:$tp->80/tcp, [::1]:$up->9090/udp" ]
        run "$WARREN" port web6
        [ "$output" = "$(printf '80/tcp -> [::1]:%s\n9090/udp -> [::1]:%s' "$tp" "$up")" ]
        run "$WARREN" port t6 9090/udp
        [ "$output" = "[::1]:$up" ]
        run "$WARREN" inspect --format '{{json .NetworkSettings.Ports}}' t6
        assert_contains "$output" "\"80/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"$tp\"}]"
        run "$WARREN" pod inspect --format '{{json .Network.Ports}}' web6
        assert_contains "$output" "\"HostIp\":\"::1\",\"HostPort\":$tp,\"ContainerPort\":80"
}

@test "network: -p without host address publishes on 0.0.0.0 and [::]; taken on ::1 is a clear error" {
        require_ipv6_lo
        # a port in use on ::1: asked for there, or part of every address
        local busy
        busy=$(free_port tcp)
        bg "$PY" "$TOOL" hold ::1 "$busy" "$TEST_TMP/hold.ready"
        wait_for test -e "$TEST_TMP/hold.ready"
        run "$WARREN" run -d --name taken6 -p "[::1]:$busy:80" "$IMG" sleep 600
        [ "$status" -eq 125 ]
        assert_contains "$output" "host port \`[::1]:$busy/tcp\` is already in use"
        run "$WARREN" pod create --name taken6 -p "$busy:80"
        [ "$status" -eq 125 ]
        assert_contains "$output" "host port \`[::]:$busy/tcp\` is already in use"
        run "$WARREN" pod create --name bad6 -p "[::1:$busy:80"
        [ "$status" -eq 125 ]
        assert_contains "$output" "invalid -p: port \`[::1:$busy:80\`: missing \`]\`"
        run "$WARREN" pod ps -q
        [ -z "$output" ]
        run "$WARREN" ps -aq
        [ -z "$output" ]
        [ -z "$(helpers)" ]

        local tp
        tp=$(free_port tcp)
        run start_nc_server --name both -p "$tp:80" "$IMG"
        [ "$status" -eq 0 ]
        wait_for listening both 80
        run "$WARREN" port both
        [ "$output" = "$(printf '80/tcp -> 0.0.0.0:%s\n80/tcp -> [::]:%s' "$tp" "$tp")" ]
        run "$WARREN" port both 80
        [ "$output" = "$(printf '0.0.0.0:%s\n[::]:%s' "$tp" "$tp")" ]
        run "$WARREN" ps --format '{{.Ports}}' --filter name=both
        [ "$output" = "0.0.0.0:$tp->80/tcp, [::]:$tp->80/tcp" ]
        run "$WARREN" inspect --format '{{json .NetworkSettings.Ports}}' both
        assert_contains "$output" "\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"$tp\"},{\"HostIp\":\"::\",\"HostPort\":\"$tp\"}]"
        run "$PY" "$TOOL" tcp-client 127.0.0.1 "$tp" v4
        [ "$output" = "pong:v4" ]
        run "$PY" "$TOOL" tcp-client ::1 "$tp" v6
        [ "$output" = "pong:v6" ]
        run "$WARREN" rm -f both
        [ "$status" -eq 0 ]

        # 0.0.0.0 given: IPv4 only, as docker
        run "$WARREN" pod create --name v4only -p "0.0.0.0:$tp:80"
        [ "$status" -eq 0 ]
        run "$WARREN" port v4only
        [ "$output" = "80/tcp -> 0.0.0.0:$tp" ]
}

@test "network: two host ports of one container UDP port both answer, each from its own port" {
        local a b
        a=$(free_port udp)
        b=$(free_port udp)
        run "$WARREN" pod create --name dup -p "127.0.0.1:$a:9090/udp" -p "127.0.0.1:$b:9090/udp"
        [ "$status" -eq 0 ]
        run start_udp_server --pod dup --name dupsrv "$IMG"
        [ "$status" -eq 0 ]
        udp_two_ports_answer "$a" "$b"
        run "$WARREN" port dup 9090/udp
        [ "$output" = "$(printf '127.0.0.1:%s\n127.0.0.1:%s' "$a" "$b")" ]
}

@test "network: the host's loopback is reachable at 10.0.2.2 only with allow_host_loopback" {
        local port
        port=$(free_port tcp)
        bg "$PY" "$TOOL" tcp-serve 127.0.0.1 "$port" hello-host "$TEST_TMP/srv.log" "$TEST_TMP/srv.ready"
        wait_for test -e "$TEST_TMP/srv.ready"
        run "$WARREN" run --rm "$IMG" sh -c "echo no | nc -w 3 10.0.2.2 $port"
        assert_not_contains "$output" "hello-host"
        run "$WARREN" run --rm "$IMG" sh -c "echo no | nc -w 3 host.containers.internal $port"
        assert_not_contains "$output" "hello-host"
        [ ! -s "$TEST_TMP/srv.log" ]
        run "$WARREN" run --rm --network slirp:allow_host_loopback=true "$IMG" \
                sh -c "echo yes | nc -w 3 host.containers.internal $port"
        [ "$status" -eq 0 ]
        assert_contains "$output" "hello-host"
        run cat "$TEST_TMP/srv.log"
        assert_contains "$output" "data=yes"
        # the option shows in pod inspect
        run "$WARREN" pod create --name lb --network slirp:mtu=1500,allow_host_loopback=true
        [ "$status" -eq 0 ]
        run "$WARREN" pod inspect --format '{{.Network.Options}}' lb
        [ "$output" = "mtu=1500,allow_host_loopback=true" ]
        run "$WARREN" run --rm --pod lb "$IMG" ip link show dev tap0
        assert_contains "$output" "mtu 1500"
}

@test "network: killing the helper shows in pod inspect, pod ps and info; removing the pod leaves no helper" {
        run "$WARREN" pod create --name doomed -p 127.0.0.1::80
        [ "$status" -eq 0 ]
        run "$WARREN" run -d --pod doomed --name d1 "$IMG" sleep 600
        [ "$status" -eq 0 ]
        run "$WARREN" pod inspect --format '{{.Network.HelperRunning}}' doomed
        [ "$output" = true ]
        local hpid
        hpid=$("$WARREN" pod inspect --format '{{.Network.HelperPid}}' doomed)
        [ "$hpid" -gt 0 ]
        [ "$(helpers)" = "$hpid" ]
        run "$WARREN" info
        assert_contains "$output" "network helpers:           1 running"
        kill -9 "$hpid"
        wait_for sh -c "! kill -0 $hpid 2>/dev/null"
        run "$WARREN" pod inspect --format '{{.Network.HelperRunning}} {{.Network.HelperPid}}' doomed
        [ "$output" = "false 0" ]
        run "$WARREN" pod ps --format '{{.Name}} {{.Status}}'
        [ "$output" = "doomed Degraded" ]
        run "$WARREN" info
        assert_contains "$output" "network helpers gone:      \`doomed\`"
        # the container has lost its network with it
        run "$WARREN" exec d1 ip link show dev tap0
        [ "$status" -ne 0 ]
        # pod start brings a new helper, and the running member its network back
        run "$WARREN" pod start doomed
        [ "$status" -eq 0 ]
        run "$WARREN" pod inspect --format '{{.Network.HelperRunning}}' doomed
        [ "$output" = true ]
        run "$WARREN" pod ps --format '{{.Name}} {{.Status}}'
        [ "$output" = "doomed Running" ]
        run "$WARREN" exec d1 ip -4 addr show dev tap0
        [ "$status" -eq 0 ]
        assert_contains "$output" "inet 10.0.2.100/24"
        hpid=$("$WARREN" pod inspect --format '{{.Network.HelperPid}}' doomed)
        run "$WARREN" pod rm -f doomed
        [ "$status" -eq 0 ]
        wait_for sh -c "! kill -0 $hpid 2>/dev/null"
        [ -z "$(helpers)" ]
        [ -z "$(ls "$XDG_RUNTIME_DIR/warren" | grep '^net-')" ]
        # a lone container's implicit sandbox too
        run "$WARREN" run -d --name lone -p 127.0.0.1::80 "$IMG" sleep 600
        [ "$status" -eq 0 ]
        [ -n "$(helpers)" ]
        run "$WARREN" rm -f lone
        [ "$status" -eq 0 ]
        wait_for no_helpers
}

@test "network: a client on another network keeps its address, TCP and UDP (veth pair, test namespaces)" {
        start_parent
        start_client_net
        run pw import "$BATS_FILE_TMPDIR/busybox.tar" "$IMG"
        [ "$status" -eq 0 ]
        run pw pod create --name far -p 8000:80 -p 8001:9090/udp
        [ "$status" -eq 0 ]
        run pw run -d --pod far --name ftcp -v "$OUT:/out" "$IMG" \
                sh -c 'while true; do nc -l -p 80 -e /out/srv.sh; done'
        [ "$status" -eq 0 ]
        run pw run -d --pod far --name fudp "${PY_MOUNTS[@]}" "$IMG" \
                python3 /tool/nettool.py udp-echo 9090
        [ "$status" -eq 0 ]
        wait_for pw_listening ftcp 80

        run in_client "$PY" "$TOOL" tcp-client 192.168.77.1 8000 from-veth
        [ "$status" -eq 0 ]
        [ "$output" = "pong:from-veth" ]
        wait_for grep -q got=from-veth "$OUT/log"
        run cat "$OUT/peers"
        assert_contains "$output" "192.168.77.2:"
        # a client on the parent's loopback shows as the gateway, over TCP and UDP
        run in_parent "$PY" "$TOOL" udp-client 127.0.0.1 8001 lo-dgram
        [ "$status" -eq 0 ]
        [ "$output" = "echo:lo-dgram from 10.0.2.2" ]
        run in_client "$PY" "$TOOL" udp-client 192.168.77.1 8001 dgram
        [ "$status" -eq 0 ]
        [ "$output" = "echo:dgram from 192.168.77.2" ]
        # and the loopback again, after the other network's client
        run in_parent "$PY" "$TOOL" udp-client 127.0.0.1 8001 lo-dgram-2
        [ "$status" -eq 0 ]
        [ "$output" = "echo:lo-dgram-2 from 10.0.2.2" ]
        run in_parent "$PY" "$TOOL" tcp-client 127.0.0.1 8000 from-lo
        [ "$output" = "pong:from-lo" ]
        wait_for grep -q got=from-lo "$OUT/log"
        run tail -n 1 "$OUT/peers"
        assert_contains "$output" "10.0.2.2:"
        run pw pod rm -f far
        [ "$status" -eq 0 ]
}

@test "network: UDP replies go to the client that asked: another network's client, then the loopback; overlapping clients" {
        start_parent
        start_client_net
        run pw import "$BATS_FILE_TMPDIR/busybox.tar" "$IMG"
        [ "$status" -eq 0 ]
        # 9090 answers at once; 9091 holds each request until two clients have asked, then
        # answers the later one first, so the clients' requests and replies overlap
        run pw pod create --name udp -p 8001:9090/udp -p 8002:9091/udp
        [ "$status" -eq 0 ]
        run pw run -d --pod udp --name uecho "${PY_MOUNTS[@]}" "$IMG" sh -c \
                'python3 /tool/nettool.py udp-echo 9091 --batch 2 & exec python3 /tool/nettool.py udp-echo 9090'
        [ "$status" -eq 0 ]
        wait_for pw_udp_listening uecho 9090
        wait_for pw_udp_listening uecho 9091

        # the other network's client first, then the loopback's (which libslirp 4.7 alone
        # handed to the container as 127.0.0.1, so no reply came), and again
        local i
        for i in 1 2; do
                run in_client "$PY" "$TOOL" udp-client 192.168.77.1 8001 far-$i
                [ "$status" -eq 0 ]
                [ "$output" = "echo:far-$i from 192.168.77.2" ]
                run in_parent "$PY" "$TOOL" udp-client 127.0.0.1 8001 near-$i
                [ "$status" -eq 0 ]
                [ "$output" = "echo:near-$i from 10.0.2.2" ]
        done

        # interleaved, in lockstep: each round the server has both requests before it answers
        in_client "$PY" "$TOOL" udp-client 192.168.77.1 8002 far-a far-b far-c \
                >"$TEST_TMP/far.out" 2>&1 3>&- &
        local far=$!
        BG_PIDS+=($far)
        run in_parent "$PY" "$TOOL" udp-client 127.0.0.1 8002 near-a near-b near-c
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'echo:near-%s from 10.0.2.2\n' a b c)" ]
        wait "$far"
        [ "$(cat "$TEST_TMP/far.out")" = "$(printf 'echo:far-%s from 192.168.77.2\n' a b c)" ]

        # two clients on the loopback: both are 10.0.2.2 to the container, told apart by port
        in_parent "$PY" "$TOOL" udp-client 127.0.0.1 8002 one-a one-b one-c \
                >"$TEST_TMP/one.out" 2>&1 3>&- &
        local one=$!
        BG_PIDS+=($one)
        run in_parent "$PY" "$TOOL" udp-client 127.0.0.1 8002 two-a two-b two-c
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'echo:two-%s from 10.0.2.2\n' a b c)" ]
        wait "$one"
        [ "$(cat "$TEST_TMP/one.out")" = "$(printf 'echo:one-%s from 10.0.2.2\n' a b c)" ]
        run pw pod rm -f udp
        [ "$status" -eq 0 ]
}

@test "network: names resolve through 10.0.2.3 to a resolver on the host's loopback" {
        # port 53 on a loopback of our own: the parent namespace is the "host"
        start_parent
        bg nsenter --user --net --preserve-credentials -t "$PARENT_PID" "$PY" "$TOOL" dns-serve 127.0.0.53 db.example.test 192.0.2.7 "$TEST_TMP/dns.ready"
        wait_for test -e "$TEST_TMP/dns.ready"
        printf 'nameserver 127.0.0.53\n' >"$TEST_TMP/resolv.conf"
        run pw import "$BATS_FILE_TMPDIR/busybox.tar" "$IMG"
        [ "$status" -eq 0 ]
        run pw pod create --name dns --network "slirp:resolv_conf=$TEST_TMP/resolv.conf"
        [ "$status" -eq 0 ]
        # the container's resolv.conf names 10.0.2.3 only: nslookup without a server uses it
        run pw run --rm --pod dns "$IMG" sh -c 'cat /etc/resolv.conf; nslookup db.example.test'
        echo "$output"
        [ "$status" -eq 0 ]
        assert_contains "$output" "nameserver 10.0.2.3"
        assert_contains "$output" "Server:		10.0.2.3"
        assert_contains "$output" "Address: 192.0.2.7"
        run pw run --rm --pod dns "$IMG" nslookup missing.example.test
        assert_contains "$output" "NXDOMAIN"
        run pw pod rm -f dns
        [ "$status" -eq 0 ]
}
