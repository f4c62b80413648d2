# SPDX-License-Identifier: Apache-2.0
# Shared helpers for warren's bats tests. tests/check.sh stages the programs, payloads and a
# busybox rootfs under $WARREN_STAGE and runs each file as the unprivileged test user (files
# with a "# pass: rootless" line) and/or as root ("# pass: root").
#
# A file that defines its own setup() must call common_setup first.

: "${WARREN_STAGE:?run through tests/check.sh (make check-integration)}"
WARREN=$WARREN_STAGE/bin/warren
WARREN_RUNTIME=$WARREN_STAGE/bin/warren-runtime
PAYLOAD_DIR=$WARREN_STAGE/payload
ROOTFS_TEMPLATE=$WARREN_STAGE/rootfs
TESTS_DIR=$WARREN_STAGE/tests

# Each test gets private XDG directories, so stores, state and sockets never leak between tests.
common_setup() {
        TEST_TMP=$BATS_TEST_TMPDIR
        export XDG_DATA_HOME=$TEST_TMP/data XDG_CONFIG_HOME=$TEST_TMP/config
        export XDG_RUNTIME_DIR=$TEST_TMP/run
        mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
        chmod 0700 "$XDG_RUNTIME_DIR"
}

setup() {
        common_setup
}

# The busybox rootfs as a tarball, once per file: call from setup_file().
make_test_tarball() {
        tar -C "$ROOTFS_TEMPLATE" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
}

# Import that tarball as IMAGE into this test's own stores (after make_test_tarball).
import_test_image() {
        run "$WARREN" import "$BATS_FILE_TMPDIR/busybox.tar" "$1"
        if [ "$status" -ne 0 ]; then
                echo "import failed: $output" >&2
                return 1
        fi
}

# The pid of this test's namespace holder, if one runs.
holder_pid() {
        local f=$XDG_RUNTIME_DIR/warren/holder.pid
        [ -f "$f" ] && cut -d' ' -f1 "$f"
}

# Remove what the test made through warren (layers hold files owned by subordinate ids: only
# warren can remove them): pods, containers, images; then stop this test's namespace holder.
warren_teardown() {
        local ids pods h
        pods=$("$WARREN" pod ps -q 2>/dev/null) || true
        [ -z "$pods" ] || "$WARREN" pod rm -f $pods >/dev/null 2>&1 || true
        ids=$("$WARREN" ps -aq --no-trunc 2>/dev/null) || true
        [ -z "$ids" ] || "$WARREN" rm -f $ids >/dev/null 2>&1 || true
        "$WARREN" image prune -a -f >/dev/null 2>&1 || true
        h=$(holder_pid) || true
        [ -z "$h" ] || kill "$h" 2>/dev/null || true
}

# Leave nothing running: containers, pods, then the test's namespace holder. Files that define
# their own teardown() should call common_teardown.
common_teardown() {
        [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR/warren" ] || return 0
        if [ -x "$WARREN" ] && [ -d "${XDG_DATA_HOME:-/nonexistent}/warren" ]; then
                local ids
                ids=$(timeout 20 "$WARREN" ps -aq 2>/dev/null) || true
                [ -n "$ids" ] && timeout 60 "$WARREN" rm -f $ids >/dev/null 2>&1
                ids=$(timeout 20 "$WARREN" pod ps -q 2>/dev/null) || true
                [ -n "$ids" ] && timeout 60 "$WARREN" pod rm -f $ids >/dev/null 2>&1
        fi
        local f pid
        for f in "$XDG_RUNTIME_DIR"/warren/containers/*/monitor.pid "$XDG_RUNTIME_DIR"/warren/holder.pid; do
                [ -f "$f" ] || continue
                pid=$(cut -d' ' -f1 "$f")
                [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
        done
        return 0
}

teardown() {
        common_teardown
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Does this machine have FEATURE? Prints nothing; exit status says.
have_feature() {
        case "$1" in
        root) is_root ;;
        nonroot) ! is_root ;;
        userns) unshare --user --map-root-user true 2>/dev/null ;;
        newuidmap)
                command -v newuidmap >/dev/null && command -v newgidmap >/dev/null &&
                        grep -qE "^($(id -un)|$(id -u)):" /etc/subuid 2>/dev/null &&
                        grep -qE "^($(id -un)|$(id -u)):" /etc/subgid 2>/dev/null
                ;;
        overlay)
                local d
                d=$(mktemp -d)
                mkdir -p "$d"/{l,u,w,m}
                unshare --user --map-root-user --mount sh -c \
                        "mount -t overlay -o lowerdir=$d/l,upperdir=$d/u,workdir=$d/w,userxattr none $d/m" \
                        2>/dev/null
                local rc=$?
                rm -rf "$d"
                return $rc
                ;;
        fuse) command -v fuse-overlayfs >/dev/null && [ -r /dev/fuse ] && [ -w /dev/fuse ] ;;
        tun) [ -r /dev/net/tun ] && [ -w /dev/net/tun ] ;;
        crun) command -v crun >/dev/null ;;
        runc) command -v runc >/dev/null ;;
        *)
                echo "have_feature: unknown feature $1" >&2
                return 2
                ;;
        esac
}

# Skip when FEATURE is missing. Under CI=true a feature this machine is known to have (user
# namespaces, overlay in a userns, /dev/fuse, /dev/net/tun, newuidmap) fails instead of skipping,
# so a regression in the test setup cannot hide behind a skip.
require_feature() {
        local f
        for f in "$@"; do
                have_feature "$f" && continue
                case "$f" in
                userns | overlay | fuse | tun | newuidmap)
                        if [ "${CI:-}" = true ]; then
                                echo "feature '$f' is missing, and CI requires it" >&2
                                return 1
                        fi
                        ;;
                esac
                skip "needs $f"
        done
}

# make_bundle DIR: DIR/rootfs is a copy of the busybox rootfs (with /usr/bin/testprobe).
# Write DIR/config.json yourself, e.g. with `warren-runtime spec --rootless`.
make_bundle() {
        local dir=$1
        mkdir -p "$dir"
        cp -a "$ROOTFS_TEMPLATE" "$dir/rootfs"
}

# Poll until COMMAND succeeds, up to SECONDS (default 10).
wait_for() {
        local secs=${WAIT_SECS:-10} i
        for ((i = 0; i < secs * 20; i++)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        "$@"
}

# assert that OUTPUT contains TEXT
assert_contains() {
        local haystack=$1 needle=$2
        if [[ "$haystack" != *"$needle"* ]]; then
                echo "expected to find: $needle" >&2
                echo "in: $haystack" >&2
                return 1
        fi
}

assert_not_contains() {
        local haystack=$1 needle=$2
        if [[ "$haystack" == *"$needle"* ]]; then
                echo "did not expect: $needle" >&2
                echo "in: $haystack" >&2
                return 1
        fi
}

# Two host ports published to one container UDP port: each answers, from the port asked
# (nettool's udp-client takes only replies from the address and port it sent to).
udp_two_ports_answer() { # A B
        local i
        for i in 1 2; do
                run "$PY" "$TOOL" udp-client 127.0.0.1 "$1" "first-$i"
                [ "$status" -eq 0 ]
                [ "$output" = "echo:first-$i from 10.0.2.2" ]
                run "$PY" "$TOOL" udp-client 127.0.0.1 "$2" "second-$i"
                [ "$status" -eq 0 ]
                [ "$output" = "echo:second-$i from 10.0.2.2" ]
        done
}
