/* container-child: the script the container's first process runs between
 * clone() and execve().
 *
 * The kernel gave this process its new namespaces at clone(); it is
 * still an instance of glass-runtime, with the runtime's root, identity
 * and capabilities.  Step by step it turns itself into the container's
 * init: it moves itself into its cgroup, waits for the parent to write
 * its uid/gid maps, enters the remaining namespaces, builds and enters the
 * root filesystem, drops to the process's identity behind seccomp, closes
 * every fd the container must not inherit, and then blocks reading the
 * exec fifo until `start` writes to it.  Every step is traced; the
 * events travel to the parent over the sync socket.  On failure the error
 * (with its frames) goes the same way and the child exits.
 */
#include "container-internal.h"
#include "console.h"
#include "execstub.h"
#include "selfexe.h"
#include "hooks.h"
#include "netdev.h"
#include "process.h"
#include "rootfs.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int exec_through_stub(const struct child_args *c, const char *path, int fd, int fifo,
                             bool keep_sync);

int glass_child_fail(int sync_fd, struct glass_err **err)
{
	char buf[GLASS_SYNC_MAX];
	size_t n = glass_err_pack(*err, buf, sizeof(buf));
	if (glass_sync_send(sync_fd, GLASS_SYNC_ERROR, buf, n, NULL) < 0) {
		/* The parent is gone (create returned): the container's stderr
		 * is the only place left to say why it did not start. */
		char *msg = glass_err_format(*err);
		dprintf(2, "glass-runtime: container init: %s\n", msg);
		free(msg);
	}
	glass_err_free(err);
	return 1;
}

/* Waits for one message of type `want` from the parent. */
static int child_expect(int fd, uint32_t want, void *buf, size_t size, struct glass_err **err)
{
	char msg[GLASS_SYNC_MAX];
	uint32_t type = 0;
	ssize_t n = glass_sync_recv(fd, &type, msg, sizeof(msg), NULL);
	if (n < 0)
		return glass_err_new(err, errno, "recv(sync socket)");
	if (type == 0)
		return glass_err_new(err, EPIPE, "the runtime went away during setup");
	if (type != want)
		return glass_err_new(err, EPROTO, "sync: expected message %u from runtime, got %u",
		                     want, type);
	if (buf)
		memcpy(buf, msg, (size_t)n < size ? (size_t)n : size);
	return 0;
}

int glass_child_join_cgroup(int sync_fd, struct glass_cgroup_join *j, struct glass_err **err)
{
	if (j == NULL)
		return 0;
	size_t n = j->n;
	glass_trace_phase("cgroup");
	if (glass_cgroup_join_self(j, err) < 0)
		return -1;
	return n ? glass_sync_send(sync_fd, SYNC_JOINED, NULL, 0, err) : 0;
}

int glass_child_close_fds(int preserve_fds, int keep1, int keep2, struct glass_err **err)
{
	int n = 0;
	int *keep = xcalloc((size_t)(preserve_fds > 0 ? preserve_fds : 0) + 2, sizeof(int));
	int rc;
	for (int i = 0; i < preserve_fds; i++) {
		int fd = 3 + i;
		keep[n++] = fd;
		/* Preserved fds pass through execve: clear close-on-exec. */
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0)
			fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	if (keep1 >= 0)
		keep[n++] = keep1;
	if (keep2 >= 0)
		keep[n++] = keep2;
	rc = glass_process_close_fds(3, keep, n, err);
	free(keep);
	return rc;
}

char *glass_child_process_setup(struct child_args *c, struct glass_err **err)
{
	const struct glass_process *p = c->proc;
	bool nnp = p->no_new_privileges;
	bool last = glass_seccomp_loads_last(c->seccomp, nnp);

	glass_trace_phase("process");
	/* Before the identity changes: /etc/passwd may be readable to root
	 * only. */
	c->env = glass_process_env_home(p);
	if (glass_process_prepare(p, err) < 0 ||
	    glass_process_prepare_linux(&c->spec->linux_, err) < 0)
		return NULL;
	if (!nnp) {
		/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN:
		 * load it while the process still has it. */
		glass_trace_phase("security");
		if (glass_seccomp_load(c->seccomp, err) < 0)
			return NULL;
	}
	glass_trace_phase("identity");
	if (glass_process_set_identity(p, err) < 0)
		return NULL;
	glass_trace_phase("security");
	if (glass_process_set_nnp(p, err) < 0)
		return NULL;
	/* Loaded last (glass_child_exec, or the stub), the filter denies
	 * nothing the runtime still does: chdir, the exec lookup, closing
	 * fds, the sync messages, waiting for start. */
	if (nnp && (last ? glass_seccomp_load_labels(c->seccomp, err)
	                 : glass_seccomp_load(c->seccomp, err)) < 0)
		return NULL;
	glass_trace_phase("process");
	if (glass_process_chdir(p, err) < 0)
		return NULL;
	return glass_process_find_exec(p, err);
}

static bool maps_root(const struct glass_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0 && m[i].size > 0)
			return true;
	return false;
}

static int attach_console(int fd, struct glass_err **err)
{
	if (GLASS_SYS(err, "ioctl", "process.terminal", ioctl(fd, TIOCSCTTY, 0),
	              "%d</dev/pts/N>, TIOCSCTTY, 0", fd) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (GLASS_SYS(err, "dup3", "process.terminal", dup3(fd, i, 0), "%d, %d", fd, i) < 0)
			return -1;
	if (fd > 2)
		close(fd);
	return 0;
}

/* What the init's steps share. */
struct init_ctx {
	struct child_args *c;
	const struct glass_spec *spec;
	int fd;      /* the sync socket */
	int fifo_fd; /* exec.fifo, O_RDWR, from the parent */
	struct glass_rootfs_ctx rctx;
	char *path;  /* the program to execve */
	char attach; /* 'a': the parent stays, 'd': it left */
};

/* A step's result when the parent is gone or failed: exit without
 * reporting (nobody reads the socket). */
#define INIT_QUIET (-2)

/* SYNC_GO: the parent wrote the id maps (this process moved itself into
 * its cgroup before: glass_child_join_cgroup). */
static int init_wait_go(struct init_ctx *ic, struct glass_err **err)
{
	uint32_t host_pid = 0;
	if (child_expect(ic->fd, SYNC_GO, &host_pid, sizeof(host_pid), err) < 0) {
		glass_err_free(err);
		return INIT_QUIET; /* the parent failed and is cleaning up */
	}
	ic->c->st->pid = (pid_t)host_pid;
	if (!ic->c->use_stub)
		return 0;
	/* Until it execs the stub this process is the runtime's binary:
	 * non-dumpable, its /proc/PID/exe (and fds, mem, environ) open only
	 * to CAP_SYS_PTRACE in the host's user namespace.  Nothing else runs
	 * in its new PID namespace while it sets up; if it waits for start
	 * here (not in the stub), glass_selfexe_guard() made sure no process
	 * of the container can hold that capability.  Not before SYNC_GO:
	 * the parent writes our /proc/PID/uid_map until then. */
	glass_trace_phase("security");
	return glass_sys_prctl(PR_SET_DUMPABLE, 0, 0, "PR_SET_DUMPABLE", NULL, err);
}

/* In a new user namespace with root mapped, become that root, whose
 * capabilities the next steps use; in a joined one, take its root when
 * it has one (the host's uid 0 is not mapped there: files it would
 * create get EOVERFLOW). */
static int become_ns_root(struct init_ctx *ic, struct glass_err **err)
{
	const struct glass_linux *l = &ic->spec->linux_;
	const struct glass_ns_plan *plan = ic->c->plan;
	if (plan->create[GLASS_NS_USER] && maps_root(l->uid_mappings, l->nuid_mappings) &&
	    maps_root(l->gid_mappings, l->ngid_mappings)) {
		if (glass_sys_setresgid(0, "linux.gidMappings", err) < 0 ||
		    glass_sys_setresuid(0, "linux.uidMappings", err) < 0)
			return -1;
	} else if (plan->join_user) {
		int r = glass_sys_setresgid(0, "linux.namespaces[type=user].path", err);
		if (r == 0)
			r = glass_sys_setresuid(0, "linux.namespaces[type=user].path", err);
		if (r < 0 && *err && (*err)->errnum == ECANCELED) /* aborted in step mode */
			return -1;
		glass_err_free(err);
	}
	return 0;
}

/* cgroup/time namespaces, hostname, the session and its keyring. */
static int init_namespaces(struct init_ctx *ic, struct glass_err **err)
{
	const struct glass_spec *spec = ic->spec;
	struct child_args *c = ic->c;
	glass_trace_phase("namespaces");
	/* Before the switch to the user namespace's root: the offsets file
	 * belongs to this process's (still host) uid until then. */
	if (c->plan->create[GLASS_NS_TIME] && glass_ns_setup_time(spec, err) < 0)
		return -1;
	if (become_ns_root(ic, err) < 0)
		return -1;
	/* With the user namespace's root: lo belongs to its network ns. */
	if (c->plan->create[GLASS_NS_NET] && glass_netdev_loopback_up(err) < 0)
		return -1;
	if (c->plan->create[GLASS_NS_CGROUP] &&
	    glass_sys_unshare(CLONE_NEWCGROUP, "linux.namespaces[type=cgroup]", err) < 0)
		return -1;
	if (spec->hostname && glass_sys_sethostname(spec->hostname, "hostname", err) < 0)
		return -1;
	if (spec->domainname && glass_sys_setdomainname(spec->domainname, "domainname", err) < 0)
		return -1;
	if (GLASS_SYS(err, "setsid", NULL, setsid(), "%s", "") < 0)
		return -1;
	if (c->no_new_keyring)
		return 0;
	/* A session keyring of its own, so the container cannot read the
	 * host's keys (ENOSYS/EACCES: no keyrings here, go on).  Named as
	 * runc names it: the kernel reserves names starting with "." (EPERM),
	 * and ".web" is a valid container id. */
	char ring[1024 + 8]; /* ids are at most 1024 bytes (state.h) */
	snprintf(ring, sizeof(ring), "_ses.%s", c->st->id);
	if (GLASS_SYS(err, "keyctl", NULL, syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, ring),
	              "KEYCTL_JOIN_SESSION_KEYRING, \"%s\"", ring) < 0 &&
	    errno != ENOSYS && errno != EACCES && errno != EDQUOT)
		return -1;
	glass_err_free(err);
	return 0;
}

/* The root filesystem, up to (not including) pivot_root. */
static int init_rootfs(struct init_ctx *ic, struct glass_err **err)
{
	struct child_args *c = ic->c;
	/* The fifo was opened by the parent: the state directory may be
	 * closed to the container's root, and after pivot_root it has no
	 * path (nor, without /proc, a /proc/self/fd to reopen it by). */
	ic->fifo_fd = c->fifo_fd;
	glass_trace_phase("rootfs");
	ic->rctx = (struct glass_rootfs_ctx){
	    .spec = ic->spec,
	    .rootfs = c->rootfs,
	    .bundle = c->st->bundle,
	    .idmapped_fds = c->idmapped_fds,
	    .no_pivot = c->no_pivot,
	    .in_userns = c->plan->present[GLASS_NS_USER],
	    .console_pty = c->console_path,
	};
	if (c->plan->present[GLASS_NS_MOUNT])
		return glass_rootfs_setup(&ic->rctx, err);
	/* No mount namespace: the host's mount table is shared, so nothing
	 * is mounted or pivoted; the process only gets its root directory
	 * (validate() refused configs that mount). */
	if (glass_sys_chroot(c->rootfs, "root.path", err) < 0 ||
	    glass_sys_chdir("/", "root.path", err) < 0)
		return -1;
	return 0;
}

/* SYNC_HOOKS: the parent runs prestart and createRuntime; then the
 * createContainer hooks run here, in the container's namespaces. */
static int init_hooks(struct init_ctx *ic, struct glass_err **err)
{
	const struct glass_spec *spec = ic->spec;
	if (spec->nhooks[GLASS_HOOK_PRESTART] || spec->nhooks[GLASS_HOOK_CREATE_RUNTIME]) {
		glass_trace_phase("hooks");
		if (glass_sync_send(ic->fd, SYNC_HOOKS, NULL, 0, err) < 0 ||
		    child_expect(ic->fd, SYNC_HOOKS_DONE, NULL, 0, err) < 0)
			return -1;
	}
	if (spec->nhooks[GLASS_HOOK_CREATE_CONTAINER]) {
		glass_trace_phase("hooks");
		cleanup_free char *sj =
		    glass_state_oci_json(ic->c->st, GLASS_STATUS_CREATING, false);
		if (glass_hooks_run(spec, GLASS_HOOK_CREATE_CONTAINER, sj, err) < 0)
			return -1;
	}
	return 0;
}

/* pivot_root, then the process: console, identity, seccomp, fds. */
static int init_process(struct init_ctx *ic, struct glass_err **err)
{
	struct child_args *c = ic->c;
	glass_trace_phase("rootfs");
	if (c->plan->present[GLASS_NS_MOUNT] &&
	    (glass_rootfs_pivot(&ic->rctx, err) < 0 || glass_rootfs_finish(&ic->rctx, err) < 0))
		return -1;
	glass_trace_phase("process");
	if (c->console_fd >= 0 && attach_console(c->console_fd, err) < 0)
		return -1;
	ic->path = glass_child_process_setup(c, err);
	if (ic->path == NULL)
		return -1;
	return glass_child_close_fds(c->preserve_fds, ic->fd, ic->fifo_fd, err);
}

/* SYNC_READY, and the parent's SYNC_ATTACH: without it staying, nobody
 * relays trace events any more. */
static int init_ready(struct init_ctx *ic, struct glass_err **err)
{
	glass_trace_phase("created");
	glass_trace_note("created", NULL, "init waits on exec.fifo for `start`");
	if (glass_sync_send(ic->fd, SYNC_READY, NULL, 0, err) < 0 ||
	    child_expect(ic->fd, SYNC_ATTACH, &ic->attach, 1, err) < 0) {
		glass_err_free(err);
		return INIT_QUIET;
	}
	if (ic->attach != 'a') {
		glass_trace_set_relay(-1);
		glass_trace_set_step(false, -1);
		glass_trace_set_output(GLASS_TRACE_OFF, -1);
	}
	return 0;
}

/* Blocks reading exec.fifo until `start` writes its byte, then runs the
 * startContainer hooks. */
static int init_wait_start(struct init_ctx *ic, struct glass_err **err)
{
	char go;
	glass_trace_phase("start");
	/* The fd is also a writer, so the read waits for data, never sees
	 * end-of-file.  It stays open, close-on-exec: `start` sees the fifo
	 * hang up once the process has been executed. */
	if (GLASS_SYS(err, "read", NULL, read(ic->fifo_fd, &go, 1), "%d<exec.fifo>, 1",
	              ic->fifo_fd) < 0)
		return -1;
	if (ic->spec->nhooks[GLASS_HOOK_START_CONTAINER]) {
		glass_trace_phase("hooks");
		cleanup_free char *sj =
		    glass_state_oci_json(ic->c->st, GLASS_STATUS_CREATED, false);
		if (glass_hooks_run(ic->spec, GLASS_HOOK_START_CONTAINER, sj, err) < 0)
			return -1;
	}
	return 0;
}

/* The init, inside all its namespaces: the child's column of the
 * handshake in container-internal.h, step by step. */
static int init_main(void *arg)
{
	static int (*const steps[])(struct init_ctx * ic, struct glass_err * *err) = {
	    init_wait_go,    /* SYNC_GO (non-dumpable from here with the stub) */
	    init_namespaces, /* cgroup/time ns, root of the user ns, hostname, keyring */
	    init_rootfs,     /* the root filesystem, up to pivot_root */
	    init_hooks,      /* SYNC_HOOKS, createContainer */
	    init_process,    /* pivot_root, console, identity, seccomp, fds */
	    init_ready,      /* SYNC_READY, SYNC_ATTACH */
	};
	struct init_ctx ic = {.c = arg, .fd = -1, .fifo_fd = -1, .attach = 'd'};
	struct glass_err *err = NULL;
	ic.spec = ic.c->spec;
	ic.fd = ic.c->sync_fd;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int r = steps[i](&ic, &err);
		if (r == INIT_QUIET)
			return 1;
		if (r < 0)
			return glass_child_fail(ic.fd, &err);
	}
	struct child_args *c = ic.c;
	if (c->use_stub &&
	    glass_selfexe_init_waits_in_stub(ic.spec, ic.attach == 'a', glass_trace_on)) {
		/* The stub waits for `start`: from now on the init is the
		 * sealed stub, never again the runtime's binary.  A detached
		 * create waits for that exec (the end of the sync socket). */
		glass_trace_phase("exec");
		return exec_through_stub(c, ic.path, ic.fd, ic.fifo_fd, ic.attach == 'a');
	}
	if (init_wait_start(&ic, &err) < 0)
		return glass_child_fail(ic.fd, &err);
	return glass_child_exec(c, ic.path, ic.fd);
}

/* The last step through the sealed stub (execstub.h): execveat() of the
 * memfd, which (given the fifo) waits for start and execs path with the
 * process's argv.  With keep_sync the sync socket stays open across this
 * exec (the stub closes it with its own), so the parent still hears of a
 * failed execve; without it, it closes now, which tells a returning
 * `create` that the init is the stub. */
static int exec_through_stub(const struct child_args *c, const char *path, int fd, int fifo,
                             bool keep_sync)
{
	struct glass_err *err = NULL;
	char *no_env[] = {NULL};
	char nums[3][16];
	cleanup_close int filter = -1;
	cleanup_free char **argv = NULL;

	if (glass_seccomp_loads_last(c->seccomp, c->proc->no_new_privileges)) {
		filter = glass_seccomp_filter_fd(c->seccomp, &err);
		if (filter < 0 || GLASS_SYS(&err, "fcntl", NULL, fcntl(filter, F_SETFD, 0),
		                            "%d<seccomp filter>, F_SETFD, 0", filter) < 0)
			return glass_child_fail(fd, &err);
	}
	argv = glass_execstub_argv(keep_sync ? fd : -1, fifo, filter, path, c->proc->args, nums);

	glass_trace_note("exec", "process.args",
	                 "execve(\"%s\") through the sealed exec stub: the container's process "
	                 "replaces the runtime in pid %d, and /proc/self/exe never names the "
	                 "runtime's binary",
	                 path, (int)getpid());
	if ((keep_sync && GLASS_SYS(&err, "fcntl", NULL, fcntl(fd, F_SETFD, 0),
	                            "%d<sync socket>, F_SETFD, 0", fd) < 0) ||
	    (fifo >= 0 && GLASS_SYS(&err, "fcntl", NULL, fcntl(fifo, F_SETFD, 0),
	                            "%d<exec.fifo>, F_SETFD, 0", fifo) < 0))
		return glass_child_fail(fd, &err);
	glass_sys_execveat_fd(c->stub_fd, "/memfd:" GLASS_EXECSTUB_ARGV0 " (sealed)", argv,
	                      c->env         ? c->env
	                      : c->proc->env ? c->proc->env
	                                     : no_env,
	                      "process.args", &err);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	glass_err_ctx(&err, "exec %s", c->proc->args[0]);
	return glass_child_fail(fd, &err);
}

int glass_child_exec(const struct child_args *c, const char *path, int fd)
{
	struct glass_err *err = NULL;
	char *no_env[] = {NULL};
	if (c->use_stub) {
		glass_trace_phase("exec");
		return exec_through_stub(c, path, fd, -1, true);
	}
	glass_trace_phase("exec");
	glass_trace_note("exec", "process.args",
	                 "execve(\"%s\"): the container's process replaces "
	                 "the runtime in pid %d",
	                 path, (int)getpid());
	/* The last step before execve (glass_seccomp_loads_last()); with
	 * --trace, the events after it may be denied and are lost. */
	if (glass_seccomp_loads_last(c->seccomp, c->proc->no_new_privileges) &&
	    glass_seccomp_load_filter(c->seccomp, &err) < 0)
		return glass_child_fail(fd, &err);
	glass_sys_execve(path, c->proc->args,
	                 c->env         ? c->env
	                 : c->proc->env ? c->proc->env
	                                : no_env,
	                 "process.args", &err);
	glass_err_ctx(&err, "exec %s", c->proc->args[0]);
	return glass_child_fail(fd, &err);
}

int glass_container_child(void *arg)
{
	struct child_args *c = arg;
	struct glass_err *err = NULL;

	close(c->parent_fd);
	if (c->master_fd >= 0)
		close(c->master_fd);
	/* The flock belongs to the open file, which the child shares: keep
	 * it and `start` would wait for the init forever. */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	glass_trace_set_relay(c->sync_fd);
	/* The runtime may block signals (run forwards them) and its caller
	 * may ignore some (conmon: SIGPIPE): the container starts with
	 * neither. */
	glass_process_reset_signals();
	/* Before anything else (the cgroup namespace, the fork of an init
	 * into a joined PID namespace, which inherits the cgroups). */
	if (glass_child_join_cgroup(c->sync_fd, c->cgroup_join, &err) < 0)
		return glass_child_fail(c->sync_fd, &err);

	if (c->plan->join_user) {
		glass_trace_phase("namespaces");
		if (glass_ns_child_join(c->plan, &err) < 0)
			return glass_child_fail(c->sync_fd, &err);
		if (c->plan->grandchild) {
			/* setns/unshare(CLONE_NEWPID) apply to children: fork the
			 * init into the PID namespace, tell the parent its pid. */
			pid_t pid = glass_sys_clone(SIGCHLD, init_main, c,
			                            "linux.namespaces[type=pid]", &err);
			uint32_t p = (uint32_t)pid;
			if (pid < 0)
				return glass_child_fail(c->sync_fd, &err);
			glass_sync_send(c->sync_fd, SYNC_PID, &p, sizeof(p), NULL);
			return 0;
		}
	}
	return init_main(c);
}
