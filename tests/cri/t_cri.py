#!/usr/bin/python3
"""The CRI suite: glass-runtime as a RuntimeClass handler of containerd's
CRI plugin, every case run under the `glass` handler and the `runc`
handler, what the kernel showed compared between the two.

Run by tests/integration/t-cri.sh inside a network namespace it made:
  t_cri.py --build BUILD --dir DIR --netns NAME --cgroup-parent NAME
Prints TAP.  See crienv.py for what is started and how it is removed.
"""
import argparse
import os
import shutil
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cri  # noqa: E402
import crienv  # noqa: E402
import tap as tapmod  # noqa: E402
import test_pod  # noqa: E402
import test_security  # noqa: E402

POD_CASES = [
    ("the sandbox process", test_pod.case_sandbox_process),
    ("containers share the pod's namespaces", test_pod.case_shared_namespaces),
    ("pod loopback", test_pod.case_loopback),
    ("pod cgroup parent", test_pod.case_cgroup_parent),
    ("ExecSync", test_pod.case_exec_sync),
    ("what an exec'd process sees", test_pod.case_exec_probe),
    ("Exec streaming", test_pod.case_exec_stream),
    ("UpdateContainerResources", test_pod.case_update_resources),
    ("ContainerStats", test_pod.case_stats),
    ("container log", test_pod.case_logs),
    ("ReopenContainerLog", test_pod.case_reopen_log),
    ("exit codes", test_pod.case_exit_codes),
    ("OOMKilled", test_pod.case_oom),
    ("kill -9 of pid 1", test_pod.case_kill_pid1),
    ("StopContainer grace period", test_pod.case_stop_grace),
    ("List filters", test_pod.case_lists),
]


class Ctx:
    def __init__(self, env, tap):
        self.env, self.tap, self.c = env, tap, None


def guarded(ctx, title, fn, *args):
    try:
        return fn(*args)
    except Exception as e:
        ctx.tap.fail_exc(title, e)
        ctx.tap.diag(traceback.format_exc(limit=3))
        return None


def remove_and_check(ctx, pod_id, title):
    """StopPodSandbox and RemovePodSandbox, then nothing of the pod may
    remain: shim, runtime and task state, cgroups, mounts, netns."""
    c, R = ctx.c, cri.pb
    info = c.pod_info(pod_id)
    netns = [n.get("path") for n in info["runtimeSpec"]["linux"]["namespaces"] if n["type"] == "network"]
    netns = [p for p in netns if p and not p.startswith("/proc/")]
    ctrs = [x.id for x in c.list_containers(pod_sandbox_id=pod_id)]
    # The same check, before: it must see what it later wants gone.
    seen = {l.split(" ")[0] for l in ctx.env.leftovers([pod_id], ctrs)}
    want = {"shim", "runtime", "task", "CRI", "cgroup", "mount"} | ({"CNI"} if netns else set())
    ctx.tap.ok("%s: before removal the leftover check finds the pod's %s" % (title, ", ".join(sorted(want))),
               want <= seen, "found: %s" % sorted(seen))
    c.stop_pod(pod_id)
    st = c.pod_status(pod_id).status
    states = {R.ContainerState.Name(x.state) for x in c.list_containers(pod_sandbox_id=pod_id)}
    ctx.tap.ok("%s: StopPodSandbox: NOTREADY, every container exited" % title,
               st.state == R.SANDBOX_NOTREADY and states <= {"CONTAINER_EXITED"}, "%s %s" % (st.state, states))
    c.remove_pod(pod_id)
    left = ctx.env.leftovers([pod_id], ctrs)
    left += ["netns " + p for p in netns if os.path.exists(p)]
    left += ["netns mount " + m for m in crienv.mounts_under(ctx.env.d) for p in netns if m == p]
    ctx.tap.ok("%s: RemovePodSandbox leaves no shim, state, cgroup, mount or netns" % title, not left, "\n".join(left))
    ctx.tap.is_("%s: the pod is no longer listed" % title, [x.id for x in c.list_pods(id=pod_id)], [])


def compare_cases(ctx, obs):
    for name, per in obs.items():
        if set(per) == set(crienv.HANDLERS):
            tapmod.compare(ctx.tap, name, per["glass"], per["runc"])


def pod_lifecycle(ctx):
    pods = {}
    for h in crienv.HANDLERS:
        p = guarded(ctx, "%s: the main pod starts" % h, test_pod.main_pod, ctx, h)
        if p:
            pods[h] = p
    obs = {}
    for name, fn in POD_CASES:
        for h, p in pods.items():
            r = guarded(ctx, "%s: %s" % (h, name), fn, ctx, p)
            if r is not None:
                obs.setdefault(name, {})[h] = r
    compare_cases(ctx, obs)
    if len(pods) == 2:
        guarded(ctx, "pod to pod", test_pod.cross_pod, ctx, [pods["glass"], pods["runc"]])
    guarded(ctx, "pod network contained", test_pod.pod_network_contained, ctx)
    return pods


def other_pods(ctx):
    """Pods with other namespace options: hostNetwork, a shared PID namespace."""
    for title, fn in (("hostNetwork", test_pod.host_network_pod), ("shared PID namespace", test_pod.shared_pid_pod)):
        obs = {}
        for h in crienv.HANDLERS:
            r = guarded(ctx, "%s: %s pod" % (h, title), fn, ctx, h)
            if r:
                pod, obs[h] = r
                guarded(ctx, "%s: %s pod removal" % (h, title), remove_and_check, ctx, pod, "%s: %s pod" % (h, title))
        if len(obs) == 2:
            tapmod.compare(ctx.tap, title, obs["glass"], obs["runc"])


def security(ctx):
    started, pods = {}, {}
    for h in crienv.HANDLERS:
        r = guarded(ctx, "%s: the security-context pods start" % h, test_security.run_cases, ctx, h)
        if r:
            pods[h], started[h] = r
    obs = test_security.check(ctx, started)
    for name, per in obs.items():
        if set(per) == set(crienv.HANDLERS):
            issue = per["glass"][1]
            extra = {"*": (issue, "the case's own check")} if issue else None
            tapmod.compare(ctx.tap, "securityContext " + name, per["glass"][0], per["runc"][0], extra)
    for h, ps in pods.items():
        for pod in ps:
            guarded(ctx, "%s: security pod removal" % h, remove_and_check, ctx, pod, "%s: security pod" % h)


def faults(ctx, pods):
    """kill -9 of containerd: the shims hold the pods; a new containerd
    finds them with their states."""
    env, c, R = ctx.env, ctx.c, cri.pb
    shims = env.shim_pids()
    env.kill9()
    time.sleep(0.5)
    alive = {h: os.path.exists("/proc/%d" % p.pause_pid) for h, p in pods.items()}
    ctx.tap.ok("after kill -9 of containerd the shims and the pods' processes run on",
               all(os.path.exists("/proc/%d" % s) for s in shims) and all(alive.values()) and shims,
               "shims %s pods %s" % (shims, alive))
    for h, p in pods.items():
        ctx.tap.is_("%s: the web container still serves (from the node, by pod IP)" % h,
                    test_pod.node_fetch(p.ip), "hello-from-" + h)
    env.start()
    c.wait_ready()
    ctx.tap.ok("containerd restarts on the same root and state", True)
    for h, p in pods.items():
        st = c.pod_status(p.id).status
        ctx.tap.is_("%s: the restarted containerd lists the pod READY" % h, R.PodSandboxState.Name(st.state),
                    "SANDBOX_READY")
        got = {}
        for name in ("web", "client", "exit3", "exit0", "hog"):
            if name in p.ctr:
                s = c.status(p.ctr[name])
                got[name] = (R.ContainerState.Name(s.state), s.exit_code)
        want = {"web": ("CONTAINER_RUNNING", 0), "client": ("CONTAINER_RUNNING", 0), "exit3": ("CONTAINER_EXITED", 3),
                "exit0": ("CONTAINER_EXITED", 0), "hog": ("CONTAINER_EXITED", 137)}
        ctx.tap.is_("%s: ... and its containers with their states and exit codes" % h, got,
                    {k: v for k, v in want.items() if k in got})
        r = c.exec_sync(p.ctr["client"], ["wget", "-q", "-O", "-", "http://127.0.0.1:8080/"])
        ctx.tap.is_("%s: ExecSync through the reconnected shim" % h, r.stdout.decode().strip(), "hello-from-" + h)


def run_suite(ctx):
    v = ctx.c.rt.Version(cri.pb.VersionRequest())
    ctx.tap.is_("Version: containerd's CRI, runtime API v1", (v.runtime_name, v.runtime_api_version),
                ("containerd", "v1"))
    pods = pod_lifecycle(ctx)
    other_pods(ctx)
    security(ctx)
    if len(pods) == 2:
        guarded(ctx, "containerd kill -9 and restart", faults, ctx, pods)
    for h, p in pods.items():
        guarded(ctx, "%s: main pod removal" % h, remove_and_check, ctx, p.id, "%s: main pod" % h)
    ctx.tap.is_("no pod is left", [x.id for x in ctx.c.list_pods()], [])


def keep_logs(d):
    """containerd's logs of this run go to tests/artifacts/cri/ (as the
    browser tests' screenshots go to tests/artifacts/)."""
    art = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../artifacts/cri")
    try:
        os.makedirs(art, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("containerd-") and f.endswith(".log"):
                shutil.copy(os.path.join(d, f), art)
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--cgroup-parent", required=True)
    a = ap.parse_args()
    # timeout(1) ends a hung suite with SIGTERM: tear down all the same.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("t_cri.py: SIGTERM"))
    tap = tapmod.Tap()
    env = crienv.Env(a.dir, a.build, a.netns, a.cgroup_parent)
    ctx = Ctx(env, tap)
    try:
        env.write_config()
        env.start()
        tap.ok("containerd %s starts in the test's network namespace with its own root, state and socket"
               % crienv.run(["/usr/bin/containerd", "--version"]).split()[2], True)
        env.import_images()
        tap.ok("ctr images import: the glass-pause sandbox image and the test image", True)
        ctx.c = cri.Client(env.sock, a.dir + "/gen", a.dir + "/logs", a.cgroup_parent)
        ctx.c.wait_ready()
        run_suite(ctx)
    except Exception as e:
        tap.fail_exc("the suite ran to its end", e)
        tap.diag(traceback.format_exc())
        tap.diag(env.log_tail())
    finally:
        keep_logs(a.dir)
        errors = env.cleanup(ctx.c)
        tap.ok("teardown: containerd stopped, no shim left, every cgroup removable", not errors, "\n".join(errors))
        left = crienv.cgroup_dirs(a.cgroup_parent) + crienv.mounts_under(a.dir)
        tap.ok("nothing of the test is left (cgroups, mounts, its directory)", not left and not os.path.exists(a.dir),
               "\n".join(left))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
