#!/usr/bin/python3
"""Writes the seeds of fuzz-archive (tests/fuzz/corpus/fuzz-archive): a
one-layer image as `docker save` writes it, as an OCI layout in a tar (with
an index that points to a nested index, as `glass export` and buildkit
write), and the docker one gzipped.  Deterministic: run again, same bytes.
    tests/fuzz/make-archive-seeds.py DIR
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile


def tar_of(files):
    """A tar (bytes) of {path: bytes}, directories made on the way."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        dirs = set()
        for path in sorted(files):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    t.addfile(info)
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(files[path]), 0o644
            t.addfile(info, io.BytesIO(files[path]))
    return out.getvalue()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def doc(o):
    return json.dumps(o, separators=(",", ":"), sort_keys=True).encode()


layer = tar_of({"etc/hostname": b"fuzz\n", "bin/true": b"#!/bin/sh\n"})
config = doc({
    "architecture": "amd64", "os": "linux",
    "config": {"Cmd": ["/bin/true"], "Env": ["PATH=/bin"]},
    "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
    "history": [{"created_by": "fuzz seed"}],
})
layer_hex, config_hex = sha(layer)[7:], sha(config)[7:]

docker = tar_of({
    layer_hex + "/layer.tar": layer,
    config_hex + ".json": config,
    "manifest.json": doc([{"Config": config_hex + ".json", "RepoTags": ["fuzz:docker"],
                           "Layers": [layer_hex + "/layer.tar"]}]),
})

glayer = gzip.compress(layer, mtime=0)
manifest = doc({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": sha(glayer), "size": len(glayer)}],
})
inner = doc({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": sha(manifest), "size": len(manifest),
                   "platform": {"os": "linux", "architecture": "amd64"}}],
})
blobs = {"blobs/sha256/" + sha(b)[7:]: b for b in (glayer, config, manifest, inner)}
oci = tar_of(dict(blobs, **{
    "oci-layout": doc({"imageLayoutVersion": "1.0.0"}),
    "index.json": doc({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha(inner),
        "size": len(inner), "annotations": {"org.opencontainers.image.ref.name": "oci"}}]}),
}))

for name, data in (("docker.tar", docker), ("oci.tar", oci),
                   ("docker.tar.gz", gzip.compress(docker, mtime=0))):
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(data)
