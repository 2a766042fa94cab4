/* glass-runtime events: a container's statistics and OOM events as JSON
 * lines, like runc: `--stats` prints one {"type":"stats"} object; without
 * it the command streams a stats object every --interval and an
 * {"type":"oom"} object as soon as the kernel's OOM killer kills a process
 * of the container (its oom_kill counter grows), until the container
 * stops. */
#include "cgroup-verbs.h"
#include "util.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "5s", "500ms", "1m", "2" (seconds) -> milliseconds; -1 when invalid. */
static long parse_interval(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return (long)(v * 1000);
	if (strcmp(end, "ms") == 0)
		return (long)v;
	if (strcmp(end, "m") == 0)
		return (long)(v * 60000);
	return -1;
}

static void put_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void put_psi(struct json_object *to, const struct glass_cg_psi *psi)
{
	const struct glass_cg_psi_line *lines[] = {&psi->some, &psi->full};
	static const char *const kinds[] = {"some", "full"};
	if (!psi->present)
		return;
	struct json_object *o = json_object_new_object();
	for (int i = 0; i < 2; i++) {
		if (!lines[i]->present)
			continue;
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "avg10", json_object_new_double(lines[i]->avg10));
		json_object_object_add(l, "avg60", json_object_new_double(lines[i]->avg60));
		json_object_object_add(l, "avg300", json_object_new_double(lines[i]->avg300));
		put_u64(l, "total", lines[i]->total);
		json_object_object_add(o, kinds[i], l);
	}
	json_object_object_add(to, "psi", o);
}

static struct json_object *cpu_json(const struct glass_cgroup_stats *s)
{
	struct json_object *cpu = json_object_new_object();
	struct json_object *usage = json_object_new_object();
	struct json_object *thr = json_object_new_object();
	if (s->cpu.has_total)
		put_u64(usage, "total", s->cpu.total);
	if (s->cpu.has_percpu) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < s->cpu.npercpu; i++)
			json_object_array_add(arr, json_object_new_uint64(s->cpu.percpu[i]));
		json_object_object_add(usage, "percpu", arr);
	}
	if (s->cpu.has_kernel)
		put_u64(usage, "kernel", s->cpu.kernel);
	if (s->cpu.has_user)
		put_u64(usage, "user", s->cpu.user);
	if (s->cpu.has_periods)
		put_u64(thr, "periods", s->cpu.periods);
	if (s->cpu.has_throttled_periods)
		put_u64(thr, "throttledPeriods", s->cpu.throttled_periods);
	if (s->cpu.has_throttled_time)
		put_u64(thr, "throttledTime", s->cpu.throttled_time);
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	put_psi(cpu, &s->cpu.psi);
	return cpu;
}

static void put_entry(struct json_object *to, const char *key, const struct glass_cg_mem_entry *e)
{
	if (!e->present)
		return;
	struct json_object *o = json_object_new_object();
	put_u64(o, "limit", e->limit);
	put_u64(o, "usage", e->usage);
	put_u64(o, "max", e->max);
	put_u64(o, "failcnt", e->failcnt);
	json_object_object_add(to, key, o);
}

static struct json_object *memory_json(const struct glass_cgroup_stats *s)
{
	struct json_object *mem = json_object_new_object();
	struct json_object *raw = json_object_new_object();
	put_entry(mem, "usage", &s->memory.usage);
	put_entry(mem, "swap", &s->memory.swap);
	put_entry(mem, "kernel", &s->memory.kernel);
	put_entry(mem, "kernelTCP", &s->memory.kernel_tcp);
	if (s->memory.has_cache)
		put_u64(mem, "cache", s->memory.cache);
	for (size_t i = 0; i < s->memory.nraw; i++)
		put_u64(raw, s->memory.raw[i].key, s->memory.raw[i].value);
	json_object_object_add(mem, "raw", raw);
	put_psi(mem, &s->memory.psi);
	if (s->memory.has_oom_kill)
		put_u64(mem, "oom_kill", s->memory.oom_kill);
	return mem;
}

static struct json_object *io_json(const struct glass_cg_io_entry *v, size_t n)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		put_u64(e, "major", v[i].major);
		put_u64(e, "minor", v[i].minor);
		json_object_object_add(e, "op", json_object_new_string(v[i].op));
		put_u64(e, "value", v[i].value);
		json_object_array_add(arr, e);
	}
	return arr;
}

/* The statistics as runc's `events --stats` "data" object. */
static struct json_object *stats_json(const struct glass_cgroup_stats *s)
{
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "cpu", cpu_json(s));
	if (s->memory.present)
		json_object_object_add(data, "memory", memory_json(s));
	if (s->pids.present) {
		struct json_object *p = json_object_new_object();
		put_u64(p, "current", s->pids.current);
		put_u64(p, "limit", s->pids.limit);
		json_object_object_add(data, "pids", p);
	}
	if (s->blkio.present) {
		struct json_object *b = json_object_new_object();
		json_object_object_add(b, "ioServiceBytesRecursive",
		                       io_json(s->blkio.bytes, s->blkio.nbytes));
		json_object_object_add(b, "ioServicedRecursive",
		                       io_json(s->blkio.ios, s->blkio.nios));
		put_psi(b, &s->blkio.psi);
		json_object_object_add(data, "blkio", b);
	}
	return data;
}

/* Prints {"type":TYPE,"id":ID[,"data":DATA]} (takes DATA's reference). */
static void print_event(const char *type, const char *id, struct json_object *data)
{
	cleanup_json struct json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (data)
		json_object_object_add(o, "data", data);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
}

/* Reads the statistics and prints them as one stats event. */
static int print_stats(struct glass_cgroup *cg, const char *id, struct glass_err **err)
{
	struct glass_cgroup_stats s;
	if (glass_cgroup_stats(cg, &s, err) < 0)
		return -1;
	print_event("stats", id, stats_json(&s));
	glass_cgroup_stats_clear(&s);
	return 0;
}

int cmd_events(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"stats", no_argument, NULL, 's'},
	                                      {"interval", required_argument, NULL, 'i'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	bool stats_once = false;
	long interval = 5000;
	int c;
	while ((c = getopt_long(argc, argv, "si:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			stats_once = true;
			break;
		case 'i':
			interval = parse_interval(optarg);
			if (interval <= 0)
				return runtime_usage(ctx, "events", "invalid --interval \"%s\"",
				                     optarg);
			break;
		case 'h':
			printf(
			    "usage: glass-runtime events [--stats] [--interval 5s] ID\n\n"
			    "Prints the container's statistics (cpu usage and throttling, memory "
			    "usage\nand OOM kills, pids, block I/O) as JSON: once with --stats, or "
			    "as a stream\nof stats events every interval plus an \"oom\" event "
			    "whenever the kernel's\nOOM killer kills one of its processes.\n");
			return 0;
		default:
			return runtime_usage(ctx, "events", "unknown flag");
		}
	}
	if (optind != argc - 1)
		return runtime_usage(ctx, "events", "want exactly one container ID");
	const char *id = argv[optind];
	struct glass_state *st;
	struct glass_cgroup *cg;
	enum glass_status s;
	if (cgverb_open(ctx, id, &st, &s, &cg, &err) < 0)
		return runtime_fail(ctx, &err);
	int rc = 0;
	if (s == GLASS_STATUS_STOPPED && !stats_once) {
		glass_err_new(&err, 0, "container not running");
		rc = -1;
	} else if (stats_once) {
		rc = print_stats(cg, id, &err);
	} else {
		uint64_t ooms = 0, now = 0;
		glass_cgroup_oom_count(cg, &ooms);
		long waited = interval;
		for (;;) {
			if (waited >= interval) {
				print_stats(cg, id, NULL);
				waited = 0;
			}
			struct timespec ts = {0, 100L * 1000 * 1000};
			nanosleep(&ts, NULL);
			waited += 100;
			if (glass_cgroup_oom_count(cg, &now) == 0 && now > ooms) {
				for (; ooms < now; ooms++)
					print_event("oom", id, NULL);
			}
			if (glass_state_status(ctx->root, st) == GLASS_STATUS_STOPPED)
				break;
		}
	}
	glass_cgroup_free(cg);
	glass_state_free(st);
	return rc < 0 ? runtime_fail(ctx, &err) : 0;
}
