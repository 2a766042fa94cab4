#!/bin/bash
# seccomp in real containers: the default profile (spec --seccomp-default)
# blocks mount/umount2/unshare(CLONE_NEWUSER)/ptrace/keyctl/bpf/reboot with
# EPERM; errnoRet, argument conditions (two args ANDed, SCMP_CMP_MASKED_EQ),
# KILL_PROCESS as a default action, flags, unknown syscall names skipped,
# unknown actions refused naming the field, /proc/self/status Seccomp
# fields, the trace showing the load with its size after no_new_privs, and
# SCMP_ACT_NOTIFY with a listener that answers the container's syscall.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=h5sc-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r i; do R delete --force "$i"; done <"$TEST_TMP/ids"'

# run_probe FILTER ARGS...: OUT = the probe's stdout, RC = exit status.
run_probe() {
	local filter=$1 b id
	shift
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	id=$ID-${b##*.}
	echo "$id" >>"$TEST_TMP/ids"
	LAST_B=$b LAST_ID=$id
	make_bundle "$b" "$filter" || return 1
	set_args "$b" /usr/bin/glass-probe "$@"
	OUT=$(R run "$id" --bundle "$b" </dev/null 2>"$b.err")
	RC=$?
	ERR=$(cat "$b.err")
}

# The default profile, as `spec --seccomp-default` writes it.
mkdir -p "$TEST_TMP/def"
(cd "$TEST_TMP/def" && "$RUNTIME" spec --seccomp-default) || { not_ok_line "spec --seccomp-default"; finish; exit 1; }
DEF=$(jq -c .linux.seccomp "$TEST_TMP/def/config.json")
is "spec --seccomp-default: defaultAction" "$(jq -r .defaultAction <<<"$DEF")" SCMP_ACT_ERRNO
like "spec --seccomp-default: x86 arches" "$(jq -c .architectures <<<"$DEF")" 'SCMP_ARCH_X86_64.*SCMP_ARCH_X86.*SCMP_ARCH_X32'

# 1. The default profile stops the classic escape syscalls with EPERM.
default_profile() { jq_edit "$1/config.json" '.linux.seccomp = $p' --argjson p "$DEF"; }
run_default() {
	local b id
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	id=$ID-${b##*.}
	echo "$id" >>"$TEST_TMP/ids"
	LAST_B=$b LAST_ID=$id
	make_bundle "$b" "${FILTER:-.}" || return 1
	default_profile "$b"
	set_args "$b" /usr/bin/glass-probe "$@"
	OUT=$(R "${RARGS[@]}" run "$id" --bundle "$b" </dev/null 2>"$b.err")
	RC=$?
	ERR=$(cat "$b.err")
}
RARGS=()
run_default try mount umount2 unshare-user ptrace keyctl bpf reboot
for call in mount umount2 unshare-user ptrace keyctl bpf reboot; do
	is "default profile: $call fails EPERM (seccomp)" \
		"$(jq -r --arg c "$call" '.tries[] | select(.call == $c) | .errname' <<<"$OUT")" EPERM
done
# The same calls without the filter but with the same capabilities fail
# for another reason (or not at all): the errno above is seccomp's.
run_probe '.' try umount2 keyctl
is "without seccomp: umount2 reaches the kernel (EPERM from caps, not EINVAL) or EINVAL" \
	"$(jq -r '.tries[] | select(.call=="umount2") | .errname' <<<"$OUT" | grep -cE 'EPERM|EINVAL')" 1
is "without seccomp: keyctl reaches the kernel (not EPERM)" \
	"$(jq -r '.tries[] | select(.call=="keyctl") | .errname' <<<"$OUT" | grep -c EPERM)" 0

# 2. /proc/self/status: Seccomp 2 (filter), one filter, NoNewPrivs 1.
run_default --only status
is "default profile: Seccomp: 2 in /proc/self/status" "$(jq -r .status.Seccomp <<<"$OUT")" 2
is "default profile: Seccomp_filters: 1" "$(jq -r .status.Seccomp_filters <<<"$OUT")" 1
is "default profile: NoNewPrivs: 1" "$(jq -r .status.NoNewPrivs <<<"$OUT")" 1

# 3. The trace: the filter compiled in the parent, loaded after
#    no_new_privs as phase "security", with its size.
RARGS=(--trace)
run_default exit 0
load=$(grep -n 'seccomp(SECCOMP_SET_MODE_FILTER' <<<"$ERR" | head -1)
nnp=$(grep -n 'PR_SET_NO_NEW_PRIVS' <<<"$ERR" | head -1)
# With noNewPrivileges the sealed exec stub loads it, after the runtime's
# last step (t-seccomp-minimal.sh): the trace says so with the size.
like "trace: seccomp load with the filter size" "$load" 'security.*seccomp\(SECCOMP_SET_MODE_FILTER, 0, \{len=[0-9]+\}\)(\) as its last step before execve| = 0)'
check "trace: the filter is loaded after no_new_privs" $([ -n "$nnp" ] && [ -n "$load" ] && [ "${nnp%%:*}" -lt "${load%%:*}" ]; echo $?)
# compiled by the first create of this profile in this root, taken from
# the runtime's cache (ROOT/.seccomp-cache) by the next ones
like "trace: compile note with BPF instructions" "$ERR" 'seccomp: (compiled|cached): default SCMP_ACT_ERRNO.*[0-9]+ BPF instructions'
# The layers in order: the host binary's guard (exec stub), filter
# compiled (parent), the init non-dumpable, bounding set dropped,
# capability sets, no_new_privs, filter loaded (child).
order=$(grep -nE 'selfexe: the init stays non-dumpable|seccomp: (compiled|cached):|PR_SET_DUMPABLE|PR_CAPBSET_DROP|capset\(|PR_SET_NO_NEW_PRIVS|seccomp\(SECCOMP_SET_MODE_FILTER' <<<"$ERR" |
	sed -E 's/seccomp: cached:/seccomp: compiled:/; s/^([0-9]+):.*(selfexe|seccomp: compiled|PR_SET_DUMPABLE|PR_CAPBSET_DROP|capset|PR_SET_NO_NEW_PRIVS|SECCOMP_SET_MODE_FILTER).*/\2/' | uniq | tr '\n' ' ')
is "trace: the security layers in order" "$order" "selfexe seccomp: compiled PR_SET_DUMPABLE PR_CAPBSET_DROP capset PR_SET_NO_NEW_PRIVS SECCOMP_SET_MODE_FILTER "
like "trace: the capability sets are shown by name" "$ERR" 'capset\(\{_LINUX_CAPABILITY_VERSION_3, 0\}, \{effective=CAP_[A-Z_|]+, permitted=CAP_[A-Z_|]+, inheritable=(0|CAP_[A-Z_|]+)\}\)'
run_default exit 0
like "trace: the next create of the same profile takes it from the cache" "$ERR" 'seccomp: cached: default SCMP_ACT_ERRNO.*[0-9]+ BPF instructions.*libseccomp not called'
RARGS=()

# 4. errnoRet; several conditions on ONE argument are ORed (sethostname
#    with len 5 or 3 fails EOPNOTSUPP = 95); conditions on different
#    arguments are ANDed (kill(1, sig) with sig & 12 == 8 fails EACCES; the
#    same signal to pid 2 passes the filter and meets the kernel: ESRCH).
SC='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
  {"names":["sethostname"],"action":"SCMP_ACT_ERRNO","errnoRet":95,
   "args":[{"index":1,"value":5,"op":"SCMP_CMP_EQ"},{"index":1,"value":3,"op":"SCMP_CMP_EQ"}]},
  {"names":["kill"],"action":"SCMP_ACT_ERRNO","errnoRet":13,
   "args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":1,"value":12,"valueTwo":8,"op":"SCMP_CMP_MASKED_EQ"}]}]}'
run_probe ".linux.seccomp = $SC | .process.capabilities.bounding += [\"CAP_SYS_ADMIN\"] | .process.capabilities.effective += [\"CAP_SYS_ADMIN\"] | .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]" \
	try sethostname abcde sethostname abc sethostname abcdef kill 1 8 kill 2 8 kill 1 0
is "errnoRet 95 on sethostname(\"abcde\", 5)" "$(jq -r '.tries[0].errname' <<<"$OUT")" EOPNOTSUPP
is "same-argument conditions ORed: sethostname(\"abc\", 3) also 95" "$(jq -r '.tries[1].errname' <<<"$OUT")" EOPNOTSUPP
is "sethostname(\"abcdef\", 6) matches neither: succeeds" "$(jq -r '.tries[2].ret' <<<"$OUT")" 0
is "SCMP_CMP_MASKED_EQ AND arg0: kill(1, 8) fails EACCES" "$(jq -r '.tries[3].errname' <<<"$OUT")" EACCES
is "AND: kill(2, 8) passes the filter (ESRCH from the kernel)" "$(jq -r '.tries[4].errname' <<<"$OUT")" ESRCH
is "SCMP_CMP_MASKED_EQ: kill(1, 0) passes" "$(jq -r '.tries[5].ret' <<<"$OUT")" 0

# 5. SCMP_ACT_KILL_PROCESS: the container dies of SIGSYS (exit 128+31).
run_probe '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getppid"],"action":"SCMP_ACT_KILL_PROCESS"}]}' --only pid
is "SCMP_ACT_KILL_PROCESS on getppid: exit status 159 (SIGSYS)" "$RC" 159

# 6. Unknown syscall names are skipped (and said so); flags are accepted.
RARGS=(--trace)
b=$(mktemp -d "$TEST_TMP/b.XXXXXX"); id=$ID-${b##*.}; echo "$id" >>"$TEST_TMP/ids"
make_bundle "$b" '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW"],"syscalls":[{"names":["no_such_call_glass","getcwd"],"action":"SCMP_ACT_ERRNO"}]}'
set_args "$b" /bin/sh -c 'pwd; echo rc=$?'
OUT=$(R --trace run "$id" --bundle "$b" </dev/null 2>"$b.err"); ERR=$(cat "$b.err")
like "unknown syscall name skipped with a warning" "$ERR" 'warning: .*unknown syscall "no_such_call_glass" (skipped|ignored)'
like "flags LOG|SPEC_ALLOW passed to seccomp(2)" "$ERR" 'seccomp\(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG\|SECCOMP_FILTER_FLAG_SPEC_ALLOW'
RARGS=()

# 7. Errors name the field and leave nothing behind.
b=$(mktemp -d "$TEST_TMP/b.XXXXXX"); id=$ID-${b##*.}; echo "$id" >>"$TEST_TMP/ids"
make_bundle "$b" '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getcwd"],"action":"SCMP_ACT_EXPLODE"}]}'
OUT=$(R run "$id" --bundle "$b" </dev/null 2>&1)
like "unknown action: error names linux.seccomp.syscalls[0].action" "$OUT" 'linux\.seccomp\.syscalls\[0\]\.action.*SCMP_ACT_EXPLODE|SCMP_ACT_EXPLODE.*linux\.seccomp\.syscalls\[0\]\.action'
is "unknown action: nothing left behind" "$(leftovers "$id")" ""
b=$(mktemp -d "$TEST_TMP/b.XXXXXX"); id=$ID-${b##*.}; echo "$id" >>"$TEST_TMP/ids"
make_bundle "$b" '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getcwd"],"action":"SCMP_ACT_KILL","errnoRet":1}]}'
OUT=$(R run "$id" --bundle "$b" </dev/null 2>&1)
like "errnoRet on SCMP_ACT_KILL refused naming the field" "$OUT" 'errnoRet.*SCMP_ACT_KILL.*(errno|errnoRet)'

# 8. SCMP_ACT_NOTIFY: the agent at listenerPath receives the state and the
#    notify fd, and answers the container's mkdir with success (without
#    the kernel creating anything); WAIT_KILLABLE_RECV needs no libseccomp
#    support since glass loads the program itself.
if ! command -v python3 >/dev/null; then
	missing "SCMP_ACT_NOTIFY with a listener" "python3 not installed"
else
	sock=$TEST_TMP/agent.sock
	python3 - "$sock" "$TEST_TMP/agent.out" <<'PY' &
import array, fcntl, json, os, socket, struct, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(1); s.settimeout(20)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
fds = array.array("i")
for lvl, typ, data in anc:
    if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - len(data) % 4])
state = json.loads(msg.decode())
RECV, SEND = 0xC0502100, 0xC0182101
req = bytearray(80)
fcntl.ioctl(fds[0], RECV, req)
nid, pid, flags, nr = struct.unpack_from("=QIIi", req)
fcntl.ioctl(fds[0], SEND, bytearray(struct.pack("=QqiI", nid, 0, 0, 0)))
json.dump({"state": state, "nfds": len(fds), "nr": nr}, open(out, "w"))
PY
	agent=$!
	on_exit "kill $agent"
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	b=$(mktemp -d "$TEST_TMP/b.XXXXXX"); id=$ID-${b##*.}; echo "$id" >>"$TEST_TMP/ids"
	make_bundle "$b" '.annotations = {"who":"t-seccomp"} | .linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","listenerMetadata":"meta-42","flags":["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]}'
	jq_edit "$b/config.json" '.linux.seccomp.listenerPath = $s' --arg s "$sock"
	set_args "$b" /bin/sh -c 'mkdir /notified-dir && echo made=$? && test ! -e /notified-dir && echo absent'
	OUT=$(timeout 30 "$RUNTIME" --root "$STATE" run "$id" --bundle "$b" </dev/null 2>"$b.err")
	ERR=$(cat "$b.err")
	for _ in $(seq 20); do [ -s "$TEST_TMP/agent.out" ] && break; sleep 0.1; done
	kill "$agent" 2>/dev/null
	wait "$agent" 2>/dev/null
	A=$(cat "$TEST_TMP/agent.out" 2>/dev/null)
	is "notify: the agent got one fd (seccompFd)" "$(jq -r '.nfds' <<<"$A" 2>/dev/null)" 1
	is "notify: state fds = [seccompFd]" "$(jq -c '.state.fds' <<<"$A" 2>/dev/null)" '["seccompFd"]'
	is "notify: metadata passed" "$(jq -r '.state.metadata' <<<"$A" 2>/dev/null)" meta-42
	is "notify: state.status creating, id" "$(jq -r '.state.state | "\(.status) \(.id)"' <<<"$A" 2>/dev/null)" "creating $id"
	is "notify: annotations in the state" "$(jq -r '.state.state.annotations.who' <<<"$A" 2>/dev/null)" t-seccomp
	is "notify: the agent saw mkdir (nr 83)" "$(jq -r '.nr' <<<"$A" 2>/dev/null)" 83
	like "notify: the container's mkdir got the agent's answer (0) and nothing was created" "$OUT" 'made=0.*absent'
	[ -n "$A" ] || printf '#   runtime stderr: %s\n' "$ERR" | head -5
fi
finish
