#!/bin/bash
# A traced `glass-runtime run` of a small command on the built-in image:
# the steps of the container's creation, in order, with their arguments,
# results and the config.json field that asked for each, the summary, and
# a three-line "what just happened" made from what the run reported.
#   scripts/trace-demo.sh BUILD [--trace=all | --trace-format json]
# Needs root (namespaces, mounts, cgroups).  Leaves nothing behind: the
# bundle and the runtime root are temporary, the cgroup is removed.
set -eu
BUILD=${1:-build}
shift 2>/dev/null || true
RUNTIME=$(cd "$BUILD" && pwd)/glass-runtime
ROOTFS=$(cd "$BUILD" && pwd)/rootfs
[ -x "$RUNTIME" ] || { echo "trace-demo: $RUNTIME not built (run make)" >&2; exit 1; }
[ -d "$ROOTFS/bin" ] || { echo "trace-demo: $ROOTFS missing (run make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "trace-demo: needs root (namespaces, mounts, cgroups)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/glass-trace-demo.XXXXXX)
CG=glass-test-demo-$$
cleanup() {
	"$RUNTIME" --root "$TMP/state" delete --force demo >/dev/null 2>&1 || true
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

mkdir -p "$TMP/bundle"
"$RUNTIME" spec --bundle "$TMP/bundle"
python3 - "$TMP/bundle/config.json" "$ROOTFS" "/$CG/demo" <<'PY'
import json, sys
path, rootfs, cg = sys.argv[1:4]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/sh", "-c", "echo hello from glass; id; hostname"]
c.setdefault("linux", {})["cgroupsPath"] = cg
json.dump(c, open(path, "w"), indent=2)
PY
echo "# glass-runtime --trace${*:+ $*} run --bundle $TMP/bundle demo" >&2
# The trace goes to the terminal as it comes, and to a file for the recap
# (stderr into tee; the container's stdout stays on fd 1 through fd 3).
{ "$RUNTIME" --root "$TMP/state" --trace "$@" run --bundle "$TMP/bundle" demo </dev/null \
	2>&1 1>&3 3>&- | tee "$TMP/trace.txt" >&2; } 3>&1
rc=${PIPESTATUS[0]}
trace=$(cat "$TMP/trace.txt")
cleanup
trap - EXIT INT TERM
[ "$*" = "" ] || exit $rc

# What just happened, from the run's own summary and a look at the host.
fact() { sed -n "s/^glass: $1 *//p" <<<"$trace" | head -1; }
ns=$(fact namespaces | sed 's/^new: \([^;]*\);.*/\1/')
caps=$(fact capabilities | sed 's/ (effective)//; s/;.*//; s/|/, /g')
dropped=$(fact capabilities | sed -n 's/.*bounding set: \([0-9]*\) dropped.*/\1/p')
left=$(ls -d /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG" "$TMP" 2>/dev/null || true)
echo
echo "what just happened:"
echo "  1. glass-runtime cloned a process into new $ns namespaces and put it in the cgroup /$CG/demo;"
echo "  2. it mounted /proc, /dev, /sys and the cgroup hierarchies in $ROOTFS, pivoted into it, dropped $dropped capabilities (kept $caps), and exec'd /bin/sh as pid 1;"
if [ -z "$left" ]; then
	echo "  3. /bin/sh ran and exited $rc, and glass-runtime removed its cgroup and state: nothing is left on the host."
else
	echo "  3. /bin/sh ran and exited $rc, but these are still on the host: $left"
fi
exit $rc
