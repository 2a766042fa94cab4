#!/bin/bash
# The OCI lifecycle through glass-runtime's runc-compatible CLI:
# create -> created (init waiting, pid known) -> start -> running -> kill ->
# stopped -> delete (nothing left); state valid against state-schema.json;
# list -q / --format json; run's exit code (and 128+N on a signal); run -d;
# exec (same namespaces; --process; --detach --pid-file); kill by name and
# number; delete --force; delete of an unknown id; a detached init that
# died (reaped or zombie) reads as stopped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

P=/usr/bin/glass-probe
ID=h8lifecycle-$$
B=$TEST_TMP/bundle
make_bundle "$B" || {
	not_ok_line "make_bundle with glass-runtime spec"
	finish
	exit 1
}
# The container's /dev/shm is a tmpfs: the probe's ready file goes there and
# the host reads it through /proc/PID/root.
set_args "$B" $P wait-signal /dev/shm/ready

# --- create -> created
c=$ID-a
on_exit cleanup_container "$c"
R create --bundle "$B" "$c" </dev/null >"$TEST_TMP/a.out" 2>"$TEST_TMP/a.err"
check "create exits 0" $?
st=$(R state "$c")
is "state after create: created" "$(jq -r .status <<<"$st")" created
pid=$(jq -r .pid <<<"$st")
like "state has the init's pid" "$pid" '^[1-9][0-9]*$'
ok "the init pid is alive" test -d "/proc/$pid"
ok "state is valid against state-schema.json" state_valid "$st"
is "state id" "$(jq -r .id <<<"$st")" "$c"
is "state bundle is the absolute bundle path" "$(jq -r .bundle <<<"$st")" "$B"
like "state ociVersion" "$(jq -r .ociVersion <<<"$st")" '^1\.'
ok "the created init has not run the process yet (no ready file)" test ! -e "/proc/$pid/root/dev/shm/ready"
[ "$(stat -L -c %i "/proc/$pid/ns/pid_for_children" 2>/dev/null)" != "$(host_ns pid)" ]
check "the created init is in a new pid namespace" $?

# --- list
like "list -q names the container" "$(R list -q)" "(^|$'\n')$c($'\n'|$)"
is "list --format json: status" "$(R list --format json | jq -r --arg c "$c" '.[] | select(.id == $c) | .status')" created
like "list (table) has a header and the container" "$(R list)" "ID.*PID.*STATUS"$'.*\n'"$c +$pid +created"

# --- start -> running
R start "$c" </dev/null
check "start exits 0" $?
st=$(R state "$c")
is "state after start: running" "$(jq -r .status <<<"$st")" running
ok "state (running) is valid against state-schema.json" state_valid "$st"
ok "the process runs after start (ready file appears)" wait_file "/proc/$pid/root/dev/shm/ready" 10
is "the init keeps its pid across start" "$(jq -r .pid <<<"$st")" "$pid"
fails "start of a running container fails" R start "$c"

# --- exec into the running container
ex=$(R exec "$c" $P --only ns,pid,uts 2>"$TEST_TMP/exec.err")
check "exec exits 0" $?
is "exec joins the container's pid namespace" "$(jq -r .ns.pid <<<"$ex")" "$(stat -L -c %i "/proc/$pid/ns/pid")"
is "exec joins the container's mount namespace" "$(jq -r .ns.mnt <<<"$ex")" "$(stat -L -c %i "/proc/$pid/ns/mnt")"
is "exec joins the container's net namespace" "$(jq -r .ns.net <<<"$ex")" "$(stat -L -c %i "/proc/$pid/ns/net")"
is "exec sees the config's hostname" "$(jq -r .hostname <<<"$ex")" "$(jq -r .hostname "$B/config.json")"
like "exec'd process is not pid 1" "$(jq -r .pid <<<"$ex")" '^([2-9]|[1-9][0-9]+)$'
R exec "$c" $P exit 7 </dev/null
is "exec relays the process's exit code" $? 7

jq '.process | .args = ["/usr/bin/glass-probe", "--only", "argv,env,cwd"] | .env += ["GLASS_EXEC=yes"] | .cwd = "/dev"' \
	"$B/config.json" >"$TEST_TMP/process.json"
ex=$(R exec --process "$TEST_TMP/process.json" "$c" </dev/null)
check "exec --process exits 0" $?
is "exec --process: env from process.json" "$(jq -r .env.GLASS_EXEC <<<"$ex")" yes
is "exec --process: cwd from process.json" "$(jq -r .cwd <<<"$ex")" /dev

ex=$(R exec --env GLASS_X=1 --cwd /proc "$c" $P --only env,cwd </dev/null)
is "exec --env" "$(jq -r .env.GLASS_X <<<"$ex")" 1
is "exec --cwd" "$(jq -r .cwd <<<"$ex")" /proc

R exec --detach --pid-file "$TEST_TMP/exec.pid" "$c" $P sleep 30 </dev/null >/dev/null 2>&1
check "exec --detach exits 0" $?
epid=$(cat "$TEST_TMP/exec.pid" 2>/dev/null)
like "exec --pid-file holds a pid" "$epid" '^[1-9][0-9]*$'
if [ -n "$epid" ] && [ -d "/proc/$epid" ]; then
	ok_line "the detached exec process runs"
	is "the detached exec process is in the container's pid namespace" \
		"$(stat -L -c %i "/proc/$epid/ns/pid")" "$(stat -L -c %i "/proc/$pid/ns/pid")"
else
	not_ok_line "the detached exec process runs"
	not_ok_line "the detached exec process is in the container's pid namespace"
fi

fails "kill with an unknown signal name fails" R kill "$c" SIGFOO
is "the container still runs after a bad kill" "$(status "$c")" running

# --- kill by name -> stopped; the probe saw the signal
R kill "$c" TERM
check "kill ID TERM exits 0" $?
ok "state reads stopped after the init exits" wait_status "$c" stopped 10
ok "state (stopped) is valid against state-schema.json" state_valid "$(R state "$c")"
sleep 0.2
is "the process got SIGTERM" "$(jq -r .name "$TEST_TMP/a.out" 2>/dev/null)" SIGTERM
[ -n "$epid" ] && wait_gone "$epid" 5
check "the exec'd process died with the container's pid namespace" $?
fails "kill of a stopped container fails" R kill "$c" TERM
like "it says: container not running" "$(R kill "$c" TERM 2>&1)" "not running"
R delete "$c"
check "delete exits 0" $?
ok "delete leaves nothing behind" nothing_left "$c"
fails "state after delete fails" R state "$c"
like "state after delete says: does not exist" "$(R state "$c" 2>&1)" "does not exist"

# --- kill by number and with SIG prefix
for sig in 10:SIGUSR1 SIGUSR2:SIGUSR2; do
	c=$ID-k${sig%%:*}
	on_exit cleanup_container "$c"
	R create --bundle "$B" "$c" </dev/null >"$TEST_TMP/$c.out" 2>&1 && R start "$c" </dev/null
	pid=$(pid_of "$c")
	wait_file "/proc/$pid/root/dev/shm/ready" 10
	R kill "$c" "${sig%%:*}"
	check "kill ID ${sig%%:*} exits 0" $?
	wait_status "$c" stopped 10
	sleep 0.1
	is "the process got ${sig#*:}" "$(jq -r .name "$TEST_TMP/$c.out" 2>/dev/null)" "${sig#*:}"
	R delete "$c"
	ok "delete after kill ${sig%%:*} leaves nothing" nothing_left "$c"
done

# --- run: foreground exit code, 128+N when the process is killed
set_args "$B" $P exit 3
R run --bundle "$B" "$ID-r1" </dev/null >/dev/null 2>&1
is "run relays the exit code" $? 3
ok "run (foreground) deletes the container afterwards" nothing_left "$ID-r1"

set_args "$B" $P --only pid,argv
out=$(R run --bundle "$B" "$ID-r2" </dev/null)
is "run's stdout is the process's stdout; the process is pid 1" "$(jq -r .pid <<<"$out" 2>/dev/null)" 1

set_args "$B" $P sleep 30
c=$ID-r3
on_exit cleanup_container "$c"
R run --bundle "$B" "$c" </dev/null >/dev/null 2>&1 &
runpid=$!
wait_status "$c" running 10
R kill "$c" KILL
wait "$runpid"
is "run exits 128+9 when the process is killed by SIGKILL" $? 137
ok "nothing left after the killed run" nothing_left "$c"

# --- run -d; its init dies: reaped or zombie, state says stopped
c=$ID-d
on_exit cleanup_container "$c"
timeout 20 "$RUNTIME" --root "$STATE" run -d --bundle "$B" "$c" </dev/null >/dev/null 2>&1
check "run -d returns at once with exit 0" $?
is "run -d: state running" "$(status "$c")" running
pid=$(pid_of "$c")
kill -KILL "$pid" 2>/dev/null
wait_gone "$pid" 5
ok "a detached init killed from outside reads as stopped" wait_status "$c" stopped 5
R delete "$c"
ok "delete of the dead detached container leaves nothing" nothing_left "$c"

# --- delete --force of a running container; unknown ids
c=$ID-f
on_exit cleanup_container "$c"
R run -d --bundle "$B" "$c" </dev/null >/dev/null 2>&1
pid=$(pid_of "$c")
fails "delete (without --force) of a running container fails" R delete "$c"
R delete --force "$c"
check "delete --force of a running container exits 0" $?
ok "its process is gone" wait_gone "$pid" 5
ok "delete --force leaves nothing" nothing_left "$c"
R delete --force "$ID-nosuch" >/dev/null 2>&1
check "delete --force of an unknown id exits 0" $?
fails "delete of an unknown id (without --force) fails" R delete "$ID-nosuch"
like "it says: does not exist" "$(R delete "$ID-nosuch" 2>&1)" "does not exist"

# --- concurrent commands on one container are serialized by its lock
c=$ID-lock
on_exit cleanup_container "$c"
R run -d --bundle "$B" "$c" </dev/null >/dev/null 2>&1
for i in 1 2 3 4 5 6; do R state "$c" >"$TEST_TMP/st.$i" 2>&1 & done
wait
bad=0
for i in 1 2 3 4 5 6; do state_valid "$(cat "$TEST_TMP/st.$i")" || bad=1; done
check "six concurrent state calls all read a valid state" $bad
(R delete --force "$c" >/dev/null 2>&1 &) ; R delete --force "$c" >/dev/null 2>&1
sleep 0.5
ok "two concurrent delete --force leave nothing" nothing_left "$c"

ok "no cgroup left under this test's parent" no_cgroups_left
finish
