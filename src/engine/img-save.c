/* img-save: images out of the store as one archive (`docker save`, `glass
 * image export`), and an image's history as docker shows it.
 *
 * The archive is an OCI layout whose blobs a docker-save manifest.json
 * also points at (what docker 25+ writes): docker's loader reads
 * manifest.json and the files it names, OCI tools read index.json, and
 * the bytes are stored once. */
#include "img.h"
#include "transfer.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *blob_path(const char *digest)
{
	cleanup_free char *p = xasprintf("blobs/sha256/%s", glass_digest_hex(digest));
	return json_object_new_string(p);
}

/* The manifest.json entry of `img`, found or added; by ID it gets no tag. */
static void docker_entry(struct json_object *list, const struct glass_image *img, bool by_id)
{
	struct json_object *e = NULL, *tags, *layers;
	cleanup_free char *cfg = xasprintf("blobs/sha256/%s", glass_digest_hex(img->config_digest));
	for (size_t i = 0; i < json_object_array_length(list) && !e; i++) {
		struct json_object *c, *x = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(x, "Config", &c) &&
		    strcmp(json_object_get_string(c), cfg) == 0)
			e = x;
	}
	if (!e) {
		e = json_object_new_object();
		json_object_object_add(e, "Config", json_object_new_string(cfg));
		json_object_object_add(e, "RepoTags", json_object_new_array());
		layers = json_object_new_array();
		for (size_t i = 0; i < img->manifest->nlayers; i++)
			json_object_array_add(layers, blob_path(img->manifest->layers[i].digest));
		json_object_object_add(e, "Layers", layers);
		json_object_array_add(list, e);
	}
	json_object_object_get_ex(e, "RepoTags", &tags);
	if (!by_id && img->name) {
		cleanup_free char *f = engine_image_familiar(img->name);
		json_object_array_add(tags, json_object_new_string(f));
	}
}

static int write_manifest(const char *dir, struct json_object *list, struct glass_err **err)
{
	cleanup_free char *p = xasprintf("%s/manifest.json", dir);
	return engine_json_save(p, list, false, 0644, err);
}

int engine_image_save(struct glass_store *s, char *const *refs, const char *file,
                      struct glass_err **err)
{
	cleanup_free char *tmp = glass_store_tmpdir(s, "save", err);
	if (!tmp)
		return -1;
	struct json_object *list = json_object_new_array();
	int rc = 0;
	for (char *const *r = refs; *r && rc == 0; r++) {
		struct glass_image *img = NULL;
		rc = engine_image_get(s, *r, NULL, &img, err);
		if (rc < 0 && (*err)->errnum == ENOENT) {
			glass_err_free(err);
			rc = glass_err_new(err, ENOENT, "No such image: %s", *r);
		}
		if (rc == 0)
			rc = glass_export_layout(s, img, tmp, img->name, err);
		if (rc == 0)
			docker_entry(list, img, engine_image_ref_is_id(img, *r));
		glass_image_free(img);
	}
	if (rc == 0)
		rc = write_manifest(tmp, list, err);
	if (rc == 0)
		rc = glass_archive_create(tmp, file, err);
	json_object_put(list);
	glass_rm_rf_at(AT_FDCWD, tmp);
	return rc;
}

static struct json_object *history_row(const char *id, int64_t created, const char *by,
                                       int64_t size, const char *comment)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "Created", json_object_new_int64(created));
	json_object_object_add(o, "CreatedBy", json_object_new_string(by ? by : ""));
	json_object_object_add(o, "Tags", NULL);
	json_object_object_add(o, "Size", json_object_new_int64(size));
	json_object_object_add(o, "Comment", json_object_new_string(comment ? comment : ""));
	return o;
}

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

struct json_object *engine_image_history(const struct glass_image *img)
{
	struct json_object *cfg = json_tokener_parse(img->config->json), *hist = NULL;
	struct json_object *rows = json_object_new_array();
	size_t layer = 0, nl = img->manifest->nlayers;
	if (!cfg || !json_object_object_get_ex(cfg, "history", &hist) ||
	    !json_object_is_type(hist, json_type_array))
		hist = NULL;
	for (size_t i = 0; hist && i < json_object_array_length(hist); i++) {
		struct json_object *h = json_object_array_get_idx(hist, i), *empty;
		bool makes_layer = !(json_object_object_get_ex(h, "empty_layer", &empty) &&
		                     json_object_get_boolean(empty));
		int64_t size = makes_layer && layer < nl ? img->manifest->layers[layer++].size : 0;
		json_object_array_add(
		    rows, history_row("<missing>", engine_time_unix(str_at(h, "created")),
		                      str_at(h, "created_by"), size, str_at(h, "comment")));
	}
	/* layers the history does not tell of (or no history): one row each */
	for (; layer < nl; layer++)
		json_object_array_add(rows, history_row("<missing>",
		                                        engine_time_unix(img->config->created), "",
		                                        img->manifest->layers[layer].size, ""));
	json_object_put(cfg);
	struct json_object *out = json_object_new_array();
	for (size_t i = json_object_array_length(rows); i-- > 0;)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(rows, i)));
	json_object_put(rows);
	if (json_object_array_length(out) > 0) {
		struct json_object *top = json_object_array_get_idx(out, 0);
		json_object_object_add(top, "Id", json_object_new_string(img->config_digest));
	}
	return out;
}
