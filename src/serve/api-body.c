/* api-body: a request's JSON body, and its fields read by dotted path
 * with errors that name the field (api.h). */
#include "api.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

int api_body_json(struct api_req *r, enum MHD_Result *ret)
{
	if (r->json)
		return 0;
	size_t len = r->body_len;
	const char *b = r->body ? r->body : "";
	if (strspn(b, " \t\r\n") == len) {
		r->json = json_object_new_object();
		return 0;
	}
	struct glass_err *err = NULL;
	struct json_object *o = glass_json_parse(b, len, "the request body", &err);
	if (!o) {
		cleanup_free char *msg = glass_err_format(err);
		glass_err_free(&err);
		*ret = api_reply_error(r, 400, "%s", msg);
		return -1;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*ret = api_reply_error(r, 400, "the request body must be a JSON object");
		return -1;
	}
	r->json = o;
	return 0;
}

/* The value at PATH, or NULL when absent or null. */
static struct json_object *at(struct json_object *o, const char *path)
{
	char key[128];
	while (o && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_object_get(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static int wrong(struct glass_err **err, const char *path, const char *want, struct json_object *v)
{
	return glass_err_new(err, EINVAL, "%s: want %s, got %s", path, want,
	                     json_type_to_name(json_object_get_type(v)));
}

int api_field_str(struct json_object *o, const char *path, const char **out, struct glass_err **err)
{
	struct json_object *v = at(o, path);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return wrong(err, path, "a string", v);
	*out = json_object_get_string(v);
	return 1;
}

int api_field_bool(struct json_object *o, const char *path, bool *out, struct glass_err **err)
{
	struct json_object *v = at(o, path);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return wrong(err, path, "a boolean", v);
	*out = json_object_get_boolean(v);
	return 1;
}

int api_field_int(struct json_object *o, const char *path, int64_t *out, struct glass_err **err)
{
	struct json_object *v = at(o, path);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) &&
	    !(json_object_is_type(v, json_type_double) &&
	      json_object_get_double(v) == (double)(int64_t)json_object_get_double(v)))
		return wrong(err, path, "an integer", v);
	*out = json_object_get_int64(v);
	return 1;
}

int api_field_strv(struct json_object *o, const char *path, char ***out, struct glass_err **err)
{
	struct json_object *v = at(o, path);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return wrong(err, path, "an array of strings", v);
	size_t n = json_object_array_length(v);
	char **sv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string)) {
			free(sv);
			cleanup_free char *p = xasprintf("%s[%zu]", path, i);
			return wrong(err, p, "a string", e);
		}
		sv[i] = (char *)json_object_get_string(e);
	}
	*out = sv;
	return 1;
}
