/* sys: see sys.h.  The only file that may call the kernel's namespace,
 * mount and identity syscalls directly. */
#include "sys.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
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

/* A string argument as C shows it: "text" quoted, or NULL unquoted.  QS()
 * expands to the three arguments of one STR in the format. */
#define STR   "%s%s%s"
#define QS(s) (s) ? "\"" : "", (s) ? (s) : "NULL", (s) ? "\"" : ""

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

/* The access mode is a two-bit number, not flags: named apart.  Multi-bit
 * flags (O_TMPFILE, O_SYNC) come before the bits they contain. */
static const struct flag_name open_flags[] = {
    {O_TMPFILE, "O_TMPFILE"},   {O_SYNC, "O_SYNC"},         {O_CREAT, "O_CREAT"},
    {O_EXCL, "O_EXCL"},         {O_NOCTTY, "O_NOCTTY"},     {O_TRUNC, "O_TRUNC"},
    {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"}, {O_DSYNC, "O_DSYNC"},
    {O_ASYNC, "O_ASYNC"},       {O_DIRECT, "O_DIRECT"},     {O_DIRECTORY, "O_DIRECTORY"},
    {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},   {O_CLOEXEC, "O_CLOEXEC"},
    {O_PATH, "O_PATH"},
};

static const struct flag_name resolve_flags[] = {
    {RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV"},         {RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS"},
    {RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS"}, {RESOLVE_BENEATH, "RESOLVE_BENEATH"},
    {RESOLVE_IN_ROOT, "RESOLVE_IN_ROOT"},         {RESOLVE_CACHED, "RESOLVE_CACHED"},
};

static const struct flag_name umount_flags[] = {
    {MNT_FORCE, "MNT_FORCE"},
    {MNT_DETACH, "MNT_DETACH"},
    {MNT_EXPIRE, "MNT_EXPIRE"},
    {UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW"},
};

#define NFLAGS(t) (sizeof(t) / sizeof((t)[0]))

/* Appends `text` (after a '|' unless first) when it fits whole with room
 * left for the "|..." that marks a cut; false when it does not. */
static bool flag_append(char *buf, size_t size, size_t *at, const char *text)
{
	size_t len = strlen(text) + (*at ? 1 : 0);
	if (*at + len + sizeof("|...") > size)
		return false;
	snprintf(buf + *at, size - *at, "%s%s", *at ? "|" : "", text);
	*at += len;
	return true;
}

/* Renders `flags` by the names in `t` ("A|B"), the bits no name covers as
 * hex, 0 as "0".  When the names do not fit, the text stops at a whole
 * name and ends with "|..." (buf never overflows, the write position
 * never passes its end). */
static const char *flags_str(const struct flag_name *t, size_t n, unsigned long flags, char *buf,
                             size_t size)
{
	size_t at = 0;
	bool fits = true;
	char hex[24];
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < n && fits; i++) {
		if (t[i].flag == 0 || (flags & t[i].flag) != t[i].flag)
			continue;
		fits = flag_append(buf, size, &at, t[i].name);
		if (fits)
			flags &= ~t[i].flag;
	}
	if (fits && (flags || at == 0)) {
		snprintf(hex, sizeof(hex), flags ? "%#lx" : "0", flags);
		fits = flag_append(buf, size, &at, hex);
	}
	if (!fits)
		snprintf(buf + at, size - at, "%s...", at ? "|" : "");
	return buf;
}

const char *glass_sys_open_flags_str(int flags, char *buf, size_t size)
{
	static const char *const mode[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	size_t at;
	/* O_PATH ignores the access mode, so strace (and glass) leave it out. */
	if (flags & O_PATH) {
		flags_str(open_flags, NFLAGS(open_flags), (unsigned long)(unsigned)flags, buf,
		          size);
		return buf;
	}
	snprintf(buf, size, "%s", mode[flags & O_ACCMODE]);
	at = strlen(buf);
	if ((flags & ~O_ACCMODE) && at + 1 < size) {
		buf[at++] = '|';
		flags_str(open_flags, NFLAGS(open_flags),
		          (unsigned long)(unsigned)(flags & ~O_ACCMODE), buf + at, size - at);
	}
	return buf;
}

const char *glass_sys_resolve_flags_str(uint64_t resolve, char *buf, size_t size)
{
	return flags_str(resolve_flags, NFLAGS(resolve_flags), (unsigned long)resolve, buf, size);
}

/* A directory fd argument: AT_FDCWD by name, else the number and, when
 * known, what it is ("6</dev>"). */
static const char *dirfd_str(int fd, const char *what, char *buf, size_t size)
{
	if (fd == AT_FDCWD)
		snprintf(buf, size, "AT_FDCWD");
	else if (what)
		snprintf(buf, size, "%d<%s>", fd, what);
	else
		snprintf(buf, size, "%d", fd);
	return buf;
}

const char *glass_sys_mount_flags_str(unsigned long flags, char *buf, size_t size)
{
	return flags_str(mount_flags, NFLAGS(mount_flags), flags, buf, size);
}

const char *glass_sys_clone_flags_str(unsigned long flags, char *buf, size_t size)
{
	/* The low byte of clone flags is the exit signal, not a flag. */
	int sig = (int)(flags & 0xff);
	unsigned long ns = flags & ~0xfful;
	size_t at = 0;
	buf[0] = '\0';
	if (ns || !sig) {
		flags_str(clone_flags, NFLAGS(clone_flags), ns, buf, size);
		at = strlen(buf);
	}
	if (sig)
		snprintf(buf + at, size > at ? size - at : 0, "%sSIG%s", at ? "|" : "",
		         sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return buf;
}

/* unshare(2) and setns(2) take no exit signal: their low byte is flags
 * (CLONE_NEWTIME is 0x80), so they are named whole. */
static const char *ns_flags_str(unsigned long flags, char *buf, size_t size)
{
	return flags_str(clone_flags, NFLAGS(clone_flags), flags, buf, size);
}

int glass_sys_unshare(int flags, const char *field, struct glass_err **err)
{
	char f[256];
	return (int)GLASS_SYS(err, "unshare", field, unshare(flags), "%s",
	                      ns_flags_str((unsigned long)flags, f, sizeof(f)));
}

int glass_sys_setns(int fd, int nstype, const char *what, const char *field, struct glass_err **err)
{
	char f[256];
	return (int)GLASS_SYS(err, "setns", field, setns(fd, nstype), "%d<%s>, %s", fd,
	                      what ? what : "?", ns_flags_str((unsigned long)nstype, f, sizeof(f)));
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

/* prctl's arguments as strace shows them: the option by name, a
 * capability by name, trailing zeros left out. */
static const char *prctl_args(int option, unsigned long a2, unsigned long a3, const char *what,
                              char *buf, size_t size)
{
	static const struct flag_name options[] = {
	    {PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS"},
	    {PR_SET_DUMPABLE, "PR_SET_DUMPABLE"},
	    {PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"},
	    {PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER"},
	    {PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG"},
	    {PR_SET_NAME, "PR_SET_NAME"},
	};
	const char *name = NULL;
	const char *cap = option == PR_CAPBSET_DROP || (option == PR_CAP_AMBIENT && a2 != 0)
	                      ? glass_cap_name((int)(option == PR_CAPBSET_DROP ? a2 : a3))
	                      : NULL;
	for (size_t i = 0; i < NFLAGS(options); i++)
		if ((unsigned long)option == options[i].flag)
			name = options[i].name;
	if (option == PR_CAPBSET_DROP)
		snprintf(buf, size, "PR_CAPBSET_DROP, %s", cap ? cap : "?");
	else if (option == PR_CAP_AMBIENT && a2 == PR_CAP_AMBIENT_RAISE)
		snprintf(buf, size, "PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, %s", cap ? cap : "?");
	else if (option == PR_CAP_AMBIENT && a2 == PR_CAP_AMBIENT_CLEAR_ALL)
		snprintf(buf, size, "PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL");
	else if (a3)
		snprintf(buf, size, "%s, %lu, %lu", name ? name : what ? what : "?", a2, a3);
	else
		snprintf(buf, size, "%s, %lu", name ? name : what ? what : "?", a2);
	return buf;
}

int glass_sys_prctl(int option, unsigned long a2, unsigned long a3, const char *what,
                    const char *field, struct glass_err **err)
{
	char shown[128];
	return (int)GLASS_SYS(err, "prctl", field, prctl(option, a2, a3, 0, 0), "%s",
	                      prctl_args(option, a2, a3, what, shown, sizeof(shown)));
}

int glass_sys_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
                    const void *data, const char *field, struct glass_err **err)
{
	char f[256];
	return (int)GLASS_SYS(err, "mount", field, mount(src, target, fstype, flags, data),
	                      STR ", " STR ", " STR ", %s, " STR, QS(src), QS(target), QS(fstype),
	                      glass_sys_mount_flags_str(flags, f, sizeof(f)),
	                      QS((const char *)data));
}

int glass_sys_mount_fd(const char *src, int target_fd, const char *shown, const char *fstype,
                       unsigned long flags, const void *data, const char *field,
                       struct glass_err **err)
{
	char f[256], target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", target_fd);
	return (int)GLASS_SYS(
	    err, "mount", field, mount(src, target, fstype, flags, data),
	    STR ", \"%s\" (%s), " STR ", %s, " STR, QS(src), target, shown ? shown : "?",
	    QS(fstype), glass_sys_mount_flags_str(flags, f, sizeof(f)), QS((const char *)data));
}

int glass_sys_umount2(const char *target, int flags, const char *field, struct glass_err **err)
{
	char f[64];
	return (int)GLASS_SYS(err, "umount2", field, umount2(target, flags), STR ", %s", QS(target),
	                      flags_str(umount_flags, NFLAGS(umount_flags),
	                                (unsigned long)(unsigned)flags, f, sizeof(f)));
}

int glass_sys_pivot_root(const char *new_root, const char *put_old, const char *field,
                         struct glass_err **err)
{
	return (int)GLASS_SYS(err, "pivot_root", field, syscall(SYS_pivot_root, new_root, put_old),
	                      STR ", " STR, QS(new_root), QS(put_old));
}

int glass_sys_chroot(const char *path, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chroot", field, chroot(path), STR, QS(path));
}

int glass_sys_chdir(const char *path, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chdir", field, chdir(path), STR, QS(path));
}

int glass_sys_fchdir(int fd, const char *what, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "fchdir", field, fchdir(fd), "%d<%s>", fd, what ? what : "?");
}

int glass_sys_mkdirat(int dirfd, const char *path, mode_t mode, const char *field,
                      struct glass_err **err)
{
	char d[32];
	return (int)GLASS_SYS(err, "mkdirat", field, mkdirat(dirfd, path, mode), "%s, " STR ", 0%o",
	                      dirfd_str(dirfd, NULL, d, sizeof(d)), QS(path), (unsigned)mode);
}

int glass_sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev, const char *field,
                      struct glass_err **err)
{
	char d[32];
	return (int)GLASS_SYS(err, "mknodat", field, mknodat(dirfd, path, mode, dev),
	                      "%s, " STR ", %s|0%o, makedev(%u, %u)",
	                      dirfd_str(dirfd, NULL, d, sizeof(d)), QS(path),
	                      S_ISCHR(mode)    ? "S_IFCHR"
	                      : S_ISBLK(mode)  ? "S_IFBLK"
	                      : S_ISFIFO(mode) ? "S_IFIFO"
	                                       : "S_IFREG",
	                      (unsigned)(mode & 07777), major(dev), minor(dev));
}

int glass_sys_symlinkat(const char *target, int dirfd, const char *path, const char *field,
                        struct glass_err **err)
{
	char d[32];
	return (int)GLASS_SYS(err, "symlinkat", field, symlinkat(target, dirfd, path),
	                      STR ", %s, " STR, QS(target), dirfd_str(dirfd, NULL, d, sizeof(d)),
	                      QS(path));
}

int glass_sys_chmod(const char *path, mode_t mode, const char *field, struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chmod", field, chmod(path, mode), STR ", 0%o", QS(path),
	                      (unsigned)mode);
}

int glass_sys_chown(const char *path, uid_t uid, gid_t gid, const char *field,
                    struct glass_err **err)
{
	return (int)GLASS_SYS(err, "chown", field, chown(path, uid, gid), STR ", %u, %u", QS(path),
	                      (unsigned)uid, (unsigned)gid);
}

int glass_sys_openat(int dirfd, const char *what, const char *path, int flags, mode_t mode,
                     const char *field, struct glass_err **err)
{
	char d[64], f[160], m[16] = "";
	if (flags & (O_CREAT | O_TMPFILE))
		snprintf(m, sizeof(m), ", 0%o", (unsigned)mode);
	/* At AT_FDCWD `what` names the file itself ("/proc/self/fd/5" (exec.fifo)). */
	const char *note = dirfd == AT_FDCWD && what && strcmp(what, "AT_FDCWD") != 0 ? what : NULL;
	return (int)GLASS_SYS(err, "openat", field, openat(dirfd, path, flags | O_CLOEXEC, mode),
	                      "%s, " STR "%s%s%s, %s%s", dirfd_str(dirfd, what, d, sizeof(d)),
	                      QS(path), note ? " (" : "", note ? note : "", note ? ")" : "",
	                      glass_sys_open_flags_str(flags | O_CLOEXEC, f, sizeof(f)), m);
}

int glass_sys_openat2(int dirfd, const char *what, const char *path, int flags, uint64_t resolve,
                      const char *field, struct glass_err **err)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve};
	char d[64], f[160], r[160];
	return (int)GLASS_SYS(
	    err, "openat2", field, syscall(SYS_openat2, dirfd, path, &how, sizeof(how)),
	    "%s, " STR ", {flags=%s, resolve=%s}", dirfd_str(dirfd, what, d, sizeof(d)), QS(path),
	    glass_sys_open_flags_str(flags | O_CLOEXEC, f, sizeof(f)),
	    glass_sys_resolve_flags_str(resolve, r, sizeof(r)));
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
	snprintf(shown, sizeof(shown), "%s", data);
	for (char *p = shown; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return (int)GLASS_SYS(err, "write", field, write_knob(dirfd, path, data), STR ", \"%s\"",
	                      QS(path), shown) < 0
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
	                      "%d, %s, {cur=%s, max=%s}", (int)pid, name ? name : "?", cur, max);
}

int glass_sys_umask(mode_t mask, const char *field)
{
	return (int)GLASS_SYS(NULL, "umask", field, (long)umask(mask), "0%03o", (unsigned)mask);
}
