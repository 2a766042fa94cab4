#!/bin/bash
# glass-runtime audit: every risky setting of issue 4 is flagged with its
# field, risk and fix, in text and JSON; the exit status follows
# --fail-on; the default config from `glass-runtime spec` has no high
# finding.  Pure config analysis: no container is started.
. "$(dirname "$0")/lib.sh"
need_cmd jq
[ -x "$RUNTIME" ] || skip_all "glass-runtime not built"

D=$TEST_TMP/audit
mkdir -p "$D"
(cd "$D" && "$RUNTIME" spec) || { not_ok_line "glass-runtime spec"; finish; exit 1; }
BASE=$D/config.json

# audit_with NAME JQ_FILTER [audit flags]: writes the variant, runs the
# auditor in JSON; sets J (output) and RC.
audit_with() {
	local name=$1 filter=$2
	shift 2
	jq "$filter" "$BASE" >"$D/$name.json" || return 1
	J=$("$RUNTIME" audit --format json "$@" "$D/$name.json" 2>"$D/$name.err")
	RC=$?
}
# has_finding ID SEVERITY FIELD_REGEX: the JSON has it (with risk and fix).
has_finding() {
	jq -e --arg id "$1" --arg sev "$2" --arg f "$3" \
		'[.findings[] | select(.id == $id and .severity == $sev and (.field | test($f)) and (.risk | length > 10) and (.fix | length > 5))] | length > 0' \
		<<<"$J" >/dev/null
}
flags() {
	local what=$1 id=$2 sev=$3 field=$4
	if has_finding "$id" "$sev" "$field"; then ok_line "flags $what: $id ($sev) on $field"; else
		not_ok_line "flags $what: $id ($sev) on $field"
		jq -c '.findings[] | select(.severity != "ok") | [.severity, .id, .field]' <<<"$J" 2>/dev/null | sed 's/^/#   /' | head -20
	fi
}

# --- the default config ---
J=$("$RUNTIME" audit --format json "$BASE")
RC=$?
is "default config: exit 0" "$RC" 0
is "default config: no high or critical finding" "$(jq '[.findings[] | select(.severity == "high" or .severity == "critical")] | length' <<<"$J")" 0
flags "the default config (informational)" no-user-namespace info 'linux.namespaces'
is "default config: summary.max is below high" "$(jq -r '.summary.max' <<<"$J" | grep -cE '^(ok|info|low|medium)$')" 1
T=$(cd "$D" && "$RUNTIME" audit)
like "text form: layers with protections" "$T" 'namespaces.*ok +own namespaces'
like "text form: findings with field and fix" "$T" 'field: linux.seccomp.*fix: '
like "text form: summary line" "$T" 'summary: 0 critical, 0 high'
"$RUNTIME" audit --fail-on medium "$BASE" >/dev/null
is "--fail-on medium: the default's missing seccomp makes exit 1" "$?" 1
"$RUNTIME" audit --fail-on info "$BASE" >/dev/null
is "--fail-on info: exit 1" "$?" 1
mkdir -p "$D/sc" && (cd "$D/sc" && "$RUNTIME" spec --seccomp-default)
J=$("$RUNTIME" audit --format json --bundle "$D/sc")
is "spec --seccomp-default config (--bundle): seccomp layer ok" "$(jq -r '.findings[] | select(.layer == "seccomp") | .severity' <<<"$J")" ok

# --- privileged-equivalent settings ---
ALL=$("$RUNTIME" features | jq -c '.linux.capabilities')
audit_with allcaps ".process.capabilities.bounding = $ALL | .process.capabilities.effective = $ALL | .process.capabilities.permitted = $ALL"
flags "all capabilities" all-caps critical 'process.capabilities.bounding'
is "all capabilities: exit 1" "$RC" 1
audit_with sysadmin '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
flags "CAP_SYS_ADMIN" cap-sys-admin high 'process.capabilities.bounding'
flags "no seccomp with CAP_SYS_ADMIN" no-seccomp high 'linux.seccomp'
"$RUNTIME" audit --fail-on critical "$D/sysadmin.json" >/dev/null
is "--fail-on critical: CAP_SYS_ADMIN alone exits 0" "$?" 0
audit_with dacrs '.process.capabilities.bounding += ["CAP_DAC_READ_SEARCH"]'
flags "CAP_DAC_READ_SEARCH" cap-dac-read-search high 'process.capabilities.bounding'
audit_with noseccomp '.'
flags "no seccomp (default caps)" no-seccomp medium 'linux.seccomp'
audit_with allowlist '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}'
flags "a deny-list seccomp profile" seccomp-deny-list medium 'linux.seccomp.defaultAction'

# --- host namespaces ---
for ns in pid network ipc uts mount; do
	audit_with "ns-$ns" ".linux.namespaces |= map(select(.type != \"$ns\"))"
	case $ns in mount) sev=critical ;; pid | network) sev=high ;; ipc) sev=medium ;; uts) sev=low ;; esac
	flags "the host's $ns namespace" "host-$ns-namespace" "$sev" 'linux.namespaces'
done
audit_with ns-join '.linux.namespaces |= map(if .type == "pid" then .path = "/proc/1/ns/pid" else . end)'
flags "joining /proc/1/ns/pid" host-pid-namespace high 'linux.namespaces'
audit_with ns-net '.linux.namespaces |= map(select(.type != "network"))'
flags "cloud metadata reachable (shared network namespace)" cloud-metadata-reachable high 'linux.namespaces'
like "metadata finding says nothing was sent" "$(jq -r '.findings[] | select(.id == "cloud-metadata-reachable") | .risk' <<<"$J")" '169\.254\.169\.254.*nothing was sent'

# --- mounts ---
bind() { printf '.mounts += [{"destination": "%s", "type": "bind", "source": "%s", "options": ["rbind"%s]}]' "$2" "$1" "${3:-}"; }
for s in /var/run/docker.sock /run/containerd/containerd.sock /run/podman/podman.sock /var/run/crio/crio.sock; do
	audit_with sock "$(bind "$s" /var/run/x.sock ',"ro"')"
	flags "runtime socket $s (even read-only)" runtime-socket critical 'mounts\[[0-9]+\]\.source'
done
audit_with root "$(bind / /host)"
flags "the host's / bind-mounted" sensitive-host-path critical 'mounts\[[0-9]+\]\.source'
for p in /etc /proc /sys /root /boot /dev; do
	audit_with "p" "$(bind "$p" "/host$p")"
	flags "host $p bind-mounted" sensitive-host-path high 'mounts\[[0-9]+\]\.source'
done
audit_with etcro "$(bind /etc /host/etc ',"ro"')"
flags "host /etc bind-mounted read-only (one step lower)" sensitive-host-path medium 'mounts\[[0-9]+\]\.source'
audit_with rw '.root.readonly = false'
flags "a writable rootfs" writable-rootfs low 'root.readonly'
audit_with sysrw '.mounts |= map(if .type == "sysfs" then .options -= ["ro"] else . end)'
flags "sysfs mounted read-write" sysfs-writable medium 'mounts'

# --- process ---
audit_with nnp '.process.noNewPrivileges = false'
flags "root without no_new_privs" root-without-no-new-privs medium 'process.noNewPrivileges'
audit_with nnpuser '.process.noNewPrivileges = false | .process.user.uid = 1000'
flags "a non-root process without no_new_privs" no-new-privs-missing medium 'process.noNewPrivileges'
# root's rule at execve: the bounding set comes back unless no_new_privs
audit_with regain '.process.noNewPrivileges = false | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
flags "a bounding set root regains at exec (CAP_SYS_ADMIN)" bounding-regained-at-exec high 'process.capabilities.bounding'
like "the finding names what is regained" "$(jq -r '.findings[] | select(.id == "bounding-regained-at-exec") | .risk' <<<"$J")" 'SYS_ADMIN'
audit_with regainnet '.process.noNewPrivileges = false | .process.capabilities.bounding += ["CAP_NET_RAW"]'
flags "a bounding set root regains at exec (CAP_NET_RAW)" bounding-regained-at-exec medium 'process.capabilities.bounding'
audit_with regainnnp '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
is "with no_new_privs the wider bounding set is not regained" "$(jq '[.findings[] | select(.id == "bounding-regained-at-exec")] | length' <<<"$J")" 0
# an absent object or list is an empty set (runc's meaning): nothing kept
audit_with nocaps 'del(.process.capabilities) | .process.noNewPrivileges = false'
is "capabilities absent: no capability finding above info" "$(jq '[.findings[] | select(.layer == "capabilities" and .severity != "ok" and .severity != "info")] | length' <<<"$J")" 0
like "capabilities absent: the bounding set is empty" "$(jq -r '.findings[] | select(.id == "bounding-set") | .risk' <<<"$J")" 'bounding set: 0 of'
audit_with nobnd 'del(.process.capabilities.bounding) | .process.noNewPrivileges = false'
is "bounding absent: empty, nothing to regain" "$(jq '[.findings[] | select(.id == "bounding-regained-at-exec")] | length' <<<"$J")" 0
audit_with aa '.process.apparmorProfile = "unconfined"'
flags "AppArmor unconfined" apparmor-unconfined medium 'process.apparmorProfile'
audit_with userns0 '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":0,"size":65536}] | .linux.gidMappings = [{"containerID":0,"hostID":0,"size":65536}]'
flags "a user namespace mapping host root" userns-maps-host-root high 'linux.uidMappings'

# --- devices ---
audit_with mem '.linux.devices = [{"path":"/dev/mem","type":"c","major":1,"minor":1}]'
flags "/dev/mem in linux.devices" privileged-device critical 'linux.devices\[0\]'
audit_with kmem '.linux.devices = [{"path":"/dev/kmem","type":"c","major":1,"minor":2}]'
flags "/dev/kmem in linux.devices" privileged-device critical 'linux.devices\[0\]'
audit_with blk '.linux.devices = [{"path":"/dev/sda","type":"b","major":8,"minor":0}]'
flags "a block device" block-device high 'linux.devices\[0\]'
audit_with nodev 'del(.linux.resources.devices)'
flags "no device policy" no-device-policy low 'linux.resources.devices'
audit_with nodevmknod '.linux.resources.devices = [] | .process.capabilities.bounding += ["CAP_MKNOD"]'
flags "no device policy, CAP_MKNOD" no-device-policy medium 'linux.resources.devices'
audit_with devall '.linux.resources.devices = [{"allow":true,"access":"rwm"}]'
flags "the device cgroup allowing everything" devices-allow-all high 'linux.resources.devices\[0\]'

# --- masked paths, sysctl ---
audit_with masked '.linux.maskedPaths = [] | .linux.readonlyPaths = []'
flags "masked paths removed" masked-paths-removed medium 'linux.maskedPaths'
flags "read-only paths removed" readonly-paths-removed medium 'linux.readonlyPaths'
audit_with core '.linux.sysctl = {"kernel.core_pattern": "|/tmp/x"}'
flags "sysctl kernel.core_pattern" sysctl-host-exec critical 'linux.sysctl.kernel.core_pattern'
audit_with vm '.linux.sysctl = {"vm.overcommit_memory": "1"}'
flags "a global sysctl (vm.*)" sysctl-global high 'linux.sysctl.vm.overcommit_memory'
audit_with netsys '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
flags "net.* sysctl with the host network" sysctl-host-network high 'linux.sysctl.net.ipv4.ip_forward'
audit_with okctl '.linux.sysctl = {"kernel.shmmax": "1000000", "net.ipv4.ip_forward": "1"}'
is "namespaced sysctls (kernel.shm*, net.* in a netns) are not flagged" "$(jq '[.findings[] | select(.layer == "sysctl")] | length' <<<"$J")" 0

# --- errors ---
"$RUNTIME" audit "$D/nonexistent.json" >/dev/null 2>"$D/err"
is "missing config: exit 2" "$?" 2
like "missing config: the error names the file" "$(cat "$D/err")" 'nonexistent\.json'
finish
