#!/bin/bash
# One runtime's half of the differential harness (t-differential.sh): runs
# every case bundle under RUNTIME, one after the other, and leaves CASE.out
# (stdout: the probe's JSON documents), CASE.err and CASE.rc beside each
# bundle.  crun is run through this script inside a private mount
# namespace where /sys/fs/cgroup/unified is unmounted (crun 1.8.1 refuses
# this host's hybrid layout); the host's own mounts are never touched.
#   diff-run.sh NAME RUNTIME STATE_ROOT WORKDIR [--private-v1]
set -u
name=$1 rt=$2 root=$3 work=$4
if [ "${5:-}" = --private-v1 ]; then
	umount /sys/fs/cgroup/unified 2>/dev/null || umount -l /sys/fs/cgroup/unified 2>/dev/null
fi
mkdir -p "$root"
for b in "$work"/*/"$name"; do
	[ -f "$b/config.json" ] || continue
	c=$(basename "$(dirname "$b")")
	id=d$$-$name-$c
	timeout -k 5 30 "$rt" --root "$root" run --bundle "$b" "$id" </dev/null >"$b.out" 2>"$b.err"
	echo $? >"$b.rc"
	"$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
done
exit 0
