/* container-exec: a new process in a running container.
 *
 * There is no kernel call "enter a container": the new process joins each
 * namespace of the container's init with setns(2) on /proc/PID/ns/<type> (user
 * first, so it holds capabilities over the others; the mount namespace
 * last, as it changes what /proc shows), enters the container's
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
#include "process.h"
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
	uint32_t go = 0;
	uint32_t type = 0;
	pid_t pid;

	close(c->parent_fd);
	if (c->master_fd >= 0)
		close(c->master_fd);
	glass_trace_set_relay(c->sync_fd);
	/* As for the init (container-child.c): no blocked signal, no
	 * ignored one, whatever exec's caller had. */
	glass_process_reset_signals();
	/* Into the container's cgroup before anything else. */
	if (glass_child_join_cgroup(c->sync_fd, c->cgroup_join, &err) < 0)
		return glass_child_fail(c->sync_fd, &err);
	/* Wait until the parent has moved us into cgroup2, if clone3 could
	 * not. */
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

/* What exec's process takes from the container when its own config leaves
 * it out, as runc does: the capability sets (an absent object; a present
 * one, even empty, is the process's own) and the LSM labels.  On the
 * shallow copy `p`. */
static void inherit_from_container(struct glass_process *p, const struct glass_spec *spec)
{
	const struct glass_process *c = &spec->process;
	if (!p->has_caps) {
		p->caps = c->caps;
		p->has_caps = c->has_caps;
		glass_trace_note("exec", "process.capabilities",
		                 "absent in the exec process: the container's sets apply");
	}
	if (!p->apparmor_profile || !*p->apparmor_profile)
		p->apparmor_profile = c->apparmor_profile;
	if (!p->selinux_label || !*p->selinux_label)
		p->selinux_label = c->selinux_label;
}

/* Everything exec owns until its process runs, released in one place
 * (exec_release). */
struct exec_ctx {
	const char *root, *id;
	const struct glass_exec_opts *opts;
	struct glass_state *st;
	enum glass_status status;
	struct glass_spec *spec;
	struct glass_process p; /* a shallow copy of the process, with the overrides */
	char **env;             /* p.env when --env added to it */
	int *capv[5];           /* p.caps' sets when --cap added to them */
	struct glass_seccomp_prog *sc;
	struct glass_cgroup *cg;
	struct glass_cgroup_join cgj; /* what the joining process enters it by */
	struct glass_ns_plan noplan;  /* exec joins; it creates no namespace */
	struct child_args args;
	int sp[2];         /* the sync socket: [0] ours, [1] the child's */
	int ptys[2];       /* --tty: the master comes back over [0] */
	int master;        /* the pty master, or -1 */
	char pty_path[64]; /* its slave, as the container names it */
	pid_t child;       /* the joining process, until it forked */
	bool placed;       /* clone3 started it in the cgroup2 cgroup */
	pid_t pid;         /* the process in the container */
	sigset_t old;      /* the signal mask before a foreground exec */
	bool blocked;
};

/* The container: running (or created) and its saved config. */
static int load_container(struct exec_ctx *x, struct glass_err **err)
{
	glass_trace_phase("validate");
	if (glass_state_load(x->root, x->id, &x->st, err) < 0)
		return -1;
	x->status = glass_state_status(x->root, x->st);
	if (x->status == GLASS_STATUS_STOPPED)
		return glass_err_new(err, 0, "cannot exec in a stopped container");
	if (x->status == GLASS_STATUS_PAUSED)
		return glass_err_new(err, 0, "cannot exec in a paused container");
	if (x->status == GLASS_STATUS_CREATING)
		return glass_err_new(err, 0,
		                     "cannot exec in a container that is being created "
		                     "(or whose create was killed: delete --force removes it)");
	x->spec = glass_container_load_config(x->root, x->id, err);
	if (x->spec == NULL)
		return -1;
	if (x->p.nargs == 0 || x->p.args == NULL)
		return glass_err_field(err, 0, "process.args", "process.args: must not be empty");
	return glass_process_check_limits(&x->p, err);
}

/* --cap: each name added to every capability set of the process. */
static int add_caps(struct exec_ctx *x, struct glass_err **err)
{
	struct glass_caps *k = &x->p.caps;
	char **names = x->opts->caps;
	if (!(x->capv[0] = caps_add(k->bounding, k->nbounding, names, &k->nbounding, err)) ||
	    !(x->capv[1] = caps_add(k->effective, k->neffective, names, &k->neffective, err)) ||
	    !(x->capv[2] = caps_add(k->permitted, k->npermitted, names, &k->npermitted, err)) ||
	    !(x->capv[3] =
	          caps_add(k->inheritable, k->ninheritable, names, &k->ninheritable, err)) ||
	    !(x->capv[4] = caps_add(k->ambient, k->nambient, names, &k->nambient, err)))
		return -1;
	k->bounding = x->capv[0];
	k->effective = x->capv[1];
	k->permitted = x->capv[2];
	k->inheritable = x->capv[3];
	k->ambient = x->capv[4];
	k->has_bounding = k->has_effective = k->has_permitted = k->has_inheritable =
	    k->has_ambient = true;
	x->p.has_caps = true;
	return 0;
}

/* The overrides of the command line, on the shallow copy of the process. */
static int apply_overrides(struct exec_ctx *x, struct glass_err **err)
{
	const struct glass_exec_opts *opts = x->opts;
	struct glass_process *p = &x->p;
	if (opts->cwd)
		p->cwd = (char *)opts->cwd;
	if (opts->env) {
		x->env = strv_concat(p->env, p->nenv, opts->env);
		p->env = x->env;
		while (p->env[p->nenv])
			p->nenv++;
	}
	if (opts->user) {
		bool has_gid;
		if (glass_spec_parse_user_arg(opts->user, "--user", &p->user.uid, &p->user.gid,
		                              &has_gid, err) < 0)
			return -1;
		p->user.additional_gids = NULL;
		p->user.nadditional_gids = 0;
	}
	if (opts->apparmor)
		p->apparmor_profile = (char *)opts->apparmor;
	if (opts->process_label)
		p->selinux_label = (char *)opts->process_label;
	inherit_from_container(p, x->spec);
	if (opts->tty)
		p->terminal = true;
	if (opts->no_new_privs)
		p->no_new_privileges = true;
	if (opts->caps && opts->caps[0] && add_caps(x, err) < 0)
		return -1;
	if (p->terminal && !opts->console_socket && opts->detach)
		return glass_err_field(err, 0, "process.terminal",
		                       "cannot allocate tty if runc will detach without setting "
		                       "console socket");
	if (opts->console_socket && !p->terminal)
		return glass_err_field(
		    err, 0, "process.terminal",
		    "cannot use console socket if runc will not detach or allocate tty");
	return 0;
}

/* The joining process's security and channels: the sealed-binary check
 * for a created container, the seccomp filter, the pty's socket (the pty
 * is opened inside, from the container's devpts), the sync socket. */
static int prepare(struct exec_ctx *x, struct glass_err **err)
{
	glass_trace_phase("security");
	if (x->status == GLASS_STATUS_CREATED &&
	    glass_selfexe_check_join(x->st->pid, &x->p, x->spec, err) < 0)
		return -1;
	if (glass_seccomp_prepare(x->spec, &x->p, x->root, &x->sc, err) < 0)
		return -1;
	if (x->p.terminal && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->ptys) < 0)
		return glass_err_new(err, errno, "socketpair(pty)");
	return glass_sync_pair(x->sp, err);
}

/* spawn: the process that joins the container's namespaces (it forks
 * the one that runs the command once it is in the PID namespace). */
static int spawn_joiner(struct exec_ctx *x, struct glass_err **err)
{
	x->args = (struct child_args){
	    .spec = x->spec,
	    .proc = &x->p,
	    .plan = &x->noplan,
	    .st = x->st,
	    .sync_fd = x->sp[1],
	    .parent_fd = x->sp[0],
	    .console_fd = -1,
	    .master_fd = -1,
	    .lock_fd = -1,
	    .pty_sock = x->ptys[1],
	    .seccomp = x->sc,
	    .preserve_fds = x->opts->preserve_fds,
	    .init_pid = x->st->pid,
	    .exec = true,
	    .cgroup_join = &x->cgj,
	};
	if (!x->opts->detach) {
		/* The command is a grandchild: be its reaper once its parent
		 * exits, and keep signals for forwarding. */
		if (glass_sys_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, "PR_SET_CHILD_SUBREAPER", NULL,
		                    err) < 0)
			return -1;
		glass_container_block_signals(&x->old);
		x->blocked = true;
	}
	if (x->st->cgroup_path) {
		glass_trace_phase("cgroup");
		if (glass_cgroup_open(x->st->cgroup_path, &x->cg, err) < 0 ||
		    glass_cgroup_join_open(x->cg, &x->cgj, err) < 0)
			return -1;
	}
	glass_trace_phase("namespaces");
	x->child =
	    glass_sys_clone_into(SIGCHLD, x->cgj.v2_fd, x->cgj.v2_path, glass_container_exec_child,
	                         &x->args, &x->placed, NULL, err);
	if (x->child < 0)
		return -1;
	cleanup_closep(&x->sp[1]);
	x->sp[1] = -1;
	return 0;
}

/* The joining process is in the container's cgroup before it joins
 * anything (started in the cgroup2 one by clone3, or moved there by its
 * pid; v1: moved itself in, SYNC_JOINED); then SYNC_GO; it reports the
 * pid of the command (SYNC_PID) and exits. */
static int enter_cgroup(struct exec_ctx *x, struct glass_err **err)
{
	uint32_t go = 1, got = 0;
	if (glass_container_expect_joined(x->sp[0], &x->cgj, err) < 0)
		return -1;
	glass_cgroup_join_clear(&x->cgj);
	if (x->cg && !x->placed && glass_cgroup_enter_v2(x->cg, x->child, err) < 0)
		return -1;
	if (glass_sync_send(x->sp[0], SYNC_GO, &go, sizeof(go), err) < 0)
		return -1;
	int r = glass_container_sync_expect(x->sp[0], SYNC_PID, &got, sizeof(got), NULL, err);
	while (waitpid(x->child, NULL, 0) < 0 && errno == EINTR)
		;
	x->child = -1;
	if (r < 0)
		return -1;
	x->pid = (pid_t)got;
	return 0;
}

/* --tty: the command opened its pty in the container and sends the
 * master back; when it fails before, its error is on the sync socket. */
static int receive_pty(struct exec_ctx *x, struct glass_err **err)
{
	if (x->ptys[0] < 0)
		return 0;
	cleanup_closep(&x->ptys[1]);
	x->ptys[1] = -1;
	memset(x->pty_path, 0, sizeof(x->pty_path));
	x->master = glass_fd_recv(x->ptys[0], x->pty_path, sizeof(x->pty_path) - 1);
	if (x->master < 0) {
		if (glass_container_sync_drain(x->sp[0], err) == 0)
			glass_err_new(err, EPIPE, "the process did not send its terminal");
		return -1;
	}
	if (x->p.has_console_size)
		glass_console_set_size(x->master, x->p.console_size.height, x->p.console_size.width,
		                       NULL);
	return 0;
}

/* Relays the command's trace events until it execs (EOF on the sync
 * socket); a filter with SCMP_ACT_NOTIFY handed its listener fd back
 * meanwhile: pass it on to listenerPath. */
static int until_exec(struct exec_ctx *x, struct glass_err **err)
{
	if (glass_container_sync_drain(x->sp[0], err) < 0) {
		/* The command's process reported the error and exits. */
		while (!x->opts->detach && waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
			;
		x->pid = -1;
		return -1;
	}
	return glass_seccomp_notify_forward(x->sc, x->id, x->st->bundle, x->pid, x->spec, err);
}

/* --pid-file and --console-socket, the steps create has too. */
static int publish(struct exec_ctx *x, struct glass_err **err)
{
	if (x->opts->pid_file && glass_container_write_pid_file(x->opts->pid_file, x->pid, err) < 0)
		return -1;
	if (x->master >= 0 && x->opts->console_socket &&
	    glass_container_send_console(x->opts->console_socket, &x->master, x->pty_path, err) < 0)
		return -1;
	return 0;
}

static void exec_release(struct exec_ctx *x)
{
	cleanup_pidp(&x->child);
	if (x->blocked)
		sigprocmask(SIG_SETMASK, &x->old, NULL);
	int *fds[] = {&x->sp[0], &x->sp[1], &x->master, &x->ptys[0], &x->ptys[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		cleanup_closep(fds[i]);
	for (int i = 0; i < 5; i++)
		free(x->capv[i]);
	free(x->env);
	glass_cgroup_join_clear(&x->cgj);
	glass_cgroup_freep(&x->cg);
	glass_seccomp_free(x->sc);
	glass_spec_freep(&x->spec);
	glass_state_free(x->st);
}

/* exec's script: the steps of the exec handshake (container-internal.h). */
static int (*const exec_steps[])(struct exec_ctx *x, struct glass_err **err) = {
    load_container,  /* state and saved config: running or created */
    apply_overrides, /* --cwd, --env, --user, labels, --cap, --tty, --no-new-privs */
    prepare,         /* selfexe check, seccomp, pty and sync sockets */
    spawn_joiner,    /* the process that joins the cgroup and the namespaces */
    enter_cgroup,    /* SYNC_JOINED, SYNC_GO, SYNC_PID */
    receive_pty,     /* --tty: the master from inside */
    until_exec,      /* trace relay until execve, seccomp listener */
    publish,         /* --pid-file, --console-socket */
};

int glass_container_exec(const char *root, const char *id, const struct glass_process *proc,
                         const struct glass_exec_opts *opts, pid_t *pid_out, int *exit_code,
                         struct glass_err **err)
{
	struct exec_ctx x = {.root = root, .id = id, .opts = opts, .p = *proc};
	int rc = 0;
	x.sp[0] = x.sp[1] = x.ptys[0] = x.ptys[1] = x.master = -1;
	x.child = x.pid = -1;
	x.cgj = (struct glass_cgroup_join){.v2_fd = -1, .lock_fd = -1};
	if (exit_code)
		*exit_code = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(exec_steps) / sizeof(exec_steps[0]); i++)
		rc = exec_steps[i](&x, err);
	if (rc == 0 && pid_out)
		*pid_out = x.pid;
	if (rc == 0 && !opts->detach) {
		glass_trace_phase("wait");
		rc = glass_container_wait(x.pid, steal_fd(&x.master),
		                          exit_code ? exit_code : &(int){0}, err);
	}
	if (rc < 0 && x.st) /* a container that does not exist says so alone */
		glass_err_ctx(err, "exec in %s", id);
	exec_release(&x);
	return rc;
}
