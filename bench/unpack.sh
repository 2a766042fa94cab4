#!/bin/bash
# Unpack of one ~200 MB gzip layer, side by side:
#   glass image unpack-layer (isa-l inflate on a second thread + libarchive,
#     openat2-contained extraction, diffID computed on the way)
#   GNU tar -xzf (gzip -d in a second process)
#   umoci unpack (on an OCI layout holding the layer)
#   ctr images import (containerd with its own root/state/socket; import +
#     unpack into its overlayfs snapshotter)
# and prints the ratios.  The layer is generated once (deterministic) into
# $GLASS_BENCH_CACHE (default /var/tmp/glass-bench).
#   bench/unpack.sh [BUILD] [RUNS]
set -eu
BUILD=$(cd "${1:-build}" && pwd)
RUNS=${2:-3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
GLASS=$BUILD/glass
CACHE=${GLASS_BENCH_CACHE:-/var/tmp/glass-bench}/unpack
for c in hyperfine tar gzip jq python3; do
	command -v $c >/dev/null || { echo "bench/unpack.sh: $c not installed" >&2; exit 1; }
done
[ -x "$GLASS" ] || { echo "bench/unpack.sh: $GLASS missing (make)" >&2; exit 1; }
mkdir -p "$CACHE"
LAYER=$CACHE/layer.tar.gz
if [ ! -s "$LAYER" ]; then
	echo "# generating the layer once into $CACHE ..."
	rm -rf "$CACHE/tree"
	python3 "$SRC/bench/mklayer.py" "$CACHE/tree" 0.75 >/dev/null
	tar -C "$CACHE/tree" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$CACHE/layer.tar" .
	gzip -6 -n -c "$CACHE/layer.tar" >"$LAYER.tmp" && mv "$LAYER.tmp" "$LAYER"
	sha256sum <"$CACHE/layer.tar" | cut -d' ' -f1 >"$CACHE/diffid"
	rm -rf "$CACHE/tree" "$CACHE/layer.tar"
fi
DIFFID=sha256:$(cat "$CACHE/diffid")
LSIZE=$(stat -c %s "$LAYER")
LDIG=sha256:$(sha256sum "$LAYER" | cut -d' ' -f1)
# An OCI layout (and archive) holding the layer, for umoci and ctr.
OCI=$CACHE/oci
if [ ! -s "$OCI/index.json" ]; then
	rm -rf "$OCI"
	mkdir -p "$OCI/blobs/sha256"
	ln "$LAYER" "$OCI/blobs/sha256/${LDIG#sha256:}" 2>/dev/null || cp "$LAYER" "$OCI/blobs/sha256/${LDIG#sha256:}"
	jq -n --arg d "$DIFFID" '{architecture:"amd64",os:"linux",config:{Cmd:["/bin/sh"]},rootfs:{type:"layers",diff_ids:[$d]}}' >"$CACHE/config.json"
	CDIG=sha256:$(sha256sum "$CACHE/config.json" | cut -d' ' -f1)
	cp "$CACHE/config.json" "$OCI/blobs/sha256/${CDIG#sha256:}"
	jq -n --arg c "$CDIG" --argjson cs "$(stat -c %s "$CACHE/config.json")" --arg l "$LDIG" --argjson ls "$LSIZE" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$l,size:$ls}]}' >"$CACHE/manifest.json"
	MDIG=sha256:$(sha256sum "$CACHE/manifest.json" | cut -d' ' -f1)
	cp "$CACHE/manifest.json" "$OCI/blobs/sha256/${MDIG#sha256:}"
	jq -n --arg m "$MDIG" --argjson ms "$(stat -c %s "$CACHE/manifest.json")" \
		'{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms,annotations:{"org.opencontainers.image.ref.name":"bench","io.containerd.image.name":"docker.io/library/glass-bench:latest"}}]}' >"$OCI/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$OCI/oci-layout"
	(cd "$OCI" && tar -cf "$CACHE/oci.tar" oci-layout index.json blobs)
fi
W=$(mktemp -d /var/tmp/glass-bench-unpack.XXXXXX)
CTRD_PID=
cleanup() {
	[ -n "$CTRD_PID" ] && kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
	# containerd's overlay snapshots may still be mounted below $W
	grep -o " $W[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
echo "# layer: $LAYER ($((LSIZE / 1000000)) MB gzip, diffID $DIFFID)"
echo "# host: $(nproc) cores, $(uname -r); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Each run extracts into a new directory: deleting the previous output
# right before a run would make ext4 skip its just-freed inodes
# (recently_deleted() in the inode allocator), an expensive scan that
# would dominate and randomise the timings of every tool.
NEW="\$(mktemp -u $W/out.XXXXXXXX)"
cmds=(-n glass "$GLASS image unpack-layer $LAYER $NEW"
	-n "tar -xzf" "d=$NEW && mkdir \$d && tar -xzf $LAYER -C \$d")
if command -v umoci >/dev/null; then
	cmds+=(-n umoci "umoci --log error unpack --image $OCI:bench $NEW")
else
	echo "# umoci not installed: skipped"
fi
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
	mkdir -p "$W/ctrd"
	cat >"$W/ctrd/config.toml" <<CFG
version = 2
root = "$W/ctrd/root"
state = "$W/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$W/ctrd/sock"
CFG
	containerd --config "$W/ctrd/config.toml" >"$W/ctrd/log" 2>&1 &
	CTRD_PID=$!
	for _ in $(seq 100); do [ -S "$W/ctrd/sock" ] && break; sleep 0.1; done
	CTR="ctr --address $W/ctrd/sock -n bench"
	if $CTR version >/dev/null 2>&1; then
		cmds+=(-n "ctr images import" "$CTR images import --platform linux/amd64 $CACHE/oci.tar")
	else
		echo "# containerd did not start: skipped"
	fi
else
	echo "# containerd not installed: skipped"
fi
prep="${CTR:-true} images rm --sync docker.io/library/glass-bench:latest >/dev/null 2>&1; ${CTR:-true} content prune references >/dev/null 2>&1; sync"
hyperfine --runs "$RUNS" --prepare "$prep" --export-json "$W/result.json" "${cmds[@]}"
# the glass run must have produced the right diffID
got=$("$GLASS" image unpack-layer "$LAYER" "$W/out")
[ "$got" = "$DIFFID" ] || { echo "glass unpack-layer: diffID $got, expected $DIFFID" >&2; exit 1; }
echo
echo "# ratios (time of X / time of glass; > 1 means glass is faster)"
jq -r '.results as $r | ($r[] | select(.command == "glass") | .mean) as $g |
  $r[] | "\(.command): mean \(.mean * 1000 | round) ms  ratio \((.mean / $g) * 100 | round / 100)"' "$W/result.json"
