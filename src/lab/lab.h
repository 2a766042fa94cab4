/* lab: `glass lab`, the interactive lab in the browser.
 *
 * The server (server.c) is a libmicrohttpd daemon with one thread per
 * connection: it serves the page (assets compiled in, lab-assets.c made by
 * embed.py, the tabs and panels filled in from the experiment table), a
 * JSON API under /api/ guarded by a per-run token and by Host/Origin
 * checks (api.c, a dispatcher), and a Server-Sent Events stream per
 * experiment (stream.c).
 *
 * The server never makes a container itself: a multithreaded process must
 * not clone.  Each experiment runs in a worker (experiment.c forks, then
 * execs this same binary as `glass lab --worker KIND ...`): a fresh
 * single-threaded process that calls libglass with the trace sink on a
 * pipe (JSON lines) and reads the page's requests (step answers, actions)
 * from another pipe.  The server relays those lines to the page and adds
 * what it read from /proc after each step.  Experiments, their
 * containers, cgroups and state are torn down when they end, when their
 * tab goes away, when the lab stops, and by a watcher process when the lab
 * itself dies.
 *
 * Experiments are modules (exp-*.c, web/exp-*.{html,js,css}) listed in
 * one table (registry.c): the server's routes, the page's tabs and the
 * table in docs/lab.md all come from it.
 */
#ifndef GLASS_LAB_H
#define GLASS_LAB_H

#include "err.h"

#include <json-c/json.h>
#include <signal.h>
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
 * answers and actions from LAB_CONTROL_FD.  Returns the exit status. */
int glass_lab_worker(const char *kind, const char *params_json);

/* The experiment table as Markdown (`glass lab --docs`), for docs/lab.md. */
void glass_lab_print_docs(void);

#define LAB_EVENT_FD   3
#define LAB_CONTROL_FD 4

/* ---- the experiment table (registry.c) ---- */

/* A reason for refusing a request, naming the field ("limits.memory:
 * expected a whole number of MiB from 4 to 4096"). */
#define LAB_WHY_SIZE 200

enum lab_kind_flags {
	LAB_KIND_IPC = 1u << 0,     /* gets a SysV key of its own (params.ipc_key) */
	LAB_KIND_STEPPED = 1u << 1, /* the runtime's step mode: /step answers */
};

struct lab_kind {
	const char *name; /* the API's "kind" */
	/* Server side, any thread: checks every field of the request and
	 * fills the worker's parameters `p`.  0, or -1 with `why`.  NULL:
	 * the kind takes no parameters. */
	int (*params)(json_object *req, json_object *p, char *why);
	/* Server side: checks a POST .../action body and turns it into one
	 * line for the worker (malloc'd, no newline).  NULL: no actions. */
	char *(*action)(json_object *req, char *why);
	/* Worker side: runs the experiment; 0 when it did what it set out to. */
	int (*run)(json_object *params);
	unsigned flags;
};

struct lab_module {
	const char *id;      /* "cgroups": tab-ID, exp-ID, web/exp-ID.{html,js,css} */
	const char *title;   /* the tab: "3 · cgroups under pressure" */
	const char *summary; /* one sentence for docs/lab.md */
	const char *source;  /* its worker, "src/lab/exp-cgroups.c" */
	const struct lab_kind *kinds;
	size_t nkinds;
	/* Server side, read-only facts for the page before anything runs
	 * (GET /api/modules/ID): malloc'd JSON.  NULL: none. */
	json_object *(*info)(void);
	/* The doctor's checks (src/lib/doctor.h ids, space-separated) without
	 * which the experiment cannot run: the page greys it out, with the
	 * doctor's reason, when one is "missing".  NULL: none. */
	const char *needs;
};

extern const struct lab_module *const lab_modules[];
extern const size_t lab_nmodules;
/* The kind named `name` and its module, or NULL. */
const struct lab_kind *lab_kind_find(const char *name, const struct lab_module **mod);
const struct lab_module *lab_module_find(const char *id);

/* The modules (defined in their exp-*.c). */
extern const struct lab_module lab_module_namespaces;
extern const struct lab_module lab_module_walkthrough;
extern const struct lab_module lab_module_cgroups;
extern const struct lab_module lab_module_overlay;
extern const struct lab_module lab_module_image;
extern const struct lab_module lab_module_security;
extern const struct lab_module lab_module_network;
extern const struct lab_module lab_module_chain;

/* Request checking for the kinds' params/action functions: each returns
 * false with `why` naming the field when the value is there but wrong. */
bool lab_req_bool(json_object *req, const char *key, bool dflt, bool *out, char *why);
bool lab_req_int(json_object *req, const char *key, long long lo, long long hi, long long dflt,
                 long long *out, char *why);
/* One of the NULL-terminated `choices`; *out points into choices. */
bool lab_req_enum(json_object *req, const char *key, const char *const *choices, const char *dflt,
                  const char **out, char *why);
/* Only the listed keys (NULL-terminated) may appear. */
bool lab_req_only(json_object *req, const char *const *keys, char *why);
/* An action {"op": one of `ops`} and nothing else: the line for the
 * worker (malloc'd), or NULL with `why`. */
char *lab_req_op(json_object *req, const char *const *ops, char *why);

/* ---- the server ---- */

struct lab_asset {
	const char *path; /* "/core.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct lab_asset lab_assets[];
extern const size_t lab_nassets;
const struct lab_asset *lab_asset_find(const char *path);

/* Where the lab keeps its things for this run (set once by the server;
 * inherited by workers through their parameters):
 *   run_dir   /run/glass-lab-PID        bundles, runtime state, layers
 *   disk_dir  /var/tmp/glass-lab-PID    scratch that must sit on a block device
 *   cgroup    /glass-lab-PID            the cgroup parent of every container */
struct lab_paths {
	char run_dir[256];
	char disk_dir[256]; /* /var/tmp/glass-lab-PID: scratch on a disk (/run may be tmpfs) */
	char cgroup[64];
	char rootfs[4096]; /* the built-in image: BUILD/rootfs beside the binary */
	char exe_dir[4096];
};
extern struct lab_paths lab_paths;
int lab_paths_init(pid_t owner, struct glass_err **err);

/* A JSON body {"error": msg} (malloc'd). */
char *lab_json_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Serialises and frees `o` (malloc'd string). */
char *lab_json_steal(json_object *o);

/* api.c: answers one /api/ request.  `body` may be NULL.  Returns the
 * HTTP status and sets *out to a malloc'd JSON document. */
int lab_api_handle(const char *method, const char *url, const char *body, size_t len, char **out);
/* A request's body as a JSON value: NULL with *out set (a JSON error) when
 * it is not JSON, or when it is absent and `required`. */
json_object *lab_body_parse(const char *body, size_t len, bool required, char **out);
/* Host facts for /api/info (malloc'd JSON), the doctor's report included
 * (made once by lab_doctor_init, before the server's threads: it forks). */
char *lab_host_info_json(void);
void lab_doctor_init(void);
/* True, with the doctor's reason in `why`, when a check module `m` needs
 * is "missing" on this host (the page greys it out; the API refuses it). */
bool lab_module_unmet(const struct lab_module *m, char *why, size_t size);

/* experiment.c: the experiments the server runs. */
struct experiment;
int lab_exp_init(struct glass_err **err);
/* POST /api/experiments: 201 with {"id",...} or an error status. */
int lab_exp_start(json_object *req, char **out);
/* What lab_exp_start checks first: the kind and the worker's parameters
 * from its checked fields.  NULL with *status and *out set (400 and a
 * JSON error naming the field) when the request is refused. */
json_object *lab_exp_params(json_object *req, const struct lab_kind **kind, int *status,
                            char **out);
/* Finds and holds an experiment (NULL when unknown); lab_exp_put releases. */
struct experiment *lab_exp_get(const char *id);
void lab_exp_put(struct experiment *e);
char *lab_exp_json(struct experiment *e, bool with_events);
char *lab_exp_list_json(void);
void lab_exp_touch(struct experiment *e);
/* Writes a step answer or an action line to the worker's control pipe. */
int lab_exp_control(struct experiment *e, const char *what, char **out);
int lab_exp_action(struct experiment *e, json_object *req, char **out);
/* Tears it down in the background (DELETE). */
void lab_exp_stop(struct experiment *e, const char *why);
/* Tears every experiment down (SIGINT/SIGTERM). */
void lab_exp_shutdown(void);

/* stream.c: Server-Sent Events on an experiment.  The cursor holds the
 * experiment. */
struct lab_stream;
struct lab_stream *lab_stream_open(const char *id, long from);
/* Fills buf with the next SSE chunk, waiting up to a second.  Returns
 * bytes written, 0 to be called again, -1 at the end of the stream. */
ssize_t lab_stream_read(struct lab_stream *s, char *buf, size_t size);
void lab_stream_close(struct lab_stream *s);

/* Event log access for stream.c (under the experiments' lock). */
void lab_exp_lock(void);
void lab_exp_unlock(void);
/* Waits on the experiments' condition for at most `ms` (lock held). */
void lab_exp_wait_locked(int ms);
size_t lab_exp_nevents_locked(struct experiment *e);
const char *lab_exp_event_locked(struct experiment *e, size_t i);
bool lab_exp_finished_locked(struct experiment *e);
void lab_exp_stream_add_locked(struct experiment *e, int delta);
void lab_exp_stream_read_locked(struct experiment *e);
bool lab_exp_stopping_locked(void);

/* cleanup.c: the safety net.  Everything below removes only what this lab
 * made: its cgroup paths (through the library's cgroup API), its state
 * directories, and SysV objects by the id the worker created them with. */
void lab_cleanup_cgroup(const char *path);
void lab_cleanup_dir(const char *path);
void lab_cleanup_ipc_file(const char *dir); /* the ids listed in DIR/ipc */
/* Removes what labs that died left behind (their pid is gone). */
void lab_cleanup_stale(void);
/* Forks the watcher (before any thread): when this process dies without
 * cleaning up, it removes the run directory and cgroup parent. */
int lab_watcher_start(struct glass_err **err);

/* facts.c: what the kernel says about a process, read from the host side. */
json_object *lab_facts_ns(pid_t pid);     /* {"mnt": 4026531841, ...}; 0 = self */
json_object *lab_facts_status(pid_t pid); /* CapEff, NoNewPrivs, Seccomp, ... */
json_object *lab_facts_mounts(pid_t pid); /* mountinfo as [{target,type,source,root,opts}] */
char *lab_facts_hostname(pid_t pid);   /* the UTS hostname seen by pid (joins its ns in a child) */
char *lab_read_text(const char *path); /* a whole small file, NULL on error */
/* The facts after a step of a stepped experiment, read now from /proc of
 * the worker's deepest descendant (the process being built); the mount
 * table is compared with the previous one (kept in *prev_mounts). */
json_object *lab_step_facts(pid_t worker, json_object **prev_mounts, pid_t *facts_pid,
                            json_object *pause);

/* cgroup-view.c: a container's cgroup files, as the kernel writes them. */
bool lab_cg_dir(const char *ctrl, const char *path, char *out, size_t size, bool *v2);
json_object *lab_cg_hierarchies(void);
json_object *lab_cg_sample(const char *path);
json_object *lab_cg_checks(const char *path);

/* overlay-view.c: an overlay's layers, read from their directories. */
json_object *lab_ov_list(const char *dir);
/* Where `path` comes from: upper first, then each lower (layers[0..n),
 * top down), first match wins; with what the merged mount shows there. */
json_object *lab_ov_lookup(const char *merged, const char *const *layers, const char *const *roles,
                           size_t n, const char *path);

/* images.c: the store's images (GLASS_ROOT). */
struct glass_store;
struct glass_image;
json_object *lab_image_names(void);
bool lab_image_ref_ok(const char *ref);
/* The image `ref` ("builtin" or NULL: the built-in one, imported from
 * `builtin_rootfs` on first use). */
int lab_image_open(const char *ref, const char *builtin_rootfs, struct glass_store **s,
                   struct glass_image **img, struct glass_err **err);
int lab_image_pull(struct glass_store *s, const char *ref, bool tls_verify, char **name,
                   struct glass_err **err);

/* ---- the worker (worker.c) ---- */

extern volatile sig_atomic_t lab_worker_stop; /* SIGTERM came */
void lab_emit(json_object *o);                /* one JSON line on LAB_EVENT_FD; takes ownership */
/* {"type": type, ...}: a new event object to fill and lab_emit. */
json_object *lab_event(const char *type);
void lab_emit_error(const struct glass_err *e, const char *where);
void lab_emit_errorf(const char *where, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *lab_param_str(json_object *p, const char *key);
bool lab_param_bool(json_object *p, const char *key);
long long lab_param_int(json_object *p, const char *key);
/* The probe run on the host (same program as inside): its JSON or NULL. */
json_object *lab_probe_host(const char *rootfs, const char *sections);
json_object *lab_read_json_fd(int fd);
int lab_write_bundle(const char *dir, json_object *config, struct glass_err **err);
int lab_wait_exit(pid_t pid, int *status, int timeout_ms);
/* create, start, wait, delete; *view = the container's stdout as JSON. */
int lab_run_container(const char *root, const char *id, const char *bundle, json_object **view,
                      int *exit_status);
/* Reads one line from the control pipe, waiting at most `ms` (-1:
 * forever).  1 with a malloc'd *line, 0 on timeout, -1 at EOF/SIGTERM. */
int lab_control_line(int ms, char **line);
/* Creates container `id` (stdout to `out_fd`, stdin /dev/null) and starts
 * it; *init = its host pid.  0, or -1 with the error emitted. */
int lab_start_container(const char *root, const char *id, const char *bundle, int out_fd,
                        pid_t *init);
/* The same with the init's stdin from `in_fd`. */
int lab_start_container_io(const char *root, const char *id, const char *bundle, int in_fd,
                           int out_fd, pid_t *init);
/* Deletes it (killing what runs); errors are emitted. */
void lab_delete_container(const char *root, const char *id);
/* Records a SysV object the worker made (DIR/ipc), for the safety net. */
void lab_note_ipc(const char *dir, char kind, int key, int id);

/* The config.json of a lab container (exp-namespaces.c). */
struct lab_config {
	bool ns[8]; /* mount uts ipc pid net user cgroup time */
	const char *rootfs;
	const char *cgroup;
	const char *hostname;
	const char *const *args;
	bool seccomp, rlimits, pids_limit;
	bool root_rw; /* a writable root (the overlay experiment) */
};
json_object *lab_config_json(const struct lab_config *c);
/* Adds a mount to config.json's mounts[]. */
void lab_config_add_mount(json_object *cfg, const char *dest, const char *type, const char *src,
                          const char *const *opts);

#endif
