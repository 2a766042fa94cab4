/* cgroup-stats: the container's usage, read from the kernel's accounting
 * files, in the shape of runc's `events --stats` "data" object.
 *
 * The kernel keeps these counters per cgroup as it charges memory pages,
 * CPU time and I/O to the cgroup a task belongs to.  v1 spreads them over
 * the hierarchies (cpuacct.usage in nanoseconds, cpu.stat's throttling,
 * memory.usage_in_bytes, memory.oom_control's oom_kill); v2 gathers them
 * into CONTROLLER.stat/.current/.events files with microsecond times.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static int hier(const struct glass_cgroup *cg, enum cg_ctrl c)
{
	int h = cg->lay->by_ctrl[c];
	return h >= 0 && cg->dir[h] ? h : -1;
}

static void put_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static uint64_t rd(const char *dir, const char *file)
{
	uint64_t v = 0;
	if (glass_cg_read_u64(dir, file, &v) < 0 || v == UINT64_MAX)
		return 0;
	return v;
}

/* A "key value" file as an object of numbers. */
static struct json_object *keyed_object(const char *text)
{
	struct json_object *o = json_object_new_object();
	for (const char *l = text; l && *l;) {
		const char *sp = strchr(l, ' ');
		const char *nl = strchr(l, '\n');
		if (sp && (!nl || sp < nl)) {
			cleanup_free char *k = strndup(l, (size_t)(sp - l));
			put_u64(o, k, strtoull(sp + 1, NULL, 10));
		}
		l = nl ? nl + 1 : NULL;
	}
	return o;
}

/* PSI ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and "full ...")
 * of the container's cgroup2 directory, as runc's stats "psi" object.
 * Pressure is a core cgroup2 feature: it is there even on a hybrid host
 * where no controller is bound to the cgroup2 mount. */
static void add_psi(struct glass_cgroup *cg, struct json_object *to, const char *file)
{
	int v = cg->lay->v2;
	if (v < 0 || cg->dir[v] == NULL)
		return;
	cleanup_free char *txt = glass_cg_read(cg->dir[v], file);
	if (txt == NULL)
		return;
	struct json_object *psi = json_object_new_object();
	for (char *l = txt; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		char kind[8];
		double a10, a60, a300;
		unsigned long long total;
		if (sscanf(l, "%7s avg10=%lf avg60=%lf avg300=%lf total=%llu", kind, &a10, &a60,
		           &a300, &total) == 5) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "avg10", json_object_new_double(a10));
			json_object_object_add(o, "avg60", json_object_new_double(a60));
			json_object_object_add(o, "avg300", json_object_new_double(a300));
			put_u64(o, "total", total);
			json_object_object_add(psi, kind, o);
		}
		l = nl ? nl + 1 : NULL;
	}
	json_object_object_add(to, "psi", psi);
}

static void cpu_stats(struct glass_cgroup *cg, struct json_object *data)
{
	struct json_object *cpu = json_object_new_object();
	struct json_object *usage = json_object_new_object();
	struct json_object *thr = json_object_new_object();
	int h = hier(cg, CG_CPU);
	int a = hier(cg, CG_CPUACCT);
	if (h >= 0 && cg->lay->h[h].v2) {
		cleanup_free char *st = glass_cg_read(cg->dir[h], "cpu.stat");
		uint64_t v;
		if (st && glass_cg_keyed(st, "usage_usec", &v))
			put_u64(usage, "total", v * 1000);
		if (st && glass_cg_keyed(st, "system_usec", &v))
			put_u64(usage, "kernel", v * 1000);
		if (st && glass_cg_keyed(st, "user_usec", &v))
			put_u64(usage, "user", v * 1000);
		if (st && glass_cg_keyed(st, "nr_periods", &v))
			put_u64(thr, "periods", v);
		if (st && glass_cg_keyed(st, "nr_throttled", &v))
			put_u64(thr, "throttledPeriods", v);
		if (st && glass_cg_keyed(st, "throttled_usec", &v))
			put_u64(thr, "throttledTime", v * 1000);
	} else {
		if (a >= 0) {
			put_u64(usage, "total", rd(cg->dir[a], "cpuacct.usage"));
			cleanup_free char *pc = glass_cg_read(cg->dir[a], "cpuacct.usage_percpu");
			struct json_object *arr = json_object_new_array();
			for (char *p = pc; p && *p;) {
				char *end;
				unsigned long long v = strtoull(p, &end, 10);
				if (end == p)
					break;
				json_object_array_add(arr, json_object_new_uint64(v));
				p = end;
			}
			json_object_object_add(usage, "percpu", arr);
			/* cpuacct.stat counts USER_HZ (100 per second) ticks. */
			cleanup_free char *st = glass_cg_read(cg->dir[a], "cpuacct.stat");
			uint64_t v;
			if (st && glass_cg_keyed(st, "user", &v))
				put_u64(usage, "user", v * 10000000ULL);
			if (st && glass_cg_keyed(st, "system", &v))
				put_u64(usage, "kernel", v * 10000000ULL);
		}
		if (h >= 0) {
			cleanup_free char *st = glass_cg_read(cg->dir[h], "cpu.stat");
			uint64_t v;
			if (st && glass_cg_keyed(st, "nr_periods", &v))
				put_u64(thr, "periods", v);
			if (st && glass_cg_keyed(st, "nr_throttled", &v))
				put_u64(thr, "throttledPeriods", v);
			if (st && glass_cg_keyed(st, "throttled_time", &v))
				put_u64(thr, "throttledTime", v);
		}
	}
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	add_psi(cg, cpu, "cpu.pressure");
	json_object_object_add(data, "cpu", cpu);
}

static struct json_object *entry(uint64_t usage, uint64_t max, uint64_t limit, uint64_t failcnt)
{
	struct json_object *e = json_object_new_object();
	put_u64(e, "limit", limit);
	put_u64(e, "usage", usage);
	put_u64(e, "max", max);
	put_u64(e, "failcnt", failcnt);
	return e;
}

static uint64_t limit_or_max(const char *dir, const char *file)
{
	uint64_t v = 0;
	if (glass_cg_read_u64(dir, file, &v) < 0)
		return 0;
	return v; /* "max" reads as UINT64_MAX, as runc reports it */
}

static void memory_stats(struct glass_cgroup *cg, struct json_object *data)
{
	int h = hier(cg, CG_MEMORY);
	if (h < 0)
		return;
	const char *d = cg->dir[h];
	struct json_object *mem = json_object_new_object();
	cleanup_free char *raw = glass_cg_read(d, "memory.stat");
	struct json_object *rawo = keyed_object(raw);
	uint64_t v = 0;
	if (cg->lay->h[h].v2) {
		uint64_t cur = rd(d, "memory.current"), lim = limit_or_max(d, "memory.max");
		uint64_t peak = rd(d, "memory.peak");
		cleanup_free char *ev = glass_cg_read(d, "memory.events");
		uint64_t maxev = 0;
		if (ev)
			glass_cg_keyed(ev, "max", &maxev);
		json_object_object_add(mem, "usage", entry(cur, peak, lim, maxev));
		uint64_t sw = rd(d, "memory.swap.current"),
		         swl = limit_or_max(d, "memory.swap.max");
		json_object_object_add(
		    mem, "swap",
		    entry(cur + sw, 0,
		          swl == UINT64_MAX || lim == UINT64_MAX ? UINT64_MAX : swl + lim, 0));
		if (raw && glass_cg_keyed(raw, "file", &v))
			put_u64(mem, "cache", v);
	} else {
		json_object_object_add(
		    mem, "usage",
		    entry(rd(d, "memory.usage_in_bytes"), rd(d, "memory.max_usage_in_bytes"),
		          limit_or_max(d, "memory.limit_in_bytes"), rd(d, "memory.failcnt")));
		if (glass_cg_has(d, "memory.memsw.usage_in_bytes"))
			json_object_object_add(mem, "swap",
			                       entry(rd(d, "memory.memsw.usage_in_bytes"),
			                             rd(d, "memory.memsw.max_usage_in_bytes"),
			                             limit_or_max(d, "memory.memsw.limit_in_bytes"),
			                             rd(d, "memory.memsw.failcnt")));
		if (glass_cg_has(d, "memory.kmem.usage_in_bytes"))
			json_object_object_add(mem, "kernel",
			                       entry(rd(d, "memory.kmem.usage_in_bytes"),
			                             rd(d, "memory.kmem.max_usage_in_bytes"),
			                             limit_or_max(d, "memory.kmem.limit_in_bytes"),
			                             rd(d, "memory.kmem.failcnt")));
		if (glass_cg_has(d, "memory.kmem.tcp.usage_in_bytes"))
			json_object_object_add(
			    mem, "kernelTCP",
			    entry(rd(d, "memory.kmem.tcp.usage_in_bytes"),
			          rd(d, "memory.kmem.tcp.max_usage_in_bytes"),
			          limit_or_max(d, "memory.kmem.tcp.limit_in_bytes"),
			          rd(d, "memory.kmem.tcp.failcnt")));
		if (raw &&
		    (glass_cg_keyed(raw, "total_cache", &v) || glass_cg_keyed(raw, "cache", &v)))
			put_u64(mem, "cache", v);
	}
	json_object_object_add(mem, "raw", rawo);
	add_psi(cg, mem, "memory.pressure");
	uint64_t ooms = 0;
	if (glass_cgroup_oom_count(cg, &ooms) == 0)
		put_u64(mem, "oom_kill", ooms);
	json_object_object_add(data, "memory", mem);
}

static void pids_stats(struct glass_cgroup *cg, struct json_object *data)
{
	int h = hier(cg, CG_PIDS);
	if (h < 0)
		return;
	struct json_object *p = json_object_new_object();
	put_u64(p, "current", rd(cg->dir[h], "pids.current"));
	put_u64(p, "limit", rd(cg->dir[h], "pids.max"));
	json_object_object_add(data, "pids", p);
}

static void blkio_stats(struct glass_cgroup *cg, struct json_object *data)
{
	int h = hier(cg, CG_BLKIO);
	if (h < 0)
		return;
	struct json_object *b = json_object_new_object();
	struct json_object *bytes = json_object_new_array(), *ios = json_object_new_array();
	if (cg->lay->h[h].v2) {
		cleanup_free char *st = glass_cg_read(cg->dir[h], "io.stat");
		for (char *l = st; l && *l;) {
			char *nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			unsigned maj, min;
			unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
			if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &maj,
			           &min, &rb, &wb, &ri, &wi) == 6) {
				static const char *const op[] = {"Read", "Write"};
				unsigned long long bv[] = {rb, wb}, iv[] = {ri, wi};
				for (int k = 0; k < 2; k++) {
					struct json_object *e = json_object_new_object(),
					                   *e2 = json_object_new_object();
					put_u64(e, "major", maj);
					put_u64(e, "minor", min);
					json_object_object_add(e, "op",
					                       json_object_new_string(op[k]));
					put_u64(e, "value", bv[k]);
					json_object_array_add(bytes, e);
					put_u64(e2, "major", maj);
					put_u64(e2, "minor", min);
					json_object_object_add(e2, "op",
					                       json_object_new_string(op[k]));
					put_u64(e2, "value", iv[k]);
					json_object_array_add(ios, e2);
				}
			}
			l = nl ? nl + 1 : NULL;
		}
	} else {
		static const char *const files[] = {"blkio.throttle.io_service_bytes_recursive",
		                                    "blkio.throttle.io_serviced_recursive"};
		for (int f = 0; f < 2; f++) {
			cleanup_free char *st = glass_cg_read(cg->dir[h], files[f]);
			for (char *l = st; l && *l;) {
				char *nl = strchr(l, '\n');
				if (nl)
					*nl = '\0';
				unsigned maj, min;
				char op[16];
				unsigned long long v;
				if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) == 4) {
					struct json_object *e = json_object_new_object();
					put_u64(e, "major", maj);
					put_u64(e, "minor", min);
					json_object_object_add(e, "op", json_object_new_string(op));
					put_u64(e, "value", v);
					json_object_array_add(f == 0 ? bytes : ios, e);
				}
				l = nl ? nl + 1 : NULL;
			}
		}
	}
	json_object_object_add(b, "ioServiceBytesRecursive", bytes);
	json_object_object_add(b, "ioServicedRecursive", ios);
	add_psi(cg, b, "io.pressure");
	json_object_object_add(data, "blkio", b);
}

int glass_cg_stats_fill(struct glass_cgroup *cg, struct json_object *data, struct glass_err **err)
{
	(void)err;
	cpu_stats(cg, data);
	memory_stats(cg, data);
	pids_stats(cg, data);
	blkio_stats(cg, data);
	return 0;
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
