#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: warren's main job, end to end, without root:
#   1. warren-runtime runs a container from a busybox root filesystem (OCI bundle);
#   2. warren imports that filesystem as an image and runs a pod of two containers that share
#      a hostname and loopback: one serves on 127.0.0.1, the other connects.
# Everything is built here from Debian's busybox-static: nothing is downloaded.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
work=$(mktemp -d /tmp/warren-demo.XXXXXX)
chmod 0755 "$work"
user=
cleanup() {
        # The namespace holder started for the demo goes with it.
        local f
        for f in "$work"/run-*/warren/holder.pid; do
                [ -f "$f" ] && kill -TERM "$(cut -d' ' -f1 "$f")" 2>/dev/null
        done
        rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

probe=
[ -x "$ROOT/build/tests/payload/testprobe" ] && probe=$ROOT/build/tests/payload/testprobe
bash "$ROOT/tests/lib/make-rootfs.sh" "$work/bundle/rootfs" $probe
tar -C "$work/bundle/rootfs" -cf "$work/busybox.tar" .
cp -a "$BIN" "$work/bin"
chmod -R a+rX "$work"

cat >"$work/demo.sh" <<'SCRIPT'
set -e
work=$1
export PATH=$work/bin:/usr/sbin:/usr/bin:/sbin:/bin
export XDG_DATA_HOME=$work/data-$(id -u) XDG_CONFIG_HOME=$work/config-$(id -u)
# A runtime directory of the demo's own, so that everything it starts goes with it.
export XDG_RUNTIME_DIR=$work/run-$(id -u)
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
say() { if [ -t 1 ]; then printf '\n\033[1m$ %s\033[0m\n' "$*"; else printf '\n$ %s\n' "$*"; fi; }

cd "$work/bundle"
say "warren-runtime spec --rootless && warren-runtime run demo"
warren-runtime spec --rootless
sed -i 's|"sh"|"sh", "-c", "echo hello from a warren-runtime container; id; cat /proc/self/uid_map"|' config.json
warren-runtime --root "$XDG_RUNTIME_DIR/demo-runtime" run "demo-$$"

say "warren import busybox.tar busybox:demo"
warren import "$work/busybox.tar" busybox:demo
say "warren images"
warren images

say "warren pod create --name demo-pod --network none"
warren pod create --name demo-pod --network none >/dev/null
say "warren run -d --pod demo-pod --name server busybox:demo nc -l -p 8080 -e echo hello over the pod's loopback"
warren run -d --pod demo-pod --name server busybox:demo \
        sh -c 'while :; do nc -l -p 8080 -e echo "hello over the pod loopback from $(hostname)"; done' >/dev/null
say "warren run --rm --pod demo-pod busybox:demo nc 127.0.0.1 8080"
for i in 1 2 3 4 5 6 7 8 9 10; do
        out=$(warren run --rm --pod demo-pod busybox:demo nc 127.0.0.1 8080 2>/dev/null || true)
        [ -n "$out" ] && break
        sleep 0.2
done
echo "$out"
say "warren ps"
warren ps
say "warren pod ps"
warren pod ps
say "warren pod rm -f demo-pod"
warren pod rm -f demo-pod
SCRIPT

chmod a+rx "$work"/*.sh

if [ "$(id -u)" -eq 0 ]; then
        # Show the rootless path even when started as root: run as an unprivileged user with its
        # own subordinate id range, as `make check` does.
        user=${WARREN_DEMO_USER:-warren-demo}
        if ! id "$user" >/dev/null 2>&1; then
                useradd --create-home --shell /bin/bash "$user"
        fi
        uid=$(id -u "$user")
        for f in /etc/subuid /etc/subgid; do
                grep -q "^$user:" "$f" 2>/dev/null || echo "$user:600000:65536" >>"$f"
        done
        chown -R "$user:" "$work"
        echo "(running as the unprivileged user '$user', uid $uid)"
        runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" \
                bash "$work/demo.sh" "$work"
else
        bash "$work/demo.sh" "$work"
fi
