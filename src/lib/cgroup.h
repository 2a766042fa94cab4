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

/* Resolves cgroupsPath for container `id` (absolute: below each
 * hierarchy's root; relative: below the caller's own cgroup in each
 * hierarchy; absent: the relative path "<id>", runc's default), creates
 * the cgroup on every mounted hierarchy (enabling the needed v2
 * controllers on the way down; copying cpuset.cpus/mems into new v1
 * cpuset levels), and applies linux.resources plus the default device
 * rules.  A resource the host cannot enforce is an error naming the
 * field.  `systemd` (--systemd-cgroup) is refused with the reason.
 * Nothing this call made is left behind on failure. */
int glass_cgroup_create(const struct glass_spec *spec, const char *id, bool systemd,
                        struct glass_cgroup **out, struct glass_err **err);

/* Reopens the cgroup of an existing container from its saved path. */
int glass_cgroup_open(const char *path, struct glass_cgroup **out, struct glass_err **err);

/* The resolved path to save in the container's state; NULL when a
 * rootless create found no writable cgroup tree and no limits were asked
 * for (the container then stays in the caller's cgroups, as with runc). */
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

/* The number of processes the kernel's OOM killer killed in the cgroup
 * (v1 memory.oom_control / v2 memory.events "oom_kill").  0 or -1 when
 * there is no memory controller. */
int glass_cgroup_oom_count(struct glass_cgroup *cg, uint64_t *count);

/* Parses a LinuxResources JSON document (runc update -r FILE) into *out
 * (zeroed first), naming the bad field on error.  Free with
 * glass_cgroup_resources_clear(). */
int glass_cgroup_parse_resources(const char *json, struct glass_resources *out,
                                 struct glass_err **err);
void glass_cgroup_resources_clear(struct glass_resources *r);

/* "v1", "v2" or "hybrid" for this host ("none" without cgroups). */
const char *glass_cgroup_host_mode(void);

/* Removes the cgroup directories (killing what is left first). */
int glass_cgroup_destroy(struct glass_cgroup *cg, struct glass_err **err);

void glass_cgroup_free(struct glass_cgroup *cg);
/* Frees the handle (not the cgroup) when it leaves scope:
 * `cleanup_cgroup struct glass_cgroup *cg = NULL`. */
void glass_cgroup_freep(struct glass_cgroup **cg);
#define cleanup_cgroup __attribute__((cleanup(glass_cgroup_freep)))

#endif
