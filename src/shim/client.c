/* client: see client.h. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Through /proc/self/fd/N of the directory: a sun_path holds 108 bytes, a
 * state directory may be longer. */
int glass_shim_connect(const char *state_dir, struct glass_err **err)
{
	cleanup_close int dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", state_dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/ctl.sock", dfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return glass_err_new(err, errno, "socket(AF_UNIX)");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return glass_err_new(err, e, "connect(\"%s/ctl.sock\")", state_dir);
	}
	return fd;
}

/* Reads one reply line (without its '\n') into buf.  0, or -1 when the
 * connection ended first. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

/* Sends one request line and reads the reply line. */
static int request(const char *state_dir, const char *req, char *reply, size_t size,
                   struct glass_err **err)
{
	cleanup_close int fd = glass_shim_connect(state_dir, err);
	if (fd < 0)
		return -1;
	if (write_all(fd, req, strlen(req)) < 0 || write_all(fd, "\n", 1) < 0)
		return glass_err_new(err, errno, "write to %s/ctl.sock", state_dir);
	if (read_line(fd, reply, size) < 0)
		return glass_err_new(err, EPIPE, "%s/ctl.sock closed before replying to %s",
		                     state_dir, req);
	return 0;
}

/* Sends a request whose reply is {"ok":true} or {"ok":false,"error":...}. */
static int request_ok(const char *state_dir, const char *req, struct glass_err **err)
{
	char reply[1024];
	if (request(state_dir, req, reply, sizeof(reply), err) < 0)
		return -1;
	if (strstr(reply, "\"ok\":true"))
		return 0;
	struct glass_shim_status st;
	const char *why = strstr(reply, "\"error\":\"");
	/* the error member is read by the status parser's string reader */
	if (why && glass_wire_status_parse(reply, &st) == 0)
		return glass_err_new(err, 0, "%s", st.error);
	if (why) {
		snprintf(st.error, sizeof(st.error), "%s", why + 9);
		st.error[strcspn(st.error, "\"")] = '\0';
		return glass_err_new(err, 0, "%s", st.error);
	}
	return glass_err_new(err, EPROTO, "glass-shim: unexpected reply \"%s\"", reply);
}

int glass_shim_signal(const char *state_dir, int sig, struct glass_err **err)
{
	char req[64];
	snprintf(req, sizeof(req), "{\"op\":\"signal\",\"signal\":%d}", sig);
	return request_ok(state_dir, req, err);
}

int glass_shim_resize(const char *state_dir, unsigned short h, unsigned short w,
                      struct glass_err **err)
{
	char req[80];
	snprintf(req, sizeof(req), "{\"op\":\"resize\",\"height\":%u,\"width\":%u}", h, w);
	return request_ok(state_dir, req, err);
}

int glass_shim_stop_restarting(const char *state_dir, struct glass_err **err)
{
	return request_ok(state_dir, "{\"op\":\"stop-restarting\"}", err);
}

int glass_shim_attach_request(int fd, bool in, bool out, bool err_)
{
	char req[128];
	snprintf(req, sizeof(req),
	         "{\"op\":\"attach\",\"stdin\":%s,\"stdout\":%s,\"stderr\":%s,\"logs\":false}\n",
	         in ? "true" : "false", out ? "true" : "false", err_ ? "true" : "false");
	return write_all(fd, req, strlen(req));
}

int glass_shim_attach(const char *state_dir, bool in, bool out, bool err_, int *fd,
                      struct glass_err **err)
{
	cleanup_close int s = glass_shim_connect(state_dir, err);
	if (s < 0)
		return -1;
	if (glass_shim_attach_request(s, in, out, err_) < 0)
		return glass_err_new(err, errno, "write to %s/ctl.sock", state_dir);
	*fd = steal_fd(&s);
	return 0;
}

/* True when `pid` is a live glass-shim (not a zombie, not a reused pid). */
static bool shim_alive(pid_t pid)
{
	char path[64], comm[32] = "", st = 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	cleanup_free char *c = read_file_at(AT_FDCWD, path, NULL);
	if (!c)
		return false;
	snprintf(comm, sizeof(comm), "%s", c);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_free char *s = read_file_at(AT_FDCWD, path, NULL);
	const char *rp = s ? strrchr(s, ')') : NULL;
	if (rp && rp[1] == ' ')
		st = rp[2];
	return !strcmp(comm, "glass-shim") && st && st != 'Z' && st != 'X';
}

int glass_shim_status(const char *state_dir, struct glass_shim_status *st, struct glass_err **err)
{
	cleanup_close int dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", state_dir);
	cleanup_free char *text = read_file_at(dfd, "status.json", NULL);
	if (!text)
		return glass_err_new(err, errno, "read %s/status.json", state_dir);
	if (glass_wire_status_parse(text, st) < 0)
		return glass_err_new(err, EINVAL, "%s/status.json: not a status: %.200s", state_dir,
		                     text);
	if (!strcmp(st->status, "exited"))
		return 0;
	cleanup_free char *pidtext = read_file_at(dfd, "shim.pid", NULL);
	pid_t pid = pidtext ? (pid_t)atoi(pidtext) : 0;
	if (pid > 0 && shim_alive(pid))
		return 0;
	/* Read again: a shim that exited normally wrote "exited" before going. */
	cleanup_free char *again = read_file_at(dfd, "status.json", NULL);
	if (again && glass_wire_status_parse(again, st) == 0 && !strcmp(st->status, "exited"))
		return 0;
	snprintf(st->status, sizeof(st->status), "dead");
	snprintf(st->error, sizeof(st->error), "shim died (pid %d)", (int)pid);
	return 0;
}

int glass_shim_wait_reply(int fd, struct glass_shim_status *st, struct glass_err **err)
{
	char reply[2048];
	if (read_line(fd, reply, sizeof(reply)) < 0)
		return glass_err_new(err, EPIPE, "glass-shim closed the wait before replying");
	if (glass_wire_status_parse(reply, st) < 0)
		return glass_err_new(err, EPROTO, "glass-shim: bad reply to wait: %.200s", reply);
	return 0;
}

int glass_shim_wait(const char *state_dir, struct glass_shim_status *st, struct glass_err **err)
{
	char reply[2048];
	struct glass_err *e = NULL;
	if (request(state_dir, "{\"op\":\"wait\"}", reply, sizeof(reply), &e) == 0 &&
	    glass_wire_status_parse(reply, st) == 0) {
		glass_err_free(&e);
		return 0;
	}
	/* No shim to ask (it exited, or died): status.json says how it ended. */
	if (glass_shim_status(state_dir, st, NULL) == 0 &&
	    (!strcmp(st->status, "exited") || !strcmp(st->status, "dead"))) {
		glass_err_free(&e);
		return 0;
	}
	if (!e)
		glass_err_new(&e, EPROTO, "glass-shim: bad reply to wait: %.200s", reply);
	return glass_err_move(err, &e);
}
