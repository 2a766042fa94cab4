#!/bin/bash
# seccomp profiles written by others than glass: a minimal allow-list
# (exactly what busybox `true` and the probe's `sleep` need, plus execve)
# and a profile from before Linux 5.9 (glass's default without the calls
# that came later: close_range, faccessat2, openat2, clone3, ...).  With
# process.noNewPrivileges the filter is the last thing loaded before
# execve, so the runtime's own calls (closing fds, the cwd check, the sync
# socket, waiting for start) never meet it: run, create+start and exec
# work, as they do with crun.  Without noNewPrivileges the filter must go
# in while CAP_SYS_ADMIN is held, before the identity change (runc and
# crun alike): then a failure says why, and a denied getcwd is not taken
# for a cwd outside the root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=scmin-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r i; do R delete --force "$i"; done <"$TEST_TMP/ids"'

# What busybox true (static) and `glass-probe sleep` call after execve
# (strace; the probe reads its ids at start-up), and execve itself:
# nothing of the runtime's.
MIN='{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
 {"names":["execve","exit_group","exit","brk","arch_prctl","set_tid_address",
  "set_robust_list","rseq","prlimit64","readlink","getrandom","mprotect","prctl",
  "getuid","getgid","geteuid","getegid","clock_nanosleep","nanosleep"],"action":"SCMP_ACT_ALLOW"}]}'

# A pre-5.9 profile: the default without the syscalls Linux 5.3+ added.
mkdir -p "$TEST_TMP/def"
(cd "$TEST_TMP/def" && "$RUNTIME" spec --seccomp-default) || { not_ok_line "spec --seccomp-default"; finish; exit 1; }
OLD=$(jq -c '.linux.seccomp | .syscalls |= map(.names -= ["close_range","faccessat2","openat2","clone3","pidfd_open","pidfd_getfd","pidfd_send_signal","epoll_pwait2","process_madvise","mount_setattr","landlock_create_ruleset","landlock_add_rule","landlock_restrict_self","memfd_secret","process_mrelease","futex_waitv","set_mempolicy_home_node","cachestat","fchmodat2","map_shadow_stack","futex_wake","futex_wait","futex_requeue","statmount","listmount","lsm_get_self_attr","lsm_set_self_attr","lsm_list_modules","mseal","setxattrat","getxattrat","listxattrat","removexattrat","open_tree_attr"] | select(.names | length > 0))' "$TEST_TMP/def/config.json")
is "the pre-5.9 profile has no close_range" "$(jq '[.syscalls[].names[]] | index("close_range")' <<<"$OLD")" null

new_bundle() {
	B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	BID=$ID-${B##*.}
	echo "$BID" >>"$TEST_TMP/ids"
	make_bundle "$B" "$1"
}

for prof in MIN OLD; do
	P=${!prof}
	F='.process.noNewPrivileges = true | .linux.seccomp = $p'
	# run: the container's exit status is the program's.
	new_bundle '.'
	jq_edit "$B/config.json" "$F" --argjson p "$P"
	set_args "$B" /bin/true
	R run "$BID" --bundle "$B" </dev/null 2>"$B.err"
	is "$prof profile: run /bin/true exits 0" "$?" 0
	[ -s "$B.err" ] && sed 's/^/#   /' "$B.err" | head -3
	# create + start: the init waits for start outside the filter.
	new_bundle '.'
	jq_edit "$B/config.json" "$F" --argjson p "$P"
	set_args "$B" /usr/bin/glass-probe sleep 30
	R create "$BID" --bundle "$B" </dev/null >/dev/null 2>"$B.err"
	is "$prof profile: create succeeds" "$?" 0
	R start "$BID" 2>>"$B.err"
	is "$prof profile: start succeeds" "$?" 0
	wait_status "$BID" running 5
	is "$prof profile: the container runs" "$(status "$BID")" running
	pid=$(pid_of "$BID")
	is "$prof profile: Seccomp: 2 in the container's init" "$(awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" 2
	# exec into it: the exec'd process gets the same filter, loaded last.
	R exec "$BID" /bin/true </dev/null 2>"$B.xerr"
	is "$prof profile: exec /bin/true exits 0" "$?" 0
	[ -s "$B.xerr" ] && sed 's/^/#   /' "$B.xerr" | head -3
	R kill "$BID" KILL 2>/dev/null
	R delete --force "$BID" 2>/dev/null
done

# The minimal profile denies what the probe tries: the filter is in force.
new_bundle '.process.noNewPrivileges = true'
jq_edit "$B/config.json" '.linux.seccomp = ($p | .syscalls[0].names += ["write","openat","getpid","getppid","getuid","getgid","geteuid","getegid","fstat","newfstatat","close","read","lseek","getdents64","ioctl"])' --argjson p "$MIN"
set_args "$B" /usr/bin/glass-probe try mount
OUT=$(R run "$BID" --bundle "$B" </dev/null 2>"$B.err")
is "minimal profile: mount is denied with the default action (EPERM)" "$(jq -r .errname <<<"$OUT" 2>/dev/null)" EPERM

# Without noNewPrivileges: the filter precedes the identity change, as in
# runc and crun; a profile that denies the runtime's last steps fails
# with a reason, not a bare "exited during setup".
new_bundle '.process.noNewPrivileges = false'
jq_edit "$B/config.json" '.linux.seccomp = $p' --argjson p "$MIN"
set_args "$B" /bin/true
OUT=$(R run "$BID" --bundle "$B" </dev/null 2>&1)
check "noNewPrivileges false + minimal profile: run fails" $([ $? -ne 0 ]; echo $?)
like "noNewPrivileges false: the error explains the early load" "$OUT" 'hint:.*loaded before the identity change.*noNewPrivileges'
is "noNewPrivileges false: nothing left behind" "$(leftovers "$BID")" ""

# A cwd check whose getcwd the filter denies is not a cwd "outside the
# container's root".
new_bundle '.process.noNewPrivileges = false | .process.cwd = "/tmp"'
jq_edit "$B/config.json" '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getcwd"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
set_args "$B" /bin/true
OUT=$(R run "$BID" --bundle "$B" </dev/null 2>&1)
like "denied getcwd: the error names getcwd" "$OUT" 'getcwd\(\).*Operation not permitted'
unlike_outside=$(grep -c "outside the container's root" <<<"$OUT")
is "denied getcwd: not reported as outside the root" "$unlike_outside" 0
finish
