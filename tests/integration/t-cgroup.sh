#!/bin/bash
# cgroup behaviour: the kernel enforcing what glass-runtime set up, on
# whatever this host has (v1, hybrid, or the pure v2 of the qemu lane,
# which runs this same script): a memory hog OOM-killed and reported by
# `events`, a spinner throttled under a CPU quota, a fork loop stopped by
# the pids limit, pause/resume, live update, ps, kill --all, exec joining
# the cgroup, delete after a bad death, device rules (v1 list or v2 BPF),
# block I/O throttling, relative paths, and fields the host cannot enforce
# refused with their name.  Every container lives under /glass-test-PID/.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
[ -x "$RUNTIME" ] || skip_all "no $RUNTIME (build first)"
[ -d "$ROOTFS/bin" ] || skip_all "no built-in image at $ROOTFS (make rootfs)"

if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	MODE=v2
elif grep -q ' - cgroup2 ' /proc/self/mountinfo; then
	MODE=hybrid
else
	MODE=v1
fi
echo "# cgroup mode: $MODE"
V2ONLY="v2 only (this host is $MODE); runs in the qemu lane (tests/qemu)"

# cgdir CTRL ID: the container's directory for controller CTRL.
cgdir() {
	if [ $MODE = v2 ]; then echo "/sys/fs/cgroup/$CG_PARENT/$2"; else echo "/sys/fs/cgroup/$1/$CG_PARENT/$2"; fi
}
# cgfile CTRL ID V1FILE V2FILE: the path of a knob for this host.
cgfile() {
	if [ $MODE = v2 ]; then echo "$(cgdir "$1" "$2")/$4"; else echo "$(cgdir "$1" "$2")/$3"; fi
}
pid_of() { R state "$1" 2>/dev/null | jq -r '.pid // 0'; }
status_of() { R state "$1" 2>/dev/null | jq -r '.status // "gone"'; }
# wait_until SECONDS CMD...: polls CMD every 0.1 s.
wait_until() {
	local t=$(($1 * 10))
	shift
	while [ $t -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
# make_bundle_cmd DIR CMD [JQ-FILTER]: a bundle running `sh -c CMD`.
make_bundle_cmd() {
	local dir=$1 cmd=$2 filter=${3:-.}
	make_bundle "$dir" "$filter" || return 1
	jq --arg c "$cmd" '.process.args = ["sh", "-c", $c]' "$dir/config.json" >"$dir/c.json" &&
		mv "$dir/c.json" "$dir/config.json"
}
# start_bg ID CMD [JQ-FILTER]: created and started in the background
# (the container's output in $TEST_TMP/ID.out).
start_bg() {
	local id=$1 cmd=$2 filter=${3:-.}
	make_bundle_cmd "$TEST_TMP/$id" "$cmd" "$filter" || return 1
	on_exit "R delete --force $id"
	R create --bundle "$TEST_TMP/$id" "$id" </dev/null >"$TEST_TMP/$id.out" 2>&1 || return 1
	R start "$id" >>"$TEST_TMP/$id.out" 2>&1
}
stopped() { [ "$(status_of "$1")" = stopped ]; }
# start_bg ID CMD [JQ-FILTER]: created and started in the background
# (the container's output in $TEST_TMP/ID.out).

# ---- memory: a hog under the limit is OOM-killed, and events reports it
swapfilter='.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
if start_bg oom 'sleep 0.5; x=$(head -c 200000000 /dev/zero | tr "\000" a); echo survived' "$swapfilter"; then
	lim=$(cat "$(cgfile memory oom memory.limit_in_bytes memory.max)")
	is "memory limit in the cgroup" "$lim" 33554432
	R events --interval 1s oom >"$TEST_TMP/oom.events" 2>&1 &
	evpid=$!
	on_exit "kill $evpid"
	wait_until 60 stopped oom
	check "the hog died" $?
	ooms=$(R events --stats oom | jq '.data.memory.oom_kill // 0')
	[ "${ooms:-0}" -ge 1 ]
	check "events --stats: oom_kill counted ($ooms)" $?
	wait_until 10 grep -q '"type":"oom"' "$TEST_TMP/oom.events"
	check "events stream: an oom event" $?
	if grep -q survived "$TEST_TMP/oom.out"; then not_ok_line "the hog was not stopped"; else ok_line "the hog never finished"; fi
	kill $evpid 2>/dev/null
	R delete oom >/dev/null 2>&1
else
	not_ok_line "memory hog container starts"
	sed 's/^/#   /' "$TEST_TMP/oom.out"
fi

# ---- cpu: a spinner under a 10% quota is throttled
if start_bg spin 'while :; do :; done' '.linux.resources.cpu = {"quota": 10000, "period": 100000}'; then
	if [ $MODE = v2 ]; then
		is "cpu.max" "$(cat "$(cgdir cpu spin)/cpu.max")" "10000 100000"
		key=throttled_usec
	else
		is "cpu.cfs_quota_us" "$(cat "$(cgdir cpu spin)/cpu.cfs_quota_us")" 10000
		key=throttled_time
	fi
	st=$(cgdir cpu spin)/cpu.stat
	sleep 1
	t1=$(awk -v k=$key '$1 == k {print $2}' "$st")
	n1=$(awk '$1 == "nr_throttled" {print $2}' "$st")
	sleep 1
	t2=$(awk -v k=$key '$1 == k {print $2}' "$st")
	[ "${n1:-0}" -gt 0 ] && [ "${t2:-0}" -gt "${t1:-0}" ]
	check "spinner throttled (nr_throttled $n1, $key $t1 -> $t2)" $?
	tt=$(R events --stats spin | jq '.data.cpu.throttling.throttledTime // 0')
	[ "${tt:-0}" -gt 0 ]
	check "events --stats: cpu throttledTime $tt" $?
	R update --cpu-quota 50000 spin
	if [ $MODE = v2 ]; then got=$(cat "$(cgdir cpu spin)/cpu.max"); want="50000 100000"; else
		got=$(cat "$(cgdir cpu spin)/cpu.cfs_quota_us"); want=50000; fi
	is "update --cpu-quota changes the live quota" "$got" "$want"
	R kill spin KILL
	wait_until 10 stopped spin
	R delete spin
	[ -z "$(leftovers spin)" ]
	check "spin: nothing left" $?
else
	not_ok_line "spinner container starts"
fi

# ---- pids: a fork loop under pids.limit hits EAGAIN
# (the inner shell dies when fork fails; the init then execs without forking)
if start_bg forks 'sh -c "i=0; while [ \$i -lt 40 ]; do sleep 30 & i=\$((i+1)); done"; echo forked; exec sleep 30' \
	'.linux.resources.pids = {"limit": 10}'; then
	is "pids.max" "$(cat "$(cgdir pids forks)/pids.max")" 10
	wait_until 10 grep -q forked "$TEST_TMP/forks.out"
	cur=$(cat "$(cgdir pids forks)/pids.current")
	[ "$cur" -le 10 ]
	check "pids.current $cur stays within 10" $?
	like "fork failed with EAGAIN" "$(cat "$TEST_TMP/forks.out")" "Resource temporarily unavailable|can't fork"
	ev=$(awk '$1 == "max" {print $2}' "$(cgdir pids forks)/pids.events" 2>/dev/null)
	[ "${ev:-0}" -gt 0 ]
	check "pids.events max counts the refusals ($ev)" $?
	# ps: the kernel's list of the container's processes.
	json=$(R ps --format json forks)
	n=$(echo "$json" | jq length)
	is "ps --format json lists pids.current processes" "$n" "$cur"
	like "ps table shows the sleepers" "$(R ps forks)" "sleep 30"
	# kill --all through the cgroup
	R kill --all forks KILL
	wait_until 10 stopped forks
	check "kill --all: the container stopped" $?
	# (cgroup.procs, not pids.current: the init's zombie stays charged until
	# its parent reaps it, and this machine's PID 1 does not reap)
	wait_until 5 test -z "$(cat "$(cgdir pids forks)/cgroup.procs" 2>/dev/null)"
	check "kill --all: no process left in the cgroup" $?
	R delete forks
else
	not_ok_line "fork-loop container starts"
fi

# ---- pause stops a counter, resume continues it; exec joins the cgroup
if start_bg count 'i=0; while :; do i=$((i+1)); echo $i >/dev/shm/c; sleep 0.05; done'; then
	pid=$(pid_of count)
	c() { cat "/proc/$pid/root/dev/shm/c" 2>/dev/null || echo 0; }
	wait_until 10 test "$(c)" -gt 3
	ok "pause" R pause count
	is "state says paused" "$(status_of count)" paused
	a=$(c)
	sleep 1
	b=$(c)
	is "a paused counter does not move" "$b" "$a"
	fails "pause twice is an error" R pause count
	ok "resume" R resume count
	sleep 1
	d=$(c)
	[ "$d" -gt "$b" ]
	check "the counter continues after resume ($b -> $d)" $?
	is "state says running" "$(status_of count)" running
	fails "resume a running container is an error" R resume count
	# The counter's loop forks short-lived children, so the process count
	# moves by itself: check that the exec'd pid itself is listed.
	R exec -d --pid-file "$TEST_TMP/exec.pid" count sleep 60 >/dev/null 2>&1
	epid=$(cat "$TEST_TMP/exec.pid" 2>/dev/null)
	listed=$(R ps --format json count | jq --argjson p "${epid:-0}" 'index($p) != null')
	is "exec's process (pid ${epid:-?}) joins the container's cgroup" "$listed" true
	make_bundle_cmd "$TEST_TMP/dup" true ".linux.cgroupsPath = \"/$CG_PARENT/count\""
	out=$(R run --bundle "$TEST_TMP/dup" dup </dev/null 2>&1)
	like "a second container in a busy cgroup is refused" "$out" "already has .* process"
	is "... and the first one is untouched" "$(status_of count)" running
	# Two creates race for one cgroupsPath: the first is held (--step-fd)
	# after it found the cgroup free, at the clone of its process (which
	# enters the cgroup with the clone and its first step); the second
	# must wait and then be refused, not find it free too and join it.
	make_bundle_cmd "$TEST_TMP/race" "sleep 100" ".linux.cgroupsPath = \"/$CG_PARENT/race\""
	out=$(timeout 120 /usr/bin/python3 "$GLASS_SRC/tests/integration/cgroup-race.py" "$RUNTIME" "$STATE" \
		"$TEST_TMP/race" race1 race2 2>&1)
	like "two creates racing for one cgroup: the second waits for the first's pid to be in it" \
		"$out" "finished while the first was held: no"
	like "... and is then refused as busy, the first created" "$out" "first: 0.*second: 1 .*another container uses this cgroupsPath"
	R delete --force race2 >/dev/null 2>&1
	R delete --force race1 >/dev/null 2>&1
	# update changes limits live; -r takes runc's resources JSON.
	ok "update --memory 64m --pids-limit 50" R update --memory 64m --pids-limit 50 count
	is "memory limit updated" "$(cat "$(cgfile memory count memory.limit_in_bytes memory.max)")" 67108864
	is "pids.max updated" "$(cat "$(cgdir pids count)/pids.max")" 50
	echo '{"memory": {"limit": 83886080}, "pids": {"limit": 60}}' >"$TEST_TMP/res.json"
	ok "update -r FILE" R update -r "$TEST_TMP/res.json" count
	is "memory limit from -r" "$(cat "$(cgfile memory count memory.limit_in_bytes memory.max)")" 83886080
	echo '{"pids": {"limit": 70}}' | R update --resources - count
	is "update --resources - (stdin)" "$(cat "$(cgdir pids count)/pids.max")" 70
	out=$(echo '{"memory": {"limit": "lots"}}' | R update -r - count 2>&1)
	like "a bad resources document names the field" "$out" "resources.memory.limit"
	stats=$(R events --stats count)
	if [ -e "$(cgdir x count)/cpu.pressure" ] || [ -e "/sys/fs/cgroup/unified/$CG_PARENT/count/cpu.pressure" ]; then
		like "events --stats: PSI from the cgroup2 directory" \
			"$(echo "$stats" | jq -c '[.data.cpu.psi.some.total, .data.memory.psi.full.avg10] | map(type)')" \
			'^\["number","number"\]$'
	else
		skip "events --stats: PSI" "no cpu.pressure in the container's cgroup2 directory"
	fi
	like "events --stats: cpu usage, memory usage, pids" \
		"$(echo "$stats" | jq -c '[.type, (.data.cpu.usage.total > 0), (.data.memory.usage.usage > 0), .data.pids.current]')" \
		'^\["stats",true,true,[0-9]+\]$'
	# A container that dies badly: its init killed from outside.
	kill -9 "$pid"
	wait_until 10 stopped count
	ok "delete after the init was SIGKILLed from outside" R delete count
	[ -z "$(leftovers count)" ]
	check "count: no state or cgroup left" $?
else
	not_ok_line "counter container starts"
fi

# ---- devices: the default devices work under "deny all"; others do not
# (v1: devices.allow/deny lists; v2: the BPF program glass attaches)
b=$TEST_TMP/dev
make_bundle_cmd "$b" 'echo x >/dev/null && echo null-ok; mknod /dev/mem1 c 1 1 2>&1; head -c1 /dev/mem1 2>&1; mknod /dev/null2 c 1 3 && echo y >/dev/null2 && echo null2-ok' \
	'.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
out=$(R run --bundle "$b" dev </dev/null 2>&1)
like "/dev/null usable under deny-all" "$out" "null-ok"
like "a device outside the rules (c 1:1) is refused" "$out" "Operation not permitted"
like "a new node of an allowed device (c 1:3) works" "$out" "null2-ok"
R delete -f dev >/dev/null 2>&1

# ---- block I/O throttling
if [ $MODE = v2 ] && [ -e /sys/block/nullb0/dev ]; then
	mm=$(cat /sys/block/nullb0/dev)
	b=$TEST_TMP/io
	make_bundle_cmd "$b" 'dd if=/dev/nullb0 of=/dev/null bs=65536 count=48 2>&1' \
		".linux.devices = [{\"path\": \"/dev/nullb0\", \"type\": \"b\", \"major\": ${mm%:*}, \"minor\": ${mm#*:}}] |
		 .linux.resources.devices += [{\"allow\": true, \"type\": \"b\", \"major\": ${mm%:*}, \"minor\": ${mm#*:}, \"access\": \"rw\"}] |
		 .linux.resources.blockIO = {\"throttleReadBpsDevice\": [{\"major\": ${mm%:*}, \"minor\": ${mm#*:}, \"rate\": 1048576}]}"
	t0=$(date +%s%N)
	out=$(R run --bundle "$b" io </dev/null 2>&1)
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	like "dd read the null_blk device" "$out" "3145728 bytes|48\+0 records in"
	[ "$ms" -ge 2000 ]
	check "3 MiB at io.max rbps=1MiB/s took >= 2 s ($ms ms)" $?
	R delete -f io >/dev/null 2>&1
elif [ $MODE != v2 ] && [ -e /sys/block/loop0/dev ]; then
	mm=$(cat /sys/block/loop0/dev)
	if start_bg blk 'sleep 30' ".linux.resources.blockIO = {\"throttleReadBpsDevice\": [{\"major\": ${mm%:*}, \"minor\": ${mm#*:}, \"rate\": 1048576}]}"; then
		like "blkio.throttle.read_bps_device written" "$(cat "$(cgdir blkio blk)/blkio.throttle.read_bps_device")" "^$mm 1048576"
		R delete -f blk
	else
		not_ok_line "blkio container starts"
	fi
	skip "io.max throttling on null_blk" "$V2ONLY"
else
	skip "block I/O throttling" "no null_blk or loop device"
fi

# ---- v2 only: conversions and raw unified keys
if [ $MODE = v2 ]; then
	if start_bg v2c 'sleep 60' '.linux.resources.cpu = {"shares": 1024} | .linux.resources.memory = {"limit": 67108864, "swap": 100663296} |
		.linux.resources.unified = {"memory.high": "50331648"} | .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'; then
		d=$(cgdir x v2c)
		is "cpu shares 1024 -> cpu.weight 39" "$(cat "$d/cpu.weight")" 39
		is "memory.swap (memory+swap) -> memory.swap.max = swap - limit" "$(cat "$d/memory.swap.max")" 33554432
		is "unified: memory.high written as is" "$(cat "$d/memory.high")" 50331648
		is "hugepageLimits 2MB -> hugetlb.2MB.max" "$(cat "$d/hugetlb.2MB.max" 2>&1)" 4194304
		R delete -f v2c
	else
		not_ok_line "v2 conversion container starts"
		sed 's/^/#   /' "$TEST_TMP/v2c.out"
	fi
else
	skip "v1 -> v2 conversions (cpu.weight, memory.swap.max, unified, hugetlb.*.max)" "$V2ONLY"
fi

# ---- v2 only: delegation of the container's cgroup to its (non-root) user
if [ $MODE = v2 ]; then
	b=$TEST_TMP/deleg
	make_bundle_cmd "$b" 'mkdir /sys/fs/cgroup/sub && echo $$ >/sys/fs/cgroup/sub/cgroup.procs && cat /proc/self/cgroup' \
		'.process.user = {"uid": 1000, "gid": 1000} |
		 (.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(select(. != "ro"))'
	out=$(R run --bundle "$b" deleg </dev/null 2>&1)
	like "delegation: uid 1000 makes a sub-cgroup and moves into it" "$out" "^0::/sub$"
	R delete -f deleg >/dev/null 2>&1
	[ -z "$(leftovers deleg)" ] && [ ! -d "$(cgdir x deleg)" ]
	check "deleg: the container's sub-cgroups removed too" $?
else
	skip "cgroup delegation to the container's user" "$V2ONLY"
fi

# ---- v2 only: cgroup.kill, PSI, memory.events
if [ $MODE = v2 ]; then
	if start_bg v2k 'sleep 60 & sleep 60 & wait'; then
		d=$(cgdir x v2k)
		[ -e "$d/memory.pressure" ] && [ -e "$d/cpu.pressure" ]
		check "PSI files in the container's cgroup" $?
		R --trace kill --all v2k KILL 2>"$TEST_TMP/v2k.trace"
		like "kill --all uses cgroup.kill" "$(cat "$TEST_TMP/v2k.trace")" "cgroup.kill"
		wait_until 10 stopped v2k
		check "cgroup.kill stopped the container" $?
		R delete -f v2k
	else
		not_ok_line "v2 kill container starts"
	fi
else
	skip "cgroup.kill / PSI in the container's cgroup" "$V2ONLY"
fi

# ---- relative cgroupsPath: below the caller's own cgroup in each hierarchy
rel=glass-test-rel-$$
b=$TEST_TMP/rel
make_bundle_cmd "$b" 'sleep 30' ".linux.cgroupsPath = \"$rel\""
on_exit "for d in \$(find /sys/fs/cgroup -maxdepth 6 -type d -name '$rel' 2>/dev/null); do rmdir \$d; done"
if R create --bundle "$b" rel </dev/null >/dev/null 2>&1; then
	on_exit "R delete -f rel"
	own=$(awk -F: '$2 == "memory" || ($1 == "0" && "'$MODE'" == "v2") {print $3}' /proc/self/cgroup | head -1)
	if [ $MODE = v2 ]; then d=/sys/fs/cgroup${own%/}/$rel; else d=/sys/fs/cgroup/memory${own%/}/$rel; fi
	[ -d "$d" ] && grep -qx "$(pid_of rel)" "$d/cgroup.procs"
	check "relative path lands below the caller's cgroup ($d)" $?
	R delete -f rel
	[ ! -d "$d" ]
	check "relative cgroup removed by delete" $?
else
	not_ok_line "relative cgroupsPath container creates"
fi

# ---- fields the host cannot enforce: an error naming the field, nothing left
refuse() {
	local name=$1 filter=$2 field=$3 out
	b=$TEST_TMP/$name
	make_bundle_cmd "$b" true "$filter"
	fails "refused, naming $field" -m "$(sed 's/[][\.*^$()+?{}|]/\\&/g' <<<"$field")" R run --bundle "$b" "$name" </dev/null
	[ -z "$(leftovers "$name")" ]
	check "$name: nothing left behind" $?
}
if [ $MODE = v2 ]; then
	refuse swp '.linux.resources.memory = {"swappiness": 10}' linux.resources.memory.swappiness
	refuse rt '.linux.resources.cpu = {"realtimeRuntime": 1000}' linux.resources.cpu.realtimeRuntime
	refuse ncls '.linux.resources.network = {"classID": 1048577}' linux.resources.network.classID
else
	grep -q ' - cgroup .*net_cls' /proc/self/mountinfo ||
		refuse ncls '.linux.resources.network = {"classID": 1048577}' linux.resources.network.classID
	refuse hier '.linux.resources.memory = {"useHierarchy": false}' linux.resources.memory.useHierarchy
	refuse uni '.linux.resources.unified = {"memory.max": "100000000"}' 'linux.resources.unified["memory.max"]'
fi

# ---- a join the kernel refuses.  The container's process moves itself
# into each v1 hierarchy ("0" to its tasks: docs/cgroups.md, "Joining");
# a cpuset cgroup without cpus takes no task (ENOSPC).  The error names
# the cgroup, and create leaves nothing of its own (the cgroup it found
# is this script's).
if [ $MODE != v2 ]; then
	d=/sys/fs/cgroup/cpuset/$CG_PARENT/nocpus
	mkdir -p "$d"
	make_bundle_cmd "$TEST_TMP/nocpus" true ".linux.cgroupsPath = \"/$CG_PARENT/nocpus\""
	out=$(R run --bundle "$TEST_TMP/nocpus" nocpus </dev/null 2>&1)
	like "a refused join is an error naming the cgroup and the write" "$out" \
		"cgroup: joining $d: write\(\"$d/tasks\", \"0\"\): No space left on device"
	like "... with a hint" "$out" "cpuset.cpus or cpuset.mems is empty"
	is "... and leaves no state, no cgroup, no process of the container" "$(leftovers nocpus | grep -vx "$d")" ""
	is "... and no process in the cgroup it found" "$(cat "$d/tasks")" ""
	rmdir "$d"
else
	skip "a refused v1 join names the cgroup" "v1 only (this host is $MODE)"
fi

# ---- systemd cgroup driver
if [ ! -d /run/systemd/system ]; then
	b=$TEST_TMP/sd
	make_bundle_cmd "$b" true
	out=$("$RUNTIME" --root "$STATE" --systemd-cgroup run --bundle "$b" sd </dev/null 2>&1)
	like "--systemd-cgroup without systemd: a clear error" "$out" "systemd is not running"
	[ -z "$(leftovers sd)" ]
	check "sd: nothing left behind" $?
else
	skip "--systemd-cgroup refusal" "systemd runs here"
fi

finish
