#!/bin/bash
# What does the cgroup setup cost?  One hyperfine run, side by side:
#   glass-runtime run | crun run | runc run   of /bin/true on the built-in
#   image, the SAME bundle for all: runc's default spec with limits that
#   touch the memory, cpu and pids controllers (memory.limit 256 MiB with
#   swap equal, cpu shares 512 + quota 50 ms / 100 ms, pids.limit 128) on
#   top of the default device rules.  (runc spec's ambient set is copied
#   into the inheritable set so that the ambient raise is valid for every
#   runtime.)  Prints each median and the ratios to crun and runc.  No
#   thresholds: numbers to read, not a test.  See bench/lib.sh for the
#   setup every bench shares.
#   bench/cgroup.sh BUILD      (BENCH_RUNS=N runs per contender, default 100)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init cgroup "${1:-build}"
bench_bundle '.linux.resources.memory = {"limit": 268435456, "swap": 268435456} |
	 .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000} |
	 .linux.resources.pids = {"limit": 128} |
	 .process.capabilities.inheritable = .process.capabilities.ambient'

# The measurement, inside a private mount namespace.
cat >"$W/inner.sh" <<'INNER'
set -u
W=$1 RT=$2 RUNS=$3 B=$W/bundle
. "$4"
bench_unified_off
bench_add glass-runtime "$RT --root $W/root-glass run --bundle $B g\$\$"
bench_add crun "crun --root $W/root-crun run --bundle $B c\$\$"
bench_add runc "runc --root $W/root-runc run --bundle $B r\$\$"
bench_hyperfine || exit 1
INNER
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RT" "$RUNS" "$here/lib.sh" || die "measurement failed"

bench_table "run with a cgroup setup (memory+cpu+pids limits): median of $RUNS runs of /bin/true"
cp "$W/hyperfine.json" "${BENCH_OUT:-/tmp}/glass-bench-cgroup.json" 2>/dev/null
exit 0
