#!/usr/bin/env bats
# pass: rootless
# warren-init: the --init reaper and a sandbox's infra (--pause) process.
bats_require_minimum_version 1.5.0
load helpers

INIT=$WARREN_STAGE/bin/warren-init

@test "init: exits with the command's status" {
        run -7 "$INIT" -- sh -c 'exit 7'
}

@test "init: a command killed by a signal gives 128+N" {
        run -137 "$INIT" -- sh -c 'kill -9 $$'
}

@test "init: a missing command gives 127" {
        run -127 "$INIT" -- /nonexistent/cmd
        assert_contains "$output" "/nonexistent/cmd"
}

@test "init: forwards SIGTERM to the command" {
        require_feature userns
        "$INIT" -- sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done' \
                >"$TEST_TMP/out" 2>&1 &
        local pid=$!
        wait_for grep -q ready "$TEST_TMP/out"
        kill -TERM "$pid"
        wait "$pid"
        grep -q got-term "$TEST_TMP/out"
}

@test "init: as pid 1 it reaps orphaned zombies" {
        require_feature userns
        # The command leaves an orphan that exits at once; without reaping it would stay a zombie.
        run unshare --user --map-root-user --pid --fork --mount-proc "$INIT" -- \
                sh -c '(sh -c "exit 0" &) ; sleep 0.5; ps -o stat= 2>/dev/null | grep -c "^Z" || true'
        [ "$status" -eq 0 ]
        [ "${lines[-1]}" = 0 ]
}

@test "init --pause: holds until SIGTERM, then exits 0" {
        "$INIT" --pause &
        local pid=$!
        sleep 0.2
        kill -0 "$pid"
        kill -TERM "$pid"
        local rc=0
        wait "$pid" || rc=$?
        [ "$rc" -eq 0 ]
}

@test "init: bad usage is an error" {
        run -2 "$INIT"
        run -2 "$INIT" --pause extra
}
