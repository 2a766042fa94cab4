#!/bin/bash
# What does a container's network cost?  One hyperfine run of `run --rm
# ... /bin/true`, side by side:
#   glass run (the runtime's own netns, lo up)  |  glass --network none
#   (a netns of the engine's + CNI loopback)  |  glass --network NET (+ the
#   bridge, host-local, portmap, firewall, tuning chain: ADD, then DEL)  |
#   podman --network none  |  podman --network bridge (netavark)
# glass runs the built-in image; podman runs the same files (--rootfs).
# Everything runs inside a network namespace this script makes, so the
# bridges and rules live and die there; podman's storage and network config
# live in the work dir; it runs runc (crun refuses this host's hybrid
# cgroups) with rlimits are ones this host lets set: the
# bounding set lacks CAP_SYS_RESOURCE).  netavark's run directory
# /run/containers/networks goes again when this script made it.  Prints the medians and the ratios to podman.  No
# thresholds: numbers to read, not a test.
#   bench/network.sh BUILD     (BENCH_RUNS=N runs per contender, default 30)
set -u
BUILD=$(cd "${1:-build}" && pwd)
RUNS=${BENCH_RUNS:-30}
G=$BUILD/glass
die() {
	echo "bench/network.sh: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root"
for c in hyperfine jq podman nsenter; do
	command -v $c >/dev/null || die "$c not installed (scripts/install-deps.sh installs it)"
done
[ -x "$G" ] || die "$G not built (make)"
W=$(mktemp -d /tmp/glass-bench.XXXXXX)
NS=glass-bench-net-$$
CG=glass-bench-net-$$
P="podman --root $W/podman --runroot $W/podman-run --network-config-dir $W/podman-net --cgroup-manager cgroupfs --runtime runc"
cleanup() {
	nsenter --net="/run/netns/$NS" env GLASS_ROOT="$W/glass" "$G" network rm bench >/dev/null 2>&1
	$P rm -af >/dev/null 2>&1
	umount "$W/podman/overlay" 2>/dev/null
	ip netns delete "$NS" 2>/dev/null
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$W"
	for d in "${new_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
}
new_dirs=()
for d in /run/containers /run/containers/networks; do [ -e $d ] || new_dirs=("$d" "${new_dirs[@]}"); done
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || die "cannot create a network namespace"
IN="nsenter --net=/run/netns/$NS"
$IN ip link set lo up
export GLASS_ROOT=$W/glass GLASS_CGROUP_PARENT=/$CG
$IN "$G" network create bench >/dev/null || die "glass network create failed"
$IN "$G" run --rm --network bench busybox true </dev/null >/dev/null 2>&1 || die "glass run --network failed"
R=$BUILD/rootfs
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/h.json" \
	-n "glass run" "$IN $G run --rm busybox true" \
	-n "glass --network none" "$IN $G run --rm --network none busybox true" \
	-n "glass --network bench" "$IN $G run --rm --network bench busybox true" \
	-n "podman --network none" "$IN $P run --rm --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --cgroup-parent /$CG --network none --rootfs $R /bin/true" \
	-n "podman --network bridge" "$IN $P run --rm --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --cgroup-parent /$CG --network bridge --rootfs $R /bin/true" \
	>/dev/null || die "hyperfine failed"
echo "run --rm /bin/true with a network: median of $RUNS runs (ms), and the ratio to podman's same mode"
jq -r '.results as $r | ($r | map({(.command): .median}) | add) as $m |
	$r[] | [.command, (.median * 1000 | . * 10 | round / 10),
	(if (.command | startswith("podman")) then null
	 elif (.command | test("none")) then .median / $m["podman --network none"]
	 elif (.command | test("bench")) then .median / $m["podman --network bridge"]
	 else null end)] |
	"\(.[0] | . + " " * (26 - length)) \(.[1]) ms" + (if .[2] then "   x\(.[2] * 100 | round / 100) of podman" else "" end)' "$W/h.json"
cp "$W/h.json" "${BENCH_OUT:-/tmp}/glass-bench-network.json" 2>/dev/null
exit 0
