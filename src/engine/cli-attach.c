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

#include <signal.h>
#include <stdio.h>
#include <string.h>
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

/* The output child, from the log: exits when the container has. */
static void output_from_log(const struct cli_session *s)
{
	struct ctr_logs_opts lo = {
	    .follow = true, .stdout_ = true, .stderr_ = true, .tail = -1, .since_ns = s->since_ns};
	struct glass_err *err = NULL;
	if (ctr_logs(s->id, &lo, write_out, NULL, &err) < 0) {
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

static pid_t spawn_output(const struct cli_session *s, int fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_IGN); /* the parent forwards it; we read to the end */
		if (fd >= 0)
			output_from_stream(fd, s->tty);
		output_from_log(s);
	}
	return pid;
}

static pid_t spawn_input(int fd, bool tty)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		input_pump(fd, tty);
	}
	return pid;
}

/* Waits for the output child, forwarding signals; true when detached. */
static bool wait_children(const struct cli_session *s, pid_t out, pid_t in)
{
	for (;;) {
		int st;
		if (pending_sig && s->proxy_signals)
			ctr_kill(s->id, pending_sig, NULL);
		pending_sig = 0;
		if (winch && s->tty)
			resize(s->id);
		winch = 0;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0 || p == out)
			return false;
		if (p == in && WIFEXITED(st) && WEXITSTATUS(st) == DETACHED)
			return true;
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
	int in_fd = -1, out_fd = -1;
	bool tty;
	if (s->in && ctr_attach(s->id, true, false, false, &in_fd, &tty, err) < 0)
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
	pid_t out = spawn_output(s, out_fd);
	pid_t in = in_fd >= 0 ? spawn_input(in_fd, s->tty) : -1;
	bool detached = wait_children(s, out, in);
	if (in > 0) {
		kill(in, SIGKILL);
		waitpid(in, NULL, 0);
	}
	if (detached) {
		kill(out, SIGKILL);
		waitpid(out, NULL, 0);
	}
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
