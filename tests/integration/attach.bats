#!/usr/bin/env bats
# pass: rootless
# Attach sessions (docs/protocols/monitor.md, the attach socket): output reaches a slow reader
# whole and in order, the container is held back instead of the reader being dropped, and the
# exit code comes in the EXIT message, not from the exit-file fallback.
load helpers
bats_require_minimum_version 1.5.0

IMG=busybox:test

setup_file() {
        make_test_tarball
}

setup() {
        common_setup
        require_feature userns
        import_test_image "$IMG"
}

teardown() {
        warren_teardown
}

# The md5 of `seq 1 N`.
seq_md5() {
        seq 1 "$1" | md5sum | cut -d' ' -f1
}

@test "run: a slow reader gets every line of stdout, and the exit code" {
        run bash -c "'$WARREN' run --rm --network none $IMG sh -c 'seq 1 50000; exit 3' |
                (sleep 1; md5sum | cut -d' ' -f1); echo \"\${PIPESTATUS[0]}\""
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "$(seq_md5 50000)" ]
        [ "${lines[1]}" = 3 ]
}

@test "run: a slow reader of stderr gets every line, kept apart from stdout" {
        # stderr goes to the slow pipe, stdout to a file; the two streams are interleaved
        run bash -c "'$WARREN' run --rm --network none $IMG \
                sh -c 'seq 1 30000; seq 1 50000 >&2; echo last-out; echo last-err >&2; exit 4' \
                2>&1 >'$TEST_TMP/out' | (sleep 1; cat >'$TEST_TMP/err'); echo \"\${PIPESTATUS[0]}\""
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = 4 ]
        [ "$(wc -l <"$TEST_TMP/out")" -eq 30001 ]
        [ "$(head -n 30000 "$TEST_TMP/out" | md5sum | cut -d' ' -f1)" = "$(seq_md5 30000)" ]
        [ "$(tail -n 1 "$TEST_TMP/out")" = last-out ]
        [ "$(wc -l <"$TEST_TMP/err")" -eq 50001 ]
        [ "$(head -n 50000 "$TEST_TMP/err" | md5sum | cut -d' ' -f1)" = "$(seq_md5 50000)" ]
        [ "$(tail -n 1 "$TEST_TMP/err")" = last-err ]
}

@test "attach: a slow reader gets all output in order; logs has everything" {
        # The output starts after a pause, so the session is attached before the first line;
        # the reader starts reading only well after that.
        "$WARREN" run -d --name big --network none "$IMG" sh -c 'sleep 2; seq 1 50000; exit 5'
        run bash -c "'$WARREN' attach --no-stdin big | (sleep 4; cat >'$TEST_TMP/attached');
                echo \"\${PIPESTATUS[0]}\""
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = 5 ]
        [ "$(wc -l <"$TEST_TMP/attached")" -eq 50000 ]
        [ "$(md5sum <"$TEST_TMP/attached" | cut -d' ' -f1)" = "$(seq_md5 50000)" ]
        run bash -c "'$WARREN' logs big | md5sum | cut -d' ' -f1"
        [ "$output" = "$(seq_md5 50000)" ]
}

@test "run: a reader that stops reading holds the container back, and nothing is lost" {
        # 400000 lines (2.7 MB) are more than the monitor queues for one client (1 MiB).
        bash -c "'$WARREN' run --name held --network none $IMG sh -c 'seq 1 400000; exit 6' |
                (sleep 4; md5sum | cut -d' ' -f1 >'$TEST_TMP/sum')
                echo \"\${PIPESTATUS[0]}\" >'$TEST_TMP/rc'" 3>&- &
        local bg=$!
        wait_for bash -c "'$WARREN' logs held | grep -q ."
        sleep 1
        # The reader has taken nothing yet: the container is held back, and its log with it.
        run "$WARREN" logs held
        [ "$status" -eq 0 ]
        echo "logged while held: ${#lines[@]}"
        [ "${#lines[@]}" -lt 400000 ]
        wait "$bg" # not a bare `wait`: bats runs a timeout watchdog in the background
        [ "$(cat "$TEST_TMP/sum")" = "$(seq_md5 400000)" ]
        [ "$(cat "$TEST_TMP/rc")" = 6 ]
        run bash -c "'$WARREN' logs held | md5sum | cut -d' ' -f1"
        [ "$output" = "$(seq_md5 400000)" ]
}

@test "run -i: stdin through the container to a slow reader, whole and without a deadlock" {
        # cat cannot read more input while its output is held back: the client must keep
        # reading output while the monitor does not take its stdin.
        run bash -c "seq 1 300000 | timeout 60 '$WARREN' run -i --rm --network none $IMG cat |
                (sleep 2; md5sum | cut -d' ' -f1); echo \"\${PIPESTATUS[1]}\""
        echo "$output"
        [ "${lines[0]}" = "$(seq_md5 300000)" ]
        [ "${lines[1]}" = 0 ]
}

@test "run -it: the exit code comes in the EXIT message, 30 times out of 30" {
        command -v script >/dev/null || skip "needs script(1)"
        # Terminal output fills the client's socket as the container exits, which is when the
        # monitor used to lose EXIT; warren's debug log tells where the exit code came from.
        local i cmd="'$WARREN' --log-level debug run -it --rm --network none $IMG sh -c 'seq 1 2000; exit 7'"
        for i in $(seq 1 30); do
                run script -qec "$cmd" /dev/null </dev/null
                if [ "$status" -ne 7 ] ||
                        [[ "$output" != *"exit code 7 from the monitor's EXIT message"* ]]; then
                        echo "run $i: status $status"
                        echo "$output" | tail -5
                        return 1
                fi
                assert_not_contains "$output" "from the exit file"
                assert_contains "$output" "2000"
        done
}
