#!/usr/bin/python3
"""A container's lifecycle through docker-py (Debian's python3-docker),
against whatever DOCKER_HOST names: prints "ok - NAME" or "not ok - NAME"
(with "#" lines saying why) for each step; t-serve-clients.sh counts them.
Every call is bounded by the client's timeout (DOCKER_CLIENT_TIMEOUT)."""
import os
import sys
import traceback

import docker

CG = os.environ.get("CG_PARENT", "")
failed = 0


def step(name, fn):
    """Runs fn(); ok when it returns truthy without raising."""
    global failed
    try:
        got = fn()
    except Exception:  # noqa: BLE001 - every failure is reported, not raised
        got = None
        for line in traceback.format_exc().splitlines()[-6:]:
            print("#   " + line)
    if got:
        print("ok - " + name)
    else:
        failed += 1
        print("not ok - " + name)
    sys.stdout.flush()
    return got


c = docker.from_env(timeout=int(os.environ.get("DOCKER_CLIENT_TIMEOUT", "60")))
step("ping", c.ping)
step("version says API 1.41", lambda: c.version()["ApiVersion"] == "1.41")
img = step("images.pull busybox", lambda: c.images.pull("busybox", tag="latest"))
step("images.get by the pulled image's ID", lambda: c.images.get(img.id).id == img.id)
step("images.list includes it", lambda: img.id in [i.id for i in c.images.list()])
vol = step("volumes.create with a label",
           lambda: c.volumes.create("pyvol", labels={"by": "docker-py"}))
step("volumes.get reads the label back", lambda: c.volumes.get("pyvol").attrs["Labels"]["by"] == "docker-py")
net = step("networks.create", lambda: c.networks.create("pynet", labels={"by": "docker-py"}))
step("networks.list by label", lambda: [n.name for n in c.networks.list(filters={"label": "by=docker-py"})] == ["pynet"])
ctr = step("containers.run detached, on pynet with pyvol",
           lambda: c.containers.run("busybox", ["sh", "-c", "echo started; echo v >/data/f; sleep 60"],
                                    detach=True, name="pyctr", network="pynet",
                                    volumes={"pyvol": {"bind": "/data", "mode": "rw"}},
                                    cgroup_parent=CG or None))
step("the container runs", lambda: (ctr.reload(), ctr.status)[1] == "running")
step("networks: the container is attached",
     lambda: (net.reload(), ctr.id in net.attrs["Containers"])[1])
step("logs has its output", lambda: b"started" in ctr.logs())
step("exec_run reads the volume", lambda: ctr.exec_run(["cat", "/data/f"]).output == b"v\n")
step("stop", lambda: ctr.stop(timeout=2) is None)
step("wait gives the exit code", lambda: ctr.wait(timeout=30)["StatusCode"] in (137, 143))
step("remove", lambda: ctr.remove() is None)
step("networks.remove", lambda: net.remove() is None)
step("the volume kept the data: a one-shot run reads it",
     lambda: c.containers.run("busybox", ["cat", "/data/f"], remove=True,
                              volumes={"pyvol": {"bind": "/data", "mode": "ro"}},
                              cgroup_parent=CG or None) == b"v\n")
step("volumes.remove", lambda: vol.remove() is None)
step("nothing of the script's is left",
     lambda: not c.containers.list(all=True) and "pyvol" not in [v.name for v in c.volumes.list()]
     and "pynet" not in [n.name for n in c.networks.list()])
step("df lists the image", lambda: img.id in [i["Id"] for i in c.df()["Images"]])
sys.exit(1 if failed else 0)
