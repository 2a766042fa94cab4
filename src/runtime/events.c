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

static void print_event(const char *type, const char *id, const char *data_json)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (data_json) {
		struct json_object *d = json_tokener_parse(data_json);
		if (d)
			json_object_object_add(o, "data", d);
	}
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
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
		cleanup_free char *data = glass_cgroup_stats_json(cg, &err);
		if (data)
			print_event("stats", id, data);
		else
			rc = -1;
	} else {
		uint64_t ooms = 0, now = 0;
		glass_cgroup_oom_count(cg, &ooms);
		long waited = interval;
		for (;;) {
			if (waited >= interval) {
				cleanup_free char *data = glass_cgroup_stats_json(cg, NULL);
				if (data)
					print_event("stats", id, data);
				waited = 0;
			}
			struct timespec ts = {0, 100 * 1000 * 1000};
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
