#!/bin/bash
# How much memory does a shim keep per running container?  glass-shim next
# to podman's conmon, each holding the same container through the same
# runtime (runc, so that only the shim differs): a busybox shell that
# writes 2000 lines (through the shim's log writer) and then sleeps.  Once
# the 2000 lines are in the log, the shim's peak resident set (VmHWM of
# /proc/PID/status) is read; BENCH_RUNS runs each (default 5), medians and
# the ratio reported.  Target (issue 10): glass-shim at most 1 MB; conmon
# is about 2 MB.
#   bench/shim.sh BUILD
set -u
# Both shims detach (setsid and fork): as a child subreaper (prctl 36) this
# script, not the host's init, inherits and reaps them.
if [ -z "${GLASS_BENCH_SUBREAPER:-}" ]; then
	export GLASS_BENCH_SUBREAPER=1
	exec /usr/bin/python3 -c 'import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
RUNC=/usr/bin/runc
RUNS_DEFAULT=5
bench_setup shim "${1:-build}" jq conmon "$RUNC"
SHIM=$BUILD/glass-shim
[ -x "$SHIM" ] || die "$SHIM not built (make)"
[ -x "$ROOTFS/bin/sh" ] || die "$ROOTFS: no built-in image (make)"
LINES=2000

delete_containers() {
	local d
	for d in "$W"/rr/*/; do
		[ -d "$d" ] && "$RUNC" --root "$W/rr" delete --force "$(basename "$d")"
	done >/dev/null 2>&1
}
bench_on_exit delete_containers

# bundle ID: W/b-ID, runc's default spec on the built-in image.
bundle() {
	local b=$W/b-$1
	mkdir -p "$b"
	(cd "$b" && "$RUNC" spec) || return 1
	jq --arg root "$ROOTFS" --arg cg "/$CG/$1" --arg cmd \
		"i=0; while [ \$i -lt $LINES ]; do echo \"line \$i of the shim bench\"; i=\$((i+1)); done; exec sleep 600" \
		'.root.path = $root | .root.readonly = true | .process.terminal = false |
		 .process.args = ["sh", "-c", $cmd] | .linux.cgroupsPath = $cg' \
		"$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
}
# wait_lines FILE: until FILE has LINES lines (60 s at most).
wait_lines() {
	local n=600
	while [ "$n" -gt 0 ]; do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$LINES" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# stop ID PID: the container killed and deleted, its shim gone.
stop() {
	"$RUNC" --root "$W/rr" kill "$1" KILL >/dev/null 2>&1
	local n=100
	while [ -e "/proc/$2" ] && [ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$2/stat" 2>/dev/null)" != Z ] && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	"$RUNC" --root "$W/rr" delete --force "$1" >/dev/null 2>&1
	wait 2>/dev/null
}

run_glass() {
	local id=g$1
	bundle "$id" || return 1
	"$SHIM" --id "$id" --bundle "$W/b-$id" --state "$W/$id" --runtime "$RUNC" \
		--runtime-root "$W/rr" >/dev/null || return 1
	local pid
	pid=$(cat "$W/$id/shim.pid")
	wait_lines "$W/$id/container.log" || return 1
	hwm "$pid"
	stop "$id" "$pid"
}

# conmon only creates (podman starts): the same two steps here.
run_conmon() {
	local id=c$1 n=300
	bundle "$id" || return 1
	mkdir -p "$W/$id/exit" "$W/$id/sock"
	conmon --api-version 1 -c "$id" -u "$id" -n "$id" -r "$RUNC" --runtime-arg --root \
		--runtime-arg "$W/rr" -b "$W/b-$id" -p "$W/$id/pid" -P "$W/$id/conmon.pid" \
		-l "k8s-file:$W/$id/log" --exit-dir "$W/$id/exit" --socket-dir-path "$W/$id/sock" \
		>/dev/null 2>&1 || return 1
	while [ ! -s "$W/$id/pid" ] && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	"$RUNC" --root "$W/rr" start "$id" || return 1
	local pid
	pid=$(cat "$W/$id/conmon.pid")
	wait_lines "$W/$id/log" || return 1
	hwm "$pid"
	stop "$id" "$pid"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

g=() c=()
for i in $(seq "$RUNS"); do
	v=$(run_glass "$i") && [ -n "$v" ] || die "glass-shim run $i failed"
	g+=("$v")
	v=$(run_conmon "$i") && [ -n "$v" ] || die "conmon run $i failed"
	c+=("$v")
done
gm=$(printf '%s\n' "${g[@]}" | median)
cm=$(printf '%s\n' "${c[@]}" | median)
echo "peak resident set of a shim holding one container that wrote $LINES log lines"
echo "(VmHWM, kB; $RUNS runs each; runtime: runc for both)"
printf '%-12s %8s %8s %8s\n' shim median min max
printf '%-12s %8s %8s %8s\n' glass-shim "$gm" "$(printf '%s\n' "${g[@]}" | sort -n | head -1)" "$(printf '%s\n' "${g[@]}" | sort -n | tail -1)"
printf '%-12s %8s %8s %8s\n' "conmon $(conmon --version | awk 'NR == 1 { print $3 }')" "$cm" "$(printf '%s\n' "${c[@]}" | sort -n | head -1)" "$(printf '%s\n' "${c[@]}" | sort -n | tail -1)"
awk -v g="$gm" -v c="$cm" 'BEGIN { printf "glass-shim / conmon = %.2fx; target: glass-shim <= 1024 kB: %s\n", g / c, (g <= 1024 ? "met" : "NOT met") }'
