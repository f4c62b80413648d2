#!/usr/bin/env bats
# pass: rootless
# The scripts in examples/ run as documented, as an unprivileged user, and leave nothing behind.
load helpers
bats_require_minimum_version 1.5.0

EXAMPLES=$WARREN_STAGE/examples

setup() {
        common_setup
        require_feature userns
        export WARREN
}

teardown() {
        warren_teardown
}

leftovers() {
        "$WARREN" ps -aq
        "$WARREN" pod ps -q
        "$WARREN" images -q
}

@test "examples/hello.sh: a throw-away container" {
        run bash "$EXAMPLES/hello.sh"
        [ "$status" -eq 0 ]
        assert_contains "$output" "hello from a warren container"
        assert_contains "$output" "exit code: 3"
        [ -z "$(leftovers)" ]
}

@test "examples/pod.sh: two containers of a pod talk over its loopback" {
        run bash "$EXAMPLES/pod.sh"
        [ "$status" -eq 0 ]
        assert_contains "$output" "client on shared-host"
        assert_contains "$output" "hello from shared-host over loopback"
        [ -z "$(leftovers)" ]
}

@test "examples/publish.sh: a published port answers on the host's loopback" {
        require_feature tun
        run bash "$EXAMPLES/publish.sh"
        [ "$status" -eq 0 ]
        assert_contains "$output" "hello from a published port"
        [[ "$output" =~ 127\.0\.0\.1:[0-9]+-\>80/tcp ]]
        [ -z "$(leftovers)" ]
}
