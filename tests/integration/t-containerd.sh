#!/bin/bash
# containerd drives glass-runtime through its runc shim
# (io.containerd.runc.v2 with --runc-binary): a private containerd (own
# root, state, socket and config under a temporary directory), the busybox
# image imported as an OCI archive (made with podman save), ctr run --rm
# with exit codes, run -d + task exec/ps/pause/resume/kill/delete, a
# memory limit read back from the cgroup, kill --all, and Kubernetes'
# "drop ALL" ("capabilities": {}) compared with runc.  The ctr
# namespace is this test's glass-test-* cgroup parent, so containerd's
# default cgroupsPath (/NAMESPACE/ID) lands below it.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd containerd
need_cmd ctr "apt-get install containerd"
need_cmd containerd-shim-runc-v2 "apt-get install containerd"
need_cmd podman "apt-get install podman (to make the OCI archive)"
[ -x "$RUNTIME" ] || skip_all "no $RUNTIME (build first)"
[ -d "$ROOTFS/bin" ] || skip_all "no built-in image at $ROOTFS (make rootfs)"

T=$TEST_TMP/containerd
mkdir -p "$T"
cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/c.sock"
[ttrpc]
  address = "$T/c.sock.ttrpc"
[debug]
  address = "$T/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"
EOF
NS=$CG_PARENT
C() { ctr --address "$T/c.sock" --namespace "$NS" "$@"; }
RT=(--runtime io.containerd.runc.v2 --runc-binary "$RUNTIME")
IMG=localhost/glass-busybox:test

containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
cdpid=$!
containerd_cleanup() {
	local id
	for id in $(C task ls -q 2>/dev/null); do
		C task kill -s KILL "$id"
		C task delete -f "$id"
	done
	for id in $(C container ls -q 2>/dev/null); do C container delete "$id"; done
	kill "$cdpid"
	wait "$cdpid"
	awk -v d="$TEST_TMP" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
}
on_exit containerd_cleanup
wait_sock() {
	for _ in $(seq 50); do [ -S "$T/c.sock" ] && C version >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
if ! wait_sock; then
	not_ok_line "containerd starts"
	sed 's/^/#   /' "$T/containerd.log" | tail -20
	finish
	exit 1
fi
ok_line "containerd starts with its own root, state and socket"

# The image: the built-in rootfs -> podman import -> OCI archive -> ctr import.
PD=$TEST_TMP/podman
P() { podman --root "$PD/storage" --runroot "$PD/run" --tmpdir "$PD/tmp" --storage-driver overlay "$@"; }
on_exit "P rmi -af"
tar -C "$ROOTFS" -cf "$TEST_TMP/rootfs.tar" .
P import "$TEST_TMP/rootfs.tar" "$IMG" >/dev/null 2>&1 &&
	P save --format oci-archive -o "$TEST_TMP/img.tar" "$IMG" >/dev/null 2>&1
check "an OCI archive of the busybox image (podman save)" $?
ok "ctr images import" C images import "$TEST_TMP/img.tar"
like "the image is listed" "$(C images ls -q)" "$IMG"

out=$(C run --rm "${RT[@]}" "$IMG" c1 echo hello-from-ctr 2>&1)
is "ctr run --rm" "$out" hello-from-ctr
C run --rm "${RT[@]}" "$IMG" c2 sh -c 'exit 7' >/dev/null 2>&1
is "ctr run: the exit code passes through" "$?" 7
# (a container's pid 1 ignores signals it has no handler for, even -9
# from inside: kill it from outside)
C run --rm "${RT[@]}" "$IMG" c3 sleep 300 >/dev/null 2>&1 &
runpid=$!
for _ in $(seq 50); do C task ls | grep -q 'c3.*RUNNING' && break; sleep 0.1; done
C task kill -s KILL c3
wait $runpid
is "ctr run: killed by SIGKILL -> 137" "$?" 137

# a detached task: exec, ps, pause/resume, kill, delete
if C run -d "${RT[@]}" --memory-limit 67108864 "$IMG" d1 sh -c 'sleep 300 & sleep 300' >/dev/null 2>&1; then
	ok_line "ctr run -d"
	like "task ls: running" "$(C task ls)" "d1 +[0-9]+ +RUNNING"
	pid=$(C task ls | awk '$1 == "d1" {print $2}')
	mem=$(awk -F: '$2 == "memory" || $2 == "" {print $3; exit}' "/proc/$pid/cgroup")
	is "the cgroup is /NAMESPACE/ID" "$mem" "/$NS/d1"
	if [ -d /sys/fs/cgroup/memory ]; then lim=$(cat "/sys/fs/cgroup/memory$mem/memory.limit_in_bytes"); else
		lim=$(cat "/sys/fs/cgroup$mem/memory.max"); fi
	is "--memory-limit in the cgroup" "$lim" 67108864
	out=$(C task exec --exec-id e1 d1 sh -c 'echo in-exec; exit 4' 2>&1)
	rc=$?
	is "task exec: output" "$out" in-exec
	is "task exec: exit code" "$rc" 4
	n=$(C task ps d1 | tail -n +2 | wc -l)
	is "task ps (runtime ps --format json): init + 1 sleeper" "$n" 2
	ok "task pause" C task pause d1
	like "paused" "$(C task ls)" "d1 +[0-9]+ +PAUSED"
	ok "task resume" C task resume d1
	like "running again" "$(C task ls)" "d1 +[0-9]+ +RUNNING"
	ok "task kill --all KILL" C task kill --all -s KILL d1
	for _ in $(seq 50); do C task ls | grep -q 'd1.*STOPPED' && break; sleep 0.1; done
	like "stopped" "$(C task ls)" "d1 +[0-9]+ +STOPPED"
	ok "task delete" C task delete d1
	ok "container delete" C container delete d1
	[ ! -d "/sys/fs/cgroup/memory$mem" ] && [ ! -d "/sys/fs/cgroup$mem" ]
	check "the container's cgroup is gone" $?
else
	not_ok_line "ctr run -d"
	tail -20 "$T/containerd.log" | sed 's/^/#   /'
fi

# a task with SIGTERM handling: kill (default SIGTERM) ends it
if C run -d "${RT[@]}" "$IMG" d2 sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1; then
	ok "task kill (SIGTERM)" C task kill d2
	for _ in $(seq 50); do C task ls | grep -q 'd2.*STOPPED' && break; sleep 0.1; done
	like "d2 stopped on SIGTERM" "$(C task ls)" "d2 +[0-9]+ +STOPPED"
	C task delete d2 >/dev/null 2>&1
	C container delete d2 >/dev/null 2>&1
else
	not_ok_line "ctr run -d (d2)"
fi

# Kubernetes' "drop ALL": containerd leaves every capability list empty,
# and Go omits empty lists, so the runtime reads "capabilities": {}.  ctr
# has no "ALL" (the CRI plugin does): dropping every capability by name
# gives the same config.  The same ctr run with runc (Debian's) and with
# glass-runtime, compared.
RUNC=/usr/sbin/runc
STATUS=(grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Uid|Gid):' /proc/self/status)
DROP_ALL=()
for c in $("$RUNTIME" features | jq -r '.linux.capabilities[]'); do DROP_ALL+=(--cap-drop "$c"); done
# ctr applies --cap-add before --cap-drop: "drop ALL, add NET_BIND_SERVICE"
# is every other capability dropped.
DROP_BUT_NBS=()
for c in $("$RUNTIME" features | jq -r '.linux.capabilities[]'); do
	[ "$c" = CAP_NET_BIND_SERVICE ] || DROP_BUT_NBS+=(--cap-drop "$c")
done
g=$(C run --rm "${RT[@]}" "${DROP_ALL[@]}" "$IMG" cap-g1 "${STATUS[@]}" 2>&1)
r=$(C run --rm --runtime io.containerd.runc.v2 --runc-binary "$RUNC" "${DROP_ALL[@]}" "$IMG" cap-r1 "${STATUS[@]}" 2>&1)
is "ctr run, every capability dropped: /proc/self/status as under runc" "$g" "$r"
like "ctr run, every capability dropped: the bounding set is empty" "$g" "CapBnd:[[:space:]]+0000000000000000"
g=$(C run --rm "${RT[@]}" "${DROP_BUT_NBS[@]}" "$IMG" cap-g2 "${STATUS[@]}" 2>&1)
r=$(C run --rm --runtime io.containerd.runc.v2 --runc-binary "$RUNC" "${DROP_BUT_NBS[@]}" "$IMG" cap-r2 "${STATUS[@]}" 2>&1)
is "ctr run, all but NET_BIND_SERVICE dropped: /proc/self/status as under runc" "$g" "$r"
like "ctr run, all but NET_BIND_SERVICE dropped: only it is left" "$g" "CapBnd:[[:space:]]+0000000000000400"
# the config containerd wrote: capabilities present, every list absent
if C run -d "${RT[@]}" "${DROP_ALL[@]}" "$IMG" cap-d sleep 300 >/dev/null 2>&1; then
	cfg=$(cat "$T"/state/io.containerd.runtime.v2.task/"$NS"/cap-d/config.json 2>/dev/null)
	is "containerd wrote \"capabilities\": {} (the CRI drop-ALL shape)" "$(jq -c .process.capabilities <<<"$cfg")" "{}"
	is "... and an exec in it gets no capability either" \
		"$(C task exec --exec-id e1 cap-d grep CapBnd /proc/self/status 2>&1 | tr -s '\t' ' ')" "CapBnd: 0000000000000000"
	C task kill -s KILL cap-d >/dev/null 2>&1
	for _ in $(seq 50); do C task ls | grep -q 'cap-d.*STOPPED' && break; sleep 0.1; done
	C task delete cap-d >/dev/null 2>&1
	C container delete cap-d >/dev/null 2>&1
else
	not_ok_line "ctr run -d with every capability dropped"
fi

[ -z "$(C task ls -q)" ] && [ -z "$(C container ls -q)" ]
check "nothing left in containerd" $?
if grep -q '"level":"error"' "$T"/state/io.containerd.runtime.v2.task/*/*/log.json 2>/dev/null; then
	echo "# runtime errors logged:"
	cat "$T"/state/io.containerd.runtime.v2.task/*/*/log.json | sed 's/^/#   /' | head
fi
finish
