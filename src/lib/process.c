/* process: the last steps of the container's process before execve.
 *
 * After the root switch the child still runs the runtime's code with the
 * runtime's identity.  Here it takes on the process of config.json: its
 * limits and scheduling (process-internal.h), then its identity (caps.c),
 * no_new_privs (after which execve can never grant privileges: setuid bits
 * and file capabilities are ignored), its working directory, and the path
 * of the program to run, looked up in the container's PATH, never the
 * runtime's.  Every fd the runtime opened is marked close-on-exec, so none
 * leaks into the container (CVE-2024-21626 leaked a host cgroup directory
 * fd that a cwd of /proc/self/fd/N could then escape through).
 */
#include "path.h"
#include "process-internal.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int glass_process_prepare(const struct glass_process *p, struct glass_err **err)
{
	glass_trace_phase("process");
	if (glass_process_rlimits(p, err) < 0 || glass_process_oom_score(p, err) < 0 ||
	    glass_process_scheduler(p, err) < 0 || glass_process_io_priority(p, err) < 0)
		return -1;
	if (p->exec_cpu_affinity.initial && *p->exec_cpu_affinity.initial &&
	    glass_process_affinity(0, p->exec_cpu_affinity.initial,
	                           "process.execCPUAffinity.initial", err) < 0)
		return -1;
	/* runc's rule: the config's umask, else 0022 (not the runtime's). */
	glass_sys_umask(p->user.has_umask ? (mode_t)p->user.umask : 022,
	                p->user.has_umask ? "process.user.umask" : NULL);
	return 0;
}

/* The kernel's struct sigaction (asm-generic), for rt_sigaction(2) itself:
 * glibc refuses signals 32 and 33 (its own), which a caller may still
 * have left ignored. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

void glass_process_reset_signals(void)
{
	struct kernel_sigaction dfl = {.handler = SIG_DFL};
	uint64_t none = 0;
	char ignored[256] = "";
	size_t at = 0;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	for (int sig = 1; sig <= 64; sig++) {
		struct kernel_sigaction old;
		if (sig == SIGKILL || sig == SIGSTOP ||
		    syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)) < 0 ||
		    old.handler == SIG_DFL)
			continue;
		if (old.handler == SIG_IGN && at < sizeof(ignored) - 16) {
			const char *name = sigabbrev_np(sig);
			at += (size_t)(name ? snprintf(ignored + at, sizeof(ignored) - at,
			                               "%sSIG%s", at ? " " : "", name)
			                    : snprintf(ignored + at, sizeof(ignored) - at, "%s%d",
			                               at ? " " : "", sig));
		}
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	}
	if (at)
		glass_trace_note("signals", NULL,
		                 "ignored by the runtime's caller, reset to default: %s (an "
		                 "ignored disposition survives execve)",
		                 ignored);
}

int glass_process_set_nnp(const struct glass_process *p, struct glass_err **err)
{
	if (!p->no_new_privileges)
		return 0;
	return glass_sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, "PR_SET_NO_NEW_PRIVS",
	                       "process.noNewPrivileges", err) < 0
	           ? -1
	           : 0;
}

int glass_process_chdir(const struct glass_process *p, struct glass_err **err)
{
	cleanup_close int rootfd = -1, fd = -1;
	const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";
	char buf[PATH_MAX];

	if (cwd[0] != '/')
		return glass_err_field(err, EINVAL, "process.cwd",
		                       "process.cwd: \"%s\" is not an absolute path", cwd);
	rootfd = glass_sys_openat(AT_FDCWD, NULL, "/", O_PATH | O_DIRECTORY, 0, NULL, err);
	if (rootfd < 0)
		return -1;
	fd = glass_path_open(rootfd, cwd, O_PATH | O_DIRECTORY, "process.cwd", err);
	if (fd < 0) {
		if (errno == ENOTDIR) {
			glass_err_free(err);
			glass_err_field(err, ENOTDIR, "process.cwd",
			                "process.cwd: \"%s\" is not a directory", cwd);
			return glass_err_hint(err, "process.cwd must be a directory inside the "
			                           "container's root");
		}
		if (errno == ENOENT)
			return glass_err_hint(err, "process.cwd does not exist in the container");
		if (errno == ELOOP)
			return glass_err_hint(err, "process.cwd may not go through /proc/*/fd or "
			                           "/proc/*/root links");
		return -1;
	}
	if (glass_sys_fchdir(fd, cwd, "process.cwd", err) < 0)
		return errno == EACCES ? glass_err_hint(err, "the user of process.user may not "
		                                             "enter this directory")
		                       : -1;
	/* A cwd outside the root shows as "(unreachable)/..." in getcwd(2)
	 * (glibc: ENOENT): never hand that to the container.  Another errno
	 * says nothing of where the cwd is: a seccomp filter loaded before
	 * this step (without noNewPrivileges) may deny getcwd. */
	const char *got = getcwd(buf, sizeof(buf));
	if (got == NULL && errno != ENOENT) {
		glass_err_new(err, errno, "getcwd() after fchdir to process.cwd \"%s\"", cwd);
		return glass_err_hint(err, "without process.noNewPrivileges, linux.seccomp is "
		                           "loaded before this step and must allow getcwd");
	}
	if (got == NULL || buf[0] != '/') {
		glass_err_field(err, EXDEV, "process.cwd",
		                "process.cwd: \"%s\" is outside the "
		                "container's root",
		                cwd);
		return glass_err_hint(err, "a leaked directory fd was used as the cwd");
	}
	return 0;
}

static const char *env_get(const struct glass_process *p, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < p->nenv; i++)
		if (p->env[i] && strncmp(p->env[i], key, n) == 0 && p->env[i][n] == '=')
			return p->env[i] + n + 1;
	return NULL;
}

/* The home directory of `uid` in the container's /etc/passwd (under the
 * current root), or "/" without a matching entry: runc's lookup. */
static char *passwd_home(uid_t uid)
{
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = rootfd < 0 ? -1 : glass_path_open(rootfd, "/etc/passwd", O_RDONLY, NULL, NULL);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	char *line = NULL, *home = NULL;
	size_t size = 0;

	if (f == NULL && fd >= 0)
		close(fd);
	while (f && home == NULL && getline(&line, &size, f) > 0) {
		/* name:password:uid:gid:gecos:home:shell */
		char *field[7] = {NULL}, *p = line, *end;
		size_t n = 0;
		line[strcspn(line, "\n")] = '\0';
		while (n < 7 && p) {
			field[n++] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (n < 6 || *field[2] == '\0' || *field[5] == '\0')
			continue;
		unsigned long id = strtoul(field[2], &end, 10);
		if (*end == '\0' && id == uid)
			home = xstrdup(field[5]);
	}
	free(line);
	if (f)
		fclose(f);
	return home ? home : xstrdup("/");
}

char **glass_process_env_home(const struct glass_process *p)
{
	const char *home = env_get(p, "HOME");
	char **env;
	size_t n = 0;
	if (home && *home)
		return NULL;
	env = xcalloc(p->nenv + 2, sizeof(char *));
	for (size_t i = 0; i < p->nenv; i++)
		if (strncmp(p->env[i], "HOME=", 5) != 0)
			env[n++] = p->env[i];
	cleanup_free char *dir = passwd_home(p->user.uid);
	env[n] = xasprintf("HOME=%s", dir);
	glass_trace_note("env", "process.env",
	                 "no HOME: %s from the container's /etc/passwd entry of uid %u (\"/\" "
	                 "when it has none)",
	                 env[n], p->user.uid);
	return env;
}

/* 0 when `path` is an executable regular file (Go's findExecutable, which
 * runc uses), else an errno value: EACCES for a directory or a file
 * without an x bit, as Go (and so runc and podman) word it. */
static int check_exec(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return EACCES;
	return 0;
}

/* The kernel's answer to "may this process execute path?": faccessat2
 * with AT_EACCESS checks the effective ids and a noexec mount, which the
 * mode bits alone do not show.  Only EACCES refuses: a seccomp profile
 * without faccessat2 (ENOSYS, EPERM) leaves it to execve. */
static int kernel_refuses_exec(const char *path)
{
	if (syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return 0;
	return errno == EACCES;
}

/* The refusals in runc's words (podman maps "permission denied" to exit
 * 126): errnum 0, the text carries the reason. */
static char *refuse_exec(const char *fmt, const char *name, const char *hint,
                         struct glass_err **err)
{
	glass_err_field(err, 0, "process.args", fmt, name);
	glass_err_hint(err, "%s", hint);
	return NULL;
}

char *glass_process_find_exec(const struct glass_process *p, struct glass_err **err)
{
	const char *name = p->nargs ? p->args[0] : NULL;
	const char *path;
	cleanup_free char *dirs = NULL;
	cleanup_free char *found = NULL;
	char *save = NULL;
	int e;

	if (name == NULL || *name == '\0') {
		glass_err_field(err, EINVAL, "process.args", "process.args: no program to run");
		return NULL;
	}
	if (strchr(name, '/')) {
		e = check_exec(name);
		if (e == EACCES)
			return refuse_exec("exec: \"%s\": permission denied", name,
			                   "not an executable file: a directory, or no x bit in "
			                   "its mode",
			                   err);
		if (e) {
			glass_err_field(err, e, "process.args", "exec: \"%s\": stat %s", name,
			                name);
			return NULL;
		}
		found = xstrdup(name);
	}
	path = env_get(p, "PATH");
	dirs = xstrdup(path ? path : "");
	/* strtok_r would skip empty entries, which mean "." in PATH. */
	for (char *d = dirs; d && !found; d = save) {
		cleanup_free char *cand = NULL;
		save = strchr(d, ':');
		if (save)
			*save++ = '\0';
		cand = xasprintf("%s/%s", *d ? d : ".", name);
		if (check_exec(cand) == 0) {
			glass_trace_note("exec", "process.args", "\"%s\" found in $PATH: %s", name,
			                 cand);
			found = steal_pointer(&cand);
		}
	}
	if (found == NULL) {
		glass_err_field(err, ENOENT, "process.args",
		                "exec: \"%s\": executable file not found in $PATH", name);
		glass_err_hint(
		    err, path ? "PATH (from process.env) is \"%s\"" : "process.env has no PATH",
		    path ? path : "");
		return NULL;
	}
	/* Checked now, while create can still fail, not at the container's
	 * execve after start (runc checks the same way). */
	if (kernel_refuses_exec(found))
		return refuse_exec("exec %s: permission denied", found,
		                   "the kernel refuses to execute it for this user: a noexec "
		                   "mount, or no x bit for the process's uid/gid",
		                   err);
	return steal_pointer(&found);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The fallback without close_range(2): walk /proc/self/fd. */
static int cloexec_walk(int first_fd, const int *keep, int nkeep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name), skip = 0;
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd < first_fd || fd == dirfd(d))
			continue;
		for (int i = 0; i < nkeep; i++)
			skip |= keep[i] == fd;
		if (!skip)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

int glass_process_close_fds(int first_fd, const int *keep, int nkeep, struct glass_err **err)
{
	cleanup_free int *k = xcalloc((size_t)nkeep + 1, sizeof(int));
	unsigned lo = (unsigned)first_fd;
	int n = 0;
	for (int i = 0; i < nkeep; i++)
		if (keep[i] >= first_fd)
			k[n++] = keep[i];
	qsort(k, (size_t)n, sizeof(int), cmp_int);
	for (int i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)k[i] - 1 : ~0U;
		if (i < n && (unsigned)k[i] < lo) /* a duplicate */
			continue;
		if (i < n && (unsigned)k[i] == lo) {
			lo++;
			continue;
		}
		if (GLASS_SYS(NULL, "close_range", NULL,
		              syscall(SYS_close_range, lo, hi, CLOSE_RANGE_CLOEXEC),
		              "%u, %u, CLOSE_RANGE_CLOEXEC", lo, hi) < 0) {
			if (errno == ENOSYS || errno == EINVAL) {
				if (cloexec_walk(first_fd, keep, nkeep) < 0)
					return glass_err_new(err, errno, "opendir(/proc/self/fd)");
				return 0;
			}
			return glass_err_new(err, errno, "close_range(%u, %u, CLOSE_RANGE_CLOEXEC)",
			                     lo, hi);
		}
		if (i < n)
			lo = (unsigned)k[i] + 1;
	}
	return 0;
}

/* Sums one string vector as execve counts it (each string, its NUL and
 * its pointer); a string over `maxlen` is an error naming it. */
static int exec_strings(char *const *v, size_t n, const char *field, size_t maxlen, size_t *total,
                        struct glass_err **err)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		if (len > maxlen)
			return glass_err_field(
			    err, E2BIG, field,
			    "%s[%zu]: %zu bytes; execve(2) takes at most %zu per "
			    "string (MAX_ARG_STRLEN)",
			    field, i, len - 1, maxlen - 1);
		*total += len + sizeof(char *);
	}
	return 0;
}

int glass_process_check_limits(const struct glass_process *p, struct glass_err **err)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t maxlen = (size_t)(page > 0 ? page : 4096) * 32, nargs = 0, nenv = 0;
	if (exec_strings(p->args, p->nargs, "process.args", maxlen, &nargs, err) < 0 ||
	    exec_strings(p->env, p->nenv, "process.env", maxlen, &nenv, err) < 0)
		return -1;
	long argmax = sysconf(_SC_ARG_MAX);
	bool stack_set = false;
	for (size_t i = 0; i < p->nrlimits; i++)
		if (p->rlimits[i].resource == RLIMIT_STACK)
			stack_set = true;
	if (!stack_set && argmax > 0 && nargs + nenv > (size_t)argmax) {
		const char *field = nenv >= nargs ? "process.env" : "process.args";
		glass_err_field(err, E2BIG, field,
		                "%s: process.args (%zu bytes) and process.env (%zu bytes) exceed "
		                "what execve(2) takes (%ld bytes: ARG_MAX, a quarter of the stack "
		                "limit)",
		                field, nargs, nenv, argmax);
		return -1;
	}
	if (p->user.nadditional_gids > NGROUPS_MAX)
		return glass_err_field(err, EINVAL, "process.user.additionalGids",
		                       "process.user.additionalGids: %zu groups; the kernel allows "
		                       "at most %d (NGROUPS_MAX)",
		                       p->user.nadditional_gids, NGROUPS_MAX);
	return 0;
}
