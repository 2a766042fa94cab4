#!/bin/bash
# podman drives glass-runtime (podman --runtime PATH), with its own
# storage, state and a glass-test-* cgroup parent, on an image imported
# from the built-in busybox rootfs (no network).  Checks run --rm, exit
# codes, run -d + exec + stop + rm, -it with a terminal, --memory (and an
# OOM kill under it), --pids-limit, --cpus, --read-only, --cap-drop/--cap-add,
# reading every limit back from the container's cgroup on the host.
# Then issue 21's cases, each the same podman command with glass-runtime
# and with Debian's runc (/usr/sbin/runc), compared: --privileged and the
# host's devices, signal dispositions (conmon ignores SIGPIPE), a directory
# or a noexec program as the command, tmpcopyup (--tmpfs, --mount
# type=tmpfs, --read-only, podman cp into a created container), HOME for a
# uid without a passwd entry, a relative volume destination.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd podman
need_cmd conmon "apt-get install conmon"
need_cmd jq
need_cmd script "apt-get install bsdutils"
[ -x "$RUNTIME" ] || skip_all "no $RUNTIME (build first)"
[ -d "$ROOTFS/bin" ] || skip_all "no built-in image at $ROOTFS (make rootfs)"

PD=$TEST_TMP/podman
mkdir -p "$PD"
IMG=localhost/glass-busybox:test
P() {
	podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp" \
		--cgroup-manager cgroupfs --events-backend file --storage-driver overlay \
		--runtime "$RUNTIME" "$@"
}
# podman 4.3 lowers its own nproc limit and this machine lacks
# CAP_SYS_RESOURCE and has a hard nofile of 20000: set both explicitly.
A=(--network none --cgroup-parent "/$CG_PARENT" --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

# podman puts conmon under libpod_parent/ (cgroupfs): remove it afterwards
# unless it existed before this test.
# podman runs the runtime with --root /run/glass-runtime (its default for the name)
rmdir_if_new /run/glass-runtime /run/runc /run/containers /run/containers/networks
# and keeps its compiled seccomp filters there (the runtime's cache): what
# this test adds goes (all of it when the cache is new; a changed default
# profile adds entries to one that was there)
CACHE=/run/glass-runtime/.seccomp-cache
cache_before=$(ls -A "$CACHE" 2>/dev/null)
cache_existed=$([ -e "$CACHE" ] && echo y)
drop_new_cache_entries() {
	local f
	if [ -z "$cache_existed" ]; then
		rm -rf "$CACHE"
		return
	fi
	for f in $(ls -A "$CACHE" 2>/dev/null); do
		grep -qxF "$f" <<<"$cache_before" || rm -f "${CACHE:?}/$f"
	done
}
on_exit drop_new_cache_entries
lp_existed=$(ls -d /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent 2>/dev/null | head -1)
podman_cleanup() {
	P rm -af -t 0 >/dev/null 2>&1
	P rmi -af >/dev/null 2>&1
	# unmount what podman left mounted below our temporary directory
	awk -v d="$PD" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
	if [ -z "$lp_existed" ]; then
		for d in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	fi
}
on_exit podman_cleanup

tar -C "$ROOTFS" -cf "$TEST_TMP/rootfs.tar" .
ok "podman import of the built-in rootfs" P import "$TEST_TMP/rootfs.tar" "$IMG"

out=$(P run --rm "${A[@]}" "$IMG" echo hello 2>&1)
is "run --rm echo" "$out" hello
P run --rm "${A[@]}" "$IMG" sh -c 'exit 3' >/dev/null 2>&1
is "run --rm: the exit code passes through" "$?" 3
out=$(P run --rm "${A[@]}" "$IMG" cat /proc/1/cmdline 2>&1 | tr '\0' ' ')
is "the container's pid 1 is its process" "$out" "cat /proc/1/cmdline "

# run -d + exec + stop + rm
cid=$(P run -d "${A[@]}" --memory 64m --pids-limit 20 --cpus 0.5 "$IMG" sleep 300 2>&1)
if [[ $cid =~ ^[0-9a-f]{64}$ ]]; then
	ok_line "run -d"
	is "exec in the running container" "$(P exec "$cid" echo in-exec 2>&1)" in-exec
	P exec "$cid" sh -c 'exit 5' >/dev/null 2>&1
	is "exec: the exit code passes through" "$?" 5
	pid=$(P inspect --format '{{.State.Pid}}' "$cid")
	mem=$(awk -F: '$2 == "memory" || $2 == "" {print $3; exit}' "/proc/$pid/cgroup")
	like "the container's cgroup is below the parent we gave" "$mem" "^/$CG_PARENT/"
	if [ -d /sys/fs/cgroup/memory ]; then
		is "--memory 64m: memory.limit_in_bytes" "$(cat "/sys/fs/cgroup/memory$mem/memory.limit_in_bytes")" 67108864
		is "--pids-limit 20: pids.max" "$(cat "/sys/fs/cgroup/pids$mem/pids.max")" 20
		is "--cpus 0.5: cfs quota/period" "$(cat "/sys/fs/cgroup/cpu$mem/cpu.cfs_quota_us") $(cat "/sys/fs/cgroup/cpu$mem/cpu.cfs_period_us")" "50000 100000"
	else
		is "--memory 64m: memory.max" "$(cat "/sys/fs/cgroup$mem/memory.max")" 67108864
		is "--pids-limit 20: pids.max" "$(cat "/sys/fs/cgroup$mem/pids.max")" 20
		is "--cpus 0.5: cpu.max" "$(cat "/sys/fs/cgroup$mem/cpu.max")" "50000 100000"
	fi
	like "podman ps shows it running" "$(P ps --format '{{.ID}} {{.Status}}')" "^${cid:0:12} Up"
	like "podman top (runtime ps)" "$(P top "$cid" 2>&1)" "sleep 300"
	ok "podman pause" P pause "$cid"
	is "paused" "$(P inspect --format '{{.State.Status}}' "$cid")" paused
	ok "podman unpause" P unpause "$cid"
	ok "podman stop" P stop -t 1 "$cid"
	is "stopped" "$(P inspect --format '{{.State.Status}}' "$cid")" exited
	ok "podman rm" P rm "$cid"
	[ ! -d "/sys/fs/cgroup/pids$mem" ] && [ ! -d "/sys/fs/cgroup$mem" ]
	check "the container's cgroup is gone" $?
else
	not_ok_line "run -d"
	echo "#   $cid"
fi

# a terminal: -it under script(1), which gives podman a pty.  script's
# stdin stays open (a sleeping writer): at EOF script could end the session
# before the container has printed anything.
out=$(script -qec "podman --root '$PD/storage' --runroot '$PD/run' --tmpdir '$PD/tmp' --cgroup-manager cgroupfs --events-backend file --storage-driver overlay --runtime '$RUNTIME' run --rm -it ${A[*]} $IMG sh -c 'test -t 0 && test -t 1 && echo tty-ok; stty size'" /dev/null < <(sleep 30) 2>&1 | tr -d '\r')
like "run -it: the process has a terminal" "$out" "tty-ok"

# an OOM kill under --memory
# conmon drops an empty "oom" marker file in its working directory when the
# container is OOM-killed: run podman from the test's own temp dir.
(cd "$TEST_TMP" && P run --rm "${A[@]}" --memory 32m --memory-swap 32m "$IMG" sh -c 'x=$(head -c 200000000 /dev/zero | tr "\000" a); echo survived') >"$TEST_TMP/oom.out" 2>&1
rc=$?
is "--memory 32m: the hog is OOM-killed (exit 137)" "$rc" 137

out=$(P run --rm "${A[@]}" --read-only "$IMG" sh -c 'touch /x; echo rc=$?' 2>&1)
like "--read-only: the root is read-only" "$out" "Read-only file system"
out=$(P run --rm "${A[@]}" --cap-drop all --cap-add NET_BIND_SERVICE "$IMG" grep CapEff /proc/self/status 2>&1)
like "--cap-drop all --cap-add NET_BIND_SERVICE" "$out" "CapEff:.*0000000000000400"
out=$(P run --rm "${A[@]}" --cap-drop CHOWN "$IMG" sh -c 'chown 1 /tmp && echo chowned || echo denied' 2>&1)
like "--cap-drop CHOWN: chown is denied" "$out" "denied"

# ---- the same command under runc and glass-runtime (issue 21) ----
RUNC=/usr/sbin/runc
# PR RUNTIME ARGS...: podman with that runtime (same storage as P).
PR() {
	local rt=$1
	shift
	podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp" \
		--cgroup-manager cgroupfs --events-backend file --storage-driver overlay \
		--runtime "$rt" "$@"
}
# both NAME ARGS...: runs `podman ARGS` with runc, then with glass-runtime;
# passes when both exit alike and print the same (with EXIT_ONLY set: exit
# alike; an error message names the runtime).  Sets OUT_RUNC/OUT_GLASS and
# RC_RUNC/RC_GLASS.
run_pair() {
	OUT_RUNC=$(PR "$RUNC" "$@" 2>&1)
	RC_RUNC=$?
	OUT_GLASS=$(PR "$RUNTIME" "$@" 2>&1)
	RC_GLASS=$?
}
both() {
	local name=$1
	shift
	run_pair "$@"
	if { [ -n "${EXIT_ONLY:-}" ] || [ "$OUT_RUNC" == "$OUT_GLASS" ]; } && [ "$RC_RUNC" == "$RC_GLASS" ]; then
		ok_line "$name: as runc (exit $RC_GLASS)"
	else
		not_ok_line "$name: as runc"
		diff <(echo "exit $RC_RUNC"; printf '%s\n' "$OUT_RUNC") <(echo "exit $RC_GLASS"; printf '%s\n' "$OUT_GLASS") | sed 's/^/#   /' | head -30
	fi
}

if [ ! -x "$RUNC" ]; then
	not_ok_line "Debian's runc at $RUNC (scripts/install-deps.sh installs it)"
	finish
	exit 1
fi

# 1. --privileged: podman copies every host device into linux.devices
#    with fileMode = st_mode (file type bits included).
# (other tests on this host may add or remove devices meanwhile: compare
# the nodes that exist on the host before and after both runs)
H1=$(ls /dev)
run_pair run --rm "${A[@]}" --privileged "$IMG" \
	sh -c 'cd /dev && for f in *; do [ -e "$f" ] && [ ! -L "$f" ] && stat -c "%n %F %a %u:%g %t:%T" "$f"; done'
H2=$(ls /dev)
changed=$(comm -3 <(echo "$H1" | sort) <(echo "$H2" | sort) | tr -d '\t')
keep() { printf '%s\n' "$1" | awk -v c="$changed" 'BEGIN { n = split(c, a, "\n"); for (i = 1; i <= n; i++) skip[a[i]] = 1 } !($1 in skip)'; }
is "--privileged: runs and sees the host's devices, as under runc${changed:+ (changed on the host meanwhile: $(echo $changed))}" \
	"exit $RC_GLASS
$(keep "$OUT_GLASS")" "exit $RC_RUNC
$(keep "$OUT_RUNC")"
like "--privileged: the host's block devices are there" "$OUT_GLASS" "loop0 block special file"
[ "$(printf '%s\n' "$OUT_GLASS" | wc -l)" -gt 20 ]
check "--privileged: more than 20 device nodes ($(printf '%s\n' "$OUT_GLASS" | wc -l))" $?
both "--privileged: a host block device opens" run --rm "${A[@]}" --privileged "$IMG" \
	sh -c 'head -c 512 /dev/loop0 | wc -c; grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status'

# 2. signal dispositions: conmon ignores SIGPIPE; the container must not.
# (runc resets only the signals Go knows: a signal 32 or 33 its caller
# ignores stays ignored; glass resets every one, so compare SIGPIPE with
# runc and the whole sets with nothing)
NOSIG="SigBlk: 0000000000000000 SigIgn: 0000000000000000"
run_pair run --rm "${A[@]}" "$IMG" grep -E '^Sig(Ign|Blk)' /proc/self/status
is "run: no signal ignored or blocked (runc: $(echo $OUT_RUNC))" "$(echo $OUT_GLASS)" "$NOSIG"
ign=$(awk '$1 == "SigIgn:" {print $2}' <<<"$OUT_RUNC")
is "run: SIGPIPE is not ignored under runc either" "$((0x${ign:-1000} & 0x1000))" 0
both "yes | head -1: no Broken pipe message" run --rm "${A[@]}" "$IMG" sh -c 'yes | head -1'
for rt in "$RUNC" "$RUNTIME"; do
	cid=$(PR "$rt" run -d "${A[@]}" "$IMG" sh -c 'trap "exit 7" PIPE; while :; do sleep 0.1; done')
	ex=$(PR "$rt" exec "$cid" grep -E '^Sig(Ign|Blk)' /proc/self/status)
	ex=$(echo $ex)
	for _ in $(seq 30); do
		[ "$(PR "$rt" inspect --format '{{.State.Status}}' "$cid")" = running ] && break
		sleep 0.1
	done
	sleep 0.3 # the shell has set its trap
	PR "$rt" kill -s PIPE "$cid" >/dev/null
	# (a container that ignores SIGPIPE never ends: do not wait forever)
	code=$(timeout 20 podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp" \
		--cgroup-manager cgroupfs --events-backend file --storage-driver overlay \
		--runtime "$rt" wait "$cid")
	PR "$rt" rm -f "$cid" >/dev/null 2>&1
	eval "SIG_$([ "$rt" = "$RUNC" ] && echo RUNC || echo GLASS)=\"\$ex / kill -s PIPE: exit \$code\""
done
is "exec: nothing ignored or blocked (runc: ${SIG_RUNC% / *})" "${SIG_GLASS% / *}" "$NOSIG"
is "podman kill -s PIPE reaches the trap, as under runc" "${SIG_GLASS##*/ }" "${SIG_RUNC##*/ }"
is "podman kill -s PIPE: the trap ran (exit 7)" "${SIG_GLASS##*exit }" 7

# 3. a directory as the command: runc's "permission denied", exit 126.
EXIT_ONLY=1 both "run /etc: exit code" run --rm "${A[@]}" "$IMG" /etc
is "run /etc: exit 126" "$RC_GLASS" 126
like "run /etc: runc's wording" "$OUT_GLASS" 'exec: "/etc": permission denied'
# 4. a program on a noexec mount: refused at create, exit 126.
NOEXEC=(-v "$ROOTFS/bin:/mnt:ro,noexec")
EXIT_ONLY=1 both "run a program on a noexec mount: exit code" run --rm "${A[@]}" "${NOEXEC[@]}" "$IMG" /mnt/busybox true
is "noexec: exit 126 (refused at create)" "$RC_GLASS" 126
like "noexec: runc's wording" "$OUT_GLASS" 'exec /mnt/busybox: permission denied'
for rt in "$RUNC" "$RUNTIME"; do
	cid=$(PR "$rt" run -d "${A[@]}" "${NOEXEC[@]}" "$IMG" sleep 300)
	r=""
	for cmd in /etc /mnt/busybox /no/such/command; do
		PR "$rt" exec "$cid" "$cmd" >/dev/null 2>&1
		r="$r $cmd=$?"
	done
	PR "$rt" rm -f -t 0 "$cid" >/dev/null 2>&1
	eval "EX_$([ "$rt" = "$RUNC" ] && echo RUNC || echo GLASS)=\"\$r\""
done
is "podman exec: /etc, a noexec program, a missing one (as runc)" "$EX_GLASS" "$EX_RUNC"
is "podman exec: 126, 126, 127" "$EX_GLASS" " /etc=126 /mnt/busybox=126 /no/such/command=127"

# 5. tmpcopyup: an image with files under /home/podman, /tmp, /var/tmp, /run
IMG2=localhost/glass-copyup:test
mkdir -p "$TEST_TMP/img2"
tar -C "$TEST_TMP/img2" -xf "$TEST_TMP/rootfs.tar"
mkdir -p "$TEST_TMP/img2/home/podman/sub"
echo data >"$TEST_TMP/img2/home/podman/file"
chmod 0640 "$TEST_TMP/img2/home/podman/file"
chown 1000:1000 "$TEST_TMP/img2/home/podman/file"
ln -s file "$TEST_TMP/img2/home/podman/link"
chmod 0700 "$TEST_TMP/img2/home/podman/sub"
echo t >"$TEST_TMP/img2/tmp/in-tmp"
echo v >"$TEST_TMP/img2/var/tmp/in-vartmp"
echo r >"$TEST_TMP/img2/run/in-run"
tar -C "$TEST_TMP/img2" -cf "$TEST_TMP/img2.tar" .
ok "podman import of an image with files under tmpfs paths" P import "$TEST_TMP/img2.tar" "$IMG2"
both "--tmpfs /home/podman: the image's files are there" run --rm "${A[@]}" --tmpfs /home/podman "$IMG2" \
	sh -c 'ls -lnA /home/podman | awk "{print \$1, \$3, \$4, \$5, \$NF}"; grep " /home/podman " /proc/self/mountinfo | cut -d" " -f5,9'
like "--tmpfs: a tmpfs with the image's file, mode and owner" "$OUT_GLASS" "-rw-r----- 1000 1000 5 file"
both "--mount type=tmpfs: the image's files are there" run --rm "${A[@]}" --mount type=tmpfs,destination=/home/podman "$IMG2" ls -A /home/podman
like "--mount type=tmpfs: file, link, sub" "$OUT_GLASS" "file.link.sub"
both "--read-only: /tmp, /var/tmp, /run keep the image's files and are writable" run --rm "${A[@]}" --read-only "$IMG2" \
	sh -c 'cat /tmp/in-tmp /var/tmp/in-vartmp /run/in-run && touch /tmp/w /var/tmp/w /run/w && echo writable'
is "--read-only: contents" "$OUT_GLASS" "t
v
r
writable"
echo copied-in >"$TEST_TMP/cpfile"
for rt in "$RUNC" "$RUNTIME"; do
	cid=$(PR "$rt" create "${A[@]}" --tmpfs /home/podman "$IMG2" cat /home/podman/copied)
	PR "$rt" cp "$TEST_TMP/cpfile" "$cid:/home/podman/copied"
	out=$(PR "$rt" start -a "$cid" 2>&1)
	PR "$rt" rm -f "$cid" >/dev/null 2>&1
	eval "CP_$([ "$rt" = "$RUNC" ] && echo RUNC || echo GLASS)=\"\$out\""
done
is "podman cp into a created container's tmpfs survives start (as runc)" "$CP_GLASS" "$CP_RUNC"
is "podman cp: the copied file is read" "$CP_GLASS" copied-in

# 6. HOME for a uid without a passwd entry (and root's from /etc/passwd)
both "--user 100: HOME" run --rm "${A[@]}" --user 100 "$IMG" sh -c 'echo "HOME=$HOME"'
is "--user 100: HOME=/" "$OUT_GLASS" "HOME=/"
both "--user 0: HOME" run --rm "${A[@]}" --user 0 "$IMG" sh -c 'echo "HOME=$HOME"'

# 7. a relative volume destination (a Containerfile VOLUME written as a
#    broken JSON list): mounted relative to /, as the spec says.
ok "an image with VOLUME [/etc/foo, /etc/bar]" P import --change 'VOLUME [/etc/foo, /etc/bar]' "$TEST_TMP/rootfs.tar" localhost/glass-vol:test
both "relative volume destinations" run --rm "${A[@]}" localhost/glass-vol:test \
	sh -c 'grep -E "etc/(foo|bar)" /proc/self/mountinfo | cut -d" " -f5 | sort'
is "relative destination mounted at /[/etc/foo," "$OUT_GLASS" "/[/etc/foo,
/etc/bar]"

like "nothing left running" "$(P ps -a --format '{{.ID}}' | wc -l)" "^0$"
finish
