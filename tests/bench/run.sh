#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# warren vs podman, side by side, as the same unprivileged user, the same busybox image imported
# in both, --network none for both:
#   1. `run --rm IMG true` latency (median of RUNS, alternating)
#   2. 32 `run --rm IMG true` started at once: total time, failures
#   3. memory per idle running container: PSS (/proc/PID/smaps_rollup) of every process the
#      engine keeps per container (warren: monitor + the implicit sandbox's infra process and
#      network helper if any; podman: conmon, plus its infra if any), averaged over K containers;
#      then, for information, the same with each tool's default network (warren-net against
#      slirp4netns)
#   4. `ps -a` with PS_N created containers (median of 5)
# Prints each figure, the ratio and the issue's goal. If podman cannot run here, says why and
# still prints warren's figures.
#
# usage: tests/bench/run.sh [RUNS]       (default 20; run as root, or as the user)
#   BENCH_USER      the unprivileged user when started as root (default warren-test)
#   BENCH_PS_N      containers created for the ps benchmark (default 1000)
#   BENCH_MEM_K     idle containers for the memory figure (default 5)
#   BENCH_PARALLEL  containers started at once (default 32)
#   WARREN          the warren binary (default build/bin/warren)
#   BENCH_KEEP_V1=1 keep a hugetlb v1 hierarchy this script mounted (default: unmounted at exit)
#
# podman at its best here: its default runtime (crun), --cgroup-manager cgroupfs and
# --events-backend file (no systemd on this host, so the defaults would only add fallbacks and
# warnings). crun refuses a hybrid cgroup host whose v2 hierarchy holds hugetlb; started as root
# on such a host the script mounts hugetlb as its own v1 hierarchy first, and checks that crun
# then runs (tests/bench/runtime-start.sh does the same).
set -uo pipefail
runs=${1:-20}
ps_n=${BENCH_PS_N:-1000}
mem_k=${BENCH_MEM_K:-5}
par=${BENCH_PARALLEL:-32}
root=$(cd "$(dirname "$0")/../.." && pwd)
warren_bin=${WARREN:-$root/build/bin/warren}
user=${BENCH_USER:-warren-test}
[ -x "$warren_bin" ] || { echo "bench: build warren first (make)" >&2; exit 1; }

note() { printf 'bench: %s\n' "$*" >&2; }

work=$(mktemp -d /tmp/wb.XXXXXX)
chmod 0755 "$work"
mounted=()

podman_ok=
if [ "$(id -u)" -eq 0 ]; then
        id "$user" >/dev/null 2>&1 || { echo "bench: no user $user (set BENCH_USER)" >&2; exit 1; }
        uid=$(id -u "$user")
        rundir=/run/user/$uid
        mkdir -p "$rundir" && chown "$user:" "$rundir" && chmod 0700 "$rundir"
        home=$(getent passwd "$user" | cut -d: -f6)
        as_user() { runuser -u "$user" -- env -i PATH="$PATH" HOME="$home" USER="$user" \
                XDG_RUNTIME_DIR="$rundir" "$@"; }
        # the binaries may sit under a private checkout: give the user its own copies
        mkdir -p "$work/bin"
        cp -a "$(dirname "$warren_bin")/." "$work/bin/"
        warren_bin=$work/bin/$(basename "$warren_bin")
        chmod -R a+rX "$work/bin"
        chown "$user:" "$work"
else
        rundir=${XDG_RUNTIME_DIR:-/tmp/warren-run-$(id -u)}
        as_user() { env XDG_RUNTIME_DIR="$rundir" "$@"; }
fi
# warren gets stores and a runtime directory of its own, so the user's containers are untouched
wrun=$rundir/wb.$$
as_user mkdir -m 0700 -p "$wrun"
wenv=(env XDG_RUNTIME_DIR="$wrun" XDG_DATA_HOME="$work/wdata" XDG_CONFIG_HOME="$work/wconfig")

W() { as_user "${wenv[@]}" "$warren_bin" "$@"; }
podman_opts=(--root "$work/pdata" --runroot "$rundir/bench-podman" --cgroup-manager cgroupfs
        --events-backend file)
P() { as_user podman "${podman_opts[@]}" "$@"; }

cleanup() {
        W ps -aq --no-trunc 2>/dev/null | as_user "${wenv[@]}" xargs -r -n 50 "$warren_bin" rm -f >/dev/null 2>&1
        W image prune -a -f >/dev/null 2>&1
        if [ -n "$podman_ok" ]; then
                P rm -a -f -t 0 >/dev/null 2>&1
                P system reset -f >/dev/null 2>&1
        fi
        local h
        h=$(cut -d' ' -f1 "$wrun/warren/holder.pid" 2>/dev/null) && [ -n "$h" ] && kill "$h" 2>/dev/null
        rm -rf "$work" "$wrun" "$rundir/bench-podman" 2>/dev/null
        if [ "${BENCH_KEEP_V1:-0}" != 1 ]; then
                local m
                for m in "${mounted[@]}"; do
                        umount "$m" 2>/dev/null && rmdir "$m" 2>/dev/null
                done
        fi
        return 0
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
ratio() { # A B -> "A/B" with one decimal, or n/a
        awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1fx", a / b; else print "n/a" }'
}
pss_kb() { # PID... -> summed Pss in kB
        local p sum=0 v
        for p in "$@"; do
                [ -n "$p" ] && [ "$p" != 0 ] || continue
                v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
                sum=$((sum + ${v:-0}))
        done
        echo "$sum"
}

# ---- the image ----
bash "$root/tests/lib/make-rootfs.sh" "$work/rootfs" >/dev/null || exit 1
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
chmod a+r "$work/rootfs.tar"
IMG=localhost/bench/busybox:latest
W import -q "$work/rootfs.tar" "$IMG" >/dev/null || { echo "bench: warren import failed" >&2; exit 1; }
W run --rm --network none "$IMG" true || { echo "bench: warren cannot run a container here" >&2; exit 1; }

# ---- podman, at its best ----
podman_why=
if ! command -v podman >/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then
                note "installing podman"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman >/dev/null 2>&1 ||
                        podman_why="apt-get install podman failed"
        else
                podman_why="podman is not installed (run as root to install it)"
        fi
fi
if command -v podman >/dev/null && [ -z "$podman_why" ]; then
        P import -q "$work/rootfs.tar" "$IMG" >/dev/null 2>"$work/podman.err" ||
                podman_why="podman import failed: $(tail -1 "$work/podman.err")"
        if [ -z "$podman_why" ] && ! out=$(P run --rm --network none "$IMG" true 2>&1); then
                if [[ "$out" == *"hybrid mode not supported"* ]] || [[ "$out" == *"hybrid"* ]]; then
                        if [ "$(id -u)" -eq 0 ]; then
                                note "crun refuses this hybrid cgroup host; mounting hugetlb as its own v1 hierarchy"
                                mkdir -p /sys/fs/cgroup/hugetlb
                                if ! mountpoint -q /sys/fs/cgroup/hugetlb; then
                                        if mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
                                                mounted+=(/sys/fs/cgroup/hugetlb)
                                        else
                                                podman_why="mounting hugetlb as a v1 hierarchy failed"
                                        fi
                                fi
                                if [ -z "$podman_why" ] && ! out=$(P run --rm --network none "$IMG" true 2>&1); then
                                        podman_why="podman still cannot run after the hugetlb remount: $out"
                                fi
                        else
                                podman_why="crun refuses this hybrid cgroup host (hugetlb on the v2 hierarchy); run as root to remount it: $out"
                        fi
                else
                        podman_why="podman cannot run a container here: $out"
                fi
        fi
        [ -z "$podman_why" ] && podman_ok=1
fi
# warren must still work after any remount
W run --rm --network none "$IMG" true || { echo "bench: warren stopped working after the remount" >&2; exit 1; }
if [ -n "$podman_ok" ]; then
        note "podman $(P --version 2>/dev/null | awk '{print $3}') with $(P info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null)"
else
        note "podman figures are missing: $podman_why"
fi

# ---- 1. run --rm latency ----
note "run --rm $IMG true, $runs times each"
: >"$work/lat.w"
: >"$work/lat.p"
for ((i = 0; i < runs; i++)); do
        t0=$(now_ms)
        W run --rm --network none "$IMG" true >/dev/null 2>&1 || note "warren run failed"
        echo $(($(now_ms) - t0)) >>"$work/lat.w"
        if [ -n "$podman_ok" ]; then
                t0=$(now_ms)
                P run --rm --network none "$IMG" true >/dev/null 2>&1 || note "podman run failed"
                echo $(($(now_ms) - t0)) >>"$work/lat.p"
        fi
done
lat_w=$(median <"$work/lat.w")
lat_p=$(median <"$work/lat.p")

# ---- 2. N at once ----
at_once() { # warren|podman -> "MS FAILURES"
        local which=$1 i pids=() fails=0 t0
        t0=$(now_ms)
        for ((i = 0; i < par; i++)); do
                if [ "$which" = warren ]; then
                        W run --rm --network none "$IMG" true >/dev/null 2>"$work/par.$which.$i" &
                else
                        P run --rm --network none "$IMG" true >/dev/null 2>"$work/par.$which.$i" &
                fi
                pids+=($!)
        done
        for i in "${pids[@]}"; do
                wait "$i" || fails=$((fails + 1))
        done
        echo "$(($(now_ms) - t0)) $fails"
}
note "$par run --rm started at once"
read -r par_w par_w_fail < <(at_once warren)
par_p=n/a
par_p_fail=n/a
[ -n "$podman_ok" ] && read -r par_p par_p_fail < <(at_once podman)

# ---- 3. memory per idle container ----
# Start all K first, then measure: PSS splits shared pages among the processes mapping them, so
# the figure is the steady state of K containers, not of the first one alone.
note "memory: $mem_k idle containers each"
w_ids=()
for ((i = 0; i < mem_k; i++)); do
        id=$(W run -d --network none "$IMG" sleep 100000) && w_ids+=("$id") || note "warren run -d failed"
done
p_ids=()
if [ -n "$podman_ok" ]; then
        for ((i = 0; i < mem_k; i++)); do
                id=$(P run -d --network none "$IMG" sleep 100000) && p_ids+=("$id") || note "podman run -d failed"
        done
fi
sleep 1
mem_w_total=0
mem_w_mon=0
mem_w_infra=0
mem_w_net=0
for id in "${w_ids[@]}"; do
        mon=$(pgrep -f -- "warren-monitor.*$id" | head -1)
        sb=$(W inspect -f '{{.SandboxId}}' "$id" 2>/dev/null)
        infra=$(W pod inspect -f '{{.Infra.Pid}}' "$sb" 2>/dev/null)
        net=$(W pod inspect -f '{{.Network.HelperPid}}' "$sb" 2>/dev/null)
        mem_w_mon=$((mem_w_mon + $(pss_kb "$mon")))
        mem_w_infra=$((mem_w_infra + $(pss_kb "$infra")))
        mem_w_net=$((mem_w_net + $(pss_kb "$net")))
done
n=${#w_ids[@]}
if [ "$n" -gt 0 ]; then
        mem_w=$(((mem_w_mon + mem_w_infra + mem_w_net) / n))
        mem_w_procs="monitor $((mem_w_mon / n)) kB + infra $((mem_w_infra / n)) kB + network helper $((mem_w_net / n)) kB"
else
        mem_w=n/a
        mem_w_procs=
fi
mem_p=n/a
mem_p_procs=
if [ ${#p_ids[@]} -gt 0 ]; then
        mem_p_total=0
        for id in "${p_ids[@]}"; do
                conmon=$(pgrep -f -- "conmon.*$id" | head -1)
                mem_p_total=$((mem_p_total + $(pss_kb "$conmon")))
        done
        mem_p=$((mem_p_total / ${#p_ids[@]}))
        mem_p_procs="conmon $mem_p kB (a lone container has no infra)"
fi
W ps -aq --no-trunc | as_user "${wenv[@]}" xargs -r "$warren_bin" rm -f >/dev/null 2>&1
[ -n "$podman_ok" ] && P rm -a -f -t 0 >/dev/null 2>&1

# ---- 3b. the same with each tool's default network (slirp), for information ----
# warren: monitor + infra + warren-net (libslirp); podman: conmon + slirp4netns.
note "memory with the default network: $mem_k idle containers each"
w_ids=()
for ((i = 0; i < mem_k; i++)); do
        id=$(W run -d "$IMG" sleep 100000) && w_ids+=("$id") || note "warren run -d failed"
done
p_ids=()
if [ -n "$podman_ok" ]; then
        for ((i = 0; i < mem_k; i++)); do
                id=$(P run -d "$IMG" sleep 100000) && p_ids+=("$id") || note "podman run -d failed"
        done
fi
sleep 1
netmem_w=n/a
netmem_w_procs=
if [ ${#w_ids[@]} -gt 0 ]; then
        t_mon=0 t_infra=0 t_net=0
        for id in "${w_ids[@]}"; do
                mon=$(pgrep -f -- "warren-monitor.*$id" | head -1)
                sb=$(W inspect -f '{{.SandboxId}}' "$id" 2>/dev/null)
                infra=$(W pod inspect -f '{{.Infra.Pid}}' "$sb" 2>/dev/null)
                net=$(W pod inspect -f '{{.Network.HelperPid}}' "$sb" 2>/dev/null)
                t_mon=$((t_mon + $(pss_kb "$mon")))
                t_infra=$((t_infra + $(pss_kb "$infra")))
                t_net=$((t_net + $(pss_kb "$net")))
        done
        n=${#w_ids[@]}
        netmem_w=$(((t_mon + t_infra + t_net) / n))
        netmem_w_procs="monitor $((t_mon / n)) kB + infra $((t_infra / n)) kB + warren-net $((t_net / n)) kB"
fi
netmem_p=n/a
netmem_p_procs=
if [ ${#p_ids[@]} -gt 0 ]; then
        t_conmon=0 t_slirp=0
        for id in "${p_ids[@]}"; do
                conmon=$(pgrep -f -- "conmon.*$id" | head -1)
                ns=$(P inspect -f '{{.NetworkSettings.SandboxKey}}' "$id" 2>/dev/null)
                slirp=
                [ -n "$ns" ] && slirp=$(pgrep -f -- "slirp4netns.*$ns" | head -1)
                t_conmon=$((t_conmon + $(pss_kb "$conmon")))
                t_slirp=$((t_slirp + $(pss_kb "$slirp")))
        done
        n=${#p_ids[@]}
        netmem_p=$(((t_conmon + t_slirp) / n))
        netmem_p_procs="conmon $((t_conmon / n)) kB + slirp4netns $((t_slirp / n)) kB"
fi
W ps -aq --no-trunc | as_user "${wenv[@]}" xargs -r "$warren_bin" rm -f >/dev/null 2>&1
[ -n "$podman_ok" ] && P rm -a -f -t 0 >/dev/null 2>&1

# ---- 4. ps -a with PS_N containers ----
note "creating $ps_n containers in each"
seq "$ps_n" | as_user "${wenv[@]}" xargs -P 2 -I{} "$warren_bin" create --network none "$IMG" true >/dev/null 2>"$work/create.w"
[ -n "$podman_ok" ] && seq "$ps_n" | as_user xargs -P 2 -I{} podman "${podman_opts[@]}" create --network none "$IMG" true >/dev/null 2>"$work/create.p"
n_w=$(W ps -aq | wc -l)
n_p=n/a
[ -n "$podman_ok" ] && n_p=$(P ps -aq | wc -l)
: >"$work/ps.w"
: >"$work/ps.p"
for ((i = 0; i < 5; i++)); do
        t0=$(now_ms)
        W ps -a >/dev/null
        echo $(($(now_ms) - t0)) >>"$work/ps.w"
        if [ -n "$podman_ok" ]; then
                t0=$(now_ms)
                P ps -a >/dev/null
                echo $(($(now_ms) - t0)) >>"$work/ps.p"
        fi
done
ps_w=$(median <"$work/ps.w")
ps_p=$(median <"$work/ps.p")

# ---- report ----
echo
echo "warren vs podman, user $user, --network none, image $IMG (busybox rootfs)"
[ -n "$podman_ok" ] || echo "podman: not measured: $podman_why"
printf '%-44s %12s %12s %10s  %s\n' "" warren podman "podman/w" "goal"
printf '%-44s %12s %12s %10s  %s\n' "run --rm true, median of $runs (ms)" "$lat_w" "$lat_p" "$(ratio "$lat_p" "$lat_w")" ">= 5x"
printf '%-44s %12s %12s %10s  %s\n' "ps -a with $ps_n containers, median of 5 (ms)" "$ps_w" "$ps_p" "$(ratio "$ps_p" "$ps_w")" ">= 10x"
printf '%-44s %12s %12s %10s  %s\n' "  (containers listed)" "$n_w" "$n_p" "" ""
printf '%-44s %12s %12s %10s  %s\n' "PSS per idle container, $mem_k running (kB)" "$mem_w" "$mem_p" "$(ratio "$mem_p" "$mem_w")" ">= 4x"
printf '%-44s %12s %12s %10s  %s\n' "  the same, default (slirp) network (kB)" "$netmem_w" "$netmem_p" "$(ratio "$netmem_p" "$netmem_w")" "(info)"
printf '%-44s %12s %12s %10s  %s\n' "$par run --rm at once, total (ms)" "$par_w" "$par_p" "$(ratio "$par_p" "$par_w")" "> 1x, 0 failures"
printf '%-44s %12s %12s\n' "  (failures)" "$par_w_fail" "$par_p_fail"
echo "per container (mean): warren: ${mem_w_procs:-n/a}; podman: ${mem_p_procs:-n/a}"
echo "with the default network: warren: ${netmem_w_procs:-n/a}; podman: ${netmem_p_procs:-n/a}"
echo "not counted: warren's namespace holder and podman's pause process (one per user, shared)"
if [ "${par_w_fail:-0}" != 0 ]; then
        echo "warren failures at once:"
        cat "$work"/par.warren.* | sort | uniq -c | head -5
fi
