#!/bin/bash
# docker run's options through the engine: restart policies (with docker's
# back-off; stop ends them), OOM reported in inspect, --init, the stop
# signal and timeout, capabilities, --privileged, --security-opt,
# --pids-limit, --read-only, -m/--cpus in HostConfig, labels.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
. "$(dirname "$0")/lib-engine.sh"
out=$(G run --rm busybox true 2>&1) || skip_all "glass run does not work on this host: $out"
capeff() { G run --rm "$@" busybox sh -c 'grep CapEff /proc/self/status' | awk '{print $2}'; }

# restart policies
G run -d --name onfail --restart on-failure:3 busybox sh -c 'echo run; exit 1' >/dev/null
wait_for sh -c "[ \"\$('$ENGINE' inspect -f '{{.State.Status}}' onfail)\" = exited ]"
is "on-failure:3: restarted 3 times, then exited 1" "$(G inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' onfail)" "3 exited 1"
is "on-failure:3: 4 runs in the log" "$(G logs onfail | grep -c run)" 4
is "inspect: the policy in HostConfig" "$(G inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' onfail)" on-failure:3
G run -d --name okexit --restart on-failure busybox true >/dev/null
is "on-failure: exit 0 is final" "$(G wait okexit) $(G inspect -f '{{.RestartCount}}' okexit)" "0 0"
G run -d --name always --restart always busybox sh -c 'sleep 0.2' >/dev/null
wait_for sh -c "[ \"\$('$ENGINE' inspect -f '{{.RestartCount}}' always)\" -ge 2 ]"
check "always: restarts after exit 0" $?
ok "stop ends the policy" G stop -t 1 always
sleep 1
is "stopped for good" "$(G inspect -f '{{.State.Status}}' always)" exited
fails "--restart with --rm is refused" -m 'conflicting' G run --rm --restart always busybox true
G rm onfail okexit always >/dev/null

# OOM: the kernel's OOM killer in the container's memory cgroup
G run -d --name oom -m 16m busybox sh -c 'tail /dev/zero' >/dev/null
G wait oom >/dev/null
is "OOM: inspect says OOMKilled, exit 137" "$(G inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)" "true 137"
is "inspect: HostConfig.Memory" "$(G inspect -f '{{.HostConfig.Memory}}' oom)" 16777216
G rm oom >/dev/null

# --init: glass-init is pid 1, reaps, forwards signals, relays the status
is "--init: glass-init is pid 1" "$(G run --rm --init busybox sh -c 'cat /proc/1/comm')" glass-init
is "--init: the status of the command" "$(G run --rm --init busybox sh -c 'exit 4' >/dev/null 2>&1; echo $?)" 4
out=$(G run --rm --init busybox sh -c '(sleep 0.1 &) ; sleep 0.5; ps -o stat,comm | grep -c "^Z"')
is "--init: orphans are reaped (no zombie)" "$out" 0
G run -d --name ini --init busybox sleep 300 >/dev/null
start=$(date +%s%N)
ok "--init: stop is quick (SIGTERM forwarded)" G stop -t 10 ini
check "stopped well within the 10 s timeout" "$([ $((($(date +%s%N) - start) / 1000000)) -lt 5000 ]; echo $?)"
is "--init: killed by SIGTERM: 143" "$(G inspect -f '{{.State.ExitCode}}' ini)" 143
G rm ini >/dev/null

# stop signal and timeout
G run -d --name ss --stop-signal USR1 --stop-timeout 1 busybox sh -c 'trap "echo got-usr1; exit 9" USR1; while true; do sleep 0.1; done' >/dev/null
sleep 0.3
ok "stop with --stop-signal USR1" G stop ss
is "the trap ran: exit 9" "$(G inspect -f '{{.State.ExitCode}}' ss) $(G logs ss)" "9 got-usr1"
is "inspect: StopSignal, StopTimeout" "$(G inspect -f '{{.Config.StopSignal}} {{.Config.StopTimeout}}' ss)" "USR1 1"
G rm ss >/dev/null
fails "an unknown --stop-signal is refused" -m 'unknown signal' G run --rm --stop-signal NOPE busybox true

# capabilities and security options
is "--cap-drop ALL: no capability" "$(capeff --cap-drop ALL)" 0000000000000000
default=$(capeff)
added=$(capeff --cap-add SYS_ADMIN)
check "--cap-add SYS_ADMIN adds a bit" "$([ "$default" != "$added" ] && [ $((0x$added & (1 << 21))) -ne 0 ]; echo $?)"
check "--privileged: more than the default" "$([ $((0x$(capeff --privileged))) -gt $((0x$default)) ]; echo $?)"
is "--privileged: no masked /proc/kcore" "$(G run --rm --privileged busybox sh -c 'grep -c " /proc/kcore " /proc/self/mountinfo')" 0
fails "--cap-add of an unknown capability" -m 'unknown capability' G run --rm --cap-add NOPE busybox true
is "--security-opt no-new-privileges" "$(G run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status | awk '{print $2}')" 1
is "default: no_new_privs off, as docker" "$(G run --rm busybox grep NoNewPrivs /proc/self/status | awk '{print $2}')" 0
is "default: seccomp filter on" "$(G run --rm busybox grep '^Seccomp:' /proc/self/status | awk '{print $2}')" 2
is "--security-opt seccomp=unconfined" "$(G run --rm --security-opt seccomp=unconfined busybox grep '^Seccomp:' /proc/self/status | awk '{print $2}')" 0
fails "an unknown --security-opt is refused" -m 'security-opt' G run --rm --security-opt apparmor=x busybox true

# limits and the root filesystem
is "--pids-limit 7" "$(G run --rm --pids-limit 7 busybox sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')" 7
fails "--read-only" -m 'Read-only' G run --rm --read-only busybox touch /x
G create --name lim -m 64m --cpus 1.5 -l a=b -l c=d busybox true >/dev/null
is "HostConfig: Memory, NanoCpus" "$(G inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' lim)" "67108864 1500000000"
is "Config.Labels" "$(G inspect -f '{{json .Config.Labels}}' lim)" '{"a":"b","c":"d"}'
fails "a bad --memory" -m 'memory' G run --rm -m lots busybox true
fails "a bad --log-opt" -m 'log-opt' G run --rm --log-opt mode=x busybox true
G rm lim >/dev/null
is "nothing left" "$(engine_leftovers)" ""
finish
