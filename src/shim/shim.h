/* shim: glass-shim, the process that holds one container (docs/shim.md).
 *
 * The runtime is not a daemon: `glass-runtime create` clones the
 * container's pid 1 and exits, `start` lets it run and exits.  Someone must
 * then be its parent (to reap it and read its exit status), hold the other
 * ends of its stdio, write its log, and answer the engine, which comes and
 * goes.  That is this process: a subreaper (prctl PR_SET_CHILD_SUBREAPER),
 * so the kernel re-parents the orphaned pid 1 to it when the runtime exits,
 * detached from the engine (fork, setsid, fork) so that killing the engine
 * or closing its terminal leaves the container running.
 *
 * One thread, one poll loop (shim-loop.c): SIGCHLD through a signalfd, the
 * container's stdout/stderr (or pty master), the control socket and its
 * clients, the OOM notification, and the restart timer.
 */
#ifndef GLASS_SHIM_H
#define GLASS_SHIM_H

#include "err.h"
#include "wire.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

enum shim_restart { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_UNLESS_STOPPED };

struct shim_opts {
	const char *id, *bundle, *state_dir, *runtime, *runtime_root, *argv0;
	const char *events; /* --events: the engine's event journal, or NULL */
	bool tty, stdin_open, rm, trace;
	long long log_max_size; /* 0: no rotation */
	int log_max_file;
	enum shim_restart restart;
	int restart_max; /* on-failure:N; 0: no limit */
};

enum shim_client_kind { CLIENT_FREE, CLIENT_REQUEST, CLIENT_ATTACH, CLIENT_WAIT };

struct shim_client {
	int fd;
	enum shim_client_kind kind;
	bool in, out, err; /* attach: the streams asked for */
	bool in_done;      /* attach: the client half-closed (or sends nothing) */
	size_t len;
	char line[1024]; /* the request line, read a byte at a time */
};

#define SHIM_MAX_CLIENTS 32
#define SHIM_STDIN_BUF   65536

struct shim_log {
	int fd;
	long long size;
	struct strbuf partial[3]; /* per stream (1, 2): a line not yet ended */
};

struct shim_oom {
	int fd;              /* v1: the eventfd; v2: an inotify fd on memory.events; -1 */
	char file[PATH_MAX]; /* memory.oom_control (v1) or memory.events (v2) */
	unsigned long long base;
};

struct shim {
	struct shim_opts o;
	int dirfd; /* STATE_DIR */
	struct glass_shim_status st;
	int sigfd, ctlfd;
	int out_fd, err_fd; /* the read ends of the container's stdout/stderr; tty: the master */
	int in_fd;          /* the container's stdin: pipe write end or the master; -1 */
	int pty_fd;         /* the pty master (tty), -1 */
	bool running;       /* pid 1 lives */
	bool final;         /* exited for good: the loop ends */
	bool stop_restarting;
	unsigned long long started_ns, restart_at_ns, backoff_ms;
	struct shim_log log;
	struct shim_oom oom;
	struct shim_client cl[SHIM_MAX_CLIENTS];
	size_t inlen;
	bool in_close; /* stdin closes once inbuf is written (the client half-closed) */
	char inbuf[SHIM_STDIN_BUF];
};

/* shim-main.c */
void shim_set_status(struct shim *s, const char *status);
void shim_now(char *buf, size_t size);

/* shim-launch.c: create + start through the runtime; delete --force. */
int shim_launch(struct shim *s, struct glass_err **err);
void shim_runtime_delete(struct shim *s);

/* shim-loop.c */
void shim_loop(struct shim *s);
void shim_make_final(struct shim *s);

/* shim-io.c: the container's output to the log and attach clients, stdin. */
int shim_log_open(struct shim *s, struct glass_err **err);
int shim_io_read(struct shim *s, int stream);
void shim_io_drain(struct shim *s);
void shim_io_stdin_flush(struct shim *s);
void shim_io_client_input(struct shim *s, struct shim_client *c);
void shim_io_close(struct shim *s);

/* shim-ctl.c: the control socket. */
int shim_ctl_listen(struct shim *s, struct glass_err **err);
void shim_ctl_accept(struct shim *s);
void shim_ctl_readable(struct shim *s, struct shim_client *c);
void shim_ctl_drop(struct shim *s, struct shim_client *c);
void shim_ctl_end_attach(struct shim *s);
void shim_ctl_answer_waiters(struct shim *s);
void shim_ctl_close(struct shim *s);
int shim_client_send(struct shim *s, struct shim_client *c, const void *buf, size_t len);

/* shim-oom.c: the kernel's OOM kills in the container's cgroup. */
void shim_oom_watch(struct shim *s, pid_t pid);
bool shim_oom_check(struct shim *s);
void shim_oom_close(struct shim *s);

#endif
