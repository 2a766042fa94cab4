#!/bin/bash
# Crash recovery and the cgroups a container owns (issue 12, items 1, 2,
# 4 and the runtime's part of 9):
#  - a create killed after its cgroup exists is a `creating` container
#    that list and state show, create refuses as existing, delete refuses
#    without --force, and delete --force removes whole (cgroups, state,
#    processes);
#  - a corrupt or truncated state.json is listed with its error, and
#    delete --force still finds the process (init.pid) and the cgroup;
#  - linux.cgroupsPath is one path, never the runtime's internal
#    per-hierarchy list; a cgroup with a process in any hierarchy is
#    refused; delete removes only the cgroups the container made;
#  - errors that name the true cause: a 1 MB env string, 100,000
#    additionalGids, an id of 300 characters, an unknown seccomp syscall.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
need_cmd /usr/bin/python3

ID=rcv-$$
SWEEP=$GLASS_SRC/tests/integration/killsweep.py
B=$TEST_TMP/bundle
make_bundle "$B" '.process.args = ["sleep", "1000"]'
CG=/sys/fs/cgroup/memory/$CG_PARENT

# --- 1. create killed after its cgroup exists
id=$ID-k
on_exit "cleanup_container $id"
# (the open of the files its process joins the cgroup by, before clone:
# a v1 hierarchy's tasks, or the cgroup2 directory)
/usr/bin/python3 "$SWEEP" --kill-at openat:/sys/fs/cgroup "$RUNTIME" "$STATE" "$CG_PARENT" "$B" create "$id"
check "create is killed after its cgroup exists (at the open of what its process joins it by)" $?
ok "the killed create's cgroup exists" test -d "$CG/bundle"
is "state says creating" "$(status "$id")" creating
is "list shows it, creating" "$(R list -f json | jq -r --arg id "$id" '.[] | select(.id == $id) | .status')" creating
fails "create with the same id: the id exists" -m "exists" R create --bundle "$B" "$id"
fails "delete without --force refuses a creating container" -m "creating" R delete "$id"
ok "delete --force removes it" R delete --force "$id"
ok "nothing left after delete --force" nothing_left "$id"
ok "no cgroup left of the killed create" no_cgroups_left

# --- 2. a corrupt state.json
for how in truncated empty; do
	id=$ID-c$how
	on_exit "cleanup_container $id"
	R create --bundle "$B" "$id" </dev/null
	pid=$(pid_of "$id")
	case $how in
	truncated) head -c 20 "$STATE/$id/state.json" >"$TEST_TMP/s" && cat "$TEST_TMP/s" >"$STATE/$id/state.json" ;;
	empty) : >"$STATE/$id/state.json" ;;
	esac
	out=$(R list -f json 2>/dev/null)
	is "$how state.json: list shows the container" "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .id' <<<"$out")" "$id"
	like "$how state.json: list says why" "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .error' <<<"$out")" "state.json: corrupt"
	like "$how state.json: the table lists it too, with the pid of init.pid" "$(R list 2>&1)" "$id +$pid +unknown"
	fails "$how state.json: state fails, naming the file" -m "state.json: corrupt" R state "$id"
	ok "$how state.json: delete --force succeeds" R delete --force "$id"
	ok "$how state.json: the init ($pid) is gone" wait_gone "$pid" 5
	ok "$how state.json: nothing left" nothing_left "$id"
	ok "$how state.json: no cgroup left" no_cgroups_left
done

# --- 4. cgroupsPath is the config's, never the internal list
# mkcg NAME: the cgroup CG_PARENT/NAME in every hierarchy, made by the test.
mkcg() {
	local d
	for d in /sys/fs/cgroup/*/; do
		[ -e "$d/cgroup.procs" ] || continue
		mkdir -p "$d$CG_PARENT/$1"
		# a v1 cpuset cgroup takes no task before it has cpus and mems
		if [ -e "$d$CG_PARENT/cpuset.cpus" ]; then
			cat "${d}cpuset.cpus" >"$d$CG_PARENT/cpuset.cpus"
			cat "${d}cpuset.mems" >"$d$CG_PARENT/cpuset.mems"
			cat "${d}cpuset.cpus" >"$d$CG_PARENT/$1/cpuset.cpus"
			cat "${d}cpuset.mems" >"$d$CG_PARENT/$1/cpuset.mems"
		fi
	done
}
V=$TEST_TMP/victim
make_bundle "$V" '.process.args = ["sleep", "1000"]'
on_exit "cleanup_container $ID-victim"
R create --bundle "$V" "$ID-victim" </dev/null
vpid=$(pid_of "$ID-victim")
# A list in a config: "memory:<victim>;pids:/" must be read as one path.
L=$TEST_TMP/listpath
export LPATH="memory:/$CG_PARENT/victim;pids:/"
make_bundle "$L" '.process.args = ["sleep", "1000"]'
jq_edit "$L/config.json" '.linux.cgroupsPath = $ENV.LPATH'
on_exit "cleanup_container $ID-list"
# (relative: below this test's own cgroup in each hierarchy)
list_dirs() { find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name 'memory:' 2>/dev/null; }
on_exit "list_dirs | while read -r d; do find \"\$d\" -depth -type d -exec rmdir {} \\; ; done"
if R create --bundle "$L" "$ID-list" </dev/null 2>"$TEST_TMP/list.err"; then
	lpid=$(pid_of "$ID-list")
	fails "a cgroupsPath in the internal list syntax does not put the container in another's memory cgroup" \
		grep -qx "$lpid" "$CG/victim/cgroup.procs"
	ok "nor in the root pids cgroup" sh -c "! grep -q '^[0-9]*:pids:/\$' /proc/$lpid/cgroup"
	like "it is one cgroup path, as runc reads it" "$(grep ':memory:' "/proc/$lpid/cgroup")" "/memory:/$CG_PARENT/victim;pids:\$"
	ok "deleting it succeeds" R delete --force "$ID-list"
	ok "the victim's cgroup is still there" test -d "$CG/victim"
	ok "the victim's init still runs" kill -0 "$vpid"
	is "no cgroup named after the list is left" "$(list_dirs)" ""
else
	not_ok_line "a create with cgroupsPath \"$LPATH\" fails: $(head -3 "$TEST_TMP/list.err")"
fi

# A cgroup with a process in one hierarchy only is not free.
mkcg half
sleep 1000 &
spid=$!
on_exit "kill -9 $spid"
echo "$spid" >"$CG/half/cgroup.procs"
H=$TEST_TMP/half
make_bundle "$H" '.process.args = ["sleep", "1000"]'
on_exit "cleanup_container $ID-half"
fails "a cgroup with a process in the memory hierarchy only is refused" -m "already has 1 process.*memory" \
	R create --bundle "$H" "$ID-half"
echo "$spid" >/sys/fs/cgroup/memory/cgroup.procs
kill -9 "$spid"
ok "the refused create left the busy cgroup" test -d "$CG/half"

# A cgroup that existed before the container is joined, not removed.
mkcg pre
P=$TEST_TMP/pre
make_bundle "$P" '.process.args = ["sleep", "1000"]'
on_exit "cleanup_container $ID-pre"
R create --bundle "$P" "$ID-pre" </dev/null
ok "a container joins an existing empty cgroup" grep -qx "$(pid_of "$ID-pre")" "$CG/pre/cgroup.procs"
ok "delete --force" R delete --force "$ID-pre"
ok "delete leaves the cgroup it did not make" test -d "$CG/pre"
R delete --force "$ID-victim"
ok "a container's own cgroup is removed" test ! -d "$CG/victim"
for d in /sys/fs/cgroup/*/"$CG_PARENT"/{pre,half}; do [ -d "$d" ] && rmdir "$d"; done
ok "nothing left under the test's cgroup parent" no_cgroups_left

# --- 9. errors that name the true cause
E=$TEST_TMP/err
make_bundle "$E" '.process.args = ["true"]'
mkdir -p "$TEST_TMP/e1"
/usr/bin/python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["env"].append("BIG=" + "x" * 1048576)
json.dump(c, open(sys.argv[2], "w"))' "$E/config.json" "$TEST_TMP/e1/config.json"
fails "a 1 MB env string: the error names process.env" -m "process\.env\[[0-9]+\]: 1048580 bytes.*MAX_ARG_STRLEN" \
	R run --bundle "$TEST_TMP/e1" "$ID-env"
ok "a 1 MB env string: nothing left" nothing_left "$ID-env"
mkdir -p "$TEST_TMP/e2"
jq '.process.user.additionalGids = [range(100000)]' "$E/config.json" >"$TEST_TMP/e2/config.json"
fails "100,000 additionalGids: the cause is NGROUPS_MAX" -m "additionalGids: 100000 groups.*NGROUPS_MAX" \
	R run --bundle "$TEST_TMP/e2" "$ID-gids"
unlike() { ! grep -qE "$2" <<<"$1"; }
ok "100,000 additionalGids: no user-namespace hint without a user namespace" unlike "$FAIL_OUT" "user namespace"
long=$(printf 'a%.0s' $(seq 300))
fails "an id of 300 characters is refused up front, naming the limit" -m "300 bytes long; at most 255 \(NAME_MAX" \
	R run --bundle "$E" "$long"
ok "an id of 300 characters: no state directory" test -z "$(ls "$STATE" | grep -c aaaa | grep -v '^0$')"
mkdir -p "$TEST_TMP/e3"
jq '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["glass_no_such_call", "swapon"], "action": "SCMP_ACT_ERRNO"}]}' \
	"$E/config.json" >"$TEST_TMP/e3/config.json"
R run --bundle "$TEST_TMP/e3" "$ID-sc" </dev/null >/dev/null 2>"$TEST_TMP/sc.err"
check "an unknown seccomp syscall name does not fail the run" $?
like "an unknown seccomp syscall name is warned about, with its field" "$(cat "$TEST_TMP/sc.err")" \
	'warning.*linux\.seccomp\.syscalls\[0\]\.names\[0\].*unknown syscall "glass_no_such_call"'
ok "nothing left after the errors" nothing_left "$ID-sc"
finish
