#!/usr/bin/env bats
# pass: rootless
# pass: root
# The test setup itself: what every other file relies on.
load helpers

@test "the staged busybox rootfs runs" {
        run "$ROOTFS_TEMPLATE/bin/busybox" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
}

@test "tests run with private XDG directories" {
        [[ "$XDG_DATA_HOME" == "$BATS_TEST_TMPDIR"* ]]
        [ -d "$XDG_RUNTIME_DIR" ]
        [ "$(stat -c %a "$XDG_RUNTIME_DIR")" = 700 ]
}

@test "the rootless pass runs unprivileged with a subuid range" {
        is_root && skip "root pass"
        [ "$(id -u)" -ne 0 ]
        require_feature userns newuidmap
        grep -q "^$(id -un):" /etc/subuid
}

@test "machine features this host has are usable by the test user" {
        require_feature userns overlay fuse tun
}
