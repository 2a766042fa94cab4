#!/bin/bash
# How fast does the Docker API answer, glass serve next to podman's
# Docker-compatible service?  The same client (Debian's docker CLI, 20.10)
# and the same command line against each socket, in one hyperfine run:
#   docker run --rm --network none IMAGE /bin/true
#     through glass serve | podman system service (crun) | (runc)
# then `docker ps` with 50 running containers on each server.
#
# Same conditions as bench/engine.sh: one private mount namespace with
# /sys/fs/cgroup/unified unmounted (bench/lib.sh), every state root on one
# tmpfs, cgroups under a parent this script owns, the --ulimit flags podman
# 4.3 needs on this host, no network.  The image is the built-in busybox,
# imported into podman and tagged the same in glass.
#   bench/api.sh BUILD     (BENCH_RUNS=N, default 30)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
RUNS_DEFAULT=30
bench_init api "${1:-build}"
ENGINE=$BUILD/glass
DOCKER=/usr/bin/docker # Debian's docker.io 20.10, not another docker on PATH
command -v podman >/dev/null || die "podman not installed (scripts/install-deps.sh installs it)"
[ -x $DOCKER ] || die "$DOCKER not installed (docker.io; scripts/install-deps.sh installs it)"
[ -x "$ENGINE" ] || die "$ENGINE not built (make)"

cat >"$W/inner.sh" <<'EOF2'
set -u
W=$1 RT=$2 ROOTFS=$3 RUNS=$4 ENGINE=$6 CG=$7 NCTR=$8 DOCKER=/usr/bin/docker
. "$5"
bench_unified_off
mkdir -p "$W/fast"
mount -t tmpfs -o size=1g glass-bench "$W/fast"
F=$W/fast
mkdir -p "$F/glass" "$F/podman"
pids=()
stop_servers() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap stop_servers EXIT
export GLASS_CGROUP_PARENT=/$CG
GLASS_ROOT=$F/glass "$ENGINE" serve --host "unix://$F/glass.sock" >"$W/serve.log" 2>&1 &
pids+=($!)
P="podman --root $F/podman/root --runroot $F/podman/run --tmpdir $F/podman/tmp --cgroup-manager cgroupfs --events-backend none --storage-driver overlay"
tar -C "$ROOTFS" -cf "$F/rootfs.tar" .
$P import "$F/rootfs.tar" localhost/bench:1 >/dev/null || exit 1
for rt in crun runc; do
	$P --runtime $rt system service --time 0 "unix://$F/podman-$rt.sock" >"$W/podman-$rt.log" 2>&1 &
	pids+=($!)
done
for s in glass podman-crun podman-runc; do
	for _ in $(seq 100); do
		[ -S "$F/$s.sock" ] && curl -sf --unix-socket "$F/$s.sock" http://d/_ping >/dev/null && break
		sleep 0.1
	done
done
D() { timeout 120 $DOCKER -H "unix://$F/$1.sock" "${@:2}"; }
D glass pull -q busybox >/dev/null && D glass tag busybox localhost/bench:1 || exit 1
A="--network none --cgroup-parent /$CG --ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
for s in glass podman-crun podman-runc; do
	bench_add "docker run --rm ($s)" "$DOCKER -H unix://$F/$s.sock run --rm $A localhost/bench:1 /bin/true"
done
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/run.json"

# docker ps with NCTR running containers on each server
names=() cmds=()
for s in glass podman-crun; do
	for i in $(seq "$NCTR"); do
		D "$s" run -d --name "ps$i" $A localhost/bench:1 sleep 600 >/dev/null || {
			echo "bench: $s: container $i did not start" >&2
			break
		}
	done
	n=$(D "$s" ps -q | wc -l)
	bench_add "docker ps, $n running ($s)" "$DOCKER -H unix://$F/$s.sock ps"
	# the server alone: the same request without the Go client's start-up
	bench_add "curl GET containers-json ($s)" \
		"curl -sf --unix-socket $F/$s.sock http://d/v1.41/containers/json >/dev/null"
done
# the client's own start, which no server can shorten (Go's runtime and
# the CLI's init: ~25 ms here), for the part of docker ps that is the server's
bench_add "docker --version (the client alone)" "$DOCKER --version >/dev/null"
bench_hyperfine || exit 1
mv "$W/hyperfine.json" "$W/ps.json"
for s in glass podman-crun; do
	D "$s" rm -f $(D "$s" ps -aq) >/dev/null 2>&1
done
$P rmi -af >/dev/null 2>&1
stop_servers
trap - EXIT
awk -v d="$F" '$5 ~ "^"d"/" {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
EOF2
unshare -m --propagation private bash "$W/inner.sh" "$W" "$RT" "$ROOTFS" "$RUNS" "$here/lib.sh" "$ENGINE" "$CG" \
	"${BENCH_PS_CONTAINERS:-50}" || die "measurement failed"
for d in /sys/fs/cgroup/*/libpod_parent/conmon; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done

ratio_table() {
	jq -r --arg ref "$2" '
		(.results | map(select(.command | endswith($ref))) | .[0]) as $r |
		.results[] |
		[.command, (.median * 1000 | . * 100 | round / 100 | tostring) + " ms",
		 "+/- " + (.stddev * 1000 | . * 100 | round / 100 | tostring) + " ms",
		 (if $r then (.median / $r.median * 100 | round / 100 | tostring) + "x podman (crun)" else "-" end)]
		| @tsv' "$1" | column -t -s $'\t'
}
median() { jq --arg p "$2" '[.results[] | select(.command | startswith($p)) | .median][0] // empty' "$1"; }
target() { # NAME GLASS PODMAN
	[ -n "$2" ] && [ -n "$3" ] &&
		awk -v n="$1" -v g="$2" -v p="$3" 'BEGIN { printf "target: %s <= 0.3x podman (crun): %.2fx -> %s\n", n, g / p, (g <= 0.3 * p ? "met" : "NOT met") }'
}
echo
echo "== docker run --rm /bin/true through each server's socket: median of $RUNS runs"
ratio_table "$W/run.json" "(podman-crun)"
echo
echo "== docker ps with ${BENCH_PS_CONTAINERS:-50} running containers: median of $RUNS runs"
jq '.results |= map(select(.command | startswith("docker ps")))' "$W/ps.json" >"$W/ps-cli.json"
jq '.results |= map(select(.command | startswith("curl")))' "$W/ps.json" >"$W/ps-curl.json"
ratio_table "$W/ps-cli.json" "(podman-crun)"
ratio_table "$W/ps-curl.json" "(podman-crun)"
awk -v c="$(median "$W/ps.json" "docker --version")" -v g="$(median "$W/ps.json" "docker ps, ")" \
	-v p="$(jq '[.results[] | select(.command | startswith("docker ps") and endswith("(podman-crun)")) | .median][0] // empty' "$W/ps.json")" \
	'BEGIN { if (c != "" && g != "" && p != "") printf "docker ps above the client'"'"'s own start (docker --version, %.1f ms): glass %.1f ms, podman (crun) %.1f ms: %.2fx\n", c * 1000, (g - c) * 1000, (p - c) * 1000, (g - c) / (p - c) }'
echo
target "docker run --rm" "$(median "$W/run.json" "docker run --rm (glass)")" \
	"$(median "$W/run.json" "docker run --rm (podman-crun)")"
for t in cli curl; do
	target "$(jq -r '.results[0].command | sub(" \\(.*"; "")' "$W/ps-$t.json")" \
		"$(jq '[.results[] | select(.command | endswith("(glass)")) | .median][0] // empty' "$W/ps-$t.json")" \
		"$(jq '[.results[] | select(.command | endswith("(podman-crun)")) | .median][0] // empty' "$W/ps-$t.json")"
done
cp "$W/run.json" "${BENCH_OUT:-/tmp}/glass-bench-api.json" 2>/dev/null
