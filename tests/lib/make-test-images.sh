#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the test images locally (python3 tarfile, zstd; no downloads) into OUTDIR:
#   docker.tar   docker-archive, image test/multi:latest, layers base (plain) + top (plain):
#                whiteouts, an opaque directory, hardlinks, a setuid file, several owners
#   oci.tar      OCI archive, image test/oci:1.0, layers base (gzip: same diff id as docker's
#                base, a different blob) + app (zstd)
#   docker25.tar the same image as docker.tar in the layout `docker save` writes since Docker 25
#                (manifest.json pointing into blobs/sha256, plus index.json and oci-layout)
#   rootfs.tar.gz  a root filesystem tarball for `import`
#   expect.env   the ids: DOCKER_ID, OCI_ID, BASE_DIFF, TOP_DIFF, APP_DIFF
# usage: make-test-images.sh OUTDIR
set -euo pipefail
out=${1:?usage: make-test-images.sh OUTDIR}
mkdir -p "$out"
command -v zstd >/dev/null || { echo "make-test-images: zstd is needed" >&2; exit 1; }
exec python3 - "$out" <<'PY'
import gzip, hashlib, io, json, os, subprocess, sys, tarfile

out = sys.argv[1]
MTIME = 1700000000

def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()

def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            ti = tarfile.TarInfo(e["name"])
            ti.mtime = e.get("mtime", MTIME)
            ti.uid, ti.gid = e.get("uid", 0), e.get("gid", 0)
            ti.uname = ti.gname = ""
            ti.mode = e.get("mode", 0o644)
            kind = e.get("type", "file")
            data = None
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = e.get("mode", 0o755)
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e["link"]
                ti.mode = 0o777
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e["link"]
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
            elif kind == "chr":
                ti.type = tarfile.CHRTYPE
                ti.devmajor, ti.devminor = e.get("major", 1), e.get("minor", 3)
            else:
                data = e.get("data", b"")
                ti.size = len(data)
            if "xattrs" in e:
                ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in e["xattrs"].items()}
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()

base = layer([
    {"name": "bin", "type": "dir"},
    {"name": "bin/tool", "data": b"#!/bin/sh\necho tool\n", "mode": 0o755},
    {"name": "bin/su-like", "data": b"setuid\n", "mode": 0o4755},
    {"name": "etc", "type": "dir"},
    {"name": "etc/hello", "data": b"hello from base\n"},
    {"name": "etc/deleteme", "data": b"this file is deleted by the top layer\n"},
    {"name": "opq", "type": "dir"},
    {"name": "opq/lower1", "data": b"hidden by the opaque dir\n"},
    {"name": "opq/sub", "type": "dir"},
    {"name": "opq/sub/lower2", "data": b"also hidden\n"},
    {"name": "data", "type": "dir", "uid": 1000, "gid": 1000, "mode": 0o750},
    {"name": "data/a", "data": b"hardlinked content\n", "uid": 1000, "gid": 1000},
    {"name": "data/b", "type": "hardlink", "link": "data/a"},
    {"name": "owned", "type": "dir"},
    {"name": "owned/u1000", "data": b"x\n", "uid": 1000, "gid": 1000},
    {"name": "owned/u33", "data": b"x\n", "uid": 33, "gid": 44},
    {"name": "owned/u65534", "data": b"x\n", "uid": 65534, "gid": 65534},
    {"name": "owned/xattr", "data": b"x\n", "xattrs": {"user.test": "yes"}},
    {"name": "link", "type": "symlink", "link": "etc/hello"},
    {"name": "fifo", "type": "fifo"},
    {"name": "dev-null", "type": "chr", "major": 1, "minor": 3},
    {"name": "old", "data": b"old\n", "mtime": 1000000000},
])
top = layer([
    {"name": "etc", "type": "dir"},
    {"name": "etc/.wh.deleteme"},
    {"name": "etc/added", "data": b"added by top\n", "uid": 2, "gid": 2},
    {"name": "opq", "type": "dir"},
    {"name": "opq/.wh..wh..opq"},
    {"name": "opq/upper", "data": b"only this is visible\n"},
    {"name": "etc/added-link", "type": "hardlink", "link": "etc/added"},
])
app = layer([
    {"name": "app", "type": "dir"},
    {"name": "app/run", "data": b"#!/bin/sh\necho app\n", "mode": 0o755, "uid": 100, "gid": 101},
])

def config(diff_ids, cmd, labels):
    return json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
        "config": {"Cmd": cmd, "Env": ["PATH=/bin"], "Labels": labels},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "base layer"},
                    {"created": "2024-01-02T03:04:05Z", "created_by": "ENV PATH=/bin", "empty_layer": True},
                    {"created": "2024-01-02T03:04:05Z", "created_by": "top layer"}],
    }, sort_keys=True).encode()

def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = MTIME
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()

# docker-archive
dcfg = config([sha(base), sha(top)], ["/bin/tool"], {"test": "docker"})
dh = hashlib.sha256(dcfg).hexdigest()
bh, th = hashlib.sha256(base).hexdigest(), hashlib.sha256(top).hexdigest()
manifest = json.dumps([{"Config": dh + ".json", "RepoTags": ["test/multi:latest"],
                        "Layers": [bh + "/layer.tar", th + "/layer.tar"]}]).encode()
with open(os.path.join(out, "docker.tar"), "wb") as f:
    f.write(tar_of([(bh + "/layer.tar", base), (bh + "/VERSION", b"1.0"), (th + "/layer.tar", top),
                    (dh + ".json", dcfg), ("manifest.json", manifest),
                    ("repositories", json.dumps({"test/multi": {"latest": th}}).encode())]))

# Docker 25+: manifest.json names blobs/sha256/<hex>; an OCI index sits beside it
d25_manifest = json.dumps([{"Config": "blobs/sha256/" + dh, "RepoTags": ["test/multi:latest"],
                            "Layers": ["blobs/sha256/" + bh, "blobs/sha256/" + th]}]).encode()
d25_oman = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": sha(dcfg), "size": len(dcfg)},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                   "digest": sha(l), "size": len(l)} for l in (base, top)]}).encode()
d25_index = json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(d25_oman),
     "size": len(d25_oman), "annotations": {"io.containerd.image.name": "docker.io/test/multi:latest",
                                            "org.opencontainers.image.ref.name": "latest"}}]}).encode()
with open(os.path.join(out, "docker25.tar"), "wb") as f:
    f.write(tar_of([("blobs/sha256/" + bh, base), ("blobs/sha256/" + th, top),
                    ("blobs/sha256/" + dh, dcfg),
                    ("blobs/sha256/" + hashlib.sha256(d25_oman).hexdigest(), d25_oman),
                    ("index.json", d25_index), ("manifest.json", d25_manifest),
                    ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                    ("repositories", json.dumps({"test/multi": {"latest": th}}).encode())]))

# OCI archive: base gzip'd, app zstd'd
base_gz = gzip.compress(base, mtime=0)
app_zst = subprocess.run(["zstd", "-q", "-c"], input=app, stdout=subprocess.PIPE, check=True).stdout
ocfg = config([sha(base), sha(app)], ["/app/run"], {"test": "oci"})
oman = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                              "digest": sha(ocfg), "size": len(ocfg)},
                   "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                               "digest": sha(base_gz), "size": len(base_gz)},
                              {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
                               "digest": sha(app_zst), "size": len(app_zst)}]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(oman), "size": len(oman),
     "annotations": {"org.opencontainers.image.ref.name": "1.0",
                     "io.containerd.image.name": "test/oci:1.0"}}]}).encode()
blobs = [(b"blobs/sha256/" + hashlib.sha256(d).hexdigest().encode(), d) for d in (base_gz, app_zst, ocfg, oman)]
with open(os.path.join(out, "oci.tar"), "wb") as f:
    f.write(tar_of([("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)] +
                   [(n.decode(), d) for n, d in blobs]))

# rootfs tarball for import
rootfs = layer([
    {"name": "./", "type": "dir"},
    {"name": "./bin", "type": "dir"},
    {"name": "./bin/hello", "data": b"#!/bin/sh\necho imported\n", "mode": 0o755},
    {"name": "./home", "type": "dir"},
    {"name": "./home/user", "type": "dir", "uid": 1000, "gid": 1000},
    {"name": "./home/user/file", "data": b"mine\n", "uid": 1000, "gid": 1000},
])
with open(os.path.join(out, "rootfs.tar.gz"), "wb") as f:
    f.write(gzip.compress(rootfs, mtime=0))

with open(os.path.join(out, "expect.env"), "w") as f:
    f.write("DOCKER_ID=%s\nOCI_ID=%s\nBASE_DIFF=%s\nTOP_DIFF=%s\nAPP_DIFF=%s\nROOTFS_DIFF=%s\n" % (
        sha(dcfg), sha(ocfg), sha(base), sha(top), sha(app), sha(rootfs)))
PY
