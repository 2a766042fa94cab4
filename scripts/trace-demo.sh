#!/bin/sh
# A traced `glass-runtime run` of a small command on the built-in image:
# every kernel operation of the container's creation, in order, with its
# arguments, result and the config.json field that asked for it.
#   scripts/trace-demo.sh BUILD [--trace-format json]
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
echo "# glass-runtime --trace run --bundle $TMP/bundle demo" >&2
"$RUNTIME" --root "$TMP/state" --trace "$@" run --bundle "$TMP/bundle" demo </dev/null
