/* glass-runtime start: let a created container's init execute its process. */
#include "container.h"
#include "runtime.h"

int cmd_start(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct glass_err *err = NULL;
	const char *id;
	int r = runtime_one_id(ctx, "start",
	                       "Lets the init of a created container execute its process "
	                       "(opens the exec fifo the init waits on).",
	                       argc, argv, &id);
	if (r != 0)
		return r < 0 ? 1 : 0;
	if (glass_container_start(ctx->root, id, &err) < 0)
		return runtime_fail(ctx, &err);
	return 0;
}
