#!/bin/bash
# The engine's container lifecycle: run -d, ps, logs, exec, stop, kill,
# wait, inspect, create/start, restart, rename, pause, rm, container
# prune; names and ID prefixes; docker's exit statuses; the busy lock.
# Each container is checked to leave nothing behind after rm.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"

# run -d: the engine returns, the shim holds the container
id=$(G run -d --name web -l app=demo -e GREETING=hi busybox sh -c 'echo $GREETING; echo err >&2; exec sleep 300' 2>/dev/null)
like "run -d prints the 64-hex ID" "$id" '^[0-9a-f]{64}$'
shim=$(engine_shim_pids)
check "a glass-shim runs for it" "$([ -n "$shim" ]; echo $?)"
pid=$(G inspect -f '{{.State.Pid}}' web)
is "the shim is the container's parent" "$(awk '{print $4}' /proc/"$pid"/stat 2>/dev/null)" "$shim"
engine_procs() { for p in /proc/[0-9]*; do [ "$(readlink "$p/exe" 2>/dev/null)" = "$ENGINE" ] && echo "${p#/proc/}"; done; true; }
is "no glass engine process remains" "$(engine_procs)" ""
is "inspect: State.Status running" "$(G inspect -f '{{.State.Status}} {{.State.Running}}' web)" "running true"
is "inspect: Name and Config.Labels" "$(G inspect -f '{{.Name}} {{.Config.Labels.app}}' web)" "/web demo"
is "inspect is a JSON array in docker's shape" "$(G inspect web | jq -r '.[0] | [.Id == "'"$id"'", (.State|has("OOMKilled")), (.HostConfig|has("RestartPolicy")), (.GraphDriver.Name)] | @tsv')" $'true\ttrue\ttrue\toverlay2'
is "ps lists it by name" "$(G ps --format '{{.Names}} {{.State}}')" "web running"
is "ps -q prints the short ID" "$(G ps -q)" "${id:0:12}"
is "ps --filter label=app=demo" "$(G ps -q --filter label=app=demo)" "${id:0:12}"
is "ps --filter status=exited (none)" "$(G ps -aq --filter status=exited)" ""
is "ps --format json" "$(G ps --format json | jq -r .Names[0])" web
like "ps: docker's table header" "$(G ps | head -1)" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
like "ps --format 'table ...': the header names the columns as docker does" "$(G ps --format 'table {{.Names}}\t{{ .State }}\t{{.Label "app"}}')" $'^NAMES +STATE +Label\nweb +running +demo$'
is "ps --format '{{json .}}': the row as JSON" "$(G ps --format '{{json .}}' | jq -r .State)" running
is "inspect -f with spaces inside the braces, a missing key and text around" "$(G inspect -f 'state={{ .State.Status }} x={{.NoSuchKey}}' web)" "state=running x=<no value>"
wait_for grep -q err "$GLASS_ROOT/containers/$id/container.log"
is "logs: stdout to stdout" "$(G logs web 2>/dev/null)" hi
is "logs: stderr to stderr" "$(G logs web 2>&1 >/dev/null)" err
like "logs -t: RFC 3339 nano timestamps" "$(G logs -t web 2>/dev/null)" '^20[0-9-]+T[0-9:]+\.[0-9]{9}Z hi$'
is "a unique ID prefix finds it" "$(G inspect -f '{{.Name}}' "${id:0:5}")" /web
is "exec runs in the container" "$(G exec web sh -c 'echo $GREETING $(hostname)')" "hi ${id:0:12}"
is "exec -e -w" "$(G exec -e X=1 -w /etc web sh -c 'echo $X $(pwd)')" "1 /etc"
is "exec -u nobody" "$(G exec -u nobody web id -u)" 65534
G exec web sh -c 'exit 7'
is "exec relays the exit status" $? 7
G exec web /nonexistent >/dev/null 2>&1
like "exec of a missing command: 126 or 127" $? '^12[67]$'
ok "exec -d returns at once" G exec -d web sleep 1
# exec -d: the process is the shim's (its subreaper), which reaps it, as
# containerd's shim and conmon do -- not this shell's reaper
wid=$(G inspect -f '{{.Id}}' web)
shim=$(cat "$GLASS_ROOT/containers/$wid/shim.pid")
ok "exec -d of a marked sleep" G exec -d web sleep 3131
xpid=""
for _ in $(seq 50); do
	xpid=$(for p in /proc/[0-9]*; do [ "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" = "sleep 3131 " ] && echo "${p#/proc/}"; done | head -1)
	[ -n "$xpid" ] && break
	sleep 0.1
done
is "its parent is the container's shim" "$(awk '/^PPid:/ {print $2}' "/proc/$xpid/status" 2>/dev/null)" "$shim"
check "it runs in the container's cgroup" "$(grep -q "$wid" "/proc/$xpid/cgroup" 2>/dev/null; echo $?)"
kill -9 "$xpid" 2>/dev/null
for _ in $(seq 50); do [ -e "/proc/$xpid" ] || break; sleep 0.1; done
check "killed, it is reaped by the shim (no zombie is left)" "$([ ! -e "/proc/$xpid" ]; echo $?)"
fails "exec -d of a missing command fails, naming it" -m 'nonexistent.*No such file' G exec -d web /nonexistent
G exec -d web /nonexistent 2>/dev/null
is "with docker's 127" $? 127
is "and leaves no request file in the container's directory" "$(ls "$GLASS_ROOT/containers/$wid" | grep -c '^exec-')" 0
# exec --privileged (docker's): every capability this host can hand on, in
# bounding, permitted and effective; none inheritable or ambient
host_bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
is "exec: docker's default capabilities" "$(G exec web awk '/^CapEff:/ {print $2}' /proc/self/status)" 00000000a80425fb
priv=$(G exec --privileged web grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status | awk '{print $2}' | tr '\n' ' ')
is "exec --privileged: Inh Prm Eff Bnd Amb" "$priv" "0000000000000000 $host_bnd $host_bnd $host_bnd 0000000000000000 "
is "the container's own process keeps its set" "$(awk '/^CapEff:/ {print $2}' "/proc/$(G inspect -f '{{.State.Pid}}' web)/status")" 00000000a80425fb
G exec --privileged web sh -c 'exit 5'
is "exec --privileged relays the exit status" $? 5
is "and leaves no process file" "$(ls "$GLASS_ROOT/containers/$wid" | grep -c '^exec-')" 0
fails "create with a taken name fails" -m 'already in use' G create --name web busybox true
fails "rm of a running container is refused" -m 'Stop the container' G rm web
fails "an unknown container" -m 'No such container' G stop nosuch

# stop: the stop signal, then SIGKILL after the timeout; 128+N
ok "stop -t 1" G stop -t 1 web
is "stopped: exited (137)" "$(G inspect -f '{{.State.Status}} {{.State.ExitCode}}' web)" "exited 137"
is "wait prints the exit status" "$(G wait web)" 137
is "ps without -a hides it" "$(G ps -q)" ""
like "ps -a shows Exited (137)" "$(G ps -a --format '{{.Status}}')" '^Exited \(137\) '
is "no shim after the exit" "$(engine_shim_pids)" ""
is "logs still read after the exit" "$(G logs web 2>/dev/null)" hi
ok "start again" G start web
is "running again" "$(G inspect -f '{{.State.Status}}' web)" running
is "the log keeps the first run's lines" "$(G logs web 2>/dev/null)" $'hi\nhi'
ok "restart" G restart -t 0 web
# the last shim deletes the runtime's state after it told the exit: a
# start right after must not have its own state deleted (it was dead)
G create --name quick busybox sleep 0.3 >/dev/null
for i in 1 2 3 4 5; do G start quick >/dev/null; G wait quick >/dev/null; G start quick >/dev/null; G inspect -f '{{.State.Status}}' quick; G wait quick >/dev/null; done >"$TEST_TMP/restarts"
is "start at once after wait, five times: running each time" "$(sort "$TEST_TMP/restarts" | uniq -c | awk '{print $1, $2}')" "5 running"
ok "rm quick" G rm -f quick
ok "rename" G rename web web2
is "the new name finds it" "$(G inspect -f '{{.Name}}' web2)" /web2
fails "the old name is free" -m 'No such container' G inspect web
ok "pause" G pause web2
is "paused" "$(G inspect -f '{{.State.Status}} {{.State.Paused}}' web2)" "paused true"
fails "exec in a paused container is refused" -m 'paused' G exec web2 true
ok "unpause" G unpause web2
ok "kill -s TERM: sh as pid 1 ignores it" G kill -s TERM web2
sleep 0.3
is "still running" "$(G inspect -f '{{.State.Status}}' web2)" running
ok "kill (SIGKILL)" G kill web2
wait_for sh -c "[ \"\$(G inspect -f '{{.State.Status}}' web2)\" = exited ]" 2>/dev/null || wait_for test "$("$ENGINE" wait web2)" = 137
is "killed: 137" "$(G wait web2)" 137
ok "rm" G rm web2
is "rm leaves nothing" "$(engine_leftovers)" ""

# create + start; start -a relays the output and the status
cid=$(G create --name c1 busybox sh -c 'echo from c1; exit 3' 2>/dev/null)
is "create: created" "$(G inspect -f '{{.State.Status}}' c1)" created
is "created containers are listed by ps -a" "$(G ps -a --format '{{.Names}} {{.Status}}')" "c1 Created"
out=$(G start -a c1 2>&1)
is "start -a relays the exit status" $? 3
is "start -a relays the output" "$out" "from c1"
is "exited (3)" "$(G inspect -f '{{.State.ExitCode}}' "$cid")" 3

# foreground run: exit statuses as docker's
G run --rm busybox sh -c 'exit 5' >/dev/null 2>&1
is "run relays the status" $? 5
G run --rm busybox /nonexistent >/dev/null 2>&1
is "run: command not found is 127" $? 127
G run --rm busybox /etc/passwd >/dev/null 2>&1
is "run: not executable is 126" $? 126
G run --rm --nosuchflag busybox true >/dev/null 2>&1
is "run: a bad flag is 125" $? 125
G run --rm --restart sometimes busybox true >/dev/null 2>&1
is "run: a bad --restart is 125" $? 125
is "run -e K (from the environment) and --env-file" "$(printf 'B=2\n# c\n' >"$TEST_TMP/envf"; A=1 G run --rm -e A --env-file "$TEST_TMP/envf" busybox sh -c 'echo $A$B')" 12
is "run --entrypoint" "$(G run --rm --entrypoint echo busybox hi there)" "hi there"
is "run -h" "$(G run --rm -h myhost busybox hostname)" myhost
is "run -w -u" "$(G run --rm -w /tmp -u 1000:1000 busybox sh -c 'pwd; id -u')" $'/tmp\n1000'
is "run --rm removed c's own container" "$(G ps -aq --filter name=c1 | wc -l)" 1

# the busy lock: a second command says who holds it instead of hanging
lock="$GLASS_ROOT/containers/$cid/lock"
flock "$lock" -c 'echo "start (pid 4242)" >"'"$lock"'"; sleep 8' &
fpid=$!
sleep 0.3
start=$(date +%s)
fails "a locked container is busy" -m 'busy: start \(pid 4242\)' G rm c1
check "busy is reported within seconds, not a hang" "$([ $(($(date +%s) - start)) -lt 8 ]; echo $?)"
wait $fpid

# container prune removes the stopped ones, keeps the running
G run -d --name keep busybox sleep 300 >/dev/null 2>&1
G create --name drop busybox true >/dev/null 2>&1
out=$(G container prune -f)
like "container prune lists what it removed" "$out" "$cid"
is "prune kept the running one" "$(G ps -a --format '{{.Names}}')" keep
ok "container ls" G container ls
ok "rm -f of a running container" G rm -f keep
is "nothing left" "$(engine_leftovers)" ""
finish
