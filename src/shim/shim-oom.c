/* shim: OOM kills in the container's cgroup.
 *
 * cgroup v1 tells a listener about memory pressure through an eventfd
 * registered in cgroup.event_control ("<eventfd> <fd of memory.oom_control>");
 * it fires when the group hits its limit and the OOM killer runs -- and
 * also when the cgroup is removed, which is why the shim decides from the
 * counter, not from the event: memory.oom_control's `oom_kill N` (kernel
 * 4.13 on) counts the processes the OOM killer took in this group.  cgroup
 * v2 has no event registration; its memory.events file has the same
 * `oom_kill N` line and the kernel raises a file-modified event on it,
 * which inotify delivers.  Docker reports OOMKilled when such a kill
 * happened during the run, whichever process it took. */
#include "shim.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The memory controller's path of `pid` in v1 (ctrl "memory") or its v2
 * path (the "0::" line). */
static bool cgroup_path(pid_t pid, bool v1, char *out, size_t size)
{
	char p[64], line[4096];
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	FILE *f = fopen(p, "re");
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		ctrls++;
		if (v1) {
			for (char *c = strtok(ctrls, ","); c && !found; c = strtok(NULL, ","))
				found = !strcmp(c, "memory");
		} else {
			found = !strcmp(line, "0") && !*ctrls;
		}
		if (found)
			snprintf(out, size, "%s", path);
	}
	if (f)
		fclose(f);
	return found;
}

/* Where the cgroup2 hierarchy is mounted (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid host). */
static bool cgroup2_mount(char *out, size_t size)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	bool found = false;
	while (f && !found && (m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(out, size, "%s", m->mnt_dir);
			found = true;
		}
	if (f)
		endmntent(f);
	return found;
}

static unsigned long long oom_kills(const char *file)
{
	cleanup_free char *text = read_file_at(AT_FDCWD, file, NULL);
	const char *p = text ? strstr(text, "oom_kill ") : NULL;
	return p ? strtoull(p + 9, NULL, 10) : 0;
}

static int watch_v1(struct shim *s, const char *path)
{
	char ctl[PATH_MAX];
	if (snprintf(s->oom.file, sizeof(s->oom.file), "/sys/fs/cgroup/memory%s/memory.oom_control",
	             path) >= (int)sizeof(s->oom.file) ||
	    snprintf(ctl, sizeof(ctl), "/sys/fs/cgroup/memory%s/cgroup.event_control", path) >=
	        (int)sizeof(ctl))
		return -1;
	cleanup_close int ofd = open(s->oom.file, O_RDONLY | O_CLOEXEC);
	cleanup_close int cfd = open(ctl, O_WRONLY | O_CLOEXEC);
	if (ofd < 0 || cfd < 0)
		return -1;
	s->oom.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->oom.fd < 0 || dprintf(cfd, "%d %d", s->oom.fd, ofd) < 0) {
		shim_oom_close(s);
		return -1;
	}
	glass_trace_note("shim", NULL, "OOM events: eventfd %d registered on %s", s->oom.fd,
	                 s->oom.file);
	return 0;
}

static int watch_v2(struct shim *s, const char *path)
{
	char mnt[PATH_MAX];
	if (!cgroup2_mount(mnt, sizeof(mnt)))
		return -1;
	if (snprintf(s->oom.file, sizeof(s->oom.file), "%s%s/memory.events", mnt, path) >=
	        (int)sizeof(s->oom.file) ||
	    access(s->oom.file, R_OK) < 0)
		return -1;
	s->oom.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (s->oom.fd < 0 || inotify_add_watch(s->oom.fd, s->oom.file, IN_MODIFY) < 0) {
		shim_oom_close(s);
		return -1;
	}
	glass_trace_note("shim", NULL, "OOM events: inotify on %s", s->oom.file);
	return 0;
}

void shim_oom_watch(struct shim *s, pid_t pid)
{
	char path[PATH_MAX];
	s->oom.fd = -1;
	s->oom.file[0] = '\0';
	if (cgroup_path(pid, true, path, sizeof(path)) && watch_v1(s, path) == 0) {
		s->oom.base = oom_kills(s->oom.file);
		return;
	}
	if (cgroup_path(pid, false, path, sizeof(path)) && watch_v2(s, path) == 0) {
		s->oom.base = oom_kills(s->oom.file);
		return;
	}
	s->oom.file[0] = '\0';
	glass_trace_note("shim", NULL, "OOM events: no memory controller for pid %d", (int)pid);
}

/* Consumes the notification and reads the counter: true when the OOM
 * killer took a process of the container since it started. */
bool shim_oom_check(struct shim *s)
{
	char buf[4096];
	if (s->oom.fd >= 0)
		while (read(s->oom.fd, buf, sizeof(buf)) > 0)
			;
	if (!s->oom.file[0] || oom_kills(s->oom.file) <= s->oom.base)
		return false;
	if (!s->st.oom_killed)
		glass_trace_note("shim", NULL, "the OOM killer acted in the container's cgroup");
	s->st.oom_killed = true;
	return true;
}

void shim_oom_close(struct shim *s)
{
	if (s->oom.fd >= 0)
		close(s->oom.fd);
	s->oom.fd = -1;
}
