#!/bin/bash
# Runs every test of glass and prints one summary line:
#   N passed, N failed, N skipped
# Each test program or script prints TAP ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason", "not ok N - name # TODO issue N" for a
# known bug another issue fixes, counted with the skipped and listed).  A
# program that exits non-zero without printing a "not ok" line counts as
# one failure.
#   tests/run.sh BUILD [FILTER]   FILTER: a substring of the test path
set -u
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

run_one() {
	local name=$1
	shift
	local out rc
	echo "# ---- $name"
	out=$(mktemp)
	# Each test runs in an empty working directory of its own, so a stray
	# relative write can never land in the source tree; what it leaves
	# there is reported, then removed.
	local wd
	wd=$(mktemp -d /tmp/glass-test-cwd.XXXXXX)
	# A test gets 15 minutes at most; the whole suite must fit CI's budget.
	(cd "$wd" && timeout --kill-after=10 900 "$@") >"$out" 2>&1
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
	want "$t" && run_one "unit/$(basename "$t")" "$t"
done
for t in "$ROOT"/tests/integration/t-*.sh; do
	[ -f "$t" ] || continue
	want "$t" && run_one "integration/$(basename "$t")" bash "$t"
done
for t in "$ROOT"/tests/web/run.sh "$ROOT"/tests/qemu/run.sh; do
	[ -f "$t" ] || continue
	want "$t" && run_one "${t#"$ROOT"/tests/}" bash "$t"
done

echo
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
