/* client: the engine's side of glass-shim (docs/shim.md).
 *
 * The engine starts one shim per container and may exit at once: the shim
 * holds the container (its subreaper, its stdio, its log, its exit status)
 * in the state directory the engine chose.  Later engine commands find it
 * there again: status.json for what happened, ctl.sock for what to do.
 * These functions are the only place the engine touches that protocol.
 *
 * Every function returns 0 on success, -1 with *err set (err.h).
 */
#ifndef GLASS_SHIM_CLIENT_H
#define GLASS_SHIM_CLIENT_H

#include "err.h"
#include "wire.h"

#include <stdbool.h>
#include <sys/types.h>

struct glass_shim_opts {
	const char *id, *bundle, *state_dir, *runtime, *runtime_root;
	bool tty, stdin_open, rm, trace;
	long long log_max_size; /* bytes; 0: no rotation */
	int log_max_file;       /* files kept with rotation; 0: docker's default (1) */
	const char *restart;    /* no|on-failure[:N]|always|unless-stopped; NULL: no */
	const char *events;     /* the engine's event journal (event.h), or NULL */
	const char *shim;       /* path of glass-shim; NULL: beside this program */
};

/* Starts the shim for a created bundle and returns once the container's
 * process runs (*container_pid, its host pid) or the runtime failed (the
 * error carries the runtime's message; the shim then removed the runtime's
 * state and left status.json "exited" with the error).  With o->trace the
 * shim narrates the hand-off on this process's stderr. */
int glass_shim_start(const struct glass_shim_opts *o, pid_t *container_pid, struct glass_err **err);

/* Starts the shim as glass_shim_start() does, and attaches to the
 * container's streams (as glass_shim_attach(), *fd) before the container
 * starts, so that no output is missed (`run -a`, `run -it`, `start -a`):
 * the request waits in the control socket's queue while the runtime
 * creates, and the shim takes it before it reads any output.  On failure
 * no fd is returned. */
int glass_shim_start_attached(const struct glass_shim_opts *o, bool in, bool out, bool err_,
                              pid_t *container_pid, int *fd, struct glass_err **err);

/* Requests made with the start, connected while the runtime creates so
 * that they are queued before the container's process runs: an attach
 * (as glass_shim_start_attached) and a wait, whose reply
 * glass_shim_wait_reply() reads (the exit cannot be missed, even when the
 * container ends at once and the shim removes it, --rm).  The fds are the
 * caller's; -1 when not asked. */
struct glass_shim_early {
	bool attach, in, out, err_;
	bool wait;
	int attach_fd, wait_fd;
};
int glass_shim_start_early(const struct glass_shim_opts *o, struct glass_shim_early *e,
                           pid_t *container_pid, struct glass_err **err);
/* Reads the reply to a wait request sent on fd (blocks until the final
 * exit); a connection that ends first is EPIPE. */
int glass_shim_wait_reply(int fd, struct glass_shim_status *st, struct glass_err **err);

/* Reads status.json.  When it says created, running or restarting but the
 * shim is gone (shim.pid names no glass-shim), st->status is "dead" and
 * st->error "shim died (pid N)". */
int glass_shim_status(const char *state_dir, struct glass_shim_status *st, struct glass_err **err);

/* Sends signal `sig` to the container's pid 1. */
int glass_shim_signal(const char *state_dir, int sig, struct glass_err **err);

/* Sets the container's terminal size (TIOCSWINSZ on the pty master). */
int glass_shim_resize(const char *state_dir, unsigned short h, unsigned short w,
                      struct glass_err **err);

/* Blocks until the container has exited for good (no restart pending) and
 * fills *st with the final status; a shim that dies meanwhile reads "dead". */
int glass_shim_wait(const char *state_dir, struct glass_shim_status *st, struct glass_err **err);

/* Attaches to the container's streams: *fd is the connected socket, the
 * request sent.  Reading it gives the output (stdcopy frames without a
 * tty, raw bytes with one) until the container exits; what is written
 * goes to its stdin (with `in`, when the shim keeps stdin open), and
 * shutdown(SHUT_WR) closes the container's stdin.  The caller closes *fd. */
int glass_shim_attach(const char *state_dir, bool in, bool out, bool err_, int *fd,
                      struct glass_err **err);

/* A connection to STATE_DIR/ctl.sock (for a request of one's own). */
int glass_shim_connect(const char *state_dir, struct glass_err **err);

/* Writes the attach request line on a connected socket.  0, or -1/errno. */
int glass_shim_attach_request(int fd, bool in, bool out, bool err_);

/* The restart policy no longer restarts the container (before `stop`); a
 * pending restart is cancelled and the container's exit becomes final. */
int glass_shim_stop_restarting(const char *state_dir, struct glass_err **err);

#endif
