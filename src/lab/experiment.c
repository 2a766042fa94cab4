/* lab experiments as the server sees them.
 *
 * An experiment is a worker process (this binary, `glass lab --worker`)
 * plus what it said: every JSON line it wrote on its event pipe, numbered,
 * kept for the page (GET /api/experiments/ID) and streamed as Server-Sent
 * Events.  For stepped kinds (the walk-through) the server adds, at every
 * pause, the facts it read from /proc about the container's process just
 * then: the step has run and the next one has not, so what /proc says is
 * exactly the effect of that step.
 *
 * Lifetime: an experiment is reference-counted.  The table holds one
 * reference, the finisher thread one while it runs, and every other holder
 * (a request being answered, a stream, a teardown thread) takes its own
 * under the lock before it lets go of the lock.  Dropping an experiment
 * from the full table only drops the table's reference, so a detached
 * teardown or a stream still holding it keeps it alive until it is done.
 *
 * Teardown, in this order: "abort" on the step control (a paused create
 * fails with ECANCELED and undoes itself), SIGTERM to the worker (it kills
 * and deletes its container), SIGKILL after 3 s, then the safety net
 * (cleanup.c): the experiment's cgroups removed through the library (which
 * kills what is left first), its state directory and its SysV objects
 * deleted.
 *
 * Liveness: an experiment runs while its page shows signs of life: a
 * request (the page sends a heartbeat every second) within the quiet time,
 * or an event stream that is being read.  A stream alone keeps it for at
 * most two minutes, so a stream opened and never read cannot hold
 * it forever; a page that vanished is noticed within the quiet time.
 */
#include "lab.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNNING 8
#define MAX_KEPT    64
#define SEC         1000000000ULL

enum exp_status { EXP_RUNNING, EXP_FINISHED, EXP_FAILED, EXP_STOPPED };

struct experiment {
	int refs;
	char id[16];
	const struct lab_kind *kind;
	char *params; /* canonical JSON given to the worker */
	char dir[320];
	char cgroup[96];
	char disk[320]; /* DISK_DIR/eN */
	pid_t worker;
	int ctl_fd;
	int ev_fd;
	bool exited; /* the janitor reaped the worker */
	int wstatus;
	enum exp_status status;
	char *reason; /* why it stopped, when the server stopped it */
	char **events;
	size_t nevents, cap;
	unsigned long long last_req;  /* a request about it */
	unsigned long long last_read; /* a stream delivered or waited */
	int streams;
	bool tearing_down;
	bool torn_down; /* the safety net has run */
	bool done;      /* the finisher is done: nothing more will be appended */
	/* stepped kinds: the previous mount table, to show what a step changed */
	json_object *prev_mounts;
	pid_t facts_pid;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct experiment *exps[MAX_KEPT];
static size_t nexps;
static unsigned next_id = 1;
static bool stopping;
/* GLASS_LAB_QUIET_SECS and GLASS_LAB_STREAM_SECS override (tests). */
static unsigned long long quiet_ns = 3 * SEC;
static unsigned long long stream_only_ns = 120 * SEC;

static const char *status_name(enum exp_status s)
{
	switch (s) {
	case EXP_RUNNING:
		return "running";
	case EXP_FINISHED:
		return "finished";
	case EXP_FAILED:
		return "failed";
	case EXP_STOPPED:
		return "stopped";
	default:
		return "?";
	}
}

void lab_exp_lock(void)
{
	pthread_mutex_lock(&lock);
}

void lab_exp_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

void lab_exp_wait_locked(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&changed, &lock, &ts);
}

static void free_experiment(struct experiment *e)
{
	for (size_t j = 0; j < e->nevents; j++)
		free(e->events[j]);
	free(e->events);
	free(e->params);
	free(e->reason);
	json_object_put(e->prev_mounts);
	free(e);
}

static void put_locked(struct experiment *e)
{
	if (--e->refs == 0)
		free_experiment(e);
}

void lab_exp_put(struct experiment *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&lock);
	put_locked(e);
	pthread_mutex_unlock(&lock);
}

struct experiment *lab_exp_get(const char *id)
{
	struct experiment *found = NULL;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nexps && !found; i++)
		if (strcmp(exps[i]->id, id) == 0)
			found = exps[i];
	if (found)
		found->refs++;
	pthread_mutex_unlock(&lock);
	return found;
}

void lab_exp_touch(struct experiment *e)
{
	pthread_mutex_lock(&lock);
	e->last_req = now_ns();
	pthread_mutex_unlock(&lock);
}

size_t lab_exp_nevents_locked(struct experiment *e)
{
	return e->nevents;
}

const char *lab_exp_event_locked(struct experiment *e, size_t i)
{
	return i < e->nevents ? e->events[i] : NULL;
}

bool lab_exp_finished_locked(struct experiment *e)
{
	return e->done;
}

bool lab_exp_stopping_locked(void)
{
	return stopping;
}

void lab_exp_stream_add_locked(struct experiment *e, int delta)
{
	e->streams += delta;
	e->last_req = e->last_read = now_ns();
	if (delta > 0)
		e->refs++;
	else
		put_locked(e);
}

void lab_exp_stream_read_locked(struct experiment *e)
{
	e->last_read = now_ns();
}

/* Appends one event (a JSON object, consumed) under the lock. */
static void append_locked(struct experiment *e, json_object *o)
{
	if (e->nevents == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->events = xrealloc(e->events, e->cap * sizeof(*e->events));
	}
	json_object_object_add(o, "n", json_object_new_int64((int64_t)e->nevents));
	e->events[e->nevents++] =
	    xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	pthread_cond_broadcast(&changed);
}

static void append(struct experiment *e, json_object *o)
{
	pthread_mutex_lock(&lock);
	append_locked(e, o);
	pthread_mutex_unlock(&lock);
}

static void write_control(struct experiment *e, const char *s)
{
	pthread_mutex_lock(&lock);
	if (e->ctl_fd >= 0)
		(void)!write(e->ctl_fd, s, strlen(s));
	pthread_mutex_unlock(&lock);
}

/* One line of the worker: an event, or its raw output kept as text. */
static json_object *parse_line(const char *line)
{
	json_object *o = json_tokener_parse(line);
	if (o && json_object_is_type(o, json_type_object))
		return o;
	json_object_put(o);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("output"));
	json_object_object_add(o, "text", json_object_new_string(line));
	return o;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : "";
}

/* Reads the worker's JSON lines until it closes the pipe.  Returns whether
 * it said it finished well. */
static bool read_events(struct experiment *e)
{
	FILE *in = fdopen(e->ev_fd, "r");
	char *line = NULL;
	size_t cap = 0;
	bool ok = false, after_exec = false;
	bool stepped = e->kind->flags & LAB_KIND_STEPPED;

	if (!in) {
		close(e->ev_fd);
		return false;
	}
	while (getline(&line, &cap, in) > 0) {
		json_object *o = parse_line(line);
		const char *type = str_of(o, "type");
		if (stepped && strcmp(type, "pause") == 0) {
			/* Once the container's process has exec'd, what is
			 * left is teardown: not a lesson, so it runs on. */
			if (after_exec) {
				json_object_object_add(o, "auto",
				                       json_object_new_string("continue"));
				write_control(e, "continue\n");
			} else {
				append(e, lab_step_facts(e->worker, &e->prev_mounts, &e->facts_pid,
				                         o));
				after_exec = strncmp(str_of(o, "call"), "execve", 6) == 0;
			}
		}
		if (strcmp(type, "done") == 0) {
			json_object *v;
			ok = json_object_object_get_ex(o, "ok", &v) && json_object_get_boolean(v);
		}
		append(e, o);
	}
	free(line);
	fclose(in);
	return ok;
}

static void wait_exited_locked(struct experiment *e, int ms)
{
	for (int waited = 0; waited < ms && !e->exited; waited += 100)
		lab_exp_wait_locked(100);
}

/* ---- teardown ---- */

static void teardown(struct experiment *e, const char *why)
{
	pthread_mutex_lock(&lock);
	if (e->tearing_down) {
		/* Someone else is at it: wait until it is done, so that
		 * "done" means "nothing left". */
		for (int i = 0; i < 200 && !e->torn_down; i++)
			lab_exp_wait_locked(50);
		pthread_mutex_unlock(&lock);
		return;
	}
	bool was_running = e->status == EXP_RUNNING && !e->exited;
	e->tearing_down = true;
	if (why && e->status == EXP_RUNNING) {
		e->status = EXP_STOPPED;
		free(e->reason);
		e->reason = xstrdup(why);
	}
	if (was_running) {
		/* "abort" fails the paused step; "continue" lets the
		 * library's own cleanup run without pausing. */
		if (e->ctl_fd >= 0)
			(void)!write(e->ctl_fd, "abort\ncontinue\n", 15);
		kill(e->worker, SIGTERM);
		wait_exited_locked(e, 3000);
		if (!e->exited)
			kill(e->worker, SIGKILL);
		wait_exited_locked(e, 2000);
	}
	pthread_mutex_unlock(&lock);

	lab_cleanup_cgroup(e->cgroup);
	lab_cleanup_ipc_file(e->dir);
	lab_cleanup_dir(e->dir);
	lab_cleanup_dir(e->disk);

	pthread_mutex_lock(&lock);
	e->torn_down = true;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	if (why) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("stopped"));
		json_object_object_add(o, "reason", json_object_new_string(why));
		append(e, o);
	}
}

struct teardown_job {
	struct experiment *e; /* a reference the job owns */
	const char *why;
};

static void *teardown_main(void *arg)
{
	struct teardown_job *j = arg;
	teardown(j->e, j->why);
	lab_exp_put(j->e);
	free(j);
	return NULL;
}

/* Starts a detached teardown holding its own reference (lock held). */
static void teardown_async_locked(struct experiment *e, const char *why)
{
	struct teardown_job *j = xcalloc(1, sizeof(*j));
	pthread_t t;
	j->e = e;
	j->why = why;
	e->refs++;
	if (pthread_create(&t, NULL, teardown_main, j) == 0) {
		pthread_detach(t);
	} else {
		e->refs--;
		free(j);
	}
}

void lab_exp_stop(struct experiment *e, const char *why)
{
	pthread_mutex_lock(&lock);
	teardown_async_locked(e, why);
	pthread_mutex_unlock(&lock);
}

/* How long ago `t` was (0 when it is later than `now`). */
static unsigned long long since(unsigned long long now, unsigned long long t)
{
	return now > t ? now - t : 0;
}

static bool quiet_locked(const struct experiment *e, unsigned long long now)
{
	if (since(now, e->last_req) < quiet_ns)
		return false;
	/* A stream being read is a page that is there, for a while. */
	return !(e->streams > 0 && since(now, e->last_read) < quiet_ns &&
	         since(now, e->last_req) < stream_only_ns);
}

/* Reaps every child (workers, and orphans that came to us as subreaper),
 * ends experiments whose page went away. */
static void *janitor_main(void *arg)
{
	for (;;) {
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			pthread_mutex_lock(&lock);
			for (size_t i = 0; i < nexps; i++)
				if (exps[i]->worker == p) {
					exps[i]->exited = true;
					exps[i]->wstatus = st;
					pthread_cond_broadcast(&changed);
				}
			pthread_mutex_unlock(&lock);
		}
		pthread_mutex_lock(&lock);
		unsigned long long now = now_ns();
		for (size_t i = 0; i < nexps; i++) {
			struct experiment *e = exps[i];
			if (e->status == EXP_RUNNING && !e->tearing_down && quiet_locked(e, now)) {
				e->last_req = now;
				teardown_async_locked(e, "its page went away (no request and no "
				                         "stream read for a while)");
			}
		}
		pthread_mutex_unlock(&lock);
		usleep(100000);
	}
	return NULL;
}

static void *finisher_main(void *arg)
{
	struct experiment *e = arg;
	bool ok = read_events(e);
	pthread_mutex_lock(&lock);
	wait_exited_locked(e, 5000);
	if (!e->exited)
		kill(e->worker, SIGKILL);
	if (e->status == EXP_RUNNING)
		e->status = ok ? EXP_FINISHED : EXP_FAILED;
	pthread_mutex_unlock(&lock);
	teardown(e, NULL); /* the safety net, also after a clean end */
	pthread_mutex_lock(&lock);
	if (e->ctl_fd >= 0)
		close(e->ctl_fd);
	e->ctl_fd = -1;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("exp_end"));
	json_object_object_add(o, "status", json_object_new_string(status_name(e->status)));
	if (e->reason)
		json_object_object_add(o, "reason", json_object_new_string(e->reason));
	if (e->exited && WIFEXITED(e->wstatus))
		json_object_object_add(o, "worker_exit",
		                       json_object_new_int(WEXITSTATUS(e->wstatus)));
	else if (e->exited && WIFSIGNALED(e->wstatus))
		json_object_object_add(o, "worker_signal",
		                       json_object_new_string(strsignal(WTERMSIG(e->wstatus))));
	append_locked(e, o);
	e->done = true;
	pthread_cond_broadcast(&changed);
	put_locked(e); /* the finisher's reference */
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* ---- starting an experiment ---- */

/* Drops the oldest finished experiment from the full table (its holders,
 * if any, keep it alive until they let go). */
static bool make_room_locked(void)
{
	if (nexps < MAX_KEPT)
		return true;
	for (size_t i = 0; i < nexps; i++) {
		struct experiment *e = exps[i];
		if (!e->done)
			continue;
		memmove(&exps[i], &exps[i + 1], (nexps - i - 1) * sizeof(struct experiment *));
		nexps--;
		put_locked(e);
		return true;
	}
	return false;
}

json_object *lab_exp_params(json_object *req, const struct lab_kind **kind, int *status, char **out)
{
	char why[LAB_WHY_SIZE] = "";
	json_object *k;
	if (!req || !json_object_is_type(req, json_type_object)) {
		*status = 400;
		*out = lab_json_error("the body must be a JSON object with a \"kind\"");
		return NULL;
	}
	if (!json_object_object_get_ex(req, "kind", &k) ||
	    !json_object_is_type(k, json_type_string)) {
		*status = 400;
		*out = lab_json_error("kind: expected the name of one of the lab's experiments");
		return NULL;
	}
	const struct lab_module *mod = NULL;
	*kind = lab_kind_find(json_object_get_string(k), &mod);
	if (!*kind) {
		*status = 400;
		*out = lab_json_error("kind: \"%.40s\" is not one of the lab's experiments",
		                      json_object_get_string(k));
		return NULL;
	}
	char unmet[512];
	if (lab_module_unmet(mod, unmet, sizeof(unmet))) {
		*status = 409;
		*out = lab_json_error("%s", unmet);
		return NULL;
	}
	json_object *p = json_object_new_object();
	if ((*kind)->params && (*kind)->params(req, p, why) < 0) {
		json_object_put(p);
		*status = 400;
		*out = lab_json_error("%s", why[0] ? why : "bad parameters");
		return NULL;
	}
	return p;
}

static pid_t spawn_worker(struct experiment *e, int *ev, int *ctl)
{
	int evp[2], ctlp[2];
	if (pipe2(evp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ctlp, O_CLOEXEC) < 0) {
		close(evp[0]);
		close(evp[1]);
		return -1;
	}
	char *argv[] = {"glass", "lab", "--worker", (char *)e->kind->name, e->params, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		/* Between fork and exec in a threaded process: only
		 * async-signal-safe calls.  The pipes are moved out of the way
		 * first (F_DUPFD copies are not close-on-exec), so that
		 * neither end can sit on 3 or 4 already. */
		int null = open("/dev/null", O_RDWR);
		int evw = fcntl(evp[1], F_DUPFD, 10), ctr = fcntl(ctlp[0], F_DUPFD, 10);
		dup2(null, 0);
		dup2(null, 1);
		dup2(evw, LAB_EVENT_FD);
		dup2(ctr, LAB_CONTROL_FD);
		close_range(LAB_CONTROL_FD + 1, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int saved = errno;
	close(evp[1]);
	close(ctlp[0]);
	if (pid < 0) {
		close(evp[0]);
		close(ctlp[1]);
		errno = saved;
		return -1;
	}
	*ev = evp[0];
	*ctl = ctlp[1];
	return pid;
}

static struct experiment *new_experiment_locked(const struct lab_kind *kind)
{
	struct experiment *e = xcalloc(1, sizeof(*e));
	unsigned n = next_id++;
	snprintf(e->id, sizeof(e->id), "e%u", n);
	snprintf(e->dir, sizeof(e->dir), "%s/%s", lab_paths.run_dir, e->id);
	snprintf(e->disk, sizeof(e->disk), "%s/%s", lab_paths.disk_dir, e->id);
	snprintf(e->cgroup, sizeof(e->cgroup), "%s/%s", lab_paths.cgroup, e->id);
	e->kind = kind;
	e->refs = 1; /* the table's */
	e->ctl_fd = e->ev_fd = -1;
	e->last_req = e->last_read = now_ns();
	e->status = EXP_RUNNING;
	e->tearing_down = true; /* nothing to tear down until the worker runs */
	exps[nexps++] = e;
	return e;
}

int lab_exp_start(json_object *req, char **out)
{
	const struct lab_kind *kind = NULL;
	int status = 0;
	json_object *p = lab_exp_params(req, &kind, &status, out);
	if (!p)
		return status;
	pthread_mutex_lock(&lock);
	size_t running = 0;
	for (size_t i = 0; i < nexps; i++)
		running += exps[i]->status == EXP_RUNNING;
	if (stopping || running >= MAX_RUNNING || !make_room_locked()) {
		pthread_mutex_unlock(&lock);
		json_object_put(p);
		*out = lab_json_error(stopping ? "the lab is stopping"
		                               : "too many experiments running; stop one first");
		return stopping ? 503 : 429;
	}
	struct experiment *e = new_experiment_locked(kind);
	e->refs++; /* ours until the finisher takes it over */
	unsigned n = next_id - 1;
	pthread_mutex_unlock(&lock);

	json_object_object_add(p, "id", json_object_new_string(e->id));
	json_object_object_add(p, "dir", json_object_new_string(e->dir));
	json_object_object_add(p, "disk_dir", json_object_new_string(e->disk));
	json_object_object_add(p, "cgroup", json_object_new_string(e->cgroup));
	json_object_object_add(p, "rootfs", json_object_new_string(lab_paths.rootfs));
	json_object_object_add(p, "exe_dir", json_object_new_string(lab_paths.exe_dir));
	json_object_object_add(p, "lab_pid", json_object_new_int(getpid()));
	if (kind->flags & LAB_KIND_IPC)
		json_object_object_add(p, "ipc_key",
		                       json_object_new_int((int)(0x676c0000u | (n & 0xffff))));
	e->params = lab_json_steal(p);

	int ev = -1, ctl = -1;
	pid_t pid = spawn_worker(e, &ev, &ctl);
	pthread_mutex_lock(&lock);
	if (pid < 0) {
		int saved = errno;
		e->status = EXP_FAILED;
		e->done = e->torn_down = true;
		pthread_cond_broadcast(&changed);
		put_locked(e);
		pthread_mutex_unlock(&lock);
		*out = lab_json_error("starting the worker: %s", strerror(saved));
		return 500;
	}
	e->worker = pid;
	e->ev_fd = ev;
	e->ctl_fd = ctl;
	e->tearing_down = false;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("started"));
	json_object_object_add(o, "kind", json_object_new_string(kind->name));
	json_object_object_add(o, "worker_pid", json_object_new_int(pid));
	json_object_object_add(o, "params", json_tokener_parse(e->params));
	append_locked(e, o);
	pthread_mutex_unlock(&lock);

	pthread_t t;
	if (pthread_create(&t, NULL, finisher_main, e) == 0)
		pthread_detach(t);
	else
		lab_exp_stop(e, "no thread to follow it");
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(e->id));
	json_object_object_add(o, "kind", json_object_new_string(kind->name));
	json_object_object_add(o, "worker_pid", json_object_new_int(pid));
	*out = lab_json_steal(o);
	return 201;
}

static char *json_locked(struct experiment *e, bool with_events)
{
	struct strbuf b = STRBUF_INIT;
	json_object *head = json_object_new_object();
	json_object_object_add(head, "id", json_object_new_string(e->id));
	json_object_object_add(head, "kind", json_object_new_string(e->kind->name));
	json_object_object_add(head, "status", json_object_new_string(status_name(e->status)));
	json_object_object_add(head, "worker_pid", json_object_new_int(e->worker));
	json_object_object_add(head, "done", json_object_new_boolean(e->done));
	json_object_object_add(head, "nevents", json_object_new_int64((int64_t)e->nevents));
	json_object_object_add(head, "streams", json_object_new_int(e->streams));
	if (e->reason)
		json_object_object_add(head, "reason", json_object_new_string(e->reason));
	if (with_events && e->params)
		json_object_object_add(head, "params", json_tokener_parse(e->params));
	const char *h = json_object_to_json_string_ext(head, JSON_C_TO_STRING_PLAIN);
	/* The events are JSON already: spliced in, not parsed again. */
	strbuf_append(&b, h, strlen(h) - 1);
	json_object_put(head);
	if (with_events) {
		strbuf_printf(&b, ",\"events\":[");
		for (size_t i = 0; i < e->nevents; i++)
			strbuf_printf(&b, "%s%s", i ? "," : "", e->events[i]);
		strbuf_printf(&b, "]");
	}
	strbuf_printf(&b, "}");
	return strbuf_steal(&b);
}

char *lab_exp_json(struct experiment *e, bool with_events)
{
	pthread_mutex_lock(&lock);
	e->last_req = now_ns();
	char *s = json_locked(e, with_events);
	pthread_mutex_unlock(&lock);
	return s;
}

char *lab_exp_list_json(void)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_printf(&b, "{\"experiments\":[");
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nexps; i++) {
		cleanup_free char *s = json_locked(exps[i], false);
		strbuf_printf(&b, "%s%s", i ? "," : "", s);
	}
	pthread_mutex_unlock(&lock);
	strbuf_printf(&b, "]}");
	return strbuf_steal(&b);
}

static int control_locked(struct experiment *e, const char *line, char **out)
{
	if (e->status != EXP_RUNNING || e->ctl_fd < 0 || e->tearing_down) {
		*out = lab_json_error("the experiment is not running");
		return 409;
	}
	if (write_all(e->ctl_fd, line, strlen(line)) < 0 || write_all(e->ctl_fd, "\n", 1) < 0) {
		*out = lab_json_error("the worker's control pipe: %s", strerror(errno));
		return 500;
	}
	*out = xstrdup("{\"ok\":true}");
	return 200;
}

int lab_exp_control(struct experiment *e, const char *what, char **out)
{
	pthread_mutex_lock(&lock);
	e->last_req = now_ns();
	int st = control_locked(e, what, out);
	pthread_mutex_unlock(&lock);
	return st;
}

int lab_exp_action(struct experiment *e, json_object *req, char **out)
{
	char why[LAB_WHY_SIZE] = "";
	if (!e->kind->action) {
		*out = lab_json_error("a %s experiment takes no actions", e->kind->name);
		return 400;
	}
	if (!req || !json_object_is_type(req, json_type_object)) {
		*out = lab_json_error("the body must be a JSON object");
		return 400;
	}
	cleanup_free char *line = e->kind->action(req, why);
	if (!line) {
		*out = lab_json_error("%s", why[0] ? why : "bad action");
		return 400;
	}
	return lab_exp_control(e, line, out);
}

int lab_exp_init(struct glass_err **err)
{
	pthread_t t;
	const char *q = getenv("GLASS_LAB_QUIET_SECS");
	if (q && atoi(q) > 0)
		quiet_ns = (unsigned long long)atoi(q) * SEC;
	q = getenv("GLASS_LAB_STREAM_SECS");
	if (q && atoi(q) > 0)
		stream_only_ns = (unsigned long long)atoi(q) * SEC;
	if (pthread_create(&t, NULL, janitor_main, NULL) != 0)
		return glass_err_new(err, EAGAIN, "pthread_create(janitor)");
	pthread_detach(t);
	return 0;
}

void lab_exp_shutdown(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&changed);
	for (size_t i = 0; i < nexps; i++)
		teardown_async_locked(exps[i], "the lab is stopping");
	/* Until every finisher has appended its end (at most ~10 s). */
	for (int i = 0; i < 150; i++) {
		bool all = true;
		for (size_t j = 0; j < nexps; j++)
			all &= exps[j]->done && exps[j]->torn_down;
		if (all)
			break;
		lab_exp_wait_locked(100);
	}
	pthread_mutex_unlock(&lock);
	lab_cleanup_cgroup(lab_paths.cgroup);
	lab_cleanup_dir(lab_paths.run_dir);
	lab_cleanup_dir(lab_paths.disk_dir);
}
