/* api-ctr-fs: /containers/{id}/archive, what `docker cp` speaks.
 *
 *   HEAD  ?path=P   the entry's stat in the X-Docker-Container-Path-Stat
 *                   header (base64 of {"name","size","mode","mtime",
 *                   "linkTarget"}), 404 when it does not exist
 *   GET   ?path=P   the same header and a tar stream of P
 *   PUT   ?path=DIR a tar stream extracted into the directory DIR
 * mode is Go's os.FileMode (the client tests IsDir() on it): the
 * permission bits plus a high bit for the kind of file. */
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *base64(const char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* Go's os.FileMode for a stat mode. */
static uint32_t go_mode(mode_t m)
{
	uint32_t g = m & 0777;
	if (S_ISDIR(m))
		g |= 1u << 31;
	if (S_ISLNK(m))
		g |= 1u << 27;
	if (S_ISBLK(m))
		g |= 1u << 26;
	if (S_ISCHR(m))
		g |= (1u << 26) | (1u << 21);
	if (S_ISFIFO(m))
		g |= 1u << 25;
	if (S_ISSOCK(m))
		g |= 1u << 24;
	if (m & S_ISUID)
		g |= 1u << 23;
	if (m & S_ISGID)
		g |= 1u << 22;
	if (m & S_ISVTX)
		g |= 1u << 20;
	return g;
}

static char *stat_header(const struct ctr_path_stat *st)
{
	struct json_object *o = json_object_new_object();
	char t[64];
	struct tm tm;
	gmtime_r(&st->mtime.tv_sec, &tm);
	size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%09ldZ", st->mtime.tv_nsec);
	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "size", json_object_new_int64(st->size));
	json_object_object_add(o, "mode", json_object_new_int64(go_mode(st->mode)));
	json_object_object_add(o, "mtime", json_object_new_string(t));
	json_object_object_add(o, "linkTarget", json_object_new_string(st->link));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char *b = base64(s, strlen(s));
	json_object_put(o);
	return b;
}

/* ?path= and its entry's stat header; NULL with *ret queued. */
static char *path_stat(struct api_req *r, const char **path, enum MHD_Result *ret)
{
	struct glass_err *err = NULL;
	struct ctr_path_stat st;
	*ret = MHD_NO; /* stat_header never returns NULL; the analyzer cannot see it */
	*path = api_query(r, "path");
	if (!*path || !**path) {
		*ret = api_reply_error(r, 400, "path: the query parameter is missing");
		return NULL;
	}
	if (ctr_path_stat(api_param(r, 0), *path, &st, &err) < 0) {
		*ret = api_reply_err(r, &err);
		return NULL;
	}
	return stat_header(&st);
}

static enum MHD_Result head(struct api_req *r)
{
	enum MHD_Result ret;
	const char *path;
	cleanup_free char *h = path_stat(r, &path, &ret);
	if (!h)
		return ret;
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	api_add_headers(resp);
	MHD_add_response_header(resp, "X-Docker-Container-Path-Stat", h);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result get(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	const char *path;
	int fd;
	pid_t pid;
	cleanup_free char *h = path_stat(r, &path, &ret);
	if (!h)
		return ret;
	if (ctr_archive_get(api_param(r, 0), path, &fd, &pid, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_fd(r, 200, "application/x-tar", fd, pid, "X-Docker-Container-Path-Stat",
	                    h);
}

static enum MHD_Result put(struct api_req *r)
{
	struct glass_err *err = NULL;
	const char *path = api_query(r, "path");
	if (!path || !*path)
		return api_reply_error(r, 400, "path: the query parameter is missing");
	if (r->body_fd < 0)
		return api_reply_error(r, 400, "the request has no archive");
	if (ctr_archive_put(api_param(r, 0), path, r->body_fd, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 200);
}

const struct api_route api_routes_ctr_fs[] = {
    {"HEAD", "/containers/{id}/archive", head, 0},
    {"GET", "/containers/{id}/archive", get, 0},
    {"PUT", "/containers/{id}/archive", put, API_BODY_FILE},
    {NULL, NULL, NULL, 0},
};
