/* cli-logs: `glass logs [-f] [--tail N] [-t] [--since T] [--until T]`. */
#include "cli.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char logs_use[] =
    "glass logs [-f] [--tail N|all] [-t] [--since TIME] [--until TIME] CONTAINER";

static int print_line(void *data, int stream, const char *time, const char *text, size_t len)
{
	const struct ctr_logs_opts *o = data;
	int fd = stream == 2 ? 2 : 1;
	if (o->timestamps && (write_all(fd, time, strlen(time)) < 0 || write_all(fd, " ", 1) < 0))
		return 1;
	return write_all(fd, text, len) < 0;
}

static int time_flag(const char *flag, const char *v, int64_t *out)
{
	*out = ctr_parse_time(v);
	if (*out < 0)
		return engine_usage(logs_use,
		                    "logs: %s \"%s\": want a duration (10m), RFC 3339 "
		                    "or a unix time",
		                    flag, v);
	return 0;
}

int cmd_logs(int argc, char **argv)
{
	struct ctr_logs_opts o = {.tail = -1, .stdout_ = true, .stderr_ = true};
	struct glass_err *err = NULL;
	int i = 1, rc;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0)
			o.follow = true;
		else if (strcmp(a, "-t") == 0 || strcmp(a, "--timestamps") == 0)
			o.timestamps = true;
		else if ((strcmp(a, "-n") == 0 || strcmp(a, "--tail") == 0) && v) {
			char *end;
			if (strcmp(v, "all") == 0)
				o.tail = -1;
			else if ((o.tail = strtol(v, &end, 10)) < 0 || end == v || *end)
				return engine_usage(logs_use, "logs: --tail \"%s\": not a number",
				                    v);
			i++;
		} else if (strcmp(a, "--since") == 0 && v) {
			if ((rc = time_flag(a, v, &o.since_ns)))
				return rc;
			i++;
		} else if (strcmp(a, "--until") == 0 && v) {
			if ((rc = time_flag(a, v, &o.until_ns)))
				return rc;
			i++;
		} else {
			return engine_usage(logs_use, "logs: unknown option %s", a);
		}
	}
	if (argc - i != 1)
		return engine_usage(logs_use, "logs: need exactly one container");
	if (ctr_logs(argv[i], &o, print_line, &o, &err) < 0)
		return cli_fail(&err, 1);
	return 0;
}
