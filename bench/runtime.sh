#!/bin/bash
# How fast does glass-runtime start a container, next to crun, runc and the
# bare kernel?  One hyperfine run, side by side:
#   glass-runtime run | crun run | runc run   of /bin/true on the built-in
#   image, the SAME bundle for all: runc's default spec (`runc spec`) with
#   root.path -> the image, terminal false, args ["/bin/true"], and an
#   absolute cgroupsPath under a cgroup this script owns;
#   floor: unshare --mount --uts --ipc --pid --net --fork chroot ROOTFS /bin/true
# then peak RSS of each with GNU time -v.  Each contender has its own --root
# and a fresh container id per run (the id is the measuring shell's $$),
# on a tmpfs (where /run usually is).
#
# Everything runs in one private mount namespace where /sys/fs/cgroup/unified
# is unmounted: crun 1.8.1 refuses this host's hybrid cgroup layout, so the
# contenders all see the same pure-v1 layout.  The host's mounts are never
# touched.
#   bench/runtime.sh BUILD      (BENCH_RUNS=N runs per contender, default 300:
#                               with a spread of ~2 ms on this VM, 100 runs
#                               leave the ratio uncertain by about +/-0.05;
#                               BENCH_JQ=FILTER edits the shared config.json further)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
RUNS_DEFAULT=300
bench_init runtime "${1:-build}"
command -v chroot >/dev/null || die "chroot not installed"
[ -x /usr/bin/time ] || die "GNU time not installed (apt-get install time)"
bench_bundle "${BENCH_JQ:-.}"

# The measurement, inside a private mount namespace.
cat >"$W/inner.sh" <<'EOF'
set -u
W=$1 RT=$2 ROOTFS=$3 RUNS=$4 B=$W/bundle
. "$5"
bench_unified_off
# State roots on a tmpfs, as /run is on a usual host (here it is not):
# runtimes that fsync their state are not charged for this host's disk.
for r in glass crun runc; do mount -t tmpfs -o size=16m glass-bench "$W/root-$r"; done
bench_add glass-runtime "$RT --root $W/root-glass run --bundle $B g\$\$"
bench_add crun "crun --root $W/root-crun run --bundle $B c\$\$"
bench_add runc "runc --root $W/root-runc run --bundle $B r\$\$"
bench_add unshare+chroot "unshare --mount --uts --ipc --pid --net --fork chroot $ROOTFS /bin/true"
bench_hyperfine || exit 1

# Peak RSS (max over 5 runs, kB) of each, as GNU time reports it for the
# command and the children it waited for.
for i in "${!names[@]}"; do
	max=0
	for r in 1 2 3 4 5; do
		kb=$(/usr/bin/time -v sh -c "exec ${cmds[$i]}" 2>&1 >/dev/null </dev/null |
			awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }')
		[ "${kb:-0}" -gt "$max" ] && max=$kb
	done
	echo "${names[$i]} $max" >>"$W/rss.txt"
done
EOF
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RT" "$ROOTFS" "$RUNS" "$here/lib.sh" || die "measurement failed"

echo
echo "== glass-runtime vs crun, runc and the raw kernel floor (median of $RUNS runs of /bin/true)"
jq -r --slurpfile rss <(jq -R 'split(" ") | {(.[0]): (.[1] | tonumber)}' "$W/rss.txt" | jq -s add) '
	(.results | map(select(.command == "crun")) | .[0]) as $crun |
	($rss[0]) as $r |
	.results[] |
	[.command, (.median * 1000 | . * 100 | round / 100 | tostring) + " ms",
	 (if $crun then (.median / $crun.median * 100 | round / 100 | tostring) + "x crun" else "-" end),
	 (($r[.command] // 0) | tostring) + " kB peak RSS",
	 (if $crun and $r["crun"] then (($r[.command] // 0) / $r["crun"] * 100 | round / 100 | tostring) + "x crun" else "-" end)]
	| @tsv' "$W/hyperfine.json" | awk -F'\t' '{ printf "%-16s %10s  %-10s %-20s %s\n", $1, $2, $3, $4, $5 }'
echo
g=$(jq '.results[] | select(.command == "glass-runtime") | .median' "$W/hyperfine.json")
c=$(jq '.results[] | select(.command == "crun") | .median' "$W/hyperfine.json")
gr=$(awk '$1 == "glass-runtime" { print $2 }' "$W/rss.txt")
cr=$(awk '$1 == "crun" { print $2 }' "$W/rss.txt")
if [ -n "$g" ] && [ -n "$c" ]; then
	awk -v g="$g" -v c="$c" 'BEGIN { printf "target time: glass-runtime <= 0.8x crun: %.2fx -> %s\n", g / c, (g <= 0.8 * c ? "met" : "NOT met") }'
	awk -v g="$gr" -v c="$cr" 'BEGIN { printf "target RSS:  glass-runtime <= crun: %d kB vs %d kB -> %s\n", g, c, (g <= c ? "met" : "NOT met") }'
fi
cp "$W/hyperfine.json" "${BENCH_OUT:-/tmp}/glass-bench-runtime.json" 2>/dev/null
if [ -z "$g" ]; then
	echo "glass-runtime could not run the bundle (see above): no figures for it" >&2
	exit 1
fi
