/* sched: how the kernel schedules the process: CPU scheduling policy and
 * priority (sched_setattr), I/O priority (ioprio_set), the CPUs it may run
 * on (sched_setaffinity), the NUMA nodes its memory comes from
 * (set_mempolicy), and its execution domain (personality: LINUX32 makes
 * uname(2) report a 32-bit machine).  All of them are inherited across
 * fork and kept by execve.
 */
#include "process-internal.h"
#include "sys.h"
#include "util.h"

#include <linux/mempolicy.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/sched/types.h> clashes with <sched.h>: the uapi layout, v1. */
struct glass_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_CLASS_SHIFT_ 13
#define MAX_NUMA_NODES      1024
#define BITS_PER_UL         (8 * sizeof(unsigned long))

int glass_parse_id_list(const char *list, unsigned long *mask, size_t nbits, const char *field,
                        struct glass_err **err)
{
	const char *p = list;
	int highest = -1;
	memset(mask, 0, (nbits + BITS_PER_UL - 1) / BITS_PER_UL * sizeof(unsigned long));
	while (*p) {
		char *end;
		unsigned long a, b;
		if (*p == ',' || *p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		if (*p < '0' || *p > '9')
			goto bad;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= nbits)
			goto bad;
		for (unsigned long i = a; i <= b; i++)
			mask[i / BITS_PER_UL] |= 1UL << (i % BITS_PER_UL);
		if ((int)b > highest)
			highest = (int)b;
		p = end;
	}
	return highest;
bad:
	glass_err_field(err, EINVAL, field, "%s: bad list \"%s\" (want e.g. \"0-3,7\", below %zu)",
	                field, list, nbits);
	return -2;
}

int glass_process_scheduler(const struct glass_process *p, struct glass_err **err)
{
	const struct glass_scheduler *s = &p->scheduler;
	struct glass_sched_attr a = {0};
	if (!s->present)
		return 0;
	a.size = sizeof(a);
	a.sched_policy = (unsigned)s->policy;
	a.sched_flags = s->flags;
	a.sched_nice = s->nice;
	a.sched_priority = (unsigned)s->priority;
	a.sched_runtime = s->runtime;
	a.sched_deadline = s->deadline;
	a.sched_period = s->period;
	if (GLASS_SYS(err, "sched_setattr", "process.scheduler",
	              syscall(SYS_sched_setattr, 0, &a, 0),
	              "0, {policy=%s, nice=%d, priority=%d, flags=%#llx, runtime=%llu, "
	              "deadline=%llu, period=%llu}, 0",
	              s->policy_name ? s->policy_name : "?", s->nice, s->priority,
	              (unsigned long long)s->flags, (unsigned long long)s->runtime,
	              (unsigned long long)s->deadline, (unsigned long long)s->period) == 0)
		return 0;
	/* The runtime still holds CAP_SYS_NICE here: for SCHED_FIFO/RR the
	 * usual EPERM is the cgroup's (v1 with CONFIG_RT_GROUP_SCHED): a
	 * new cpu cgroup gets cpu.rt_runtime_us 0, no real-time time at all. */
	if (errno == EPERM && (s->policy == SCHED_FIFO || s->policy == SCHED_RR))
		return glass_err_hint(
		    err, "the container's cpu cgroup allows no real-time time (cpu.rt_runtime_us "
		         "is 0 in a new cgroup): set linux.resources.cpu.realtimeRuntime (and "
		         "realtimePeriod) within its parent's budget; the policy also needs "
		         "CAP_SYS_NICE or an RLIMIT_RTPRIO allowing the priority");
	if (errno == EPERM)
		return glass_err_hint(
		    err, "real-time policies and a lower nice value need "
		         "CAP_SYS_NICE (and an RLIMIT_RTPRIO/RLIMIT_NICE allowing it)");
	if (errno == EINVAL)
		return glass_err_hint(err,
		                      "the priority must fit the policy (1-99 for SCHED_FIFO/RR, "
		                      "0 otherwise) and SCHED_DEADLINE needs "
		                      "runtime <= deadline <= period");
	return -1;
}

int glass_process_io_priority(const struct glass_process *p, struct glass_err **err)
{
	const struct glass_io_priority *io = &p->io_priority;
	int prio;
	if (!io->present)
		return 0;
	if (io->priority < 0 || io->priority > 7)
		return glass_err_field(err, EINVAL, "process.ioPriority.priority",
		                       "process.ioPriority.priority: %d is not in 0..7",
		                       io->priority);
	prio = (io->klass << IOPRIO_CLASS_SHIFT_) | io->priority;
	if (GLASS_SYS(err, "ioprio_set", "process.ioPriority",
	              syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, prio),
	              "IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(%s, %d)",
	              io->class_name ? io->class_name : "?", io->priority) == 0)
		return 0;
	if (errno == EPERM)
		return glass_err_hint(err, "IOPRIO_CLASS_RT needs CAP_SYS_ADMIN (or CAP_SYS_NICE)");
	return -1;
}

int glass_process_affinity(pid_t pid, const char *list, const char *field, struct glass_err **err)
{
	cpu_set_t set;
	unsigned long mask[CPU_SETSIZE / BITS_PER_UL];
	int highest = glass_parse_id_list(list, mask, CPU_SETSIZE, field, err);
	if (highest < -1)
		return -1;
	CPU_ZERO(&set);
	for (int i = 0; i <= highest; i++)
		if (mask[i / BITS_PER_UL] & (1UL << (i % BITS_PER_UL)))
			CPU_SET(i, &set);
	if (GLASS_SYS(err, "sched_setaffinity", field, sched_setaffinity(pid, sizeof(set), &set),
	              "%d, \"%s\"", (int)pid, list) == 0)
		return 0;
	if (errno == EINVAL)
		return glass_err_hint(err,
		                      "none of the CPUs \"%s\" is online, or the cgroup's "
		                      "cpuset does not allow them (this host has %ld CPUs online)",
		                      list, sysconf(_SC_NPROCESSORS_ONLN));
	return -1;
}

int glass_process_apply_final_affinity(pid_t pid, const struct glass_process *p,
                                       struct glass_err **err)
{
	const char *list = p->exec_cpu_affinity.final;
	if (list == NULL || *list == '\0')
		return 0;
	return glass_process_affinity(pid, list, "process.execCPUAffinity.final", err);
}

static int set_personality(const struct glass_personality *pe, struct glass_err **err)
{
	unsigned long dom;
	if (!pe->present)
		return 0;
	if (pe->domain && strcmp(pe->domain, "LINUX") == 0)
		dom = PER_LINUX;
	else if (pe->domain && strcmp(pe->domain, "LINUX32") == 0)
		dom = PER_LINUX32;
	else
		return glass_err_field(err, EINVAL, "linux.personality.domain",
		                       "linux.personality.domain: unknown domain \"%s\" (LINUX or "
		                       "LINUX32)",
		                       pe->domain ? pe->domain : "");
	if (pe->nflags)
		return glass_err_field(err, EINVAL, "linux.personality.flags",
		                       "linux.personality.flags[0]: \"%s\": no personality flag is "
		                       "supported (the runtime spec defines none)",
		                       pe->flags[0]);
	return GLASS_SYS(err, "personality", "linux.personality", personality(dom), "%s",
	                 pe->domain) < 0
	           ? -1
	           : 0;
}

static int set_mempolicy_(const struct glass_memory_policy *mp, struct glass_err **err)
{
	unsigned long mask[MAX_NUMA_NODES / BITS_PER_UL];
	int highest = -1;
	unsigned long maxnode = 0;
	if (!mp->present)
		return 0;
	if (mp->nodes && *mp->nodes) {
		highest = glass_parse_id_list(mp->nodes, mask, MAX_NUMA_NODES,
		                              "linux.memoryPolicy.nodes", err);
		if (highest < -1)
			return -1;
		for (int n = 0; n <= highest; n++) {
			char path[64];
			struct stat st;
			if (!(mask[n / BITS_PER_UL] & (1UL << (n % BITS_PER_UL))))
				continue;
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
			if (stat(path, &st) < 0) {
				glass_err_field(
				    err, ENODEV, "linux.memoryPolicy.nodes",
				    "linux.memoryPolicy.nodes: NUMA node %d does not exist on "
				    "this host",
				    n);
				return glass_err_hint(err, "the host's NUMA nodes are listed in "
				                           "/sys/devices/system/node/online");
			}
		}
		maxnode = (unsigned long)highest + 2;
	} else {
		memset(mask, 0, sizeof(mask));
	}
	if (GLASS_SYS(err, "set_mempolicy", "linux.memoryPolicy",
	              syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, maxnode ? mask : NULL,
	                      maxnode),
	              "%s|%#x, \"%s\", %lu", mp->mode_name ? mp->mode_name : "?", mp->flags,
	              mp->nodes ? mp->nodes : "", maxnode) == 0)
		return 0;
	if (errno == EINVAL)
		return glass_err_hint(err, "MPOL_DEFAULT and MPOL_LOCAL take no nodes; the other "
		                           "modes need at least one node that is online");
	return -1;
}

int glass_process_prepare_linux(const struct glass_linux *l, struct glass_err **err)
{
	glass_trace_phase("process");
	if (set_personality(&l->personality, err) < 0)
		return -1;
	return set_mempolicy_(&l->memory_policy, err);
}
