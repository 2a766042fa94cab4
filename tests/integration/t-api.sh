#!/bin/bash
# glass serve: the Docker Engine API, driven by Debian's docker CLI (the
# docker.io client only; no dockerd is started) over the server's UNIX
# socket: run (--rm, -d, -it), ps, logs -f, exec (-it), attach, stop, kill,
# restart, rm -f, inspect, cp both ways, stats, events; the server killed
# with -9 while containers run and restarted; bad requests answered in
# Docker's shape.  Every client call has a timeout: a hang fails a test.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
need_cmd curl
need_cmd script "apt-get install bsdutils"
DOCKER=/usr/bin/docker
[ -x $DOCKER ] || { missing "the docker CLI" "$DOCKER (Debian's docker.io)"; finish; }
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"

SOCK=$GLASS_ROOT/glass.sock
export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$TEST_TMP/docker-config
D() { timeout 30 $DOCKER "$@"; }
api() { # api METHOD PATH [curl args...]: the status, the body in $TEST_TMP/body
	local m=$1 p=$2
	shift 2
	timeout 30 curl -s --unix-socket "$SOCK" -X "$m" -o "$TEST_TMP/body" -w '%{http_code}' "$@" "http://glass$p"
}
# script(1) runs the command on a new pty; at the end of its own stdin it
# types one byte into it, which a tty echoes as "^@": dropped
in_pty() { timeout 30 script -qefc "$1" /dev/null; }
untty() { tr -d '\r' | sed 's/\^@//g'; }
SERVER=
start_server() {
	"$ENGINE" serve >>"$TEST_TMP/serve.log" 2>&1 &
	SERVER=$!
	# the socket of a server killed with -9 is still there: wait for an answer
	wait_for curl -sf --unix-socket "$SOCK" http://glass/_ping
}
stop_server() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; SERVER=; true; }
on_exit stop_server
start_server
check "the server listens on GLASS_ROOT/glass.sock" $?
is "the socket: mode 0660, owned by root" "$(stat -c '%a %U %G' "$SOCK")" "660 root root"
is "version negotiation: API 1.41" "$(D version --format '{{.Server.APIVersion}}')" 1.41

# run --rm: create, attach, wait (condition removed), start; the output and
# the status come through, and the container is gone
out=$(D run --rm busybox sh -c 'echo out; echo err >&2; exit 3' 2>"$TEST_TMP/err")
is "run --rm relays the exit status" $? 3
is "run --rm: stdout" "$out" out
is "run --rm: stderr on stderr" "$(cat "$TEST_TMP/err")" err
is "run --rm leaves no container" "$(D ps -aq)" ""
good=0
for i in $(seq 20); do
	[ "$(D run --rm busybox echo "run$i")" = "run$i" ] && good=$((good + 1))
done
is "run --rm twenty times in a row: every output, no hang" $good 20
is "after them, nothing left" "$(engine_leftovers)" ""

# run -d, ps, inspect, logs, logs -f
id=$(D run -d --name web -l app=demo -e GREETING=hi busybox sh -c 'echo $GREETING; i=0; while [ $i -lt 5 ]; do echo tick$i; i=$((i+1)); sleep 0.2; done; sleep 300')
like "run -d prints the ID" "$id" '^[0-9a-f]{64}$'
is "ps lists it" "$(D ps --format '{{.Names}} {{.State}}')" "web running"
is "ps --filter label=app=demo" "$(D ps -q --filter label=app=demo)" "${id:0:12}"
is "ps --filter status=exited: none" "$(D ps -q --filter status=exited)" ""
is "inspect: Docker's JSON" "$(D inspect web | jq -r '.[0] | [.Id == "'"$id"'", .Name, .State.Status, .State.Running, (.Config.Env | index("GREETING=hi") != null), .Config.Labels.app] | @tsv')" $'true\t/web\trunning\ttrue\ttrue\tdemo'
out=$(D logs -f web 2>&1 & sleep 1.8; kill $! 2>/dev/null)
wait_for sh -c "$DOCKER logs web | grep -q tick4"
is "logs: every line" "$(D logs web)" $'hi\ntick0\ntick1\ntick2\ntick3\ntick4'
is "logs --tail 2" "$(D logs --tail 2 web)" $'tick3\ntick4'
is "logs ?tail=1000000000000: every line (the server holds only what there is)" "$(D logs --tail 1000000000000 web)" $'hi\ntick0\ntick1\ntick2\ntick3\ntick4'
like "logs -t: RFC 3339 nano timestamps" "$(D logs -t --tail 1 web)" '^20[0-9-]+T[0-9:]+\.[0-9]{9}Z tick4$'
D run -d --name counter busybox sh -c 'for i in 1 2 3 4 5; do echo c$i; sleep 0.2; done' >/dev/null
out=$(D logs -f counter)
is "logs -f follows until the container ends" "$out" $'c1\nc2\nc3\nc4\nc5'
is "wait: its exit code" "$(D wait counter)" 0

# exec, exec -it, run -it (through a real pty)
is "exec" "$(D exec web sh -c 'echo $GREETING from-exec')" "hi from-exec"
D exec web sh -c 'exit 7'
is "exec relays the exit status" $? 7
is "exec -i: stdin" "$(echo piped | D exec -i web cat)" piped
# exec --privileged (docker's meaning): every capability the host can hand
# on, in the exec'd process only; the container's own keeps docker's set
host_bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
is "exec --privileged: the exec's effective set is the host's bounding set" \
	"$(D exec --privileged web awk '/^CapEff/ {print $2}' /proc/self/status)" "$host_bnd"
check "a plain exec keeps the container's smaller set" \
	"$([ "$(D exec web awk '/^CapEff/ {print $2}' /proc/self/status)" != "$host_bnd" ]; echo $?)"
is "exec: stderr framed apart" "$(D exec web sh -c 'echo e >&2' 2>&1 >/dev/null)" e
out=$(in_pty "$DOCKER exec -it web sh -c 'tty; echo exec-pty; exit 4'" </dev/null | untty)
like "exec -it: a pty in the container" "$out" $'^/dev/pts/[0-9]+\nexec-pty$'
in_pty "$DOCKER exec -it web sh -c 'exit 4'" </dev/null >/dev/null
is "exec -it: the exit status" $? 4
out=$(in_pty "$DOCKER run --rm -it busybox sh -c 'tty; echo in-pty'" </dev/null | untty)
like "run -it: the container's stdio is a terminal" "$out" $'^/dev/(pts/[0-9]+|console)\nin-pty$'
out=$( (sleep 1; printf 'echo $((6*7))\n'; sleep 0.5; printf 'exit 6\n') | in_pty "$DOCKER run --rm -it busybox sh" | untty)
like "run -it: typed input reaches the shell" "$out" $'\n42\n'
(sleep 1; printf 'exit 6\n') | in_pty "$DOCKER run --rm -it busybox sh" >/dev/null
is "run -it: the exit status" $? 6

# Config.Volumes (run -v /PATH), HostConfig.Binds and Tmpfs
like "run -v /data: an anonymous volume mounted there" "$(D run --rm -v /data busybox sh -c 'grep " /data " /proc/mounts')" ' /data '
mkdir -p "$TEST_TMP/bindsrc" && echo bound >"$TEST_TMP/bindsrc/f"
is "run -v HOST:CTR:ro: the bind, read-only" "$(D run --rm -v "$TEST_TMP/bindsrc:/b:ro" busybox sh -c 'cat /b/f; touch /b/g 2>/dev/null || echo ro')" $'bound\nro'
like "run --tmpfs /scratch: a tmpfs" "$(D run --rm --tmpfs /scratch busybox sh -c 'grep " /scratch " /proc/mounts')" '^tmpfs /scratch tmpfs'

# attach: stdin in, output out, ends with the container
D run -d -i --name att busybox sh -c 'read x; echo got:$x; exit 2' >/dev/null
out=$( (sleep 0.5; echo hello) | D attach att)
is "attach: stdin reaches it, its output comes back, its status is attach's" "$out/$?" "got:hello/2"

# stop, kill, restart, rm -f
ok "stop -t 1" D stop -t 1 web
is "stopped: exited (137)" "$(D inspect -f '{{.State.Status}} {{.State.ExitCode}}' web)" "exited 137"
ok "start" D start web
ok "restart -t 0" D restart -t 0 web
is "running after restart" "$(D inspect -f '{{.State.Status}}' web)" running
ok "kill -s TERM (pid 1 sh ignores it)" D kill -s TERM web
sleep 0.3
is "still running" "$(D inspect -f '{{.State.Status}}' web)" running
ok "kill" D kill web
is "wait after kill: 137" "$(D wait web)" 137
fails "kill of a stopped container: 409 in Docker's words" -m 'is not running' D kill web
ok "start again" D start web
ok "rm -f of a running container" D rm -f web
fails "it is gone" -m 'No such (container|object)' D inspect web

# cp both ways, stats, top
D run -d --name box busybox sleep 300 >/dev/null
mkdir -p "$TEST_TMP/cpdir/sub" && echo payload >"$TEST_TMP/cpdir/sub/f.txt"
ok "cp host -> container (a directory)" D cp "$TEST_TMP/cpdir" box:/tmp/
is "the files arrived" "$(D exec box cat /tmp/cpdir/sub/f.txt)" payload
ok "cp host -> container (a file, renamed)" D cp "$TEST_TMP/cpdir/sub/f.txt" box:/renamed.txt
is "under its new name" "$(D exec box cat /renamed.txt)" payload
D exec box sh -c 'mkdir -p /data && echo from-ctr >/data/x' >/dev/null
ok "cp container -> host" D cp box:/data "$TEST_TMP/out"
is "the directory came out" "$(cat "$TEST_TMP/out/x")" from-ctr
fails "cp of a missing path: 404" -m 'No such container:path: box:/nonexistent' D cp box:/nonexistent "$TEST_TMP/none"
ok "pause" D pause box
is "paused" "$(D inspect -f '{{.State.Status}} {{.State.Paused}}' box)" "paused true"
fails "exec in a paused container: 409" -m 'is paused' D exec box true
ok "unpause" D unpause box
ok "rename" D rename box box2
is "the new name finds it" "$(D inspect -f '{{.Name}}' box2)" /box2
ok "rename back" D rename box2 box
# ps answers from what the server keeps of each container (ctr-cache.c):
# every change since the last list shows in the next one
is "ps: box runs" "$(D ps --filter name=box --format '{{.Names}} {{.State}}')" "box running"
D pause box >/dev/null
like "ps after pause: paused" "$(D ps --filter name=box --format '{{.Status}}')" '\(Paused\)$'
D unpause box >/dev/null
like "ps after unpause: up" "$(D ps --filter name=box --format '{{.Status}}')" '^Up [^(]*$'
D rename box box3 >/dev/null
is "ps after rename: the new name" "$(D ps --filter id="$(D inspect -f '{{.Id}}' box3)" --format '{{.Names}}')" box3
D rename box3 box >/dev/null
D run -d --name short busybox sleep 300 >/dev/null
is "ps: a second one runs" "$(D ps -q --filter name=short | wc -l)" 1
D kill short >/dev/null && D wait short >/dev/null
is "ps after its exit: not among the running" "$(D ps -q --filter name=short | wc -l)" 0
like "ps -a: exited (137)" "$(D ps -a --filter name=short --format '{{.Status}}')" '^Exited \(137\)'
D start short >/dev/null
like "ps after start again: up" "$(D ps --filter name=short --format '{{.Status}}')" '^Up '
shim=$(cat "$GLASS_ROOT/containers/$(D inspect -f '{{.Id}}' short)/shim.pid")
kill -9 "$shim"
wait_for sh -c "$DOCKER ps -a --filter name=short --format '{{.Status}}' | grep -q '^Dead'"
check "ps after its shim was killed: dead" $?
ok "rm -f of the dead one" D rm -f short
like "diff: the changes of its layer (A added)" "$(D diff box)" '(^|'$'\n'')A /renamed.txt('$'\n''|$)'
like "ps -s: the writable layer's size" "$(D ps -s --filter name=box --format '{{.Size}}')" '^[0-9.]+[kMG]?B'
D run -d --name since-test busybox sh -c 'echo early; sleep 2; echo late; sleep 300' >/dev/null
sleep 1.2
mid=$(date +%s)
wait_for sh -c "$DOCKER logs since-test | grep -q late"
is "logs --since: only what came after" "$(D logs --since "$mid" since-test)" late
D rm -f since-test >/dev/null

# the container's symlinks resolve in its own root, never on the host
mkdir -p "$TEST_TMP/hostside" && echo host-secret >"$TEST_TMP/hostside/secret"
D exec box sh -c "ln -s '$TEST_TMP/hostside' /esc && ln -s / /rootlink" >/dev/null
fails "cp out through a symlink to a host path: not the host's file" -m 'No such container:path' D cp box:/esc/secret "$TEST_TMP/leaked"
check "  nothing of the host came out" "$([ ! -e "$TEST_TMP/leaked" ]; echo $?)"
D cp "$TEST_TMP/cpdir/sub/f.txt" box:/esc/ >/dev/null 2>&1
check "cp in through a symlink to a host path: the host's directory untouched" "$([ ! -e "$TEST_TMP/hostside/f.txt" ]; echo $?)"
printf 'x' >"$TEST_TMP/marker-$$"
ok "cp in through a link to / lands in the container's /" D cp "$TEST_TMP/marker-$$" box:/rootlink/
is "  in the container" "$(D exec box cat "/marker-$$")" x
check "  not in the host's /" "$([ ! -e "/marker-$$" ]; echo $?)"
like "stats --no-stream: a row for it" "$(D stats --no-stream --format '{{.Name}} {{.PIDs}}' box)" '^box 1$'
like "top: ps of its processes" "$(D top box)" 'sleep 300'

# events: what the lifecycle wrote, filtered by container
since=$(date +%s)
eid=$(D run -d --name ev busybox sh -c 'exit 5')
D wait ev >/dev/null
D rm ev >/dev/null
out=$(D events --since "$since" --until "$(($(date +%s) + 1))" --filter "container=$eid" --format '{{.Action}}')
is "events: create start die destroy" "$(echo $out)" "create start die destroy"
is "events: die carries the exit code" "$(D events --since "$since" --until "$(($(date +%s) + 1))" --filter event=die --filter "container=$eid" --format '{{.Actor.Attributes.exitCode}}')" 5

since=$(date +%s)
G run --rm --name clievt busybox true >/dev/null 2>&1
out=$(D events --since "$since" --until "$(($(date +%s) + 1))" --filter container=clievt --format '{{.Action}}')
is "events: a container of the glass CLI's too (one journal)" "$(echo $out)" "create start die destroy"

# the server dies (kill -9) while containers run and a client follows a
# log; the containers go on; a new server serves them again
D run -d --name writer busybox sh -c 'i=0; while [ $i -lt 20 ]; do echo w$i; i=$((i+1)); sleep 0.1; done' >/dev/null
D run -d --name ender busybox sh -c 'sleep 1; exit 7' >/dev/null
D run -d --name stayer busybox sleep 300 >/dev/null
# an --rm one: the server holds its removal (it removes what it started);
# killed, it lets go, and the shim removes the container itself
D run -d --rm --name rmgone busybox sleep 1 >/dev/null
spid=$(D inspect -f '{{.State.Pid}}' stayer)
D logs -f writer >"$TEST_TMP/follow" 2>&1 &
follower=$!
sleep 0.3
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null
SERVER=
sleep 2.5
check "with the server gone, its containers run on" "$(kill -0 "$spid"; echo $?)"
wait "$follower" 2>/dev/null
start_server
check "a new server starts on the same socket" $?
is "ps shows the containers that ran through it" "$(D ps --format '{{.Names}}' | sort | tr '\n' ' ')" "box stayer "
is "logs: every line, those written while no server ran too" "$(D logs writer | tr '\n' ' ')" "$(seq -f 'w%g' 0 19 | tr '\n' ' ')"
is "wait: the exit code of one that ended meanwhile" "$(D wait ender)" 7
is "ps -a: exited meanwhile" "$(D ps -a --filter name=ender --format '{{.Status}}' | cut -c1-11)" "Exited (7) "
wait_for sh -c "[ -z \"\$($DOCKER ps -aq --filter name=rmgone)\" ]"
check "an --rm one that ended while no server ran: its shim removed it" $?

# bad requests: Docker's {"message": ...} with the right status, nothing made
before=$(ls "$GLASS_ROOT/containers" | wc -l)
is "an unknown endpoint: 404" "$(api GET /v1.41/nonsense)/$(jq -r .message "$TEST_TMP/body")" "404/page not found"
is "a wrong method: 405" "$(api POST /v1.41/containers/json)/$(jq -r .message "$TEST_TMP/body")" "405/POST /containers/json: method not allowed"
is "a version too new: 400" "$(api GET /v1.99/version)/$(jq -r .message "$TEST_TMP/body")" "400/client version 1.99 is too new. Maximum supported API version is 1.41"
is "bad JSON: 400 saying where" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' -d '{"Image": "busybox",')" 400
like "  the message" "$(jq -r .message "$TEST_TMP/body")" '^the request body: malformed JSON at line 1, column [0-9]+: '
is "text after the JSON body: 400 saying where" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox"} {"Image":"other"}')/$(jq -r .message "$TEST_TMP/body")" "400/the request body: malformed JSON at line 1, column 21: unexpected character"
is "a field of the wrong type: 400" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","HostConfig":{"Memory":"lots"}}')" 400
is "  naming the field" "$(jq -r .message "$TEST_TMP/body")" "Memory: want an integer, got string"
is "a malformed ConsoleSize: 400 naming it" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","Tty":true,"HostConfig":{"ConsoleSize":[24]}}')/$(jq -r .message "$TEST_TMP/body")" "400/HostConfig.ConsoleSize: want [height, width], two integers 0-65535"
head -c 2000000 /dev/zero | tr '\0' x >"$TEST_TMP/huge"
is "a huge body: 413, not read" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/huge")" 413
is "an unknown container: 404" "$(api GET /v1.41/containers/nosuch/json)/$(jq -r .message "$TEST_TMP/body")" "404/No such container: nosuch"
is "a name in use: 409" "$(api POST '/v1.41/containers/create?name=stayer' -H 'Content-Type: application/json' -d '{"Image":"busybox"}')" 409
like "  Docker's message" "$(jq -r .message "$TEST_TMP/body")" 'The container name "/stayer" is already in use'
is "an unknown image: 404 (the CLI pulls then)" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' -d '{"Image":"nosuch-image:1"}')" 404
is "a field glass cannot honour is refused by name" "$(api POST /v1.41/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","HostConfig":{"Devices":[{"PathOnHost":"/dev/kmsg"}]}}')/$(jq -r .message "$TEST_TMP/body")" "400/HostConfig.Devices: not supported by glass"
is "the refusals made no container" "$(ls "$GLASS_ROOT/containers" | wc -l)" "$before"
like "the server still answers" "$(D version --format '{{.Server.APIVersion}}')" 1.41

# HostConfig.ConsoleSize (API 1.42's, harmless before): the pty's size
# from the start
api POST '/v1.41/containers/create?name=sized' -H 'Content-Type: application/json' -d '{"Image":"busybox","Tty":true,"Cmd":["stty","size"],"HostConfig":{"ConsoleSize":[21,77]}}' >/dev/null
D start sized >/dev/null
is "ConsoleSize: the container's terminal has it from the start" "$(D wait sized >/dev/null; D logs sized | tr -d '\r')" "21 77"
ok "rm sized" D rm sized

# wait's conditions, prune
D create --name cond busybox sh -c 'exit 9' >/dev/null
api POST /v1.41/containers/cond/wait?condition=next-exit >"$TEST_TMP/waitcode" &
waiter=$!
sleep 0.5
D start cond >/dev/null
wait $waiter
is "wait?condition=next-exit registered before the start: its exit" "$(cat "$TEST_TMP/waitcode")/$(jq -c . "$TEST_TMP/body")" '200/{"StatusCode":9,"Error":null}'
is "wait?condition=not-running of an exited one: at once" "$(api POST /v1.41/containers/cond/wait?condition=not-running)/$(jq -r .StatusCode "$TEST_TMP/body")" 200/9
is "wait with an unknown condition: 400" "$(api POST /v1.41/containers/cond/wait?condition=sometime)" 400
out=$(D container prune -f)
like "container prune removes the stopped ones" "$out" 'Deleted Containers:'
fails "  cond is gone" -m 'No such (container|object)' D inspect cond
is "  the running ones stay" "$(D ps --format '{{.Names}}' | sort | tr '\n' ' ')" "box stayer "

# the listeners: a TCP one only when named, with its warning; --group
port=$((20000 + $$ % 20000))
"$ENGINE" serve --host "tcp://127.0.0.1:$port" >"$TEST_TMP/tcp.log" 2>&1 &
tcp=$!
on_exit "kill $tcp 2>/dev/null"
wait_for curl -sf "http://127.0.0.1:$port/_ping"
is "tcp://127.0.0.1:PORT serves the API" "$(timeout 10 curl -s "http://127.0.0.1:$port/_ping")" OK
like "  with the warning that it is root-equivalent" "$(cat "$TEST_TMP/tcp.log")" 'WARNING: .*root on this host'
kill $tcp
fails "a second server on a socket in use is refused" -m 'another server answers on it' timeout 10 "$ENGINE" serve
fails "--host with a relative unix path is refused" -m 'want an absolute path' timeout 10 "$ENGINE" serve --host unix://rel.sock
fails "--group of an unknown group is refused" -m 'no such group' timeout 10 "$ENGINE" serve --host "unix://$TEST_TMP/g.sock" --group no-such-group-here
"$ENGINE" serve --host "unix://$TEST_TMP/g.sock" --group daemon >/dev/null 2>&1 &
gs=$!
on_exit "kill $gs 2>/dev/null"
wait_for test -S "$TEST_TMP/g.sock"
is "--group NAME: the socket's group, mode 0660" "$(stat -c '%a %U %G' "$TEST_TMP/g.sock")" "660 root daemon"
kill $gs
wait $gs 2>/dev/null
check "a stopped server removes its socket" "$([ ! -e "$TEST_TMP/g.sock" ]; echo $?)"

for c in $(D ps -aq); do D rm -f "$c" >/dev/null; done
is "rm -f of all: nothing left" "$(engine_leftovers)" ""
finish
