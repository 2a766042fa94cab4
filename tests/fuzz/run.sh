#!/bin/bash
# Runs the libFuzzer targets of tests/fuzz on their corpora (in the tree:
# tests/fuzz/corpus/TARGET).  Builds build-fuzz/ first (CC=clang,
# -Dfuzzers=true).
#   tests/fuzz/run.sh runs N      each target N iterations (make check)
#   tests/fuzz/run.sh seconds S   each target S seconds (make fuzz)
# New inputs a run finds go to a scratch directory, not to the tree; a
# crash leaves its input in tests/artifacts/fuzz-TARGET-* and fails.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FB=${FUZZ_BUILD:-$ROOT/build-fuzz}
mode=${1:-runs} n=${2:-2000}
case $mode in
runs) limit=-runs=$n ;;
seconds) limit=-max_total_time=$n ;;
*)
	echo "usage: tests/fuzz/run.sh runs N | seconds S" >&2
	exit 2
	;;
esac
if [ ! -f "$FB/build.ninja" ]; then
	CC=clang meson setup "$FB" -Dfuzzers=true >/dev/null || exit 1
fi
TARGETS="fuzz-spec fuzz-manifest fuzz-layer fuzz-state fuzz-archive fuzz-lab-api"
# shellcheck disable=SC2086
ninja -C "$FB" $(printf 'tests/fuzz/%s ' $TARGETS) >/dev/null || exit 1
mkdir -p "$ROOT/tests/artifacts"
rc=0
for t in $TARGETS; do
	# fuzz-layer and fuzz-archive unpack every input on disk (tens of
	# runs a second): a tenth.
	case $mode-$t in
	runs-fuzz-layer | runs-fuzz-archive) limit=-runs=$((n / 10)) ;;
	runs-*) limit=-runs=$n ;;
	esac
	scratch=$(mktemp -d /tmp/glass-fuzz.XXXXXX)
	start=$(date +%s%N)
	# fuzz-layer unpacks into its working directory: the scratch one.
	(cd "$scratch" && mkdir new && "$FB/tests/fuzz/$t" "$limit" -timeout=20 -rss_limit_mb=2048 \
		-artifact_prefix="$ROOT/tests/artifacts/$t-" new "$ROOT/tests/fuzz/corpus/$t") \
		>"$scratch.log" 2>&1
	r=$?
	done_line=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$scratch.log" | tail -1)
	ms=$((($(date +%s%N) - start) / 1000000))
	printf '# %s: exit %d, %d.%03d s, %s\n' "$t" "$r" $((ms / 1000)) $((ms % 1000)) "${done_line:-no stats}"
	if [ "$r" -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|artifact' "$scratch.log" | head -10 | sed 's/^/#   /'
		rc=1
	fi
	rm -rf "$scratch" "$scratch.log"
done
[ "$rc" -eq 0 ] && echo "fuzz: passed" || echo "fuzz: FAILED"
exit "$rc"
