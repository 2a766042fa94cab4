/* The cgroup verbs' shared helper (ps, pause, resume, update, events). */
#ifndef GLASS_RUNTIME_CGROUP_VERBS_H
#define GLASS_RUNTIME_CGROUP_VERBS_H

#include "cgroup.h"
#include "runtime.h"
#include "state.h"

#include <stdbool.h>

/* Loads container `id`'s state, derives its status from the kernel and
 * reopens its cgroup.  A container without a cgroup is an error. */
int cgverb_open(struct runtime_ctx *ctx, const char *id, struct glass_state **st,
                enum glass_status *status, struct glass_cgroup **cg, struct glass_err **err);

/* pause (freeze) or resume (thaw): the whole verb, argv parsing and
 * `--help` (printing help) included.  Returns the exit status. */
int cgverb_freeze(struct runtime_ctx *ctx, int argc, char **argv, bool freeze, const char *help);

#endif
