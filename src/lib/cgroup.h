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

/* create in two steps, so the caller can record what will be made before
 * it is: plan resolves the path and notes the directories that do not
 * exist yet (glass_cgroup_made()); make creates them, checks that no
 * hierarchy's cgroup holds processes, and applies the resources.  On
 * failure make removes what it made; free the handle either way. */
int glass_cgroup_plan(const struct glass_spec *spec, const char *id, bool systemd,
                      struct glass_cgroup **out, struct glass_err **err);
int glass_cgroup_make(struct glass_cgroup *cg, const struct glass_spec *spec,
                      struct glass_err **err);

/* The directories (absolute, topmost per hierarchy) the container made or
 * will make: a malloc'd NULL-terminated vector (glass_strv_free). */
char **glass_cgroup_made(const struct glass_cgroup *cg);
/* Tells a reopened handle what its container made (from its state):
 * destroy then removes only those directories. */
void glass_cgroup_set_made(struct glass_cgroup *cg, char *const *made);

/* The cgroup a config names for container `id`, resolved as create does
 * but made by nobody: destroy removes its leaf.  For a container whose
 * state was lost. */
int glass_cgroup_open_config(const struct glass_spec *spec, const char *id,
                             struct glass_cgroup **out, struct glass_err **err);

/* Reopens the cgroup of an existing container from its saved path. */
int glass_cgroup_open(const char *path, struct glass_cgroup **out, struct glass_err **err);

/* The resolved path to save in the container's state; NULL when a
 * rootless create found no writable cgroup tree and no limits were asked
 * for (the container then stays in the caller's cgroups, as with runc). */
const char *glass_cgroup_path(const struct glass_cgroup *cg);

/* The entry of a container process that moves itself.
 *
 * Kernel quirk: any write to cgroup.procs (or of another task's pid to
 * `tasks`) takes cgroup_threadgroup_rwsem, one global percpu rwsem, for
 * writing, and percpu_down_write() waits for an RCU grace period, while
 * holding cgroup_mutex: on this project's hosts 0.5-1.5 ms per write, 5-14
 * ms for the 9-10 hierarchies of a v1 host.  A single thread that moves
 * itself, writing "0" to a hierarchy's `tasks` file, skips that lock
 * (cgroup_procs_write_start(): `*threadgroup_locked = pid ||
 * threadgroup;`): it cannot exit or exec under the kernel's hands and
 * cgroup_mutex excludes the other movers.  So the runtime opens `tasks`
 * of each v1 hierarchy before clone, and the child, single-threaded,
 * writes "0" to each fd as its first step.  v1 checks the credentials of
 * the file's opener (file->f_cred), not the writer's: the fds work in a
 * child that has unshared its user namespace, with no path lookup in its
 * mount namespace.  cgroup2 has no such door (cgroup.threads moves threads
 * only within one threaded domain), but clone3's CLONE_INTO_CGROUP starts
 * the child there, taking the rwsem only for reading. */
#define GLASS_CGROUP_MAX_JOIN 24
struct glass_cgroup_join {
	size_t n;
	int fd[GLASS_CGROUP_MAX_JOIN];     /* `tasks` of each v1 hierarchy, write-only */
	char *path[GLASS_CGROUP_MAX_JOIN]; /* the name each was opened by */
	int v2_fd;                         /* the cgroup2 directory (CLONE_INTO_CGROUP), or -1 */
	char *v2_path;
	/* The busy lock's fd, or -1 (not owned: the child closes its copy,
	 * since a flock belongs to the open file and would stay held by
	 * the child until it executes). */
	int lock_fd;
};

/* Before clone: opens what the process will join by (the cgroup2
 * directory, `tasks` of every v1 hierarchy).  On failure *j is empty, the
 * busy lock released and *err names the cgroup. */
int glass_cgroup_join_open(struct glass_cgroup *cg, struct glass_cgroup_join *j,
                           struct glass_err **err);
/* After a clone that could not start `pid` in the cgroup2 directory
 * (glass_sys_clone_into(): *placed false): writes its pid to cgroup.procs
 * there.  0 when the cgroup uses no cgroup2 hierarchy. */
int glass_cgroup_enter_v2(struct glass_cgroup *cg, pid_t pid, struct glass_err **err);
/* The process's half, in the child (single-threaded): closes its copy of
 * the busy lock, writes "0" to each `tasks` fd (each traced as a write to
 * its path) and closes every fd of j.  A failure names the cgroup
 * directory. */
int glass_cgroup_join_self(struct glass_cgroup_join *j, struct glass_err **err);
/* The process is in (or failed and is about to be removed): releases the
 * busy lock. */
void glass_cgroup_enter_end(struct glass_cgroup *cg);
/* Closes the fds and frees the paths j holds (the caller's copies after
 * clone); j is empty after. */
void glass_cgroup_join_clear(struct glass_cgroup_join *j);

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

/* Pressure stall information of one resource (cgroup2 RESOURCE.pressure):
 * the "some" and "full" lines, each present when the kernel gave it. */
struct glass_cg_psi_line {
	bool present;
	double avg10, avg60, avg300;
	uint64_t total;
};
struct glass_cg_psi {
	bool present;
	struct glass_cg_psi_line some, full;
};
/* A usage/limit record as runc reports memory ("max" limits: UINT64_MAX). */
struct glass_cg_mem_entry {
	bool present;
	uint64_t limit, usage, max, failcnt;
};
/* One blkio accounting line: device, operation ("Read", "Write", ...), value. */
struct glass_cg_io_entry {
	unsigned major, minor;
	char op[16];
	uint64_t value;
};
struct glass_cg_counter {
	char *key;
	uint64_t value;
};

/* The container's usage as the kernel accounts it, in the terms of runc's
 * `events --stats` (times in nanoseconds).  Each has_/present flag says
 * the host gave that number. */
struct glass_cgroup_stats {
	struct {
		bool has_total, has_kernel, has_user, has_percpu;
		uint64_t total, kernel, user;
		uint64_t *percpu;
		size_t npercpu;
		bool has_periods, has_throttled_periods, has_throttled_time;
		uint64_t periods, throttled_periods, throttled_time;
		struct glass_cg_psi psi;
	} cpu;
	struct {
		bool present;
		struct glass_cg_mem_entry usage, swap, kernel, kernel_tcp;
		bool has_cache, has_oom_kill;
		uint64_t cache, oom_kill;
		struct glass_cg_counter *raw; /* memory.stat as it reads */
		size_t nraw;
		struct glass_cg_psi psi;
	} memory;
	struct {
		bool present;
		uint64_t current, limit;
	} pids;
	struct {
		bool present;
		struct glass_cg_io_entry *bytes, *ios;
		size_t nbytes, nios;
		struct glass_cg_psi psi;
	} blkio;
};

/* Reads the statistics into *out (zeroed first; free with
 * glass_cgroup_stats_clear()).  0, or -1 with *err set. */
int glass_cgroup_stats(struct glass_cgroup *cg, struct glass_cgroup_stats *out,
                       struct glass_err **err);
void glass_cgroup_stats_clear(struct glass_cgroup_stats *s);

/* The number of processes the kernel's OOM killer killed in the cgroup
 * (v1 memory.oom_control / v2 memory.events "oom_kill").  0 or -1 when
 * there is no memory controller. */
int glass_cgroup_oom_count(struct glass_cgroup *cg, uint64_t *count);

/* "v1", "v2" or "hybrid" for this host ("none" without cgroups). */
const char *glass_cgroup_host_mode(void);

/* Removes the cgroup directories (killing what is left first): with
 * ownership known (create, glass_cgroup_set_made) only the ones the
 * container made, and their made parents while empty. */
int glass_cgroup_destroy(struct glass_cgroup *cg, struct glass_err **err);

void glass_cgroup_free(struct glass_cgroup *cg);
/* Frees the handle (not the cgroup) when it leaves scope:
 * `cleanup_cgroup struct glass_cgroup *cg = NULL`. */
void glass_cgroup_freep(struct glass_cgroup **cg);
#define cleanup_cgroup __attribute__((cleanup(glass_cgroup_freep)))

#endif
