/* glass-runtime pause: freezes every process of a container (v1 freezer
 * or v2 cgroup.freeze); the kernel stops them where they are, without a
 * signal they could see.  resume.c shares the verb (cgverb_freeze). */
#include "cgroup-verbs.h"

#include <stdio.h>
#include <unistd.h>

int cgverb_open(struct runtime_ctx *ctx, const char *id, struct glass_state **st,
                enum glass_status *status, struct glass_cgroup **cg, struct glass_err **err)
{
	*st = NULL;
	*cg = NULL;
	if (glass_state_load(ctx->root, id, st, err) < 0)
		return -1;
	*status = glass_state_status(ctx->root, *st);
	if ((*st)->cgroup_path == NULL) {
		glass_err_new(err, 0, "container %s has no cgroup", id);
		goto fail;
	}
	if (glass_cgroup_open((*st)->cgroup_path, cg, err) < 0)
		goto fail;
	return 0;
fail:
	glass_state_free(*st);
	*st = NULL;
	return -1;
}

int cgverb_freeze(struct runtime_ctx *ctx, int argc, char **argv, bool freeze, const char *what)
{
	struct glass_err *err = NULL;
	struct glass_state *st;
	struct glass_cgroup *cg;
	enum glass_status s;
	const char *id;
	int lock = -1, rc = runtime_one_id(ctx, freeze ? "pause" : "resume", what, argc, argv, &id);
	if (rc != 0)
		return rc < 0 ? 1 : 0;
	if (glass_state_lock(ctx->root, id, false, &lock, &err) < 0 ||
	    cgverb_open(ctx, id, &st, &s, &cg, &err) < 0) {
		if (lock >= 0)
			close(lock);
		return runtime_fail(ctx, &err);
	}
	if (freeze && s != GLASS_STATUS_RUNNING && s != GLASS_STATUS_CREATED) {
		glass_err_new(&err, 0, "container not running");
		rc = -1;
	} else if (!freeze && s != GLASS_STATUS_PAUSED) {
		glass_err_new(&err, 0, "container not paused");
		rc = -1;
	} else {
		rc = glass_cgroup_freeze(cg, freeze, &err);
	}
	glass_cgroup_free(cg);
	glass_state_free(st);
	close(lock);
	return rc < 0 ? runtime_fail(ctx, &err) : 0;
}

int cmd_pause(struct runtime_ctx *ctx, int argc, char **argv)
{
	return cgverb_freeze(ctx, argc, argv, true,
	                     "Freezes every process of the container through its cgroup (v1 "
	                     "freezer.state,\nv2 cgroup.freeze) and waits until the kernel reports "
	                     "it frozen.");
}
