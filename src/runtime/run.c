/* glass-runtime run: create + start, and in the foreground wait, relay
 * signals and the terminal, delete, and exit with the process's code. */
#include "container.h"
#include "runtime.h"

int cmd_run(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct glass_create_opts opts;
	struct glass_err *err = NULL;
	const char *bundle, *id;
	int code = 0;
	int r = runtime_parse_create(ctx, "run", true, argc, argv, &opts, &bundle, &id);
	if (r != 0)
		return r < 0 ? 1 : 0;
	if (glass_container_run(ctx->root, id, bundle, &opts, &code, &err) < 0)
		return runtime_fail(ctx, &err);
	return code;
}
