#!/bin/bash
# The leftovers check that ends a full run (tests/leftovers.sh) sees what a
# test leaves behind: a file under /tmp, a cgroup, a network namespace, a
# mount, an orphaned process; and the same check passes once they are gone.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip iproute2
# shellcheck source=../leftovers.sh
export LEFT_FOREIGN=$TEST_TMP/foreign GLASS_TEST_PIDS=$TEST_TMP/pids GLASS_TEST_RUN=t-leftovers-$$
. "$GLASS_SRC/tests/leftovers.sh"
export CI=true # strict: no other run's activity forgiven

leftovers_snapshot >"$TEST_TMP/before"
mkdir /tmp/glass-test-leak-$$
on_exit "rmdir /tmp/glass-test-leak-$$"
cg=/sys/fs/cgroup/glass-test-leak-$$ # cgroup v2; on v1 or hybrid, in the pids hierarchy
[ -d /sys/fs/cgroup/pids ] && cg=/sys/fs/cgroup/pids/glass-test-leak-$$
mkdir "$cg"
on_exit "rmdir $cg"
netns_add glass-test-leak-$$
mkdir -p "$TEST_TMP/mnt"
mount -t tmpfs glass-test-leak "$TEST_TMP/mnt"
on_exit "umount $TEST_TMP/mnt"
leftovers_snapshot >"$TEST_TMP/after"
# The check's TAP, quoted ("| ") so that it is not read as this test's.
# (Other runs on this machine may add lines of their own: only this test's
# names are looked for.)
out=$(leftovers_check "$TEST_TMP/before" "$TEST_TMP/after" | sed 's/^/| /')
like "a file left under /tmp is named" "$out" "\| not ok [0-9]+ - nothing left behind: files.*left: /tmp/glass-test-leak-$$"
like "a cgroup left is named" "$out" "\| not ok [0-9]+ - nothing left behind: cgroups.*left: $cg"
like "a network namespace left is named" "$out" "\| not ok [0-9]+ - nothing left behind: netnss.*left: glass-test-leak-$$"
like "a mount left is named" "$out" "\| not ok [0-9]+ - nothing left behind: mounts.*left: $TEST_TMP/mnt tmpfs glass-test-leak"

# An orphan: a subshell's background sleep, re-parented to this subreaper.
/usr/bin/python3 -c 'import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
os.execv("/bin/bash", ["bash", "-c"] + sys.argv[1:])' '
	. "$0"; (sleep 30 & echo $! >"$1"); sleep 0.3
	leftovers_orphans $$ 1 | head -1 | sed "s/^/| /"' "$GLASS_SRC/tests/leftovers.sh" "$TEST_TMP/orphan" >"$TEST_TMP/orphans" 2>&1
kill "$(cat "$TEST_TMP/orphan")" 2>/dev/null
like "an orphaned process is named" "$(cat "$TEST_TMP/orphans")" "^\| not ok 1 - nothing left behind: processes"

umount "$TEST_TMP/mnt"
ip netns delete glass-test-leak-$$
rmdir "$cg" /tmp/glass-test-leak-$$
leftovers_snapshot >"$TEST_TMP/after2"
out=$(leftovers_check "$TEST_TMP/before" "$TEST_TMP/after2")
is "once they are gone, none of them is reported" "$(grep -c "leak" <<<"$out")" 0
finish
