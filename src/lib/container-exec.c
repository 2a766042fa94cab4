/* container-exec: a new process in a running container.
 *
 * There is no kernel call "enter a container": the new process joins each
 * namespace of the container's init with setns(2) on /proc/PID/ns/<type> (user
 * first, so it holds capabilities over the others; the mount namespace
 * last, as it changes what /proc shows), is moved into the container's
 * cgroup, and takes the process's identity, limits and seccomp filter as
 * the init did.  Joining a PID namespace only applies to children, so the
 * joining process forks once more; that second process is the one that
 * runs the command.  The first one exits, so the command is reparented to
 * the nearest subreaper: containerd's shim with --detach, or this runtime
 * in the foreground (it becomes a subreaper for that).
 */
#include "cgroup.h"
#include "console.h"
#include "container-internal.h"
#include "selfexe.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the container (after setns of its mount namespace): a new session,
 * a pty from the container's /dev/ptmx as controlling terminal and stdio;
 * the master goes to the parent over `sock`. */
static int open_container_pty(int sock, struct glass_err **err)
{
	char name[64];
	int m, s;
	if (setsid() < 0)
		return glass_err_new(err, errno, "setsid()");
	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return glass_err_field(err, errno, "--tty", "open(/dev/ptmx) in the container");
	if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0) {
		close(m);
		return glass_err_field(err, errno, "--tty", "unlockpt/ptsname(/dev/ptmx)");
	}
	s = open(name, O_RDWR | O_CLOEXEC);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0) {
		glass_err_field(err, errno, "--tty", "open %s as the controlling terminal", name);
		close(m);
		if (s >= 0)
			close(s);
		return -1;
	}
	for (int i = 0; i < 3; i++)
		dup3(s, i, 0);
	if (s > 2)
		close(s);
	if (glass_fd_send(sock, m, name, strlen(name)) < 0) {
		glass_err_new(err, errno, "send the pty master");
		close(m);
		return -1;
	}
	close(m);
	close(sock);
	return 0;
}

/* The process that runs the command (in the PID namespace). */
static int exec_final(void *arg)
{
	struct child_args *c = arg;
	struct glass_err *err = NULL;
	char *path;
	int fd = c->sync_fd;

	if (c->pty_sock >= 0) {
		/* The terminal comes from the container's own devpts, so the
		 * process sees a /dev/pts/N it can name.  Done before any
		 * traced step: the parent waits for the master meanwhile. */
		if (open_container_pty(c->pty_sock, &err) < 0)
			return glass_child_fail(fd, &err);
	} else if (GLASS_SYS(&err, "setsid", NULL, setsid(), "%s", "") < 0) {
		return glass_child_fail(fd, &err);
	}
	glass_trace_phase("process");
	path = glass_child_process_setup(c, &err);
	if (path == NULL)
		return glass_child_fail(fd, &err);
	if (glass_child_close_fds(c->preserve_fds, fd, -1, &err) < 0)
		return glass_child_fail(fd, &err);
	return glass_child_exec(c, path, fd);
}

int glass_container_exec_child(void *arg)
{
	struct child_args *c = arg;
	struct glass_err *err = NULL;
	bool pid_joined = false;
	sigset_t none;
	uint32_t go = 0;
	uint32_t type = 0;
	pid_t pid;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(c->parent_fd);
	if (c->master_fd >= 0)
		close(c->master_fd);
	glass_trace_set_relay(c->sync_fd);
	/* Wait until the parent has moved us into the container's cgroup. */
	if (glass_sync_recv(c->sync_fd, &type, &go, sizeof(go), NULL) <= 0 || type != SYNC_GO)
		return 1;
	glass_trace_phase("namespaces");
	if (glass_ns_join_process(c->init_pid, &pid_joined, &err) < 0)
		return glass_child_fail(c->sync_fd, &err);
	pid = glass_sys_clone(SIGCHLD, exec_final, c,
	                      pid_joined ? "(enter the PID namespace)" : NULL, &err);
	if (pid < 0)
		return glass_child_fail(c->sync_fd, &err);
	uint32_t p = (uint32_t)pid;
	glass_sync_send(c->sync_fd, SYNC_PID, &p, sizeof(p), NULL);
	return 0;
}

static char **strv_concat(char **a, size_t na, char **b)
{
	size_t nb = 0;
	char **v;
	while (b && b[nb])
		nb++;
	v = xcalloc(na + nb + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++)
		v[i] = a[i];
	for (size_t i = 0; i < nb; i++)
		v[na + i] = b[i];
	return v;
}

/* Adds each --cap name to a capability set (ints), owned copy. */
static int *caps_add(const int *set, size_t n, char **names, size_t *out_n, struct glass_err **err)
{
	size_t extra = 0;
	int *v;
	while (names && names[extra])
		extra++;
	v = xcalloc(n + extra + 1, sizeof(int));
	memcpy(v, set, n * sizeof(int));
	*out_n = n;
	for (size_t i = 0; i < extra; i++) {
		int cap = glass_cap_from_name(names[i]);
		if (cap < 0) {
			cleanup_free char *full = xasprintf("CAP_%s", names[i]);
			cap = glass_cap_from_name(full);
		}
		if (cap < 0) {
			free(v);
			glass_err_field(err, EINVAL, "--cap", "unknown capability \"%s\"",
			                names[i]);
			return NULL;
		}
		v[(*out_n)++] = cap;
	}
	return v;
}

static int parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid)
{
	char *end;
	unsigned long u = strtoul(s, &end, 10);
	if (end == s || (*end && *end != ':'))
		return -1;
	*uid = (uint32_t)u;
	*has_gid = false;
	if (*end == ':') {
		const char *g = end + 1;
		unsigned long gv = strtoul(g, &end, 10);
		if (end == g || *end)
			return -1;
		*gid = (uint32_t)gv;
		*has_gid = true;
	}
	return 0;
}

int glass_container_exec(const char *root, const char *id, const struct glass_process *proc,
                         const struct glass_exec_opts *opts, pid_t *pid_out, int *exit_code,
                         struct glass_err **err)
{
	struct glass_state *st = NULL;
	struct glass_spec *spec = NULL;
	struct glass_seccomp_prog *sc = NULL;
	struct glass_cgroup *cg = NULL;
	struct glass_process p = *proc;
	char **env = NULL;
	int *capv[5] = {NULL, NULL, NULL, NULL, NULL};
	int sp[2] = {-1, -1};
	int master = -1, slave = -1;
	int ptys[2] = {-1, -1};
	char slave_path[64] = "/dev/ptmx";
	pid_t child = -1, pid = -1;
	sigset_t old;
	bool blocked = false;
	enum glass_status s;
	int rc = -1;
	struct glass_ns_plan noplan;

	memset(&noplan, 0, sizeof(noplan));
	if (exit_code)
		*exit_code = 0;
	glass_trace_phase("validate");
	if (glass_state_load(root, id, &st, err) < 0)
		return -1;
	s = glass_state_status(root, st);
	if (s == GLASS_STATUS_STOPPED) {
		glass_err_new(err, 0, "cannot exec in a stopped container");
		goto out;
	}
	if (s == GLASS_STATUS_PAUSED) {
		glass_err_new(err, 0, "cannot exec in a paused container");
		goto out;
	}
	spec = glass_container_load_config(root, id, err);
	if (spec == NULL)
		goto out;
	if (p.nargs == 0 || p.args == NULL) {
		glass_err_field(err, 0, "process.args", "process.args: must not be empty");
		goto out;
	}

	/* The overrides of the command line, on a shallow copy. */
	if (opts->cwd)
		p.cwd = (char *)opts->cwd;
	if (opts->env) {
		env = strv_concat(p.env, p.nenv, opts->env);
		p.env = env;
		while (p.env[p.nenv])
			p.nenv++;
	}
	if (opts->user) {
		bool has_gid;
		if (parse_user(opts->user, &p.user.uid, &p.user.gid, &has_gid) < 0) {
			glass_err_field(err, EINVAL, "--user", "--user %s: want UID[:GID]",
			                opts->user);
			goto out;
		}
		p.user.additional_gids = NULL;
		p.user.nadditional_gids = 0;
	}
	if (opts->tty)
		p.terminal = true;
	if (opts->no_new_privs)
		p.no_new_privileges = true;
	if (opts->caps && opts->caps[0]) {
		struct glass_caps *k = &p.caps;
		if (!(capv[0] =
		          caps_add(k->bounding, k->nbounding, opts->caps, &k->nbounding, err)) ||
		    !(capv[1] =
		          caps_add(k->effective, k->neffective, opts->caps, &k->neffective, err)) ||
		    !(capv[2] =
		          caps_add(k->permitted, k->npermitted, opts->caps, &k->npermitted, err)) ||
		    !(capv[3] = caps_add(k->inheritable, k->ninheritable, opts->caps,
		                         &k->ninheritable, err)) ||
		    !(capv[4] = caps_add(k->ambient, k->nambient, opts->caps, &k->nambient, err)))
			goto out;
		k->bounding = capv[0];
		k->effective = capv[1];
		k->permitted = capv[2];
		k->inheritable = capv[3];
		k->ambient = capv[4];
		k->has_bounding = k->has_effective = k->has_permitted = k->has_inheritable =
		    k->has_ambient = true;
		p.has_caps = true;
	}
	if (p.terminal && !opts->console_socket && opts->detach) {
		glass_err_field(err, 0, "process.terminal",
		                "cannot allocate tty if runc will detach without setting console "
		                "socket");
		goto out;
	}
	if (opts->console_socket && !p.terminal) {
		glass_err_field(
		    err, 0, "process.terminal",
		    "cannot use console socket if runc will not detach or allocate tty");
		goto out;
	}

	glass_trace_phase("security");
	if ((s == GLASS_STATUS_CREATED && glass_selfexe_check_join(st->pid, &p, spec, err) < 0) ||
	    glass_seccomp_prepare(spec, &sc, err) < 0)
		goto out;
	if (p.terminal) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ptys) < 0) {
			glass_err_new(err, errno, "socketpair(pty)");
			goto out;
		}
	}
	if (glass_sync_pair(sp, err) < 0)
		goto out;

	struct child_args args = {
	    .spec = spec,
	    .proc = &p,
	    .plan = &noplan,
	    .st = st,
	    .sync_fd = sp[1],
	    .parent_fd = sp[0],
	    .console_fd = slave,
	    .master_fd = master,
	    .lock_fd = -1,
	    .pty_sock = ptys[1],
	    .seccomp = sc,
	    .preserve_fds = opts->preserve_fds,
	    .init_pid = st->pid,
	    .exec = true,
	};
	if (!opts->detach) {
		/* The command is a grandchild: be its reaper once its parent
		 * exits, and keep signals for forwarding. */
		glass_sys_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, "PR_SET_CHILD_SUBREAPER", NULL, NULL);
		glass_container_block_signals(&old);
		blocked = true;
	}
	glass_trace_phase("namespaces");
	child = glass_sys_clone(SIGCHLD, glass_container_exec_child, &args, NULL, err);
	if (child < 0)
		goto out;
	close(sp[1]);
	sp[1] = -1;
	if (slave >= 0) {
		close(slave);
		slave = -1;
	}
	if (st->cgroup_path) {
		glass_trace_phase("cgroup");
		if (glass_cgroup_open(st->cgroup_path, &cg, err) < 0 ||
		    glass_cgroup_enter(cg, child, err) < 0)
			goto out;
	}
	{
		uint32_t go = 1;
		if (glass_sync_send(sp[0], SYNC_GO, &go, sizeof(go), err) < 0)
			goto out;
	}
	{
		uint32_t got = 0;
		int r = glass_container_sync_expect(sp[0], SYNC_PID, &got, sizeof(got), NULL, err);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		child = -1;
		if (r < 0)
			goto out;
		pid = (pid_t)got;
	}
	if (ptys[0] >= 0) {
		close(ptys[1]);
		ptys[1] = -1;
		memset(slave_path, 0, sizeof(slave_path));
		master = glass_fd_recv(ptys[0], slave_path, sizeof(slave_path) - 1);
		if (master < 0) {
			/* The process failed before: its error is on the sync socket. */
			if (glass_container_sync_drain(sp[0], err) == 0)
				glass_err_new(err, EPIPE, "the process did not send its terminal");
			goto out;
		}
		if (p.has_console_size)
			glass_console_set_size(master, p.console_size.height, p.console_size.width,
			                       NULL);
	}
	if (glass_container_sync_drain(sp[0], err) < 0) {
		/* The command's process reported the error and exits. */
		while (!opts->detach && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		pid = -1;
		goto out;
	}
	/* A filter with SCMP_ACT_NOTIFY handed its listener fd back while
	 * the process was set up: pass it on to listenerPath. */
	if (glass_seccomp_notify_forward(sc, id, st->bundle, pid, spec, err) < 0)
		goto out;
	if (opts->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
		if (write_file_atomic_at(AT_FDCWD, opts->pid_file, buf, (size_t)n, 0644) < 0) {
			glass_err_field(err, errno, "--pid-file", "write pid file %s",
			                opts->pid_file);
			goto out;
		}
	}
	if (master >= 0 && opts->console_socket) {
		if (glass_console_send_fd(opts->console_socket, master, slave_path, err) < 0)
			goto out;
		close(master);
		master = -1;
	}
	if (pid_out)
		*pid_out = pid;
	if (opts->detach) {
		rc = 0;
		goto out;
	}
	glass_trace_phase("wait");
	rc = glass_container_wait(pid, master, exit_code ? exit_code : &(int){0}, err);
	master = -1;
out:
	if (rc < 0) {
		glass_err_ctx(err, "exec in %s", id);
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
	}
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < 2; i++)
		if (sp[i] >= 0)
			close(sp[i]);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	for (int i = 0; i < 2; i++)
		if (ptys[i] >= 0)
			close(ptys[i]);
	for (int i = 0; i < 5; i++)
		free(capv[i]);
	free(env);
	glass_cgroup_free(cg);
	glass_seccomp_free(sc);
	glass_spec_free(spec);
	glass_state_free(st);
	return rc;
}
