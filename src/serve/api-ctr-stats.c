/* api-ctr-stats: GET /containers/{id}/stats, one sample or a stream.
 *
 * ctr_stats() reads the container's cgroup; Docker's clients compute the
 * CPU share from two samples: the container's CPU time and the host's
 * (system_cpu_usage, from /proc/stat) a second apart.  So each sample
 * carries the one before it as precpu_stats, as dockerd's do; one sample
 * without stream waits that second too (unless one-shot=1, which asks for
 * no preceding sample). */
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The host's CPU time in nanoseconds (all CPUs, all states), as Docker's
 * system_cpu_usage. */
static uint64_t system_cpu_ns(void)
{
	cleanup_free char *s = read_file_at(AT_FDCWD, "/proc/stat", NULL);
	unsigned long long v, total = 0;
	const char *p = s && strncmp(s, "cpu ", 4) == 0 ? s + 4 : NULL;
	int n;
	while (p && sscanf(p, "%llu%n", &v, &n) == 1) {
		total += v;
		p += n;
	}
	return (uint64_t)total * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

struct stats_job {
	char id[CTR_ID_LEN + 1];
	bool stream, one_shot, done;
	unsigned n; /* samples sent */
	struct json_object *prev;
};

/* One sample in Docker's shape, with the previous one's CPU and read
 * time as precpu_stats and preread. */
static struct json_object *sample(struct stats_job *j, struct glass_err **err)
{
	struct json_object *o = NULL;
	if (ctr_stats(j->id, &o, err) < 0)
		return NULL;
	struct json_object *cpu = json_object_object_get(o, "cpu_stats"), *pre = NULL, *t = NULL;
	json_object_object_add(cpu, "system_cpu_usage", json_object_new_uint64(system_cpu_ns()));
	if (j->prev) {
		json_object_deep_copy(json_object_object_get(j->prev, "cpu_stats"), &pre, NULL);
		json_object_deep_copy(json_object_object_get(j->prev, "read"), &t, NULL);
	}
	json_object_object_add(o, "precpu_stats", pre ? pre : json_object_new_object());
	json_object_object_add(o, "preread",
	                       t ? t : json_object_new_string("0001-01-01T00:00:00Z"));
	/* Docker's name has its leading '/' (the CLI cuts the first byte) */
	cleanup_free char *name =
	    xasprintf("/%s", json_object_get_string(json_object_object_get(o, "name")));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "blkio_stats", json_object_new_object());
	json_object_object_add(o, "networks", json_object_new_object());
	json_object_put(j->prev);
	j->prev = json_object_get(o);
	return o;
}

static ssize_t stats_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stats_job *j = cls;
	struct glass_err *err = NULL;
	if (j->done)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (j->n > 0 || (!j->stream && !j->one_shot)) {
		if (!j->prev) {
			struct json_object *first = sample(j, &err);
			json_object_put(first);
		}
		sleep(1);
	}
	struct json_object *o = err ? NULL : sample(j, &err);
	if (!o) {
		glass_err_free(&err);
		return j->n ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
	}
	int n =
	    snprintf(buf, max, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	j->n++;
	j->done = !j->stream;
	return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stats_free(void *cls)
{
	struct stats_job *j = cls;
	json_object_put(j->prev);
	free(j);
}

static enum MHD_Result stats(struct api_req *r)
{
	enum MHD_Result ret;
	struct glass_err *err = NULL;
	struct json_object *probe = NULL;
	bool stream, one_shot;
	if (api_query_bool(r, "stream", true, &stream, &ret) < 0 ||
	    api_query_bool(r, "one-shot", false, &one_shot, &ret) < 0)
		return ret;
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(api_param(r, 0), &c, &err) < 0)
		return api_reply_err(r, &err);
	/* the first sample answers the errors (not running) before the 200 */
	if (ctr_stats(c->id, &probe, &err) < 0)
		return api_reply_err_status(
		    r, api_err_status(err) == 400 ? 409 : api_err_status(err), &err);
	json_object_put(probe);
	struct stats_job *j = xcalloc(1, sizeof(*j));
	snprintf(j->id, sizeof(j->id), "%s", c->id);
	j->stream = stream;
	j->one_shot = one_shot && !stream;
	return api_reply_stream(r, 200, "application/json", stats_read, j, stats_free);
}

const struct api_route api_routes_ctr_stats[] = {
    {"GET", "/containers/{id}/stats", stats, 0},
    {NULL, NULL, NULL, 0},
};
