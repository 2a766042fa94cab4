/* cgroup: probing the host, resolving a container's cgroup, and the
 * lifecycle (create, enter, update, freeze, kill, destroy).
 *
 * The kernel exposes control groups as filesystems.  With cgroup v1 each
 * mounted hierarchy carries one or more controllers (memory, cpu, ...) and
 * a process is in exactly one cgroup per hierarchy; a cgroup is a
 * directory, a process joins it by writing its pid to `cgroup.procs`, and
 * limits are files in it.  With cgroup v2 there is one tree; a controller
 * works in a cgroup only when its parent lists it in
 * `cgroup.subtree_control`.  A hybrid host mounts both: the controllers
 * bound to v1 hierarchies cannot be used on v2 and vice versa, so every
 * resource goes to the hierarchy its controller is bound to, and the
 * container joins every mounted hierarchy (the cgroup2 one too, which
 * gives it `cgroup.kill` even when no controller is bound there).
 */
#include "cgroup-internal.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#define FIELD_PATH "linux.cgroupsPath"

/* ---- resolving paths ---- */

/* Normalises a cgroup path: collapses "//", drops "." components, refuses
 * "..". Returns a malloc'd absolute-or-relative path, or NULL (EINVAL). */
static char *clean_path(const char *p)
{
	struct strbuf b = STRBUF_INIT;
	if (*p == '/')
		strbuf_append(&b, "/", 1);
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 2 && strncmp(p, "..", 2) == 0) {
			strbuf_release(&b);
			errno = EINVAL;
			return NULL;
		}
		if (!(n == 1 && *p == '.')) {
			if (b.len && b.buf[b.len - 1] != '/')
				strbuf_append(&b, "/", 1);
			strbuf_append(&b, p, n);
		}
		p += n;
	}
	return strbuf_steal(&b);
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (*b == '\0')
		return la ? strndup(a, la) : xstrdup("/");
	return xasprintf("%.*s/%s", (int)la, a, b);
}

/* The directory of cgroup `rel` in hierarchy h. */
static char *hier_dir(const struct cg_hier *h, const char *rel)
{
	size_t rl = strlen(h->mount_root);
	if (strcmp(h->mount_root, "/") != 0 && strncmp(rel, h->mount_root, rl) == 0 &&
	    (rel[rl] == '/' || rel[rl] == '\0'))
		rel += rl;
	return join(h->mountpoint, rel);
}

static struct glass_cgroup *cg_new(const struct cg_layout *lay)
{
	struct glass_cgroup *cg = xcalloc(1, sizeof(*cg));
	cg->lay = lay;
	return cg;
}

/* Two creates naming the same cgroupsPath must not both find it free and
 * then both join it (the second would own, kill and remove the first's
 * processes).  The check and the entry of the pid are one step under an
 * flock on the mount point of the first hierarchy used: the same file
 * for every runtime on the host, whatever its --root.  It is held for a
 * few calls (longer only while a create is paused with --step-fd). */
static bool used(const struct glass_cgroup *cg, size_t i);

static int busy_lock_take(struct glass_cgroup *cg, struct glass_err **err)
{
	for (size_t i = 0; i < cg->lay->n && !cg->busy_lock; i++) {
		if (!used(cg, i))
			continue;
		int fd = open(cg->lay->h[i].mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX) < 0) {
			glass_err_new(err, errno, "lock %s", cg->lay->h[i].mountpoint);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		cg->busy_lock = fd + 1;
	}
	return 0;
}

static void busy_lock_release(struct glass_cgroup *cg)
{
	if (cg->busy_lock)
		close(cg->busy_lock - 1);
	cg->busy_lock = 0;
}

void glass_cgroup_free(struct glass_cgroup *cg)
{
	if (cg == NULL)
		return;
	busy_lock_release(cg);
	for (size_t i = 0; i < CG_MAX_HIER; i++) {
		free(cg->rel[i]);
		free(cg->dir[i]);
		free(cg->made[i]);
	}
	free(cg->path);
	free(cg);
}

void glass_cgroup_freep(struct glass_cgroup **cg)
{
	int saved = errno;
	glass_cgroup_free(*cg);
	*cg = NULL;
	errno = saved;
}

/* The saved per-hierarchy list ("NAME:PATH;NAME:PATH;") escapes '%', ':'
 * and ';' in PATH as %XX, so a cgroupsPath holding them reads back as the
 * same path, never as more list items. */
static void append_escaped(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '%' || *s == ':' || *s == ';')
			strbuf_printf(b, "%%%02X", (unsigned char)*s);
		else
			strbuf_append(b, s, 1);
	}
}

static char *unescape(const char *s)
{
	struct strbuf b = STRBUF_INIT;
	for (; *s; s++) {
		unsigned v;
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1 && s[1] && s[2]) {
			char c = (char)v;
			strbuf_append(&b, &c, 1);
			s += 2;
		} else {
			strbuf_append(&b, s, 1);
		}
	}
	return strbuf_steal(&b);
}

/* Reads the saved list form into rel[]. */
static void resolve_list(struct glass_cgroup *cg, const char *path)
{
	const struct cg_layout *lay = cg->lay;
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;
	for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *colon = strchr(item, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		cleanup_free char *rel = unescape(colon + 1);
		for (size_t i = 0; i < lay->n; i++)
			if (strcmp(lay->h[i].name, item) == 0 && cg->rel[i] == NULL)
				cg->rel[i] = clean_path(rel);
	}
}

/* Fills rel[]/dir[] for every hierarchy from `path`: absolute, relative to
 * the caller's own cgroup, or (`saved`: only from the runtime's own state,
 * never from a config) the per-hierarchy list that glass_cgroup_path()
 * returns when the hierarchies disagree.  A config's cgroupsPath is one
 * path: read as a list, it could name another container's cgroup in one
 * hierarchy and the host's root in the others. */
static int resolve(struct glass_cgroup *cg, const char *path, bool saved, struct glass_err **err)
{
	const struct cg_layout *lay = cg->lay;
	if (saved && *path != '/' && strchr(path, ':') && strchr(path, ';')) {
		resolve_list(cg, path);
	} else {
		cleanup_free char *p = clean_path(path);
		if (p == NULL || *p == '\0' || strcmp(p, "/") == 0) {
			glass_err_field(err, EINVAL, FIELD_PATH, "cgroupsPath \"%s\"", path);
			return glass_err_hint(err,
			                      "give a path below the root cgroup without \"..\", "
			                      "such as \"/mygroup/%s\"",
			                      "container");
		}
		for (size_t i = 0; i < lay->n; i++)
			cg->rel[i] = *p == '/' ? xstrdup(p) : join(lay->h[i].own, p);
	}
	bool same = true;
	for (size_t i = 0; i < lay->n; i++) {
		if (cg->rel[i] == NULL)
			continue;
		cg->dir[i] = hier_dir(&lay->h[i], cg->rel[i]);
		if (cg->rel[0] == NULL || strcmp(cg->rel[i], cg->rel[0]) != 0)
			same = false;
	}
	if (same && cg->rel[0]) {
		cg->path = xstrdup(cg->rel[0]);
	} else {
		struct strbuf b = STRBUF_INIT;
		for (size_t i = 0; i < lay->n; i++) {
			if (cg->rel[i] == NULL)
				continue;
			strbuf_printf(&b, "%s:", lay->h[i].name);
			append_escaped(&b, cg->rel[i]);
			strbuf_append(&b, ";", 1);
		}
		cg->path = strbuf_steal(&b);
	}
	return 0;
}

static bool systemd_running(void)
{
	struct stat st;
	return stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* The v2 controllers the resources need (bit mask of enum cg_ctrl). */
static uint32_t needed_ctrls(const struct glass_resources *r)
{
	uint32_t m = 0;
	if (r->memory.present)
		m |= 1u << CG_MEMORY;
	if (r->cpu.has_shares || r->cpu.has_quota || r->cpu.has_period || r->cpu.has_burst ||
	    r->cpu.has_idle || r->cpu.has_realtime_period || r->cpu.has_realtime_runtime)
		m |= 1u << CG_CPU;
	if (r->cpu.cpus || r->cpu.mems)
		m |= 1u << CG_CPUSET;
	if (r->pids.present)
		m |= 1u << CG_PIDS;
	if (r->block_io.present)
		m |= 1u << CG_BLKIO;
	if (r->nhugepage_limits)
		m |= 1u << CG_HUGETLB;
	if (r->nrdma)
		m |= 1u << CG_RDMA;
	for (size_t i = 0; i < r->nunified; i++) {
		const char *k = r->unified[i].key;
		int c = glass_cg_ctrl_from_v2(k, strcspn(k, "."));
		if (c >= 0)
			m |= 1u << c;
	}
	return m;
}

/* v1 cpuset: a new cgroup starts with empty cpuset.cpus/mems and no task
 * can join it until they are set; copy them from the parent. */
static int cpuset_inherit(const char *dir, const char *parent, struct glass_err **err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *cur = glass_cg_read(dir, files[i]);
		if (cur && cur[0] != '\n' && cur[0] != '\0')
			continue;
		cleanup_free char *val = glass_cg_read(parent, files[i]);
		if (val == NULL)
			return glass_err_new(err, errno, "read(\"%s/%s\")", parent, files[i]);
		if (glass_cg_write(dir, files[i], val, FIELD_PATH, err) < 0)
			return glass_err_hint(err, "a v1 cpuset cgroup needs cpus and mems "
			                           "before a task can join it");
	}
	return 0;
}

/* v2: enables the needed controllers in `parent`'s cgroup.subtree_control
 * when it offers them and they are not enabled yet. */
static int v2_enable(const char *parent, uint32_t want, struct glass_err **err)
{
	cleanup_free char *avail = glass_cg_read(parent, "cgroup.controllers");
	cleanup_free char *on = glass_cg_read(parent, "cgroup.subtree_control");
	if (avail == NULL)
		return 0;
	struct strbuf b = STRBUF_INIT;
	for (int c = 0; c < CG_NCTRL; c++) {
		const char *n = glass_cg_ctrl_v2_name((enum cg_ctrl)c);
		if (!n || !(want & (1u << c)))
			continue;
		char pat[32];
		snprintf(pat, sizeof(pat), " %s ", n);
		cleanup_free char *a = xasprintf(" %s ", avail);
		cleanup_free char *o = xasprintf(" %s ", on ? on : "");
		for (char *x = a; *x; x++)
			if (*x == '\n')
				*x = ' ';
		for (char *x = o; *x; x++)
			if (*x == '\n')
				*x = ' ';
		if (strstr(a, pat) && !strstr(o, pat) && !strstr(b.buf ? b.buf : "", pat + 1))
			strbuf_printf(&b, "+%s ", n);
	}
	if (b.len == 0)
		return 0;
	cleanup_free char *s = strbuf_steal(&b);
	s[strlen(s) - 1] = '\0';
	return glass_cg_write(parent, "cgroup.subtree_control", s, FIELD_PATH, err);
}

/* Removes a cgroup directory and the cgroups below it, retrying while
 * dying processes still populate it.  ENOENT is success. */
static int remove_tree(const char *dir, struct glass_err **err)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : glass_err_new(err, errno, "opendir(\"%s\")", dir);
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", dir, e->d_name);
		if (remove_tree(sub, err) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	if (rc < 0)
		return -1;
	for (int tries = 0;; tries++) {
		int r = (int)GLASS_SYS(NULL, "rmdir", FIELD_PATH, rmdir(dir), "\"%s\"", dir);
		if (r == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries >= 200)
			return glass_err_new(err, errno, "rmdir(\"%s\")", dir);
		struct timespec ts = {0, 10L * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Creates the directories of hierarchy i down to the leaf. */
static int make_dirs(struct glass_cgroup *cg, size_t i, uint32_t v2_want, struct glass_err **err)
{
	const struct cg_hier *h = &cg->lay->h[i];
	const char *leaf = cg->dir[i];
	size_t base = strlen(h->mountpoint);
	/* Walk from the mountpoint down, one component at a time. */
	for (size_t at = base; leaf[at];) {
		size_t next = at + 1 + strcspn(leaf + at + 1, "/");
		cleanup_free char *parent = xstrndup(leaf, at);
		cleanup_free char *d = xstrndup(leaf, next);
		if (h->v2 && v2_want && v2_enable(parent, v2_want, err) < 0)
			return glass_err_ctx(err, "enabling controllers in %s", parent);
		struct stat st;
		if (stat(d, &st) != 0) {
			if (glass_sys_mkdirat(AT_FDCWD, d, 0755, FIELD_PATH, err) < 0) {
				if (errno != EEXIST)
					return -1;
				glass_err_free(err);
			} else if (cg->made[i] == NULL) {
				cg->made[i] = xstrdup(d);
			}
			if (!h->v2 && (h->ctrls & (1u << CG_CPUSET)) &&
			    cpuset_inherit(d, parent, err) < 0)
				return -1;
		}
		at = next;
	}
	return 0;
}

static bool used(const struct glass_cgroup *cg, size_t i)
{
	return cg->dir[i] != NULL;
}

static int apply(struct glass_cgroup *cg, const struct glass_resources *r,
                 const struct glass_spec *spec, bool update, struct glass_err **err);

/* The host id that `id` maps to through a user namespace's mappings (the
 * id itself without mappings), or -1. */
static long map_id(const struct glass_idmap *m, size_t n, uint32_t id)
{
	if (n == 0)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return (long)m[i].host_id + (id - m[i].container_id);
	return -1;
}

/* Cgroup ownership (config-linux.md): on cgroup v2 only, when the container
 * gets a new cgroup namespace and mounts /sys/fs/cgroup read-write, hand
 * the cgroup directory and the files listed in /sys/kernel/cgroup/delegate
 * to the host uid/gid of process.user, so the container can manage its
 * own subtree. */
static int delegate(struct glass_cgroup *cg, const struct glass_spec *spec, struct glass_err **err)
{
	int v = cg->lay->v2;
	const struct glass_linux *l = &spec->linux_;
	if (cg->lay->mode != CG_MODE_V2 || v < 0 || !used(cg, (size_t)v) ||
	    !l->ns[GLASS_NS_CGROUP].present || l->ns[GLASS_NS_CGROUP].path)
		return 0;
	bool rw = false;
	for (size_t i = 0; i < spec->nmounts; i++) {
		const struct glass_mount *m = &spec->mounts[i];
		if (!m->source || strcmp(m->source, "cgroup") != 0 || !m->destination ||
		    strcmp(m->destination, "/sys/fs/cgroup") != 0)
			continue;
		rw = true;
		for (size_t k = 0; k < m->noptions; k++)
			if (strcmp(m->options[k], "ro") == 0)
				rw = false;
	}
	if (!rw)
		return 0;
	long uid = map_id(l->uid_mappings, l->nuid_mappings, spec->process.user.uid);
	long gid = map_id(l->gid_mappings, l->ngid_mappings, spec->process.user.gid);
	if (uid < 0 || gid < 0 || (uid == 0 && gid == 0))
		return 0;
	const char *dir = cg->dir[v];
	if (glass_sys_chown(dir, (uid_t)uid, (gid_t)gid, "process.user", err) < 0)
		return -1;
	cleanup_free char *list = read_file_at(AT_FDCWD, "/sys/kernel/cgroup/delegate", NULL);
	const char *files = list ? list : "cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n";
	for (const char *p = files; *p;) {
		size_t n = strcspn(p, "\n");
		cleanup_free char *f = strndup(p, n);
		cleanup_free char *path = xasprintf("%s/%s", dir, f);
		if (n && access(path, F_OK) == 0 &&
		    glass_sys_chown(path, (uid_t)uid, (gid_t)gid, "process.user", err) < 0)
			return -1;
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* The topmost directory of hierarchy i's path that does not exist yet:
 * what make_dirs() will make, and so what the container will own. */
static char *first_missing(const struct glass_cgroup *cg, size_t i)
{
	const char *leaf = cg->dir[i];
	for (size_t at = strlen(cg->lay->h[i].mountpoint); leaf[at];) {
		size_t next = at + 1 + strcspn(leaf + at + 1, "/");
		char *d = strndup(leaf, next);
		struct stat st;
		if (stat(d, &st) != 0)
			return d;
		free(d);
		at = next;
	}
	return NULL;
}

static int check_unused(const struct glass_cgroup *cg, struct glass_err **err);

/* glass_cgroup_plan() without its check that the cgroup is free. */
static int plan_path(const struct glass_spec *spec, const char *id, bool systemd,
                     struct glass_cgroup **out, struct glass_err **err)
{
	const struct cg_layout *lay = glass_cg_layout(err);
	if (lay == NULL)
		return glass_err_ctx(err, "cgroup");
	if (systemd) {
		if (!systemd_running()) {
			glass_err_new(err, ENOTSUP,
			              "--systemd-cgroup: systemd is not running as PID 1 "
			              "(no /run/systemd/system)");
			return glass_err_hint(err,
			                      "drop --systemd-cgroup: glass then manages the "
			                      "cgroup through the cgroup filesystem, as runc's "
			                      "cgroupfs driver does");
		}
		glass_err_new(err, ENOTSUP,
		              "--systemd-cgroup: the systemd D-Bus cgroup driver is "
		              "not implemented");
		return glass_err_hint(err,
		                      "drop --systemd-cgroup and give an absolute cgroupsPath");
	}
	const char *cp = spec->linux_.cgroups_path;
	if (cp == NULL || *cp == '\0')
		cp = id; /* runc: the id, relative to the caller's cgroup */
	struct glass_cgroup *cg = cg_new(lay);
	glass_trace_phase("cgroup");
	if (resolve(cg, cp, false, err) < 0) {
		glass_cgroup_free(cg);
		return glass_err_ctx(err, "cgroup");
	}
	cg->owned = true;
	for (size_t i = 0; i < lay->n; i++)
		if (used(cg, i))
			cg->made[i] = first_missing(cg, i);
	*out = cg;
	return 0;
}

int glass_cgroup_plan(const struct glass_spec *spec, const char *id, bool systemd,
                      struct glass_cgroup **out, struct glass_err **err)
{
	if (plan_path(spec, id, systemd, out, err) < 0)
		return -1;
	/* Checked here too, before the path is recorded in the state: a
	 * create killed after that must not have delete --force kill what
	 * another container runs in the cgroup its config named. */
	if (check_unused(*out, err) < 0) {
		glass_cgroup_freep(out);
		return glass_err_ctx(err, "cgroup");
	}
	return 0;
}

static void collect_pids(const char *dir, pid_t **pids, size_t *n, size_t *cap);

/* The pids in hierarchy i's cgroup and below (none when it is not there). */
static void pids_in(const struct glass_cgroup *cg, size_t i, pid_t **pids, size_t *n)
{
	size_t cap = 0;
	struct stat st;
	*pids = NULL;
	*n = 0;
	if (used(cg, i) && stat(cg->dir[i], &st) == 0)
		collect_pids(cg->dir[i], pids, n, &cap);
}

/* An existing cgroup is joined, but not one that holds processes in any
 * hierarchy: the limits, pause, kill --all and delete would hit another
 * container (the runtime spec asks for an error here). */
static int check_unused(const struct glass_cgroup *cg, struct glass_err **err)
{
	for (size_t i = 0; i < cg->lay->n; i++) {
		pid_t *busy = NULL;
		size_t nbusy = 0;
		pids_in(cg, i, &busy, &nbusy);
		if (nbusy == 0)
			continue;
		glass_err_field(err, EBUSY, FIELD_PATH,
		                "cgroup %s already has %zu process(es) (pid %d) in %s", cg->path,
		                nbusy, (int)busy[0], cg->dir[i]);
		free(busy);
		return glass_err_hint(err, "another container uses this cgroupsPath; give each "
		                           "container its own");
	}
	return 0;
}

int glass_cgroup_create(const struct glass_spec *spec, const char *id, bool systemd,
                        struct glass_cgroup **out, struct glass_err **err)
{
	struct glass_cgroup *cg = NULL;
	if (glass_cgroup_plan(spec, id, systemd, &cg, err) < 0)
		return -1;
	if (glass_cgroup_make(cg, spec, err) < 0) {
		glass_cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

int glass_cgroup_make(struct glass_cgroup *cg, const struct glass_spec *spec,
                      struct glass_err **err)
{
	const struct cg_layout *lay = cg->lay;
	const struct glass_resources *r = &spec->linux_.resources;
	uint32_t want = needed_ctrls(r);
	if (lay->mode == CG_MODE_V2 && lay->v2 >= 0)
		want |= lay->h[lay->v2].ctrls; /* like runc and crun on a pure v2 host */
	glass_trace_note("cgroup", FIELD_PATH, "cgroup %s on a %s host", cg->path,
	                 glass_cg_mode_name(lay->mode));
	for (size_t i = 0; i < lay->n; i++) {
		if (!used(cg, i) || make_dirs(cg, i, lay->h[i].v2 ? want : 0, err) == 0)
			continue;
		/* Rootless, as runc: without a writable cgroup tree the container
		 * runs in the caller's cgroups, unless it asked for limits. */
		if (geteuid() != 0 && (errno == EACCES || errno == EPERM || errno == EROFS) &&
		    needed_ctrls(r) == 0) {
			glass_trace_note("cgroup", FIELD_PATH,
			                 "rootless: %s is not writable; the container stays in "
			                 "the caller's cgroups (no limits were asked for)",
			                 lay->h[i].mountpoint);
			glass_err_free(err);
			for (size_t k = 0; k < lay->n; k++) {
				if (cg->made[k])
					remove_tree(cg->made[k], NULL);
				free(cg->made[k]);
				free(cg->dir[k]);
				free(cg->rel[k]);
				cg->made[k] = cg->dir[k] = cg->rel[k] = NULL;
			}
			free(cg->path);
			cg->path = NULL;
			return 0;
		}
		if (geteuid() != 0)
			glass_err_hint(err, "limits need a cgroup the user may write: a delegated "
			                    "cgroup v2 subtree (cgroupsPath below it)");
		goto fail;
	}
	if (busy_lock_take(cg, err) < 0 || check_unused(cg, err) < 0 ||
	    apply(cg, r, spec, false, err) < 0 || delegate(cg, spec, err) < 0)
		goto fail;
	return 0;
fail:
	busy_lock_release(cg);
	for (size_t i = 0; i < lay->n; i++) {
		if (cg->made[i])
			remove_tree(cg->made[i], NULL);
		free(cg->made[i]);
		cg->made[i] = NULL;
	}
	return glass_err_ctx(err, "cgroup");
}

int glass_cgroup_open_config(const struct glass_spec *spec, const char *id,
                             struct glass_cgroup **out, struct glass_err **err)
{
	if (plan_path(spec, id, false, out, err) < 0)
		return -1;
	(*out)->owned = false;
	for (size_t i = 0; i < (*out)->lay->n; i++) {
		free((*out)->made[i]);
		(*out)->made[i] = NULL;
	}
	return 0;
}

char **glass_cgroup_made(const struct glass_cgroup *cg)
{
	char **v = xcalloc(cg->lay->n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < cg->lay->n; i++)
		if (cg->made[i])
			v[k++] = xstrdup(cg->made[i]);
	return v;
}

void glass_cgroup_set_made(struct glass_cgroup *cg, char *const *made)
{
	cg->owned = true;
	for (size_t i = 0; i < cg->lay->n; i++) {
		free(cg->made[i]);
		cg->made[i] = NULL;
		for (char *const *m = made; used(cg, i) && m && *m; m++) {
			size_t ml = strlen(*m), hl = strlen(cg->lay->h[i].mountpoint);
			/* Below this hierarchy's mount, and the leaf or one of its
			 * ancestors. */
			if (ml > hl && strncmp(*m, cg->lay->h[i].mountpoint, hl) == 0 &&
			    (*m)[hl] == '/' && strncmp(cg->dir[i], *m, ml) == 0 &&
			    (cg->dir[i][ml] == '/' || cg->dir[i][ml] == '\0'))
				cg->made[i] = xstrdup(*m);
		}
	}
}

int glass_cgroup_open(const char *path, struct glass_cgroup **out, struct glass_err **err)
{
	const struct cg_layout *lay = glass_cg_layout(err);
	if (lay == NULL)
		return -1;
	struct glass_cgroup *cg = cg_new(lay);
	if (resolve(cg, path, true, err) < 0) {
		glass_cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

const char *glass_cgroup_path(const struct glass_cgroup *cg)
{
	/* NULL: a rootless container left in the caller's cgroups. */
	return cg->path;
}

/* Writing the pid failed in hierarchy i: the error names the cgroup. */
static int enter_failed(struct glass_cgroup *cg, size_t i, struct glass_err **err)
{
	if (err && *err && (*err)->errnum == EBUSY && cg->lay->h[i].v2)
		glass_err_hint(err, "cgroup v2 keeps processes out of a cgroup that "
		                    "has controllers enabled for children");
	busy_lock_release(cg);
	return glass_err_ctx(err, "cgroup: joining %s", cg->dir[i]);
}

/* Hierarchy i for glass_cgroup_join_open(): the cgroup2 directory, or a
 * v1 hierarchy's `tasks`, opened into j with the runtime's credentials
 * (the ones v1 checks when the process writes). */
static int join_open_one(struct glass_cgroup *cg, size_t i, struct glass_cgroup_join *j,
                         struct glass_err **err)
{
	bool v2 = cg->lay->h[i].v2;
	cleanup_free char *path = v2 ? xstrdup(cg->dir[i]) : join(cg->dir[i], "tasks");
	int fd = glass_sys_openat(AT_FDCWD, NULL, path,
	                          v2 ? O_RDONLY | O_DIRECTORY | O_CLOEXEC : O_WRONLY | O_CLOEXEC, 0,
	                          FIELD_PATH, err);
	if (fd < 0)
		return -1;
	if (v2) {
		j->v2_fd = fd;
		j->v2_path = steal_pointer(&path);
		return 0;
	}
	j->fd[j->n] = fd;
	j->path[j->n++] = steal_pointer(&path);
	return 0;
}

int glass_cgroup_join_open(struct glass_cgroup *cg, struct glass_cgroup_join *j,
                           struct glass_err **err)
{
	*j = (struct glass_cgroup_join){.v2_fd = -1, .lock_fd = cg->busy_lock - 1};
	for (size_t i = 0; i < cg->lay->n; i++) {
		if (used(cg, i) && join_open_one(cg, i, j, err) < 0) {
			glass_cgroup_join_clear(j);
			return enter_failed(cg, i, err);
		}
	}
	return 0;
}

int glass_cgroup_enter_v2(struct glass_cgroup *cg, pid_t pid, struct glass_err **err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->lay->n; i++) {
		if (used(cg, i) && cg->lay->h[i].v2 &&
		    glass_cg_write(cg->dir[i], "cgroup.procs", buf, FIELD_PATH, err) < 0)
			return enter_failed(cg, i, err);
	}
	return 0;
}

/* "/sys/fs/cgroup/cpu/x/tasks" -> "/sys/fs/cgroup/cpu/x" (malloc'd). */
static char *dir_of_tasks(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup(path);
}

int glass_cgroup_join_self(struct glass_cgroup_join *j, struct glass_err **err)
{
	int rc = 0;
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	j->lock_fd = -1;
	if (j->n)
		glass_trace_note("cgroup", FIELD_PATH,
		                 "the process moves itself: \"0\" to `tasks` of %zu v1 hierarch%s, "
		                 "opened by the runtime (a write to cgroup.procs would wait for an "
		                 "RCU grace period under the kernel's global "
		                 "cgroup_threadgroup_rwsem, once per hierarchy)",
		                 j->n, j->n == 1 ? "y" : "ies");
	for (size_t i = 0; i < j->n && rc == 0; i++) {
		if (glass_sys_write_fd(j->fd[i], j->path[i], "0", FIELD_PATH, err) < 0) {
			cleanup_free char *dir = dir_of_tasks(j->path[i]);
			if (err && *err && (*err)->errnum == ENOSPC)
				glass_err_hint(err,
				               "cgroup v1 takes no task into a cpuset cgroup whose "
				               "cpuset.cpus or cpuset.mems is empty");
			rc = glass_err_ctx(err, "cgroup: joining %s", dir);
		}
	}
	glass_cgroup_join_clear(j);
	return rc;
}

void glass_cgroup_enter_end(struct glass_cgroup *cg)
{
	busy_lock_release(cg); /* the cgroup has a process now: the next check sees it */
}

void glass_cgroup_join_clear(struct glass_cgroup_join *j)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->fd[i] >= 0)
			close(j->fd[i]);
		free(j->path[i]);
	}
	if (j->v2_fd >= 0)
		close(j->v2_fd);
	free(j->v2_path);
	*j = (struct glass_cgroup_join){.v2_fd = -1, .lock_fd = -1};
}

/* ---- applying resources ---- */

static const struct cg_backend *backend_of(const struct glass_cgroup *cg, int h)
{
	return cg->lay->h[h].v2 ? &glass_cg_v2 : &glass_cg_v1;
}

/* The hierarchy controller c is bound to and used by this cgroup, or an
 * error naming `field`. */
static int need(struct glass_cgroup *cg, enum cg_ctrl c, const char *field, struct glass_err **err)
{
	int h = cg->lay->by_ctrl[c];
	if (h >= 0 && used(cg, (size_t)h))
		return h;
	glass_err_field(err, ENOTSUP, field, "the %s controller is not available on this host",
	                glass_cg_ctrl_name(c));
	glass_err_hint(err, "%s needs the %s cgroup controller; this %s host has no %s", field,
	               c == CG_BLKIO ? "blkio/io" : glass_cg_ctrl_name(c),
	               glass_cg_mode_name(cg->lay->mode),
	               cg->lay->mode == CG_MODE_V2 ? "such controller in cgroup.controllers"
	                                           : "hierarchy with it mounted");
	return -1;
}

static bool has_memory(const struct glass_resources *r)
{
	return r->memory.present;
}
static bool has_cpu(const struct glass_resources *r)
{
	return (needed_ctrls(r) & (1u << CG_CPU)) != 0;
}
static bool has_cpuset(const struct glass_resources *r)
{
	return r->cpu.cpus || r->cpu.mems;
}
static bool has_pids(const struct glass_resources *r)
{
	return r->pids.present;
}
static bool has_blkio(const struct glass_resources *r)
{
	return r->block_io.present;
}
static bool has_hugetlb(const struct glass_resources *r)
{
	return r->nhugepage_limits > 0;
}
static bool has_rdma(const struct glass_resources *r)
{
	return r->nrdma > 0;
}

typedef int (*cg_apply_fn)(struct glass_cgroup *cg, const char *dir,
                           const struct glass_resources *r, struct glass_err **err);

/* The resources that go to one controller's hierarchy, in the order they
 * are applied: the controller, the field an error names, whether the
 * config sets it, and the backend function (a slot of struct cg_backend)
 * of the hierarchy that controller is bound to. */
static const struct cg_resource {
	enum cg_ctrl ctrl;
	const char *field;
	bool (*present)(const struct glass_resources *r);
	size_t slot;
} resources[] = {
    {CG_MEMORY, "linux.resources.memory", has_memory, offsetof(struct cg_backend, memory)},
    {CG_CPU, "linux.resources.cpu", has_cpu, offsetof(struct cg_backend, cpu)},
    {CG_CPUSET, "linux.resources.cpu.cpus", has_cpuset, offsetof(struct cg_backend, cpuset)},
    {CG_PIDS, "linux.resources.pids", has_pids, offsetof(struct cg_backend, pids)},
    {CG_BLKIO, "linux.resources.blockIO", has_blkio, offsetof(struct cg_backend, blkio)},
    {CG_HUGETLB, "linux.resources.hugepageLimits", has_hugetlb,
     offsetof(struct cg_backend, hugetlb)},
    {CG_RDMA, "linux.resources.rdma", has_rdma, offsetof(struct cg_backend, rdma)},
};

static int apply_resource(struct glass_cgroup *cg, const struct cg_resource *row,
                          const struct glass_resources *r, struct glass_err **err)
{
	const char *field = row->field;
	if (row->ctrl == CG_CPUSET && r->cpu.cpus == NULL)
		field = "linux.resources.cpu.mems";
	int h = need(cg, row->ctrl, field, err);
	if (h < 0)
		return -1;
	cg_apply_fn fn = *(const cg_apply_fn *)((const char *)backend_of(cg, h) + row->slot);
	return fn(cg, cg->dir[h], r, err);
}

/* Devices: on create only, with the default devices appended so they stay
 * usable when the config denies everything. */
static int apply_devices(struct glass_cgroup *cg, const struct glass_resources *r,
                         const struct glass_spec *spec, struct glass_err **err)
{
	int h = cg->lay->by_ctrl[CG_DEVICES];
	if (h >= 0 && used(cg, (size_t)h))
		return glass_cg_v1.devices(cg, cg->dir[h], r, spec, err);
	if (cg->lay->mode == CG_MODE_V2 && cg->lay->v2 >= 0 && used(cg, (size_t)cg->lay->v2))
		return glass_cg_v2.devices(cg, cg->dir[cg->lay->v2], r, spec, err);
	if (r->ndevices)
		return need(cg, CG_DEVICES, "linux.resources.devices", err);
	return 0;
}

/* linux.resources.unified: raw cgroup2 files, for controllers bound to the
 * cgroup2 hierarchy (and its core cgroup.* files). */
static int apply_unified(struct glass_cgroup *cg, const struct glass_resources *r,
                         struct glass_err **err)
{
	for (size_t i = 0; i < r->nunified; i++) {
		const char *k = r->unified[i].key;
		cleanup_free char *field = xasprintf("linux.resources.unified[\"%s\"]", k);
		if (strchr(k, '/') || k[0] == '.' || strchr(k, '.') == NULL)
			return glass_err_field(err, EINVAL, field, "unified key \"%s\"", k);
		if (cg->lay->v2 < 0 || !used(cg, (size_t)cg->lay->v2)) {
			glass_err_field(err, ENOTSUP, field, "no cgroup2 hierarchy on this host");
			return glass_err_hint(err, "linux.resources.unified needs cgroup v2");
		}
		int c = glass_cg_ctrl_from_v2(k, strcspn(k, "."));
		bool core = strncmp(k, "cgroup.", 7) == 0;
		if (!core && (c < 0 || cg->lay->by_ctrl[c] != cg->lay->v2)) {
			glass_err_field(
			    err, ENOTSUP, field,
			    "controller of \"%s\" is not bound to the cgroup2 hierarchy", k);
			return glass_err_hint(err,
			                      "on this %s host that controller lives in a v1 "
			                      "hierarchy; use the typed linux.resources field",
			                      glass_cg_mode_name(cg->lay->mode));
		}
		if (glass_cg_write(cg->dir[cg->lay->v2], k, r->unified[i].value, field, err) < 0)
			return -1;
	}
	return 0;
}

/* Applies `res` (create: `update` false, `spec` the whole config for the
 * device rules; update: true, spec NULL). */
static int apply(struct glass_cgroup *cg, const struct glass_resources *res,
                 const struct glass_spec *spec, bool update, struct glass_err **err)
{
	/* As runc: a zero memory limit, reservation or swap and zero cpu
	 * shares mean "not set" (a 0-byte limit would kill the container at
	 * once).  A zero pids limit is a real limit (the spec says so). */
	struct glass_resources copy = *res;
	struct glass_resources *r = &copy;
	if (r->memory.has_limit && r->memory.limit == 0)
		r->memory.has_limit = false;
	if (r->memory.has_swap && r->memory.swap == 0)
		r->memory.has_swap = false;
	if (r->memory.has_reservation && r->memory.reservation == 0)
		r->memory.has_reservation = false;
	if (r->cpu.has_shares && r->cpu.shares == 0)
		r->cpu.has_shares = false;
	cg->update = update;
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (resources[i].present(r) && apply_resource(cg, &resources[i], r, err) < 0)
			return -1;
	if (r->network.present && glass_cg_v1.network(cg, r, err) < 0)
		return -1;
	/* Like runc, update leaves the device rules alone. */
	if (update && r->ndevices)
		glass_trace_note("ignored", "linux.resources.devices",
		                 "device rules are set at create and not changed by update");
	if (!update && apply_devices(cg, r, spec, err) < 0)
		return -1;
	return apply_unified(cg, r, err);
}

int glass_cgroup_update(struct glass_cgroup *cg, const struct glass_resources *res,
                        struct glass_err **err)
{
	glass_trace_phase("cgroup");
	uint32_t want = needed_ctrls(res);
	int v = cg->lay->v2;
	if (v >= 0 && used(cg, (size_t)v) && want) {
		/* Enable newly needed controllers down the path (the leaf
		 * included is not needed: limits live in the leaf itself). */
		const char *leaf = cg->dir[v];
		size_t base = strlen(cg->lay->h[v].mountpoint);
		for (size_t at = base; leaf[at];) {
			size_t next = at + 1 + strcspn(leaf + at + 1, "/");
			cleanup_free char *parent = xstrndup(leaf, at);
			if (v2_enable(parent, want, err) < 0)
				return glass_err_ctx(err, "cgroup update");
			at = next;
		}
	}
	if (apply(cg, res, NULL, true, err) < 0)
		return glass_err_ctx(err, "cgroup update");
	return 0;
}

/* ---- freeze, kill, pids, destroy ---- */

static int freezer_hier(const struct glass_cgroup *cg)
{
	int h = cg->lay->by_ctrl[CG_FREEZER];
	if (h >= 0 && used(cg, (size_t)h))
		return h;
	if (cg->lay->v2 >= 0 && used(cg, (size_t)cg->lay->v2))
		return cg->lay->v2;
	return -1;
}

int glass_cgroup_freeze(struct glass_cgroup *cg, bool frozen, struct glass_err **err)
{
	int h = freezer_hier(cg);
	if (h < 0) {
		glass_err_new(err, ENOTSUP, "%s: no freezer on this host",
		              frozen ? "pause" : "resume");
		return glass_err_hint(err, "mount the v1 freezer hierarchy or use cgroup v2");
	}
	glass_trace_phase("cgroup");
	return backend_of(cg, h)->freeze(cg->dir[h], frozen, err);
}

bool glass_cgroup_is_frozen(struct glass_cgroup *cg)
{
	int h = freezer_hier(cg);
	return h >= 0 && backend_of(cg, h)->is_frozen(cg->dir[h]) == 1;
}

/* The hierarchy to list processes from: cgroup2 holds all of them when the
 * container joined it; otherwise pids, memory, or any v1 one. */
static int procs_hier(const struct glass_cgroup *cg)
{
	if (cg->lay->v2 >= 0 && used(cg, (size_t)cg->lay->v2))
		return cg->lay->v2;
	static const enum cg_ctrl pref[] = {CG_PIDS, CG_FREEZER, CG_MEMORY, CG_CPU};
	for (size_t k = 0; k < sizeof(pref) / sizeof(pref[0]); k++) {
		int h = cg->lay->by_ctrl[pref[k]];
		if (h >= 0 && used(cg, (size_t)h))
			return h;
	}
	for (size_t i = 0; i < cg->lay->n; i++)
		if (used(cg, i))
			return (int)i;
	return -1;
}

static void collect_pids(const char *dir, pid_t **pids, size_t *n, size_t *cap)
{
	cleanup_free char *s = glass_cg_read(dir, "cgroup.procs");
	for (char *p = s; p && *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*pids = xrealloc(*pids, *cap * sizeof(pid_t));
		}
		(*pids)[(*n)++] = (pid_t)v;
		p = end + strspn(end, "\n");
	}
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", dir, e->d_name);
		collect_pids(sub, pids, n, cap);
	}
	closedir(d);
}

int glass_cgroup_pids(struct glass_cgroup *cg, pid_t **pids, size_t *n, struct glass_err **err)
{
	*pids = NULL;
	*n = 0;
	int h = procs_hier(cg);
	if (h < 0)
		return glass_err_new(err, ENOENT, "cgroup %s: no hierarchy", cg->path);
	struct stat st;
	if (stat(cg->dir[h], &st) != 0)
		return glass_err_new(err, errno, "stat(\"%s\")", cg->dir[h]);
	size_t cap = 0;
	collect_pids(cg->dir[h], pids, n, &cap);
	return 0;
}

int glass_cgroup_kill(struct glass_cgroup *cg, int sig, struct glass_err **err)
{
	glass_trace_phase("cgroup");
	int v = cg->lay->v2;
	if (sig == SIGKILL && v >= 0 && used(cg, (size_t)v) &&
	    glass_cg_has(cg->dir[v], "cgroup.kill"))
		return glass_cg_write(cg->dir[v], "cgroup.kill", "1", NULL, err);
	/* No cgroup.kill: freeze so nothing forks while we signal, like runc. */
	bool froze = false;
	if (freezer_hier(cg) >= 0 && !glass_cgroup_is_frozen(cg)) {
		struct glass_err *ferr = NULL;
		froze = glass_cgroup_freeze(cg, true, &ferr) == 0;
		glass_err_free(&ferr);
	}
	pid_t *pids;
	size_t n;
	int rc = glass_cgroup_pids(cg, &pids, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char what[32];
		snprintf(what, sizeof(what), "%d", (int)pids[i]);
		struct glass_err *kerr = NULL;
		if (glass_sys_kill(pids[i], sig, NULL, &kerr) < 0 && errno != ESRCH)
			rc = glass_err_move(err, &kerr);
		glass_err_free(&kerr);
	}
	free(pids);
	if (froze) {
		struct glass_err *terr = NULL;
		glass_cgroup_freeze(cg, false, &terr);
		glass_err_free(&terr);
	}
	return rc;
}

/* The leaf's parents up to the topmost directory this container made,
 * each removed only while empty: another container may have made its
 * own cgroup beside ours in one of them since. */
static void remove_made_parents(const struct glass_cgroup *cg, size_t i)
{
	cleanup_free char *p = xstrdup(cg->dir[i]);
	size_t top = strlen(cg->made[i]);
	for (char *slash = strrchr(p, '/'); slash && (size_t)(slash - p) >= top;
	     slash = strrchr(p, '/')) {
		*slash = '\0';
		if (rmdir(p) < 0 && errno != ENOENT)
			return;
	}
}

int glass_cgroup_destroy(struct glass_cgroup *cg, struct glass_err **err)
{
	glass_trace_phase("cgroup");
	pid_t *pids = NULL;
	size_t n = 0;
	struct glass_err *perr = NULL;
	if (glass_cgroup_pids(cg, &pids, &n, &perr) == 0 && n > 0) {
		struct glass_err *kerr = NULL;
		glass_cgroup_kill(cg, SIGKILL, &kerr);
		glass_err_free(&kerr);
	}
	glass_err_free(&perr);
	free(pids);
	if (glass_cgroup_is_frozen(cg)) {
		/* Frozen v1 tasks cannot die; thaw so the SIGKILL lands. */
		struct glass_err *terr = NULL;
		glass_cgroup_freeze(cg, false, &terr);
		glass_err_free(&terr);
	}
	int rc = 0;
	for (size_t i = 0; i < cg->lay->n; i++) {
		/* Only what this container made: a cgroup it joined stays. */
		if (!used(cg, i) || (cg->owned && cg->made[i] == NULL))
			continue;
		if (remove_tree(cg->dir[i], rc == 0 ? err : NULL) < 0)
			rc = -1;
		else if (cg->owned)
			remove_made_parents(cg, i);
	}
	return rc < 0 ? glass_err_ctx(err, "cgroup: removing %s", cg->path) : 0;
}

const char *glass_cgroup_host_mode(void)
{
	struct glass_err *err = NULL;
	const struct cg_layout *lay = glass_cg_layout(&err);
	glass_err_free(&err);
	return lay ? glass_cg_mode_name(lay->mode) : "none";
}
