#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hello from a warren container: make a busybox root filesystem (from Debian's busybox-static,
# nothing is downloaded), import it as an image, run a throw-away container, then clean up.
# usage: examples/hello.sh            (as an unprivileged user, or root)
#        WARREN=/path/to/warren examples/hello.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ -z "${WARREN:-}" ]; then
        if [ -x "$root/build/bin/warren" ]; then WARREN=$root/build/bin/warren; else WARREN=warren; fi
fi
image=example/busybox:hello
work=$(mktemp -d /tmp/warren-hello.XXXXXX)
cleanup() {
        "$WARREN" rmi "$image" >/dev/null 2>&1 || true
        rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n$ %s\n' "$*"; }

bash "$root/tests/lib/make-rootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .

say warren import rootfs.tar "$image"
"$WARREN" import "$work/rootfs.tar" "$image"

say warren run --rm --network none "$image" echo hello from a warren container
"$WARREN" run --rm --network none "$image" echo hello from a warren container

say "warren run --rm --network none $image sh -c 'id; hostname; cat /proc/self/uid_map'"
"$WARREN" run --rm --network none "$image" sh -c 'id; hostname; cat /proc/self/uid_map'

say "warren run --rm --network none $image sh -c 'exit 3'; echo \$?"
rc=0
"$WARREN" run --rm --network none "$image" sh -c 'exit 3' || rc=$?
echo "exit code: $rc"

say warren ps -a
"$WARREN" ps -a
