#!/bin/bash
# linux.netDevices moves a host interface into the container's network
# namespace (renamed, its permanent addresses kept, set up), and
# linux.intelRdt fails clearly on a host without resctrl.  The "host" here
# is a network namespace this test makes, so no real interface moves
# (entered with nsenter --net only: `ip netns exec` would also remount /sys
# and hide the cgroup hierarchies).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip iproute2
need_cmd jq

NS=glass-test-nd-$$
netns_add "$NS" || skip_all "cannot create a network namespace"
ip netns exec "$NS" ip link add gtdummy0 type veth peer name gtpeer0 || skip_all "cannot create a veth pair"
ip netns exec "$NS" ip addr add 192.0.2.7/24 dev gtdummy0
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip link set gtpeer0 up

B=$TEST_TMP/b1
make_bundle "$B" '.linux.netDevices = {"gtdummy0": {"name": "eth7"}} |
  .process.args = ["/bin/sh", "-c", "ip -o link show eth7; ip -o addr show eth7"]'
out=$(nsenter --net=/run/netns/"$NS" "$RUNTIME" --root "$STATE" run --bundle "$B" nd1 2>&1 </dev/null)
is "netDevices: the container ran (ip found eth7 inside)" "$?" 0
# `ip -o link` prints "N: eth7@...: <FLAGS> ..." for the link inside: the
# error for a missing device would name eth7 too, but never in this form.
like "netDevices: the device appears renamed inside the container" "$out" $'(^|\n)[0-9]+: eth7[@:]'
like "netDevices: its permanent address moved with it" "$out" $'(^|\n)[0-9]+: +eth7 +inet 192\\.0\\.2\\.7/24'
like "netDevices: the device is up" "$out" $'(^|\n)[0-9]+: eth7[@:][^\n]*<[^>]*UP[^>]*>'
gone=$(ip netns exec "$NS" ip -o link show gtdummy0 2>&1)
like "netDevices: the device left the runtime's namespace" "$gone" "does not exist|not found"

B2=$TEST_TMP/b2
make_bundle "$B2" '.linux.netDevices = {"gtnope0": {}} | .process.args = ["/bin/true"]'
fails "netDevices: a missing device fails, naming the field" -m 'linux\.netDevices\.gtnope0' \
	nsenter --net=/run/netns/"$NS" "$RUNTIME" --root "$STATE" run --bundle "$B2" nd2 </dev/null
is "netDevices: nothing left behind" "$(leftovers nd2)" ""

B3=$TEST_TMP/b3
make_bundle "$B3" '.linux.netDevices = {"lo": {}} | .linux.namespaces |= map(select(.type != "network")) |
  .process.args = ["/bin/true"]'
fails "netDevices without a network namespace is refused" -m 'linux\.netDevices.*network' \
	"$RUNTIME" --root "$STATE" run --bundle "$B3" nd3 </dev/null
is "netDevices without a network namespace: nothing left behind" "$(leftovers nd3)" ""

B4=$TEST_TMP/b4
make_bundle "$B4" '.linux.intelRdt = {"l3CacheSchema": "L3:0=ff"} | .process.args = ["/bin/true"]'
if grep -q ' - resctrl ' /proc/self/mountinfo; then
	skip "intelRdt without resctrl fails" "this host has resctrl mounted"
else
	fails "intelRdt: fails on a host without resctrl, naming the field and the cause" \
		-m 'linux\.intelRdt.*resctrl' "$RUNTIME" --root "$STATE" run --bundle "$B4" rdt1 </dev/null
	is "intelRdt: nothing left behind" "$(leftovers rdt1)" ""
fi
finish
