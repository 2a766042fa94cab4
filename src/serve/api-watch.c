/* api-watch: attaches and waits that come before the start.
 *
 * The docker CLI's `run` creates, attaches (a hijacked connection), asks
 * to wait (condition next-exit, or removed with --rm) and only then
 * starts; a container may print, end and be removed within milliseconds of
 * its start.  So nothing here polls for what the container did: the start
 * (api_watch_start) takes the attaches registered for the container and
 * has the shim's stream and a wait connected before the process runs
 * (ctr_start_held), and a monitor thread per start blocks on that wait and
 * records the exit under the container's id with a generation number.  A
 * wait compares generations, so it is registered against the exit that
 * follows its registration and cannot take an older status.
 *
 * An --rm container started here is removed here too, by its monitor
 * (remove_held), before the shim's own removal would start an engine.
 *
 * A container started elsewhere (`glass start`, a restart policy, a server
 * that was restarted) has no monitor here: its waits fall back to the
 * shim's own wait (ctr_wait) once they see it running, and to the
 * finished time of its status when it ran and ended between two looks. */
#include "api-watch.h"
#include "client.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Exits kept for a wait that comes late (the CLI's wait is asynchronous
 * with its start); older ones are dropped. */
#define EXITS_KEPT 256

struct exit_rec {
	char id[CTR_ID_LEN + 1];
	unsigned gen;   /* exits seen by this server */
	bool monitored; /* a monitor thread waits on its shim now */
	int code;
	char error[512];
	struct exit_rec *next;
};

struct api_attach {
	char id[CTR_ID_LEN + 1];
	bool in, out, errs;
	bool claimed; /* a start took it */
	bool ready;   /* the start is over: fd (or -1: it failed) */
	int fd;
	bool tty;
	struct api_attach *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct exit_rec *exits;
static size_t nexits;
static struct api_attach *attaches;

/* The oldest record nobody monitors goes when there are too many. */
static void trim(void)
{
	struct exit_rec **victim = NULL;
	if (nexits <= EXITS_KEPT)
		return;
	for (struct exit_rec **pp = &exits; *pp; pp = &(*pp)->next)
		if (!(*pp)->monitored)
			victim = pp;
	if (victim) {
		struct exit_rec *v = *victim;
		*victim = v->next;
		free(v);
		nexits--;
	}
}

static struct exit_rec *rec_of(const char *id, bool make)
{
	for (struct exit_rec *r = exits; r; r = r->next)
		if (strcmp(r->id, id) == 0)
			return r;
	if (!make)
		return NULL;
	struct exit_rec *r = xcalloc(1, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->next = exits;
	exits = r;
	nexits++;
	trim();
	return r;
}

struct monitor {
	char id[CTR_ID_LEN + 1];
	int fd;
	char full_id[CTR_ID_LEN + 1]; /* an --rm container's, with `hold` */
	int hold;                     /* its rm.hold (ctr_rm_hold), or -1 */
};

/* After the final exit of an --rm container started here: removed by this
 * process at once, its rm.hold (which kept the shim's own `glass rm -f`
 * back) released after.  The shim's removal would first start a new
 * engine, and `docker run --rm` waits for the removal
 * (wait?condition=removed).  Should this one fail, the shim's goes on. */
static void remove_held(struct monitor *m)
{
	if (m->hold < 0)
		return;
	struct glass_err *err = NULL;
	if (ctr_rm(m->full_id, true, false, &err) < 0) {
		cleanup_free char *msg = glass_err_format(err);
		fprintf(stderr, "glass serve: --rm of %.12s: %s (its shim removes it)\n",
		        m->full_id, msg);
		glass_err_free(&err);
	}
	close(m->hold);
	m->hold = -1;
}

static void *monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct glass_shim_status st = {0};
	struct glass_err *err = NULL;
	int rc = glass_shim_wait_reply(m->fd, &st, &err);
	close(m->fd);
	pthread_mutex_lock(&mu);
	struct exit_rec *r = rec_of(m->id, true);
	r->monitored = false;
	r->gen++;
	r->code = rc == 0 ? st.exit_code : -1;
	snprintf(r->error, sizeof(r->error), "%s",
	         rc < 0                           ? "the container's shim went away"
	         : strcmp(st.status, "dead") == 0 ? st.error
	                                          : "");
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	glass_err_free(&err);
	remove_held(m);
	free(m);
	return NULL;
}

static void monitor_spawn(const char *id, int fd, const char *full_id, int hold)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	pthread_t t;
	pthread_attr_t a;
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->full_id, sizeof(m->full_id), "%s", full_id);
	m->fd = fd;
	m->hold = hold;
	pthread_mutex_lock(&mu);
	rec_of(id, true)->monitored = true;
	pthread_mutex_unlock(&mu);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, monitor_main, m) != 0) {
		m->fd = -1;
		close(fd);
		if (hold >= 0)
			close(hold); /* the shim removes it */
		pthread_mutex_lock(&mu);
		rec_of(id, true)->monitored = false;
		pthread_mutex_unlock(&mu);
		free(m);
	}
	pthread_attr_destroy(&a);
}

static struct api_attach *claim_attach(const char *id)
{
	pthread_mutex_lock(&mu);
	struct api_attach *a = attaches;
	while (a && (a->claimed || strcmp(a->id, id) != 0))
		a = a->next;
	if (a)
		a->claimed = true;
	pthread_mutex_unlock(&mu);
	return a;
}

/* rm.hold of an --rm container (its full ID into full_id), or -1. */
static int hold_removal(const char *ref, char *full_id)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, NULL) < 0 ||
	    !json_object_get_boolean(ctr_rec(c, "HostConfig.AutoRemove")))
		return -1;
	snprintf(full_id, CTR_ID_LEN + 1, "%s", c->id);
	return ctr_rm_hold(c->id, NULL);
}

int api_watch_start(const char *id, bool *started, struct glass_err **err)
{
	struct api_attach *a = claim_attach(id);
	struct ctr_start_hold h = {.wait = true};
	char full_id[CTR_ID_LEN + 1] = "";
	/* taken before the start: the shim looks at it once the process ended */
	int hold = hold_removal(id, full_id);
	if (a) {
		h.attach = true;
		h.in = a->in;
		h.out = a->out;
		h.errs = a->errs;
	}
	int rc = ctr_start_held(id, &h, err);
	pthread_mutex_lock(&mu);
	if (a && h.attach_fd >= 0) {
		a->fd = h.attach_fd;
		a->tty = h.tty;
		a->ready = true;
	} else if (a) {
		a->claimed = false; /* not started by this: the next start may serve it */
	}
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if (h.wait_fd >= 0)
		monitor_spawn(id, h.wait_fd, full_id, hold);
	else if (hold >= 0)
		close(hold); /* not started here (running already, or failed) */
	*started = h.started;
	return rc;
}

struct api_attach *api_watch_attach_register(const char *id, bool in, bool out, bool errs)
{
	struct api_attach *a = xcalloc(1, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->in = in;
	a->out = out;
	a->errs = errs;
	a->fd = -1;
	pthread_mutex_lock(&mu);
	a->next = attaches;
	attaches = a;
	pthread_mutex_unlock(&mu);
	return a;
}

/* Whether the client has gone.  Not its half-close: the docker CLI shuts
 * its write side at once when it attaches without stdin.  On a UNIX socket
 * POLLHUP is the peer's close of both sides (over TCP a close cannot be
 * told from a half-close: such a client is seen gone at the next write). */
static bool client_gone(int sock)
{
	struct pollfd p = {.fd = sock, .events = 0};
	return sock >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

static void timed_wait(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_cond_timedwait(&cv, &mu, &ts);
}

/* The attach's container, looked at while no start of ours serves it:
 * 1 running (started elsewhere), 0 not, -1 gone. */
static int started_elsewhere(const char *id)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(id, &c, NULL) < 0)
		return -1;
	return c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING;
}

int api_watch_attach_take(struct api_attach *a, int sock, int *fd, bool *tty,
                          struct glass_err **err)
{
	int rc = 1;
	pthread_mutex_lock(&mu);
	while (!a->ready) {
		if (!a->claimed) {
			pthread_mutex_unlock(&mu);
			rc = client_gone(sock) ? -1 : started_elsewhere(a->id);
			pthread_mutex_lock(&mu);
			if (rc != 0 && !a->claimed)
				break;
		}
		timed_wait(100);
	}
	*fd = a->fd;
	*tty = a->tty;
	a->fd = -1; /* the caller's now */
	pthread_mutex_unlock(&mu);
	if (a->ready)
		return 0;
	if (rc < 0)
		return glass_err_new(err, ENOENT, "container %s: gone before it started", a->id);
	return ctr_attach(a->id, a->in, a->out, a->errs, fd, tty, err);
}

void api_watch_attach_release(struct api_attach *a)
{
	pthread_mutex_lock(&mu);
	for (struct api_attach **pp = &attaches; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	pthread_mutex_unlock(&mu);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

int api_watch_wait_register(const char *ref, enum api_wait_cond cond, struct api_wait *w,
                            struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	memset(w, 0, sizeof(*w));
	w->cond = cond;
	if (ctr_find(ref, &c, err) < 0) {
		/* an --rm container that ended before its wait came: its exit */
		pthread_mutex_lock(&mu);
		struct exit_rec *r = strlen(ref) == CTR_ID_LEN ? rec_of(ref, false) : NULL;
		if (r && r->gen > 0) {
			w->gone = true;
			w->code = r->code;
		}
		pthread_mutex_unlock(&mu);
		if (!w->gone)
			return -1;
		glass_err_free(err);
		snprintf(w->id, sizeof(w->id), "%s", ref);
		return 0;
	}
	snprintf(w->id, sizeof(w->id), "%s", c->id);
	snprintf(w->finished0, sizeof(w->finished0), "%s", c->st.finished_at);
	w->code = c->st.exit_code;
	pthread_mutex_lock(&mu);
	struct exit_rec *r = rec_of(c->id, false);
	w->gen0 = r ? r->gen : 0;
	pthread_mutex_unlock(&mu);
	return 0;
}

/* One look at the container: 1 when the wait's exit is there (*code), 0
 * not yet, 2 the container is gone. */
static int look(struct api_wait *w, int *code, char *error, size_t size)
{
	cleanup_ctr struct ctr *c = NULL;
	struct glass_err *err = NULL;
	pthread_mutex_lock(&mu);
	struct exit_rec *r = rec_of(w->id, false);
	bool monitored = r && r->monitored;
	if (r && r->gen > w->gen0) {
		*code = w->code = r->code;
		snprintf(error, size, "%s", r->error);
		pthread_mutex_unlock(&mu);
		return 1;
	}
	pthread_mutex_unlock(&mu);
	if (ctr_find(w->id, &c, NULL) < 0)
		return monitored ? 0 : 2; /* the monitor's record is on its way */
	bool running = c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING ||
	               c->st.status == CTR_PAUSED || c->st.starting;
	bool ended = c->st.status == CTR_EXITED || c->st.status == CTR_DEAD;
	if ((w->cond == API_WAIT_NOT_RUNNING && !running) ||
	    (ended && strcmp(c->st.finished_at, w->finished0) != 0)) {
		*code = w->code = c->st.exit_code;
		snprintf(error, size, "%s", c->st.status == CTR_DEAD ? c->st.error : "");
		return 1;
	}
	if (!running || monitored || c->st.shim_pid <= 0)
		return 0;
	/* started elsewhere: the shim's own wait */
	if (ctr_wait(c->id, code, &err) < 0) {
		cleanup_free char *m = glass_err_format(err);
		snprintf(error, size, "%s", m);
		glass_err_free(&err);
	}
	w->code = *code;
	return 1;
}

/* Until the container is gone (its remover, the shim's `rm -f` of an
 * --rm container or a client's DELETE, runs apart from this wait): woken
 * by inotify when an entry of ROOT/containers goes (rm_rf's last step is
 * the container's directory) and looked at again then; the client's
 * hang-up ends it.  A look every second besides, should a removal leave
 * the directory behind without its record (not findable: removed). */
static int wait_removed(const char *id, int sock)
{
	cleanup_free char *dir = xasprintf("%s/containers", engine_root_dir());
	cleanup_close int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in >= 0 && inotify_add_watch(in, dir, IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR) < 0) {
		close(in);
		in = -1;
	}
	/* looked at after the watch is in place: a removal in between is seen */
	while (started_elsewhere(id) >= 0) {
		struct pollfd p[2] = {{.fd = sock, .events = 0}, {.fd = in, .events = POLLIN}};
		char buf[4096];
		if (poll(p, 2, in >= 0 ? 1000 : 50) < 0 && errno != EINTR)
			return -1;
		if (sock >= 0 && (p[0].revents & (POLLHUP | POLLERR)))
			return -1;
		while (in >= 0 && read(in, buf, sizeof(buf)) > 0)
			;
	}
	return 0;
}

int api_watch_wait_run(struct api_wait *w, int sock, int *code, char *error, size_t size)
{
	int r = w->gone ? 2 : 0;
	*code = w->code;
	error[0] = '\0';
	while (r == 0) {
		r = look(w, code, error, size);
		if (r == 0 && client_gone(sock))
			return -1;
		if (r == 0) {
			pthread_mutex_lock(&mu);
			timed_wait(100);
			pthread_mutex_unlock(&mu);
		}
	}
	if (r == 2) { /* removed: its last exit, if this server saw one */
		*code = w->code;
		return 0;
	}
	return w->cond == API_WAIT_REMOVED ? wait_removed(w->id, sock) : 0;
}
