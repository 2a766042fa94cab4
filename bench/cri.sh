#!/bin/bash
# Kubernetes' path, timed: pod start (RunPodSandbox + CreateContainer +
# StartContainer to running) and teardown (StopPodSandbox +
# RemovePodSandbox) through containerd 1.6's CRI plugin, the glass handler
# (build/glass-runtime under containerd-shim-runc-v2) next to the runc
# handler; 30 pods each (BENCH_PODS=N), medians and the ratio to runc.
# The private containerd, its CNI bridge and every pod live in a network
# namespace made here and removed at the end (see bench/cri.py).
#   bench/cri.sh BUILD
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_setup cri "${1:-build}" ip nsenter
for f in /usr/bin/containerd /usr/bin/runc "$BUILD/glass-runtime" "$BUILD/src/pause/glass-pause.oci.tar" "$ROOTFS/bin/sleep"; do
	[ -e "$f" ] || die "$f is missing (scripts/install-deps.sh; make)"
done
NETNS=glass-bench-cri-$$
reap() {
	/usr/bin/python3 "$here/../tests/cri/crienv.py" reap "$W/cri" "$BUILD" "$CG"
	ip netns del "$NETNS" 2>/dev/null
}
bench_on_exit reap
ip netns add "$NETNS" || exit 1
ip -n "$NETNS" link set lo up
nsenter --net="/run/netns/$NETNS" /usr/bin/python3 "$here/cri.py" --build "$BUILD" --dir "$W/cri" \
	--netns "$NETNS" --cgroup-parent "$CG" --pods "${BENCH_PODS:-30}" \
	--json "${BENCH_OUT:-/tmp}/glass-bench-cri.json"
