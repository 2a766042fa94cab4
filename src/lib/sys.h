/* sys: every kernel-facing operation of libglass, in one audited place.
 *
 * Each wrapper performs one call, retries on EINTR, emits the BEGIN/END
 * trace events (trace.h) with the arguments rendered as text and the
 * config.json field that asked for it, and on failure fills `err` with the
 * call and its arguments.  They return what the call returns (>= 0) or -1.
 *
 * Modules never call mount(2), pivot_root(2), setns(2), ... directly: a CI
 * check greps for raw calls outside this file.  A module that needs a call
 * not listed here adds a wrapper here, or uses GLASS_SYS() below.
 *
 * `field` may be NULL.  `err` may be NULL (the error is dropped).
 */
#ifndef GLASS_SYS_H
#define GLASS_SYS_H

#include "err.h"
#include "trace.h"

#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* GLASS_SYS(err, "name", field, EXPR, "fmt", args...): runs EXPR (a call
 * returning < 0 with errno on failure) as a traced step.  The format
 * renders the arguments for the trace and for the error message. */
#define GLASS_SYS(err, name, field, expr, fmt, ...)                                                \
	({                                                                                         \
		struct glass_trace_op _op = {0};                                                   \
		long long _r;                                                                      \
		int _e = 0;                                                                        \
		if (glass_trace_on &&                                                              \
		    glass_trace_begin(&_op, name, field, fmt, ##__VA_ARGS__) < 0) {                \
			_r = -1;                                                                   \
			_e = ECANCELED;                                                            \
		} else {                                                                           \
			do                                                                         \
				_r = (long long)(expr);                                            \
			while (_r < 0 && errno == EINTR);                                          \
			_e = _r < 0 ? errno : 0;                                                   \
		}                                                                                  \
		if (_op.active)                                                                    \
			glass_trace_end(&_op, _r, _e);                                             \
		if (_r < 0) {                                                                      \
			glass_err_field(err, _e, field, name "(" fmt ")", ##__VA_ARGS__);          \
			errno = _e;                                                                \
		}                                                                                  \
		_r;                                                                                \
	})

/* Renders MS_* mount flags as "MS_BIND|MS_REC" into buf; returns buf. */
const char *glass_sys_mount_flags_str(unsigned long flags, char *buf, size_t size);
/* Renders CLONE_NEW* flags as "CLONE_NEWNS|CLONE_NEWPID". */
const char *glass_sys_clone_flags_str(unsigned long flags, char *buf, size_t size);
/* Renders open(2) flags as "O_RDONLY|O_CLOEXEC|O_DIRECTORY". */
const char *glass_sys_open_flags_str(int flags, char *buf, size_t size);
/* Renders openat2(2) RESOLVE_* flags as "RESOLVE_NO_MAGICLINKS|RESOLVE_IN_ROOT". */
const char *glass_sys_resolve_flags_str(uint64_t resolve, char *buf, size_t size);
/* All of the *_flags_str functions: a bit no name covers shows as hex, no
 * flag as "0"; when the text does not fit `size`, it stops after a whole
 * name and ends with "|..." (never past the buffer). */

/* Namespaces and processes. */
int glass_sys_unshare(int flags, const char *field, struct glass_err **err);
int glass_sys_setns(int fd, int nstype, const char *what, const char *field,
                    struct glass_err **err);
/* clone(2) with `flags` (CLONE_NEW* | SIGCHLD); the child runs fn(arg) on
 * its own stack and _exit()s with its return value.  Returns the pid. */
pid_t glass_sys_clone(unsigned long flags, int (*fn)(void *), void *arg, const char *field,
                      struct glass_err **err);
/* glass_sys_clone() that starts the child in the cgroup2 directory open
 * as `cgroup_fd` (clone3 with CLONE_INTO_CGROUP, shown with `cgroup`, its
 * path), so nobody writes its pid to cgroup.procs.  *placed says whether
 * it did: false with cgroup_fd < 0, or when clone3 is missing (ENOSYS: an
 * old kernel, or a seccomp filter of an outer container), in which case
 * it is a plain clone and the caller moves the child itself. */
pid_t glass_sys_clone_into(unsigned long flags, int cgroup_fd, const char *cgroup,
                           int (*fn)(void *), void *arg, bool *placed, const char *field,
                           struct glass_err **err);
int glass_sys_kill(pid_t pid, int sig, const char *field, struct glass_err **err);
int glass_sys_execve(const char *path, char *const argv[], char *const envp[], const char *field,
                     struct glass_err **err);
/* execveat(fd, "", argv, envp, AT_EMPTY_PATH): runs the open file fd (a
 * sealed memfd) as the program; `what` names it in the trace. */
int glass_sys_execveat_fd(int fd, const char *what, char *const argv[], char *const envp[],
                          const char *field, struct glass_err **err);
int glass_sys_prctl(int option, unsigned long a2, unsigned long a3, const char *what,
                    const char *field, struct glass_err **err);

/* Filesystems. */
int glass_sys_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
                    const void *data, const char *field, struct glass_err **err);
/* mount(2) onto the file or directory open as `target_fd` (an O_PATH fd
 * resolved safely inside a rootfs), through its /proc/self/fd/N magic link
 * so no path is resolved again between the check and the mount.  `shown`
 * names the target in the trace and in errors. */
int glass_sys_mount_fd(const char *src, int target_fd, const char *shown, const char *fstype,
                       unsigned long flags, const void *data, const char *field,
                       struct glass_err **err);
int glass_sys_umount2(const char *target, int flags, const char *field, struct glass_err **err);
int glass_sys_pivot_root(const char *new_root, const char *put_old, const char *field,
                         struct glass_err **err);
int glass_sys_chroot(const char *path, const char *field, struct glass_err **err);
int glass_sys_chdir(const char *path, const char *field, struct glass_err **err);
int glass_sys_fchdir(int fd, const char *what, const char *field, struct glass_err **err);
int glass_sys_mkdirat(int dirfd, const char *path, mode_t mode, const char *field,
                      struct glass_err **err);
int glass_sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev, const char *field,
                      struct glass_err **err);
int glass_sys_symlinkat(const char *target, int dirfd, const char *path, const char *field,
                        struct glass_err **err);
int glass_sys_chmod(const char *path, mode_t mode, const char *field, struct glass_err **err);
int glass_sys_chown(const char *path, uid_t uid, gid_t gid, const char *field,
                    struct glass_err **err);
/* openat(2); `what` names the directory fd in the trace. */
int glass_sys_openat(int dirfd, const char *what, const char *path, int flags, mode_t mode,
                     const char *field, struct glass_err **err);
/* openat2(2) with RESOLVE_* flags; falls back with ENOSYS to the caller. */
int glass_sys_openat2(int dirfd, const char *what, const char *path, int flags, uint64_t resolve,
                      const char *field, struct glass_err **err);
/* openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | `resolve`:
 * the kernel refuses a path that is absolute, climbs out with "..", or
 * leaves through a symlink.  Untraced, errno only: it runs once per tar
 * entry or archive file, whose caller names the entry in its error.
 * Without openat2, a walk with O_NOFOLLOW on every component. */
int glass_openat2_beneath(int dirfd, const char *path, int flags, uint64_t resolve);
/* Writes `data` (never NULL) into an existing file (a /proc or cgroup
 * knob): open(O_WRONLY) + write + close, traced as one `write` step. */
int glass_sys_write_file(const char *path, const char *data, const char *field,
                         struct glass_err **err) __attribute__((nonnull(2)));
int glass_sys_write_file_at(int dirfd, const char *path, const char *data, const char *field,
                            struct glass_err **err) __attribute__((nonnull(3)));
/* The same one write(2) into a knob already open as `fd` (opened by
 * someone else: its opener's credentials are the ones a cgroup v1 file
 * checks); traced as a `write` step to `path`, the name it was opened by. */
int glass_sys_write_fd(int fd, const char *path, const char *data, const char *field,
                       struct glass_err **err);

/* Identity and limits. */
int glass_sys_sethostname(const char *name, const char *field, struct glass_err **err);
int glass_sys_setdomainname(const char *name, const char *field, struct glass_err **err);
int glass_sys_setresuid(uid_t uid, const char *field, struct glass_err **err);
int glass_sys_setresgid(gid_t gid, const char *field, struct glass_err **err);
int glass_sys_setgroups(size_t n, const gid_t *gids, const char *field, struct glass_err **err);
int glass_sys_prlimit(pid_t pid, int resource, const struct rlimit *lim, const char *name,
                      const char *field, struct glass_err **err);
int glass_sys_umask(mode_t mask, const char *field);

#endif
