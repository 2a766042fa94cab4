/* api-events: GET /events, the event journal (event.h) read and followed.
 *
 * Every operation appends its event to GLASS_ROOT/events.log, whoever made
 * it (this server, the CLI, a shim seeing its container end), so the
 * stream shows them all, also those of a time this server was down
 * (?since=).  Without since it starts at the journal's end; with until it
 * ends there.  Filters (Docker's JSON): type, event (the action),
 * container (id, id prefix or name), image, label (key or key=value of the
 * attributes); values of one key match any, keys must all match.  A die
 * written by a shim carries no name: it is added from the container's
 * record while the container exists. */
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const keys[] = {"type", "event", "container", "image", "label", "scope"};

struct ev_job {
	char *path;
	int fd;
	struct strbuf partial;
	int64_t since_ns, until_ns; /* 0: none */
	struct json_object *filters;
	struct json_object *seen; /* id -> the attributes of its last event with a name */
	int sock;
	char *out; /* a line waiting for the client */
	size_t out_len, out_off;
};

static bool attr_is(struct json_object *at, const char *k, const char *v)
{
	const char *s = json_object_get_string(json_object_object_get(at, k));
	return s && strcmp(s, v) == 0;
}

static bool value_matches(struct json_object *e, const char *key, const char *v)
{
	struct json_object *actor = json_object_object_get(e, "Actor");
	struct json_object *at = json_object_object_get(actor, "Attributes");
	const char *id = json_object_get_string(json_object_object_get(actor, "ID"));
	if (strcmp(key, "type") == 0)
		return strcmp(json_object_get_string(json_object_object_get(e, "Type")), v) == 0;
	if (strcmp(key, "event") == 0)
		return strcmp(json_object_get_string(json_object_object_get(e, "Action")), v) == 0;
	if (strcmp(key, "container") == 0)
		return (id && *v && strncmp(id, v, strlen(v)) == 0) || attr_is(at, "name", v);
	if (strcmp(key, "image") == 0)
		return attr_is(at, "image", v);
	if (strcmp(key, "scope") == 0)
		return strcmp(v, "local") == 0;
	size_t k = strcspn(v, "=");
	cleanup_free char *name = xasprintf("%.*s", (int)k, v);
	return json_object_object_get(at, name) && (!v[k] || attr_is(at, name, v + k + 1));
}

static bool wanted(struct json_object *e, struct json_object *filters)
{
	json_object_object_foreach(filters, k, vals)
	{
		bool any = json_object_array_length(vals) == 0;
		for (size_t i = 0; i < json_object_array_length(vals) && !any; i++)
			any = value_matches(
			    e, k, json_object_get_string(json_object_array_get_idx(vals, i)));
		if (!any)
			return false;
	}
	return true;
}

static void set_name(struct json_object *e, struct json_object *at, const char *name,
                     const char *img)
{
	json_object_object_add(at, "name", json_object_new_string(name));
	if (img) {
		json_object_object_add(at, "image", json_object_new_string(img));
		json_object_object_add(e, "from", json_object_new_string(img));
	}
}

/* A shim's start or die: the container's name and image, from an earlier
 * event of the stream (its create) or from its record while it exists. */
static void enrich(struct ev_job *j, struct json_object *e)
{
	struct json_object *actor = json_object_object_get(e, "Actor");
	struct json_object *at = json_object_object_get(actor, "Attributes"), *prev;
	const char *id = json_object_get_string(json_object_object_get(actor, "ID"));
	cleanup_ctr struct ctr *c = NULL;
	if (!at || !id ||
	    strcmp(json_object_get_string(json_object_object_get(e, "Type")), "container") != 0)
		return;
	if (json_object_object_get(at, "name")) {
		if (json_object_object_length(j->seen) > 4096) {
			json_object_put(j->seen);
			j->seen = json_object_new_object();
		}
		json_object_object_add(j->seen, id, json_object_get(at));
	} else if ((prev = json_object_object_get(j->seen, id))) {
		set_name(e, at, json_object_get_string(json_object_object_get(prev, "name")),
		         json_object_get_string(json_object_object_get(prev, "image")));
	} else if (ctr_find(id, &c, NULL) == 0) {
		set_name(e, at, c->name, ctr_rec_str(c, "Config.Image"));
	}
}

/* One journal line: 1 kept in j->out, 0 skipped, -1 past until. */
static int take_line(struct ev_job *j, const char *line)
{
	struct json_object *e = json_tokener_parse(line);
	if (!e)
		return 0;
	int64_t t = json_object_get_int64(json_object_object_get(e, "timeNano"));
	int rc = 0;
	if (!(j->until_ns && t > j->until_ns))
		enrich(j, e);
	if (j->until_ns && t > j->until_ns)
		rc = -1;
	else if (t >= j->since_ns && wanted(e, j->filters)) {
		j->out = xasprintf("%s\n",
		                   json_object_to_json_string_ext(
		                       e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		j->out_len = strlen(j->out);
		j->out_off = 0;
		rc = 1;
	}
	json_object_put(e);
	return rc;
}

/* The next complete line already read; 1 found, 0 none, -1 past until. */
static int next_line(struct ev_job *j)
{
	char *nl;
	while ((nl = memchr(j->partial.buf, '\n', j->partial.len))) {
		*nl = '\0';
		int rc = take_line(j, j->partial.buf);
		size_t used = (size_t)(nl + 1 - j->partial.buf);
		memmove(j->partial.buf, nl + 1, j->partial.len - used);
		j->partial.len -= used;
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int64_t wall_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* More of the journal: 1 read some, 0 nothing new.  A journal renamed
 * away (rotated) is read to its end, then the new one opened. */
static int read_more(struct ev_job *j)
{
	char buf[16384];
	ssize_t n = j->fd >= 0 ? read(j->fd, buf, sizeof(buf)) : 0;
	if (n > 0) {
		strbuf_append(&j->partial, buf, (size_t)n);
		return 1;
	}
	struct stat a, b;
	if (j->fd < 0 ||
	    (stat(j->path, &a) == 0 && fstat(j->fd, &b) == 0 && a.st_ino != b.st_ino)) {
		if (j->fd >= 0)
			close(j->fd);
		j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
		return j->fd >= 0;
	}
	return 0;
}

static bool client_gone(int sock)
{
	struct pollfd p = {.fd = sock, .events = 0};
	return sock >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static ssize_t ev_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct ev_job *j = cls;
	for (;;) {
		if (j->out && j->out_off < j->out_len) {
			size_t n = j->out_len - j->out_off < max ? j->out_len - j->out_off : max;
			memcpy(buf, j->out + j->out_off, n);
			j->out_off += n;
			return (ssize_t)n;
		}
		free(j->out);
		j->out = NULL;
		int rc = next_line(j);
		if (rc < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (rc > 0 || read_more(j))
			continue;
		if ((j->until_ns && wall_now_ns() > j->until_ns) || client_gone(j->sock))
			return MHD_CONTENT_READER_END_OF_STREAM;
		usleep(100000);
	}
}

static void ev_free(void *cls)
{
	struct ev_job *j = cls;
	if (j->fd >= 0)
		close(j->fd);
	strbuf_release(&j->partial);
	json_object_put(j->filters);
	json_object_put(j->seen);
	free(j->out);
	free(j->path);
	free(j);
}

/* Docker's filters JSON as {key: [values]}; NULL with *ret queued. */
static struct json_object *filters_of(struct api_req *r, enum MHD_Result *ret)
{
	const char *f = api_query(r, "filters");
	struct json_object *in = f && *f ? json_tokener_parse(f) : json_object_new_object();
	struct json_object *out = json_object_new_object();
	if (!in || !json_object_is_type(in, json_type_object)) {
		*ret = api_reply_error(r, 400, "invalid filters: not a JSON object: %s", f);
		json_object_put(in);
		json_object_put(out);
		return NULL;
	}
	json_object_object_foreach(in, k, v)
	{
		bool known = false;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known = known || strcmp(k, keys[i]) == 0;
		struct json_object *a = json_object_new_array();
		if (json_object_is_type(v, json_type_array))
			for (size_t i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(
				    a, json_object_get(json_object_array_get_idx(v, i)));
		else if (json_object_is_type(v, json_type_object)) {
			json_object_object_foreach(v, val, on) if (json_object_get_boolean(on))
			    json_object_array_add(a, json_object_new_string(val));
		}
		json_object_object_add(out, k, a);
		if (!known) {
			*ret = api_reply_error(r, 400, "invalid filter '%s'", k);
			json_object_put(in);
			json_object_put(out);
			return NULL;
		}
	}
	json_object_put(in);
	return out;
}

static int times(struct api_req *r, struct ev_job *j, enum MHD_Result *ret)
{
	const char *since = api_query(r, "since"), *until = api_query(r, "until");
	if (since && *since && (j->since_ns = ctr_parse_time(since)) < 0) {
		*ret = api_reply_error(r, 400, "invalid value for since: \"%s\"", since);
		return -1;
	}
	if (until && *until && (j->until_ns = ctr_parse_time(until)) < 0) {
		*ret = api_reply_error(r, 400, "invalid value for until: \"%s\"", until);
		return -1;
	}
	return 0;
}

static enum MHD_Result events(struct api_req *r)
{
	enum MHD_Result ret = MHD_NO;
	struct ev_job *j = xcalloc(1, sizeof(*j));
	j->fd = -1;
	if (times(r, j, &ret) < 0 || !(j->filters = filters_of(r, &ret))) {
		free(j);
		return ret;
	}
	j->seen = json_object_new_object();
	j->path = ctr_events_path();
	j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (j->fd >= 0 && !j->since_ns)
		lseek(j->fd, 0, SEEK_END);
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	j->sock = ci ? ci->connect_fd : -1;
	return api_reply_stream(r, 200, "application/json", ev_read, j, ev_free);
}

const struct api_route api_routes_events[] = {
    {"GET", "/events", events, 0},
    {NULL, NULL, NULL, 0},
};
