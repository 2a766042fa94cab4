/* api-net-write: creating, pruning, connecting and disconnecting
 * networks, the changes the /networks table (api-networks.c) routes here. */
#include "api-common.h"
#include "ctr.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field that must be absent, null, false, empty or equal to one of
 * `ok` (NULL-terminated, may be NULL); 400 naming it with `why` otherwise. */
static int refuse_set(struct api_req *r, struct json_object *body, const char *field,
                      const char *const *ok, const char *why, enum MHD_Result *ret)
{
	struct json_object *v = ctr_json_at(body, field);
	if (!v)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		if (!json_object_get_boolean(v))
			return 0;
		break;
	case json_type_string:
		if (!*json_object_get_string(v))
			return 0;
		for (const char *const *o = ok; o && *o; o++)
			if (strcmp(*o, json_object_get_string(v)) == 0)
				return 0;
		break;
	case json_type_array:
		if (json_object_array_length(v) == 0)
			return 0;
		break;
	case json_type_object:
		if (json_object_object_length(v) == 0)
			return 0;
		break;
	case json_type_null:
		return 0;
	default:
		break;
	}
	*ret = api_reply_error(r, 400, "%s: %s", field, why);
	return -1;
}

/* IPAM.Config[0], or NULL. */
static struct json_object *ipam_config0(struct json_object *b)
{
	struct json_object *cfg = ctr_json_at(b, "IPAM.Config");
	if (!cfg || !json_object_is_type(cfg, json_type_array) ||
	    json_object_array_length(cfg) == 0)
		return NULL;
	return json_object_array_get_idx(cfg, 0);
}

/* What a CNI bridge network cannot be: each refused with its reason. */
static int check_create(struct api_req *r, struct json_object *b, enum MHD_Result *ret)
{
	static const char *const bridge[] = {"bridge", NULL}, *const deflt[] = {"default", NULL};
	static const char *const local[] = {"local", NULL};
	struct json_object *cfg = ctr_json_at(b, "IPAM.Config");
	if (refuse_set(r, b, "Driver", bridge, "only the bridge driver (a CNI bridge network)",
	               ret) < 0 ||
	    refuse_set(r, b, "EnableIPv6", NULL, "glass's networks are IPv4 only", ret) < 0 ||
	    refuse_set(r, b, "Ingress", NULL, "an ingress network is swarm's", ret) < 0 ||
	    refuse_set(r, b, "ConfigOnly", NULL, "config-only networks are swarm's", ret) < 0 ||
	    refuse_set(r, b, "ConfigFrom.Network", NULL, "config networks are swarm's", ret) < 0 ||
	    refuse_set(r, b, "Scope", local, "networks are local to this host", ret) < 0 ||
	    refuse_set(r, b, "Options", NULL,
	               "driver options are not supported (the CNI bridge chain is fixed: "
	               "bridge, portmap, firewall, tuning)",
	               ret) < 0 ||
	    refuse_set(r, b, "IPAM.Driver", deflt, "only the default IPAM driver (host-local)",
	               ret) < 0 ||
	    refuse_set(r, b, "IPAM.Options", NULL, "IPAM options are not supported", ret) < 0)
		return -1;
	if (cfg && json_object_is_type(cfg, json_type_array) && json_object_array_length(cfg) > 1) {
		*ret = api_reply_error(r, 400, "IPAM.Config: one subnet per network (IPv4 only)");
		return -1;
	}
	struct json_object *c0 = ipam_config0(b);
	if (c0 && (refuse_set(r, c0, "IPRange", NULL,
	                      "IPAM.Config: IP ranges are not supported (addresses come from "
	                      "the whole subnet)",
	                      ret) < 0 ||
	           refuse_set(r, c0, "AuxiliaryAddresses", NULL,
	                      "IPAM.Config: auxiliary addresses are not supported", ret) < 0))
		return -1;
	return 0;
}

/* Labels {"k": "v"} as "k=v" strings (owned vector and strings). */
static char **labels_strv(struct json_object *labels)
{
	size_t n = 0;
	char **v =
	    xcalloc(labels ? (size_t)json_object_object_length(labels) + 1 : 1, sizeof(char *));
	if (labels && json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, val)
		{
			v[n++] = xasprintf("%s=%s", k, json_object_get_string(val));
		}
	}
	return v;
}

static const char *str_field(struct json_object *b, const char *path)
{
	struct json_object *v = ctr_json_at(b, path);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* POST /networks/create */
enum MHD_Result api_net_create(struct api_req *r)
{
	enum MHD_Result ret;
	struct glass_err *err = NULL;
	const char *name = NULL;
	bool internal = false;
	if (api_body_json(r, &ret) < 0)
		return ret;
	if (api_field_str(r->json, "Name", &name, &err) < 0 ||
	    api_field_bool(r->json, "Internal", &internal, &err) < 0)
		return api_reply_err_status(r, 400, &err);
	if (!name || !*name)
		return api_reply_error(r, 400, "Name: a network name is required");
	if (check_create(r, r->json, &ret) < 0)
		return ret;
	char **labels = labels_strv(ctr_json_at(r->json, "Labels"));
	struct json_object *c0 = ipam_config0(r->json);
	struct engine_net_create o = {.subnet = c0 ? str_field(c0, "Subnet") : NULL,
	                              .gateway = c0 ? str_field(c0, "Gateway") : NULL,
	                              .internal = internal,
	                              .labels = labels};
	struct json_object *conflist = NULL;
	int rc = engine_net_create(name, &o, &conflist, &err);
	engine_strv_free(labels);
	if (rc < 0)
		return err->errnum == EEXIST ? api_reply_err_status(r, 409, &err)
		                             : api_reply_err(r, &err);
	cleanup_free char *id = engine_net_id(name, conflist);
	json_object_put(conflist);
	struct json_object *out = json_object_new_object();
	json_object_object_add(out, "Id", json_object_new_string(id));
	json_object_object_add(out, "Warning", json_object_new_string(""));
	return api_reply_json(r, 201, out);
}

static bool keep_unlabelled(void *data, const char *name, struct json_object *conflist)
{
	struct json_object *labels = NULL;
	json_object_object_get_ex(conflist, "glass.labels", &labels);
	return !api_filter_labels(data, "label", labels);
}

/* POST /networks/prune?filters={"label": [...]} */
enum MHD_Result api_net_prune(struct api_req *r)
{
	static const char *const allowed[] = {"label", NULL};
	struct json_object *f;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	char **removed = NULL;
	if (api_filters(r, allowed, &f, &ret) < 0)
		return ret;
	int rc = engine_net_prune(keep_unlabelled, f, &removed, &err);
	json_object_put(f);
	return api_reply_pruned(r, rc, &err, "NetworksDeleted", removed, -1);
}

/* The network and the container a connect/disconnect names. */
static int resolve(struct api_req *r, char **net, struct ctr **c, enum MHD_Result *ret)
{
	struct glass_err *err = NULL;
	const char *ref = api_param(r, 0), *cref = NULL;
	if (api_body_json(r, ret) < 0)
		return -1;
	if (api_field_str(r->json, "Container", &cref, &err) < 0) {
		*ret = api_reply_err_status(r, 400, &err);
		return -1;
	}
	if (!cref || !*cref) {
		*ret = api_reply_error(r, 400, "Container: a container is required");
		return -1;
	}
	if (strcmp(ref, "host") == 0 || strcmp(ref, "none") == 0) {
		*ret =
		    api_reply_error(r, 403,
		                    "%s: a container joins or leaves the %s mode only when it is "
		                    "created",
		                    ref, ref);
		return -1;
	}
	if (engine_net_find(ref, net, &err) < 0 || ctr_find(cref, c, &err) < 0) {
		*ret = api_reply_err(r, &err);
		return -1;
	}
	return 0;
}

/* POST /networks/ID/connect {"Container", "EndpointConfig"} */
enum MHD_Result api_net_connect(struct api_req *r)
{
	cleanup_free char *net = NULL;
	cleanup_ctr struct ctr *c = NULL;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	if (resolve(r, &net, &c, &ret) < 0)
		return ret;
	static const char *const why = "not supported by network connect (give it when the "
	                               "container is created)";
	const char *fields[] = {"EndpointConfig.Links", "EndpointConfig.IPAMConfig.IPv4Address",
	                        "EndpointConfig.IPAMConfig.IPv6Address",
	                        "EndpointConfig.MacAddress", "EndpointConfig.DriverOpts"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (refuse_set(r, r->json, fields[i], NULL, why, &ret) < 0)
			return ret;
	char **aliases = NULL;
	if (api_field_strv(r->json, "EndpointConfig.Aliases", &aliases, &err) < 0)
		return api_reply_err_status(r, 400, &err);
	/* as `glass network connect`: remembered for the container's next runs */
	int rc = ctr_net_connect(net, c->id, true, aliases, &err);
	free(aliases);
	if (rc < 0)
		return err->errnum == EEXIST ? api_reply_err_status(r, 403, &err)
		                             : api_reply_err(r, &err);
	return api_reply_empty(r, 200);
}

/* POST /networks/ID/disconnect {"Container", "Force"} */
enum MHD_Result api_net_disconnect(struct api_req *r)
{
	cleanup_free char *net = NULL;
	cleanup_ctr struct ctr *c = NULL;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	if (resolve(r, &net, &c, &ret) < 0)
		return ret;
	if (ctr_net_connect(net, c->id, false, NULL, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 200);
}
