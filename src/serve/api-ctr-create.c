/* api-ctr-create: POST /containers/create, Docker's Config, HostConfig
 * and NetworkingConfig turned into the same struct cli_run that `glass
 * create`'s flags fill (cli.h), then checked by the same cli_run_check()
 * and made by the same ctr_create().  The network and volume fields go
 * through engine_netvol_parse_flag() as the flags they stand for (a Binds
 * entry is a -v, a PortBindings entry a -p), so each has one parser.
 *
 * A field glass cannot honour is refused by name when it asks for
 * something (a non-empty Devices, Links, DeviceRequests),
 * rather than dropped; fields left at their defaults pass, as every
 * client sends them all. */
#include "api.h"
#include "cli.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

struct create_req {
	struct cli_run r;
	char **owned; /* strings made here, freed with the request */
	size_t nowned;
};

static const char *own(struct create_req *x, char *s)
{
	x->owned = xrealloc(x->owned, (x->nowned + 1) * sizeof(char *));
	x->owned[x->nowned++] = s;
	return s;
}

static void create_req_release(struct create_req *x)
{
	for (size_t i = 0; i < x->nowned; i++)
		free(x->owned[i]);
	free(x->owned);
	free(x->r.c.bundle.args);
	cli_run_release(&x->r);
}

static void list_push(struct cli_list *l, const char *v)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = (char *)v;
	l->v[l->n] = NULL;
}

/* One network or volume field's value as the flag it stands for. */
static int nv_flag(struct create_req *x, const char *flag, const char *v, const char *field,
                   struct glass_err **err)
{
	char *argv[] = {(char *)flag, (char *)v, NULL};
	int i = 0;
	if (engine_netvol_parse_flag(2, argv, &i, &x->r.nv, err) < 0)
		return glass_err_ctx(err, "%s", field);
	return 0;
}

static int nv_list(struct create_req *x, struct json_object *o, const char *path, const char *flag,
                   struct glass_err **err)
{
	cleanup_free char **v = NULL;
	if (api_field_strv(o, path, &v, err) < 0)
		return -1;
	for (char **p = v; p && *p; p++)
		if (nv_flag(x, flag, *p, path, err) < 0)
			return -1;
	return 0;
}

/* Entrypoint: a string or an array of strings (docker-py sends both). */
static int entrypoint(struct create_req *x, struct json_object *o, struct glass_err **err)
{
	struct json_object *v = json_object_object_get(o, "Entrypoint");
	char **sv = NULL;
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		sv = xcalloc(2, sizeof(char *));
		if (*json_object_get_string(v))
			sv[0] = xstrdup(json_object_get_string(v));
	} else {
		cleanup_free char **ref = NULL;
		if (api_field_strv(o, "Entrypoint", &ref, err) < 0)
			return -1;
		size_t n = 0;
		while (ref[n])
			n++;
		sv = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			sv[i] = xstrdup(ref[i]);
	}
	x->r.c.bundle.entrypoint_set = true;
	x->r.c.bundle.entrypoint = sv;
	return 0;
}

static int labels(struct create_req *x, struct json_object *o, struct glass_err **err)
{
	struct json_object *l = json_object_object_get(o, "Labels");
	if (!l)
		return 0;
	if (!json_object_is_type(l, json_type_object))
		return glass_err_new(err, EINVAL, "Config.Labels: want an object of strings");
	json_object_object_foreach(l, k, v)
	{
		if (!json_object_is_type(v, json_type_string))
			return glass_err_new(err, EINVAL, "Config.Labels.%s: want a string", k);
		list_push(&x->r.labels, own(x, xasprintf("%s=%s", k, json_object_get_string(v))));
	}
	return 0;
}

static int config_fields(struct create_req *x, struct json_object *o, struct glass_err **err)
{
	struct cli_run *r = &x->r;
	cleanup_free char **env = NULL;
	int64_t stop = -1;
	if (api_field_str(o, "Image", &r->c.image, err) < 0 ||
	    api_field_strv(o, "Cmd", &r->c.bundle.args, err) < 0 ||
	    api_field_strv(o, "Env", &env, err) < 0 ||
	    api_field_str(o, "User", &r->c.bundle.user, err) < 0 ||
	    api_field_str(o, "WorkingDir", &r->c.bundle.workdir, err) < 0 ||
	    api_field_str(o, "Hostname", &r->c.bundle.hostname, err) < 0 ||
	    api_field_bool(o, "Tty", &r->c.tty, err) < 0 ||
	    api_field_bool(o, "OpenStdin", &r->c.stdin_open, err) < 0 ||
	    api_field_str(o, "StopSignal", &r->c.stop_signal, err) < 0 ||
	    api_field_int(o, "StopTimeout", &stop, err) < 0 || entrypoint(x, o, err) < 0 ||
	    labels(x, o, err) < 0)
		return -1;
	if (!r->c.image || !*r->c.image)
		return glass_err_new(err, EINVAL, "Config.Image: no image given");
	if (r->c.bundle.args && !r->c.bundle.args[0]) { /* [] as null: the image's */
		free(r->c.bundle.args);
		r->c.bundle.args = NULL;
	}
	/* a bare NAME would take the server's own variable (the CLI's -e
	 * rule): the client resolves those; here only NAME=VALUE counts */
	for (char **e = env; e && *e; e++)
		if (strchr(*e, '='))
			list_push(&r->env, *e);
	if (r->c.bundle.workdir && !*r->c.bundle.workdir)
		r->c.bundle.workdir = NULL;
	if (r->c.bundle.user && !*r->c.bundle.user)
		r->c.bundle.user = NULL;
	if (r->c.bundle.hostname && !*r->c.bundle.hostname)
		r->c.bundle.hostname = NULL;
	if (stop >= 0)
		r->stop_timeout = own(x, xasprintf("%lld", (long long)stop));
	return 0;
}

static int restart_log(struct create_req *x, struct json_object *h, struct glass_err **err)
{
	const char *name = NULL, *type = NULL;
	int64_t max = 0;
	if (api_field_str(h, "RestartPolicy.Name", &name, err) < 0 ||
	    api_field_int(h, "RestartPolicy.MaximumRetryCount", &max, err) < 0 ||
	    api_field_str(h, "LogConfig.Type", &type, err) < 0)
		return -1;
	if (name && *name)
		x->r.c.restart = strcmp(name, "on-failure") == 0 && max > 0
		                     ? own(x, xasprintf("on-failure:%lld", (long long)max))
		                     : name;
	if (type && *type)
		x->r.log_driver = type;
	struct json_object *lc =
	    json_object_object_get(json_object_object_get(h, "LogConfig"), "Config");
	if (lc && json_object_is_type(lc, json_type_object)) {
		json_object_object_foreach(lc, k, v) list_push(
		    &x->r.log_opts, own(x, xasprintf("%s=%s", k, json_object_get_string(v))));
	}
	return 0;
}

static int limits(struct create_req *x, struct json_object *h, struct glass_err **err)
{
	int64_t mem = 0, nano = 0, pids = 0;
	if (api_field_int(h, "Memory", &mem, err) < 0 ||
	    api_field_int(h, "NanoCpus", &nano, err) < 0 ||
	    api_field_int(h, "PidsLimit", &pids, err) < 0)
		return -1;
	if (mem < 0 || nano < 0)
		return glass_err_new(err, EINVAL, "HostConfig.%s: must not be negative",
		                     mem < 0 ? "Memory" : "NanoCpus");
	if (mem > 0)
		x->r.memory = own(x, xasprintf("%lld", (long long)mem));
	if (nano > 0)
		x->r.cpus = own(x, xasprintf("%.9g", (double)nano / 1e9));
	if (pids > 0)
		x->r.pids = own(x, xasprintf("%lld", (long long)pids));
	return 0;
}

static int strv_into(struct cli_list *l, struct json_object *h, const char *path,
                     struct glass_err **err)
{
	char **v = NULL;
	if (api_field_strv(h, path, &v, err) < 0)
		return -1;
	for (char **p = v; p && *p; p++)
		list_push(l, *p);
	free(v);
	return 0;
}

/* ConsoleSize: [height, width] of the terminal from the start (0, 0: none). */
static int console_size(struct cli_run *r, struct json_object *h, struct glass_err **err)
{
	struct json_object *v = json_object_object_get(h, "ConsoleSize");
	int64_t hw[2] = {0, 0};
	if (!v || json_object_is_type(v, json_type_null))
		return 0;
	bool ok = json_object_is_type(v, json_type_array) && json_object_array_length(v) == 2;
	for (size_t i = 0; ok && i < 2; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		hw[i] = json_object_is_type(e, json_type_int) ? json_object_get_int64(e) : -1;
		ok = hw[i] >= 0 && hw[i] <= 65535;
	}
	if (!ok)
		return glass_err_new(
		    err, EINVAL,
		    "HostConfig.ConsoleSize: want [height, width], two integers 0-65535");
	r->c.bundle.console_height = (unsigned)hw[0];
	r->c.bundle.console_width = (unsigned)hw[1];
	return 0;
}

static int host_fields(struct create_req *x, struct json_object *h, struct glass_err **err)
{
	struct cli_run *r = &x->r;
	if (api_field_bool(h, "AutoRemove", &r->c.rm, err) < 0 ||
	    api_field_bool(h, "Privileged", &r->c.bundle.privileged, err) < 0 ||
	    api_field_bool(h, "ReadonlyRootfs", &r->c.bundle.readonly, err) < 0 ||
	    api_field_bool(h, "Init", &r->c.init, err) < 0 ||
	    api_field_str(h, "CgroupParent", &r->c.cgroup_parent, err) < 0 ||
	    strv_into(&r->cap_add, h, "CapAdd", err) < 0 ||
	    strv_into(&r->cap_drop, h, "CapDrop", err) < 0 ||
	    strv_into(&r->volumes_from, h, "VolumesFrom", err) < 0 ||
	    strv_into(&r->security_opt, h, "SecurityOpt", err) < 0 || limits(x, h, err) < 0 ||
	    restart_log(x, h, err) < 0 || console_size(r, h, err) < 0)
		return -1;
	if (r->c.cgroup_parent && !*r->c.cgroup_parent)
		r->c.cgroup_parent = NULL;
	return 0;
}

/* PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} -> -p. */
static int ports(struct create_req *x, struct json_object *h, struct glass_err **err)
{
	struct json_object *pb = json_object_object_get(h, "PortBindings");
	if (!pb)
		return 0;
	if (!json_object_is_type(pb, json_type_object))
		return glass_err_new(err, EINVAL, "HostConfig.PortBindings: want an object");
	json_object_object_foreach(pb, port, list)
	{
		size_t n =
		    json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
		for (size_t i = 0; i < n; i++) {
			struct json_object *b = json_object_array_get_idx(list, i);
			const char *ip = NULL, *hp = NULL;
			if (api_field_str(b, "HostIp", &ip, err) < 0 ||
			    api_field_str(b, "HostPort", &hp, err) < 0)
				return glass_err_ctx(err, "HostConfig.PortBindings.%s", port);
			cleanup_free char *v =
			    xasprintf("%s%s%s:%s", ip && *ip ? ip : "", ip && *ip ? ":" : "",
			              hp && *hp ? hp : "", port);
			if (nv_flag(x, "-p", v, "HostConfig.PortBindings", err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Mounts: [{"Type", "Source", "Target", "ReadOnly"}] -> --mount. */
static int mounts(struct create_req *x, struct json_object *h, struct glass_err **err)
{
	struct json_object *ms = json_object_object_get(h, "Mounts");
	size_t n =
	    ms && json_object_is_type(ms, json_type_array) ? json_object_array_length(ms) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(ms, i);
		const char *type = "volume", *src = NULL, *dst = NULL;
		bool ro = false;
		if (api_field_str(m, "Type", &type, err) < 0 ||
		    api_field_str(m, "Source", &src, err) < 0 ||
		    api_field_str(m, "Target", &dst, err) < 0 ||
		    api_field_bool(m, "ReadOnly", &ro, err) < 0)
			return glass_err_ctx(err, "HostConfig.Mounts[%zu]", i);
		cleanup_free char *v =
		    xasprintf("type=%s%s%s,target=%s%s", type, src && *src ? ",source=" : "",
		              src && *src ? src : "", dst ? dst : "", ro ? ",readonly" : "");
		if (nv_flag(x, "--mount", v, "HostConfig.Mounts", err) < 0)
			return -1;
	}
	return 0;
}

static bool mounted_at(const struct engine_netvol *nv, const char *target)
{
	for (size_t i = 0; i < nv->nmounts; i++)
		if (strcmp(nv->mounts[i].target, target) == 0)
			return true;
	return false;
}

/* Config.Volumes {"/data": {}} (docker run -v /data: an anonymous volume;
 * docker-compose lists its named ones there too, already in Binds) and
 * HostConfig.Tmpfs {"/run": "size=64m"}: -v and --tmpfs. */
static int anonymous_and_tmpfs(struct create_req *x, struct json_object *body,
                               struct glass_err **err)
{
	struct json_object *vols = ctr_json_at(body, "Volumes"),
	                   *tmpfs = ctr_json_at(body, "HostConfig.Tmpfs");
	if (vols && json_object_is_type(vols, json_type_object)) {
		json_object_object_foreach(vols, path, v)
		{
			(void)v;
			if (!mounted_at(&x->r.nv, path) &&
			    nv_flag(x, "-v", path, "Config.Volumes", err) < 0)
				return -1;
		}
	}
	if (tmpfs && json_object_is_type(tmpfs, json_type_object)) {
		json_object_object_foreach(tmpfs, path, opts)
		{
			const char *o = json_object_get_string(opts);
			cleanup_free char *v =
			    xasprintf("%s%s%s", path, o && *o ? ":" : "", o ? o : "");
			if (nv_flag(x, "--tmpfs", v, "HostConfig.Tmpfs", err) < 0)
				return -1;
		}
	}
	return 0;
}

static int aliases(struct create_req *x, struct json_object *body, struct glass_err **err)
{
	struct json_object *eps = ctr_json_at(body, "NetworkingConfig.EndpointsConfig");
	if (!eps || !json_object_is_type(eps, json_type_object))
		return 0;
	json_object_object_foreach(eps, net, ep)
	{
		(void)net;
		if (nv_list(x, ep, "Aliases", "--network-alias", err) < 0)
			return glass_err_ctx(err, "NetworkingConfig.EndpointsConfig");
	}
	return 0;
}

static int netvol_fields(struct create_req *x, struct json_object *body, struct glass_err **err)
{
	struct json_object *h = json_object_object_get(body, "HostConfig");
	const char *mode = NULL;
	if (h && api_field_str(h, "NetworkMode", &mode, err) < 0)
		return -1;
	/* docker's default network is its bridge; glass's default is a
	 * namespace of the container's own (docs/network.md), except for a
	 * container that publishes ports, which need a network to be reached
	 * on: `docker run -p` puts it on the bridge, as docker would */
	struct json_object *pb = h ? json_object_object_get(h, "PortBindings") : NULL;
	bool publishes =
	    json_object_get_boolean(ctr_json_at(body, "HostConfig.PublishAllPorts")) ||
	    (json_object_is_type(pb, json_type_object) && json_object_object_length(pb) > 0);
	if ((!mode || !*mode || strcmp(mode, "default") == 0) && publishes)
		mode = "bridge";
	if (mode && *mode && strcmp(mode, "default") != 0 &&
	    nv_flag(x, "--network", mode, "HostConfig.NetworkMode", err) < 0)
		return -1;
	x->r.c.publish_all =
	    json_object_get_boolean(ctr_json_at(body, "HostConfig.PublishAllPorts"));
	if (h && (nv_list(x, h, "Binds", "-v", err) < 0 || nv_list(x, h, "Dns", "--dns", err) < 0 ||
	          nv_list(x, h, "DnsSearch", "--dns-search", err) < 0 ||
	          nv_list(x, h, "ExtraHosts", "--add-host", err) < 0 || ports(x, h, err) < 0 ||
	          mounts(x, h, err) < 0))
		return -1;
	if (anonymous_and_tmpfs(x, body, err) < 0)
		return -1;
	return aliases(x, body, err);
}

/* What glass cannot do, refused by name when it is asked for. */
static int refused(struct json_object *body, struct glass_err **err)
{
	static const char *const lists[] = {"HostConfig.Devices", "HostConfig.Links",
	                                    "HostConfig.DeviceRequests"};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct json_object *v = ctr_json_at(body, lists[i]);
		if (v && json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
			return glass_err_new(err, EINVAL, "%s: not supported by glass", lists[i]);
	}
	return 0;
}

static int fill(struct create_req *x, struct api_req *r, struct glass_err **err)
{
	struct json_object *body = r->json, *h = json_object_object_get(body, "HostConfig");
	x->r.c.pull.tls_verify = 1;
	x->r.c.pull.quiet = true;
	x->r.c.no_pull = true;
	x->r.c.stop_timeout = -1;
	x->r.c.netvol = &x->r.nv;
	x->r.c.name = api_query(r, "name");
	if (x->r.c.name && !*x->r.c.name)
		x->r.c.name = NULL;
	if (h && !json_object_is_type(h, json_type_object))
		return glass_err_new(err, EINVAL, "HostConfig: want an object");
	if (refused(body, err) < 0 || config_fields(x, body, err) < 0 ||
	    (h && host_fields(x, h, err) < 0) || netvol_fields(x, body, err) < 0)
		return -1;
	return cli_run_check(&x->r, err);
}

static enum MHD_Result create(struct api_req *r)
{
	enum MHD_Result ret;
	struct create_req x = {0};
	struct glass_err *err = NULL;
	char id[CTR_ID_LEN + 1];
	if (api_body_json(r, &ret) < 0)
		return ret;
	if (fill(&x, r, &err) < 0 || ctr_create(&x.r.c, id, &err) < 0) {
		create_req_release(&x);
		return api_reply_err(r, &err);
	}
	create_req_release(&x);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "Warnings", json_object_new_array());
	return api_reply_json(r, 201, o);
}

const struct api_route api_routes_create[] = {
    {"POST", "/containers/create", create, 0},
    {NULL, NULL, NULL, 0},
};
