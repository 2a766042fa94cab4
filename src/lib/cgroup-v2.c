/* cgroup-v2: the backend for controllers bound to the unified hierarchy.
 *
 * cgroup v2 has one tree and one naming scheme: a limit is CONTROLLER.KNOB
 * (memory.max, cpu.max "QUOTA PERIOD", io.max "MAJ:MIN rbps=N", pids.max),
 * "max" means no limit, and a controller's files appear in a cgroup only
 * when the parent enabled it in cgroup.subtree_control.  Some v1 values
 * are converted as the runtime spec (and runc) define: cpu shares become
 * cpu.weight, blkio weights io.weight, and memory.swap (memory plus swap
 * in v1) becomes memory.swap.max = swap - limit.  There is no device
 * controller: access to device nodes is decided by a BPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup, which the kernel runs
 * on every open/mknod of a device node; this file compiles the device
 * rules into such a program.  Freezing is the core file cgroup.freeze,
 * with completion reported in cgroup.events.
 */
#include "cgroup-internal.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#define F_MEM "linux.resources.memory"
#define F_CPU "linux.resources.cpu"
#define F_BLK "linux.resources.blockIO"

static int unsupported(struct glass_err **err, const char *field, const char *why)
{
	glass_err_field(err, ENOTSUP, field, "%s is not available with cgroup v2", field);
	return glass_err_hint(err, "%s", why);
}

static void limit_text(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%lld", (long long)v);
}

static int v2_memory(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                     struct glass_err **err)
{
	const __typeof__(r->memory) *m = &r->memory;
	char buf[32];
	if (m->has_limit && cg->update && m->has_check_before_update && m->check_before_update &&
	    m->limit > 0) {
		uint64_t cur;
		if (glass_cg_read_u64(dir, "memory.current", &cur) == 0 &&
		    cur > (uint64_t)m->limit) {
			glass_err_field(err, EBUSY, F_MEM ".limit",
			                "new limit %lld is below the current usage %llu",
			                (long long)m->limit, (unsigned long long)cur);
			return glass_err_hint(err, "checkBeforeUpdate is set: free memory first or "
			                           "choose a higher limit");
		}
	}
	if (m->has_swap) {
		/* v1's swap is memory+swap; v2's memory.swap.max is swap alone. */
		int64_t v;
		if (m->swap == -1)
			v = -1;
		else if (!m->has_limit || m->limit <= 0)
			return glass_err_field(
			    err, EINVAL, F_MEM ".swap",
			    "memory.swap needs a positive memory.limit with cgroup v2");
		else if (m->swap < m->limit)
			return glass_err_field(err, EINVAL, F_MEM ".swap",
			                       "memory.swap %lld is below memory.limit %lld (it "
			                       "counts memory plus swap)",
			                       (long long)m->swap, (long long)m->limit);
		else
			v = m->swap - m->limit;
		if (!glass_cg_has(dir, "memory.swap.max")) {
			if (v != -1)
				return unsupported(err, F_MEM ".swap",
				                   "no memory.swap.max: swap accounting is off in "
				                   "this kernel");
		} else {
			limit_text(v, buf, sizeof(buf));
			/* Lower swap first so the pair is never above the old total. */
			if (glass_cg_write(dir, "memory.swap.max", buf, F_MEM ".swap", err) < 0)
				return -1;
		}
	}
	if (m->has_limit) {
		limit_text(m->limit, buf, sizeof(buf));
		if (glass_cg_write(dir, "memory.max", buf, F_MEM ".limit", err) < 0)
			return -1;
	}
	if (m->has_reservation) {
		limit_text(m->reservation, buf, sizeof(buf));
		if (glass_cg_write(dir, "memory.low", buf, F_MEM ".reservation", err) < 0)
			return -1;
	}
	if (m->has_kernel)
		glass_trace_note("ignored", F_MEM ".kernel",
		                 "kernel memory limit %lld not applied: cgroup v2 accounts kernel "
		                 "memory in memory.max and has no separate limit",
		                 (long long)m->kernel);
	if (m->has_kernel_tcp && m->kernel_tcp != -1)
		return unsupported(err, F_MEM ".kernelTCP",
		                   "cgroup v2 counts TCP buffers in memory.max; remove kernelTCP");
	if (m->has_swappiness)
		return unsupported(err, F_MEM ".swappiness",
		                   "cgroup v2 has no per-cgroup swappiness; remove the field");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		return unsupported(err, F_MEM ".disableOOMKiller",
		                   "cgroup v2 cannot disable the OOM killer for a cgroup");
	if (m->has_use_hierarchy && !m->use_hierarchy)
		return unsupported(err, F_MEM ".useHierarchy",
		                   "cgroup v2 is always hierarchical; remove useHierarchy=false");
	return 0;
}

static int v2_cpu(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                  struct glass_err **err)
{
	(void)cg;
	const __typeof__(r->cpu) *c = &r->cpu;
	if (c->has_shares && c->shares &&
	    glass_cg_writef(dir, "cpu.weight", F_CPU ".shares", err, "%llu",
	                    (unsigned long long)glass_cg_shares_to_weight(c->shares)) < 0)
		return -1;
	if (c->has_quota || c->has_period) {
		char quota[32] = "max";
		unsigned long long period = 100000;
		cleanup_free char *cur = glass_cg_read(dir, "cpu.max");
		if (cur) {
			sscanf(cur, "%31s %llu", quota, &period);
		}
		if (c->has_quota)
			limit_text(c->quota <= 0 ? -1 : c->quota, quota, sizeof(quota));
		if (c->has_period)
			period = c->period;
		if (glass_cg_writef(dir, "cpu.max", c->has_quota ? F_CPU ".quota" : F_CPU ".period",
		                    err, "%s %llu", quota, period) < 0)
			return -1;
	}
	if (c->has_burst && glass_cg_writef(dir, "cpu.max.burst", F_CPU ".burst", err, "%llu",
	                                    (unsigned long long)c->burst) < 0)
		return -1;
	if (c->has_realtime_period || c->has_realtime_runtime)
		return unsupported(err,
		                   c->has_realtime_runtime ? F_CPU ".realtimeRuntime"
		                                           : F_CPU ".realtimePeriod",
		                   "the cgroup v2 cpu controller has no realtime bandwidth "
		                   "(RT_GROUP_SCHED is v1 only)");
	if (c->has_idle &&
	    glass_cg_writef(dir, "cpu.idle", F_CPU ".idle", err, "%lld", (long long)c->idle) < 0)
		return -1;
	return 0;
}

static int io_max(const char *dir, const char *key, const char *field,
                  const struct glass_throttle_device *t, size_t n, struct glass_err **err)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *f = xasprintf("%s[%zu]", field, i);
		char v[32];
		if (t[i].rate == 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%llu", (unsigned long long)t[i].rate);
		if (glass_cg_writef(dir, "io.max", f, err, "%lld:%lld %s=%s", (long long)t[i].major,
		                    (long long)t[i].minor, key, v) < 0)
			return -1;
	}
	return 0;
}

static int v2_blkio(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                    struct glass_err **err)
{
	(void)cg;
	const __typeof__(r->block_io) *b = &r->block_io;
	if (b->has_weight || b->nweight_device) {
		/* BFQ takes blkio's 1..1000 scale as is; io.weight is 1..10000. */
		bool bfq = glass_cg_has(dir, "io.bfq.weight");
		const char *wf = bfq ? "io.bfq.weight" : "io.weight";
		if (!bfq && !glass_cg_has(dir, "io.weight"))
			return unsupported(err,
			                   b->has_weight ? F_BLK ".weight" : F_BLK ".weightDevice",
			                   "no io.weight or io.bfq.weight: use the BFQ scheduler "
			                   "or enable io cost (io.cost.qos) on the device");
		if (bfq && !glass_cg_bfq_in_use())
			glass_trace_note(
			    "warning", F_BLK ".weight",
			    "io.bfq.weight accepts the weight, but no block device uses "
			    "the BFQ scheduler, so it is not enforced until one does");
		if (b->has_weight &&
		    glass_cg_writef(
		        dir, wf, F_BLK ".weight", err, "default %llu",
		        bfq ? (unsigned long long)b->weight
		            : (unsigned long long)glass_cg_blkio_to_io_weight(b->weight)) < 0)
			return -1;
		for (size_t i = 0; i < b->nweight_device; i++) {
			const struct glass_weight_device *w = &b->weight_device[i];
			cleanup_free char *f = xasprintf(F_BLK ".weightDevice[%zu]", i);
			if (w->has_leaf_weight)
				return unsupported(err, f,
				                   "leafWeight was a CFQ feature of cgroup v1");
			if (w->has_weight &&
			    glass_cg_writef(dir, wf, f, err, "%lld:%lld %llu", (long long)w->major,
			                    (long long)w->minor,
			                    bfq ? (unsigned long long)w->weight
			                        : (unsigned long long)glass_cg_blkio_to_io_weight(
			                              w->weight)) < 0)
				return -1;
		}
	}
	if (b->has_leaf_weight)
		return unsupported(err, F_BLK ".leafWeight",
		                   "leafWeight was a CFQ feature of cgroup v1");
	if (io_max(dir, "rbps", F_BLK ".throttleReadBpsDevice", b->throttle_read_bps,
	           b->nthrottle_read_bps, err) < 0 ||
	    io_max(dir, "wbps", F_BLK ".throttleWriteBpsDevice", b->throttle_write_bps,
	           b->nthrottle_write_bps, err) < 0 ||
	    io_max(dir, "riops", F_BLK ".throttleReadIOPSDevice", b->throttle_read_iops,
	           b->nthrottle_read_iops, err) < 0 ||
	    io_max(dir, "wiops", F_BLK ".throttleWriteIOPSDevice", b->throttle_write_iops,
	           b->nthrottle_write_iops, err) < 0)
		return -1;
	return 0;
}

static int v2_hugetlb(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                      struct glass_err **err)
{
	(void)cg;
	return glass_cg_write_hugetlb(dir, r, "max", err);
}

/* ---- the BPF device filter ---- */

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

struct prog {
	struct bpf_insn *insn;
	size_t n, cap;
};

static void emit(struct prog *p, struct bpf_insn in)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->insn = xrealloc(p->insn, p->cap * sizeof(*p->insn));
	}
	p->insn[p->n++] = in;
}

static unsigned access_mask(const char *a)
{
	unsigned m = 0;
	if (a == NULL || *a == '\0')
		return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
	for (; *a; a++)
		m |= *a == 'm'   ? BPF_DEVCG_ACC_MKNOD
		     : *a == 'r' ? BPF_DEVCG_ACC_READ
		     : *a == 'w' ? BPF_DEVCG_ACC_WRITE
		                 : 0;
	return m;
}

static bool is_reset(const struct glass_device_rule *d)
{
	return (d->type == 0 || d->type == 'a') && d->major < 0 && d->minor < 0 &&
	       access_mask(d->access) == 7;
}

/* One block: "if the request matches, return allow", else fall through.
 * Registers: r2 = device type, r3 = requested access, r4 = major, r5 = minor. */
static void emit_rule(struct prog *p, const struct glass_device_rule *d)
{
	struct bpf_insn blk[8];
	size_t n = 0;
	char t = d->type ? d->type : 'a';
	if (t == 'c' || t == 'b')
		blk[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
		                t == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	unsigned acc = access_mask(d->access);
	if (acc != 7) {
		blk[n++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		blk[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int)(~acc & 7));
		blk[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, 0);
	}
	if (d->major >= 0)
		blk[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int)d->major);
	if (d->minor >= 0)
		blk[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int)d->minor);
	blk[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
	blk[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* Every conditional jump skips to the end of the block. */
	for (size_t i = 0; i < n; i++)
		if (blk[i].code == (BPF_JMP | BPF_JNE | BPF_K))
			blk[i].off = (short)(n - 1 - i);
	for (size_t i = 0; i < n; i++)
		emit(p, blk[i]);
}

/* Compiles the effective rule list (the config's rules, then the default
 * devices, as runc appends them) with v1's semantics: everything is
 * denied until a rule allows it, a rule "a *:* rwm" resets the default,
 * later rules win.  linux.devices get no rule of their own (see
 * cgroup-v1.c). */
static void compile(const struct glass_resources *r, const struct glass_spec *spec, struct prog *p,
                    size_t *nrules)
{
	size_t n = 0, cap = r->ndevices;
	for (const struct glass_device_rule *d = glass_cg_default_rules; d->type; d++)
		cap++;
	cleanup_free struct glass_device_rule *all = xcalloc(cap, sizeof(*all));
	for (size_t i = 0; i < r->ndevices; i++)
		all[n++] = r->devices[i];
	if (spec)
		for (const struct glass_device_rule *d = glass_cg_default_rules; d->type; d++)
			all[n++] = *d;
	bool dflt = false;
	size_t first = 0;
	for (size_t i = 0; i < n; i++)
		if (is_reset(&all[i])) {
			dflt = all[i].allow;
			first = i + 1;
		}
	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
	emit(p, INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF));
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0));
	emit(p, INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));
	*nrules = 0;
	for (size_t i = n; i > first; i--) {
		if (is_reset(&all[i - 1]))
			continue;
		emit_rule(p, &all[i - 1]);
		(*nrules)++;
	}
	emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, dflt ? 1 : 0));
	emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int glass_cg_v2_devices_attach(const char *dir, const struct glass_resources *r,
                               const struct glass_spec *spec, struct glass_err **err)
{
	const char *field = "linux.resources.devices";
	struct prog p = {0};
	size_t nrules;
	compile(r, spec, &p, &nrules);
	cleanup_free struct bpf_insn *insn = p.insn;
	static char log[8192];
	union bpf_attr load;
	memset(&load, 0, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)insn;
	load.insn_cnt = (uint32_t)p.n;
	load.license = (uint64_t)(uintptr_t) "Apache";
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = sizeof(log);
	load.log_level = 1;
	snprintf(load.prog_name, sizeof(load.prog_name), "glass_devices");
	log[0] = '\0';
	cleanup_close int prog = (int)GLASS_SYS(
	    err, "bpf", field, sys_bpf(BPF_PROG_LOAD, &load),
	    "BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=%zu (%zu rules), "
	    "license=\"Apache\"}",
	    p.n, nrules);
	if (prog < 0) {
		if (errno == EPERM)
			return glass_err_hint(err, "loading BPF programs needs CAP_BPF or "
			                           "CAP_SYS_ADMIN");
		return glass_err_hint(err, "verifier: %.300s", log);
	}
	cleanup_close int cgfd = glass_sys_openat(
	    AT_FDCWD, "AT_FDCWD", dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, field, err);
	if (cgfd < 0)
		return -1;
	/* Programs attached before (an update): remember them, detach after. */
	uint32_t old_ids[64];
	union bpf_attr q;
	memset(&q, 0, sizeof(q));
	q.query.target_fd = (uint32_t)cgfd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)old_ids;
	q.query.prog_cnt = 64;
	if (GLASS_SYS(NULL, "bpf", field, sys_bpf(BPF_PROG_QUERY, &q),
	              "BPF_PROG_QUERY, {target_fd=\"%s\", attach_type=BPF_CGROUP_DEVICE}", dir) < 0)
		q.query.prog_cnt = 0;
	union bpf_attr at;
	memset(&at, 0, sizeof(at));
	at.target_fd = (uint32_t)cgfd;
	at.attach_bpf_fd = (uint32_t)prog;
	at.attach_type = BPF_CGROUP_DEVICE;
	at.attach_flags = BPF_F_ALLOW_MULTI;
	if (GLASS_SYS(err, "bpf", field, sys_bpf(BPF_PROG_ATTACH, &at),
	              "BPF_PROG_ATTACH, {target_fd=\"%s\", attach_type=BPF_CGROUP_DEVICE, "
	              "attach_flags=BPF_F_ALLOW_MULTI}",
	              dir) < 0)
		return -1;
	for (uint32_t i = 0; i < q.query.prog_cnt && i < 64; i++) {
		union bpf_attr g;
		memset(&g, 0, sizeof(g));
		g.prog_id = old_ids[i];
		cleanup_close int ofd =
		    (int)GLASS_SYS(NULL, "bpf", field, sys_bpf(BPF_PROG_GET_FD_BY_ID, &g),
		                   "BPF_PROG_GET_FD_BY_ID, {prog_id=%u}", old_ids[i]);
		if (ofd < 0)
			continue;
		union bpf_attr d;
		memset(&d, 0, sizeof(d));
		d.target_fd = (uint32_t)cgfd;
		d.attach_bpf_fd = (uint32_t)ofd;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (GLASS_SYS(err, "bpf", field, sys_bpf(BPF_PROG_DETACH, &d),
		              "BPF_PROG_DETACH, {target_fd=\"%s\", prog_id=%u}", dir,
		              old_ids[i]) < 0)
			return -1;
	}
	return 0;
}

static int v2_devices(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                      const struct glass_spec *spec, struct glass_err **err)
{
	(void)cg;
	return glass_cg_v2_devices_attach(dir, r, spec, err);
}

static int v2_is_frozen(const char *dir)
{
	cleanup_free char *ev = glass_cg_read(dir, "cgroup.events");
	uint64_t v;
	if (ev == NULL || !glass_cg_keyed(ev, "frozen", &v))
		return -1;
	return v == 1;
}

static int v2_freeze(const char *dir, bool frozen, struct glass_err **err)
{
	if (glass_cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", frozen ? "pause" : "resume",
	                   err) < 0)
		return -1;
	for (int i = 0; i < 5000; i++) {
		int st = v2_is_frozen(dir);
		if (st < 0)
			return glass_err_new(err, errno ? errno : EIO, "read(\"%s/cgroup.events\")",
			                     dir);
		if (st == (frozen ? 1 : 0))
			return 0;
		struct timespec ts = {0, 1000L * 1000};
		nanosleep(&ts, NULL);
	}
	return glass_err_new(err, ETIMEDOUT, "%s/cgroup.events did not report frozen %d", dir,
	                     frozen ? 1 : 0);
}

const struct cg_backend glass_cg_v2 = {
    .name = "v2",
    .memory = v2_memory,
    .cpu = v2_cpu,
    .cpuset = glass_cg_apply_cpuset,
    .pids = glass_cg_apply_pids,
    .blkio = v2_blkio,
    .hugetlb = v2_hugetlb,
    .network = NULL,
    .rdma = glass_cg_apply_rdma,
    .devices = v2_devices,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
};
