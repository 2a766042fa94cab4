#!/usr/bin/python3
"""Pod start and teardown through containerd's CRI plugin, the glass
handler next to the runc handler (one containerd, one CNI network, the
same image and pod config for both; see tests/cri/crienv.py).

  pod start     RunPodSandbox + CreateContainer + StartContainer of one
                container (`sleep`), until ContainerStatus says RUNNING
  teardown      StopPodSandbox + RemovePodSandbox

The handlers alternate pod by pod (and which goes first alternates too),
so drift in the machine's load falls on both alike.  Each operation is a
sequence of RPCs to a long-lived daemon, timed inside this one client:
hyperfine would time a Python start and a gRPC connection per pod.

Run by bench/cri.sh inside a network namespace it made:
  cri.py --build BUILD --dir DIR --netns NAME --cgroup-parent NAME [--pods N] [--json FILE]
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/cri"))
import cri  # noqa: E402
import crienv  # noqa: E402

WARMUP = 2


def one_pod(c, h, i):
    R = cri.pb
    cfg = c.pod_config("bench-%s-%d" % (h, i), labels={"bench": h})
    t0 = time.monotonic()
    pod = c.run_pod(h, cfg)
    cid = c.run(pod, c.container_config("sleeper", ["sleep", "3600"]))
    st = c.status(cid)
    t1 = time.monotonic()
    if st.state != R.CONTAINER_RUNNING:
        raise RuntimeError("%s pod %d: container %s, not running" % (h, i, R.ContainerState.Name(st.state)))
    c.stop_pod(pod)
    c.remove_pod(pod)
    t2 = time.monotonic()
    return t1 - t0, t2 - t1


def summary(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs),
            "stddev": statistics.pstdev(xs), "runs": len(xs)}


def table(title, res, key):
    runc = res["runc"][key]["median"]
    print("\n== %s" % title)
    for h in ("glass", "runc"):
        s = res[h][key]
        print("%-6s %8.1f ms   (min %.1f, max %.1f, sd %.1f)   %.2fx runc"
              % (h, s["median"] * 1e3, s["min"] * 1e3, s["max"] * 1e3, s["stddev"] * 1e3, s["median"] / runc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--cgroup-parent", required=True)
    ap.add_argument("--pods", type=int, default=30)
    ap.add_argument("--json")
    a = ap.parse_args()
    # The bench needs no more than warnings from containerd.
    env = crienv.Env(a.dir, a.build, a.netns, a.cgroup_parent, log_level="warn")
    c = None
    times = {h: {"start": [], "teardown": []} for h in crienv.HANDLERS}
    try:
        env.write_config()
        env.start()
        env.import_images()
        c = cri.Client(env.sock, a.dir + "/gen", a.dir + "/logs", a.cgroup_parent)
        c.wait_ready()
        for i in range(WARMUP + a.pods):
            order = crienv.HANDLERS if i % 2 == 0 else tuple(reversed(crienv.HANDLERS))
            for h in order:
                start, teardown = one_pod(c, h, i)
                if i >= WARMUP:
                    times[h]["start"].append(start)
                    times[h]["teardown"].append(teardown)
    finally:
        errors = env.cleanup(c)
        for e in errors:
            print("bench/cri: cleanup: " + e, file=sys.stderr)
    res = {h: {k: summary(v) for k, v in t.items()} for h, t in times.items()}
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print("containerd %s, %d pods per handler (after %d untimed), alternating; load average %s"
          % (crienv.run(["/usr/bin/containerd", "--version"]).split()[2], a.pods, WARMUP, " ".join(load)))
    print("(on a loaded machine the spread is wide: compare runs made at a load below the core count)")
    table("pod start: RunPodSandbox + CreateContainer + StartContainer, running (median)", res, "start")
    table("pod teardown: StopPodSandbox + RemovePodSandbox (median)", res, "teardown")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": res, "raw": times}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
