/* shim: the poll loop, the container's exit and the restart policy.
 *
 * The restart back-off is docker's: 100 ms before the first restart,
 * doubled before each next one up to a minute, back to 100 ms when the
 * container had run for 10 s or more. */
#include "event.h"
#include "shim.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   60000
#define BACKOFF_RESET_NS 10000000000ULL

enum slot { SLOT_SIG, SLOT_CTL, SLOT_OUT, SLOT_ERR, SLOT_OOM, SLOT_STDIN, SLOT_CLIENT };

struct slots {
	struct pollfd p[SHIM_MAX_CLIENTS + 8];
	enum slot kind[SHIM_MAX_CLIENTS + 8];
	int idx[SHIM_MAX_CLIENTS + 8];
	nfds_t n;
};

static void add(struct slots *sl, int fd, short events, enum slot kind, int idx)
{
	if (fd < 0)
		return;
	sl->p[sl->n] = (struct pollfd){.fd = fd, .events = events};
	sl->kind[sl->n] = kind;
	sl->idx[sl->n++] = idx;
}

static void build(struct shim *s, struct slots *sl)
{
	sl->n = 0;
	/* New connections first: an attach that waited in the backlog since
	 * before `start` is in place before any output or exit is handled. */
	add(sl, s->ctlfd, POLLIN, SLOT_CTL, 0);
	add(sl, s->sigfd, POLLIN, SLOT_SIG, 0);
	add(sl, s->out_fd, POLLIN, SLOT_OUT, 1);
	add(sl, s->err_fd, POLLIN, SLOT_ERR, 2);
	add(sl, s->oom.fd, POLLIN, SLOT_OOM, 0);
	if (s->inlen > 0)
		add(sl, s->o.tty ? s->pty_fd : s->in_fd, POLLOUT, SLOT_STDIN, 0);
	for (int i = 0; i < SHIM_MAX_CLIENTS; i++) {
		struct shim_client *c = &s->cl[i];
		bool input = c->kind == CLIENT_REQUEST || c->kind == CLIENT_WAIT ||
		             (c->kind == CLIENT_ATTACH && !c->in_done && s->inlen == 0);
		if (c->kind != CLIENT_FREE)
			add(sl, c->fd, input ? POLLIN : 0, SLOT_CLIENT, i);
	}
}

void shim_make_final(struct shim *s)
{
	s->final = true;
	s->restart_at_ns = 0;
	shim_set_status(s, "exited");
	shim_ctl_answer_waiters(s);
}

static bool should_restart(struct shim *s)
{
	if (s->stop_restarting)
		return false;
	switch (s->o.restart) {
	case RESTART_ON_FAILURE:
		return s->st.exit_code != 0 &&
		       (s->o.restart_max == 0 || s->st.restart_count < s->o.restart_max);
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return true;
	case RESTART_NO:
	default:
		return false;
	}
}

static void schedule_restart(struct shim *s)
{
	unsigned long long now = now_ns();
	if (s->backoff_ms == 0 || now - s->started_ns >= BACKOFF_RESET_NS)
		s->backoff_ms = BACKOFF_FIRST_MS;
	else if (s->backoff_ms < BACKOFF_MAX_MS)
		s->backoff_ms *= 2;
	if (s->backoff_ms > BACKOFF_MAX_MS)
		s->backoff_ms = BACKOFF_MAX_MS;
	s->restart_at_ns = now + s->backoff_ms * 1000000ULL;
	glass_trace_note("shim", NULL, "restart policy: restarting in %llu ms", s->backoff_ms);
	shim_set_status(s, "restarting");
}

static void restart(struct shim *s)
{
	struct glass_err *err = NULL;
	s->restart_at_ns = 0;
	s->st.restart_count++;
	if (shim_launch(s, &err) == 0)
		return;
	cleanup_free char *msg = glass_err_format(err);
	glass_err_free(&err);
	snprintf(s->st.error, sizeof(s->st.error), "restart: %s", msg);
	glass_time_rfc3339(s->st.finished_at, sizeof(s->st.finished_at), NULL);
	shim_make_final(s);
}

static void container_exited(struct shim *s, int status)
{
	s->running = false;
	shim_io_drain(s);
	if (WIFSIGNALED(status)) {
		s->st.signal = WTERMSIG(status);
		s->st.exit_code = 128 + s->st.signal;
	} else {
		s->st.signal = 0;
		s->st.exit_code = WEXITSTATUS(status);
	}
	shim_oom_check(s);
	glass_time_rfc3339(s->st.finished_at, sizeof(s->st.finished_at), NULL);
	glass_trace_note("shim", NULL, "pid %d %s %d", (int)s->st.pid,
	                 s->st.signal ? "was killed by signal" : "exited with status",
	                 s->st.signal ? s->st.signal : s->st.exit_code);
	if (s->o.events) {
		char code[16];
		snprintf(code, sizeof(code), "%d", s->st.exit_code);
		const char *attrs[] = {"exitCode", code, NULL};
		glass_event_write(AT_FDCWD, s->o.events, "container", "die", s->o.id, attrs);
	}
	shim_oom_close(s);
	shim_io_close(s);
	shim_ctl_end_attach(s);
	if (should_restart(s)) {
		shim_runtime_delete(s);
		schedule_restart(s);
		return;
	}
	/* The end is told first (status, waiters), the runtime's state goes
	 * after: whoever acts on the exit meanwhile (rm, a foreground run
	 * reading its status) finds a shim on its way out, which removal
	 * expects (ctr-rm.c). */
	shim_make_final(s);
	shim_runtime_delete(s);
}

/* SIGCHLD: reaps every child that ended -- pid 1, and the orphans of the
 * container that the kernel handed to this subreaper. */
static void reap(struct shim *s)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;
	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (s->running && pid == s->st.pid)
			container_exited(s, status);
}

static void handle(struct shim *s, const struct slots *sl, nfds_t i)
{
	struct shim_client *c = &s->cl[sl->idx[i]];
	switch (sl->kind[i]) {
	case SLOT_SIG:
		return reap(s);
	case SLOT_CTL:
		return shim_ctl_accept(s);
	case SLOT_OUT:
	case SLOT_ERR:
		/* the end of a stream: stop polling it (pid 1's exit comes by SIGCHLD) */
		if (shim_io_read(s, sl->idx[i]) < 0) {
			if (sl->kind[i] == SLOT_OUT && s->out_fd != s->pty_fd)
				close(s->out_fd);
			else if (sl->kind[i] == SLOT_ERR)
				close(s->err_fd);
			*(sl->kind[i] == SLOT_OUT ? &s->out_fd : &s->err_fd) = -1;
		}
		return;
	case SLOT_OOM:
		if (shim_oom_check(s))
			shim_set_status(s, s->st.status);
		return;
	case SLOT_STDIN:
		return shim_io_stdin_flush(s);
	case SLOT_CLIENT:
		if (c->kind == CLIENT_FREE || c->fd != sl->p[i].fd)
			return;
		/* POLLHUP alone: the peer closed both ways and nothing is left to read */
		if (sl->p[i].revents & POLLIN)
			return shim_ctl_readable(s, c);
		return shim_ctl_drop(s, c);
	default:
		return;
	}
}

/* An engine in the foreground (run --rm, start -a) holds STATE/rm.hold
 * shared from before the start until it has read the exit status: the
 * --rm removal waits for it, so the record it reads is still there, and
 * goes on at once when that engine is killed (the kernel drops its lock). */
static bool removal_held(struct shim *s)
{
	if (!s->o.rm)
		return false;
	cleanup_close int fd = openat(s->dirfd, "rm.hold", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0;
}

/* After the final exit, while the removal is held: status and wait are
 * still answered (every 2 ms the hold is tried again). */
static void serve_while_held(struct shim *s)
{
	struct slots sl;
	while (removal_held(s)) {
		build(s, &sl);
		int n = poll(sl.p, sl.n, 2);
		for (nfds_t i = 0; n > 0 && i < sl.n; i++)
			if (sl.p[i].revents && sl.kind[i] != SLOT_OUT && sl.kind[i] != SLOT_ERR)
				handle(s, &sl, i);
	}
}

void shim_loop(struct shim *s)
{
	struct slots sl;
	while (!s->final) {
		int timeout = -1;
		build(s, &sl);
		if (s->restart_at_ns) {
			unsigned long long now = now_ns();
			timeout = now >= s->restart_at_ns
			              ? 0
			              : (int)((s->restart_at_ns - now) / 1000000 + 1);
		}
		int n = poll(sl.p, sl.n, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (nfds_t i = 0; n > 0 && i < sl.n && !s->final; i++)
			if (sl.p[i].revents)
				handle(s, &sl, i);
		if (s->restart_at_ns && now_ns() >= s->restart_at_ns && !s->final)
			restart(s);
	}
	serve_while_held(s);
}
