#!/bin/bash
# Source hygiene: every raw namespace/mount/identity syscall lives in
# src/lib/sys.c (the traced, audited place), and the C sources follow the
# committed .clang-format.
. "$(dirname "$0")/lib.sh"
cd "$GLASS_SRC" || exit 1

raw=$(git ls-files 'src/*.c' 'src/**/*.c' 2>/dev/null | grep -v '^src/lib/sys\.c$' |
	xargs grep -nE '(^|[^_a-z.>])(mount|umount2?|pivot_root|setns|unshare|chroot|sethostname|setdomainname)\(' 2>/dev/null |
	grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)' | grep -vE 'glass_sys_|"[^"]*(mount|unshare|setns)\(' || true)
if [ -z "$raw" ]; then ok_line "no raw mount/pivot_root/setns/unshare/chroot calls outside src/lib/sys.c"; else
	not_ok_line "raw kernel calls outside src/lib/sys.c (use the traced wrappers)"
	printf '#   %s\n' $raw | head -20
fi

# The store is a library: it reports through its options' callback, takes
# its settings as options, and leaves the process-wide umask alone.
quiet=$(git ls-files 'src/store/*.c' | xargs grep -nE '(printf|puts|perror)\(|std(err|out)|getenv\(|[^_]umask\(|syscall\(SYS_' 2>/dev/null |
	grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)|snprintf\(|asprintf\(|strbuf_printf\(' || true)
if [ -z "$quiet" ]; then ok_line "src/store neither prints, reads the environment, calls umask() nor raw syscalls"; else
	not_ok_line "src/store prints, reads the environment, calls umask() or a raw syscall"
	printf '#   %s\n' "$quiet" | head -20
fi

if command -v clang-format >/dev/null; then
	files=$(git ls-files '*.c' '*.h')
	bad=$(for f in $files; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
	if [ -z "$bad" ]; then ok_line "C sources match .clang-format"; else
		not_ok_line "C sources differ from .clang-format (run: make format)"
		printf '#   %s\n' $bad | head -20
	fi
else
	skip "C sources match .clang-format" "clang-format not installed (apt-get install clang-format)"
fi
finish
