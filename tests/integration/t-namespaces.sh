#!/bin/bash
# Namespaces, seen by the probe inside the container and compared with this
# host's /proc/self/ns inodes: each of the 8 types new when listed in
# linux.namespaces and shared when not; the init is pid 1 of a new pid
# namespace; joining by path (a netns made with `ip netns add`, another
# container's uts/ipc); a user namespace with uidMappings/gidMappings; a time
# namespace with timeOffsets; hostname and domainname.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

P=/usr/bin/glass-probe
ID=h8ns-$$

# ns type in config.json -> name in /proc/self/ns
declare -A NSNAME=([mount]=mnt [uts]=uts [ipc]=ipc [pid]=pid [network]=net [cgroup]=cgroup [user]=user [time]=time)
ALL='[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}]'

# --- each type new, then each shared (removed from the list)
out=$(probe_in ".linux.namespaces = $ALL")
check "a container with pid, network, ipc, uts, mount and cgroup namespaces runs" $?
for t in pid network ipc uts mount cgroup; do
	got=$(jq -r ".ns.${NSNAME[$t]}" <<<"$out")
	[ -n "$got" ] && [ "$got" != null ] && [ "$got" != "$(host_ns "${NSNAME[$t]}")" ]
	check "namespace $t: new (inode $got, host $(host_ns "${NSNAME[$t]}"))" $?
done
is "user namespace not listed: shared with the host" "$(jq -r .ns.user <<<"$out")" "$(host_ns user)"
is "time namespace not listed: shared with the host" "$(jq -r .ns.time <<<"$out")" "$(host_ns time)"
is "new pid namespace: the process is pid 1" "$(jq -r .pid <<<"$out")" 1
is "new pid namespace: it sees only itself" "$(jq -c '[.procs[].pid]' <<<"$out")" "[1]"
is "new network namespace: only lo" "$(jq -c '[.net[].name]' <<<"$out")" '["lo"]'
is "new cgroup namespace: the own cgroup is the root" "$(jq -r '[.cgroup[].path] | unique | join(",")' <<<"$out")" /

for t in pid network ipc uts cgroup; do
	out=$(probe_in ".linux.namespaces |= map(select(.type != \"$t\")) | if \"$t\" == \"uts\" then del(.hostname) else . end" --only ns)
	is "namespace $t not listed: shared with the host" "$(jq -r ".ns.${NSNAME[$t]}" <<<"$out")" "$(host_ns "${NSNAME[$t]}")"
done

# --- hostname, domainname
out=$(probe_in '.hostname = "glass-h8" | .domainname = "example.org"' --only uts,ns)
is "hostname from config.json" "$(jq -r .hostname <<<"$out")" glass-h8
is "domainname from config.json" "$(jq -r .domainname <<<"$out")" example.org
ok "the host's hostname is untouched" test "$(hostname)" != glass-h8

# --- join by path: a network namespace made with ip netns
if netns_add "glass-test-$$"; then
	ip -n "glass-test-$$" link add glass-v0 type veth peer name glass-v1 2>/dev/null
	want=$(stat -L -c %i "/run/netns/glass-test-$$")
	out=$(probe_in ".linux.namespaces |= map(if .type == \"network\" then .path = \"/run/netns/glass-test-$$\" else . end)" --only ns,net)
	is "network namespace joined by path (ip netns)" "$(jq -r .ns.net <<<"$out")" "$want"
	like "the joined netns's interfaces are visible" "$(jq -c '[.net[].name]' <<<"$out")" glass-v0
else
	not_ok_line "network namespace joined by path: ip netns add failed"
fi

# --- join another container's uts and ipc namespaces by /proc path
b=$TEST_TMP/host
make_bundle "$b" '.hostname = "glass-host-ctr"'
set_args "$b" $P sleep 60
on_exit cleanup_container "$ID-host"
R run -d --bundle "$b" "$ID-host" </dev/null >/dev/null 2>&1
hpid=$(pid_of "$ID-host")
if [ -n "$hpid" ] && [ "$hpid" != 0 ] && [ -d "/proc/$hpid" ]; then
	out=$(probe_in ".linux.namespaces |= map(if .type == \"uts\" or .type == \"ipc\" then .path = \"/proc/$hpid/ns/\" + .type else . end) | del(.hostname)" --only ns,uts)
	is "uts namespace joined by path" "$(jq -r .ns.uts <<<"$out")" "$(stat -L -c %i "/proc/$hpid/ns/uts")"
	is "ipc namespace joined by path" "$(jq -r .ns.ipc <<<"$out")" "$(stat -L -c %i "/proc/$hpid/ns/ipc")"
	is "the joined uts namespace's hostname is seen" "$(jq -r .hostname <<<"$out")" glass-host-ctr
else
	not_ok_line "a detached container to join runs"
fi
R delete --force "$ID-host" >/dev/null 2>&1
fails "joining a namespace path that does not exist fails ENOENT, naming the namespace's path" \
	-m '"/nonexistent/netns".*No such file or directory.*linux\.namespaces\[type=network\]\.path' \
	probe_in '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/netns" else . end)' --only ns

# --- user namespace with mappings
USERNS='.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ]; then
	out=$(probe_in "$USERNS" --only ns,idmap,ids,status)
	check "a container with a user namespace runs" $?
	[ "$(jq -r .ns.user <<<"$out")" != "$(host_ns user)" ] && [ "$(jq -r .ns.user <<<"$out")" != null ]
	check "namespace user: new" $?
	is "uid_map from linux.uidMappings" "$(jq -c .uid_map <<<"$out")" "[[0,100000,65536]]"
	is "gid_map from linux.gidMappings" "$(jq -c .gid_map <<<"$out")" "[[0,100000,65536]]"
	is "the process is uid 0 inside" "$(jq -r .uid <<<"$out")" 0
else
	skip "user namespace" "user namespaces disabled (user.max_user_namespaces = 0)"
fi

# --- time namespace with offsets
if [ -e /proc/self/ns/time ]; then
	before=$("$PROBE" --only clocks | jq -r .clocks.monotonic)
	out=$(probe_in '.linux.namespaces += [{"type":"time"}] | .linux.timeOffsets = {"monotonic":{"secs":86400,"nanosecs":0},"boottime":{"secs":172800,"nanosecs":500}}' --only ns,clocks)
	check "a container with a time namespace runs" $?
	[ "$(jq -r .ns.time <<<"$out")" != "$(host_ns time)" ] && [ "$(jq -r .ns.time <<<"$out")" != null ]
	check "namespace time: new" $?
	is "timens_offsets: monotonic" "$(jq -c .timens_offsets.monotonic <<<"$out")" "[86400,0]"
	is "timens_offsets: boottime" "$(jq -c .timens_offsets.boottime <<<"$out")" "[172800,500]"
	after=$("$PROBE" --only clocks | jq -r .clocks.monotonic)
	mono=$(jq -r .clocks.monotonic <<<"$out")
	awk -v m="$mono" -v b="$before" -v a="$after" 'BEGIN { exit !(m >= b + 86400 && m <= a + 86400) }'
	check "CLOCK_MONOTONIC inside is the host's + 86400 s ($mono vs $before..$after)" $?
else
	skip "time namespace" "the kernel has no time namespaces"
fi

# --- all 8 at once
out=$(probe_in "$USERNS"' | .linux.namespaces += [{"type":"time"}] | .linux.timeOffsets = {"monotonic":{"secs":1,"nanosecs":0}}' --only ns,pid)
check "a container with all 8 namespace types runs" $?
for t in mnt uts ipc pid net user cgroup time; do
	got=$(jq -r ".ns.$t" <<<"$out")
	[ -n "$got" ] && [ "$got" != null ] && [ "$got" != "$(host_ns $t)" ]
	check "all 8: $t is new" $?
done

while read -r id; do ok "container $id left nothing" nothing_left "$id"; done <"$TEST_TMP/ids"
ok "no cgroup left under this test's parent" no_cgroups_left
finish
