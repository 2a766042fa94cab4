/* container-ops: start, kill, delete and run.
 *
 * `start` is one write(2): the init made by create is blocked reading
 * ROOT/ID/exec.fifo, through an fd the runtime opened before clone (so
 * the init needs neither a path to it nor /proc).  start writes "0" and
 * waits, on a read end of its own, for the fifo to hang up: that comes
 * when execve closes the init's close-on-exec fd, the last writer, and
 * the container's process now runs.  If the "0" is still in the fifo
 * then, the init died before it could take it.  kill is kill(2)
 * on the init (or every pid of the cgroup); delete waits for the init to
 * be gone (a zombie counts: on this kind of host nobody may reap it),
 * removes the cgroup and the state, then runs the poststop hooks.
 */
#include "cgroup.h"
#include "console.h"
#include "container-internal.h"
#include "intelrdt.h"
#include "hooks.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void glass_container_warn(const char *what, struct glass_err **err)
{
	char *msg = glass_err_format(*err);
	fprintf(stderr, "glass-runtime: warning: %s: %s\n", what, msg);
	glass_trace_note("warning", NULL, "%s: %s", what, msg);
	free(msg);
	glass_err_free(err);
}

int glass_container_write_pid_file(const char *path, pid_t pid, struct glass_err **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (write_file_volatile_at(AT_FDCWD, path, buf, (size_t)n, 0644) < 0)
		return glass_err_field(err, errno, "--pid-file", "write pid file %s", path);
	return 0;
}

int glass_container_send_console(const char *socket_path, int *master, const char *pty_path,
                                 struct glass_err **err)
{
	if (glass_console_send_fd(socket_path, *master, pty_path, err) < 0)
		return -1;
	close(*master);
	*master = -1;
	return 0;
}

static bool init_alive(const struct glass_state *st)
{
	unsigned long long start;
	char letter;
	if (glass_state_proc_stat(st->pid, &start, &letter) < 0)
		return false;
	return letter != 'Z' && letter != 'X' && (!st->start_time || start == st->start_time);
}

/* The hooks that run after the fact (poststart, poststop): a failing one
 * is a warning, never an error, and the ones after it still run (runtime
 * spec: "the remaining hooks and lifecycle continue"). */
static void run_hooks_warn(const struct glass_spec *spec, const struct glass_state *st,
                           enum glass_hook_kind kind, enum glass_status status, const char *name)
{
	cleanup_free char *sj = NULL;
	struct glass_err *herr = NULL;
	if (spec == NULL || spec->nhooks[kind] == 0)
		return;
	sj = glass_state_oci_json(st, status, false);
	glass_trace_phase("hooks");
	for (size_t i = 0; i < spec->nhooks[kind]; i++)
		if (glass_hooks_run_one(spec, kind, i, sj, &herr) < 0)
			glass_container_warn(name, &herr);
}

static const char *const died = "the container's init exited before it could start";

/* Writes start's "0" to the fifo; returns a read end of start's own,
 * opened first, on which the fifo hangs up when the init has exec'd. */
static int let_init_go(const char *fifo, struct glass_err **err)
{
	cleanup_close int w = -1;
	int r;
	/* No reader (ENXIO): the init, which holds the only one, is gone. */
	w = glass_sys_openat(AT_FDCWD, NULL, fifo, O_WRONLY | O_NONBLOCK, 0, NULL, err);
	if (w < 0 && errno == ENXIO) {
		glass_err_free(err);
		return glass_err_new(err, 0, "%s", died);
	}
	if (w < 0)
		return -1;
	r = glass_sys_openat(AT_FDCWD, NULL, fifo, O_RDONLY | O_NONBLOCK, 0, NULL, err);
	if (r < 0)
		return -1;
	if (GLASS_SYS(err, "write", NULL, write(w, "0", 1), "%d<exec.fifo>, \"0\", 1", w) < 0) {
		close(r);
		return -1;
	}
	return r;
}

/* Waits for the fifo to hang up (no events asked: poll still reports
 * POLLHUP) while the init lives; then the "0" must have been taken. */
static int wait_exec(int r, const struct glass_state *st, struct glass_err **err)
{
	int left = 0;
	bool dead = false;
	for (;;) {
		struct pollfd p = {r, 0, 0};
		int n = poll(&p, 1, 100);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return glass_err_new(err, errno, "poll(exec.fifo)");
		if (p.revents & POLLHUP)
			break;
		/* A dead init has closed its fd: one more poll sees it. */
		if (n == 0 && !init_alive(st)) {
			if (dead)
				return glass_err_new(err, 0, "%s", died);
			dead = true;
		}
	}
	if (GLASS_SYS(err, "ioctl", NULL, ioctl(r, FIONREAD, &left), "%d<exec.fifo>, FIONREAD", r) <
	    0)
		return -1;
	return left > 0 ? glass_err_new(err, 0, "%s", died) : 0;
}

int glass_container_start_locked(const char *root, const struct glass_state *st, int sync_fd,
                                 struct glass_err **err)
{
	cleanup_free char *fifo = xasprintf("%s/%s/exec.fifo", root, st->id);
	cleanup_close int r = -1;
	struct glass_spec *spec = NULL;

	glass_trace_phase("start");
	r = let_init_go(fifo, err);
	if (r < 0)
		return glass_err_ctx(err, "start %s", st->id);
	/* run: the child keeps sending trace events until execve. */
	if (sync_fd >= 0 && glass_container_sync_drain(sync_fd, err) < 0)
		return glass_err_ctx(err, "start %s", st->id);
	if (wait_exec(r, st, err) < 0)
		return glass_err_ctx(err, "start %s", st->id);
	unlink(fifo);
	glass_trace_note("started", NULL, "container %s: process running as pid %d", st->id,
	                 (int)st->pid);
	spec = glass_container_load_config(root, st->id, NULL);
	run_hooks_warn(spec, st, GLASS_HOOK_POSTSTART, GLASS_STATUS_RUNNING, "poststart");
	glass_spec_free(spec);
	return 0;
}

int glass_container_start(const char *root, const char *id, struct glass_err **err)
{
	cleanup_close int lock = -1;
	struct glass_state *st = NULL;
	enum glass_status s;
	int rc;
	if (glass_state_lock(root, id, false, &lock, err) < 0 ||
	    glass_state_load(root, id, &st, err) < 0)
		return -1;
	s = glass_state_status(root, st);
	switch (s) {
	case GLASS_STATUS_CREATED:
		rc = glass_container_start_locked(root, st, -1, err);
		break;
	case GLASS_STATUS_STOPPED:
		rc = glass_err_new(err, 0, "cannot start a container that has stopped");
		break;
	case GLASS_STATUS_RUNNING:
	case GLASS_STATUS_PAUSED:
		rc = glass_err_new(err, 0, "cannot start an already running container");
		break;
	case GLASS_STATUS_CREATING:
	default:
		rc = glass_err_new(err, 0, "cannot start a container in the %s state",
		                   glass_status_name(s));
		break;
	}
	glass_state_free(st);
	return rc;
}

int glass_container_kill(const char *root, const char *id, int sig, bool all,
                         struct glass_err **err)
{
	struct glass_state *st = NULL;
	int rc = 0;
	if (glass_state_load(root, id, &st, err) < 0)
		return -1;
	if (glass_state_status(root, st) == GLASS_STATUS_STOPPED && !all) {
		glass_state_free(st);
		return glass_err_new(err, 0, "container not running");
	}
	glass_trace_phase("kill");
	if (all && st->cgroup_path) {
		struct glass_cgroup *cg = NULL;
		rc = glass_cgroup_open(st->cgroup_path, &cg, err);
		if (rc == 0)
			rc = glass_cgroup_kill(cg, sig, err);
		glass_cgroup_free(cg);
	} else if (glass_sys_kill(st->pid, sig, NULL, err) < 0) {
		if (errno == ESRCH) {
			glass_err_free(err);
			glass_err_new(err, 0, "no such process");
		}
		rc = -1;
	}
	glass_state_free(st);
	return rc;
}

/* Waits until the init is gone (or a zombie) for at most `ms`. */
static bool wait_gone(const struct glass_state *st, int ms)
{
	for (int i = 0; i < ms; i += 5) {
		if (!init_alive(st))
			return true;
		/* Our own child (run): reap it. */
		waitpid(st->pid, NULL, WNOHANG);
		usleep(5000);
	}
	return !init_alive(st);
}

/* Kills every process of a created or running container (thawing a
 * paused one so SIGKILL is delivered) and waits for the init to be gone. */
static int kill_all(const struct glass_state *st, struct glass_cgroup *cg, enum glass_status s,
                    struct glass_err **err)
{
	if (cg) {
		if (s == GLASS_STATUS_PAUSED)
			glass_cgroup_freeze(cg, false, NULL);
		glass_cgroup_kill(cg, SIGKILL, NULL);
	}
	/* No pid yet (a create killed before it cloned): kill(0) would be
	 * our own process group. */
	if (st->pid <= 0)
		return 0;
	if (init_alive(st))
		glass_sys_kill(st->pid, SIGKILL, NULL, NULL);
	if (!wait_gone(st, 10000))
		return glass_err_new(err, 0, "container %s: init %d did not die after SIGKILL",
		                     st->id, (int)st->pid);
	return 0;
}

/* The container's cgroup: from the state, with what it made; for a
 * corrupt state, from the config copy (resolved as create did), and then
 * only the leaf is removed, as before glass recorded what it made. */
static struct glass_cgroup *open_cgroup_of(const char *root, const struct glass_state *st,
                                           const struct glass_spec *spec)
{
	struct glass_cgroup *cg = NULL;
	if (st->cgroup_path) {
		if (glass_cgroup_open(st->cgroup_path, &cg, NULL) == 0 && st->cgroup_made)
			glass_cgroup_set_made(cg, st->cgroup_made);
	} else if (st->corrupt && spec) {
		glass_cgroup_open_config(spec, st->id, &cg, NULL);
	}
	return cg;
}

/* Why a container may not be deleted without --force, or NULL. */
static int refuse_unforced(const struct glass_state *st, enum glass_status s,
                           struct glass_err **err)
{
	if (st->corrupt) {
		glass_err_new(err, 0, "cannot delete container %s: %s", st->id, st->corrupt);
		return glass_err_hint(err, "delete --force finds its process through init.pid "
		                           "and its cgroup through config.json");
	}
	if (s == GLASS_STATUS_RUNNING || s == GLASS_STATUS_PAUSED || s == GLASS_STATUS_CREATING)
		return glass_err_new(err, 0, "cannot delete container %s that is not stopped: %s",
		                     st->id, glass_status_name(s));
	return 0;
}

int glass_container_delete(const char *root, const char *id, bool force, struct glass_err **err)
{
	cleanup_close int lock = -1;
	struct glass_state *st = NULL;
	cleanup_spec struct glass_spec *spec = NULL;
	cleanup_cgroup struct glass_cgroup *cg = NULL;
	enum glass_status s;
	int rc = -1;

	if (glass_state_lock(root, id, false, &lock, err) < 0)
		return -1;
	/* Whole or not: a create killed midway (`creating`, perhaps with no
	 * state.json yet) or a corrupt state.json is still a container. */
	if (glass_state_load_any(root, id, &st, err) < 0)
		return -1;
	glass_trace_phase("delete");
	s = glass_state_status(root, st);
	if (!force && refuse_unforced(st, s, err) < 0)
		goto out;
	spec = glass_container_load_config(root, id, NULL);
	cg = open_cgroup_of(root, st, spec);
	/* created (runc deletes a created container without --force) or
	 * forced: kill everything first. */
	if ((s != GLASS_STATUS_STOPPED || st->corrupt) && kill_all(st, cg, s, err) < 0)
		goto out;
	if (cg && glass_cgroup_destroy(cg, err) < 0) {
		glass_err_ctx(err, "delete %s: remove cgroup", id);
		goto out;
	}
	/* The resctrl class is the runtime's to remove only when it named
	 * it after the container (no closID), per the spec. */
	if (spec && spec->linux_.intel_rdt.present)
		glass_intelrdt_remove(spec, id, spec->linux_.intel_rdt.clos_id == NULL, NULL);
	if (glass_state_remove(root, id, err) < 0)
		goto out;
	if (!st->creating && !st->corrupt)
		run_hooks_warn(spec, st, GLASS_HOOK_POSTSTOP, GLASS_STATUS_STOPPED, "poststop");
	rc = 0;
out:
	glass_state_free(st);
	return rc;
}

void glass_container_block_signals(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, old);
}

static int status_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The foreground wait's state: the process, the pty master while it is
 * open, and whether the caller's stdin still is. */
struct waiter {
	pid_t pid;
	int master_fd;
	bool in_open;
	bool done;
	int *exit_code;
};

/* A signal arrived: SIGCHLD reaps (the process, and whatever else this
 * subreaper inherited), SIGWINCH resizes the pty, the rest is forwarded. */
static void on_signal(struct waiter *w, int sfd)
{
	struct signalfd_siginfo si;
	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	int sig = (int)si.ssi_signo;
	if (sig == SIGWINCH) {
		if (w->master_fd >= 0)
			glass_console_copy_size(0, w->master_fd);
		return;
	}
	if (sig != SIGCHLD) {
		kill(w->pid, sig);
		return;
	}
	int status;
	pid_t got;
	while ((got = waitpid(-1, &status, WNOHANG)) > 0) {
		if (got != w->pid)
			continue;
		*w->exit_code = status_code(status);
		w->done = true;
	}
}

/* The pty's output to our stdout; EOF or EIO (every slave closed, the
 * process is gone) closes the master. */
static void relay_out(struct waiter *w)
{
	char buf[8192];
	ssize_t n = read(w->master_fd, buf, sizeof(buf));
	if (n > 0) {
		write_all(1, buf, (size_t)n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(w->master_fd);
		w->master_fd = -1;
	}
}

/* Our stdin to the pty, until it ends. */
static void relay_in(struct waiter *w)
{
	char buf[8192];
	ssize_t n = read(0, buf, sizeof(buf));
	if (n > 0 && w->master_fd >= 0)
		write_all(w->master_fd, buf, (size_t)n);
	else if (n <= 0 && errno != EINTR)
		w->in_open = false;
}

int glass_container_wait(pid_t pid, int master_fd, int *exit_code, struct glass_err **err)
{
	struct waiter w = {pid, master_fd, master_fd >= 0, false, exit_code};
	sigset_t all;
	struct termios saved;
	bool raw = false;
	int sfd;

	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		return glass_err_new(err, errno, "signalfd()");
	if (master_fd >= 0) {
		raw = glass_console_raw(0, &saved);
		if (raw)
			glass_console_copy_size(0, master_fd);
	}
	*exit_code = 255;
	while (!w.done || w.master_fd >= 0) {
		/* Once the process is reaped, only drain the pty. */
		struct pollfd p[3] = {{w.done ? -1 : sfd, POLLIN, 0},
		                      {w.master_fd, POLLIN, 0},
		                      {w.in_open ? 0 : -1, POLLIN, 0}};
		int r = poll(p, 3, w.done ? 100 : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r == 0 && w.done))
			break;
		if (p[0].revents & POLLIN)
			on_signal(&w, sfd);
		if (w.master_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			relay_out(&w);
		if (w.in_open && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			relay_in(&w);
	}
	if (w.master_fd >= 0)
		close(w.master_fd);
	if (raw)
		glass_console_restore(0, &saved);
	close(sfd);
	return 0;
}

int glass_container_run(const char *root, const char *id, const char *bundle,
                        const struct glass_create_opts *opts, int *exit_code,
                        struct glass_err **err)
{
	struct glass_created c;
	struct glass_state *st = NULL;
	sigset_t old;
	int rc = -1;

	*exit_code = 0;
	if (opts->detach) {
		if (glass_container_create_ex(root, id, bundle, opts, false, &c, err) < 0)
			return -1;
		if (glass_state_load(root, id, &st, err) < 0 ||
		    glass_container_start_locked(root, st, -1, err) < 0) {
			glass_state_free(st);
			glass_container_delete(root, id, true, NULL);
			close(c.lock_fd);
			return -1;
		}
		glass_state_free(st);
		close(c.lock_fd);
		return 0;
	}

	/* Foreground: the init (and, without a PID namespace, whatever it
	 * leaves behind) is reaped here; signals go to the init. */
	/* A traced step: in step mode the controller may abort it, and then
	 * nothing else may run. */
	if (glass_sys_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, "PR_SET_CHILD_SUBREAPER", NULL, err) < 0)
		return glass_err_ctx(err, "run %s", id);
	glass_container_block_signals(&old);
	if (glass_container_create_ex(root, id, bundle, opts, true, &c, err) < 0)
		goto out;
	if (glass_state_load(root, id, &st, err) < 0 ||
	    glass_container_start_locked(root, st, c.sync_fd, err) < 0) {
		close(c.sync_fd);
		close(c.lock_fd);
		if (c.master_fd >= 0)
			close(c.master_fd);
		glass_container_delete(root, id, true, NULL);
		goto out;
	}
	close(c.sync_fd);
	close(c.lock_fd);
	glass_trace_phase("wait");
	if (glass_container_wait(c.pid, c.master_fd, exit_code, err) < 0)
		goto out;
	glass_trace_note("exited", NULL, "container %s: exit code %d", id, *exit_code);
	rc = 0;
	if (!opts->keep && glass_container_delete(root, id, true, err) < 0)
		rc = -1;
out:
	glass_state_free(st);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
