/* ctr-create: a container from an image, not yet started.
 *
 * The steps, each undone when a later one fails: reserve the name, find
 * (or pull) the image and unpack its layers, make the snapshot (the
 * directory ROOT/containers/ID, overlay-mounted at rootfs/), write the
 * OCI bundle's config.json beside it, and last the record: a directory
 * without record.json is not yet a container, so a create killed halfway
 * leaves nothing `ps` shows (and `container prune` sweeps it). */
#include "ctr.h"
#include "snapshot.h"
#include "trace.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64] = {0};
	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (getrandom(b, nbytes, 0) != (ssize_t)nbytes) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < nbytes; i++)
			b[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^
			                       (int)((unsigned)getpid() * (unsigned)i));
	}
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool valid_name(const char *n)
{
	if (!*n || strlen(n) > 128 || !isalnum((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* A name as docker makes one: adjective_scientist. */
static char *generated_name(const char *id)
{
	static const char *const adj[] = {"brave", "calm",  "eager", "fond",  "keen", "lucid",
	                                  "nifty", "quiet", "sharp", "vivid", "bold", "clever",
	                                  "happy", "jolly", "proud", "gentle"};
	static const char *const who[] = {
	    "curie", "turing",   "hopper", "lovelace", "noether", "dijkstra", "ritchie", "thompson",
	    "knuth", "hamilton", "euler",  "gauss",    "kepler",  "tesla",    "bohr",    "meitner"};
	unsigned a = (unsigned)strtoul((char[]){id[0], id[1], 0}, NULL, 16);
	unsigned w = (unsigned)strtoul((char[]){id[2], id[3], 0}, NULL, 16);
	return xasprintf("%s_%s", adj[a % 16], who[w % 16]);
}

static struct json_object *strv_json(char **v)
{
	struct json_object *a = json_object_new_array();
	for (char **p = v; p && *p; p++)
		json_object_array_add(a, json_object_new_string(*p));
	return a;
}

#define ADD(o, k, v) json_object_object_add(o, k, v)
#define STR(s)       ((s) ? json_object_new_string(s) : NULL)

/* The image's config.ExposedPorts ({"80/tcp": {}}), which -P publishes. */
static struct json_object *exposed_ports(const struct glass_image *img)
{
	struct json_object *out = NULL;
	if (!img->config->exposed_ports ||
	    json_object_deep_copy(img->config->exposed_ports, &out, NULL) < 0)
		out = json_object_new_object();
	return out;
}

/* Docker's Config: what the container runs, as asked. */
static struct json_object *config_json(const struct ctr_create_opts *o, const char *hostname,
                                       const struct glass_image *img)
{
	const struct glass_bundle_opts *b = &o->bundle;
	struct json_object *c = json_object_new_object(), *labels = json_object_new_object();
	ADD(c, "Hostname", json_object_new_string(hostname));
	ADD(c, "User", json_object_new_string(b->user ? b->user : ""));
	ADD(c, "Tty", json_object_new_boolean(o->tty));
	ADD(c, "OpenStdin", json_object_new_boolean(o->stdin_open));
	ADD(c, "Env", strv_json(b->env));
	ADD(c, "Cmd", strv_json(b->args ? b->args : img->config->cmd));
	ADD(c, "Entrypoint",
	    strv_json(b->entrypoint_set ? b->entrypoint : img->config->entrypoint));
	ADD(c, "Image", json_object_new_string(o->image));
	ADD(c, "WorkingDir", json_object_new_string(b->workdir ? b->workdir : ""));
	for (char **l = o->labels; l && *l; l++) {
		size_t k = strcspn(*l, "=");
		cleanup_free char *key = xstrndup(*l, k);
		ADD(labels, key, json_object_new_string((*l)[k] ? *l + k + 1 : ""));
	}
	ADD(c, "Labels", labels);
	ADD(c, "ExposedPorts", exposed_ports(img));
	ADD(c, "StopSignal", json_object_new_string(o->stop_signal ? o->stop_signal : "SIGTERM"));
	ADD(c, "StopTimeout", json_object_new_int(o->stop_timeout >= 0 ? o->stop_timeout : 10));
	return c;
}

/* Binds ("SRC:DST[:ro]") and Docker's Mounts from the parsed flags. */
static void mounts_json(struct json_object *r, struct json_object *h,
                        const struct engine_netvol *nv)
{
	struct json_object *binds = json_object_new_array(), *mounts = json_object_new_array();
	for (size_t i = 0; nv && i < nv->nmounts; i++) {
		const struct engine_mount *m = &nv->mounts[i];
		if (strcmp(m->type, "tmpfs") == 0)
			continue;
		struct json_object *o = json_object_new_object();
		bool vol = strcmp(m->type, "volume") == 0;
		ADD(o, "Type", json_object_new_string(m->type));
		if (vol)
			ADD(o, "Name", json_object_new_string(m->source));
		ADD(o, "Source", json_object_new_string(m->host_path ? m->host_path : m->source));
		ADD(o, "Destination", json_object_new_string(m->target));
		ADD(o, "Mode", json_object_new_string(m->readonly ? "ro" : ""));
		ADD(o, "RW", json_object_new_boolean(!m->readonly));
		json_object_array_add(mounts, o);
		if (m->anonymous || m->from_peer)
			continue;
		cleanup_free char *b =
		    xasprintf("%s:%s%s", m->source, m->target, m->readonly ? ":ro" : "");
		json_object_array_add(binds, json_object_new_string(b));
	}
	ADD(h, "Binds", binds);
	ADD(r, "Mounts", mounts);
}

/* Docker's HostConfig: how the engine runs it. */
static struct json_object *host_config_json(const struct ctr_create_opts *o)
{
	const struct glass_bundle_opts *b = &o->bundle;
	struct json_object *h = json_object_new_object(), *rp = json_object_new_object(),
	                   *lc = json_object_new_object();
	const char *restart = o->restart ? o->restart : "no";
	size_t n = strcspn(restart, ":");
	cleanup_free char *pname = xstrndup(restart, n);
	ADD(rp, "Name", json_object_new_string(strcmp(pname, "no") == 0 ? "" : pname));
	ADD(rp, "MaximumRetryCount", json_object_new_int(restart[n] ? atoi(restart + n + 1) : 0));
	ADD(h, "RestartPolicy", rp);
	ADD(h, "AutoRemove", json_object_new_boolean(o->rm));
	ADD(lc, "Type", json_object_new_string("json-file"));
	ADD(h, "LogConfig", lc);
	ADD(h, "Memory", json_object_new_int64(b->memory));
	ADD(h, "NanoCpus", json_object_new_int64((int64_t)(b->cpus * 1e9)));
	ADD(h, "PidsLimit", b->pids_limit > 0 ? json_object_new_int64(b->pids_limit) : NULL);
	ADD(h, "ReadonlyRootfs", json_object_new_boolean(b->readonly));
	ADD(h, "Privileged", json_object_new_boolean(b->privileged));
	ADD(h, "CapAdd", strv_json(b->cap_add));
	ADD(h, "CapDrop", strv_json(b->cap_drop));
	ADD(h, "SecurityOpt", strv_json(o->security_opt));
	ADD(h, "Init", json_object_new_boolean(o->init));
	ADD(h, "CgroupParent", json_object_new_string(o->cgroup_parent ? o->cgroup_parent : ""));
	ADD(h, "VolumesFrom", strv_json(o->volumes_from));
	struct json_object *size = json_object_new_array();
	json_object_array_add(size, json_object_new_int64(b->console_height));
	json_object_array_add(size, json_object_new_int64(b->console_width));
	ADD(h, "ConsoleSize", size);
	return h;
}

static void log_opts_json(struct json_object *host, const struct ctr_create_opts *o)
{
	struct json_object *lco = json_object_new_object();
	char buf[32];
	if (o->log_max_size > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)o->log_max_size);
		ADD(lco, "max-size", json_object_new_string(buf));
	}
	if (o->log_max_file > 0) {
		snprintf(buf, sizeof(buf), "%d", o->log_max_file);
		ADD(lco, "max-file", json_object_new_string(buf));
	}
	ADD(json_object_object_get(host, "LogConfig"), "Config", lco);
}

static struct json_object *record_json(const struct ctr_create_opts *o, const char *id,
                                       const char *name, const char *hostname, const char *cgpath,
                                       const struct glass_image *img,
                                       const struct glass_snapshot *snap)
{
	struct json_object *r = json_object_new_object(), *gd = json_object_new_object(),
	                   *gdd = json_object_new_object();
	char created[GLASS_RFC3339_MAX];
	cleanup_free char *n = xasprintf("/%s", name);
	glass_time_rfc3339(created, sizeof(created), NULL);
	ADD(r, "Id", json_object_new_string(id));
	ADD(r, "Created", json_object_new_string(created));
	ADD(r, "Name", json_object_new_string(n));
	ADD(r, "Image", STR(img->config_digest));
	ADD(r, "ImageName", STR(img->name ? img->name : o->image));
	ADD(r, "Config", config_json(o, hostname, img));
	struct json_object *host = host_config_json(o);
	log_opts_json(host, o);
	ctr_net_record_json(r, host, o->netvol, o->publish_all);
	mounts_json(r, host, o->netvol);
	ADD(r, "HostConfig", host);
	ADD(r, "CgroupsPath", json_object_new_string(cgpath));
	ADD(gd, "Name", json_object_new_string(snap->overlay ? "overlay2" : "copy"));
	ADD(gdd, "MergedDir", json_object_new_string(snap->rootfs));
	if (snap->overlay) {
		cleanup_free char *up = xasprintf("%s/upper", snap->dir);
		cleanup_free char *wk = xasprintf("%s/work", snap->dir);
		ADD(gdd, "UpperDir", json_object_new_string(up));
		ADD(gdd, "WorkDir", json_object_new_string(wk));
	}
	ADD(gd, "Data", gdd);
	ADD(r, "GraphDriver", gd);
	return r;
}

/* The cgroup: PARENT/ID, absolute, as docker's cgroupfs driver does. */
static char *cgroup_path(const struct ctr_create_opts *o, const char *id)
{
	const char *p = o->cgroup_parent;
	if (!p || !*p)
		p = getenv("GLASS_CGROUP_PARENT");
	if (!p || !*p)
		p = "/glass";
	return xasprintf("%s%s/%s", p[0] == '/' ? "" : "/", p, id);
}

struct create_ctx {
	struct glass_store *s;
	struct glass_image *img;
	struct glass_snapshot *snap;
	char **lowers;
	char *name, *cgpath;
	struct json_object *rec;
	bool name_held, snap_made, netvol_made;
	char **volumes_from;
};

static void create_ctx_release(struct create_ctx *x, const char *id, bool failed)
{
	if (failed && x->netvol_made)
		engine_netvol_remove(id, true, NULL);
	if (failed && x->snap_made && (x->s || engine_store_open(false, &x->s, NULL) == 0))
		glass_snapshot_remove(x->s, id, NULL);
	if (failed && x->name_held)
		ctr_name_release(x->name, id);
	glass_snapshot_free(x->snap);
	glass_manifest_strv_free(x->lowers);
	glass_image_free(x->img);
	glass_store_close(x->s);
	json_object_put(x->rec);
	free(x->name);
	free(x->cgpath);
}

static int write_record(const char *dir, struct json_object *rec, struct glass_err **err)
{
	cleanup_free char *p = xasprintf("%s/record.json", dir);
	return engine_json_save(p, rec, false, 0600, err);
}

static bool has_target(const struct engine_netvol *nv, const char *target)
{
	for (size_t i = 0; i < nv->nmounts; i++)
		if (strcmp(nv->mounts[i].target, target) == 0)
			return true;
	return false;
}

/* --volumes-from NAME[:ro|rw]: every bind and volume of NAME at the same
 * path, read-only as there unless the suffix says; a path this container
 * mounts itself keeps its own mount (docker's order). */
static int volumes_from(struct engine_netvol *nv, const char *spec, struct glass_err **err)
{
	cleanup_free char *ref = xstrdup(spec);
	char *colon = strrchr(ref, ':');
	const char *mode = NULL;
	if (colon && (strcmp(colon + 1, "ro") == 0 || strcmp(colon + 1, "rw") == 0)) {
		*colon = '\0';
		mode = colon + 1;
	} else if (colon) {
		return glass_err_field(err, EINVAL, "--volumes-from",
		                       "invalid mode \"%s\" in \"%s\" (ro or rw)", colon + 1, spec);
	}
	cleanup_ctr struct ctr *peer = NULL;
	if (ctr_find(ref, &peer, err) < 0)
		return glass_err_ctx(err, "--volumes-from %s", spec);
	struct json_object *ms = ctr_rec(peer, "Mounts");
	for (size_t i = 0;
	     json_object_is_type(ms, json_type_array) && i < json_object_array_length(ms); i++) {
		struct json_object *m = json_object_array_get_idx(ms, i);
		const char *type = json_object_get_string(ctr_json_at(m, "Type"));
		const char *dst = json_object_get_string(ctr_json_at(m, "Destination"));
		bool vol = type && strcmp(type, "volume") == 0;
		const char *src = json_object_get_string(ctr_json_at(m, vol ? "Name" : "Source"));
		if (!type || !dst || !src || has_target(nv, dst))
			continue;
		nv->mounts = xrealloc(nv->mounts, (nv->nmounts + 1) * sizeof(*nv->mounts));
		struct engine_mount *n = &nv->mounts[nv->nmounts++];
		memset(n, 0, sizeof(*n));
		n->type = xstrdup(vol ? "volume" : "bind");
		n->source = xstrdup(src);
		n->target = xstrdup(dst);
		n->must_exist = true;
		n->from_peer = true;
		n->readonly =
		    mode ? mode[1] == 'o' : !json_object_get_boolean(ctr_json_at(m, "RW"));
	}
	return 0;
}

/* The volumes, keyed by the id (their claims stand while the container's
 * directory exists), and a check that its networks exist: the network
 * itself is made by each start (ctr-net.c). */
static int create_netvol(struct engine_netvol *nv, const char *id, struct create_ctx *x,
                         struct glass_err **err)
{
	nv->name = x->name;
	/* no --network: the runtime's own netns (docs/network.md says why),
	 * or what GLASS_DEFAULT_NETWORK names (bridge: docker's default) */
	const char *dflt = getenv("GLASS_DEFAULT_NETWORK");
	if (nv->mode == ENGINE_NET_DEFAULT && dflt && *dflt) {
		char *argv[] = {"--network", (char *)dflt, NULL};
		int i = 0;
		if (engine_netvol_parse_flag(2, argv, &i, nv, err) < 0)
			return glass_err_ctx(err, "GLASS_DEFAULT_NETWORK=%s", dflt);
	}
	if (nv->mode == ENGINE_NET_CONTAINER) { /* the peer by name or id prefix */
		cleanup_ctr struct ctr *peer = NULL;
		if (ctr_find(nv->container, &peer, err) < 0)
			return glass_err_ctx(err, "--network container:%s", nv->container);
		free(nv->container);
		nv->container = xstrdup(peer->id);
	}
	for (char **v = x->volumes_from; v && *v; v++)
		if (volumes_from(nv, *v, err) < 0)
			return -1;
	glass_trace_phase("volumes");
	if (engine_netvol_prepare(nv, id, x->snap->rootfs, err) < 0)
		return -1;
	x->netvol_made = true;
	return engine_netvol_bundle(nv, x->snap->dir, false, err);
}

static int create_steps(const struct ctr_create_opts *o, const char *id, struct create_ctx *x,
                        struct glass_err **err)
{
	struct glass_bundle_opts bo = o->bundle;
	if (o->name && !valid_name(o->name))
		return glass_err_new(
		    err, EINVAL,
		    "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
		    "allowed",
		    o->name);
	x->name = o->name ? xstrdup(o->name) : generated_name(id);
	if (ctr_name_reserve(x->name, id, err) < 0 &&
	    (o->name || (glass_err_free(err), free(x->name), x->name = xstrdup(id),
	                 ctr_name_reserve(x->name, id, err) < 0)))
		return -1;
	x->name_held = true;
	glass_trace_phase("image");
	if (engine_store_open(false, &x->s, err) < 0 ||
	    engine_image_get(x->s, o->image, o->no_pull ? NULL : &o->pull, &x->img, err) < 0 ||
	    glass_image_unpack(x->s, x->img, !o->pull.quiet, &x->lowers, err) < 0)
		return -1;
	glass_trace_phase("snapshot");
	if (glass_snapshot_create(x->s, id, x->img, x->lowers, o->pull.quiet, &x->snap, err) < 0)
		return -1;
	x->snap_made = true;
	x->cgpath = cgroup_path(o, id);
	bo.cgroups_path = x->cgpath;
	bo.terminal = o->tty;
	if (!bo.hostname)
		bo.hostname = strndup(id, 12);
	glass_trace_phase("bundle");
	int rc = glass_bundle_write(x->snap->dir, "rootfs", x->snap->rootfs, x->img, &bo, err);
	/* the volumes go into the bundle before the record makes the
	 * container visible */
	x->volumes_from = o->volumes_from;
	if (rc == 0 && o->netvol)
		rc = create_netvol(o->netvol, id, x, err);
	if (rc == 0)
		x->rec = record_json(o, id, x->name, bo.hostname, x->cgpath, x->img, x->snap);
	if (bo.hostname != o->bundle.hostname)
		free((char *)bo.hostname);
	if (rc < 0)
		return glass_err_ctx(err, "bundle for %s", x->name);
	return write_record(x->snap->dir, x->rec, err);
}

/* ROOT/creating/ID, flocked while the container is being made: a create
 * killed halfway leaves a directory without a record whose lock nobody
 * holds, and `container prune` knows it may sweep it.  The lock is the
 * file at the path once flock() returns: a sweeper may have removed the
 * file this process opened (it removes what it swept while holding the
 * lock, the file last), and then the create opens it again. */
static int creating_lock(const char *id, char **path, struct glass_err **err)
{
	cleanup_free char *d = xasprintf("%s/creating", engine_root_dir());
	if (mkdir_p(d, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", d);
	*path = xasprintf("%s/%s", d, id);
	for (;;) {
		struct stat a, b;
		int fd = open(*path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &a) < 0) {
			glass_err_new(err, errno, "lock %s", *path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (stat(*path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
}

/* The engine makes an overlay snapshot, the container's namespaces and,
 * for --network NAME, a bridge and veth pairs in the host's network
 * namespace: all of it needs root.  Rootless containers, as podman makes
 * them, need a user namespace in the bundle, a snapshot without mounts
 * and a network from slirp4netns; glass has none of these yet, so an
 * unprivileged caller is told so before anything is made. */
static int need_root(const struct ctr_create_opts *o, struct glass_err **err)
{
	if (geteuid() == 0)
		return 0;
	const struct engine_netvol *nv = o->netvol;
	bool bridge = nv && nv->mode == ENGINE_NET_CNI;
	glass_err_new(err, EPERM,
	              "rootless containers are not supported yet: glass runs as uid %d, and a "
	              "container needs root for its overlay snapshot and namespaces%s%s%s",
	              (int)geteuid(),
	              bridge ? ", and CAP_NET_ADMIN in the host's network "
	                       "namespace for the bridge and veth pair of --network "
	                     : "",
	              bridge ? nv->networks[0] : "", bridge ? " (CNI's bridge plugin)" : "");
	return glass_err_hint(err,
	                      "run glass as root; a rootless container's network would come "
	                      "from slirp4netns (%s)",
	                      access("/usr/bin/slirp4netns", X_OK) == 0
	                          ? "/usr/bin/slirp4netns is installed"
	                          : "Debian's package slirp4netns, not installed here");
}

int ctr_create_held(const struct ctr_create_opts *o, char id[CTR_ID_LEN + 1], int *hold,
                    struct glass_err **err)
{
	struct create_ctx x = {0};
	cleanup_free char *lockp = NULL;
	if (need_root(o, err) < 0)
		return -1;
	random_hex(id, CTR_ID_LEN / 2);
	ctr_sweep_debris(); /* what an engine killed before this one left */
	int lock = creating_lock(id, &lockp, err);
	if (lock < 0)
		return -1;
	int rc = create_steps(o, id, &x, err);
	if (rc == 0)
		ctr_event_of(id, x.name, o->image, "create", NULL, NULL);
	create_ctx_release(&x, id, rc < 0);
	if (rc == 0 && hold) {
		*hold = lock;
		return 0;
	}
	unlink(lockp);
	close(lock);
	return rc;
}

int ctr_create(const struct ctr_create_opts *o, char id[CTR_ID_LEN + 1], struct glass_err **err)
{
	return ctr_create_held(o, id, NULL, err);
}

void ctr_create_release(const char *id, int hold)
{
	cleanup_free char *lockp = xasprintf("%s/creating/%s", engine_root_dir(), id);
	unlink(lockp);
	close(hold);
}
