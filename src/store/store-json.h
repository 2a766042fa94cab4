/* store-json: the few json-c accessors the store's documents need
 * (index.json, manifests, configs, docker-save's manifest.json).  A
 * missing key and a value of another type read the same: absent. */
#ifndef GLASS_STORE_JSON_H
#define GLASS_STORE_JSON_H

#include <json-c/json.h>

/* The string member `key` of object `o`, or NULL (o may be NULL). */
const char *glass_json_str(struct json_object *o, const char *key);
/* A malloc'd copy of glass_json_str(), or NULL. */
char *glass_json_strdup(struct json_object *o, const char *key);
/* The annotation `key` of descriptor `d` ("annotations": {key: "..."}),
 * or NULL. */
const char *glass_json_annotation(struct json_object *d, const char *key);

#endif
