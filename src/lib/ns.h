/* ns: the container's namespaces, created or joined.
 *
 * A namespace is created by clone(2) or unshare(2) with a CLONE_NEW* flag
 * and joined with setns(2) on an fd of /proc/PID/ns/<type> or of a bind
 * mount of it.  Three kinds are special: a new PID namespace only takes
 * effect for the children of the process that asks (so the container's
 * init is cloned into it and becomes its pid 1); a time namespace
 * likewise applies to children, and its clock offsets can be written only
 * while no process lives in it; a cgroup namespace takes the caller's
 * current cgroup as its root, so the child unshares it only after the
 * parent has moved it into the container's cgroup.  Namespaces created
 * together with a new user namespace are owned by it, which is what lets
 * the container's root (an unprivileged user on the host) administer them.
 *
 * The plan: when the user namespace is new (or absent), the parent joins
 * the namespaces given by path itself, clones the child with every new
 * namespace (the kernel creates the user namespace first, so it owns the
 * rest), and returns to its own namespaces.  When the user namespace is
 * joined by path, the child joins it first, then the other paths, then
 * unshares the new ones, and forks once more to enter a PID namespace.
 */
#ifndef GLASS_NS_H
#define GLASS_NS_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>
#include <sys/types.h>

struct glass_ns_plan {
	bool present[GLASS_NS_COUNT]; /* listed in linux.namespaces */
	bool create[GLASS_NS_COUNT];  /* new (listed, no path) */
	int fd[GLASS_NS_COUNT];       /* opened path to join, or -1 */
	bool join_user;               /* the user namespace is joined by path */
	unsigned long clone_flags;    /* CLONE_NEW* passed to clone() (case: user new/absent) */
	unsigned long unshare_flags;  /* CLONE_NEW* unshared by the child (case: user joined) */
	bool grandchild;              /* the child forks again to enter a PID namespace */
};

/* Builds the plan from linux.namespaces: opens every path (an error names
 * the field and the path), checks each fd is a namespace of the right
 * type.  glass_ns_plan_close() releases the fds. */
int glass_ns_plan_make(const struct glass_spec *spec, struct glass_ns_plan *plan,
                       struct glass_err **err);
void glass_ns_plan_close(struct glass_ns_plan *plan);

/* What the parent saves to come back to its own namespaces. */
struct glass_ns_saved {
	int fd[GLASS_NS_COUNT];
	int cwd;
};

/* Parent side, before clone (user namespace new or absent): joins every
 * namespace given by path (pid and time apply to the child only) and
 * saves the parent's own ones in *saved. */
int glass_ns_join_for_clone(const struct glass_ns_plan *plan, struct glass_ns_saved *saved,
                            struct glass_err **err);
/* Parent side, after clone: back to the saved namespaces; closes them. */
int glass_ns_restore(struct glass_ns_saved *saved, struct glass_err **err);

/* Child side, user namespace joined by path: setns(user) first, then the
 * other paths, then unshare() of the new ones. */
int glass_ns_child_join(const struct glass_ns_plan *plan, struct glass_err **err);

/* Child side: a new time namespace with the offsets of linux.timeOffsets
 * (unshare, write /proc/self/timens_offsets, then setns() into
 * /proc/self/ns/time_for_children so the child itself lives in it). */
int glass_ns_setup_time(const struct glass_spec *spec, struct glass_err **err);

/* Joins every namespace of process `pid` that differs from the caller's
 * (user first; pid applies to the caller's children; cgroup last).  Used
 * by exec.  *pid_joined tells the caller it must fork to enter the PID
 * namespace. */
int glass_ns_join_process(pid_t pid, bool *pid_joined, struct glass_err **err);

/* True when the two namespace files name the same namespace. */
bool glass_ns_same(const char *a, const char *b);

#endif
