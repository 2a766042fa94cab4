#!/usr/bin/python3
"""Writes a one-layer OCI image archive (an OCI image layout in a tar, what
`ctr images import`, `podman load` and `glass image import` read) without a
registry, a daemon or the network.  The output is byte-for-byte
reproducible: entries sorted, owned by 0:0, dated at the epoch.

  oci-archive.py OUT.tar --name REF [--entrypoint ARG]... [--cmd ARG]...
                 [--env K=V]... [--workdir DIR] [--user USER]
                 [--dir ROOTFS] [--file SRC:DEST]...

--dir puts a whole tree (symlinks kept, hard links kept) at the image's
root; --file puts one file at DEST (0755 when SRC is executable, else 0644).
REF is the full name ("localhost/glass-pause:0.1.0"): it becomes the index's
io.containerd.image.name annotation, its tag org.opencontainers.image.ref.name.
"""
import argparse
import hashlib
import io
import json
import os
import platform
import sys
import tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
        "s390x": "s390x", "riscv64": "riscv64"}


def normalize(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.mtime = 0
    return ti


def parent_dirs(tar, dest, seen):
    parts = dest.strip("/").split("/")[:-1]
    for i in range(len(parts)):
        d = "/".join(parts[: i + 1])
        if d in seen:
            continue
        seen.add(d)
        ti = normalize(tarfile.TarInfo(d))
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
        tar.addfile(ti)


def add_tree(tar, root):
    # Walk in sorted order so the layer's digest depends only on the content.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            arc = name if rel == "." else os.path.join(rel, name)
            ti = normalize(tar.gettarinfo(path, arcname=arc))
            if ti.isreg():
                with open(path, "rb") as f:
                    tar.addfile(ti, f)
            else:
                tar.addfile(ti)


def add_file(tar, spec, seen):
    src, sep, dest = spec.partition(":")
    if not sep or not dest.startswith("/"):
        sys.exit(f"oci-archive: --file {spec}: want SRC:/ABSOLUTE/DEST")
    parent_dirs(tar, dest, seen)
    st = os.stat(src)
    ti = normalize(tarfile.TarInfo(dest.strip("/")))
    ti.size = st.st_size
    ti.mode = 0o755 if st.st_mode & 0o111 else 0o644
    with open(src, "rb") as f:
        tar.addfile(ti, f)


def blob(out, data, media_type):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    ti = normalize(tarfile.TarInfo("blobs/sha256/" + digest[7:]))
    ti.size = len(data)
    ti.mode = 0o644
    out.addfile(ti, io.BytesIO(data))
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def main():
    ap = argparse.ArgumentParser(description="a one-layer OCI image archive")
    ap.add_argument("out")
    ap.add_argument("--name", required=True)
    ap.add_argument("--entrypoint", action="append", default=[])
    ap.add_argument("--cmd", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--workdir", default="")
    ap.add_argument("--user", default="")
    ap.add_argument("--dir")
    ap.add_argument("--file", action="append", default=[])
    a = ap.parse_args()
    if not a.dir and not a.file:
        sys.exit("oci-archive: nothing to put in the layer (--dir or --file)")
    tag = a.name.rsplit(":", 1)[1] if ":" in a.name.rsplit("/", 1)[-1] else "latest"

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        seen = set()
        if a.dir:
            add_tree(tar, a.dir)
        for spec in a.file:
            add_file(tar, spec, seen)
    layer = layer.getvalue()

    arch = ARCH.get(platform.machine(), platform.machine())
    env = a.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    cfg = {"architecture": arch, "os": "linux",
           "config": {"Env": env},
           "rootfs": {"type": "layers",
                      "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
           "history": [{"created_by": "glass: scripts/oci-archive.py"}]}
    for key, val in (("Entrypoint", a.entrypoint), ("Cmd", a.cmd), ("WorkingDir", a.workdir),
                     ("User", a.user)):
        if val:
            cfg["config"][key] = val

    tmp = a.out + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as out:
        ldesc = blob(out, layer, "application/vnd.oci.image.layer.v1.tar")
        cdesc = blob(out, json.dumps(cfg, sort_keys=True).encode(),
                     "application/vnd.oci.image.config.v1+json")
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": cdesc, "layers": [ldesc]}
        mdesc = blob(out, json.dumps(man, sort_keys=True).encode(), man["mediaType"])
        mdesc["platform"] = {"architecture": arch, "os": "linux"}
        mdesc["annotations"] = {"io.containerd.image.name": a.name,
                                "org.opencontainers.image.ref.name": tag}
        index = {"schemaVersion": 2, "manifests": [mdesc]}
        for name, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                           ("index.json", json.dumps(index, sort_keys=True).encode())):
            ti = normalize(tarfile.TarInfo(name))
            ti.size = len(data)
            ti.mode = 0o644
            out.addfile(ti, io.BytesIO(data))
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
