#!/bin/bash
# The sanitizer lane of make check: runs the unit tests and a fast subset
# of the integration tests (lifecycle with its exec checks, errors, the
# kill sweep of create on the default bundle) against a build made with
# -Db_sanitize=address,undefined, and fails on any sanitizer report.
#   tests/sanitize.sh SAN_BUILD
# Reports go to files (log_path), not to stderr: a test that expects a
# command to fail would otherwise pass over a crash.  Leak detection is
# off: glass-runtime and glass are short-lived and leave freeing to exit,
# and LeakSanitizer's ptrace-based stop does not work in the container's
# child.  A report written inside a container (after pivot_root) cannot
# reach the log directory and aborts the process instead, which fails its
# test.
set -u
BUILD=${1:?usage: tests/sanitize.sh SAN_BUILD}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOGS=$(mktemp -d /tmp/glass-sanitize.XXXXXX)
chmod 0777 "$LOGS"
export ASAN_OPTIONS="log_path=$LOGS/asan:detect_leaks=0:abort_on_error=0:halt_on_error=1:exitcode=99"
export UBSAN_OPTIONS="log_path=$LOGS/ubsan:print_stacktrace=1:halt_on_error=1:exitcode=98"
# the runtime's create sweep on the default bundle; the engine's sweep
# (two more minutes of kills) runs in the main lane only
export KILLSWEEP_BUNDLES=default KILLSWEEP_VERBS=create KILLSWEEP_ENGINE=0

start=$(date +%s)
rc=0
summary=()
for filter in tests/unit/ t-lifecycle t-errors t-killsweep; do
	out=$(bash "$ROOT/tests/run.sh" "$BUILD" "$filter" 2>&1)
	r=$?
	printf '%s\n' "$out" | grep -E '^(not ok|# failures|#   )' | head -20
	summary+=("$filter: $(tail -1 <<<"$out")")
	[ "$r" -eq 0 ] || rc=1
done
reports=$(find "$LOGS" -type f | sort)
echo "# sanitizer lane ($BUILD, $(($(date +%s) - start)) s):"
printf '#   %s\n' "${summary[@]}"
if [ -n "$reports" ]; then
	echo "# sanitizer reports:"
	for f in $reports; do
		echo "# --- $f"
		head -40 "$f" | sed 's/^/#   /'
	done
	rc=1
fi
rm -rf "$LOGS"
if [ "$rc" -eq 0 ]; then
	echo "sanitizer lane: passed, no report"
else
	echo "sanitizer lane: FAILED"
fi
exit "$rc"
