#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The test runner behind `make check`: cmocka unit tests, fuzz-corpus replay, and bats
# integration tests. Started as root (as CI is), it creates an unprivileged test user with its
# own subuid/subgid range, HOME and XDG_RUNTIME_DIR, runs the rootless suite as that user, then a
# root pass. Ends with one line `N passed, M failed`.
# usage: tests/check.sh [all|unit|fuzz|integration] [BATS-FILE...]
set -uo pipefail

mode=${1:-all}
shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILDDIR:-$ROOT/build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TEST_USER=${WARREN_TEST_USER:-warren-test}
SUBID_START=${WARREN_TEST_SUBID_START:-400000}
SUBID_COUNT=65536

passed=0
failed=0
skipped=0
failures=()

note() { printf '%s\n' "$*"; }

run_unit() {
        note "== unit tests (cmocka)"
        local t out rc p f
        for t in "$BUILD"/tests/unit/test-*; do
                [ -x "$t" ] || continue
                out=$(cd "$ROOT" && timeout 300 "$t" 2>&1)
                rc=$?
                p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
                f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
                p=${p:-0}
                f=${f:-0}
                if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
                        f=1 # crashed or timed out before cmocka could count
                fi
                passed=$((passed + p))
                failed=$((failed + f))
                if [ "$f" -ne 0 ]; then
                        failures+=("unit: $(basename "$t")")
                        printf '%s\n' "$out" | tail -40
                fi
                printf '%-40s %3d passed, %d failed\n' "$(basename "$t")" "$p" "$f"
        done
}

run_fuzz() {
        note "== fuzz corpus replay"
        local t name corpus out
        for t in "$BUILD"/tests/fuzz/fuzz-*; do
                [ -x "$t" ] || continue
                name=$(basename "$t")
                name=${name#fuzz-}
                corpus=$ROOT/tests/fuzz/corpus/$name
                if [ ! -d "$corpus" ]; then
                        failed=$((failed + 1))
                        failures+=("fuzz: $name has no corpus at tests/fuzz/corpus/$name")
                        continue
                fi
                if out=$(cd "$ROOT" && timeout 300 "$t" "$corpus" 2>&1); then
                        passed=$((passed + 1))
                        printf '%-40s %s\n' "fuzz-$name" "$(printf '%s' "$out" | tail -1)"
                else
                        failed=$((failed + 1))
                        failures+=("fuzz: $name")
                        printf '%s\n' "$out" | tail -20
                fi
        done
}

# A directory the unprivileged user can read: the checkout may sit under a private path.
stage_tree() {
        STAGE=$(mktemp -d /tmp/warren-check.XXXXXX)
        chmod 0755 "$STAGE"
        mkdir -p "$STAGE/bin" "$STAGE/payload"
        cp -a "$BUILD/bin/." "$STAGE/bin/" 2>/dev/null || true
        cp -a "$BUILD/tests/payload/." "$STAGE/payload/" 2>/dev/null || true
        cp -a "$ROOT/tests" "$STAGE/tests"
        [ -d "$ROOT/examples" ] && cp -a "$ROOT/examples" "$STAGE/examples"
        local probe=
        [ -x "$STAGE/payload/testprobe" ] && probe=$STAGE/payload/testprobe
        if ! bash "$ROOT/tests/lib/make-rootfs.sh" "$STAGE/rootfs" $probe >"$STAGE/rootfs.log" 2>&1; then
                cat "$STAGE/rootfs.log"
                return 1
        fi
        chmod -R a+rX "$STAGE"
}

ensure_test_user() {
        if ! id "$TEST_USER" >/dev/null 2>&1; then
                useradd --create-home --shell /bin/bash "$TEST_USER" || return 1
        fi
        local uid
        uid=$(id -u "$TEST_USER")
        for f in /etc/subuid /etc/subgid; do
                touch "$f"
                if ! grep -q "^$TEST_USER:$SUBID_START:$SUBID_COUNT\$" "$f"; then
                        sed -i "/^$TEST_USER:/d;/^$uid:/d" "$f"
                        echo "$TEST_USER:$SUBID_START:$SUBID_COUNT" >>"$f"
                fi
        done
        TEST_RUNTIME_DIR=/run/user/$uid
        mkdir -p "$TEST_RUNTIME_DIR"
        chown "$TEST_USER:" "$TEST_RUNTIME_DIR"
        chmod 0700 "$TEST_RUNTIME_DIR"
        TEST_HOME=$(getent passwd "$TEST_USER" | cut -d: -f6)
        # /dev/fuse and /dev/net/tun are 0600 here: let the test user open them, as a desktop
        # distribution's udev rules would.
        for dev in /dev/fuse /dev/net/tun; do
                [ -e "$dev" ] && setfacl -m "u:$TEST_USER:rw" "$dev" 2>/dev/null
        done
        return 0
}

# Count a bats TAP stream: "ok", "ok # skip", "not ok".
count_tap() {
        local line
        while IFS= read -r line; do
                printf '%s\n' "$line"
                case "$line" in
                "not ok "*)
                        failed=$((failed + 1))
                        failures+=("$1: ${line#not ok }")
                        ;;
                "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
                "ok "*) passed=$((passed + 1)) ;;
                esac
        done
}

bats_files_for() { # pass-name -> files carrying "# pass: NAME"
        local f
        for f in "$STAGE"/tests/integration/*.bats; do
                [ -e "$f" ] || continue
                if [ ${#SELECTED[@]} -gt 0 ]; then
                        local s keep=0
                        for s in "${SELECTED[@]}"; do [ "$(basename "$s")" = "$(basename "$f")" ] && keep=1; done
                        [ $keep = 1 ] || continue
                fi
                grep -q "^# pass:.*\b$1\b" "$f" && printf '%s\n' "$f"
        done
}

run_integration() {
        note "== integration tests (bats)"
        if ! command -v bats >/dev/null; then
                failed=$((failed + 1))
                failures+=("integration: bats is not installed (make deps)")
                return
        fi
        stage_tree || {
                failed=$((failed + 1))
                failures+=("integration: cannot build the test rootfs")
                return
        }
        local files tap_env
        tap_env=(CI="${CI:-}" WARREN_STAGE="$STAGE" BATS_TEST_TIMEOUT=180 LANG=C.UTF-8
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
        if [ "$(id -u)" -eq 0 ]; then
                if ensure_test_user; then
                        mapfile -t files < <(bats_files_for rootless)
                        if [ ${#files[@]} -gt 0 ]; then
                                note "-- rootless pass as $TEST_USER (uid $(id -u "$TEST_USER"))"
                                count_tap rootless < <(cd / && runuser -u "$TEST_USER" -- env -i \
                                        "${tap_env[@]}" HOME="$TEST_HOME" USER="$TEST_USER" \
                                        XDG_RUNTIME_DIR="$TEST_RUNTIME_DIR" \
                                        timeout 3000 bats --tap "${files[@]}" 2>&1)
                        fi
                else
                        failed=$((failed + 1))
                        failures+=("integration: cannot create the test user $TEST_USER")
                fi
                mapfile -t files < <(bats_files_for root)
                if [ ${#files[@]} -gt 0 ]; then
                        note "-- root pass"
                        count_tap root < <(cd / && env -i "${tap_env[@]}" HOME=/root USER=root \
                                timeout 1800 bats --tap "${files[@]}" 2>&1)
                fi
        else
                mapfile -t files < <(bats_files_for rootless)
                if [ ${#files[@]} -gt 0 ]; then
                        note "-- rootless pass as $(id -un)"
                        count_tap rootless < <(cd / && env -i "${tap_env[@]}" HOME="$HOME" \
                                USER="$(id -un)" XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-}" \
                                timeout 3000 bats --tap "${files[@]}" 2>&1)
                fi
        fi
        rm -rf "$STAGE" 2>/dev/null
}

SELECTED=("$@")
case "$mode" in
all)
        run_unit
        run_fuzz
        run_integration
        ;;
unit) run_unit ;;
fuzz) run_fuzz ;;
integration) run_integration ;;
*)
        echo "usage: $0 [all|unit|fuzz|integration] [BATS-FILE...]" >&2
        exit 2
        ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
        note "== failures"
        printf '  %s\n' "${failures[@]}"
fi
if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
else
        echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
