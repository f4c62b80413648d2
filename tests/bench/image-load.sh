#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Load a ~200 MB three-layer docker-archive built here from local files (/usr): warren load
# against podman load of the same archive as the same user, and against plain `tar -x` of the
# same layers. RUNS rounds (default 3) each run all three from an empty store, interleaved so a
# busy machine slows them alike; the best time of each is kept; prints
# the times and ratios. Goal (issue 5): warren at least 2x faster than podman, within 1.3x of
# tar -x.
# usage: tests/bench/image-load.sh   (WARREN=path/to/warren, SIZE_MB=200, RUNS=3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WARREN=${WARREN:-$ROOT/build/bin/warren}
SIZE_MB=${SIZE_MB:-200}
RUNS=${RUNS:-3}
[ -x "$WARREN" ] || { echo "image-load: build warren first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/warren-bench.XXXXXX)
chmod 0755 "$work"
# Long-lived helpers this run starts (warren's namespace holder, podman's pause process) are
# stopped at the end unless they were already running.
rundir=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
holder_pidfile=$rundir/warren/holder.pid
pause_pidfile=$rundir/libpod/tmp/pause.pid
holder_before=$(cut -d' ' -f1 "$holder_pidfile" 2>/dev/null || true)
pause_before=$(cat "$pause_pidfile" 2>/dev/null || true)
cleanup() {
        # layers hold files owned by subordinate ids: let warren remove its own store
        XDG_DATA_HOME=$work/wdata "$WARREN" image prune -a >/dev/null 2>&1 || true
        if command -v podman >/dev/null; then
                podman unshare rm -rf "$work/proot" "$work/prun" >/dev/null 2>&1 || true
        fi
        rm -rf "$work" 2>/dev/null || true
        local p
        p=$(cut -d' ' -f1 "$holder_pidfile" 2>/dev/null || true)
        [ -n "$p" ] && [ "$p" != "$holder_before" ] && kill "$p" 2>/dev/null || true
        p=$(cat "$pause_pidfile" 2>/dev/null || true)
        [ -n "$p" ] && [ "$p" != "$pause_before" ] && kill "$p" 2>/dev/null || true
}
trap cleanup EXIT

echo "building a ${SIZE_MB} MB image from local files in $work"
python3 - "$work" "$SIZE_MB" <<'PY'
import hashlib, io, json, os, sys, tarfile
work, size_mb = sys.argv[1], int(sys.argv[2])
# three layers: shared libraries, data files, programs (about 50/30/20 of the size)
plan = [("/usr/lib", 0.5), ("/usr/share", 0.3), ("/usr/bin", 0.2)]
layers = []
for top, frac in plan:
    budget = int(size_mb * frac * 1024 * 1024)
    path = os.path.join(work, "layer-%d.tar" % len(layers))
    used = 0
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for d, dirs, files in os.walk(top):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(d, f)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not (os.path.islink(p) or os.path.isfile(p)):
                    continue
                if used + st.st_size > budget:
                    continue
                try:
                    ti = t.gettarinfo(p, arcname=p.lstrip("/"))
                    ti.uid = ti.gid = 0
                    ti.uname = ti.gname = ""
                    if ti.isreg():
                        with open(p, "rb") as fh:
                            t.addfile(ti, fh)
                    else:
                        t.addfile(ti)
                except (OSError, PermissionError):
                    continue
                used += st.st_size
            if used >= budget * 0.98:
                break
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    layers.append((path, h.hexdigest()))
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + x for _, x in layers]}}).encode()
ch = hashlib.sha256(cfg).hexdigest()
with tarfile.open(os.path.join(work, "image.tar"), "w", format=tarfile.PAX_FORMAT) as t:
    for path, x in layers:
        t.add(path, arcname=x + "/layer.tar")
    for name, data in [(ch + ".json", cfg),
                       ("manifest.json", json.dumps([{"Config": ch + ".json", "RepoTags": ["bench/load:latest"],
                                                      "Layers": [x + "/layer.tar" for _, x in layers]}]).encode())]:
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
PY
chmod -R a+rX "$work"
echo "archive: $(du -m "$work/image.tar" | cut -f1) MB, layers: $(ls "$work"/layer-*.tar | wc -l)"

now() { echo "$EPOCHREALTIME"; }
# One timed run of FN from a reset state: prints seconds.
timed() {
        local fn=$1 t0 t1
        "${fn}_reset"
        t0=$(now)
        "$fn" || return 1
        t1=$(now)
        echo "$t1 - $t0" | bc -l
}
min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

tarx_reset() { rm -rf "$work/tarx"; mkdir -p "$work/tarx"; sync; }
tarx() { for l in "$work"/layer-*.tar; do tar -xf "$l" -C "$work/tarx" || return 1; done; }
warren_load_reset() {
        XDG_DATA_HOME=$work/wdata "$WARREN" image prune -a >/dev/null 2>&1 || true
        rm -rf "$work/wdata"
        mkdir -p "$work/wdata"
        sync
}
warren_load() { XDG_DATA_HOME=$work/wdata "$WARREN" load -q -i "$work/image.tar" >/dev/null; }
podman_load_reset() {
        podman unshare rm -rf "$work/proot" "$work/prun" >/dev/null 2>&1 || rm -rf "$work/proot" "$work/prun"
        mkdir -p "$work/proot" "$work/prun"
        sync
}
podman_load() {
        podman --root "$work/proot" --runroot "$work/prun" load -q -i "$work/image.tar" >/dev/null 2>"$work/podman.err"
}

podman_ok=1
podman_why=""
if ! command -v podman >/dev/null; then
        podman_ok=0
        podman_why="podman is not installed (apt-get install podman)"
fi
# Rounds interleave the three, so that a busy machine slows them alike; the best of each is kept.
t_tar="" t_warren="" t_podman=""
for ((round = 1; round <= RUNS; round++)); do
        x=$(timed tarx) || { echo "tar -x failed" >&2; exit 1; }
        t_tar=$(min "$t_tar" "$x")
        y=$(timed warren_load) || { echo "warren load failed" >&2; exit 1; }
        t_warren=$(min "$t_warren" "$y")
        line="round $round: tar -x $(printf '%.3f' "$x")s, warren $(printf '%.3f' "$y")s"
        if [ $podman_ok = 1 ]; then
                if z=$(timed podman_load); then
                        t_podman=$(min "$t_podman" "$z")
                        line="$line, podman $(printf '%.3f' "$z")s"
                else
                        podman_ok=0
                        podman_why="podman failed on this host: $(tail -3 "$work/podman.err" | tr '\n' ' ')"
                fi
        fi
        echo "$line"
done
echo "tar -x of the layers:  $(printf '%.3f' "$t_tar")s (best of $RUNS)"
echo "warren load:           $(printf '%.3f' "$t_warren")s"
if [ $podman_ok = 1 ]; then
        echo "podman load:           $(printf '%.3f' "$t_podman")s ($(podman --version))"
else
        echo "podman load:           not run: $podman_why"
        t_podman=""
fi
echo "warren / tar -x:       $(printf '%.2f' "$(echo "$t_warren / $t_tar" | bc -l)") (goal <= 1.30)"
if [ -n "$t_podman" ]; then
        echo "podman / warren:       $(printf '%.2f' "$(echo "$t_podman / $t_warren" | bc -l)") (goal >= 2.00)"
fi
