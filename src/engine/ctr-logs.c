/* ctr-logs: a container's output from the shim's json-file log.
 *
 * The shim appends one JSON object a line to container.log and, with
 * --log-opt max-size, renames it to container.log.1 (.1 to .2, ...) when
 * it grows past the size.  Reading walks the rotated files oldest first,
 * then the live one.  Following watches the directory with inotify: a
 * write is IN_MODIFY, a rotation IN_MOVED_FROM + IN_CREATE, after which
 * the old descriptor is drained to its end (the shim wrote its last line
 * there before the rename) and the new file opened from its start, so no
 * line is lost or read twice.  Following ends when the container has
 * exited for good (the shim's status) and the log is drained, or when
 * the directory goes (an --rm container removed). */
#include "client.h"
#include "ctr.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

int64_t ctr_parse_time(const char *s)
{
	struct timespec now;
	char *end;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	double v = strtod(s, &end);
	if (end != s && *end && strchr("smhd", *end) && !end[1] && v >= 0) {
		double mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
		return now_ns - (int64_t)(v * mul * 1e9);
	}
	if (end != s && !*end && v >= 0)
		return (int64_t)(v * 1e9);
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	int64_t ns = 0, scale = 100000000;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
			ns += (*rest - '0') * scale;
	if (*rest != 'Z' && *rest != '\0')
		return -1;
	return (int64_t)timegm(&tm) * 1000000000 + ns;
}

struct reader {
	const struct ctr_logs_opts *o;
	ctr_log_fn fn;
	void *data;
	struct strbuf partial; /* a line not yet complete */
	char **held;           /* --tail: the last lines seen, a ring */
	size_t nheld, nalloc;  /* lines held, slots allocated */
	size_t head;           /* once full, the slot of the oldest line */
	bool tail_done;        /* the held lines went out: emit from now on */
	bool stop;
};

/* One json-file line: filter, then hand to the callback. */
static void emit(struct reader *r, const char *line)
{
	cleanup_json struct json_object *o = json_tokener_parse(line);
	struct json_object *log, *stream, *time;
	if (!o || !json_object_object_get_ex(o, "log", &log) ||
	    !json_object_object_get_ex(o, "stream", &stream) ||
	    !json_object_object_get_ex(o, "time", &time))
		return;
	int s = strcmp(json_object_get_string(stream), "stderr") == 0 ? 2 : 1;
	if ((s == 1 && !r->o->stdout_) || (s == 2 && !r->o->stderr_))
		return;
	const char *t = json_object_get_string(time);
	if (r->o->since_ns || r->o->until_ns) {
		int64_t ns = ctr_parse_time(t);
		if ((r->o->since_ns && ns < r->o->since_ns) ||
		    (r->o->until_ns && ns > r->o->until_ns))
			return;
	}
	if (r->fn(r->data, s, t, json_object_get_string(log),
	          (size_t)json_object_get_string_len(log)))
		r->stop = true;
}

/* --tail N holds the last N lines in a ring that grows with the lines
 * read up to N slots, not N slots at once: N comes from the command line
 * or an API query (tail=1000000000000) and may dwarf the log. */
static void hold_line(struct reader *r, const char *line, size_t n)
{
	if (r->nheld < n) { /* not full: the oldest stays in slot 0 */
		if (r->nheld == r->nalloc) {
			r->nalloc = r->nalloc ? 2 * r->nalloc : 64;
			if (r->nalloc > n)
				r->nalloc = n;
			r->held = xrealloc(r->held, r->nalloc * sizeof(char *));
		}
		r->held[r->nheld++] = xstrdup(line);
		return;
	}
	free(r->held[r->head]);
	r->held[r->head] = xstrdup(line);
	r->head = (r->head + 1) % r->nheld;
}

static void take_line(struct reader *r, const char *line)
{
	if (r->o->tail < 0 || r->tail_done)
		emit(r, line);
	else if (r->o->tail > 0)
		hold_line(r, line, (size_t)r->o->tail);
}

/* Releases the lines --tail held, oldest first; lines read after this
 * (logs -f) go straight out. */
static void flush_tail(struct reader *r)
{
	r->tail_done = true;
	for (size_t i = 0; i < r->nheld; i++) {
		size_t k = (r->head + i) % r->nheld;
		if (!r->stop)
			emit(r, r->held[k]);
		free(r->held[k]);
	}
	free(r->held);
	r->held = NULL;
	r->nheld = r->nalloc = r->head = 0;
}

/* Reads fd to its current end, passing complete lines on. */
static void drain(struct reader *r, int fd)
{
	char buf[65536];
	ssize_t n;
	while (!r->stop && (n = read(fd, buf, sizeof(buf))) > 0) {
		strbuf_append(&r->partial, buf, (size_t)n);
		char *start = r->partial.buf, *nl;
		while (
		    (nl = memchr(start, '\n', r->partial.len - (size_t)(start - r->partial.buf)))) {
			*nl = '\0';
			take_line(r, start);
			start = nl + 1;
		}
		size_t left = r->partial.len - (size_t)(start - r->partial.buf);
		memmove(r->partial.buf, start, left);
		r->partial.len = left;
	}
}

static void read_rotated(struct reader *r, const char *dir)
{
	int last = 0;
	for (int i = 1; i < 100; i++) {
		cleanup_free char *p = xasprintf("%s/container.log.%d", dir, i);
		if (access(p, F_OK) < 0)
			break;
		last = i;
	}
	for (int i = last; i >= 1; i--) {
		cleanup_free char *p = xasprintf("%s/container.log.%d", dir, i);
		cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			drain(r, fd);
		r->partial.len = 0;
	}
}

/* Done following: the container will not write again. */
static bool finished(const char *ref)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, NULL) < 0)
		return true;
	return c->st.status == CTR_EXITED || c->st.status == CTR_DEAD;
}

static int follow(struct reader *r, const char *id, const char *dir, int *fd,
                  struct glass_err **err)
{
	cleanup_close int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	cleanup_free char *logp = xasprintf("%s/container.log", dir);
	if (in < 0 ||
	    inotify_add_watch(
	        in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_CLOSE_WRITE) < 0)
		return glass_err_new(err, errno, "inotify on %s", dir);
	while (!r->stop) {
		drain(r, *fd);
		struct stat a, b;
		if (stat(logp, &a) == 0 && fstat(*fd, &b) == 0 && a.st_ino != b.st_ino) {
			drain(r, *fd); /* rotated: the old file is complete */
			close(*fd);
			*fd = open(logp, O_RDONLY | O_CLOEXEC);
			r->partial.len = 0;
			if (*fd < 0)
				return 0;
			continue;
		}
		if (access(dir, F_OK) < 0 || finished(id)) {
			drain(r, *fd);
			if (r->o->ended)
				r->o->ended(r->data);
			return 0;
		}
		struct pollfd p = {.fd = in, .events = POLLIN};
		char ev[4096];
		if (poll(&p, 1, 200) > 0)
			while (read(in, ev, sizeof(ev)) > 0)
				;
	}
	return 0;
}

int ctr_logs(const char *ref, const struct ctr_logs_opts *o, ctr_log_fn fn, void *data,
             struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	struct reader r = {.o = o, .fn = fn, .data = data};
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	cleanup_free char *logp = xasprintf("%s/container.log", c->dir);
	read_rotated(&r, c->dir);
	int fd = open(logp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		drain(&r, fd);
	flush_tail(&r);
	int rc = 0;
	if (o->follow && !r.stop) {
		/* a container not started yet has no log: wait for the file */
		while (fd < 0 && !finished(c->id) && access(c->dir, F_OK) == 0) {
			usleep(50000);
			fd = open(logp, O_RDONLY | O_CLOEXEC);
		}
		if (fd >= 0)
			rc = follow(&r, c->id, c->dir, &fd, err);
	}
	if (fd >= 0)
		close(fd);
	strbuf_release(&r.partial);
	return rc;
}
