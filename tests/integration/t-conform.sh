#!/bin/bash
# What glass-runtime must do with configs written by others than its
# authors (issue 11), each case from a sentence of the runtime spec or from
# what runc and crun do with the same input:
#   HOME from the container's /etc/passwd (run, create+start, exec);
#   lo up in a new network namespace; bind sources opened with the
#   runtime's credentials; a mount on "/" before other mounts; hooks'
#   environment and the poststart/poststop rule; container ids at the
#   edges of runc's rule; kernel.hostname/domainname sysctls; a tmpfs
#   without mode=; read-only remounts that keep nosuid/nodev/noexec;
#   unknown capability names; SCHED_FIFO refused by the cgroup; no /proc
#   mount, no mount namespace.
# docs/conformance.md names these cases.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=conf-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r i; do R delete --force "$i"; done <"$TEST_TMP/ids" >/dev/null 2>&1'
P=/usr/bin/glass-probe

# bundle FILTER: a fresh bundle in $B, its id in $BID.
bundle() {
	B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	BID=$ID-${B##*.}
	echo "$BID" >>"$TEST_TMP/ids"
	make_bundle "$B" "$1"
}
# run_in FILTER ARGS...: OUT, RC, ERR of `run`.
run_in() {
	bundle "$1"
	shift
	set_args "$B" "$@"
	OUT=$(R run "$BID" --bundle "$B" </dev/null 2>"$B.err")
	RC=$?
	ERR=$(cat "$B.err")
}

# ---- HOME (runc/crun: from /etc/passwd of the process's uid, else "/") ----
NOHOME='.process.env = ["PATH=/usr/bin:/bin"]'
run_in "$NOHOME" $P --only env
is "HOME: run, uid 0 without HOME gets /root (the image's passwd)" "$(jq -r .env.HOME <<<"$OUT")" /root
run_in "$NOHOME | .process.user = {uid: 65534, gid: 65534}" $P --only env
is "HOME: run, uid 65534 gets its passwd home" "$(jq -r .env.HOME <<<"$OUT")" /nonexistent
run_in "$NOHOME | .process.user = {uid: 4242, gid: 4242}" $P --only env
is "HOME: run, a uid without a passwd entry gets /" "$(jq -r .env.HOME <<<"$OUT")" /
run_in '.process.env = ["PATH=/bin", "HOME=/srv"]' $P --only env
is "HOME: run, a HOME in process.env is kept" "$(jq -r .env.HOME <<<"$OUT")" /srv
bundle "$NOHOME"
set_args "$B" $P sleep 30
R create "$BID" --bundle "$B" </dev/null >/dev/null 2>&1 && R start "$BID"
pid=$(pid_of "$BID")
is "HOME: create+start, uid 0 without HOME gets /root" "$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep '^HOME=')" HOME=/root
OUT=$(R exec --env PATH=/bin "$BID" $P --only env 2>/dev/null)
is "HOME: exec without HOME gets /root" "$(jq -r .env.HOME <<<"$OUT")" /root
OUT=$(R exec --user 65534:65534 "$BID" $P --only env 2>/dev/null)
is "HOME: exec --user 65534 gets its passwd home" "$(jq -r .env.HOME <<<"$OUT")" /nonexistent
R kill "$BID" KILL >/dev/null 2>&1

# ---- lo up in a new network namespace (runc, crun) ----
run_in '.' $P --only net
is "loopback: lo is up in a new network namespace" "$(jq -r '.net[] | select(.name == "lo") | .up' <<<"$OUT")" true
like "loopback: lo has 127.0.0.1" "$(jq -c '.net[] | select(.name == "lo") | .addrs' <<<"$OUT")" '127\.0\.0\.1/8'

# ---- bind sources opened by the runtime (runc, crun) ----
mkdir -p "$TEST_TMP/locked/in/src"
echo reached >"$TEST_TMP/locked/in/src/f"
chmod 000 "$TEST_TMP/locked"
on_exit "chmod 755 '$TEST_TMP/locked'"
USERNS='.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
run_in "$USERNS | .mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP/locked/in/src\", options: [\"rbind\", \"ro\"]}]" /bin/cat /mnt/f
is "bind source behind a mode-000 directory binds in a user namespace" "$OUT" reached
[ "$RC" = 0 ] || printf '#   %s\n' "$ERR" | head -3
run_in ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP/no-such-src\", options: [\"bind\"]}]" /bin/true
like "a missing bind source: the error names the mount and the source" "$ERR" 'mounts\[[0-9]+\].*no-such-src'

# ---- a mount on "/" does not hide the mounts after it ----
run_in ".mounts = [{destination: \"/\", type: \"bind\", source: \"$ROOTFS\", options: [\"rbind\", \"ro\"]}] + .mounts" $P --only mounts
is "mount on /: run succeeds" "$RC" 0
is "mount on /: /proc (mounted after it) is on top of the new root" "$(jq -r '[.mounts[] | select(.target == "/proc") | .fstype] | join(",")' <<<"$OUT")" proc
is "mount on /: /dev is a tmpfs on the new root" "$(jq -r '[.mounts[] | select(.target == "/dev") | .fstype] | join(",")' <<<"$OUT")" tmpfs

# ---- no /proc in the config (crun runs it; runc 1.1 reopens its fifo
# through /proc/self/fd and fails): the init waits on the exec fifo through
# an fd the runtime opened before clone ----
NOPROC='.mounts |= map(select(.destination != "/proc")) | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
run_in "$NOPROC" $P --only ids,cwd
is "no /proc mount: run succeeds" "$RC" 0
[ "$RC" = 0 ] || printf '#   %s\n' "$ERR" | head -3
is "no /proc mount: run, the process ran" "$(jq -r .cwd <<<"$OUT" 2>/dev/null)" /
bundle "$NOPROC"
set_args "$B" $P --only ids,cwd
R create "$BID" --bundle "$B" </dev/null >"$B.out" 2>"$B.err"
is "no /proc mount: create succeeds" "$?" 0
R start "$BID" 2>>"$B.err"
is "no /proc mount: start succeeds" "$?" 0
wait_status "$BID" stopped 10
is "no /proc mount: create+start, the process ran" "$(jq -r .cwd "$B.out" 2>/dev/null)" /
[ -s "$B.err" ] && sed 's/^/#   /' "$B.err" | head -3
run_in '.linux.namespaces |= map(select(.type != "mount")) | .mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .root.readonly = false' $P --only ids,cwd
is "no mount namespace and no mounts: run succeeds (as crun)" "$RC" 0
is "no mount namespace: the process ran in its root" "$(jq -r .cwd <<<"$OUT" 2>/dev/null)" /
# A created init that died: start says so (runc's words) instead of waiting.
bundle '.'
set_args "$B" /bin/true
R create "$BID" --bundle "$B" </dev/null >/dev/null 2>&1
pid=$(pid_of "$BID")
kill -9 "$pid" 2>/dev/null
wait_gone "$pid" 10
like "start of a created container whose init was killed is refused" "$(R start "$BID" 2>&1)" "cannot start a container that has stopped"

# ---- hooks ----
HK=$TEST_TMP/hooks
mkdir -p "$HK"
envhook() { jq -nc --arg f "$HK/$1" '{path: "/bin/sh", args: ["sh", "-c", "echo \"mark=$GLASS_CONFORM_MARK path=$PATH\" > \($f)"]}'; }
failhook() { jq -nc --arg f "$HK/order" --arg k "$1" '{path: "/bin/sh", args: ["sh", "-c", "echo \($k) >> \($f); exit 3"]}'; }
okhook() { jq -nc --arg f "$HK/order" --arg k "$1" '{path: "/bin/sh", args: ["sh", "-c", "echo \($k) >> \($f)"]}'; }
onlyhook=$(jq -nc --arg f "$HK/createRuntime" '{path: "/bin/sh", args: ["sh", "-c", "echo \"mark=$GLASS_CONFORM_MARK only=$ONLY\" > \($f)"], env: ["ONLY=1"]}')
bundle ".hooks = {prestart: [$(envhook prestart)], createRuntime: [$onlyhook], poststart: [$(failhook ps1), $(okhook ps2)], poststop: [$(failhook pt1), $(okhook pt2)]}"
set_args "$B" /bin/true
OUT=$(GLASS_CONFORM_MARK=m42 R run "$BID" --bundle "$B" </dev/null 2>&1)
RC=$?
is "hooks: run with failing poststart/poststop hooks still exits 0" "$RC" 0
like "hooks: a hook without env inherits the runtime's environment" "$(cat "$HK/prestart" 2>/dev/null)" '^mark=m42 path=.+'
is "hooks: a hook with env gets exactly it" "$(cat "$HK/createRuntime" 2>/dev/null)" "mark= only=1"
is "hooks: after a failing poststart/poststop hook the remaining ones run" "$(tr '\n' ' ' <"$HK/order" 2>/dev/null)" "ps1 ps2 pt1 pt2 "
like "hooks: each poststart/poststop failure is reported as a warning" "$OUT" 'warning: poststart: [^(]*status 3 \(config: hooks\.poststart\[0\]\)'
like "hooks: the poststop failure too" "$OUT" 'warning: poststop: [^(]*status 3 \(config: hooks\.poststop\[0\]\)'

# ---- container ids: runc's rule [A-Za-z0-9_+.-]+, not . or .., <= 1024 ----
bundle '.'
set_args "$B" /bin/true
for id in ".dot-$$" "a+b_c.d-e$$" "_under$$"; do
	echo "$id" >>"$TEST_TMP/ids"
	R run "$id" --bundle "$B" </dev/null >/dev/null 2>"$B.err"
	is "id \"$id\" (valid for runc) runs" "$?" 0
	[ -s "$B.err" ] && sed 's/^/#   /' "$B.err" | head -2
done
for id in "a:b" "a/b" "." ".." "sp ace" "$(printf 'a%.0s' $(seq 1025))"; do
	out=$(R run "$id" --bundle "$B" </dev/null 2>&1)
	like "id \"${id:0:12}\" (invalid for runc) refused" "$out" 'invalid container ID format'
done
long=$(printf 'b%.0s' $(seq 255))
echo "$long" >>"$TEST_TMP/ids"
R run "$long" --bundle "$B" </dev/null >/dev/null 2>&1
is "a 255-byte id (the longest a state directory name can be) runs" "$?" 0

# ---- kernel.hostname / kernel.domainname sysctls (runc's rule) ----
run_in '.hostname = "h" | .linux.sysctl = {"kernel.hostname": "s"}' /bin/true
like "sysctl kernel.hostname with hostname set is refused, naming the field" "$ERR" 'linux\.sysctl\.kernel\.hostname.*conflicts with the field "hostname"'
is "sysctl kernel.hostname conflict: nothing left behind" "$(leftovers "$BID")" ""
run_in '.domainname = "d" | .linux.sysctl = {"kernel.domainname": "s"}' /bin/true
like "sysctl kernel.domainname with domainname set is refused" "$ERR" 'linux\.sysctl\.kernel\.domainname.*conflicts with the field "domainname"'
run_in 'del(.hostname) | .linux.sysctl = {"kernel.hostname": "from-sysctl"}' $P --only uts
is "sysctl kernel.hostname without hostname sets the hostname" "$(jq -r .hostname <<<"$OUT")" from-sysctl

# ---- tmpfs without mode= (runc: the mode of the directory it covers) ----
run_in '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["nosuid"]}]' /bin/stat -c %a /mnt
is "tmpfs without mode= on /mnt (0755) is 755" "$OUT" 755
run_in '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["mode=1770"]}]' /bin/stat -c %a /mnt
is "tmpfs with mode=1770 is 1770" "$OUT" 1770

# ---- read-only remounts keep the flags they found ----
mkdir -p "$TEST_TMP/flagged"
mount -t tmpfs -o nosuid,nodev,noexec,size=64k conform-flagged "$TEST_TMP/flagged" && on_exit "umount -l '$TEST_TMP/flagged'"
mnt_opts() { jq -r --arg t "$1" '[.mounts[] | select(.target == $t) | .options] | last' <<<"$OUT" | tr ',' '\n' | grep -xE 'ro|nosuid|nodev|noexec' | sort | tr '\n' ' '; }
run_in ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP/flagged\", options: [\"bind\", \"ro\"]}]" $P --only mounts
is "bind ro of a nosuid,nodev,noexec source keeps them" "$(mnt_opts /mnt)" "nodev noexec nosuid ro "
run_in ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP/flagged\", options: [\"bind\", \"ro\", \"suid\"]}]" $P --only mounts
is "bind ro,suid of that source clears nosuid on purpose" "$(mnt_opts /mnt)" "nodev noexec ro "
run_in '.linux.readonlyPaths += ["/dev/shm"]' $P --only mounts
is "readonlyPaths keep nosuid,nodev,noexec (/dev/shm)" "$(mnt_opts /dev/shm)" "nodev noexec nosuid ro "
mkdir -p "$TEST_TMP/rootmnt"
mount -t tmpfs -o nosuid,nodev,size=16m conform-root "$TEST_TMP/rootmnt" && on_exit "umount -l '$TEST_TMP/rootmnt'"
cp -a "$ROOTFS/." "$TEST_TMP/rootmnt/"
run_in '.root.readonly = true' $P --only mounts
jq_edit "$B/config.json" '.root.path = $r' --arg r "$TEST_TMP/rootmnt"
OUT=$(R run "$BID-r" --bundle "$B" </dev/null 2>"$B.err")
echo "$BID-r" >>"$TEST_TMP/ids"
is "root.readonly on a nosuid,nodev root keeps them" "$(mnt_opts /)" "nodev nosuid ro "
run_in "$USERNS | .linux.devices = [{path: \"/dev/fuse\", type: \"c\", major: 10, minor: 229}]" $P --only mounts
if [ -c /dev/fuse ]; then
	is "a device bound from the host in a user namespace is nosuid,noexec" "$(mnt_opts /dev/fuse)" "noexec nosuid "
else
	skip "a device bound from the host in a user namespace is nosuid,noexec" "no /dev/fuse on this host"
fi

# ---- unknown capability names: skipped with a warning (runc, crun) ----
bundle '.process.capabilities.bounding += ["CAP_NO_SUCH_CAP"] | .process.capabilities.effective += ["CAP_WAKE_ALARM_TYPO"]'
set_args "$B" /bin/true
R --log "$B.log" --log-format json run "$BID" --bundle "$B" </dev/null >/dev/null 2>&1
is "unknown capability names: the container runs" "$?" 0
like "unknown capability names: a warning names them" "$(cat "$B.log" 2>/dev/null)" 'warn.*unknown capabilities skipped.*bounding\[[0-9]+\] \\"CAP_NO_SUCH_CAP\\".*effective\[[0-9]+\] \\"CAP_WAKE_ALARM_TYPO\\"'

# ---- SCHED_FIFO and the cgroup's real-time budget ----
run_in '.process.scheduler = {policy: "SCHED_FIFO", priority: 10}' /bin/true
if [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
	like "SCHED_FIFO refused by a cgroup without real-time time: the hint names realtimeRuntime" "$ERR" 'hint:.*linux\.resources\.cpu\.realtimeRuntime'
	mkdir -p "/sys/fs/cgroup/cpu/$CG_PARENT"
	echo 20000 >"/sys/fs/cgroup/cpu/$CG_PARENT/cpu.rt_runtime_us"
	run_in '.process.scheduler = {policy: "SCHED_FIFO", priority: 10} | .linux.resources.cpu = {realtimeRuntime: 10000, realtimePeriod: 1000000}' $P --only status
	is "SCHED_FIFO with realtimeRuntime within the parent's budget runs as SCHED_FIFO (1)" "$(jq -r .status.sched_policy <<<"$OUT")" 1
else
	skip "SCHED_FIFO refused by a cgroup without real-time time" "no cpu.rt_runtime_us (no CONFIG_RT_GROUP_SCHED or no v1 cpu controller)"
	skip "SCHED_FIFO with realtimeRuntime" "no cpu.rt_runtime_us"
fi
# ---- invalid values are errors naming the field (config.md, config-linux.md) ----
refused() { # NAME FILTER REGEX
	run_in "$2" /bin/true
	like "$1" "$ERR" "$3"
	[ -z "$(leftovers "$BID")" ] || not_ok_line "$1: nothing left behind"
}
SC='.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO"}]}'
refused "seccomp names [] is refused, naming the field" "$SC | .linux.seccomp.syscalls[0].names = []" 'syscalls\[0\]\.names: must contain at least one'
refused "seccomp args without index is refused" "$SC | .linux.seccomp.syscalls[0].args = [{value: 1, op: \"SCMP_CMP_EQ\"}]" 'args\[0\]\.index: required'
refused "seccomp args without value is refused" "$SC | .linux.seccomp.syscalls[0].args = [{index: 1, op: \"SCMP_CMP_EQ\"}]" 'args\[0\]\.value: required'
refused "seccomp listenerMetadata without listenerPath is refused" "$SC | .linux.seccomp.listenerMetadata = \"m\"" 'listenerMetadata: must not be set without listenerPath'
refused "a mount with uidMappings but no gidMappings is refused" ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP\", options: [\"bind\"], uidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]" 'mounts\[[0-9]+\]'
refused "idmap without mappings and without a user namespace is refused" ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$TEST_TMP\", options: [\"bind\", \"idmap\"]}]" 'mounts\[[0-9]+\]'
# ---- a user namespace without mappings ----
# Rootless (crun's rule): the container's root is the caller; as root
# (runc's rule) refused, since the map would be the host's root.
refused "as root, a new user namespace without maps is refused" '.linux.namespaces += [{type: "user"}]' 'a new user namespace needs both maps'
refused "a user namespace with uidMappings only is refused" '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' 'needs both maps'
finish
