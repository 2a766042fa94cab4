/* store-json: json-c accessors shared by the store's parsers. */
#include "store-json.h"
#include "util.h"

const char *glass_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

char *glass_json_strdup(struct json_object *o, const char *key)
{
	const char *s = glass_json_str(o, key);
	return s ? xstrdup(s) : NULL;
}

const char *glass_json_annotation(struct json_object *d, const char *key)
{
	struct json_object *ann;
	if (!d || !json_object_object_get_ex(d, "annotations", &ann))
		return NULL;
	return glass_json_str(ann, key);
}
