#!/bin/bash
# Privileges a config never granted (issue 20), judged against Debian's runc:
# the same bundle, or the same `exec -p` process, runs under glass-runtime
# and under /usr/sbin/runc, and what the kernel reports is compared:
#   - /proc/self/status (CapInh, CapPrm, CapEff, CapBnd, CapAmb, NoNewPrivs,
#     Uid, Gid) for every capability set absent / present-without-the-list /
#     empty / listed, the CRI "drop ALL" shape ("capabilities": {}), with
#     and without no_new_privs, as root and as uid 1000; under `run`,
#     `create`+`start` and `exec -p`;
#   - uid/gid/additionalGids 4294967295 and out-of-range exec -u/-g: refused
#     by both, and nothing of the container is left behind;
#   - the device cgroup: devices.list (cgroup v1) and what a process with
#     CAP_MKNOD can open from nodes it made (b 7:0, c 1:11, c 1:3, c 1:1),
#     for linux.resources absent, no devices, an empty list, deny-all, a
#     user's deny of a linux.devices node, allow rules without a reset;
#   - exec's LSM labels (process.json apparmorProfile / selinuxLabel,
#     --apparmor, --process-label) on a host without the LSM: refused by
#     both, the process never runs;
#   - the other rows of docs/security.md's table: seccomp, masked and
#     read-only paths, rlimits, umask and groups absent or empty, a global
#     sysctl, a user namespace without maps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

RUNC=/usr/sbin/runc
if [ ! -x "$RUNC" ]; then
	not_ok_line "Debian's runc at $RUNC (scripts/install-deps.sh installs it)"
	finish
	exit 1
fi
RSTATE=$TEST_TMP/runc-state
mkdir -p "$RSTATE"
RR() { timeout -k 5 ${R_TIMEOUT:-60} "$RUNC" --root "$RSTATE" "$@"; }
# The runtime by name: G (glass) or C (runc).
RT() {
	local which=$1
	shift
	if [ "$which" = G ]; then R "$@"; else RR "$@"; fi
}
ID=h20sec-$$
on_exit 'for d in "$STATE"/*/ "$RSTATE"/*/; do [ -d "$d" ] && { R delete -f "$(basename "$d")"; RR delete -f "$(basename "$d")"; }; done'

STATUS=(grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid):' /proc/self/status)
STATUS_JSON=$(printf '%s\n' "${STATUS[@]}" | jq -R . | jq -sc .)
N=0

# bundle_for WHICH NAME FILTER: a bundle per runtime (own cgroup), echoes its dir.
bundle_for() {
	local which=$1 name=$2 filter=$3 b
	b=$TEST_TMP/$name-$which
	make_bundle "$b" "$filter" >/dev/null || return 1
	echo "$b"
}

# run_both NAME FILTER: `run` of the bundle under each runtime; sets OUT_G,
# OUT_C (stdout, then "exit N").
run_both() {
	local name=$1 filter=$2 w b
	for w in G C; do
		N=$((N + 1))
		b=$(bundle_for "$w" "$name" "$filter") || return 1
		local out
		out=$(RT "$w" run --bundle "$b" "$ID-$N" </dev/null 2>"$b.err")
		out="$out
exit $?"
		RT "$w" delete -f "$ID-$N" >/dev/null 2>&1
		eval "OUT_$w=\$out"
	done
}

# create_start_both NAME FILTER: create (stdout to a file), start, wait for
# the process to end; sets OUT_G, OUT_C.
create_start_both() {
	local name=$1 filter=$2 w b id
	for w in G C; do
		N=$((N + 1))
		id=$ID-$N
		b=$(bundle_for "$w" "$name-cs" "$filter") || return 1
		RT "$w" create --bundle "$b" "$id" </dev/null >"$b.out" 2>"$b.err"
		local rc=$?
		if [ $rc -eq 0 ]; then
			RT "$w" start "$id" 2>>"$b.err"
			for _ in $(seq 100); do
				[ "$(RT "$w" state "$id" 2>/dev/null | jq -r .status)" = stopped ] && break
				sleep 0.05
			done
		fi
		RT "$w" delete -f "$id" >/dev/null 2>&1
		eval "OUT_$w=\$(cat \"\$b.out\"; echo \"create exit \$rc\")"
	done
}

# same NAME: OUT_G == OUT_C.
same() {
	if [ "$OUT_G" == "$OUT_C" ]; then ok_line "$1: as runc"; else
		not_ok_line "$1: as runc"
		diff <(printf '%s\n' "$OUT_C") <(printf '%s\n' "$OUT_G") | sed 's/^/#   /' | head -20
		sed 's/^/#   glass stderr: /' "$TEST_TMP"/*-G.err 2>/dev/null | tail -3
	fi
}
field() { printf '%s\n' "$1" | awk -v k="$2:" '$1 == k {print $2; exit}'; }

# ---- capabilities: run and create+start ------------------------------------
CAPS='["CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETPCAP"]'
ALL5="{bounding: $CAPS, effective: $CAPS, permitted: $CAPS, inheritable: $CAPS, ambient: $CAPS}"
ROOTNNP0='.process.user = {uid: 0, gid: 0} | .process.noNewPrivileges = false'
declare -a VARIANTS=(
	"capabilities absent|del(.process.capabilities)"
	"CRI drop ALL: capabilities {}|.process.capabilities = {}"
	"CRI drop ALL with noNewPrivileges|.process.capabilities = {} | .process.noNewPrivileges = true"
	"CRI drop ALL + NET_BIND_SERVICE|.process.capabilities = {bounding: [\"CAP_NET_BIND_SERVICE\"], effective: [\"CAP_NET_BIND_SERVICE\"], permitted: [\"CAP_NET_BIND_SERVICE\"]}"
	"all five sets listed|.process.capabilities = $ALL5"
	"only effective and permitted listed|.process.capabilities = {effective: $CAPS, permitted: $CAPS}"
)
for s in bounding effective permitted inheritable ambient; do
	VARIANTS+=("$s absent|.process.capabilities = $ALL5 | del(.process.capabilities.$s)")
	VARIANTS+=("$s empty|.process.capabilities = $ALL5 | .process.capabilities.$s = []")
done
VARIANTS+=(
	"uid 1000, ambient NET_BIND_SERVICE|.process.user = {uid: 1000, gid: 1000} | .process.capabilities = $ALL5"
	"uid 1000, capabilities absent|.process.user = {uid: 1000, gid: 1000} | del(.process.capabilities)"
	"uid 1000, CRI drop ALL|.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {}"
)
k=0
for v in "${VARIANTS[@]}"; do
	k=$((k + 1))
	name=${v%%|*}
	filter="$ROOTNNP0 | ${v#*|} | .process.args = $STATUS_JSON"
	run_both "caps$k" "$filter"
	same "run, $name"
	case $name in
	"capabilities absent" | "CRI drop ALL"*)
		if [[ $name != *NET_BIND* ]]; then
			is "run, $name: CapBnd is empty" "$(field "$OUT_G" CapBnd)" 0000000000000000
			is "run, $name: CapPrm is empty" "$(field "$OUT_G" CapPrm)" 0000000000000000
		fi
		;;
	"only effective and permitted listed")
		is "run, bounding absent: CapBnd is empty (root regains nothing at execve)" "$(field "$OUT_G" CapBnd)" 0000000000000000
		;;
	"bounding absent")
		# an inheritable set beyond an empty bounding set: capset(2)
		# refuses it (EPERM), under runc as well
		like "run, bounding absent with inheritable listed: refused" "$(tail -1 <<<"$OUT_G")" "exit [1-9]"
		;;
	*) ;;
	esac
	create_start_both "caps$k" "$filter"
	same "create+start, $name"
done

# ---- uid/gid -1 ------------------------------------------------------------
for v in "uid 4294967295|.process.user = {uid: 4294967295, gid: 0}" "gid 4294967295|.process.user = {uid: 1000, gid: 4294967295}" \
	"additionalGids [4294967295]|.process.user = {uid: 1000, gid: 1000, additionalGids: [4294967295]}" \
	"uid 2147483648|.process.user = {uid: 2147483648, gid: 0}"; do
	name=${v%%|*}
	run_both "id-${name//[ \[\]]/}" "${v#*|} | .process.args = [\"sh\", \"-c\", \"echo RAN; id\"]"
	is "process.user.$name: refused by both (glass: $(tail -1 <<<"$OUT_G"), runc: $(tail -1 <<<"$OUT_C"))" \
		"$(grep -c RAN <<<"$OUT_G")$(grep -c RAN <<<"$OUT_C")$(tail -1 <<<"$OUT_G" | grep -c 'exit 0')$(tail -1 <<<"$OUT_C" | grep -c 'exit 0')" 0000
	like "process.user.$name: glass's error names the field" "$(cat "$TEST_TMP/id-${name//[ \[\]]/}-G.err")" "process\.user\.${name%% *}.*out of range \(0\.\.2147483647\)"
	nothing_left "$ID-$((N - 1))"
	check "process.user.$name: glass leaves nothing behind" $?
done

# ---- the device cgroup ------------------------------------------------------
MKNOD='.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
# shellcheck disable=SC2016
TRY='for n in "b 7 0 r" "c 1 11 w" "c 1 3 w" "c 1 1 r"; do set -- $n; f=/dev/t-$1-$2-$3; mknod $f $1 $2 $3 2>/dev/null; m=$?; if [ $4 = r ]; then (: <$f) 2>/dev/null; else (: >$f) 2>/dev/null; fi; echo "$1 $2:$3 mknod=$m open-$4=$?"; done'
KMSG='.linux.devices = [{"path": "/dev/kmsg2", "type": "c", "major": 1, "minor": 11, "fileMode": 8630}]'
declare -a DEVICES=(
	"linux.resources absent|del(.linux.resources)"
	"linux.resources without devices|.linux.resources = {}"
	"linux.resources.devices empty|.linux.resources.devices = []"
	"deny all (runc spec's default)|."
	"a linux.devices node under deny-all|$KMSG"
	"a linux.devices node the user denies|$KMSG | .linux.resources.devices += [{\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": \"rwm\"}]"
	"a user's deny of a default device|.linux.resources.devices += [{\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}]"
	"deny all, then allow c 1:11|.linux.resources.devices += [{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": \"rw\"}]"
	"only an allow rule (no reset)|.linux.resources.devices = [{\"allow\": true, \"type\": \"b\", \"major\": 7, \"minor\": 0, \"access\": \"r\"}]"
	"allow all|.linux.resources.devices = [{\"allow\": true, \"access\": \"rwm\"}]"
)
k=0
for v in "${DEVICES[@]}"; do
	k=$((k + 1))
	name=${v%%|*}
	filter="$MKNOD | ${v#*|} | .process.args = [\"sh\", \"-c\", \$try]"
	filter=${filter//\$try/$(jq -Rn --arg t "$TRY" '$t')}
	run_both "dev$k" "$filter"
	same "devices, $name: mknod and open"
	case $name in
	"linux.resources absent" | "linux.resources.devices empty" | "a linux.devices node under deny-all")
		like "devices, $name: a block device is refused" "$OUT_G" "b 7:0 mknod=0 open-r=1"
		;;
	*) ;;
	esac
	if [ -d /sys/fs/cgroup/devices ]; then
		# devices.list, read on the host after create
		for w in G C; do
			N=$((N + 1))
			b=$(bundle_for "$w" "devl$k" "$filter")
			cg=$(jq -r .linux.cgroupsPath "$b/config.json")
			if RT "$w" create --bundle "$b" "$ID-$N" </dev/null >/dev/null 2>"$b.err"; then
				l=$(sort "/sys/fs/cgroup/devices$cg/devices.list")
			else
				l="create failed: $(cat "$b.err")"
			fi
			RT "$w" delete -f "$ID-$N" >/dev/null 2>&1
			eval "OUT_$w=\$l"
		done
		same "devices, $name: devices.list"
	else
		skip "devices, $name: devices.list" "no cgroup v1 devices controller (cgroup v2: compared through mknod and open)"
	fi
done

# podman's fileMode (the host node's st_mode): the type bits are dropped,
# and --debug says so
b=$(bundle_for G fmode "$KMSG | .process.args = [\"stat\", \"-c\", \"%a %t:%T\", \"/dev/kmsg2\"]")
out=$("$RUNTIME" --root "$STATE" --debug --log "$b.log" run --bundle "$b" "$ID-fmode" </dev/null 2>&1)
is "linux.devices fileMode 8630 (020666): the node is made with mode 666" "$out" "666 1:b"
like "--debug: the dropped file type bits are logged" "$(cat "$b.log")" 'level=debug.*linux.devices\[0\].fileMode 020666: the file type bits 020000 dropped'
R delete -f "$ID-fmode" >/dev/null 2>&1

# ---- the other rows of docs/security.md's table -----------------------------
# shellcheck disable=SC2016
OTHER='grep -E "^(Seccomp|Groups|NoNewPrivs):" /proc/self/status; echo "umask $(umask)"; echo "nofile $(ulimit -n)"; grep -cE " /proc/(kcore|keys) " /proc/self/mountinfo'
declare -a ROWS=(
	"no seccomp, masked paths, rlimits, umask or groups|del(.linux.seccomp) | del(.linux.maskedPaths) | del(.linux.readonlyPaths) | del(.process.rlimits) | del(.process.user.umask) | del(.process.user.additionalGids)"
	"empty maskedPaths, readonlyPaths, rlimits, additionalGids|.linux.maskedPaths = [] | .linux.readonlyPaths = [] | .process.rlimits = [] | .process.user.additionalGids = []"
	"a seccomp profile allowing everything|.linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\"}"
	"a global sysctl (vm.swappiness)|.linux.sysctl = {\"vm.swappiness\": \"61\"}"
	"net.* sysctl without a network namespace|.linux.namespaces |= map(select(.type != \"network\")) | .linux.sysctl = {\"net.ipv4.ip_forward\": \"1\"}"
	"a user namespace without mappings|.linux.namespaces += [{type: \"user\"}]"
)
k=0
for v in "${ROWS[@]}"; do
	k=$((k + 1))
	name=${v%%|*}
	filter="${v#*|} | .process.args = [\"sh\", \"-c\", \$s]"
	filter=${filter//\$s/$(jq -Rn --arg t "$OTHER" '$t')}
	run_both "row$k" "$filter"
	same "$name"
done

# ---- exec -p ----------------------------------------------------------------
# A running container per runtime; the same process.json under each.
exec_base() {
	local name=$1 filter=$2 w b
	for w in G C; do
		b=$(bundle_for "$w" "$name" "$filter | .process.args = [\"sleep\", \"300\"]")
		RT "$w" run -d --bundle "$b" "$ID-$name" </dev/null >/dev/null 2>"$b.err" ||
			not_ok_line "$name: the base container starts under $w: $(cat "$b.err")"
	done
}
# exec_both NAME CONTAINER PROCESS_FILTER [exec flags]: exec -p of the
# container's own process edited by the filter; sets OUT_G, OUT_C.
exec_both() {
	local name=$1 cont=$2 pfilter=$3 w
	shift 3
	for w in G C; do
		local pj=$TEST_TMP/$name-$w.process.json
		jq "$pfilter" "$TEST_TMP/$cont-$w/config.json" | jq '.process' >"$pj"
		local out
		out=$(RT "$w" exec "$@" -p "$pj" "$ID-$cont" </dev/null 2>"$pj.err")
		out="$out
exit $?"
		eval "OUT_$w=\$out"
	done
}
exec_base xroot "$ROOTNNP0 | .process.capabilities = $ALL5"
exec_base xnocaps "$ROOTNNP0 | del(.process.capabilities)"
ST=".process.args = $STATUS_JSON"
declare -a EXECS=(
	"xroot|process capabilities absent: the container's|$ST | del(.process.capabilities)"
	"xroot|CRI drop ALL: capabilities {}|$ST | .process.capabilities = {}"
	"xroot|bounding absent|$ST | del(.process.capabilities.bounding)"
	"xroot|ambient empty|$ST | .process.capabilities.ambient = []"
	"xroot|uid 1000|$ST | .process.user = {uid: 1000, gid: 1000}"
	"xroot|noNewPrivileges|$ST | .process.noNewPrivileges = true"
	"xnocaps|container without capabilities, process without|$ST | del(.process.capabilities)"
	"xnocaps|container without capabilities, process with|$ST | .process.capabilities = $ALL5"
)
k=0
for v in "${EXECS[@]}"; do
	k=$((k + 1))
	IFS='|' read -r cont name pf <<<"$v"
	exec_both "ex$k" "$cont" "$pf"
	same "exec -p, $name"
	if [ "$name" = "CRI drop ALL: capabilities {}" ]; then
		is "exec -p, CRI drop ALL: CapBnd is empty" "$(field "$OUT_G" CapBnd)" 0000000000000000
	fi
done
is "exec -p without capabilities in a container without: CapBnd empty" "$(exec_both exnc xnocaps "$ST | del(.process.capabilities)"; field "$OUT_G" CapBnd)" 0000000000000000

# exec_cmd_both CONTAINER FLAGS...: `exec FLAGS ID sh -c "echo RAN"` (runc
# ignores --user, --apparmor, ... with -p, so the command form); sets
# OUT_G, OUT_C, ERR_G.
exec_cmd_both() {
	local cont=$1 w
	shift
	for w in G C; do
		local out
		out=$(RT "$w" exec "$@" "$ID-$cont" sh -c 'echo RAN' </dev/null 2>"$TEST_TMP/exec-cmd.err")
		out="$out
exit $?"
		eval "OUT_$w=\$out"
		[ $w = G ] && ERR_G=$(cat "$TEST_TMP/exec-cmd.err")
	done
}
# exec's user: -1 and out-of-range ids are refused before anything runs
for flags in "-u 4294967295" "-u 1000:4294967295" "-u -1" "--additional-gids 4294967295" "-u 2147483648"; do
	# shellcheck disable=SC2086
	exec_cmd_both xroot $flags
	is "exec $flags: refused by both, nothing ran (exit 255)" "$OUT_G / $OUT_C" "
exit 255 / 
exit 255"
	like "exec $flags: glass names the flag" "$ERR_G" "--(user|additional-gids) [^ ]+: want"
done
exec_both exu4 xroot '.process.args = ["sh", "-c", "echo RAN"] | .process.user.uid = 4294967295'
is "exec -p with user.uid 4294967295: refused by both" "$(grep -c RAN <<<"$OUT_G$OUT_C") $(tail -1 <<<"$OUT_G") $(tail -1 <<<"$OUT_C")" "0 exit 255 exit 255"
like "exec -p with user.uid 4294967295: glass names the field" "$(cat "$TEST_TMP/exu4-G.process.json.err")" 'user.uid: 4294967295 out of range'

# exec's LSM labels: this host has neither AppArmor nor SELinux (else skip)
if [ -e /sys/module/apparmor/parameters/enabled ] && grep -q Y /sys/module/apparmor/parameters/enabled 2>/dev/null; then
	skip "exec: LSM labels refused on a host without the LSM" "this host has AppArmor"
elif [ -e /sys/fs/selinux/enforce ]; then
	skip "exec: LSM labels refused on a host without the LSM" "this host has SELinux"
else
	RAN='.process.args = ["sh", "-c", "echo RAN"]'
	exec_both exaa xroot "$RAN | .process.apparmorProfile = \"glass-test\""
	is "exec -p with apparmorProfile: refused by both, nothing ran" \
		"$(grep -c RAN <<<"$OUT_G$OUT_C") $(tail -1 <<<"$OUT_G") $(tail -1 <<<"$OUT_C")" "0 exit 255 exit 255"
	like "exec -p with apparmorProfile: glass names the field" "$(cat "$TEST_TMP/exaa-G.process.json.err")" 'AppArmor profile "glass-test" requested but AppArmor is not enabled.*config: process.apparmorProfile'
	exec_both exse xroot "$RAN | .process.selinuxLabel = \"system_u:system_r:container_t:s0\""
	is "exec -p with selinuxLabel: refused by both, nothing ran" \
		"$(grep -c RAN <<<"$OUT_G$OUT_C") $(tail -1 <<<"$OUT_G") $(tail -1 <<<"$OUT_C")" "0 exit 255 exit 255"
	exec_cmd_both xroot --apparmor glass-test
	is "exec --apparmor: refused by both, nothing ran" "$OUT_G / $OUT_C" "
exit 255 / 
exit 255"
	exec_cmd_both xroot --process-label system_u:system_r:container_t:s0
	is "exec --process-label: refused by both, nothing ran" "$OUT_G / $OUT_C" "
exit 255 / 
exit 255"
	# the container's own label applies to exec when the process has none
	# (runc: the same); an explicit ignore is logged, never silent
	b=$(bundle_for G xlsm "$ROOTNNP0 | .process.args = [\"sleep\", \"300\"] | .annotations[\"org.glass.lsm.ignore\"] = \"true\" | .process.apparmorProfile = \"glass-test\"")
	if R run -d --bundle "$b" "$ID-xlsm" </dev/null >/dev/null 2>"$b.err"; then
		jq '.process | .args = ["sh", "-c", "echo RAN"] | del(.apparmorProfile)' "$b/config.json" >"$b.pj"
		out=$("$RUNTIME" --root "$STATE" --log "$b.log" exec -p "$b.pj" "$ID-xlsm" 2>&1)
		is "exec with the container's ignored label (org.glass.lsm.ignore): runs" "$out" RAN
		like "... and the runtime logs the label it ignored" "$(cat "$b.log")" 'level=warning.*process.apparmorProfile.*glass-test.*ignored'
		R delete -f "$ID-xlsm" >/dev/null 2>&1
	else
		not_ok_line "a container with an ignored AppArmor label starts: $(cat "$b.err")"
	fi
fi
for n in xroot xnocaps; do
	R delete -f "$ID-$n" >/dev/null 2>&1
	RR delete -f "$ID-$n" >/dev/null 2>&1
done
no_cgroups_left
check "no cgroup left under the test's parent" $?
finish
