/* state: the on-disk state of glass-runtime's containers.
 *
 * The kernel keeps no registry of "containers": a container is a process
 * (its init), some namespaces that live as long as a process or a bind
 * mount holds them, and a cgroup.  So the runtime writes down what it
 * made, in ROOT/ID/state.json (replaced atomically: written to a temp file,
 * fsync'd, renamed), and derives the status each time it is asked by
 * looking at the kernel: does the init's pid still exist, is it the same
 * process (its start time in /proc/PID/stat, field 22, guards against pid
 * reuse), is it a zombie nobody reaped, is the exec fifo still waiting
 * for `start`, is the cgroup frozen.  ROOT/ID/ is also the lock: every
 * command that changes a container holds flock(LOCK_EX) on the directory.
 */
#ifndef GLASS_STATE_H
#define GLASS_STATE_H

#include "err.h"

#include <stdbool.h>
#include <sys/types.h>

struct json_object;

enum glass_status {
	GLASS_STATUS_CREATING,
	GLASS_STATUS_CREATED,
	GLASS_STATUS_RUNNING,
	GLASS_STATUS_PAUSED,
	GLASS_STATUS_STOPPED,
};

struct glass_state {
	char *id;
	char *bundle;                  /* absolute */
	char *rootfs;                  /* absolute host path of the root filesystem */
	pid_t pid;                     /* the init's pid on the host, 0 when none */
	unsigned long long start_time; /* /proc/PID/stat field 22 of the init */
	char *created;                 /* RFC 3339 UTC */
	char *cgroup_path;             /* glass_cgroup_path(), or NULL */
	bool systemd_cgroup;
	char *owner;                     /* user name or uid of the creator */
	struct json_object *annotations; /* object, owned, or NULL */
	/* The cgroup directories (absolute host paths, NULL-terminated) this
	 * container made, or will make: the topmost one per hierarchy.
	 * delete removes only these.  NULL in a state written before glass
	 * recorded them (delete then removes the leaf as it always did). */
	char **cgroup_made;
	bool creating; /* create has not finished (or was killed midway) */
	/* Set by glass_state_recover(): state.json could not be read, and
	 * this state was pieced together from init.pid (the error says why). */
	char *corrupt;
};

/* The state directory of one container: ROOT/ID (malloc'd). */
char *glass_state_dir(const char *root, const char *id);

/* Checks an id as runc does: [A-Za-z0-9_+.-]+, not "." or "..", and up
 * front what runc finds only at mkdir: at most NAME_MAX (255) bytes, since
 * the id names the state directory and the default cgroup.  0 or -1 with
 * "invalid container ID format: ...". */
int glass_state_check_id(const char *id, struct glass_err **err);

/* Creates ROOT/ID exclusively and locks it; *lock_fd is the directory fd
 * holding flock(LOCK_EX).  An existing directory is the error
 * `container with id exists: ID`. */
int glass_state_create_dir(const char *root, const char *id, int *lock_fd, struct glass_err **err);

/* Opens and locks (LOCK_EX, or LOCK_SH with `shared`) ROOT/ID.  A missing
 * directory is the error `container "ID" does not exist` (errnum 0, so the
 * message reads as runc's; glass_state_is_missing() tells it apart). */
int glass_state_lock(const char *root, const char *id, bool shared, int *lock_fd,
                     struct glass_err **err);

/* Writes ROOT/ID/state.json atomically, and, once the init is known,
 * ROOT/ID/init.pid ("PID START_TIME"): a second record of the process,
 * small enough to survive what truncates or corrupts state.json. */
int glass_state_save(const char *root, const struct glass_state *st, struct glass_err **err);

/* Reads ROOT/ID/state.json into a new state.  Unknown id: the error
 * `container "ID" does not exist`. */
int glass_state_load(const char *root, const char *id, struct glass_state **out,
                     struct glass_err **err);

/* For a state.json that exists but cannot be parsed: a state holding the
 * id, the init from ROOT/ID/init.pid (pid 0 without one) and, in
 * st->corrupt, the parse error.  0, or -1 when the directory is gone. */
int glass_state_recover(const char *root, const char *id, struct glass_state **out,
                        struct glass_err **err);

/* glass_state_load() for the commands that must see every container,
 * whole or not (list, state, delete --force): a directory without
 * state.json (a create killed before its first record) is a `creating`
 * state with no pid; a corrupt state.json is glass_state_recover()'s. */
int glass_state_load_any(const char *root, const char *id, struct glass_state **out,
                         struct glass_err **err);

/* True when `err` is glass_state_load()'s "state.json is corrupt" error. */
bool glass_state_is_corrupt(const struct glass_err *err);

/* Parses the text of a state.json (`path` names it in the error; `id` is
 * the id when the record has none).  A text that is not a JSON object is
 * the error "PATH: corrupt (...)" (glass_state_is_corrupt()). */
int glass_state_parse(const char *text, size_t len, const char *path, const char *id,
                      struct glass_state **out, struct glass_err **err);

void glass_state_free(struct glass_state *st);

/* True when `err` is the "does not exist" error of lock/load. */
bool glass_state_is_missing(const struct glass_err *err);

/* Removes ROOT/ID and everything in it. */
int glass_state_remove(const char *root, const char *id, struct glass_err **err);

/* The start time of `pid` (field 22 of /proc/PID/stat) and its state
 * letter (R, S, Z, ...).  -1 when the process does not exist. */
int glass_state_proc_stat(pid_t pid, unsigned long long *start_time, char *state_letter);

/* Derives the status from the kernel: creating while create has not
 * finished (or when it was killed midway: the record says so); stopped when the init is gone, a
 * zombie, or another process with the same pid; created while the exec
 * fifo waits; paused when the cgroup is frozen; running otherwise. */
enum glass_status glass_state_status(const char *root, const struct glass_state *st);

const char *glass_status_name(enum glass_status s);

/* The state as the runtime spec defines it (state-schema.json): ociVersion,
 * id, status, pid (omitted when stopped), bundle, annotations.  Also used
 * as the hooks' stdin.  Returns a malloc'd JSON text (pretty when asked). */
char *glass_state_oci_json(const struct glass_state *st, enum glass_status status, bool pretty);

/* The ids of every container under root, sorted (malloc'd vector,
 * NULL-terminated; a missing root is an empty list).  A directory without
 * state.json (a create killed before its first record) is listed too. */
char **glass_state_list(const char *root, size_t *n, struct glass_err **err);
void glass_strv_free(char **v);

#endif
