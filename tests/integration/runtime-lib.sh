# Helpers shared by the glass-runtime integration tests (t-lifecycle,
# t-namespaces, t-hooks, t-console, t-errors, t-trace, t-log).  Source after
# lib.sh:   . "$(dirname "$0")/runtime-lib.sh"
# Every test runs the runtime under its own --root ($STATE) and a cgroup
# parent it owns ($CG_PARENT), so tests never see each other's containers.

need_runtime() {
	need_root
	need_cmd jq
	if [ ! -x "$RUNTIME" ] || [ ! -x "$ROOTFS/usr/bin/glass-probe" ]; then
		not_ok_line "glass-runtime and the built-in image are built ($RUNTIME, $ROOTFS)"
		finish
		exit 1
	fi
}

# jq_edit FILE FILTER [jq args...]: rewrites a JSON file in place.
jq_edit() {
	local f=$1 filter=$2
	shift 2
	jq "$@" "$filter" "$f" >"$f.new" && mv "$f.new" "$f"
}

# set_args BUNDLE ARG...: the container's process.args.
set_args() {
	local b=$1
	shift
	jq_edit "$b/config.json" '.process.args = $a' --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)"
}

# status ID: the container's status ("" when state fails).
status() { R state "$1" 2>/dev/null | jq -r .status 2>/dev/null; }
# pid_of ID: the container's init pid from state.
pid_of() { R state "$1" 2>/dev/null | jq -r .pid 2>/dev/null; }

# wait_status ID STATUS [SECONDS]: polls state until it reports STATUS.
wait_status() {
	local id=$1 want=$2 n=$((${3:-10} * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(status "$id")" = "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_file PATH [SECONDS]
wait_file() {
	local f=$1 n=$((${2:-10} * 10))
	while [ "$n" -gt 0 ]; do
		[ -e "$f" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_gone PID [SECONDS]: the process has exited (a zombie counts as gone:
# a detached init is reparented to this host's PID 1, which may not reap).
wait_gone() {
	local pid=$1 n=$((${2:-10} * 10)) st
	while [ "$n" -gt 0 ]; do
		st=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# host_ns TYPE: inode of this shell's namespace of TYPE (mnt, uts, ...).
host_ns() { stat -L -c %i "/proc/self/ns/$1"; }

# state_valid JSON: validates a state document against the OCI schema
# (python3-jsonschema), falling back to jq checks of the required fields.
STATE_SCHEMA=${GLASS_SPECS:-/work/shared/specs}/runtime-spec/schema/state-schema.json
state_valid() {
	if [ -f "$STATE_SCHEMA" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		printf '%s' "$1" | /usr/bin/python3 -c '
import json, os, sys, jsonschema
path = sys.argv[1]
schema = json.load(open(path))
base = "file://" + os.path.dirname(os.path.abspath(path)) + "/"
resolver = jsonschema.RefResolver(base_uri=base, referrer=schema)
try:
    jsonschema.validate(json.load(sys.stdin), schema, resolver=resolver)
except Exception as e:
    sys.exit("state not valid: %s" % str(e).splitlines()[0])
' "$STATE_SCHEMA"
	else
		printf '%s' "$1" | jq -e '(.ociVersion|type=="string") and (.id|type=="string")
			and (.status|IN("creating","created","running","stopped"))
			and (.bundle|type=="string") and ((.pid // 0)|type=="number")' >/dev/null
	fi
}

# procs_of ID: host pids whose command line or cgroup names container ID
# (what a failed or deleted container must not leave behind).
procs_of() {
	local id=$1 p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] || [ "${p#/proc/}" = "$BASHPID" ] && continue
		if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qw -- "$id" ||
			grep -q -- "$CG_PARENT/$id" "$p/cgroup" 2>/dev/null; then
			local st
			st=$(awk '{ sub(/.*\) /, ""); print $1 }' "$p/stat" 2>/dev/null)
			[ "$st" = Z ] || echo "${p#/proc/}"
		fi
	done
	true
}

# host_mounts: the host mount table's lines that name this test's files.
host_mounts() { grep -E -- "$TEST_TMP|$ROOTFS" /proc/self/mountinfo || true; }

# nothing_left ID: leftovers (state dir, cgroup), processes, mounts of ID.
nothing_left() {
	local id=$1 out
	out=$(
		leftovers "$id"
		procs_of "$id" | sed 's/^/process /'
		host_mounts | grep -- "$id" | sed 's/^/mount /'
	)
	[ -z "$out" ] || {
		echo "# left behind for $id:"
		printf '%s\n' "$out" | sed 's/^/#   /'
		return 1
	}
}

# no_cgroups_left: once a test's containers are all deleted, no cgroup is
# left under its parent (make_bundle names cgroups after the bundle, not the
# id, so nothing_left cannot see them).
no_cgroups_left() {
	local d out=""
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -d "$d" ] && out="$out$(find "$d" -mindepth 1 -type d)"
	done
	[ -z "$out" ] || {
		echo "# cgroups left behind:"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -20
		return 1
	}
}

# cleanup_container ID: registered with on_exit by tests that create one.
cleanup_container() { R delete --force "$1" >/dev/null 2>&1 || true; }

# R, with a deadline: a hung runtime command fails its test instead of
# hanging the suite (bash defers the TERM trap while a child runs).
R() { timeout -k 5 ${R_TIMEOUT:-60} "$RUNTIME" --root "$STATE" "$@"; }
