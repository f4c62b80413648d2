#!/usr/bin/env bats
# pass: rootless
# pass: root
# Images and layers: load, import, save, images, tag, rmi, prune, history, inspect; merged views
# under the three storage drivers; the hostile-image corpus.
load helpers

setup_file() {
        export IMAGES_DIR=$BATS_FILE_TMPDIR/images
        bash "$TESTS_DIR/lib/make-test-images.sh" "$IMAGES_DIR" >&2
}

setup() {
        common_setup
        # shellcheck disable=SC1091
        . "$IMAGES_DIR/expect.env"
        STORE=$XDG_DATA_HOME/warren
}

# Layers hold files owned by subordinate ids: only warren (inside the user namespace) can
# remove them, so empty the store before bats removes the test directory.
teardown() {
        "$WARREN" image prune -a >/dev/null 2>&1 || true
        local pidfile=$XDG_RUNTIME_DIR/warren/holder.pid
        [ -f "$pidfile" ] && kill "$(cut -d' ' -f1 "$pidfile")" 2>/dev/null || true
}

stored_layers() {
        ls "$STORE/layers" | grep -cE '^[0-9a-f]{64}$' || true
}

# What the stores hold, as names: compared before and after refused loads.
store_snapshot() {
        {
                "$WARREN" images -q --no-trunc
                ls -a "$STORE/blobs/sha256" "$STORE/blobs/tmp" "$STORE/layers" "$STORE/layers/.staging"
                ls "$STORE/images" 2>/dev/null
        } 2>&1
}

@test "load a docker-archive" {
        require_feature userns
        run "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        [ "$status" -eq 0 ]
        assert_contains "$output" "Loaded image: test/multi:latest"
        # the base layer has a device node, which an unprivileged user cannot create
        assert_contains "$output" "skipped 1 device node"
        run "$WARREN" images -q --no-trunc
        [ "$output" = "$DOCKER_ID" ]
        run "$WARREN" images
        assert_contains "$output" "REPOSITORY"
        assert_contains "$output" "test/multi"
        assert_contains "$output" "${DOCKER_ID:7:12}"
        [ "$(stored_layers)" -eq 2 ]
}

@test "load the archive layout docker save writes since Docker 25" {
        require_feature userns
        run "$WARREN" load -i "$IMAGES_DIR/docker25.tar"
        [ "$status" -eq 0 ]
        assert_contains "$output" "Loaded image: test/multi:latest"
        run "$WARREN" images -q --no-trunc
        [ "$output" = "$DOCKER_ID" ]
        # the manifest blob is not kept: save writes its own
        [ "$(ls "$STORE/blobs/sha256" | wc -l)" -eq 3 ]
}

@test "load an OCI archive from stdin; a shared base layer is stored once" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        run "$WARREN" load <"$IMAGES_DIR/oci.tar"
        [ "$status" -eq 0 ]
        [ "$output" = "Loaded image: test/oci:1.0" ]
        run "$WARREN" images -q --no-trunc
        assert_contains "$output" "$DOCKER_ID"
        assert_contains "$output" "$OCI_ID"
        # base (shared, a plain blob in one archive and gzip in the other), top, app
        [ "$(stored_layers)" -eq 3 ]
        [ -d "$STORE/layers/${BASE_DIFF#sha256:}/diff" ]
        run "$WARREN" images --digests
        assert_contains "$output" "test/oci"
        assert_contains "$output" "DIGEST"
}

@test "load compressed archives (gzip, zstd) from a pipe" {
        require_feature userns
        gzip -c "$IMAGES_DIR/docker.tar" | "$WARREN" load
        zstd -q -c "$IMAGES_DIR/oci.tar" | "$WARREN" load
        run "$WARREN" images -q --no-trunc
        assert_contains "$output" "$DOCKER_ID"
        assert_contains "$output" "$OCI_ID"
        # columns line up (tabwriter style) and show docker's headers
        run "$WARREN" images
        [ "$(echo "$output" | head -1 | tr -s ' ')" = "REPOSITORY TAG IMAGE ID CREATED SIZE" ]
}

@test "a progress-free load in a pipe, and a second load changes nothing" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar" 2>"$TEST_TMP/err"
        [ ! -s "$TEST_TMP/err" ] || ! grep -q unpacking "$TEST_TMP/err"
        before=$(store_snapshot)
        run "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        [ "$status" -eq 0 ]
        [ "$(store_snapshot)" = "$before" ]
}

@test "images --filter before= and since= name an image" {
        require_feature userns
        local n
        for n in older middle newer; do
                run "$WARREN" import -c "LABEL n=$n" "$IMAGES_DIR/rootfs.tar.gz" "$n:1"
                [ "$status" -eq 0 ]
        done
        run "$WARREN" images --filter before=newer:1 --format json
        [ "$(jq -r '[.[].RepoTags[0]] | sort | join(",")' <<<"$output")" = "middle:1,older:1" ]
        run "$WARREN" images --filter since=older:1 --filter before=newer:1 --format json
        [ "$(jq -r '[.[].RepoTags[0]] | join(",")' <<<"$output")" = "middle:1" ]
        run "$WARREN" images --filter since=middle:1 -q
        [ "${#lines[@]}" -eq 1 ]
        run "$WARREN" images --filter before=nosuch
        [ "$status" -eq 125 ]
        assert_contains "$output" "no such image \`nosuch\`"
}

@test "import a rootfs tarball with --change" {
        require_feature userns
        run "$WARREN" import -c 'CMD ["/bin/hello"]' -c "ENV A=b" -c "WORKDIR /home/user" \
                -c "USER 1000" -c "LABEL kind=imported" -c "EXPOSE 8080" -c "ENTRYPOINT /bin/sh" \
                -m "from a tarball" "$IMAGES_DIR/rootfs.tar.gz" imported:1
        [ "$status" -eq 0 ]
        id=$output
        [[ "$id" == sha256:* ]]
        run "$WARREN" image inspect imported:1
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r '.[0].Id')" = "$id" ]
        [ "$(echo "$output" | jq -c '.[0].Config.Cmd')" = '["/bin/hello"]' ]
        [ "$(echo "$output" | jq -r '.[0].Config.Env[0]')" = "A=b" ]
        [ "$(echo "$output" | jq -r '.[0].Config.WorkingDir')" = "/home/user" ]
        [ "$(echo "$output" | jq -r '.[0].Config.User')" = "1000" ]
        [ "$(echo "$output" | jq -r '.[0].Config.Labels.kind')" = "imported" ]
        [ "$(echo "$output" | jq -r '.[0].Config.ExposedPorts | keys[0]')" = "8080/tcp" ]
        [ "$(echo "$output" | jq -r '.[0].RootFS.Layers[0]')" = "$ROOTFS_DIFF" ]
        run "$WARREN" images
        assert_contains "$output" "imported"
        run "$WARREN" image history imported:1
        assert_contains "$output" "warren import"
        assert_contains "$output" "from a tarball"
        run "$WARREN" import -c "RUN true" "$IMAGES_DIR/rootfs.tar.gz"
        [ "$status" -eq 125 ]
        assert_contains "$output" "unsupported change"
}

@test "save then load gives the same image ids (docker-archive and oci-archive)" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        "$WARREN" load -i "$IMAGES_DIR/oci.tar"
        "$WARREN" save -o "$TEST_TMP/d.tar" test/multi test/oci:1.0
        "$WARREN" save --format oci-archive -o "$TEST_TMP/o.tar" test/multi test/oci:1.0
        tar tf "$TEST_TMP/o.tar" | grep -qx oci-layout
        tar tf "$TEST_TMP/d.tar" | grep -qx manifest.json
        for archive in d.tar o.tar; do
                "$WARREN" rmi test/multi test/oci:1.0
                [ -z "$("$WARREN" images -q)" ]
                [ "$(stored_layers)" -eq 0 ]
                run "$WARREN" load -i "$TEST_TMP/$archive"
                [ "$status" -eq 0 ]
                assert_contains "$output" "Loaded image: test/multi:latest"
                assert_contains "$output" "Loaded image: test/oci:1.0"
                run "$WARREN" images -q --no-trunc
                assert_contains "$output" "$DOCKER_ID"
                assert_contains "$output" "$OCI_ID"
        done
        # to stdout when it is not a terminal
        "$WARREN" save test/multi >"$TEST_TMP/s.tar"
        tar tf "$TEST_TMP/s.tar" | grep -qx manifest.json
}

@test "images: -q, --format json, --filter; tag, rmi, prune" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        "$WARREN" load -i "$IMAGES_DIR/oci.tar"
        run "$WARREN" images --format json
        [ "$(echo "$output" | jq length)" -eq 2 ]
        run "$WARREN" images -q --filter label=test=oci
        [ "$output" = "${OCI_ID:7:12}" ]
        run "$WARREN" images -a -q
        [ "$(echo "$output" | wc -l)" -eq 2 ]
        "$WARREN" tag test/multi other/name:v2
        run "$WARREN" images other/name
        assert_contains "$output" "v2"
        run "$WARREN" rmi other/name:v2
        [ "$output" = "Untagged: other/name:v2" ]
        run "$WARREN" rmi no/such:image
        [ "$status" -eq 125 ]
        assert_contains "$output" "no such image `no/such:image`"
        # an untagged image is dangling: prune removes it, keeps the tagged one
        "$WARREN" tag test/oci:1.0 keep:1
        "$WARREN" rmi test/oci:1.0
        "$WARREN" rmi keep:1
        "$WARREN" tag test/multi temp:1
        "$WARREN" load -i "$IMAGES_DIR/oci.tar"
        run "$WARREN" image prune
        [ "$status" -eq 0 ]
        run "$WARREN" images -q --no-trunc
        assert_contains "$output" "$DOCKER_ID"
        run "$WARREN" image prune -a
        [ -z "$("$WARREN" images -q)" ]
        [ "$(stored_layers)" -eq 0 ]
        [ -z "$(ls "$STORE/blobs/sha256")" ]
}

@test "rmi refuses an image a root filesystem uses, unless -f" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        run "$WARREN" image mount --driver vfs test/multi -- "$WARREN" rmi test/multi
        [ "$status" -eq 125 ]
        assert_contains "$output" "in use"
        run "$WARREN" images -q --no-trunc
        [ "$output" = "$DOCKER_ID" ]
        run "$WARREN" image mount --driver vfs test/multi -- sh -c "\"$WARREN\" rmi -f test/multi && cat etc/hello"
        [ "$status" -eq 0 ]
        assert_contains "$output" "Deleted: $DOCKER_ID"
        assert_contains "$output" "hello from base"
        [ -z "$("$WARREN" images -q)" ]
}

@test "image history and inspect" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        run "$WARREN" image history test/multi
        [ "$status" -eq 0 ]
        assert_contains "$output" "top layer"
        assert_contains "$output" "base layer"
        assert_contains "$output" "<missing>"
        run "$WARREN" image inspect test/multi
        [ "$(echo "$output" | jq -r '.[0].RootFS.Layers | length')" -eq 2 ]
        [ "$(echo "$output" | jq -r '.[0].RootFS.Layers[0]')" = "$BASE_DIFF" ]
        local id
        id=$(echo "$output" | jq -r '.[0].Id')
        run "$WARREN" image inspect --format '{{.Id}} {{json .RootFS.Layers}}' test/multi
        [ "$status" -eq 0 ]
        [[ "$output" == "$id [\"$BASE_DIFF\","* ]]
        run "$WARREN" image inspect nope
        [ "$status" -eq 125 ]
}

check_merged_view() {
        local driver=$1
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        run "$WARREN" image mount --driver "$driver" test/multi -- sh -c '
                echo "driver=$WARREN_STORAGE_DRIVER_USED"
                test ! -e etc/deleteme && echo deleted-absent
                test -e etc/hello && echo hello-present
                test ! -e opq/lower1 && test ! -e opq/sub && echo opaque-hides-lower
                test -e opq/upper && echo opaque-keeps-upper
                stat -c "%n %u:%g %a" owned/u1000 owned/u33 owned/u65534 data/a etc/added bin/su-like
                test "$(stat -c %i etc/added)" = "$(stat -c %i etc/added-link)" && echo hardlink-kept
                test "$(stat -c %i data/a)" = "$(stat -c %i data/b)" && echo hardlink-kept-base
                test "$(stat -c %Y old)" = 1000000000 && echo mtime-kept
                test -L link && echo symlink-kept
                test -p fifo && echo fifo-kept
                test ! -e dev-null && echo device-skipped
                echo changed >etc/hello && echo upper-writable'
        echo "$output"
        [ "$status" -eq 0 ]
        assert_contains "$output" "driver=$driver"
        assert_contains "$output" "deleted-absent"
        assert_contains "$output" "hello-present"
        assert_contains "$output" "opaque-hides-lower"
        assert_contains "$output" "opaque-keeps-upper"
        assert_contains "$output" "owned/u1000 1000:1000 644"
        assert_contains "$output" "owned/u33 33:44 644"
        assert_contains "$output" "owned/u65534 65534:65534 644"
        assert_contains "$output" "data/a 1000:1000 644"
        assert_contains "$output" "etc/added 2:2 644"
        assert_contains "$output" "bin/su-like 0:0 4755"
        assert_contains "$output" "hardlink-kept"
        assert_contains "$output" "hardlink-kept-base"
        assert_contains "$output" "mtime-kept"
        assert_contains "$output" "symlink-kept"
        assert_contains "$output" "fifo-kept"
        assert_contains "$output" "device-skipped"
        assert_contains "$output" "upper-writable"
        # the layer itself is untouched by the write, and the mount is gone
        [ -z "$(ls "$STORE/rootfs" | grep mount- || true)" ]
        run "$WARREN" image mount --driver "$driver" test/multi -- cat etc/hello
        [ "$output" = "hello from base" ]
}

@test "merged view under the overlay driver" {
        is_root || require_feature userns newuidmap overlay
        check_merged_view overlay
}

@test "merged view under the fuse-overlayfs driver" {
        is_root || require_feature userns newuidmap fuse
        check_merged_view fuse-overlayfs
}

@test "merged view under the vfs driver" {
        is_root || require_feature userns newuidmap
        check_merged_view vfs
}

@test "the storage driver is detected once and can be overridden" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        run "$WARREN" image mount test/multi -- sh -c 'echo $WARREN_STORAGE_DRIVER_USED'
        [ "$status" -eq 0 ]
        [ -f "$STORE/rootfs/driver.json" ]
        detected=$(jq -r .driver "$STORE/rootfs/driver.json")
        [ "$output" = "$detected" ]
        run "$WARREN" --storage-driver vfs image mount test/multi -- sh -c 'echo $WARREN_STORAGE_DRIVER_USED'
        [ "$output" = vfs ]
        mkdir -p "$XDG_CONFIG_HOME/warren"
        echo 'driver = "vfs"' >"$XDG_CONFIG_HOME/warren/storage.conf"
        run "$WARREN" image mount test/multi -- sh -c 'echo $WARREN_STORAGE_DRIVER_USED'
        [ "$output" = vfs ]
        run "$WARREN" --storage-driver bogus image mount test/multi -- true
        [ "$status" -eq 125 ]
        assert_contains "$output" "unknown storage driver"
}

@test "an interrupted import leaves nothing visible and the next run cleans staging" {
        require_feature userns
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        mkdir -p "$STORE/layers/.staging/new-dead/diff/etc"
        echo partial >"$STORE/layers/.staging/new-dead/diff/etc/x"
        echo partial >"$STORE/blobs/tmp/blob-dead"
        run "$WARREN" images -q
        [ "$status" -eq 0 ]
        [ ! -e "$STORE/layers/.staging/new-dead" ]
        [ ! -e "$STORE/blobs/tmp/blob-dead" ]
        [ "$(stored_layers)" -eq 2 ]
}

@test "a load killed with SIGKILL leaves no partial layer visible" {
        require_feature userns
        python3 - "$TEST_TMP/big.tar" <<'PY'
import hashlib, io, json, os, sys, tarfile
def layer(seed):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for i in range(1500):
            data = (b"%d-%d " % (seed, i)) * 1500
            ti = tarfile.TarInfo("d%d/f%d" % (i % 30, i))
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()
layers = [layer(s) for s in range(3)]
ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
cfg = json.dumps({"os": "linux", "architecture": "amd64",
                  "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
ch = hashlib.sha256(cfg).hexdigest()
files = [(i[7:] + "/layer.tar", l) for i, l in zip(ids, layers)]
files += [(ch + ".json", cfg), ("manifest.json", json.dumps([{"Config": ch + ".json",
          "RepoTags": ["big:1"], "Layers": [f for f, _ in files]}]).encode())]
with tarfile.open(sys.argv[1], "w") as t:
    for n, d in files:
        ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
PY
        for delay in 0.05 0.15 0.3; do
                "$WARREN" load -i "$TEST_TMP/big.tar" >/dev/null 2>&1 &
                pid=$!
                sleep "$delay"
                kill -9 "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
                # the next command cleans what the killed one left
                run "$WARREN" images -q
                [ "$status" -eq 0 ]
                [ -z "$(ls -A "$STORE/layers/.staging")" ]
                [ -z "$(ls -A "$STORE/blobs/tmp")" ]
                for d in $(ls "$STORE/layers" | grep -E '^[0-9a-f]{64}$' || true); do
                        [ -f "$STORE/layers/$d/layer.json" ]
                done
                if [ -n "$output" ]; then
                        run "$WARREN" image mount --driver vfs big:1 -- sh -c 'ls d0 | wc -l'
                        [ "$output" -eq 150 ]
                        "$WARREN" rmi big:1 >/dev/null
                fi
        done
}

# Two docker-archives over the busybox root filesystem whose second layer (the same tar in both)
# hardlinks to files of the first, which differ: hl-a.tar (hl:a) and hl-b.tar (hl:b).
make_hardlink_images() {
        python3 - "$ROOTFS_TEMPLATE" "$TEST_TMP" <<'PY'
import hashlib, io, json, sys, tarfile
rootfs, out = sys.argv[1], sys.argv[2]
def reset(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.mtime = 1700000000
    return ti
def layer(add):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        add(t)
    return buf.getvalue()
def entry(t, name, data=None, link=None, mode=0o644, uid=0, mtime=1700000000):
    ti = tarfile.TarInfo(name)
    ti.mode, ti.uid, ti.gid, ti.mtime = mode, uid, uid, mtime
    if link is not None:
        ti.type, ti.linkname = tarfile.LNKTYPE, link
        t.addfile(ti)
    else:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
def base(content):
    def add(t):
        t.add(rootfs, arcname=".", filter=reset)
        entry(t, "data/orig", content, mode=0o640, uid=1000, mtime=1234567890)
    return layer(add)
def top(t):
    entry(t, "data/link", link="data/orig")
    entry(t, "etc/link2", link="/data/./orig")
    entry(t, "data/orig", b"rewritten by the top layer\n")
top = layer(top)
def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()
for name, content in (("a", b"from base a\n"), ("b", b"from base b\n")):
    layers = [base(content), top]
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                      "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]}}).encode()
    files = [(sha(l)[7:] + "/layer.tar", l) for l in layers]
    files += [("config.json", cfg), ("manifest.json", json.dumps([{"Config": "config.json",
              "RepoTags": ["hl:" + name], "Layers": [f for f, _ in files]}]).encode())]
    with tarfile.open("%s/hl-%s.tar" % (out, name), "w") as t:
        for n, d in files:
            ti = tarfile.TarInfo(n)
            ti.size = len(d)
            t.addfile(ti, io.BytesIO(d))
PY
}

@test "a hardlink to a file of a lower layer shows that file, copied up" {
        require_feature userns
        make_hardlink_images
        run "$WARREN" load -i "$TEST_TMP/hl-a.tar"
        [ "$status" -eq 0 ]
        run "$WARREN" run --rm --network none hl:a cat /data/link
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "from base a" ]
        # the base layer's mode and time; both links share the copy; the target written after
        # the links in the same layer is a file of its own
        run "$WARREN" run --rm --network none hl:a sh -c '
                stat -c "%a %Y" /data/link
                cat /etc/link2 /data/orig
                test "$(stat -c %i /data/link)" = "$(stat -c %i /etc/link2)" && echo shared'
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "640 1234567890" ]
        [ "${lines[1]}" = "from base a" ]
        [ "${lines[2]}" = "rewritten by the top layer" ]
        [ "${lines[3]}" = "shared" ]
        if is_root || have_feature newuidmap; then
                run "$WARREN" run --rm --network none hl:a stat -c "%u:%g" /data/link
                [ "$output" = "1000:1000" ]
        fi
        # the top layer holds a copy of hl:a's file: it is not reused over another base
        before=$(store_snapshot)
        run "$WARREN" load -i "$TEST_TMP/hl-b.tar"
        echo "$output"
        [ "$status" -eq 125 ]
        assert_contains "$output" "copied from the layers below it"
        [ "$(store_snapshot)" = "$before" ]
        "$WARREN" rmi hl:a
        run "$WARREN" load -i "$TEST_TMP/hl-b.tar"
        [ "$status" -eq 0 ]
        run "$WARREN" run --rm --network none hl:b cat /data/link
        [ "$output" = "from base b" ]
}

@test "hostile images are refused or contained; the store is as it was" {
        require_feature userns
        target=$TEST_TMP/target
        mkdir -p "$target"
        echo victim >"$target/victim"
        bash "$TESTS_DIR/lib/make-hostile-images.sh" "$TEST_TMP/hostile" "$target"
        "$WARREN" load -i "$IMAGES_DIR/docker.tar"
        target_before=$(cd "$target" && find . -printf '%p %s %m\n' | sort; sha256sum victim)
        declare -A want=(
                [dotdot]="escapes the layer root"
                [hardlink-out]="escapes the layer root"
                [hardlink-abs]="hardlink target"
                [symlink-loop]="Too many levels of symbolic links"
                [hardlink-deleted]="hardlink target \`x\` is deleted by a whiteout"
                [hardlink-opaque]="hardlink target \`d/x\` is not in this layer or below"
                [hardlink-lower-dir]="hardlink target \`d\` is a directory"
                [hardlink-lower-escape]="hardlink target \`esc/victim\` is not in this layer or below"
                [huge-size]="header claims"
                [long-name]="tar entry name of"
                [long-component]="has a component of 300 bytes"
                [digest-mismatch]="diff id mismatch"
                [truncated-gzip]="truncated gzip"
                [unknown-media]="unknown layer media type"
                [no-layers]="lists no layers"
                [oci-no-layers]="lists no layers"
                [config-not-json]="not valid JSON"
                [blob-mismatch]="digest mismatch"
        )
        for name in "${!want[@]}"; do
                before=$(store_snapshot)
                run "$WARREN" load -i "$TEST_TMP/hostile/$name.tar"
                echo "$name: $output"
                [ "$status" -eq 125 ]
                assert_contains "$output" "${want[$name]}"
                [ "$(store_snapshot)" = "$before" ]
        done
        # contained: written inside the layer, never outside
        for name in absolute symlink-write; do
                run "$WARREN" load -i "$TEST_TMP/hostile/$name.tar"
                echo "$name: $output"
                [ "$status" -eq 0 ]
        done
        run "$WARREN" image mount --driver vfs hostile/symlink-write -- \
                sh -c "cat .$target/pwned && cat .$target/pwned-rel"
        [ "$status" -eq 0 ]
        run "$WARREN" image mount --driver vfs hostile/absolute -- cat ".$target/absolute"
        [ "$output" = "escaped" ]
        [ "$(cd "$target" && find . -printf '%p %s %m\n' | sort; sha256sum victim)" = "$target_before" ]
}
