#!/bin/bash
# Runs every test of glass and prints one summary line:
#   N passed, N failed, N skipped
# Each test program or script prints TAP ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason", "not ok N - name # TODO issue N" for a
# known bug another issue fixes, counted with the skipped and listed).  A
# program that exits non-zero without printing a "not ok" line counts as
# one failure.  A suite that skips whole
# ("1..0 # SKIP reason") counts the checks it planned as skipped: the number
# on a "# planned: N" line it printed, or 1.  Every skip's reason is listed
# at the end.
#
# The whole run (no FILTER) ends with a check that it left nothing behind:
# mounts, cgroups, network namespaces and files under /run and /tmp are
# compared with a snapshot taken before the first test (tests/leftovers.sh),
# and no process of the run may outlive it.
#   tests/run.sh BUILD [FILTER]   FILTER: a substring of the test path
set -u
# A child subreaper (prctl PR_SET_CHILD_SUBREAPER, kept across execve): a
# process that a test leaves running is re-parented to this shell instead
# of init, so the final check can name it.  GLASS_TEST_RUN marks the run's
# processes for tests/leftovers.sh.
if [ -z "${GLASS_TEST_RUN:-}" ] && [ -x /usr/bin/python3 ]; then
	export GLASS_TEST_RUN=run-$$-$(date +%s)
	exec /usr/bin/python3 -c 'import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi
export GLASS_TEST_RUN=${GLASS_TEST_RUN:-run-$$-$(date +%s)}
BUILD=${1:-build}
FILTER=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
export GLASS_BUILD=$BUILD GLASS_SRC=$ROOT
ART=$ROOT/tests/artifacts
mkdir -p "$ART"
pass=0 fail=0 skip=0
failed_names=()
todo_names=()
skipped=()
# shellcheck source=tests/leftovers.sh
. "$ROOT/tests/leftovers.sh"
if [ -z "$FILTER" ]; then
	leftovers_snapshot >"$ART/leftovers-before.txt"
	leftovers_sample
fi

run_one() {
	local name=$1
	shift
	local out rc
	echo "# ---- $name"
	out=$(mktemp "$ART/.out.XXXXXX")
	# Each test runs in an empty working directory of its own, so a stray
	# relative write can never land in the source tree; what it leaves
	# there is reported, then removed.
	local wd
	wd=$(mktemp -d /tmp/glass-test-cwd.XXXXXX)
	# A test gets 15 minutes at most; the whole suite must fit CI's budget.
	if declare -F "$1" >/dev/null; then
		(cd "$wd" && "$@") >"$out" 2>&1
	else
		(cd "$wd" && timeout --kill-after=10 900 "$@") >"$out" 2>&1
	fi
	rc=$?
	cat "$out"
	if [ -n "$(ls -A "$wd")" ]; then
		echo "# warning: $name left files in its working directory: $(ls -A "$wd" | tr '\n' ' ')"
	fi
	rm -rf "$wd"
	local p f s t
	p=$(grep -cE '^ok [0-9]+' "$out" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$out" | head -1)
	# "not ok N - name # TODO issue N": a known bug another issue fixes;
	# counted with the skipped, listed by name below.
	t=$(grep -cE '^not ok [0-9]+.*# *TODO' "$out" | head -1)
	f=$(($(grep -cE '^not ok [0-9]+' "$out" | head -1) - t))
	p=$((p - s))
	s=$((s + t))
	while IFS= read -r line; do skipped+=("$name: ${line#ok }"); done < <(grep -E '^ok [0-9]+.*# *(SKIP|skip)' "$out")
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && grep -qE '^1\.\.0([^0-9]|$)' "$out"; then
		local planned reason
		planned=$(sed -n 's/^# planned: *\([0-9][0-9]*\).*/\1/p' "$out" | head -1)
		reason=$(sed -n 's/^1\.\.0 *# *[Ss][Kk][Ii][Pp] *//p' "$out" | head -1)
		planned=${planned:-1}
		[ "$planned" -ge 1 ] || planned=1
		s=$((s + planned))
		skipped+=("$name: the whole suite, counted as $planned skipped (its planned checks): ${reason:-no reason given}")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	while IFS= read -r line; do todo_names+=("$name: $line"); done < <(grep -E '^not ok [0-9]+.*# *TODO' "$out")
	if [ "$f" -gt 0 ]; then
		while IFS= read -r line; do failed_names+=("$name: $line"); done < <(grep -E '^not ok' "$out" | grep -vE '# *TODO')
		[ "$rc" -ne 0 ] && [ "$(grep -cE '^not ok' "$out")" -eq 0 ] && failed_names+=("$name: exit $rc")
	fi
	rm -f "$out"
}

want() { [ -z "$FILTER" ] || [[ $1 == *"$FILTER"* ]]; }

for t in "$BUILD"/tests/unit/test-*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	want "$t" && run_one "unit/$(basename "$t")" "$t" && [ -z "$FILTER" ] && leftovers_sample
done
for t in "$ROOT"/tests/integration/t-*.sh; do
	[ -f "$t" ] || continue
	want "$t" && run_one "integration/$(basename "$t")" bash "$t" && [ -z "$FILTER" ] && leftovers_sample
done
for t in "$ROOT"/tests/web/run.sh "$ROOT"/tests/qemu/run.sh; do
	[ -f "$t" ] || continue
	want "$t" && run_one "${t#"$ROOT"/tests/}" bash "$t" && [ -z "$FILTER" ] && leftovers_sample
done

# The leftovers check: its own suite, after every other.
leftover_suite() {
	leftovers_sample
	leftovers_snapshot >"$ART/leftovers-after.txt"
	leftovers_check "$ART/leftovers-before.txt" "$ART/leftovers-after.txt"
	leftovers_orphans "$$" 5
	echo "1..5"
	rm -f "$LEFT_FOREIGN" "$GLASS_TEST_PIDS"
}
if [ -z "$FILTER" ]; then
	run_one "leftovers (tests/leftovers.sh)" leftover_suite
fi

rm -f "$LEFT_FOREIGN" "$GLASS_TEST_PIDS"
echo
if [ ${#skipped[@]} -gt 0 ]; then
	echo "# skipped:"
	printf '#   %s\n' "${skipped[@]}"
fi
if [ ${#todo_names[@]} -gt 0 ]; then
	echo "# known bugs, fixed by other issues (TODO, counted as skipped):"
	printf '#   %s\n' "${todo_names[@]}"
fi
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
