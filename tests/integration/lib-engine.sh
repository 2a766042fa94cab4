# Helpers for the engine's container tests (sourced after lib.sh):
#   G ARGS...           glass with this test's GLASS_ROOT and cgroup parent
#   engine_leftovers    prints what is left of containers: record dirs,
#                       runtime state, mounts, cgroups, shims, processes
#   wait_for CMD...     retries CMD for up to 10 s
# Every container a test makes is removed at exit (rm -f of all of them).
export GLASS_ROOT=$TEST_TMP/root
export GLASS_CGROUP_PARENT=/$CG_PARENT
G() { "$ENGINE" "$@"; }
engine_cleanup() {
	local id
	for id in $("$ENGINE" ps -aq --no-trunc 2>/dev/null); do "$ENGINE" rm -f "$id" >/dev/null 2>&1; done
	# a shim the test left (a failed test) is this test's: end it by pid
	for id in $(engine_shim_pids); do kill -9 "$id" 2>/dev/null; done
	grep -o "$GLASS_ROOT[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | xargs -r -n1 umount -l
}
on_exit engine_cleanup
[ -x "$GLASS_BUILD/glass-shim" ] || skip_all "glass-shim not built"

# The pids of glass-shim processes whose state lives under this GLASS_ROOT.
engine_shim_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = glass-shim ] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- "$GLASS_ROOT/" && echo "${p#/proc/}"
	done
	true
}

engine_leftovers() {
	find "$GLASS_ROOT/containers" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}' 2>/dev/null | sed 's/^/container dir /'
	ls "$GLASS_ROOT/runtime" 2>/dev/null | sed 's/^/runtime state /'
	ls "$GLASS_ROOT/names" 2>/dev/null | sed 's/^/name /'
	ls "$GLASS_ROOT/creating" 2>/dev/null | sed "s/^/half-made create /"
	grep -o "$GLASS_ROOT/[^ ]*" /proc/self/mountinfo | sed 's/^/mount /'
	find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path "*/$CG_PARENT/*" -type d 2>/dev/null | sed 's/^/cgroup /'
	engine_shim_pids | sed 's/^/shim pid /'
	true
}

wait_for() {
	local _i
	for _i in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
