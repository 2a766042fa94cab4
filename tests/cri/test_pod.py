"""Pod lifecycle cases of the CRI suite, run once per runtime handler.

main_pod() builds, for one handler, the pod the other cases use: its own
network, IPC and UTS namespaces, a pod-level cgroup parent, a `web`
container serving HTTP on port 8080 and a `client` container beside it.
Each case asserts what the CRI and the kernel say for that handler and
returns an observation; t_cri.py compares glass's with runc's.
"""
import ipaddress
import json
import os
import re
import time
import urllib.request

import cri
import crienv
import wsexec

WEB = ("mkdir -p /tmp/www && echo hello-from-$HANDLER >/tmp/www/index.html && "
       "exec httpd -f -p 8080 -h /tmp/www")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) (F|P) ")


def pb():
    return cri.pb


def ns_inodes(pid):
    return {n: os.stat("/proc/%d/ns/%s" % (pid, n)).st_ino for n in ("net", "ipc", "uts", "pid", "mnt")}


def wait_for(fn, timeout=10, step=0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def cgroup_file(probe_cgroup, controller, name):
    """The host path of a container's cgroup file, from the probe's
    /proc/self/cgroup view (absolute paths: the pod's cgroup_parent)."""
    for x in probe_cgroup:
        if controller in x["controllers"].split(","):
            return "/sys/fs/cgroup/%s%s/%s" % (x["controllers"], x["path"], name)
    return None


def read(path):
    with open(path) as f:
        return f.read().strip()


class Pod:
    """One handler's main pod and what the cases learn about it."""

    def __init__(self, ctx, handler):
        self.ctx, self.h, self.c = ctx, handler, ctx.c
        self.cfg = self.c.pod_config("web-" + handler, hostname="web",
                                     labels={"suite": "cri", "handler": handler, "role": "main"})
        self.id = self.c.run_pod(handler, self.cfg)
        self.ctr = {}
        self.subst = {ctx.env.d: "<dir>", self.cfg.metadata.uid: "<pod>"}

    def run(self, name, args, **kw):
        kw.setdefault("env", {})["HANDLER"] = self.h
        kw.setdefault("labels", {}).update({"name": name, "handler": self.h})
        cid = self.c.run(self.id, self.c.container_config(name, args, **kw))
        self.ctr[name] = cid
        return cid

    def t(self, name):
        return "%s: %s" % (self.h, name)


def main_pod(ctx, h):
    tap, c = ctx.tap, ctx.c
    p = Pod(ctx, h)
    st = c.pod_status(p.id).status
    subnet = ipaddress.ip_network(ctx.env.subnet)
    ok = st.state == pb().SANDBOX_READY and st.network.ip and ipaddress.ip_address(st.network.ip) in subnet
    tap.ok(p.t("RunPodSandbox: READY, its address from the CNI bridge network"), ok, str(st))
    p.ip = st.network.ip
    info = c.pod_info(p.id)
    p.pause_pid = info["pid"]
    tap.is_(p.t("the sandbox runs under its handler"), info.get("runtimeHandler"), h)
    pause, node = ns_inodes(p.pause_pid), ns_inodes(os.getpid())
    own = {n: pause[n] != node[n] for n in ("net", "ipc", "uts")}
    tap.is_(p.t("the pod has its own net, ipc and uts namespaces"), own, {"net": True, "ipc": True, "uts": True})
    p.run("web", ["sh", "-c", WEB])
    p.run("client", ["sleep", "3600"])
    return p


def host_view(pid):
    """What the host sees of a process the probe cannot run in (the pause
    container's): its credentials and security state, limits, mounts and
    cgroups, shaped as glass-probe's report is."""
    st = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs",
                     "Seccomp", "Seccomp_filters", "SigBlk", "SigIgn", "SigCgt"):
                st[k] = v.split()
    st["oom_score_adj"] = read("/proc/%d/oom_score_adj" % pid)
    mounts = []
    with open("/proc/%d/mountinfo" % pid) as f:
        for line in f:
            a = line.split()
            sep = a.index("-")
            mounts.append({"target": a[4], "root": a[3], "options": a[5], "fstype": a[sep + 1],
                           "source": a[sep + 2], "super": a[sep + 3]})
    cg = []
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctl, path = line.rstrip("\n").split(":", 2)
            cg.append({"id": 0, "controllers": ctl, "path": path})
    with open("/proc/%d/limits" % pid) as f:
        limits = [l[26:].split()[:2] for l in f.readlines()[1:]]
    return {"status": st, "mounts": mounts, "cgroup": cg, "limits": limits,
            "argv": open("/proc/%d/cmdline" % pid).read().split("\0")}


def case_sandbox_process(ctx, p):
    """The pause process, as the host sees it."""
    import tap as tapmod
    v = host_view(p.pause_pid)
    ctx.tap.is_(p.t("the sandbox runs /pause as root"), (v["argv"][0], v["status"]["Uid"]), ("/pause", ["0"] * 4))
    return tapmod.norm_probe(v, p.subst)


def case_shared_namespaces(ctx, p):
    """Both containers are in the pause process's net/ipc/uts namespaces
    and each in its own mount and pid namespace."""
    pause = ns_inodes(p.pause_pid)
    rel = {}
    for name in ("web", "client"):
        pr = p.c.probe(p.ctr[name], "--only", "ns,uts")
        rel[name] = {n: ("pod" if pr["ns"][n] == pause[n] else "own") for n in ("net", "ipc", "uts", "pid", "mnt")}
        rel[name]["hostname"] = pr["hostname"]
    want = {"net": "pod", "ipc": "pod", "uts": "pod", "pid": "own", "mnt": "own", "hostname": "web"}
    p.ctx.tap.is_(p.t("web and client share the pod's net, ipc and uts namespaces (hostname web)"),
                  rel, {"web": want, "client": want})
    return rel


def case_loopback(ctx, p):
    """The client reaches the web container over the pod's loopback."""
    def fetch():
        r = p.c.exec_sync(p.ctr["client"], ["wget", "-q", "-O", "-", "http://127.0.0.1:8080/"])
        return r if r.exit_code == 0 else None
    r = wait_for(fetch, 10, 0.2)
    body = r.stdout.decode().strip() if r else None
    ctx.tap.is_(p.t("client -> web over the pod's loopback (ExecSync wget 127.0.0.1:8080)"), body,
                "hello-from-" + p.h)
    return body is not None


def case_cgroup_parent(ctx, p):
    """Containers' cgroups are below the pod's absolute cgroup_parent."""
    pr = p.c.probe(p.ctr["client"], "--only", "cgroup")
    parent = p.cfg.linux.cgroup_parent
    paths = {x["controllers"]: x["path"] for x in pr["cgroup"]}
    below = all(v == "%s/%s" % (parent, p.ctr["client"]) for v in paths.values())
    ctx.tap.ok(p.t("every hierarchy puts the container at CGROUP_PARENT/ID"), below, json.dumps(paths))
    mem = cgroup_file(pr["cgroup"], "memory", "")
    ctx.tap.ok(p.t("that cgroup exists on the host"), mem and os.path.isdir(mem), mem)
    p.cgroup = pr["cgroup"]
    sandbox_cg = "/sys/fs/cgroup/memory%s/%s" % (parent, p.id)
    ctx.tap.ok(p.t("the sandbox's cgroup is below the pod's cgroup_parent too"), os.path.isdir(sandbox_cg), sandbox_cg)
    return sorted(paths)


def case_exec_sync(ctx, p):
    r = p.c.exec_sync(p.ctr["client"], ["sh", "-c", "echo out-$HANDLER; echo err >&2; exit 5"])
    got = (r.exit_code, r.stdout.decode(), r.stderr.decode())
    ctx.tap.is_(p.t("ExecSync: exit code, stdout and stderr"), got, (5, "out-%s\n" % p.h, "err\n"))
    try:
        r = p.c.exec_sync(p.ctr["client"], ["/no/such/program"])
        refused = "exit %d" % r.exit_code
    except Exception as e:
        refused = "error" if "no such file or directory" in str(e).lower() else str(e)
    ctx.tap.is_(p.t("ExecSync of a missing program: an error naming the cause"), refused, "error")
    return {"missing": refused, "first": (got[0], got[2])}


def case_exec_probe(ctx, p):
    """Everything glass-probe sees as a process ExecSync starts (the
    runtime's exec path, not the init's)."""
    pr = p.c.probe(p.ctr["client"])
    ctx.tap.ok(p.t("ExecSync: the probe runs in the client's namespaces and cgroup"),
               pr["ns"]["net"] == ns_inodes(p.pause_pid)["net"] and
               all(x["path"].endswith("/" + p.ctr["client"]) for x in pr["cgroup"]), json.dumps(pr["cgroup"]))
    import tap as tapmod
    pr["env"].pop("HANDLER")  # this suite's own marker, the handler's name
    return tapmod.norm_probe(pr, p.subst)


def case_exec_stream(ctx, p):
    r = p.c.rt.Exec(pb().ExecRequest(container_id=p.ctr["client"], stdout=True, stderr=True,
                                     cmd=["sh", "-c", "echo streamed; echo e2 >&2; exit 3"]))
    status, proto, out, err, st = wsexec.exec_stream(r.url)
    got = (status.split(" ", 2)[1] if status else None, proto, out.decode(), err.decode(), wsexec.exit_code(st))
    ctx.tap.is_(p.t("Exec: the streaming URL runs the command (WebSocket %s)" % wsexec.PROTOCOL),
                got, ("101", wsexec.PROTOCOL, "streamed\n", "e2\n", 3))
    # With a terminal: the runtime gets --tty and --console-socket from the
    # shim and hands it the pty's master.  The answer is the exit code: a
    # tty exec's output mostly did not reach this client, under either
    # runtime alike (containerd 1.6's pty copy starts late).
    r = p.c.rt.Exec(pb().ExecRequest(container_id=p.ctr["client"], tty=True, stdout=True, cmd=[
        "sh", "-c", "[ -t 0 ] && [ -t 1 ] || exit 5; case $(tty) in /dev/pts/*) exit 4;; esac; exit 6"]))
    status, proto, out, err, st = wsexec.exec_stream(r.url)
    tty = wsexec.exit_code(st)
    ctx.tap.is_(p.t("Exec with tty: the command's stdin and stdout are a /dev/pts terminal (exit 4)"), tty, 4)
    return got, tty


def case_update_resources(ctx, p):
    cid = p.ctr["client"]
    files = {"memory.limit_in_bytes": ("memory", str(96 << 20)), "cpu.cfs_quota_us": ("cpu", "50000"),
             "cpu.cfs_period_us": ("cpu", "100000"), "cpu.shares": ("cpu", "256")}
    before = {f: read(cgroup_file(p.cgroup, ctl, f)) for f, (ctl, _) in files.items()}
    p.c.rt.UpdateContainerResources(pb().UpdateContainerResourcesRequest(
        container_id=cid, linux=pb().LinuxContainerResources(
            memory_limit_in_bytes=96 << 20, cpu_period=100000, cpu_quota=50000, cpu_shares=256)))
    after = {f: read(cgroup_file(p.cgroup, ctl, f)) for f, (ctl, _) in files.items()}
    ctx.tap.is_(p.t("UpdateContainerResources: the cgroup files change"), after,
                {f: v for f, (_, v) in files.items()})
    ctx.tap.ok(p.t("... from other values"), before["memory.limit_in_bytes"] != after["memory.limit_in_bytes"]
               and before["cpu.cfs_quota_us"] != after["cpu.cfs_quota_us"], json.dumps(before))
    return {"before": before, "after": after}


def case_stats(ctx, p):
    cid = p.ctr["web"]
    s = p.c.rt.ContainerStats(pb().ContainerStatsRequest(container_id=cid)).stats
    ok = (s.attributes.id == cid and s.cpu.usage_core_nano_seconds.value > 0
          and s.memory.working_set_bytes.value > 0)
    ctx.tap.ok(p.t("ContainerStats: the container's id, CPU time and working set"), ok, str(s))
    lst = p.c.rt.ListContainerStats(pb().ListContainerStatsRequest(
        filter=pb().ContainerStatsFilter(pod_sandbox_id=p.id))).stats
    ctx.tap.ok(p.t("ListContainerStats by pod lists web and client"),
               {p.ctr["web"], p.ctr["client"]} <= {x.attributes.id for x in lst}, str([x.attributes.id for x in lst]))
    return ok


def case_logs(ctx, p):
    cid = p.run("logger", ["sh", "-c", "echo out-1; echo err-1 >&2; echo out-2; printf no-newline"])
    st = p.c.wait_exit(cid)
    path = st.log_path
    with open(path) as f:
        lines = f.read().splitlines()
    bad = [l for l in lines if not LOG_LINE.match(l)]
    ctx.tap.ok(p.t("the container log is in the CRI format (TIMESTAMP STREAM F|P TEXT)"), lines and not bad,
               "\n".join(bad or lines))
    entries = [(s, t) for _, s, t in cri.parse_log(path)]
    want = {("stdout", "out-1"), ("stderr", "err-1"), ("stdout", "out-2"), ("stdout", "no-newline")}
    ctx.tap.is_(p.t("the log holds each line with its stream"), set(entries), want)
    # stdout and stderr are two pipes: only each stream's own order counts
    tags = {st: [l.split(" ")[2] for l in lines if l.split(" ")[1] == st] for st in ("stdout", "stderr")}
    return {"tags": tags, "entries": sorted(entries)}


def case_reopen_log(ctx, p):
    cid = p.run("ticker", ["sh", "-c", "i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done"])
    path = p.c.wait_state(cid, pb().CONTAINER_RUNNING).log_path
    wait_for(lambda: os.path.exists(path) and len(cri.parse_log(path)) >= 3, 10)
    os.rename(path, path + ".1")
    p.c.rt.ReopenContainerLog(pb().ReopenContainerLogRequest(container_id=cid))
    wait_for(lambda: os.path.exists(path) and len(cri.parse_log(path)) >= 3, 10)
    p.c.stop(cid, 0)
    old = [int(t.split("-")[1]) for _, _, t in cri.parse_log(path + ".1")]
    new = [int(t.split("-")[1]) for _, _, t in cri.parse_log(path)]
    both = old + new
    ctx.tap.ok(p.t("ReopenContainerLog: a new file at log_path continues where the renamed one stops"),
               old and new and both == list(range(both[0], both[0] + len(both))), "old %s new %s" % (old, new))
    return bool(old and new)


def case_exit_codes(ctx, p):
    got = {}
    for name, args in (("exit3", ["sh", "-c", "exit 3"]), ("exit0", ["true"])):
        cid = p.run(name, args)
        st = p.c.wait_exit(cid)
        got[name] = (pb().ContainerState.Name(st.state), st.exit_code, st.reason)
    ctx.tap.is_(p.t("ContainerStatus: exit codes and reasons"), got,
                {"exit3": ("CONTAINER_EXITED", 3, "Error"), "exit0": ("CONTAINER_EXITED", 0, "Completed")})
    return got


def case_oom(ctx, p):
    res = pb().LinuxContainerResources(memory_limit_in_bytes=32 << 20)
    cid = p.run("hog", ["/usr/bin/glass-probe", "try", "alloc", "512"], resources=res)
    st = p.c.wait_exit(cid, 30)
    got = (pb().ContainerState.Name(st.state), st.exit_code, st.reason)
    ctx.tap.is_(p.t("a container over its memory limit: reason OOMKilled, exit 137"), got,
                ("CONTAINER_EXITED", 137, "OOMKilled"))
    return got


def case_kill_pid1(ctx, p):
    cid = p.run("victim", ["sleep", "3600"])
    p.c.wait_state(cid, pb().CONTAINER_RUNNING)
    pid = p.c.info(cid)["pid"]
    os.kill(pid, 9)
    st = p.c.wait_exit(cid)
    got = (pb().ContainerState.Name(st.state), st.exit_code, st.reason)
    ctx.tap.is_(p.t("kill -9 of a container's pid 1: ContainerStatus gives exit 137"), got,
                ("CONTAINER_EXITED", 137, "Error"))
    return got


def case_stop_grace(ctx, p):
    """StopContainer sends SIGTERM, then SIGKILL once the grace period is over."""
    term = p.run("term", ["/usr/bin/glass-probe", "wait-signal", "/tmp/ready"])
    stubborn = p.run("stubborn", ["sleep", "3600"])
    wait_for(lambda: p.c.exec_sync(term, ["test", "-e", "/tmp/ready"]).exit_code == 0, 10)
    p.c.wait_state(stubborn, pb().CONTAINER_RUNNING)
    t0 = time.monotonic()
    p.c.stop(term, 30)
    t_term = time.monotonic() - t0
    st = p.c.status(term)
    sig = p.c.log(term, "stdout")
    ctx.tap.ok(p.t("StopContainer: a process that handles SIGTERM gets it and exits 0 before the grace period"),
               st.exit_code == 0 and '"name":"SIGTERM"' in sig and t_term < 30, "%s %r %.1fs" % (st, sig, t_term))
    grace = 2
    t0 = time.monotonic()
    p.c.stop(stubborn, grace)
    t_kill = time.monotonic() - t0
    st = p.c.status(stubborn)
    ctx.tap.ok(p.t("StopContainer: pid 1 without a SIGTERM handler is SIGKILLed after the %ds grace period" % grace),
               st.exit_code == 137 and t_kill >= grace, "exit %d after %.2fs" % (st.exit_code, t_kill))
    return {"term": (0 if '"name":"SIGTERM"' in sig else None), "stubborn": st.exit_code}


def case_lists(ctx, p):
    c, R = p.c, pb()
    running = {x.id for x in c.list_containers(pod_sandbox_id=p.id,
                                               state=R.ContainerStateValue(state=R.CONTAINER_RUNNING))}
    want_running = {p.ctr["web"], p.ctr["client"]}
    ctx.tap.ok(p.t("ListContainers by pod and state RUNNING: web and client"), want_running <= running
               and p.ctr["exit3"] not in running, str(running))
    exited = {x.id for x in c.list_containers(pod_sandbox_id=p.id,
                                              state=R.ContainerStateValue(state=R.CONTAINER_EXITED))}
    ctx.tap.ok(p.t("ListContainers by state EXITED: exit3 and exit0"),
               {p.ctr["exit3"], p.ctr["exit0"]} <= exited and not (want_running & exited), str(exited))
    by_label = [x.id for x in c.list_containers(label_selector={"name": "web", "handler": p.h})]
    ctx.tap.is_(p.t("ListContainers by label selector"), by_label, [p.ctr["web"]])
    by_id = [x.metadata.name for x in c.list_containers(id=p.ctr["client"])]
    ctx.tap.is_(p.t("ListContainers by id"), by_id, ["client"])
    pods = [x.id for x in c.list_pods(label_selector={"handler": p.h, "role": "main"},
                                      state=R.PodSandboxStateValue(state=R.SANDBOX_READY))]
    ctx.tap.is_(p.t("ListPodSandbox by label selector and state READY"), pods, [p.id])
    ctx.tap.is_(p.t("ListPodSandbox by id"), [x.metadata.name for x in c.list_pods(id=p.id)], [p.cfg.metadata.name])
    return True


def node_fetch(ip, timeout=5):
    """GET http://IP:8080/ from the test's network namespace (the node)."""
    try:
        with urllib.request.urlopen("http://%s:8080/" % ip, timeout=timeout) as r:
            return r.read().decode().strip()
    except OSError as e:
        return "error: %s" % e


def cross_pod(ctx, pods):
    """Two pods reach each other by pod IP over the bridge (glass's client
    fetches from runc's web and the other way round)."""
    for a, b in ((pods[0], pods[1]), (pods[1], pods[0])):
        r = wait_for(lambda: (lambda x: x if x.exit_code == 0 else None)(
            a.c.exec_sync(a.ctr["client"], ["wget", "-q", "-O", "-", "http://%s:8080/" % b.ip])), 10, 0.2)
        ctx.tap.is_("%s pod -> %s pod by pod IP %s" % (a.h, b.h, b.ip),
                    r.stdout.decode().strip() if r else None, "hello-from-" + b.h)


def pod_network_contained(ctx):
    """The CNI bridge and the pods' veths exist only in the test's network
    namespace (containerd's), not in the host's."""
    links = [l.split(":")[1].strip().split("@")[0] for l in
             crienv.run(["ip", "-o", "link", "show"]).splitlines()]
    other = [l for l in links if l not in ("lo", "cni-glass0") and not l.startswith("veth")]
    ctx.tap.ok("the test's network namespace holds only lo, the bridge cni-glass0 and the pods' veths",
               "cni-glass0" in links and not other, " ".join(links))
    host = crienv.run(["nsenter", "--net=/proc/1/ns/net", "ip", "-o", "link", "show",
                       "cni-glass0"], check=False)
    ctx.tap.ok("the host's network namespace has no cni-glass0", "cni-glass0:" not in host, host)


def shared_pid_pod(ctx, h):
    """shareProcessNamespace: the containers join the pause process's PID
    namespace, where glass-pause is pid 1 and reaps the orphans."""
    c = ctx.c
    cfg = c.pod_config("sharedpid-" + h, shared_pid=True, labels={"handler": h, "role": "sharedpid"})
    pod = c.run_pod(h, cfg)
    cid = c.run(pod, c.container_config("orphans", ["sh", "-c", "(sleep 0.2 &); (sleep 0.2 &); exec sleep 3600"]))
    c.wait_state(cid, pb().CONTAINER_RUNNING)
    time.sleep(0.6)
    pr = c.probe(cid, "--only", "ns,procs")
    pause = ns_inodes(c.pod_info(pod)["pid"])
    procs = sorted((x["pid"] if x["comm"] == "pause" else 0, x["comm"], x["state"]) for x in pr["procs"])
    ctx.tap.ok("%s: shared PID namespace: the pod's, with glass-pause as pid 1" % h,
               pr["ns"]["pid"] == pause["pid"] and (1, "pause", "S") in procs, json.dumps(pr["procs"]))
    ctx.tap.ok("%s: ... which reaped the container's orphans (no zombie)" % h,
               not [x for x in pr["procs"] if x["state"] == "Z"], json.dumps(pr["procs"]))
    return pod, procs


def host_network_pod(ctx, h):
    c = ctx.c
    cfg = c.pod_config("hostnet-" + h, host_network=True, labels={"handler": h, "role": "hostnet"})
    pod = c.run_pod(h, cfg)
    cid = c.run(pod, c.container_config("probe", ["/usr/bin/glass-probe", "--only", "ns,net,uts"]))
    c.wait_exit(cid)
    pr = json.loads(c.log(cid, "stdout"))
    node = os.stat("/proc/self/ns/net").st_ino
    st = c.pod_status(pod).status
    names = sorted(x["name"] for x in pr["net"])
    ctx.tap.ok("%s: hostNetwork: the pod is in containerd's network namespace (the test's)" % h,
               pr["ns"]["net"] == node and "cni-glass0" in names, "%s %s" % (pr["ns"], names))
    ctx.tap.is_("%s: hostNetwork: no pod IP from CNI" % h,
                bool(st.network.ip and ipaddress.ip_address(st.network.ip) in ipaddress.ip_network(ctx.env.subnet)),
                False)
    return pod, {"names": names, "same_netns": pr["ns"]["net"] == node}
