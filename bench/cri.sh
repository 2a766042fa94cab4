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
BUILD=$(cd "${1:-build}" && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/cri.sh: needs root" >&2; exit 1; }
for f in /usr/bin/containerd /usr/bin/runc "$BUILD/glass-runtime" "$BUILD/src/pause/glass-pause.oci.tar" "$BUILD/rootfs/bin/sleep"; do
	[ -e "$f" ] || { echo "bench/cri.sh: $f is missing (scripts/install-deps.sh; make)" >&2; exit 1; }
done
W=$(mktemp -d /tmp/glass-bench-cri.XXXXXX)
NETNS=glass-bench-cri-$$
CG=glass-bench-cri-$$
cleanup() {
	/usr/bin/python3 "$here/../tests/cri/crienv.py" reap "$W/cri" "$BUILD" "$CG"
	ip netns del "$NETNS" 2>/dev/null
	local d
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NETNS" || exit 1
ip -n "$NETNS" link set lo up
nsenter --net="/run/netns/$NETNS" /usr/bin/python3 "$here/cri.py" --build "$BUILD" --dir "$W/cri" \
	--netns "$NETNS" --cgroup-parent "$CG" --pods "${BENCH_PODS:-30}" \
	--json "${BENCH_OUT:-/tmp}/glass-bench-cri.json"
