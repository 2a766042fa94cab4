/* glass-probe's active modes: `try` attempts kernel operations a container
 * may or may not be allowed (and reports ret/errno), made harmless where
 * they could change the host; `wait-signal`, `ls` and `cat` observe.  The
 * argv contract is at the top of probe.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* ---- try: attempt one kernel operation ---- */

int probe_in_child(void (*fn)(void *arg, void *out), void *arg, void *out, size_t size)
{
	void *shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	memcpy(shared, out, size);
	fflush(stdout); /* or the child's exit would print it again */
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg, shared);
		_exit(0);
	}
	int e = errno;
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	memcpy(out, shared, size);
	munmap(shared, size);
	errno = e;
	return pid < 0 ? -1 : 0;
}

long probe_bpf_map_create(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd >= 0)
		close((int)fd);
	return fd;
}

struct try_call {
	long (*fn)(char **);
	char **args;
};

static void try_call_run(void *arg, void *out)
{
	const struct try_call *t = arg;
	long *r = out;
	r[0] = t->fn(t->args);
	r[1] = r[0] < 0 ? errno : 0;
}

/* fn(args) in a child (namespace changes never touch the probe itself):
 * its result, with errno set. */
static long in_child(long (*fn)(char **), char **args)
{
	struct try_call t = {fn, args};
	long r[2] = {-1, EIO};
	if (probe_in_child(try_call_run, &t, r, sizeof(r)) < 0)
		return -1;
	errno = (int)r[1];
	return r[0];
}

static int ns_flags(const char *list)
{
	// clang-format off
	static const struct { const char *n; int f; } t[] = {{"mnt", CLONE_NEWNS},        {"uts", CLONE_NEWUTS},  {"ipc", CLONE_NEWIPC},
	         {"pid", CLONE_NEWPID},       {"net", CLONE_NEWNET},  {"user", CLONE_NEWUSER},
	         {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
	// clang-format on
	int flags = 0;
	char *dup = strdup(list), *save = NULL;
	for (char *w = strtok_r(dup, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(t) / sizeof(t[0]) && strcmp(t[i].n, w); i++)
			;
		if (i == sizeof(t) / sizeof(t[0]))
			usage_exit("unknown namespace \"%s\"", w);
		flags |= t[i].f;
	}
	free(dup);
	return flags;
}

static long do_unshare(char **a)
{
	return unshare(ns_flags(a[0]));
}
static long do_setns(char **a)
{
	int fd = open(a[0], O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -1 : setns(fd, 0);
}
static long do_traceme(char **a)
{
	return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

static long try_fork_loop(long max)
{
	pid_t *kids = calloc(max > 0 ? max : 1, sizeof(pid_t));
	long n = 0;
	int err = 0;
	while (n < max) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			pause();
			_exit(0);
		}
		kids[n++] = p;
	}
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	errno = err;
	return n;
}

static long try_alloc(long mb)
{
	long page = sysconf(_SC_PAGESIZE), i;
	for (i = 0; i < mb; i++) {
		/* volatile: the blocks never escape, so without it the compiler
		 * drops the malloc and the stores, and nothing is charged. */
		volatile char *p = malloc(1 << 20);
		if (!p)
			return errno = ENOMEM, i;
		for (long off = 0; off < (1 << 20); off += page)
			p[off] = 1;
	}
	return i;
}

static long try_spin(double secs)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 100000; i++)
			x++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000;
}

/* A scratch directory for mount attempts, so nothing is mounted over a path
 * anyone uses; NULL when no writable place exists. */
static char *scratch_dir(void)
{
	static char buf[64];
	static const char *const bases[] = {"/tmp", "/dev/shm", "/run", "/var/tmp"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "%s/.glass-probe-XXXXXX", bases[i]);
		if (mkdtemp(buf))
			return buf;
	}
	return NULL;
}

/* Each call: its name, how many arguments it takes (optional ones marked by
 * a negative count = at most that many), and how it stays harmless. */
// clang-format off
static const struct {
	const char *name;
	int nargs;
} calls[] = {
    {"mount", -1},    {"umount2", -1},  {"unshare-user", 0}, {"unshare-ns", -1},  {"ptrace", 0},
    {"keyctl", 0},    {"bpf", 0},       {"reboot", 0},       {"raw-socket", 0},   {"open-write", 1},
    {"open-read", 1}, {"mknod", 1},     {"chmod", 1},        {"sethostname", -1}, {"setns", 1},
    {"kill", -2},     {"fork-loop", 1}, {"alloc", 1},        {"spin", 1},
};
// clang-format on

static int try_one(const char *call, char **a, int na)
{
	long ret = -1;
	errno = 0;
	if (!strcmp(call, "mount")) {
		/* tmpfs on a fresh scratch dir (or the given path), undone at once;
		 * with no writable place, a remount of a non-mount-point: EPERM
		 * means "not allowed", EINVAL means the permission check passed. */
		char *dir = na ? a[0] : scratch_dir();
		if (dir) {
			ret = mount("glass-probe", dir, "tmpfs", 0, "size=64k");
			int e = errno;
			if (ret == 0)
				umount2(dir, MNT_DETACH);
			if (!na)
				rmdir(dir);
			errno = e;
		} else
			ret = mount(NULL, "/proc/self", NULL, MS_REMOUNT, NULL);
	} else if (!strcmp(call, "umount2")) {
		/* Default target is no mount point: EINVAL = allowed, EPERM = not. */
		ret = umount2(na ? a[0] : "/proc/self", na ? MNT_DETACH : UMOUNT_NOFOLLOW);
	} else if (!strcmp(call, "unshare-user")) {
		char *u[] = {"user"};
		ret = in_child(do_unshare, u);
	} else if (!strcmp(call, "unshare-ns")) {
		char *d[] = {na ? a[0] : "mnt,uts,ipc,pid,net,cgroup"};
		ret = in_child(do_unshare, d);
	} else if (!strcmp(call, "setns")) {
		ret = in_child(do_setns, a);
	} else if (!strcmp(call, "ptrace")) {
		ret = in_child(do_traceme, NULL);
	} else if (!strcmp(call, "keyctl")) {
		ret = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
	} else if (!strcmp(call, "bpf")) {
		ret = probe_bpf_map_create();
	} else if (!strcmp(call, "reboot")) {
		/* Bad magic: the kernel checks CAP_SYS_BOOT first (EPERM), then the
		 * magic (EINVAL), so this can never reboot or change anything. */
		ret = syscall(SYS_reboot, 0, 0, 0, NULL);
	} else if (!strcmp(call, "raw-socket")) {
		ret = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		if (ret >= 0)
			close((int)ret);
	} else if (!strcmp(call, "open-write")) {
		/* Creates the file if missing (and removes it again); never truncates. */
		struct stat st;
		int existed = lstat(a[0], &st) == 0;
		ret = open(a[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (ret >= 0) {
			close((int)ret);
			ret = 0;
			if (!existed)
				unlink(a[0]);
		}
	} else if (!strcmp(call, "open-read")) {
		ret = open(a[0], O_RDONLY | O_CLOEXEC);
		if (ret >= 0) {
			char b[64];
			ssize_t r = read((int)ret, b, sizeof(b));
			int e = errno;
			close((int)ret);
			ret = r < 0 ? -1 : 0;
			errno = e;
		}
	} else if (!strcmp(call, "mknod")) {
		ret = mknod(a[0], S_IFCHR | 0600, makedev(1, 3));
		if (ret == 0)
			unlink(a[0]);
	} else if (!strcmp(call, "chmod")) {
		struct stat st; /* chmod to the mode it already has */
		ret = stat(a[0], &st) < 0 ? -1 : chmod(a[0], st.st_mode & 07777);
	} else if (!strcmp(call, "sethostname")) {
		char h[256] = "";
		if (na)
			snprintf(h, sizeof(h), "%s", a[0]);
		else
			gethostname(h, sizeof(h) - 1); /* the same name again */
		ret = sethostname(h, strlen(h));
	} else if (!strcmp(call, "kill")) {
		ret = kill((pid_t)atoi(a[0]), na > 1 ? atoi(a[1]) : 0);
	} else if (!strcmp(call, "fork-loop")) {
		ret = try_fork_loop(atol(a[0]));
	} else if (!strcmp(call, "alloc")) {
		ret = try_alloc(atol(a[0]));
	} else if (!strcmp(call, "spin")) {
		ret = try_spin(atof(a[0]));
	}
	int e = errno;
	/* fork-loop/alloc report a count and the errno that stopped them. */
	int counted = !strcmp(call, "fork-loop") || !strcmp(call, "alloc");
	j_open(NULL, '{');
	j_str("call", call);
	if (na)
		j_str("arg", a[0]);
	j_int("ret", ret);
	j_int("errno", ret < 0 || counted ? e : 0);
	j_str("errname", ret < 0 || counted ? errname(e) : NULL);
	if (!strcmp(call, "spin"))
		j_int("cpu_ms", ret);
	j_close('}');
	return ret < 0;
}

/* The index of call NAME in calls[], or -1. */
static int call_index(const char *name)
{
	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
		if (!strcmp(calls[c].name, name))
			return (int)c;
	return -1;
}

/* How many arguments the call at argv[i] takes; an optional argument that
 * names another call is the next call. */
static int call_nargs(int argc, char **argv, int i)
{
	int c = call_index(argv[i]), got = 0;
	if (c < 0)
		usage_exit("try: unknown call \"%s\"", argv[i]);
	int n = calls[c].nargs, max = n < 0 ? -n : n;
	while (got < max && i + 1 + got < argc && (n > 0 || call_index(argv[i + 1 + got]) < 0))
		got++;
	if (n > 0 && got < n)
		usage_exit("try %s: needs %d argument(s)", argv[i], n);
	return got;
}

int probe_mode_try(int argc, char **argv)
{
	int failed = 0, ncalls = 0;
	for (int i = 0; i < argc; ncalls++)
		i += 1 + call_nargs(argc, argv, i);
	if (!ncalls)
		usage_exit("try: which call?");
	if (ncalls > 1) {
		j_open(NULL, '{');
		j_open("tries", '[');
	}
	for (int i = 0; i < argc;) {
		int got = call_nargs(argc, argv, i);
		fflush(stdout);
		failed |= try_one(argv[i], argv + i + 1, got);
		i += 1 + got;
	}
	if (ncalls > 1) {
		j_close(']');
		j_close('}');
	}
	putchar('\n');
	return failed;
}

/* ---- other modes ---- */
static volatile sig_atomic_t got_sig;
static void on_sig(int s)
{
	got_sig = s;
}

int probe_mode_wait_signal(const char *ready)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			sigaction(s, &sa, NULL);
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	sigset_t none;
	sigemptyset(&none);
	sigaddset(&none, SIGCHLD);
	while (!got_sig)
		sigsuspend(&none);
	j_open(NULL, '{');
	j_int("signal", got_sig);
	char name[32];
	snprintf(name, sizeof(name), "SIG%s", sigabbrev_np(got_sig) ? sigabbrev_np(got_sig) : "?");
	j_str("name", name);
	j_close('}');
	putchar('\n');
	return 0;
}

int probe_mode_ls(const char *path)
{
	DIR *d = opendir(path);
	j_open(NULL, '{');
	j_str("path", path);
	if (!d) {
		j_str("errname", errname(errno));
	} else {
		j_open("entries", '[');
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			struct stat st;
			j_open(NULL, '{');
			j_str("name", e->d_name);
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				char m[8];
				snprintf(m, sizeof(m), "%04o", (unsigned)(st.st_mode & 07777));
				static const char *const types[16] = {
				    [1] = "fifo", [2] = "char",     [4] = "dir",    [6] = "block",
				    [8] = "file", [10] = "symlink", [12] = "socket"};
				j_str("type", types[(st.st_mode & S_IFMT) >> 12]);
				j_str("mode", m);
				j_int("uid", st.st_uid);
				j_int("gid", st.st_gid);
				if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
					j_int("major", major(st.st_rdev));
					j_int("minor", minor(st.st_rdev));
				}
			}
			j_close('}');
		}
		closedir(d);
		j_close(']');
	}
	j_close('}');
	putchar('\n');
	return d ? 0 : 1;
}

int probe_mode_cat(const char *path)
{
	char *s = slurp(path);
	int e = errno;
	j_open(NULL, '{');
	j_str("path", path);
	if (s)
		j_str("content", s);
	else
		j_str("errname", errname(e));
	j_close('}');
	putchar('\n');
	free(s);
	return s ? 0 : 1;
}
