#!/usr/bin/env bats
# pass: rootless
# The container commands (docs/commands/containers.md), as the unprivileged user: run, create,
# start, stop, kill, restart, pause, unpause, rm, ps, inspect, logs, exec, attach, wait, top,
# rename, update, cp, container prune; exit codes; bad input leaves nothing behind.
load helpers
bats_require_minimum_version 1.5.0

IMG=busybox:test

setup_file() {
        # The busybox rootfs (with /usr/bin/testprobe), imported in each test's stores by setup().
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

# Processes of this test's containers: every monitor runs with --state-dir under our runtime dir.
container_processes() {
        pgrep -f -- "--state-dir $XDG_RUNTIME_DIR/warren" || true
}

# Mounts under this test's stores, as the holder's mount namespace sees them.
store_mounts() {
        local h
        h=$(holder_pid) || true
        if [ -n "$h" ] && [ -r "/proc/$h/mountinfo" ]; then
                grep -c -- "$XDG_DATA_HOME" "/proc/$h/mountinfo" || true
        else
                echo 0
        fi
}

# Everything a container can leave behind: records, directories, processes, mounts.
snapshot() {
        "$WARREN" ps -aq --no-trunc 2>&1
        ls "$XDG_DATA_HOME/warren/containers" "$XDG_DATA_HOME/warren/sandboxes" \
                "$XDG_DATA_HOME/warren/userdata" "$XDG_DATA_HOME/warren/sandbox-data" \
                "$XDG_RUNTIME_DIR/warren/containers" 2>/dev/null | grep -v -e '^lock$' -e '^names$'
        container_processes
        store_mounts
}

# run CMD..., expect exit 125, a "warren:" message containing TEXT, and no change in snapshot().
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

# ps -a, one template per container: for wait_for, which must re-run the command each time.
ps_is() {
        [ "$("$WARREN" ps -a --format "$1")" = "$2" ]
}

log_lines_matching() { # CONTAINER TEXT COUNT
        [ "$("$WARREN" logs "$1" 2>&1 | grep -c -- "$2")" -eq "$3" ]
}

state_of() {
        "$WARREN" ps -a --filter "name=^$1\$" --format '{{.State}}'
}

# ---- run, create, start ----

@test "run --rm prints hi and leaves nothing behind" {
        local mounts_before
        "$WARREN" ps -a >/dev/null # start the holder, so the mount count is comparable
        mounts_before=$(store_mounts)
        run "$WARREN" run --rm --network none "$IMG" echo hi
        [ "$status" -eq 0 ]
        [ "$output" = "hi" ]
        run "$WARREN" ps -aq
        [ "$output" = "" ]
        [ -z "$(container_processes)" ]
        [ "$(store_mounts)" = "$mounts_before" ]
        [ -z "$(ls "$XDG_DATA_HOME/warren/userdata" 2>/dev/null)" ]
        [ -z "$(ls "$XDG_RUNTIME_DIR/warren/containers" 2>/dev/null)" ]
}

@test "an image is found by the short name it was imported as, as docker finds it" {
        import_test_image shortname
        run "$WARREN" run --rm --network none shortname echo found
        [ "$status" -eq 0 ]
        [ "$output" = "found" ]
        run "$WARREN" create --network none --name by-short shortname true
        [ "$status" -eq 0 ]
        run "$WARREN" rm by-short
        run "$WARREN" run --rm --network none shortnam echo x
        [ "$status" -eq 125 ]
        assert_contains "$output" "no such image \`shortnam\`"
        "$WARREN" rmi shortname
}

@test "a warren run killed at any point leaves nothing behind once ps has run" {
        local pauses_before holders_before i
        # live ones only: a killed process stays a zombie until init reaps it
        live() { ps -u "$(id -u)" -o stat=,pid=,comm= | awk -v c="$1" '$1 !~ /^Z/ && $3 == c { print $2 }' | sort; }
        pauses_before=$(live warren-pause)
        holders_before=$(live warren-holder | wc -l)
        for i in $(seq 1 16); do
                # the first run also starts this test's namespace holder: kill that too sometimes
                [ $((i % 4)) -eq 1 ] && { h=$(holder_pid) && kill "$h" 2>/dev/null; rm -f "$XDG_RUNTIME_DIR/warren/holder.pid"; } || true
                "$WARREN" run -d --network none --name "k$i" "$IMG" sleep 100 >/dev/null 2>&1 &
                sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
                kill -KILL $! 2>/dev/null || true
                wait $! 2>/dev/null || true
        done
        # ps cleans up after the creates that died; what made it to a record is a container
        run "$WARREN" ps -aq --no-trunc
        [ "$status" -eq 0 ]
        [ -z "$output" ] || "$WARREN" rm -f $output >/dev/null
        run "$WARREN" ps -aq
        [ "$output" = "" ]
        # (shown only when the test fails)
        ls -R "$XDG_DATA_HOME/warren/userdata" "$XDG_RUNTIME_DIR/warren/containers" \
                "$XDG_RUNTIME_DIR/warren/creating" "$XDG_DATA_HOME/warren/sandboxes" \
                "$XDG_DATA_HOME/warren/rootfs" 2>&1 | head -40
        ps -u "$(id -u)" -o stat=,pid=,ppid=,lstart=,args= | grep -v " ps " | tail -30
        [ -z "$(ls "$XDG_DATA_HOME/warren/userdata" 2>/dev/null)" ]
        [ -z "$(ls "$XDG_RUNTIME_DIR/warren/containers" 2>/dev/null)" ]
        [ -z "$(ls "$XDG_RUNTIME_DIR/warren/creating" 2>/dev/null)" ]
        [ -z "$(ls "$XDG_DATA_HOME/warren/sandboxes" 2>/dev/null | grep json)" ]
        [ -z "$(ls "$XDG_DATA_HOME/warren/rootfs" 2>/dev/null | grep -v driver.json)" ]
        [ -z "$(container_processes)" ]
        sleep 0.2
        # no infra process that was not there before (others may have ended meanwhile)
        [ -z "$(comm -13 <(echo "$pauses_before") <(live warren-pause))" ]
        # one holder at most: this test's own (stopped by the teardown)
        [ "$(live warren-holder | wc -l)" -le $((holders_before + 1)) ]
}

@test "run passes the container's exit code; 126 cannot invoke, 127 not found" {
        run "$WARREN" run --rm --network none "$IMG" sh -c 'exit 7'
        [ "$status" -eq 7 ]
        run -127 "$WARREN" run --rm --network none "$IMG" /no/such/program
        assert_contains "$output" "/no/such/program"
        run -127 "$WARREN" run --rm --network none "$IMG" nosuchprogram
        run -126 "$WARREN" run --rm --network none "$IMG" /etc/passwd
        run "$WARREN" ps -aq
        [ "$output" = "" ]
}

@test "run: stdout and stderr stay apart; stdin with -i; env, workdir, user, hostname" {
        run --separate-stderr "$WARREN" run --rm --network none "$IMG" sh -c 'echo out; echo err >&2'
        [ "$status" -eq 0 ]
        [ "$output" = "out" ]
        [ "$stderr" = "err" ]
        run bash -c "echo piped | '$WARREN' run -i --rm --network none $IMG cat"
        [ "$output" = "piped" ]
        run "$WARREN" run --rm --network none -e A=1 -e B=two -w /tmp -u 1000:1000 -h myhost \
                "$IMG" sh -c 'echo $A $B $(pwd) $(id -u):$(id -g) $(hostname)'
        [ "$status" -eq 0 ]
        [ "$output" = "1 two /tmp 1000:1000 myhost" ]
}

@test "run -h is the hostname, and --help after the image goes to the command" {
        run "$WARREN" run --rm --network none -h named "$IMG" hostname
        [ "$output" = "named" ]
        run "$WARREN" run --rm --network none "$IMG" sh -c 'echo "$@"' sh --help -h
        [ "$status" -eq 0 ]
        [ "$output" = "--help -h" ]
}

@test "run -v binds a host directory, :ro is read-only" {
        mkdir -p "$TEST_TMP/vol"
        echo from-host >"$TEST_TMP/vol/f"
        chmod -R a+rwX "$TEST_TMP/vol"
        run "$WARREN" run --rm --network none -v "$TEST_TMP/vol:/data" "$IMG" cat /data/f
        [ "$output" = "from-host" ]
        run "$WARREN" run --rm --network none -v "$TEST_TMP/vol:/data:ro" "$IMG" \
                sh -c 'echo x >/data/g'
        [ "$status" -ne 0 ]
        [ ! -e "$TEST_TMP/vol/g" ]
}

@test "create, then start -a shows the output and returns the exit code" {
        run "$WARREN" create --name c1 --network none "$IMG" sh -c 'echo out-of-c1; exit 3'
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^[0-9a-f]{64}$ ]]
        run "$WARREN" ps -a --format '{{.Names}} {{.State}}'
        [ "$output" = "c1 created" ]
        run "$WARREN" start -a c1
        [ "$status" -eq 3 ]
        assert_contains "$output" "out-of-c1"
        run "$WARREN" ps -a --format '{{.Status}}'
        assert_contains "$output" "Exited (3)"
        # a stopped container starts again
        run "$WARREN" start c1
        [ "$status" -eq 0 ]
        [ "$output" = "c1" ]
        run "$WARREN" wait c1
        [ "$status" -eq 3 ]
        [ "$output" = "3" ]
}

@test "run -d, then exec and logs -f" {
        run "$WARREN" run -d --name web --network none "$IMG" \
                sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^[0-9a-f]{64}$ ]]
        [ "$(state_of web)" = running ]

        run "$WARREN" exec web sh -c 'echo from-exec; exit 4'
        [ "$status" -eq 4 ]
        [ "$output" = "from-exec" ]
        run "$WARREN" exec -e FOO=bar -w /tmp -u 1000 web sh -c 'echo $FOO $(pwd) $(id -u)'
        [ "$output" = "bar /tmp 1000" ]
        # the command's own options stay the command's
        run "$WARREN" exec web ls -d /tmp
        [ "$output" = "/tmp" ]
        run bash -c "echo in | '$WARREN' exec -i web cat"
        [ "$output" = "in" ]
        run -127 "$WARREN" exec web /no/such/program
        run -126 "$WARREN" exec web /etc/passwd
        run "$WARREN" exec -d web sh -c 'echo detached >/tmp/d'
        [ "$status" -eq 0 ]
        wait_for "$WARREN" exec web test -f /tmp/d

        # logs -f keeps printing, and returns by itself when the container stops
        "$WARREN" logs -f web >"$TEST_TMP/follow" 2>&1 &
        local follower=$!
        wait_for grep -q "tick 0" "$TEST_TMP/follow"
        local n1 n2
        n1=$(wc -l <"$TEST_TMP/follow")
        sleep 1
        n2=$(wc -l <"$TEST_TMP/follow")
        [ "$n2" -gt "$n1" ]
        "$WARREN" stop -t 1 web
        local i
        for ((i = 0; i < 100; i++)); do
                kill -0 "$follower" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$follower" 2>/dev/null; then
                kill "$follower"
                echo "logs -f did not return after the container stopped" >&2
                return 1
        fi
}

@test "logs: --tail, --since, -t, streams" {
        "$WARREN" run --name l --network none "$IMG" sh -c 'echo one; echo two; echo three; echo oops >&2'
        run --separate-stderr "$WARREN" logs l
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf 'one\ntwo\nthree')" ]
        [ "$stderr" = "oops" ]
        # the tail counts lines of both streams, as docker's
        run --separate-stderr "$WARREN" logs --tail 2 l
        [ "$output" = "three" ]
        [ "$stderr" = "oops" ]
        run --separate-stderr "$WARREN" logs -t l
        [[ "${lines[0]}" =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z\ one$ ]]
        run --separate-stderr "$WARREN" logs --since 1h l
        [ "${#lines[@]}" -eq 3 ]
        run --separate-stderr "$WARREN" logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" l
        [ "$output" = "" ]
        run "$WARREN" logs --since yesterday-ish l
        [ "$status" -eq 125 ]
        assert_contains "$output" "yesterday-ish"
        run "$WARREN" logs --tail lots l
        [ "$status" -eq 125 ]
}

# ---- stop, kill, restart, pause ----

@test "stop -t 2 is honoured: a container ignoring SIGTERM is killed after ~2 s" {
        "$WARREN" run -d --name stubborn --network none "$IMG" \
                sh -c 'trap "" TERM; while true; do sleep 0.1; done'
        local start end
        start=$(date +%s%N)
        run "$WARREN" stop -t 2 stubborn
        end=$(date +%s%N)
        [ "$status" -eq 0 ]
        [ "$output" = "stubborn" ]
        local ms=$(((end - start) / 1000000))
        echo "stop took ${ms} ms" >&2
        [ "$ms" -ge 1800 ]
        [ "$ms" -lt 6000 ]
        [ "$(state_of stubborn)" = exited ]
        run "$WARREN" ps -a --format '{{.ExitCode}}'
        [ "$output" = "137" ]
}

@test "stop: a container that handles SIGTERM stops at once; --stop-signal is used" {
        "$WARREN" run -d --name polite --network none "$IMG" \
                sh -c 'trap "exit 0" TERM; while true; do sleep 0.1; done'
        local start end
        start=$(date +%s%N)
        "$WARREN" stop -t 30 polite
        end=$(date +%s%N)
        [ $(((end - start) / 1000000)) -lt 5000 ]
        run "$WARREN" ps -a --format '{{.ExitCode}}'
        [ "$output" = "0" ]
        "$WARREN" run -d --name usr --network none --stop-signal USR1 "$IMG" \
                sh -c 'trap "exit 9" USR1; while true; do sleep 0.1; done'
        "$WARREN" stop -t 30 usr
        run "$WARREN" wait usr
        [ "$output" = "9" ]
}

@test "kill -s sends the signal; wait returns the exit code" {
        "$WARREN" run -d --name k --network none "$IMG" \
                sh -c 'trap "exit 42" USR1; while true; do sleep 0.1; done'
        run "$WARREN" kill -s USR1 k
        [ "$status" -eq 0 ]
        [ "$output" = "k" ]
        run "$WARREN" wait k
        [ "$status" -eq 42 ]
        [ "$output" = "42" ]
        "$WARREN" run -d --name k9 --network none "$IMG" sleep 1000
        run "$WARREN" kill k9
        [ "$status" -eq 0 ]
        run "$WARREN" wait k9
        [ "$output" = "137" ]
}

@test "restart runs the command again" {
        "$WARREN" run -d --name rs --network none "$IMG" sh -c 'echo started; sleep 1000'
        wait_for log_lines_matching rs started 1
        run "$WARREN" restart -t 1 rs
        [ "$status" -eq 0 ]
        [ "$output" = "rs" ]
        [ "$(state_of rs)" = running ]
        WAIT_SECS=10 wait_for log_lines_matching rs started 2
}

@test "pause and unpause, or a clear refusal without a writable freezer" {
        "$WARREN" run -d --name p --network none "$IMG" sleep 1000
        run "$WARREN" pause p
        if [ "$status" -ne 0 ]; then
                [ "$status" -eq 125 ]
                assert_contains "$output" "warren: "
                [ "$(state_of p)" = running ]
                skip "pause is refused here: $output"
        fi
        [ "$(state_of p)" = paused ]
        run "$WARREN" ps --format '{{.Status}}'
        assert_contains "$output" "(Paused)"
        run "$WARREN" unpause p
        [ "$status" -eq 0 ]
        [ "$(state_of p)" = running ]
}

@test "--restart on-failure:3 restarts three times" {
        "$WARREN" run -d --name flaky --network none --restart on-failure:3 "$IMG" \
                sh -c 'echo attempt; exit 1'
        WAIT_SECS=30 wait_for ps_is '{{.State}} {{.Restarts}}' "exited 3"
        run "$WARREN" logs flaky
        [ "$(grep -c attempt <<<"$output")" -eq 4 ]
        run "$WARREN" wait flaky
        [ "$status" -eq 1 ]
        sleep 1
        run "$WARREN" ps -a --format '{{.State}} {{.Restarts}}'
        [ "$output" = "exited 3" ]
}

@test "SIGKILL of a monitor: ps tells the truth, without hanging" {
        local id mon
        id=$("$WARREN" run -d --name victim --network none "$IMG" sleep 1000)
        mon=$(pgrep -f -- "warren-monitor.*$id" | head -1)
        [ -n "$mon" ]
        kill -9 "$mon"
        sleep 0.2
        run timeout 10 "$WARREN" ps -a --format '{{.State}}|{{.Reason}}|{{.Status}}'
        echo "$output"
        [ "$status" -eq 0 ]
        [[ "$output" == exited\|?* ]]
        [[ "$output" != *"|Up "* ]]
        run timeout 10 "$WARREN" ps -q
        [ "$output" = "" ]
        run timeout 20 "$WARREN" rm -f victim
        [ "$status" -eq 0 ]
        [ -z "$(container_processes)" ]
        run "$WARREN" ps -aq
        [ "$output" = "" ]
}

@test "20 warren run in parallel all succeed" {
        local i pids=()
        for i in $(seq 1 20); do
                "$WARREN" run --rm --network none "$IMG" echo "ok-$i" >"$TEST_TMP/par.$i" 2>&1 &
                pids+=($!)
        done
        local failed=0
        for i in $(seq 1 20); do
                if ! wait "${pids[$((i - 1))]}"; then
                        echo "run $i failed: $(cat "$TEST_TMP/par.$i")" >&2
                        failed=$((failed + 1))
                fi
                grep -qx "ok-$i" "$TEST_TMP/par.$i" || {
                        echo "run $i printed: $(cat "$TEST_TMP/par.$i")" >&2
                        failed=$((failed + 1))
                }
        done
        [ "$failed" -eq 0 ]
        run "$WARREN" ps -aq
        [ "$output" = "" ]
}

@test "--runtime crun works" {
        require_feature crun
        if [ "$("$WARREN" info --format '{{.host.cgroups.v2Hugetlb}}')" = true ]; then
                skip "crun refuses this host: hybrid cgroups with hugetlb on the v2 hierarchy (mount hugetlb as its own v1 hierarchy to run this test)"
        fi
        run "$WARREN" run --rm --network none --runtime crun "$IMG" echo via-crun
        [ "$status" -eq 0 ]
        [ "$output" = "via-crun" ]
        "$WARREN" run -d --name cr --network none --runtime crun "$IMG" sleep 1000
        run "$WARREN" ps --format '{{.Runtime}}'
        assert_contains "$output" "crun"
        run "$WARREN" exec cr echo exec-via-crun
        [ "$output" = "exec-via-crun" ]
        run "$WARREN" stop -t 1 cr
        [ "$status" -eq 0 ]
}

# ---- -it ----

@test "-it through a real pseudo-terminal" {
        command -v script >/dev/null || skip "needs script(1)"
        run script -qec "'$WARREN' run -it --rm --network none $IMG sh -c 'tty; test -t 0 && echo stdin-is-a-tty'" /dev/null
        echo "$output"
        [ "$status" -eq 0 ]
        assert_contains "$output" "/dev/pts/"
        assert_contains "$output" "stdin-is-a-tty"
        # typed input reaches the shell, its exit code comes back
        run bash -c "(sleep 1; printf 'echo hello-\$((6*7))\n'; sleep 1; printf 'exit 5\n'; sleep 1) | script -qec \"'$WARREN' run -it --rm --network none $IMG sh\" /dev/null"
        assert_contains "$output" "hello-42"
        [ "$status" -eq 5 ]
}

@test "attach shows a running container's output and returns its code" {
        "$WARREN" run -d --name att --network none "$IMG" sh -c 'sleep 1; echo attached-out; exit 3'
        run "$WARREN" attach --no-stdin att
        [ "$status" -eq 3 ]
        assert_contains "$output" "attached-out"
}

# ---- ps, inspect, top, rename, cp, prune, update ----

@test "ps: columns, -a, -q, -n, --no-trunc, --filter, --format json and templates" {
        "$WARREN" create --name made --label tier=db --network none "$IMG" true >/dev/null
        "$WARREN" run -d --name up --network none "$IMG" sleep 1000 >/dev/null
        run "$WARREN" ps
        [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
        [ "${#lines[@]}" -eq 2 ]
        assert_contains "${lines[1]}" "up"
        assert_contains "${lines[1]}" "Up "
        assert_contains "${lines[1]}" '"sleep 1000"'
        run "$WARREN" ps -a
        [ "${#lines[@]}" -eq 3 ]
        assert_contains "$output" "Created"
        run "$WARREN" ps -aq
        [ "${#lines[@]}" -eq 2 ]
        [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
        run "$WARREN" ps -aq --no-trunc
        [[ "${lines[0]}" =~ ^[0-9a-f]{64}$ ]]
        run "$WARREN" ps -n 1 --format '{{.Names}}'
        [ "$output" = "up" ]
        run "$WARREN" ps -a --filter label=tier=db --format '{{.Names}}'
        [ "$output" = "made" ]
        run "$WARREN" ps -a --filter status=created --format '{{.Names}}'
        [ "$output" = "made" ]
        run "$WARREN" ps -a --filter name=up --format '{{.Names}}'
        [ "$output" = "up" ]
        run "$WARREN" ps -a --format json
        [ "$status" -eq 0 ]
        [ "$(jq length <<<"$output")" -eq 2 ]
        [ "$(jq -r '.[] | select(.Names == "up") | .State' <<<"$output")" = running ]
        [ "$(jq -r '.[] | select(.Names == "made") | .Labels' <<<"$output")" = "tier=db" ]
        run "$WARREN" ps -a --format 'table {{.Names}}\t{{.State}}'
        [ "${lines[0]}" = "$(printf 'NAMES\tSTATE')" ]
        run "$WARREN" ps --filter bogus
        [ "$status" -eq 125 ]
        run "$WARREN" container ls -a --format '{{.Names}}'
        [ "${#lines[@]}" -eq 2 ]
}

@test "ps --filter before= and since= name a container, as docker's" {
        local n
        for n in first second third fourth; do
                "$WARREN" create --name "$n" --network none "$IMG" true >/dev/null
        done
        run "$WARREN" ps -a --filter before=third --format '{{.Names}}'
        [ "$output" = "$(printf 'second\nfirst')" ]
        run "$WARREN" ps -a --filter since=second --format '{{.Names}}'
        [ "$output" = "$(printf 'fourth\nthird')" ]
        run "$WARREN" ps -a --filter since=first --filter before=fourth --format '{{.Names}}'
        [ "$output" = "$(printf 'third\nsecond')" ]
        # without -a only running containers are listed, as always
        run "$WARREN" ps --filter since=first --format '{{.Names}}'
        [ "$output" = "" ]
        run "$WARREN" ps -a --filter before=nosuch
        [ "$status" -eq 125 ]
        assert_contains "$output" "before=nosuch"
        assert_contains "$output" "nosuch\` not found"
}

@test "inspect: a JSON array, several containers, templates, a missing one is an error" {
        "$WARREN" create --name i1 --network none "$IMG" true >/dev/null
        "$WARREN" create --name i2 --network none "$IMG" true >/dev/null
        run "$WARREN" inspect i1
        [ "$status" -eq 0 ]
        [ "$(jq length <<<"$output")" -eq 1 ]
        run "$WARREN" inspect i1 i2
        [ "$(jq length <<<"$output")" -eq 2 ]
        run "$WARREN" inspect --format json i1
        [ "$(jq length <<<"$output")" -eq 1 ]
        run "$WARREN" inspect -f '{{.Name}}' i1
        [[ "$output" == *i1 ]]
        run "$WARREN" inspect i1 nosuch
        [ "$status" -eq 125 ]
        assert_contains "$output" "nosuch"
}

@test "top, rename" {
        "$WARREN" run -d --name t --network none "$IMG" sleep 1000
        run "$WARREN" top t
        [ "$status" -eq 0 ]
        assert_contains "$output" "sleep 1000"
        run "$WARREN" rename t t2
        [ "$status" -eq 0 ]
        [ "$(state_of t2)" = running ]
        run "$WARREN" exec t2 true
        [ "$status" -eq 0 ]
        # the old name is free again
        "$WARREN" create --name t --network none "$IMG" true
        expect_refused "t2" "$WARREN" rename t t2
}

@test "cp both ways" {
        "$WARREN" run -d --name cp1 --network none "$IMG" sleep 1000
        echo to-container >"$TEST_TMP/in.txt"
        chmod a+r "$TEST_TMP/in.txt"
        run "$WARREN" cp "$TEST_TMP/in.txt" cp1:/tmp/in.txt
        [ "$status" -eq 0 ]
        run "$WARREN" exec cp1 cat /tmp/in.txt
        [ "$output" = "to-container" ]
        "$WARREN" exec cp1 sh -c 'echo from-container >/tmp/out.txt'
        run "$WARREN" cp cp1:/tmp/out.txt "$TEST_TMP/out.txt"
        [ "$status" -eq 0 ]
        [ "$(cat "$TEST_TMP/out.txt")" = "from-container" ]
        run "$WARREN" cp "$TEST_TMP/in.txt" "$TEST_TMP/x"
        [ "$status" -eq 125 ]
        assert_contains "$output" "CONTAINER:PATH"
        run "$WARREN" cp cp1:/no/such/file "$TEST_TMP/y"
        [ "$status" -eq 125 ]
        [ ! -e "$TEST_TMP/y" ]
}

@test "container prune -f removes stopped containers only" {
        "$WARREN" run --name done1 --network none "$IMG" true
        "$WARREN" create --name fresh --network none "$IMG" true >/dev/null
        "$WARREN" run -d --name alive --network none "$IMG" sleep 1000 >/dev/null
        run "$WARREN" container prune -f
        [ "$status" -eq 0 ]
        assert_contains "$output" "Deleted Containers"
        run "$WARREN" ps -a --format '{{.Names}}'
        assert_not_contains "$output" "done1"
        assert_contains "$output" "alive"
}

@test "system prune: stopped containers, stopped pods, dangling images; nothing without -f" {
        "$WARREN" run --name done1 --network none "$IMG" true
        "$WARREN" run -d --name alive --network none "$IMG" sleep 1000 >/dev/null
        "$WARREN" pod create --name gone --network none >/dev/null
        "$WARREN" pod stop gone >/dev/null
        "$WARREN" pod create --name kept --network none >/dev/null
        # the same tag imported again: the first image is dangling
        import_test_image other:1
        local first
        first=$("$WARREN" images -q --no-trunc other:1)
        "$WARREN" import -c "LABEL v=2" "$BATS_FILE_TMPDIR/busybox.tar" other:1 >/dev/null
        run "$WARREN" images -q --no-trunc --filter dangling=true
        [ "$output" = "$first" ]
        # no terminal to ask on: nothing is removed
        run "$WARREN" system prune </dev/null
        [ "$status" -eq 0 ]
        assert_contains "$output" "WARNING! This will remove"
        run "$WARREN" ps -a --format '{{.Names}}'
        assert_contains "$output" "done1"
        run "$WARREN" system prune -f
        [ "$status" -eq 0 ]
        assert_contains "$output" "Deleted Containers"
        assert_contains "$output" "Deleted Pods"
        assert_contains "$output" "deleted: $first"
        run "$WARREN" ps -a --format '{{.Names}}'
        [ "$output" = "alive" ]
        run "$WARREN" pod ps --format '{{.Name}}'
        [ "$output" = "kept" ]
        run "$WARREN" images --format json
        [ "$(jq -r '[.[].RepoTags[0]] | sort | join(",")' <<<"$output")" = "$IMG,other:1" ]
        # -a: images no container uses go too
        run "$WARREN" system prune -a -f
        [ "$status" -eq 0 ]
        run "$WARREN" images --format json
        [ "$(jq -r '[.[].RepoTags[0]] | join(",")' <<<"$output")" = "$IMG" ]
        run "$WARREN" system prune --bogus
        [ "$status" -eq 125 ]
}

@test "system df: images counted once per layer, containers by their own writable layer" {
        "$WARREN" run -d --name up --network none "$IMG" sh -c 'head -c 100000 /dev/zero >/big; sleep 1000' >/dev/null
        "$WARREN" run --name done --network none "$IMG" sh -c 'head -c 5000 /dev/zero >/f'
        import_test_image spare:1 # the same layer under another image: not counted twice
        wait_for "$WARREN" exec up test -s /big
        run "$WARREN" system df --format json
        [ "$status" -eq 0 ]
        [ "$(jq -r '.[] | select(.Type == "Images") | "\(.TotalCount) \(.Active)"' <<<"$output")" = "2 1" ]
        local layer
        layer=$("$WARREN" image inspect "$IMG" | jq -r '.[0].Size')
        [ "$(jq -r '.[] | select(.Type == "Images") | .Size' <<<"$output")" = "$layer" ]
        [ "$(jq -r '.[] | select(.Type == "Images") | .Reclaimable' <<<"$output")" = 0 ]
        [ "$(jq -r '.[] | select(.Type == "Containers") | "\(.TotalCount) \(.Active)"' <<<"$output")" = "2 1" ]
        [ "$(jq -r '.[] | select(.Type == "Containers") | .Reclaimable' <<<"$output")" -ge 5000 ]
        [ "$(jq -r '.[] | select(.Type == "Containers") | .Size' <<<"$output")" -ge 105000 ]
        run "$WARREN" system df
        [[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
        assert_contains "$output" "Containers"
}

@test "update: limits where a cgroup is writable, else a clear refusal" {
        "$WARREN" run -d --name u --network none "$IMG" sleep 1000
        run "$WARREN" update --memory bogus u
        [ "$status" -eq 125 ]
        run "$WARREN" update --memory 64m u
        if [ "$("$WARREN" info --format '{{.host.cgroups.available}}')" = false ]; then
                [ "$status" -eq 125 ]
                assert_contains "$output" "cgroup"
        else
                [ "$status" -eq 0 ] || skip "update with a writable cgroup: $output"
        fi
        [ "$(state_of u)" = running ]
}

@test "container group aliases" {
        run "$WARREN" container run --rm --network none "$IMG" echo via-group
        [ "$output" = "via-group" ]
        "$WARREN" container create --name g --network none "$IMG" true >/dev/null
        run "$WARREN" container ls -a -q
        [ "${#lines[@]}" -eq 1 ]
        run "$WARREN" container inspect g
        [ "$status" -eq 0 ]
        run "$WARREN" container rm g
        [ "$output" = "g" ]
        run "$WARREN" container list -a -q
        [ "$output" = "" ]
}

@test "every command prints usage with --help" {
        local c
        for c in create run start stop kill restart pause unpause rm ps inspect logs exec attach \
                wait top rename update cp; do
                run "$WARREN" "$c" --help
                [ "$status" -eq 0 ] || { echo "$c --help: $status $output" >&2; return 1; }
                assert_contains "$output" "Usage: warren"
        done
        for c in ls rm prune run exec; do
                run "$WARREN" container "$c" --help
                [ "$status" -eq 0 ]
                assert_contains "$output" "Usage: warren"
        done
}

@test "quiet in a pipe: no progress on stderr" {
        run --separate-stderr "$WARREN" run -d --name q --network none "$IMG" sleep 1000
        [ "$stderr" = "" ]
        run --separate-stderr "$WARREN" stop -t 1 q
        [ "$stderr" = "" ]
        run --separate-stderr "$WARREN" rm q
        [ "$stderr" = "" ]
}

# ---- bad input: a message, exit 125, nothing half-created ----

@test "bad input: unknown image" {
        expect_refused "nosuch" "$WARREN" run --rm --network none nosuch/image:1 true
        expect_refused "nosuch" "$WARREN" create --network none nosuch/image:1
}

@test "bad input: a name already taken" {
        "$WARREN" run -d --name dup --network none "$IMG" sleep 1000 >/dev/null
        expect_refused "dup" "$WARREN" run -d --name dup --network none "$IMG" sleep 1000
        expect_refused "dup" "$WARREN" create --name dup --network none "$IMG"
}

@test "bad input: malformed -v, a missing host path, bad --restart, unknown option" {
        expect_refused "-v" "$WARREN" run --rm --network none -v a:b:c:d "$IMG" true
        expect_refused "/nonexistent/warren-test-path" "$WARREN" run --rm --network none \
                -v /nonexistent/warren-test-path:/data "$IMG" true
        expect_refused "sometimes" "$WARREN" run --rm --network none --restart sometimes "$IMG" true
        expect_refused "--bogus" "$WARREN" run --bogus "$IMG" true
        expect_refused "needs an image" "$WARREN" run
}

@test "bad input: a bad signal name" {
        "$WARREN" run -d --name sig --network none "$IMG" sleep 1000 >/dev/null
        expect_refused "NOPE" "$WARREN" kill -s NOPE sig
        expect_refused "NOPE" "$WARREN" run --rm --network none --stop-signal NOPE "$IMG" true
        [ "$(state_of sig)" = running ]
}

@test "bad input: exec into a stopped container" {
        "$WARREN" create --name stopped --network none "$IMG" true >/dev/null
        expect_refused "stopped" "$WARREN" exec stopped true
        "$WARREN" start stopped
        "$WARREN" wait stopped
        expect_refused "stopped" "$WARREN" exec stopped true
        expect_refused "nosuch" "$WARREN" exec nosuch true
}

@test "bad input: rm of a running container without -f" {
        "$WARREN" run -d --name busy --network none "$IMG" sleep 1000 >/dev/null
        expect_refused "busy" "$WARREN" rm busy
        [ "$(state_of busy)" = running ]
        run "$WARREN" rm -f busy
        [ "$status" -eq 0 ]
        [ "$output" = "busy" ]
        run "$WARREN" ps -aq
        [ "$output" = "" ]
        [ -z "$(container_processes)" ]
        # -f of something that is not there is not an error; without -f it is
        run "$WARREN" rm -f nosuch
        [ "$status" -eq 0 ]
        run "$WARREN" rm nosuch
        [ "$status" -eq 125 ]
}

# ---- info, version ----

@test "info and version, as text and JSON" {
        run "$WARREN" version
        [ "$status" -eq 0 ]
        assert_contains "$output" "API version:    1.44"
        assert_contains "$output" "warren-runtime"
        run "$WARREN" version --format json
        [ "$(jq -r .ApiVersion <<<"$output")" = 1.44 ]
        run "$WARREN" version --format '{{.Version}}'
        [[ "$output" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
        run "$WARREN" info
        [ "$status" -eq 0 ]
        for s in "id mapping:" "storage:" "driver:" "cgroups:" "seccomp:" "degraded:"; do
                assert_contains "$output" "$s"
        done
        run --separate-stderr "$WARREN" info --format json
        [ "$status" -eq 0 ]
        [ "$stderr" = "" ]
        jq -e '.host.idMapping.mode and .store.driver and (.host.degraded | type == "array")' <<<"$output"
        [ "$(jq -r .store.images <<<"$output")" -eq 1 ]
        run "$WARREN" system info --format '{{.store.driver}}'
        [ -n "$output" ]
}
