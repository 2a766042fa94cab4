/* ns: see ns.h. */
#include "ns.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static char *ns_field(enum glass_ns_type t)
{
	return xasprintf("linux.namespaces[type=%s].path", glass_ns_name(t));
}

int glass_ns_plan_make(const struct glass_spec *spec, struct glass_ns_plan *plan,
                       struct glass_err **err)
{
	memset(plan, 0, sizeof(*plan));
	for (int t = 0; t < GLASS_NS_COUNT; t++)
		plan->fd[t] = -1;
	for (int t = 0; t < GLASS_NS_COUNT; t++) {
		const struct glass_namespace *n = &spec->linux_.ns[t];
		if (!n->present)
			continue;
		plan->present[t] = true;
		if (n->path == NULL || n->path[0] == '\0') {
			plan->create[t] = true;
			continue;
		}
		cleanup_free char *field = ns_field((enum glass_ns_type)t);
		int fd = glass_sys_openat(AT_FDCWD, NULL, n->path, O_RDONLY, 0, field, err);
		if (fd < 0) {
			glass_err_hint(err,
			               "the %s namespace to join must exist (a /proc/PID/ns/%s "
			               "file or a bind mount of one)",
			               glass_ns_name((enum glass_ns_type)t),
			               glass_ns_proc_name((enum glass_ns_type)t));
			glass_ns_plan_close(plan);
			return -1;
		}
		plan->fd[t] = fd;
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type >= 0 &&
		    (unsigned long)type != glass_ns_clone_flag((enum glass_ns_type)t)) {
			glass_err_field(err, EINVAL, field, "%s is not a %s namespace", n->path,
			                glass_ns_name((enum glass_ns_type)t));
			glass_ns_plan_close(plan);
			return -1;
		}
	}
	plan->join_user = plan->present[GLASS_NS_USER] && !plan->create[GLASS_NS_USER];
	for (int t = 0; t < GLASS_NS_COUNT; t++) {
		/* cgroup: after the move into the container's cgroup; time:
		 * clone() cannot take CLONE_NEWTIME (its bit is CSIGNAL's). */
		if (!plan->create[t] || t == GLASS_NS_CGROUP || t == GLASS_NS_TIME)
			continue;
		if (plan->join_user)
			plan->unshare_flags |= glass_ns_clone_flag((enum glass_ns_type)t);
		else
			plan->clone_flags |= glass_ns_clone_flag((enum glass_ns_type)t);
	}
	plan->grandchild = plan->join_user && plan->present[GLASS_NS_PID];
	return 0;
}

void glass_ns_plan_close(struct glass_ns_plan *plan)
{
	for (int t = 0; t < GLASS_NS_COUNT; t++) {
		if (plan->fd[t] >= 0)
			close(plan->fd[t]);
		plan->fd[t] = -1;
	}
}

static int open_own(const char *name, struct glass_err **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return glass_sys_openat(AT_FDCWD, NULL, path, O_RDONLY, 0, NULL, err);
}

int glass_ns_join_for_clone(const struct glass_ns_plan *plan, struct glass_ns_saved *saved,
                            struct glass_err **err)
{
	/* Order: the mount namespace last, so the /proc/self paths of the
	 * others still resolve in the caller's /proc. */
	static const enum glass_ns_type order[] = {GLASS_NS_IPC,  GLASS_NS_UTS,    GLASS_NS_NET,
	                                           GLASS_NS_PID,  GLASS_NS_CGROUP, GLASS_NS_TIME,
	                                           GLASS_NS_MOUNT};
	for (int t = 0; t < GLASS_NS_COUNT; t++)
		saved->fd[t] = -1;
	saved->cwd = -1;
	if (plan->join_user)
		return 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum glass_ns_type t = order[i];
		if (plan->fd[t] < 0)
			continue;
		cleanup_free char *field = ns_field(t);
		if (t == GLASS_NS_MOUNT) {
			saved->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (saved->cwd < 0) {
				glass_err_new(err, errno, "open(\".\")");
				goto fail;
			}
		}
		saved->fd[t] = open_own(t == GLASS_NS_PID ? "pid" : glass_ns_proc_name(t), err);
		if (saved->fd[t] < 0)
			goto fail;
		if (glass_sys_setns(plan->fd[t], (int)glass_ns_clone_flag(t), field + 0, field,
		                    err) < 0)
			goto fail;
	}
	return 0;
fail:
	glass_err_ctx(err, "join namespaces");
	glass_ns_restore(saved, NULL);
	return -1;
}

int glass_ns_restore(struct glass_ns_saved *saved, struct glass_err **err)
{
	int rc = 0;
	for (int t = GLASS_NS_COUNT - 1; t >= 0; t--) {
		if (saved->fd[t] < 0)
			continue;
		if (glass_sys_setns(saved->fd[t], (int)glass_ns_clone_flag((enum glass_ns_type)t),
		                    "own namespace", NULL, err) < 0)
			rc = -1;
		close(saved->fd[t]);
		saved->fd[t] = -1;
	}
	if (saved->cwd >= 0) {
		if (glass_sys_fchdir(saved->cwd, "saved cwd", NULL, err) < 0)
			rc = -1;
		close(saved->cwd);
		saved->cwd = -1;
	}
	return rc;
}

int glass_ns_child_join(const struct glass_ns_plan *plan, struct glass_err **err)
{
	static const enum glass_ns_type order[] = {GLASS_NS_USER, GLASS_NS_IPC,  GLASS_NS_UTS,
	                                           GLASS_NS_NET,  GLASS_NS_PID,  GLASS_NS_CGROUP,
	                                           GLASS_NS_TIME, GLASS_NS_MOUNT};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum glass_ns_type t = order[i];
		if (plan->fd[t] < 0)
			continue;
		cleanup_free char *field = ns_field(t);
		if (glass_sys_setns(plan->fd[t], (int)glass_ns_clone_flag(t), field, field, err) <
		    0)
			return glass_err_ctx(err, "join namespaces");
	}
	if (plan->unshare_flags &&
	    glass_sys_unshare((int)plan->unshare_flags, "linux.namespaces", err) < 0)
		return glass_err_ctx(err, "create namespaces");
	return 0;
}

int glass_ns_setup_time(const struct glass_spec *spec, struct glass_err **err)
{
	const struct glass_time_offset *mono = &spec->linux_.time_monotonic;
	const struct glass_time_offset *boot = &spec->linux_.time_boottime;
	char line[96];
	int fd;

	if (glass_sys_unshare(CLONE_NEWTIME, "linux.namespaces[type=time]", err) < 0)
		return -1;
	/* The offsets may be written only while no process is in the new
	 * namespace: now, before this process enters it. */
	if (mono->present) {
		snprintf(line, sizeof(line), "monotonic %lld %u", (long long)mono->secs,
		         mono->nanosecs);
		if (glass_sys_write_file("/proc/self/timens_offsets", line,
		                         "linux.timeOffsets.monotonic", err) < 0)
			return -1;
	}
	if (boot->present) {
		snprintf(line, sizeof(line), "boottime %lld %u", (long long)boot->secs,
		         boot->nanosecs);
		if (glass_sys_write_file("/proc/self/timens_offsets", line,
		                         "linux.timeOffsets.boottime", err) < 0)
			return -1;
	}
	fd = glass_sys_openat(AT_FDCWD, NULL, "/proc/self/ns/time_for_children", O_RDONLY, 0,
	                      "linux.namespaces[type=time]", err);
	if (fd < 0)
		return -1;
	if (glass_sys_setns(fd, CLONE_NEWTIME, "time_for_children", "linux.namespaces[type=time]",
	                    err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

bool glass_ns_same(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int glass_ns_join_process(pid_t pid, bool *pid_joined, struct glass_err **err)
{
	static const enum glass_ns_type order[] = {GLASS_NS_USER, GLASS_NS_IPC,  GLASS_NS_UTS,
	                                           GLASS_NS_NET,  GLASS_NS_PID,  GLASS_NS_CGROUP,
	                                           GLASS_NS_TIME, GLASS_NS_MOUNT};
	int fds[GLASS_NS_COUNT];
	int rc = -1;
	*pid_joined = false;
	for (int t = 0; t < GLASS_NS_COUNT; t++)
		fds[t] = -1;
	/* Open them all first: once in the container's mount namespace, the
	 * host's /proc/PID is no longer what /proc shows. */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum glass_ns_type t = order[i];
		const char *name = glass_ns_proc_name(t);
		char theirs[64], ours[64];
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", name);
		if (access(theirs, F_OK) < 0 || glass_ns_same(theirs, ours))
			continue;
		fds[t] = glass_sys_openat(AT_FDCWD, NULL, theirs, O_RDONLY, 0, NULL, err);
		if (fds[t] < 0)
			goto out;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum glass_ns_type t = order[i];
		char what[64];
		if (fds[t] < 0)
			continue;
		snprintf(what, sizeof(what), "/proc/%d/ns/%s", (int)pid, glass_ns_proc_name(t));
		if (glass_sys_setns(fds[t], (int)glass_ns_clone_flag(t), what, NULL, err) < 0)
			goto out;
		if (t == GLASS_NS_PID)
			*pid_joined = true;
	}
	rc = 0;
out:
	for (int t = 0; t < GLASS_NS_COUNT; t++)
		if (fds[t] >= 0)
			close(fds[t]);
	if (rc < 0)
		glass_err_ctx(err, "join the namespaces of process %d", (int)pid);
	return rc;
}
