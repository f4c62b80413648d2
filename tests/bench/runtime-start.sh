#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# warren-runtime run vs crun run: the same busybox bundle running /bin/true, as the same
# unprivileged user, alternating, many runs. Prints both medians and the ratio.
#
# usage: tests/bench/runtime-start.sh [RUNS]   (default 200; run as root or as the user)
#   BENCH_USER    the unprivileged user when started as root (default warren-test, created with
#                 a subuid range by `make check`; any user with a home works)
#   WARREN_RUNTIME, CRUN   the binaries (default build/bin/warren-runtime, crun in PATH)
#   BENCH_KEEP_V1=1        keep the v1 hierarchies mounted afterwards (default: unmounted)
#
# crun refuses a cgroup v1/v2 hybrid host whose v2 hierarchy holds a controller ("cgroups in
# hybrid mode not supported"). Started as root on such a host, the script first mounts that
# controller (hugetlb here) as its own v1 hierarchy so that crun runs, as the issue allows.
# warren-runtime is checked before and after that change.
set -euo pipefail
runs=${1:-200}
root=$(cd "$(dirname "$0")/../.." && pwd)
wr=${WARREN_RUNTIME:-$root/build/bin/warren-runtime}
crun=${CRUN:-$(command -v crun || true)}
user=${BENCH_USER:-warren-test}
[ -x "$wr" ] || { echo "runtime-start: build warren-runtime first (make)" >&2; exit 1; }
[ -n "$crun" ] || { echo "runtime-start: crun is not installed (apt-get install crun)" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
        id "$user" >/dev/null 2>&1 || { echo "runtime-start: no user $user (set BENCH_USER)" >&2; exit 1; }
        as_user() { runuser -u "$user" -- env -i PATH="$PATH" HOME="$(getent passwd "$user" | cut -d: -f6)" \
                XDG_RUNTIME_DIR="$rundir" "$@"; }
        uid=$(id -u "$user")
        rundir=/run/user/$uid
        mkdir -p "$rundir" && chown "$user:" "$rundir" && chmod 0700 "$rundir"
else
        as_user() { "$@"; }
        rundir=${XDG_RUNTIME_DIR:-/tmp/warren-run-$(id -u)}
        mkdir -p "$rundir"
fi

work=$(mktemp -d /tmp/warren-bench.XXXXXX)
chmod 0755 "$work"
mounted=()
cleanup() {
        rm -rf "$work"
        rmdir "$rundir/bench-warren" "$rundir/bench-crun" 2>/dev/null
        # Give the host back its hybrid layout unless asked to keep the v1 hierarchies.
        if [ "${BENCH_KEEP_V1:-0}" != 1 ]; then
                local m
                for m in "${mounted[@]}"; do
                        umount "$m" 2>/dev/null && rmdir "$m" 2>/dev/null
                done
        fi
        return 0
}
trap cleanup EXIT
bash "$root/tests/lib/make-rootfs.sh" "$work/bundle/rootfs" >/dev/null
cp "$wr" "$work/warren-runtime"
[ "$(id -u)" -eq 0 ] && chown -R "$user:" "$work"
as_user sh -c "cd '$work/bundle' && '$work/warren-runtime' spec --rootless"
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" >"$work/c.json"
as_user cp "$work/c.json" "$work/bundle/config.json"

wr_cmd=("$work/warren-runtime" --root "$rundir/bench-warren")
crun_cmd=("$crun" --root "$rundir/bench-crun")

check_warren() {
        as_user sh -c "cd '$work/bundle' && exec \"\$@\" run bench-check" sh "${wr_cmd[@]}" ||
                { echo "runtime-start: warren-runtime cannot run the bundle ($1)" >&2; exit 1; }
}
check_warren "before"

if ! out=$(as_user sh -c "cd '$work/bundle' && exec \"\$@\" run bench-check" sh "${crun_cmd[@]}" 2>&1); then
        if [[ "$out" == *"hybrid mode not supported"* ]] && [ "$(id -u)" -eq 0 ]; then
                ctrls=$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || true)
                for c in $ctrls; do
                        echo "runtime-start: crun refuses this hybrid host; mounting $c as a v1 hierarchy"
                        mkdir -p "/sys/fs/cgroup/$c"
                        if ! mountpoint -q "/sys/fs/cgroup/$c"; then
                                mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
                                mounted+=("/sys/fs/cgroup/$c")
                        fi
                done
                check_warren "after mounting the v1 hierarchy"
                out=$(as_user sh -c "cd '$work/bundle' && exec \"\$@\" run bench-check" sh "${crun_cmd[@]}" 2>&1) ||
                        { echo "runtime-start: crun still fails: $out" >&2; exit 1; }
        else
                echo "runtime-start: crun cannot run the bundle: $out" >&2
                exit 1
        fi
fi

# One timed loop per run, in the user's shell, so both runtimes pay the same overhead.
as_user bash -c '
        cd "$1"; runs=$2; shift 2
        nwr=$1; shift; wr=("${@:1:$nwr}"); shift "$nwr"; cr=("$@")
        us() { local s=${EPOCHREALTIME/./}; "$@" >/dev/null 2>&1 || echo "run failed: $*" >&2; echo $(( ${EPOCHREALTIME/./} - s )); }
        for ((i = 0; i < runs; i++)); do
                echo "w $(us "${wr[@]}" run b$i)"
                echo "c $(us "${cr[@]}" run b$i)"
        done' bash "$work/bundle" "$runs" "${#wr_cmd[@]}" "${wr_cmd[@]}" "${crun_cmd[@]}" >"$work/times"

median() { grep "^$1 " "$work/times" | cut -d' ' -f2 | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
w=$(median w)
c=$(median c)
awk -v w="$w" -v c="$c" -v n="$runs" 'BEGIN {
        printf "runs: %d each, alternating, /bin/true in a busybox bundle\n", n
        printf "warren-runtime run median: %.2f ms\n", w / 1000
        printf "crun run median:           %.2f ms\n", c / 1000
        printf "ratio warren-runtime/crun: %.2f\n", w / c
}'
