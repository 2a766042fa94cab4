/* api-system: GET /system/df, what `docker system df` shows: the images
 * with how many containers use each, the containers with the bytes their
 * writable layer holds, the volumes with their size and users. */
#include "api-common.h"
#include "api-images.h"
#include "ctr.h"
#include "img.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <string.h>

/* The images, and the bytes of their distinct layers (shared ones once). */
static struct json_object *images(struct glass_store *s, int64_t *layers_size)
{
	struct json_object *arr = json_object_new_array();
	struct engine_image_row *rows;
	size_t n, nseen = 0;
	*layers_size = 0;
	if (engine_image_rows(s, &rows, &n, NULL) < 0)
		return arr;
	const char **seen = NULL;
	for (size_t i = 0; i < n; i++) {
		json_object_array_add(arr, api_image_summary(&rows[i], true));
		const struct glass_manifest *m = rows[i].img->manifest;
		for (size_t l = 0; l < m->nlayers; l++) {
			bool dup = false;
			for (size_t k = 0; k < nseen && !dup; k++)
				dup = strcmp(seen[k], m->layers[l].digest) == 0;
			if (dup)
				continue;
			seen = xrealloc(seen, (nseen + 1) * sizeof(char *));
			seen[nseen++] = m->layers[l].digest;
			*layers_size += m->layers[l].size;
		}
	}
	free(seen);
	engine_image_rows_free(rows, n);
	return arr;
}

static struct json_object *containers(void)
{
	struct json_object *arr = json_object_new_array();
	struct ctr **list = NULL;
	size_t n = 0;
	if (ctr_list_all(&list, &n, NULL) < 0)
		return arr;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = ctr_summary(list[i]), *created;
		/* the record keeps RFC 3339; Docker's summary has seconds */
		if (json_object_object_get_ex(o, "Created", &created) &&
		    json_object_is_type(created, json_type_string))
			json_object_object_add(o, "Created",
			                       json_object_new_int64(engine_time_unix(
			                           json_object_get_string(created))));
		const char *upper = ctr_rec_str(list[i], "GraphDriver.Data.UpperDir");
		const char *rootfs = ctr_rec_str(list[i], "GraphDriver.Data.MergedDir");
		int64_t rw = upper ? (int64_t)engine_dir_bytes(upper) : 0;
		json_object_object_add(o, "SizeRw", json_object_new_int64(rw));
		json_object_object_add(
		    o, "SizeRootFs",
		    json_object_new_int64(rootfs ? (int64_t)engine_dir_bytes(rootfs) : rw));
		json_object_array_add(arr, o);
	}
	ctr_list_free(list, n);
	return arr;
}

static struct json_object *volumes(void)
{
	struct json_object *arr = json_object_new_array();
	char **names = engine_vol_list();
	for (char **v = names; *v; v++) {
		struct json_object *o = api_volume(*v, true, NULL);
		if (o)
			json_object_array_add(arr, o);
	}
	engine_strv_free(names);
	return arr;
}

static enum MHD_Result system_df(struct api_req *r)
{
	struct glass_store *s;
	enum MHD_Result ret;
	int64_t layers = 0;
	if (api_store_open(r, false, &s, &ret) < 0)
		return ret;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Images", images(s, &layers));
	glass_store_close(s);
	json_object_object_add(o, "LayersSize", json_object_new_int64(layers));
	json_object_object_add(o, "Containers", containers());
	json_object_object_add(o, "Volumes", volumes());
	json_object_object_add(o, "BuildCache", json_object_new_array());
	return api_reply_json(r, 200, o);
}

const struct api_route api_routes_system[] = {
    {"GET", "/system/df", system_df, 0},
    {NULL, NULL, NULL, 0},
};
