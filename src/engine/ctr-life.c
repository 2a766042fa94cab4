/* ctr-life: start, stop, kill, restart, wait, pause.
 *
 * Starting hands the container to a new glass-shim, which runs the
 * runtime's create and start and stays as the container's parent; every
 * later operation talks to that shim (its control socket) or reads what it
 * wrote (status.json), so none of them needs the engine process that
 * started the container.  Stop waits by polling the status the shim
 * rewrites: it holds no lock meanwhile, so `rm -f` or a second `stop` from
 * another terminal goes ahead instead of queueing behind a 10 s timeout. */
#include "client.h"
#include "ctr.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int ctr_parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *a = sigabbrev_np(i);
		if (a && strcasecmp(a, s) == 0)
			return i;
	}
	return -1;
}

static bool running(const struct ctr *c)
{
	return c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING ||
	       c->st.status == CTR_PAUSED;
}

/* Removes what a previous shim left (a container started again). */
static void clear_shim_files(const char *dir)
{
	const char *files[] = {"status.json", "shim.pid", "ctl.sock"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		cleanup_free char *p = xasprintf("%s/%s", dir, files[i]);
		unlink(p);
	}
}

/* A shim tells the final exit before it deletes the runtime's state of
 * the container (shim-loop.c): a new shim started meanwhile would have
 * its fresh state deleted under it (restart, start right after wait).
 * So the start waits for the last one to exit or drop its shim.pid,
 * which it does once the delete is done and before its `container
 * cleanup`, which then waits for this start's lock (and leaves the new
 * run's network alone). */
static void wait_last_shim(const char *dir)
{
	cleanup_close int fd = ctr_shim_pidfd(dir);
	cleanup_free char *pidfile = xasprintf("%s/shim.pid", dir);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	for (int ms = 0; fd >= 0 && ms < 10000 && access(pidfile, F_OK) == 0; ms += 2)
		if (poll(&p, 1, 2) > 0)
			break;
}

/* Starts the shim for a locked container; `autoremove`: the shim removes
 * the container after its final exit (run -d --rm). */
static int start_locked(struct ctr *c, bool autoremove, struct glass_shim_early *early,
                        struct glass_err **err)
{
	cleanup_free char *runtime = ctr_runtime(err);
	cleanup_free char *rroot = engine_runtime_root();
	cleanup_free char *shim = engine_find_sibling("glass-shim");
	struct json_object *ms = ctr_rec(c, "HostConfig.LogConfig.Config.max-size"),
	                   *mf = ctr_rec(c, "HostConfig.LogConfig.Config.max-file");
	const char *policy = ctr_rec_str(c, "HostConfig.RestartPolicy.Name");
	struct json_object *maxr = ctr_rec(c, "HostConfig.RestartPolicy.MaximumRetryCount");
	cleanup_free char *restart = NULL, *events = ctr_events_path();
	pid_t pid = 0;
	if (!runtime)
		return -1;
	if (!shim)
		return glass_err_new(err, ENOENT, "glass-shim not found beside %s",
		                     engine_exe_dir());
	if (policy && strcmp(policy, "on-failure") == 0 && json_object_get_int(maxr) > 0)
		restart = xasprintf("on-failure:%d", json_object_get_int(maxr));
	else
		restart = xstrdup(policy && *policy ? policy : "no");
	if (mkdir_p(rroot, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", rroot);
	wait_last_shim(c->dir);
	clear_shim_files(c->dir);
	bool net = false;
	if (ctr_net_up(c, &net, err) < 0)
		return glass_err_ctx(err, "start %s", c->name);
	struct glass_shim_opts so = {
	    .id = c->id,
	    .bundle = c->dir,
	    .state_dir = c->dir,
	    .runtime = runtime,
	    .runtime_root = rroot,
	    .tty = json_object_get_boolean(ctr_rec(c, "Config.Tty")),
	    .stdin_open = json_object_get_boolean(ctr_rec(c, "Config.OpenStdin")),
	    .rm = autoremove,
	    .trace = glass_trace_on,
	    .log_max_size = ms ? atoll(json_object_get_string(ms)) : 0,
	    .log_max_file = mf ? atoi(json_object_get_string(mf)) : 0,
	    .restart = restart,
	    .shim = shim,
	    .cleanup = net,
	    .events = events,
	};
	glass_trace_phase("shim");
	if ((early ? glass_shim_start_early(&so, early, &pid, err)
	           : glass_shim_start(&so, &pid, err)) < 0) {
		if (net)
			engine_netvol_stop(c->id, NULL);
		return glass_err_ctx(err, "start %s", c->name);
	}
	if (ctr_refresh(c, err) < 0)
		return -1;
	/* the shim holds the network from now on: it lives through restarts
	 * and, once gone, tells the sweep the network is abandoned */
	if (net && c->st.shim_pid > 0 && engine_net_set_owner(c->id, c->st.shim_pid, err) < 0)
		return -1;
	return 0;
}

/* Starts a found, locked container; with `h`, the shim's attach and wait
 * connections are made before its process runs. */
static int start_ref(const char *ref, struct ctr_start_hold *h, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (h)
		h->attach_fd = h->wait_fd = -1;
	if (ctr_find(ref, &c, err) < 0 || ctr_lock(c, "start", err) < 0 || ctr_refresh(c, err) < 0)
		return -1;
	if (c->st.status == CTR_PAUSED)
		return glass_err_new(err, EINVAL,
		                     "cannot start a paused container, try unpause instead");
	if (running(c))
		return 0;
	if (c->st.status == CTR_DEAD)
		return glass_err_new(err, EINVAL, "container %s is dead (%s): remove it", c->name,
		                     c->st.error);
	/* --rm: the shim removes the container once it is gone for good,
	 * whoever started it (a foreground engine holds that removal until it
	 * has read the exit status: ctr_rm_hold()) */
	bool rm = json_object_get_boolean(ctr_rec(c, "HostConfig.AutoRemove"));
	if (!h)
		return start_locked(c, rm, NULL, err);
	struct glass_shim_early e = {
	    .attach = h->attach,
	    .in = h->in && json_object_get_boolean(ctr_rec(c, "Config.OpenStdin")),
	    .out = h->out,
	    .err_ = h->errs,
	    .wait = h->wait,
	};
	h->tty = json_object_get_boolean(ctr_rec(c, "Config.Tty"));
	int rc = start_locked(c, rm, &e, err);
	h->attach_fd = e.attach_fd;
	h->wait_fd = e.wait_fd;
	h->started = rc == 0;
	return rc;
}

int ctr_start_held(const char *ref, struct ctr_start_hold *h, struct glass_err **err)
{
	return start_ref(ref, h, err);
}

int ctr_start(const char *ref, struct glass_err **err)
{
	return start_ref(ref, NULL, err);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls the shim's status until the container is no longer running or
 * `ms` passed; 1 when it stopped, 0 on timeout. */
static int wait_stopped(struct ctr *c, int64_t ms, struct glass_err **err)
{
	int64_t end = now_ms() + ms;
	for (;;) {
		if (ctr_refresh(c, err) < 0)
			return -1;
		if (!running(c))
			return 1;
		if (now_ms() >= end)
			return 0;
		usleep(10000);
	}
}

static int stop_signal_of(const struct ctr *c, int asked)
{
	const char *s = ctr_rec_str(c, "Config.StopSignal");
	int sig = asked > 0 ? asked : s ? ctr_parse_signal(s) : SIGTERM;
	return sig > 0 ? sig : SIGTERM;
}

static int stop_found(struct ctr *c, const struct ctr_stop_opts *o, struct glass_err **err)
{
	struct json_object *st = ctr_rec(c, "Config.StopTimeout");
	int timeout = o && o->timeout >= 0 ? o->timeout : st ? json_object_get_int(st) : 10;
	/* a shim still starting answers in a moment: let it settle first */
	for (int i = 0; i < 500 && c->st.starting; i++) {
		usleep(10000);
		if (ctr_refresh(c, err) < 0)
			return -1;
	}
	if (!running(c))
		return 0;
	if (glass_shim_stop_restarting(c->dir, err) < 0)
		return glass_err_ctx(err, "stop %s", c->name);
	if (c->st.status == CTR_PAUSED) /* a frozen process takes no signal: kill and thaw */
		timeout = 0;
	struct glass_err *e = NULL;
	char sig[16];
	snprintf(sig, sizeof(sig), "%d", stop_signal_of(c, o ? o->signal : 0));
	if (timeout > 0)
		ctr_event(c, "kill", "signal", sig);
	if (timeout > 0 && glass_shim_signal(c->dir, stop_signal_of(c, o ? o->signal : 0), &e) < 0)
		glass_err_free(&e); /* it exited meanwhile: the poll below sees it */
	int r = timeout > 0 ? wait_stopped(c, (int64_t)timeout * 1000, err) : 0;
	if (r > 0)
		ctr_event(c, "stop", NULL, NULL);
	if (r != 0)
		return r < 0 ? -1 : 0;
	ctr_event(c, "kill", "signal", "9");
	if (glass_shim_signal(c->dir, SIGKILL, &e) < 0)
		glass_err_free(&e);
	if (c->st.status == CTR_PAUSED)
		ctr_pause(c->id, false, NULL);
	r = wait_stopped(c, 10000, err);
	if (r == 0)
		return glass_err_new(err, ETIMEDOUT, "container %s did not stop after SIGKILL",
		                     c->name);
	if (r > 0)
		ctr_event(c, "stop", NULL, NULL);
	return r < 0 ? -1 : 0;
}

int ctr_stop(const char *ref, const struct ctr_stop_opts *o, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0 || stop_found(c, o, err) < 0)
		return -1;
	/* docker's: a stopped container holds no network (no veth, no lease,
	 * no port rule); the next start attaches anew */
	return ctr_net_down_if_stopped(c->id, err);
}

int ctr_kill(const char *ref, int sig, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	if (!running(c))
		return glass_err_new(err, EINVAL, "container %s is not running", c->name);
	/* docker: a killed container is not restarted by its policy, except
	 * that a signal which does not end it changes nothing */
	if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
		glass_shim_stop_restarting(c->dir, NULL);
	if (glass_shim_signal(c->dir, sig > 0 ? sig : SIGKILL, err) < 0)
		return glass_err_ctx(err, "kill %s", c->name);
	char num[16];
	snprintf(num, sizeof(num), "%d", sig > 0 ? sig : SIGKILL);
	ctr_event(c, "kill", "signal", num);
	return 0;
}

int ctr_restart(const char *ref, const struct ctr_stop_opts *o, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0 || stop_found(c, o, err) < 0)
		return -1;
	/* the old shim may still be deleting the runtime's state: let it go */
	for (int i = 0; i < 500 && c->st.shim_pid > 0; i++) {
		usleep(10000);
		if (ctr_refresh(c, err) < 0)
			return -1;
	}
	if (ctr_start(c->id, err) < 0)
		return -1;
	ctr_event(c, "restart", NULL, NULL);
	return 0;
}

int ctr_wait(const char *ref, int *code, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	struct glass_shim_status st = {0};
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	while (c->st.status == CTR_CREATED) { /* docker waits for a created one to run and end */
		usleep(50000);
		if (ctr_refresh(c, err) < 0)
			return -1;
	}
	if (running(c) && c->st.shim_pid > 0) {
		if (glass_shim_wait(c->dir, &st, err) < 0)
			return glass_err_ctx(err, "wait %s", c->name);
		*code = st.exit_code;
		if (strcmp(st.status, "dead") == 0)
			return glass_err_new(err, EIO, "container %s: %s", c->name, st.error);
		return 0;
	}
	if (c->st.status == CTR_DEAD)
		return glass_err_new(err, EIO, "container %s: %s", c->name, c->st.error);
	*code = c->st.exit_code;
	return 0;
}

int ctr_pause(const char *ref, bool pause, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	if (pause && c->st.status != CTR_RUNNING)
		return glass_err_new(err, EINVAL, "container %s is not running", c->name);
	if (!pause && c->st.status != CTR_PAUSED)
		return glass_err_new(err, EINVAL, "container %s is not paused", c->name);
	cleanup_free char *runtime = ctr_runtime(err);
	cleanup_free char *rroot = engine_runtime_root();
	if (!runtime)
		return -1;
	char *argv[] = {runtime, "--root", rroot, pause ? "pause" : "resume", c->id, NULL};
	if (engine_run_quiet(argv, err) < 0)
		return glass_err_ctx(err, "%s %s", pause ? "pause" : "unpause", c->name);
	ctr_event(c, pause ? "pause" : "unpause", NULL, NULL);
	return 0;
}
