#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A pod with two containers talking over the pod's loopback: one listens on port 8080 with
# busybox nc, the other connects to 127.0.0.1:8080. Both see the pod's hostname.
# usage: examples/pod.sh            (as an unprivileged user, or root)
#        WARREN=/path/to/warren examples/pod.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ -z "${WARREN:-}" ]; then
        if [ -x "$root/build/bin/warren" ]; then WARREN=$root/build/bin/warren; else WARREN=warren; fi
fi
image=example/busybox:pod
pod=example-pod-$$
work=$(mktemp -d /tmp/warren-pod.XXXXXX)
cleanup() {
        "$WARREN" pod rm -f "$pod" >/dev/null 2>&1 || true
        "$WARREN" rmi "$image" >/dev/null 2>&1 || true
        rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n$ %s\n' "$*"; }

bash "$root/tests/lib/make-rootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$WARREN" import -q "$work/rootfs.tar" "$image" >/dev/null

say warren pod create --name "$pod" --hostname shared-host --network none
"$WARREN" pod create --name "$pod" --hostname shared-host --network none

say warren run -d --pod "$pod" --name "$pod-server" "$image" \
        sh -c "'while :; do echo hello from \$(hostname) over loopback | nc -l -p 8080; done'"
"$WARREN" run -d --pod "$pod" --name "$pod-server" "$image" \
        sh -c 'while :; do echo "hello from $(hostname) over loopback" | nc -l -p 8080; done'

say warren run --rm --pod "$pod" "$image" sh -c "'echo client on \$(hostname); nc 127.0.0.1 8080'"
"$WARREN" run --rm --pod "$pod" "$image" sh -c '
        echo "client on $(hostname)"
        for i in $(seq 1 50); do
                out=$(nc 127.0.0.1 8080 </dev/null 2>/dev/null) && [ -n "$out" ] && { echo "$out"; exit 0; }
                sleep 0.1
        done
        echo "no answer" >&2
        exit 1'

say warren pod ps
"$WARREN" pod ps

say warren pod top "$pod"
"$WARREN" pod top "$pod"

say warren pod rm -f "$pod"
"$WARREN" pod rm -f "$pod"
