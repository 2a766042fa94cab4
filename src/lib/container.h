/* container: the OCI lifecycle (create, start, run, exec, kill, delete,
 * state) as a linear script of named, traced steps.  The one API the
 * runtime verbs, the engine and the lab call.
 *
 * `root` is the runtime's state directory (--root, default
 * /run/glass-runtime); each container keeps BUNDLE-independent state in
 * ROOT/ID/ (state.h).  Every function returns 0 or -1 with *err set, and
 * on failure leaves no state directory, mount, cgroup or process behind
 * for a container it was creating.
 */
#ifndef GLASS_CONTAINER_H
#define GLASS_CONTAINER_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>
#include <sys/types.h>

struct glass_create_opts {
	const char *console_socket; /* --console-socket: send the pty master here */
	const char *pid_file;       /* --pid-file: write the init's host pid */
	int preserve_fds;           /* --preserve-fds N: fds 3..3+N-1 pass to the process */
	bool no_pivot;              /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool no_new_keyring;        /* --no-new-keyring */
	bool systemd_cgroup;        /* --systemd-cgroup */
	bool detach;                /* run -d */
	bool keep;                  /* run --keep: do not delete after exit */
	/* run in the foreground: 0/1/2 are the container's stdio unless a
	 * terminal is asked for, in which case the caller's terminal is relayed. */
};

/* Creates container `id` from `bundle` (containing config.json): validates
 * the config, makes the namespaces, cgroup, root filesystem and process
 * identity, and leaves the init waiting in `created` state for start.
 * On success *init_pid is its host pid. */
int glass_container_create(const char *root, const char *id, const char *bundle,
                           const struct glass_create_opts *opts, pid_t *init_pid,
                           struct glass_err **err);

/* Lets a created container's init execve its process (runs startContainer
 * hooks inside, poststart hooks here). */
int glass_container_start(const char *root, const char *id, struct glass_err **err);

/* create + start + wait (unless opts->detach) + delete.  *exit_code is the
 * process's exit status, or 128+N when killed by signal N (runc's rule). */
int glass_container_run(const char *root, const char *id, const char *bundle,
                        const struct glass_create_opts *opts, int *exit_code,
                        struct glass_err **err);

struct glass_exec_opts {
	const char *console_socket;
	const char *pid_file;
	int preserve_fds;
	bool detach;
	/* overrides applied on top of the process (from --process or the
	 * container's own process when NULL): */
	const char *cwd;
	char **env;                /* NULL-terminated K=V list to add */
	const char *user;          /* "uid[:gid]" */
	char **caps;               /* NULL-terminated CAP_* names to add */
	const char *apparmor;      /* --apparmor: the AppArmor profile */
	const char *process_label; /* --process-label: the SELinux label */
	bool tty;
	bool no_new_privs;
};

/* Runs `proc` in the running container `id`, joining all its namespaces
 * and its cgroup.  With opts->detach, returns once it runs (*pid set);
 * otherwise waits and sets *exit_code. */
int glass_container_exec(const char *root, const char *id, const struct glass_process *proc,
                         const struct glass_exec_opts *opts, pid_t *pid, int *exit_code,
                         struct glass_err **err);

/* Sends `sig` to the init (or, with `all`, to every process of the
 * container's cgroup).  A stopped container is an error "container not
 * running", as runc words it. */
int glass_container_kill(const char *root, const char *id, int sig, bool all,
                         struct glass_err **err);

/* The config.json the container was created with (a copy kept in
 * ROOT/ID/config.json, so exec and delete do not depend on the bundle). */
struct glass_spec *glass_container_load_config(const char *root, const char *id,
                                               struct glass_err **err);

/* Deletes a stopped container (with `force`, kills a running one first):
 * runs poststop hooks, removes the cgroup and the state directory. */
int glass_container_delete(const char *root, const char *id, bool force, struct glass_err **err);

#endif
