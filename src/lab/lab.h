/* lab: `glass lab`, the interactive lab in the browser.
 *
 * The server (server.c) is a libmicrohttpd daemon with one thread per
 * connection: it serves the page (assets compiled in, lab-assets.c made by
 * embed.py), a JSON API under /api/ guarded by a per-run token and by
 * Host/Origin checks, and a Server-Sent Events stream per experiment.
 *
 * The server never makes a container itself: a multithreaded process must
 * not clone.  Each experiment runs in a worker (api.c forks, then execs this
 * same binary as `glass lab --worker KIND ...`): a fresh single-threaded
 * process that calls libglass with the trace sink on a pipe (JSON lines)
 * and, for the walk-through, the step control on another pipe.  The server
 * relays those lines to the page and adds what it read from /proc after
 * each step.  Experiments, their containers, cgroups and state are torn
 * down when they end, when their tab goes quiet, and when the lab stops.
 */
#ifndef GLASS_LAB_H
#define GLASS_LAB_H

#include "err.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct glass_lab_opts {
	const char *listen; /* "ADDR:PORT", "[V6]:PORT"; NULL = 127.0.0.1:7777 */
	bool allow_remote;  /* required to listen on a non-loopback address */
};

/* Runs the lab server until SIGINT/SIGTERM; prints the URL on stdout.
 * Returns 0 after a clean stop, -1 with *err when it could not start. */
int glass_lab_serve(const struct glass_lab_opts *opts, struct glass_err **err);

/* The worker side (`glass lab --worker KIND PARAMS_JSON`): runs one
 * experiment, writing JSON lines to fd LAB_EVENT_FD and reading step
 * answers from LAB_CONTROL_FD.  Returns the process exit status. */
int glass_lab_worker(const char *kind, const char *params_json);

#define LAB_EVENT_FD   3
#define LAB_CONTROL_FD 4

/* ---- internal, shared between the lab's files ---- */

struct lab_asset {
	const char *path; /* "/app.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct lab_asset lab_assets[];
extern const size_t lab_nassets;

/* Where the lab keeps its things for this run (set once by the server;
 * inherited by workers through the environment):
 *   lab_run_dir   /run/glass-lab-PID        bundles and runtime state
 *   lab_cgroup    /glass-lab-PID            the cgroup parent of every container */
struct lab_paths {
	char run_dir[256];
	char cgroup[64];
	char rootfs[4096]; /* the built-in image: BUILD/rootfs beside the binary */
	char exe_dir[4096];
};
extern struct lab_paths lab_paths;
int lab_paths_init(pid_t owner, struct glass_err **err);

/* api.c: experiments as seen by the server. */
int lab_api_init(struct glass_err **err);
/* Answers one /api/ request.  `body` may be NULL.  Returns the HTTP status
 * and sets *out to a malloc'd JSON document. */
int lab_api_handle(const char *method, const char *url, const char *body, char **out);
/* SSE: opens a cursor on experiment `id` (NULL when unknown). */
struct lab_stream;
struct lab_stream *lab_stream_open(const char *id, long from);
/* Fills buf with the next SSE chunk, waiting up to a few seconds.  Returns
 * bytes written, 0 to be called again, -1 at the end of the stream. */
ssize_t lab_stream_read(struct lab_stream *s, char *buf, size_t size);
void lab_stream_close(struct lab_stream *s);
/* Tears every experiment down (SIGINT/SIGTERM). */
void lab_api_shutdown(void);
/* Host facts for /api/info (malloc'd JSON). */
char *lab_host_info_json(void);

/* facts.c: what the kernel says about a process, read from the host side. */
json_object *lab_facts_ns(pid_t pid);     /* {"mnt": 4026531841, ...}; 0 = self */
json_object *lab_facts_status(pid_t pid); /* CapEff, NoNewPrivs, Seccomp, ... */
json_object *lab_facts_mounts(pid_t pid); /* mountinfo as [{target,type,source,opts}] */
char *lab_facts_hostname(pid_t pid);   /* the UTS hostname seen by pid (joins its ns in a child) */
char *lab_read_text(const char *path); /* a whole small file, NULL on error */

/* Worker helpers (worker.c). */
#include <signal.h>
extern volatile sig_atomic_t lab_worker_stop; /* SIGTERM came */
void lab_emit(json_object *o);                /* one JSON line on LAB_EVENT_FD; takes ownership */
void lab_emit_error(const struct glass_err *e, const char *where);
const char *lab_param_str(json_object *p, const char *key);
bool lab_param_bool(json_object *p, const char *key);
/* The probe run on the host (same program as inside): its JSON or NULL. */
json_object *lab_probe_host(const char *rootfs, const char *sections);
json_object *lab_read_json_fd(int fd);
int lab_write_bundle(const char *dir, json_object *config, struct glass_err **err);
int lab_wait_exit(pid_t pid, int *status, int timeout_ms);
/* create, start, wait, delete; *view = the container's stdout as JSON. */
int lab_run_container(const char *root, const char *id, const char *bundle, json_object **view,
                      int *exit_status);
/* The config.json of a lab container (exp-namespaces.c). */
struct lab_config {
	bool ns[8]; /* mount uts ipc pid net user cgroup time */
	const char *rootfs;
	const char *cgroup;
	const char *hostname;
	const char *const *args;
	bool seccomp, rlimits, pids_limit;
};
json_object *lab_config_json(const struct lab_config *c);
int lab_exp_namespaces(json_object *params);
int lab_exp_pidns(json_object *params);
int lab_exp_walkthrough(json_object *params);

#endif
