/* glass-runtime resume: thaws a paused container. */
#include "cgroup-verbs.h"

int cmd_resume(struct runtime_ctx *ctx, int argc, char **argv)
{
	return cgverb_freeze(ctx, argc, argv, false,
	                     "Thaws every process of a paused container and waits until the "
	                     "kernel reports it thawed.");
}
