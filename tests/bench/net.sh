#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# iperf3 through warren-net against slirp4netns, same MTU, one run, both directions:
#   out: a client in the namespace -> an iperf3 server on the host's 127.0.0.1, via 10.0.2.2
#        (host loopback allowed for both helpers)
#   in:  a client on the host -> a port published to an iperf3 server in the namespace
# Prints Gbit/s and the ratio warren-net / slirp4netns. Traffic stays on loopback and in
# namespaces this script creates.
# usage: tests/bench/net.sh   (env: DURATION=5 seconds per run, MTU=65520, WARREN_NET=path)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WARREN_NET=${WARREN_NET:-$ROOT/${BUILDDIR:-build}/bin/warren-net}
DURATION=${DURATION:-5}
MTU=${MTU:-65520}

need=()
command -v iperf3 >/dev/null || need+=(iperf3)
command -v slirp4netns >/dev/null || need+=(slirp4netns)
if [ ${#need[@]} -gt 0 ]; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
        else
                echo "net.sh: needs ${need[*]} (apt-get install ${need[*]})" >&2
                exit 1
        fi
fi
[ -x "$WARREN_NET" ] || { echo "net.sh: build warren-net first (make all)" >&2; exit 1; }
unshare --user --map-root-user --net true 2>/dev/null ||
        { echo "net.sh: user namespaces are not available" >&2; exit 1; }

TMP=$(mktemp -d /tmp/warren-netbench.XXXXXX)
PIDS=()
cleanup() {
        local p
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_file() { # FILE: until it exists and is not empty (5 s)
        local i
        for ((i = 0; i < 100; i++)); do
                [ -s "$1" ] && return 0
                sleep 0.05
        done
        return 1
}

gbits() { # iperf3 JSON on stdin -> Gbit/s received
        python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}

HOST_PORT=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$HOST_PORT" >/dev/null 2>&1 &
PIDS+=($!)

# run TOOL: prints "OUT IN" in Gbit/s
run() {
        local tool=$1 holder helper pub
        unshare --user --map-root-user --net sleep infinity &
        holder=$!
        PIDS+=($holder)
        local i
        for ((i = 0; i < 100; i++)); do
                [ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
                sleep 0.02
        done
        pub=$(free_port)
        rm -f "$TMP/ready"
        case "$tool" in
        warren-net)
                "$WARREN_NET" --mtu "$MTU" --allow-host-loopback -p "127.0.0.1:$pub:5201" \
                        --ready-fd 3 "$holder" 3>"$TMP/ready" >"$TMP/$tool.log" 2>&1 &
                helper=$!
                ;;
        slirp4netns)
                slirp4netns --configure --mtu="$MTU" --api-socket "$TMP/s4n.sock" -r 3 \
                        "$holder" tap0 3>"$TMP/ready" >"$TMP/$tool.log" 2>&1 &
                helper=$!
                ;;
        esac
        PIDS+=($helper)
        wait_file "$TMP/ready" || { cat "$TMP/$tool.log" >&2; return 1; }
        if [ "$tool" = slirp4netns ]; then
                python3 - "$TMP/s4n.sock" "$pub" <<'PY' >/dev/null
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp",
    "host_addr": "127.0.0.1", "host_port": int(sys.argv[2]), "guest_port": 5201}}).encode())
r = s.recv(4096); assert b"return" in r, r
PY
        fi
        local ns=(nsenter --user --net --preserve-credentials -t "$holder") server
        "${ns[@]}" iperf3 -s -p 5201 >/dev/null 2>&1 &
        server=$!
        sleep 0.3
        local out in
        out=$("${ns[@]}" iperf3 -c 10.0.2.2 -p "$HOST_PORT" -t "$DURATION" -O 1 -J | gbits)
        in=$(iperf3 -c 127.0.0.1 -p "$pub" -t "$DURATION" -O 1 -J | gbits)
        # this runs in a subshell: clean up here, not in the trap
        kill "$server" "$helper" "$holder" 2>/dev/null || true
        wait "$server" "$helper" "$holder" 2>/dev/null || true
        echo "$out $in"
}

read -r s_out s_in < <(run slirp4netns)
read -r w_out s2 < <(run warren-net)
w_in=$s2
ratio() { python3 -c "print('%.2f' % ($1 / $2 if $2 > 0 else 0))"; }

printf 'iperf3 %ss per run, MTU %s\n' "$DURATION" "$MTU"
printf '%-34s %12s %12s %8s\n' direction slirp4netns warren-net ratio
printf '%-34s %9s Gb %9s Gb %7sx\n' "namespace -> host (via 10.0.2.2)" "$s_out" "$w_out" "$(ratio "$w_out" "$s_out")"
printf '%-34s %9s Gb %9s Gb %7sx\n' "host -> namespace (published)" "$s_in" "$w_in" "$(ratio "$w_in" "$s_in")"
