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
			b[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^ (int)((unsigned)getpid() * (unsigned)i));
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

static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

#define ADD(o, k, v) json_object_object_add(o, k, v)
#define STR(s)       ((s) ? json_object_new_string(s) : NULL)

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
		cleanup_free char *key = strndup(*l, k);
		ADD(labels, key, json_object_new_string((*l)[k] ? *l + k + 1 : ""));
	}
	ADD(c, "Labels", labels);
	ADD(c, "StopSignal", json_object_new_string(o->stop_signal ? o->stop_signal : "SIGTERM"));
	ADD(c, "StopTimeout", json_object_new_int(o->stop_timeout >= 0 ? o->stop_timeout : 10));
	return c;
}

/* Docker's HostConfig: how the engine runs it. */
/* docker's NetworkMode, PortBindings ({"80/tcp": [{"HostIp", "HostPort"}]})
 * and Binds ("SRC:DST[:ro]") from the parsed flags. */
static void netvol_host_json(struct json_object *h, const struct engine_netvol *nv)
{
	struct json_object *pb = json_object_new_object(), *binds = json_object_new_array();
	const char *mode = "default";
	char key[32], port[16];
	if (nv && nv->mode == ENGINE_NET_NONE)
		mode = "none";
	else if (nv && nv->mode == ENGINE_NET_HOST)
		mode = "host";
	else if (nv && nv->mode == ENGINE_NET_CNI && nv->nnetworks)
		mode = nv->networks[0];
	cleanup_free char *peer = nv && nv->mode == ENGINE_NET_CONTAINER
	                              ? xasprintf("container:%s", nv->container)
	                              : NULL;
	ADD(h, "NetworkMode", json_object_new_string(peer ? peer : mode));
	for (size_t i = 0; nv && i < nv->nports; i++) {
		const struct engine_port *p = &nv->ports[i];
		struct json_object *one = json_object_new_object(), *list;
		snprintf(key, sizeof(key), "%d/%s", p->ctr_port, p->proto);
		snprintf(port, sizeof(port), "%d", p->host_port);
		ADD(one, "HostIp", json_object_new_string(p->host_ip));
		ADD(one, "HostPort", json_object_new_string(port));
		if (!json_object_object_get_ex(pb, key, &list)) {
			list = json_object_new_array();
			ADD(pb, key, list);
		}
		json_object_array_add(list, one);
	}
	ADD(h, "PortBindings", pb);
	for (size_t i = 0; nv && i < nv->nmounts; i++) {
		const struct engine_mount *m = &nv->mounts[i];
		if (strcmp(m->type, "tmpfs") == 0 || (m->anonymous && !*m->source))
			continue;
		cleanup_free char *b =
		    xasprintf("%s:%s%s", m->source, m->target, m->readonly ? ":ro" : "");
		json_object_array_add(binds, json_object_new_string(b));
	}
	ADD(h, "Binds", binds);
}

static struct json_object *host_config_json(const struct ctr_create_opts *o)
{
	const struct glass_bundle_opts *b = &o->bundle;
	struct json_object *h = json_object_new_object(), *rp = json_object_new_object(),
	                   *lc = json_object_new_object();
	const char *restart = o->restart ? o->restart : "no";
	size_t n = strcspn(restart, ":");
	cleanup_free char *pname = strndup(restart, n);
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
	netvol_host_json(h, o->netvol);
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
	char created[40];
	cleanup_free char *n = xasprintf("/%s", name);
	now_rfc3339(created, sizeof(created));
	ADD(r, "Id", json_object_new_string(id));
	ADD(r, "Created", json_object_new_string(created));
	ADD(r, "Name", json_object_new_string(n));
	ADD(r, "Image", STR(img->config_digest));
	ADD(r, "ImageName", STR(img->name ? img->name : o->image));
	ADD(r, "Config", config_json(o, hostname, img));
	struct json_object *host = host_config_json(o);
	log_opts_json(host, o);
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
	ADD(r, "Mounts", json_object_new_array());
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
	const char *text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
	                                                           JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_file_atomic_at(AT_FDCWD, p, text, strlen(text), 0600) < 0)
		return glass_err_new(err, errno, "write(\"%s\")", p);
	return 0;
}

/* Keyed by the id (CNI_CONTAINERID, the cached ADD results, the volume
 * claims, which stand while the container's directory exists); peers
 * resolve the name.  This process is recorded as the network's owner:
 * once it has exited, the netns lives on while the container's processes
 * are in it (run -d), and the next engine command tears down the network
 * of a container created but never started. */
static int create_netvol(struct engine_netvol *nv, const char *id, struct create_ctx *x,
                         const char *hostname, struct glass_err **err)
{
	nv->name = x->name;
	if (nv->mode == ENGINE_NET_CONTAINER) { /* the peer by name or id prefix */
		cleanup_ctr struct ctr *peer = NULL;
		if (ctr_find(nv->container, &peer, err) < 0)
			return glass_err_ctx(err, "--network container:%s", nv->container);
		free(nv->container);
		nv->container = xstrdup(peer->id);
	}
	glass_trace_phase("network");
	if (engine_netvol_prepare(nv, id, hostname, x->snap->rootfs, err) < 0)
		return -1;
	x->netvol_made = true;
	return engine_netvol_bundle(nv, x->snap->dir, err);
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
	    engine_image_get(x->s, o->image, &o->pull, &x->img, err) < 0 ||
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
	/* mounts and network: the volumes and the network namespace (CNI ADD)
	 * go into the bundle before the record makes the container visible */
	if (rc == 0 && o->netvol)
		rc = create_netvol(o->netvol, id, x, bo.hostname, err);
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
 * holds, and the sweep (ctr_sweep_debris) knows it may remove it.  A
 * sweep may unlink the file between our open and our flock (it found it
 * unlocked and without a directory): the lock must be on the file that
 * is at the path, so it is checked after the flock and taken again. */
static int creating_lock(const char *id, char **path, struct glass_err **err)
{
	cleanup_free char *d = xasprintf("%s/creating", engine_root_dir());
	if (mkdir_p(d, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", d);
	*path = xasprintf("%s/%s", d, id);
	for (;;) {
		struct stat held, there;
		int fd = open(*path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &held) < 0) {
			glass_err_new(err, errno, "lock %s", *path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (stat(*path, &there) == 0 && there.st_ino == held.st_ino &&
		    there.st_dev == held.st_dev)
			return fd;
		close(fd);
	}
}

int ctr_create(const struct ctr_create_opts *o, char id[CTR_ID_LEN + 1], struct glass_err **err)
{
	struct create_ctx x = {0};
	cleanup_free char *lockp = NULL;
	random_hex(id, CTR_ID_LEN / 2);
	ctr_sweep_debris(); /* what an engine killed before this one left */
	int lock = creating_lock(id, &lockp, err);
	if (lock < 0)
		return -1;
	int rc = create_steps(o, id, &x, err);
	create_ctx_release(&x, id, rc < 0);
	unlink(lockp);
	close(lock);
	return rc;
}
