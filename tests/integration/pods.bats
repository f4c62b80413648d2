#!/usr/bin/env bats
# pass: rootless
# Pods (docs/commands/pods.md): sandboxes whose members share network, ipc and uts namespaces,
# held by an infra process. create, start, stop, kill, restart, rm, ps, inspect, top, wait.
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

pod_processes() {
        pgrep -f -- "$XDG_RUNTIME_DIR/warren" || true
        pgrep -f -- "$XDG_DATA_HOME/warren" || true
}

snapshot() {
        "$WARREN" pod ps -q --no-trunc 2>&1
        "$WARREN" ps -aq --no-trunc 2>&1
        ls "$XDG_DATA_HOME/warren/sandboxes" "$XDG_DATA_HOME/warren/containers" \
                "$XDG_DATA_HOME/warren/sandbox-data" 2>/dev/null | grep -v -e '^lock$' -e '^names$'
        pod_processes
}

expect_refused() {
        local text=$1
        shift
        local before
        before=$(snapshot)
        run "$@"
        echo "$output"
        [ "$status" -eq 125 ]
        assert_contains "$output" "warren: "
        assert_contains "$output" "$text"
        [ "$(snapshot)" = "$before" ]
}

nothing_running() {
        [ -z "$("$WARREN" ps -q)" ]
}

pod_status() {
        "$WARREN" pod ps --filter "name=^$1\$" --format '{{.Status}}'
}

@test "pod create, ps, inspect, exists, rm" {
        run "$WARREN" pod create --name p1 --network none --label team=a
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^[0-9a-f]{64}$ ]]
        local id=$output
        run "$WARREN" pod ps
        [[ "${lines[0]}" =~ ^POD\ ID\ +NAME\ +STATUS\ +CREATED\ +#\ OF\ CONTAINERS$ ]]
        assert_contains "${lines[1]}" "${id:0:12}"
        assert_contains "${lines[1]}" "p1"
        run "$WARREN" pod ps --format json
        [ "$(jq -r '.[0].Name' <<<"$output")" = p1 ]
        [ "$(jq -r '.[0].Labels.team' <<<"$output")" = a ]
        run "$WARREN" pod ps -q
        [ "$output" = "${id:0:12}" ]
        run "$WARREN" pod ls --filter label=team=a --format '{{.Name}}'
        [ "$output" = p1 ]
        run "$WARREN" pod ls --filter label=team=b --format '{{.Name}}'
        [ "$output" = "" ]
        run "$WARREN" pod inspect p1
        [ "$status" -eq 0 ]
        [ "$(jq length <<<"$output")" -eq 1 ]
        run "$WARREN" pod exists p1
        [ "$status" -eq 0 ]
        run "$WARREN" pod rm p1
        [ "$status" -eq 0 ]
        [ "$output" = p1 ]
        run "$WARREN" pod exists p1
        [ "$status" -eq 1 ]
        run "$WARREN" pod ps -q
        [ "$output" = "" ]
        [ -z "$(pod_processes)" ]
}

@test "two containers in one pod share hostname and loopback" {
        "$WARREN" pod create --name net --hostname podhost --network none >/dev/null
        "$WARREN" run -d --pod net --name srv "$IMG" \
                sh -c 'while true; do echo hello-over-loopback | nc -l -p 8080; done' >/dev/null
        run "$WARREN" run --rm --pod net "$IMG" sh -c '
                hostname
                for i in $(seq 1 100); do
                        if out=$(nc 127.0.0.1 8080 </dev/null 2>/dev/null) && [ -n "$out" ]; then
                                echo "$out"
                                exit 0
                        fi
                        sleep 0.1
                done
                exit 1'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = podhost ]
        assert_contains "$output" "hello-over-loopback"
        run "$WARREN" exec srv hostname
        [ "$output" = podhost ]
        # members show their pod in ps
        run "$WARREN" ps -a --format '{{.Names}} {{.PodName}}'
        assert_contains "$output" "srv net"
}

@test "a lone container's implicit sandbox is not a pod" {
        "$WARREN" run -d --name lone --network none "$IMG" sleep 1000 >/dev/null
        run "$WARREN" pod ps -q
        [ "$output" = "" ]
        run "$WARREN" ps --format '{{.Pod}}'
        [ "$output" = "" ]
}

@test "pod stop, start, restart, kill; status follows the members" {
        "$WARREN" pod create --name life --network none >/dev/null
        "$WARREN" create --pod life --name m1 "$IMG" sleep 1000 >/dev/null
        "$WARREN" create --pod life --name m2 "$IMG" sleep 1000 >/dev/null
        run "$WARREN" pod start life
        [ "$status" -eq 0 ]
        [ "$output" = life ]
        [ "$(pod_status life)" = Running ]
        run "$WARREN" ps --format '{{.Names}}'
        assert_contains "$output" "m1"
        assert_contains "$output" "m2"
        "$WARREN" stop -t 1 m2
        [ "$(pod_status life)" = Degraded ]
        run "$WARREN" pod stop -t 1 life
        [ "$status" -eq 0 ]
        [ "$(pod_status life)" = Exited ]
        run "$WARREN" ps -q
        [ "$output" = "" ]
        run "$WARREN" pod restart -t 1 life
        [ "$status" -eq 0 ]
        [ "$(pod_status life)" = Running ]
        run "$WARREN" pod kill life
        [ "$status" -eq 0 ]
        WAIT_SECS=10 wait_for nothing_running
        run "$WARREN" pod kill -s NOPE life
        [ "$status" -eq 125 ]
        assert_contains "$output" "NOPE"
}

@test "pod top shows every member's processes" {
        "$WARREN" pod create --name tp --network none >/dev/null
        "$WARREN" run -d --pod tp --name a "$IMG" sleep 1001 >/dev/null
        "$WARREN" run -d --pod tp --name b "$IMG" sleep 1002 >/dev/null
        run "$WARREN" pod top tp
        [ "$status" -eq 0 ]
        assert_contains "$output" "sleep 1001"
        assert_contains "$output" "sleep 1002"
}

@test "pod rm refuses running members without -f; -f removes them all" {
        "$WARREN" pod create --name busy --network none >/dev/null
        "$WARREN" run -d --pod busy --name w1 "$IMG" sleep 1000 >/dev/null
        expect_refused "busy" "$WARREN" pod rm busy
        run "$WARREN" pod rm -f busy
        [ "$status" -eq 0 ]
        run "$WARREN" ps -aq
        [ "$output" = "" ]
        run "$WARREN" pod ps -q
        [ "$output" = "" ]
        [ -z "$(pod_processes)" ]
        run "$WARREN" pod rm -f nosuch
        [ "$status" -eq 0 ]
        run "$WARREN" pod rm nosuch
        [ "$status" -eq 125 ]
}

@test "pod wait returns once the pod is stopped" {
        "$WARREN" pod create --name wt --network none >/dev/null
        "$WARREN" pod start wt >/dev/null
        "$WARREN" pod wait wt >"$TEST_TMP/waited" 2>&1 &
        local waiter=$!
        sleep 0.5
        kill -0 "$waiter"
        "$WARREN" pod stop -t 1 wt
        local i
        for ((i = 0; i < 100; i++)); do
                kill -0 "$waiter" 2>/dev/null || break
                sleep 0.1
        done
        ! kill -0 "$waiter" 2>/dev/null
        wait "$waiter"
}

@test "bad input: a taken pod name, a bad network, -p without slirp, an unknown pod" {
        "$WARREN" pod create --name taken --network none >/dev/null
        expect_refused "taken" "$WARREN" pod create --name taken --network none
        expect_refused "bogus" "$WARREN" pod create --network bogus
        expect_refused "-p" "$WARREN" pod create --network none -p 8080:80
        expect_refused "nosuch" "$WARREN" run --rm --pod nosuch "$IMG" true
        expect_refused "nosuch" "$WARREN" pod start nosuch
        expect_refused "--bogus" "$WARREN" pod create --bogus
}

@test "pod prune -f removes stopped pods with their containers, and only those" {
        "$WARREN" pod create --name stopped --network none >/dev/null
        "$WARREN" run -d --pod stopped --name member "$IMG" sleep 1000 >/dev/null
        "$WARREN" pod stop -t 1 stopped >/dev/null
        "$WARREN" pod create --name up --network none >/dev/null
        run "$WARREN" pod prune -f
        [ "$status" -eq 0 ]
        assert_contains "$output" "Deleted Pods"
        run "$WARREN" pod ps --format '{{.Name}}'
        [ "$output" = "up" ]
        run "$WARREN" ps -a --format '{{.Names}}'
        [ "$output" = "" ]
}

@test "pod commands print usage with --help" {
        local c
        for c in create start stop kill restart rm ps ls inspect top wait; do
                run "$WARREN" pod "$c" --help
                [ "$status" -eq 0 ] || { echo "pod $c --help: $output" >&2; return 1; }
                assert_contains "$output" "Usage: warren pod $c"
        done
        run "$WARREN" pod
        [ "$status" -eq 125 ]
        run "$WARREN" pod frobnicate
        [ "$status" -eq 125 ]
        assert_contains "$output" "frobnicate"
}
