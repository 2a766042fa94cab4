/* net-ops: what front-ends ask of networks beyond one conflist: finding a
 * network by name or ID, the containers attached to it, pruning.
 *
 * A network's ID is 64 hex digits written into its conflist at creation
 * ("glass.id"), as docker's; a conflist written without one (by hand, or
 * before IDs) answers to the SHA-256 of its name, so its ID is stable. */
#include "digest.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *engine_net_id(const char *name, struct json_object *conflist)
{
	struct json_object *id;
	if (conflist && json_object_object_get_ex(conflist, "glass.id", &id) &&
	    strlen(json_object_get_string(id)) == 64)
		return xstrdup(json_object_get_string(id));
	char d[GLASS_DIGEST_LEN];
	glass_digest_buf(name, strlen(name), d);
	return xstrdup(glass_digest_hex(d));
}

int engine_net_find(const char *ref, char **name, struct glass_err **err)
{
	if (strcmp(ref, "bridge") == 0)
		ref = ENGINE_DEFAULT_NETWORK;
	char **names = engine_net_list();
	cleanup_free char *exact = NULL, *pre = NULL;
	size_t rl = strlen(ref), prefixes = 0;
	for (char **n = names; *n && !exact; n++)
		if (strcmp(*n, ref) == 0)
			exact = xstrdup(*n);
	for (char **n = names; *n && !exact && rl > 0; n++) {
		struct json_object *c = NULL;
		if (engine_net_load(*n, &c, NULL) < 0)
			continue;
		cleanup_free char *id = engine_net_id(*n, c);
		json_object_put(c);
		if (strcmp(id, ref) == 0)
			exact = xstrdup(*n);
		else if (strncmp(id, ref, rl) == 0 && prefixes++ == 0)
			pre = xstrdup(*n);
	}
	engine_strv_free(names);
	if (!exact && prefixes == 1)
		exact = steal_pointer(&pre);
	if (!exact && prefixes == 0 && strcmp(ref, ENGINE_DEFAULT_NETWORK) == 0)
		exact = xstrdup(ref); /* the default network is created on first use */
	if (exact) {
		*name = steal_pointer(&exact);
		return 0;
	}
	if (prefixes > 1)
		return glass_err_new(err, EINVAL, "network %s is ambiguous (%zu matches found)",
		                     ref, prefixes);
	return glass_err_new(err, ENOENT, "network %s not found", ref);
}

struct json_object *engine_net_endpoints(const char *name)
{
	struct json_object *out = json_object_new_object();
	char **users = engine_net_users(name);
	for (char **u = users; *u; u++) {
		struct json_object *rec = engine_net_record(*u), *nets, *n, *v;
		if (!rec || !json_object_object_get_ex(rec, "networks", &nets)) {
			json_object_put(rec);
			continue;
		}
		for (size_t k = 0; k < json_object_array_length(nets); k++) {
			n = json_object_array_get_idx(nets, k);
			if (json_object_object_get_ex(n, "name", &v) &&
			    strcmp(json_object_get_string(v), name) == 0)
				json_object_object_add(out, *u, json_object_get(n));
		}
		json_object_put(rec);
	}
	engine_strv_free(users);
	return out;
}

int engine_net_prune(bool (*keep)(void *data, const char *name, struct json_object *conflist),
                     void *data, char ***removed, struct glass_err **err)
{
	size_t nr = 0;
	int rc = 0;
	engine_net_sweep();
	char **names = engine_net_list();
	*removed = xcalloc(1, sizeof(char *));
	for (char **n = names; *n; n++) {
		if (strcmp(*n, ENGINE_DEFAULT_NETWORK) == 0)
			continue; /* the default network stays, as docker's bridge */
		char **users = engine_net_users(*n);
		bool busy = users[0] != NULL;
		engine_strv_free(users);
		struct json_object *c = NULL;
		if (busy || engine_net_load(*n, &c, NULL) < 0)
			continue;
		bool kept = keep && keep(data, *n, c);
		json_object_put(c);
		if (kept)
			continue;
		struct glass_err *e = NULL;
		if (engine_net_remove(*n, &e) < 0) {
			if (rc == 0)
				glass_err_move(err, &e);
			glass_err_free(&e);
			rc = -1;
			continue;
		}
		*removed = xrealloc(*removed, (nr + 2) * sizeof(char *));
		(*removed)[nr++] = xstrdup(*n);
		(*removed)[nr] = NULL;
	}
	engine_strv_free(names);
	return rc;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/* One network of a container, Docker's EndpointSettings, from its ADD
 * result: the first address (and prefix), the gateway, the MAC of ifname. */
static struct json_object *endpoint_settings(const char *id, struct json_object *att,
                                             struct json_object *aliases)
{
	struct json_object *o = json_object_new_object(), *res = NULL, *ips, *ifs, *v;
	const char *net = json_object_get_string(json_object_object_get(att, "name"));
	const char *ifname = json_object_get_string(json_object_object_get(att, "ifname"));
	char ip[64] = "", mac[32] = "", gw[64] = "";
	int prefix = 0;
	json_object_object_get_ex(att, "result", &res);
	if (json_object_object_get_ex(res, "ips", &ips) && json_object_array_length(ips) > 0) {
		struct json_object *first = json_object_array_get_idx(ips, 0);
		if (json_object_object_get_ex(first, "address", &v))
			sscanf(json_object_get_string(v), "%63[^/]/%d", ip, &prefix);
		if (json_object_object_get_ex(first, "gateway", &v))
			snprintf(gw, sizeof(gw), "%s", json_object_get_string(v));
	}
	for (size_t i = 0; json_object_object_get_ex(res, "interfaces", &ifs) &&
	                   i < json_object_array_length(ifs);
	     i++) {
		struct json_object *f = json_object_array_get_idx(ifs, i), *n, *m;
		if (json_object_object_get_ex(f, "name", &n) && ifname &&
		    strcmp(json_object_get_string(n), ifname) == 0 &&
		    json_object_object_get_ex(f, "mac", &m))
			snprintf(mac, sizeof(mac), "%s", json_object_get_string(m));
	}
	struct json_object *conflist = NULL;
	engine_net_load(net, &conflist, NULL);
	cleanup_free char *nid = engine_net_id(net, conflist);
	json_object_put(conflist);
	char d[GLASS_DIGEST_LEN];
	cleanup_free char *key = xasprintf("%s %s", id, net);
	glass_digest_buf(key, strlen(key), d);
	json_object_object_add(o, "IPAMConfig", NULL);
	json_object_object_add(o, "Links", NULL);
	json_object_object_add(o, "Aliases", json_object_get(aliases));
	add_str(o, "NetworkID", nid);
	add_str(o, "EndpointID", glass_digest_hex(d));
	add_str(o, "Gateway", gw);
	add_str(o, "IPAddress", ip);
	json_object_object_add(o, "IPPrefixLen", json_object_new_int(prefix));
	add_str(o, "IPv6Gateway", "");
	add_str(o, "GlobalIPv6Address", "");
	json_object_object_add(o, "GlobalIPv6PrefixLen", json_object_new_int(0));
	add_str(o, "MacAddress", mac);
	json_object_object_add(o, "DriverOpts", NULL);
	return o;
}

struct json_object *engine_net_settings(const char *id, struct json_object *port_bindings)
{
	struct json_object *o = json_object_new_object(), *nets = json_object_new_object();
	struct json_object *rec = engine_net_record(id), *list = NULL, *aliases = NULL, *ns;
	if (rec) {
		json_object_object_get_ex(rec, "networks", &list);
		json_object_object_get_ex(rec, "aliases", &aliases);
	}
	struct json_object *first = NULL;
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *att = json_object_array_get_idx(list, i);
		const char *net = json_object_get_string(json_object_object_get(att, "name"));
		if (!net || strcmp(net, "lo") == 0)
			continue;
		struct json_object *ep = endpoint_settings(id, att, aliases);
		json_object_object_add(
		    nets, strcmp(net, ENGINE_DEFAULT_NETWORK) == 0 ? "bridge" : net, ep);
		if (!first)
			first = ep;
	}
	const char *keys[] = {"EndpointID", "Gateway", "IPAddress", "MacAddress"};
	for (size_t i = 0; i < 4; i++)
		json_object_object_add(o, keys[i],
		                       first
		                           ? json_object_get(json_object_object_get(first, keys[i]))
		                           : json_object_new_string(""));
	json_object_object_add(o, "IPPrefixLen",
	                       first ? json_object_get(json_object_object_get(first, "IPPrefixLen"))
	                             : json_object_new_int(0));
	add_str(o, "SandboxKey",
	        rec && json_object_object_get_ex(rec, "netns", &ns) ? json_object_get_string(ns)
	                                                            : "");
	/* ports are published while the container is attached (portmap's DNAT) */
	json_object_object_add(o, "Ports",
	                       rec && port_bindings ? json_object_get(port_bindings)
	                                            : json_object_new_object());
	json_object_object_add(o, "Networks", nets);
	json_object_put(rec);
	return o;
}
