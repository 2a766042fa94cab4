/* lab api: experiments as the server sees them.
 *
 * An experiment is a worker process (this binary, `glass lab --worker`)
 * plus what it said: every JSON line it wrote on its event pipe, numbered,
 * kept for the page (GET /api/experiments/ID) and streamed as Server-Sent
 * Events.  For the walk-through the server adds, at every pause, the facts
 * it read from /proc about the container's process just then: the step has
 * run and the next one has not, so what /proc says is exactly the effect
 * of that step.
 *
 * Teardown, in this order: "abort" on the step control (a paused create
 * fails with ECANCELED and undoes itself), SIGTERM to the worker (it kills
 * and deletes its container), SIGKILL after 3 s, then the server's own
 * safety net: every process left in the experiment's cgroups is killed,
 * the cgroups removed, its state directory and SysV objects deleted.
 */
#include "lab.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNNING 8
#define MAX_KEPT    64

enum exp_status { EXP_RUNNING, EXP_FINISHED, EXP_FAILED, EXP_STOPPED };

struct experiment {
	char id[16];
	char kind[24];
	char *params; /* canonical JSON given to the worker */
	pid_t worker;
	int ctl_fd;
	int ev_fd;
	bool exited; /* the janitor reaped the worker */
	int wstatus;
	enum exp_status status;
	char *reason; /* why it stopped, when the server stopped it */
	char **events;
	size_t nevents, cap;
	unsigned long long last_seen;
	int streams;
	bool tearing_down;
	bool torn_down; /* the safety net has run */
	bool done;      /* the reader finished: nothing more will be appended */
	int ipc_key;
	/* walk-through: the previous mount table, to show what a step changed */
	json_object *prev_mounts;
	pid_t facts_pid;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct experiment *exps[MAX_KEPT];
static size_t nexps;
static unsigned next_id = 1;
static bool stopping;
/* A tab that sent nothing (no heartbeat, no open stream) for this long is
 * gone: its experiment is torn down.  GLASS_LAB_QUIET_SECS overrides (tests). */
static unsigned long long quiet_ns = 20ULL * 1000000000ULL;

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

static struct experiment *find_locked(const char *id)
{
	for (size_t i = 0; i < nexps; i++)
		if (strcmp(exps[i]->id, id) == 0)
			return exps[i];
	return NULL;
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

/* The container's process as the host sees it: the deepest descendant of
 * the worker (the worker is single-threaded, so its children are listed
 * under its main task). */
static pid_t deepest_child(pid_t pid)
{
	for (int depth = 0; depth < 8; depth++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
		cleanup_free char *s = lab_read_text(path);
		if (!s || !s[0])
			break;
		pid_t c = (pid_t)atoi(s);
		if (c <= 0)
			break;
		pid = c;
	}
	return pid;
}

/* Two mountinfo entries are the same mount when they show the same thing
 * at the same place: ids differ between a namespace and its copy. */
static bool mounts_match(json_object *a, json_object *b)
{
	static const char *const keys[] = {"target", "fstype", "source", "root", "options"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *x, *y;
		if (!json_object_object_get_ex(a, keys[i], &x) ||
		    !json_object_object_get_ex(b, keys[i], &y) ||
		    strcmp(json_object_get_string(x), json_object_get_string(y)) != 0)
			return false;
	}
	return true;
}

/* The facts after a step, read now from /proc of the container's process. */
static json_object *step_facts(struct experiment *e, json_object *pause)
{
	pid_t pid = deepest_child(e->worker);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "type", json_object_new_string("facts"));
	json_object_object_add(f, "pid", json_object_new_int(pid));
	json_object_object_add(f, "worker_pid", json_object_new_int(e->worker));
	json_object_object_add(f, "is_container", json_object_new_boolean(pid != e->worker));
	json_object_object_add(f, "ns", lab_facts_ns(pid));
	json_object_object_add(f, "status", lab_facts_status(pid));
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	char *s = lab_read_text(path);
	json_object_object_add(f, "uid_map", s ? json_object_new_string(s) : NULL);
	free(s);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	s = lab_read_text(path);
	json_object_object_add(f, "cgroup", s ? json_object_new_string(s) : NULL);
	free(s);
	s = lab_facts_hostname(pid);
	json_object_object_add(f, "hostname", s ? json_object_new_string(s) : NULL);
	free(s);
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	char root[4096];
	ssize_t n = readlink(path, root, sizeof(root) - 1);
	if (n >= 0) {
		root[n] = '\0';
		json_object_object_add(f, "root", json_object_new_string(root));
	}
	json_object *m = lab_facts_mounts(pid);
	json_object *added = json_object_new_array(), *removed = json_object_new_array();
	if (m && e->prev_mounts && e->facts_pid == pid) {
		for (size_t i = 0; i < json_object_array_length(m); i++) {
			json_object *x = json_object_array_get_idx(m, i);
			bool found = false;
			for (size_t j = 0; j < json_object_array_length(e->prev_mounts) && !found;
			     j++)
				found =
				    mounts_match(x, json_object_array_get_idx(e->prev_mounts, j));
			if (!found)
				json_object_array_add(added, json_object_get(x));
		}
		for (size_t j = 0; j < json_object_array_length(e->prev_mounts); j++) {
			json_object *x = json_object_array_get_idx(e->prev_mounts, j);
			bool found = false;
			for (size_t i = 0; i < json_object_array_length(m) && !found; i++)
				found = mounts_match(x, json_object_array_get_idx(m, i));
			if (!found)
				json_object_array_add(removed, json_object_get(x));
		}
	}
	json_object_object_add(f, "mounts_added", added);
	json_object_object_add(f, "mounts_removed", removed);
	json_object_object_add(f, "mount_count",
	                       json_object_new_int(m ? (int)json_object_array_length(m) : 0));
	json_object_object_add(f, "mounts", m ? json_object_get(m) : NULL);
	json_object_put(e->prev_mounts);
	e->prev_mounts = m;
	e->facts_pid = pid;
	json_object *st;
	if (pause && json_object_object_get_ex(pause, "step", &st))
		json_object_object_add(f, "before_step", json_object_get(st));
	return f;
}

/* Reads the worker's JSON lines until it closes the pipe. */
static void *reader_main(void *arg)
{
	struct experiment *e = arg;
	FILE *in = fdopen(e->ev_fd, "r");
	char *line = NULL;
	size_t cap = 0;
	bool saw_done = false, saw_error = false, after_exec = false;

	while (in && getline(&line, &cap, in) > 0) {
		json_object *o = json_tokener_parse(line);
		json_object *t;
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string("output"));
			json_object_object_add(o, "text", json_object_new_string(line));
		}
		const char *type =
		    json_object_object_get_ex(o, "type", &t) ? json_object_get_string(t) : "";
		json_object *cl;
		/* Once the container's process has exec'd, what is left is
		 * teardown: not a lesson, so it runs without pausing. */
		bool is_execve = json_object_object_get_ex(o, "call", &cl) &&
		                 strncmp(json_object_get_string(cl), "execve", 6) == 0;
		if (strcmp(type, "pause") == 0 && after_exec) {
			json_object_object_add(o, "auto", json_object_new_string("continue"));
			pthread_mutex_lock(&lock);
			if (e->ctl_fd >= 0)
				(void)!write(e->ctl_fd, "continue\n", 9);
			pthread_mutex_unlock(&lock);
		} else if (strcmp(type, "pause") == 0) {
			append(e, step_facts(e, o));
			after_exec = is_execve;
		}
		if (strcmp(type, "done") == 0) {
			json_object *ok;
			saw_done = true;
			saw_error = !(json_object_object_get_ex(o, "ok", &ok) &&
			              json_object_get_boolean(ok));
		}
		append(e, o);
	}
	free(line);
	if (in)
		fclose(in);
	else
		close(e->ev_fd);

	/* The worker closed its pipe: wait for the janitor to reap it. */
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 50 && !e->exited; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&changed, &lock, &ts);
	}
	if (!e->exited)
		kill(e->worker, SIGKILL);
	if (e->status == EXP_RUNNING)
		e->status = saw_done && !saw_error ? EXP_FINISHED : EXP_FAILED;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* ---- the safety net ---- */

static void rm_rf(const char *path)
{
	glass_rm_rf_at(AT_FDCWD, path);
}

/* Kills what is left in a cgroup directory and removes it, depth first. */
static void cg_kill_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
		cg_kill_remove(sub);
	}
	closedir(d);
	for (int tries = 0; tries < 20; tries++) {
		cleanup_free char *procs_path = xasprintf("%s/cgroup.procs", dir);
		cleanup_free char *procs = lab_read_text(procs_path);
		bool any = false;
		for (char *p = procs; p && *p;) {
			pid_t pid = (pid_t)strtol(p, &p, 10);
			if (pid > 0) {
				kill(pid, SIGKILL);
				any = true;
			}
			while (*p == '\n')
				p++;
		}
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (!any && errno != EBUSY)
			return;
		usleep(50000);
	}
}

/* Every hierarchy under /sys/fs/cgroup (v1 controllers, the v2 mount, or a
 * pure v2 root), the lab's path `rel` under it. */
static void cg_cleanup(const char *rel)
{
	struct stat st;
	cleanup_free char *v2 = xasprintf("/sys/fs/cgroup%s", rel);
	if (stat("/sys/fs/cgroup/cgroup.procs", &st) == 0) {
		cg_kill_remove(v2);
		return;
	}
	DIR *d = opendir("/sys/fs/cgroup");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *p = xasprintf("/sys/fs/cgroup/%s%s", de->d_name, rel);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			cg_kill_remove(p);
	}
	closedir(d);
}

static void ipc_cleanup(int key)
{
	if (!key)
		return;
	int id = shmget(key, 0, 0);
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	id = msgget(key, 0);
	if (id >= 0)
		msgctl(id, IPC_RMID, NULL);
}

static bool worker_gone(struct experiment *e, int ms)
{
	for (int i = 0; i < ms / 50; i++) {
		pthread_mutex_lock(&lock);
		bool gone = e->exited;
		pthread_mutex_unlock(&lock);
		if (gone)
			return true;
		usleep(50000);
	}
	return false;
}

static void teardown(struct experiment *e, const char *why)
{
	pthread_mutex_lock(&lock);
	bool was_running = e->status == EXP_RUNNING && !e->exited;
	if (e->tearing_down) {
		/* Someone else is at it: wait until it is done, so that
		 * "done" means "nothing left". */
		for (int i = 0; i < 200 && !e->torn_down; i++) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&changed, &lock, &ts);
		}
		pthread_mutex_unlock(&lock);
		return;
	}
	e->tearing_down = true;
	e->torn_down = false;
	if (why && e->status == EXP_RUNNING) {
		e->status = EXP_STOPPED;
		free(e->reason);
		e->reason = xstrdup(why);
	}
	pthread_mutex_unlock(&lock);
	if (was_running) {
		/* "abort" fails the paused step; "continue" lets the
		 * library's own cleanup run without pausing. */
		if (e->ctl_fd >= 0)
			(void)!write(e->ctl_fd, "abort\ncontinue\n", 15);
		kill(e->worker, SIGTERM);
		if (!worker_gone(e, 3000))
			kill(e->worker, SIGKILL);
		worker_gone(e, 2000);
	}
	cleanup_free char *cg = xasprintf("%s/%s", lab_paths.cgroup, e->id);
	cg_cleanup(cg);
	cleanup_free char *dir = xasprintf("%s/%s", lab_paths.run_dir, e->id);
	rm_rf(dir);
	ipc_cleanup(e->ipc_key);
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

static void *teardown_main(void *arg)
{
	struct experiment *e = arg;
	teardown(e, "its tab went away (no heartbeat)");
	return NULL;
}

/* Reaps every child (workers, and orphans that came to us as subreaper),
 * ends experiments whose tab went quiet. */
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
		unsigned long long now = now_ns();
		pthread_mutex_lock(&lock);
		for (size_t i = 0; i < nexps; i++) {
			struct experiment *e = exps[i];
			if (e->status == EXP_RUNNING && !e->tearing_down && e->streams == 0 &&
			    now - e->last_seen > quiet_ns) {
				pthread_t t;
				e->last_seen = now;
				if (pthread_create(&t, NULL, teardown_main, e) == 0)
					pthread_detach(t);
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
	pthread_t reader;
	pthread_create(&reader, NULL, reader_main, e);
	pthread_join(reader, NULL);
	teardown(e, NULL); /* the safety net, also after a clean end */
	pthread_mutex_lock(&lock);
	if (e->ctl_fd >= 0)
		close(e->ctl_fd);
	e->ctl_fd = -1;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("exp_end"));
	json_object_object_add(o, "status", json_object_new_string(status_name(e->status)));
	if (e->exited && WIFEXITED(e->wstatus))
		json_object_object_add(o, "worker_exit",
		                       json_object_new_int(WEXITSTATUS(e->wstatus)));
	else if (e->exited && WIFSIGNALED(e->wstatus))
		json_object_object_add(o, "worker_signal",
		                       json_object_new_string(strsignal(WTERMSIG(e->wstatus))));
	append_locked(e, o);
	e->done = true;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* ---- starting an experiment ---- */

static const char *const ns_names[] = {"mount", "uts",  "ipc",    "pid",
                                       "net",   "user", "cgroup", "time"};

/* Builds the worker's parameters from the request, accepting only what
 * the lab knows: never a command, a path or a config from the page. */
static char *validate(json_object *req, const char **kind, char *why, size_t wsize)
{
	json_object *k, *v;
	if (!req || !json_object_object_get_ex(req, "kind", &k) ||
	    !json_object_is_type(k, json_type_string)) {
		snprintf(why, wsize, "kind: expected \"namespaces\", \"pidns\" or \"walkthrough\"");
		return NULL;
	}
	const char *ks = json_object_get_string(k);
	json_object *p = json_object_new_object();
	if (strcmp(ks, "namespaces") == 0) {
		*kind = "namespaces";
		json_object *ns = NULL, *out = json_object_new_object();
		json_object_object_get_ex(req, "namespaces", &ns);
		if (ns && !json_object_is_type(ns, json_type_object)) {
			snprintf(why, wsize, "namespaces: expected an object of booleans");
			json_object_put(out);
			json_object_put(p);
			return NULL;
		}
		if (ns) {
			json_object_object_foreach(ns, key, val)
			{
				bool known = false;
				for (size_t i = 0; i < 8; i++)
					known |= strcmp(key, ns_names[i]) == 0;
				if (!known || !json_object_is_type(val, json_type_boolean)) {
					snprintf(why, wsize,
					         "namespaces.%.40s: unknown or not a boolean", key);
					json_object_put(out);
					json_object_put(p);
					return NULL;
				}
			}
		}
		for (size_t i = 0; i < 8; i++) {
			bool on = ns && json_object_object_get_ex(ns, ns_names[i], &v) &&
			          json_object_get_boolean(v);
			json_object_object_add(out, ns_names[i], json_object_new_boolean(on));
		}
		json_object_object_add(p, "namespaces", out);
	} else if (strcmp(ks, "pidns") == 0) {
		*kind = "pidns";
	} else if (strcmp(ks, "walkthrough") == 0) {
		*kind = "walkthrough";
		const char *brk = "none";
		if (json_object_object_get_ex(req, "break", &v)) {
			const char *b = json_object_get_string(v);
			if (b && strcmp(b, "pivot-not-mountpoint") == 0)
				brk = "pivot-not-mountpoint";
			else if (b && strcmp(b, "none") != 0) {
				snprintf(why, wsize,
				         "break: expected \"none\" or \"pivot-not-mountpoint\"");
				json_object_put(p);
				return NULL;
			}
		}
		bool user =
		    json_object_object_get_ex(req, "user", &v) && json_object_get_boolean(v);
		json_object_object_add(p, "break", json_object_new_string(brk));
		json_object_object_add(p, "user", json_object_new_boolean(user));
	} else {
		snprintf(why, wsize, "kind: unknown experiment \"%.40s\"", ks);
		json_object_put(p);
		return NULL;
	}
	char *s = xstrdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
	json_object_put(p);
	return s;
}

/* Drops the oldest finished experiment when the table is full. */
static bool make_room_locked(void)
{
	if (nexps < MAX_KEPT)
		return true;
	for (size_t i = 0; i < nexps; i++) {
		struct experiment *e = exps[i];
		if (e->done && e->streams == 0) {
			for (size_t j = 0; j < e->nevents; j++)
				free(e->events[j]);
			free(e->events);
			free(e->params);
			free(e->reason);
			json_object_put(e->prev_mounts);
			free(e);
			memmove(&exps[i], &exps[i + 1], (nexps - i - 1) * sizeof(exps[0]));
			nexps--;
			return true;
		}
	}
	return false;
}

/* A start that failed before its worker ran: kept in the table, done. */
static int start_failed(struct experiment *e, char **out, const char *what)
{
	*out = xasprintf("{\"error\":\"%s: %s\"}", what, strerror(errno));
	pthread_mutex_lock(&lock);
	e->status = EXP_FAILED;
	e->done = true;
	e->torn_down = true;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	return 500;
}

static int start_experiment(json_object *req, char **out)
{
	const char *kind = NULL;
	char why[160];
	cleanup_free char *params = validate(req, &kind, why, sizeof(why));
	if (!params) {
		*out = xasprintf("{\"error\":\"%s\"}", why);
		return 400;
	}
	pthread_mutex_lock(&lock);
	size_t running = 0;
	for (size_t i = 0; i < nexps; i++)
		running += exps[i]->status == EXP_RUNNING;
	if (stopping || running >= MAX_RUNNING || !make_room_locked()) {
		pthread_mutex_unlock(&lock);
		*out = xstrdup(stopping ? "{\"error\":\"the lab is stopping\"}"
		                        : "{\"error\":\"too many experiments running; stop one\"}");
		return stopping ? 503 : 429;
	}
	struct experiment *e = xcalloc(1, sizeof(*e));
	unsigned n = next_id++;
	snprintf(e->id, sizeof(e->id), "e%u", n);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	e->ipc_key = strcmp(kind, "namespaces") == 0 ? (int)(0x676c0000u | (n & 0xffff)) : 0;
	e->ctl_fd = e->ev_fd = -1;
	e->last_seen = now_ns();
	e->status = EXP_RUNNING;
	e->tearing_down = true; /* nothing to tear down until the worker runs */
	exps[nexps++] = e;      /* the slot is taken under the lock */
	pthread_mutex_unlock(&lock);

	/* The worker's full parameters: the request's, plus where things go. */
	json_object *p = json_tokener_parse(params);
	cleanup_free char *dir = xasprintf("%s/%s", lab_paths.run_dir, e->id);
	cleanup_free char *cg = xasprintf("%s/%s", lab_paths.cgroup, e->id);
	json_object_object_add(p, "id", json_object_new_string(e->id));
	json_object_object_add(p, "dir", json_object_new_string(dir));
	json_object_object_add(p, "cgroup", json_object_new_string(cg));
	json_object_object_add(p, "rootfs", json_object_new_string(lab_paths.rootfs));
	json_object_object_add(p, "exe_dir", json_object_new_string(lab_paths.exe_dir));
	json_object_object_add(p, "ipc_key", json_object_new_int(e->ipc_key));
	e->params = xstrdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
	json_object_put(p);

	int evp[2], ctlp[2];
	if (pipe2(evp, O_CLOEXEC) < 0)
		return start_failed(e, out, "pipe");
	if (pipe2(ctlp, O_CLOEXEC) < 0) {
		close(evp[0]);
		close(evp[1]);
		return start_failed(e, out, "pipe");
	}
	char *argv[] = {"glass", "lab", "--worker", (char *)kind, e->params, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		/* Between fork and exec in a threaded process: only
		 * async-signal-safe calls. */
		int null = open("/dev/null", O_RDWR);
		/* Out of the way first (F_DUPFD copies are not close-on-exec),
		 * so that neither end can sit on 3 or 4 already. */
		int ev = fcntl(evp[1], F_DUPFD, 10), ctl = fcntl(ctlp[0], F_DUPFD, 10);
		dup2(null, 0);
		dup2(null, 1);
		dup2(ev, LAB_EVENT_FD);
		dup2(ctl, LAB_CONTROL_FD);
		close_range(LAB_CONTROL_FD + 1, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(evp[1]);
	close(ctlp[0]);
	if (pid < 0) {
		close(evp[0]);
		close(ctlp[1]);
		return start_failed(e, out, "fork");
	}
	pthread_mutex_lock(&lock);
	e->worker = pid;
	e->ev_fd = evp[0];
	e->ctl_fd = ctlp[1];
	e->tearing_down = false;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("started"));
	json_object_object_add(o, "kind", json_object_new_string(e->kind));
	json_object_object_add(o, "worker_pid", json_object_new_int(pid));
	json_object_object_add(o, "params", json_tokener_parse(e->params));
	append_locked(e, o);
	pthread_mutex_unlock(&lock);

	pthread_t t;
	pthread_create(&t, NULL, finisher_main, e);
	pthread_detach(t);
	*out = xasprintf("{\"id\":\"%s\",\"kind\":\"%s\",\"worker_pid\":%d}", e->id, e->kind, pid);
	return 201;
}

static char *experiment_json_locked(struct experiment *e, bool with_events)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_printf(&b,
	              "{\"id\":\"%s\",\"kind\":\"%s\",\"status\":\"%s\",\"worker_pid\":%d,"
	              "\"done\":%s,\"nevents\":%zu",
	              e->id, e->kind, status_name(e->status), e->worker, e->done ? "true" : "false",
	              e->nevents);
	if (e->reason) {
		json_object *r = json_object_new_string(e->reason);
		strbuf_printf(&b, ",\"reason\":%s", json_object_to_json_string(r));
		json_object_put(r);
	}
	if (with_events) {
		strbuf_printf(&b, ",\"params\":%s,\"events\":[", e->params);
		for (size_t i = 0; i < e->nevents; i++)
			strbuf_printf(&b, "%s%s", i ? "," : "", e->events[i]);
		strbuf_printf(&b, "]");
	}
	strbuf_printf(&b, "}");
	return strbuf_steal(&b);
}

static void *delete_main(void *arg)
{
	teardown(arg, "stopped from the page");
	return NULL;
}

int lab_api_handle(const char *method, const char *url, const char *body, char **out)
{
	if (strcmp(url, "/api/info") == 0 && strcmp(method, "GET") == 0) {
		*out = lab_host_info_json();
		return 200;
	}
	if (strcmp(url, "/api/experiments") == 0) {
		if (strcmp(method, "POST") == 0) {
			json_object *req = body ? json_tokener_parse(body) : NULL;
			int st = start_experiment(req, out);
			json_object_put(req);
			return st;
		}
		if (strcmp(method, "GET") == 0) {
			struct strbuf b = STRBUF_INIT;
			strbuf_printf(&b, "{\"experiments\":[");
			pthread_mutex_lock(&lock);
			for (size_t i = 0; i < nexps; i++) {
				cleanup_free char *s = experiment_json_locked(exps[i], false);
				strbuf_printf(&b, "%s%s", i ? "," : "", s);
			}
			pthread_mutex_unlock(&lock);
			strbuf_printf(&b, "]}");
			*out = strbuf_steal(&b);
			return 200;
		}
		*out = xstrdup("{\"error\":\"method not allowed\"}");
		return 405;
	}
	if (strncmp(url, "/api/experiments/", 17) != 0) {
		*out = xstrdup("{\"error\":\"no such API\"}");
		return 404;
	}
	char id[16];
	const char *p = url + 17, *slash = strchr(p, '/');
	size_t idlen = slash ? (size_t)(slash - p) : strlen(p);
	const char *sub = slash ? slash + 1 : "";
	if (idlen == 0 || idlen >= sizeof(id)) {
		*out = xstrdup("{\"error\":\"no such experiment\"}");
		return 404;
	}
	memcpy(id, p, idlen);
	id[idlen] = '\0';
	pthread_mutex_lock(&lock);
	struct experiment *e = find_locked(id);
	if (!e) {
		pthread_mutex_unlock(&lock);
		*out = xstrdup("{\"error\":\"no such experiment\"}");
		return 404;
	}
	e->last_seen = now_ns();
	if (!sub[0] && strcmp(method, "GET") == 0) {
		*out = experiment_json_locked(e, true);
		pthread_mutex_unlock(&lock);
		return 200;
	}
	if (strcmp(sub, "heartbeat") == 0 && strcmp(method, "POST") == 0) {
		*out = experiment_json_locked(e, false);
		pthread_mutex_unlock(&lock);
		return 200;
	}
	if (strcmp(sub, "step") == 0 && strcmp(method, "POST") == 0) {
		json_object *req = body ? json_tokener_parse(body) : NULL, *a;
		const char *act = req && json_object_object_get_ex(req, "action", &a)
		                      ? json_object_get_string(a)
		                      : "next";
		const char *line = strcmp(act, "next") == 0       ? "next\n"
		                   : strcmp(act, "continue") == 0 ? "continue\n"
		                   : strcmp(act, "abort") == 0    ? "abort\n"
		                                                  : NULL;
		int st = 200;
		if (!line) {
			*out = xstrdup("{\"error\":\"action: expected next, continue or abort\"}");
			st = 400;
		} else if (e->status != EXP_RUNNING || e->ctl_fd < 0) {
			*out = xstrdup("{\"error\":\"the experiment is not running\"}");
			st = 409;
		} else if (write(e->ctl_fd, line, strlen(line)) < 0) {
			*out = xasprintf("{\"error\":\"step control: %s\"}", strerror(errno));
			st = 500;
		} else {
			*out = xasprintf("{\"ok\":true,\"action\":\"%s\"}", act);
		}
		json_object_put(req);
		pthread_mutex_unlock(&lock);
		return st;
	}
	if (!sub[0] && strcmp(method, "DELETE") == 0) {
		pthread_t t;
		pthread_mutex_unlock(&lock);
		if (pthread_create(&t, NULL, delete_main, e) == 0)
			pthread_detach(t);
		*out = xstrdup("{\"ok\":true}");
		return 202;
	}
	pthread_mutex_unlock(&lock);
	*out = xstrdup("{\"error\":\"no such API\"}");
	return 404;
}

/* ---- Server-Sent Events ---- */

struct lab_stream {
	struct experiment *e;
	size_t next;
	int idle;
};

struct lab_stream *lab_stream_open(const char *id, long from)
{
	pthread_mutex_lock(&lock);
	struct experiment *e = find_locked(id);
	struct lab_stream *s = NULL;
	if (e) {
		s = xcalloc(1, sizeof(*s));
		s->e = e;
		s->next = from > 0 ? (size_t)from : 0;
		e->streams++;
		e->last_seen = now_ns();
	}
	pthread_mutex_unlock(&lock);
	return s;
}

ssize_t lab_stream_read(struct lab_stream *s, char *buf, size_t size)
{
	struct experiment *e = s->e;
	ssize_t n = 0;
	pthread_mutex_lock(&lock);
	if (s->next >= e->nevents && !e->done && !stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&changed, &lock, &ts);
	}
	e->last_seen = now_ns();
	while (s->next < e->nevents) {
		const char *ev = e->events[s->next];
		size_t need = strlen(ev) + 40;
		if (need > size && n == 0) {
			/* Too big for one chunk: tell the page to fetch it. */
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
		if (e->done || stopping) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
		if (++s->idle >= 10) { /* a comment every 10 s finds closed tabs */
			s->idle = 0;
			n = snprintf(buf, size, ": keepalive\n\n");
		}
	}
	pthread_mutex_unlock(&lock);
	return n;
}

void lab_stream_close(struct lab_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	s->e->streams--;
	s->e->last_seen = now_ns();
	pthread_mutex_unlock(&lock);
	free(s);
}

int lab_api_init(struct glass_err **err)
{
	pthread_t t;
	const char *q = getenv("GLASS_LAB_QUIET_SECS");
	if (q && atoi(q) > 0)
		quiet_ns = (unsigned long long)atoi(q) * 1000000000ULL;
	if (mkdir_p(lab_paths.run_dir, 0711) < 0)
		return glass_err_new(err, errno, "mkdir(%s)", lab_paths.run_dir);
	if (pthread_create(&t, NULL, janitor_main, NULL) != 0)
		return glass_err_new(err, EAGAIN, "pthread_create(janitor)");
	pthread_detach(t);
	return 0;
}

static void *shutdown_one(void *arg)
{
	teardown(arg, "the lab is stopping");
	return NULL;
}

void lab_api_shutdown(void)
{
	pthread_t th[MAX_KEPT];
	size_t nth = 0;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&changed);
	for (size_t i = 0; i < nexps; i++)
		if (pthread_create(&th[nth], NULL, shutdown_one, exps[i]) == 0)
			nth++;
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	/* Wait for the readers to finish, then the lab's own parents. */
	for (int i = 0; i < 50; i++) {
		bool all = true;
		pthread_mutex_lock(&lock);
		for (size_t j = 0; j < nexps; j++)
			all &= exps[j]->done;
		pthread_mutex_unlock(&lock);
		if (all)
			break;
		usleep(100000);
	}
	cg_cleanup(lab_paths.cgroup);
	rm_rf(lab_paths.run_dir);
}
