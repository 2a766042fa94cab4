#!/bin/bash
# The trace and step mode of glass-runtime (docs/trace.md):
#   --trace: the syscall sequence of container creation, in order: clone
#   with CLONE_NEW* flags, mount..., pivot_root, execve, each with args and
#   a result;  --trace-format json: one parseable event per line with the
#   documented fields;  --step-fd: the container advances one operation per
#   "next" line, "continue" runs to the end, "abort" fails cleanly and
#   leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=h8tr-$$
B=$TEST_TMP/bundle
make_bundle "$B"
set_args "$B" /bin/true

# --- text narration
R --trace run --bundle "$B" "$ID-t" </dev/null >/dev/null 2>"$TEST_TMP/trace.txt"
check "--trace run exits 0" $?
T=$TEST_TMP/trace.txt
# first line number matching an extended regex
first() { grep -nE -m1 -- "$1" "$T" | cut -d: -f1; }
l_clone=$(first '(clone3?|unshare)\(.*CLONE_NEW')
l_mount=$(first '[^_]mount\(')
l_pivot=$(first 'pivot_root\(')
l_exec=$(first 'execve?\(')
like "clone (or unshare) with CLONE_NEW* flags is shown" "$l_clone" '^[0-9]+$'
like "mount calls are shown" "$l_mount" '^[0-9]+$'
like "pivot_root is shown" "$l_pivot" '^[0-9]+$'
like "execve is shown" "$l_exec" '^[0-9]+$'
[ -n "$l_clone" ] && [ -n "$l_mount" ] && [ -n "$l_pivot" ] && [ -n "$l_exec" ] &&
	[ "$l_clone" -lt "$l_pivot" ] && [ "$l_mount" -lt "$l_pivot" ] && [ "$l_pivot" -lt "$l_exec" ]
check "in order: clone, mount, pivot_root, execve (lines $l_clone $l_mount $l_pivot $l_exec)" $?
# Every namespace the config asks for, and none it does not, is a flag of
# the clone; the cgroup namespace is unshared later, once the init is in
# its cgroup (so that cgroup becomes the namespace's root).
flag_of() { case $1 in mount) echo NEWNS ;; network) echo NEWNET ;; *) echo "NEW$1" | tr a-z A-Z ;; esac; }
want_flags=$(jq -r '.linux.namespaces[] | select(.path == null and .type != "cgroup") | .type' "$B/config.json" |
	while read -r t; do echo "CLONE_$(flag_of "$t")"; done | sort | tr '\n' ' ')
got_flags=$(sed -n "${l_clone:-1}p" "$T" | grep -oE 'CLONE_NEW[A-Z]+' | sort -u | tr '\n' ' ')
is "clone shows exactly the namespace flags of the config (cgroup aside)" "$got_flags" "$want_flags"
if jq -e '.linux.namespaces[] | select(.type == "cgroup")' "$B/config.json" >/dev/null; then
	like "the cgroup namespace is unshared after the clone" "$(sed -n "${l_clone:-1},\$p" "$T")" 'unshare\(CLONE_NEWCGROUP\) = 0'
fi
like "pivot_root shows its arguments and result" "$(sed -n "${l_pivot:-1}p" "$T")" 'pivot_root\(.+\) = 0'
like "mount of proc shows source, target, type and result" "$(grep -E 'mount\(.*"proc"' "$T" | head -1)" '"proc".*/proc.*= 0'
like "execve shows the program" "$(sed -n "${l_exec:-1}p" "$T")" '/bin/true'
like "a step names the config field that caused it" "$(cat "$T")" '<- (mounts|linux|process|hostname|root)'
ok "nothing left after the traced run" nothing_left "$ID-t"

# --- levels: steps (the default) folds runs and ends with a summary; all
# shows every call; constants by name, NULL unquoted, colors on request
like "steps: the bounding-set drops fold into one line" "$(cat "$T")" 'PR_CAPBSET_DROP ×[0-9]+ \(CAP_CHOWN … CAP_'
is "steps: no one-line-per-capability drops" "$(grep -c 'prctl(PR_CAPBSET_DROP' "$T")" 0
like "steps: the cgroup hierarchies' mounts fold into one line" "$(cat "$T")" 'mount ×[0-9]+ under /sys/fs/cgroup: .*cgroup v1 hierarchies|mount ×[0-9]+ under /sys/fs/cgroup: .*cgroup2'
is "steps: bookkeeping (openat2, mkdirat) is left out" "$(grep -cE ' (openat2|mkdirat)\(' "$T")" 0
like "the summary names the namespaces made" "$(grep '^glass: namespaces' "$T")" 'new: mnt, uts, ipc, pid, net'
like "the summary names the capabilities kept" "$(grep '^glass: capabilities' "$T")" 'CAP_KILL.*bounding set: [0-9]+ dropped'
like "the summary gives the time of each phase" "$(grep '^glass: time' "$T")" 'namespaces [0-9.]+ ms.*rootfs [0-9.]+ ms'
like "the summary names the root" "$(grep '^glass: root' "$T")" "$ROOTFS.* via pivot_root"
R --trace=all --color=never run --bundle "$B" "$ID-a1" </dev/null >/dev/null 2>"$TEST_TMP/all.txt"
check "--trace=all run exits 0" $?
A=$TEST_TMP/all.txt
ok "all: one line per capability dropped" test "$(grep -c 'prctl(PR_CAPBSET_DROP, CAP_' "$A")" -gt 10
ok "all: the openat2 calls are shown" grep -q 'openat2(' "$A"
like "flags by name: open and resolve flags" "$(grep -m1 'openat2(' "$A")" '\{flags=O_[A-Z_|]+, resolve=RESOLVE_[A-Z_|]+\}'
is "no flags as raw hex in the trace" "$(grep -cE '(flags=|, )0x[0-9a-f]{3,}' "$A")" 0
is "NULL is unquoted" "$(grep -c '"NULL"' "$A")" 0
like "AT_FDCWD by name" "$(cat "$A")" 'AT_FDCWD, "'
is "--color=never: no escape sequences" "$(grep -c $'\033' "$A")" 0
R --trace --color=always run --bundle "$B" "$ID-c1" </dev/null >/dev/null 2>"$TEST_TMP/color.txt"
like "--color=always: each phase in color" "$(cat "$TEST_TMP/color.txt")" $'\033\\[36m\\[namespaces\\]'
fails "--color=sometimes is refused" "$RUNTIME" --root "$STATE" --color=sometimes list
fails "--trace=verbose is refused" "$RUNTIME" --root "$STATE" --trace=verbose list
ok "nothing left after the --trace=all and colored runs" nothing_left "$ID-a1"

# --- JSON lines
R --trace --trace-format json run --bundle "$B" "$ID-j" </dev/null >/dev/null 2>"$TEST_TMP/trace.jsonl"
check "--trace-format json run exits 0" $?
J=$TEST_TMP/trace.jsonl
grep '^{' "$J" >"$J.events"
ok "every event line parses as JSON" jq -e . "$J.events"
n=$(wc -l <"$J.events")
like "there are events ($n)" "$n" '^[1-9][0-9]+$'
is "every event has type, seq, pid, phase, call, args, field, ts_ns" \
	"$(jq -c '[has("type"), has("seq"), has("pid"), has("phase"), has("call"), has("args"), has("field"), has("ts_ns")] | all' "$J.events" | sort -u)" true
is "every end event has result, errno, dur_ns" \
	"$(jq -c 'select(.type == "end") | [has("result"), has("errno"), has("dur_ns")] | all' "$J.events" | sort -u)" true
is "seq increases one by one" "$(jq -s '[.[] | select(.seq) | .seq] | . == ([range(.[0]; .[0] + length)])' "$J.events")" true
is "types are begin, end, note (and pause in step mode)" "$(jq -r .type "$J.events" | sort -u | grep -vxE 'begin|end|note|pause')" ""
ok "events come from the child too (more than one pid)" test "$(jq -r .pid "$J.events" | sort -u | wc -l)" -gt 1
calls=$(jq -r 'select(.type != "begin") | .call + "(" + .args' "$J.events" | tr '\n' ' ')
like "the JSON sequence runs clone .. mount .. pivot_root .. execve" "$calls" '(clone3?|unshare)\(.*[^_]mount\(.*pivot_root\(.*execve?\('
like "the phases include namespaces and rootfs" "$(jq -r .phase "$J.events" | sort -u | tr '\n' ' ')" 'namespaces.*rootfs|rootfs.*namespaces'
# Probing the mount targets that the image lacks fails ENOENT on every run.
nfail=$(jq -c 'select(.type == "end" and .errno != 0)' "$J.events" | wc -l)
like "some calls failed (ENOENT probes of absent mount targets: $nfail)" "$nfail" '^[1-9][0-9]*$'
is "a failed call's end event names its errno: ENOENT" \
	"$(jq -r 'select(.type == "end" and .errno == 2) | .errname' "$J.events" | sort -u)" ENOENT
is "every failed call carries errname" "$(jq -c 'select(.type == "end" and .errno != 0) | has("errname")' "$J.events" | sort -u)" true
ok "nothing left after the JSON-traced run" nothing_left "$ID-j"

# --- step mode driven from a program through --step-fd
# start_stepped ID: runs the container paused on the first step; control
# writes go to fd 5, events to $S.
start_stepped() {
	local id=$1
	S=$TEST_TMP/$id.jsonl
	rm -f "$TEST_TMP/$id.ctl"
	mkfifo "$TEST_TMP/$id.ctl"
	"$RUNTIME" --root "$STATE" --trace-format json --trace-fd 3 --step-fd 4 run --bundle "$B" "$id" \
		3>"$S" 4<"$TEST_TMP/$id.ctl" </dev/null >/dev/null 2>"$TEST_TMP/$id.err" &
	STEP_PID=$!
	exec 5>"$TEST_TMP/$id.ctl"
	on_exit "kill -9 $STEP_PID"
}
pauses() { grep -c '"type":"pause"' "$S" 2>/dev/null; }
ends() { grep -c '"type":"end"' "$S" 2>/dev/null; }
# wait_pauses N: until N pause events were printed (5 s at most)
wait_pauses() {
	local i
	for i in $(seq 50); do
		[ "$(pauses)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

start_stepped "$ID-s"
ok "step mode pauses before the first operation" wait_pauses 1
e0=$(ends)
sleep 0.5
is "while paused nothing runs" "$(ends)" "$e0"
good=0
for i in 1 2 3 4 5; do
	e=$(ends) p=$(pauses)
	echo next >&5
	wait_pauses $((p + 1)) || good=1
	sleep 0.2
	[ "$(pauses)" -eq $((p + 1)) ] && [ "$(ends)" -eq $((e + 1)) ] || {
		good=1
		echo "# step $i: pauses $p -> $(pauses), ends $e -> $(ends)"
	}
done
check "each \"next\" runs exactly one operation (5 steps)" $good
echo continue >&5
exec 5>&-
wait "$STEP_PID"
check "\"continue\" runs the container to the end (exit 0)" $?
ok "the stepped trace is JSON lines" jq -e . "$S"
ok "nothing left after the stepped run" nothing_left "$ID-s"

start_stepped "$ID-a"
wait_pauses 1
for i in 1 2 3; do
	p=$(pauses)
	echo next >&5
	wait_pauses $((p + 1))
done
echo abort >&5
exec 5>&-
timeout 10 tail --pid="$STEP_PID" -f /dev/null
fails "\"abort\" fails the run" wait "$STEP_PID"
like "the abort is reported" "$(cat "$TEST_TMP/$ID-a.err")" "abort|cancel|Cancel"
ok "nothing left after the aborted run" nothing_left "$ID-a"

# --- --step on a terminal: the prompt and the answers use /dev/tty, not stdin
if command -v script >/dev/null; then
	out=$( (sleep 1; printf '\n\n\n'; sleep 0.5; printf 'c\n'; sleep 3) |
		timeout 30 script -qec "$RUNTIME --root $STATE --step run --bundle $B $ID-tty </dev/null" /dev/null 2>&1)
	like "--step prompts on the terminal before an operation" "$out" 'glass: next: .*\('
	is "--step: three Enters and \"c\" run the container to the end" "$(grep -o 'glass: next:' <<<"$out" | wc -l)" 4
	ok "nothing left after the --step run" nothing_left "$ID-tty"
else
	missing "--step on a terminal" "script not installed (apt-get install bsdutils)"
fi

# abort deep in the child (after the namespaces exist), then nothing left
start_stepped "$ID-d"
wait_pauses 1
n=0
last_pause() { jq -r 'select(.type == "pause") | .call' "$S" 2>/dev/null | tail -1; }
while [ $n -lt 200 ] && [ "$(last_pause)" != pivot_root ]; do
	p=$(pauses)
	echo next >&5
	wait_pauses $((p + 1)) || break
	n=$((n + 1))
done
[ "$(last_pause)" = pivot_root ]
check "stepping reaches pivot_root in the child" $?
echo abort >&5
exec 5>&-
timeout 10 tail --pid="$STEP_PID" -f /dev/null
fails "\"abort\" at pivot_root fails the run" wait "$STEP_PID"
ok "nothing left after an abort inside the container's child" nothing_left "$ID-d"
ok "no cgroup left under this test's parent" no_cgroups_left
finish
