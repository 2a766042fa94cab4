#!/bin/bash
# The kill -9 sweep (issue 12, item 3): glass-runtime is driven through
# --step-fd and killed with SIGKILL at every traced step of create, run
# and exec in turn, on the default bundle and on one with a user
# namespace; after each kill, `delete --force` must leave no state
# directory, cgroup, process, host mount, memfd or keyring
# (tests/integration/killsweep.py does the driving and the looking).
#   KILLSWEEP_BUNDLES="default userns" (the default; empty: none) chooses the bundles;
#   KILLSWEEP_VERBS="create run exec" (the default) the verbs; the
#   sanitizer lane sweeps create on the default bundle only.
# Then the engine (items 3 and 8; KILLSWEEP_ENGINE=0 leaves it out): `glass
# run --rm` is killed with SIGKILL (strace's fault injection) on entering
# each of its calls that change the host, then at intervals
# (KILLSWEEP_ENGINE_DELAYS, seconds); after each kill the next engine
# command (`ps -a`) leaves no half-made create, and at the end `glass
# system prune` (once the shims of the started ones are gone) leaves no
# container directory, runtime state, name, create lock, mount, cgroup or
# shim.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
need_cmd /usr/bin/python3
need_cmd strace

SWEEP=$GLASS_SRC/tests/integration/killsweep.py
USERNS='.linux.namespaces += [{"type":"user"}]
 | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
 | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
FIGURES=${GLASS_KILLSWEEP_FIGURES:-}

for kind in ${KILLSWEEP_BUNDLES-default userns}; do
	case $kind in
	default) filter=. ;;
	userns) filter=$USERNS ;;
	*)
		not_ok_line "unknown bundle kind $kind"
		continue
		;;
	esac
	# run's process ends by itself; create's and exec's container stays.
	make_bundle "$TEST_TMP/$kind-run" "$filter | .process.args = [\"true\"]"
	make_bundle "$TEST_TMP/$kind-stay" "$filter | .process.args = [\"sleep\", \"1000\"]"
	for verb in ${KILLSWEEP_VERBS:-create run exec}; do
		b=$TEST_TMP/$kind-stay
		[ "$verb" = run ] && b=$TEST_TMP/$kind-run
		out=$(/usr/bin/python3 "$SWEEP" "$RUNTIME" "$STATE" "$CG_PARENT" "$b" "$verb" "ks$kind" 2>&1)
		rc=$?
		grep '^#' <<<"$out" | head -20
		[ -n "$FIGURES" ] && grep '^{' <<<"$out" | jq -c --arg b "$kind" '. + {bundle: $b}' >>"$FIGURES"
		check "$kind bundle: $verb killed at each traced step, delete --force leaves nothing" $rc
	done
done
# The processes holding a flock on file $1 (/proc/locks), with their
# command lines.
lock_holders() {
	local ino pid
	ino=$(stat -c %i "$1" 2>/dev/null) || return 0
	for pid in $(awk -v i=":$ino" '$2 == "FLOCK" && index($6, i) && substr($6, length($6) - length(i) + 1) == i { print $5 }' /proc/locks); do
		printf '%s[%s] ' "$pid" "$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-120)"
	done
}

# A container directory without record.json, or a name or create lock
# whose container has no directory: what a killed create left.
half_made() {
	local d n
	for d in "$GLASS_ROOT"/containers/*/; do
		[ -d "$d" ] && [ ! -e "$d/record.json" ] && echo "no record: $(basename "$d")"
	done
	for n in "$GLASS_ROOT"/names/*; do
		[ -L "$n" ] && [ ! -d "$GLASS_ROOT/containers/$(readlink "$n")" ] && echo "name: ${n##*/}"
	done
	for n in "$GLASS_ROOT"/creating/*; do
		[ -e "$n" ] && echo "create lock: ${n##*/} (held by: $(lock_holders "$n"))"
	done
	true
}

no_shims() { [ -z "$(engine_shim_pids)" ]; }

# Kills `glass run --rm busybox true` as told ("strace SYSCALL K": by
# strace, on entering its K-th SYSCALL; "sleep S": S seconds in), then runs
# the next engine command (ps -a); counts in n_half the kills that left a
# half-made create, in $bad what the next command did not clear.
kill_run() {
	local how=$1 a=$2 b=${3:-} rpid
	if [ "$how" = strace ]; then
		strace -qq -o /dev/null -e trace="$a" -e inject="$a:signal=SIGKILL:when=$b" \
			"$ENGINE" run --rm busybox true >/dev/null 2>&1
	else
		"$ENGINE" run --rm busybox true >/dev/null 2>&1 &
		rpid=$!
		sleep "$a"
		kill -9 "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
	fi
	[ -n "$(half_made)" ] && n_half=$((n_half + 1))
	G ps -a >/dev/null 2>&1 # the next engine command
	left=$(half_made)
	[ -n "$left" ] && bad="$bad killed at $how $a $b: $left;"
	n_kills=$((n_kills + 1))
}

# The engine's own calls that change the host (directories, files made and
# renamed into place, mounts, locks, the shim's fork), each counted once
# on an undisturbed run.
ENGINE_SYSCALLS=${KILLSWEEP_ENGINE_SYSCALLS:-mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,symlink,symlinkat,mount,umount2,clone,clone3,fsync,flock}

engine_sweep() {
	local s k count n_half=0 n_kills=0 bad="" left
	out=$(G run --rm busybox true 2>&1) || {
		skip "glass run --rm killed at each of its calls" "glass run does not work here: $out"
		return
	}
	strace -qq -c -o "$TEST_TMP/calls" -e trace="$ENGINE_SYSCALLS" "$ENGINE" run --rm busybox true >/dev/null 2>&1
	for s in ${ENGINE_SYSCALLS//,/ }; do
		count=$(awk -v s="$s" '$NF == s { print $4 }' "$TEST_TMP/calls")
		for k in $(seq 1 "${count:-0}"); do kill_run strace "$s" "$k"; done
	done
	for k in $ENGINE_DELAYS; do kill_run sleep "$k"; done
	echo "# engine sweep: $n_kills kills of glass run --rm, $n_half left a half-made create, $(G ps -aq | wc -l) a container"
	check "the sweep killed create halfway (a directory without its record) at least once" \
		"$([ "$n_half" -gt 0 ]; echo $?)"
	is "glass run --rm killed at each call and at intervals: the next command leaves no half-made create" "$bad" ""
	# the started ones end (true) and their shims remove them (--rm)
	wait_for no_shims
	G system prune -f >/dev/null 2>&1
	is "then glass system prune leaves nothing" "$(engine_leftovers)" ""
}

ENGINE_DELAYS=${KILLSWEEP_ENGINE_DELAYS-0.05 0.1 0.2 0.4 0.8}
if [ "${KILLSWEEP_ENGINE:-1}" = 0 ]; then
	:
elif [ ! -x "$GLASS_BUILD/glass-shim" ]; then
	skip "glass run --rm killed at each of its calls" "glass-shim not built"
else
	. "$(dirname "$0")/lib-engine.sh"
	engine_sweep
fi
ok "no cgroup left under the test's parent" no_cgroups_left
finish
