/* glass-runtime resume: thaws a paused container. */
#include "cgroup-verbs.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

int cmd_resume(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	struct glass_state *st;
	struct glass_cgroup *cg;
	enum glass_status s;
	int c, lock = -1, rc = 0;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: glass-runtime resume ID\n\nThaws every process of a paused "
			       "container and waits until the kernel reports it thawed.\n");
			return 0;
		}
		return runtime_usage(ctx, "resume", "unknown flag");
	}
	if (optind != argc - 1)
		return runtime_usage(ctx, "resume", "want exactly one container ID");
	if (glass_state_lock(ctx->root, argv[optind], false, &lock, &err) < 0 ||
	    cgverb_open(ctx, argv[optind], &st, &s, &cg, &err) < 0) {
		if (lock >= 0)
			close(lock);
		return runtime_fail(ctx, &err);
	}
	if (s != GLASS_STATUS_PAUSED) {
		glass_err_new(&err, 0, "container not paused");
		rc = -1;
	} else {
		rc = glass_cgroup_freeze(cg, false, &err);
	}
	glass_cgroup_free(cg);
	glass_state_free(st);
	close(lock);
	return rc < 0 ? runtime_fail(ctx, &err) : 0;
}
