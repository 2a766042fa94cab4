#!/bin/bash
# Smoke test of glass-runtime's lifecycle (owner: the runtime helper):
# run, create/start/state/kill/delete, exec, exit codes, runc's error
# wording, --log json, the trace and the step control, hooks, a user
# namespace, and that failures leave nothing behind.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
[ -x "$RUNTIME" ] || skip_all "glass-runtime not built"
[ -d "$ROOTFS/bin" ] || skip_all "built-in image missing (make rootfs)"

B=$TEST_TMP/b
make_bundle "$B" '.process.args = ["/bin/sh", "-c", "echo hello from glass; hostname"]'

out=$(R run --bundle "$B" s1 </dev/null 2>&1)
is "run prints the process's output" "$out" "hello from glass
glass"
is "run leaves no state" "$(leftovers s1)" ""

jq '.process.args = ["/bin/sh", "-c", "exit 42"]' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
R run --bundle "$B" s2 </dev/null >/dev/null 2>&1
is "run relays the exit code" "$?" "42"
jq '.process.args = ["/bin/sleep", "30"]' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
R run --bundle "$B" s3 </dev/null >/dev/null 2>&1 &
runpid=$!
for _ in $(seq 50); do [ "$(R state s3 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.1; done
R kill s3 KILL
wait $runpid
is "run: killed by SIGKILL exits 128+9" "$?" "137"

# create / start / state / exec / kill / delete
jq '.process.args = ["/bin/sleep", "60"]' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
on_exit "R delete --force c1"
# The init inherits create's stdio (as with runc): no pipe here, or the
# reader would wait for the container to exit.
R create --bundle "$B" --pid-file "$TEST_TMP/pid" c1 >"$TEST_TMP/c1.out" 2>&1 </dev/null
check "create" $?
pid=$(cat "$TEST_TMP/pid" 2>/dev/null)
st=$(R state c1)
is "state after create: created" "$(jq -r .status <<<"$st")" "created"
is "state pid = --pid-file" "$(jq -r .pid <<<"$st")" "$pid"
is "state bundle" "$(jq -r .bundle <<<"$st")" "$B"
like "list shows it" "$(R list)" "c1 +$pid +created"
is "list -q" "$(R list -q)" "c1"
is "list --format json" "$(R list --format json | jq -r '.[0].status')" "created"
like "duplicate id: runc's wording" "$(R create --bundle "$B" c1 2>&1)" "container with id exists: c1"
ok "start" R start c1
is "state after start: running" "$(R state c1 | jq -r .status)" "running"
like "start again fails" "$(R start c1 2>&1)" "cannot start an already running container"
is "exec runs in the container's namespaces" \
	"$(R exec c1 /bin/sh -c 'readlink /proc/1/ns/pid; hostname' 2>&1 | tail -1)" "glass"
is "exec: same pid namespace" "$(R exec c1 readlink /proc/self/ns/pid)" "$(readlink /proc/"$pid"/ns/pid)"
R exec c1 /bin/sh -c 'exit 3' >/dev/null 2>&1
is "exec relays the exit code" "$?" "3"
is "exec --env/--user/--cwd" "$(R exec -e FOO=bar -u 1000:1000 --cwd /tmp c1 /bin/sh -c 'echo $FOO $(id -u) $(pwd)')" "bar 1000 /tmp"
like "delete of a running container fails" "$(R delete c1 2>&1)" "not stopped"
ok "kill KILL" R kill c1 KILL
for _ in $(seq 50); do [ "$(R state c1 | jq -r .status)" = stopped ] && break; sleep 0.1; done
is "state after kill: stopped" "$(R state c1 | jq -r .status)" "stopped"
like "kill of a stopped container: runc's wording" "$(R kill c1 2>&1)" "container not running"
like "exec in a stopped container fails" "$(R exec c1 /bin/true 2>&1)" "stopped"
ok "delete" R delete c1
is "delete leaves nothing" "$(leftovers c1)" ""

# unknown ids, runc's wording
like "state of an unknown id" "$(R state nope 2>&1)" 'container "nope" does not exist'
fails "delete of an unknown id fails" R delete nope
ok "delete --force of an unknown id exits 0" R delete --force nope
R --log "$TEST_TMP/log.json" --log-format json kill nope 2>/dev/null
is "--log-format json: level error" "$(jq -r .level "$TEST_TMP/log.json")" "error"
like "--log-format json: msg" "$(jq -r .msg "$TEST_TMP/log.json")" "does not exist"

# faults leave nothing behind
make_bundle "$TEST_TMP/bad" '.root.path = "/nonexistent/rootfs"'
like "missing rootfs: named" "$(R create --bundle "$TEST_TMP/bad" f1 2>&1)" "rootfs /nonexistent/rootfs"
is "missing rootfs leaves nothing" "$(leftovers f1)" ""
make_bundle "$TEST_TMP/bad2" '.mounts += [{"destination": "/proc/x/y", "type": "tmpfs", "source": "tmpfs"}]'
like "failing mount: names the field" "$(R create --bundle "$TEST_TMP/bad2" f2 2>&1)" "mounts\[[0-9]+\]"
is "failing mount leaves nothing" "$(leftovers f2)" ""
like "missing bundle" "$(R create --bundle "$TEST_TMP/none" f3 2>&1)" "bundle"

# trace and step
make_bundle "$TEST_TMP/t" '.process.args = ["/bin/true"]'
tr=$(R --trace run --bundle "$TEST_TMP/t" t1 2>&1 </dev/null)
like "trace: clone with namespace flags" "$tr" "clone\(CLONE_NEWNS"
like "trace: pivot_root in the child" "$tr" "\] +[0-9]+ pivot_root\("
like "trace: execve narrated" "$tr" "execve\(\"/bin/true\"\)"
tj=$(R --trace-format json run --bundle "$TEST_TMP/t" t2 2>&1 >/dev/null </dev/null | grep '^{')
is "trace json: every line parses" "$(jq -s 'length > 50' <<<"$tj" 2>&1)" "true"
(yes next | head -30; echo abort) >"$TEST_TMP/answers"
R --step-fd 3 run --bundle "$TEST_TMP/t" t3 3<"$TEST_TMP/answers" >/dev/null 2>"$TEST_TMP/step.err" </dev/null
is "step: abort fails the run" "$?" "1"
like "step: abort is ECANCELED" "$(cat "$TEST_TMP/step.err")" "Operation canceled"
is "step: abort leaves nothing" "$(leftovers t3)" ""

# hooks
cat >"$TEST_TMP/hook.sh" <<EOF
#!/bin/sh
echo "\$1 \$(jq -r .status)" >>"$TEST_TMP/hooks.log"
EOF
chmod +x "$TEST_TMP/hook.sh"
h() { printf '{"path":"%s","args":["hook.sh","%s"]}' "$TEST_TMP/hook.sh" "$1"; }
make_bundle "$TEST_TMP/h" ".process.args = [\"/bin/true\"] | .hooks = {prestart: [$(h prestart)], createRuntime: [$(h createRuntime)], createContainer: [$(h createContainer)], poststart: [$(h poststart)], poststop: [$(h poststop)]}"
ok "run with hooks" R run --bundle "$TEST_TMP/h" h1
is "hooks ran in order with the state on stdin" "$(cat "$TEST_TMP/hooks.log" 2>&1)" "prestart creating
createRuntime creating
createContainer creating
poststart running
poststop stopped"
make_bundle "$TEST_TMP/h2" '.process.args = ["/bin/true"] | .hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "10"], timeout: 1}]}'
like "hook timeout fails create" "$(R run --bundle "$TEST_TMP/h2" h2 2>&1)" "timed out after 1 s"
is "hook timeout leaves nothing" "$(leftovers h2)" ""

# the terminal: the pty master over --console-socket, exec --detach
if command -v python3 >/dev/null; then
	cat >"$TEST_TMP/recv.py" <<'EOF'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
out, end = b"", time.time() + 5
while time.time() < end and b"done" not in out:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    out += d
print(out.decode(errors="replace").replace("\r", "").strip())
EOF
	make_bundle "$TEST_TMP/tty" '.process.terminal = true | .process.args = ["/bin/sh", "-c", "tty; echo done; sleep 1"]'
	python3 "$TEST_TMP/recv.py" "$TEST_TMP/cs.sock" >"$TEST_TMP/recv.out" 2>&1 &
	rp=$!
	for _ in $(seq 50); do [ -S "$TEST_TMP/cs.sock" ] && break; sleep 0.1; done
	on_exit "R delete --force tty1"
	R create --bundle "$TEST_TMP/tty" --console-socket "$TEST_TMP/cs.sock" tty1 >/dev/null 2>&1 </dev/null
	check "create with --console-socket" $?
	R start tty1
	wait $rp
	is "the process's terminal is /dev/console, relayed through the master" "$(cat "$TEST_TMP/recv.out")" "/dev/console
done"
	like "terminal without --console-socket in create is refused" \
		"$(R create --bundle "$TEST_TMP/tty" tty2 2>&1)" "cannot allocate tty"
else
	missing "create with --console-socket" "python3 not installed"
fi
make_bundle "$TEST_TMP/d" '.process.args = ["/bin/sleep", "60"]'
on_exit "R delete --force d1"
R run -d --bundle "$TEST_TMP/d" d1 >/dev/null 2>&1 </dev/null
check "run -d" $?
is "run -d: running" "$(R state d1 | jq -r .status)" "running"
R exec --detach --pid-file "$TEST_TMP/epid" d1 /bin/sleep 30 >/dev/null 2>&1 </dev/null
check "exec --detach --pid-file" $?
epid=$(cat "$TEST_TMP/epid" 2>/dev/null)
is "the exec'd process is in the container's pid namespace" \
	"$(readlink /proc/"$epid"/ns/pid)" "$(readlink /proc/"$(R state d1 | jq -r .pid)"/ns/pid)"
ok "kill --all" R kill --all d1 KILL
for _ in $(seq 50); do [ "$(R state d1 | jq -r .status)" = stopped ] && break; sleep 0.1; done
ok "delete after kill --all" R delete d1
is "nothing left of d1" "$(leftovers d1)" ""

# a user namespace
if [ -e /proc/self/ns/user ]; then
	make_bundle "$TEST_TMP/u" '.process.args = ["/bin/sh", "-c", "cat /proc/self/uid_map"] | .linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	like "user namespace: uid_map written" "$(R run --bundle "$TEST_TMP/u" u1 2>&1 </dev/null)" "^ +0 +100000 +65536"
else
	skip "user namespace: uid_map written" "no user namespaces"
fi
finish
