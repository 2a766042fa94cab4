#!/bin/bash
# The shape a newcomer can carry on (issue 19's "done when"): no function
# over 150 lines and none nested deeper than 4 in src/, and no include or
# call cycle between module families, except what structure.allow names
# with a reason.  The checker is first shown a tree with one of each
# offence, so a checker that finds nothing cannot pass.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x $PY ] || skip_all "python3 not installed (apt-get install python3)"
CHK=$GLASS_SRC/tests/integration/structure.py
ALLOW=$GLASS_SRC/tests/integration/structure.allow

# --- the checker on a tree made to offend
F=$TEST_TMP/src/lib
mkdir -p "$F"
{
	printf 'int long_one(void)\n{\n'
	for i in $(seq 160); do printf '\tx(%d);\n' "$i"; done
	printf '}\n\nint deep_one(int a)\n{\n\tif (a)\n\t\tif (a)\n\t\t\tif (a)\n\t\t\t\tif (a)\n\t\t\t\t\tif (a)\n\t\t\t\t\t\treturn 1;\n\treturn 0;\n}\n'
} >"$F/alpha.c"
printf '#include "beta.h"\nint alpha_call(void)\n{\n\treturn beta_call();\n}\n' >"$F/alpha-two.c"
printf 'int beta_call(void);\n' >"$F/beta.h"
printf '#include "alpha.h"\nint beta_call(void)\n{\n\treturn alpha_call();\n}\n' >"$F/beta.c"
printf 'int alpha_call(void);\n' >"$F/alpha.h"
: >"$TEST_TMP/none.allow"
out=$($PY "$CHK" functions "$TEST_TMP/src" "$TEST_TMP/none.allow")
like "the checker finds a function over 150 lines" "$out" 'lib/alpha\.c:long_one: 163 lines'
like "the checker finds nesting 5 deep" "$out" 'lib/alpha\.c:deep_one: nested 5 deep'
out=$($PY "$CHK" cycles "$TEST_TMP/src" "$TEST_TMP/none.allow")
like "the checker finds an include/call cycle between two families" "$out" 'cycle lib/alpha<->lib/beta'

# --- the tree
fails_none() {
	local what=$1 out
	out=$($PY "$CHK" "$what" "$GLASS_SRC/src" "$ALLOW" 2>&1)
	local rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
	return $rc
}
ok "no function over 150 lines or nested deeper than 4 in src/ (but those allowed)" fails_none functions
ok "no include or call cycle between module families in src/ (but those allowed)" fails_none cycles
n=$(grep -cE '^(long|deep|cycle) ' "$ALLOW")
like "the allow-list stays short ($n entries)" "$n" '^([0-9]|1[0-9])$'
finish
