#!/bin/bash
# glass-shim driven directly, without the engine (docs/shim.md): the
# detached shim as the parent of the container's pid 1, the json-file log
# and its rotation, exit codes and signals, OOM kills, restart policies,
# attach through the control socket (stdcopy frames, stdin, a terminal with
# its size), the client's "dead" after kill -9 of the shim, --rm, --trace,
# a failing create; and that nothing is left: no cgroup, no runtime state,
# no process.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
SHIM=$GLASS_BUILD/glass-shim
SHIM_CLIENT=$GLASS_BUILD/tests/unit/shim-client
ID=shim-$$
if [ ! -x "$SHIM" ] || [ ! -x "$SHIM_CLIENT" ]; then
	not_ok_line "glass-shim and tests/unit/shim-client are built"
	finish
	exit 1
fi
ctl() { /usr/bin/python3 "$GLASS_SRC/tests/integration/shim-ctl.py" "$@"; }

# sh_args CMD: a jq filter making the container's process `sh -c CMD`.
sh_args() { echo ".process.args = $(jq -cn --arg c "$1" '["sh","-c",$c]')"; }
# st NAME: the shim's state directory of container NAME.
st() { echo "$TEST_TMP/st-$1"; }
# field NAME KEY: a member of NAME's status.json.
field() { jq -r ".$2" "$(st "$1")/status.json" 2>/dev/null; }

# start_shim NAME FILTER [SHIM FLAGS...]: a bundle on the built-in image
# edited by FILTER, then glass-shim for it; its stdout (the container's pid)
# in $TEST_TMP/NAME.out, its stderr in NAME.err.  Cleanup at exit: the
# shim (by its pid file, if still a glass-shim) and the runtime's container.
start_shim() {
	local name=$1 filter=$2
	shift 2
	make_bundle "$TEST_TMP/b-$name" "$filter" || return 1
	on_exit "stop_shim $name"
	"${SHIM_BIN:-$SHIM}" --id "$ID-$name" --bundle "$TEST_TMP/b-$name" --state "$(st "$name")" \
		--runtime "$RUNTIME" --runtime-root "$STATE" "$@" \
		>"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err"
}
stop_shim() {
	local p
	p=$(cat "$(st "$1")/shim.pid" 2>/dev/null)
	[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = glass-shim ] && kill -9 "$p"
	R delete --force "$ID-$1"
}
# wait_field NAME KEY VALUE [SECONDS]
wait_field() {
	local n=$((${4:-10} * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(field "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# gone NAME: nothing of NAME is left: no shim, no runtime state, no cgroup,
# no control socket.
gone() {
	local left p
	p=$(cat "$TEST_TMP/$1.shimpid" 2>/dev/null)
	left=$(leftovers "$ID-$1")
	[ -e "$(st "$1")/ctl.sock" ] && left+=" ctl.sock"
	[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = glass-shim ] &&
		[ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$p/stat")" != Z ] && left+=" shim $p"
	[ -z "$left" ] || { echo "# left: $left"; return 1; }
}
remember_shim() { cat "$(st "$1")/shim.pid" >"$TEST_TMP/$1.shimpid" 2>/dev/null; }

# ---- the chain: the first process exits, the shim is pid 1's parent
"$SHIM" --help | grep -q -- '--restart' 
check "glass-shim --help" $?
start_shim basic "$(sh_args 'echo out1; echo err1 >&2; sleep 2; printf "out2 <&>"; exit 3')" 7>"$TEST_TMP/inherited" &
first=$!
wait $first
check "the shim's first process exits 0 once the container runs" $?
cpid=$(cat "$TEST_TMP/basic.out")
spid=$(cat "$(st basic)/shim.pid" 2>/dev/null)
remember_shim basic
like "it printed the container's pid" "$cpid" '^[0-9]+$'
is "ps: the container's pid 1 is a child of glass-shim" \
	"$(ps -o comm= -p "$(ps -o ppid= -p "$cpid" | tr -d ' ')")" glass-shim
is "ps: that glass-shim is the one in shim.pid" "$(ps -o ppid= -p "$cpid" | tr -d ' ')" "$spid"
[ "$spid" != "$first" ] && [ ! -e "/proc/$first" ]
check "the first process is gone; the shim is another process" $?
[ "$(ps -o sid= -p "$spid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] &&
	[ "$(ps -o ppid= -p "$spid" | tr -d ' ')" != $$ ]
check "the shim has a session of its own and is not this shell's child" $?
[ "$(ps -o sid= -p "$spid" | tr -d ' ')" != "$spid" ]
check "the shim is not its session's leader (it can never acquire a terminal)" $?
[ "$(tr '\0' ' ' </proc/"$spid"/cmdline)" != "" ] && ! ls -l /proc/"$spid"/fd 2>/dev/null | grep -q "$(readlink /proc/$$/fd/1)"
check "the shim's stdio are not the caller's" $?
! ls -l "/proc/$spid/fd" "/proc/$cpid/fd" 2>/dev/null | grep -q "$TEST_TMP/inherited"
check "an fd the caller left open (without O_CLOEXEC) reaches neither the shim nor the container" $?
is "status.json: running, with pid 1's pid" "$(field basic status) $(field basic pid)" "running $cpid"
final=$("$SHIM_CLIENT" wait "$(st basic)")
is "wait: exit code 3, no signal" "$(jq -r '"\(.status) \(.exitCode) \(.signal)"' <<<"$final")" "exited 3 0"
like "wait: started and finished times" "$(jq -r '"\(.startedAt) \(.finishedAt)"' <<<"$final")" \
	'^20[0-9-]+T[0-9:]+\.[0-9]{9}Z 20[0-9-]+T[0-9:]+\.[0-9]{9}Z$'
log=$(st basic)/container.log
is "log: one json-file line per output line" "$(jq -c '[.stream, .log]' "$log" | tr '\n' ' ')" \
	'["stdout","out1\n"] ["stderr","err1\n"] ["stdout","out2 <&>"] '
jq -e 'select((.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$") | not))' "$log" >/dev/null
[ $? = 4 ] || [ $? = 1 ]
check "log: every time is RFC 3339 with nanoseconds, UTC" $?
grep -q 'out2 \\u003c\\u0026\\u003e' "$log"
check "log: < & > escaped as Go's encoding/json does" $?
wait_gone "$spid" 5
check "the shim exits after the container" $?
gone basic
check "nothing left: runtime state, cgroup, ctl.sock, shim" $?

# ---- started as a process group leader (setsid(1) makes it one, as an
# interactive shell's job control would), glass-shim cannot call setsid()
# itself: a middle process makes the session and forks the shim
printf '#!/bin/sh\nexec setsid %s "$@"\n' "$SHIM" >"$TEST_TMP/leader-shim"
chmod +x "$TEST_TMP/leader-shim"
if SHIM_BIN=$TEST_TMP/leader-shim start_shim leader "$(sh_args 'sleep 1; exit 5')"; then
	remember_shim leader
	lpid=$(cat "$TEST_TMP/leader.shimpid")
	lc=$(cat "$TEST_TMP/leader.out")
	is "as a group leader: the container's pid 1 is the shim's child" \
		"$(ps -o ppid= -p "$lc" | tr -d ' ')" "$lpid"
	lsid=$(ps -o sid= -p "$lpid" | tr -d ' ')
	[ -n "$lsid" ] && [ "$lsid" != "$lpid" ] && [ "$lsid" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
	check "as a group leader: a session of its own that it does not lead" $?
	is "as a group leader: the exit code" "$("$SHIM_CLIENT" wait "$(st leader)" | jq -r .exitCode)" 5
	wait_gone "$lpid" 5
	gone leader
	check "nothing left of the group leader's shim" $?
else
	not_ok_line "glass-shim started as a process group leader runs its container"
	sed 's/^/#   /' "$TEST_TMP/leader.err"
fi

# ---- signal through the control socket: recorded as docker does (128 + N)
if start_shim sig "$(sh_args 'echo up; exec sleep 100')"; then
	remember_shim sig
	wait_field sig status running 5
	is "signal 9 through ctl.sock" "$(ctl "$(st sig)" request '{"op":"signal","signal":9}')" '{"ok":true}'
	final=$("$SHIM_CLIENT" wait "$(st sig)")
	is "killed by SIGKILL: signal 9, exit code 137" \
		"$(jq -r '"\(.status) \(.exitCode) \(.signal)"' <<<"$final")" "exited 137 9"
	wait_gone "$(cat "$TEST_TMP/sig.shimpid")" 5
	gone sig
	check "nothing left after the signal" $?
else
	not_ok_line "a sleeping container starts"
	sed 's/^/#   /' "$TEST_TMP/sig.err"
fi

# ---- the requests' errors
if start_shim req "$(sh_args 'exec sleep 100')"; then
	remember_shim req
	like "resize without a terminal is refused" \
		"$(ctl "$(st req)" request '{"op":"resize","height":10,"width":10}')" '"ok":false,"error":"the container has no terminal'
	like "an unknown op is refused by name" "$(ctl "$(st req)" request '{"op":"frobnicate"}')" 'unknown op \\"frobnicate\\"'
	like "a request that is not JSON is refused" "$(ctl "$(st req)" request 'hello')" '"ok":false,"error":"bad request'
	like "attach with logs is refused, naming the log" \
		"$(ctl "$(st req)" request '{"op":"attach","stdout":true,"logs":true}')" 'not served; read container.log'
	is "status: the current status.json" "$(ctl "$(st req)" request '{"op":"status"}' | jq -r .status)" running
	ctl "$(st req)" request '{"op":"signal","signal":9}' >/dev/null
	"$SHIM_CLIENT" wait "$(st req)" >/dev/null
	wait_gone "$(cat "$TEST_TMP/req.shimpid")" 5
	gone req
	check "nothing left after the requests" $?
else
	not_ok_line "a container for the requests starts"
fi

# ---- log rotation: --log-max-size 4096 --log-max-file 3
many='i=0; while [ $i -lt 400 ]; do echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done'
if start_shim rot "$(sh_args "$many")" --log-max-size 4096 --log-max-file 3; then
	remember_shim rot
	"$SHIM_CLIENT" wait "$(st rot)" >/dev/null
	d=$(st rot)
	is "rotation keeps 3 files" "$(ls "$d" | grep -c '^container\.log')" 3
	[ ! -e "$d/container.log.3" ]
	check "no fourth file" $?
	big=$(stat -c %s "$d"/container.log* | sort -n | tail -1)
	[ "$big" -le 4096 ]
	check "no file over max-size ($big bytes)" $?
	nums=$(cat "$d/container.log.2" "$d/container.log.1" "$d/container.log" | jq -j .log | sed 's/line-\([0-9]*\)-.*/\1/')
	is "the newest line is last in container.log" "$(echo "$nums" | tail -1)" 399
	first_kept=$(echo "$nums" | head -1)
	is "the kept lines are consecutive, oldest in .2" "$(echo "$nums" | tr '\n' ' ')" "$(seq "$first_kept" 399 | tr '\n' ' ')"
	gone rot
	check "nothing left after rotation" $?
else
	not_ok_line "a chatty container starts"
fi

# ---- OOM: the probe allocates past a 32 MiB limit (swap included); the
# kernel's OOM killer takes its child, the shim records it while it runs
mem='.linux.resources.memory = {"limit": 33554432, "swap": 33554432} | .process.args = ["/usr/bin/glass-probe", "--stress", "memory", "200", "100"]'
if [ ! -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && [ ! -e /sys/fs/cgroup/unified/memory.events ] &&
	[ ! -e /sys/fs/cgroup/memory.max ]; then
	skip "OOM recorded" "no memory controller with swap accounting on this host"
elif start_shim oom "$mem"; then
	remember_shim oom
	wait_field oom oomKilled true 30
	check "oomKilled true while it runs (the eventfd woke the shim)" $?
	ctl "$(st oom)" request '{"op":"signal","signal":9}' >/dev/null
	final=$("$SHIM_CLIENT" wait "$(st oom)")
	jq -j .log "$(st oom)/container.log" | grep -q '"signal":9,"name":"KILL"'
	check "the probe saw its allocating child SIGKILLed" $?
	is "the final status keeps oomKilled" "$(jq -r '"\(.oomKilled) \(.signal)"' <<<"$final")" "true 9"
	wait_gone "$(cat "$TEST_TMP/oom.shimpid")" 5
	gone oom
	check "nothing left after the OOM" $?
else
	not_ok_line "the memory probe starts"
	sed 's/^/#   /' "$TEST_TMP/oom.err"
fi

# ---- restart policies
if start_shim onf "$(sh_args 'echo run; exit 1')" --restart on-failure:2; then
	remember_shim onf
	final=$("$SHIM_CLIENT" wait "$(st onf)")
	is "on-failure:2: restarted twice, then exited 1" \
		"$(jq -r '"\(.status) \(.restartCount) \(.exitCode)"' <<<"$final")" "exited 2 1"
	is "the log has the three runs" "$(grep -c '"log":"run\\n"' "$(st onf)/container.log")" 3
	wait_gone "$(cat "$TEST_TMP/onf.shimpid")" 5
	gone onf
	check "nothing left after the restarts" $?
else
	not_ok_line "an on-failure container starts"
fi
if start_shim onf0 "$(sh_args 'exit 0')" --restart on-failure:5; then
	is "on-failure: a clean exit is not restarted" \
		"$("$SHIM_CLIENT" wait "$(st onf0)" | jq -r '"\(.restartCount) \(.exitCode)"')" "0 0"
else
	not_ok_line "an on-failure container that succeeds starts"
fi
if start_shim always "$(sh_args 'echo run; exit 0')" --restart always; then
	remember_shim always
	n=0
	while [ "$(field always restartCount)" -lt 2 ] 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(field always restartCount)" -ge 2 ]
	check "always: restarted after clean exits ($(field always restartCount) times)" $?
	is "stop-restarting" "$(ctl "$(st always)" request '{"op":"stop-restarting"}')" '{"ok":true}'
	final=$("$SHIM_CLIENT" wait "$(st always)")
	is "after stop-restarting the next exit is final" "$(jq -r .status <<<"$final")" exited
	wait_gone "$(cat "$TEST_TMP/always.shimpid")" 5
	gone always
	check "nothing left after restart always" $?
else
	not_ok_line "a restart-always container starts"
fi

# ---- attach: stdcopy frames out, stdin in, half-close is stdin's end
if start_shim att "$(sh_args 'read x; echo "got:$x"; cat; echo bye >&2')" --stdin; then
	remember_shim att
	frames=$(ctl "$(st att)" attach --input $'hello\nmore\n')
	is "attach: stdout frames (stream 1) carry what stdin brought" \
		"$(jq -r '[.[] | select(.[0] == 1) | .[1]] | add' <<<"$frames")" $'got:hello\nmore'
	is "attach: stderr frames (stream 2)" "$(jq -r '[.[] | select(.[0] == 2) | .[1]] | add' <<<"$frames")" bye
	is "attach: nothing but whole frames" "$(jq -r '[.[] | select(.[0] == "trailing")] | length' <<<"$frames")" 0
	is "the client's half-close ended cat: exit 0" "$("$SHIM_CLIENT" wait "$(st att)" | jq -r .exitCode)" 0
	wait_gone "$(cat "$TEST_TMP/att.shimpid")" 5
	gone att
	check "nothing left after attach" $?
else
	not_ok_line "an attachable container starts"
	sed 's/^/#   /' "$TEST_TMP/att.err"
fi

# ---- a terminal: the pty master held by the shim, resized through ctl.sock
if start_shim tty "$(sh_args 'read x; stty size; echo "got:$x"') | .process.terminal = true" --tty --stdin; then
	remember_shim tty
	out=$(ctl "$(st tty)" attach --tty --resize 33x101 --input $'hi\n' 2>"$TEST_TMP/tty.resize")
	like "tty: stty size inside sees the resize" "$out" $'33 101\r'
	like "tty: stdin through the terminal" "$out" 'got:hi'
	is "tty: the resize request succeeded" "$(cat "$TEST_TMP/tty.resize")" 'resize: {"ok":true}'
	"$SHIM_CLIENT" wait "$(st tty)" >/dev/null
	is "tty: the log has the terminal's output as stdout" \
		"$(jq -r 'select(.log | test("33 101")) | .stream' "$(st tty)/container.log")" stdout
	wait_gone "$(cat "$TEST_TMP/tty.shimpid")" 5
	gone tty
	check "nothing left after the terminal" $?
else
	not_ok_line "a container with a terminal starts"
	sed 's/^/#   /' "$TEST_TMP/tty.err"
fi

# ---- attached from the start (glass_shim_start_attached): a container that
# writes and exits at once loses nothing to the attach stream
if make_bundle "$TEST_TMP/b-early" "$(sh_args 'echo first; echo second >&2; echo third')"; then
	on_exit "stop_shim early"
	GLASS_SHIM=$SHIM "$SHIM_CLIENT" run "$(st early)" "$ID-early" "$TEST_TMP/b-early" "$RUNTIME" "$STATE" \
		>"$TEST_TMP/early.out" 2>"$TEST_TMP/early.err"
	check "start attached: whole stdcopy frames until the end" $?
	is "start attached: all of stdout" "$(cat "$TEST_TMP/early.out")" $'first\nthird'
	is "start attached: all of stderr" "$(cat "$TEST_TMP/early.err")" second
	is "start attached: exited 0" "$("$SHIM_CLIENT" wait "$(st early)" | jq -r .exitCode)" 0
	gone early
	check "nothing left after the attached start" $?
else
	not_ok_line "a bundle for the attached start"
fi

# ---- kill -9 of the shim: the client says dead, and why
if start_shim dead "$(sh_args 'exec sleep 100')"; then
	remember_shim dead
	spid=$(cat "$TEST_TMP/dead.shimpid")
	kill -9 "$spid"
	wait_gone "$spid" 5
	st_json=$("$SHIM_CLIENT" status "$(st dead)")
	is "a killed shim: status dead" "$(jq -r .status <<<"$st_json")" dead
	is "with the reason" "$(jq -r .error <<<"$st_json")" "shim died (pid $spid)"
	is "wait on a dead shim returns dead" "$("$SHIM_CLIENT" wait "$(st dead)" | jq -r .status)" dead
	R delete --force "$ID-dead" >/dev/null 2>&1
	rm -rf "$(st dead)" # the engine's rm: the state directory, with the dead shim's ctl.sock
	gone dead
	check "delete --force then leaves nothing" $?
else
	not_ok_line "a container for kill -9 starts"
fi

# ---- a create that fails: the runtime's message, no state, no shim
if ! start_shim bad '.process.args = ["/nonexistent"]'; then
	like "a failed create: the runtime's error on stderr" "$(cat "$TEST_TMP/bad.err")" 'nonexistent'
	is "status.json: exited with the error" "$(field bad status) $(field bad exitCode)" "exited 128"
	like "status.json: the error" "$(field bad error)" 'nonexistent.*process.args'
	sleep 0.2
	is "no ctl.sock, no shim.pid" "$(ls "$(st bad)" | grep -c -e ctl.sock -e shim.pid)" 0
	gone bad
	check "nothing left after a failed create" $?
else
	not_ok_line "a bundle running /nonexistent must fail"
fi

# ---- --rm: `glass rm -f ID` beside the shim, once the container is gone
# (a recording stand-in for the engine's rm, beside a link to the shim)
mkdir -p "$TEST_TMP/bin"
ln -s "$SHIM" "$TEST_TMP/bin/glass-shim"
printf '#!/bin/sh\necho "$@" >"%s"\n' "$TEST_TMP/rm.args" >"$TEST_TMP/bin/glass"
chmod +x "$TEST_TMP/bin/glass"
if SHIM_BIN=$TEST_TMP/bin/glass-shim start_shim rm "$(sh_args 'exit 0')" --rm; then
	n=0
	while [ ! -s "$TEST_TMP/rm.args" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	is "--rm: the shim ran glass rm -f ID" "$(cat "$TEST_TMP/rm.args" 2>/dev/null)" "rm -f $ID-rm"
	is "--rm: after the final status" "$(field rm status)" exited
	gone rm
	check "nothing left after --rm" $?
else
	not_ok_line "a --rm container starts"
fi

# ---- --trace: the hand-off narrated, the runtime's steps inside
if start_shim trace "$(sh_args 'exit 0')" --trace; then
	t=$TEST_TMP/trace.err
	order=""
	for w in 'setsid' 'fork: detaches; its parent [0-9]+ waits' 'orphaned and detached' 'PR_SET_CHILD_SUBREAPER' "create $ID-trace" 'pivot_root' \
		'OOM events' "start $ID-trace" 'the runtime exited; pid [0-9]+ waits for pid [0-9]+'; do
		order+="$(grep -n -E -m1 -- "$w" "$t" | cut -d: -f1) "
	done
	like "trace: every step of the hand-off, with pids" "$order" '^([0-9]+ ){9}$'
	is "trace: in order" "$order" "$(tr ' ' '\n' <<<"$order" | grep . | sort -n | tr '\n' ' ')"
	"$SHIM_CLIENT" wait "$(st trace)" >/dev/null
	[ -n "$order" ] || sed 's/^/#   /' "$t" | head -20
else
	not_ok_line "a traced container starts"
fi

finish
