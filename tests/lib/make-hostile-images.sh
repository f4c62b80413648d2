#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build a corpus of hostile image archives into OUTDIR (python3 tarfile; no downloads). Each is
# a docker-archive (or OCI archive) whose digests are right unless the case is about digests,
# so that it is the named attack that must be refused or contained:
#   dotdot          an entry `../../../../TARGET/dotdot`                       refused
#   absolute        an entry `/TARGET/absolute`                                 contained
#   symlink-write   `evil -> TARGET`, `rel -> ../../../../../../TARGET`, then
#                   writes through both                                         contained
#   hardlink-out    a hardlink to `../../../../TARGET/victim`                   refused
#   hardlink-abs    a hardlink to `/TARGET/victim`                              refused
#   symlink-loop    `a -> b`, `b -> a`, then `a/file`                           refused
# and hardlinks to a file of a lower layer (copied up when the merged view shows it):
#   hardlink-deleted      layer 1 has `x`, layer 2 deletes it, layer 3 links to it   refused
#   hardlink-opaque       layer 1 has `d/x`, layer 2 makes `d` opaque, layer 3 links refused
#   hardlink-lower-dir    layer 1 has directory `d`, layer 2 links to it          refused
#   hardlink-lower-escape layer 1 has `esc -> TARGET`, layer 2 links `esc/victim` refused
#                         (resolved inside the image, where there is no victim)
#   huge-size       a header claiming 100 TiB                                   refused
#   long-name       a 5000-byte path; a 300-byte component                      refused
#   digest-mismatch the config's diff id is not the layer's                     refused
#   truncated-gzip  a gzip layer cut in half                                    refused
#   unknown-media   an OCI layer with media type `application/x-evil`           refused
#   no-layers       a manifest.json entry with `"Layers": []`                   refused
#   oci-no-layers   an OCI manifest with no layers                              refused
#   config-not-json a config that is not JSON                                   refused
#   blob-mismatch   an OCI blob whose content does not match its name           refused
# TARGET is an absolute directory outside warren's storage; the test checks that it is unchanged.
# usage: make-hostile-images.sh OUTDIR TARGET
set -euo pipefail
out=${1:?usage: make-hostile-images.sh OUTDIR TARGET}
target=${2:?usage: make-hostile-images.sh OUTDIR TARGET}
mkdir -p "$out"
exec python3 - "$out" "$target" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile

out, target = sys.argv[1], sys.argv[2].rstrip("/")
MTIME = 1700000000

def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()

def ti(name, kind="file", data=b"", link="", size=None, mode=0o644):
    t = tarfile.TarInfo(name)
    t.mtime, t.mode = MTIME, mode
    if kind == "dir":
        t.type = tarfile.DIRTYPE
    elif kind == "symlink":
        t.type, t.linkname = tarfile.SYMTYPE, link
    elif kind == "hardlink":
        t.type, t.linkname = tarfile.LNKTYPE, link
    else:
        t.size = len(data) if size is None else size
    return t, (io.BytesIO(data) if kind == "file" else None)

def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            t.addfile(*e)
    return buf.getvalue()

def raw_huge_layer():
    # A header claiming 100 TiB followed by nothing: written by hand, tarfile would want data.
    t = tarfile.TarInfo("huge")
    t.size = 100 << 40
    t.mtime = MTIME
    return t.tobuf(format=tarfile.PAX_FORMAT) + b"\0" * 1024

def config(diff_ids):
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()

def archive(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            x = tarfile.TarInfo(name)
            x.size, x.mtime = len(data), MTIME
            t.addfile(x, io.BytesIO(data))
    return buf.getvalue()

def docker(name, layer_blob, diff_id=None, cfg=None, layers_override=None):
    diff_id = diff_id or sha(layer_blob)
    cfg = cfg if cfg is not None else config([diff_id])
    ch = hashlib.sha256(cfg).hexdigest()
    layers = ["l/layer.tar"] if layers_override is None else layers_override
    manifest = json.dumps([{"Config": ch + ".json", "RepoTags": ["hostile/" + name + ":latest"],
                            "Layers": layers}]).encode()
    data = archive([("l/layer.tar", layer_blob), (ch + ".json", cfg), ("manifest.json", manifest)])
    with open(os.path.join(out, name + ".tar"), "wb") as f:
        f.write(data)

def docker_layers(name, blobs):
    ids = [sha(b) for b in blobs]
    cfg = config(ids)
    ch = hashlib.sha256(cfg).hexdigest()
    files = [("l%d/layer.tar" % i, b) for i, b in enumerate(blobs)]
    manifest = json.dumps([{"Config": ch + ".json", "RepoTags": ["hostile/" + name + ":latest"],
                            "Layers": [f for f, _ in files]}]).encode()
    with open(os.path.join(out, name + ".tar"), "wb") as f:
        f.write(archive(files + [(ch + ".json", cfg), ("manifest.json", manifest)]))

def oci(name, layer_blob, media_type, no_layers=False, corrupt_blob=False):
    cfg = config([] if no_layers else [sha(layer_blob)])
    layers = [] if no_layers else [{"mediaType": media_type, "digest": sha(layer_blob), "size": len(layer_blob)}]
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                 "digest": sha(cfg), "size": len(cfg)},
                      "layers": layers}).encode()
    idx = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(man), "size": len(man),
         "annotations": {"io.containerd.image.name": "hostile/" + name + ":latest"}}]}).encode()
    blobs = [(sha(d)[7:], d) for d in (cfg, man, layer_blob)]
    if corrupt_blob:
        blobs[2] = (blobs[2][0], layer_blob + b"tampered")
    data = archive([("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", idx)] +
                   [("blobs/sha256/" + h, d) for h, d in blobs])
    with open(os.path.join(out, name + ".tar"), "wb") as f:
        f.write(data)

rel_up = "../" * 12
docker("dotdot", layer([ti(rel_up + target.lstrip("/") + "/dotdot", data=b"escaped\n")]))
docker("absolute", layer([ti(target + "/absolute", data=b"escaped\n")]))
docker("symlink-write", layer([
    ti("evil", "symlink", link=target),
    ti("evil/pwned", data=b"escaped through a symlink\n"),
    ti("rel", "symlink", link=rel_up + target.lstrip("/")),
    ti("rel/pwned-rel", data=b"escaped through a relative symlink\n"),
]))
docker("hardlink-out", layer([ti("hl", "hardlink", link=rel_up + target.lstrip("/") + "/victim")]))
docker("hardlink-abs", layer([ti("hl", "hardlink", link=target + "/victim")]))
docker("symlink-loop", layer([ti("a", "symlink", link="b"), ti("b", "symlink", link="a"),
                              ti("a/file", data=b"loop\n")]))
docker_layers("hardlink-deleted", [layer([ti("x", data=b"deleted above\n")]),
                                    layer([ti(".wh.x")]),
                                    layer([ti("hl", "hardlink", link="x")])])
docker_layers("hardlink-opaque", [layer([ti("d/x", data=b"hidden above\n")]),
                                   layer([ti("d/.wh..wh..opq")]),
                                   layer([ti("hl", "hardlink", link="d/x")])])
docker_layers("hardlink-lower-dir", [layer([ti("d", "dir", mode=0o755)]),
                                      layer([ti("hl", "hardlink", link="d")])])
docker_layers("hardlink-lower-escape", [layer([ti("esc", "symlink", link=target)]),
                                         layer([ti("hl", "hardlink", link="esc/victim")])])
huge = raw_huge_layer()
docker("huge-size", huge)
docker("long-name", layer([ti("d/" + "x" * 5000, data=b"long\n")]))
docker("long-component", layer([ti("y" * 300, data=b"long\n")]))
good = layer([ti("ok", data=b"fine\n")])
docker("digest-mismatch", good, diff_id=sha(b"something else"))
gz = gzip.compress(layer([ti("big", data=os.urandom(200000))]), mtime=0)
docker("truncated-gzip", gz[: len(gz) // 2], diff_id=sha(b"unknowable"))
oci("unknown-media", good, "application/x-evil")
docker("no-layers", good, layers_override=[])
oci("oci-no-layers", good, "application/vnd.oci.image.layer.v1.tar", no_layers=True)
docker("config-not-json", good, cfg=b"this is { not json")
oci("blob-mismatch", good, "application/vnd.oci.image.layer.v1.tar", corrupt_blob=True)
PY
