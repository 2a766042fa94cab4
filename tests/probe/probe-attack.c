/* glass-probe attack: the attacks of the lab's security experiment, each one
 * real syscall whose result is reported as the kernel gave it.
 *
 *   glass-probe attack [--block MAJ:MIN] [--dir DIR] NAME...|all
 *
 * prints {"attacks":[{"name","call","ret","errno","errname","allowed",
 * "detail"}]}.  Each attack runs in a child of its own, so a namespace it
 * enters or a privilege it gains never reaches the next one.  Every attack
 * stops at the permission check and changes nothing outside the lab's own
 * files:
 *   - reboot and kexec_load pass arguments that are checked only after the
 *     capability (bad magic; an invalid flag and too many segments), so
 *     EINVAL means "the permission check passed" and nothing happened;
 *   - /proc/sys/kernel/core_pattern is opened for writing and closed
 *     unwritten (the permission is checked at open);
 *   - the block device is opened read-only and nothing is read;
 *   - the raw socket is closed without sending;
 *   - the setuid-root copy (DIR/suid-probe) only reports its ids: run
 *     setuid, glass-probe refuses every other mode (probe.c's main);
 *   - the chown is of the lab's own throwaway file (DIR/host-file) and the
 *     socket connected to is the lab's (DIR/runtime.sock), where nothing
 *     is sent.
 * DIR is a host directory the lab bind-mounts (default /lab). */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

struct outcome {
	long ret;
	int err;
	int allowed;      /* 1: the attack got through; 0: refused */
	char detail[160]; /* what the result means, when more than ret/errno */
	char call[320];   /* the call as made */
};

static const char *opt_dir = "/lab";
static unsigned opt_major, opt_minor;

static void deny_or_allow(struct outcome *o, long ret)
{
	o->ret = ret;
	o->err = ret < 0 ? errno : 0;
	o->allowed = ret >= 0;
}

/* A checked-later argument makes the call fail harmlessly once the
 * permission check has passed: that EINVAL is a success of the attack. */
static void passed_if_einval(struct outcome *o, long ret, const char *why)
{
	deny_or_allow(o, ret);
	if (ret < 0 && o->err == EINVAL) {
		o->allowed = 1;
		snprintf(o->detail, sizeof(o->detail), "permission check passed; %s", why);
	}
}

static void a_mount(struct outcome *o)
{
	static char dir[64];
	static const char *const bases[] = {"/tmp", "/dev", "/run"};
	int made = 0;
	for (size_t i = 0; i < 3 && !made; i++) {
		snprintf(dir, sizeof(dir), "%s/.glass-attack-XXXXXX", bases[i]);
		made = mkdtemp(dir) != NULL;
	}
	snprintf(o->call, sizeof(o->call), "mount(\"none\", \"%s\", \"tmpfs\", 0, \"size=64k\")",
	         made ? dir : "/proc/self");
	long r = made ? mount("none", dir, "tmpfs", 0, "size=64k") : -1;
	if (!made)
		errno = EROFS;
	deny_or_allow(o, r);
	if (r == 0)
		umount2(dir, MNT_DETACH);
	if (made)
		rmdir(dir);
}

static void a_unshare_user(struct outcome *o)
{
	snprintf(o->call, sizeof(o->call), "unshare(CLONE_NEWUSER)");
	deny_or_allow(o, unshare(CLONE_NEWUSER));
}

/* The target is non-dumpable, as a setuid program or sshd after login is:
 * attaching to it needs CAP_SYS_PTRACE over its user namespace, whatever
 * the uids. */
static void a_ptrace(struct outcome *o)
{
	int p[2];
	if (pipe(p) < 0)
		return deny_or_allow(o, -1);
	pid_t t = fork();
	if (t == 0) {
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		close(p[0]);
		write(p[1], "r", 1);
		pause();
		_exit(0);
	}
	char c;
	close(p[1]);
	read(p[0], &c, 1);
	close(p[0]);
	snprintf(o->call, sizeof(o->call), "ptrace(PTRACE_ATTACH, %d) (a non-dumpable process)",
	         (int)t);
	long r = ptrace(PTRACE_ATTACH, t, NULL, NULL);
	deny_or_allow(o, r);
	if (r == 0) {
		waitpid(t, NULL, __WALL);
		ptrace(PTRACE_DETACH, t, NULL, NULL);
	}
	kill(t, SIGKILL);
	waitpid(t, NULL, __WALL);
}

static void a_keyctl(struct outcome *o)
{
	snprintf(o->call, sizeof(o->call),
	         "keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)");
	deny_or_allow(o, syscall(SYS_keyctl, 0, -3, 0));
}

static void a_bpf(struct outcome *o)
{
	snprintf(o->call, sizeof(o->call), "bpf(BPF_MAP_CREATE, {ARRAY, 1 entry})");
	deny_or_allow(o, probe_bpf_map_create());
}

static void a_reboot(struct outcome *o)
{
	snprintf(o->call, sizeof(o->call), "reboot(0 /* bad magic */, 0, RESTART)");
	passed_if_einval(o, syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_RESTART, NULL),
	                 "EINVAL is the bad magic, checked after CAP_SYS_BOOT");
}

static void a_kexec(struct outcome *o)
{
	/* 0x8000 is no KEXEC_* flag and 1000 > KEXEC_SEGMENT_MAX: both are
	 * checked after CAP_SYS_BOOT, kexec_load_disabled and lockdown. */
	snprintf(o->call, sizeof(o->call), "kexec_load(0, 1000, NULL, 0x8000 /* invalid */)");
	passed_if_einval(o, syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0x8000UL),
	                 "EINVAL is the invalid flag, checked after CAP_SYS_BOOT");
}

static void a_raw_socket(struct outcome *o)
{
	snprintf(o->call, sizeof(o->call), "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)");
	long r = socket(AF_INET, SOCK_RAW, 1);
	deny_or_allow(o, r);
	if (r >= 0)
		close((int)r);
}

static void a_sysctl(struct outcome *o)
{
	const char *path = "/proc/sys/kernel/core_pattern";
	snprintf(o->call, sizeof(o->call), "open(\"%s\", O_WRONLY) (closed unwritten)", path);
	long r = open(path, O_WRONLY | O_CLOEXEC);
	deny_or_allow(o, r);
	if (r >= 0)
		close((int)r);
}

/* A masked path is /dev/null bound over the file: the open succeeds and
 * reads nothing, so the attack is refused without an errno. */
static void a_kcore(struct outcome *o)
{
	snprintf(o->call, sizeof(o->call), "open(\"/proc/kcore\", O_RDONLY) + read(64)");
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return deny_or_allow(o, -1);
	struct stat st;
	char b[64];
	ssize_t n = read(fd, b, sizeof(b));
	int e = errno;
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		o->ret = n;
		o->allowed = 0;
		snprintf(o->detail, sizeof(o->detail),
		         "masked: a character device %u:%u (/dev/null) is bound there; read %zd "
		         "bytes",
		         major(st.st_rdev), minor(st.st_rdev), n);
	} else {
		errno = e;
		deny_or_allow(o, n < 0 ? -1 : n);
		if (n > 0)
			snprintf(o->detail, sizeof(o->detail),
			         "read %zd bytes of kernel memory's ELF header", n);
	}
	close(fd);
}

static void a_mknod(struct outcome *o)
{
	char path[64];
	snprintf(path, sizeof(path), "/dev/glass-attack-blk");
	snprintf(o->call, sizeof(o->call), "mknod(\"%s\", S_IFBLK, %u:%u) + open(O_RDONLY)", path,
	         opt_major, opt_minor);
	if (!opt_major && !opt_minor) {
		errno = ENODEV;
		snprintf(o->detail, sizeof(o->detail), "no host block device given (--block)");
		return deny_or_allow(o, -1);
	}
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev(opt_major, opt_minor)) < 0) {
		snprintf(o->detail, sizeof(o->detail), "mknod refused");
		return deny_or_allow(o, -1);
	}
	long r = open(path, O_RDONLY | O_CLOEXEC);
	deny_or_allow(o, r);
	snprintf(o->detail, sizeof(o->detail), "mknod made the node; %s",
	         r >= 0 ? "open succeeded (nothing read)" : "open refused");
	if (r >= 0)
		close((int)r);
	unlink(path);
}

/* Runs DIR/suid-probe (a root-owned copy of this program, mode 4755) and
 * reads the euid it reports. */
static void a_setuid(struct outcome *o)
{
	char exe[128];
	int p[2];
	snprintf(exe, sizeof(exe), "%.100s/suid-probe", opt_dir);
	snprintf(o->call, sizeof(o->call), "execve(\"%s\") as uid %d (setuid root, 4755)", exe,
	         (int)getuid());
	if (pipe(p) < 0)
		return deny_or_allow(o, -1);
	pid_t c = fork();
	if (c == 0) {
		dup2(p[1], 1);
		execl(exe, exe, "attack", "--euid", (char *)NULL);
		dprintf(1, "exec %d\n", errno); /* _exit flushes no stdio */
		_exit(127);
	}
	close(p[1]);
	char buf[64] = "";
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(c, NULL, 0);
	int euid = -1, e = 0;
	unsigned long long cap = 0;
	if (sscanf(buf, "exec %d", &e) == 1) {
		errno = e;
		return deny_or_allow(o, -1);
	}
	sscanf(buf, "%d %llx", &euid, &cap);
	o->ret = euid;
	o->err = 0; /* it ran: whether it gained root is the result */
	o->allowed = euid == 0;
	snprintf(o->detail, sizeof(o->detail), "the program ran with euid %d, CapEff %016llx", euid,
	         cap);
}

static void a_chown(struct outcome *o)
{
	char path[128];
	snprintf(path, sizeof(path), "%.100s/host-file", opt_dir);
	snprintf(o->call, sizeof(o->call), "chown(\"%s\", 0, 0) (a host file, bind-mounted)", path);
	deny_or_allow(o, chown(path, 0, 0));
}

static void a_socket(struct outcome *o)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/runtime.sock", opt_dir);
	snprintf(o->call, sizeof(o->call), "connect(\"%s\") (a root-owned 0660 socket)",
	         a.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long r = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof(a));
	deny_or_allow(o, r);
	if (fd >= 0)
		close(fd);
}

static const struct {
	const char *name;
	void (*fn)(struct outcome *);
} attacks[] = {
    {"mount", a_mount},   {"unshare-user", a_unshare_user},
    {"ptrace", a_ptrace}, {"keyctl", a_keyctl},
    {"bpf", a_bpf},       {"reboot", a_reboot},
    {"kexec", a_kexec},   {"raw-socket", a_raw_socket},
    {"sysctl", a_sysctl}, {"kcore", a_kcore},
    {"mknod", a_mknod},   {"setuid", a_setuid},
    {"chown", a_chown},   {"runtime-socket", a_socket},
};
#define NATTACKS (sizeof(attacks) / sizeof(attacks[0]))

static void attack_run(void *arg, void *out)
{
	attacks[*(const size_t *)arg].fn(out);
}

/* Runs attack i in a child and prints its object. */
static int run_one(size_t i)
{
	struct outcome o = {.ret = -1, .err = EIO};
	if (probe_in_child(attack_run, &i, &o, sizeof(o)) < 0)
		o.err = errno;
	j_open(NULL, '{');
	j_str("name", attacks[i].name);
	j_str("call", o.call);
	j_int("ret", o.ret);
	j_int("errno", o.allowed ? 0 : o.err);
	j_str("errname", o.allowed ? NULL : errname(o.err));
	j_bool("allowed", o.allowed);
	j_str("detail", o.detail[0] ? o.detail : NULL);
	j_close('}');
	return o.allowed;
}

int probe_mode_attack(int argc, char **argv)
{
	int i = 0;
	if (argc == 1 && !strcmp(argv[0], "--euid")) {
		/* The far side of the setuid attack: who am I now? */
		char *s = slurp("/proc/self/status"), *cap = s ? strstr(s, "CapEff:") : NULL;
		printf("%d %.16s\n", (int)geteuid(), cap ? cap + 8 : "0");
		return 0;
	}
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--block")) {
			if (sscanf(argv[i + 1], "%u:%u", &opt_major, &opt_minor) != 2)
				usage_exit("attack --block: want MAJ:MIN, not \"%s\"", argv[i + 1]);
		} else if (!strcmp(argv[i], "--dir")) {
			opt_dir = argv[i + 1];
		} else {
			usage_exit("attack: unknown option \"%s\"", argv[i]);
		}
	}
	if (i >= argc)
		usage_exit("attack: which attack? (all, or names)");
	j_open(NULL, '{');
	j_open("attacks", '[');
	for (; i < argc; i++) {
		int all = !strcmp(argv[i], "all"), found = 0;
		for (size_t k = 0; k < NATTACKS; k++)
			if (all || !strcmp(argv[i], attacks[k].name)) {
				run_one(k);
				found = 1;
			}
		if (!found)
			usage_exit("attack: unknown attack \"%s\"", argv[i]);
	}
	j_close(']');
	j_close('}');
	putchar('\n');
	return 0;
}
