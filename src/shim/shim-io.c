/* shim: the container's output, to the json-file log and to the attached
 * clients, and its input, from the clients to the stdin pipe or the pty.
 *
 * Docker's json-file logger writes one entry per line of output: a chunk
 * read from the pipe is cut at each '\n', and a line not yet ended waits
 * (up to 16 KiB, docker's buffer, then it is written as a partial entry)
 * until the rest comes or the container exits.  Attached clients get the
 * bytes at once, as read. */
#include "shim.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PARTIAL_MAX 16384

static const char *const stream_name[] = {"stdin", "stdout", "stderr"};

int shim_log_open(struct shim *s, struct glass_err **err)
{
	struct stat sb;
	s->log.fd =
	    openat(s->dirfd, "container.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (s->log.fd < 0)
		return glass_err_new(err, errno, "open %s/container.log", s->o.state_dir);
	s->log.size = fstat(s->log.fd, &sb) == 0 ? sb.st_size : 0;
	return 0;
}

/* container.log -> .1 -> .2 ... (the oldest, .N-1, dropped); with one file
 * kept, the log starts over.  As docker's json-file --log-opt max-file. */
static void rotate(struct shim *s)
{
	char from[32], to[32];
	for (int i = s->o.log_max_file - 1; i >= 1; i--) {
		snprintf(to, sizeof(to), "container.log.%d", i);
		if (i == 1)
			snprintf(from, sizeof(from), "container.log");
		else
			snprintf(from, sizeof(from), "container.log.%d", i - 1);
		renameat(s->dirfd, from, s->dirfd, to);
	}
	close(s->log.fd);
	s->log.fd = openat(s->dirfd, "container.log",
	                   O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	s->log.size = 0;
}

static void log_entry(struct shim *s, int stream, const char *data, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	glass_wire_log_line(&b, stream_name[stream], data, n, &ts);
	if (s->o.log_max_size > 0 && s->log.size > 0 &&
	    s->log.size + (long long)b.len > s->o.log_max_size)
		rotate(s);
	if (s->log.fd >= 0 && write_all(s->log.fd, b.buf, b.len) == 0)
		s->log.size += (long long)b.len;
	strbuf_release(&b);
}

/* Cuts `data` into lines, the first joined to what waited from before. */
static void log_output(struct shim *s, int stream, const char *data, size_t n)
{
	struct strbuf *part = &s->log.partial[stream];
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) + 1 : n;
		if (!nl && part->len + take < PARTIAL_MAX) {
			strbuf_append(part, data, take);
			return;
		}
		if (part->len) {
			strbuf_append(part, data, take);
			log_entry(s, stream, part->buf, part->len);
			part->len = 0;
		} else {
			log_entry(s, stream, data, take);
		}
		data += take;
		n -= take;
	}
}

static void log_flush(struct shim *s)
{
	for (int i = 1; i <= 2; i++) {
		if (s->log.partial[i].len)
			log_entry(s, i, s->log.partial[i].buf, s->log.partial[i].len);
		s->log.partial[i].len = 0;
	}
}

static void to_clients(struct shim *s, int stream, const char *data, size_t n)
{
	unsigned char hdr[8];
	glass_wire_stdcopy_header(hdr, stream, (uint32_t)n);
	for (int i = 0; i < SHIM_MAX_CLIENTS; i++) {
		struct shim_client *c = &s->cl[i];
		if (c->kind != CLIENT_ATTACH || !(stream == 1 ? c->out : c->err))
			continue;
		if (!s->o.tty && shim_client_send(s, c, hdr, sizeof(hdr)) < 0)
			continue;
		shim_client_send(s, c, data, n);
	}
}

/* Reads what the container wrote on `stream` (1, 2): 1 when it read
 * something, 0 when nothing is there now, -1 when the stream ended (EOF;
 * EIO on a pty master whose slave is closed). */
int shim_io_read(struct shim *s, int stream)
{
	char buf[32768];
	int fd = stream == 1 ? s->out_fd : s->err_fd;
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	to_clients(s, stream, buf, (size_t)n);
	log_output(s, stream, buf, (size_t)n);
	return 1;
}

/* After pid 1 exited: what is still in the pipes (or the pty) is read, up
 * to what would block (a process outside a pid namespace may live on with
 * the pipe), and the log's unfinished lines are written. */
void shim_io_drain(struct shim *s)
{
	for (int stream = 1; stream <= 2; stream++) {
		int fd = stream == 1 ? s->out_fd : s->err_fd;
		for (int i = 0; fd >= 0 && i < 1024; i++)
			if (shim_io_read(s, stream) <= 0)
				break;
	}
	log_flush(s);
}

/* Closes the container's stdio ends the shim holds (before a restart makes
 * new ones, or at the end). */
void shim_io_close(struct shim *s)
{
	int *fds[] = {&s->out_fd, &s->err_fd, &s->in_fd};
	for (size_t i = 0; i < 3; i++) {
		if (*fds[i] >= 0 && *fds[i] != s->pty_fd)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (s->pty_fd >= 0)
		close(s->pty_fd);
	s->pty_fd = -1;
	s->inlen = 0;
	s->in_close = false;
}

/* Writes what waits for the container's stdin, as far as it takes it. */
void shim_io_stdin_flush(struct shim *s)
{
	int fd = s->o.tty ? s->pty_fd : s->in_fd;
	if (fd < 0) {
		s->inlen = 0;
		s->in_close = false;
		return;
	}
	while (s->inlen > 0) {
		ssize_t n = write(fd, s->inbuf, s->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			s->inlen = 0; /* the reader is gone: what it did not take is lost */
			return;
		}
		memmove(s->inbuf, s->inbuf + n, s->inlen - (size_t)n);
		s->inlen -= (size_t)n;
	}
	if (s->in_close && fd == s->in_fd) {
		close(s->in_fd);
		s->in_fd = -1;
		s->in_close = false;
	}
}

/* An attached client sent bytes: the container's stdin when it is kept
 * open (--stdin) and the client asked for it; else they are dropped.  Its
 * half-close is stdin's end (the pipe's write end closes; a terminal has
 * no end-of-file to give, so with a tty it only stops reading). */
void shim_io_client_input(struct shim *s, struct shim_client *c)
{
	bool wanted = c->in && s->o.stdin_open && s->running;
	size_t room = sizeof(s->inbuf) - s->inlen;
	char drop[4096];
	ssize_t n = read(c->fd, wanted ? s->inbuf + s->inlen : drop, wanted ? room : sizeof(drop));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->in_done = true;
		if (wanted && !s->o.tty && s->in_fd >= 0) {
			s->in_close = true;
			shim_io_stdin_flush(s);
		}
		return;
	}
	if (!wanted)
		return;
	s->inlen += (size_t)n;
	shim_io_stdin_flush(s);
}
