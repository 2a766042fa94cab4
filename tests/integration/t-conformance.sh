#!/bin/bash
# docs/conformance.md against the runtime spec's own text: every MUST,
# MUST NOT, SHOULD, SHOULD NOT and REQUIRED sentence of runtime.md,
# config.md, config-linux.md and runtime-linux.md (the runtime-spec version
# the build declares) has a row, and every row names a test that exists
# (its file, and the case's text in it) or the reason there is none
# (conformance-check.py).
. "$(dirname "$0")/lib.sh"
# The specs sit beside the checkout (../shared/specs), wherever it is.
SPEC=${GLASS_SPECS:-$GLASS_SRC/../shared/specs}/runtime-spec
if [ ! -f "$SPEC/config.md" ]; then
	skip_all "the runtime-spec text is not at $SPEC (GLASS_SPECS names its parent)"
fi
want=$(sed -n 's/^#define GLASS_OCI_VERSION "\(.*\)"/\1/p' "$GLASS_SRC/src/lib/spec.h")
have=$(sed -n 's/.*VersionMajor = \([0-9]*\).*/\1/p; s/.*VersionMinor = \([0-9]*\).*/\1/p' "$SPEC/specs-go/version.go" 2>/dev/null | paste -sd.)
if [ -n "$have" ]; then
	like "the spec text is the version the build declares ($want)" "$want" "^$have\."
fi
like "docs/conformance.md states that version" "$(head -5 "$GLASS_SRC/docs/conformance.md")" "runtime-spec $want"
while IFS= read -r line; do
	case $line in
	'ok|'*) ok_line "${line#ok|}" ;;
	'not ok|'*) not_ok_line "${line#not ok|}" ;;
	*) echo "# $line" ;;
	esac
done < <(/usr/bin/python3 "$(dirname "$0")/conformance-check.py" "$SPEC" "$GLASS_SRC/docs/conformance.md" "$GLASS_SRC/tests")
finish
