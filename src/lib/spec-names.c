/* spec-names: the name <-> number tables of the runtime spec.
 *
 * config.json names kernel constants by their C names (CAP_CHOWN,
 * RLIMIT_NOFILE, SCMP_ACT_ERRNO, SCHED_FIFO, MPOL_BIND, ...).  The kernel
 * only knows the numbers, so every name the parser accepts is listed here
 * with the value the kernel ABI gives it; the audit module and the lab
 * share the same tables. */
#include "spec-internal.h"

#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>

/* capabilities(7): index = capability number (CAP_LAST_CAP on 6.x is 40). */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int glass_cap_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *glass_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= sizeof(cap_names) / sizeof(cap_names[0]))
		return NULL;
	return cap_names[cap];
}

/* getrlimit(2): index = RLIMIT_* number on Linux (all architectures glass
 * builds for use the generic numbering). */
static const char *const rlimit_names[] = {
    "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
    "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

_Static_assert(RLIMIT_NOFILE == 7 && RLIMIT_AS == 9 && RLIMIT_RTTIME == 15,
               "rlimit_names[] follows the generic Linux RLIMIT_* numbering");

int glass_rlimit_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strcmp(rlimit_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *glass_rlimit_name(int resource)
{
	if (resource < 0 || (size_t)resource >= sizeof(rlimit_names) / sizeof(rlimit_names[0]))
		return NULL;
	return rlimit_names[resource];
}

static const struct {
	const char *name;
	const char *proc;
	unsigned long flag;
} ns_table[GLASS_NS_COUNT] = {
    [GLASS_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [GLASS_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [GLASS_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [GLASS_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [GLASS_NS_NET] = {"network", "net", CLONE_NEWNET},
    [GLASS_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [GLASS_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [GLASS_NS_TIME] = {"time", "time", 0x00000080 /* CLONE_NEWTIME */},
};

const char *glass_ns_name(enum glass_ns_type t)
{
	return (unsigned)t < GLASS_NS_COUNT ? ns_table[t].name : NULL;
}

unsigned long glass_ns_clone_flag(enum glass_ns_type t)
{
	return (unsigned)t < GLASS_NS_COUNT ? ns_table[t].flag : 0;
}

const char *glass_ns_proc_name(enum glass_ns_type t)
{
	return (unsigned)t < GLASS_NS_COUNT ? ns_table[t].proc : NULL;
}

/* libseccomp's names.  The values are libseccomp's SCMP_ACT_* / SCMP_CMP_*
 * / SECCOMP_FILTER_FLAG_* encodings; the seccomp module resolves actions
 * itself because SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry a payload. */
const struct spec_name spec_seccomp_actions[] = {
    {"SCMP_ACT_KILL", 0x00000000},        {"SCMP_ACT_KILL_PROCESS", 0x80000000},
    {"SCMP_ACT_KILL_THREAD", 0x00000000}, {"SCMP_ACT_TRAP", 0x00030000},
    {"SCMP_ACT_ERRNO", 0x00050000},       {"SCMP_ACT_TRACE", 0x7ff00000},
    {"SCMP_ACT_ALLOW", 0x7fff0000},       {"SCMP_ACT_LOG", 0x7ffc0000},
    {"SCMP_ACT_NOTIFY", 0x7fc00000},      {NULL, 0},
};

const struct spec_name spec_seccomp_archs[] = {
    {"SCMP_ARCH_X86", 0},         {"SCMP_ARCH_X86_64", 0},  {"SCMP_ARCH_X32", 0},
    {"SCMP_ARCH_ARM", 0},         {"SCMP_ARCH_AARCH64", 0}, {"SCMP_ARCH_LOONGARCH64", 0},
    {"SCMP_ARCH_M68K", 0},        {"SCMP_ARCH_MIPS", 0},    {"SCMP_ARCH_MIPS64", 0},
    {"SCMP_ARCH_MIPS64N32", 0},   {"SCMP_ARCH_MIPSEL", 0},  {"SCMP_ARCH_MIPSEL64", 0},
    {"SCMP_ARCH_MIPSEL64N32", 0}, {"SCMP_ARCH_PPC", 0},     {"SCMP_ARCH_PPC64", 0},
    {"SCMP_ARCH_PPC64LE", 0},     {"SCMP_ARCH_S390", 0},    {"SCMP_ARCH_S390X", 0},
    {"SCMP_ARCH_SH", 0},          {"SCMP_ARCH_SHEB", 0},    {"SCMP_ARCH_PARISC", 0},
    {"SCMP_ARCH_PARISC64", 0},    {"SCMP_ARCH_RISCV64", 0}, {NULL, 0},
};

const struct spec_name spec_seccomp_ops[] = {
    {"SCMP_CMP_NE", 1}, {"SCMP_CMP_LT", 2}, {"SCMP_CMP_LE", 3},        {"SCMP_CMP_EQ", 4},
    {"SCMP_CMP_GE", 5}, {"SCMP_CMP_GT", 6}, {"SCMP_CMP_MASKED_EQ", 7}, {NULL, 0},
};

const struct spec_name spec_seccomp_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", 1},
    {"SECCOMP_FILTER_FLAG_LOG", 2},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32},
    {NULL, 0},
};

/* sched(7).  SCHED_ISO (4) was reserved but never merged upstream: it is
 * accepted here and fails with EINVAL when applied. */
const struct spec_name spec_sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}, {NULL, 0},
};

/* sched_setattr(2) sched_flags. */
const struct spec_name spec_sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};

/* ioprio_set(2) classes. */
const struct spec_name spec_ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
    {NULL, 0},
};

/* set_mempolicy(2) modes and mode flags (linux/mempolicy.h). */
const struct spec_name spec_mpol_modes[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
    {NULL, 0},
};

const struct spec_name spec_mpol_flags[] = {
    {"MPOL_F_STATIC_NODES", 1 << 15},
    {"MPOL_F_RELATIVE_NODES", 1 << 14},
    {"MPOL_F_NUMA_BALANCING", 1 << 13},
    {NULL, 0},
};

/* The mount options of config.md's Linux table (features: mountOptions). */
const struct spec_name spec_mount_options[] = {
    {"async", 0},
    {"atime", 0},
    {"bind", 0},
    {"defaults", 0},
    {"dev", 0},
    {"diratime", 0},
    {"dirsync", 0},
    {"exec", 0},
    {"iversion", 0},
    {"lazytime", 0},
    {"loud", 0},
    {"mand", 0},
    {"noatime", 0},
    {"nodev", 0},
    {"nodiratime", 0},
    {"noexec", 0},
    {"noiversion", 0},
    {"nolazytime", 0},
    {"nomand", 0},
    {"norelatime", 0},
    {"nostrictatime", 0},
    {"nosuid", 0},
    {"nosymfollow", 0},
    {"private", 0},
    {"ratime", 0},
    {"rbind", 0},
    {"rdev", 0},
    {"rdiratime", 0},
    {"relatime", 0},
    {"remount", 0},
    {"rexec", 0},
    {"rnoatime", 0},
    {"rnodev", 0},
    {"rnodiratime", 0},
    {"rnoexec", 0},
    {"rnorelatime", 0},
    {"rnostrictatime", 0},
    {"rnosuid", 0},
    {"rnosymfollow", 0},
    {"ro", 0},
    {"rprivate", 0},
    {"rrelatime", 0},
    {"rro", 0},
    {"rrw", 0},
    {"rshared", 0},
    {"rslave", 0},
    {"rstrictatime", 0},
    {"rsuid", 0},
    {"rsymfollow", 0},
    {"runbindable", 0},
    {"rw", 0},
    {"shared", 0},
    {"silent", 0},
    {"slave", 0},
    {"strictatime", 0},
    {"suid", 0},
    {"symfollow", 0},
    {"sync", 0},
    {"tmpcopyup", 0},
    {"unbindable", 0},
    {"idmap", 0},
    {"ridmap", 0},
    {NULL, 0},
};
