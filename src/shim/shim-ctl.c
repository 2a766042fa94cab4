/* shim: the control socket, STATE/ctl.sock (docs/shim.md, "Control socket").
 *
 * A connection opens with one request line; the one-shot requests get one
 * reply line and are closed; `attach` turns the connection into a stream
 * (shim-io.c) and `wait` holds it until the container is gone for good.
 * The request line is read a byte at a time so that what an attaching
 * client sends after it (the container's stdin) stays in the socket. */
#include "shim.h"
#include "console.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int shim_ctl_listen(struct shim *s, struct glass_err **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/ctl.sock", s->dirfd);
	unlinkat(s->dirfd, "ctl.sock", 0);
	s->ctlfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->ctlfd < 0 || bind(s->ctlfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->ctlfd, 16) < 0)
		return glass_err_new(err, errno, "listen on %s/ctl.sock", s->o.state_dir);
	return 0;
}

/* The end: the socket goes first, so a client that comes later reads
 * status.json instead of waiting on a shim that will not answer. */
void shim_ctl_close(struct shim *s)
{
	if (s->ctlfd >= 0) {
		unlinkat(s->dirfd, "ctl.sock", 0);
		close(s->ctlfd);
		s->ctlfd = -1;
	}
	for (int i = 0; i < SHIM_MAX_CLIENTS; i++)
		shim_ctl_drop(s, &s->cl[i]);
	unlinkat(s->dirfd, "shim.pid", 0);
}

/* Accepts every pending connection and reads its request at once: a
 * client that connected and asked to attach while the runtime was still
 * creating (glass_shim_start_attached) is attached before the shim reads
 * the container's first output. */
void shim_ctl_accept(struct shim *s)
{
	int fd;
	while ((fd = accept4(s->ctlfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct shim_client *c = NULL;
		for (int i = 0; i < SHIM_MAX_CLIENTS && !c; i++)
			if (s->cl[i].kind == CLIENT_FREE)
				c = &s->cl[i];
		if (!c) {
			static const char busy[] =
			    "{\"ok\":false,\"error\":\"glass-shim: too many clients\"}\n";
			(void)!write(fd, busy, sizeof(busy) - 1);
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->kind = CLIENT_REQUEST;
		shim_ctl_readable(s, c);
	}
}

void shim_ctl_drop(struct shim *s, struct shim_client *c)
{
	if (c->kind == CLIENT_FREE)
		return;
	close(c->fd);
	c->fd = -1;
	c->kind = CLIENT_FREE;
}

/* Writes all of buf to a client; one that does not take its bytes within
 * five seconds (or is gone) is dropped, so it cannot stall the container's
 * output.  0, or -1 when the client was dropped. */
int shim_client_send(struct shim *s, struct shim_client *c, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
			if (poll(&pfd, 1, 5000) > 0 && !(pfd.revents & (POLLERR | POLLHUP)))
				continue;
		}
		if (n < 0) {
			shim_ctl_drop(s, c);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void reply(struct shim *s, struct shim_client *c, const char *fmt, const char *arg)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), fmt, arg);
	shim_client_send(s, c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	shim_ctl_drop(s, c);
}

static void reply_error(struct shim *s, struct shim_client *c, const char *msg)
{
	struct strbuf b = STRBUF_INIT;
	glass_wire_json_escape(&b, msg, strlen(msg));
	reply(s, c, "{\"ok\":false,\"error\":\"%s\"}\n", b.buf ? b.buf : "");
	strbuf_release(&b);
}

static void reply_status(struct shim *s, struct shim_client *c)
{
	cleanup_free char *json = glass_wire_status_json(&s->st);
	reply(s, c, "%s\n", json);
}

void shim_ctl_answer_waiters(struct shim *s)
{
	for (int i = 0; i < SHIM_MAX_CLIENTS; i++)
		if (s->cl[i].kind == CLIENT_WAIT)
			reply_status(s, &s->cl[i]);
}

/* The container's pid 1 exited: attached streams end (docker's attach
 * ends with the container). */
void shim_ctl_end_attach(struct shim *s)
{
	for (int i = 0; i < SHIM_MAX_CLIENTS; i++)
		if (s->cl[i].kind == CLIENT_ATTACH)
			shim_ctl_drop(s, &s->cl[i]);
}

static void op_signal(struct shim *s, struct shim_client *c, const struct glass_wire_req *r)
{
	char msg[128];
	if (r->signal <= 0 || r->signal >= 65)
		return reply_error(s, c, "signal: not a signal number");
	if (!s->running) {
		snprintf(msg, sizeof(msg), "container %s is not running", s->o.id);
		return reply_error(s, c, msg);
	}
	glass_trace_note("shim", NULL, "kill(%d, %lld)", (int)s->st.pid, r->signal);
	if (kill(s->st.pid, (int)r->signal) < 0) {
		snprintf(msg, sizeof(msg), "kill(%d, %lld): %s", (int)s->st.pid, r->signal,
		         strerror(errno));
		return reply_error(s, c, msg);
	}
	reply(s, c, "%s\n", "{\"ok\":true}");
}

static void op_resize(struct shim *s, struct shim_client *c, const struct glass_wire_req *r)
{
	struct glass_err *err = NULL;
	if (s->pty_fd < 0)
		return reply_error(s, c,
		                   s->o.tty ? "the container is not running"
		                            : "the container has no terminal (--tty)");
	if (r->height <= 0 || r->width <= 0 || r->height > 65535 || r->width > 65535)
		return reply_error(s, c, "resize: height and width must be 1-65535");
	if (glass_console_set_size(s->pty_fd, (unsigned)r->height, (unsigned)r->width, &err) < 0) {
		cleanup_free char *msg = glass_err_format(err);
		glass_err_free(&err);
		return reply_error(s, c, msg);
	}
	reply(s, c, "%s\n", "{\"ok\":true}");
}

static void op_attach(struct shim *s, struct shim_client *c, const struct glass_wire_req *r)
{
	/* docker's attach --logs replays the log first; here the log is
	 * container.log, which the engine reads itself */
	if (r->logs)
		return reply_error(s, c, "attach: \"logs\" is not served; read container.log");
	if (!s->running) {
		shim_ctl_drop(s, c);
		return;
	}
	c->kind = CLIENT_ATTACH;
	c->in = r->in;
	c->out = r->out;
	c->err = r->err;
	c->in_done = false;
}

static void op_exec(struct shim *s, struct shim_client *c, const struct glass_wire_req *r)
{
	char why[512] = "", ok[64];
	pid_t pid;
	if (shim_exec(s, r->file, &pid, why, sizeof(why)) < 0)
		return reply_error(s, c, why);
	snprintf(ok, sizeof(ok), "{\"ok\":true,\"pid\":%d}", (int)pid);
	reply(s, c, "%s\n", ok);
}

static void dispatch(struct shim *s, struct shim_client *c, const char *line)
{
	struct glass_wire_req r;
	char why[128], msg[200];
	if (glass_wire_req_parse(line, &r, why, sizeof(why)) < 0) {
		snprintf(msg, sizeof(msg), "bad request: %s", why);
		return reply_error(s, c, msg);
	}
	if (!strcmp(r.op, "attach"))
		return op_attach(s, c, &r);
	if (!strcmp(r.op, "signal"))
		return op_signal(s, c, &r);
	if (!strcmp(r.op, "resize"))
		return op_resize(s, c, &r);
	if (!strcmp(r.op, "status"))
		return reply_status(s, c);
	if (!strcmp(r.op, "wait")) {
		if (s->final)
			return reply_status(s, c);
		c->kind = CLIENT_WAIT;
		return;
	}
	if (!strcmp(r.op, "exec"))
		return op_exec(s, c, &r);
	if (!strcmp(r.op, "stop-restarting")) {
		s->stop_restarting = true;
		if (!s->running && !s->final)
			shim_make_final(s);
		return reply(s, c, "%s\n", "{\"ok\":true}");
	}
	snprintf(msg, sizeof(msg), "unknown op \"%s\"", r.op);
	reply_error(s, c, msg);
}

void shim_ctl_readable(struct shim *s, struct shim_client *c)
{
	if (c->kind == CLIENT_ATTACH)
		return shim_io_client_input(s, c);
	if (c->kind == CLIENT_WAIT) {
		char b;
		if (recv(c->fd, &b, 1, MSG_DONTWAIT) == 0)
			shim_ctl_drop(s, c); /* the waiter went away */
		return;
	}
	for (;;) {
		ssize_t n = read(c->fd, c->line + c->len, 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || c->len + 1 >= sizeof(c->line))
			return shim_ctl_drop(s, c);
		if (c->line[c->len] == '\n') {
			c->line[c->len] = '\0';
			return dispatch(s, c, c->line);
		}
		c->len++;
	}
}
