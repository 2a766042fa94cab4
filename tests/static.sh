#!/bin/bash
# The static checks of make check, each of which must be clean: cppcheck
# over src/, and clang-tidy (.clang-tidy) over every file of src/ with its
# bugprone-* and cert-* checks, two files at a time.
#   tests/static.sh BUILD      (BUILD holds compile_commands.json)
#   STATIC_TIDY=full           also clang-tidy's clang-analyzer-* checks
#                              (clean too: run it before merging C changes)
#   STATIC_TIDY=0              cppcheck only
# bugprone-* and cert-* take under a second a file; the analyzer about
# 5 s a file (cgroup.c 75 s), 9 min for the tree on 2 cores at load 6
# with an empty cache: over make check's budget for one lane (3 min), so
# it stays opt-in (docs/reliability.md).  A file found clean is remembered
# (BUILD/static-ok/MODE/, keyed by the hash of the file, of every header
# under src/ and of .clang-tidy) and checked again only when one of
# those changes.  The freestanding exec stub is left out: it is built for
# no libc and no analyzer model fits it.
set -u
BUILD=${1:?usage: tests/static.sh BUILD}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
rc=0
start=$(date +%s)

TIDY=${STATIC_TIDY:-fast}
[ "$TIDY" = 1 ] && TIDY=full
tidy_args=()
[ "$TIDY" = full ] || tidy_args=(--checks=-clang-analyzer-*)
for tool in cppcheck $([ "$TIDY" != 0 ] && echo clang-tidy); do
	command -v "$tool" >/dev/null || {
		echo "static: $tool not installed (scripts/install-deps.sh installs it)"
		exit 1
	}
done

out=$(cppcheck --quiet --enable=warning,portability --inline-suppr --std=c11 -D_GNU_SOURCE \
	--library=tests/json-c.cfg \
	-D__x86_64__ -I src/lib -I src/store -I src --error-exitcode=1 -i src/stub src 2>&1)
if [ $? -ne 0 ] || [ -n "$out" ]; then
	echo "# cppcheck:"
	printf '%s\n' "$out" | head -60 | sed 's/^/#   /'
	rc=1
fi
echo "# cppcheck: $(find src -name '*.c' ! -path 'src/stub/*' | wc -l) files, $([ $rc -eq 0 ] && echo clean || echo findings)"

if [ "$TIDY" = 0 ]; then
	[ "$rc" -eq 0 ] && echo "static checks: clean (cppcheck only: STATIC_TIDY=0)" ||
		echo "static checks: FAILED"
	exit "$rc"
fi
[ -f "$BUILD/compile_commands.json" ] || {
	echo "static: $BUILD/compile_commands.json missing (meson setup $BUILD)"
	exit 1
}
tidy_start=$(date +%s)
CACHE=$BUILD/static-ok/$TIDY # a mode each: a fast run keeps what a full one found
mkdir -p "$CACHE"
common=$( (cat .clang-tidy $(find src -name '*.h' | sort) && echo "$TIDY") | sha256sum | cut -c1-16)
todo=()
while IFS= read -r f; do
	key=$(cat "$f" | sha256sum | cut -c1-16)-$common
	[ -e "$CACHE/$(echo "$f" | tr / _).$key" ] || todo+=("$f")
done < <(find src -name '*.c' ! -path 'src/stub/*' | sort)
tidy_out=$(mktemp)
# The analyzer gets one file an invocation: its va_list checker keeps
# state from one file to the next and then reports every va_start'ed
# list of the next files as uninitialized (llvm-project#40656, clang 14).
per_run=4
[ "$TIDY" = full ] && per_run=1
if [ ${#todo[@]} -gt 0 ]; then
	printf '%s\n' "${todo[@]}" | xargs -P "$(nproc)" -n "$per_run" clang-tidy -p "$BUILD" --quiet "${tidy_args[@]}" >"$tidy_out" 2>/dev/null
fi
if grep -qE '(warning|error):' "$tidy_out"; then
	echo "# clang-tidy:"
	grep -E '(warning|error):' "$tidy_out" | sort -u | head -60 | sed 's/^/#   /'
	rc=1
fi
# Remember the clean ones (a file with a finding is named in the output).
for f in "${todo[@]}"; do
	grep -q "$f:" "$tidy_out" && continue
	key=$(cat "$f" | sha256sum | cut -c1-16)-$common
	rm -f "$CACHE/$(echo "$f" | tr / _)".*
	touch "$CACHE/$(echo "$f" | tr / _).$key"
done
rm -f "$tidy_out"
echo "# clang-tidy ($TIDY): ${#todo[@]} files checked (the rest unchanged since found clean) in $(($(date +%s) - tidy_start)) s; $(($(date +%s) - start)) s in all"
if [ "$rc" -eq 0 ]; then
	echo "static checks: clean"
else
	echo "static checks: FAILED"
fi
exit "$rc"
