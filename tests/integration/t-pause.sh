#!/bin/bash
# glass-pause, the process that holds a pod's namespaces (src/pause): as
# the pid 1 of a new PID namespace it reaps the orphans the kernel gives
# it, ignores signals other than SIGINT/SIGTERM, and exits 0 on those.
# Its image (build/src/pause/glass-pause.oci.tar) is a one-layer OCI
# archive that ctr imports (t-cri.sh runs it as containerd's sandbox).
. "$(dirname "$0")/lib.sh"
need_root
PAUSE=$GLASS_BUILD/src/pause/glass-pause
IMAGE=$GLASS_BUILD/src/pause/glass-pause.oci.tar
if [ ! -x "$PAUSE" ] || [ ! -f "$IMAGE" ]; then
	not_ok_line "glass-pause and its image are built (make)"
	finish
	exit 1
fi

like "-v prints the version" "$("$PAUSE" -v)" '^glass-pause [0-9]'
"$PAUSE" --bogus 2>"$TEST_TMP/err"
is "an unknown argument: exit 2" "$?" 2
like "... naming it" "$(cat "$TEST_TMP/err")" 'unknown argument "--bogus"'
file "$PAUSE" | grep -q 'statically linked'
check "static: the image holds nothing else" $?

# pause_in_pidns: glass-pause as pid 1 of a new PID namespace; sets PID
# (its pid here) and PPID_ (the unshare that waits for it).
pause_in_pidns() {
	unshare --pid --fork "$PAUSE" &
	UNSHARE=$!
	on_exit "kill -9 $UNSHARE"
	PID=
	for _ in $(seq 50); do
		PID=$(pgrep -P "$UNSHARE" | head -1)
		[ -n "$PID" ] && grep -q 'NSpid:.*[[:space:]]1$' "/proc/$PID/status" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
if pause_in_pidns; then
	ok_line "glass-pause runs as pid 1 of a new PID namespace"
	on_exit "kill -9 $PID"
	# An orphan: nsenter's shell starts a sleeper in the namespace and
	# exits, so the kernel re-parents the sleeper to the namespace's init.
	nsenter --target "$PID" --pid sh -c 'sleep 1 &'
	orphan=
	for _ in $(seq 20); do
		orphan=$(pgrep -P "$PID" sleep)
		[ -n "$orphan" ] && break
		sleep 0.05
	done
	like "the orphan is re-parented to glass-pause" "$orphan" '^[0-9]+$'
	orphan=${orphan:-0}
	for _ in $(seq 50); do [ -e "/proc/$orphan" ] || break; sleep 0.1; done
	[ ! -e "/proc/$orphan" ]
	check "... and reaped when it exits (no zombie)" $?
	kill -HUP "$PID"
	kill -USR1 "$PID"
	sleep 0.2
	[ -e "/proc/$PID" ] && [ "$(awk '/^State:/ {print $2}' "/proc/$PID/status")" != Z ]
	check "SIGHUP and SIGUSR1 are ignored" $?
	kill -TERM "$PID"
	wait "$UNSHARE"
	is "SIGTERM: exit 0" "$?" 0
else
	not_ok_line "glass-pause runs as pid 1 of a new PID namespace"
fi
if pause_in_pidns; then
	kill -INT "$PID"
	wait "$UNSHARE"
	is "SIGINT: exit 0" "$?" 0
else
	not_ok_line "glass-pause runs as pid 1 (SIGINT)"
fi

# The image: an OCI layout whose one manifest names the image for ctr and
# whose config runs /pause; the layer holds /pause, the very binary.
d=$TEST_TMP/img
mkdir -p "$d" && tar -C "$d" -xf "$IMAGE"
is "oci-layout" "$(jq -r .imageLayoutVersion "$d/oci-layout")" 1.0.0
man=$(jq -r '.manifests[0].digest' "$d/index.json" | sed 's/^sha256://')
like "index.json names the image (io.containerd.image.name)" \
	"$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$d/index.json")" '^localhost/glass-pause:'
cfg=$(jq -r .config.digest "$d/blobs/sha256/$man" | sed 's/^sha256://')
layer=$(jq -r '.layers[0].digest' "$d/blobs/sha256/$man" | sed 's/^sha256://')
is "the config's entrypoint is /pause" "$(jq -c .config.Entrypoint "$d/blobs/sha256/$cfg")" '["/pause"]'
ok=1
for b in "$d"/blobs/sha256/*; do [ "$(sha256sum <"$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || ok=0; done
[ $ok = 1 ]
check "every blob matches its digest" $?
tar -xOf "$d/blobs/sha256/$layer" pause | cmp -s - "$PAUSE"
check "the layer's /pause is the built glass-pause" $?
is "the config's diff_id is the layer's digest" "$(jq -r '.rootfs.diff_ids[0]' "$d/blobs/sha256/$cfg")" "sha256:$layer"
finish
