/* api-images: /images, Docker's image endpoints over the engine's image
 * operations (src/engine/img.h) and the store.
 *
 * Image names may hold slashes ("127.0.0.1:5000/test/img:v1"), so the
 * per-image endpoints are one route per method over "/images/{name*}",
 * split here on their last segment (json, history, tag, push, get).
 * Names are shown "familiar" as dockerd shows them (busybox:latest for
 * docker.io/library/busybox:latest). */
#include "api-common.h"
#include "api-images.h"
#include "ctr.h"
#include "img.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_store_open(struct api_req *r, bool exclusive, struct glass_store **s, enum MHD_Result *ret)
{
	struct glass_err *err = NULL;
	if (engine_store_open(exclusive, s, &err) == 0)
		return 0;
	*ret = api_reply_err_status(r, 500, &err);
	return -1;
}

/* RepoTags (names with a tag) and RepoDigests (repo@manifest digest). */
static void add_names(struct json_object *o, char **names, char **manifests)
{
	struct json_object *tags = json_object_new_array(), *digests = json_object_new_array();
	for (size_t i = 0; names && names[i]; i++) {
		char **n = &names[i];
		const char *manifest_digest = manifests[i];
		cleanup_free char *f = engine_image_familiar(*n);
		char *at = strchr(f, '@');
		if (at)
			*at = '\0';
		else
			json_object_array_add(tags, json_object_new_string(f));
		char *slash = strrchr(f, '/'), *colon = strrchr(f, ':');
		if (!at && colon && (!slash || colon > slash))
			*colon = '\0';
		cleanup_free char *d = xasprintf("%s@%s", f, manifest_digest);
		bool dup = false;
		for (size_t k = 0; k < json_object_array_length(digests); k++)
			dup |= strcmp(json_object_get_string(json_object_array_get_idx(digests, k)),
			              d) == 0;
		if (!dup)
			json_object_array_add(digests, json_object_new_string(d));
	}
	json_object_object_add(o, "RepoTags", tags);
	json_object_object_add(o, "RepoDigests", digests);
}

/* The image config's "config" (Env, Cmd, Labels...), or an empty object. */
static struct json_object *image_config(const struct glass_image *img)
{
	struct json_object *doc = json_tokener_parse(img->config->json), *c = NULL;
	if (doc && json_object_object_get_ex(doc, "config", &c) &&
	    json_object_is_type(c, json_type_object))
		c = json_object_get(c);
	else
		c = json_object_new_object();
	json_object_put(doc);
	return c;
}

static struct json_object *labels_of(struct json_object *config)
{
	struct json_object *l;
	if (json_object_object_get_ex(config, "Labels", &l) &&
	    json_object_is_type(l, json_type_object))
		return json_object_get(l);
	return json_object_new_object();
}

static struct json_object *summary(const struct engine_image_row *row, int64_t containers)
{
	struct json_object *o = json_object_new_object(), *cfg = image_config(row->img);
	json_object_object_add(o, "Id", json_object_new_string(row->img->config_digest));
	json_object_object_add(o, "ParentId", json_object_new_string(""));
	add_names(o, row->names, row->manifests);
	json_object_object_add(o, "Created", json_object_new_int64(engine_time_unix(row->created)));
	json_object_object_add(o, "Size", json_object_new_int64(row->size));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(row->size));
	json_object_object_add(o, "SharedSize", json_object_new_int64(-1));
	json_object_object_add(o, "Labels", labels_of(cfg));
	json_object_object_add(o, "Containers", json_object_new_int64(containers));
	json_object_put(cfg);
	return o;
}

struct json_object *api_image_summary(const struct engine_image_row *row, bool count_users)
{
	int64_t n = -1;
	if (count_users) {
		char **users = engine_image_users(row->img->config_digest);
		for (n = 0; users[n]; n++)
			;
		engine_strv_free(users);
	}
	return summary(row, n);
}

static bool ref_matches(const char *want, const void *data)
{
	const struct engine_image_row *row = data;
	for (char **n = row->names; *n; n++) {
		cleanup_free char *f = engine_image_familiar(*n);
		char *slash = strrchr(f, '/'), *colon = strrchr(f, ':');
		if (api_glob(want, f) || api_glob(want, *n))
			return true;
		if (colon && (!slash || colon > slash))
			*colon = '\0'; /* "busybox" matches busybox:latest */
		if (api_glob(want, f))
			return true;
	}
	return false;
}

/* With a reference filter, dockerd lists only the names it matched (the
 * CLI prints a row per name). */
static void keep_matching_names(struct json_object *f, struct engine_image_row *row)
{
	size_t k = 0;
	if (!api_filter_count(f, "reference"))
		return;
	for (size_t i = 0; row->names[i]; i++) {
		char *one[2] = {row->names[i], NULL};
		struct engine_image_row single = {.names = one};
		if (api_filter_any(f, "reference", ref_matches, &single)) {
			row->names[k] = row->names[i];
			row->manifests[k++] = row->manifests[i];
		} else {
			free(row->names[i]);
			free(row->manifests[i]);
		}
	}
	row->names[k] = NULL;
	row->manifests[k] = NULL;
}

/* before=/since=: images created before or after the one named. */
static bool time_ok(struct glass_store *s, struct json_object *f, const struct engine_image_row *r)
{
	const char *keys[] = {"before", "since"};
	for (int k = 0; k < 2; k++) {
		const char *ref = api_filter_value(f, keys[k], 0);
		struct glass_image *other = NULL;
		if (!ref || glass_image_find(s, ref, &other, NULL) < 0)
			continue;
		int64_t t = engine_time_unix(other->config->created);
		int64_t mine = engine_time_unix(r->created);
		glass_image_free(other);
		if (k == 0 ? mine >= t : mine <= t)
			return false;
	}
	return true;
}

static bool row_wanted(struct glass_store *s, struct json_object *f,
                       const struct engine_image_row *row)
{
	int dangling;
	api_filter_bool(f, "dangling", &dangling);
	struct json_object *cfg = image_config(row->img), *labels = labels_of(cfg);
	bool ok = dangling != 1 && /* glass has no untagged images */
	          api_filter_any(f, "reference", ref_matches, row) &&
	          api_filter_labels(f, "label", labels) && time_ok(s, f, row);
	json_object_put(labels);
	json_object_put(cfg);
	return ok;
}

static enum MHD_Result img_list(struct api_req *r)
{
	static const char *const allowed[] = {"dangling", "label", "reference",
	                                      "before",   "since", NULL};
	struct json_object *f = NULL;
	struct glass_store *s;
	struct glass_err *err = NULL;
	struct engine_image_row *rows;
	size_t n;
	enum MHD_Result ret;
	int dangling;
	if (api_filters(r, allowed, &f, &ret) < 0)
		return ret;
	if (!api_filter_bool(f, "dangling", &dangling)) {
		json_object_put(f);
		return api_reply_error(r, 400, "invalid filter 'dangling=%s'",
		                       api_filter_value(f, "dangling", 0));
	}
	if (api_store_open(r, false, &s, &ret) < 0) {
		json_object_put(f);
		return ret;
	}
	if (engine_image_rows(s, &rows, &n, &err) < 0) {
		glass_store_close(s);
		json_object_put(f);
		return api_reply_err(r, &err);
	}
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (row_wanted(s, f, &rows[i])) {
			keep_matching_names(f, &rows[i]);
			json_object_array_add(arr, api_image_summary(&rows[i], false));
		}
	engine_image_rows_free(rows, n);
	glass_store_close(s);
	json_object_put(f);
	return api_reply_json(r, 200, arr);
}

/* Finds `ref` (answering 404 "No such image" itself). */
int api_image_find(struct api_req *r, struct glass_store *s, const char *ref,
                   struct glass_image **img, enum MHD_Result *ret)
{
	struct glass_err *err = NULL;
	if (engine_image_get(s, ref, NULL, img, &err) == 0)
		return 0;
	if (err->errnum == ENOENT) {
		glass_err_free(&err);
		*ret = api_reply_error(r, 404, "No such image: %s", ref);
	} else {
		*ret = api_reply_err(r, &err);
	}
	return -1;
}

static void names_of(struct glass_store *s, const struct glass_image *img, char ***names,
                     char ***manifests)
{
	struct engine_image_row *rows;
	size_t n;
	*names = NULL;
	if (manifests)
		*manifests = NULL;
	if (engine_image_rows(s, &rows, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].img->config_digest, img->config_digest) == 0) {
			*names = steal_pointer(&rows[i].names);
			if (manifests)
				*manifests = steal_pointer(&rows[i].manifests);
		}
	engine_image_rows_free(rows, n);
}

static struct json_object *inspect(struct glass_store *s, const struct glass_image *img)
{
	struct json_object *o = json_object_new_object(), *rootfs = json_object_new_object();
	struct json_object *layers = json_object_new_array(), *meta = json_object_new_object();
	char **names, **manifests;
	names_of(s, img, &names, &manifests);
	int64_t size = engine_image_size(s, img);
	json_object_object_add(o, "Id", json_object_new_string(img->config_digest));
	add_names(o, names, manifests);
	engine_strv_free(names);
	engine_strv_free(manifests);
	json_object_object_add(o, "Parent", json_object_new_string(""));
	json_object_object_add(o, "Comment", json_object_new_string(""));
	json_object_object_add(
	    o, "Created", json_object_new_string(img->config->created ? img->config->created : ""));
	json_object_object_add(o, "Container", json_object_new_string(""));
	json_object_object_add(o, "DockerVersion", json_object_new_string(""));
	json_object_object_add(o, "Author", json_object_new_string(""));
	json_object_object_add(o, "Config", image_config(img));
	json_object_object_add(o, "Architecture",
	                       json_object_new_string(img->config->arch ? img->config->arch : ""));
	json_object_object_add(o, "Os",
	                       json_object_new_string(img->config->os ? img->config->os : ""));
	json_object_object_add(o, "Size", json_object_new_int64(size));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(size));
	for (size_t i = 0; img->config->diff_ids && img->config->diff_ids[i]; i++)
		json_object_array_add(layers, json_object_new_string(img->config->diff_ids[i]));
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "Layers", layers);
	json_object_object_add(o, "RootFS", rootfs);
	json_object_object_add(meta, "LastTagTime", json_object_new_string("0001-01-01T00:00:00Z"));
	json_object_object_add(o, "Metadata", meta);
	return o;
}

/* GET /images/NAME/json | /history | /get */
static enum MHD_Result img_get(struct api_req *r)
{
	cleanup_free char *name = xstrdup(api_param(r, 0));
	char *slash = strrchr(name, '/');
	if (!slash)
		return api_reply_error(r, 404, "page not found");
	*slash = '\0';
	const char *what = slash + 1;
	if (strcmp(what, "get") == 0)
		return api_image_save_one(r, name);
	if (strcmp(what, "json") != 0 && strcmp(what, "history") != 0)
		return api_reply_error(r, 404, "page not found");
	struct glass_store *s;
	struct glass_image *img;
	enum MHD_Result ret;
	if (api_store_open(r, false, &s, &ret) < 0)
		return ret;
	if (api_image_find(r, s, name, &img, &ret) < 0) {
		glass_store_close(s);
		return ret;
	}
	struct json_object *o = what[0] == 'j' ? inspect(s, img) : engine_image_history(img);
	if (what[0] == 'h' && json_object_array_length(o) > 0) {
		char **names;
		struct json_object *tags = json_object_new_array();
		names_of(s, img, &names, NULL);
		for (char **n = names; n && *n; n++) {
			cleanup_free char *f = engine_image_familiar(*n);
			json_object_array_add(tags, json_object_new_string(f));
		}
		engine_strv_free(names);
		json_object_object_add(json_object_array_get_idx(o, 0), "Tags", tags);
	}
	glass_image_free(img);
	glass_store_close(s);
	return api_reply_json(r, 200, o);
}

/* POST /images/NAME/tag?repo=R&tag=T */
static enum MHD_Result img_tag(struct api_req *r, const char *name)
{
	const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
	struct glass_store *s;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	if (!repo || !*repo)
		return api_reply_error(r, 400, "repo: a repository name is required");
	cleanup_free char *target = tag && *tag ? xasprintf("%s:%s", repo, tag) : xstrdup(repo);
	if (api_store_open(r, false, &s, &ret) < 0)
		return ret;
	struct glass_image *img;
	if (api_image_find(r, s, name, &img, &ret) < 0) {
		glass_store_close(s);
		return ret;
	}
	cleanup_free char *id = xstrdup(img->config_digest);
	glass_image_free(img);
	int rc = engine_image_tag(s, id, target, NULL, &err);
	glass_store_close(s);
	if (rc < 0)
		return api_err_status(err) == 500 ? api_reply_err_status(r, 400, &err)
		                                  : api_reply_err(r, &err);
	return api_reply_empty(r, 201);
}

/* POST /images/NAME/tag | /push */
static enum MHD_Result img_post(struct api_req *r)
{
	cleanup_free char *name = xstrdup(api_param(r, 0));
	char *slash = strrchr(name, '/');
	if (!slash)
		return api_reply_error(r, 404, "page not found");
	*slash = '\0';
	if (strcmp(slash + 1, "tag") == 0)
		return img_tag(r, name);
	if (strcmp(slash + 1, "push") == 0)
		return api_reply_error(r, 501,
		                       "push is not supported: glass pulls from registries but "
		                       "does not push to them (use skopeo copy "
		                       "oci-archive:SAVED.tar docker://REGISTRY/NAME)");
	return api_reply_error(r, 404, "page not found");
}

/* DELETE /images/NAME?force=&noprune= */
static enum MHD_Result img_delete(struct api_req *r)
{
	bool force, noprune;
	struct glass_store *s;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	if (api_query_bool(r, "force", false, &force, &ret) < 0 ||
	    api_query_bool(r, "noprune", false, &noprune, &ret) < 0)
		return ret;
	if (noprune)
		return api_reply_error(r, 400,
		                       "noprune: not supported (glass keeps no untagged parent "
		                       "images to leave behind)");
	if (api_store_open(r, true, &s, &ret) < 0)
		return ret;
	struct json_object *report = json_object_new_array();
	int rc = engine_image_remove(s, api_param(r, 0), force, report, &err);
	glass_store_close(s);
	if (rc < 0) {
		json_object_put(report);
		return api_reply_err(r, &err);
	}
	return api_reply_json(r, 200, report);
}

struct prune_filter {
	struct json_object *f;
	int64_t until;
};

static bool prune_keep(void *data, const struct engine_image_row *row)
{
	struct prune_filter *p = data;
	struct json_object *cfg = image_config(row->img), *labels = labels_of(cfg);
	bool keep = !api_filter_labels(p->f, "label", labels) ||
	            (p->until && engine_time_unix(row->created) >= p->until);
	json_object_put(labels);
	json_object_put(cfg);
	return keep;
}

/* POST /images/prune?filters={"dangling":["false"],"label":[..],"until":[..]} */
static enum MHD_Result img_prune(struct api_req *r)
{
	static const char *const allowed[] = {"dangling", "label", "until", NULL};
	struct prune_filter p = {0};
	struct glass_store *s;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	uint64_t freed = 0;
	int dangling;
	if (api_filters(r, allowed, &p.f, &ret) < 0)
		return ret;
	const char *until = api_filter_value(p.f, "until", 0);
	if (until && (p.until = ctr_parse_time(until)) < 0) {
		json_object_put(p.f);
		return api_reply_error(r, 400, "invalid filter 'until=%s'", until);
	}
	p.until /= 1000000000;
	if (!api_filter_bool(p.f, "dangling", &dangling)) {
		json_object_put(p.f);
		return api_reply_error(r, 400, "invalid filter 'dangling': true or false");
	}
	if (api_store_open(r, true, &s, &ret) < 0) {
		json_object_put(p.f);
		return ret;
	}
	struct json_object *report = json_object_new_array(), *o = json_object_new_object();
	int rc = engine_image_prune(s, dangling == 0, prune_keep, &p, report, &freed, &err);
	glass_store_close(s);
	json_object_put(p.f);
	if (rc < 0) {
		json_object_put(report);
		json_object_put(o);
		return api_reply_err(r, &err);
	}
	json_object_object_add(o, "ImagesDeleted", report);
	json_object_object_add(o, "SpaceReclaimed", json_object_new_int64((int64_t)freed));
	return api_reply_json(r, 200, o);
}

static enum MHD_Result img_search(struct api_req *r)
{
	return api_reply_error(r, 501,
	                       "search is not supported: registries other than Docker Hub "
	                       "have no search API, and glass talks to registries only "
	                       "through the distribution API (pull by name)");
}

const struct api_route api_routes_images[] = {
    {"GET", "/images/json", img_list, 0},
    {"POST", "/images/create", api_image_create, 0},
    {"GET", "/images/get", api_image_save, 0},
    {"POST", "/images/load", api_image_load, API_BODY_FILE},
    {"POST", "/images/prune", img_prune, 0},
    {"GET", "/images/search", img_search, 0},
    {"GET", "/images/{name*}", img_get, 0},
    {"POST", "/images/{name*}", img_post, 0},
    {"DELETE", "/images/{name*}", img_delete, 0},
    {NULL, NULL, NULL, 0},
};
