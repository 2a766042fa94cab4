#!/bin/bash
# Browser tests of `glass lab` (TAP): starts the lab from the build on a
# free loopback port and drives Debian's Chromium with playwright-core.
#   tests/web/run.sh            (GLASS_BUILD: the build directory, default build/)
# Skips only without root; fails when a package is missing.  NODE: the
# Node.js to use (default Debian's /usr/bin/node).  Screenshots go to
# tests/artifacts/.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${GLASS_BUILD:-$ROOT/build}
ART=$ROOT/tests/artifacts
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
fail_all() { echo "not ok 1 - $*"; echo "1..1"; exit 1; }
# A skip is only for what this kind of host lacks; a missing package is a
# failure (scripts/install-deps.sh installs chromium, nodejs and npm).
[ "$(id -u)" = 0 ] || skip_all "the lab makes containers: needs root"
[ -x "$CHROMIUM" ] || fail_all "Chromium not installed ($CHROMIUM): run scripts/install-deps.sh"
# Debian's Node.js (18 on Debian 12); NODE= picks another one.
NODE=${NODE:-/usr/bin/node}
[ -x "$NODE" ] || fail_all "Node.js not installed ($NODE): run scripts/install-deps.sh"
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || fail_all "Node.js $major is older than Debian 12's 18"
[ -x "$BUILD/glass" ] || fail_all "$BUILD/glass not built (run make)"
[ -x "$BUILD/rootfs/usr/bin/glass-probe" ] || fail_all "the built-in image $BUILD/rootfs is missing (run make)"

# playwright-core only (it downloads no browser), the version pinned in
# package.json: 1.61 is the last that runs on Node 18, and it drives
# Chromium under the lab's Content-Security-Policy (default-src 'self').
# Installed once here with npm (Debian's npm package, or the one that
# came with another Node.js).
want=$(sed -n 's/.*"playwright-core": "\([^"]*\)".*/\1/p' "$HERE/package.json")
have=$("$NODE" -p 'require("'"$HERE"'/node_modules/playwright-core/package.json").version' 2>/dev/null)
if [ "$have" != "$want" ]; then
	NPM=$(command -v npm) || fail_all "npm not installed: run scripts/install-deps.sh"
	rm -rf "$HERE/node_modules"
	(cd "$HERE" && PATH="$(dirname "$NODE"):$PATH" "$NPM" install --no-audit --no-fund \
		--no-package-lock --loglevel=error) >&2 ||
		fail_all "npm install of playwright-core $want failed (is the npm registry reachable?)"
fi
mkdir -p "$ART"

TMP=$(mktemp -d /tmp/glass-web.XXXXXX)
LAB_PID=
EXITS=()
on_exit() { EXITS+=("$1"); }
cleanup() {
	for ((i = ${#EXITS[@]} - 1; i >= 0; i--)); do eval "${EXITS[i]}" >/dev/null 2>&1; done
	if [ -n "$LAB_PID" ] && kill -0 "$LAB_PID" 2>/dev/null; then
		kill -TERM "$LAB_PID"
		for _ in $(seq 50); do kill -0 "$LAB_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$LAB_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
	# Whatever the lab did not remove (it was killed): this test's cgroups.
	for d in /sys/fs/cgroup/*"$GLASS_LAB_CGROUP" /sys/fs/cgroup"$GLASS_LAB_CGROUP" \
		/sys/fs/cgroup/*/glass-test-web-crash*-$$ /sys/fs/cgroup/glass-test-web-crash*-$$; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The lab's store is this test's own (GLASS_ROOT), with a multi-layer
# image (whiteouts, an opaque directory, hard links; a two-platform index)
# imported as localhost/lab-test:v1 and pushed to Debian's registry on
# loopback, for the overlay and image experiments.
export GLASS_ROOT=$TMP/root
TEST_TMP=$TMP ROOTFS=$BUILD/rootfs
# shellcheck source=../integration/lib-image.sh
. "$ROOT/tests/integration/lib-image.sh"
build_test_layout "$TMP/layout" || fail_all "building the test image layout failed"
"$BUILD/glass" image import --name localhost/lab-test:v1 "$TMP/layout" >"$TMP/import.out" 2>&1 ||
	fail_all "glass image import of the test layout failed: $(tail -1 "$TMP/import.out")"
REG_PORT=$(free_port)
start_registry "$TMP/registry" "$REG_PORT" || fail_all "docker-registry did not start on 127.0.0.1:$REG_PORT"
skopeo copy --all -q --dest-tls-verify=false "oci:$TMP/layout:v1" \
	"docker://127.0.0.1:$REG_PORT/lab/img:v1" || fail_all "skopeo could not push the test image"
export LAB_REGISTRY=127.0.0.1:$REG_PORT

# A page that goes away is noticed after GLASS_LAB_QUIET_SECS (3 s by
# default); keep it so here.
# The lab's cgroups go under a parent this test owns (house rule: glass-test-*).
export GLASS_LAB_CGROUP=/glass-test-web-$$
# A stream alone keeps an experiment 2 minutes; the test of a stream that
# is never read waits for it, so make it short.
GLASS_LAB_STREAM_SECS=8 "$BUILD/glass" lab --listen 127.0.0.1:0 >"$TMP/lab.out" 2>"$TMP/lab.err" &
LAB_PID=$!
for _ in $(seq 100); do grep -q 'http://' "$TMP/lab.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[^ ]*' "$TMP/lab.out" | head -1)
if [ -z "$URL" ]; then
	echo "not ok 1 - glass lab started and printed its URL"
	sed 's/^/#   /' "$TMP/lab.out" "$TMP/lab.err"
	echo "1..1"
	exit 1
fi

export LAB_URL=$URL LAB_PID ART CHROMIUM TAP_COUNT=$TMP/count GLASS_LAB_CGROUP GLASS_BUILD=$BUILD
"$NODE" "$HERE/lab.test.mjs"
rc=$?
n=$(cat "$TMP/count" 2>/dev/null || echo 0)

# Beyond loopback only with --allow-remote.
if timeout 5 "$BUILD/glass" lab --listen 0.0.0.0:0 >"$TMP/remote.out" 2>&1; then
	n=$((n + 1)); echo "not ok $n - glass lab refuses a non-loopback address without --allow-remote"
	rc=1
else
	n=$((n + 1)); echo "ok $n - glass lab refuses a non-loopback address without --allow-remote"
fi
grep -q -- '--allow-remote' "$TMP/remote.out" || { echo "#   $(cat "$TMP/remote.out")"; }

# Stopping the lab removes everything it made.
kill -TERM "$LAB_PID"
for _ in $(seq 100); do kill -0 "$LAB_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$LAB_PID" 2>/dev/null; then
	echo "not ok $((n + 1)) - glass lab stops on SIGTERM"
	rc=1
else
	echo "ok $((n + 1)) - glass lab stops on SIGTERM"
fi
left=$(ls -d /run/glass-lab-"$LAB_PID" /var/tmp/glass-lab-"$LAB_PID" /sys/fs/cgroup/*"$GLASS_LAB_CGROUP" /sys/fs/cgroup"$GLASS_LAB_CGROUP" 2>/dev/null)
# The lab's SysV keys are 0x676c0000 + n ("gl"): 1735131136 and up.
left+=$(awk 'NR > 1 && $1 >= 1735131136 && $1 < 1735196672' /proc/sysvipc/shm /proc/sysvipc/msg)
if [ -z "$left" ]; then
	echo "ok $((n + 2)) - nothing of the lab is left: no state dir, no cgroup, no SysV object"
else
	echo "not ok $((n + 2)) - the lab left things behind"
	printf '#   %s\n' $left
	rc=1
fi
n=$((n + 2))

# A lab that crashes leaves nothing either: its watcher cleans up.  And a
# lab whose watcher died too is cleaned up by the next lab that starts.
crash_lab() { # starts a lab under cgroup $1 with a running cgroups experiment; sets CL_PID CL_URL
	GLASS_LAB_CGROUP=$1 "$BUILD/glass" lab --listen 127.0.0.1:0 >"$TMP/crash.out" 2>&1 &
	CL_PID=$!
	disown "$CL_PID"
	on_exit "kill -KILL $CL_PID"
	for _ in $(seq 100); do grep -q 'http://' "$TMP/crash.out" 2>/dev/null && break; sleep 0.1; done
	CL_URL=$(grep -ao 'http://[^ ]*' "$TMP/crash.out" | head -1)
	local tok=${CL_URL##*token=} port
	port=$(echo "$CL_URL" | sed 's/.*:\([0-9]*\)\/.*/\1/')
	curl -s -H "X-Glass-Token: $tok" -H 'Content-Type: application/json' \
		-d '{"kind":"cgroups","load":"cpu","threads":1,"cpu_pct":10}' "http://127.0.0.1:$port/api/experiments" >/dev/null
	for _ in $(seq 100); do [ -d "/sys/fs/cgroup/pids$1/e1" ] || [ -d "/sys/fs/cgroup$1/e1" ] && break; sleep 0.1; done
}
gone() { # run dir and cgroup parent $2 of lab $1 are gone (waits 15 s)
	for _ in $(seq 150); do
		[ ! -e "/run/glass-lab-$1" ] && [ ! -e "/var/tmp/glass-lab-$1" ] && ! ls -d /sys/fs/cgroup/*"$2" /sys/fs/cgroup"$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
CG1=/glass-test-web-crash1-$$
crash_lab "$CG1"
had=$(ls -d /sys/fs/cgroup/*"$CG1"/e1 /sys/fs/cgroup"$CG1"/e1 2>/dev/null | head -1)
kill -KILL "$CL_PID"
n=$((n + 1))
if [ -n "$had" ] && gone "$CL_PID" "$CG1"; then
	echo "ok $n - a lab killed with SIGKILL mid-experiment: its watcher removed its run directory and cgroups"
else
	echo "not ok $n - a lab killed with SIGKILL left things behind (had: ${had:-no cgroup})"
	ls -d "/run/glass-lab-$CL_PID" /sys/fs/cgroup/*"$CG1" 2>&1 | sed 's/^/#   /'
	rc=1
fi
CG2=/glass-test-web-crash2-$$
crash_lab "$CG2"
first=$CL_PID
watcher=$(cat "/proc/$first/task/$first/children" 2>/dev/null | tr ' ' '\n' |
	while read -r c; do [ -n "$c" ] && grep -qa 'lab' "/proc/$c/cmdline" 2>/dev/null && [ "$(cat "/proc/$c/comm")" = glass-lab-watch ] && echo "$c"; done)
[ -n "$watcher" ] && kill -KILL "$watcher"
kill -KILL "$first"
sleep 1
left_before=$(ls -d "/run/glass-lab-$first" 2>/dev/null)
# The orphaned worker got SIGTERM (its parent died) and deleted its own
# container; the next lab removes the rest.
crash_lab "/glass-test-web-crash3-$$"
n=$((n + 1))
if [ -n "$watcher" ] && [ -n "$left_before" ] && gone "$first" "$CG2"; then
	echo "ok $n - a lab and its watcher both killed: the next lab to start removed what they left"
else
	echo "not ok $n - stale state of a dead lab not removed (watcher ${watcher:-not found}, left: ${left_before:-nothing})"
	rc=1
fi
kill -TERM "$CL_PID"
for _ in $(seq 100); do kill -0 "$CL_PID" 2>/dev/null || break; sleep 0.1; done
n=$((n + 1))
if gone "$CL_PID" "/glass-test-web-crash3-$$"; then
	echo "ok $n - and that lab, stopped, left nothing"
else
	echo "not ok $n - the third lab left things behind"
	rc=1
fi

# docs/lab.md carries the experiment table as the lab prints it.
n=$((n + 1))
want_docs=$("$BUILD/glass" lab --docs)
have_docs=$(sed -n '/<!-- experiments:begin/,/<!-- experiments:end/p' "$ROOT/docs/lab.md" | sed '1d;$d')
if [ "$want_docs" = "$have_docs" ]; then
	echo "ok $n - docs/lab.md's experiment table is what glass lab --docs prints"
else
	echo "not ok $n - docs/lab.md's experiment table differs from glass lab --docs"
	diff <(echo "$want_docs") <(echo "$have_docs") | sed 's/^/#   /'
	rc=1
fi

echo "1..$n"
LAB_PID=
sed 's/^/# lab: /' "$TMP/lab.err" | tail -20
exit $rc
