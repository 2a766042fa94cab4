/* Experiment 5: an image, taken apart.
 *
 * An OCI image is a chain of JSON documents and tar files, each named by
 * the SHA-256 of its bytes: an index (one manifest per platform) names a
 * manifest; the manifest names a config and the layers, compressed; the
 * config lists each layer again by the digest of its uncompressed tar
 * (the diff_id), with the history of the commands that made them.
 * Because a name is a digest, anyone can check it: the worker reads every
 * blob from the store and hashes it again, now, and decompresses each
 * layer to hash its tar against the config's diff_id.  It then lists each
 * layer's tar entries (a whiteout .wh.NAME deletes NAME below; .wh..wh..opq
 * empties its directory below), from which the page builds a dive-like
 * tree: what each layer adds, changes and removes, and the bytes lower
 * layers keep for files a higher layer replaced or deleted (wasted space).
 * A file's content is read from its layer's tar on request (text, capped).
 */
#include "lazy-archive.h"
#include "common.h"
#include "image.h"
#include "lab.h"
#include "manifest.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 5000
#define CAT_MAX   ((size_t)64 * 1024)

/* ---- requests (server side) ---- */

static bool ref_param(json_object *req, const char *key, const char **out, char *why)
{
	json_object *v;
	*out = NULL;
	if (!json_object_object_get_ex(req, key, &v))
		return true;
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!s || !lab_image_ref_ok(s)) {
		snprintf(why, LAB_WHY_SIZE,
		         "%s: expected an image reference (letters, digits, . _ - / "
		         ": @; at most 255)",
		         key);
		return false;
	}
	*out = s;
	return true;
}

static int img_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind", "image", "pull", "tls_verify", NULL};
	const char *image, *pull;
	bool tls;
	if (!lab_req_only(req, keys, why) || !ref_param(req, "image", &image, why) ||
	    !ref_param(req, "pull", &pull, why) ||
	    !lab_req_bool(req, "tls_verify", true, &tls, why))
		return -1;
	json_object_object_add(p, "image", json_object_new_string(image ? image : "builtin"));
	if (pull)
		json_object_object_add(p, "pull", json_object_new_string(pull));
	json_object_object_add(p, "tls_verify", json_object_new_boolean(tls));
	return 0;
}

static char *img_action(json_object *req, char *why)
{
	static const char *const keys[] = {"op", "layer", "path", NULL};
	static const char *const ops[] = {"cat", "stop", NULL};
	const char *op;
	long long layer;
	json_object *v;
	if (!lab_req_only(req, keys, why) || !lab_req_enum(req, "op", ops, NULL, &op, why) ||
	    !lab_req_int(req, "layer", 0, 1023, 0, &layer, why))
		return NULL;
	if (!op) {
		snprintf(why, LAB_WHY_SIZE, "op: expected \"cat\" or \"stop\"");
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op));
	if (strcmp(op, "cat") == 0) {
		if (!json_object_object_get_ex(req, "path", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 || json_object_get_string_len(v) > 4096) {
			json_object_put(o);
			snprintf(why, LAB_WHY_SIZE,
			         "path: expected the path of a file in the layer");
			return NULL;
		}
		json_object_object_add(o, "layer", json_object_new_int64(layer));
		json_object_object_add(o, "path", json_object_get(v));
	}
	return lab_json_steal(o);
}

static json_object *img_info(void)
{
	return lab_image_names();
}

/* ---- digests, recomputed ---- */

/* Hashes the blob's bytes as stored and says whether they are its name. */
static json_object *verify_blob(struct glass_store *s, const char *digest, const char *role,
                                const char *media_type, bool with_json)
{
	json_object *o = lab_event("blob");
	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "digest", json_object_new_string(digest));
	json_object_object_add(o, "media_type",
	                       media_type ? json_object_new_string(media_type) : NULL);
	struct glass_err *err = NULL;
	int fd = glass_store_open_blob(s, digest, &err);
	if (fd < 0) {
		cleanup_free char *msg = glass_err_format(err);
		glass_err_free(&err);
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "in_store", json_object_new_boolean(false));
		return o;
	}
	struct glass_sha256 *h = glass_sha256_new();
	struct strbuf body = STRBUF_INIT;
	char buf[65536], out[GLASS_DIGEST_LEN];
	unsigned long long size = 0, t0 = now_ns();
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		glass_sha256_update(h, buf, (size_t)n);
		if (with_json && body.len < 1 << 20)
			strbuf_append(&body, buf, (size_t)n);
		size += (unsigned long long)n;
	}
	close(fd);
	glass_sha256_final(h, out);
	glass_sha256_free(h);
	json_object_object_add(o, "in_store", json_object_new_boolean(true));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
	json_object_object_add(o, "computed", json_object_new_string(out));
	json_object_object_add(o, "verified", json_object_new_boolean(strcmp(out, digest) == 0));
	json_object_object_add(o, "hash_us",
	                       json_object_new_int64((int64_t)((now_ns() - t0) / 1000)));
	if (with_json) {
		cleanup_free char *text = strbuf_steal(&body);
		json_object_object_add(o, "json", json_tokener_parse(text));
	}
	return o;
}

static struct archive *open_layer(struct glass_store *s, const char *digest, bool raw, int *fd)
{
	struct glass_err *err = NULL;
	*fd = glass_store_open_blob(s, digest, &err);
	glass_err_free(&err);
	if (*fd < 0)
		return NULL;
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	if (raw)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, *fd, 65536) != ARCHIVE_OK) {
		archive_read_free(a);
		close(*fd);
		return NULL;
	}
	return a;
}

/* The diff_id: the SHA-256 of the layer's tar, decompressed. */
static void verify_diff_id(struct glass_store *s, const char *digest, const char *want,
                           json_object *o)
{
	int fd;
	struct archive *a = open_layer(s, digest, true, &fd);
	struct archive_entry *e;
	if (!a)
		return;
	struct glass_sha256 *h = glass_sha256_new();
	char buf[65536], out[GLASS_DIGEST_LEN];
	unsigned long long size = 0;
	la_ssize_t n;
	if (archive_read_next_header(a, &e) == ARCHIVE_OK)
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			glass_sha256_update(h, buf, (size_t)n);
			size += (unsigned long long)n;
		}
	glass_sha256_final(h, out);
	glass_sha256_free(h);
	const char *filter = archive_filter_count(a) > 1 ? archive_filter_name(a, 0) : "none";
	json_object_object_add(o, "compression", json_object_new_string(filter));
	json_object_object_add(o, "tar_size", json_object_new_int64((int64_t)size));
	json_object_object_add(o, "diff_id_computed", json_object_new_string(out));
	json_object_object_add(o, "diff_id", want ? json_object_new_string(want) : NULL);
	json_object_object_add(o, "diff_id_verified",
	                       json_object_new_boolean(want && !strcmp(out, want)));
	archive_read_free(a);
	close(fd);
}

static char type_of(struct archive_entry *e)
{
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return 'd';
	case AE_IFLNK:
		return 'l';
	case AE_IFCHR:
		return 'c';
	case AE_IFBLK:
		return 'b';
	case AE_IFIFO:
		return 'p';
	default:
		return archive_entry_hardlink(e) ? 'h' : 'f';
	}
}

/* Every entry of a layer's tar: [path, type, size, link target]. */
static json_object *layer_files(struct glass_store *s, const char *digest, bool *truncated)
{
	int fd;
	struct archive *a = open_layer(s, digest, false, &fd);
	json_object *arr = json_object_new_array();
	struct archive_entry *e;
	*truncated = false;
	if (!a)
		return arr;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (json_object_array_length(arr) >= MAX_FILES) {
			*truncated = true;
			break;
		}
		const char *p = archive_entry_pathname(e);
		const char *link = archive_entry_hardlink(e);
		if (!link)
			link = archive_entry_symlink(e);
		json_object *x = json_object_new_array();
		cleanup_free char *norm = xasprintf("/%s", p[0] == '.' && p[1] == '/' ? p + 2 : p);
		size_t l = strlen(norm);
		while (l > 1 && norm[l - 1] == '/')
			norm[--l] = '\0';
		json_object_array_add(x, json_object_new_string(norm));
		char t[2] = {type_of(e), '\0'};
		json_object_array_add(x, json_object_new_string(t));
		json_object_array_add(x, json_object_new_int64(archive_entry_size(e)));
		json_object_array_add(x, link ? json_object_new_string(link) : NULL);
		json_object_array_add(arr, x);
	}
	archive_read_free(a);
	close(fd);
	return arr;
}

/* ---- the worker ---- */

struct img {
	struct glass_store *s;
	struct glass_image *img;
};

static void cat(struct img *im, long long layer, const char *path)
{
	json_object *o = lab_event("file");
	json_object_object_add(o, "layer", json_object_new_int64(layer));
	json_object_object_add(o, "path", json_object_new_string(path));
	if (layer < 0 || (size_t)layer >= im->img->manifest->nlayers) {
		json_object_object_add(o, "error", json_object_new_string("no such layer"));
		lab_emit(o);
		return;
	}
	int fd;
	struct archive *a = open_layer(im->s, im->img->manifest->layers[layer].digest, false, &fd);
	struct archive_entry *e;
	bool found = false;
	while (a && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		const char *q = p[0] == '.' && p[1] == '/' ? p + 2 : p;
		if (strcmp(q, path[0] == '/' ? path + 1 : path) != 0)
			continue;
		found = true;
		json_object_object_add(o, "size", json_object_new_int64(archive_entry_size(e)));
		if (archive_entry_filetype(e) != AE_IFREG) {
			json_object_object_add(o, "error",
			                       json_object_new_string("not a regular file"));
			break;
		}
		static char buf[CAT_MAX + 1];
		la_ssize_t n = archive_read_data(a, buf, CAT_MAX);
		n = n < 0 ? 0 : n;
		bool text = memchr(buf, '\0', (size_t)n) == NULL;
		buf[n] = '\0';
		json_object_object_add(o, "binary", json_object_new_boolean(!text));
		json_object_object_add(o, "truncated",
		                       json_object_new_boolean(archive_entry_size(e) > n));
		json_object_object_add(o, "text",
		                       text ? json_object_new_string_len(buf, (int)n) : NULL);
		break;
	}
	if (!found)
		json_object_object_add(o, "error",
		                       json_object_new_string("not in this layer's tar"));
	if (a) {
		archive_read_free(a);
		close(fd);
	}
	lab_emit(o);
}

/* The index the image was chosen from: its platforms, the host's, and
 * which manifests the store holds (a pull fetches one platform). */
static void index_card(struct img *im)
{
	struct glass_image *g = im->img;
	json_object *b = verify_blob(im->s, g->index_digest, "index", NULL, true);
	json_object *plats = json_object_new_array(), *j;
	char os[32], arch[32], variant[32];
	glass_platform_host(os, arch, variant);
	if (json_object_object_get_ex(b, "json", &j) && j) {
		json_object *ms;
		if (json_object_object_get_ex(j, "manifests", &ms))
			for (size_t i = 0; i < json_object_array_length(ms); i++) {
				json_object *m = json_object_array_get_idx(ms, i), *d;
				const char *dg = json_object_object_get_ex(m, "digest", &d)
				                     ? json_object_get_string(d)
				                     : "";
				json_object *x = json_object_new_object();
				json_object_object_add(x, "digest", json_object_new_string(dg));
				json_object_object_add(
				    x, "chosen",
				    json_object_new_boolean(!strcmp(dg, g->manifest_digest)));
				json_object_object_add(
				    x, "in_store",
				    json_object_new_boolean(glass_digest_valid(dg) &&
				                            glass_store_has_blob(im->s, dg)));
				json_object_array_add(plats, x);
			}
	}
	json_object_object_add(b, "platforms", plats);
	cleanup_free char *host = xasprintf("%s/%s%s%s", os, arch, variant[0] ? "/" : "", variant);
	json_object_object_add(b, "host_platform", json_object_new_string(host));
	lab_emit(b);
}

static void take_apart(struct img *im)
{
	struct glass_image *g = im->img;
	json_object *o = lab_event("image");
	json_object_object_add(o, "name", json_object_new_string(g->name ? g->name : ""));
	json_object_object_add(o, "manifest", json_object_new_string(g->manifest_digest));
	json_object_object_add(o, "index",
	                       g->index_digest ? json_object_new_string(g->index_digest) : NULL);
	json_object_object_add(o, "layers", json_object_new_int((int)g->manifest->nlayers));
	lab_emit(o);
	if (g->index_digest)
		index_card(im);
	lab_emit(verify_blob(im->s, g->manifest_digest, "manifest", g->manifest->media_type, true));
	lab_emit(verify_blob(im->s, g->manifest->config.digest, "config",
	                     g->manifest->config.media_type, true));
	for (size_t i = 0; i < g->manifest->nlayers && !lab_worker_stop; i++) {
		const struct glass_desc *d = &g->manifest->layers[i];
		json_object *b = verify_blob(im->s, d->digest, "layer", d->media_type, false);
		json_object_object_add(b, "index", json_object_new_int((int)i));
		const char *want = i < g->config->ndiff_ids ? g->config->diff_ids[i] : NULL;
		verify_diff_id(im->s, d->digest, want, b);
		lab_emit(b);
		bool truncated;
		json_object *f = lab_event("files");
		json_object_object_add(f, "index", json_object_new_int((int)i));
		json_object_object_add(f, "entries", layer_files(im->s, d->digest, &truncated));
		json_object_object_add(f, "truncated", json_object_new_boolean(truncated));
		lab_emit(f);
	}
}

static void serve(struct img *im)
{
	while (!lab_worker_stop) {
		char *line = NULL;
		int got = lab_control_line(1000, &line);
		if (got < 0)
			return;
		if (got == 0)
			continue;
		json_object *req = json_tokener_parse(line), *op, *layer, *path;
		free(line);
		if (req && json_object_object_get_ex(req, "op", &op)) {
			if (strcmp(json_object_get_string(op), "stop") == 0) {
				json_object_put(req);
				return;
			}
			if (json_object_object_get_ex(req, "layer", &layer) &&
			    json_object_object_get_ex(req, "path", &path))
				cat(im, json_object_get_int64(layer), json_object_get_string(path));
		}
		json_object_put(req);
	}
}

static int run_image(json_object *p)
{
	struct img im = {0};
	struct glass_err *err = NULL;
	const char *ref = lab_param_str(p, "image");
	cleanup_free char *pulled = NULL;
	json_object *pull;
	int rc = -1;
	if (json_object_object_get_ex(p, "pull", &pull)) {
		json_object *o = lab_event("pulling");
		json_object_object_add(o, "ref", json_object_get(pull));
		lab_emit(o);
		if (glass_store_open(engine_root_dir(), false, &im.s, &err) < 0 ||
		    lab_image_pull(im.s, json_object_get_string(pull),
		                   lab_param_bool(p, "tls_verify"), &pulled, &err) < 0)
			goto out;
		glass_store_close(im.s);
		im.s = NULL;
		o = lab_event("pulled");
		json_object_object_add(o, "name", json_object_new_string(pulled));
		lab_emit(o);
		ref = pulled;
	}
	if (lab_image_open(ref, lab_param_str(p, "rootfs"), &im.s, &im.img, &err) < 0)
		goto out;
	take_apart(&im);
	lab_emit(lab_event("ready"));
	serve(&im);
	rc = 0;
out:
	if (rc < 0) {
		lab_emit_error(err, "image");
		glass_err_free(&err);
	}
	glass_image_free(im.img);
	if (im.s)
		glass_store_close(im.s);
	return rc;
}

static const struct lab_kind kinds[] = {
    {.name = "image", .params = img_params, .action = img_action, .run = run_image},
};

const struct lab_module lab_module_image = {
    .id = "image",
    .title = "5 · An image, taken apart",
    .summary = "index, manifest, config and layers from the store (or pulled from a registry "
               "named on the page) as linked cards with their JSON, every digest and diff_id "
               "recomputed now; the platform chosen from a multi-arch index; the layers as a "
               "tree of what each adds, changes and removes, with the space lower layers waste; "
               "file contents; the config's history lined up with the layers",
    .source = "src/lab/exp-image.c",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
    .info = img_info,
};
