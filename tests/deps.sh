#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages warren needs to build, test and run. Uses sudo when not root.
# Only what is missing is installed, so a second run is quick and needs no network.
set -euo pipefail

PACKAGES=(
        # build
        gcc make pkg-config libc6-dev musl-tools
        libseccomp-dev libcap-dev libyajl-dev libarchive-dev libzstd-dev libssl-dev
        libcurl4-openssl-dev libmicrohttpd-dev libslirp-dev libglib2.0-dev
        # tests
        libcmocka-dev bats busybox-static acl iproute2 util-linux bsdextrautils python3
        # run time tools
        uidmap fuse-overlayfs
        # peers used by the tests and benchmarks (--runtime crun, side-by-side figures)
        crun runc
)

missing=()
for p in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
                missing+=("$p")
        fi
done
if [ ${#missing[@]} -eq 0 ]; then
        echo "deps: all ${#PACKAGES[@]} packages present"
        exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
        SUDO=sudo
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
