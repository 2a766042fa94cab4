/* api-common: what the images, networks, volumes and system areas of the
 * API share: the `filters` query parameter (api-filter.c) and a reply
 * streamed from a worker thread (api-job.c). */
#ifndef GLASS_SERVE_API_COMMON_H
#define GLASS_SERVE_API_COMMON_H

#include "api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses `filters` into *out ({"name": ["value", ...]}, owned), refusing
 * (400 queued in *ret) bad JSON and any filter not in `allowed`
 * (NULL-terminated).  No parameter: an empty object. */
int api_filters(struct api_req *r, const char *const *allowed, struct json_object **out,
                enum MHD_Result *ret);
size_t api_filter_count(struct json_object *f, const char *key);
const char *api_filter_value(struct json_object *f, const char *key, size_t i);
/* True when the filter `key` is absent or one of its values matches. */
bool api_filter_any(struct json_object *f, const char *key,
                    bool (*match)(const char *want, const void *data), const void *data);
/* True when every "k" / "k=v" value of filter `key` is in `labels`. */
bool api_filter_labels(struct json_object *f, const char *key, struct json_object *labels);
/* A boolean filter's first value into *out (-1 absent, 0, 1); false when
 * it is neither true/1 nor false/0. */
bool api_filter_bool(struct json_object *f, const char *key, int *out);
/* A prune's answer: {KEY: [removed...], "SpaceReclaimed": freed} (no
 * SpaceReclaimed when freed < 0), or the error when rc < 0; takes
 * `removed` and *err. */
enum MHD_Result api_reply_pruned(struct api_req *r, int rc, struct glass_err **err, const char *key,
                                 char **removed, int64_t freed);
/* Shell glob match (docker's reference filter). */
bool api_glob(const char *pattern, const char *s);

/* A reply whose body a worker thread writes while the connection streams
 * it (a pull's progress): fn(data, fd) runs on a detached thread and
 * writes to fd; the client gets each write as it lands, and the end of the
 * body when fn returns.  done(data) then runs on that thread (it also
 * runs when the thread could not start). */
enum MHD_Result api_reply_job(struct api_req *r, const char *type, void (*fn)(void *data, int fd),
                              void (*done)(void *data), void *data);
/* One JSON message of a progress stream, docker's framing: the object
 * followed by "\r\n" (takes o). */
void api_json_line(int fd, struct json_object *o);

/* api-volumes.c: Docker's Volume object of volume `name`; with `usage`
 * its UsageData (bytes, containers claiming it). */
struct json_object *api_volume(const char *name, bool usage, struct glass_err **err);

/* api-net-write.c: the networks' changes (their table: api-networks.c). */
enum MHD_Result api_net_create(struct api_req *r);
enum MHD_Result api_net_prune(struct api_req *r);
enum MHD_Result api_net_connect(struct api_req *r);
enum MHD_Result api_net_disconnect(struct api_req *r);

#endif
