/* glass-runtime state: the container's state as the runtime spec defines it. */
#include "runtime.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_state(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct glass_state *st = NULL;
	const char *id;
	char *json;
	int r = runtime_one_id(ctx, "state",
	                       "Prints the state of a container (ociVersion, id, status, pid, "
	                       "bundle, annotations).\nThe status is read from the kernel: a "
	                       "vanished or zombie init is \"stopped\".",
	                       argc, argv, &id);
	if (r != 0)
		return r < 0 ? 1 : 0;
	/* A create killed before its first record is `creating`, as runc
	 * shows a half-made container; a corrupt record is an error. */
	if (glass_state_load_any(ctx->root, id, &st, &err) < 0)
		return runtime_fail(ctx, &err);
	if (st->corrupt) {
		glass_err_new(&err, 0, "container %s: %s", id, st->corrupt);
		glass_err_hint(&err,
		               "`glass-runtime delete --force %s` removes it (its process "
		               "and cgroup are found through init.pid and config.json)",
		               id);
		glass_state_free(st);
		return runtime_fail(ctx, &err);
	}
	json = glass_state_oci_json(st, glass_state_status(ctx->root, st), true);
	printf("%s\n", json);
	free(json);
	glass_state_free(st);
	return 0;
}
