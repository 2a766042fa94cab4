/* container-internal: what the container*.c files share (not installed).
 *
 * The parent (glass-runtime) and the container's child talk over the sync
 * socket (sync.h).  The handshake of create, in order:
 *
 *                                           makes the cgroup, opens what
 *                                           joins it (cgroup.h), clone():
 *   child                                   parent
 *   (started in the cgroup2 cgroup by
 *    clone3; writes "0" to each v1
 *    `tasks`: moves itself in)
 *                    --- SYNC_JOINED -->    the cgroup has its process
 *   (user ns joined: setns, unshare,
 *    fork the init)  ---- SYNC_PID ---->    learns the init's pid
 *                                           writes uid/gid maps (and the
 *                                           init's pid to cgroup2 when
 *                                           clone3 could not place it)
 *                    <---- SYNC_GO -----    (payload: the init's host pid)
 *   cgroup/time ns, hostname, rootfs
 *                    ---- SYNC_HOOKS -->    prestart + createRuntime hooks
 *                    <-- SYNC_HOOKS_DONE
 *   createContainer hooks, pivot_root,
 *   process identity, seccomp, close fds
 *                    ---- SYNC_READY -->    writes state.json, --pid-file,
 *                                           sends the pty to --console-socket
 *                    <-- SYNC_ATTACH ---    'a': the parent keeps relaying
 *                                           (run), 'd': it leaves (create)
 *   blocks reading exec.fifo until `start` writes, startContainer hooks,
 *   execve
 *
 * exec uses SYNC_JOINED, SYNC_GO and SYNC_PID the same way (the joining
 * process forks the one that enters the PID namespace).  SYNC_JOINED comes
 * only when there is a v1 hierarchy to join.
 */
#ifndef GLASS_CONTAINER_INTERNAL_H
#define GLASS_CONTAINER_INTERNAL_H

#include "cgroup.h"
#include "container.h"
#include "ns.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"

#include <signal.h>

enum {
	SYNC_GO = GLASS_SYNC_USER,
	SYNC_PID,
	SYNC_HOOKS,
	SYNC_HOOKS_DONE,
	SYNC_READY,
	SYNC_ATTACH,
	SYNC_JOINED, /* child -> parent: it moved itself into its v1 cgroups */
};

/* Everything the container's child needs; lives in the parent's memory,
 * which the child has a copy of after clone(). */
struct child_args {
	const struct glass_spec *spec;
	const struct glass_process *proc;
	struct glass_ns_plan *plan;
	struct glass_state *st; /* id, bundle, annotations (pid set from SYNC_GO) */
	int sync_fd;            /* the child's end */
	int parent_fd;          /* the parent's end: closed in the child */
	const char *fifo_path;  /* ROOT/ID/exec.fifo */
	int fifo_fd;            /* the fifo, O_RDWR, opened by the parent */
	const char *rootfs;
	const char *console_path; /* pty slave path, or NULL */
	int console_fd;           /* pty slave, opened by the parent, or -1 */
	int master_fd;            /* pty master: closed in the child */
	int lock_fd;              /* the state dir's flock: closed in the child */
	int pty_sock;             /* exec --tty: send the pty master here, or -1 */
	struct glass_seccomp_prog *seccomp;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	pid_t init_pid;          /* exec: the container's init */
	bool exec;               /* exec instead of create */
	const int *idmapped_fds; /* see glass_rootfs_ctx */
	bool use_stub;           /* non-dumpable, exec through the stub */
	int stub_fd;             /* the sealed exec stub (execstub.h) */
	char **env;              /* child: process.env plus HOME, or NULL (proc's) */
	/* What the child joins its cgroup by, as its first step (NULL:
	 * nothing): see glass_cgroup_join in cgroup.h. */
	struct glass_cgroup_join *cgroup_join;
};

/* Parent side of the sync socket (container-sync.c).  Waits for a
 * message of type `want`, relaying trace events and step answers
 * meanwhile.  The child's ERROR message becomes *err (with the child's
 * frames) and -1; EOF becomes "container process exited during setup".
 * On success copies the payload into buf and its length into *len (either
 * may be NULL). */
int glass_container_sync_expect(int fd, uint32_t want, void *buf, size_t size, size_t *len,
                                struct glass_err **err);
/* Relays trace events and step answers until EOF (the child's end is
 * close-on-exec: EOF means it executed its process).  An ERROR message
 * becomes *err and -1; other messages are ignored. */
int glass_container_sync_drain(int fd, struct glass_err **err);

/* The parent's wait for the child's SYNC_JOINED, when it had v1
 * hierarchies to join (j->n). */
int glass_container_expect_joined(int sync_fd, const struct glass_cgroup_join *j,
                                  struct glass_err **err);
/* The child's first step: moves itself into its cgroup (j may be NULL)
 * and says so (SYNC_JOINED). */
int glass_child_join_cgroup(int sync_fd, struct glass_cgroup_join *j, struct glass_err **err);

/* The post-clone script of create (container-child.c).  Never returns to
 * the caller's code: returns the exit status for _exit(). */
int glass_container_child(void *arg);
/* The post-fork script of exec. */
int glass_container_exec_child(void *arg);

/* Reports an error to the parent over the sync socket (and to stderr
 * when the parent is gone), returns 1 for _exit(). */
int glass_child_fail(int sync_fd, struct glass_err **err);

/* Runs the process's final steps in a child: HOME, prepare, seccomp,
 * identity, no_new_privs, chdir, exec lookup.  Returns the path to
 * execve; sets c->env when HOME was added. */
char *glass_child_process_setup(struct child_args *c, struct glass_err **err);

/* Closes every fd except 0-2, the preserved ones (made inheritable), and
 * `keep1`/`keep2` (may be -1). */
int glass_child_close_fds(int preserve_fds, int keep1, int keep2, struct glass_err **err);

/* The child's last step: execve the process (`path` from
 * glass_child_process_setup).  Returns only on failure, after sending the
 * error over `fd`; the caller returns that status. */
int glass_child_exec(const struct child_args *c, const char *path, int fd);

/* The result of the create script, for run. */
struct glass_created {
	pid_t pid;
	int sync_fd;   /* parent's end, -1 once closed */
	int master_fd; /* pty master kept for run's relay, or -1 */
	int lock_fd;
};

/* create's script.  attached: the caller stays (run in the foreground):
 * the child keeps relaying trace events until execve and the pty master
 * is kept in out->master_fd unless a console socket is given. */
int glass_container_create_ex(const char *root, const char *id, const char *bundle,
                              const struct glass_create_opts *opts, bool attached,
                              struct glass_created *out, struct glass_err **err);

/* start's script on a locked container: writes to the exec fifo, which
 * lets the init go, waits until it execs (pumping `sync_fd` when >= 0),
 * runs poststart. */
int glass_container_start_locked(const char *root, const struct glass_state *st, int sync_fd,
                                 struct glass_err **err);

/* The foreground wait of run and exec: forwards signals to `pid`, relays
 * the pty master (or -1) to the caller's stdin/stdout, reaps, and returns
 * the exit code (128+N for signal N).  Signals must be blocked by the
 * caller (glass_container_block_signals) before the child was made. */
int glass_container_wait(pid_t pid, int master_fd, int *exit_code, struct glass_err **err);
void glass_container_block_signals(sigset_t *old);

/* The steps create and exec share once their process is set up: the
 * --pid-file (written atomically), and the pty master handed to the
 * --console-socket (closed here, *master set to -1). */
int glass_container_write_pid_file(const char *path, pid_t pid, struct glass_err **err);
int glass_container_send_console(const char *socket_path, int *master, const char *pty_path,
                                 struct glass_err **err);

/* Prints a warning (failed poststart/poststop hooks) on stderr. */
void glass_container_warn(const char *what, struct glass_err **err);

#endif
