#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Store benchmark: 1,000 container records, then List all, Get by name, Update one.
# Goal (issue 4): List of 1,000 under 20 ms, Get under 1 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILDDIR=${BUILDDIR:-build}
make -s "$BUILDDIR/lib/libstorage.a" "$BUILDDIR/lib/libbasic.a" >/dev/null
out="$BUILDDIR/tests/bench/store-bench"
mkdir -p "$(dirname "$out")"
${CC:-cc} -std=gnu11 -O2 -D_GNU_SOURCE -I. -Isrc -o "$out" tests/bench/store-bench.c \
	"$BUILDDIR/lib/libstorage.a" "$BUILDDIR/lib/libbasic.a" $(pkg-config --libs yajl)
dir=$(mktemp -d "${TMPDIR:-/tmp}/warren-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$out" "$dir" "${N:-1000}"
