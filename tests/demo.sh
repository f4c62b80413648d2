#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: warren's main job, shown end to end. For now: warren-runtime starts a container
# from a busybox root filesystem built here from Debian's busybox-static, without root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bin
work=$(mktemp -d /tmp/warren-demo.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

probe=
[ -x "$ROOT/build/tests/payload/testprobe" ] && probe=$ROOT/build/tests/payload/testprobe
bash "$ROOT/tests/lib/make-rootfs.sh" "$work/bundle/rootfs" $probe
cp "$BIN/warren-runtime" "$work/warren-runtime"
chmod -R a+rX "$work"

demo_as() { # run the demo script as the given user ("" for the caller)
        local script='
set -e
cd "$1/bundle"
rt=$1/warren-runtime
"$rt" spec --rootless
# run `sh -c ...` instead of the default `sh`
sed -i "s|\"sh\"|\"sh\", \"-c\", \"echo hello from a warren container; echo; id; echo; cat /proc/self/uid_map; hostname\"|" config.json
"$rt" --root "$1/state-$(id -u)" run demo-$$
'
        if [ -n "$1" ]; then
                runuser -u "$1" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
                        bash -c "$script" demo "$work"
        else
                bash -c "$script" demo "$work"
        fi
}

if [ "$(id -u)" -eq 0 ]; then
        # Show the rootless path even when started as root: run as an unprivileged user.
        user=${WARREN_DEMO_USER:-warren-demo}
        id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
        bold "\$ warren-runtime spec --rootless && warren-runtime run demo   (as unprivileged user '$user', uid $(id -u "$user"))"
        demo_as "$user"
else
        bold "\$ warren-runtime spec --rootless && warren-runtime run demo   (as $(id -un), uid $(id -u))"
        demo_as ""
fi
