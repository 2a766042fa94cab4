#!/bin/bash
# podman drives glass-runtime (podman --runtime PATH), with its own
# storage, state and a glass-test-* cgroup parent, on an image imported
# from the built-in busybox rootfs (no network).  Checks run --rm, exit
# codes, run -d + exec + stop + rm, -it with a terminal, --memory (and an
# OOM kill under it), --pids-limit, --cpus, --read-only, --cap-drop/--cap-add,
# reading every limit back from the container's cgroup on the host.
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
rmdir_if_new /run/glass-runtime /run/containers /run/containers/networks
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

like "nothing left running" "$(P ps -a --format '{{.ID}}' | wc -l)" "^0$"
finish
