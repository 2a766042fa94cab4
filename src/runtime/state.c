/* glass-runtime state: the container's state as the runtime spec defines it. */
#include "runtime.h"
#include "state.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_state(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	struct glass_state *st = NULL;
	char *json;
	int c;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: glass-runtime state ID\n\nPrints the state of a container "
			       "(ociVersion, id, status, pid, bundle, annotations).\nThe status is "
			       "read from the kernel: a vanished or zombie init is \"stopped\".\n");
			return 0;
		}
		return runtime_usage(ctx, "state", "unknown flag");
	}
	if (optind != argc - 1)
		return runtime_usage(ctx, "state", "want exactly one container ID");
	if (glass_state_load(ctx->root, argv[optind], &st, &err) < 0)
		return runtime_fail(ctx, &err);
	json = glass_state_oci_json(st, glass_state_status(ctx->root, st), true);
	printf("%s\n", json);
	free(json);
	glass_state_free(st);
	return 0;
}
