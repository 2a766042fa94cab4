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

static const char *path_param(struct api_req *r)
{
	const char *p = api_query(r, "path");
	return p && *p ? p : NULL;
}

static enum MHD_Result head(struct api_req *r)
{
	struct glass_err *err = NULL;
	struct ctr_path_stat st;
	const char *path = path_param(r);
	if (!path)
		return api_reply_error(r, 400, "path: the query parameter is missing");
	if (ctr_path_stat(api_param(r, 0), path, &st, &err) < 0)
		return api_reply_err(r, &err);
	cleanup_free char *h = stat_header(&st);
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	api_add_headers(resp);
	MHD_add_response_header(resp, "X-Docker-Container-Path-Stat", h);
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct tar_job {
	int fd;
	pid_t pid;
};

static ssize_t tar_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct tar_job *j = cls;
	ssize_t n;
	while ((n = read(j->fd, buf, max)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void tar_done(void *cls)
{
	struct tar_job *j = cls;
	close(j->fd); /* a tar still writing gets EPIPE and ends */
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(j);
}

static enum MHD_Result get(struct api_req *r)
{
	struct glass_err *err = NULL;
	struct ctr_path_stat st;
	const char *path = path_param(r);
	if (!path)
		return api_reply_error(r, 400, "path: the query parameter is missing");
	if (ctr_path_stat(api_param(r, 0), path, &st, &err) < 0)
		return api_reply_err(r, &err);
	struct tar_job *j = xcalloc(1, sizeof(*j));
	if (ctr_archive_get(api_param(r, 0), path, &j->fd, &j->pid, &err) < 0) {
		free(j);
		return api_reply_err(r, &err);
	}
	cleanup_free char *h = stat_header(&st);
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, tar_read, j, tar_done);
	api_add_headers(resp);
	MHD_add_response_header(resp, "Content-Type", "application/x-tar");
	MHD_add_response_header(resp, "X-Docker-Container-Path-Stat", h);
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result put(struct api_req *r)
{
	struct glass_err *err = NULL;
	const char *path = path_param(r);
	if (!path)
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
