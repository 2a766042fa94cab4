#!/bin/bash
# What does the cgroup setup cost?  One hyperfine run, side by side:
#   glass-runtime run | crun run | runc run   of /bin/true on the built-in
#   image, the SAME bundle for all: runc's default spec (`runc spec`) with
#   root.path -> the image, terminal false, args ["/bin/true"], an absolute
#   cgroupsPath under a cgroup this script owns, and limits that touch the
#   memory, cpu and pids controllers (memory.limit 256 MiB with swap equal,
#   cpu shares 512 + quota 50 ms / 100 ms, pids.limit 128) on top of the
#   default device rules.  (runc spec's ambient set is copied into the
#   inheritable set so that the ambient raise is valid for every runtime.)
#   Prints each median and the ratios to crun and
#   runc.  No thresholds: numbers to read, not a test.
#
# Everything runs in one private mount namespace where /sys/fs/cgroup/unified
# is unmounted: crun 1.8.1 refuses this host's hybrid cgroup layout, so the
# contenders all see the same pure-v1 layout.  The host's mounts are never
# touched.
#   bench/cgroup.sh BUILD      (BENCH_RUNS=N runs per contender, default 100)
set -u
BUILD=$(cd "${1:-build}" && pwd)
RUNS=${BENCH_RUNS:-100}
RT=$BUILD/glass-runtime
ROOTFS=$BUILD/rootfs
die() {
	echo "bench/cgroup.sh: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root"
for c in hyperfine crun runc jq unshare; do
	command -v $c >/dev/null || die "$c not installed (scripts/install-deps.sh installs it)"
done
[ -x "$RT" ] || die "$RT not built (make)"
[ -x "$ROOTFS/bin/true" ] || die "$ROOTFS: no built-in image (make)"

W=$(mktemp -d /tmp/glass-bench.XXXXXX)
CG=glass-bench-cg-$$
cleanup() {
	local d r
	for r in glass crun runc; do
		[ -d "$W/root-$r" ] || continue
		for d in "$W/root-$r"/*/; do
			[ -d "$d" ] || continue
			case $r in
			glass) "$RT" --root "$W/root-$r" delete --force "$(basename "$d")" ;;
			*) $r --root "$W/root-$r" delete --force "$(basename "$d")" ;;
			esac
		done
	done >/dev/null 2>&1
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

B=$W/bundle
mkdir -p "$B" "$W/root-glass" "$W/root-crun" "$W/root-runc"
(cd "$B" && runc spec) || die "runc spec failed"
jq --arg root "$ROOTFS" --arg cg "/$CG/ctr" \
	'.root.path = $root | .process.terminal = false | .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg |
	 .linux.resources.memory = {"limit": 268435456, "swap": 268435456} |
	 .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000} |
	 .linux.resources.pids = {"limit": 128} |
	 .process.capabilities.inheritable = .process.capabilities.ambient' \
	"$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"

# The measurement, inside a private mount namespace.
cat >"$W/inner.sh" <<'EOF'
set -u
W=$1 RT=$2 ROOTFS=$3 RUNS=$4 B=$W/bundle
umount /sys/fs/cgroup/unified 2>/dev/null || umount -l /sys/fs/cgroup/unified 2>/dev/null
names=() cmds=()
add() {
	# a contender must work before it is timed
	if sh -c "$2" </dev/null >/dev/null 2>"$W/$1.err"; then
		names+=("$1") cmds+=("$2")
	else
		echo "bench: $1 does not run here, left out: $(head -3 "$W/$1.err")" >&2
	fi
}
add glass-runtime "$RT --root $W/root-glass run --bundle $B g\$\$"
add crun "crun --root $W/root-crun run --bundle $B c\$\$"
add runc "runc --root $W/root-runc run --bundle $B r\$\$"
args=()
for i in "${!names[@]}"; do args+=(--command-name "${names[$i]}" "${cmds[$i]}"); done
hyperfine --style basic --warmup 5 --runs "$RUNS" --export-json "$W/hyperfine.json" "${args[@]}" || exit 1

EOF
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RT" "$ROOTFS" "$RUNS" || die "measurement failed"

echo
echo "== run with a cgroup setup (memory+cpu+pids limits): median of $RUNS runs of /bin/true"
jq -r '
	(.results | map(select(.command == "crun")) | .[0]) as $crun |
	(.results | map(select(.command == "runc")) | .[0]) as $runc |
	.results[] |
	[.command, (.median * 1000 | . * 100 | round / 100 | tostring) + " ms",
	 "+/- " + (.stddev * 1000 | . * 100 | round / 100 | tostring) + " ms",
	 (if $crun then (.median / $crun.median * 100 | round / 100 | tostring) + "x crun" else "-" end),
	 (if $runc then (.median / $runc.median * 100 | round / 100 | tostring) + "x runc" else "-" end)]
	| @tsv' "$W/hyperfine.json" | column -t -s $'\t'
cp "$W/hyperfine.json" "${BENCH_OUT:-/tmp}/glass-bench-cgroup.json" 2>/dev/null
exit 0
