/* api: `glass serve`, the Docker Engine API (version 1.41, what Debian 12's
 * docker.io 20.10 client speaks) over a UNIX socket, with libmicrohttpd.
 *
 * The server holds no container: every handler calls the engine's
 * operations (src/engine/ctr.h, netvol.h, the store), exactly as the CLI
 * verbs do, so killing the server leaves every container running under its
 * shim and a restarted server serves them again.
 *
 * Adding endpoints (one file per area, e.g. api-images.c):
 *
 *   static enum MHD_Result img_json(struct api_req *r)
 *   {
 *           const char *name = api_param(r, 0);        // "{name}" below
 *           ...
 *           return api_reply_json(r, 200, obj);         // takes obj
 *   }
 *   const struct api_route api_routes_images[] = {
 *           {"GET", "/images/{name}/json", img_json, 0},
 *           {NULL, NULL, NULL, 0},
 *   };
 *
 * declare the table below, add it to the list in api-router.c (one line)
 * and the file to src/serve/meson.build.  Patterns are matched on the
 * path without its "/v1.xx" prefix; "{x}" matches one path segment,
 * "{x*}" any run of them up to the pattern's literal tail (image names:
 * "/images/{name*}/json" takes "/images/docker.io/library/busybox/json";
 * params are URL-decoded by libmicrohttpd).  The first
 * route whose method and pattern match wins; a path that matches with
 * another method answers 405, none at all 404, both in Docker's shape.
 *
 * Every handler runs in its connection's own thread (thread per
 * connection), so it may block: a wait, a log follow or a pull blocks
 * nobody else.  It must queue exactly one reply with an api_reply_*
 * function (or api_hijack) and return what that returned.
 *
 * Request bodies: a route without flags gets the body in memory (at most
 * API_MAX_BODY bytes, else 413 before the handler runs); api_body_json()
 * parses it and the api_field_* helpers read fields by dotted path,
 * answering 400 with the field's name when one has the wrong type.  A route
 * with API_BODY_FILE gets the body spooled to an unlinked temporary file
 * (r->body_fd, at offset 0; up to API_MAX_UPLOAD bytes): tar archives.
 *
 * Streams: api_reply_stream() (a reader callback, which may block),
 * api_reply_fd() (a pipe filled by a thread or a child: logs, tar, a
 * pull's progress), api_hijack() for the upgraded connections of attach
 * and exec (api_relay() copies both ways).  Attaches and waits that come
 * before their container's start meet it in api-watch.h.
 *
 * Errors: api_reply_error() with a status and a message, or
 * api_reply_err() with an engine error, mapped by its errno: ENOENT 404,
 * EEXIST/EBUSY 409, EINVAL 400, anything else 500; the body is always
 * {"message": "..."}.  No path of the host and no internal detail beyond
 * the operation's own message is added. */
#ifndef GLASS_SERVE_API_H
#define GLASS_SERVE_API_H

#include "err.h"
#include "lazy-mhd.h" /* <microhttpd.h>, loaded at the first call */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;
struct api_hijack;

#define API_VERSION     "1.41"
#define API_MIN_VERSION "1.12"
#define API_MAX_BODY    (1024LL * 1024)
#define API_MAX_UPLOAD  (8LL * 1024 * 1024 * 1024)
#define API_MAX_PARAMS  4
#define API_BODY_FILE   1u /* route flag: spool the body to r->body_fd */

struct api_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *path; /* without the /v1.xx prefix */
	unsigned minor;   /* the API version asked for: 1.<minor> */
	char *params[API_MAX_PARAMS];
	size_t nparams;
	char *body; /* NUL-terminated (routes without API_BODY_FILE) */
	size_t body_len;
	int body_fd;               /* API_BODY_FILE routes, else -1 */
	struct json_object *json;  /* api_body_json()'s result, freed with the request */
	struct api_hijack *hijack; /* api_hijack()'s, released with the request */
};

typedef enum MHD_Result (*api_handler)(struct api_req *r);

struct api_route {
	const char *method;
	const char *pattern;
	api_handler fn;
	unsigned flags;
};

/* The route tables, each terminated by {NULL}. */
extern const struct api_route api_routes_base[];       /* _ping, version, info */
extern const struct api_route api_routes_create[];     /* /containers/create */
extern const struct api_route api_routes_ctr_list[];   /* /containers/json */
extern const struct api_route api_routes_containers[]; /* /containers/{id}/... */
extern const struct api_route api_routes_ctr_io[];     /* attach, wait, logs */
extern const struct api_route api_routes_exec[];       /* exec create, /exec */
extern const struct api_route api_routes_ctr_stats[];  /* stats */
extern const struct api_route api_routes_ctr_fs[];     /* archive (docker cp) */
extern const struct api_route api_routes_events[];     /* /events */
extern const struct api_route api_routes_images[];     /* /images (api-images.c) */
extern const struct api_route api_routes_networks[];   /* /networks (api-networks.c) */
extern const struct api_route api_routes_volumes[];    /* /volumes (api-volumes.c) */
extern const struct api_route api_routes_system[];     /* /system/df (api-system.c) */

/* --- api-router.c --- */
/* MHD's access handler (the router) and its completion callback. */
enum MHD_Result api_dispatch(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload_data,
                             size_t *upload_data_size, void **con_cls);
void api_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                   enum MHD_RequestTerminationCode toe);

/* --- api-reply.c --- */
/* Path parameter i ("{x}" in the pattern, in order). */
const char *api_param(const struct api_req *r, size_t i);
/* A query parameter, or NULL. */
const char *api_query(const struct api_req *r, const char *name);
/* Docker's booleans: "1", "true", "True" (and "0", "false", "") ;
 * -1 with a 400 queued when the value is neither (the caller returns
 * *ret). */
int api_query_bool(struct api_req *r, const char *name, bool def, bool *out, enum MHD_Result *ret);
int api_query_int(struct api_req *r, const char *name, long long def, long long *out,
                  enum MHD_Result *ret);

/* Replies.  Each queues the response and returns MHD's result. */
enum MHD_Result api_reply_json(struct api_req *r, unsigned status, struct json_object *o);
enum MHD_Result api_reply_data(struct api_req *r, unsigned status, const char *type,
                               const void *data, size_t len);
enum MHD_Result api_reply_empty(struct api_req *r, unsigned status);
enum MHD_Result api_reply_error(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The engine's error, mapped (above); frees *err. */
enum MHD_Result api_reply_err(struct api_req *r, struct glass_err **err);
/* The same with the status chosen by the caller (409 "is not running"). */
enum MHD_Result api_reply_err_status(struct api_req *r, unsigned status, struct glass_err **err);
/* HTTP status for an engine error. */
unsigned api_err_status(const struct glass_err *err);

/* A streamed body: fn fills buf and returns the bytes written, 0 never
 * (it blocks instead), MHD_CONTENT_READER_END_OF_STREAM at the end;
 * free_fn(data) runs when the response is done. */
enum MHD_Result api_reply_stream(struct api_req *r, unsigned status, const char *type,
                                 MHD_ContentReaderCallback fn, void *data,
                                 MHD_ContentReaderFreeCallback free_fn);
/* A body read from fd until its end (a pipe); at the end fd is closed
 * and, when pid > 0, the child writing it reaped.  header/value: one more
 * response header, or NULL. */
enum MHD_Result api_reply_fd(struct api_req *r, unsigned status, const char *type, int fd,
                             pid_t pid, const char *header, const char *value);
/* ?h=&w=, a terminal's size (1..65535 each); -1 with a 400 queued. */
int api_query_size(struct api_req *r, unsigned short *h, unsigned short *w, enum MHD_Result *ret);
/* Relays a hijacked connection: fd's output to sock until fd ends; with
 * `in`, what sock sends to fd, and sock's end (the client's half-close)
 * shuts fd's write side when `half_close` (a pipe or socket: the end of
 * the process's stdin), else only stops reading (a pty has no such end). */
void api_relay(int sock, int fd, bool in, bool half_close);
/* Docker's response headers (Api-Version, Server, Ostype...) on r. */
void api_add_headers(struct MHD_Response *resp);

/* The hijacked connection (attach, exec start): answers 101 Switching
 * Protocols (or 200 to a client that asked no upgrade), then, in the
 * connection's thread, calls fn(data, sock, extra, extra_len) with the
 * raw socket (blocking mode) and what the client sent after its request
 * (stdin already on its way).  fn returns when the stream is over; the
 * write side is then shut down (the client sees the end of the output),
 * the socket closed and done(data) called; done(data) is also called when
 * the upgrade never happened.  A request without "Upgrade:" is refused
 * (400): every client of API 1.41 asks for it. */
typedef void (*api_hijack_fn)(void *data, int sock, const char *extra, size_t extra_len);
enum MHD_Result api_hijack(struct api_req *r, const char *type, api_hijack_fn fn,
                           void (*done)(void *data), void *data);
/* The request is over (the router's completion callback). */
void api_hijack_release(struct api_req *r);

/* --- api-body.c --- */
/* Parses r->body as one JSON object into r->json (an empty body: an empty
 * object); 0, or -1 with a 400 queued in *ret naming where it broke. */
int api_body_json(struct api_req *r, enum MHD_Result *ret);
/* Fields of `o` at a dotted path ("HostConfig.Memory"): 0 absent or null
 * (*out untouched), 1 present, -1 wrong type with *err naming the path and
 * the type wanted. */
int api_field_str(struct json_object *o, const char *path, const char **out,
                  struct glass_err **err);
int api_field_bool(struct json_object *o, const char *path, bool *out, struct glass_err **err);
int api_field_int(struct json_object *o, const char *path, int64_t *out, struct glass_err **err);
/* An array of strings as a NULL-terminated vector (owned, strings not
 * copied: they live as long as o). */
int api_field_strv(struct json_object *o, const char *path, char ***out, struct glass_err **err);

/* --- api-server.c --- */
int cmd_serve(int argc, char **argv);

#endif
