/* api-ctr-list: GET /containers/json, `docker ps`.
 *
 * The rows are ctr_summary()'s, reshaped where Docker's type differs
 * (Created is a unix time, Names carry the leading '/').  Filters are
 * Docker's JSON ({"status": ["running"], "label": ["a=b"]}, or the old
 * {"status": {"running": true}}): values of one key match any, keys must
 * all match, each value tested by ctr_filter_match() as `ps --filter`
 * does.  A filter key glass does not know is refused (400). */
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <ftw.h>
#include <pthread.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char *const known[] = {"id", "name", "status", "label", "exited", "ancestor"};

/* A key's values as an array of strings. */
static struct json_object *values(struct json_object *v)
{
	struct json_object *a = json_object_new_array();
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			json_object_array_add(a, json_object_get(json_object_array_get_idx(v, i)));
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, on) if (json_object_get_boolean(on))
		    json_object_array_add(a, json_object_new_string(k));
	}
	return a;
}

/* The filters as {key: [values]}; NULL with *ret queued when malformed. */
static struct json_object *parse_filters(struct api_req *r, enum MHD_Result *ret)
{
	const char *f = api_query(r, "filters");
	struct json_object *out = json_object_new_object();
	struct json_object *in = f && *f ? json_tokener_parse(f) : NULL;
	if (f && *f && (!in || !json_object_is_type(in, json_type_object))) {
		json_object_put(in);
		json_object_put(out);
		*ret = api_reply_error(r, 400, "invalid filters: not a JSON object: %s", f);
		return NULL;
	}
	if (!in)
		return out;
	json_object_object_foreach(in, k, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(k, known[i]) == 0;
		if (!ok) {
			*ret = api_reply_error(r, 400, "invalid filter '%s'", k);
			json_object_put(in);
			json_object_put(out);
			return NULL;
		}
		json_object_object_add(out, k, values(v));
	}
	json_object_put(in);
	return out;
}

static bool matches(const struct ctr *c, struct json_object *filters)
{
	json_object_object_foreach(filters, k, vals)
	{
		bool any = false;
		for (size_t i = 0; i < json_object_array_length(vals) && !any; i++) {
			cleanup_free char *f = xasprintf(
			    "%s=%s", k, json_object_get_string(json_object_array_get_idx(vals, i)));
			any = ctr_filter_match(c, f);
		}
		if (!any && json_object_array_length(vals) > 0)
			return false;
	}
	return true;
}

static int64_t du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		du_total += st->st_size;
	return 0;
}

/* The bytes in the container's writable layer (SizeRw). */
static int64_t size_rw(const struct ctr *c)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	const char *upper = ctr_rec_str(c, "GraphDriver.Data.UpperDir");
	if (!upper)
		return 0;
	pthread_mutex_lock(&lock);
	du_total = 0;
	nftw(upper, du_one, 16, FTW_PHYS | FTW_MOUNT);
	int64_t n = du_total;
	pthread_mutex_unlock(&lock);
	return n;
}

/* a key `o` has not got yet, a literal: neither looked up nor copied */
static void add_new(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v,
	                          JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

static struct json_object *row(const struct ctr *c, bool size)
{
	struct json_object *o = ctr_summary(c), *names = json_object_new_array(),
	                   *hc = json_object_new_object(), *ns = json_object_new_object();
	const char *created = ctr_rec_str(c, "Created");
	int64_t t = created ? ctr_parse_time(created) : 0;
	cleanup_free char *slashed = xasprintf("/%s", c->name);
	json_object_array_add(names, json_object_new_string(slashed));
	json_object_object_add(o, "Names", names);
	json_object_object_add(o, "Created", json_object_new_int64(t > 0 ? t / 1000000000 : 0));
	add_new(o, "Ports", json_object_new_array());
	add_new(o, "Mounts", json_object_new_array());
	const char *mode = ctr_rec_str(c, "HostConfig.NetworkMode");
	add_new(hc, "NetworkMode", json_object_new_string(mode ? mode : "default"));
	add_new(o, "HostConfig", hc);
	add_new(ns, "Networks", json_object_new_object());
	add_new(o, "NetworkSettings", ns);
	if (!json_object_object_get(o, "Labels"))
		json_object_object_add(o, "Labels", json_object_new_object());
	if (size)
		json_object_object_add(o, "SizeRw", json_object_new_int64(size_rw(c)));
	return o;
}

/* The row's JSON text: kept by ctr-cache with the record it was made of
 * and what else it shows (the state, which the status text tells with
 * the time it has lasted), made anew when either changed.  SizeRw is
 * counted every time. */
static void add_row(struct strbuf *out, const struct ctr *c, bool size)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	cleanup_free char *status = ctr_status_text(c);
	cleanup_free char *key = xasprintf("%s %d %d %s", ctr_status_name(c->st.status), c->st.pid,
	                                   c->st.exit_code, status);
	bool memo = c->cached && !size;
	cleanup_free char *kept = memo ? ctr_cache_row(c->id, &c->record_pin.st, key) : NULL;
	if (out->len > 1)
		strbuf_append(out, ",", 1);
	if (kept) {
		strbuf_append(out, kept, strlen(kept));
		return;
	}
	struct json_object *o = row(c, size);
	size_t len = 0;
	const char *text = json_object_to_json_string_length(o, flags, &len);
	strbuf_append(out, text, len);
	if (memo)
		ctr_cache_keep_row(c->id, &c->record_pin.st, key, text);
	json_object_put(o);
}

static enum MHD_Result list(struct api_req *r)
{
	struct glass_err *err = NULL;
	enum MHD_Result ret;
	bool all, size;
	long long limit;
	struct ctr **cs = NULL;
	size_t n = 0;
	if (api_query_bool(r, "all", false, &all, &ret) < 0 ||
	    api_query_bool(r, "size", false, &size, &ret) < 0 ||
	    api_query_int(r, "limit", -1, &limit, &ret) < 0)
		return ret;
	struct json_object *filters = parse_filters(r, &ret);
	if (!filters)
		return ret;
	if (ctr_list_all(&cs, &n, &err) < 0) {
		json_object_put(filters);
		return api_reply_err(r, &err);
	}
	/* as dockerd: a status filter or a limit shows stopped ones too */
	all = all || json_object_object_get(filters, "status") || limit > 0;
	struct strbuf out = STRBUF_INIT;
	long long rows = 0;
	strbuf_append(&out, "[", 1);
	for (size_t i = 0; i < n && (limit <= 0 || rows < limit); i++) {
		bool live = cs[i]->st.status == CTR_RUNNING || cs[i]->st.status == CTR_PAUSED ||
		            cs[i]->st.status == CTR_RESTARTING;
		if ((all || live) && matches(cs[i], filters)) {
			add_row(&out, cs[i], size);
			rows++;
		}
	}
	strbuf_append(&out, "]\n", 2);
	ctr_list_free(cs, n);
	json_object_put(filters);
	ret = api_reply_data(r, 200, "application/json", out.buf, out.len);
	strbuf_release(&out);
	return ret;
}

const struct api_route api_routes_ctr_list[] = {
    {"GET", "/containers/json", list, 0},
    {NULL, NULL, NULL, 0},
};
