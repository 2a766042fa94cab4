/* api-networks: /networks over the engine's CNI networks (netvol.h).
 *
 * glass's networks are CNI bridge networks (a .conflist each); the
 * default one ("glass") is shown as Docker's "bridge", beside the two
 * modes that are not CNI networks: "host" (the server's namespace) and
 * "none" (a namespace with only lo).  What Docker's bridge driver does
 * that a CNI bridge chain does not (IPv6, IP ranges, driver options,
 * swarm scopes) is refused with the reason, never accepted and ignored. */
#include "api-common.h"
#include "ctr.h"
#include "netvol.h"
#include "util.h"
#include "digest.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *shown_name(const char *name)
{
	return strcmp(name, ENGINE_DEFAULT_NETWORK) == 0 ? "bridge" : name;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* A container's endpoint as Docker shows it, from the cached ADD result. */
static struct json_object *endpoint(const char *id, const char *net, struct json_object *att)
{
	struct json_object *o = json_object_new_object(), *res, *ips, *ifs;
	cleanup_ctr struct ctr *c = NULL;
	const char *addr = "", *mac = "";
	if (json_object_object_get_ex(att, "result", &res)) {
		if (json_object_object_get_ex(res, "ips", &ips) &&
		    json_object_array_length(ips) > 0)
			addr = get_str(json_object_array_get_idx(ips, 0), "address");
		const char *ifname = get_str(att, "ifname");
		for (size_t i = 0; json_object_object_get_ex(res, "interfaces", &ifs) &&
		                   i < json_object_array_length(ifs);
		     i++) {
			struct json_object *f = json_object_array_get_idx(ifs, i);
			const char *n = get_str(f, "name");
			if (n && ifname && strcmp(n, ifname) == 0 && get_str(f, "mac"))
				mac = get_str(f, "mac");
		}
	}
	char d[GLASS_DIGEST_LEN];
	cleanup_free char *key = xasprintf("%s %s", id, net);
	glass_digest_buf(key, strlen(key), d);
	json_object_object_add(o, "Name",
	                       json_object_new_string(ctr_find(id, &c, NULL) == 0 ? c->name : id));
	json_object_object_add(o, "EndpointID", json_object_new_string(glass_digest_hex(d)));
	json_object_object_add(o, "MacAddress", json_object_new_string(mac ? mac : ""));
	json_object_object_add(o, "IPv4Address", json_object_new_string(addr ? addr : ""));
	json_object_object_add(o, "IPv6Address", json_object_new_string(""));
	return o;
}

static struct json_object *ipam(const char *subnet, const char *gateway)
{
	struct json_object *o = json_object_new_object(), *cfg = json_object_new_array();
	if (subnet) {
		struct json_object *c = json_object_new_object();
		json_object_object_add(c, "Subnet", json_object_new_string(subnet));
		if (gateway)
			json_object_object_add(c, "Gateway", json_object_new_string(gateway));
		json_object_array_add(cfg, c);
	}
	json_object_object_add(o, "Driver", json_object_new_string("default"));
	json_object_object_add(o, "Options", NULL);
	json_object_object_add(o, "Config", cfg);
	return o;
}

static struct json_object *network(const char *name, const char *id, const char *driver,
                                   const char *created, struct json_object *ip, bool internal,
                                   struct json_object *labels)
{
	struct json_object *o = json_object_new_object(), *from = json_object_new_object();
	json_object_object_add(o, "Name", json_object_new_string(shown_name(name)));
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "Created", json_object_new_string(created));
	json_object_object_add(o, "Scope", json_object_new_string("local"));
	json_object_object_add(o, "Driver", json_object_new_string(driver));
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(false));
	json_object_object_add(o, "IPAM", ip);
	json_object_object_add(o, "Internal", json_object_new_boolean(internal));
	json_object_object_add(o, "Attachable", json_object_new_boolean(false));
	json_object_object_add(o, "Ingress", json_object_new_boolean(false));
	json_object_object_add(from, "Network", json_object_new_string(""));
	json_object_object_add(o, "ConfigFrom", from);
	json_object_object_add(o, "ConfigOnly", json_object_new_boolean(false));
	json_object_object_add(o, "Containers", json_object_new_object());
	json_object_object_add(o, "Options", json_object_new_object());
	json_object_object_add(o, "Labels", labels ? labels : json_object_new_object());
	return o;
}

/* "host" and "none": modes, not CNI networks; their IDs are fixed digests. */
static struct json_object *builtin(const char *name)
{
	cleanup_free char *id = engine_net_id(name, NULL);
	return network(name, id, strcmp(name, "host") == 0 ? "host" : "null",
	               "1970-01-01T00:00:00Z", ipam(NULL, NULL), false, NULL);
}

static struct json_object *cni_network(const char *name, struct glass_err **err)
{
	struct json_object *c = NULL, *labels, *in;
	if (engine_net_load(name, &c, err) < 0)
		return NULL;
	const char *gw = NULL, *subnet = engine_net_subnet(c, &gw);
	const char *created = get_str(c, "glass.created");
	cleanup_free char *id = engine_net_id(name, c);
	struct stat st;
	char when[40] = "1970-01-01T00:00:00Z";
	cleanup_free char *file = engine_state_path("networks/%s.conflist", name);
	if (!created && stat(file, &st) == 0) {
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&st.st_mtime, &tm));
	}
	labels =
	    json_object_object_get_ex(c, "glass.labels", &labels) ? json_object_get(labels) : NULL;
	bool internal =
	    json_object_object_get_ex(c, "glass.internal", &in) && json_object_get_boolean(in);
	struct json_object *o = network(name, id, "bridge", created ? created : when,
	                                ipam(subnet, gw), internal, labels);
	json_object_put(c);
	struct json_object *conts = json_object_object_get(o, "Containers");
	struct json_object *eps = engine_net_endpoints(name);
	json_object_object_foreach(eps, cid, att)
	{
		json_object_object_add(conts, cid, endpoint(cid, name, att));
	}
	json_object_put(eps);
	return o;
}

static bool is_builtin(const char *ref)
{
	return strcmp(ref, "host") == 0 || strcmp(ref, "none") == 0;
}

/* The network `ref` names (a name, an ID or a prefix of one), with 404. */
static struct json_object *find(struct api_req *r, const char *ref, enum MHD_Result *ret)
{
	struct glass_err *err = NULL;
	cleanup_free char *name = NULL;
	struct json_object *o = NULL;
	*ret = MHD_NO; /* json-c out of memory (a NULL from builtin()): drop the connection */
	for (const char *b = "host"; b; b = strcmp(b, "host") == 0 ? "none" : NULL) {
		cleanup_free char *id = engine_net_id(b, NULL);
		if (strcmp(ref, b) == 0 || (strlen(ref) >= 3 && strncmp(id, ref, strlen(ref)) == 0))
			return builtin(b);
	}
	if (engine_net_find(ref, &name, &err) == 0)
		o = cni_network(name, &err);
	if (o)
		return o;
	if (err->errnum == ENOENT) {
		glass_err_free(&err);
		*ret = api_reply_error(r, 404, "network %s not found", ref);
	} else {
		*ret = api_reply_err(r, &err);
	}
	return NULL;
}

static bool name_matches(const char *want, const void *data)
{
	return strstr(json_object_get_string(json_object_object_get((void *)data, "Name")), want);
}

static bool id_matches(const char *want, const void *data)
{
	const char *id = json_object_get_string(json_object_object_get((void *)data, "Id"));
	return strncmp(id, want, strlen(want)) == 0;
}

static bool driver_matches(const char *want, const void *data)
{
	return strcmp(json_object_get_string(json_object_object_get((void *)data, "Driver")),
	              want) == 0;
}

static bool type_matches(const char *want, const void *data)
{
	const char *n = json_object_get_string(json_object_object_get((void *)data, "Name"));
	bool predefined = strcmp(n, "bridge") == 0 || is_builtin(n);
	return strcmp(want, predefined ? "builtin" : "custom") == 0;
}

static bool wanted(struct json_object *f, struct json_object *net)
{
	int dangling;
	api_filter_bool(f, "dangling", &dangling);
	bool empty = json_object_object_length(json_object_object_get(net, "Containers")) == 0;
	return api_filter_any(f, "name", name_matches, net) &&
	       api_filter_any(f, "id", id_matches, net) &&
	       api_filter_any(f, "driver", driver_matches, net) &&
	       api_filter_any(f, "type", type_matches, net) &&
	       api_filter_labels(f, "label", json_object_object_get(net, "Labels")) &&
	       (dangling < 0 || dangling == (empty && !type_matches("builtin", net)));
}

static enum MHD_Result net_list(struct api_req *r)
{
	static const char *const allowed[] = {"name",  "id",    "driver",   "type",
	                                      "label", "scope", "dangling", NULL};
	struct json_object *f, *arr = json_object_new_array();
	enum MHD_Result ret;
	int dangling;
	if (api_filters(r, allowed, &f, &ret) < 0) {
		json_object_put(arr);
		return ret;
	}
	if (!api_filter_bool(f, "dangling", &dangling)) {
		json_object_put(f);
		json_object_put(arr);
		return api_reply_error(r, 400, "invalid filter 'dangling': true or false");
	}
	engine_net_sweep();
	char **names = engine_net_list();
	bool have_default = false;
	for (char **n = names; *n; n++)
		have_default |= strcmp(*n, ENGINE_DEFAULT_NETWORK) == 0;
	struct json_object *all[3] = {builtin("host"), builtin("none"),
	                              have_default ? NULL
	                                           : cni_network(ENGINE_DEFAULT_NETWORK, NULL)};
	for (int i = 0; i < 3; i++)
		if (all[i] && wanted(f, all[i]))
			json_object_array_add(arr, all[i]);
		else
			json_object_put(all[i]);
	for (char **n = names; *n; n++) {
		struct json_object *o = cni_network(*n, NULL);
		if (o && wanted(f, o))
			json_object_array_add(arr, o);
		else
			json_object_put(o);
	}
	engine_strv_free(names);
	json_object_put(f);
	return api_reply_json(r, 200, arr);
}

static enum MHD_Result net_inspect(struct api_req *r)
{
	enum MHD_Result ret;
	struct json_object *o = find(r, api_param(r, 0), &ret);
	return o ? api_reply_json(r, 200, o) : ret;
}

static enum MHD_Result net_delete(struct api_req *r)
{
	const char *ref = api_param(r, 0);
	enum MHD_Result ret;
	struct json_object *o = find(r, ref, &ret);
	if (!o)
		return ret;
	cleanup_free char *name =
	    xstrdup(json_object_get_string(json_object_object_get(o, "Name")));
	json_object_put(o);
	if (strcmp(name, "bridge") == 0 || is_builtin(name))
		return api_reply_error(r, 403, "%s is a pre-defined network and cannot be removed",
		                       name);
	struct glass_err *err = NULL;
	engine_net_sweep();
	if (engine_net_remove(name, &err) < 0)
		return err->errnum == EBUSY ? api_reply_err_status(r, 403, &err)
		                            : api_reply_err(r, &err);
	return api_reply_empty(r, 204);
}

const struct api_route api_routes_networks[] = {
    {"GET", "/networks", net_list, 0},
    {"POST", "/networks/create", api_net_create, 0},
    {"POST", "/networks/prune", api_net_prune, 0},
    {"GET", "/networks/{id}", net_inspect, 0},
    {"DELETE", "/networks/{id}", net_delete, 0},
    {"POST", "/networks/{id}/connect", api_net_connect, 0},
    {"POST", "/networks/{id}/disconnect", api_net_disconnect, 0},
    {NULL, NULL, NULL, 0},
};
