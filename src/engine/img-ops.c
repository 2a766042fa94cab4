/* img-ops: listing, removing, pruning and tagging images (img.h), for the
 * CLI verbs and the API alike. */
#include "ctr.h"
#include "img.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t engine_image_size(struct glass_store *s, const struct glass_image *img)
{
	int64_t n = glass_store_blob_size(s, img->config_digest);
	for (size_t i = 0; i < img->manifest->nlayers; i++)
		n += img->manifest->layers[i].size;
	return n;
}

char *engine_image_familiar(const char *name)
{
	if (strncmp(name, "docker.io/", 10) != 0)
		return xstrdup(name);
	const char *rest = name + 10, *lib = "library/";
	const char *after = rest + strlen(lib);
	/* library/NAME loses "library/"; library/A/B keeps it, as docker's */
	if (strncmp(rest, lib, strlen(lib)) == 0 && !strchr(after, '/'))
		return xstrdup(after);
	return xstrdup(rest);
}

bool engine_image_ref_is_id(const struct glass_image *img, const char *ref)
{
	const char *id = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	size_t l = strlen(id);
	return l >= 3 && strncmp(glass_digest_hex(img->config_digest), id, l) == 0 &&
	       strspn(id, "0123456789abcdef") == l;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

char **engine_image_users(const char *config_digest)
{
	struct ctr **list = NULL;
	size_t n = 0, nu = 0;
	char **users = xcalloc(1, sizeof(char *));
	if (ctr_list_all(&list, &n, NULL) < 0)
		return users;
	for (size_t i = 0; i < n; i++) {
		const char *img = ctr_rec_str(list[i], "Image");
		if (img && strcmp(img, config_digest) == 0)
			strv_push(&users, &nu, list[i]->id);
	}
	ctr_list_free(list, n);
	return users;
}

static struct engine_image_row *row_of(struct engine_image_row *rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].img->config_digest, id) == 0)
			return &rows[i];
	return NULL;
}

int engine_image_rows(struct glass_store *s, struct engine_image_row **out, size_t *nout,
                      struct glass_err **err)
{
	struct glass_store_entry *e;
	size_t n, nr = 0;
	if (glass_store_list(s, &e, &n, err) < 0)
		return -1;
	struct engine_image_row *rows = xcalloc(n + 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		struct glass_image *img;
		struct glass_err *lerr = NULL;
		if (glass_image_load(s, e[i].digest, &img, &lerr) < 0) {
			glass_store_report(s, GLASS_REPORT_WARN, "image %s: %s", e[i].name,
			                   lerr ? lerr->op : "does not load");
			glass_err_free(&lerr);
			continue;
		}
		struct engine_image_row *r = row_of(rows, nr, img->config_digest);
		if (r) {
			glass_image_free(img);
		} else {
			r = &rows[nr++];
			img->name = xstrdup(e[i].name);
			r->img = img;
			r->created = xstrdup(img->config->created ? img->config->created : "");
			r->size = engine_image_size(s, img);
		}
		size_t k = 0, m;
		while (r->names && r->names[k])
			k++;
		m = k;
		strv_push(&r->names, &k, e[i].name);
		strv_push(&r->manifests, &m, e[i].digest);
	}
	glass_store_entries_free(e, n);
	*out = rows;
	*nout = nr;
	return 0;
}

void engine_image_rows_free(struct engine_image_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		glass_image_free(rows[i].img);
		engine_strv_free(rows[i].names);
		engine_strv_free(rows[i].manifests);
		free(rows[i].created);
	}
	free(rows);
}

static void report_add(struct json_object *report, const char *key, const char *value)
{
	if (!report)
		return;
	struct json_object *o = json_object_new_object();
	cleanup_free char *v =
	    strcmp(key, "Untagged") == 0 ? engine_image_familiar(value) : xstrdup(value);
	json_object_object_add(o, key, json_object_new_string(v));
	json_object_array_add(report, o);
}

/* docker's rules for removing an image some container uses: refused
 * unless forced, and refused even then while that container runs (its
 * rootfs is mounted from the layers). */
static int check_users(const struct glass_image *img, const char *ref, bool force,
                       struct glass_err **err)
{
	char **users = engine_image_users(img->config_digest);
	int rc = 0;
	const char *id = glass_digest_hex(img->config_digest);
	for (char **u = users; *u && rc == 0; u++) {
		cleanup_ctr struct ctr *c = NULL;
		bool running = ctr_find(*u, &c, NULL) == 0 &&
		               (c->st.status == CTR_RUNNING || c->st.status == CTR_PAUSED ||
		                c->st.status == CTR_RESTARTING);
		if (running)
			rc = glass_err_new(err, EBUSY,
			                   "conflict: unable to delete %.12s (cannot be forced) - "
			                   "image is being used by running container %.12s",
			                   id, *u);
		else if (!force)
			rc = glass_err_new(err, EBUSY,
			                   "conflict: unable to remove repository reference \"%s\" "
			                   "(must force) - container %.12s is using its referenced "
			                   "image %.12s",
			                   ref, *u, id);
	}
	engine_strv_free(users);
	return rc;
}

/* The names (store entries) of the image `img`. */
static char **names_of(struct glass_store *s, const struct glass_image *img, struct glass_err **err)
{
	struct engine_image_row *rows;
	size_t n;
	if (engine_image_rows(s, &rows, &n, err) < 0)
		return NULL;
	struct engine_image_row *r = row_of(rows, n, img->config_digest);
	char **names = r ? steal_pointer(&r->names) : xcalloc(1, sizeof(char *));
	engine_image_rows_free(rows, n);
	return names;
}

static int untag_and_sweep(struct glass_store *s, const struct glass_image *img, char **names,
                           struct json_object *report, struct glass_err **err)
{
	uint64_t freed = 0;
	for (char **n = names; *n; n++) {
		if (glass_store_unset(s, *n, err) < 0)
			return -1;
		report_add(report, "Untagged", *n);
	}
	if (glass_image_gc(s, &freed, err) < 0)
		return -1;
	char **rest = names_of(s, img, err);
	if (!rest)
		return -1;
	if (!rest[0])
		report_add(report, "Deleted", img->config_digest);
	engine_strv_free(rest);
	return 0;
}

/* glass_image_find() with docker's message for a missing image. */
static int find_image(struct glass_store *s, const char *ref, struct glass_image **img,
                      struct glass_err **err)
{
	struct glass_err *ferr = NULL;
	if (glass_image_find(s, ref, img, &ferr) == 0)
		return 0;
	if (ferr->errnum != ENOENT)
		return glass_err_move(err, &ferr);
	glass_err_free(&ferr);
	return glass_err_new(err, ENOENT, "No such image: %s", ref);
}

int engine_image_remove(struct glass_store *s, const char *ref, bool force,
                        struct json_object *report, struct glass_err **err)
{
	struct glass_image *img = NULL;
	if (find_image(s, ref, &img, err) < 0)
		return -1;
	bool by_id = engine_image_ref_is_id(img, ref);
	char **all = names_of(s, img, err), *one[2] = {img->name, NULL};
	int rc = all ? 0 : -1;
	size_t nnames = 0;
	while (all && all[nnames])
		nnames++;
	if (rc == 0 && by_id && nnames > 1 && !force)
		rc = glass_err_new(err, EBUSY,
		                   "conflict: unable to delete %.12s (must be forced) - image is "
		                   "referenced in multiple repositories",
		                   glass_digest_hex(img->config_digest));
	if (rc == 0 && (by_id || nnames <= 1))
		rc = check_users(img, ref, force, err);
	if (rc == 0)
		rc = untag_and_sweep(s, img, by_id ? all : one, report, err);
	engine_strv_free(all);
	glass_image_free(img);
	return rc;
}

int engine_image_prune(struct glass_store *s, bool all,
                       bool (*keep)(void *data, const struct engine_image_row *r), void *data,
                       struct json_object *report, uint64_t *freed, struct glass_err **err)
{
	struct engine_image_row *rows;
	size_t n;
	int rc = 0;
	if (all && engine_image_rows(s, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; all && i < n && rc == 0; i++) {
		char **users = engine_image_users(rows[i].img->config_digest);
		bool used = users[0] != NULL;
		engine_strv_free(users);
		if (used || (keep && keep(data, &rows[i])))
			continue;
		for (char **nm = rows[i].names; *nm && rc == 0; nm++) {
			rc = glass_store_unset(s, *nm, err);
			report_add(report, "Untagged", *nm);
		}
		report_add(report, "Deleted", rows[i].img->config_digest);
	}
	if (all)
		engine_image_rows_free(rows, n);
	if (rc == 0)
		rc = glass_image_gc(s, freed, err);
	return rc;
}

int engine_image_tag(struct glass_store *s, const char *ref, const char *name, char **full,
                     struct glass_err **err)
{
	struct glass_image *img = NULL;
	struct glass_ref r;
	if (glass_ref_parse(name, &r, err) < 0)
		return glass_err_ctx(err, "tag %s", name);
	cleanup_free char *norm = glass_ref_string(&r);
	bool digest = r.digest != NULL;
	glass_ref_clear(&r);
	if (digest)
		return glass_err_field(err, EINVAL, "tag",
		                       "refusing to create a tag with a digest reference (%s)",
		                       name);
	if (find_image(s, ref, &img, err) < 0)
		return -1;
	struct glass_store_entry e = {
	    .name = norm,
	    .digest = img->manifest_digest,
	    .media_type = img->manifest->media_type,
	    .size = glass_store_blob_size(s, img->manifest_digest),
	    .index_digest = img->index_digest,
	};
	int rc = glass_store_set(s, &e, err);
	glass_image_free(img);
	if (rc == 0 && full)
		*full = steal_pointer(&norm);
	return rc;
}

int64_t engine_time_unix(const char *t)
{
	struct tm tm = {0};
	const char *rest = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!rest)
		return 0;
	int64_t secs = (int64_t)timegm(&tm);
	while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
		rest++;
	int hh, mm;
	if ((*rest == '+' || *rest == '-') && sscanf(rest + 1, "%d:%d", &hh, &mm) == 2)
		secs -= (*rest == '+' ? 1 : -1) * (int64_t)(hh * 3600 + mm * 60);
	return secs;
}
