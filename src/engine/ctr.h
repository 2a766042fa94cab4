/* ctr: the engine's container operations, written once for every
 * front-end (the CLI verbs, `glass serve`, the lab).
 *
 * Each operation takes parsed options and returns 0, or -1 with *err; it
 * never prints and never exits (streams go to the fds or callbacks the
 * caller hands in).  A container is a directory ROOT/containers/ID (ID:
 * 64 hex digits) holding
 *   record.json   what was asked: Docker's Config and HostConfig, Name,
 *                 Created, the image (written atomically, tmp + rename)
 *   config.json   the OCI bundle the runtime reads; rootfs/ upper/ work/
 *                 layers  the snapshot (src/store/snapshot.h)
 *   lock          flock(2)ed by the operation that changes the container;
 *                 it holds "PID OPERATION" so a second caller can say who
 *                 keeps it busy
 *   shim.pid status.json ctl.sock container.log   glass-shim's (the
 *                 contract in src/shim/client.h)
 * and a name is ROOT/names/NAME, a symlink to the ID: symlink(2) either
 * creates it or fails with EEXIST, so two `create --name x` at once
 * cannot both win.
 *
 * Nothing in the engine runs while a container runs: its state is what
 * the shim last wrote, so an exit that happened while no glass process
 * existed is read back from status.json. */
#ifndef GLASS_ENGINE_CTR_H
#define GLASS_ENGINE_CTR_H

#include "common.h"
#include "err.h"
#include "netvol.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

#define CTR_ID_LEN 64

/* docker run's options, parsed (cli-opts.c fills it from argv, the API
 * server from a create request's JSON). */
struct ctr_create_opts {
	const char *image;
	struct engine_pull_opts pull;
	struct glass_bundle_opts bundle; /* args, env, user, limits, security */
	const char *name;                /* NULL: a generated one */
	char **labels;                   /* K=V, NULL-terminated or NULL */
	bool tty, stdin_open, rm, init;
	const char *restart;     /* no|on-failure[:N]|always|unless-stopped or NULL */
	const char *stop_signal; /* NULL: SIGTERM (or the image's StopSignal) */
	int stop_timeout;        /* seconds; -1: 10 */
	int64_t log_max_size;    /* --log-opt max-size (0: unlimited) */
	int log_max_file;        /* --log-opt max-file (0: 1) */
	const char *cgroup_parent;
	char **security_opt; /* as given, recorded in HostConfig */
	/* networks and volumes (netvol.h), NULL: none; made between the bundle
	 * and the record (ctr-create.c's step "mounts and network") */
	struct engine_netvol *netvol;
};

/* A container's state, merged from its record and the shim's status. */
enum ctr_status {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_PAUSED,
	CTR_RESTARTING,
	CTR_EXITED,
	CTR_DEAD, /* its shim died: the exit is unknown */
};

struct ctr_state {
	enum ctr_status status;
	pid_t pid;      /* the container's pid 1 on the host, 0 when none */
	pid_t shim_pid; /* 0 when no shim runs */
	bool starting;  /* a shim runs but has written no status yet */
	int exit_code;  /* docker's: the code, or 128+N after signal N */
	bool oom_killed;
	int restart_count;
	char started_at[40]; /* RFC 3339 with nanoseconds, or "" */
	char finished_at[40];
	char error[512];
};

/* One container: its record (owned JSON) and live state. */
struct ctr {
	char id[CTR_ID_LEN + 1];
	char *dir;                  /* ROOT/containers/ID */
	char *name;                 /* without docker's leading '/' */
	struct json_object *record; /* record.json */
	struct ctr_state st;
	int lock_fd; /* -1 unless ctr_lock()ed */
};

void ctr_free(struct ctr *c);
#define cleanup_ctr __attribute__((cleanup(ctr_freep)))
void ctr_freep(struct ctr **c);

const char *ctr_status_name(enum ctr_status s); /* docker's: created running ... */

/* --- records: ctr-store.c --- */

/* Finds a container by full ID, unique ID prefix or name (docker's order:
 * an exact ID, then an exact name, then a prefix); ENOENT "No such
 * container: REF", or EINVAL when a prefix is ambiguous.  Loads its state. */
int ctr_find(const char *ref, struct ctr **out, struct glass_err **err);
/* Every container, newest first. */
/* Every container, newest first; what killed creates left is swept
 * first (ctr_sweep_debris), so a list never shows it. */
int ctr_list_all(struct ctr ***out, size_t *n, struct glass_err **err);
/* What engines killed mid-create left (issue 12 item 8): directories
 * without a record whose create lock is free (their snapshot, mount and
 * name), and names and locks of creates that never made a directory.  A
 * create that is still running holds its lock and is left alone.  Run by
 * create, ps (every list) and the prunes. */
void ctr_sweep_debris(void);
void ctr_list_free(struct ctr **list, size_t n);
/* Takes the container's lock for operation `op`.  Waits up to a few
 * seconds, then fails with EBUSY "container NAME is busy: OP (pid N)". */
int ctr_lock(struct ctr *c, const char *op, struct glass_err **err);
void ctr_unlock(struct ctr *c);
/* Re-reads the shim's status (after a change). */
int ctr_refresh(struct ctr *c, struct glass_err **err);
int ctr_record_save(struct ctr *c, struct glass_err **err);
/* The record's field at a dotted path ("HostConfig.AutoRemove"), or NULL. */
struct json_object *ctr_rec(const struct ctr *c, const char *path);
const char *ctr_rec_str(const struct ctr *c, const char *path);
struct json_object *ctr_json_at(struct json_object *o, const char *path);
/* "3 seconds", "About a minute", "2 hours": docker's human durations. */
char *ctr_human_since(const char *rfc3339);
int ctr_name_reserve(const char *name, const char *id, struct glass_err **err);
void ctr_name_release(const char *name, const char *id);
/* Every name that points to ID. */
void ctr_name_release_id(const char *id);
char *ctr_dir_of(const char *id);
char *ctr_runtime(struct glass_err **err); /* glass-runtime's path */

/* --- operations --- */

/* ctr-create.c: image, snapshot, bundle, record; *id gets the new ID. */
int ctr_create(const struct ctr_create_opts *o, char id[CTR_ID_LEN + 1], struct glass_err **err);

/* ctr-start.c: hands the container to a new glass-shim; returns once its
 * process runs.  Starting a running container is a no-op (as docker). */
int ctr_start(const char *ref, struct glass_err **err);
/* `foreground`: the caller waits for the exit and removes an --rm
 * container itself (run without -d), so the shim must not race it. */
int ctr_start_ex(const char *ref, bool foreground, struct glass_err **err);
/* "TERM", "SIGTERM", "15" -> 15; -1 when unknown. */
int ctr_parse_signal(const char *s);

/* ctr-stop.c */
struct ctr_stop_opts {
	int timeout; /* seconds before SIGKILL; -1: the container's StopTimeout */
	int signal;  /* 0: the container's StopSignal */
};
int ctr_stop(const char *ref, const struct ctr_stop_opts *o, struct glass_err **err);
int ctr_kill(const char *ref, int sig, struct glass_err **err);
int ctr_restart(const char *ref, const struct ctr_stop_opts *o, struct glass_err **err);
/* Waits for the final exit (no restart pending); *code is docker's. */
int ctr_wait(const char *ref, int *code, struct glass_err **err);
int ctr_pause(const char *ref, bool pause, struct glass_err **err);

/* ctr-rm.c: `force` stops a running container first (SIGKILL); a dead
 * shim's leftovers (runtime state, cgroup, mount) are cleared. */
int ctr_rm(const char *ref, bool force, struct glass_err **err);
int ctr_rename(const char *ref, const char *name, struct glass_err **err);
/* Removes every stopped container; their IDs into *ids (may be NULL). */
int ctr_prune(char ***ids, size_t *n, struct glass_err **err);

/* ctr-inspect.c: Docker's container JSON (owned by the caller). */
int ctr_inspect(const char *ref, struct json_object **out, struct glass_err **err);
/* A ps row's fields, for front-ends that print lists. */
struct json_object *ctr_summary(const struct ctr *c);

/* ctr-logs.c */
struct ctr_logs_opts {
	bool follow, timestamps, stdout_, stderr_;
	long tail;        /* -1: all */
	int64_t since_ns; /* 0: from the start */
	int64_t until_ns; /* 0: no end */
};
/* Called with each log line's text (including its newline), the stream
 * (1 stdout, 2 stderr) and its time as written; non-zero stops. */
typedef int (*ctr_log_fn)(void *data, int stream, const char *time, const char *text, size_t len);
int ctr_logs(const char *ref, const struct ctr_logs_opts *o, ctr_log_fn fn, void *data,
             struct glass_err **err);
/* Parses "10m", "1h30m", RFC 3339 or a unix time into nanoseconds since
 * the epoch (relative values back from now); -1 when malformed. */
int64_t ctr_parse_time(const char *s);

/* ctr-exec.c: glass-runtime exec in the container with the caller's
 * stdio; *code is the process's status (126/127 when it cannot run). */
struct ctr_exec_opts {
	char **argv;
	char **env;
	const char *workdir, *user;
	bool detach, tty, interactive;
};
int ctr_exec(const char *ref, const struct ctr_exec_opts *o, int *code, struct glass_err **err);

/* ctr-attach.c: connects to the shim's stream; *fd is the socket. */
int ctr_attach(const char *ref, bool in, bool out, bool errs, int *fd, bool *tty,
               struct glass_err **err);
int ctr_resize(const char *ref, unsigned short h, unsigned short w, struct glass_err **err);

/* ctr-proc.c: top (ps of the container's cgroup), stats, port. */
int ctr_top(const char *ref, const char *ps_args, char **out, struct glass_err **err);
int ctr_stats(const char *ref, struct json_object **out, struct glass_err **err);
int ctr_port(const char *ref, struct json_object **out, struct glass_err **err);

/* ctr-fs.c: diff of the upper dir, cp both ways. */
struct ctr_change {
	char kind; /* 'A' added, 'C' changed, 'D' deleted */
	char *path;
};
int ctr_diff(const char *ref, struct ctr_change **out, size_t *n, struct glass_err **err);
void ctr_diff_free(struct ctr_change *ch, size_t n);
/* Copies SRC in the container to DST on the host (to_host) or the other
 * way, with docker cp's rules for trailing "/" and "/.". */
int ctr_cp(const char *ref, const char *ctr_path, const char *host_path, bool to_host,
           struct glass_err **err);

#endif
