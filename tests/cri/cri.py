"""A CRI client for the tests, as kubelet talks to a runtime: gRPC over a
UNIX socket with the runtime.v1 RuntimeService and ImageService.

The Python stubs are generated at first use from tests/cri/api.proto (the
Kubernetes CRI definition, vendored) with Debian's python3-grpc-tools into
a directory the caller gives; the proto's gogoproto options are Go-only and
are left out of the copy that is compiled.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
pb = None
pbg = None


def load_stubs(gen_dir):
    """Generates api_pb2 and api_pb2_grpc into gen_dir and imports them."""
    global pb, pbg
    if pb is not None:
        return
    os.makedirs(gen_dir, exist_ok=True)
    with open(os.path.join(HERE, "api.proto")) as f:
        text = "".join(line for line in f if "gogoproto" not in line)
    with open(os.path.join(gen_dir, "api.proto"), "w") as f:
        f.write(text)
    p = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + gen_dir,
                        "--python_out=" + gen_dir, "--grpc_python_out=" + gen_dir,
                        os.path.join(gen_dir, "api.proto")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise RuntimeError("grpc_tools.protoc api.proto: " + p.stdout)
    sys.path.insert(0, gen_dir)
    import api_pb2
    import api_pb2_grpc
    pb, pbg = api_pb2, api_pb2_grpc


def parse_log(path):
    """A CRI container log ("TIMESTAMP STREAM P|F TEXT" lines, P for a
    partial line) as a list of (timestamp, stream, text) with partial
    lines joined."""
    out, partial = [], {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            ts, stream, tag, text = (line.split(" ", 3) + ["", "", ""])[:4]
            if tag == "P":
                partial[stream] = partial.get(stream, "") + text
                continue
            out.append((ts, stream, partial.pop(stream, "") + text))
    # a partial line the container never finished (it exited first)
    out.extend(("", stream, text) for stream, text in partial.items())
    return out


class Client:
    def __init__(self, sock, gen_dir, log_root, cgroup_root):
        import grpc
        load_stubs(gen_dir)
        self.channel = grpc.insecure_channel("unix://" + sock)
        self.rt = pbg.RuntimeServiceStub(self.channel)
        self.img = pbg.ImageServiceStub(self.channel)
        self.log_root = log_root
        self.cgroup_root = cgroup_root
        self.pods = {}  # id -> PodSandboxConfig
        self.all_pods = []

    def wait_ready(self, timeout=30):
        """Waits until the CRI plugin answers (after containerd starts it
        loads its state first: "server is not initialized yet")."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.rt.Version(pb.VersionRequest(), timeout=2)
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def close(self):
        self.channel.close()

    # ---- pods ----
    def pod_config(self, name, host_network=False, hostname=None, labels=None, shared_pid=False):
        uid = "%s-%d" % (name, int(time.monotonic_ns() % 10**9))
        ns = pb.NamespaceOption(network=pb.NODE if host_network else pb.POD,
                                pid=pb.POD if shared_pid else pb.CONTAINER, ipc=pb.POD)
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace="glass-test", attempt=0),
            hostname=hostname or ("" if host_network else name),
            log_directory=os.path.join(self.log_root, uid),
            labels=labels or {},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent="/%s/pod-%s" % (self.cgroup_root, uid),
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=ns),
            ),
        )
        return cfg

    def run_pod(self, handler, cfg):
        os.makedirs(cfg.log_directory, exist_ok=True)
        r = self.rt.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg, runtime_handler=handler))
        self.pods[r.pod_sandbox_id] = cfg
        self.all_pods.append(r.pod_sandbox_id)
        return r.pod_sandbox_id

    def pod_status(self, pod_id, verbose=False):
        return self.rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=verbose))

    def pod_info(self, pod_id):
        """The verbose PodSandboxStatus's info (containerd's JSON: pid,
        runtimeHandler, the OCI spec, ...)."""
        st = self.pod_status(pod_id, verbose=True)
        return json.loads(st.info["info"])

    def stop_pod(self, pod_id):
        self.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod_id))

    def remove_pod(self, pod_id):
        self.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id))
        self.pods.pop(pod_id, None)

    def remove_all(self):
        for p in self.rt.ListPodSandbox(pb.ListPodSandboxRequest()).items:
            self.stop_pod(p.id)
            self.remove_pod(p.id)

    # ---- containers ----
    def container_config(self, name, args, image=None, security=None, resources=None, labels=None,
                         env=None, working_dir="", stdin=False):
        from crienv import TEST_IMAGE
        cfg = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=0),
            image=pb.ImageSpec(image=image or TEST_IMAGE),
            args=args,
            working_dir=working_dir,
            envs=[pb.KeyValue(key=k, value=v) for k, v in (env or {}).items()],
            labels=labels or {},
            log_path=name + ".log",
            stdin=stdin,
            linux=pb.LinuxContainerConfig(
                resources=resources or pb.LinuxContainerResources(),
                security_context=security or pb.LinuxContainerSecurityContext(),
            ),
        )
        return cfg

    def create(self, pod_id, cfg):
        # kubelet gives every container its pod's namespace options
        sc = cfg.linux.security_context
        if not sc.HasField("namespace_options"):
            sc.namespace_options.CopyFrom(self.pods[pod_id].linux.security_context.namespace_options)
        r = self.rt.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=pod_id, config=cfg, sandbox_config=self.pods[pod_id]))
        return r.container_id

    def start(self, cid):
        self.rt.StartContainer(pb.StartContainerRequest(container_id=cid))

    def run(self, pod_id, cfg):
        cid = self.create(pod_id, cfg)
        self.start(cid)
        return cid

    def status(self, cid, verbose=False):
        return self.rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid, verbose=verbose)).status

    def info(self, cid):
        r = self.rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid, verbose=True))
        return json.loads(r.info["info"])

    def wait_state(self, cid, state, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            st = self.status(cid)
            if st.state == state or time.monotonic() > deadline:
                return st
            time.sleep(0.05)

    def wait_exit(self, cid, timeout=30):
        return self.wait_state(cid, pb.CONTAINER_EXITED, timeout)

    def log_path(self, cid):
        return self.status(cid).log_path

    def log(self, cid, stream=None):
        """The container's log text (one stream or both), lines joined."""
        return "\n".join(t for _, s, t in parse_log(self.log_path(cid)) if stream in (None, s))

    def stop(self, cid, timeout):
        self.rt.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=timeout))

    def remove(self, cid):
        self.rt.RemoveContainer(pb.RemoveContainerRequest(container_id=cid))

    def exec_sync(self, cid, cmd, timeout=10):
        return self.rt.ExecSync(pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout))

    def probe(self, cid, *args):
        """glass-probe's JSON, run by ExecSync in the container."""
        r = self.exec_sync(cid, ["/usr/bin/glass-probe"] + list(args))
        if r.exit_code != 0:
            raise RuntimeError("probe %s: exit %d: %s" % (args, r.exit_code, r.stderr.decode()))
        return json.loads(r.stdout)

    def list_containers(self, **flt):
        f = pb.ContainerFilter(**flt) if flt else None
        return self.rt.ListContainers(pb.ListContainersRequest(filter=f)).containers

    def list_pods(self, **flt):
        f = pb.PodSandboxFilter(**flt) if flt else None
        return self.rt.ListPodSandbox(pb.ListPodSandboxRequest(filter=f)).items
