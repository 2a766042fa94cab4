/* api-ctr-io: a container's streams: attach (hijacked), wait, logs.
 *
 * Docker's stream format without a tty is stdcopy's: each piece of output
 * is an 8-byte header (the stream: 1 stdout, 2 stderr; three zero bytes;
 * the length, big-endian) and the bytes; with a tty the bytes are raw.
 * The shim's attach stream is already in that format (client.h), so an
 * attach copies bytes both ways; logs are framed here from the log's
 * lines. */
#include "api-watch.h"
#include "api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RAW_STREAM "application/vnd.docker.raw-stream"
#define MUX_STREAM "application/vnd.docker.multiplexed-stream"

struct attach_job {
	struct api_attach *a;
	bool in;
};

static void attach_run(void *data, int sock, const char *extra, size_t extra_len)
{
	struct attach_job *j = data;
	struct glass_err *err = NULL;
	int fd = -1;
	bool tty = false;
	if (api_watch_attach_take(j->a, sock, &fd, &tty, &err) < 0) {
		/* the 101 is gone: the error can only be the stream's last words */
		cleanup_free char *m = glass_err_format(err);
		fprintf(stderr, "glass serve: attach: %s\n", m);
		glass_err_free(&err);
		return;
	}
	if (extra_len && j->in)
		write_all(fd, extra, extra_len);
	api_relay(sock, fd, j->in, true);
	close(fd);
}

static void attach_done(void *data)
{
	struct attach_job *j = data;
	api_watch_attach_release(j->a);
	free(j);
}

static enum MHD_Result attach(struct api_req *r)
{
	enum MHD_Result ret;
	struct glass_err *err = NULL;
	cleanup_ctr struct ctr *c = NULL;
	bool in, out, errs, stream, logs;
	if (api_query_bool(r, "stdin", false, &in, &ret) < 0 ||
	    api_query_bool(r, "stdout", false, &out, &ret) < 0 ||
	    api_query_bool(r, "stderr", false, &errs, &ret) < 0 ||
	    api_query_bool(r, "stream", false, &stream, &ret) < 0 ||
	    api_query_bool(r, "logs", false, &logs, &ret) < 0)
		return ret;
	if (logs)
		return api_reply_error(r, 400,
		                       "logs: glass attaches to the live stream only "
		                       "(read the past with /containers/{id}/logs)");
	if (!stream)
		return api_reply_error(r, 400, "stream: glass attaches with stream=1 only");
	if (ctr_find(api_param(r, 0), &c, &err) < 0)
		return api_reply_err(r, &err);
	bool tty = json_object_get_boolean(ctr_rec(c, "Config.Tty"));
	struct attach_job *j = xcalloc(1, sizeof(*j));
	j->in = in;
	j->a = api_watch_attach_register(c->id, in, out, errs);
	return api_hijack(r, tty ? RAW_STREAM : MUX_STREAM, attach_run, attach_done, j);
}

/* --- wait --- */

struct wait_job {
	struct api_wait w;
	int sock;
	bool done;
};

static ssize_t wait_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct wait_job *j = cls;
	char error[600];
	int code = 0;
	if (j->done)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (api_watch_wait_run(&j->w, j->sock, &code, error, sizeof(error)) < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	struct json_object *o = json_object_new_object(), *e = NULL;
	json_object_object_add(o, "StatusCode", json_object_new_int(code));
	if (error[0]) {
		e = json_object_new_object();
		json_object_object_add(e, "Message", json_object_new_string(error));
	}
	json_object_object_add(o, "Error", e);
	int n =
	    snprintf(buf, max, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	j->done = true;
	return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static int conn_fd(struct api_req *r)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

static enum MHD_Result wait_(struct api_req *r)
{
	struct glass_err *err = NULL;
	const char *cond = api_query(r, "condition");
	enum api_wait_cond wc = API_WAIT_NOT_RUNNING;
	if (cond && strcmp(cond, "next-exit") == 0)
		wc = API_WAIT_NEXT_EXIT;
	else if (cond && strcmp(cond, "removed") == 0)
		wc = API_WAIT_REMOVED;
	else if (cond && *cond && strcmp(cond, "not-running") != 0)
		return api_reply_error(r, 400,
		                       "invalid condition: \"%s\" (want not-running, next-exit or "
		                       "removed)",
		                       cond);
	struct wait_job *j = xcalloc(1, sizeof(*j));
	j->sock = conn_fd(r);
	/* registered now, before the headers tell the client it may start */
	if (api_watch_wait_register(api_param(r, 0), wc, &j->w, &err) < 0) {
		free(j);
		return api_reply_err(r, &err);
	}
	return api_reply_stream(r, 200, "application/json", wait_read, j, free);
}

/* --- logs --- */

struct logs_job {
	char id[CTR_ID_LEN + 1];
	struct ctr_logs_opts o;
	bool tty;
	int wfd;
};

static int log_line(void *data, int stream, const char *time, const char *text, size_t len)
{
	struct logs_job *j = data;
	cleanup_free char *ts = j->o.timestamps ? xasprintf("%s ", time) : NULL;
	size_t tl = ts ? strlen(ts) : 0;
	uint32_t n = (uint32_t)(tl + len);
	unsigned char h[8] = {(unsigned char)stream,
	                      0,
	                      0,
	                      0,
	                      (unsigned char)(n >> 24),
	                      (unsigned char)(n >> 16),
	                      (unsigned char)(n >> 8),
	                      (unsigned char)n};
	if ((!j->tty && write_all(j->wfd, h, 8) < 0) || (ts && write_all(j->wfd, ts, tl) < 0) ||
	    write_all(j->wfd, text, len) < 0)
		return 1; /* the client went away: stop */
	return 0;
}

static void *logs_main(void *arg)
{
	struct logs_job *j = arg;
	struct glass_err *err = NULL;
	if (ctr_logs(j->id, &j->o, log_line, j, &err) < 0) {
		cleanup_free char *m = glass_err_format(err);
		dprintf(j->wfd, "Error: %s\n", m);
		glass_err_free(&err);
	}
	close(j->wfd);
	free(j);
	return NULL;
}

static int logs_opts(struct api_req *r, struct logs_job *j, enum MHD_Result *ret)
{
	const char *since = api_query(r, "since"), *until = api_query(r, "until"),
	           *tail = api_query(r, "tail");
	char *end;
	if (api_query_bool(r, "follow", false, &j->o.follow, ret) < 0 ||
	    api_query_bool(r, "stdout", false, &j->o.stdout_, ret) < 0 ||
	    api_query_bool(r, "stderr", false, &j->o.stderr_, ret) < 0 ||
	    api_query_bool(r, "timestamps", false, &j->o.timestamps, ret) < 0)
		return -1;
	if (!j->o.stdout_ && !j->o.stderr_) {
		*ret =
		    api_reply_error(r, 400, "Bad parameters: you must choose at least one stream");
		return -1;
	}
	j->o.tail = -1;
	if (tail && *tail && strcmp(tail, "all") != 0 &&
	    ((j->o.tail = strtol(tail, &end, 10)) < 0 || *end)) {
		*ret = api_reply_error(r, 400, "invalid value for tail: \"%s\"", tail);
		return -1;
	}
	if ((since && *since && strcmp(since, "0") != 0 &&
	     (j->o.since_ns = ctr_parse_time(since)) < 0) ||
	    (until && *until && strcmp(until, "0") != 0 &&
	     (j->o.until_ns = ctr_parse_time(until)) < 0)) {
		*ret = api_reply_error(r, 400, "invalid value for since or until: \"%s\"",
		                       j->o.since_ns < 0 ? since : until);
		return -1;
	}
	return 0;
}

static enum MHD_Result logs(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	cleanup_ctr struct ctr *c = NULL;
	struct logs_job *j = xcalloc(1, sizeof(*j));
	int p[2];
	pthread_t t;
	if (logs_opts(r, j, &ret) < 0) {
		free(j);
		return ret;
	}
	if (ctr_find(api_param(r, 0), &c, &err) < 0) {
		free(j);
		return api_reply_err(r, &err);
	}
	snprintf(j->id, sizeof(j->id), "%s", c->id);
	bool tty = j->tty = json_object_get_boolean(ctr_rec(c, "Config.Tty"));
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(j);
		return api_reply_error(r, 500, "pipe: %s", strerror(errno));
	}
	j->wfd = p[1];
	if (pthread_create(&t, NULL, logs_main, j) != 0) {
		close(p[0]);
		close(p[1]);
		free(j);
		return api_reply_error(r, 500, "could not start the log reader");
	}
	pthread_detach(t);
	return api_reply_fd(r, 200, tty ? RAW_STREAM : MUX_STREAM, p[0], -1, NULL, NULL);
}

const struct api_route api_routes_ctr_io[] = {
    {"POST", "/containers/{id}/attach", attach, 0},
    {"POST", "/containers/{id}/wait", wait_, 0},
    {"GET", "/containers/{id}/logs", logs, 0},
    {NULL, NULL, NULL, 0},
};
