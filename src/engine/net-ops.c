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
