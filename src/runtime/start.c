/* glass-runtime start: let a created container's init execute its process. */
#include "container.h"
#include "runtime.h"

#include <getopt.h>
#include <stdio.h>

/* Parses `VERB [-h] ID` for the verbs that take only an id. */
static int one_id(struct runtime_ctx *ctx, const char *verb, const char *what, int argc,
                  char **argv, const char **id)
{
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: glass-runtime %s ID\n\n%s\n", verb, what);
			return 1;
		}
		runtime_usage(ctx, verb, "unknown flag");
		return -1;
	}
	if (optind != argc - 1) {
		runtime_usage(ctx, verb,
		              optind >= argc ? "missing container ID"
		                             : "want exactly one container ID");
		return -1;
	}
	*id = argv[optind];
	return 0;
}

int cmd_start(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct glass_err *err = NULL;
	const char *id;
	int r = one_id(ctx, "start",
	               "Lets the init of a created container execute its process "
	               "(opens the exec fifo the init waits on).",
	               argc, argv, &id);
	if (r != 0)
		return r < 0 ? 1 : 0;
	if (glass_container_start(ctx->root, id, &err) < 0)
		return runtime_fail(ctx, &err);
	return 0;
}
