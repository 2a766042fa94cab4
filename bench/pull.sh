#!/bin/bash
# Pull from a local registry, side by side, against the physical floor:
#   glass pull            (download, verify, unpack into layer directories)
#   skopeo copy           (download only, into an OCI layout)
#   podman pull           (overlay storage driver)
#   ctr images pull       (a private containerd, overlayfs snapshotter)
#   floor                 parallel `curl` of every blob, then parallel
#                         `igzip -dc | tar -x` (or `zstd -dc | tar -x`) of
#                         every layer: no hashing, no sync, nothing recorded
# on three images served by Debian's docker-registry on 127.0.0.1: a big
# one (five layers, ~1 GB unpacked, one layer of 30,000 small files) in
# gzip and in zstd, and a small one (one 1.8 MB layer).  The images are
# generated once, deterministically (bench/mkimage.py), into
# $GLASS_BENCH_CACHE (default /var/tmp/glass-bench).
#
# Every run starts on a new, empty ext4 file system (a loop device made
# in the untimed prepare step): each tool's store is empty, and no run
# pays for the inodes a previous run freed (ext4 skips recently freed
# inodes with a slow scan, which would dominate and randomise the
# timings).  containerd is restarted on each new file system.  glass
# makes the pull durable (one sync before the image is named); the floor
# does not, so "floor+sync" (the floor, then syncfs) is shown beside it.
#
# Everything runs in a cpu cgroup of its own with 10x the default
# cpu.shares, so that other work on a shared machine takes less from the
# runs (a pipeline of many processes, like the floor, would otherwise get
# more of a busy machine than a program of a few threads).
#   bench/pull.sh [BUILD] [RUNS]      RUNS for the big images (default 5);
#                                     the small image gets 4x as many
#   PULL_ONLY="glass floor" bench/pull.sh ...   a subset of the contenders
#   PULL_IMAGES="small" bench/pull.sh ...       a subset of the images
#   PULL_FS=tmpfs bench/pull.sh ...             stores on a new tmpfs instead
#   GLASS_PULL_FLAGS="--unpack-jobs 1" ...      extra flags for glass pull
set -eu
BUILD=$(cd "${1:-build}" && pwd)
RUNS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
GLASS=$BUILD/glass
CACHE=${GLASS_BENCH_CACHE:-/var/tmp/glass-bench}/pull
ONLY=${PULL_ONLY:-floor floor+sync glass skopeo podman ctr}
IMAGES=${PULL_IMAGES:-big-gzip big-zstd small}
die() {
	echo "bench/pull.sh: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (loop devices, containerd)"
for c in hyperfine docker-registry skopeo podman containerd ctr curl igzip zstd tar jq \
	mkfs.ext4 losetup /usr/bin/python3; do
	command -v $c >/dev/null || die "$c not installed (scripts/install-deps.sh installs it)"
done
[ -x "$GLASS" ] || die "$GLASS not built (make)"

# The measuring part runs as a child in a cpu cgroup made for it (it moves
# itself in); the parent removes the cgroup afterwards.
if [ -z "${PULL_CGROUP:-}" ]; then
	CG=glass-bench-pull-$$
	cgdir=
	if [ -d /sys/fs/cgroup/cpu ] && mkdir /sys/fs/cgroup/cpu/$CG 2>/dev/null; then
		cgdir=/sys/fs/cgroup/cpu/$CG
		echo 10240 >$cgdir/cpu.shares
	elif [ -f /sys/fs/cgroup/cgroup.controllers ] && mkdir /sys/fs/cgroup/$CG 2>/dev/null; then
		cgdir=/sys/fs/cgroup/$CG
		echo 1000 >$cgdir/cpu.weight 2>/dev/null || true
	fi
	rc=0
	PULL_CGROUP=${cgdir:-none} bash "$0" "$@" || rc=$?
	[ -n "$cgdir" ] && rmdir "$cgdir"
	exit $rc
fi
[ "$PULL_CGROUP" != none ] && echo $$ >"$PULL_CGROUP/cgroup.procs"

# --- the images: layer tars, compressed, as OCI layouts (cached) ----------
layout() { # layout NAME KIND EXT MEDIATYPE-SUFFIX
	local name=$1 kind=$2 ext=$3 mt=$4 l=$CACHE/layouts/$1 layers="" diffs="" f d s
	[ -s "$l/index.json" ] && return
	rm -rf "$l" && mkdir -p "$l/blobs/sha256"
	for f in "$CACHE/$kind"/*.tar; do
		d=$(sha256sum <"$f.$ext" | cut -d' ' -f1)
		s=$(stat -c %s "$f.$ext")
		ln -f "$f.$ext" "$l/blobs/sha256/$d"
		layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+$mt\",\"digest\":\"sha256:$d\",\"size\":$s}"
		diffs="$diffs${diffs:+,}\"sha256:$(cat "$f.diffid")\""
	done
	echo "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffs]}}" >"$l/config.json"
	d=$(sha256sum <"$l/config.json" | cut -d' ' -f1)
	s=$(stat -c %s "$l/config.json")
	mv "$l/config.json" "$l/blobs/sha256/$d"
	echo "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$d\",\"size\":$s},\"layers\":[$layers]}" >"$l/manifest.json"
	d=$(sha256sum <"$l/manifest.json" | cut -d' ' -f1)
	s=$(stat -c %s "$l/manifest.json")
	mv "$l/manifest.json" "$l/blobs/sha256/$d"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$l/oci-layout"
	echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$d\",\"size\":$s,\"annotations\":{\"org.opencontainers.image.ref.name\":\"$name\"}}]}" >"$l/index.json"
}
for kind in big small; do
	[ -s "$CACHE/$kind/1.tar.diffid" ] && [ -s "$CACHE/$kind/1.tar.zst" ] && continue
	echo "# generating the $kind image once into $CACHE/$kind ..."
	rm -rf "$CACHE/$kind"
	/usr/bin/python3 "$SRC/bench/mkimage.py" $kind "$CACHE/$kind"
	for f in "$CACHE/$kind"/*.tar; do
		gzip -n -6 -c "$f" >"$f.gz" &
		zstd -q -3 -T1 -f "$f" -o "$f.zst"
	done
	wait
	for f in "$CACHE/$kind"/*.tar; do
		sha256sum <"$f" | cut -d' ' -f1 >"$f.diffid"
		: >"$f" # the diffID and the compressed forms are all that is kept
	done
done
layout big-gzip big gz gzip
layout big-zstd big zst zstd
layout small small gz gzip

W=$(mktemp -d /var/tmp/glass-bench-pull.XXXXXX)
MNT=$W/mnt
mkdir -p "$MNT" "$W/reg"
REG_PID= CTRD_PID=
cleanup() {
	set +e
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
	[ -s "$W/ctrd.pid" ] && kill "$(cat "$W/ctrd.pid")" 2>/dev/null
	sleep 0.5
	grep -o " $MNT[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	[ -s "$W/loopdev" ] && losetup -d "$(cat "$W/loopdev")" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the registry (loopback), its storage cached with the images ----------
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
R=127.0.0.1:$port
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: "%s"}\n' \
	"$CACHE/registry" "$R" >"$W/reg/config.yml"
docker-registry serve "$W/reg/config.yml" >"$W/reg/log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -sf "http://$R/v2/" >/dev/null && break; sleep 0.1; done
curl -sf "http://$R/v2/" >/dev/null || die "docker-registry did not start: $(cat "$W/reg/log")"
ref() { case $1 in small) echo "$R/bench/small:latest" ;; *) echo "$R/bench/${1%%-*}:${1#*-}" ;; esac; }
for img in big-gzip big-zstd small; do
	r=$(ref $img)
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$R/v2/$(echo "${r#*/}" | sed 's|:\([^:]*\)$|/manifests/\1|')")
	[ "$code" = 200 ] && continue
	skopeo copy -q --dest-tls-verify=false "oci:$CACHE/layouts/$img:$img" "docker://$r" ||
		die "skopeo could not push $img"
done

# --- a new file system for every run (the untimed prepare step) ------------
cat >"$W/fresh.sh" <<EOF
#!/bin/bash
# stops containerd, replaces the file system at $MNT, starts containerd if asked
set -e
if [ -s $W/ctrd.pid ]; then kill \$(cat $W/ctrd.pid) 2>/dev/null || true; while kill -0 \$(cat $W/ctrd.pid) 2>/dev/null; do sleep 0.05; done; : >$W/ctrd.pid; fi
grep -o " $MNT[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount "\$m"; done
[ -s $W/loopdev ] && losetup -d \$(cat $W/loopdev) && : >$W/loopdev
rm -f $W/fs.img
if [ "${PULL_FS:-ext4}" = tmpfs ]; then
	mount -t tmpfs -o size=8g glass-bench-pull $MNT
else
	truncate -s 8G $W/fs.img
	losetup -f --show --direct-io=on $W/fs.img >$W/loopdev
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 \$(cat $W/loopdev)
	mount \$(cat $W/loopdev) $MNT
fi
if [ "\${1:-}" = ctr ]; then
	mkdir -p $MNT/ctrd
	printf 'version = 2\nroot = "%s"\nstate = "%s"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s"\n' \
		$MNT/ctrd/root $MNT/ctrd/state $MNT/ctrd/sock >$MNT/ctrd/config.toml
	containerd --config $MNT/ctrd/config.toml >$W/ctrd.log 2>&1 &
	echo \$! >$W/ctrd.pid
	for _ in \$(seq 200); do [ -S $MNT/ctrd/sock ] && break; sleep 0.05; done
fi
sync
EOF
cat >"$W/floor.sh" <<EOF
#!/bin/bash
# floor IMAGE-LAYOUT EXT: parallel curl of the blobs, then parallel decompress | tar -x
set -e
l=$CACHE/layouts/\$1 repo=\$3 dec="igzip -dc"
[ "\$2" = zst ] && dec="zstd -dc"
man=\$(jq -r '.manifests[0].digest' \$l/index.json)
digests=\$(jq -r '.layers[].digest' \$l/blobs/sha256/\${man#sha256:})
mkdir -p $MNT/floor/blobs
for d in \$digests; do curl -sf -o $MNT/floor/blobs/\${d#sha256:} http://$R/v2/\$repo/blobs/\$d & done
wait
for d in \$digests; do mkdir -p $MNT/floor/\${d#sha256:}; (\$dec $MNT/floor/blobs/\${d#sha256:} | tar -x -C $MNT/floor/\${d#sha256:}) & done
wait
EOF
chmod +x "$W/fresh.sh" "$W/floor.sh"
"$W/fresh.sh"

echo "# stores on a new ${PULL_FS:-ext4} file system each run; cgroup $PULL_CGROUP"
echo "# host: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GB RAM, $(uname -r); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# glass $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null), $(skopeo --version), $(podman --version), $(ctr --version | cut -d' ' -f3)"
PODMAN="podman --root $MNT/podman/root --runroot $MNT/podman/run --storage-driver overlay --events-backend none --cgroup-manager cgroupfs"
CTR="ctr --address $MNT/ctrd/sock -n bench"
results=()
for img in $IMAGES; do
	r=$(ref "$img")
	ext=gz
	[ "$img" = big-zstd ] && ext=zst
	runs=$RUNS
	[ "$img" = small ] && runs=$((RUNS * 4))
	layers=$(jq -r '.manifests[0].digest' "$CACHE/layouts/$img/index.json")
	size=$(jq '[.layers[].size] | add' "$CACHE/layouts/$img/blobs/sha256/${layers#sha256:}")
	echo
	echo "== $img: $r, $((size / 1000000)) MB compressed, $runs runs each"
	for c in $ONLY; do
		case $c in
		floor) cmd="$W/floor.sh $img $ext bench/${img%%-*}" ;;
		floor+sync) cmd="$W/floor.sh $img $ext bench/${img%%-*} && sync -f $MNT" ;;
		glass) cmd="GLASS_ROOT=$MNT/glass $GLASS pull -q --tls-verify=false ${GLASS_PULL_FLAGS:-} $r" ;;
		skopeo) cmd="skopeo copy -q --src-tls-verify=false docker://$r oci:$MNT/skopeo:x" ;;
		podman) cmd="$PODMAN pull -q --tls-verify=false $r" ;;
		ctr) cmd="$CTR images pull --plain-http $r" ;;
		*) die "unknown contender $c" ;;
		esac
		prep="$W/fresh.sh"
		[ $c = ctr ] && prep="$W/fresh.sh ctr"
		# it must work once before it is timed
		if ! { $prep && sh -c "$cmd"; } >"$W/$c.err" 2>&1; then
			echo "# $c failed on $img, left out: $(tail -3 "$W/$c.err" | tr '\n' ' ')"
			continue
		fi
		hyperfine --style basic --runs "$runs" --prepare "$prep" --export-json "$W/$img-$c.json" \
			--command-name "$c" "$cmd" >"$W/$img-$c.log" 2>&1 || {
			echo "# $c: hyperfine failed: $(tail -3 "$W/$img-$c.log")"
			continue
		}
		results+=("$W/$img-$c.json")
		jq -r --arg c "$c" '.results[0] | "\($c): median \(.median * 1000 | round) ms (min \(.min * 1000 | round), max \(.max * 1000 | round))"' "$W/$img-$c.json"
	done
	# ratios
	jq -s -r --arg img "$img" '
		map(.results[0]) as $r |
		($r | map(select(.command == "floor")) | .[0].median) as $floor |
		($r | map(select(.command == "glass")) | .[0].median) as $glass |
		($r | map(select(.command == "podman")) | .[0].median) as $podman |
		"\($img) ratios: " +
		(if $floor and $glass then "glass/floor \($glass / $floor * 100 | round / 100)  " else "" end) +
		(if $podman and $glass then "glass/podman \($glass / $podman * 100 | round / 100)  " else "" end) +
		([$r[] | select(.command != "glass" and .command != "floor" and $glass != null) | "\(.command)/glass \(.median / $glass * 100 | round / 100)"] | join("  "))' \
		$(ls "$W/$img"-*.json 2>/dev/null) 2>/dev/null || true
done
