# Shared helpers for the integration tests (bash).  Each test script:
#   . "$(dirname "$0")/lib.sh"
#   ok "name" cmd...         runs cmd; ok if it exits 0
#   fails "name" [-m REGEX] cmd...  ok if cmd fails (for the reason REGEX matches)
#   check "name" COND_STATUS  (use: check "name" $?)
#   skip "name" "reason"
#   make_bundle DIR [jq-filter]   a bundle on the built-in image, config from `glass-runtime spec`
#   finish                    prints the plan; exit status 1 when anything failed
# Cleanup: register with `on_exit CMD`; runs in reverse order, also on failure.
set -u
GLASS_BUILD=${GLASS_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
GLASS_SRC=${GLASS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RUNTIME=$GLASS_BUILD/glass-runtime
ENGINE=$GLASS_BUILD/glass
ROOTFS=$GLASS_BUILD/rootfs
PROBE=$GLASS_BUILD/tests/probe/glass-probe
_tap_n=0
_tap_failed=0
_cleanups=()

ok_line() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok_line() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }

# check NAME STATUS: pass when STATUS is 0.
check() {
	if [ "$2" -eq 0 ]; then ok_line "$1"; else not_ok_line "$1"; fi
}
# ok NAME CMD...: pass when CMD exits 0; its output is shown on failure.
ok() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok_line "$name"; else
		not_ok_line "$name"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -40
	fi
}
# fails NAME [-m REGEX] CMD...: the one way to expect a failure.  Pass when
# CMD exits non-zero and, with -m, when its output (stdout and stderr, left
# in $FAIL_OUT for further checks) matches REGEX: the specific reason, so
# that a failure for any other cause does not pass.  CMD runs in this shell
# (a function may set variables).
fails() {
	local name=$1 re='' rc out
	shift
	if [ "${1:-}" = -m ]; then
		re=$2
		shift 2
	fi
	out=$(mktemp "${TEST_TMP:-/tmp}/fails.XXXXXX")
	"$@" >"$out" 2>&1
	rc=$?
	FAIL_OUT=$(cat "$out")
	rm -f "$out"
	if [ "$rc" -eq 0 ]; then
		not_ok_line "$name (unexpectedly succeeded)"
		printf '%s\n' "$FAIL_OUT" | sed 's/^/#   /' | head -20
	elif [ -n "$re" ] && ! [[ $FAIL_OUT =~ $re ]]; then
		not_ok_line "$name (failed, but not for the expected reason)"
		echo "#   got (status $rc): '$(printf '%s' "$FAIL_OUT" | head -c 2000)'"
		echo "#   want match: '$re'"
	else
		ok_line "$name"
	fi
}
# is NAME GOT WANT
is() {
	if [ "$2" == "$3" ]; then ok_line "$1"; else
		not_ok_line "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}
# like NAME GOT REGEX
like() {
	if [[ $2 =~ $3 ]]; then ok_line "$1"; else
		not_ok_line "$1"
		echo "#   got: '$(printf '%s' "$2" | head -c 2000)'"
		echo "#   want match: '$3'"
	fi
}
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }
# missing NAME REASON: a check that cannot run for want of a package fails
# (scripts/install-deps.sh installs every package a test needs).
missing() { not_ok_line "$1: $2 (scripts/install-deps.sh installs it)"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local _cleanup_idx
	for ((_cleanup_idx = ${#_cleanups[@]} - 1; _cleanup_idx >= 0; _cleanup_idx--)); do eval "${_cleanups[$_cleanup_idx]}" >/dev/null 2>&1 || true; done
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

finish() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }
# A missing program is a failure, not a skip: scripts/install-deps.sh
# installs every package the tests use (tests/integration/t-deps.sh).
need_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "not ok 1 - $1 is not installed (${2:-apt-get install $1}; scripts/install-deps.sh installs it)"
	echo "1..1"
	exit 1
}

# netns_add NAME: `ip netns add NAME`, deleted at exit.  The first
# `ip netns add` on a host makes /run/netns a mount point (iproute2 binds it
# onto itself, shared); when this test made that mount, it is undone after
# the namespace is deleted, unless another namespace lives there by then
# (umount then fails with EBUSY and leaves it).
netns_add() {
	if ! mountpoint -q /run/netns 2>/dev/null; then
		[ -d /run/netns ] || on_exit "rmdir /run/netns"
		on_exit "umount /run/netns"
	fi
	ip netns add "$1" || return 1
	on_exit "ip netns delete $1"
}

# The pid names this script's glass-test-PID cgroups, netns and files: the
# run's leftovers check (tests/leftovers.sh) knows them as this run's.
[ -n "${GLASS_TEST_PIDS:-}" ] && echo $$ >>"$GLASS_TEST_PIDS"

# rmdir_if_new DIR...: a directory that does not exist now is removed at
# exit when it is empty by then (the deepest first).  For what the tools a
# test drives make at fixed paths whatever their flags say (containerd's
# shim sockets in /run/containerd/s, podman's /run/containers/networks):
# rmdir never removes what another run is still using.  Call it before
# registering the cleanup that stops the tool.
rmdir_if_new() {
	local d
	for d in "$@"; do [ -e "$d" ] || on_exit "rmdir '$d'"; done
}

# A private runtime root for this test script.
TEST_TMP=$(mktemp -d /tmp/glass-test.XXXXXX)
STATE=$TEST_TMP/state
mkdir -p "$STATE"
on_exit "rm -rf '$TEST_TMP'"
R() { "$RUNTIME" --root "$STATE" "$@"; }

# A cgroup parent this script owns (v1 hierarchies and the cgroup2 mount).
CG_PARENT=glass-test-$$
cg_parent_cleanup() {
	local d
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
on_exit cg_parent_cleanup

# make_bundle DIR [JQ_FILTER]: a bundle whose rootfs is a copy-free bind of
# the built-in image (root.path points at it, read-only), config from spec.
make_bundle() {
	local dir=$1 filter=${2:-.}
	mkdir -p "$dir"
	(cd "$dir" && "$RUNTIME" spec >/dev/null) || return 1
	jq --arg root "$ROOTFS" --arg cg "/$CG_PARENT/$(basename "$dir")" \
		'.root.path = $root | .root.readonly = true | .process.terminal = false | .linux.cgroupsPath = $cg | '"$filter" \
		"$dir/config.json" >"$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}
# probe_json BUNDLE ID [probe args]: runs the probe as the container's process, prints its JSON.
probe_json() {
	local b=$1 id=$2
	shift 2
	jq --argjson a "$(printf '%s\n' /usr/bin/glass-probe "$@" | jq -R . | jq -s .)" '.process.args = $a' \
		"$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
	R run "$id" --bundle "$b" </dev/null
}
# probe_in FILTER [probe args]: the probe's JSON from a fresh container whose
# config is the default spec edited by FILTER (ids from $ID, listed in
# $TEST_TMP/ids for the test's cleanup).
probe_in() {
	local filter=$1 b id
	shift
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	id=$ID-${b##*.}
	echo "$id" >>"$TEST_TMP/ids"
	make_bundle "$b" "$filter" || return 1
	probe_json "$b" "$id" "$@" 2>"$b.err"
	local rc=$?
	[ $rc -eq 0 ] || sed 's/^/#   stderr: /' "$b.err" | head -5 >&2
	return $rc
}
# leftovers ID: prints anything the runtime left for ID (state dir, cgroup, process).
leftovers() {
	local id=$1
	[ -e "$STATE/$id" ] && echo "state dir $STATE/$id"
	find /sys/fs/cgroup -maxdepth 3 -path "*$CG_PARENT*" -name "$id" 2>/dev/null
	true
}
