#!/bin/bash
# "If the daemon crashes, running containers survive": every engine
# process is killed with SIGKILL at several points (during run -d, during
# logs -f, during stop); the containers run on under their shims, no log
# line is lost, an exit that happened while no engine process existed is
# reported by ps, inspect and wait, and stop and rm work afterwards.
# Then the shim itself is killed: the next command reports the container
# dead, and rm -f removes everything.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"

# a ticker: one numbered line per 100 ms, N lines, then exit 3
TICK='i=0; while [ $i -lt $N ]; do echo $i; i=$((i+1)); sleep 0.1; done; exit 3'

# kill -9 `run -d` at several delays: the result is whole or absent
for delay in 0.01 0.05 0.1 0.2 0.4; do
	"$ENGINE" run -d --name "k$delay" -e N=5 busybox sh -c "$TICK" >/dev/null 2>&1 &
	rpid=$!
	sleep "$delay"
	kill -9 "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
done
G container prune -f >/dev/null 2>&1 # the halves of creates killed early
states=$(G ps -a --format '{{.Names}}={{.State}}' | sort | tr '\n' ' ')
like "after kill -9 of run -d: each container is listed in a known state" "${states:-none}" '^((k[0-9.]+=(created|running|exited) )*|none)$'
wait_for sh -c "! \"$ENGINE\" ps -q | grep -q ."
for n in $(G ps -aq); do G rm -f "$n" >/dev/null 2>&1; done
is "and rm -f / prune remove all of them" "$(engine_leftovers)" ""

# kill -9 during logs -f: the container runs on, no line is lost
id=$(G run -d --name ticker -e N=40 busybox sh -c "$TICK")
sleep 0.5
"$ENGINE" logs -f ticker >"$TEST_TMP/follow1" 2>&1 &
lpid=$!
sleep 0.5
kill -9 "$lpid"
wait "$lpid" 2>/dev/null
check "the followed part is a prefix of the count" "$(seq 0 100 | head -n "$(wc -l <"$TEST_TMP/follow1")" | cmp -s - "$TEST_TMP/follow1"; echo $?)"
is "the container runs on after logs -f was killed" "$(G inspect -f '{{.State.Status}}' ticker)" running
# the container ends (exit 3) while no glass process exists
pids_before=$(engine_shim_pids)
sleep 4.5
is "ps -a reports the exit that happened while no engine ran" "$(G ps -a --filter name=ticker --format '{{.State}}')" exited
is "inspect: exit code 3, FinishedAt set" "$(G inspect -f '{{.State.ExitCode}}' ticker) $(G inspect ticker | jq -r '.[0].State.FinishedAt | startswith("20")')" "3 true"
is "wait: 3" "$(G wait ticker)" 3
is "no line lost: 0..39 in order" "$(G logs ticker | tr '\n' ' ')" "$(seq 0 39 | tr '\n' ' ')"
ok "rm after the unattended exit" G rm ticker

# kill -9 during stop: the container (sh ignores SIGTERM) runs on; a later stop works
G run -d --name stubborn busybox sh -c 'while true; do sleep 0.1; done' >/dev/null
"$ENGINE" stop -t 30 stubborn >/dev/null 2>&1 &
spid=$!
sleep 0.5
kill -9 "$spid"
wait "$spid" 2>/dev/null
is "after kill -9 of stop the container still runs" "$(G inspect -f '{{.State.Status}}' stubborn)" running
ok "a second stop works" G stop -t 1 stubborn
is "stopped by SIGKILL after the timeout: 137" "$(G wait stubborn)" 137
ok "rm works after" G rm stubborn

# kill -9 of the shim: reported dead with the reason; rm -f clears all
G run -d --name orphan busybox sleep 300 >/dev/null
cpid=$(G inspect -f '{{.State.Pid}}' orphan)
spid=$(engine_shim_pids)
kill -9 "$spid"
sleep 0.2
is "a killed shim: the container is dead" "$(G inspect -f '{{.State.Status}}' orphan)" dead
like "with the reason" "$(G inspect -f '{{.State.Error}}' orphan)" "shim died"
like "ps -a shows it dead" "$(G ps -a --format '{{.Status}}')" '^Dead'
ok "rm -f removes a dead container" G rm -f orphan
check "its process is gone" "$(! kill -0 "$cpid" 2>/dev/null || grep -q '^State:.*Z' /proc/"$cpid"/status; echo $?)"
is "nothing left" "$(engine_leftovers)" ""

# run --rm in the foreground: the shim is the one remover.  The engine
# waits for it (nothing is left once run returns), and when the engine is
# killed the shim removes the container alone when it ends.
G run --rm --name quick busybox sh -c 'exit 3'
is "run --rm: the exit status passes" $? 3
is "run --rm: nothing is left once it returned" "$(engine_leftovers)" ""
"$ENGINE" run --rm --name victim busybox sh -c 'sleep 1.5' &
rpid=$!
for _ in $(seq 100); do [ "$(G inspect -f '{{.State.Status}}' victim 2>/dev/null)" = running ] && break; sleep 0.05; done
kill -9 "$rpid"
wait "$rpid" 2>/dev/null
check "the engine is gone, the container runs on" "$(G inspect -f '{{.State.Running}}' victim | grep -q true; echo $?)"
for _ in $(seq 60); do [ -z "$(engine_leftovers)" ] && break; sleep 0.1; done
is "run --rm with its engine killed: the shim removed the container" "$(engine_leftovers)" ""

# container prune leaves alone a container whose create's lock is held (a
# run that has not started it yet), and removes it once the lock is free
id=$(G create --name pending busybox true)
mkdir -p "$GLASS_ROOT/creating"
flock "$GLASS_ROOT/creating/$id" sleep 30 &
fpid=$!
wait_for test -e "$GLASS_ROOT/creating/$id"
sleep 0.2
G container prune -f >/dev/null
is "prune: a container still being made stays" "$(G inspect -f '{{.State.Status}}' pending 2>&1)" created
# flock(1) holds the lock in its child (the sleep): both end, by pid
kill $(cat /proc/"$fpid"/task/*/children 2>/dev/null) "$fpid"
wait "$fpid" 2>/dev/null
like "prune: once its lock is free, it goes" "$(G container prune -f)" "$id"
rm -f "$GLASS_ROOT/creating/$id"
is "nothing left" "$(engine_leftovers)" ""
finish
