/* cgroup-stats: the container's usage, read from the kernel's accounting
 * files, in the shape of runc's `events --stats` "data" object.
 *
 * The kernel keeps these counters per cgroup as it charges memory pages,
 * CPU time and I/O to the cgroup a task belongs to.  v1 spreads them over
 * the hierarchies (cpuacct.usage in nanoseconds, cpu.stat's throttling,
 * memory.usage_in_bytes, memory.oom_control's oom_kill); v2 gathers them
 * into CONTROLLER.stat/.current/.events files with microsecond times.
 * The numbers are returned typed; the runtime's `events` verb renders them.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int hier(const struct glass_cgroup *cg, enum cg_ctrl c)
{
	int h = cg->lay->by_ctrl[c];
	return h >= 0 && cg->dir[h] ? h : -1;
}

static uint64_t rd(const char *dir, const char *file)
{
	uint64_t v = 0;
	if (glass_cg_read_u64(dir, file, &v) < 0 || v == UINT64_MAX)
		return 0;
	return v;
}

/* The next line of *cur (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **cur)
{
	char *l = *cur;
	if (l == NULL || *l == '\0')
		return NULL;
	char *nl = strchr(l, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = l + strlen(l);
	}
	return l;
}

/* A "key value" file as counters. */
static void keyed_counters(char *text, struct glass_cg_counter **out, size_t *n)
{
	size_t cap = 0;
	for (char *cur = text, *l; (l = next_line(&cur)) != NULL;) {
		const char *sp = strchr(l, ' ');
		if (sp == NULL)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[*n].key = strndup(l, (size_t)(sp - l));
		(*out)[(*n)++].value = strtoull(sp + 1, NULL, 10);
	}
}

/* PSI ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and "full ...")
 * of the container's cgroup2 directory.  Pressure is a core cgroup2
 * feature: it is there even on a hybrid host where no controller is bound
 * to the cgroup2 mount. */
static void read_psi(struct glass_cgroup *cg, const char *file, struct glass_cg_psi *psi)
{
	int v = cg->lay->v2;
	if (v < 0 || cg->dir[v] == NULL)
		return;
	cleanup_free char *txt = glass_cg_read(cg->dir[v], file);
	if (txt == NULL)
		return;
	psi->present = true;
	for (char *cur = txt, *l; (l = next_line(&cur)) != NULL;) {
		char kind[8];
		struct glass_cg_psi_line x = {true, 0, 0, 0, 0};
		unsigned long long total;
		if (sscanf(l, "%7s avg10=%lf avg60=%lf avg300=%lf total=%llu", kind, &x.avg10,
		           &x.avg60, &x.avg300, &total) != 5)
			continue;
		x.total = total;
		if (strcmp(kind, "some") == 0)
			psi->some = x;
		else if (strcmp(kind, "full") == 0)
			psi->full = x;
	}
}

/* Sets *has and *v when `key` is in the flat-keyed text. */
static void keyed(const char *text, const char *key, bool *has, uint64_t *v, uint64_t scale)
{
	uint64_t x;
	if (text && glass_cg_keyed(text, key, &x)) {
		*has = true;
		*v = x * scale;
	}
}

static void cpu_v2(const char *dir, struct glass_cgroup_stats *s)
{
	cleanup_free char *st = glass_cg_read(dir, "cpu.stat");
	keyed(st, "usage_usec", &s->cpu.has_total, &s->cpu.total, 1000);
	keyed(st, "system_usec", &s->cpu.has_kernel, &s->cpu.kernel, 1000);
	keyed(st, "user_usec", &s->cpu.has_user, &s->cpu.user, 1000);
	keyed(st, "nr_periods", &s->cpu.has_periods, &s->cpu.periods, 1);
	keyed(st, "nr_throttled", &s->cpu.has_throttled_periods, &s->cpu.throttled_periods, 1);
	keyed(st, "throttled_usec", &s->cpu.has_throttled_time, &s->cpu.throttled_time, 1000);
}

static void cpuacct_v1(const char *dir, struct glass_cgroup_stats *s)
{
	s->cpu.has_total = true;
	s->cpu.total = rd(dir, "cpuacct.usage");
	s->cpu.has_percpu = true;
	cleanup_free char *pc = glass_cg_read(dir, "cpuacct.usage_percpu");
	for (char *p = pc; p && *p;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		s->cpu.percpu = xrealloc(s->cpu.percpu, (s->cpu.npercpu + 1) * sizeof(uint64_t));
		s->cpu.percpu[s->cpu.npercpu++] = v;
		p = end;
	}
	/* cpuacct.stat counts USER_HZ (100 per second) ticks. */
	cleanup_free char *st = glass_cg_read(dir, "cpuacct.stat");
	keyed(st, "user", &s->cpu.has_user, &s->cpu.user, 10000000ULL);
	keyed(st, "system", &s->cpu.has_kernel, &s->cpu.kernel, 10000000ULL);
}

static void cpu_stats(struct glass_cgroup *cg, struct glass_cgroup_stats *s)
{
	int h = hier(cg, CG_CPU);
	int a = hier(cg, CG_CPUACCT);
	if (h >= 0 && cg->lay->h[h].v2) {
		cpu_v2(cg->dir[h], s);
	} else {
		if (a >= 0)
			cpuacct_v1(cg->dir[a], s);
		if (h >= 0) {
			cleanup_free char *st = glass_cg_read(cg->dir[h], "cpu.stat");
			keyed(st, "nr_periods", &s->cpu.has_periods, &s->cpu.periods, 1);
			keyed(st, "nr_throttled", &s->cpu.has_throttled_periods,
			      &s->cpu.throttled_periods, 1);
			keyed(st, "throttled_time", &s->cpu.has_throttled_time,
			      &s->cpu.throttled_time, 1);
		}
	}
	read_psi(cg, "cpu.pressure", &s->cpu.psi);
}

static struct glass_cg_mem_entry entry(uint64_t usage, uint64_t max, uint64_t limit,
                                       uint64_t failcnt)
{
	return (struct glass_cg_mem_entry){true, limit, usage, max, failcnt};
}

static uint64_t limit_or_max(const char *dir, const char *file)
{
	uint64_t v = 0;
	if (glass_cg_read_u64(dir, file, &v) < 0)
		return 0;
	return v; /* "max" reads as UINT64_MAX, as runc reports it */
}

/* v1 NAME.usage_in_bytes, NAME.max_usage_in_bytes, ... when the host has them. */
static struct glass_cg_mem_entry v1_entry(const char *d, const char *name)
{
	char u[64], m[64], l[64], f[64];
	snprintf(u, sizeof(u), "%s.usage_in_bytes", name);
	if (!glass_cg_has(d, u))
		return (struct glass_cg_mem_entry){0};
	snprintf(m, sizeof(m), "%s.max_usage_in_bytes", name);
	snprintf(l, sizeof(l), "%s.limit_in_bytes", name);
	snprintf(f, sizeof(f), "%s.failcnt", name);
	return entry(rd(d, u), rd(d, m), limit_or_max(d, l), rd(d, f));
}

static void memory_v2(const char *d, const char *raw, struct glass_cgroup_stats *s)
{
	uint64_t cur = rd(d, "memory.current"), lim = limit_or_max(d, "memory.max");
	uint64_t maxev = 0;
	cleanup_free char *ev = glass_cg_read(d, "memory.events");
	if (ev)
		glass_cg_keyed(ev, "max", &maxev);
	s->memory.usage = entry(cur, rd(d, "memory.peak"), lim, maxev);
	uint64_t sw = rd(d, "memory.swap.current"), swl = limit_or_max(d, "memory.swap.max");
	s->memory.swap =
	    entry(cur + sw, 0, swl == UINT64_MAX || lim == UINT64_MAX ? UINT64_MAX : swl + lim, 0);
	keyed(raw, "file", &s->memory.has_cache, &s->memory.cache, 1);
}

static void memory_v1(const char *d, const char *raw, struct glass_cgroup_stats *s)
{
	s->memory.usage = v1_entry(d, "memory");
	s->memory.swap = v1_entry(d, "memory.memsw");
	s->memory.kernel = v1_entry(d, "memory.kmem");
	s->memory.kernel_tcp = v1_entry(d, "memory.kmem.tcp");
	keyed(raw, "total_cache", &s->memory.has_cache, &s->memory.cache, 1);
	if (!s->memory.has_cache)
		keyed(raw, "cache", &s->memory.has_cache, &s->memory.cache, 1);
}

static void memory_stats(struct glass_cgroup *cg, struct glass_cgroup_stats *s)
{
	int h = hier(cg, CG_MEMORY);
	if (h < 0)
		return;
	s->memory.present = true;
	cleanup_free char *raw = glass_cg_read(cg->dir[h], "memory.stat");
	if (cg->lay->h[h].v2)
		memory_v2(cg->dir[h], raw, s);
	else
		memory_v1(cg->dir[h], raw, s);
	keyed_counters(raw, &s->memory.raw, &s->memory.nraw);
	read_psi(cg, "memory.pressure", &s->memory.psi);
	s->memory.has_oom_kill = glass_cgroup_oom_count(cg, &s->memory.oom_kill) == 0;
}

static void pids_stats(struct glass_cgroup *cg, struct glass_cgroup_stats *s)
{
	int h = hier(cg, CG_PIDS);
	if (h < 0)
		return;
	s->pids.present = true;
	s->pids.current = rd(cg->dir[h], "pids.current");
	s->pids.limit = rd(cg->dir[h], "pids.max");
}

static void io_add(struct glass_cg_io_entry **v, size_t *n, unsigned maj, unsigned min,
                   const char *op, uint64_t value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	struct glass_cg_io_entry *e = &(*v)[(*n)++];
	e->major = maj;
	e->minor = min;
	snprintf(e->op, sizeof(e->op), "%s", op);
	e->value = value;
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ...". */
static void io_v2(const char *dir, struct glass_cgroup_stats *s)
{
	cleanup_free char *st = glass_cg_read(dir, "io.stat");
	for (char *cur = st, *l; (l = next_line(&cur)) != NULL;) {
		unsigned maj, min;
		unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
		if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &maj, &min, &rb,
		           &wb, &ri, &wi) != 6)
			continue;
		io_add(&s->blkio.bytes, &s->blkio.nbytes, maj, min, "Read", rb);
		io_add(&s->blkio.ios, &s->blkio.nios, maj, min, "Read", ri);
		io_add(&s->blkio.bytes, &s->blkio.nbytes, maj, min, "Write", wb);
		io_add(&s->blkio.ios, &s->blkio.nios, maj, min, "Write", wi);
	}
}

/* v1: "MAJ:MIN Op N" lines of the recursive throttle counters. */
static void io_v1(const char *dir, const char *file, struct glass_cg_io_entry **v, size_t *n)
{
	cleanup_free char *st = glass_cg_read(dir, file);
	for (char *cur = st, *l; (l = next_line(&cur)) != NULL;) {
		unsigned maj, min;
		char op[16];
		unsigned long long value;
		if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &value) == 4)
			io_add(v, n, maj, min, op, value);
	}
}

static void blkio_stats(struct glass_cgroup *cg, struct glass_cgroup_stats *s)
{
	int h = hier(cg, CG_BLKIO);
	if (h < 0)
		return;
	s->blkio.present = true;
	if (cg->lay->h[h].v2) {
		io_v2(cg->dir[h], s);
	} else {
		io_v1(cg->dir[h], "blkio.throttle.io_service_bytes_recursive", &s->blkio.bytes,
		      &s->blkio.nbytes);
		io_v1(cg->dir[h], "blkio.throttle.io_serviced_recursive", &s->blkio.ios,
		      &s->blkio.nios);
	}
	read_psi(cg, "io.pressure", &s->blkio.psi);
}

int glass_cgroup_stats(struct glass_cgroup *cg, struct glass_cgroup_stats *out,
                       struct glass_err **err)
{
	(void)err;
	memset(out, 0, sizeof(*out));
	cpu_stats(cg, out);
	memory_stats(cg, out);
	pids_stats(cg, out);
	blkio_stats(cg, out);
	return 0;
}

void glass_cgroup_stats_clear(struct glass_cgroup_stats *s)
{
	free(s->cpu.percpu);
	for (size_t i = 0; i < s->memory.nraw; i++)
		free(s->memory.raw[i].key);
	free(s->memory.raw);
	free(s->blkio.bytes);
	free(s->blkio.ios);
	memset(s, 0, sizeof(*s));
}

int glass_cgroup_oom_count(struct glass_cgroup *cg, uint64_t *count)
{
	int h = hier(cg, CG_MEMORY);
	if (h < 0)
		return -1;
	cleanup_free char *s =
	    glass_cg_read(cg->dir[h], cg->lay->h[h].v2 ? "memory.events" : "memory.oom_control");
	if (s == NULL)
		return -1;
	*count = 0;
	return glass_cg_keyed(s, "oom_kill", count) ? 0 : -1;
}
