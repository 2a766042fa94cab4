/* lab stream: an experiment's events as Server-Sent Events.
 *
 * A cursor holds its experiment (a reference), so the experiment cannot
 * be freed under it.  Each call waits at most a second for new events; a
 * comment line goes out every second when there is nothing to say, so a
 * page that went away is found by the next write (the peer answers it with
 * a reset) within about two seconds, and the connection closes.  Calls
 * that deliver or wait count as the stream being read (experiment.c).
 */
#include "lab.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct lab_stream {
	struct experiment *e;
	size_t next;
	bool said_retry;
};

struct lab_stream *lab_stream_open(const char *id, long from)
{
	struct experiment *e = lab_exp_get(id);
	if (!e)
		return NULL;
	struct lab_stream *s = xcalloc(1, sizeof(*s));
	s->e = e;
	s->next = from > 0 ? (size_t)from : 0;
	lab_exp_lock();
	lab_exp_stream_add_locked(e, +1);
	lab_exp_unlock();
	lab_exp_put(e); /* the stream's own reference stays */
	return s;
}

ssize_t lab_stream_read(struct lab_stream *s, char *buf, size_t size)
{
	struct experiment *e = s->e;
	ssize_t n = 0;
	lab_exp_lock();
	if (!s->said_retry) {
		/* EventSource reconnects after this many ms when cut off. */
		n = snprintf(buf, size, "retry: 1000\n\n");
		s->said_retry = true;
	}
	if (s->next >= lab_exp_nevents_locked(e) && !lab_exp_finished_locked(e) &&
	    !lab_exp_stopping_locked())
		lab_exp_wait_locked(1000);
	lab_exp_stream_read_locked(e);
	for (const char *ev; (ev = lab_exp_event_locked(e, s->next));) {
		size_t need = strlen(ev) + 40;
		if (need > size && n == 0) {
			/* Too big for one chunk: the page fetches it. */
			n = snprintf(buf, size, "id: %zu\nevent: big\ndata: %zu\n\n", s->next,
			             s->next);
			s->next++;
			break;
		}
		if ((size_t)n + need > size)
			break;
		n += snprintf(buf + n, size - (size_t)n, "id: %zu\ndata: %s\n\n", s->next, ev);
		s->next++;
	}
	if (n == 0) {
		if (lab_exp_finished_locked(e) || lab_exp_stopping_locked()) {
			lab_exp_unlock();
			return -1;
		}
		n = snprintf(buf, size, ": keepalive\n\n");
	}
	lab_exp_unlock();
	return n;
}

void lab_stream_close(struct lab_stream *s)
{
	if (!s)
		return;
	lab_exp_lock();
	lab_exp_stream_add_locked(s->e, -1);
	lab_exp_unlock();
	free(s);
}
