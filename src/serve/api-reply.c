/* api-reply: what a handler answers with (api.h): JSON, Docker's errors,
 * streams and hijacked connections, and the query parameters it reads. */
#include "api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const char *api_param(const struct api_req *r, size_t i)
{
	return i < r->nparams ? r->params[i] : NULL;
}

const char *api_query(const struct api_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int api_query_bool(struct api_req *r, const char *name, bool def, bool *out, enum MHD_Result *ret)
{
	const char *v = api_query(r, name);
	*out = def;
	if (!v)
		return 0;
	if (!*v || !strcmp(v, "0") || !strcasecmp(v, "false")) {
		*out = false;
		return 0;
	}
	if (!strcmp(v, "1") || !strcasecmp(v, "true")) {
		*out = true;
		return 0;
	}
	*ret = api_reply_error(r, 400, "invalid value for %s: \"%s\" is not a boolean", name, v);
	return -1;
}

int api_query_int(struct api_req *r, const char *name, long long def, long long *out,
                  enum MHD_Result *ret)
{
	const char *v = api_query(r, name);
	char *end;
	*out = def;
	if (!v || !*v)
		return 0;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (!*end && !errno)
		return 0;
	*ret = api_reply_error(r, 400, "invalid value for %s: \"%s\" is not an integer", name, v);
	return -1;
}

void api_add_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Api-Version", API_VERSION);
	MHD_add_response_header(resp, "Docker-Experimental", "false");
	MHD_add_response_header(resp, "Ostype", "linux");
	MHD_add_response_header(resp, "Server", "glass/0.1.0 (linux)");
}

static enum MHD_Result queue(struct api_req *r, unsigned status, struct MHD_Response *resp,
                             const char *type)
{
	if (!resp)
		return MHD_NO;
	api_add_headers(resp);
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result api_reply_data(struct api_req *r, unsigned status, const char *type,
                               const void *data, size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	return queue(r, status, resp, type);
}

enum MHD_Result api_reply_json(struct api_req *r, unsigned status, struct json_object *o)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	/* one copy of the text (a list is some 20 KB), handed to MHD to free */
	char *body = xmalloc(len + 1);
	memcpy(body, s, len);
	body[len] = '\n';
	json_object_put(o);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len + 1, body, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(body);
	return queue(r, status, resp, "application/json");
}

enum MHD_Result api_reply_empty(struct api_req *r, unsigned status)
{
	return api_reply_data(r, status, NULL, "", 0);
}

static enum MHD_Result reply_message(struct api_req *r, unsigned status, const char *msg)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "message", json_object_new_string(msg));
	return api_reply_json(r, status, o);
}

enum MHD_Result api_reply_error(struct api_req *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return reply_message(r, status, msg);
}

unsigned api_err_status(const struct glass_err *e)
{
	switch (e ? e->errnum : 0) {
	case ENOENT:
		return 404;
	case EEXIST:
	case EBUSY:
		return 409;
	case EINVAL:
	case ERANGE:
	case E2BIG:
	case ENAMETOOLONG:
		return 400;
	default:
		return 500;
	}
}

/* The operation's message: its context frames and what failed.  errno's
 * text is added where the errno is a real call's (an op like `open(...)`),
 * not where the engine used it to classify ("No such container: x"). */
static char *err_message(const struct glass_err *e)
{
	struct strbuf b = STRBUF_INIT;
	if (!e)
		return xstrdup("unknown error");
	for (size_t i = e->nframes; i > 0; i--)
		strbuf_printf(&b, "%s: ", e->frames[i - 1]);
	strbuf_printf(&b, "%s", e->op ? e->op : "error");
	bool classified =
	    e->errnum == ENOENT || e->errnum == EEXIST || e->errnum == EINVAL || e->errnum == EBUSY;
	if (e->errnum && (!classified || (e->op && strchr(e->op, '('))))
		strbuf_printf(&b, ": %s", strerror(e->errnum));
	return strbuf_steal(&b);
}

enum MHD_Result api_reply_err_status(struct api_req *r, unsigned status, struct glass_err **err)
{
	cleanup_free char *msg = err_message(*err);
	glass_err_free(err);
	return reply_message(r, status, msg);
}

enum MHD_Result api_reply_err(struct api_req *r, struct glass_err **err)
{
	return api_reply_err_status(r, api_err_status(*err), err);
}

enum MHD_Result api_reply_stream(struct api_req *r, unsigned status, const char *type,
                                 MHD_ContentReaderCallback fn, void *data,
                                 MHD_ContentReaderFreeCallback free_fn)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, (size_t)32 * 1024, fn, data, free_fn);
	return queue(r, status, resp, type);
}

/* The hijack's state, shared by the request (its completion) and the
 * upgrade callback: whichever comes first owns done(data). */
struct api_hijack {
	api_hijack_fn fn;
	void (*done)(void *data);
	void *data;
	atomic_int claimed;
	atomic_int refs;
};

static void hijack_unref(struct api_hijack *h)
{
	if (atomic_fetch_sub(&h->refs, 1) == 1)
		free(h);
}

/* After the output's end: what the client still sends (keys typed after
 * the process ended) is read and dropped until it closes its side.
 * Closing a UNIX socket with unread bytes makes the peer's next read fail
 * with ECONNRESET instead of the end of the stream, and the docker CLI
 * would report that instead of the exit status.  A client that neither
 * sends nor closes is given up after LINGER_MS. */
#define LINGER_MS 2000
static void linger_close(int sock)
{
	char buf[4096];
	struct pollfd p = {.fd = sock, .events = POLLIN};
	shutdown(sock, SHUT_WR);
	while (poll(&p, 1, LINGER_MS) > 0 && read(sock, buf, sizeof(buf)) > 0)
		;
}

static void upgraded(void *cls, struct MHD_Connection *c, void *req_cls, const char *extra_in,
                     size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct api_hijack *h = cls;
	if (atomic_exchange(&h->claimed, 1) == 0) {
		int fl = fcntl(sock, F_GETFL);
		if (fl >= 0)
			fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
		h->fn(h->data, sock, extra_in, extra_in_size);
		linger_close(sock);
		h->done(h->data);
	}
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	hijack_unref(h);
}

void api_hijack_release(struct api_req *r)
{
	struct api_hijack *h = r->hijack;
	if (!h)
		return;
	r->hijack = NULL;
	if (atomic_exchange(&h->claimed, 1) == 0)
		h->done(h->data);
	hijack_unref(h);
}

enum MHD_Result api_hijack(struct api_req *r, const char *type, api_hijack_fn fn,
                           void (*done)(void *data), void *data)
{
	const char *up = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Upgrade");
	if (!up) {
		done(data);
		return api_reply_error(r, 400,
		                       "this endpoint hijacks the connection: send "
		                       "\"Connection: Upgrade\" and \"Upgrade: tcp\"");
	}
	struct api_hijack *h = xcalloc(1, sizeof(*h));
	h->fn = fn;
	h->done = done;
	h->data = data;
	atomic_init(&h->refs, 2);
	r->hijack = h;
	struct MHD_Response *resp = MHD_create_response_for_upgrade(upgraded, h);
	MHD_add_response_header(resp, "Upgrade", up);
	return queue(r, MHD_HTTP_SWITCHING_PROTOCOLS, resp, type);
}

struct fd_job {
	int fd;
	pid_t pid;
};

static ssize_t fd_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct fd_job *j = cls;
	ssize_t n;
	while ((n = read(j->fd, buf, max)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void fd_done(void *cls)
{
	struct fd_job *j = cls;
	close(j->fd); /* a writer still at it gets EPIPE and ends */
	while (j->pid > 0 && waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(j);
}

enum MHD_Result api_reply_fd(struct api_req *r, unsigned status, const char *type, int fd,
                             pid_t pid, const char *header, const char *value)
{
	struct fd_job *j = xcalloc(1, sizeof(*j));
	j->fd = fd;
	j->pid = pid;
	struct MHD_Response *resp = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, (size_t)64 * 1024, fd_read, j, fd_done);
	if (resp && header)
		MHD_add_response_header(resp, header, value);
	return queue(r, status, resp, type);
}

int api_query_size(struct api_req *r, unsigned short *h, unsigned short *w, enum MHD_Result *ret)
{
	long long hh, ww;
	if (api_query_int(r, "h", 0, &hh, ret) < 0 || api_query_int(r, "w", 0, &ww, ret) < 0)
		return -1;
	if (hh <= 0 || ww <= 0 || hh > 65535 || ww > 65535) {
		*ret = api_reply_error(r, 400, "resize: h and w must be 1..65535");
		return -1;
	}
	*h = (unsigned short)hh;
	*w = (unsigned short)ww;
	return 0;
}

void api_relay(int sock, int fd, bool in, bool half_close)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
	char buf[32768];
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0 || write_all(sock, buf, (size_t)n) < 0)
				return;
		}
		if (p[1].revents) {
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n <= 0 && in && half_close)
				shutdown(fd, SHUT_WR);
			if (n <= 0 || (in && write_all(fd, buf, (size_t)n) < 0))
				p[1].fd = -1;
		}
	}
}
