#!/bin/bash
# Kubernetes' path: kubelet -> containerd's CRI plugin -> the runc shim ->
# glass-runtime, as a RuntimeClass handler.  A private containerd 1.6 (its
# own config, root, state and socket) runs inside a network namespace this
# test makes, with two handlers of type io.containerd.runc.v2: `glass`
# (BinaryName = build/glass-runtime) and `runc`; a CRI client in Python
# (grpcio, stubs generated from tests/cri/api.proto) drives every case under
# both and compares what the kernel showed.  The cases are in tests/cri/.
. "$(dirname "$0")/lib.sh"
need_root
for c in /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2 /usr/bin/runc /usr/bin/nsenter /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/loopback; do
	if [ ! -x "$c" ]; then
		not_ok_line "$c is installed (scripts/install-deps.sh installs containerd, runc and containernetworking-plugins)"
		finish
		exit 1
	fi
done
if ! /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
	not_ok_line "Debian's python3-grpcio and python3-grpc-tools are installed (scripts/install-deps.sh)"
	finish
	exit 1
fi
for f in "$RUNTIME" "$ROOTFS/usr/bin/glass-probe" "$GLASS_BUILD/src/pause/glass-pause.oci.tar"; do
	if [ ! -e "$f" ]; then
		not_ok_line "$f is built (make)"
		finish
		exit 1
	fi
done

NETNS=glass-test-cri-$$
# containerd's shim sockets live at a fixed path, whatever its config says.
rmdir_if_new /run/containerd /run/containerd/s
netns_add "$NETNS" || skip_all "cannot create a network namespace"
ip -n "$NETNS" link set lo up
# The suite's own TAP; its teardown removes containerd, the pods, their
# cgroups (below $CG_PARENT, which lib.sh removes too) and $TEST_TMP/cri.
# Should it be killed first, the same teardown runs from here.
on_exit "/usr/bin/python3 '$GLASS_SRC/tests/cri/crienv.py' reap '$TEST_TMP/cri' '$GLASS_BUILD' '$CG_PARENT'"
nsenter --net="/run/netns/$NETNS" /usr/bin/python3 "$GLASS_SRC/tests/cri/t_cri.py" \
	--build "$GLASS_BUILD" --dir "$TEST_TMP/cri" --netns "$NETNS" --cgroup-parent "$CG_PARENT"
