#!/usr/bin/env bats
# pass: rootless
# pass: root
# warren-runtime: runc's command line on a busybox bundle.
load helpers

setup() {
        common_setup
        require_feature userns
        B=$TEST_TMP/bundle
        make_bundle "$B"
        (cd "$B" && "$WARREN_RUNTIME" spec --rootless)
        # the tests run commands, not a shell on a terminal
        edit '.process.terminal = false'
        R=$TEST_TMP/state
        WR=("$WARREN_RUNTIME" --root "$R")
}

teardown() {
        local id
        for id in $("${WR[@]}" list -q 2>/dev/null); do
                "${WR[@]}" delete -f "$id" >/dev/null 2>&1 || true
        done
}

# edit JQ-FILTER: rewrite the bundle's config.json
edit() {
        jq "$@" "$B/config.json" >"$B/config.json.new"
        mv "$B/config.json.new" "$B/config.json"
}

args() { # args CMD...: set process.args
        local a
        a=$(printf '%s\n' "$@" | jq -R . | jq -s .) # arguments without newlines
        edit --argjson a "$a" '.process.args = $a'
}

status_of() {
        "${WR[@]}" state "$1" | jq -r .status
}

is_stopped() {
        [ "$(status_of "$1")" = stopped ]
}

nothing_left() { # nothing_left ID: no state, not listed
        [ ! -e "$R/$1" ]
        run "${WR[@]}" list -q
        assert_not_contains "$output" "$1"
}

@test "runtime: --version and --help" {
        run "$WARREN_RUNTIME" --version
        [ "$status" -eq 0 ]
        assert_contains "$output" "warren-runtime version"
        for c in create start run state kill delete exec ps list pause resume update features spec; do
                run "$WARREN_RUNTIME" "$c" --help
                [ "$status" -eq 0 ]
                assert_contains "$output" "usage: warren-runtime"
        done
}

@test "runtime: spec --rootless writes runc's rootless spec" {
        run jq -r '.linux.namespaces | map(.type) | join(",")' "$B/config.json"
        [ "$output" = "pid,ipc,uts,mount,user" ]
        [ "$(jq -r '.linux.uidMappings[0].hostID' "$B/config.json")" = "$(id -u)" ]
        [ "$(jq -r '.mounts[] | select(.destination == "/sys") | .source' "$B/config.json")" = /sys ]
        run "$WARREN_RUNTIME" spec --bundle "$B"
        [ "$status" -ne 0 ]
        assert_contains "$output" "exists"
}

@test "runtime: run prints the command's output" {
        args echo hello from warren
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -eq 0 ]
        [ "$output" = "hello from warren" ]
        nothing_left c1
}

@test "runtime: run propagates the exit status" {
        args sh -c 'exit 42'
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -eq 42 ]
        nothing_left c1
}

@test "runtime: the container sees its hostname and ids" {
        args testprobe all
        edit '.hostname = "warren-box"'
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "hostname: warren-box"
        assert_contains "$output" "uid: 0"
}

@test "runtime: create, start, state, kill, delete" {
        args sleep 100
        "${WR[@]}" create --bundle "$B" --pid-file "$TEST_TMP/pid" c1 </dev/null >/dev/null 2>&1
        [ "$(status_of c1)" = created ]
        run "${WR[@]}" state c1
        [ "$(jq -r .id <<<"$output")" = c1 ]
        [ "$(jq -r .pid <<<"$output")" = "$(cat "$TEST_TMP/pid")" ]
        [ "$(jq -r .bundle <<<"$output")" = "$(realpath "$B")" ]
        run "${WR[@]}" list
        assert_contains "$output" "created"
        "${WR[@]}" start c1
        [ "$(status_of c1)" = running ]
        run "${WR[@]}" start c1
        [ "$status" -ne 0 ]
        run "${WR[@]}" ps --format json c1
        assert_contains "$output" "$(cat "$TEST_TMP/pid")"
        run "${WR[@]}" delete c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "running"
        "${WR[@]}" kill c1 SIGKILL
        wait_for is_stopped c1
        "${WR[@]}" delete c1
        nothing_left c1
        run "${WR[@]}" state c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "does not exist"
}

@test "runtime: list --format json has runc's fields" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run "${WR[@]}" list --format json
        [ "$status" -eq 0 ]
        [ "$(jq -r '.[0].id' <<<"$output")" = c1 ]
        [ "$(jq -r '.[0].status' <<<"$output")" = running ]
        [ "$(jq -r '.[0].owner' <<<"$output")" = "$(id -un)" ]
        "${WR[@]}" kill --all c1 KILL
        wait_for is_stopped c1
        "${WR[@]}" delete c1
}

@test "runtime: exec without a terminal" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run "${WR[@]}" exec c1 sh -c 'echo in-container; exit 3'
        [ "$status" -eq 3 ]
        [ "$output" = in-container ]
        run "${WR[@]}" exec --env FOO=bar --cwd /tmp c1 sh -c 'echo $FOO $(pwd)'
        [ "$output" = "bar /tmp" ]
        jq '.process | .args = ["sh", "-c", "echo from-process-json"]' "$B/config.json" >"$TEST_TMP/process.json"
        run "${WR[@]}" exec -p "$TEST_TMP/process.json" c1
        [ "$status" -eq 0 ]
        [ "$output" = from-process-json ]
        "${WR[@]}" delete -f c1
        nothing_left c1
}

@test "runtime: exec with a terminal" {
        command -v script >/dev/null || skip "needs script(1)"
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run script -qec "$WARREN_RUNTIME --root $R exec -t c1 sh -c 'tty; test -t 0 && echo is-a-tty'" /dev/null
        [ "$status" -eq 0 ]
        assert_contains "$output" "/dev/pts/"
        assert_contains "$output" "is-a-tty"
        "${WR[@]}" delete -f c1
}

@test "runtime: run with a terminal" {
        command -v script >/dev/null || skip "needs script(1)"
        edit '.process.terminal = true'
        args sh -c 'test -t 1 && echo tty-ok'
        run script -qec "$WARREN_RUNTIME --root $R run --bundle $B c1" /dev/null
        [ "$status" -eq 0 ]
        assert_contains "$output" "tty-ok"
}

@test "runtime: a seccomp rule in the config is enforced" {
        args testprobe syscall mkdir
        edit '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
        run "${WR[@]}" run --bundle "$B" c1
        assert_contains "$output" "syscall mkdir: EPERM"
        args testprobe seccomp
        run "${WR[@]}" run --bundle "$B" c1
        assert_contains "$output" "Seccomp:	2"
}

@test "runtime: compiled seccomp programs are reused, and enforced the same from the cache" {
        args testprobe syscall mkdir
        edit '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
        run "$WARREN_RUNTIME" --root "$R" --debug run --bundle "$B" c1
        assert_contains "$output" "syscall mkdir: EPERM"
        [[ "$output" != *"from the cache"* ]]
        [ "$(ls "$R/#seccomp-cache" | wc -l)" -eq 1 ]
        run "$WARREN_RUNTIME" --root "$R" --debug run --bundle "$B" c1
        assert_contains "$output" "syscall mkdir: EPERM"
        assert_contains "$output" "from the cache"
        # exec takes the same program
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c2 </dev/null >/dev/null 2>&1
        run "$WARREN_RUNTIME" --root "$R" --debug exec c2 testprobe syscall mkdir
        assert_contains "$output" "syscall mkdir: EPERM"
        assert_contains "$output" "from the cache"
        # the cache is not a container, and its files are private
        run "${WR[@]}" list -q
        [ "$output" = "c2" ]
        [ "$(stat -c %a "$R/#seccomp-cache")" = 700 ]
        [ "$(stat -c %a "$R/#seccomp-cache/"*)" = 600 ]
        "${WR[@]}" delete -f c2
        # a changed profile is compiled anew
        args testprobe syscall mkdir
        edit '.linux.seccomp.syscalls[0].errnoRet = 13'
        run "$WARREN_RUNTIME" --root "$R" --debug run --bundle "$B" c1
        assert_contains "$output" "syscall mkdir: EACCES"
        [[ "$output" != *"from the cache"* ]]
        [ "$(ls "$R/#seccomp-cache" | wc -l)" -eq 2 ]
}

@test "runtime: capabilities and no_new_privs match the config" {
        args grep -E '^(Cap|NoNewPrivs)' /proc/self/status
        edit '.process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN"],
                "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"],
                "ambient": ["CAP_KILL"]} | .process.noNewPrivileges = true'
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -eq 0 ]
        # CAP_KILL is bit 5 (0x20), CAP_CHOWN bit 0
        assert_contains "$output" "CapEff:	0000000000000020"
        assert_contains "$output" "CapPrm:	0000000000000020"
        assert_contains "$output" "CapInh:	0000000000000020"
        assert_contains "$output" "CapBnd:	0000000000000021"
        assert_contains "$output" "CapAmb:	0000000000000020"
        assert_contains "$output" "NoNewPrivs:	1"
        edit '.process.noNewPrivileges = false'
        run "${WR[@]}" run --bundle "$B" c1
        assert_contains "$output" "NoNewPrivs:	0"
}

@test "runtime: masked paths are unreadable, read-only paths are read-only" {
        echo secret >"$B/rootfs/etc/secret"
        mkdir -p "$B/rootfs/opt/hidden" && echo secret >"$B/rootfs/opt/hidden/hiddenfile42"
        edit '.linux.maskedPaths += ["/etc/secret", "/opt/hidden"] | .linux.readonlyPaths += ["/tmp"]'
        args sh -c 'cat /etc/secret; ls /opt/hidden; touch /tmp/x || echo ro-ok'
        run "${WR[@]}" run --bundle "$B" c1
        assert_not_contains "$output" "secret"
        assert_not_contains "$output" "hiddenfile42"
        assert_contains "$output" "ro-ok"
}

@test "runtime: multi-range mappings show the subuid range in uid_map" {
        is_root && skip "rootless mapping"
        require_feature newuidmap
        local start count gstart gcount
        IFS=: read -r _ start count < <(grep "^$(id -un):" /etc/subuid | head -1)
        IFS=: read -r _ gstart gcount < <(grep "^$(id -un):" /etc/subgid | head -1)
        edit --argjson u "$(id -u)" --argjson g "$(id -g)" --argjson s "$start" --argjson c "$count" \
                --argjson gs "$gstart" --argjson gc "$gcount" \
                '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1},
                                       {"containerID": 1, "hostID": $s, "size": $c}] |
                 .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1},
                                       {"containerID": 1, "hostID": $gs, "size": $gc}]'
        args sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; chown 1000:1000 /tmp && echo chown-ok'
        edit '.root.readonly = false | .process.capabilities.bounding += ["CAP_CHOWN"] |
              .process.capabilities.effective += ["CAP_CHOWN"] |
              .process.capabilities.permitted += ["CAP_CHOWN"]'
        run "${WR[@]}" --debug run --bundle "$B" c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "newuidmap"
        [[ "$output" =~ 1[[:space:]]+$start[[:space:]]+$count ]]
        [[ "$output" =~ 1[[:space:]]+$gstart[[:space:]]+$gcount ]]
        assert_contains "$output" "chown-ok"
}

@test "runtime: a single-id mapping says so in --debug" {
        is_root && skip "rootless mapping"
        args true
        run "${WR[@]}" --debug run --bundle "$B" c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "setgroups denied"
}

@test "runtime: hooks run in order with the state on stdin" {
        mkdir -p "$TEST_TMP/hooks"
        local log=$TEST_TMP/hooks/log
        hook() { # hook NAME LOGPATH: a hook that logs its name and the status it was given
                jq -n --arg n "$1" --arg l "$2" \
                        '{"path": "/bin/sh", "args": ["sh", "-c",
                          "read -r s; echo \($n) $(echo \"$s\" | grep -o \"\\\"status\\\":\\\"[a-z]*\\\"\") >> \($l)"]}'
        }
        edit --argjson pre "$(hook prestart "$log")" --argjson cr "$(hook createRuntime "$log")" \
                --argjson cc "$(hook createContainer "$log")" \
                --argjson sc "$(hook startContainer /hooks/log)" \
                --argjson ps "$(hook poststart "$log")" --argjson pst "$(hook poststop "$log")" \
                --arg dir "$TEST_TMP/hooks" \
                '.hooks = {"prestart": [$pre], "createRuntime": [$cr], "createContainer": [$cc],
                           "startContainer": [$sc], "poststart": [$ps], "poststop": [$pst]} |
                 .mounts += [{"destination": "/hooks", "type": "bind", "source": $dir,
                              "options": ["rbind"]}]'
        args true
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -eq 0 ]
        run cat "$log"
        [ "${lines[0]}" = 'prestart "status":"creating"' ]
        [ "${lines[1]}" = 'createRuntime "status":"creating"' ]
        [ "${lines[2]}" = 'createContainer "status":"creating"' ]
        [ "${lines[3]}" = 'startContainer "status":"created"' ]
        [ "${lines[4]}" = 'poststart "status":"running"' ]
        [ "${lines[5]}" = 'poststop "status":"stopped"' ]
}

@test "runtime: a failing hook fails the container and leaves nothing" {
        edit '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
        args true
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "createRuntime hook"
        nothing_left c1
}

@test "runtime: pause and resume need a writable freezer" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run "${WR[@]}" pause c1
        if [ "$status" -eq 0 ]; then
                [ "$(status_of c1)" = paused ]
                "${WR[@]}" resume c1
                [ "$(status_of c1)" = running ]
        else
                assert_contains "$output" "freezer"
        fi
        "${WR[@]}" delete -f c1
}

@test "runtime: features prints JSON" {
        run "$WARREN_RUNTIME" features
        [ "$status" -eq 0 ]
        [ "$(jq -r '.hooks | length' <<<"$output")" = 6 ]
        jq -e '.linux.namespaces | index("user")' <<<"$output"
}

@test "runtime: malformed config.json is refused and leaves nothing" {
        echo '{"ociVersion": "1.0.2", "process": ' >"$B/config.json"
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "invalid JSON"
        nothing_left c1
}

@test "runtime: wrong-typed config.json is refused and names the field" {
        edit '.process.args = "echo"'
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" '`process.args`'
        nothing_left c1
        edit '.process.args = []'
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "must not be empty"
        nothing_left c1
}

@test "runtime: an oversized config.json is refused" {
        head -c 5000000 /dev/zero | tr '\0' ' ' >>"$B/config.json"
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -ne 0 ]
        nothing_left c1
}

@test "runtime: a missing rootfs is refused and leaves nothing" {
        edit '.root.path = "no-such-rootfs"'
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "no-such-rootfs"
        nothing_left c1
}

@test "runtime: a missing executable is refused at create" {
        args /no/such/program
        run "${WR[@]}" create --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "/no/such/program"
        nothing_left c1
}

@test "runtime: duplicate and path-like ids are refused" {
        args sleep 100
        "${WR[@]}" create --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run "${WR[@]}" create --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "already exists"
        [ "$(status_of c1)" = created ]
        for bad in ../escape a/b . ""; do
                run "${WR[@]}" create --bundle "$B" "$bad"
                [ "$status" -ne 0 ]
        done
        [ ! -e "$TEST_TMP/escape" ]
        "${WR[@]}" delete c1
        nothing_left c1
}

@test "runtime: a bad signal name is refused" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run "${WR[@]}" kill c1 SIGNOPE
        [ "$status" -ne 0 ]
        assert_contains "$output" "SIGNOPE"
        [ "$(status_of c1)" = running ]
        "${WR[@]}" kill c1 TERM
        "${WR[@]}" kill c1 9
        wait_for is_stopped c1
        "${WR[@]}" delete c1
}

@test "runtime: exec into a stopped container is refused" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        "${WR[@]}" kill c1 KILL
        wait_for is_stopped c1
        run "${WR[@]}" exec c1 true
        [ "$status" -ne 0 ]
        assert_contains "$output" "stopped"
        "${WR[@]}" delete c1
        nothing_left c1
}

@test "runtime: --preserve-fds passes extra fds" {
        args sh -c 'cat <&3'
        echo passed-through >"$TEST_TMP/fd3"
        run "${WR[@]}" run --preserve-fds 1 --bundle "$B" c1 3<"$TEST_TMP/fd3"
        [ "$status" -eq 0 ]
        [ "$output" = passed-through ]
}

@test "runtime: --log-format json writes JSON errors to --log" {
        run "${WR[@]}" --log "$TEST_TMP/log.json" --log-format json state nope
        [ "$status" -ne 0 ]
        jq -e 'select(.level == "error") | .msg' "$TEST_TMP/log.json"
}

@test "runtime: create with --console-socket sends the pty master" {
        [ -x /usr/bin/python3 ] || skip "needs python3 for the console-socket receiver"
        cat >"$TEST_TMP/recv.py" <<'PY'
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_LEN(4))
fds = array.array("i")
for level, typ, data in anc:
    fds.frombytes(data[:4])
out = b""
while True:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.write(out.decode())
PY
        edit '.process.terminal = true'
        args sh -c 'test -t 0 && echo console-ok'
        local sock=$TEST_TMP/console.sock
        /usr/bin/python3 "$TEST_TMP/recv.py" "$sock" >"$TEST_TMP/console.out" &
        local rpid=$!
        wait_for test -e "$sock.ready"
        "${WR[@]}" create --bundle "$B" --console-socket "$sock" c1 </dev/null >/dev/null 2>&1
        [ "$(status_of c1)" = created ]
        "${WR[@]}" start c1
        wait "$rpid"
        assert_contains "$(cat "$TEST_TMP/console.out")" "console-ok"
        wait_for is_stopped c1
        "${WR[@]}" delete c1
        nothing_left c1
}

@test "runtime: a terminal without --console-socket is refused by create" {
        edit '.process.terminal = true'
        run "${WR[@]}" create --bundle "$B" c1
        [ "$status" -ne 0 ]
        assert_contains "$output" "--console-socket"
        nothing_left c1
}

@test "runtime: --no-pivot, sysctl and rlimits" {
        args sh -c 'sysctl -n kernel.msgmax; ulimit -n'
        edit '.linux.sysctl = {"kernel.msgmax": "4096"} |
              .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]'
        run "${WR[@]}" run --no-pivot --bundle "$B" c1
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 4096 ]
        [ "${lines[1]}" = 123 ]
}

@test "runtime: runc's non-rootless spec runs (a user namespace is made when not root)" {
        local b2=$TEST_TMP/bundle2
        mkdir -p "$b2"
        ln -s "$B/rootfs" "$b2/rootfs"
        (cd "$b2" && "$WARREN_RUNTIME" spec)
        jq '.process.terminal = false | .process.args = ["sh", "-c", "cat /proc/self/uid_map; ls /sys/class/net"]' \
                "$b2/config.json" >"$b2/c.json"
        run "${WR[@]}" --debug run --bundle "$b2" --config "$b2/c.json" c1
        [ "$status" -eq 0 ]
        assert_contains "$output" "lo"
        if ! is_root; then
                assert_contains "$output" "creating one that maps uid $(id -u) to 0"
        fi
        nothing_left c1
}

@test "runtime: update applies resources where a cgroup is writable" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        run "${WR[@]}" update --pids-limit 42 c1
        if [ "$status" -eq 0 ]; then
                run "${WR[@]}" exec c1 sh -c 'cat /sys/fs/cgroup/pids/$(grep pids /proc/self/cgroup | cut -d: -f3)/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
                assert_contains "$output" 42
        else
                assert_contains "$output" "no writable cgroup"
        fi
        "${WR[@]}" delete -f c1
}

@test "runtime: exec --detach writes --pid-file" {
        args sleep 100
        "${WR[@]}" run -d --bundle "$B" c1 </dev/null >/dev/null 2>&1
        "${WR[@]}" exec -d --pid-file "$TEST_TMP/exec.pid" c1 sleep 50 </dev/null >/dev/null 2>&1
        local pid
        pid=$(cat "$TEST_TMP/exec.pid")
        kill -0 "$pid"
        run "${WR[@]}" ps --format json c1
        assert_contains "$output" "$pid"
        "${WR[@]}" delete -f c1
        nothing_left c1
}

@test "runtime: mount destinations through symlinks stay inside the rootfs" {
        mkdir -p "$B/rootfs/opt"
        ln -s / "$B/rootfs/opt/abs"
        ln -s ../../../../../../.. "$B/rootfs/opt/rel"
        local name=warren-escape-$$
        edit --arg a "/opt/abs/$name-a" --arg r "/opt/rel/$name-r" \
                '.mounts += [{"destination": $a, "type": "tmpfs", "source": "tmpfs"},
                             {"destination": $r, "type": "tmpfs", "source": "tmpfs"}]'
        args sh -c "grep -c $name /proc/self/mountinfo"
        run "${WR[@]}" run --bundle "$B" c1
        [ "$status" -eq 0 ]
        [ "$output" = 2 ]
        [ -d "$B/rootfs/$name-a" ]
        [ -d "$B/rootfs/$name-r" ]
        [ ! -e "/$name-a" ]
        [ ! -e "/$name-r" ]
}

@test "runtime: podman drives it (--runtime)" {
        command -v podman >/dev/null || skip "needs podman"
        local p=(podman --root "$TEST_TMP/storage" --runroot "$TEST_TMP/runroot"
                --storage-driver vfs --cgroup-manager cgroupfs --events-backend none
                --runtime "$WARREN_RUNTIME")
        tar -C "$B/rootfs" -c . | "${p[@]}" import - localhost/warren-bb >/dev/null
        run "${p[@]}" run --rm --network none localhost/warren-bb sh -c 'echo podman-ok; id -u'
        echo "$output"
        [ "$status" -eq 0 ]
        assert_contains "$output" "podman-ok"
        "${p[@]}" run -d --name c1 --network none localhost/warren-bb sleep 100
        run "${p[@]}" exec c1 echo exec-ok
        [ "$status" -eq 0 ]
        assert_contains "$output" "exec-ok"
        "${p[@]}" rm -f -t 0 c1 >/dev/null
        "${p[@]}" rmi -f localhost/warren-bb >/dev/null 2>&1 || true
        # vfs layers hold subuid-owned files: remove them inside podman's user namespace
        "${p[@]}" unshare rm -rf "$TEST_TMP/storage" 2>/dev/null || true
        # rootless podman keeps a pause process per XDG_RUNTIME_DIR
        if [ -f "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" ]; then
                kill "$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid")" 2>/dev/null || true
        fi
}
