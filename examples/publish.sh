#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A web server in a container, published on the host's loopback: busybox httpd listens on port
# 80 inside; `-p 127.0.0.1::80` lets warren pick a free host port, `warren port` tells which, and
# the host fetches the page through it (warren-net, libslirp; no root, no bridge).
# usage: examples/publish.sh            (as an unprivileged user, or root)
#        WARREN=/path/to/warren examples/publish.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ -z "${WARREN:-}" ]; then
        if [ -x "$root/build/bin/warren" ]; then WARREN=$root/build/bin/warren; else WARREN=warren; fi
fi
image=example/busybox:publish
name=example-web-$$
work=$(mktemp -d /tmp/warren-publish.XXXXXX)
cleanup() {
        "$WARREN" rm -f "$name" >/dev/null 2>&1 || true
        "$WARREN" rmi "$image" >/dev/null 2>&1 || true
        rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n$ %s\n' "$*"; }

bash "$root/tests/lib/make-rootfs.sh" "$work/rootfs" >/dev/null
mkdir -p "$work/rootfs/www"
echo "hello from a published port" >"$work/rootfs/www/index.html"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
"$WARREN" import -q "$work/rootfs.tar" "$image" >/dev/null

say warren run -d --name "$name" -p 127.0.0.1::80 "$image" httpd -f -p 80 -h /www
"$WARREN" run -d --name "$name" -p 127.0.0.1::80 "$image" httpd -f -p 80 -h /www

say warren port "$name" 80
addr=$("$WARREN" port "$name" 80)
echo "$addr"

say busybox wget -qO- "http://$addr/"
for _ in $(seq 1 50); do
        if page=$(busybox wget -qO- "http://$addr/" 2>/dev/null); then
                echo "$page"
                break
        fi
        sleep 0.1
done
[ -n "${page:-}" ] || { echo "no answer from $addr" >&2; exit 1; }

say warren ps
"$WARREN" ps

say warren rm -f "$name"
"$WARREN" rm -f "$name"
