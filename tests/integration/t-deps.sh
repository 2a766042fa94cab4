#!/bin/bash
# Every program the tests and scripts run comes from a package that
# scripts/install-deps.sh installs: one it names, one those depend on, or
# one of Debian's "required" packages (on every Debian install, even a
# minimal one).  The programs are found by reading the scripts
# (commands.py); a program that is not installed here, or that comes from
# a package nothing installs, fails this test: on a fresh machine it would
# be missing.
. "$(dirname "$0")/lib.sh"
need_cmd dpkg-query
need_cmd apt-cache "apt-get install apt"
# Debian's PATH, as on a fresh machine (this one may have other copies first).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

uses=$(/usr/bin/python3 "$GLASS_SRC/tests/integration/commands.py" "$GLASS_SRC")
n=$(wc -l <<<"$uses")
like "the scripts' programs are found ($n)" "$n" '^[0-9]{2,}$'
for want in podman jq qemu-system-x86_64 strace file python3; do
	ok "the reader finds $want among them" grep -q "^$want " <<<"$uses"
done

listed=$(sh "$GLASS_SRC/scripts/install-deps.sh" --list | sort -u)
# What installing the listed packages brings: them and their dependencies
# (not recommends: apt may be told to skip those).
closure=$( (echo "$listed"
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances $listed 2>/dev/null | grep -v '^ ' | grep -v '^<') | sort -u)
like "the dependency closure of the listed packages ($(wc -l <<<"$closure") packages)" "$(wc -l <<<"$closure")" '^[0-9]{3,}$'

# Programs a script installs itself or does without, with the reason.
declare -A self_installed=(
	[npm]="tests/web/run.sh installs Debian's npm when there is no npm (it conflicts with a non-Debian Node's own)"
	[git]="bench/pull.sh names the commit only in a git checkout (2>/dev/null otherwise)"
)

# package_of PROGRAM: the Debian package that ships it.
package_of() {
	local path real p pkg
	path=$(command -v "$1") || return 1
	real=$(readlink -f "$path")
	for p in "$path" "$real" "/usr${path#/usr}" "${path#/usr}" "/usr${real#/usr}" "${real#/usr}"; do
		pkg=$(dpkg-query -S "$p" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1 | cut -d, -f1)
		[ -n "$pkg" ] && echo "$pkg" && return 0
	done
	return 1
}

missing=() unlisted=() checked=0
while read -r prog where; do
	[ -n "$prog" ] || continue
	if [ -n "${self_installed[$prog]:-}" ]; then
		echo "# $prog ($where): ${self_installed[$prog]}"
		continue
	fi
	checked=$((checked + 1))
	if ! command -v "$prog" >/dev/null; then
		missing+=("$prog (used at $where)")
		continue
	fi
	pkg=$(package_of "$prog") || { unlisted+=("$prog (used at $where): no Debian package ships $(command -v "$prog")"); continue; }
	grep -qx "$pkg" <<<"$closure" && continue
	prio=$(dpkg-query -W -f='${Priority} ${Essential}' "$pkg" 2>/dev/null)
	case $prio in required* | *yes) continue ;; esac
	unlisted+=("$prog (used at $where) comes from $pkg, which scripts/install-deps.sh does not install")
done <<<"$uses"
is "every program the scripts run is installed ($checked checked)" "${missing[*]}" ""
is "every one comes from a package scripts/install-deps.sh installs" "$(printf '%s\n' "${unlisted[@]}")" ""
# The engine's big libraries are loaded at their first use (src/lib/lazy.h):
# linked the usual way, each `glass` start would map them and the dozens
# they pull in (libarchive alone brings ICU, libxml2 and libstdc++).
needed=$(readelf -d "$GLASS_BUILD/src/engine/glass" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
like "readelf reads what glass links at start" "$needed" 'libc\.so'
for lib in libarchive libcurl libcrypto libmicrohttpd; do
	is "glass does not link $lib at start (lazy.h loads it)" "$(grep "^$lib" <<<"$needed")" ""
done
finish
