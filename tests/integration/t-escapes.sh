#!/bin/bash
# The classic runtime escapes, attempted against glass.  Each test runs a
# real container and checks the specific errno and the layer that stopped
# the attempt:
#   CVE-2019-5736   the init is non-dumpable and execs through a sealed stub
#                   (which waits for start), or the runtime runs from a
#                   sealed memfd
#   CVE-2024-21626  no runtime fd leaks into the container; a cwd through
#                   /proc/self/fd, ../ or a symlink stays inside the root
#   2025 mount races a symlinked mount destination lands inside the rootfs;
#                   a masked path that is a symlink cannot redirect the mask
#   kernel surfaces /proc and /sys writes, device nodes, raw sockets, and
#                   mount/umount/unshare/ptrace/keyctl/bpf/reboot under the
#                   default seccomp profile
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
need_cmd python3

ID=h5esc-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r i; do R delete --force "$i"; done <"$TEST_TMP/ids"'

new_id() {
	B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	CID=$ID-${B##*.}
	echo "$CID" >>"$TEST_TMP/ids"
}
# run_in FILTER ARGS...: OUT/ERR/RC of a container running ARGS.
run_in() {
	local filter=$1
	shift
	new_id
	make_bundle "$B" "$filter" || return 1
	set_args "$B" "$@"
	OUT=$(R run "$CID" --bundle "$B" </dev/null 2>"$B.err")
	RC=$?
	ERR=$(cat "$B.err")
}
errname_of() { jq -r --arg c "$1" '[.tries[]? // .] | map(select(.call == $c)) | .[0].errname' <<<"$OUT" 2>/dev/null; }

# A private writable copy of the image, for the attacks that need to plant
# symlinks in the root filesystem.
ROOTCOPY=$TEST_TMP/rootfs
cp -a "$ROOTFS" "$ROOTCOPY"

# ---- CVE-2019-5736: the runtime's /proc/PID/exe --------------------------
SUM0=$(sha256sum "$(readlink -f "$RUNTIME")" | cut -d' ' -f1)
# (1) The default container: the init sets up as a non-dumpable runtime
# instance, then waits for start inside the sealed stub.
new_id
make_bundle "$B" '.'
set_args "$B" /usr/bin/glass-probe sleep 30
if R --trace create "$CID" --bundle "$B" </dev/null >/dev/null 2>"$B.err"; then
	pid=$(pid_of "$CID")
	like "CVE-2019-5736: the default container takes the exec stub" "$(cat "$B.err")" 'sealed [0-9]+-byte stub'
	like "CVE-2019-5736: its init went non-dumpable while it set up" "$(cat "$B.err")" 'prctl\(PR_SET_DUMPABLE, 0'
	like "CVE-2019-5736: the created init is the sealed stub, waiting for start" "$(readlink "/proc/$pid/exe")" '^/memfd:glass-exec'
	is "... named glass-init for ps" "$(cat "/proc/$pid/comm")" glass-init
	# The attacker: a process inside the container (root there), with and
	# without CAP_SYS_PTRACE, reaching for the init's binary.
	OUT=$(R exec "$CID" /usr/bin/glass-probe try open-write /proc/1/exe 2>&1)
	like "CVE-2019-5736: a container process cannot write the created init's /proc/1/exe" "$(errname_of open-write)" 'ETXTBSY|EPERM|EACCES'
	OUT=$(R exec --cap CAP_SYS_PTRACE "$CID" /usr/bin/glass-probe try open-write /proc/1/exe 2>&1)
	like "CVE-2019-5736: ... nor can one with CAP_SYS_PTRACE (it only reaches the sealed stub)" "$(errname_of open-write)" 'ETXTBSY|EPERM'
	R start "$CID" >/dev/null 2>&1
	sleep 0.2
	like "CVE-2019-5736: after start, the init is the process" "$(readlink "/proc/$pid/exe")" 'glass-probe$'
	R delete --force "$CID" >/dev/null 2>&1
else
	not_ok_line "create for the /proc/self/exe test: $(cat "$B.err")"
fi
# (1b) startContainer hooks run in the init before the exec: there the
# init waits for start as a non-dumpable runtime instance.
new_id
make_bundle "$B" '.hooks.startContainer = [{"path": "/bin/true"}]'
set_args "$B" /usr/bin/glass-probe sleep 30
if R create "$CID" --bundle "$B" </dev/null >/dev/null 2>"$B.err"; then
	pid=$(pid_of "$CID")
	OUT=$(R exec "$CID" /usr/bin/glass-probe try open-read /proc/1/exe 2>&1)
	is "CVE-2019-5736: a non-dumpable runtime init: a container process cannot open /proc/1/exe" "$(errname_of open-read)" EACCES
	OUT=$(R exec --cap CAP_SYS_PTRACE "$CID" /usr/bin/glass-probe try open-read /proc/1/exe 2>&1)
	rc=$?
	[ "$rc" != 0 ]
	check "CVE-2019-5736: exec with CAP_SYS_PTRACE into that created container is refused (rc $rc)" $?
	like "CVE-2019-5736: ... naming the capability and the reason" "$OUT" 'CAP_SYS_PTRACE.*(/proc/1/exe|runtime)'
	R start "$CID" >/dev/null 2>&1
	sleep 0.2
	OUT=$(R exec --cap CAP_SYS_PTRACE "$CID" /usr/bin/glass-probe try open-read /proc/1/exe 2>&1)
	is "CVE-2019-5736: once started, CAP_SYS_PTRACE may exec in (it only reaches the probe)" "$(errname_of open-read)" null
	R delete --force "$CID" >/dev/null 2>&1
else
	not_ok_line "create with a startContainer hook: $(cat "$B.err")"
fi
# (2) A container whose process is /proc/self/exe, directly or as a
# script's interpreter, gets the sealed stub, which refuses to run.
new_id
make_bundle "$B" '.'
set_args "$B" /proc/self/exe
out=$(R run "$CID" --bundle "$B" </dev/null 2>&1)
rc=$?
is "CVE-2019-5736: args [/proc/self/exe] runs the sealed stub, which exits 127" "$rc" 127
like "CVE-2019-5736: ... saying what it is" "$out" 'sealed exec stub'
printf '#!/proc/self/exe\n' >"$ROOTCOPY/evil.sh"
chmod 755 "$ROOTCOPY/evil.sh"
new_id
make_bundle "$B" ".root.path = \"$ROOTCOPY\""
set_args "$B" /evil.sh
out=$(R run "$CID" --bundle "$B" </dev/null 2>&1)
rc=$?
is "CVE-2019-5736: a #!/proc/self/exe script gets the stub too (exit 127)" "$rc" 127
is "CVE-2019-5736: the host binary is unchanged" "$(sha256sum "$(readlink -f "$RUNTIME")" | cut -d' ' -f1)" "$SUM0"
# (3) An execve failure after the stub took over still reaches `run`.
printf 'not a program\n' >"$ROOTCOPY/notelf"
chmod 755 "$ROOTCOPY/notelf"
new_id
make_bundle "$B" ".root.path = \"$ROOTCOPY\""
set_args "$B" /notelf
out=$(R run "$CID" --bundle "$B" </dev/null 2>&1)
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 127 ]
check "exec stub: ENOEXEC fails the run (rc $rc)" $?
like "exec stub: ... with the errno and the program" "$out" 'exec /notelf.*execve\("/notelf"\).*(ENOEXEC|Exec format error)'
is "exec stub: ... and leaves no state" "$(R list -q | grep -c "^$CID$")" 0
# (4) A process that may hold CAP_SYS_PTRACE on the host (no user
# namespace) and an init that waits in the runtime (startContainer hooks):
# the stub is not enough, the runtime re-executes from a sealed copy of
# itself.  The attack, from the host side: hold an O_PATH
# fd on /proc/PID/exe while the runtime runs, wait for it to exec the
# container's process, then reopen the fd for writing.
new_id
make_bundle "$B" '.process.capabilities.bounding += ["CAP_SYS_PTRACE"] | .hooks.startContainer = [{"path": "/bin/true"}]'
set_args "$B" /usr/bin/glass-probe sleep 30
if R --trace create "$CID" --bundle "$B" </dev/null >/dev/null 2>"$B.err"; then
	like "CVE-2019-5736: CAP_SYS_PTRACE with startContainer hooks takes the sealed copy" "$(cat "$B.err")" 'CAP_SYS_PTRACE.*re-executing from a sealed copy'
	pid=$(pid_of "$CID")
	exe=$(readlink "/proc/$pid/exe")
	like "CVE-2019-5736: that created init (a runtime instance) runs from a memfd" "$exe" '^/memfd:glass-runtime'
	python3 - "$pid" "$TEST_TMP/exe.ready" >"$TEST_TMP/exe.json" 2>"$TEST_TMP/exe.err" <<'PY' &
import errno, fcntl, json, os, sys, time
pid = sys.argv[1]
fd = os.open(f"/proc/{pid}/exe", os.O_PATH)
seals = fcntl.fcntl(os.open(f"/proc/self/fd/{fd}", os.O_RDONLY), 1034)  # F_GET_SEALS
res = {"seals": seals}
try:
    os.open(f"/proc/{pid}/exe", os.O_WRONLY)
    res["busy"] = "opened"
except OSError as e:
    res["busy"] = errno.errorcode[e.errno]
open(sys.argv[2], "w").close()
# wait for the exec of the container process
for _ in range(100):
    if not os.readlink(f"/proc/{pid}/exe").startswith("/memfd:"):
        break
    time.sleep(0.05)
res["after"] = os.readlink(f"/proc/{pid}/exe")
try:
    w = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY)
    try:
        os.write(w, b"#!/bin/sh\necho pwned\n")
        res["write"] = "written"
    except OSError as e:
        res["write"] = errno.errorcode[e.errno]
except OSError as e:
    res["write"] = "open:" + errno.errorcode[e.errno]
print(json.dumps(res))
PY
	att=$!
	wait_file "$TEST_TMP/exe.ready" 10
	R start "$CID" >/dev/null 2>&1
	wait "$att"
	A=$(cat "$TEST_TMP/exe.json")
	[ -n "$A" ] || sed 's/^/#   attacker: /' "$TEST_TMP/exe.err"
	is "CVE-2019-5736: memfd carries F_SEAL_SEAL|SHRINK|GROW|WRITE" "$(jq -r '.seals' <<<"$A")" 15
	like "CVE-2019-5736: writing the running runtime binary is refused" "$(jq -r '.busy' <<<"$A")" 'ETXTBSY|EPERM'
	is "CVE-2019-5736: after the exec, a write through the held fd fails EPERM (sealed)" "$(jq -r '.write' <<<"$A")" EPERM
	is "CVE-2019-5736: the host binary is still unchanged" "$(sha256sum "$(readlink -f "$RUNTIME")" | cut -d' ' -f1)" "$SUM0"
	R delete --force "$CID" >/dev/null 2>&1
else
	not_ok_line "create for the sealed-copy test: $(cat "$B.err")"
fi
# The verbs that never enter a container skip the copy.
out=$(strace -f -e trace=memfd_create "$RUNTIME" --root "$STATE" list 2>&1 >/dev/null) 2>/dev/null
if command -v strace >/dev/null; then
	is "state/list/spec do not pay for the copy (no memfd_create)" "$(grep -c memfd_create <<<"$out")" 0
else
	skip "state/list/spec do not pay for the copy" "strace not installed"
fi

# ---- CVE-2024-21626: leaked fds and the cwd -------------------------------
exec 7</etc/hostname 8>"$TEST_TMP/leak"
run_in '.' /usr/bin/glass-probe --only fds
exec 7<&- 8>&-
fds=$(jq -r '[.fds[].fd] | map(tostring) | join(",")' <<<"$OUT")
# The probe's own fd listing /proc/self/fd is the one extra entry.
like "CVE-2024-21626: only 0,1,2 (+ the probe's own dir fd) are open in the container" "$fds" '^0,1,2(,[0-9]+)?$'
is "CVE-2024-21626: no fd points at a host file (fd 7/8 of the caller, runtime state)" \
	"$(jq -r '.fds[] | select(.fd > 2) | .target' <<<"$OUT" | grep -vc '^/proc/')" 0
new_id
make_bundle "$B" '.'
set_args "$B" /usr/bin/glass-probe --only fds
exec 3</etc/hostname
OUT=$(R run "$CID" --bundle "$B" --preserve-fds 1 </dev/null 2>"$B.err")
exec 3<&-
is "--preserve-fds 1: fd 3 passes, nothing else" "$(jq -r '[.fds[].fd | select(. <= 3)] | map(tostring) | join(",")' <<<"$OUT")" "0,1,2,3"

for cwd in /proc/self/fd/3 /proc/self/fd/4 /proc/self/fd/5 /proc/self/fd/6 /proc/self/fd/7; do
	run_in ".process.cwd = \"$cwd\"" /usr/bin/glass-probe --only cwd
	if [ "$RC" -ne 0 ]; then
		ok_line "CVE-2024-21626: cwd $cwd refused ($(head -c 120 <<<"$ERR"))"
	else
		c=$(jq -r .cwd <<<"$OUT")
		check "CVE-2024-21626: cwd $cwd stays inside the root (got \"$c\")" \
			$([[ $c == /* ]] && [[ $c != *"$STATE"* ]] && [[ $c != *glass-runtime* ]] && [ -d "$ROOTFS$c" ] || [ "$c" = / ]; echo $?)
	fi
done
run_in '.process.cwd = "/../../../../../../etc"' /usr/bin/glass-probe --only cwd
if [ "$RC" -ne 0 ]; then ok_line "cwd /../../../etc refused"; else
	is "cwd /../../../../../../etc is contained: the container's /etc" "$(jq -r .cwd <<<"$OUT")" /etc
fi
ln -s ../../../../../../../../tmp "$ROOTCOPY/escape-rel"
ln -s /../../../../../../etc "$ROOTCOPY/escape-abs"
touch "$ROOTCOPY/etc/glass-inside-marker"
for link in escape-rel escape-abs; do
	run_in ".root.path = \"$ROOTCOPY\" | .process.cwd = \"/$link\"" /usr/bin/glass-probe ls .
	if [ "$RC" -ne 0 ]; then ok_line "cwd through symlink /$link refused"; else
		# escape-rel resolves to the container's /tmp, escape-abs to its /etc.
		if [ $link = escape-abs ]; then
			like "cwd through symlink /$link stays in the root (sees the container's /etc)" "$OUT" 'glass-inside-marker'
		else
			check "cwd through symlink /$link stays in the root (not the host's /tmp)" \
				$(! grep -q "$(basename "$TEST_TMP")" <<<"$OUT"; echo $?)
		fi
	fi
done

# ---- mount destinations and masked paths through symlinks ---------------
HOSTDIR=$TEST_TMP/host-target
mkdir -p "$HOSTDIR" "$ROOTCOPY$HOSTDIR"
ln -s "$HOSTDIR" "$ROOTCOPY/mnt/evil"
run_in ".root.path = \"$ROOTCOPY\" | .mounts += [{\"destination\": \"/mnt/evil\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\"]}]" \
	/usr/bin/glass-probe --only mounts
is "symlinked mount destination: nothing mounted on the host's $HOSTDIR" "$(grep -c " $HOSTDIR " /proc/self/mountinfo)" 0
like "symlinked mount destination: the tmpfs lands inside the rootfs" \
	"$(jq -r '.mounts[] | select(.fstype == "tmpfs") | .target' <<<"$OUT" | tr '\n' ' ')" "$HOSTDIR|/mnt/evil"

echo "host secret" >"$TEST_TMP/secret"
ln -s "$TEST_TMP/secret" "$ROOTCOPY/masked-link"
run_in ".root.path = \"$ROOTCOPY\" | .linux.maskedPaths += [\"/masked-link\"]" /bin/cat "$TEST_TMP/secret"
is "masked path that is a symlink: the host file is not masked by the container" "$(cat "$TEST_TMP/secret")" "host secret"
is "masked path that is a symlink: no mount appeared on the host file" "$(grep -c " $TEST_TMP/secret " /proc/self/mountinfo)" 0
run_in '.' /usr/bin/glass-probe cat /proc/kcore
like "maskedPaths: /proc/kcore reads nothing (masked)" "$OUT" '"content":""|EACCES|EPERM|ENOENT'

# ---- /proc and /sys writes -----------------------------------------------
run_in '.' /usr/bin/glass-probe try open-write /proc/sys/kernel/hostname open-write /proc/sysrq-trigger open-write /sys/kernel/uevent_helper open-write /proc/sys/kernel/core_pattern
is "/proc/sys write: EROFS (readonlyPaths)" "$(jq -r '.tries[0].errname' <<<"$OUT")" EROFS
if [ -e /proc/sysrq-trigger ]; then
	is "/proc/sysrq-trigger write: EROFS (readonlyPaths)" "$(jq -r '.tries[1].errname' <<<"$OUT")" EROFS
else
	skip "/proc/sysrq-trigger write: EROFS" "this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ off)"
fi
is "/sys write: EROFS (sysfs mounted ro)" "$(jq -r '.tries[2].errname' <<<"$OUT")" EROFS
is "/proc/sys/kernel/core_pattern write: EROFS" "$(jq -r '.tries[3].errname' <<<"$OUT")" EROFS

# ---- devices --------------------------------------------------------------
run_in '.' /usr/bin/glass-probe try open-read /dev/sda open-read /dev/mem mknod /dev/glass-mem
is "no /dev/sda in the container: ENOENT (not in linux.devices)" "$(jq -r '.tries[0].errname' <<<"$OUT")" ENOENT
is "no /dev/mem in the container: ENOENT" "$(jq -r '.tries[1].errname' <<<"$OUT")" ENOENT
is "mknod without CAP_MKNOD: EPERM (capabilities)" "$(jq -r '.tries[2].errname' <<<"$OUT")" EPERM
# With CAP_MKNOD the capability layer allows mknod, and so does the device
# cgroup (runc's default rules allow "m" on every char and block device):
# what it refuses is opening a node of a device outside the rules, /dev/mem
# (c 1:1), while one for /dev/null (c 1:3, a default device) opens.
if [ -d /sys/fs/cgroup/devices ]; then
	run_in '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]' \
		/bin/sh -c 'mknod /dev/glass-null c 1 3 && echo x >/dev/glass-null; echo "null=$?"; mknod /dev/glass-mem c 1 1; echo "mknod-mem=$?"; head -c0 /dev/glass-mem; echo "mem=$?"'
	like "CAP_MKNOD: a node of an allowed device (c 1:3) is made and opened" "$OUT" 'null=0'
	like "CAP_MKNOD: mknod of /dev/mem (c 1:1) is allowed (runc's \"c *:* m\")" "$OUT" 'mknod-mem=0'
	like "CAP_MKNOD: opening /dev/mem (c 1:1) fails (devices cgroup)" "$OUT" 'mem=[1-9]'
	like "the refusal is EPERM" "$ERR" 'glass-mem: Operation not permitted'
else
	skip "/dev/mem via mknod refused by the devices cgroup" "no cgroup v1 devices controller"
fi

# ---- raw sockets ----------------------------------------------------------
run_in '.' /usr/bin/glass-probe try raw-socket
is "raw socket without CAP_NET_RAW: EPERM (capabilities)" "$(jq -r '.errname' <<<"$OUT")" EPERM

# ---- the default seccomp profile as its own layer -------------------------
# CAP_SYS_ADMIN is granted, so the capability layer would let mount and
# unshare through: what stops them is the filter (the default profile for
# the default capabilities).
mkdir -p "$TEST_TMP/def"
(cd "$TEST_TMP/def" && "$RUNTIME" spec --seccomp-default)
DEF=$(jq -c .linux.seccomp "$TEST_TMP/def/config.json")
ADMIN='.process.capabilities.bounding += ["CAP_SYS_ADMIN","CAP_SYS_PTRACE","CAP_SYS_BOOT"] | .process.capabilities.effective += ["CAP_SYS_ADMIN","CAP_SYS_PTRACE","CAP_SYS_BOOT"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN","CAP_SYS_PTRACE","CAP_SYS_BOOT"]'
CALLS=(mount umount2 unshare-user ptrace keyctl bpf reboot)
run_in "$ADMIN" /usr/bin/glass-probe try "${CALLS[@]}"
NOFILTER=$OUT
new_id
make_bundle "$B" "$ADMIN"
jq_edit "$B/config.json" '.linux.seccomp = $p' --argjson p "$DEF"
set_args "$B" /usr/bin/glass-probe try "${CALLS[@]}"
OUT=$(R run "$CID" --bundle "$B" </dev/null 2>"$B.err")
for c in "${CALLS[@]}"; do
	e=$(jq -r --arg c "$c" '.tries[] | select(.call == $c) | .errname' <<<"$OUT")
	n=$(jq -r --arg c "$c" '.tries[] | select(.call == $c) | .errname' <<<"$NOFILTER")
	is "default seccomp profile: $c fails EPERM (seccomp; without the filter: ${n})" "$e" EPERM
done
is "without the filter, CAP_SYS_ADMIN lets mount through (the EPERM above is seccomp's)" \
	"$(jq -r '.tries[] | select(.call == "mount") | .ret' <<<"$NOFILTER")" 0
finish
