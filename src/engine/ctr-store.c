/* ctr-store: container records, names, lookup and locks.
 *
 * flock(2) locks belong to the open file description, so a lock dies
 * with the process holding it: an engine killed mid-operation leaves no
 * stale lock behind, only the "PID OP" text, which the next holder
 * overwrites.  Waiting is bounded (LOCK_NB polled) so that a second
 * command reports who keeps the container busy instead of hanging. */
#include "client.h"
#include "ctr.h"
#include "event.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#define LOCK_WAIT_MS 5000

const char *ctr_status_name(enum ctr_status s)
{
	static const char *const names[] = {"created",    "running", "paused",
	                                    "restarting", "exited",  "dead"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

char *ctr_dir_of(const char *id)
{
	return xasprintf("%s/containers/%s", engine_root_dir(), id);
}

char *ctr_runtime(struct glass_err **err)
{
	char *r = engine_find_sibling("glass-runtime");
	if (!r) {
		glass_err_new(err, ENOENT, "glass-runtime not found beside %s", engine_exe_dir());
		glass_err_hint(err, "build it with `make`; glass runs containers through it");
	}
	return r;
}

void ctr_free(struct ctr *c)
{
	if (!c)
		return;
	ctr_unlock(c);
	free(c->dir);
	free(c->name);
	if (c->cached && c->record_pin.fd >= 0)
		close(c->record_pin.fd);
	json_object_put(c->record);
	free(c);
}

void ctr_freep(struct ctr **c)
{
	ctr_free(*c);
	*c = NULL;
}

void ctr_list_free(struct ctr **list, size_t n)
{
	/* a list's records are read, never changed: back to the cache */
	for (size_t i = 0; i < n; i++) {
		if (list[i]->cached) {
			ctr_cache_give_record(list[i]->id, list[i]->record, &list[i]->record_pin);
			list[i]->record = NULL;
		}
		ctr_free(list[i]);
	}
	free(list);
}

struct json_object *ctr_rec(const struct ctr *c, const char *path)
{
	return ctr_json_at(c->record, path);
}

struct json_object *ctr_json_at(struct json_object *o, const char *path)
{
	char key[64];
	while (o && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

const char *ctr_rec_str(const struct ctr *c, const char *path)
{
	struct json_object *o = ctr_rec(c, path);
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static enum ctr_status status_from(const char *s)
{
	if (strcmp(s, "running") == 0)
		return CTR_RUNNING;
	if (strcmp(s, "restarting") == 0)
		return CTR_RESTARTING;
	if (strcmp(s, "created") == 0)
		return CTR_RUNNING; /* the shim is between the runtime's create and start */
	if (strcmp(s, "dead") == 0)
		return CTR_DEAD;
	return CTR_EXITED;
}

/* The cgroup freezer says paused; the shim does not know about it. */
static bool frozen(const struct ctr *c)
{
	const char *cg = ctr_rec_str(c, "CgroupsPath");
	if (!cg)
		return false;
	int cached = ctr_cache_frozen(c->id, cg);
	if (cached >= 0)
		return cached;
	cleanup_free char *v1 = xasprintf("/sys/fs/cgroup/freezer%s/freezer.state", cg);
	cleanup_free char *v2 = xasprintf("/sys/fs/cgroup/unified%s/cgroup.freeze", cg);
	cleanup_free char *t1 = read_file_at(AT_FDCWD, v1, NULL);
	if (t1)
		return strncmp(t1, "FROZEN", 6) == 0 || strncmp(t1, "FREEZING", 8) == 0;
	cleanup_free char *t2 = read_file_at(AT_FDCWD, v2, NULL);
	return t2 && t2[0] == '1';
}

/* The pid in DIR/shim.pid when it is a running glass-shim, else 0. */
static pid_t live_shim(const char *dir)
{
	cleanup_free char *pidf = xasprintf("%s/shim.pid", dir);
	cleanup_free char *pidt = read_file_at(AT_FDCWD, pidf, NULL);
	pid_t pid = pidt ? (pid_t)atoi(pidt) : 0;
	if (pid <= 0)
		return 0;
	cleanup_free char *commf = xasprintf("/proc/%d/comm", (int)pid);
	cleanup_free char *comm = read_file_at(AT_FDCWD, commf, NULL);
	return comm && strncmp(comm, "glass-shim", 10) == 0 ? pid : 0;
}

/* glass_shim_status() and the shim's pid with its liveness told by
 * ctr-cache's pidfd (one poll instead of two /proc reads): 0, or -1 when
 * the slow path must decide (no cache, no status yet, a shim that is
 * gone: glass_shim_status() reads the status again and says "dead"). */
static int status_fast(const struct ctr *c, int dirfd, struct glass_shim_status *ss, pid_t *shim)
{
	pid_t pid = 0;
	if (!ctr_cache_on())
		return -1;
	cleanup_close int own = dirfd < 0 ? open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	int dfd = dirfd < 0 ? own : dirfd;
	if (dfd < 0 || ctr_cache_status(c->id, dfd, ss, &pid) < 0)
		return -1;
	int alive = ctr_cache_shim_alive(c->id, pid);
	if (alive < 0 || (alive == 0 && strcmp(ss->status, "exited") != 0))
		return -1;
	*shim = alive ? pid : 0;
	return 0;
}

static void fill_state(struct ctr *c, const struct glass_shim_status *ss, pid_t shim)
{
	c->st.status = status_from(ss->status);
	c->st.pid = c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING ? ss->pid : 0;
	c->st.exit_code = ss->exit_code;
	c->st.oom_killed = ss->oom_killed;
	c->st.restart_count = ss->restart_count;
	snprintf(c->st.started_at, sizeof(c->st.started_at), "%s", ss->started_at);
	snprintf(c->st.finished_at, sizeof(c->st.finished_at), "%s", ss->finished_at);
	snprintf(c->st.error, sizeof(c->st.error), "%s", ss->error);
	c->st.shim_pid = shim;
	if (c->st.status == CTR_RUNNING && frozen(c))
		c->st.status = CTR_PAUSED;
}

/* ctr_refresh(), in the container's directory when dirfd >= 0. */
static int refresh_in(struct ctr *c, int dirfd, struct glass_err **err)
{
	struct glass_shim_status ss = {0};
	pid_t shim = 0;
	memset(&c->st, 0, sizeof(c->st));
	if (status_fast(c, dirfd, &ss, &shim) == 0) {
		fill_state(c, &ss, shim);
		return 0;
	}
	cleanup_free char *status = xasprintf("%s/status.json", c->dir);
	if (access(status, F_OK) < 0) {
		/* never handed to a shim, or a shim is starting (an engine may have
		 * died while it launched one): it wrote shim.pid before anything */
		shim = live_shim(c->dir);
		c->st.status = shim > 0 ? CTR_RUNNING : CTR_CREATED;
		c->st.shim_pid = shim;
		c->st.starting = shim > 0;
		return 0;
	}
	if (glass_shim_status(c->dir, &ss, err) < 0)
		return glass_err_ctx(err, "container %.12s", c->id);
	cleanup_free char *pidf = xasprintf("%s/shim.pid", c->dir);
	cleanup_free char *pidt = read_file_at(AT_FDCWD, pidf, NULL);
	shim = pidt && strcmp(ss.status, "dead") != 0 ? (pid_t)atoi(pidt) : 0;
	if (shim > 0 && kill(shim, 0) < 0 && errno == ESRCH)
		shim = 0;
	fill_state(c, &ss, shim);
	return 0;
}

int ctr_refresh(struct ctr *c, struct glass_err **err)
{
	return refresh_in(c, -1, err);
}

/* record.json of DFD: through ctr-cache when `listed` (lent, or read
 * through a pin, both handed back by ctr_list_free), else read. */
static struct json_object *record_of(struct ctr *c, int dfd, bool listed)
{
	char *text = NULL;
	c->cached = listed && ctr_cache_on() && dfd >= 0;
	if (c->cached) {
		struct json_object *rec = ctr_cache_take_record(c->id, dfd, &c->record_pin);
		if (rec)
			return rec;
		text = ctr_cache_read_pinned(dfd, "record.json", &c->record_pin);
		/* no fd to keep: read as without the cache */
		c->cached = text || (errno != EMFILE && errno != ENFILE);
	}
	if (!c->cached && dfd >= 0)
		text = read_file_at(dfd, "record.json", NULL);
	struct json_object *rec = text ? json_tokener_parse(text) : NULL;
	int e = text ? EINVAL : errno;
	free(text);
	errno = rec ? errno : e;
	return rec;
}

/* `listed`: for a list, which reads the record and gives it back to the
 * cache (ctr_list_free); one that is found may be changed and saved.
 * `cfd`: ROOT/containers when >= 0, to look the directory up from. */
static int load(int cfd, const char *id, bool listed, struct ctr **out, struct glass_err **err)
{
	struct ctr *c = xcalloc(1, sizeof(*c));
	c->lock_fd = -1;
	c->record_pin.fd = -1;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->dir = ctr_dir_of(id);
	cleanup_close int dfd = cfd >= 0 ? openat(cfd, id, O_PATH | O_DIRECTORY | O_CLOEXEC)
	                                 : open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	c->record = record_of(c, dfd, listed);
	if (!c->record) {
		glass_err_new(err, errno, "container %.12s: read %s/record.json", id, c->dir);
		ctr_free(c);
		return -1;
	}
	const char *name = ctr_rec_str(c, "Name");
	c->name = xstrdup(name ? name + (name[0] == '/') : id);
	if (refresh_in(c, dfd, err) < 0) {
		ctr_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static bool is_id(const char *s)
{
	if (strlen(s) != CTR_ID_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* The IDs of every container (directories named by 64 hex digits with a
 * record; the snapshot of a half-made create has none yet), read from
 * `cfd` (ROOT/containers) when >= 0.  Without `need_record` a directory
 * is taken as it is (the caller fails to read its record). */
static char **ids_in(int cfd, bool need_record, size_t *n)
{
	cleanup_free char *d = xasprintf("%s/containers", engine_root_dir());
	int fd = cfd >= 0 ? openat(cfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
	                  : open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	char **ids = NULL;
	size_t cap = 0;
	struct dirent *e;
	*n = 0;
	if (fd >= 0 && !dir)
		close(fd);
	while (dir && (e = readdir(dir))) {
		if (!is_id(e->d_name))
			continue;
		if (need_record) {
			char rec[sizeof(e->d_name) + 16]; /* an id, but gcc cannot know */
			snprintf(rec, sizeof(rec), "%s/record.json", e->d_name);
			if (faccessat(dirfd(dir), rec, F_OK, 0) < 0)
				continue;
		}
		if (*n + 1 >= cap) {
			cap = cap ? 2 * cap : 16;
			ids = xrealloc(ids, cap * sizeof(char *));
		}
		ids[(*n)++] = xstrdup(e->d_name);
	}
	return ids;
}

static char **all_ids(size_t *n)
{
	return ids_in(-1, true, n);
}

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The ID a name points to, or NULL. */
static char *id_of_name(const char *name)
{
	char buf[CTR_ID_LEN + 2];
	cleanup_free char *p = xasprintf("%s/names/%s", engine_root_dir(), name);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	if (n != CTR_ID_LEN)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

int ctr_find(const char *ref, struct ctr **out, struct glass_err **err)
{
	size_t n = 0, hits = 0;
	const char *r = ref[0] == '/' ? ref + 1 : ref;
	cleanup_free char *byname = NULL;
	char *hit = NULL;
	if (!*r || strchr(r, '/') || strcmp(r, ".") == 0 || strcmp(r, "..") == 0)
		return glass_err_new(err, ENOENT, "No such container: %s", ref);
	cleanup_free char *full = ctr_dir_of(r);
	if (is_id(r) && access(full, F_OK) == 0)
		return load(-1, r, false, out, err);
	byname = id_of_name(r);
	if (byname)
		return load(-1, byname, false, out, err);
	char **ids = all_ids(&n);
	for (size_t i = 0; i < n; i++)
		if (strncmp(ids[i], r, strlen(r)) == 0) {
			hits++;
			hit = ids[i];
		}
	int rc;
	if (hits == 1)
		rc = load(-1, hit, false, out, err);
	else if (hits > 1)
		rc = glass_err_new(err, EINVAL, "multiple containers found with ID prefix %s", ref);
	else
		rc = glass_err_new(err, ENOENT, "No such container: %s", ref);
	strv_free_n(ids, n);
	return rc;
}

struct by_created {
	const char *created; /* the record's, "" when none */
	struct ctr *c;
};

static int by_created_desc(const void *a, const void *b)
{
	const struct by_created *x = a, *y = b;
	return strcmp(y->created, x->created);
}

/* Newest first: the keys looked up once each, not at every compare. */
static void sort_newest_first(struct ctr **list, size_t n)
{
	struct by_created *k = xcalloc(n + 1, sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		const char *t = ctr_rec_str(list[i], "Created");
		k[i] = (struct by_created){t ? t : "", list[i]};
	}
	qsort(k, n, sizeof(*k), by_created_desc);
	for (size_t i = 0; i < n; i++)
		list[i] = k[i].c;
	free(k);
}

int ctr_list_all(struct ctr ***out, size_t *count, struct glass_err **err)
{
	size_t n = 0, k = 0;
	bool cache = ctr_cache_on();
	/* with the cache, after the loads: the directories whose record it
	 * has just read are no half-made ones, it tells without a look */
	if (!cache)
		ctr_sweep_debris();
	cleanup_free char *d = xasprintf("%s/containers", engine_root_dir());
	cleanup_close int cfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* a record missing is load's failure below when the cache reads them */
	char **ids = ids_in(cfd, !cache, &n);
	struct ctr **list = xcalloc(n + 1, sizeof(struct ctr *));
	for (size_t i = 0; i < n; i++) {
		struct glass_err *e = NULL;
		/* one container removed meanwhile (or unreadable) is not the list's failure */
		if (load(cfd, ids[i], true, &list[k], &e) == 0)
			ids[k++] = ids[i];
		else
			free(ids[i]);
		glass_err_free(&e);
	}
	/* the cache forgets every container whose record was not read now */
	ctr_cache_sweep(ids, k);
	if (cache)
		ctr_sweep_debris();
	strv_free_n(ids, k);
	sort_newest_first(list, k);
	*out = list;
	*count = k;
	(void)err;
	return 0;
}

int ctr_record_save(struct ctr *c, struct glass_err **err)
{
	cleanup_free char *p = xasprintf("%s/record.json", c->dir);
	return engine_json_save(p, c->record, false, 0600, err);
}

int ctr_lock(struct ctr *c, const char *op, struct glass_err **err)
{
	cleanup_free char *p = xasprintf("%s/lock", c->dir);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", p);
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 20) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			char who[64] = "";
			ssize_t r = pread(fd, who, sizeof(who) - 1, 0);
			who[r > 0 ? r : 0] = '\0';
			who[strcspn(who, "\n")] = '\0';
			close(fd);
			glass_err_new(err, EBUSY, "container %s is busy%s%s", c->name,
			              *who ? ": " : "", who);
			return glass_err_hint(err, "another glass command is working on it; retry "
			                           "when it is done");
		}
		usleep(20000);
	}
	char who[64];
	int n = snprintf(who, sizeof(who), "%s (pid %d)\n", op, (int)getpid());
	/* the text is only a courtesy to the next caller: no error if it fails */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, who, (size_t)n, 0) < 0) {
	}
	c->lock_fd = fd;
	return 0;
}

void ctr_unlock(struct ctr *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
}

int ctr_name_reserve(const char *name, const char *id, struct glass_err **err)
{
	cleanup_free char *d = xasprintf("%s/names", engine_root_dir());
	cleanup_free char *p = xasprintf("%s/%s", d, name);
	if (mkdir_p(d, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", d);
	if (symlink(id, p) == 0)
		return 0;
	if (errno != EEXIST)
		return glass_err_new(err, errno, "symlink(\"%s\")", p);
	/* a name whose container is gone (an engine killed mid-create) is free */
	cleanup_free char *old = id_of_name(name);
	cleanup_free char *odir = old ? ctr_dir_of(old) : NULL;
	if (odir && access(odir, F_OK) < 0 && errno == ENOENT) {
		cleanup_free char *tmp = xasprintf("%s/.%s.%d", d, name, (int)getpid());
		unlink(tmp);
		if (symlink(id, tmp) == 0 && rename(tmp, p) == 0)
			return 0;
		unlink(tmp);
	}
	return glass_err_new(err, EEXIST,
	                     "Conflict. The container name \"/%s\" is already in use by container "
	                     "%.12s",
	                     name, old ? old : "?");
}

void ctr_name_release(const char *name, const char *id)
{
	cleanup_free char *cur = id_of_name(name);
	cleanup_free char *p = xasprintf("%s/names/%s", engine_root_dir(), name);
	if (cur && strcmp(cur, id) == 0)
		unlink(p);
}

void ctr_name_release_id(const char *id)
{
	cleanup_free char *d = xasprintf("%s/names", engine_root_dir());
	cleanup_dir DIR *dir = opendir(d);
	struct dirent *e;
	char buf[CTR_ID_LEN + 2];
	while (dir && (e = readdir(dir))) {
		ssize_t n = readlinkat(dirfd(dir), e->d_name, buf, sizeof(buf) - 1);
		if (n == CTR_ID_LEN && strncmp(buf, id, CTR_ID_LEN) == 0)
			unlinkat(dirfd(dir), e->d_name, 0);
	}
}

char *ctr_events_path(void)
{
	char abs[PATH_MAX];
	const char *root = engine_root_dir();
	if (mkdir_p(root, 0700) < 0 || !realpath(root, abs))
		return xasprintf("%s/events.log", root);
	return xasprintf("%s/events.log", abs);
}

void ctr_event_of(const char *id, const char *name, const char *image, const char *action,
                  const char *key, const char *value)
{
	cleanup_free char *path = ctr_events_path();
	const char *attrs[] = {"image", image, "name", name, key, value, NULL};
	if (!key)
		attrs[4] = NULL;
	glass_event_write(AT_FDCWD, path, "container", action, id, attrs);
}

void ctr_event(const struct ctr *c, const char *action, const char *key, const char *value)
{
	ctr_event_of(c->id, c->name, ctr_rec_str(c, "Config.Image"), action, key, value);
}
