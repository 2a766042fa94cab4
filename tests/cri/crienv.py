"""A private containerd with its CRI plugin, for the CRI tests and bench.

Env(...) owns everything it makes, and cleanup() removes it all, also after
a failure:
  - a directory D (the caller's) holding containerd's config, root, state,
    sockets, the runtimes' --root dirs, the CNI configuration and the
    host-local IPAM leases;
  - containerd, started as `nsenter --net=/run/netns/NETNS containerd`: its
    CNI bridge (and every pod's veth) lives in the network namespace NETNS,
    which the caller created; pods with their own network get namespaces
    that containerd creates under D (netns_mounts_under_state_dir);
  - the cgroups below /CGROUP_PARENT (every pod is given an absolute
    cgroup_parent under it; containerd's cgroupfs driver);
  - two runtime handlers of type io.containerd.runc.v2: `glass`
    (BinaryName = build/glass-runtime) and `runc` (Debian's runc), each with
    its own --root under D;
  - the sandbox image glass-pause (build/src/pause/glass-pause.oci.tar) and
    the test image (the built-in busybox image with glass-probe), imported
    with `ctr images import`.
The caller runs inside NETNS itself (nsenter), so the exec streaming server
(127.0.0.1 in NETNS) and the pods' addresses are reachable from it.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PAUSE_IMAGE = "localhost/glass-pause:0.1.0"
TEST_IMAGE = "localhost/glass-busybox:cri"
NAMESPACE = "k8s.io"
HANDLERS = ("glass", "runc")
# containerd 1.6 names each shim's socket after a hash of its own address,
# the namespace and the task id, always below this directory.
SHIM_SOCKET_DIR = "/run/containerd/s"
CNI_CACHE = "/var/lib/cni/results"

CONFIG = """\
version = 2
root = "{d}/root"
state = "{run}/state"
[grpc]
  address = "{d}/c.sock"
[ttrpc]
  address = "{d}/c.sock.ttrpc"
[debug]
  address = "{d}/debug.sock"
  level = "{level}"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  # Lowering oom_score_adj needs CAP_SYS_RESOURCE, which this host's
  # bounding set lacks: pods start at containerd's own score or above.
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.glass]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.glass.options]
        BinaryName = "{glass}"
        Root = "{run}/root-glass"
        SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "{runc}"
        Root = "{run}/root-runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{d}/cni"
    max_conf_num = 1
"""


def cni_conflist(name, d, subnet):
    """The pod network: a bridge inside the test's network namespace,
    addresses from host-local with its leases under d, no masquerade and
    no default route (nothing in the namespace leads off the machine)."""
    return {
        "cniVersion": "1.0.0",
        "name": name,
        "plugins": [{
            "type": "bridge",
            "bridge": "cni-glass0",
            "isGateway": True,
            "ipMasq": False,
            "hairpinMode": True,
            "ipam": {"type": "host-local", "dataDir": d + "/ipam",
                     "ranges": [[{"subnet": subnet}]]},
        }],
    }


def run(argv, check=True, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), p.returncode, p.stdout.strip()))
    return p.stdout


def mounts_under(prefix):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if mp == prefix or mp.startswith(prefix + "/"):
                out.append(mp)
    return out


def cgroup_dirs(parent):
    """Every cgroup directory at or below /parent in every hierarchy."""
    found = []
    for root in ["/sys/fs/cgroup"] + ["/sys/fs/cgroup/" + c for c in sorted(os.listdir("/sys/fs/cgroup"))]:
        top = os.path.join(root, parent)
        if os.path.isdir(top) and not os.path.islink(root):
            for dirpath, _, _ in os.walk(top):
                found.append(dirpath)
    return sorted(set(found))


def pids_with_arg(arg):
    """Processes whose command line contains arg as one argument."""
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if arg.encode() in argv:
            pids.append(int(p))
    return pids


class Env:
    def __init__(self, d, build, netns, cgroup_parent, subnet="10.231.0.0/24", log_level="info"):
        self.d = os.path.abspath(d)
        self.build = os.path.abspath(build)
        self.netns = netns
        self.cgroup_parent = cgroup_parent
        self.subnet = subnet
        self.log_level = log_level
        self.sock = self.d + "/c.sock"
        self.rundir = self.d + "/run"
        self.network = cgroup_parent  # unique to the test, known to its reaper
        self.proc = None
        self.log = None
        self.starts = 0

    # ---- containerd ----
    def write_config(self):
        """containerd's config and the CNI network; its state and the
        runtimes' roots go to a tmpfs of the test's own (D/run), as on a
        usual host, where /run is a tmpfs (on this project's VMs it is on
        the disk, where glass's fsync of each state file costs)."""
        for sub in ("cni", "ipam", "run"):
            os.makedirs(os.path.join(self.d, sub), exist_ok=True)
        run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=512m", "glass-test-cri", self.rundir])
        with open(self.d + "/config.toml", "w") as f:
            f.write(CONFIG.format(d=self.d, run=self.rundir, level=self.log_level, pause=PAUSE_IMAGE,
                                  glass=self.build + "/glass-runtime", runc="/usr/bin/runc"))
        with open(self.d + "/cni/10-glass-test.conflist", "w") as f:
            json.dump(cni_conflist(self.network, self.d, self.subnet), f, indent=2)

    def start(self, timeout=30):
        """Starts containerd inside the test's network namespace and waits
        until its API answers (`ctr version`); the CRI plugin loads its
        state after that (cri.Client.wait_ready)."""
        self.starts += 1
        self.log = open("%s/containerd-%d.log" % (self.d, self.starts), "w")
        self.proc = subprocess.Popen(
            ["nsenter", "--net=/run/netns/" + self.netns,
             "/usr/bin/containerd", "--config", self.d + "/config.toml"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("containerd exited with %d: %s" % (self.proc.returncode, self.log_tail()))
            if os.path.exists(self.sock) and self.ctr("version", check=False).find("Server:") >= 0:
                return
            time.sleep(0.1)
        raise RuntimeError("containerd did not answer within %ds: %s" % (timeout, self.log_tail()))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill9(self):
        """kill -9 of containerd: the shims, not containerd, hold the pods."""
        self.proc.kill()
        self.proc.wait()

    def log_tail(self, n=20):
        try:
            with open(self.log.name) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def ctr(self, *args, check=True):
        return run(["/usr/bin/ctr", "--address", self.sock, "--namespace", NAMESPACE] + list(args),
                   check=check)

    def import_images(self):
        """The pause image from the build, and the test image made from the
        built-in rootfs (busybox + glass-probe) by the same archive writer."""
        pause = self.build + "/src/pause/glass-pause.oci.tar"
        if not os.path.exists(pause):
            raise RuntimeError("%s is missing (make)" % pause)
        test = self.d + "/busybox.oci.tar"
        run(["/usr/bin/python3", os.path.join(HERE, "../../scripts/oci-archive.py"), test,
             "--name", TEST_IMAGE, "--cmd", "sh", "--dir", self.build + "/rootfs"])
        for tar in (pause, test):
            self.ctr("images", "import", tar)

    # ---- what is left ----
    def shim_pids(self):
        """containerd-shim-runc-v2 processes of this containerd (their
        -address argument is its socket)."""
        return [p for p in pids_with_arg(self.sock) if p != (self.proc.pid if self.proc else -1)]

    def shim_socket(self, task_id):
        h = hashlib.sha256(os.path.join(self.sock, NAMESPACE, task_id).encode()).hexdigest()
        return os.path.join(SHIM_SOCKET_DIR, h)

    def leftovers(self, sandbox_ids=(), container_ids=()):
        """What of the given pods remains on the host: shim processes and
        sockets, runtime state, cgroups, mounts, network namespaces, CNI
        cache files.  Empty when everything is gone."""
        left = []
        ids = list(sandbox_ids) + list(container_ids)
        for pid in self.shim_pids():
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if any(i.encode() in argv for i in sandbox_ids):
                left.append("shim pid %d (%s)" % (pid, b" ".join(argv).decode()))
        for i in sandbox_ids:
            if os.path.exists(self.shim_socket(i)):
                left.append("shim socket " + self.shim_socket(i))
        for i in ids:
            for h in HANDLERS:
                p = "%s/root-%s/%s/%s" % (self.rundir, h, NAMESPACE, i)
                if os.path.exists(p):
                    left.append("runtime state " + p)
            p = "%s/state/io.containerd.runtime.v2.task/%s/%s" % (self.rundir, NAMESPACE, i)
            if os.path.exists(p):
                left.append("task state " + p)
            for sub in ("sandboxes", "containers"):
                p = "%s/state/io.containerd.grpc.v1.cri/%s/%s" % (self.rundir, sub, i)
                if os.path.exists(p):
                    left.append("CRI state " + p)
            for c in cgroup_dirs(self.cgroup_parent):
                if os.path.basename(c) == i:
                    left.append("cgroup " + c)
            for m in mounts_under(self.d):
                if i in m:
                    left.append("mount " + m)
            if os.path.isdir(CNI_CACHE):
                for f in os.listdir(CNI_CACHE):
                    if f.startswith(self.network) and i in f:
                        left.append("CNI cache " + f)
        return left

    # ---- teardown ----
    def cleanup(self, client=None):
        """Removes every pod, stops containerd and removes what it and its
        shims left: processes, mounts, cgroups, CNI cache files, the dir."""
        errors = []
        if client is not None and self.proc and self.proc.poll() is None:
            try:
                client.remove_all()
            except Exception as e:  # the teardown goes on without the CRI
                errors.append("RemovePodSandbox: %s" % e)
        self.stop()
        for pid in pids_with_arg(self.d + "/config.toml"):  # a containerd of an earlier start
            errors.append("containerd %d was still running" % pid)
            os.kill(pid, signal.SIGKILL)
        for pid in self.shim_pids():
            errors.append("shim %d was still running" % pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for cg in reversed(cgroup_dirs(self.cgroup_parent)):
            kill_cgroup(cg)
        for m in sorted(mounts_under(self.d), key=len, reverse=True):
            subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)
        for cg in reversed(cgroup_dirs(self.cgroup_parent)):
            try:
                os.rmdir(cg)
            except OSError as e:
                errors.append("rmdir %s: %s" % (cg, e.strerror))
        if os.path.isdir(CNI_CACHE):
            for f in os.listdir(CNI_CACHE):
                if f.startswith(self.network + "-"):
                    os.unlink(os.path.join(CNI_CACHE, f))
        # A shim removes its socket as it exits; one killed here cannot.
        tasks = set(client.all_pods if client is not None else [])
        tdir = "%s/state/io.containerd.runtime.v2.task/%s" % (self.rundir, NAMESPACE)
        tasks |= set(os.listdir(tdir) if os.path.isdir(tdir) else [])
        for task in tasks:
            try:
                os.unlink(self.shim_socket(task))
            except FileNotFoundError:
                pass
        subprocess.run(["rm", "-rf", "--one-file-system", self.d])
        return errors


def kill_cgroup(path):
    """SIGKILLs what runs in one cgroup this test made (a pod container
    whose shim is gone)."""
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            pids = [int(x) for x in f.read().split()]
    except OSError:
        return
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if os.path.exists("/proc/%d" % p)]
        time.sleep(0.05)


if __name__ == "__main__":
    # crienv.py reap DIR BUILD CGROUP_PARENT: the wrapper's safety net, for
    # a suite that was killed before its own teardown ran.
    if len(sys.argv) != 5 or sys.argv[1] != "reap":
        sys.exit("usage: crienv.py reap DIR BUILD CGROUP_PARENT")
    if os.path.isdir(sys.argv[2]):
        for e in Env(sys.argv[2], sys.argv[3], "", sys.argv[4]).cleanup():
            print("crienv reap: " + e, file=sys.stderr)
