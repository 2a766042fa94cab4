/* api-filter: the `filters` query parameter of the list and prune
 * endpoints, as dockerd reads it: a JSON object mapping a filter's name to
 * its values, either as a list (["a=b", "c"]) or, from older clients, as a
 * set ({"a=b": true}).  A filter the endpoint does not know is a 400
 * naming it ("invalid filter 'x'"), never silently ignored: a client that
 * filters to choose what a prune removes must not get everything.  And
 * what a prune answers. */
#include "api-common.h"
#include "netvol.h"
#include "util.h"

#include <fnmatch.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>

/* {"k": {"v": true}} -> {"k": ["v"]}; a list stays; anything else: -1. */
static int normalise(struct json_object *f, char *bad, size_t size)
{
	json_object_object_foreach(f, key, val)
	{
		if (json_object_is_type(val, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(val); i++)
				if (!json_object_is_type(json_object_array_get_idx(val, i),
				                         json_type_string)) {
					snprintf(bad, size, "filters.%s[%zu]: not a string", key,
					         i);
					return -1;
				}
			continue;
		}
		if (!json_object_is_type(val, json_type_object)) {
			snprintf(bad, size, "filters.%s: neither a list nor a set of strings", key);
			return -1;
		}
		struct json_object *list = json_object_new_array();
		json_object_object_foreach(val, v, on)
		{
			if (json_object_get_boolean(on))
				json_object_array_add(list, json_object_new_string(v));
		}
		json_object_object_add(f, key, list);
	}
	return 0;
}

int api_filters(struct api_req *r, const char *const *allowed, struct json_object **out,
                enum MHD_Result *ret)
{
	const char *q = api_query(r, "filters");
	char bad[200];
	*out = NULL;
	if (!q || !*q) {
		*out = json_object_new_object();
		return 0;
	}
	struct json_object *f = json_tokener_parse(q);
	if (!f || !json_object_is_type(f, json_type_object)) {
		json_object_put(f);
		*ret = api_reply_error(r, 400, "invalid filters: not a JSON object: %s", q);
		return -1;
	}
	if (normalise(f, bad, sizeof(bad)) < 0) {
		json_object_put(f);
		*ret = api_reply_error(r, 400, "invalid filters: %s", bad);
		return -1;
	}
	json_object_object_foreach(f, key, val)
	{
		(void)val;
		bool known = false;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, key) == 0;
		if (!known) {
			*ret = api_reply_error(r, 400, "invalid filter '%s'", key);
			json_object_put(f);
			return -1;
		}
	}
	*out = f;
	return 0;
}

size_t api_filter_count(struct json_object *f, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(f, key, &v) ? json_object_array_length(v) : 0;
}

const char *api_filter_value(struct json_object *f, const char *key, size_t i)
{
	struct json_object *v;
	if (!json_object_object_get_ex(f, key, &v) || i >= json_object_array_length(v))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(v, i));
}

bool api_filter_any(struct json_object *f, const char *key,
                    bool (*match)(const char *want, const void *data), const void *data)
{
	size_t n = api_filter_count(f, key);
	for (size_t i = 0; i < n; i++)
		if (match(api_filter_value(f, key, i), data))
			return true;
	return n == 0;
}

/* "k" matches a label k of any value, "k=v" only with that value. */
static bool label_matches(const char *want, struct json_object *labels)
{
	const char *eq = strchr(want, '=');
	cleanup_free char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
	struct json_object *v;
	if (!labels || !json_object_object_get_ex(labels, k, &v))
		return false;
	return !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
}

bool api_filter_labels(struct json_object *f, const char *key, struct json_object *labels)
{
	size_t n = api_filter_count(f, key);
	for (size_t i = 0; i < n; i++)
		if (!label_matches(api_filter_value(f, key, i), labels))
			return false;
	return true;
}

bool api_filter_bool(struct json_object *f, const char *key, int *out)
{
	const char *v = api_filter_value(f, key, 0);
	*out = -1;
	if (!v)
		return true;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	return *out >= 0;
}

bool api_glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

enum MHD_Result api_reply_pruned(struct api_req *r, int rc, struct glass_err **err, const char *key,
                                 char **removed, int64_t freed)
{
	if (rc < 0) {
		engine_strv_free(removed);
		return api_reply_err(r, err);
	}
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	for (char **n = removed; n && *n; n++)
		json_object_array_add(arr, json_object_new_string(*n));
	engine_strv_free(removed);
	json_object_object_add(o, key, arr);
	if (freed >= 0)
		json_object_object_add(o, "SpaceReclaimed", json_object_new_int64(freed));
	return api_reply_json(r, 200, o);
}
