/* lab api: the /api/ routes, dispatched to the experiment table.
 *
 *   GET    /api/info                       host facts
 *   GET    /api/modules/ID                 a module's read-only facts (its info())
 *   GET    /api/experiments                every experiment, without events
 *   POST   /api/experiments                {"kind": K, ...}: starts one (the kind
 *                                          checks every other field)
 *   GET    /api/experiments/ID             one, with all its events
 *   DELETE /api/experiments/ID             tears it down
 *   POST   /api/experiments/ID/heartbeat   the page is still there
 *   POST   /api/experiments/ID/step        {"action": "next"|"continue"|"abort"}
 *   POST   /api/experiments/ID/action      the kind's own actions
 * (the event stream, .../events, is served by server.c through stream.c.)
 * Every body is parsed and type-checked before anything is done; every
 * answer, errors included, is a JSON document made by json-c.
 */
#include "lab.h"
#include "spec.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

json_object *lab_body_parse(const char *body, size_t len, bool required, char **out)
{
	if (!body || len == 0) {
		if (required)
			*out = lab_json_error("this request needs a JSON body");
		return NULL;
	}
	struct glass_err *err = NULL;
	json_object *o = glass_json_parse(body, len, "the body", &err);
	if (!o) {
		cleanup_free char *msg = glass_err_format(err);
		glass_err_free(&err);
		*out = lab_json_error("%s", msg);
	}
	return o;
}

static int step(struct experiment *e, const char *body, size_t len, char **out)
{
	static const char *const actions[] = {"next", "continue", "abort", NULL};
	static const char *const keys[] = {"action", NULL};
	char why[LAB_WHY_SIZE];
	const char *act = "next";
	json_object *req = lab_body_parse(body, len, false, out);
	if (!req && *out)
		return 400;
	if (req && !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		*out = lab_json_error("the body must be a JSON object");
		return 400;
	}
	bool ok =
	    lab_req_only(req, keys, why) && lab_req_enum(req, "action", actions, "next", &act, why);
	json_object_put(req);
	if (!ok) {
		*out = lab_json_error("%s", why);
		return 400;
	}
	return lab_exp_control(e, act, out);
}

static int module_info(const char *id, char **out)
{
	const struct lab_module *m = lab_module_find(id);
	if (!m) {
		*out = lab_json_error("no such module");
		return 404;
	}
	json_object *o = m->info ? m->info() : json_object_new_object();
	*out = lab_json_steal(o);
	return 200;
}

static int one_experiment(const char *method, const char *rest, const char *body, size_t len,
                          char **out)
{
	char id[16];
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *sub = slash ? slash + 1 : "";
	if (idlen == 0 || idlen >= sizeof(id)) {
		*out = lab_json_error("no such experiment");
		return 404;
	}
	memcpy(id, rest, idlen);
	id[idlen] = '\0';
	struct experiment *e = lab_exp_get(id);
	if (!e) {
		*out = lab_json_error("no such experiment");
		return 404;
	}
	int st = 404;
	lab_exp_touch(e);
	if (!sub[0] && strcmp(method, "GET") == 0) {
		*out = lab_exp_json(e, true);
		st = 200;
	} else if (!sub[0] && strcmp(method, "DELETE") == 0) {
		lab_exp_stop(e, "stopped from the page");
		*out = xstrdup("{\"ok\":true}");
		st = 202;
	} else if (strcmp(sub, "heartbeat") == 0 && strcmp(method, "POST") == 0) {
		*out = lab_exp_json(e, false);
		st = 200;
	} else if (strcmp(sub, "step") == 0 && strcmp(method, "POST") == 0) {
		st = step(e, body, len, out);
	} else if (strcmp(sub, "action") == 0 && strcmp(method, "POST") == 0) {
		json_object *req = lab_body_parse(body, len, true, out);
		st = req ? lab_exp_action(e, req, out) : 400;
		json_object_put(req);
	} else {
		*out = lab_json_error("no such API");
	}
	lab_exp_put(e);
	return st;
}

int lab_api_handle(const char *method, const char *url, const char *body, size_t len, char **out)
{
	*out = NULL;
	if (strcmp(url, "/api/info") == 0 && strcmp(method, "GET") == 0) {
		*out = lab_host_info_json();
		return 200;
	}
	if (strncmp(url, "/api/modules/", 13) == 0 && strcmp(method, "GET") == 0)
		return module_info(url + 13, out);
	if (strcmp(url, "/api/experiments") == 0) {
		if (strcmp(method, "POST") == 0) {
			json_object *req = lab_body_parse(body, len, true, out);
			if (!req)
				return 400;
			int st = lab_exp_start(req, out);
			json_object_put(req);
			return st;
		}
		if (strcmp(method, "GET") == 0) {
			*out = lab_exp_list_json();
			return 200;
		}
		*out = lab_json_error("method not allowed");
		return 405;
	}
	if (strncmp(url, "/api/experiments/", 17) == 0)
		return one_experiment(method, url + 17, body, len, out);
	*out = lab_json_error("no such API");
	return 404;
}
