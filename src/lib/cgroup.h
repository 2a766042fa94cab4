/* cgroup: one lifecycle API over cgroup v1, v2 and hybrid hosts.
 *
 * The host's layout is probed once (/proc/self/mountinfo and
 * /proc/self/cgroup) and a backend chosen: v2 (one unified tree,
 * controllers enabled per subtree through cgroup.subtree_control), v1 (one
 * hierarchy per controller) or hybrid (v1 controllers plus a cgroup2 mount
 * for whatever is bound there).  A container's cgroup is named by one path
 * ("/glass-test-1/web", or relative to the caller's own cgroup), which is
 * all the container's state needs to keep to reopen it later.
 */
#ifndef GLASS_CGROUP_H
#define GLASS_CGROUP_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct glass_cgroup; /* opaque */

/* Resolves cgroupsPath (absolute, relative, or absent: runc's default
 * "/<id>" under the caller's cgroup ... see cgroup.c) for container `id`,
 * creates the cgroup on every hierarchy needed, and applies
 * linux.resources.  A resource the host cannot enforce is an error naming
 * the field.  Nothing is left behind on failure. */
int glass_cgroup_create(const struct glass_spec *spec, const char *id, bool systemd,
                        struct glass_cgroup **out, struct glass_err **err);

/* Reopens the cgroup of an existing container from its saved path. */
int glass_cgroup_open(const char *path, struct glass_cgroup **out, struct glass_err **err);

/* The resolved path to save in the container's state. */
const char *glass_cgroup_path(const struct glass_cgroup *cg);

/* Moves `pid` into the cgroup (every hierarchy). */
int glass_cgroup_enter(struct glass_cgroup *cg, pid_t pid, struct glass_err **err);

/* Applies new resources (runc update). */
int glass_cgroup_update(struct glass_cgroup *cg, const struct glass_resources *res,
                        struct glass_err **err);

/* Freezes (true) or thaws (false) every process; waits until done. */
int glass_cgroup_freeze(struct glass_cgroup *cg, bool frozen, struct glass_err **err);
/* True when the cgroup is frozen. */
bool glass_cgroup_is_frozen(struct glass_cgroup *cg);

/* Sends `sig` to every process in the cgroup (and its children). */
int glass_cgroup_kill(struct glass_cgroup *cg, int sig, struct glass_err **err);

/* The pids in the cgroup (malloc'd array). */
int glass_cgroup_pids(struct glass_cgroup *cg, pid_t **pids, size_t *n, struct glass_err **err);

/* Statistics as runc's `events --stats` JSON "data" object (malloc'd). */
char *glass_cgroup_stats_json(struct glass_cgroup *cg, struct glass_err **err);

/* Removes the cgroup directories (killing what is left first). */
int glass_cgroup_destroy(struct glass_cgroup *cg, struct glass_err **err);

void glass_cgroup_free(struct glass_cgroup *cg);

#endif
