#!/bin/bash
# How fast is glass cp, both ways, next to a tar pipe on the host (the
# floor: no engine, no chroot, no container)?  Side by side in one
# hyperfine run each, a tree of 1000 files of 4 kB and one of 32 MB:
#   glass cp out: glass cp CTR:/tree HOSTDIR, out of a running container
#   glass cp in:  glass cp HOSTDIR CTR:/in, into it
#   tar | tar (floor): tar -c | tar -x of the same tree, host to host
# With BASELINE=/path/to/another/glass, that binary's copies run next to
# them (a change's before and after; its state format must be this one's).
# Everything lives on one tmpfs in a private mount namespace; the copies'
# destinations are removed before each run, the same way for all.
#   bench/cp.sh BUILD     (BENCH_RUNS=N, default 20)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
RUNS_DEFAULT=20
bench_setup cp "${1:-build}" hyperfine jq unshare
ENGINE=$BUILD/glass
[ -x "$ENGINE" ] || die "$ENGINE not built (make)"
BASELINE=${BASELINE:-}
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || die "BASELINE=$BASELINE: not an executable"

cat >"$W/inner.sh" <<'EOF2'
set -u
W=$1 RUNS=$2 ENGINE=$4 CG=$5 BASELINE=$6
. "$3"
mkdir -p "$W/fast"
mount -t tmpfs -o size=1g glass-bench "$W/fast"
F=$W/fast
export GLASS_ROOT=$F/glass GLASS_CGROUP_PARENT=/$CG
mkdir -p "$F/tree/small"
for i in $(seq 1000); do head -c 4096 /dev/urandom >"$F/tree/small/f$i"; done
head -c 33554432 /dev/urandom >"$F/tree/big"
id=$("$ENGINE" run -d --name cpb busybox sleep 600) || exit 1
R=$GLASS_ROOT/containers/$id/rootfs
"$ENGINE" cp "$F/tree" cpb:/tree || exit 1
names=() cmds=()
bench_add "glass cp out" "rm -rf $F/out && $ENGINE cp cpb:/tree $F/out"
[ -n "$BASELINE" ] && bench_add "baseline cp out" "rm -rf $F/out && $BASELINE cp cpb:/tree $F/out"
bench_add "tar | tar (floor)" "rm -rf $F/out && mkdir $F/out && tar -C $F/tree -cf - . | tar -C $F/out -xf -"
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/out.json"
names=() cmds=()
bench_add "glass cp in" "rm -rf $R/in && $ENGINE cp $F/tree cpb:/in"
[ -n "$BASELINE" ] && bench_add "baseline cp in" "rm -rf $R/in && $BASELINE cp $F/tree cpb:/in"
bench_add "tar | tar (floor)" "rm -rf $F/out && mkdir $F/out && tar -C $F/tree -cf - . | tar -C $F/out -xf -"
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/in.json"
"$ENGINE" rm -f cpb >/dev/null
awk -v d="$F" '$5 ~ "^"d"/" {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
EOF2
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RUNS" "$here/lib.sh" "$ENGINE" "$CG" "$BASELINE" ||
	die "measurement failed"

echo
echo "== out of the container: median of $RUNS runs (1000 x 4 kB + 32 MB)"
bench_ratio_table "$W/out.json" "tar | tar (floor)"
echo
echo "== into the container: median of $RUNS runs"
bench_ratio_table "$W/in.json" "tar | tar (floor)"
