#!/usr/bin/env bats
# pass: rootless
# The per-container monitor (docs/protocols/monitor.md), driven through its client library with
# `warren-monitor ctl`. The OCI runtime under it: $MONITOR_TEST_RUNTIME when set ("warren" means
# $WARREN_RUNTIME), else the first of $WARREN_RUNTIME, crun and runc that runs a container here
# (crun refuses some hybrid cgroup hosts). The memory test names the runtime it used.
load helpers

MONITOR=$WARREN_STAGE/bin/warren-monitor

# Write process.args = sh -c SCRIPT and process.terminal into DIR/config.json.
set_process() {
        local dir=$1 script=$2 terminal=${3:-false}
        if command -v jq >/dev/null; then
                jq --arg s "$script" --argjson t "$terminal" \
                        '.process.args = ["sh", "-c", $s] | .process.terminal = $t' \
                        "$dir/config.json" >"$dir/config.json.new"
        else
                local esc=${script//\\/\\\\}
                esc=${esc//\"/\\\"}
                sed -e "s|^\( *\)\"sh\"\$|\1\"sh\", \"-c\", \"${esc//|/\\|}\"|" \
                        -e "s|\"terminal\": [a-z]*|\"terminal\": $terminal|" \
                        "$dir/config.json" >"$dir/config.json.new"
        fi
        mv "$dir/config.json.new" "$dir/config.json"
}

runtime_works() {
        local rt=$1 dir
        command -v "$rt" >/dev/null 2>&1 || return 1
        dir=$(mktemp -d "$BATS_FILE_TMPDIR/probe.XXXXXX")
        make_bundle "$dir"
        (cd "$dir" && "$rt" spec --rootless) >/dev/null 2>&1 || return 1
        set_process "$dir" true
        (cd "$dir" && XDG_RUNTIME_DIR=$BATS_FILE_TMPDIR/run timeout 30 "$rt" run "probe-$$" \
                </dev/null >/dev/null 2>&1)
}

setup_file() {
        mkdir -p "$BATS_FILE_TMPDIR/run"
        chmod 0700 "$BATS_FILE_TMPDIR/run"
        local rt=
        case "${MONITOR_TEST_RUNTIME:-}" in
        warren) rt=$WARREN_RUNTIME ;;
        ?*) rt=$MONITOR_TEST_RUNTIME ;;
        *)
                local c
                for c in "$WARREN_RUNTIME" crun runc; do
                        if runtime_works "$c"; then
                                rt=$c
                                break
                        fi
                done
                ;;
        esac
        export MONITOR_RT=$rt
}

setup() {
        common_setup
        require_feature userns
        [ -n "${MONITOR_RT:-}" ] || skip "no OCI runtime runs a rootless container here"
        BUNDLE=$TEST_TMP/bundle
        STATE=$TEST_TMP/s
        LOG=$STATE/ctr.log
        ID=mon-$BATS_TEST_NUMBER-$$
        make_bundle "$BUNDLE"
        (cd "$BUNDLE" && "$MONITOR_RT" spec --rootless)
        mkdir -p "$STATE"
}

teardown() {
        # Never leave a monitor or a container behind, whatever the test did.
        # (Only a monitor the start-time check calls alive: its pid may have been reused.)
        if "$MONITOR" ctl check "$STATE" 2>/dev/null | grep -Eq '^state=(alive|restarting) '; then
                kill -9 "$(cut -d' ' -f1 "$STATE/monitor.pid")" 2>/dev/null || true
        fi
        "$MONITOR_RT" kill "$ID" KILL >/dev/null 2>&1 || true
        "$MONITOR_RT" delete -f "$ID" >/dev/null 2>&1 || true
}

# spawn [MONITOR-OPTIONS...]: start a monitor for $ID and wait for its report.
spawn() {
        run "$MONITOR" ctl spawn --id "$ID" --bundle "$BUNDLE" --runtime "$MONITOR_RT" \
                --state-dir "$STATE" --log-path "$LOG" "$@"
}

monitor_pid() { cut -d' ' -f1 "$STATE/monitor.pid"; }

runs_at_least() { [ "$(grep -c run "$LOG")" -ge "$1" ]; }

# wait_exit [TIMEOUT_MS]: the client library's wait; $status is the container's exit code.
wait_exit() {
        run timeout 60 "$MONITOR" ctl wait "$STATE" "${1:-30000}"
}

ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

@test "monitor: stdout and stderr are logged in CRI format, partial lines as P" {
        set_process "$BUNDLE" 'echo out; echo err >&2; printf partial; sleep 0.2; echo " line"'
        spawn --start --delete
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        [[ "$output" =~ ^monitor=[0-9]+\ container=[0-9]+$ ]]
        wait_exit
        [ "$status" -eq 0 ]
        assert_contains "$output" "exit_code=0 signal=0"
        cat "$LOG"
        grep -Eq "^$ts stdout F out\$" "$LOG"
        grep -Eq "^$ts stderr F err\$" "$LOG"
        grep -Eq "^$ts stdout P partial\$" "$LOG"
        grep -Eq "^$ts stdout F  line\$" "$LOG"
        # every line is a CRI record
        run grep -Evc "^$ts (stdout|stderr) [FP] " "$LOG"
        [ "$output" = 0 ]
        [ "$(stat -c %a "$LOG")" = 600 ]
        # a clean exit leaves no socket or pid file behind, and the container was deleted
        [ ! -e "$STATE/attach" ]
        [ ! -e "$STATE/monitor.pid" ]
        ! "$MONITOR_RT" state "$ID" >/dev/null 2>&1
}

@test "monitor: exit codes 0 and 3 are recorded" {
        for code in 0 3; do
                rm -rf "$STATE" && mkdir -p "$STATE"
                set_process "$BUNDLE" "exit $code"
                spawn --start --delete
                [ "$status" -eq 0 ] || { echo "$output"; false; }
                wait_exit
                [ "$status" -eq "$code" ]
                grep -qx "exit_code=$code" "$STATE/exit"
                grep -qx "reason=exited" "$STATE/exit"
                grep -qx "version=1" "$STATE/exit"
                grep -Eq "^finished_at=$ts\$" "$STATE/exit"
                [ "$(stat -c %a "$STATE/exit")" = 600 ]
        done
}

@test "monitor: a container killed by SIGKILL exits 137" {
        set_process "$BUNDLE" 'echo ready; sleep 100'
        spawn --start --delete
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_for grep -q ready "$LOG"
        run "$MONITOR" ctl status "$STATE"
        [ "$status" -eq 0 ]
        assert_contains "$output" "state=running"
        run "$MONITOR" ctl kill "$STATE" KILL
        [ "$status" -eq 0 ]
        wait_exit
        [ "$status" -eq 137 ]
        assert_contains "$output" "exit_code=137 signal=9"
        grep -qx "reason=signaled" "$STATE/exit"
        grep -qx "restarting=false" "$STATE/exit"
}

@test "monitor: stop sends the stop signal, then SIGKILL after the timeout" {
        # sh as pid 1 has no TERM handler, so only the SIGKILL ends it.
        set_process "$BUNDLE" 'echo ready; sleep 100'
        spawn --start --delete --stop-timeout 1
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_for grep -q ready "$LOG"
        local t0=$SECONDS
        run "$MONITOR" ctl stop "$STATE"
        [ "$status" -eq 0 ]
        wait_exit
        [ "$status" -eq 137 ]
        [ $((SECONDS - t0)) -lt 10 ]
}

@test "monitor: on-failure:3 restarts exactly three times" {
        set_process "$BUNDLE" 'echo run; exit 1'
        spawn --start --delete --restart on-failure:3
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_exit 60000
        [ "$status" -eq 1 ]
        assert_contains "$output" "restarts=3 restarting=false"
        cat "$LOG"
        [ "$(grep -Ec "^$ts stdout F run\$" "$LOG")" -eq 4 ]
        grep -qx "restarts=3" "$STATE/exit"
}

@test "monitor: restart always keeps going until stopped" {
        set_process "$BUNDLE" 'echo run; exit 0'
        spawn --start --delete --restart always
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        WAIT_SECS=20 wait_for runs_at_least 3
        run "$MONITOR" ctl stop "$STATE" 1
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_exit
        [ "$status" -eq 0 ] || [ "$status" -eq 137 ]
        grep -qx "restarting=false" "$STATE/exit"
        run "$MONITOR" ctl check "$STATE"
        assert_contains "$output" "state=exited"
}

@test "monitor: the log rotates at the size cap, keeping LOG.1" {
        set_process "$BUNDLE" 'i=0; while [ $i -lt 300 ]; do echo "line-$i-abcdefghijklmnopqrstuvwxyz"; i=$((i+1)); done'
        spawn --start --delete --log-max-size 4096
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_exit
        [ "$status" -eq 0 ]
        [ -f "$LOG.1" ]
        [ ! -e "$LOG.2" ]
        [ "$(stat -c %s "$LOG")" -le 4096 ]
        [ "$(stat -c %s "$LOG.1")" -le 4096 ]
        [ "$(stat -c %s "$LOG.1")" -gt 3000 ]
        # the newest line is in LOG, and LOG.1 holds the lines just before LOG's first
        grep -Eq "^$ts stdout F line-299-abc" "$LOG"
        run grep -Evc "^$ts stdout [FP] " "$LOG" "$LOG.1"
        [ "$output" = "$(printf '%s:0\n%s:0' "$LOG" "$LOG.1")" ]
        local first last
        first=$(head -1 "$LOG" | sed -E 's/.*line-([0-9]+)-.*/\1/')
        last=$(tail -1 "$LOG.1" | sed -E 's/.*line-([0-9]+)-.*/\1/')
        [ $((last + 1)) -eq "$first" ]
}

@test "monitor: SIGKILL of the monitor is reported as dead, without a hang" {
        set_process "$BUNDLE" 'echo ready; sleep 100'
        spawn --start
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_for grep -q ready "$LOG"
        local mpid
        mpid=$(monitor_pid)
        # a waiter that is already connected when the monitor dies
        timeout 20 "$MONITOR" ctl wait "$STATE" >"$TEST_TMP/wait.out" 2>&1 &
        local waiter=$!
        sleep 0.3
        kill -9 "$mpid"
        local rc=0
        wait "$waiter" || rc=$?
        cat "$TEST_TMP/wait.out"
        [ "$rc" -eq 125 ]
        assert_contains "$(cat "$TEST_TMP/wait.out")" "died without recording an exit"
        # and every later call says so at once
        run timeout 10 "$MONITOR" ctl check "$STATE"
        [ "$status" -eq 0 ]
        assert_contains "$output" "state=dead monitor_pid=$mpid"
        run timeout 10 "$MONITOR" ctl wait "$STATE"
        [ "$status" -eq 125 ]
        run timeout 10 "$MONITOR" ctl status "$STATE"
        [ "$status" -eq 125 ]
        assert_contains "$output" "is not running"
}

@test "monitor: a failing create is reported with the runtime's error and nothing is left" {
        rm -rf "$BUNDLE/rootfs"
        spawn --start
        [ "$status" -eq 125 ]
        echo "$output"
        assert_contains "$output" "\`$(basename "$MONITOR_RT") create\` failed"
        grep -qx "reason=create-failed" "$STATE/exit"
        grep -qx "exit_code=125" "$STATE/exit"
        [ ! -e "$STATE/monitor.pid" ]
        [ ! -e "$STATE/attach" ]
}

@test "monitor: create, attach, then start: output and stdin go through the attach socket" {
        set_process "$BUNDLE" 'read x; echo "got-$x"; echo "to-err" >&2; exit 4'
        spawn --stdin --delete
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        run "$MONITOR" ctl status "$STATE"
        assert_contains "$output" "state=created"
        [ "$(stat -c %a "$STATE/attach")" = 600 ]
        (
                rc=0
                echo hello | timeout 30 "$MONITOR" ctl attach "$STATE" --stdin \
                        >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
                echo "$rc" >"$TEST_TMP/rc"
        ) &
        wait_for grep -q attached "$TEST_TMP/err"
        run "$MONITOR" ctl start "$STATE"
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_for test -s "$TEST_TMP/rc"
        cat "$TEST_TMP/out" "$TEST_TMP/err"
        [ "$(cat "$TEST_TMP/rc")" -eq 4 ]
        [ "$(cat "$TEST_TMP/out")" = got-hello ]
        grep -q to-err "$TEST_TMP/err"
        grep -Eq "^$ts stdout F got-hello\$" "$LOG"
        wait_exit
        [ "$status" -eq 4 ]
}

@test "monitor: with a terminal the pty master comes through the console socket" {
        set_process "$BUNDLE" 'tty; echo done' true
        spawn --terminal --start --delete
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_exit
        [ "$status" -eq 0 ]
        cat "$LOG"
        grep -Eq "^$ts stdout F /dev/pts/[0-9]+"$'\r'"?\$" "$LOG"
        grep -q "stdout F done" "$LOG"
        [ ! -e "$STATE/console.sock" ]
}

@test "monitor: SIGTERM to the monitor stops the container and records it" {
        set_process "$BUNDLE" 'trap "echo bye; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
        spawn --start --delete
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_for grep -q ready "$LOG"
        kill -TERM "$(monitor_pid)"
        wait_exit
        [ "$status" -eq 7 ]
        grep -q "stdout F bye" "$LOG"
        wait_for test ! -e "$STATE/monitor.pid"
}

@test "monitor: memory (PSS) of an idle monitor" {
        set_process "$BUNDLE" 'echo ready; sleep 100'
        spawn --start --delete
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        wait_for grep -q ready "$LOG"
        local mpid pss rss
        mpid=$(monitor_pid)
        pss=$(awk '/^Pss:/ {print $2}' "/proc/$mpid/smaps_rollup")
        rss=$(awk '/^Rss:/ {print $2}' "/proc/$mpid/smaps_rollup")
        echo "# warren-monitor PSS: ${pss} kB (RSS ${rss} kB), runtime $(basename "$MONITOR_RT")" >&3
        [ "$pss" -gt 0 ]
        [ "$pss" -lt 2048 ]
        run "$MONITOR" ctl stop "$STATE" 0
        wait_exit
        [ "$status" -eq 137 ]
}
