#!/usr/bin/env bats
# pass: rootless
# The per-user namespace holder: one per user, joined by every command that touches containers.
bats_require_minimum_version 1.5.0
load helpers

setup() {
        common_setup
        require_feature userns
        tar -C "$ROOTFS_TEMPLATE" -cf "$TEST_TMP/busybox.tar" .
}

@test "holder: relative paths keep working after joining the holder's mount namespace" {
        cd "$TEST_TMP"
        run "$WARREN" import busybox.tar rel:1
        [ "$status" -eq 0 ]
        run "$WARREN" run --rm --network none rel:1 sh -c 'echo inside'
        [ "$status" -eq 0 ]
        [ "$output" = inside ]
}

@test "holder: one per user, reused by later commands, and a dead one is replaced" {
        "$WARREN" import "$TEST_TMP/busybox.tar" h:1 >/dev/null
        "$WARREN" run --rm --network none h:1 true
        local pidfile=$XDG_RUNTIME_DIR/warren/holder.pid
        [ -f "$pidfile" ]
        local first
        first=$(cut -d' ' -f1 "$pidfile")
        kill -0 "$first"
        [ "$(cat /proc/$first/comm)" = warren-holder ]
        "$WARREN" run --rm --network none h:1 true
        [ "$(cut -d' ' -f1 "$pidfile")" = "$first" ]
        kill -KILL "$first"
        run "$WARREN" run --rm --network none h:1 echo again
        [ "$status" -eq 0 ]
        [ "$output" = again ]
        [ "$(cut -d' ' -f1 "$pidfile")" != "$first" ]
}

@test "holder: containers see the subuid range through it" {
        require_feature newuidmap
        "$WARREN" import "$TEST_TMP/busybox.tar" h:2 >/dev/null
        run "$WARREN" run --rm --network none h:2 cat /proc/self/uid_map
        [ "$status" -eq 0 ]
        local sub
        sub=$(grep "^$(id -un):" /etc/subuid | head -1 | cut -d: -f2)
        assert_contains "$output" "$sub"
        assert_contains "$output" "$(id -u)"
}
