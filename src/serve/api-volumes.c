/* api-volumes: /volumes over the engine's volumes (vol-store.c), which
 * are Docker's "local" driver without mount options: a directory
 * ROOT/volumes/NAME/_data bind-mounted into containers. */
#include "api-common.h"
#include "ctr.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void copy_key(struct json_object *to, struct json_object *from, const char *key,
                     struct json_object *def)
{
	struct json_object *v;
	if (json_object_object_get_ex(from, key, &v) && v) {
		json_object_object_add(to, key, json_object_get(v));
		json_object_put(def);
	} else {
		json_object_object_add(to, key, def);
	}
}

struct json_object *api_volume(const char *name, bool usage, struct glass_err **err)
{
	struct json_object *m = engine_vol_inspect(name, err), *users;
	if (!m)
		return NULL;
	struct json_object *o = json_object_new_object();
	copy_key(o, m, "Name", json_object_new_string(name));
	copy_key(o, m, "Driver", json_object_new_string("local"));
	copy_key(o, m, "Mountpoint", json_object_new_string(""));
	copy_key(o, m, "CreatedAt", json_object_new_string(""));
	copy_key(o, m, "Labels", json_object_new_object());
	copy_key(o, m, "Scope", json_object_new_string("local"));
	json_object_object_add(o, "Options", json_object_new_object());
	if (usage) {
		struct json_object *u = json_object_new_object();
		cleanup_free char *data = engine_state_path("volumes/%s/_data", name);
		json_object_object_get_ex(m, "UsedBy", &users);
		json_object_object_add(u, "Size",
		                       json_object_new_int64((int64_t)engine_dir_bytes(data)));
		json_object_object_add(
		    u, "RefCount",
		    json_object_new_int64(users ? json_object_array_length(users) : 0));
		json_object_object_add(o, "UsageData", u);
	}
	json_object_put(m);
	return o;
}

static bool name_matches(const char *want, const void *data)
{
	return strstr(json_object_get_string(json_object_object_get((void *)data, "Name")), want);
}

static bool driver_matches(const char *want, const void *data)
{
	return strcmp(want, "local") == 0;
}

static enum MHD_Result vol_list(struct api_req *r)
{
	static const char *const allowed[] = {"name", "label", "dangling", "driver", NULL};
	struct json_object *f, *arr = json_object_new_array(), *out = json_object_new_object();
	enum MHD_Result ret;
	int dangling;
	if (api_filters(r, allowed, &f, &ret) < 0 || !api_filter_bool(f, "dangling", &dangling)) {
		json_object_put(arr);
		json_object_put(out);
		if (f)
			ret = api_reply_error(r, 400, "invalid filter 'dangling': true or false");
		json_object_put(f);
		return ret;
	}
	char **names = engine_vol_list();
	for (char **n = names; *n; n++) {
		struct json_object *v = api_volume(*n, dangling >= 0, NULL), *u;
		int64_t refs = json_object_object_get_ex(v, "UsageData", &u)
		                   ? json_object_get_int64(json_object_object_get(u, "RefCount"))
		                   : 0;
		bool ok = v && api_filter_any(f, "name", name_matches, v) &&
		          api_filter_any(f, "driver", driver_matches, v) &&
		          api_filter_labels(f, "label", json_object_object_get(v, "Labels")) &&
		          (dangling < 0 || dangling == (refs == 0));
		if (!ok) {
			json_object_put(v);
			continue;
		}
		json_object_object_del(v, "UsageData");
		json_object_array_add(arr, v);
	}
	engine_strv_free(names);
	json_object_put(f);
	json_object_object_add(out, "Volumes", arr);
	json_object_object_add(out, "Warnings", json_object_new_array());
	return api_reply_json(r, 200, out);
}

static enum MHD_Result vol_inspect(struct api_req *r)
{
	struct glass_err *err = NULL;
	struct json_object *v = api_volume(api_param(r, 0), false, &err);
	return v ? api_reply_json(r, 200, v) : api_reply_err(r, &err);
}

/* Docker's name for an unnamed volume: 64 random hex digits. */
static void random_name(char out[65])
{
	unsigned char b[32] = {0};
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		snprintf((char *)b, sizeof(b), "%d-%p", (int)getpid(), (void *)out);
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static enum MHD_Result vol_create(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	const char *name = NULL, *driver = NULL;
	char gen[65];
	if (api_body_json(r, &ret) < 0)
		return ret;
	if (api_field_str(r->json, "Name", &name, &err) < 0 ||
	    api_field_str(r->json, "Driver", &driver, &err) < 0)
		return api_reply_err_status(r, 400, &err);
	if (driver && *driver && strcmp(driver, "local") != 0)
		return api_reply_error(r, 400,
		                       "Driver: only the local driver (volume plugins are not "
		                       "supported): %s",
		                       driver);
	struct json_object *opts = ctr_json_at(r->json, "DriverOpts"), *labels;
	if (opts && json_object_is_type(opts, json_type_object) &&
	    json_object_object_length(opts) > 0)
		return api_reply_error(
		    r, 400,
		    "DriverOpts: not supported (the local driver's type/device/o "
		    "options mount a file system; glass's volumes are "
		    "directories)");
	if (!name || !*name) {
		random_name(gen);
		name = gen;
	}
	labels = ctr_json_at(r->json, "Labels");
	size_t n = 0;
	char **lv = xcalloc(labels && json_object_is_type(labels, json_type_object)
	                        ? (size_t)json_object_object_length(labels) + 1
	                        : 1,
	                    sizeof(char *));
	if (labels && json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v)
		{
			lv[n++] = xasprintf("%s=%s", k, json_object_get_string(v));
		}
	}
	int rc = engine_vol_create(name, lv, false, NULL, &err);
	engine_strv_free(lv);
	if (rc < 0)
		return api_reply_err(r, &err);
	struct json_object *v = api_volume(name, false, &err);
	return v ? api_reply_json(r, 201, v) : api_reply_err(r, &err);
}

static enum MHD_Result vol_delete(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	bool force;
	if (api_query_bool(r, "force", false, &force, &ret) < 0)
		return ret;
	int lock = engine_lock(true, &err);
	if (lock < 0)
		return api_reply_err(r, &err);
	int rc = engine_vol_remove(api_param(r, 0), force, &err);
	close(lock);
	if (rc < 0 && err->errnum == ENOENT && force) { /* docker: -f on a missing one is fine */
		glass_err_free(&err);
		rc = 0;
	}
	return rc < 0 ? api_reply_err(r, &err) : api_reply_empty(r, 204);
}

static bool keep_unlabelled(void *data, struct json_object *vol)
{
	struct json_object *labels = NULL;
	json_object_object_get_ex(vol, "Labels", &labels);
	return !api_filter_labels(data, "label", labels);
}

/* POST /volumes/prune: API 1.41 prunes every unused volume, named ones
 * too (1.42 made anonymous-only the default, with filter all=true). */
static enum MHD_Result vol_prune(struct api_req *r)
{
	static const char *const allowed[] = {"label", "all", NULL};
	struct json_object *f;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	char **removed = NULL;
	uint64_t freed = 0;
	int all;
	if (api_filters(r, allowed, &f, &ret) < 0)
		return ret;
	if (!api_filter_bool(f, "all", &all)) {
		json_object_put(f);
		return api_reply_error(r, 400, "invalid filter 'all': true or false");
	}
	int rc = engine_vol_prune(all != 0, keep_unlabelled, f, &removed, &freed, &err);
	json_object_put(f);
	return api_reply_pruned(r, rc, &err, "VolumesDeleted", removed, (int64_t)freed);
}

const struct api_route api_routes_volumes[] = {
    {"GET", "/volumes", vol_list, 0},
    {"POST", "/volumes/create", vol_create, 0},
    {"POST", "/volumes/prune", vol_prune, 0},
    {"GET", "/volumes/{name}", vol_inspect, 0},
    {"DELETE", "/volumes/{name}", vol_delete, 0},
    {NULL, NULL, NULL, 0},
};
