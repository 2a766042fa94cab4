/* ctr-rm: remove, rename, prune.
 *
 * Removal undoes create in reverse: the process (forced: SIGKILL through
 * the shim, or, when the shim died, the runtime's `delete --force`, which
 * kills what is left in the container's cgroup), the runtime's state and
 * cgroup, the snapshot's mount and directory (the record with it), and
 * the name.  glass-shim itself calls `glass rm -f ID` after the final exit
 * of an --rm container (held back while a foreground engine reads its
 * status: ctr_rm_hold(); glass serve, which holds it for the containers it
 * starts, removes them itself before it lets go, and the shim's finds
 * nothing left); the status it wrote is final by then, so removal does not
 * wait for that shim to go. */
#include "client.h"
#include "ctr.h"
#include "snapshot.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

static bool live(const struct ctr *c)
{
	return c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING ||
	       c->st.status == CTR_PAUSED;
}

/* The runtime's state and cgroup, when some are left (a dead shim, or one
 * that is still on its way out). */
static int runtime_delete(const struct ctr *c, struct glass_err **err)
{
	cleanup_free char *rroot = engine_runtime_root();
	cleanup_free char *sdir = xasprintf("%s/%s", rroot, c->id);
	if (access(sdir, F_OK) < 0)
		return 0;
	cleanup_free char *runtime = ctr_runtime(err);
	if (!runtime)
		return -1;
	char *argv[] = {runtime, "--root", rroot, "delete", "--force", (char *)c->id, NULL};
	struct glass_err *e = NULL;
	if (engine_run_quiet(argv, &e) < 0 && access(sdir, F_OK) == 0)
		return glass_err_move(err, &e);
	glass_err_free(&e);
	return 0;
}

/* A dead shim's orphan: the container's processes may still run. */
static void kill_orphan(const struct ctr *c)
{
	if (c->st.status != CTR_DEAD)
		return;
	struct glass_shim_status ss = {0};
	if (glass_shim_status(c->dir, &ss, NULL) == 0 && ss.pid > 0) {
		cleanup_free char *p = xasprintf("/proc/%d/cgroup", (int)ss.pid);
		cleanup_free char *cg = read_file_at(AT_FDCWD, p, NULL);
		/* only the container's own pid, never a recycled pid */
		if (cg && strstr(cg, c->id))
			kill(ss.pid, SIGKILL);
	}
}

static int take_creating(const char *id, bool *missing);
static void drop_creating(const char *id, int fd);

static int remove_found(struct ctr *c, bool force, bool volumes, struct glass_err **err)
{
	struct glass_store *s = NULL;
	if (live(c) && !force)
		return glass_err_new(err, EBUSY,
		                     "You cannot remove a running container %s. Stop the container "
		                     "before attempting removal or force remove",
		                     c->id);
	if (live(c)) {
		struct ctr_stop_opts so = {.timeout = 0};
		ctr_unlock(c);
		if (ctr_stop(c->id, &so, err) < 0 || ctr_lock(c, "rm", err) < 0)
			return -1;
	}
	kill_orphan(c);
	if (runtime_delete(c, err) < 0)
		return glass_err_ctx(err, "remove %s", c->name);
	/* its networks (CNI DEL) and volume claims; the anonymous volumes of
	 * a --rm container or with rm -v go with it, as docker's */
	struct json_object *auto_rm = ctr_rec(c, "HostConfig.AutoRemove");
	if (engine_netvol_remove(c->id, volumes || json_object_get_boolean(auto_rm), err) < 0)
		return glass_err_ctx(err, "remove %s", c->name);
	if (engine_store_open(false, &s, err) < 0)
		return -1;
	int rc = glass_snapshot_remove(s, c->id, err);
	glass_store_close(s);
	if (rc < 0)
		return glass_err_ctx(err, "remove %s", c->name);
	ctr_name_release(c->name, c->id);
	/* the lock of a run killed between its create and its start */
	bool missing;
	int fd = take_creating(c->id, &missing);
	if (fd >= 0)
		drop_creating(c->id, fd);
	ctr_event(c, "destroy", NULL, NULL);
	return 0;
}

int ctr_rm(const char *ref, bool force, bool volumes, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0 || ctr_lock(c, "rm", err) < 0 || ctr_refresh(c, err) < 0)
		return -1;
	return remove_found(c, force, volumes, err);
}

int ctr_rm_hold(const char *id, struct glass_err **err)
{
	cleanup_free char *dir = ctr_dir_of(id);
	cleanup_free char *p = xasprintf("%s/rm.hold", dir);
	int fd = open(p, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_SH) < 0) {
		glass_err_new(err, errno, "lock %s", p);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int ctr_shim_pidfd(const char *dir)
{
	cleanup_free char *p = xasprintf("%s/shim.pid", dir);
	cleanup_free char *text = read_file_at(AT_FDCWD, p, NULL);
	int pid = text ? atoi(text) : 0;
	int fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	cleanup_free char *commp = xasprintf("/proc/%d/comm", pid);
	cleanup_free char *comm = fd >= 0 ? read_file_at(AT_FDCWD, commp, NULL) : NULL;
	if (fd >= 0 && (!comm || strcmp(comm, "glass-shim\n") != 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void ctr_rm_hold_release(const char *id, int fd)
{
	cleanup_free char *dir = ctr_dir_of(id);
	cleanup_close int pidfd = ctr_shim_pidfd(dir);
	close(fd);
	/* the shim tries the hold every 2 ms; a connection wakes it now */
	int nudge = pidfd >= 0 ? glass_shim_connect(dir, NULL) : -1;
	if (nudge >= 0)
		close(nudge);
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		while (poll(&p, 1, 60000) < 0 && errno == EINTR)
			;
	}
	if (access(dir, F_OK) == 0)
		ctr_rm(id, true, false, NULL);
}

int ctr_rename(const char *ref, const char *name, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	const char *n = name[0] == '/' ? name + 1 : name;
	if (ctr_find(ref, &c, err) < 0 || ctr_lock(c, "rename", err) < 0)
		return -1;
	if (strcmp(c->name, n) == 0)
		return glass_err_new(err, EINVAL,
		                     "Renaming a container with the same name as its "
		                     "current name");
	if (!*n || strchr(n, '/') || n[0] == '.' || n[0] == '-' || n[0] == '_')
		return glass_err_new(err, EINVAL, "Invalid container name (%s)", name);
	if (ctr_name_reserve(n, c->id, err) < 0)
		return -1;
	cleanup_free char *slashed = xasprintf("/%s", n);
	json_object_object_add(c->record, "Name", json_object_new_string(slashed));
	if (ctr_record_save(c, err) < 0) {
		ctr_name_release(n, c->id);
		return -1;
	}
	ctr_name_release(c->name, c->id);
	/* peers resolve the new name, no longer the old one (the rename is
	 * done: a hosts file that cannot be written does not undo it) */
	engine_net_rename(c->id, n, NULL);
	ctr_event(c, "rename", "oldName", c->name);
	/* the lock of a run killed between its create and its start */
	bool missing;
	int fd = take_creating(c->id, &missing);
	if (fd >= 0)
		drop_creating(c->id, fd);
	return 0;
}

/* ROOT/creating/ID locked by this process when no create holds it: the
 * fd, or -1 when it is busy, or gone, or was replaced meanwhile.  What the
 * lock covers is removed while it is held, the lock file last. */
static int take_creating(const char *id, bool *missing)
{
	cleanup_free char *lockp = xasprintf("%s/creating/%s", engine_root_dir(), id);
	struct stat a, b;
	int fd = open(lockp, O_RDWR | O_CLOEXEC);
	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 || stat(lockp, &b) < 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return -1;
	}
	return fd;
}

static void drop_creating(const char *id, int fd)
{
	cleanup_free char *lockp = xasprintf("%s/creating/%s", engine_root_dir(), id);
	unlink(lockp);
	close(fd);
}

bool ctr_being_created(const char *id)
{
	bool missing;
	int fd = take_creating(id, &missing);
	if (fd >= 0)
		close(fd);
	return fd < 0 && !missing;
}

/* A create killed halfway: a directory without a record, its ROOT/creating
 * lock free (or gone).  Its snapshot and name go. */
static void sweep_half_made(void)
{
	cleanup_free char *cdir = xasprintf("%s/containers", engine_root_dir());
	cleanup_dir DIR *d = opendir(cdir);
	struct glass_store *s = NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		bool missing;
		if (strlen(e->d_name) != CTR_ID_LEN ||
		    strspn(e->d_name, "0123456789abcdef") != CTR_ID_LEN)
			continue;
		if (ctr_cache_has_record(e->d_name))
			continue;
		cleanup_free char *rec = xasprintf("%s/%s/record.json", cdir, e->d_name);
		cleanup_free char *relrec = xasprintf("%s/record.json", e->d_name);
		if (faccessat(dirfd(d), relrec, F_OK, 0) == 0)
			continue;
		int fd = take_creating(e->d_name, &missing);
		/* a record may have come meanwhile: looked at again under the lock */
		if ((fd < 0 && !missing) || access(rec, F_OK) == 0 ||
		    (!s && engine_store_open(false, &s, NULL) < 0)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		glass_snapshot_remove(s, e->d_name, NULL);
		ctr_name_release_id(e->d_name);
		if (fd >= 0)
			drop_creating(e->d_name, fd);
	}
	glass_store_close(s);
}

/* Names and creating locks of creates killed before their directory
 * existed: removed under the create's lock, which must be free. */
static void sweep_stale(const char *sub, bool links)
{
	cleanup_free char *d = xasprintf("%s/%s", engine_root_dir(), sub);
	cleanup_free char *cd = xasprintf("%s/containers", engine_root_dir());
	cleanup_dir DIR *dir = opendir(d);
	/* looked up from here: one name each, not the whole path (every ps) */
	cleanup_close int cfd = dir ? open(cd, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		char id[CTR_ID_LEN + 2] = "";
		bool missing;
		if (links) {
			ssize_t n = readlinkat(dirfd(dir), e->d_name, id, sizeof(id) - 1);
			if (n != CTR_ID_LEN)
				continue;
			id[n] = '\0';
		} else {
			if (strlen(e->d_name) != CTR_ID_LEN)
				continue;
			memcpy(id, e->d_name, CTR_ID_LEN + 1);
		}
		cleanup_free char *rec = xasprintf("%s/record.json", id);
		/* a lock is stale also once its container has its record, when no
		 * create holds it: a create killed between writing the record and
		 * unlinking its lock (a run holds it until its start) */
		bool live =
		    faccessat(cfd, id, F_OK, 0) == 0 && (links || faccessat(cfd, rec, F_OK, 0) < 0);
		if (live)
			continue;
		int fd = take_creating(id, &missing);
		live =
		    faccessat(cfd, id, F_OK, 0) == 0 && (links || faccessat(cfd, rec, F_OK, 0) < 0);
		if ((fd < 0 && !missing) || live) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (links)
			unlinkat(dirfd(dir), e->d_name, 0);
		if (fd >= 0)
			drop_creating(id, fd);
	}
}

void ctr_sweep_debris(void)
{
	sweep_half_made();
	sweep_stale("names", true);
	sweep_stale("creating", false);
}

int ctr_prune(char ***ids, size_t *n, struct glass_err **err)
{
	struct ctr **list = NULL;
	size_t count = 0, k = 0;
	if (ctr_list_all(&list, &count, err) < 0)
		return -1;
	char **out = xcalloc(count + 1, sizeof(char *));
	for (size_t i = 0; i < count; i++) {
		struct glass_err *e = NULL;
		/* live, or still being made: a `run` holds its create's lock
		 * until the container has started */
		if (live(list[i]) || ctr_being_created(list[i]->id))
			continue;
		/* a container being worked on (started right now) is skipped */
		if (ctr_lock(list[i], "prune", &e) < 0 || ctr_refresh(list[i], &e) < 0 ||
		    live(list[i]) || remove_found(list[i], false, false, &e) < 0) {
			glass_err_free(&e);
			continue;
		}
		out[k++] = xstrdup(list[i]->id);
	}
	ctr_list_free(list, count);
	if (ids)
		*ids = out;
	else
		glass_manifest_strv_free(out);
	if (n)
		*n = k;
	return 0;
}
