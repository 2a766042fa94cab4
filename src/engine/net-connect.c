/* net-connect: a running container joins or leaves a network.  The
 * container must have a namespace of the engine's (it was run with
 * --network NET or none): the new network's chain runs ADD into it as the
 * next ethN, and its record, its /etc/hosts and its peers' follow. */
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The index of `net` in the record's networks, or -1. */
static int find_net(struct json_object *rec, const char *net)
{
	struct json_object *nets, *v;
	json_object_object_get_ex(rec, "networks", &nets);
	for (size_t i = 0; i < json_object_array_length(nets); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(nets, i), "name", &v) &&
		    strcmp(json_object_get_string(v), net) == 0)
			return (int)i;
	return -1;
}

/* The first ethN no attachment uses. */
static size_t free_ifindex(struct json_object *rec)
{
	struct json_object *nets, *v;
	json_object_object_get_ex(rec, "networks", &nets);
	for (size_t n = 0;; n++) {
		char want[16];
		bool used = false;
		snprintf(want, sizeof(want), "eth%zu", n);
		for (size_t i = 0; i < json_object_array_length(nets); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(nets, i), "ifname",
			                              &v) &&
			    strcmp(json_object_get_string(v), want) == 0)
				used = true;
		if (!used)
			return n;
	}
}

static struct json_object *record_of(const char *id, struct glass_err **err)
{
	struct json_object *rec = engine_net_record(id);
	if (!rec) {
		glass_err_new(err, ENOENT, "container %s has no network of glass's", id);
		glass_err_hint(err, "connect works on containers run with --network NAME or none");
	}
	return rec;
}

/* Adds the names peers may also use for the container (--network-alias,
 * docker's network connect --alias) to its record, once each. */
static void add_aliases(struct json_object *rec, char *const *aliases)
{
	struct json_object *list;
	if (!json_object_object_get_ex(rec, "aliases", &list)) {
		list = json_object_new_array();
		json_object_object_add(rec, "aliases", list);
	}
	for (char *const *a = aliases; a && *a; a++) {
		bool have = false;
		for (size_t i = 0; i < json_object_array_length(list) && !have; i++)
			have = strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
			              *a) == 0;
		if (!have)
			json_object_array_add(list, json_object_new_string(*a));
	}
}

int engine_net_connect(const char *net, const char *id, char *const *aliases,
                       struct glass_err **err)
{
	struct engine_netvol none = {0};
	int lock = engine_lock(false, err);
	if (lock < 0)
		return -1;
	struct json_object *rec = record_of(id, err);
	int rc = rec ? 0 : -1;
	if (rc == 0 && (strcmp(net, "bridge") == 0 ? find_net(rec, ENGINE_DEFAULT_NETWORK)
	                                           : find_net(rec, net)) >= 0)
		rc = glass_err_new(err, EEXIST, "container %s is already attached to network %s",
		                   id, net);
	if (rc == 0)
		add_aliases(rec, aliases);
	if (rc == 0)
		rc = engine_net_add(rec, id,
		                    strcmp(net, "bridge") == 0 ? ENGINE_DEFAULT_NETWORK : net,
		                    &none, free_ifindex(rec), err);
	if (rc == 0)
		rc = engine_hosts_write(id, err);
	if (rc == 0)
		engine_hosts_refresh_peers(id);
	json_object_put(rec);
	close(lock);
	return rc;
}

int engine_net_disconnect(const char *net, const char *id, struct glass_err **err)
{
	int lock = engine_lock(false, err);
	if (lock < 0)
		return -1;
	struct json_object *rec = record_of(id, err), *nets, *e, *ns, *ifname, *cfg, *res, *args;
	int idx = rec ? find_net(rec, net) : -1, rc = rec ? 0 : -1;
	if (rc == 0 && (idx < 0 || strcmp(net, "lo") == 0))
		rc = glass_err_new(err, ENOENT, "container %s is not connected to network %s", id,
		                   net);
	if (rc == 0) {
		json_object_object_get_ex(rec, "networks", &nets);
		e = json_object_array_get_idx(nets, (size_t)idx);
		json_object_object_get_ex(rec, "netns", &ns);
		json_object_object_get_ex(e, "ifname", &ifname);
		json_object_object_get_ex(e, "config", &cfg);
		json_object_object_get_ex(e, "result", &res);
		json_object_object_get_ex(e, "runtimeConfig", &args);
		struct engine_cni_call c = {.container_id = id,
		                            .netns = json_object_get_string(ns),
		                            .ifname = json_object_get_string(ifname),
		                            .runtime_config = args};
		rc = engine_cni_del(cfg, &c, res, err);
		json_object_array_del_idx(nets, (size_t)idx, 1);
		/* even a failed DEL leaves the record: a retry would fail the same way */
		if (engine_net_record_save(id, rec, rc < 0 ? NULL : err) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = engine_hosts_write(id, err);
	engine_hosts_refresh_peers(id);
	json_object_put(rec);
	close(lock);
	return rc;
}
