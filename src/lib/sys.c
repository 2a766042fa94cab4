/* sys: see sys.h.  The only file that may call the kernel's namespace,
 * mount and identity syscalls directly. */
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#define Q(s) ((s) ? (s) : "NULL")

struct flag_name {
	unsigned long flag;
	const char *name;
};

static const struct flag_name mount_flags[] = {
    {MS_RDONLY, "MS_RDONLY"},
    {MS_NOSUID, "MS_NOSUID"},
    {MS_NODEV, "MS_NODEV"},
    {MS_NOEXEC, "MS_NOEXEC"},
    {MS_SYNCHRONOUS, "MS_SYNCHRONOUS"},
    {MS_REMOUNT, "MS_REMOUNT"},
    {MS_MANDLOCK, "MS_MANDLOCK"},
    {MS_DIRSYNC, "MS_DIRSYNC"},
    {MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"},
    {MS_NOATIME, "MS_NOATIME"},
    {MS_NODIRATIME, "MS_NODIRATIME"},
    {MS_BIND, "MS_BIND"},
    {MS_MOVE, "MS_MOVE"},
    {MS_REC, "MS_REC"},
    {MS_SILENT, "MS_SILENT"},
    {MS_POSIXACL, "MS_POSIXACL"},
    {MS_UNBINDABLE, "MS_UNBINDABLE"},
    {MS_PRIVATE, "MS_PRIVATE"},
    {MS_SLAVE, "MS_SLAVE"},
    {MS_SHARED, "MS_SHARED"},
    {MS_RELATIME, "MS_RELATIME"},
    {MS_STRICTATIME, "MS_STRICTATIME"},
    {MS_LAZYTIME, "MS_LAZYTIME"},
};

static const struct flag_name clone_flags[] = {
    {CLONE_NEWNS, "CLONE_NEWNS"},
    {CLONE_NEWUTS, "CLONE_NEWUTS"},
    {CLONE_NEWIPC, "CLONE_NEWIPC"},
    {CLONE_NEWPID, "CLONE_NEWPID"},
    {CLONE_NEWNET, "CLONE_NEWNET"},
    {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    {CLONE_NEWTIME, "CLONE_NEWTIME"},
    {CLONE_PARENT, "CLONE_PARENT"},
    {CLONE_VFORK, "CLONE_VFORK"},
    {CLONE_VM, "CLONE_VM"},
};

static const char *flags_str(const struct flag_name *t, size_t n, unsigned long flags, char *buf,
                             size_t size)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if ((flags & t[i].flag) != t[i].flag)
			continue;
		flags &= ~t[i].flag;
		at += (size_t)snprintf(buf + at, at < size ? size - at : 0, "%s%s", at ? "|" : "",
		                       t[i].name);
	}
	if (flags || at == 0)
		snprintf(buf + at, at < size ? size - at : 0, "%s%#lx", at ? "|" : "", flags);
	return buf;
}

const char *glass_sys_mount_flags_str(unsigned long flags, char *buf, size_t size)
{
	return flags_str(mount_flags, sizeof(mount_flags) / sizeof(mount_flags[0]), flags, buf,
	                 size);
}

const char *glass_sys_clone_flags_str(unsigned long flags, char *buf, size_t size)
{
	/* The low byte of clone flags is the exit signal, not a flag. */
	int sig = (int)(flags & 0xff);
	unsigned long ns = flags & ~0xfful;
	size_t at = 0;
	buf[0] = '\0';
	if (ns || !sig) {
		flags_str(clone_flags, sizeof(clone_flags) / sizeof(clone_flags[0]), ns, buf, size);
		at = strlen(buf);
	}
	if (sig)
		snprintf(buf + at, size > at ? size - at : 0, "%sSIG%s", at ? "|" : "",
		         sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return buf;
}

int glass_sys_unshare(int flags, const char *field, struct glass_err **err)
{
	char f[256];
	return (int)GLASS_SYS(err, "unshare", field, unshare(flags), "%s",
	                      glass_sys_clone_flags_str((unsigned long)flags, f, sizeof(f)));
}

int glass_sys_setns(int fd, int nstype, const char *what, const char *field, struct glass_err **err)
{
	char f[256];
	return (int)GLASS_SYS(err, "setns", field, setns(fd, nstype), "%d</%s>, %s", fd, Q(what),
	                      glass_sys_clone_flags_str((unsigned long)nstype, f, sizeof(f)));
}

struct clone_tramp {
	int (*fn)(void *);
	void *arg;
};

pid_t glass_sys_clone(unsigned long flags, int (*fn)(void *), void *arg, const char *field,
                      struct glass_err **err)
{
	struct glass_trace_op op = {0};
	char f[256];
	long pid;
	int e;

	glass_sys_clone_flags_str(flags, f, sizeof(f));
	if (glass_trace_on && glass_trace_begin(&op, "clone", field, "%s", f) < 0)
		return glass_err_field(err, ECANCELED, field, "clone(%s)", f);
	/* clone(2) without CLONE_VM behaves like fork(): the child gets a copy
	 * of the address space, so it can go on running on the same stack.
	 * The raw syscall returns 0 in the child like fork(); glibc's clone()
	 * would need a separate stack.  Not expanded through GLASS_SYS: the
	 * child must not emit the END event a second time. */
	pid = syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(fn(arg));
	e = pid < 0 ? errno : 0;
	if (op.active)
		glass_trace_end(&op, pid, e);
	if (pid < 0)
		return glass_err_field(err, e, field, "clone(%s)", f);
	return (pid_t)pid;
}

int glass_sys_kill(pid_t pid, int sig, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "kill", field, kill(pid, sig), "%d, SIG%s", (int)pid,
	                      sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
}

/* argv as the trace shows it: "a", "b", ... (cut short past the buffer). */
static const char *argv_str(char *const argv[], char *shown, size_t size)
{
	size_t at = 0;
	shown[0] = '\0';
	for (size_t i = 0; argv && argv[i] && at < size - 8; i++)
		at += (size_t)snprintf(shown + at, size - at, "%s\"%s\"", i ? ", " : "", argv[i]);
	return shown;
}

int glass_sys_execve(const char *path, char *const argv[], char *const envp[], const char *field,
                     struct glass_err **err)
{
	char shown[400];
	return (int)GLASS_SYS(err, "execve", field, execve(path, argv, envp), "\"%s\", [%s]", path,
	                      argv_str(argv, shown, sizeof(shown)));
}

int glass_sys_execveat_fd(int fd, const char *what, char *const argv[], char *const envp[],
                          const char *field, struct glass_err **err)
{
	char shown[400];
	return (int)GLASS_SYS(err, "execveat", field,
	                      syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH),
	                      "%d<%s>, \"\", [%s], envp, AT_EMPTY_PATH", fd, what,
	                      argv_str(argv, shown, sizeof(shown)));
}

int glass_sys_prctl(int option, unsigned long a2, unsigned long a3, const char *what,
                    const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "prctl", field, prctl(option, a2, a3, 0, 0), "%s, %lu, %lu",
	                      Q(what), a2, a3);
}

int glass_sys_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
                    const void *data, const char *field, struct glass_err **err)
{
	char f[256];
	return (int)GLASS_SYS(err, "mount", field, mount(src, target, fstype, flags, data),
	                      "\"%s\", \"%s\", \"%s\", %s, \"%s\"", Q(src), Q(target), Q(fstype),
	                      glass_sys_mount_flags_str(flags, f, sizeof(f)),
	                      data ? (const char *)data : "");
}

int glass_sys_mount_fd(const char *src, int target_fd, const char *shown, const char *fstype,
                       unsigned long flags, const void *data, const char *field,
                       struct glass_err **err)
{
	char f[256], target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", target_fd);
	return (int)GLASS_SYS(err, "mount", field, mount(src, target, fstype, flags, data),
	                      "\"%s\", \"%s\" (%s), \"%s\", %s, \"%s\"", Q(src), target, Q(shown),
	                      Q(fstype), glass_sys_mount_flags_str(flags, f, sizeof(f)),
	                      data ? (const char *)data : "");
}

int glass_sys_umount2(const char *target, int flags, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "umount2", field, umount2(target, flags), "\"%s\", %s",
	                      Q(target), flags & MNT_DETACH ? "MNT_DETACH" : "0");
}

int glass_sys_pivot_root(const char *new_root, const char *put_old, const char *field,
                         struct glass_err **err)
{
	return (int)GLASS_SYS(err, "pivot_root", field, syscall(SYS_pivot_root, new_root, put_old),
	                      "\"%s\", \"%s\"", Q(new_root), Q(put_old));
}

int glass_sys_chroot(const char *path, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chroot", field, chroot(path), "\"%s\"", Q(path));
}

int glass_sys_chdir(const char *path, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chdir", field, chdir(path), "\"%s\"", Q(path));
}

int glass_sys_fchdir(int fd, const char *what, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "fchdir", field, fchdir(fd), "%d</%s>", fd, Q(what));
}

int glass_sys_mkdirat(int dirfd, const char *path, mode_t mode, const char *field,
                      struct glass_err **err)
{
	return (int)GLASS_SYS(err, "mkdirat", field, mkdirat(dirfd, path, mode), "%d, \"%s\", 0%o",
	                      dirfd, Q(path), (unsigned)mode);
}

int glass_sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev, const char *field,
                      struct glass_err **err)
{
	return (int)GLASS_SYS(err, "mknodat", field, mknodat(dirfd, path, mode, dev),
	                      "%d, \"%s\", %s|0%o, makedev(%u, %u)", dirfd, Q(path),
	                      S_ISCHR(mode)    ? "S_IFCHR"
	                      : S_ISBLK(mode)  ? "S_IFBLK"
	                      : S_ISFIFO(mode) ? "S_IFIFO"
	                                       : "S_IFREG",
	                      (unsigned)(mode & 07777), major(dev), minor(dev));
}

int glass_sys_symlinkat(const char *target, int dirfd, const char *path, const char *field,
                        struct glass_err **err)
{
	return (int)GLASS_SYS(err, "symlinkat", field, symlinkat(target, dirfd, path),
	                      "\"%s\", %d, \"%s\"", Q(target), dirfd, Q(path));
}

int glass_sys_chmod(const char *path, mode_t mode, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chmod", field, chmod(path, mode), "\"%s\", 0%o", Q(path),
	                      (unsigned)mode);
}

int glass_sys_chown(const char *path, uid_t uid, gid_t gid, const char *field,
                    struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chown", field, chown(path, uid, gid), "\"%s\", %u, %u", Q(path),
	                      (unsigned)uid, (unsigned)gid);
}

int glass_sys_openat(int dirfd, const char *what, const char *path, int flags, mode_t mode,
                     const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "openat", field, openat(dirfd, path, flags | O_CLOEXEC, mode),
	                      "%s, \"%s\", %#x", what ? what : "AT_FDCWD", Q(path),
	                      (unsigned)flags);
}

int glass_sys_openat2(int dirfd, const char *what, const char *path, int flags, uint64_t resolve,
                      const char *field, struct glass_err **err)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve};
	return (int)GLASS_SYS(err, "openat2", field,
	                      syscall(SYS_openat2, dirfd, path, &how, sizeof(how)),
	                      "%s, \"%s\", {flags=%#x, resolve=%#llx}", what ? what : "AT_FDCWD",
	                      Q(path), (unsigned)flags, (unsigned long long)resolve);
}

int glass_openat2_beneath(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
	                       .resolve = resolve | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	long fd;
	int tries = 0;
	/* EAGAIN: a concurrent rename made ".." unverifiable; try again. */
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < 8)));
	if (fd >= 0 || errno != ENOSYS)
		return (int)fd;
	/* No openat2 (before 5.6, or a seccomp filter): walk one component at
	 * a time with O_NOFOLLOW, which is stricter (no symlink at all). */
	char buf[4096];
	if (path[0] == '/' || strlen(path) >= sizeof(buf)) {
		errno = path[0] == '/' ? EXDEV : ENAMETOOLONG;
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", path);
	int cur = dirfd;
	for (char *p = buf, *next; p; p = next) {
		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		while (next && *next == '/')
			next++;
		if (next && !*next)
			next = NULL;
		if (strcmp(p, "..") == 0) {
			errno = EXDEV;
			fd = -1;
		} else if (next) {
			fd = openat(cur, *p ? p : ".",
			            O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else {
			fd = openat(cur, *p ? p : ".", flags | O_NOFOLLOW | O_CLOEXEC, 0);
		}
		int saved = errno;
		if (cur != dirfd)
			close(cur);
		errno = saved;
		if (fd < 0)
			return -1;
		cur = (int)fd;
	}
	return cur;
}

static long write_knob(int dirfd, const char *path, const char *data)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(data);
	ssize_t n;
	int saved;
	if (fd < 0)
		return -1;
	/* One write(2): cgroup and /proc knobs take a value per write. */
	n = write(fd, data, len);
	saved = errno;
	close(fd);
	errno = saved;
	if (n >= 0 && (size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return n;
}

int glass_sys_write_file_at(int dirfd, const char *path, const char *data, const char *field,
                            struct glass_err **err)
{
	char shown[200];
	snprintf(shown, sizeof(shown), "%s", Q(data));
	for (char *p = shown; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return (int)GLASS_SYS(err, "write", field, write_knob(dirfd, path, data), "\"%s\", \"%s\"",
	                      Q(path), shown) < 0
	           ? -1
	           : 0;
}

int glass_sys_write_file(const char *path, const char *data, const char *field,
                         struct glass_err **err)
{
	return glass_sys_write_file_at(AT_FDCWD, path, data, field, err);
}

int glass_sys_sethostname(const char *name, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "sethostname", field, sethostname(name, strlen(name)),
	                      "\"%s\", %zu", name, strlen(name));
}

int glass_sys_setdomainname(const char *name, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "setdomainname", field, setdomainname(name, strlen(name)),
	                      "\"%s\", %zu", name, strlen(name));
}

int glass_sys_setresuid(uid_t uid, const char *field, struct glass_err **err)
{
	/* The raw syscall sets this thread only; libc's wrapper would signal
	 * other threads, which a container's single-threaded init has not. */
	return (int)GLASS_SYS(err, "setresuid", field, syscall(SYS_setresuid, uid, uid, uid),
	                      "%u, %u, %u", uid, uid, uid);
}

int glass_sys_setresgid(gid_t gid, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "setresgid", field, syscall(SYS_setresgid, gid, gid, gid),
	                      "%u, %u, %u", gid, gid, gid);
}

int glass_sys_setgroups(size_t n, const gid_t *gids, const char *field, struct glass_err **err)
{
	char shown[256];
	size_t at = 0;
	shown[0] = '\0';
	for (size_t i = 0; i < n && at < sizeof(shown) - 16; i++)
		at += (size_t)snprintf(shown + at, sizeof(shown) - at, "%s%u", i ? ", " : "",
		                       gids[i]);
	return (int)GLASS_SYS(err, "setgroups", field, syscall(SYS_setgroups, n, gids), "%zu, [%s]",
	                      n, shown);
}

int glass_sys_prlimit(pid_t pid, int resource, const struct rlimit *lim, const char *name,
                      const char *field, struct glass_err **err)
{
	char cur[32], max[32];
	if (lim->rlim_cur == RLIM_INFINITY)
		snprintf(cur, sizeof(cur), "RLIM_INFINITY");
	else
		snprintf(cur, sizeof(cur), "%llu", (unsigned long long)lim->rlim_cur);
	if (lim->rlim_max == RLIM_INFINITY)
		snprintf(max, sizeof(max), "RLIM_INFINITY");
	else
		snprintf(max, sizeof(max), "%llu", (unsigned long long)lim->rlim_max);
	return (int)GLASS_SYS(err, "prlimit64", field,
	                      prlimit(pid, (__rlimit_resource_t)resource, lim, NULL),
	                      "%d, %s, {cur=%s, max=%s}", (int)pid, Q(name), cur, max);
}

int glass_sys_umask(mode_t mask, const char *field)
{
	return (int)GLASS_SYS(NULL, "umask", field, (long)umask(mask), "0%03o", (unsigned)mask);
}
