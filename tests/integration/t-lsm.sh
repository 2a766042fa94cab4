#!/bin/bash
# LSM labels.  This host may have no AppArmor or SELinux: then a config
# asking for a profile or label fails before anything is created, with a
# message that names the field, the missing LSM and how to ignore it; with
# the annotation "org.glass.lsm.ignore": "true" the container runs and the
# trace says the label was ignored.  On a host that has the LSM, the label
# is checked in /proc/self/attr/current inside the container.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime

ID=h5lsm-$$
: >"$TEST_TMP/ids"
on_exit 'while read -r i; do R delete --force "$i"; done <"$TEST_TMP/ids"'

has_lsm() { [ -r /sys/kernel/security/lsm ] && tr ',' '\n' </sys/kernel/security/lsm | grep -qx "$1"; }
apparmor=no selinux=no
{ has_lsm apparmor || [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; } && apparmor=yes
[ -e /sys/fs/selinux/enforce ] && selinux=yes
echo "# host: AppArmor $apparmor, SELinux $selinux"

# attempt FILTER [ARGS]: runs ARGS (default: exit 0); OUT = combined
# output, RC = status.
attempt() {
	local filter=$1
	shift
	B=$(mktemp -d "$TEST_TMP/b.XXXXXX")
	CID=$ID-${B##*.}
	echo "$CID" >>"$TEST_TMP/ids"
	make_bundle "$B" "$filter" || return 1
	if [ $# -gt 0 ]; then set_args "$B" "$@"; else set_args "$B" /usr/bin/glass-probe exit 0; fi
	OUT=$(R "${RARGS[@]}" run "$CID" --bundle "$B" </dev/null 2>&1)
	RC=$?
}
RARGS=()

if [ $apparmor = no ]; then
	attempt '.process.apparmorProfile = "glass-test-profile"'
	check "apparmorProfile without AppArmor: run fails" $([ "$RC" -ne 0 ]; echo $?)
	like "the error names process.apparmorProfile and AppArmor" "$OUT" 'process\.apparmorProfile.*AppArmor is not enabled|AppArmor.*process\.apparmorProfile'
	like "the error says how to ignore it" "$OUT" 'org\.glass\.lsm\.ignore'
	is "nothing left behind (state, cgroup)" "$(leftovers "$CID")" ""
	RARGS=(--trace)
	attempt '.process.apparmorProfile = "glass-test-profile" | .annotations["org.glass.lsm.ignore"] = "true"'
	RARGS=()
	is "with org.glass.lsm.ignore=true the container runs" "$RC" 0
	like "the trace notes the ignored profile (phase security)" "$OUT" 'security.*AppArmor profile "glass-test-profile" ignored'
else
	attempt '.process.apparmorProfile = "unconfined"' /usr/bin/glass-probe cat /proc/self/attr/current
	is "AppArmor: runs with profile unconfined" "$RC" 0
	like "AppArmor: /proc/self/attr/current" "$OUT" 'unconfined'
fi

if [ $selinux = no ]; then
	attempt '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	check "selinuxLabel without SELinux: run fails" $([ "$RC" -ne 0 ]; echo $?)
	like "the error names process.selinuxLabel and SELinux" "$OUT" 'SELinux.*not enabled.*process\.selinuxLabel|process\.selinuxLabel.*SELinux.*not enabled'
	attempt '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	check "mountLabel without SELinux: run fails" $([ "$RC" -ne 0 ]; echo $?)
	like "the error names linux.mountLabel" "$OUT" 'linux\.mountLabel'
	attempt '.process.selinuxLabel = "system_u:system_r:container_t:s0" | .linux.mountLabel = "system_u:object_r:container_file_t:s0" | .annotations["org.glass.lsm.ignore"] = "true"'
	is "SELinux labels ignored on request: the container runs" "$RC" 0
else
	skip "SELinux label applied" "SELinux hosts are not covered by this test yet"
fi
# The audit sees the same config.
jq '.process.apparmorProfile = "unconfined"' "$B/config.json" >"$TEST_TMP/aa.json"
like "audit flags an unconfined AppArmor profile" "$("$RUNTIME" audit "$TEST_TMP/aa.json")" 'medium +AppArmor profile "unconfined"'
finish
