#!/bin/bash
# Source hygiene: every raw namespace/mount/identity syscall lives in
# src/lib/sys.c (the traced, audited place), and the C sources follow the
# committed .clang-format.  The files are found with find(1), not git, so
# the checks run in a copy of the tree without .git too.
. "$(dirname "$0")/lib.sh"
cd "$GLASS_SRC" || exit 1
need_cmd clang-format

csrc=$(find src -name '*.c' | sort)
n=$(wc -l <<<"$csrc")
like "the C sources are found ($n files under src/)" "$n" '^[1-9][0-9]+$'
raw=$(grep -v '^src/lib/sys\.c$' <<<"$csrc" |
	xargs grep -nE '(^|[^_a-z.>])(mount|umount2?|pivot_root|setns|unshare|chroot|sethostname|setdomainname)\(' 2>/dev/null |
	grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)' | grep -vE 'glass_sys_|"[^"]*(mount|unshare|setns)\(' || true)
if [ -z "$raw" ]; then ok_line "no raw mount/pivot_root/setns/unshare/chroot calls outside src/lib/sys.c"; else
	not_ok_line "raw kernel calls outside src/lib/sys.c (use the traced wrappers)"
	printf '#   %s\n' $raw | head -20
fi

# The store is a library: it reports through its options' callback, takes
# its settings as options, and leaves the process-wide umask alone.
quiet=$(find src/store -name '*.c' | xargs grep -nE '(printf|puts|perror)\(|std(err|out)|getenv\(|[^_]umask\(|syscall\(SYS_' 2>/dev/null |
	grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)|snprintf\(|asprintf\(|strbuf_printf\(' || true)
if [ -z "$quiet" ]; then ok_line "src/store neither prints, reads the environment, calls umask() nor raw syscalls"; else
	not_ok_line "src/store prints, reads the environment, calls umask() or a raw syscall"
	printf '#   %s\n' "$quiet" | head -20
fi

files=$(find src tests -path tests/web/node_modules -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
bad=$(for f in $files; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [ -z "$bad" ]; then ok_line "C sources match .clang-format ($(wc -w <<<"$files") files)"; else
	not_ok_line "C sources differ from .clang-format (run: make format)"
	printf '#   %s\n' $bad | head -20
fi
finish
