#!/bin/bash
# The manual: every flag a program's --help names (and every verb's --help)
# is in its man page, in its bash completion (asked the way bash asks) and
# in its zsh completion; `make install` puts the pages and completions
# where man, bash-completion and zsh look.  The flags are read from --help
# here independently of scripts/mkmanual.py, which made the files.
. "$(dirname "$0")/lib.sh"
need_cmd man man-db
need_cmd zsh
need_cmd make

export GLASS_ROOT=$TEST_TMP/root NO_COLOR=1
# flags_of TEXT: every --long flag, and -x where a flag stands.
flags_of() {
	{
		grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' <<<"$1" | sed 's/^[^-]*//'
		grep -oE -- '(^|[] [,(/|])-[a-zA-Z0-9]([] ,/|)=]|$)' <<<"$1" | grep -oE -- '-[a-zA-Z0-9]'
	} | grep -vx -- '-1' | sort -u
}
# verbs_of TEXT: the names listed under "Commands:" or "verbs:".
verbs_of() {
	awk 'tolower($0) ~ /^(commands|verbs):/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on && /^\S/ { on = 0 }' <<<"$1"
}

for prog in glass glass-runtime glass-shim; do
	exe=$GLASS_BUILD/$prog
	[ -x "$exe" ] || continue
	page=$GLASS_BUILD/man/man1/$prog.1
	bashc=$GLASS_BUILD/completions/bash/$prog
	zshc=$GLASS_BUILD/completions/zsh/_$prog
	ok "$prog: man page, bash and zsh completions were made" test -s "$page" -a -s "$bashc" -a -s "$zshc"
	text=$(MANWIDTH=200 MANPAGER=cat man -l "$page" 2>/dev/null | col -b)
	like "$prog: man -l renders the page with its name" "$text" "$prog - "
	ok "$prog: the zsh completion parses" zsh -n "$zshc"
	top=$("$exe" --help)
	verbs=$(verbs_of "$top")
	# glass-shim is a program of flags only (the engine runs it; it has no verbs)
	if [ "$prog" = glass-shim ]; then is "$prog: --help lists no verbs" "$verbs" ""
	else like "$prog: --help lists its verbs" "$(tr '\n' ' ' <<<"$verbs")" '^[a-z]'; fi

	# bash_words WORDS...: what the completion offers after WORDS.
	bash_words() {
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
			f=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\).*/\1/p"); "$f";
			printf "%s\n" "${COMPREPLY[@]}"' _ "$bashc" "$@"
	}
	offered=$(bash_words "$prog" "")
	miss=$(comm -23 <(sort -u <<<"$verbs") <(sort -u <<<"$offered"))
	is "$prog: bash completes every verb" "$miss" ""

	miss_man=() miss_bash=() miss_zsh=() nflags=0
	for verb in "" $verbs; do
		# the top level's own flags: its text without the verb list
		if [ -z "$verb" ]; then help=$(awk 'tolower($0) ~ /^(commands|verbs):/ { on = 1; next } on && /^  [a-z]/ { next } { on = 0; print }' <<<"$top")
		else help=$("$exe" "$verb" --help 2>/dev/null) || help=; fi
		[ -n "$help" ] || { miss_man+=("$verb: no --help"); continue; }
		flags=$(flags_of "$help")
		[ -n "$flags" ] || continue
		offered=$(bash_words "$prog" ${verb:+"$verb"} -)
		zline=$(if [ -z "$verb" ]; then sed -n '/_arguments -C/,/1:command/p' "$zshc"; else grep -E "^\s+$verb\) _arguments" "$zshc"; fi)
		while IFS= read -r f; do
			nflags=$((nflags + 1))
			grep -qF -- "$f" <<<"$text" || miss_man+=("${verb:-(global)} $f")
			grep -qxF -- "$f" <<<"$offered" || miss_bash+=("${verb:-(global)} $f")
			grep -qF -- "'$f[" <<<"$zline" || miss_zsh+=("${verb:-(global)} $f")
		done <<<"$flags"
	done
	is "$prog: every flag of every --help is in the man page ($nflags flags)" "${miss_man[*]}" ""
	is "$prog: bash completes every flag of every --help" "${miss_bash[*]}" ""
	is "$prog: zsh completes every flag of every --help" "${miss_zsh[*]}" ""
done

# make install: the pages and completions where their readers look.
D=$TEST_TMP/dest
out=$(make -C "$GLASS_SRC" --no-print-directory install BUILD="$GLASS_BUILD" DESTDIR="$D" 2>&1)
check "make install DESTDIR=... succeeds" $?
[ $? -eq 0 ] || printf '%s\n' "$out" | tail -20 | sed 's/^/#   /'
for prog in glass glass-runtime; do
	ok "$prog.1 installed under share/man/man1" test -s "$D/usr/local/share/man/man1/$prog.1"
	ok "$prog's bash completion installed" test -s "$D/usr/local/share/bash-completion/completions/$prog"
	ok "$prog's zsh completion installed" test -s "$D/usr/local/share/zsh/site-functions/_$prog"
done
like "man finds the installed page by name" "$(MANPATH=$D/usr/local/share/man MANPAGER=cat man glass-runtime 2>&1 | col -b | sed -n 1,5p)" 'glass-runtime - '
finish
