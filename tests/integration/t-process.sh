#!/bin/bash
# The container's process, seen by the probe: user (uid, gid,
# additionalGids, umask), rlimits (also in /proc/self/limits), the five
# capability sets in /proc/self/status, NoNewPrivs, cwd, oomScoreAdj,
# scheduler, ioPriority, execCPUAffinity, personality, memoryPolicy; and
# the errors: an rlimit above the host's hard limit, lowering
# oom_score_adj, a cwd that is not a directory, a program not in $PATH;
# signal dispositions and mask reset whatever the caller had; HOME.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=h3proc-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r h3id; do R delete --force "$h3id"; done <"$TEST_TMP/ids"'

# fails_with FILTER: runs `true` in a container that must fail; sets OUT
# to the runtime's output and LAST_ID to the container's id.
fails_with() {
	local filter=$1 b
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	LAST_ID=$ID-${b##*.}
	echo "$LAST_ID" >>"$TEST_TMP/ids"
	make_bundle "$b" "$filter" || return 1
	jq_edit "$b/config.json" '.process.args = ["true"]'
	if OUT=$(R run "$LAST_ID" --bundle "$b" </dev/null 2>&1); then
		OUT="UNEXPECTED SUCCESS: $OUT"
	fi
}
# capmask NAME...: the hex mask /proc/self/status shows for these caps.
declare -A CAPNUM=([CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7
	[CAP_NET_BIND_SERVICE]=10 [CAP_NET_RAW]=13 [CAP_SYS_ADMIN]=21 [CAP_AUDIT_WRITE]=29)
capmask() {
	local m=0 c
	for c in "$@"; do m=$((m | (1 << ${CAPNUM[$c]}))); done
	printf '%016x' "$m"
}

# --- user: uid, gid, additionalGids, umask
out=$(probe_in '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 2000], umask: 23}' --only ids,umask)
check "a container running as uid 1000 runs" $?
is "uid and euid" "$(jq -r '"\(.uid) \(.euid)"' <<<"$out")" "1000 1000"
is "gid and egid" "$(jq -r '"\(.gid) \(.egid)"' <<<"$out")" "1001 1001"
is "additionalGids are the supplementary groups" "$(jq -c '.groups | sort' <<<"$out")" "[5,2000]"
is "umask 23 (0027)" "$(jq -r .umask <<<"$out")" 0027
out=$(probe_in '.process.user = {uid: 0, gid: 0}' --only ids,umask)
is "without additionalGids root has no supplementary groups" "$(jq -c .groups <<<"$out")" "[]"
is "without umask: 0022 (runc's default)" "$(jq -r .umask <<<"$out")" 0022

# --- rlimits
out=$(probe_in '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 1024},
	{type: "RLIMIT_NPROC", soft: 100, hard: 200}, {type: "RLIMIT_CORE", soft: 0, hard: 0}]' --only rlimits)
check "a container with three rlimits runs" $?
is "RLIMIT_NOFILE 512/1024" "$(jq -c '.rlimits.RLIMIT_NOFILE' <<<"$out")" '{"soft":512,"hard":1024}'
is "RLIMIT_NPROC 100/200" "$(jq -c '.rlimits.RLIMIT_NPROC' <<<"$out")" '{"soft":100,"hard":200}'
is "RLIMIT_CORE 0/0" "$(jq -c '.rlimits.RLIMIT_CORE' <<<"$out")" '{"soft":0,"hard":0}'
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 321, hard: 654}] |
	.process.args = ["sh", "-c", "grep \"Max open files\" /proc/self/limits"]'
echo "$ID-limits" >>"$TEST_TMP/ids"
out=$(R run "$ID-limits" --bundle "$b" </dev/null 2>&1)
like "/proc/self/limits shows them" "$out" 'Max open files +321 +654 +files'
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ]; then
	fails_with ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: 1024, hard: $((hard + 1000))}]"
	out=$OUT
	like "an rlimit above the host's hard limit fails, naming process.rlimits[0]" "$out" 'process\.rlimits\[0\]'
	like "... with a hint on the hard limit and CAP_SYS_RESOURCE" "$out" "current one \($hard\).*CAP_SYS_RESOURCE"
	nothing_left "$LAST_ID"
	check "... and leaves nothing behind" $?
else
	skip "an rlimit above the host's hard limit fails" "the hard nofile limit is unlimited here"
fi

# --- capabilities: all five sets
caps='["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
out=$(probe_in ".process.user = {uid: 0, gid: 0} | .process.capabilities = {bounding: $caps, effective: $caps,
	permitted: $caps, inheritable: [], ambient: []}" --only status)
want=$(capmask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE)
is "root: CapBnd is the bounding set" "$(jq -r .status.CapBnd <<<"$out")" "$want"
is "root: CapEff is the effective set" "$(jq -r .status.CapEff <<<"$out")" "$want"
is "root: CapPrm is the permitted set" "$(jq -r .status.CapPrm <<<"$out")" "$want"
is "root: CapInh is empty" "$(jq -r .status.CapInh <<<"$out")" 0000000000000000
is "root: CapAmb is empty" "$(jq -r .status.CapAmb <<<"$out")" 0000000000000000
out=$(probe_in '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {
	bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
	effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"], permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
	inheritable: ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"], ambient: ["CAP_NET_BIND_SERVICE"]}' --only status)
check "uid 1000 with an ambient capability runs" $?
is "uid 1000: CapBnd is the bounding set" "$(jq -r .status.CapBnd <<<"$out")" "$(capmask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW)"
is "uid 1000: CapInh is the inheritable set" "$(jq -r .status.CapInh <<<"$out")" "$(capmask CAP_NET_BIND_SERVICE CAP_NET_RAW)"
is "uid 1000: CapAmb is the ambient set" "$(jq -r .status.CapAmb <<<"$out")" "$(capmask CAP_NET_BIND_SERVICE)"
# execve of a file without capabilities by a non-root user: permitted and
# effective become the ambient set (capabilities(7)).
is "uid 1000: after execve CapPrm = CapEff = ambient" "$(jq -r '"\(.status.CapPrm) \(.status.CapEff)"' <<<"$out")" \
	"$(capmask CAP_NET_BIND_SERVICE) $(capmask CAP_NET_BIND_SERVICE)"
is "the probe names the ambient capability" "$(jq -c .caps.ambient <<<"$out")" '["CAP_NET_BIND_SERVICE"]'

# --- no_new_privs
out=$(probe_in '.process.noNewPrivileges = true' --only status)
is "noNewPrivileges true: NoNewPrivs 1" "$(jq -r .status.NoNewPrivs <<<"$out")" 1
out=$(probe_in '.process.noNewPrivileges = false' --only status)
is "noNewPrivileges false: NoNewPrivs 0" "$(jq -r .status.NoNewPrivs <<<"$out")" 0

# --- cwd
out=$(probe_in '.process.cwd = "/tmp"' --only cwd)
is "cwd /tmp" "$(jq -r .cwd <<<"$out")" /tmp
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.process.cwd = "/work/here" | .root.path = "rootfs"' && cp -a "$ROOTFS" "$b/rootfs"
echo "$ID-cwd" >>"$TEST_TMP/ids"
out=$(probe_json "$b" "$ID-cwd" --only cwd)
is "a missing cwd is created (as runc does)" "$(jq -r .cwd <<<"$out")" /work/here
fails_with '.process.cwd = "/etc/passwd"'
out=$OUT
like "a cwd that is a file is refused, naming process.cwd" "$out" 'process\.cwd: "/etc/passwd" is not a directory'
nothing_left "$LAST_ID"
check "... and leaves nothing behind" $?
fails_with '.process.cwd = "/proc/self/fd/3"'
out=$OUT
like "a cwd through a /proc magic link (CVE-2024-21626) is refused" "$out" 'Too many levels of symbolic links.*process\.cwd.*hint: .*magic link'
out=$(probe_in '.process.user = {uid: 1000, gid: 1000} | .process.cwd = "/root"' --only cwd,ids 2>&1)
if [ "$(stat -c %a "$ROOTFS/root")" = 700 ]; then
	like "a cwd the user may not enter is refused" "$out" 'process\.cwd'
else
	is "uid 1000 in /root" "$(jq -r .cwd <<<"$out" 2>/dev/null)" /root
fi

# --- program lookup
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.process.args = ["no-such-program"]'
echo "$ID-nx" >>"$TEST_TMP/ids"
out=$(R run "$ID-nx" --bundle "$b" </dev/null 2>&1)
like "a program not in PATH: runc's message" "$out" 'exec: "no-such-program": executable file not found in \$PATH'
nothing_left "$ID-nx"
check "... and leaves nothing behind" $?
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.process.env = ["PATH=/nonexistent:/usr/bin"] | .process.args = ["glass-probe", "--only", "argv"]'
echo "$ID-path" >>"$TEST_TMP/ids"
out=$(R run "$ID-path" --bundle "$b" </dev/null 2>&1)
is "args[0] is looked up in the container's PATH" "$(jq -c .argv <<<"$out" 2>/dev/null)" '["glass-probe","--only","argv"]'

# --- oomScoreAdj
out=$(probe_in '.process.oomScoreAdj = 500' --only status)
is "oomScoreAdj 500" "$(jq -r .status.oom_score_adj <<<"$out")" 500
fails_with '.process.oomScoreAdj = -500'
out=$OUT
like "lowering oomScoreAdj without CAP_SYS_RESOURCE fails with a hint" "$out" 'oomScoreAdj.*CAP_SYS_RESOURCE|CAP_SYS_RESOURCE.*oomScoreAdj'
nothing_left "$LAST_ID"
check "... and leaves nothing behind" $?

# --- scheduler, ioPriority, execCPUAffinity
out=$(probe_in '.process.scheduler = {policy: "SCHED_BATCH", nice: 5} |
	.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}' --only status)
check "a container with scheduler and ioPriority runs" $?
is "scheduler SCHED_BATCH (3)" "$(jq -r .status.sched_policy <<<"$out")" 3
is "scheduler nice 5" "$(jq -r .status.nice <<<"$out")" 5
is "ioPriority IOPRIO_CLASS_BE (2) level 6" "$(jq -c .status.ioprio <<<"$out")" '{"class":2,"level":6}'
if [ "$(nproc)" -ge 2 ]; then
	out=$(probe_in '.process.execCPUAffinity = {initial: "1"}' --only status)
	is "execCPUAffinity.initial 1" "$(jq -r .status.Cpus_allowed_list <<<"$out")" 1
else
	skip "execCPUAffinity.initial" "one CPU only"
fi
fails_with '.process.scheduler = {policy: "SCHED_FIFO", priority: 0}'
out=$OUT
like "SCHED_FIFO with priority 0 fails, naming process.scheduler" "$out" 'process\.scheduler'

# --- signals: a caller that ignores some (conmon: SIGPIPE) or blocks some
# (run forwards them) passes neither to the container's init or to an
# exec'd process: ignored dispositions and the blocked mask survive execve.
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.process.args = ["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]'
echo "$ID-sig" >>"$TEST_TMP/ids"
NOSIG="SigBlk: 0000000000000000 SigIgn: 0000000000000000"
out=$(trap '' PIPE INT HUP; R run "$ID-sig" --bundle "$b" </dev/null 2>&1)
is "run from a caller ignoring SIGPIPE, SIGINT, SIGHUP: nothing ignored or blocked" "$(echo $out)" "$NOSIG"
jq_edit "$b/config.json" '.process.args = ["sleep", "60"]'
echo "$ID-sig2" >>"$TEST_TMP/ids"
(trap '' PIPE INT HUP; R run -d "$ID-sig2" --bundle "$b" </dev/null >/dev/null 2>&1)
is "... the init of run -d as well" "$(echo $(grep -E '^Sig(Blk|Ign)' "/proc/$(pid_of "$ID-sig2")/status"))" "$NOSIG"
out=$(trap '' PIPE INT HUP; R exec "$ID-sig2" grep -E '^Sig(Ign|Blk)' /proc/self/status </dev/null 2>&1)
is "... and an exec'd process" "$(echo $out)" "$NOSIG"
R delete -f "$ID-sig2" >/dev/null 2>&1

# --- HOME: from the container's /etc/passwd, "/" for a uid it lacks (runc)
b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
make_bundle "$b" '.process.env = ["PATH=/bin:/usr/bin"] | .process.args = ["sh", "-c", "echo $HOME"]'
for u in "0 /root" "1 /usr/sbin" "1000 /"; do
	jq_edit "$b/config.json" ".process.user.uid = ${u% *}"
	echo "$ID-home${u% *}" >>"$TEST_TMP/ids"
	is "no HOME in process.env, uid ${u% *}: HOME=${u#* }" "$(R run "$ID-home${u% *}" --bundle "$b" </dev/null 2>&1)" "${u#* }"
done
jq_edit "$b/config.json" '.process.env += ["HOME=/srv"]'
echo "$ID-homeset" >>"$TEST_TMP/ids"
is "a HOME in process.env is kept" "$(R run "$ID-homeset" --bundle "$b" </dev/null 2>&1)" /srv

# --- personality and memoryPolicy (linux.*): applied by
# glass_process_prepare_linux(), which the runtime's child must call.
if ! grep -qs glass_process_prepare_linux "$GLASS_SRC"/src/lib/container-*.c; then
	for t in "personality LINUX32" "memoryPolicy MPOL_BIND" "memoryPolicy on a missing node"; do
		skip "$t" "the runtime does not call glass_process_prepare_linux() yet (src/lib/container-child.c)"
	done
	finish
	exit
fi
out=$(probe_in '.linux.personality = {domain: "LINUX32"}' --only status 2>&1)
is "personality LINUX32 (PER_LINUX32 = 8)" "$(jq -r .status.personality <<<"$out" 2>/dev/null)" 8
nodes=$(cat /sys/devices/system/node/online 2>/dev/null)
if [ -n "$nodes" ]; then
	n0=${nodes%%[-,]*}
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	make_bundle "$b" ".linux.memoryPolicy = {mode: \"MPOL_BIND\", nodes: \"$n0\"} |
		.process.args = [\"sh\", \"-c\", \"head -1 /proc/self/numa_maps\"]"
	echo "$ID-numa" >>"$TEST_TMP/ids"
	out=$(R run "$ID-numa" --bundle "$b" </dev/null 2>&1)
	like "memoryPolicy MPOL_BIND on node $n0 (numa_maps shows bind:$n0)" "$out" " bind:$n0 "
	fails_with '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "63"}'
	out=$OUT
	like "memoryPolicy on a node the host lacks: a clear error" "$out" 'linux\.memoryPolicy\.nodes: NUMA node 63 does not exist'
	nothing_left "$LAST_ID"
	check "... and leaves nothing behind" $?
else
	skip "memoryPolicy" "no NUMA information in /sys/devices/system/node"
fi

finish
