/* seccomp-default: the default seccomp profile and capability set.
 *
 * A container's root is still root on the host kernel: every syscall it
 * makes reaches the same kernel code as the host's.  The default profile
 * narrows that surface the way Docker's does: an allow-list of the ~330
 * syscalls ordinary programs use, everything else failing with EPERM.  Left
 * out are the calls that change global kernel state or cross the
 * container's boundaries (mount, reboot, kexec, module loading, keyrings,
 * bpf, new namespaces, clock setting, ptrace of other processes...).  Some
 * of them come back when the container holds the capability that makes
 * them meaningful: with CAP_SYS_ADMIN in the bounding set, mount and
 * unshare are allowed, since the capability already grants what the filter
 * would deny.  The capability set is Docker's default too: 14 capabilities,
 * without CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE.
 *
 * The tables below are glass's own grouping; names unknown to an
 * architecture are skipped when the profile is compiled.
 */
#include "seccomp.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <string.h>

/* Files, directories, extended attributes, fd plumbing. */
static const char *const files_io[] = {"access",
                                       "chdir",
                                       "chmod",
                                       "chown",
                                       "chown32",
                                       "close",
                                       "close_range",
                                       "copy_file_range",
                                       "creat",
                                       "dup",
                                       "dup2",
                                       "dup3",
                                       "faccessat",
                                       "faccessat2",
                                       "fadvise64",
                                       "fadvise64_64",
                                       "fallocate",
                                       "fanotify_mark",
                                       "fchdir",
                                       "fchmod",
                                       "fchmodat",
                                       "fchmodat2",
                                       "fchown",
                                       "fchown32",
                                       "fchownat",
                                       "fcntl",
                                       "fcntl64",
                                       "fdatasync",
                                       "fgetxattr",
                                       "flistxattr",
                                       "flock",
                                       "fremovexattr",
                                       "fsetxattr",
                                       "fstat",
                                       "fstat64",
                                       "fstatat64",
                                       "fstatfs",
                                       "fstatfs64",
                                       "fsync",
                                       "ftruncate",
                                       "ftruncate64",
                                       "futimesat",
                                       "getcwd",
                                       "getdents",
                                       "getdents64",
                                       "getxattr",
                                       "inotify_add_watch",
                                       "inotify_init",
                                       "inotify_init1",
                                       "inotify_rm_watch",
                                       "ioctl",
                                       "lchown",
                                       "lchown32",
                                       "lgetxattr",
                                       "link",
                                       "linkat",
                                       "listxattr",
                                       "llistxattr",
                                       "_llseek",
                                       "lremovexattr",
                                       "lseek",
                                       "lsetxattr",
                                       "lstat",
                                       "lstat64",
                                       "memfd_create",
                                       "mkdir",
                                       "mkdirat",
                                       "mknod",
                                       "mknodat",
                                       "newfstatat",
                                       "open",
                                       "openat",
                                       "openat2",
                                       "pipe",
                                       "pipe2",
                                       "pread64",
                                       "preadv",
                                       "preadv2",
                                       "pwrite64",
                                       "pwritev",
                                       "pwritev2",
                                       "read",
                                       "readahead",
                                       "readlink",
                                       "readlinkat",
                                       "readv",
                                       "removexattr",
                                       "rename",
                                       "renameat",
                                       "renameat2",
                                       "rmdir",
                                       "sendfile",
                                       "sendfile64",
                                       "setxattr",
                                       "splice",
                                       "stat",
                                       "stat64",
                                       "statfs",
                                       "statfs64",
                                       "statx",
                                       "symlink",
                                       "symlinkat",
                                       "sync",
                                       "sync_file_range",
                                       "syncfs",
                                       "tee",
                                       "truncate",
                                       "truncate64",
                                       "umask",
                                       "unlink",
                                       "unlinkat",
                                       "utime",
                                       "utimensat",
                                       "utimensat_time64",
                                       "utimes",
                                       "vmsplice",
                                       "write",
                                       "writev",
                                       NULL};

/* Waiting for many fds and events; timers delivered through fds. */
static const char *const events[] = {"epoll_create",
                                     "epoll_create1",
                                     "epoll_ctl",
                                     "epoll_ctl_old",
                                     "epoll_pwait",
                                     "epoll_pwait2",
                                     "epoll_wait",
                                     "epoll_wait_old",
                                     "eventfd",
                                     "eventfd2",
                                     "io_cancel",
                                     "io_destroy",
                                     "io_getevents",
                                     "io_pgetevents",
                                     "io_pgetevents_time64",
                                     "io_setup",
                                     "io_submit",
                                     "poll",
                                     "ppoll",
                                     "ppoll_time64",
                                     "pselect6",
                                     "pselect6_time64",
                                     "select",
                                     "_newselect",
                                     "signalfd",
                                     "signalfd4",
                                     "timerfd_create",
                                     "timerfd_gettime",
                                     "timerfd_gettime64",
                                     "timerfd_settime",
                                     "timerfd_settime64",
                                     NULL};

/* The address space. */
static const char *const memory[] = {"arch_prctl",
                                     "brk",
                                     "cachestat",
                                     "get_thread_area",
                                     "madvise",
                                     "map_shadow_stack",
                                     "membarrier",
                                     "mincore",
                                     "mlock",
                                     "mlock2",
                                     "mlockall",
                                     "mmap",
                                     "mmap2",
                                     "mprotect",
                                     "mremap",
                                     "msync",
                                     "munlock",
                                     "munlockall",
                                     "munmap",
                                     "pkey_alloc",
                                     "pkey_free",
                                     "pkey_mprotect",
                                     "process_mrelease",
                                     "remap_file_pages",
                                     "set_thread_area",
                                     NULL};

/* Processes, threads, identity within the container's user namespace. */
static const char *const processes[] = {"capget",
                                        "capset",
                                        "execve",
                                        "execveat",
                                        "exit",
                                        "exit_group",
                                        "fork",
                                        "futex",
                                        "futex_requeue",
                                        "futex_time64",
                                        "futex_wait",
                                        "futex_waitv",
                                        "futex_wake",
                                        "get_robust_list",
                                        "getcpu",
                                        "getegid",
                                        "getegid32",
                                        "geteuid",
                                        "geteuid32",
                                        "getgid",
                                        "getgid32",
                                        "getgroups",
                                        "getgroups32",
                                        "getpgid",
                                        "getpgrp",
                                        "getpid",
                                        "getppid",
                                        "getpriority",
                                        "getrandom",
                                        "getresgid",
                                        "getresgid32",
                                        "getresuid",
                                        "getresuid32",
                                        "getrlimit",
                                        "getrusage",
                                        "getsid",
                                        "gettid",
                                        "getuid",
                                        "getuid32",
                                        "ioprio_get",
                                        "ioprio_set",
                                        "landlock_add_rule",
                                        "landlock_create_ruleset",
                                        "landlock_restrict_self",
                                        "pidfd_open",
                                        "pidfd_send_signal",
                                        "prctl",
                                        "prlimit64",
                                        "rseq",
                                        "sched_get_priority_max",
                                        "sched_get_priority_min",
                                        "sched_getaffinity",
                                        "sched_getattr",
                                        "sched_getparam",
                                        "sched_getscheduler",
                                        "sched_rr_get_interval",
                                        "sched_rr_get_interval_time64",
                                        "sched_setaffinity",
                                        "sched_setattr",
                                        "sched_setparam",
                                        "sched_setscheduler",
                                        "sched_yield",
                                        "seccomp",
                                        "set_robust_list",
                                        "set_tid_address",
                                        "setfsgid",
                                        "setfsgid32",
                                        "setfsuid",
                                        "setfsuid32",
                                        "setgid",
                                        "setgid32",
                                        "setgroups",
                                        "setgroups32",
                                        "setpgid",
                                        "setpriority",
                                        "setregid",
                                        "setregid32",
                                        "setresgid",
                                        "setresgid32",
                                        "setresuid",
                                        "setresuid32",
                                        "setreuid",
                                        "setreuid32",
                                        "setrlimit",
                                        "setsid",
                                        "setuid",
                                        "setuid32",
                                        "sysinfo",
                                        "times",
                                        "ugetrlimit",
                                        "uname",
                                        "vfork",
                                        "wait4",
                                        "waitid",
                                        "waitpid",
                                        NULL};

/* Signals and time (reading clocks; setting them needs CAP_SYS_TIME). */
static const char *const signals_time[] = {"alarm",
                                           "clock_getres",
                                           "clock_getres_time64",
                                           "clock_gettime",
                                           "clock_gettime64",
                                           "clock_nanosleep",
                                           "clock_nanosleep_time64",
                                           "getitimer",
                                           "gettimeofday",
                                           "kill",
                                           "nanosleep",
                                           "pause",
                                           "restart_syscall",
                                           "rt_sigaction",
                                           "rt_sigpending",
                                           "rt_sigprocmask",
                                           "rt_sigqueueinfo",
                                           "rt_sigreturn",
                                           "rt_sigsuspend",
                                           "rt_sigtimedwait",
                                           "rt_sigtimedwait_time64",
                                           "rt_tgsigqueueinfo",
                                           "setitimer",
                                           "sigaction",
                                           "sigaltstack",
                                           "signal",
                                           "sigpending",
                                           "sigprocmask",
                                           "sigreturn",
                                           "sigsuspend",
                                           "tgkill",
                                           "time",
                                           "timer_create",
                                           "timer_delete",
                                           "timer_getoverrun",
                                           "timer_gettime",
                                           "timer_gettime64",
                                           "timer_settime",
                                           "timer_settime64",
                                           "tkill",
                                           NULL};

/* System V and POSIX IPC (isolated by the IPC namespace) and sockets
 * (isolated by the network namespace; raw sockets need CAP_NET_RAW). */
static const char *const ipc_net[] = {"accept",
                                      "accept4",
                                      "bind",
                                      "connect",
                                      "getpeername",
                                      "getsockname",
                                      "getsockopt",
                                      "ipc",
                                      "listen",
                                      "mq_getsetattr",
                                      "mq_notify",
                                      "mq_open",
                                      "mq_timedreceive",
                                      "mq_timedreceive_time64",
                                      "mq_timedsend",
                                      "mq_timedsend_time64",
                                      "mq_unlink",
                                      "msgctl",
                                      "msgget",
                                      "msgrcv",
                                      "msgsnd",
                                      "recv",
                                      "recvfrom",
                                      "recvmmsg",
                                      "recvmmsg_time64",
                                      "recvmsg",
                                      "semctl",
                                      "semget",
                                      "semop",
                                      "semtimedop",
                                      "semtimedop_time64",
                                      "send",
                                      "sendmmsg",
                                      "sendmsg",
                                      "sendto",
                                      "setsockopt",
                                      "shmat",
                                      "shmctl",
                                      "shmdt",
                                      "shmget",
                                      "shutdown",
                                      "socket",
                                      "socketcall",
                                      "socketpair",
                                      NULL};

/* Allowed only with a capability in the bounding set: the capability
 * already grants the power the filter would otherwise withhold. */
static const char *const with_sys_admin[] = {"bpf",           "clone",           "clone3",
                                             "fanotify_init", "fsconfig",        "fsmount",
                                             "fsopen",        "fspick",          "lookup_dcookie",
                                             "mount",         "mount_setattr",   "move_mount",
                                             "open_tree",     "perf_event_open", "quotactl",
                                             "quotactl_fd",   "setdomainname",   "sethostname",
                                             "setns",         "syslog",          "umount",
                                             "umount2",       "unshare",         NULL};
static const char *const with_sys_boot[] = {"reboot", NULL};
static const char *const with_sys_chroot[] = {"chroot", NULL};
static const char *const with_sys_module[] = {"delete_module", "finit_module", "init_module", NULL};
static const char *const with_sys_pacct[] = {"acct", NULL};
static const char *const with_sys_ptrace[] = {
    "kcmp",   "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
    "ptrace", NULL};
static const char *const with_sys_rawio[] = {"ioperm", "iopl", NULL};
static const char *const with_sys_time[] = {
    "adjtimex",        "clock_adjtime", "clock_adjtime64", "clock_settime",
    "clock_settime64", "settimeofday",  "stime",           NULL};
static const char *const with_sys_tty[] = {"vhangup", NULL};
static const char *const with_sys_nice[] = {"get_mempolicy", "mbind", "set_mempolicy",
                                            "set_mempolicy_home_node", NULL};
static const char *const with_syslog[] = {"syslog", NULL};
static const char *const with_dac_read_search[] = {"name_to_handle_at", "open_by_handle_at", NULL};
static const char *const with_bpf[] = {"bpf", NULL};
static const char *const with_perfmon[] = {"perf_event_open", NULL};

static const struct {
	int cap;
	const char *const *names;
} cap_rules[] = {
    {CAP_SYS_ADMIN, with_sys_admin},
    {CAP_SYS_BOOT, with_sys_boot},
    {CAP_SYS_CHROOT, with_sys_chroot},
    {CAP_SYS_MODULE, with_sys_module},
    {CAP_SYS_PACCT, with_sys_pacct},
    {CAP_SYS_PTRACE, with_sys_ptrace},
    {CAP_SYS_RAWIO, with_sys_rawio},
    {CAP_SYS_TIME, with_sys_time},
    {CAP_SYS_TTY_CONFIG, with_sys_tty},
    {CAP_SYS_NICE, with_sys_nice},
    {CAP_SYSLOG, with_syslog},
    {CAP_DAC_READ_SEARCH, with_dac_read_search},
    {CAP_BPF, with_bpf},
    {CAP_PERFMON, with_perfmon},
};

/* The namespace flags of clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|
 * NEWUSER|NEWPID|NEWNET.  Without CAP_SYS_ADMIN, clone is allowed only
 * when none of them is set (flags & mask == 0), so threads and fork work
 * but a process cannot make a user namespace to gain capabilities in. */
#define CLONE_NS_MASK 0x7E020000ULL

/* personality(2) values that only select a Linux ABI flavour:
 * PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query
 * 0xffffffff.  Others (e.g. ADDR_NO_RANDOMIZE) weaken ASLR and stay out. */
static const unsigned long long personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

static const int docker_caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};

const int *glass_seccomp_default_caps(size_t *n)
{
	*n = sizeof(docker_caps) / sizeof(docker_caps[0]);
	return docker_caps;
}

static bool has_cap(const int *caps, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++)
		if (caps[i] == cap)
			return true;
	return false;
}

static void add_names(json_object *arr, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		json_object_array_add(arr, json_object_new_string(names[i]));
}

static json_object *rule(json_object *names, const char *action)
{
	json_object *r = json_object_new_object();
	json_object_object_add(r, "names", names);
	json_object_object_add(r, "action", json_object_new_string(action));
	return r;
}

static json_object *arg(unsigned index, unsigned long long value, unsigned long long two,
                        const char *op)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "index", json_object_new_int(index));
	json_object_object_add(a, "value", json_object_new_uint64(value));
	json_object_object_add(a, "valueTwo", json_object_new_uint64(two));
	json_object_object_add(a, "op", json_object_new_string(op));
	return a;
}

static json_object *one_name(const char *name)
{
	json_object *n = json_object_new_array();
	json_object_array_add(n, json_object_new_string(name));
	return n;
}

static json_object *profile_object(const int *caps, size_t ncaps)
{
	json_object *p = json_object_new_object();
	json_object *arches = json_object_new_array();
	json_object *rules = json_object_new_array();
	json_object *allow = json_object_new_array();
	const char *const *groups[] = {files_io, events, memory, processes, signals_time, ipc_net};
	bool admin = has_cap(caps, ncaps, CAP_SYS_ADMIN);

	json_object_object_add(p, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(p, "defaultErrnoRet", json_object_new_int(EPERM));
	/* x86-64 kernels also run 32-bit and x32 code: filter those entry
	 * points too, or they would be a way around the filter. */
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86_64"));
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86"));
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X32"));
	json_object_object_add(p, "architectures", arches);

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		add_names(allow, groups[g]);
	for (size_t i = 0; i < sizeof(cap_rules) / sizeof(cap_rules[0]); i++)
		if (has_cap(caps, ncaps, cap_rules[i].cap))
			add_names(allow, cap_rules[i].names);
	json_object_array_add(rules, rule(allow, "SCMP_ACT_ALLOW"));

	/* personality: each allowed value is one condition on arg 0; several
	 * conditions on the same argument are ORed. */
	{
		json_object *r = rule(one_name("personality"), "SCMP_ACT_ALLOW");
		json_object *args = json_object_new_array();
		for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++)
			json_object_array_add(args, arg(0, personalities[i], 0, "SCMP_CMP_EQ"));
		json_object_object_add(r, "args", args);
		json_object_array_add(rules, r);
	}
	if (!admin) {
		/* clone without namespace flags (x86: flags are argument 0). */
		json_object *r = rule(one_name("clone"), "SCMP_ACT_ALLOW");
		json_object *args = json_object_new_array();
		json_object_array_add(args, arg(0, CLONE_NS_MASK, 0, "SCMP_CMP_MASKED_EQ"));
		json_object_object_add(r, "args", args);
		json_object_array_add(rules, r);
		/* clone3 passes its flags in memory the filter cannot read: make
		 * it look absent (ENOSYS) so libc falls back to clone. */
		r = rule(one_name("clone3"), "SCMP_ACT_ERRNO");
		json_object_object_add(r, "errnoRet", json_object_new_int(ENOSYS));
		json_object_array_add(rules, r);
	}
	json_object_object_add(p, "syscalls", rules);
	return p;
}

char *glass_seccomp_default_profile_json_for_caps(const int *caps, size_t ncaps)
{
	json_object *p;
	char *out;
	if (!caps)
		caps = glass_seccomp_default_caps(&ncaps);
	p = profile_object(caps, ncaps);
	out = xstrdup(json_object_to_json_string_ext(
	    p, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(p);
	return out;
}

char *glass_seccomp_default_profile_json(void)
{
	return glass_seccomp_default_profile_json_for_caps(NULL, 0);
}

void glass_seccomp_add_default_profile(json_object *doc)
{
	json_object *proc, *capsobj, *bounding, *lnx;
	int caps[64];
	size_t ncaps = 0;

	if (json_object_object_get_ex(doc, "process", &proc) &&
	    json_object_object_get_ex(proc, "capabilities", &capsobj) &&
	    json_object_object_get_ex(capsobj, "bounding", &bounding) &&
	    json_object_is_type(bounding, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(bounding) && ncaps < 64; i++) {
			int c = glass_cap_from_name(
			    json_object_get_string(json_object_array_get_idx(bounding, i)));
			if (c >= 0)
				caps[ncaps++] = c;
		}
	}
	if (!json_object_object_get_ex(doc, "linux", &lnx)) {
		lnx = json_object_new_object();
		json_object_object_add(doc, "linux", lnx);
	}
	json_object_object_add(lnx, "seccomp", profile_object(caps, ncaps));
}

char *glass_seccomp_with_default_profile(const char *config_json, struct glass_err **err)
{
	json_object *doc = json_tokener_parse(config_json);
	char *out;

	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		glass_err_new(err, EINVAL, "config.json is not a JSON object");
		return NULL;
	}
	glass_seccomp_add_default_profile(doc);
	out = xstrdup(json_object_to_json_string_ext(doc, GLASS_SECCOMP_CONFIG_JSON_FLAGS));
	json_object_put(doc);
	return out;
}
