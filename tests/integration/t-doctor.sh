#!/bin/bash
# glass doctor: each check's result against an independent read of /proc
# and /sys (or the same feature tried with util-linux's unshare), in JSON
# and in text; a bad flag is refused; nothing is left in /var/tmp.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq
need_cmd unshare util-linux
[ -x "$ENGINE" ] || skip_all "glass not built"

J=$("$ENGINE" doctor --format json)
ok "doctor --format json is one JSON document" jq -e . <<<"$J"
status() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' <<<"$J"; }
result() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .result' <<<"$J"; }
is "every check is there" "$(jq -r '[.checks[].id] | join(" ")' <<<"$J")" \
	"cgroups psi userns pidns timens overlayfs seccomp lsm cni capabilities"
is "every check says what it ran and what came back" \
	"$(jq '[.checks[] | select((.test | length) < 10 or (.result | length) < 2)] | length' <<<"$J")" 0
is "every check that is not ok says what is lost and how to get it" \
	"$(jq '[.checks[] | select(.status != "ok" and ((.missing // "" | length) < 10 or (.fix // "" | length) < 10))] | length' <<<"$J")" 0

# cgroups: the layout from statfs, the v1 controllers from /proc/cgroups.
t=$(stat -f -c %T /sys/fs/cgroup)
if [ "$t" = cgroup2fs ]; then want="cgroup v2"
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then want="hybrid (v1 + v2)"
else want="cgroup v1"; fi
like "cgroups: the layout is what statfs says ($want)" "$(result cgroups)" "^${want//[()+]/.}"
v1=$(awk '!/^#/ && $2 > 0 && $4 == 1 { printf "%s%s", s, $1; s = " " }' /proc/cgroups)
like "cgroups: the v1 controllers are /proc/cgroups' mounted ones" "$(result cgroups)" "v1 controllers: ${v1:-none};"

# PSI: readable or not, as cat finds it.
if psi=$(head -1 /proc/pressure/memory 2>/dev/null); then
	is "psi: ok, with the kernel's first line" "$(status psi) $(result psi)" "ok $psi"
else
	is "psi: missing (cat cannot read /proc/pressure/memory)" "$(status psi)" missing
fi

# Namespaces: what unshare(1) can make, the doctor can.
ns_want() { if unshare "$@" true 2>/dev/null; then echo ok; else echo missing; fi; }
is "userns: as unshare --user finds it" "$(status userns)" "$(ns_want --user)"
like "userns: max_user_namespaces as /proc says" "$(result userns)" \
	"max_user_namespaces = $(cat /proc/sys/user/max_user_namespaces)(;|$)"
is "pidns: as unshare --pid --fork finds it" "$(status pidns)" "$(ns_want --pid --fork)"
is "timens: as unshare --time finds it" "$(status timens)" "$(ns_want --time)"

# overlayfs: the same mount by mount(8) in a mount namespace of its own.
D=$(mktemp -d /var/tmp/t-doctor.XXXXXX)
on_exit rm -rf "$D"
mkdir -p "$D/l" "$D/u" "$D/w" "$D/m"
if unshare -m sh -c "mount --make-rprivate / && mount -t overlay overlay -o lowerdir=$D/l,upperdir=$D/u,workdir=$D/w $D/m" 2>/dev/null; then
	like "overlayfs: mounts, as mount(8) finds" "$(result overlayfs)" "^overlay: ok"
else
	like "overlayfs: does not mount, as mount(8) finds" "$(result overlayfs)" "^overlay: E"
fi
left=$(find /var/tmp -maxdepth 1 -name 'glass-doctor-*' 2>/dev/null)
is "overlayfs: the doctor's directories are gone" "$left" ""

# seccomp: every action the kernel lists in actions_avail is available.
if [ -r /proc/sys/kernel/seccomp/actions_avail ]; then
	bad=
	for a in $(cat /proc/sys/kernel/seccomp/actions_avail); do
		[[ " $(result seccomp) " =~ [\ ]$a[\ \;] ]] || bad="$bad $a"
	done
	is "seccomp: each action of /proc/sys/kernel/seccomp/actions_avail is found" "$bad" ""
else
	is "seccomp: no actions_avail, no seccomp" "$(status seccomp)" missing
fi

# LSMs: the list from securityfs when mounted; AppArmor from its module.
if [ -r /sys/kernel/security/lsm ]; then
	like "lsm: the list securityfs gives" "$(result lsm)" "lsm list: $(cat /sys/kernel/security/lsm)"
else
	like "lsm: securityfs is not mounted, and the doctor says so" "$(result lsm)" "securityfs not mounted"
fi
aa=no
[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && aa=enabled
like "lsm: AppArmor $aa, as its module says" "$(result lsm)" "AppArmor: $aa"

# CNI plugins: each one where test -x finds it.
for p in bridge host-local portmap firewall loopback; do
	where=missing
	for d in /usr/lib/cni /opt/cni/bin; do [ -x "$d/$p" ] && { where=$d; break; }; done
	like "cni: $p: $where" "$(result cni)" "$p: $where(;|$)"
done

# The bounding set: as many capabilities lacking as CapBnd has zero bits.
bnd=$((16#$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
last=$(cat /proc/sys/kernel/cap_last_cap)
zeros=0
for ((c = 0; c <= last; c++)); do (((bnd >> c) & 1)) || zeros=$((zeros + 1)); done
lacking=$(result capabilities | sed -n 's/^lacking: //p' | wc -w)
is "capabilities: the lacking ones are CapBnd's zero bits ($zeros)" "$lacking" "$zeros"
[ "$zeros" = 0 ] && want=ok || want=partial
is "capabilities: $want" "$(status capabilities)" "$want"

# The text report: every check's title and status, and the way to get what is missing.
T=$(NO_COLOR=1 "$ENGINE" doctor)
for id in $(jq -r '.checks[].id' <<<"$J"); do
	title=$(jq -r --arg id "$id" '.checks[] | select(.id == $id) | .title' <<<"$J")
	like "text: $id: its status and title" "$T" "$(status "$id") +${title//[()]/.}"
done
is "text: a 'to get it' line for each check not ok" "$(grep -c 'to get it:' <<<"$T")" \
	"$(jq '[.checks[] | select(.status != "ok")] | length' <<<"$J")"
# unshare(2) takes no exit signal: its 0x80 is CLONE_NEWTIME, not a signal.
like "trace: the time namespace probe names CLONE_NEWTIME" \
	"$("$ENGINE" --trace=all doctor 2>&1 >/dev/null)" "unshare\(CLONE_NEWTIME\)"
fails "a bad --format is refused, naming the flag" -m "format: want text or json" \
	"$ENGINE" doctor --format yaml
finish
