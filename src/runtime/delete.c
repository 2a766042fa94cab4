/* glass-runtime delete: remove a stopped container (-f: kill it first). */
#include "container.h"
#include "runtime.h"
#include "state.h"

#include <getopt.h>
#include <stdio.h>

int cmd_delete(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"force", no_argument, NULL, 'f'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "fh", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf(
			    "usage: glass-runtime delete [--force] ID\n\n"
			    "Deletes a stopped (or created) container: its cgroup and state, "
			    "then runs the\npoststop hooks.  -f/--force kills a running one first; "
			    "an unknown ID is then\nnot an error.\n");
			return 0;
		default:
			return runtime_usage(ctx, "delete", "unknown flag");
		}
	}
	if (optind != argc - 1)
		return runtime_usage(ctx, "delete", "want exactly one container ID");
	if (glass_container_delete(ctx->root, argv[optind], force, &err) < 0) {
		if (force && glass_state_is_missing(err)) {
			glass_err_free(&err);
			return 0;
		}
		return runtime_fail(ctx, &err);
	}
	return 0;
}
