#!/bin/bash
# The kill -9 sweep (issue 12, item 3): glass-runtime is driven through
# --step-fd and killed with SIGKILL at every traced step of create, run
# and exec in turn, on the default bundle and on one with a user
# namespace; after each kill, `delete --force` must leave no state
# directory, cgroup, process, host mount, memfd or keyring
# (tests/integration/killsweep.py does the driving and the looking).
#   KILLSWEEP_BUNDLES="default userns" (the default) chooses the bundles;
#   KILLSWEEP_VERBS="create run exec" (the default) the verbs; the
#   sanitizer lane sweeps create and exec on the default bundle only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime-lib.sh"
need_runtime
need_cmd /usr/bin/python3

SWEEP=$GLASS_SRC/tests/integration/killsweep.py
USERNS='.linux.namespaces += [{"type":"user"}]
 | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
 | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
FIGURES=${GLASS_KILLSWEEP_FIGURES:-}

for kind in ${KILLSWEEP_BUNDLES:-default userns}; do
	case $kind in
	default) filter=. ;;
	userns) filter=$USERNS ;;
	*)
		not_ok_line "unknown bundle kind $kind"
		continue
		;;
	esac
	# run's process ends by itself; create's and exec's container stays.
	make_bundle "$TEST_TMP/$kind-run" "$filter | .process.args = [\"true\"]"
	make_bundle "$TEST_TMP/$kind-stay" "$filter | .process.args = [\"sleep\", \"1000\"]"
	for verb in ${KILLSWEEP_VERBS:-create run exec}; do
		b=$TEST_TMP/$kind-stay
		[ "$verb" = run ] && b=$TEST_TMP/$kind-run
		out=$(/usr/bin/python3 "$SWEEP" "$RUNTIME" "$STATE" "$CG_PARENT" "$b" "$verb" "ks$kind" 2>&1)
		rc=$?
		grep '^#' <<<"$out" | head -20
		[ -n "$FIGURES" ] && grep '^{' <<<"$out" | jq -c --arg b "$kind" '. + {bundle: $b}' >>"$FIGURES"
		check "$kind bundle: $verb killed at each traced step, delete --force leaves nothing" $rc
	done
done
ok "no cgroup left under the test's parent" no_cgroups_left
finish
