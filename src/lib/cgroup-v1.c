/* cgroup-v1: the backend for controllers bound to v1 hierarchies.
 *
 * In cgroup v1 every controller has its own files with its own units and
 * quirks: memory.limit_in_bytes must stay below memory.memsw.limit_in_bytes
 * (memory plus swap) at every moment, so the order of the two writes
 * depends on whether the limit grows or shrinks; cpu quota and period are
 * two files; the device controller keeps an allow/deny list that children
 * can only narrow; the freezer goes through FREEZING before it reports
 * FROZEN.  Each write below is one traced step naming the config field.
 */
#include "cgroup-internal.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define F_MEM "linux.resources.memory"

static int v1_memory(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                     struct glass_err **err)
{
	const __typeof__(r->memory) *m = &r->memory;
	if (m->has_limit || m->has_swap) {
		bool has_memsw = glass_cg_has(dir, "memory.memsw.limit_in_bytes");
		if (m->has_swap && !has_memsw) {
			glass_err_field(err, ENOTSUP, F_MEM ".swap",
			                "no memory.memsw.limit_in_bytes in %s", dir);
			return glass_err_hint(err, "swap accounting is off: boot with "
			                           "swapaccount=1, or leave memory.swap unset");
		}
		int64_t swap = m->has_swap ? m->swap : (m->has_limit && m->limit == -1 ? -1 : 0);
		bool set_swap = has_memsw && (m->has_swap || (m->has_limit && m->limit == -1));
		/* memsw must be >= limit at every moment: when the new memsw is
		 * larger than the current one, raise it first. */
		uint64_t cur = 0;
		bool swap_first = false;
		if (set_swap && glass_cg_read_u64(dir, "memory.memsw.limit_in_bytes", &cur) == 0)
			swap_first = swap == -1 || (uint64_t)swap > cur;
		if (set_swap && swap_first &&
		    glass_cg_writef(dir, "memory.memsw.limit_in_bytes", F_MEM ".swap", err, "%lld",
		                    (long long)swap) < 0)
			return -1;
		if (m->has_limit && glass_cg_writef(dir, "memory.limit_in_bytes", F_MEM ".limit",
		                                    err, "%lld", (long long)m->limit) < 0) {
			if (errno == EBUSY)
				glass_err_hint(err,
				               "the cgroup uses more memory than the new limit "
				               "(cgroup v1 refuses to shrink below usage)");
			return -1;
		}
		if (set_swap && !swap_first &&
		    glass_cg_writef(dir, "memory.memsw.limit_in_bytes", F_MEM ".swap", err, "%lld",
		                    (long long)swap) < 0) {
			if (errno == EINVAL)
				glass_err_hint(err, "memory.swap is memory plus swap and must not "
				                    "be lower than memory.limit");
			return -1;
		}
	}
	if (m->has_reservation &&
	    glass_cg_writef(dir, "memory.soft_limit_in_bytes", F_MEM ".reservation", err, "%lld",
	                    (long long)m->reservation) < 0)
		return -1;
	if (m->has_kernel)
		/* Deprecated in the spec (NOT RECOMMENDED) and no longer enforced:
		 * since Linux 5.16 the kernel accepts memory.kmem.limit_in_bytes
		 * but ignores the value.  runc ignores it too. */
		glass_trace_note("ignored", F_MEM ".kernel",
		                 "kernel memory limit %lld not applied: the kernel no longer "
		                 "enforces kernel-memory limits",
		                 (long long)m->kernel);
	if (m->has_kernel_tcp) {
		if (!glass_cg_has(dir, "memory.kmem.tcp.limit_in_bytes"))
			return glass_err_field(err, ENOTSUP, F_MEM ".kernelTCP",
			                       "no memory.kmem.tcp.limit_in_bytes in %s", dir);
		if (glass_cg_writef(dir, "memory.kmem.tcp.limit_in_bytes", F_MEM ".kernelTCP", err,
		                    "%lld", (long long)m->kernel_tcp) < 0)
			return -1;
	}
	if (m->has_swappiness) {
		if (m->swappiness > 100)
			return glass_err_field(err, EINVAL, F_MEM ".swappiness",
			                       "swappiness %llu is above 100",
			                       (unsigned long long)m->swappiness);
		if (glass_cg_writef(dir, "memory.swappiness", F_MEM ".swappiness", err, "%llu",
		                    (unsigned long long)m->swappiness) < 0)
			return -1;
	}
	if (m->has_disable_oom_killer && (m->disable_oom_killer || cg->update) &&
	    glass_cg_write(dir, "memory.oom_control", m->disable_oom_killer ? "1" : "0",
	                   F_MEM ".disableOOMKiller", err) < 0)
		return -1;
	if (m->has_use_hierarchy &&
	    glass_cg_write(dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0",
	                   F_MEM ".useHierarchy", err) < 0) {
		if (!m->use_hierarchy)
			glass_err_hint(err, "the kernel always accounts hierarchically now and "
			                    "refuses useHierarchy=false; remove the field");
		return -1;
	}
	return 0;
}

#define F_CPU "linux.resources.cpu"

static int v1_cpu(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                  struct glass_err **err)
{
	(void)cg;
	const __typeof__(r->cpu) *c = &r->cpu;
	if (c->has_shares && glass_cg_writef(dir, "cpu.shares", F_CPU ".shares", err, "%llu",
	                                     (unsigned long long)c->shares) < 0)
		return -1;
	if (c->has_period && glass_cg_writef(dir, "cpu.cfs_period_us", F_CPU ".period", err, "%llu",
	                                     (unsigned long long)c->period) < 0)
		return -1;
	if (c->has_quota && glass_cg_writef(dir, "cpu.cfs_quota_us", F_CPU ".quota", err, "%lld",
	                                    (long long)(c->quota <= 0 ? -1 : c->quota)) < 0)
		return -1;
	if (c->has_burst) {
		if (!glass_cg_has(dir, "cpu.cfs_burst_us"))
			return glass_err_field(err, ENOTSUP, F_CPU ".burst", "no cpu.cfs_burst_us");
		if (glass_cg_writef(dir, "cpu.cfs_burst_us", F_CPU ".burst", err, "%llu",
		                    (unsigned long long)c->burst) < 0)
			return -1;
	}
	/* Realtime: the period first, so a runtime that fits it is accepted. */
	if (c->has_realtime_period &&
	    glass_cg_writef(dir, "cpu.rt_period_us", F_CPU ".realtimePeriod", err, "%llu",
	                    (unsigned long long)c->realtime_period) < 0)
		return -1;
	if (c->has_realtime_runtime &&
	    glass_cg_writef(dir, "cpu.rt_runtime_us", F_CPU ".realtimeRuntime", err, "%lld",
	                    (long long)c->realtime_runtime) < 0) {
		glass_err_hint(err, "the parent cgroup must have at least this much realtime "
		                    "runtime (cpu.rt_runtime_us)");
		return -1;
	}
	if (c->has_idle) {
		if (!glass_cg_has(dir, "cpu.idle"))
			return glass_err_field(err, ENOTSUP, F_CPU ".idle", "no cpu.idle");
		if (glass_cg_writef(dir, "cpu.idle", F_CPU ".idle", err, "%lld",
		                    (long long)c->idle) < 0)
			return -1;
	}
	return 0;
}

#define F_BLK "linux.resources.blockIO"

static int throttle(const char *dir, const char *file, const char *field,
                    const struct glass_throttle_device *t, size_t n, struct glass_err **err)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *f = xasprintf("%s[%zu]", field, i);
		if (glass_cg_writef(dir, file, f, err, "%lld:%lld %llu", (long long)t[i].major,
		                    (long long)t[i].minor, (unsigned long long)t[i].rate) < 0)
			return -1;
	}
	return 0;
}

/* The weight file: blkio.weight (CFQ, gone since 5.0) or blkio.bfq.weight. */
static const char *weight_file(const char *dir, const char *leaf)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "blkio.%s", leaf);
	if (glass_cg_has(dir, buf))
		return buf;
	snprintf(buf, sizeof(buf), "blkio.bfq.%s", leaf);
	if (glass_cg_has(dir, buf))
		return buf;
	return NULL;
}

static int v1_blkio(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                    struct glass_err **err)
{
	(void)cg;
	const __typeof__(r->block_io) *b = &r->block_io;
	if (b->has_weight || b->nweight_device) {
		const char *wf = weight_file(dir, "weight");
		if (wf == NULL) {
			glass_err_field(err, ENOTSUP,
			                b->has_weight ? F_BLK ".weight" : F_BLK ".weightDevice",
			                "no blkio.weight or blkio.bfq.weight in %s", dir);
			return glass_err_hint(err, "block IO weights need the BFQ I/O scheduler "
			                           "(CFQ is gone since Linux 5.0); this kernel has "
			                           "neither, so the weight cannot be enforced");
		}
		if (strstr(wf, ".bfq.") && !glass_cg_bfq_in_use())
			glass_trace_note("warning", F_BLK ".weight",
			                 "%s accepts the weight, but no block device uses the BFQ "
			                 "scheduler, so it is not enforced until one does",
			                 wf);
		if (b->has_weight &&
		    glass_cg_writef(dir, wf, F_BLK ".weight", err, "%u", b->weight) < 0)
			return -1;
		for (size_t i = 0; i < b->nweight_device; i++) {
			const struct glass_weight_device *w = &b->weight_device[i];
			cleanup_free char *f = xasprintf(F_BLK ".weightDevice[%zu]", i);
			if (w->has_weight &&
			    glass_cg_writef(dir,
			                    strstr(wf, ".bfq.") ? "blkio.bfq.weight_device"
			                                        : "blkio.weight_device",
			                    f, err, "%lld:%lld %u", (long long)w->major,
			                    (long long)w->minor, w->weight) < 0)
				return errno == EOPNOTSUPP
				           ? glass_err_hint(
				                 err, "the device's I/O scheduler is not "
				                      "BFQ (see /sys/block/DEV/queue/scheduler)")
				           : -1;
			if (w->has_leaf_weight)
				return glass_err_field(
				    err, ENOTSUP, f, "leafWeight needs CFQ, gone since Linux 5.0");
		}
	}
	if (b->has_leaf_weight)
		return glass_err_field(err, ENOTSUP, F_BLK ".leafWeight",
		                       "blkio.leaf_weight needs CFQ, gone since Linux 5.0");
	if (throttle(dir, "blkio.throttle.read_bps_device", F_BLK ".throttleReadBpsDevice",
	             b->throttle_read_bps, b->nthrottle_read_bps, err) < 0 ||
	    throttle(dir, "blkio.throttle.write_bps_device", F_BLK ".throttleWriteBpsDevice",
	             b->throttle_write_bps, b->nthrottle_write_bps, err) < 0 ||
	    throttle(dir, "blkio.throttle.read_iops_device", F_BLK ".throttleReadIOPSDevice",
	             b->throttle_read_iops, b->nthrottle_read_iops, err) < 0 ||
	    throttle(dir, "blkio.throttle.write_iops_device", F_BLK ".throttleWriteIOPSDevice",
	             b->throttle_write_iops, b->nthrottle_write_iops, err) < 0)
		return -1;
	return 0;
}

static int v1_hugetlb(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                      struct glass_err **err)
{
	(void)cg;
	return glass_cg_write_hugetlb(dir, r, "limit_in_bytes", err);
}

static int v1_network(struct glass_cgroup *cg, const struct glass_resources *r,
                      struct glass_err **err)
{
	const __typeof__(r->network) *n = &r->network;
	if (n->has_class_id) {
		int h = cg->lay->by_ctrl[CG_NET_CLS];
		if (h < 0 || cg->lay->h[h].v2 || cg->dir[h] == NULL) {
			glass_err_field(err, ENOTSUP, "linux.resources.network.classID",
			                "no net_cls cgroup hierarchy is mounted");
			return glass_err_hint(err, "net_cls exists only in cgroup v1; mount it "
			                           "or remove network.classID");
		}
		if (glass_cg_writef(cg->dir[h], "net_cls.classid",
		                    "linux.resources.network.classID", err, "%u", n->class_id) < 0)
			return -1;
	}
	if (n->npriorities) {
		int h = cg->lay->by_ctrl[CG_NET_PRIO];
		if (h < 0 || cg->lay->h[h].v2 || cg->dir[h] == NULL) {
			glass_err_field(err, ENOTSUP, "linux.resources.network.priorities",
			                "no net_prio cgroup hierarchy is mounted");
			return glass_err_hint(err, "net_prio exists only in cgroup v1; mount it "
			                           "or remove network.priorities");
		}
		for (size_t i = 0; i < n->npriorities; i++) {
			cleanup_free char *f =
			    xasprintf("linux.resources.network.priorities[%zu]", i);
			if (glass_cg_writef(cg->dir[h], "net_prio.ifpriomap", f, err, "%s %u",
			                    n->priorities[i].name, n->priorities[i].priority) < 0)
				return -1;
		}
	}
	return 0;
}

static void rule_text(const struct glass_device_rule *d, char *buf, size_t size)
{
	char maj[24], min[24];
	char type = d->type ? d->type : 'a';
	if (d->major < 0)
		snprintf(maj, sizeof(maj), "*");
	else
		snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
	if (d->minor < 0)
		snprintf(min, sizeof(min), "*");
	else
		snprintf(min, sizeof(min), "%lld", (long long)d->minor);
	const char *acc = d->access && *d->access ? d->access : "rwm";
	if (type == 'a' && d->major < 0 && d->minor < 0)
		snprintf(buf, size, "a");
	else
		snprintf(buf, size, "%c %s:%s %s", type, maj, min, acc);
}

/* runc's device policy: deny everything ("a" to devices.deny empties the
 * allow list and makes deny the default), then the config's rules in
 * order, then the default devices, so an absent or empty
 * linux.resources.devices still means "deny all but the standard
 * devices".  linux.devices nodes get no rule of their own: a config that
 * creates a node allows it in linux.resources.devices, as podman, docker
 * and containerd write it. */
static int v1_devices(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                      const struct glass_spec *spec, struct glass_err **err)
{
	(void)cg;
	(void)spec;
	char line[96];
	if (glass_cg_write(dir, "devices.deny", "a", "linux.resources.devices", err) < 0)
		return -1;
	for (size_t i = 0; i < r->ndevices; i++) {
		cleanup_free char *f = xasprintf("linux.resources.devices[%zu]", i);
		rule_text(&r->devices[i], line, sizeof(line));
		if (glass_cg_write(dir, r->devices[i].allow ? "devices.allow" : "devices.deny",
		                   line, f, err) < 0)
			return -1;
	}
	for (const struct glass_device_rule *d = glass_cg_default_rules; d->type; d++) {
		rule_text(d, line, sizeof(line));
		if (glass_cg_write(dir, "devices.allow", line, "linux.resources.devices", err) < 0)
			return -1;
	}
	return 0;
}

static int v1_is_frozen(const char *dir)
{
	cleanup_free char *s = glass_cg_read(dir, "freezer.state");
	if (s == NULL)
		return -1;
	return strncmp(s, "FROZEN", 6) == 0;
}

static int v1_freeze(const char *dir, bool frozen, struct glass_err **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	/* The kernel answers FREEZING until every task stopped; a task in an
	 * uninterruptible sleep can delay it, so write again while waiting,
	 * as runc does. */
	for (int i = 0; i < 1000; i++) {
		if (i % 50 == 0 && glass_cg_write(dir, "freezer.state", want,
		                                  frozen ? "pause" : "resume", err) < 0)
			return -1;
		cleanup_free char *s = glass_cg_read(dir, "freezer.state");
		if (s == NULL)
			return glass_err_new(err, errno, "read(\"%s/freezer.state\")", dir);
		if (strncmp(s, want, strlen(want)) == 0)
			return 0;
		struct timespec ts = {0, 1000L * 1000};
		nanosleep(&ts, NULL);
	}
	if (frozen) {
		struct glass_err *e2 = NULL;
		glass_cg_write(dir, "freezer.state", "THAWED", "pause", &e2);
		glass_err_free(&e2);
	}
	glass_err_new(err, ETIMEDOUT, "%s/freezer.state did not reach %s", dir, want);
	return glass_err_hint(err, "a task is stuck in an uninterruptible sleep (state D)");
}

const struct cg_backend glass_cg_v1 = {
    .name = "v1",
    .memory = v1_memory,
    .cpu = v1_cpu,
    .cpuset = glass_cg_apply_cpuset,
    .pids = glass_cg_apply_pids,
    .blkio = v1_blkio,
    .hugetlb = v1_hugetlb,
    .network = v1_network,
    .rdma = glass_cg_apply_rdma,
    .devices = v1_devices,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
};
