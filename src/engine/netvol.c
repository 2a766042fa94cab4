/* netvol: the seam between a container's lifecycle and its networks and
 * volumes (see netvol.h for the order of the calls). */
#include "common.h"
#include "netvol.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void anon_name(char out[65])
{
	unsigned char b[32] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			memset(b, 0, sizeof(b));
		close(fd);
	}
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * (size_t)i, 3, "%02x", b[i]);
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;
	while (d && empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	if (d)
		closedir(d);
	return empty;
}

/* A volume mount: the volume made (or found) and claimed, its data
 * directory filled from the image when it is new. */
static int prepare_volume(struct engine_mount *m, const char *name, const char *rootfs,
                          struct glass_err **err)
{
	char anon[65];
	if (m->anonymous) {
		anon_name(anon);
		free(m->source);
		m->source = xstrdup(anon);
	}
	if (engine_vol_create(m->source, NULL, m->anonymous, &m->created, err) < 0)
		return -1;
	m->host_path = engine_state_path("volumes/%s/_data", m->source);
	if (engine_vol_claim(m->source, name, true) < 0)
		return glass_err_new(err, errno, "claim volume %s", m->source);
	if (m->created && rootfs && dir_empty(m->host_path) &&
	    engine_vol_fill(rootfs, m->target, m->host_path, err) < 0)
		return -1;
	return 0;
}

static int prepare_bind(struct engine_mount *m, struct glass_err **err)
{
	struct stat st;
	if (stat(m->source, &st) < 0) {
		if (errno != ENOENT || m->must_exist)
			return glass_err_field(
			    err, errno, "--mount",
			    "invalid mount config for type \"bind\": bind source path "
			    "does not exist: %s",
			    m->source);
		if (mkdir_p(m->source, 0755) < 0) /* -v creates it, as docker */
			return glass_err_new(err, errno, "mkdir(\"%s\")", m->source);
	}
	m->host_path = xstrdup(m->source);
	return 0;
}

static void undo_volumes(struct engine_netvol *nv, const char *name)
{
	for (size_t i = 0; i < nv->nmounts; i++) {
		struct engine_mount *m = &nv->mounts[i];
		if (strcmp(m->type, "volume") != 0 || !m->host_path)
			continue;
		engine_vol_claim(m->source, name, false);
		if (m->created)
			engine_vol_remove(m->source, false, NULL);
	}
}

/* --network container:NAME: the peer's namespace file, or its process's. */
static int peer_netns(struct engine_netvol *nv, struct glass_err **err)
{
	struct json_object *rec = engine_net_record(nv->container), *v;
	if (rec && json_object_object_get_ex(rec, "netns", &v)) {
		nv->netns_path = xstrdup(json_object_get_string(v));
		nv->hosts_path = engine_run_path("net/%s.hosts", nv->container);
		nv->resolv_path = engine_run_path("net/%s.resolv.conf", nv->container);
		json_object_put(rec);
		return 0;
	}
	json_object_put(rec);
	cleanup_free char *rroot = engine_runtime_root();
	cleanup_free char *state = xasprintf("%s/%s/state.json", rroot, nv->container);
	size_t len;
	cleanup_free char *text = read_file_at(AT_FDCWD, state, &len);
	struct json_object *st = text ? json_tokener_parse(text) : NULL, *pid;
	int p = st && json_object_object_get_ex(st, "pid", &pid) ? json_object_get_int(pid) : 0;
	json_object_put(st);
	if (p <= 0)
		return glass_err_field(err, ENOENT, "--network", "no running container %s",
		                       nv->container);
	nv->netns_path = xasprintf("/proc/%d/ns/net", p);
	return 0;
}

int engine_netvol_up(struct engine_netvol *nv, const char *id, const char *hostname,
                     struct glass_err **err)
{
	if (nv->mode == ENGINE_NET_CONTAINER)
		return peer_netns(nv, err);
	if (nv->mode != ENGINE_NET_NONE && nv->mode != ENGINE_NET_CNI)
		return 0;
	engine_net_sweep();
	if (engine_net_attach(nv, id, hostname, err) < 0)
		return -1;
	nv->netns_owned = true;
	nv->hosts_path = engine_run_path("net/%s.hosts", id);
	nv->resolv_path = engine_run_path("net/%s.resolv.conf", id);
	if (engine_resolv_write(nv->resolv_path, nv, err) < 0) {
		engine_net_detach(id, NULL);
		return -1;
	}
	return 0;
}

int engine_netvol_check(const struct engine_netvol *nv, struct glass_err **err)
{
	for (size_t i = 0; nv->mode == ENGINE_NET_CNI && i < nv->nnetworks; i++) {
		struct json_object *list = NULL;
		if (engine_net_load(nv->networks[i], &list, err) < 0)
			return -1;
		json_object_put(list);
	}
	return 0;
}

int engine_netvol_prepare(struct engine_netvol *nv, const char *id, const char *rootfs,
                          struct glass_err **err)
{
	int rc = engine_netvol_check(nv, err);
	for (size_t i = 0; rc == 0 && i < nv->nmounts; i++) {
		struct engine_mount *m = &nv->mounts[i];
		if (strcmp(m->type, "volume") == 0)
			rc = prepare_volume(m, id, rootfs, err);
		else if (strcmp(m->type, "bind") == 0)
			rc = prepare_bind(m, err);
	}
	if (rc < 0)
		undo_volumes(nv, id);
	return rc;
}

static void add_mount(struct json_object *mounts, const char *dst, const char *type,
                      const char *src, const char *const *opts, const char *extra)
{
	struct json_object *m = json_object_new_object(), *o = json_object_new_array();
	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	for (; opts && *opts; opts++)
		json_object_array_add(o, json_object_new_string(*opts));
	cleanup_free char *x = extra ? xstrdup(extra) : NULL;
	char *save = NULL;
	for (char *t = x ? strtok_r(x, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		json_object_array_add(o, json_object_new_string(t));
	json_object_object_add(m, "options", o);
	json_object_array_add(mounts, m);
}

static void bundle_mounts(const struct engine_netvol *nv, struct json_object *mounts)
{
	const char *ro[] = {"rbind", "rprivate", "ro", NULL},
	           *rw[] = {"rbind", "rprivate", "rw", NULL};
	const char *tmpfs[] = {"nosuid", "nodev", "noexec", NULL};
	for (size_t i = 0; i < nv->nmounts; i++) {
		const struct engine_mount *m = &nv->mounts[i];
		if (strcmp(m->type, "tmpfs") == 0)
			add_mount(mounts, m->target, "tmpfs", "tmpfs", tmpfs, m->tmpfs_opts);
		else
			add_mount(mounts, m->target, "bind", m->host_path, m->readonly ? ro : rw,
			          NULL);
	}
}

/* /etc/hosts and /etc/resolv.conf of this run: the files of an earlier
 * run (bound from RUN/net/) are replaced, a container of another's
 * namespace may now share a peer's files or none. */
static void bundle_net_files(const struct engine_netvol *nv, struct json_object *mounts)
{
	const char *rw[] = {"rbind", "rprivate", "rw", NULL};
	cleanup_free char *ours = engine_run_path("net/");
	struct json_object *v;
	for (size_t i = json_object_array_length(mounts); i-- > 0;) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *src =
		    json_object_object_get_ex(m, "source", &v) ? json_object_get_string(v) : "";
		if (strncmp(src, ours, strlen(ours)) == 0)
			json_object_array_del_idx(mounts, i, 1);
	}
	if (nv->hosts_path)
		add_mount(mounts, "/etc/hosts", "bind", nv->hosts_path, rw, NULL);
	if (nv->resolv_path)
		add_mount(mounts, "/etc/resolv.conf", "bind", nv->resolv_path, rw, NULL);
}

/* linux.namespaces' network entry: dropped (host), or joined by the path
 * of this run (or none: the runtime's own). */
static void bundle_netns(const struct engine_netvol *nv, struct json_object *cfg)
{
	struct json_object *lin, *nss, *t;
	if (!json_object_object_get_ex(cfg, "linux", &lin) ||
	    !json_object_object_get_ex(lin, "namespaces", &nss))
		return;
	for (size_t i = json_object_array_length(nss); i-- > 0;) {
		struct json_object *ns = json_object_array_get_idx(nss, i);
		if (!json_object_object_get_ex(ns, "type", &t) ||
		    strcmp(json_object_get_string(t), "network") != 0)
			continue;
		if (nv->mode == ENGINE_NET_HOST)
			json_object_array_del_idx(nss, i, 1);
		else if (nv->netns_path)
			json_object_object_add(ns, "path", json_object_new_string(nv->netns_path));
		else
			json_object_object_del(ns, "path");
	}
}

int engine_netvol_bundle(const struct engine_netvol *nv, const char *bundle_dir, bool net,
                         struct glass_err **err)
{
	if (nv->mode == ENGINE_NET_DEFAULT && (net || nv->nmounts == 0))
		return 0;
	cleanup_free char *path = xasprintf("%s/config.json", bundle_dir);
	size_t len;
	cleanup_free char *text = read_file_at(AT_FDCWD, path, &len);
	struct json_object *cfg = text ? json_tokener_parse(text) : NULL, *mounts;
	if (!cfg)
		return glass_err_new(err, errno ? errno : EINVAL, "read(\"%s\")", path);
	if (!json_object_object_get_ex(cfg, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(cfg, "mounts", mounts);
	}
	if (net)
		bundle_net_files(nv, mounts);
	else
		bundle_mounts(nv, mounts);
	bundle_netns(nv, cfg);
	const char *out = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PRETTY |
	                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
	/* the runtime's own parser checks what was added */
	struct glass_spec *spec = glass_spec_parse(out, strlen(out), err);
	int rc = spec ? 0 : glass_err_ctx(err, "config.json with mounts and networks");
	glass_spec_free(spec);
	if (rc == 0 && write_file_atomic_at(AT_FDCWD, path, out, strlen(out), 0600) < 0)
		rc = glass_err_new(err, errno, "write(\"%s\")", path);
	json_object_put(cfg);
	return rc;
}

int engine_netvol_stop(const char *name, struct glass_err **err)
{
	return engine_net_detach(name, err);
}

int engine_netvol_remove(const char *name, bool remove_anon, struct glass_err **err)
{
	int rc = engine_net_detach(name, err);
	char **vols = engine_vol_list();
	for (char **v = vols; *v; v++) {
		cleanup_free char *claim = engine_state_path("volumes/%s/users/%s", *v, name);
		if (access(claim, F_OK) < 0)
			continue;
		engine_vol_claim(*v, name, false);
		struct json_object *meta = engine_vol_inspect(*v, NULL), *anon;
		bool is_anon = meta && json_object_object_get_ex(meta, "Anonymous", &anon) &&
		               json_object_get_boolean(anon);
		json_object_put(meta);
		/* one another container still uses (--volumes-from) stays, as
		 * docker's rm -v leaves a volume in use */
		char **users = is_anon && remove_anon ? engine_vol_users(*v) : NULL;
		bool used = users && users[0];
		engine_strv_free(users);
		if (remove_anon && is_anon && !used &&
		    engine_vol_remove(*v, false, rc < 0 ? NULL : err) < 0)
			rc = -1;
	}
	engine_strv_free(vols);
	return rc;
}
