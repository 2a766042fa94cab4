#!/bin/bash
# How fast does the engine run a container, next to podman?  Side by side
# in one hyperfine run, /bin/true on the built-in image:
#   glass run --rm busybox true
#   podman run --rm (crun) | podman run --rm (runc)   the same image, imported
#   glass-runtime run of a ready bundle                the floor: no engine at all
# then run -d + stop + rm for glass and podman (crun), and the peak RSS of a
# running glass-shim next to podman's conmon.
#
# Same conditions for all: one private mount namespace with
# /sys/fs/cgroup/unified unmounted (crun 1.8.1 refuses this host's hybrid
# layout; bench/lib.sh), every state root on one tmpfs, cgroups under a
# parent this script owns, podman with the --ulimit flags the tests use
# (podman 4.3 lowers its nproc limit; this host lacks CAP_SYS_RESOURCE) and
# no network (glass's containers share the host's until issue 14).
#   bench/engine.sh BUILD     (BENCH_RUNS=N, default 50)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
RUNS_DEFAULT=50
bench_init engine "${1:-build}"
ENGINE=$BUILD/glass
command -v podman >/dev/null || die "podman not installed (scripts/install-deps.sh installs it)"
[ -x "$ENGINE" ] || die "$ENGINE not built (make)"
bench_bundle .

cat >"$W/inner.sh" <<'EOF2'
set -u
W=$1 RT=$2 ROOTFS=$3 RUNS=$4 ENGINE=$6 CG=$7 B=$W/bundle
. "$5"
bench_unified_off
mkdir -p "$W/fast"
mount -t tmpfs -o size=512m glass-bench "$W/fast"
F=$W/fast
mkdir -p "$F/rt" "$F/glass" "$F/podman"
export GLASS_ROOT=$F/glass GLASS_CGROUP_PARENT=/$CG
P="podman --root $F/podman/root --runroot $F/podman/run --tmpdir $F/podman/tmp --cgroup-manager cgroupfs --events-backend none --storage-driver overlay"
A="--network none --cgroup-parent /$CG --ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
tar -C "$ROOTFS" -cf "$F/rootfs.tar" .
$P import "$F/rootfs.tar" localhost/bench:1 >/dev/null || exit 1
"$ENGINE" run --rm -q busybox true >/dev/null 2>&1 # imports the built-in image once

bench_add "glass run --rm" "$ENGINE run --rm busybox /bin/true"
bench_add "podman run --rm (crun)" "$P --runtime crun run --rm $A localhost/bench:1 /bin/true"
bench_add "podman run --rm (runc)" "$P --runtime runc run --rm $A localhost/bench:1 /bin/true"
bench_add "glass-runtime run (floor)" "$RT --root $F/rt run --bundle $B g\$\$"
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/run.json"

names=() cmds=()
bench_add "glass run -d + stop + rm" "$ENGINE run -d --name d\$\$ busybox sleep 60 >/dev/null && $ENGINE stop -t 0 d\$\$ >/dev/null && $ENGINE rm d\$\$ >/dev/null"
bench_add "podman run -d + stop + rm (crun)" "$P --runtime crun run -d --name d\$\$ $A localhost/bench:1 sleep 60 >/dev/null && $P stop -t 0 d\$\$ >/dev/null && $P rm d\$\$ >/dev/null"
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/detach.json"

# peak RSS (VmHWM) of a running glass-shim and of podman's conmon
"$ENGINE" run -d --name rss busybox sleep 60 >/dev/null
sleep 0.5
for p in $(pgrep -x glass-shim); do
	grep -q "$F/glass" "/proc/$p/cmdline" && awk '/VmHWM/ {print "glass-shim", $2}' "/proc/$p/status"
done >"$W/rss.txt"
"$ENGINE" rm -f rss >/dev/null
$P --runtime crun run -d --name rss $A localhost/bench:1 sleep 60 >/dev/null
sleep 0.5
for p in $(pgrep -x conmon); do
	grep -q "$F/podman" "/proc/$p/cmdline" && awk '/VmHWM/ {print "conmon", $2}' "/proc/$p/status"
done >>"$W/rss.txt"
$P rm -f -t 0 rss >/dev/null
$P rmi -af >/dev/null 2>&1
awk -v d="$F" '$5 ~ "^"d"/" {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
EOF2
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RT" "$ROOTFS" "$RUNS" "$here/lib.sh" "$ENGINE" "$CG" ||
	die "measurement failed"
# podman leaves conmon's cgroup under libpod_parent only when it made it
for d in /sys/fs/cgroup/*/libpod_parent/conmon; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done

echo
echo "== the engine next to podman: median of $RUNS runs of /bin/true on the built-in image"
bench_ratio_table "$W/run.json" "podman run --rm (crun)"
echo
echo "== run -d + stop -t 0 + rm: median of $RUNS runs"
bench_ratio_table "$W/detach.json" "podman run -d + stop + rm (crun)"
echo
echo "== peak RSS of the process that holds a running container (VmHWM)"
awk '{ printf "%-12s %6d kB\n", $1, $2 }' "$W/rss.txt"
g=$(jq '.results[] | select(.command == "glass run --rm") | .median' "$W/run.json")
p=$(jq '.results[] | select(.command == "podman run --rm (crun)") | .median' "$W/run.json")
s=$(awk '$1 == "glass-shim" {print $2}' "$W/rss.txt")
echo
[ -n "$g" ] && [ -n "$p" ] &&
	awk -v g="$g" -v p="$p" 'BEGIN { printf "target time: glass run --rm <= 0.2x podman (crun): %.2fx -> %s\n", g / p, (g <= 0.2 * p ? "met" : "NOT met") }'
[ -n "$s" ] && awk -v s="$s" 'BEGIN { printf "target RSS:  glass-shim <= 1024 kB: %d kB -> %s\n", s, (s <= 1024 ? "met" : "NOT met") }'
cp "$W/run.json" "${BENCH_OUT:-/tmp}/glass-bench-engine.json" 2>/dev/null
[ -n "$g" ] || die "glass run could not run (see above): no figures for it"
