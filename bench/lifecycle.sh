#!/bin/bash
# The other paths clients take, side by side with crun and runc (one
# hyperfine run each, the same bundle for all, see bench/lib.sh):
#   create+start+delete   what podman and containerd do for a container
#                         (three runtime invocations through sh -c, which
#                         every contender pays alike)
#   exec                  a new process (/bin/true) in a running container
#                         of each runtime (`sleep` as its init); floor:
#                         nsenter --all into the glass container
# exec always re-executes glass-runtime from a sealed copy (CVE-2019-5736,
# docs/security.md), as crun does.  No thresholds: numbers to read.
#   bench/lifecycle.sh BUILD   (BENCH_RUNS=N runs per contender, default 100)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init lifecycle "${1:-build}"
bench_bundle '.'
# One sleeping container per runtime, each with its own bundle and cgroup.
for r in glass crun runc; do
	mkdir -p "$W/sl-$r"
	jq --arg cg "-$r" '.process.args = ["sleep", "3600"] | .linux.cgroupsPath += $cg' \
		"$W/bundle/config.json" >"$W/sl-$r/config.json"
done

cat >"$W/inner.sh" <<'INNER'
set -u
W=$1 RT=$2 RUNS=$3 B=$W/bundle
. "$4"
bench_unified_off
cs() { echo "$1 --root $W/root-$2 create --bundle $B $3\$\$ && $1 --root $W/root-$2 start $3\$\$ && $1 --root $W/root-$2 delete --force $3\$\$"; }
bench_add glass-runtime "$(cs "$RT" glass g)"
bench_add crun "$(cs crun crun c)"
bench_add runc "$(cs runc runc r)"
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/lifecycle.json"

names=() cmds=()
for r in glass crun runc; do
	bin=$r
	[ $r = glass ] && bin=$RT
	if $bin --root "$W/root-$r" run --detach --bundle "$W/sl-$r" sl-$r </dev/null >/dev/null 2>"$W/sl-$r.err"; then
		name=$r
		[ $r = glass ] && name=glass-runtime
		bench_add "$name" "$bin --root $W/root-$r exec sl-$r /bin/true"
	else
		echo "bench: $r cannot start the sleeping container, left out: $(head -3 "$W/sl-$r.err")" >&2
	fi
done
pid=$("$RT" --root "$W/root-glass" state sl-glass 2>/dev/null | jq -r .pid)
[ -n "$pid" ] && bench_add "nsenter" "nsenter --target $pid --all /bin/true"
bench_hyperfine || exit 1
INNER
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RT" "$RUNS" "$here/lib.sh" || die "measurement failed"

mv "$W/hyperfine.json" "$W/exec.json"
cp "$W/lifecycle.json" "$W/hyperfine.json"
bench_table "create + start + delete --force (podman's path): median of $RUNS runs"
cp "$W/exec.json" "$W/hyperfine.json"
bench_table "exec /bin/true into a running container: median of $RUNS runs"
cp "$W/lifecycle.json" "${BENCH_OUT:-/tmp}/glass-bench-lifecycle.json" 2>/dev/null
cp "$W/exec.json" "${BENCH_OUT:-/tmp}/glass-bench-exec.json" 2>/dev/null
exit 0
