#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build a small busybox root filesystem from Debian's busybox-static, never downloaded.
# usage: make-rootfs.sh DIR [TESTPROBE]
set -euo pipefail
dir=${1:?usage: make-rootfs.sh DIR [TESTPROBE]}
probe=${2:-}
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
        echo "make-rootfs: $busybox is not a static busybox (install busybox-static)" >&2
        exit 1
fi
mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home,var/tmp,run}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
        [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
cat >"$dir/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$dir/etc/group" <<'GR'
root:x:0:
daemon:x:1:
users:x:100:
nogroup:x:65534:
GR
echo "warren" >"$dir/etc/hostname"
: >"$dir/etc/hosts"
: >"$dir/etc/resolv.conf"
if [ -n "$probe" ]; then
        install -m 0755 "$probe" "$dir/usr/bin/testprobe"
fi
