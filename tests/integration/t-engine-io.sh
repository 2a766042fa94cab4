#!/bin/bash
# The engine's streams: run -it and exec -it through a real pty (script
# from bsdutils), stdin with -i, attach and its detach keys (ctrl-p
# ctrl-q), logs -f following to the exit, --tail/--since/--until, log
# rotation (--log-opt max-size/max-file), signals proxied by a foreground
# run.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
need_cmd script "apt-get install bsdutils"
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"
# script(1) runs the command on a new pty; -e: its exit status
in_pty() { script -qefc "$1" /dev/null; }

out=$(in_pty "$ENGINE run --rm -it busybox sh -c 'tty; echo in-pty'" </dev/null | tr -d '\r')
like "run -it: the container's stdio is a terminal" "$out" $'/dev/(pts/[0-9]+|console)\nin-pty'
out=$( (sleep 0.5; printf 'echo $((6*7))\n'; sleep 0.3; printf 'exit 5\n') | in_pty "$ENGINE run --rm -it busybox sh" | tr -d '\r')
rc=$?
like "run -it: typed input reaches the shell" "$out" $'\n42\n'
G run -it --rm busybox sh -c 'exit 5' </dev/null >/dev/null 2>&1
# docker's ConsoleSize: the terminal's size is the pty's from the start,
# not from a resize after it (which a program asking at once would miss)
out=$(in_pty "stty rows 31 cols 97; $ENGINE run --rm -it busybox stty size" </dev/null | tr -d '\r')
is "run -it: the pty has the terminal's size from the start" "$out" "31 97"
is "inspect: HostConfig.ConsoleSize" "$(in_pty "stty rows 31 cols 97; $ENGINE create -t --name sized busybox" </dev/null >/dev/null; G inspect -f '{{json .HostConfig.ConsoleSize}}' sized)" "[31,97]"
ok "rm sized" G rm sized
(sleep 0.5; printf 'exit 5\n') | in_pty "$ENGINE run --rm -it busybox sh" >/dev/null 2>&1
is "run -it: the shell's exit status" $? 5
is "run -i without a tty: stdin to the end, then EOF" "$(printf 'a\nb\n' | G run --rm -i busybox sh -c 'cat; echo done')" $'a\nb\ndone'
is "without -i the container's stdin is empty" "$(echo x | G run --rm busybox cat)" ""

# exec -it
G run -d --name box -it busybox sh >/dev/null
out=$(in_pty "$ENGINE exec -it box sh -c 'tty; echo exec-pty'" </dev/null | tr -d '\r')
like "exec -it: a pty in the container" "$out" $'/dev/(pts/[0-9]+|console)\nexec-pty'
is "exec -i: stdin passes" "$(echo piped | G exec -i box cat)" piped

# attach to a -it container, type, detach with ctrl-p ctrl-q
out=$( (sleep 0.7; printf 'echo att-$((1+1))\n'; sleep 0.5; printf '\020\021') | in_pty "$ENGINE attach box" | tr -d '\r')
like "attach: typed input runs in the container" "$out" "att-2"
like "attach: ctrl-p ctrl-q detaches" "$out" "read escape sequence"
is "the container runs on after the detach" "$(G inspect -f '{{.State.Status}}' box)" running
ok "rm -f box" G rm -f box

# attach without a tty: the output from now on and the exit status
G run -d --name late busybox sh -c 'sleep 1; echo late-out; echo late-err >&2; exit 2' >/dev/null
out=$(G attach late 2>&1)
is "attach relays the exit status" $? 2
like "attach relays stdout and stderr" "$out" $'late-out\nlate-err'
ok "rm late" G rm late

# logs -f follows until the container exits
G run -d --name tick busybox sh -c 'i=0; while [ $i -lt 15 ]; do echo $i; i=$((i+1)); sleep 0.1; done' >/dev/null
out=$(timeout 20 "$ENGINE" logs -f tick)
is "logs -f follows to the exit, every line" "$(echo "$out" | tr '\n' ' ')" "$(seq 0 14 | tr '\n' ' ')"
is "logs --tail 3" "$(G logs --tail 3 tick | tr '\n' ' ')" "12 13 14 "
is "logs --tail 0" "$(G logs --tail 0 tick)" ""
t7=$(G logs -t tick | sed -n 8p | cut -d' ' -f1)
is "logs --since the 8th line's time" "$(G logs --since "$t7" tick | head -1)" 7
is "logs --until the 8th line's time" "$(G logs --until "$t7" tick | tail -1)" 7
is "logs --since 1h: all" "$(G logs --since 1h tick | wc -l)" 15
ok "rm tick" G rm tick

# logs -f --tail N: the last N lines, then each new one as it comes; a
# --tail far past the log's length holds only the lines there are
G run -d --name gate busybox sh -c 'echo 1; echo 2; echo 3; while [ ! -e /go ]; do sleep 0.1; done; echo 4; echo 5' >/dev/null
wait_for sh -c "[ \"\$('$ENGINE' logs gate | wc -l)\" = 3 ]"
followed=$(mktemp)
timeout 20 "$ENGINE" logs -f --tail 2 gate >"$followed" &
fpid=$!
wait_for grep -qx 3 "$followed"
G exec gate touch /go
wait "$fpid"
is "logs -f --tail 2: the last 2 lines, then the new ones" "$(tr '\n' ' ' <"$followed")" "2 3 4 5 "
rm -f "$followed"
is "logs --tail 1000000000000: every line" "$(G logs --tail 1000000000000 gate 2>&1 | tr '\n' ' ')" "1 2 3 4 5 "
like "logs --tail with junk: a usage error" "$(G logs --tail 3x gate 2>&1)" 'tail "3x": not a number'
ok "rm gate" G rm gate

# rotation: max-size 1k, 3 files; what is kept is the newest, contiguous
G run -d --name rot --log-opt max-size=1k --log-opt max-file=3 busybox sh -c 'i=1; while [ $i -le 300 ]; do echo line-$i-padding; i=$((i+1)); done' >/dev/null
is "rotating container exits 0" "$(G wait rot)" 0
dir=$(dirname "$(G inspect -f '{{.LogPath}}' rot)")
check "rotated files exist (container.log.1)" "$([ -e "$dir/container.log.1" ]; echo $?)"
check "no more than max-file files" "$([ ! -e "$dir/container.log.3" ]; echo $?)"
logs=$(G logs rot)
is "the newest line is kept" "$(echo "$logs" | tail -1)" line-300-padding
first=$(echo "$logs" | head -1 | cut -d- -f2)
is "the kept lines are contiguous (none lost inside, none twice)" "$(echo "$logs" | cut -d- -f2 | tr '\n' ' ')" "$(seq "$first" 300 | tr '\n' ' ')"
ok "rm rot" G rm rot

# a foreground run proxies SIGTERM to the container (here glass-init at pid 1)
"$ENGINE" run --rm --init --name sig busybox sleep 30 >/dev/null 2>&1 &
rpid=$!
wait_for sh -c "[ \"\$('$ENGINE' inspect -f '{{.State.Status}}' sig 2>/dev/null)\" = running ]"
kill -TERM "$rpid"
wait "$rpid"
is "SIGTERM to run reaches the container: 128+15" $? 143
wait_for sh -c "! '$ENGINE' inspect sig >/dev/null 2>&1"
is "nothing left" "$(engine_leftovers)" ""
finish
