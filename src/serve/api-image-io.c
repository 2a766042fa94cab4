/* api-image-io: images in and out: pull (POST /images/create, with
 * Docker's JSON progress stream), save (GET /images/get, /images/NAME/get)
 * and load (POST /images/load).
 *
 * The pull runs on a worker thread (api_reply_job) so its progress
 * reaches the client as it happens: the store's reports become Docker's
 * JSON messages, a failure the final {"error": ...} message, as dockerd
 * reports them once the 200 is sent.  Registries on 127.0.0.0/8 and
 * localhost are pulled without TLS verification and may fall back to
 * plain HTTP, as dockerd treats them as insecure by default. */
#include "api-common.h"
#include "api-images.h"
#include "netvol.h"
#include "transfer.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pull_job {
	char *ref, *platform, *creds;
	int fd;
};

static void message(int fd, const char *status, const char *id, const char *progress)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(status));
	if (progress) {
		json_object_object_add(o, "progressDetail", json_object_new_object());
		json_object_object_add(o, "progress", json_object_new_string(progress));
	}
	if (id)
		json_object_object_add(o, "id", json_object_new_string(id));
	api_json_line(fd, o);
}

static void error_message(int fd, struct glass_err **err)
{
	cleanup_free char *m = glass_err_format(*err);
	struct json_object *o = json_object_new_object(), *d = json_object_new_object();
	json_object_object_add(d, "message", json_object_new_string(m));
	json_object_object_add(o, "errorDetail", d);
	json_object_object_add(o, "error", json_object_new_string(m));
	api_json_line(fd, o);
	glass_err_free(err);
}

/* The store's reports as Docker's messages: a transient status line is a
 * progress message (a terminal redraws it in place), a blob done is
 * "Pull complete" under the blob's short ID. */
static void pull_report(void *data, enum glass_report_kind kind, const char *text)
{
	struct pull_job *j = data;
	char id[13];
	if (kind == GLASS_REPORT_STATUS) {
		message(j->fd, "Downloading", "layers", text);
	} else if (kind == GLASS_REPORT_WARN) {
		cleanup_free char *w = xasprintf("Warning: %s", text);
		message(j->fd, w, NULL, NULL);
	} else if (sscanf(text, "Copying blob sha256:%12[0-9a-f]", id) == 1) {
		message(j->fd, strstr(text, "already exists") ? "Already exists" : "Pull complete",
		        id, NULL);
	} else {
		message(j->fd, text, NULL, NULL);
	}
}

static int pull_builtin(struct pull_job *j, struct glass_store *s, struct glass_err **err)
{
	struct glass_image *img;
	if (engine_image_get(s, j->ref, NULL, &img, err) < 0)
		return -1;
	message(j->fd, "Pulling from localhost/busybox (glass's built-in image)", "latest", NULL);
	cleanup_free char *d = xasprintf("Digest: %s", img->manifest_digest);
	message(j->fd, d, NULL, NULL);
	message(j->fd, "Status: Image is up to date for localhost/busybox:latest", NULL, NULL);
	glass_image_free(img);
	return 0;
}

/* "127.0.0.1:5000/x" and "localhost/x": a registry on this host. */
static bool insecure_registry(const char *ref)
{
	const char *slash = strchr(ref, '/');
	if (!slash)
		return false;
	size_t n = (size_t)(slash - ref);
	return (n >= 4 && strncmp(ref, "127.", 4) == 0) ||
	       (n >= 9 && strncmp(ref, "localhost", 9) == 0 && (n == 9 || ref[9] == ':'));
}

static void pull_main(void *data, int fd)
{
	struct pull_job *j = data;
	struct glass_store *s;
	struct glass_err *err = NULL;
	cleanup_free char *name = NULL;
	j->fd = fd;
	if (engine_store_open_report(false, pull_report, j, &s, &err) < 0) {
		error_message(fd, &err);
		return;
	}
	cleanup_free char *root = engine_builtin_rootfs();
	if (engine_is_builtin_image(j->ref) && root) {
		if (pull_builtin(j, s, &err) < 0)
			error_message(fd, &err);
		glass_store_close(s);
		return;
	}
	struct engine_pull_opts o = {
	    .platform = j->platform, .creds = j->creds, .tls_verify = !insecure_registry(j->ref)};
	struct glass_image *img = NULL;
	if (engine_pull(s, j->ref, &o, &name, &err) < 0 ||
	    glass_image_find(s, name, &img, &err) < 0) {
		error_message(fd, &err);
	} else {
		cleanup_free char *d = xasprintf("Digest: %s", img->manifest_digest);
		cleanup_free char *f = engine_image_familiar(name);
		cleanup_free char *st = xasprintf("Status: Downloaded newer image for %s", f);
		message(fd, d, NULL, NULL);
		message(fd, st, NULL, NULL);
	}
	glass_image_free(img);
	glass_store_close(s);
}

static void pull_done(void *data)
{
	struct pull_job *j = data;
	free(j->ref);
	free(j->platform);
	free(j->creds);
	free(j);
}

static int b64_value(char c)
{
	const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(set, c == '-' ? '+' : c == '_' ? '/' : c) : NULL;
	return p ? (int)(p - set) : -1;
}

/* Base64 (standard or URL-safe, padding optional) into a string. */
static char *b64_decode(const char *in)
{
	size_t n = strlen(in), o = 0;
	char *out = xmalloc(n + 1);
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		int v = b64_value(in[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* X-Registry-Auth: base64(JSON {"username", "password", ...}) -> "u:p". */
static int registry_auth(struct api_req *r, char **creds, enum MHD_Result *ret)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Registry-Auth");
	*creds = NULL;
	if (!h || !*h)
		return 0;
	cleanup_free char *text = b64_decode(h);
	struct json_object *o = text ? json_tokener_parse(text) : NULL, *u, *p;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*ret = api_reply_error(r, 400, "X-Registry-Auth: not base64-encoded JSON");
		return -1;
	}
	if (json_object_object_get_ex(o, "username", &u) &&
	    json_object_object_get_ex(o, "password", &p) && *json_object_get_string(u))
		*creds = xasprintf("%s:%s", json_object_get_string(u), json_object_get_string(p));
	json_object_put(o);
	return 0;
}

/* POST /images/create?fromImage=NAME&tag=TAG&platform=OS/ARCH */
enum MHD_Result api_image_create(struct api_req *r)
{
	const char *from = api_query(r, "fromImage"), *tag = api_query(r, "tag");
	const char *platform = api_query(r, "platform");
	enum MHD_Result ret;
	if (api_query(r, "fromSrc"))
		return api_reply_error(r, 501,
		                       "fromSrc: importing a root filesystem tarball is not "
		                       "supported; load an image archive (POST /images/load)");
	if (!from || !*from)
		return api_reply_error(r, 400, "fromImage: an image name is required");
	struct pull_job *j = xcalloc(1, sizeof(*j));
	if (registry_auth(r, &j->creds, &ret) < 0) {
		pull_done(j);
		return ret;
	}
	const char *slash = strrchr(from, '/'), *colon = strrchr(from, ':');
	bool has_tag = strchr(from, '@') || (colon && (!slash || colon > slash));
	if (tag && *tag && !has_tag)
		j->ref =
		    xasprintf("%s%c%s", from, strncmp(tag, "sha256:", 7) == 0 ? '@' : ':', tag);
	else
		j->ref = xstrdup(from);
	j->platform = platform && *platform ? xstrdup(platform) : NULL;
	return api_reply_job(r, "application/json", pull_main, pull_done, j);
}

struct names {
	char **v;
	size_t n;
};

static enum MHD_Result collect_names(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	struct names *ns = cls;
	(void)kind;
	if (strcmp(key, "names") == 0 && value && *value) {
		ns->v = xrealloc(ns->v, (ns->n + 2) * sizeof(char *));
		ns->v[ns->n++] = xstrdup(value);
		ns->v[ns->n] = NULL;
	}
	return MHD_YES;
}

/* Saves `refs` into a file under the store's scratch space, opened and
 * unlinked: the reply streams it and nothing stays behind. */
static enum MHD_Result save(struct api_req *r, char **refs)
{
	struct glass_store *s;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	if (api_store_open(r, false, &s, &ret) < 0)
		return ret;
	cleanup_free char *dir = glass_store_tmpdir(s, "get", &err);
	cleanup_free char *file = dir ? xasprintf("%s/images.tar", dir) : NULL;
	int rc = dir ? engine_image_save(s, refs, file, &err) : -1;
	int fd = rc == 0 ? open(file, O_RDONLY | O_CLOEXEC) : -1;
	if (rc == 0 && fd < 0)
		rc = glass_err_new(&err, errno, "open(\"%s\")", file);
	if (dir)
		glass_rm_rf_at(AT_FDCWD, dir);
	glass_store_close(s);
	if (rc < 0)
		return api_reply_err(r, &err);
	return api_reply_fd(r, 200, "application/x-tar", fd, 0, NULL, NULL);
}

enum MHD_Result api_image_save(struct api_req *r)
{
	struct names ns = {xcalloc(1, sizeof(char *)), 0};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_names, &ns);
	enum MHD_Result ret =
	    ns.n ? save(r, ns.v) : api_reply_error(r, 400, "names: no image given");
	engine_strv_free(ns.v);
	return ret;
}

enum MHD_Result api_image_save_one(struct api_req *r, const char *ref)
{
	char *refs[2] = {(char *)ref, NULL};
	return save(r, refs);
}

/* POST /images/load: the body (spooled to r->body_fd) is an archive that
 * glass image import reads: docker save's, or an OCI archive, plain or
 * compressed.  All its images land, or none. */
enum MHD_Result api_image_load(struct api_req *r)
{
	struct glass_store *s;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	char **names = NULL;
	if (r->body_fd < 0)
		return api_reply_error(r, 400, "load: the request has no body (an image archive)");
	cleanup_free char *path = xasprintf("/proc/self/fd/%d", r->body_fd);
	if (api_store_open(r, false, &s, &ret) < 0)
		return ret;
	int rc = glass_import_path(s, path, NULL, "load", NULL, &names, &err);
	glass_store_close(s);
	if (rc < 0)
		return api_err_status(err) == 500 ? api_reply_err_status(r, 400, &err)
		                                  : api_reply_err(r, &err);
	struct strbuf out = STRBUF_INIT;
	for (char **n = names; *n; n++) {
		cleanup_free char *f = engine_image_familiar(*n);
		cleanup_free char *line = xasprintf("Loaded image: %s\n", f);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "stream", json_object_new_string(line));
		strbuf_printf(&out, "%s\r\n",
		              json_object_to_json_string_ext(
		                  o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	glass_manifest_strv_free(names);
	cleanup_free char *body = strbuf_steal(&out);
	return api_reply_data(r, 200, "application/json", body, strlen(body));
}
