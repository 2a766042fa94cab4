#!/bin/bash
# Terminals: with process.terminal, create --console-socket sends the pty
# master over SCM_RIGHTS to a receiver (as containerd's shim and conmon
# expect); the container's process has the pty as stdio and controlling
# terminal; input typed into the master reaches the shell.  `run` with a
# terminal inside a real terminal (script) is interactive.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
PY=/usr/bin/python3
[ -x $PY ] || { echo "not ok 1 - python3 not installed (scripts/install-deps.sh installs it)"; echo 1..1; exit 1; }
$PY -c 'import socket; socket.recv_fds' 2>/dev/null || skip_all "python3 >= 3.9 needed for socket.recv_fds"
RECV=$(dirname "$0")/console-receiver.py

P=/usr/bin/glass-probe
ID=h8tty-$$
B=$TEST_TMP/bundle
make_bundle "$B" '.process.terminal = true'

# receive SOCK OUT [INPUT]: starts the receiver in the background; waits until it listens.
receive() {
	rm -f "$2" "$2.ready" "$2.name" "$1"
	$PY "$RECV" "$@" &
	RECV_PID=$!
	on_exit "kill $RECV_PID"
	wait_file "$2.ready" 10
}
# json_of FILE: the first JSON line in a terminal transcript (CR stripped).
json_of() { tr -d '\r' <"$1" | grep -m1 '^{'; }

# --- create --console-socket: the probe sees a terminal
set_args "$B" $P --only pid
c=$ID-a
on_exit cleanup_container "$c"
receive "$TEST_TMP/a.sock" "$TEST_TMP/a.out"
R create --console-socket "$TEST_TMP/a.sock" --bundle "$B" "$c" </dev/null >/dev/null 2>"$TEST_TMP/a.err"
check "create --console-socket exits 0" $?
sed 's/^/#   /' "$TEST_TMP/a.err" | head -5
R start "$c" </dev/null
check "start exits 0" $?
wait "$RECV_PID"
check "the receiver got the pty master over SCM_RIGHTS and read until the pty closed" $?
out=$(json_of "$TEST_TMP/a.out")
is "the process's stdin is a terminal" "$(jq -r .tty.stdin <<<"$out" 2>/dev/null)" true
is "the process's stdout is a terminal" "$(jq -r .tty.stdout <<<"$out" 2>/dev/null)" true
is "the process's stderr is a terminal" "$(jq -r .tty.stderr <<<"$out" 2>/dev/null)" true
like "the terminal is the container's devpts slave (or /dev/console bound to it)" "$(jq -r .tty.name <<<"$out" 2>/dev/null)" '^(/dev/pts/[0-9]+|/dev/console)$'
is "the terminal is the process's controlling terminal" "$(jq -r .tty.controlling <<<"$out" 2>/dev/null)" true
is "the process leads its session" "$(jq -r '.sid == .pid' <<<"$out" 2>/dev/null)" true
wait_status "$c" stopped 10
R delete "$c"
ok "nothing left" nothing_left "$c"

# --- input typed into the master reaches an interactive shell
set_args "$B" /bin/sh
c=$ID-b
on_exit cleanup_container "$c"
receive "$TEST_TMP/b.sock" "$TEST_TMP/b.out" $'echo glass-$((6*7))\nexit 5\n'
R create --console-socket "$TEST_TMP/b.sock" --bundle "$B" "$c" </dev/null >/dev/null 2>&1 && R start "$c" </dev/null
check "create + start of an interactive shell on a console socket" $?
wait "$RECV_PID"
like "the shell ran the typed command and echoed through the pty" "$(tr -d '\r' <"$TEST_TMP/b.out")" $'\nglass-42'
ok "the shell exited on 'exit'" wait_status "$c" stopped 10
R delete "$c"
ok "nothing left" nothing_left "$c"

# --- a terminal without a console socket cannot be detached
set_args "$B" $P --only pid
fails "create with terminal:true and no --console-socket fails" R create --bundle "$B" "$ID-c" </dev/null
like "the message says a console socket is needed" "$FAIL_OUT" "console.socket|console-socket"
ok "nothing left" nothing_left "$ID-c"

# --- run in a real terminal: interactive, exit code relayed
if command -v script >/dev/null; then
	set_args "$B" /bin/sh
	out=$(printf 'echo glass-$((6*7))\nexit 3\n' |
		timeout 30 script -qec "$RUNTIME --root $STATE run --bundle $B $ID-d" /dev/null 2>&1)
	is "run with terminal:true in a terminal relays the exit code" $? 3
	like "run in a terminal: typed input reaches the shell" "$(tr -d '\r' <<<"$out")" $'\nglass-42'
	ok "nothing left" nothing_left "$ID-d"
	set_args "$B" $P --only pid
	out=$(sleep 5 | timeout 30 script -qec "$RUNTIME --root $STATE run --bundle $B $ID-e" /dev/null 2>&1)
	out=$(tr -d '\r' <<<"$out" | grep -m1 '^{')
	is "run in a terminal: the process's stdin is a terminal" "$(jq -r .tty.stdin <<<"$out" 2>/dev/null)" true
	is "run in a terminal: it is the controlling terminal" "$(jq -r .tty.controlling <<<"$out" 2>/dev/null)" true
else
	missing "run with a terminal" "script not installed (apt-get install bsdutils)"
fi
ok "no cgroup left under this test's parent" no_cgroups_left
finish
