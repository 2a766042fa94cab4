/* cli-attach: a terminal session with a running container, for
 * `run` (without -d), `start -a` and `attach`.
 *
 * Three processes: this one waits and proxies signals (SIGINT, SIGTERM,
 * ... to the container, as docker's --sig-proxy); a child copies the
 * output to our stdout/stderr; another copies our stdin to the shim's
 * attach socket and watches for the detach keys ctrl-p ctrl-q.  The output
 * comes from the log for run and start (the log has every byte from the
 * first one, so a process that writes and exits before we could connect
 * loses nothing) and from the attach stream for `attach` (docker's: what
 * is written from now on). */
#include "cli.h"
#include "console.h"
#include "util.h"
#include "wire.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#define DETACHED 3 /* the stdin child's status after ctrl-p ctrl-q */

static volatile sig_atomic_t pending_sig, winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		winch = 1;
	else
		pending_sig = sig;
}

static int write_out(void *data, int stream, const char *time, const char *text, size_t len)
{
	(void)data;
	(void)time;
	return write_all(stream == 2 ? 2 : 1, text, len) < 0;
}

/* The output is complete: the parent goes on now, without waiting for
 * this child's exit (its inotify instance takes ~15 ms to close). */
static void output_ended(void *data)
{
	int done = *(int *)data;
	close(1);
	close(2);
	close(done);
}

/* The output child, from the log: exits when the container has. */
static void output_from_log(const struct cli_session *s, int done)
{
	struct ctr_logs_opts lo = {.follow = true,
	                           .stdout_ = true,
	                           .stderr_ = true,
	                           .tail = -1,
	                           .since_ns = s->since_ns,
	                           .ended = output_ended};
	struct glass_err *err = NULL;
	if (ctr_logs(s->id, &lo, write_out, &done, &err) < 0) {
		glass_err_report("glass", err, -1, 0);
		_exit(1);
	}
	_exit(0);
}

/* The output child, from the attach stream (stdcopy frames, or raw with
 * a tty). */
static void output_from_stream(int fd, bool tty)
{
	unsigned char hdr[8];
	char buf[65536];
	for (;;) {
		uint32_t len = sizeof(buf);
		int stream = 1;
		if (!tty) {
			ssize_t n = recv(fd, hdr, sizeof(hdr), MSG_WAITALL);
			if (n != (ssize_t)sizeof(hdr) ||
			    (stream = glass_wire_stdcopy_parse(hdr, &len)) < 0)
				_exit(0);
		}
		while (len > 0) {
			ssize_t n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));
			if (n <= 0)
				_exit(0);
			write_all(stream == 2 ? 2 : 1, buf, (size_t)n);
			len = tty ? sizeof(buf) : len - (uint32_t)n;
		}
	}
}

/* The stdin child: copies until EOF (then half-closes, so the container
 * sees its stdin end) or the detach keys. */
static void input_pump(int fd, bool tty)
{
	char buf[4096];
	bool ctrl_p = false;
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			shutdown(fd, SHUT_WR);
			pause(); /* the parent ends us when the container has exited */
			_exit(0);
		}
		for (ssize_t i = 0; tty && i < n; i++) {
			if (ctrl_p && buf[i] == 0x11)
				_exit(DETACHED);
			ctrl_p = buf[i] == 0x10;
		}
		if (write_all(fd, buf, (size_t)n) < 0)
			_exit(0);
	}
}

static void resize(const char *id)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		ctr_resize(id, ws.ws_row, ws.ws_col, NULL);
}

/* A child of the session, and a pipe whose read end (*done) reaches
 * end-of-file when the child closes its end: at its exit, or earlier. */
struct child {
	pid_t pid;
	int done;
};

/* In a child: closes every descriptor above stderr but `a` and `b` (-1:
 * none).  Not only tidiness: a lock the session holds (run --rm's
 * rm.hold, an flock shared with the child through the fork) would stay
 * held until the child's exit, and the shim waits for its release. */
static void keep_only(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a, from = 3;
	if (lo >= from) {
		if (lo > from)
			close_range((unsigned)from, (unsigned)lo - 1, 0);
		from = lo + 1;
	}
	if (hi >= from) {
		if (hi > from)
			close_range((unsigned)from, (unsigned)hi - 1, 0);
		from = hi + 1;
	}
	close_range((unsigned)from, ~0U, 0);
}

static struct child spawn(const struct cli_session *s, int fd, bool output)
{
	int p[2];
	struct child c = {-1, -1};
	if (pipe2(p, O_CLOEXEC) < 0)
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		keep_only(fd, p[1]);
		signal(SIGINT, SIG_IGN); /* the parent forwards it; we read to the end */
		if (!output)
			input_pump(fd, s->tty);
		if (fd >= 0)
			output_from_stream(fd, s->tty);
		output_from_log(s, p[1]);
	}
	close(p[1]);
	c.done = p[0];
	if (c.pid < 0) {
		close(c.done);
		c.done = -1;
	}
	return c;
}

/* Waits until the output is complete, forwarding signals; true when
 * detached (the input child exited with DETACHED). */
static bool wait_children(const struct cli_session *s, struct child *out, struct child *in)
{
	for (;;) {
		if (pending_sig && s->proxy_signals)
			ctr_kill(s->id, pending_sig, NULL);
		pending_sig = 0;
		if (winch && s->tty)
			resize(s->id);
		winch = 0;
		struct pollfd p[2] = {{.fd = out->done, .events = POLLIN},
		                      {.fd = in->done, .events = POLLIN}};
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[0].revents)
			return false;
		if (p[1].revents) {
			int st = 0;
			close(in->done);
			in->done = -1;
			if (waitpid(in->pid, &st, 0) == in->pid)
				in->pid = -1;
			if (WIFEXITED(st) && WEXITSTATUS(st) == DETACHED)
				return true;
		}
	}
}

/* Handlers, not a blocked mask: a mask would be inherited by the shim
 * and the container started meanwhile, a handler is reset by execve. */
void cli_catch_signals(void)
{
	/* SA_RESTART: the start's own waits and reads go on */
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int cli_session_run(const struct cli_session *s, int *code, struct glass_err **err)
{
	struct termios saved;
	bool raw = s->tty && s->in && isatty(0) && glass_console_raw(0, &saved);
	int in_fd = s->in_attached ? s->in_fd : -1, out_fd = -1;
	bool tty;
	if (s->in && !s->in_attached &&
	    ctr_attach(s->id, true, false, false, &in_fd, &tty, err) < 0)
		goto fail;
	if (s->from_stream && ctr_attach(s->id, false, true, true, &out_fd, &tty, err) < 0)
		goto fail;
	/* a signal caught while the container started (cli_catch_signals) is
	 * in pending_sig already, and forwarded first */
	struct sigaction sa = {.sa_handler = on_signal}, old[5];
	const int sigs[5] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH};
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (s->tty && isatty(0))
		resize(s->id);
	struct child out = spawn(s, out_fd, true), in = {-1, -1};
	if (in_fd >= 0)
		in = spawn(s, in_fd, false);
	bool detached = out.pid > 0 && wait_children(s, &out, &in);
	if (in.pid > 0) {
		kill(in.pid, SIGKILL);
		waitpid(in.pid, NULL, 0);
	}
	/* the output child, done, may still be closing what it held: it is
	 * left to end on its own (and to init, should this process end
	 * first), unless it is still reading */
	if (detached) {
		kill(out.pid, SIGKILL);
		waitpid(out.pid, NULL, 0);
	}
	for (int i = 0; i < 2; i++)
		if ((i ? in.done : out.done) >= 0)
			close(i ? in.done : out.done);
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (raw)
		glass_console_restore(0, &saved);
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (detached) {
		fprintf(stderr, "\r\nread escape sequence\r\n");
		*code = 0;
		return 1;
	}
	return ctr_wait(s->id, code, err);
fail:
	if (raw)
		glass_console_restore(0, &saved);
	if (in_fd >= 0)
		close(in_fd);
	return -1;
}
