/* cli-fs: `glass cp`, `glass diff`, `glass top`, `glass stats`, `glass port`. */
#include "cli.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* -a: owners kept, which glass cp does anyway (by number, as root) */
static const char cp_use[] =
    "glass cp [-a] [-L] CONTAINER:SRC DEST|- | glass cp [-a] [-L] SRC|- CONTAINER:DEST";
static const char diff_use[] = "glass diff CONTAINER";
static const char top_use[] = "glass top CONTAINER [ps OPTIONS]";
static const char stats_use[] = "glass stats [--no-stream] [--format json] CONTAINER...";
static const char port_use[] = "glass port CONTAINER [PRIVATE_PORT[/PROTO]]";

/* "NAME:PATH" -> NAME and PATH; NULL when the argument names no container
 * (a local path: absolute or ./relative, or no colon). */
static char *split_ref(const char *arg, const char **path)
{
	const char *colon = strchr(arg, ':');
	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg)
		return NULL;
	*path = colon + 1;
	return xstrndup(arg, (size_t)(colon - arg));
}

int cmd_cp(int argc, char **argv)
{
	struct glass_err *err = NULL;
	const char *cpath = NULL;
	bool follow = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-L") == 0 || strcmp(argv[i], "--follow-link") == 0)
			follow = true;
		else if (strcmp(argv[i], "-a") != 0 && strcmp(argv[i], "--archive") != 0)
			return engine_usage(cp_use, "cp: unknown option %s", argv[i]);
	}
	if (argc - i != 2)
		return engine_usage(cp_use, "cp: need SRC and DEST");
	cleanup_free char *from = split_ref(argv[i], &cpath);
	cleanup_free char *to = from ? NULL : split_ref(argv[i + 1], &cpath);
	if (!from == !to)
		return engine_usage(cp_use, "cp: one of SRC and DEST must be CONTAINER:PATH");
	if (!*cpath)
		return engine_usage(cp_use, "cp: empty path in the container");
	if (ctr_cp(from ? from : to, cpath, from ? argv[i + 1] : argv[i], from != NULL, follow,
	           &err) < 0)
		return cli_fail(&err, 1);
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct ctr_change *ch = NULL;
	size_t n = 0;
	if (argc != 2 || argv[1][0] == '-')
		return engine_usage(diff_use, "diff: need exactly one container");
	if (ctr_diff(argv[1], &ch, &n, &err) < 0)
		return cli_fail(&err, 1);
	for (size_t i = 0; i < n; i++)
		printf("%c %s\n", ch[i].kind, ch[i].path);
	ctr_diff_free(ch, n);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct glass_err *err = NULL;
	char *out = NULL;
	if (argc < 2 || argv[1][0] == '-')
		return engine_usage(top_use, "top: need a container");
	struct strbuf args = STRBUF_INIT;
	for (int i = 2; i < argc; i++)
		strbuf_printf(&args, "%s%s", i > 2 ? " " : "", argv[i]);
	cleanup_free char *a = strbuf_steal(&args);
	if (ctr_top(argv[1], a, &out, &err) < 0)
		return cli_fail(&err, 1);
	fputs(out, stdout);
	free(out);
	return 0;
}

static void human_bytes(char *buf, size_t size, double v)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int k = 0;
	for (; v >= 1024 && k < 4; k++)
		v /= 1024;
	snprintf(buf, size, "%.4g%s", v, u[k]);
}

static void stats_row(struct json_object *s)
{
	char use[32], lim[32];
	double mem = (double)json_object_get_uint64(ctr_json_at(s, "memory_stats.usage"));
	double limit = (double)json_object_get_uint64(ctr_json_at(s, "memory_stats.limit"));
	human_bytes(use, sizeof(use), mem);
	if (limit >= (double)(1ULL << 62)) /* no limit: the host's memory, as docker shows */
		limit = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
	human_bytes(lim, sizeof(lim), limit);
	printf("%-14.12s %-20s %10.2fs %12s / %-12s %7.2f%% %5llu\n",
	       json_object_get_string(ctr_json_at(s, "id")),
	       json_object_get_string(ctr_json_at(s, "name")),
	       (double)json_object_get_uint64(ctr_json_at(s, "cpu_stats.cpu_usage.total_usage")) /
	           1e9,
	       use, lim, limit > 0 ? 100.0 * mem / limit : 0.0,
	       (unsigned long long)json_object_get_uint64(ctr_json_at(s, "pids_stats.current")));
}

/* stats --no-stream: one reading of each container's cgroup (with
 * streaming, one a second until interrupted). */
int cmd_stats(int argc, char **argv)
{
	bool stream = true, json = false;
	int i = 1, rc = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--no-stream") == 0)
			stream = false;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		         strcmp(argv[i + 1], "json") == 0 && ++i)
			json = true;
		else
			return engine_usage(stats_use, "stats: unknown option %s", argv[i]);
	}
	if (i >= argc)
		return engine_usage(stats_use, "stats: name the containers");
	do {
		if (!json)
			printf("%-14s %-20s %11s %27s %8s %5s\n", "CONTAINER ID", "NAME",
			       "CPU TIME", "MEM USAGE / LIMIT", "MEM %", "PIDS");
		for (int k = i; k < argc; k++) {
			struct glass_err *err = NULL;
			struct json_object *s = NULL;
			if (ctr_stats(argv[k], &s, &err) < 0) {
				rc = cli_fail(&err, 1);
				continue;
			}
			if (json)
				printf("%s\n",
				       json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
			else
				stats_row(s);
			json_object_put(s);
		}
		fflush(stdout);
	} while (stream && rc == 0 && sleep(1) == 0);
	return rc;
}

int cmd_port(int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct json_object *ports = NULL;
	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return engine_usage(port_use, "port: need one container (and a PORT[/PROTO])");
	/* docker's `port NAME 80[/tcp]`: that port's bindings alone, bare */
	cleanup_free char *want = argc == 3 && !strchr(argv[2], '/') ? xasprintf("%s/tcp", argv[2])
	                          : argc == 3                        ? xstrdup(argv[2])
	                                                             : NULL;
	if (ctr_port(argv[1], &ports, &err) < 0)
		return cli_fail(&err, 1);
	bool found = false;
	json_object_object_foreach(ports, k, v)
	{
		if (want && strcmp(k, want) != 0)
			continue;
		for (size_t i = 0; i < json_object_array_length(v); i++, found = true) {
			struct json_object *b = json_object_array_get_idx(v, i);
			printf("%s%s%s:%s\n", want ? "" : k, want ? "" : " -> ",
			       json_object_get_string(ctr_json_at(b, "HostIp")),
			       json_object_get_string(ctr_json_at(b, "HostPort")));
		}
	}
	json_object_put(ports);
	if (want && !found) {
		fprintf(stderr, "glass: no public port '%s' published for %s\n", want, argv[1]);
		return 1;
	}
	return 0;
}
