/* api-ctr: /containers, the lifecycle and the lists.  Each handler is the
 * operation of ctr.h with Docker's statuses around it: 204 done, 304
 * nothing to do, 404 no such container, 409 a state that forbids it. */
#include "api-watch.h"
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* The operation refused for the container's state (EINVAL: "is not
 * running", "is paused"): Docker's 409. */
static enum MHD_Result conflict(struct api_req *r, struct glass_err **err)
{
	unsigned st = api_err_status(*err);
	return api_reply_err_status(r, st == 400 ? 409 : st, err);
}

static enum MHD_Result start(struct api_req *r)
{
	struct glass_err *err = NULL;
	bool started = false;
	if (api_watch_start(api_param(r, 0), &started, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, started ? 204 : 304);
}

/* ?t=N: the seconds before SIGKILL (-1: the container's own). */
static int stop_opts(struct api_req *r, struct ctr_stop_opts *o, enum MHD_Result *ret)
{
	long long t;
	if (api_query_int(r, "t", -1, &t, ret) < 0)
		return -1;
	o->timeout = t < 0 ? -1 : (int)t;
	o->signal = 0;
	const char *s = api_query(r, "signal");
	if (s && *s && (o->signal = ctr_parse_signal(s)) < 0) {
		*ret = api_reply_error(r, 400, "invalid value for signal: \"%s\"", s);
		return -1;
	}
	return 0;
}

static bool is_running(const char *ref, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return false;
	return c->st.status == CTR_RUNNING || c->st.status == CTR_PAUSED ||
	       c->st.status == CTR_RESTARTING;
}

static enum MHD_Result stop(struct api_req *r)
{
	struct ctr_stop_opts o;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	if (stop_opts(r, &o, &ret) < 0)
		return ret;
	if (!is_running(api_param(r, 0), &err))
		return err ? api_reply_err(r, &err) : api_reply_empty(r, 304);
	if (ctr_stop(api_param(r, 0), &o, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 204);
}

static enum MHD_Result restart(struct api_req *r)
{
	struct ctr_stop_opts o;
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	bool started;
	if (stop_opts(r, &o, &ret) < 0)
		return ret;
	if (is_running(api_param(r, 0), &err) && ctr_stop(api_param(r, 0), &o, &err) < 0)
		return api_reply_err(r, &err);
	if (err || api_watch_start(api_param(r, 0), &started, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 204);
}

static enum MHD_Result kill_(struct api_req *r)
{
	const char *s = api_query(r, "signal");
	int sig = s && *s ? ctr_parse_signal(s) : SIGKILL;
	struct glass_err *err = NULL;
	if (sig < 0)
		return api_reply_error(r, 400, "invalid value for signal: \"%s\"", s);
	if (!is_running(api_param(r, 0), &err))
		return err ? api_reply_err(r, &err)
		           : api_reply_error(r, 409, "Container %s is not running",
		                             api_param(r, 0));
	if (ctr_kill(api_param(r, 0), sig, &err) < 0)
		return conflict(r, &err);
	return api_reply_empty(r, 204);
}

static enum MHD_Result pause_(struct api_req *r)
{
	struct glass_err *err = NULL;
	bool pause = strstr(r->path, "/unpause") == NULL;
	if (ctr_pause(api_param(r, 0), pause, &err) < 0)
		return conflict(r, &err);
	return api_reply_empty(r, 204);
}

static enum MHD_Result rename_(struct api_req *r)
{
	struct glass_err *err = NULL;
	const char *name = api_query(r, "name");
	if (!name || !*name)
		return api_reply_error(r, 400, "rename: the query parameter name is missing");
	if (ctr_rename(api_param(r, 0), name, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 204);
}

static enum MHD_Result delete_(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	bool force, vols, link;
	if (api_query_bool(r, "force", false, &force, &ret) < 0 ||
	    api_query_bool(r, "v", false, &vols, &ret) < 0 ||
	    api_query_bool(r, "link", false, &link, &ret) < 0)
		return ret;
	if (link)
		return api_reply_error(r, 400, "link: glass has no container links");
	if (ctr_rm_ex(api_param(r, 0), force, vols, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 204);
}

static enum MHD_Result prune(struct api_req *r)
{
	struct glass_err *err = NULL;
	char **ids = NULL;
	size_t n = 0;
	const char *f = api_query(r, "filters");
	if (f && *f && strcmp(f, "{}") != 0)
		return api_reply_error(r, 400,
		                       "filters: container prune takes no filters in glass");
	if (ctr_prune(&ids, &n, &err) < 0)
		return api_reply_err(r, &err);
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object_array_add(a, json_object_new_string(ids[i]));
		free(ids[i]);
	}
	free(ids);
	json_object_object_add(o, "ContainersDeleted", a);
	json_object_object_add(o, "SpaceReclaimed", json_object_new_int64(0));
	return api_reply_json(r, 200, o);
}

static enum MHD_Result resize(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	unsigned short h, w;
	if (api_query_size(r, &h, &w, &ret) < 0)
		return ret;
	if (ctr_resize(api_param(r, 0), h, w, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_empty(r, 200);
}

static enum MHD_Result inspect(struct api_req *r)
{
	struct glass_err *err = NULL;
	struct json_object *o = NULL;
	if (ctr_inspect(api_param(r, 0), &o, &err) < 0)
		return api_reply_err(r, &err);
	return api_reply_json(r, 200, o);
}

/* ps's text: the first line's words are the titles; each row has as many
 * fields, the last one (the command) keeping its spaces. */
static struct json_object *top_json(char *text)
{
	struct json_object *o = json_object_new_object(), *titles = json_object_new_array(),
	                   *procs = json_object_new_array();
	char *save = NULL, *wsave = NULL, *line = strtok_r(text, "\n", &save);
	size_t nt = 0;
	for (char *w = line ? strtok_r(line, " \t", &wsave) : NULL; w;
	     w = strtok_r(NULL, " \t", &wsave), nt++)
		json_object_array_add(titles, json_object_new_string(w));
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct json_object *row = json_object_new_array();
		char *p = line;
		for (size_t i = 0; i < nt && *p; i++) {
			p += strspn(p, " \t");
			size_t len = i + 1 == nt ? strlen(p) : strcspn(p, " \t");
			json_object_array_add(row, json_object_new_string_len(p, (int)len));
			p += len;
		}
		json_object_array_add(procs, row);
	}
	json_object_object_add(o, "Titles", titles);
	json_object_object_add(o, "Processes", procs);
	return o;
}

static enum MHD_Result top(struct api_req *r)
{
	struct glass_err *err = NULL;
	cleanup_free char *out = NULL;
	if (ctr_top(api_param(r, 0), api_query(r, "ps_args"), &out, &err) < 0)
		return conflict(r, &err);
	return api_reply_json(r, 200, top_json(out));
}

static enum MHD_Result changes(struct api_req *r)
{
	struct glass_err *err = NULL;
	struct ctr_change *ch = NULL;
	size_t n = 0;
	if (ctr_diff(api_param(r, 0), &ch, &n, &err) < 0)
		return api_reply_err(r, &err);
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "Path", json_object_new_string(ch[i].path));
		json_object_object_add(o, "Kind",
		                       json_object_new_int(ch[i].kind == 'C'   ? 0
		                                           : ch[i].kind == 'A' ? 1
		                                                               : 2));
		json_object_array_add(a, o);
	}
	ctr_diff_free(ch, n);
	return api_reply_json(r, 200, a);
}

const struct api_route api_routes_containers[] = {
    {"GET", "/containers/{id}/json", inspect, 0},
    {"POST", "/containers/{id}/start", start, 0},
    {"POST", "/containers/{id}/stop", stop, 0},
    {"POST", "/containers/{id}/restart", restart, 0},
    {"POST", "/containers/{id}/kill", kill_, 0},
    {"POST", "/containers/{id}/pause", pause_, 0},
    {"POST", "/containers/{id}/unpause", pause_, 0},
    {"POST", "/containers/{id}/rename", rename_, 0},
    {"POST", "/containers/{id}/resize", resize, 0},
    {"GET", "/containers/{id}/top", top, 0},
    {"GET", "/containers/{id}/changes", changes, 0},
    {"DELETE", "/containers/{id}", delete_, 0},
    {"POST", "/containers/prune", prune, 0},
    {NULL, NULL, NULL, 0},
};
