#!/bin/bash
# Source hygiene: every raw namespace/mount/identity syscall lives in
# src/lib/sys.c (the traced, audited place), so does every raw
# syscall(SYS_...) but a short list that says why, and the C sources
# follow the committed .clang-format.  The files are found with find(1),
# not git, so the checks run in a copy of the tree without .git too.
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

# Raw syscall(SYS_...) outside sys.c: each site named here with why it is
# not (yet) a sys.c wrapper.  FILE-GLOB SYSCALL REASON.
raw_allowed=(
	"src/lib/caps.c SYS_capset traced in place (GLASS_SYS); glibc has no capset()"
	"src/lib/cgroup-v2.c SYS_bpf the device filter's load and attach; glibc has no bpf()"
	"src/lib/container-child.c SYS_keyctl traced in place (GLASS_SYS); libkeyutils is not linked"
	"src/lib/doctor.c SYS_open_tree traced in place (GLASS_SYS); the doctor's idmapped-mount probe, in a child that exits"
	"src/lib/doctor.c SYS_mount_setattr traced in place (GLASS_SYS); as open_tree"
	"src/lib/doctor.c SYS_seccomp the doctor asks which actions and flags the kernel knows: nothing is loaded"
	"src/lib/doctor.c SYS_landlock_create_ruleset the doctor asks Landlock's ABI version: nothing is created"
	"src/lib/hooks.c SYS_pidfd_open a hook's deadline wait in the runtime, not a container step"
	"src/engine/ctr-rm.c SYS_pidfd_open the engine waits for an --rm container's shim to exit: not a container step, as the hook's"
	"src/engine/ctr-cache.c SYS_pidfd_open glass serve pins each shim it lists: its liveness is one poll; not a container step"
	"src/lib/idmapped.c SYS_mount_setattr traced in place (GLASS_SYS); glibc's wrapper clashes with linux/mount.h"
	"src/lib/idmapped.c SYS_open_tree traced in place (GLASS_SYS); as mount_setattr"
	"src/lib/idmapped.c SYS_move_mount traced in place (GLASS_SYS); as mount_setattr"
	"src/lib/process.c SYS_close_range traced in place (GLASS_SYS)"
	"src/lib/process.c SYS_rt_sigprocmask the signal reset in the child: glibc's wrapper keeps its reserved signals 32 and 33 blocked"
	"src/lib/process.c SYS_rt_sigaction the signal reset in the child: glibc's wrapper refuses its reserved signals 32 and 33"
	"src/lib/process.c SYS_faccessat2 the noexec check before execve (glibc's faccessat emulates AT_EACCESS from the mode bits)"
	"src/lib/sched.c SYS_sched_setattr traced in place (GLASS_SYS); glibc has no sched_setattr()"
	"src/lib/sched.c SYS_ioprio_set traced in place (GLASS_SYS); glibc has no ioprio_set()"
	"src/lib/sched.c SYS_set_mempolicy traced in place (GLASS_SYS); libnuma is not linked"
	"src/lib/seccomp.c SYS_seccomp traced in place (GLASS_SYS): the filter flags libseccomp does not take"
	"src/lib/selfexe.c SYS_memfd_create MFD_EXEC, which glibc's headers may not know"
)
raw_allowed_at() {
	local file=$1 call=$2 entry glob name
	for entry in "${raw_allowed[@]}"; do
		read -r glob name _ <<<"$entry"
		# shellcheck disable=SC2053
		[[ $file == $glob && $call == "$name" ]] && return 0
	done
	return 1
}
sys_raw=$(find src -name '*.[ch]' | sort | grep -v '^src/lib/sys\.c$' |
	xargs grep -noE 'syscall\((SYS|__NR)_[a-z0-9_]+' 2>/dev/null || true)
unlisted=()
while IFS=: read -r file line call; do
	[ -n "$file" ] || continue
	call=${call#syscall(}
	call=SYS_${call#*_}
	raw_allowed_at "$file" "$call" || unlisted+=("$file:$line: $call")
done <<<"$sys_raw"
if [ ${#unlisted[@]} -eq 0 ]; then ok_line "no raw syscall(SYS_...) outside src/lib/sys.c but the ${#raw_allowed[@]} listed"; else
	not_ok_line "raw syscall(SYS_...) outside src/lib/sys.c (add a wrapper to sys.c, or list it with a reason)"
	printf '#   %s\n' "${unlisted[@]}" | head -20
fi
# ... and the check sees one when it is there.
call=$(printf 'static long f(void)\n{\n\treturn syscall(SYS_pivot_root, "a", "b");\n}\n' |
	grep -oE 'syscall\((SYS|__NR)_[a-z0-9_]+')
raw_allowed_at src/lib/newfile.c "SYS_${call#syscall(SYS_}"
is "an unlisted raw syscall(SYS_pivot_root) would be reported" "$?" 1

# An error goes up with glass_err_move(), never a hand-written *err = e
# (which forgets that err may be NULL).  The store's (src/store) are the store
# issue's (issue 19 item 4).
moves=$(find src/lib src/runtime src/engine src/lab -name '*.c' |
	xargs grep -nE '\*err = [a-z_]+;' 2>/dev/null | grep -v '= NULL;' | grep -v '^src/lib/err\.c:' || true)
if [ -z "$moves" ]; then ok_line "no hand-written *err = e outside err.c (glass_err_move)"; else
	not_ok_line "hand-written *err = e (use glass_err_move)"
	printf '#   %s\n' "$moves" | head -20
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
