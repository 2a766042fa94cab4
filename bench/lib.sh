# bench/lib.sh: what the bench scripts share (sourced, not run).
#
#   bench_setup NAME BUILD CMD...
#                             what every bench script needs: root, the
#                             commands CMD installed, BUILD (absolute),
#                             ROOTFS, RUNS (BENCH_RUNS, else RUNS_DEFAULT,
#                             else 100), a work dir W and a cgroup name CG
#                             this script owns; on exit the functions given
#                             to bench_on_exit run, then CG is removed
#                             everywhere and W with it
#   bench_on_exit FUNC        FUNC runs first at exit (it may still use W)
#   bench_init NAME BUILD     bench_setup for the runtime benches: hyperfine,
#                             crun, runc, jq, unshare, RT, the built-in image,
#                             and at exit every container left under W's
#                             state roots deleted
#   bench_bundle FILTER       W/bundle: runc's default spec (`runc spec`) with
#                             the built-in image, no terminal, /bin/true, an
#                             absolute cgroupsPath under CG, then jq FILTER
#   bench_table TITLE         the medians of W/hyperfine.json with their
#                             spread and ratios to crun and runc
#   bench_ratio_table FILE REF  a hyperfine JSON's medians as ratios to REF
#
# Every measurement runs in one private mount namespace where
# /sys/fs/cgroup/unified is unmounted (bench_unified_off, in the inner
# script): crun 1.8.1 refuses this host's hybrid cgroup layout, so all
# contenders see the same pure-v1 layout.  The host's mounts are never
# touched.

die() {
	echo "bench/$BENCH_NAME.sh: $*" >&2
	exit 1
}

bench_setup() {
	local c
	BENCH_NAME=$1
	[ "$(id -u)" = 0 ] || die "needs root"
	BUILD=$(cd "${2:-build}" && pwd) || die "no build directory ${2:-build} (make)"
	shift 2
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c not installed (scripts/install-deps.sh installs it)"
	done
	ROOTFS=$BUILD/rootfs
	RUNS=${BENCH_RUNS:-${RUNS_DEFAULT:-100}}
	W=$(mktemp -d /tmp/glass-bench.XXXXXX)
	CG=glass-bench-$BENCH_NAME-$$
	BENCH_EXIT=()
	trap bench_teardown EXIT
	trap 'exit 130' INT TERM
}

bench_on_exit() { BENCH_EXIT+=("$1"); }

bench_teardown() {
	local f d
	for f in "${BENCH_EXIT[@]}"; do "$f"; done
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$W"
}

bench_init() {
	bench_setup "$1" "${2:-build}" hyperfine crun runc jq unshare
	RT=$BUILD/glass-runtime
	[ -x "$RT" ] || die "$RT not built (make)"
	[ -x "$ROOTFS/bin/true" ] || die "$ROOTFS: no built-in image (make)"
	mkdir -p "$W/root-glass" "$W/root-crun" "$W/root-runc"
	bench_on_exit bench_delete_containers
}

bench_delete_containers() {
	local d r
	for r in glass crun runc; do
		[ -d "$W/root-$r" ] || continue
		for d in "$W/root-$r"/*/; do
			[ -d "$d" ] || continue
			case $r in
			glass) "$RT" --root "$W/root-$r" delete --force "$(basename "$d")" ;;
			*) $r --root "$W/root-$r" delete --force "$(basename "$d")" ;;
			esac
		done
	done >/dev/null 2>&1
}

bench_bundle() {
	B=$W/bundle
	mkdir -p "$B"
	(cd "$B" && runc spec) || die "runc spec failed"
	jq --arg root "$ROOTFS" --arg cg "/$CG/ctr" \
		'.root.path = $root | .process.terminal = false | .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg | '"${1:-.}" \
		"$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"
}

bench_table() {
	echo
	echo "== $1"
	jq -r '
		(.results | map(select(.command == "crun")) | .[0]) as $crun |
		(.results | map(select(.command == "runc")) | .[0]) as $runc |
		.results[] |
		[.command, (.median * 1000 | . * 100 | round / 100 | tostring) + " ms",
		 "+/- " + (.stddev * 1000 | . * 100 | round / 100 | tostring) + " ms",
		 (if $crun then (.median / $crun.median * 100 | round / 100 | tostring) + "x crun" else "-" end),
		 (if $runc then (.median / $runc.median * 100 | round / 100 | tostring) + "x runc" else "-" end)]
		| @tsv' "$W/hyperfine.json" | column -t -s $'\t'
}

# In the inner script (the private mount namespace):
bench_unified_off() {
	umount /sys/fs/cgroup/unified 2>/dev/null || umount -l /sys/fs/cgroup/unified 2>/dev/null
	names=() cmds=()
}

# bench_add NAME CMD: a contender, kept only when CMD works once untimed.
bench_add() {
	if sh -c "$2" </dev/null >/dev/null 2>"$W/$1.err"; then
		names+=("$1") cmds+=("$2")
	else
		echo "bench: $1 does not run here, left out: $(head -3 "$W/$1.err")" >&2
	fi
}

# bench_hyperfine [hyperfine flags]: one run of every contender kept.
bench_hyperfine() {
	local args=() i
	for i in "${!names[@]}"; do args+=(--command-name "${names[$i]}" "${cmds[$i]}"); done
	hyperfine --style basic --warmup 5 --runs "$RUNS" --export-json "$W/hyperfine.json" "$@" "${args[@]}"
}

bench_ratio_table() {
	jq -r --arg ref "$2" '
		(.results | map(select(.command == $ref)) | .[0]) as $r |
		.results[] |
		[.command, (.median * 1000 | . * 100 | round / 100 | tostring) + " ms",
		 "+/- " + (.stddev * 1000 | . * 100 | round / 100 | tostring) + " ms",
		 (if $r then (.median / $r.median * 100 | round / 100 | tostring) + "x " + $ref else "-" end)]
		| @tsv' "$1" | column -t -s $'\t'
}
