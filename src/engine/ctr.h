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
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

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
	bool no_pull;            /* a missing image is ENOENT, not pulled (the API's create) */
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
	bool publish_all;    /* -P: every ExposedPorts on a port picked at start */
	char **volumes_from; /* NAME[:ro|rw], NULL-terminated or NULL */
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

/* A file of a container's directory as ctr-cache read it: the open fd
 * that keeps its inode (and inode number) alive, and its stat. */
struct ctr_pin {
	int fd; /* -1 when none */
	struct stat st;
};

/* One container: its record (owned JSON) and live state. */
struct ctr {
	char id[CTR_ID_LEN + 1];
	char *dir;                  /* ROOT/containers/ID */
	char *name;                 /* without docker's leading '/' */
	struct json_object *record; /* record.json */
	struct ctr_pin record_pin;  /* the record.json it was parsed from, when `cached` */
	bool cached;                /* listed through ctr-cache: the record goes back to it */
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
/* --- ctr-cache.c: what glass serve keeps between two lists --- */

/* From now on this process keeps parsed records and pidfds of shims
 * (glass serve); every use checks them against the files (ctr-cache.c). */
void ctr_cache_enable(void);
bool ctr_cache_on(void);
/* The parsed record of `id` when DFD/record.json is still the file it
 * was parsed from, taken out of the cache (the caller owns it; *pin gets
 * that file's stat, fd -1), else NULL. */
struct json_object *ctr_cache_take_record(const char *id, int dfd, struct ctr_pin *pin);
/* DFD/NAME's bytes, read through a new fd left open in *pin (with the
 * file's stat) to be handed to the cache; NULL with errno. */
char *ctr_cache_read_pinned(int dfd, const char *name, struct ctr_pin *pin);
/* Hands a record back with the pin it came with (both become the cache's,
 * or are freed). */
void ctr_cache_give_record(const char *id, struct json_object *rec, struct ctr_pin *pin);
struct glass_shim_status;
/* DFD/status.json parsed and the pid in DFD/shim.pid (0 when none), each
 * read again only when its name holds another file than the one the cache
 * pins; -1 when it cannot tell (no cache, no status, no fd left). */
int ctr_cache_status(const char *id, int dfd, struct glass_shim_status *ss, pid_t *pid);
/* 1 when `pid` is the live glass-shim the cache pins for `id`, 0 when it
 * is no live shim, -1 when it cannot tell (no cache, no fd left). */
int ctr_cache_shim_alive(const char *id, pid_t pid);
/* 1 when the container's cgroup is frozen, 0 when not, -1 when it cannot
 * tell (no cache, no such cgroup). */
int ctr_cache_frozen(const char *id, const char *cgroup);
/* The cache keeps a record.json of `id` read by the last list (its
 * directory is no half-made container's). */
bool ctr_cache_has_record(const char *id);
/* The text of `id`'s row in a list (glass serve's), kept with the record
 * it was made of: a copy when `st` is still the file the cache pins and
 * `key` (what else the row shows) is the same, else NULL. */
char *ctr_cache_row(const char *id, const struct stat *st, const char *key);
/* Keeps `text` (copied) as that row, when `st` is the pinned file. */
void ctr_cache_keep_row(const char *id, const struct stat *st, const char *key, const char *text);
/* Forgets every container but these. */
void ctr_cache_sweep(char *const *ids, size_t n);

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
/* The event journal (event.h): ROOT/events.log, absolute; and an event of
 * a container (its image and name as attributes, plus key=value when key
 * is not NULL). */
char *ctr_events_path(void);
void ctr_event(const struct ctr *c, const char *action, const char *key, const char *value);
void ctr_event_of(const char *id, const char *name, const char *image, const char *action,
                  const char *key, const char *value);

/* --- operations --- */

/* ctr-create.c: image, snapshot, bundle, record; *id gets the new ID. */
int ctr_create(const struct ctr_create_opts *o, char id[CTR_ID_LEN + 1], struct glass_err **err);
/* The same, the create's lock (ROOT/creating/ID) still held in *hold on
 * success, so that `container prune` leaves the new container alone until
 * ctr_create_release() (run: once it started). */
int ctr_create_held(const struct ctr_create_opts *o, char id[CTR_ID_LEN + 1], int *hold,
                    struct glass_err **err);
void ctr_create_release(const char *id, int hold);
/* True while a create (or a run not yet started) holds ID's lock. */
bool ctr_being_created(const char *id);

/* ctr-start.c: hands the container to a new glass-shim; returns once its
 * process runs.  Starting a running container is a no-op (as docker).  An
 * --rm container is removed by its shim once it is gone for good: the one
 * place that removes it, even when no engine is left. */
int ctr_start(const char *ref, struct glass_err **err);
/* Start with the shim's streams and exit held from before the process
 * runs (the API server: a client attached and waiting before it started
 * the container must see all its output and its exit, even when it ends
 * at once and is removed, --rm).  The fds are the caller's. */
struct ctr_start_hold {
	bool attach, in, out, errs; /* an attach stream: attach_fd */
	bool wait;                  /* a wait: wait_fd, read with glass_shim_wait_reply() */
	int attach_fd, wait_fd;     /* -1 when not asked, or already running */
	bool tty;                   /* the container has a tty (raw stream) */
	bool started;               /* false: it was running already */
};
int ctr_start_held(const char *ref, struct ctr_start_hold *h, struct glass_err **err);
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
 * shim's leftovers (runtime state, cgroup, mount) are cleared.  `volumes`
 * (rm -v): its anonymous volumes go too (named ones stay, as docker's). */
int ctr_rm(const char *ref, bool force, bool volumes, struct glass_err **err);
int ctr_rename(const char *ref, const char *name, struct glass_err **err);
/* A foreground session of an --rm container (run without -d, start -a):
 * holds the shim's removal (STATE/rm.hold, flock shared, taken before the
 * start) so that the exit status can be read; returns the fd.  Release
 * lets the shim remove the container and waits until it did (its shim's
 * exit, through a pidfd); a container its shim could not remove (the shim
 * was killed) is removed here.  A killed engine drops the hold: the shim
 * goes on alone. */
int ctr_rm_hold(const char *id, struct glass_err **err);
void ctr_rm_hold_release(const char *id, int fd);
/* The shim of the container in `dir`, pinned by a pidfd, or -1 when none
 * lives (a recycled pid is not taken for it: the pid's comm must be
 * glass-shim once the pidfd holds it). */
int ctr_shim_pidfd(const char *dir);
/* Removes every stopped container; their IDs into *ids (may be NULL). */
int ctr_prune(char ***ids, size_t *n, struct glass_err **err);

/* ctr-net.c: the network of each run (see there). */
/* Records what create was asked (HostConfig's NetworkMode, PortBindings,
 * PublishAllPorts, Dns, DnsSearch, ExtraHosts into `host`;
 * NetworkingConfig into `rec`). */
void ctr_net_record_json(struct json_object *rec, struct json_object *host,
                         const struct engine_netvol *nv, bool publish_all);
/* start, the container locked and not running: attaches this run's
 * network (*attached: a network the shim must release after). */
int ctr_net_up(struct ctr *c, bool *attached, struct glass_err **err);
/* The run ended: detaches its network unless the container was started
 * again meanwhile.  A container removed meanwhile is no error. */
int ctr_net_down_if_stopped(const char *id, struct glass_err **err);
/* `container cleanup ID`: what a stopped container holds is released. */
int ctr_cleanup(const char *ref, struct glass_err **err);
/* Docker's NetworkSettings of the current run (SandboxKey, Ports,
 * IPAddress, Networks with each endpoint's addresses, gateway and MAC);
 * empty ones when the container holds no network. */
struct json_object *ctr_net_settings(const struct ctr *c);
/* ps's PORTS: "0.0.0.0:8080->80/tcp, ..." of the current run, or "". */
char *ctr_net_ports_text(const struct ctr *c);
/* `network connect|disconnect NET REF`: remembered for the next runs,
 * and done now when it runs. */
int ctr_net_connect(const char *net, const char *ref, bool connect, char *const *aliases,
                    struct glass_err **err);

/* ctr-inspect.c: Docker's container JSON (owned by the caller). */
int ctr_inspect(const char *ref, struct json_object **out, struct glass_err **err);
/* docker ps's filter "KEY=VALUE" (id, name, status, label, exited,
 * ancestor): does the container match?  An unknown KEY matches nothing. */
bool ctr_filter_match(const struct ctr *c, const char *filter);
/* A ps row's fields, for front-ends that print lists. */
struct json_object *ctr_summary(const struct ctr *c);
/* "Up 3 minutes", "Exited (0) 2 seconds ago": docker ps's STATUS. */
char *ctr_status_text(const struct ctr *c);

/* ctr-logs.c */
struct ctr_logs_opts {
	bool follow, timestamps, stdout_, stderr_;
	long tail;        /* -1: all */
	int64_t since_ns; /* 0: from the start */
	int64_t until_ns; /* 0: no end */
	/* Called once every line is delivered, before ctr_logs lets go of
	 * what it holds: a follower's inotify instance takes an SRCU grace
	 * period (~15 ms here) to close, which a caller may not want to wait
	 * for (run's output child: its parent goes on at this call). */
	void (*ended)(void *data);
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
	bool privileged; /* every capability (docker's exec --privileged) */
};
int ctr_exec(const char *ref, const struct ctr_exec_opts *o, int *code, struct glass_err **err);
/* The same with the caller's fds as the process's stdin, stdout, stderr
 * (-1: /dev/null), returning once it is spawned; with o->tty the runtime
 * hands over the pty master (*p->master, the caller relays it and may
 * resize it) and fds 1 and 2 are not used.  ctr_exec_finish() reaps it:
 * *code as ctr_exec's. */
struct ctr_exec_proc {
	pid_t pid; /* the runtime's exec */
	int master;
	char *process; /* exec --privileged's process file, removed when reaped */
};
int ctr_exec_spawn(const char *ref, const struct ctr_exec_opts *o, const int fds[3],
                   struct ctr_exec_proc *p, struct glass_err **err);
int ctr_exec_finish(struct ctr_exec_proc *p, int *code);

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
 * way, with docker cp's rules for trailing "/" and "/." (ctr-cp.c); a
 * host_path "-" is a tar stream on stdout or stdin; follow: a symlink as
 * SRC is copied as what it points to. */
int ctr_cp(const char *ref, const char *ctr_path, const char *host_path, bool to_host, bool follow,
           struct glass_err **err);

/* docker cp through the API: a path's entry (not followed when it is a
 * symlink; ctr-cp.c), the tar stream of a path (a pipe's read end *fd,
 * written by the child *pid, which the caller reaps) and the extraction
 * of a tar stream into an existing directory (ctr-archive.c: both in a
 * child chrooted into the container's rootfs, so no symlink of the
 * container leads onto the host). */
struct ctr_path_stat {
	char name[256];
	int64_t size;
	mode_t mode;
	struct timespec mtime;
	char link[4096];
};
int ctr_path_stat(const char *ref, const char *path, struct ctr_path_stat *st,
                  struct glass_err **err);
int ctr_archive_get(const char *ref, const char *path, int *fd, pid_t *pid, struct glass_err **err);
int ctr_archive_put(const char *ref, const char *path, int in, struct glass_err **err);
/* The operations under both, on any root: the rootfs of a container or a
 * host's directory (an O_PATH fd), which the child chroots into.
 * ctr_tar_start: the tar of `path` in `root` (symlinks as symlinks, but
 * `path` itself followed with `follow`; a "/." path: the directory's
 * contents) written to `out` by the child *pid; ctr_tar_wait reaps it.
 * ctr_untar: `in` extracted into the directory `dir` in `root`, the top
 * entry `from` and what is under it renamed `to` (docker cp's rebase; no
 * renaming when `from` is NULL); directories that exist keep their owner,
 * mode and times. */
/* "/a/b" -> "/a" and "b"; "/a/b/." -> "/a/b" and "." (its contents), as
 * "/" -> "/" and ".". */
void ctr_path_split(const char *path, char **dir, char **member);
int ctr_tar_start(int root, const char *path, bool follow, int out, pid_t *pid,
                  struct glass_err **err);
int ctr_tar_wait(pid_t pid, const char *path, struct glass_err **err);
int ctr_untar(int root, const char *dir, int in, const char *from, const char *to,
              struct glass_err **err);

#endif
