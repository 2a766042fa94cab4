/* api-router: from libmicrohttpd's access handler to a route's handler.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers, then once per piece of the body, then once more with
 * no data.  The first call makes the request's state and refuses a body
 * that announces itself too big (413, before reading it); the middle calls
 * collect the body (in memory, or into a temporary file for the routes
 * that take archives); the last strips the "/v1.xx" prefix, checks the
 * version, finds the route and runs it. */
#include "api.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every area's table.  Another area: one more line here. */
/* clang-format off */
static const struct api_route *const tables[] = {
    api_routes_base,
    api_routes_create,
    api_routes_ctr_list,
    api_routes_containers,
    api_routes_ctr_io,
    api_routes_exec,
    api_routes_ctr_stats,
    api_routes_ctr_fs,
    api_routes_events,
    api_routes_images,
    api_routes_networks,
    api_routes_volumes,
    api_routes_system,
};
/* clang-format on */

struct req_state {
	struct api_req r;
	struct strbuf body;
	const struct api_route *route; /* found at the first call */
	int status;                    /* a refusal decided before the body (413) */
	unsigned long long len;
	bool matched_path; /* some route has this path with another method */
};

/* "{x}" matches one segment, "{x*}" the rest; 1 on a match. */
static int match(const char *pat, const char *path, struct api_req *r)
{
	size_t n = 0;
	while (*pat && *path) {
		if (*pat != '{') {
			if (*pat++ != *path++)
				return 0;
			continue;
		}
		const char *close = strchr(pat, '}'), *tail = close + 1;
		bool rest = close[-1] == '*';
		size_t len = strcspn(path, "/");
		if (rest) { /* up to the pattern's literal tail ("/json") */
			size_t pl = strlen(path), tl = strlen(tail);
			if (strchr(tail, '{') || pl <= tl || strcmp(path + pl - tl, tail) != 0)
				return 0;
			len = pl - tl;
		}
		if (len == 0 || n >= API_MAX_PARAMS)
			return 0;
		r->params[n++] = xasprintf("%.*s", (int)len, path);
		path += len;
		pat = close + 1;
	}
	r->nparams = n;
	return !*pat && !*path;
}

static void params_free(struct api_req *r)
{
	for (size_t i = 0; i < API_MAX_PARAMS; i++) {
		free(r->params[i]);
		r->params[i] = NULL;
	}
	r->nparams = 0;
}

/* The route for the method and path; HEAD is served by a GET route when
 * no HEAD route is given (MHD sends the headers without the body). */
static const struct api_route *scan(struct req_state *s, const char *method)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct api_route *rt = tables[t]; rt->method; rt++) {
			params_free(&s->r);
			if (!match(rt->pattern, s->r.path, &s->r))
				continue;
			if (strcmp(rt->method, method) == 0)
				return rt;
			s->matched_path = true;
		}
	params_free(&s->r);
	return NULL;
}

static const struct api_route *find_route(struct req_state *s)
{
	const struct api_route *rt = scan(s, s->r.method);
	if (!rt && strcmp(s->r.method, "HEAD") == 0)
		rt = scan(s, "GET");
	return rt;
}

/* "/v1.41/containers/json" -> "/containers/json", minor 41.  -1 when the
 * prefix names a version this server does not speak. */
static int strip_version(struct req_state *s, const char *url, char *msg, size_t size)
{
	s->r.minor = 41;
	s->r.path = url;
	if (strncmp(url, "/v", 2) != 0)
		return 0;
	char *end;
	long major = strtol(url + 2, &end, 10), minor = 0;
	if (end == url + 2 || *end != '.')
		return 0;
	minor = strtol(end + 1, &end, 10);
	if (*end != '/' && *end)
		return 0;
	s->r.path = *end ? end : "/";
	if (major != 1 || minor > 41) {
		snprintf(msg, size,
		         "client version %ld.%ld is too new. Maximum supported API version is %s",
		         major, minor, API_VERSION);
		return -1;
	}
	if (minor < 12) {
		snprintf(msg, size,
		         "client version %ld.%ld is too old. Minimum supported API version is %s, "
		         "please upgrade your client to a newer version",
		         major, minor, API_MIN_VERSION);
		return -1;
	}
	s->r.minor = (unsigned)minor;
	return 0;
}

static struct req_state *state_new(struct MHD_Connection *c, const char *url, const char *method)
{
	struct req_state *s = xcalloc(1, sizeof(*s));
	s->r.conn = c;
	s->r.method = method;
	s->r.body_fd = -1;
	char msg[200];
	if (strip_version(s, url, msg, sizeof(msg)) < 0) {
		s->status = 400;
		s->r.body = xstrdup(msg); /* the refusal's message, until then */
		return s;
	}
	s->route = find_route(s);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	unsigned long long limit =
	    s->route && (s->route->flags & API_BODY_FILE) ? API_MAX_UPLOAD : API_MAX_BODY;
	if (cl && strtoull(cl, NULL, 10) > limit)
		s->status = 413;
	return s;
}

static int spool_open(struct req_state *s)
{
	char tmpl[] = "/tmp";
	s->r.body_fd = open(tmpl, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return s->r.body_fd < 0 ? -1 : 0;
}

/* One piece of the body: kept, spooled, or counted and dropped. */
static void take_body(struct req_state *s, const char *data, size_t len)
{
	bool file = s->route && (s->route->flags & API_BODY_FILE);
	unsigned long long limit = file ? API_MAX_UPLOAD : API_MAX_BODY;
	s->len += len;
	if (s->status)
		return;
	if (s->len > limit) {
		s->status = 413;
		return;
	}
	if (!file) {
		strbuf_append(&s->body, data, len);
		return;
	}
	if ((s->r.body_fd < 0 && spool_open(s) < 0) || write_all(s->r.body_fd, data, len) < 0)
		s->status = 500;
}

static enum MHD_Result refuse(struct req_state *s)
{
	if (s->status == 413)
		return api_reply_error(&s->r, 413,
		                       "request body too large (the limit is %llu bytes)",
		                       (s->route && (s->route->flags & API_BODY_FILE))
		                           ? (unsigned long long)API_MAX_UPLOAD
		                           : (unsigned long long)API_MAX_BODY);
	if (s->status == 400) {
		cleanup_free char *msg = s->r.body;
		s->r.body = NULL;
		return api_reply_error(&s->r, 400, "%s", msg);
	}
	return api_reply_error(&s->r, 500, "could not keep the request body: %s", strerror(errno));
}

static enum MHD_Result run(struct req_state *s)
{
	if (s->status)
		return refuse(s);
	if (!s->route && s->matched_path)
		return api_reply_error(&s->r, 405, "%s %s: method not allowed", s->r.method,
		                       s->r.path);
	if (!s->route)
		return api_reply_error(&s->r, 404, "page not found");
	s->r.body_len = s->body.len;
	s->r.body = strbuf_steal(&s->body);
	if (s->r.body_fd >= 0)
		lseek(s->r.body_fd, 0, SEEK_SET);
	return s->route->fn(&s->r);
}

enum MHD_Result api_dispatch(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload_data,
                             size_t *upload_data_size, void **con_cls)
{
	struct req_state *s = *con_cls;
	if (!s) {
		*con_cls = state_new(c, url, method);
		s = *con_cls;
		/* refused on its headers: answered now, its body never read */
		return s->status == 413 ? refuse(s) : MHD_YES;
	}
	if (*upload_data_size) {
		take_body(s, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return run(s);
}

void api_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                   enum MHD_RequestTerminationCode toe)
{
	struct req_state *s = *con_cls;
	if (!s)
		return;
	api_hijack_release(&s->r);
	params_free(&s->r);
	strbuf_release(&s->body);
	free(s->r.body);
	if (s->r.body_fd >= 0)
		close(s->r.body_fd);
	json_object_put(s->r.json);
	free(s);
	*con_cls = NULL;
}
