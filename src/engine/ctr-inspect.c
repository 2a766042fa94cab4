/* ctr-inspect: Docker's container JSON, and the summary `ps` lists.
 *
 * The shape is the Engine API's ContainerInspect: the record's Config and
 * HostConfig as asked, a State made from the shim's status.json, the
 * snapshot as GraphDriver. */
#include "ctr.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define ADD(o, k, v) json_object_object_add(o, k, v)
/* a key the object has not got yet, a literal: neither looked up nor copied
 * (a list makes a dozen per container) */
#define ADD_NEW(o, k, v)                                                                           \
	json_object_object_add_ex(o, k, v,                                                         \
	                          JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)

static struct json_object *copy(const struct ctr *c, const char *path)
{
	struct json_object *o = ctr_rec(c, path), *dup = NULL;
	if (!o || json_object_deep_copy(o, &dup, NULL) < 0)
		return NULL;
	return dup;
}

static struct json_object *state_json(const struct ctr *c)
{
	const struct ctr_state *s = &c->st;
	struct json_object *st = json_object_new_object();
	bool run =
	    s->status == CTR_RUNNING || s->status == CTR_PAUSED || s->status == CTR_RESTARTING;
	ADD(st, "Status", json_object_new_string(ctr_status_name(s->status)));
	ADD(st, "Running", json_object_new_boolean(run));
	ADD(st, "Paused", json_object_new_boolean(s->status == CTR_PAUSED));
	ADD(st, "Restarting", json_object_new_boolean(s->status == CTR_RESTARTING));
	ADD(st, "OOMKilled", json_object_new_boolean(s->oom_killed));
	ADD(st, "Dead", json_object_new_boolean(s->status == CTR_DEAD));
	ADD(st, "Pid", json_object_new_int(run ? s->pid : 0));
	ADD(st, "ExitCode", json_object_new_int(s->exit_code));
	ADD(st, "Error", json_object_new_string(s->error));
	ADD(st, "StartedAt",
	    json_object_new_string(*s->started_at ? s->started_at : "0001-01-01T00:00:00Z"));
	ADD(st, "FinishedAt",
	    json_object_new_string(*s->finished_at ? s->finished_at : "0001-01-01T00:00:00Z"));
	return st;
}

static struct json_object *path_and_args(const struct ctr *c, bool path)
{
	struct json_object *ep = ctr_rec(c, "Config.Entrypoint"), *cmd = ctr_rec(c, "Config.Cmd");
	struct json_object *all = json_object_new_array();
	for (size_t i = 0; ep && i < json_object_array_length(ep); i++)
		json_object_array_add(all, json_object_get(json_object_array_get_idx(ep, i)));
	for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
		json_object_array_add(all, json_object_get(json_object_array_get_idx(cmd, i)));
	struct json_object *out;
	if (path) {
		struct json_object *first = json_object_array_get_idx(all, 0);
		out = json_object_new_string(first ? json_object_get_string(first) : "");
	} else {
		out = json_object_new_array();
		for (size_t i = 1; i < json_object_array_length(all); i++)
			json_object_array_add(out,
			                      json_object_get(json_object_array_get_idx(all, i)));
	}
	json_object_put(all);
	return out;
}

int ctr_inspect(const char *ref, struct json_object **out, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	struct json_object *o = json_object_new_object();
	cleanup_free char *log = xasprintf("%s/container.log", c->dir);
	cleanup_free char *cfgp = xasprintf("%s/config.json", c->dir);
	ADD(o, "Id", json_object_new_string(c->id));
	ADD(o, "Created", copy(c, "Created"));
	ADD(o, "Path", path_and_args(c, true));
	ADD(o, "Args", path_and_args(c, false));
	ADD(o, "State", state_json(c));
	ADD(o, "Image", copy(c, "Image"));
	ADD(o, "ResolvConfPath", json_object_new_string(""));
	ADD(o, "HostnamePath", json_object_new_string(""));
	ADD(o, "LogPath", json_object_new_string(log));
	ADD(o, "Name", copy(c, "Name"));
	ADD(o, "RestartCount", json_object_new_int(c->st.restart_count));
	ADD(o, "Driver", copy(c, "GraphDriver.Name"));
	ADD(o, "Platform", json_object_new_string("linux"));
	ADD(o, "HostConfig", copy(c, "HostConfig"));
	ADD(o, "GraphDriver", copy(c, "GraphDriver"));
	ADD(o, "Mounts", copy(c, "Mounts"));
	ADD(o, "Config", copy(c, "Config"));
	ADD(o, "NetworkSettings", ctr_net_settings(c));
	ADD(o, "BundlePath", json_object_new_string(cfgp));
	ADD(o, "CgroupsPath", copy(c, "CgroupsPath"));
	*out = o;
	return 0;
}

char *ctr_human_since(const char *t)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t then = t && *t ? ctr_parse_time(t) : -1;
	int64_t sec = then < 0 ? 0 : (int64_t)now.tv_sec - then / 1000000000;
	if (sec < 1)
		return xstrdup("Less than a second");
	if (sec < 60)
		return xasprintf("%lld second%s", (long long)sec, sec == 1 ? "" : "s");
	if (sec < 120)
		return xstrdup("About a minute");
	if (sec < 3600)
		return xasprintf("%lld minutes", (long long)sec / 60);
	if (sec < 7200)
		return xstrdup("About an hour");
	if (sec < 48LL * 3600)
		return xasprintf("%lld hours", (long long)sec / 3600);
	return xasprintf("%lld days", (long long)sec / 86400);
}

/* "Up 3 minutes", "Exited (0) 2 seconds ago", as docker's ps prints. */
char *ctr_status_text(const struct ctr *c)
{
	cleanup_free char *up = ctr_human_since(c->st.started_at);
	cleanup_free char *down = ctr_human_since(c->st.finished_at);
	switch (c->st.status) {
	case CTR_CREATED:
		return xstrdup("Created");
	case CTR_RUNNING:
		return xasprintf("Up %s", up);
	case CTR_PAUSED:
		return xasprintf("Up %s (Paused)", up);
	case CTR_RESTARTING:
		return xasprintf("Restarting (%d) %s ago", c->st.exit_code, down);
	case CTR_EXITED:
		return xasprintf("Exited (%d) %s ago", c->st.exit_code, down);
	case CTR_DEAD:
	default:
		return xasprintf("Dead (%s)", c->st.error);
	}
}

struct json_object *ctr_summary(const struct ctr *c)
{
	struct json_object *o = json_object_new_object(), *names = json_object_new_array();
	cleanup_free char *status = ctr_status_text(c);
	struct json_object *path = path_and_args(c, true), *args = path_and_args(c, false);
	struct strbuf cmd = STRBUF_INIT;
	strbuf_printf(&cmd, "%s", json_object_get_string(path));
	for (size_t i = 0; i < json_object_array_length(args); i++)
		strbuf_printf(&cmd, " %s",
		              json_object_get_string(json_object_array_get_idx(args, i)));
	json_object_put(path);
	json_object_put(args);
	cleanup_free char *line = strbuf_steal(&cmd);
	json_object_array_add(names, json_object_new_string(c->name));
	ADD_NEW(o, "Id", json_object_new_string(c->id));
	ADD_NEW(o, "Names", names);
	ADD_NEW(o, "Image", copy(c, "Config.Image"));
	ADD_NEW(o, "ImageID", copy(c, "Image"));
	ADD_NEW(o, "Command", json_object_new_string(line));
	ADD_NEW(o, "Created", copy(c, "Created"));
	ADD_NEW(o, "State", json_object_new_string(ctr_status_name(c->st.status)));
	ADD_NEW(o, "Status", json_object_new_string(status));
	ADD_NEW(o, "Labels", copy(c, "Config.Labels"));
	ADD_NEW(o, "Pid", json_object_new_int(c->st.pid));
	ADD_NEW(o, "ExitCode", json_object_new_int(c->st.exit_code));
	return o;
}

static bool label_matches(const struct ctr *c, const char *want)
{
	size_t k = strcspn(want, "=");
	cleanup_free char *key = xstrndup(want, k);
	struct json_object *l = ctr_rec(c, "Config.Labels"), *v;
	if (!l || !json_object_object_get_ex(l, key, &v))
		return false;
	return !want[k] || strcmp(json_object_get_string(v), want + k + 1) == 0;
}

bool ctr_filter_match(const struct ctr *c, const char *f)
{
	size_t k = strcspn(f, "=");
	const char *v = f[k] ? f + k + 1 : "";
	const char *img = ctr_rec_str(c, "Config.Image");
	if (strncmp(f, "id", k) == 0 && k == 2)
		return strncmp(c->id, v, strlen(v)) == 0;
	if (strncmp(f, "name", k) == 0 && k == 4)
		return strstr(c->name, v) != NULL;
	if (strncmp(f, "status", k) == 0 && k == 6)
		return strcmp(ctr_status_name(c->st.status), v) == 0;
	if (strncmp(f, "label", k) == 0 && k == 5)
		return label_matches(c, v);
	if (strncmp(f, "exited", k) == 0 && k == 6)
		return c->st.status == CTR_EXITED && c->st.exit_code == atoi(v);
	if (strncmp(f, "ancestor", k) == 0 && k == 8)
		return img && strcmp(img, v) == 0;
	return false;
}
