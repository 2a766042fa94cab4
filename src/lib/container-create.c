/* container-create: the parent's half of `create`, as a linear script.
 *
 * Plan, then execute: the whole config is parsed and checked, the
 * namespace paths opened and the seccomp filter compiled before anything
 * is made on the host.  Then the state directory (the lock) with a first
 * state.json saying `creating`, the exec fifo, the pty, the sync socket;
 * the cgroup; clone() into the new namespaces (and into the cgroup: see
 * glass_cgroup_join in cgroup.h); the uid/gid maps, which only a process
 * outside the new namespaces can write; the host-side
 * hooks; and finally state.json saying `created`.  Each thing made is
 * recorded in state.json before it is made, so a create killed midway is
 * visible and delete --force undoes it.  A failure at any step undoes all of it: the child is
 * killed and reaped, the cgroup and the state directory removed.  See container-internal.h for the
 * handshake with the child.
 */
#include "cgroup.h"
#include "console.h"
#include "container-internal.h"
#include "intelrdt.h"
#include "process.h"
#include "selfexe.h"
#include "netdev.h"
#include "hooks.h"
#include "idmap.h"
#include "idmapped.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct glass_spec *glass_container_load_config(const char *root, const char *id,
                                               struct glass_err **err)
{
	cleanup_free char *path = xasprintf("%s/%s/config.json", root, id);
	cleanup_free char *text = read_file_at(AT_FDCWD, path, NULL);
	if (text == NULL) {
		glass_err_new(err, errno, "read(%s)", path);
		return NULL;
	}
	return glass_spec_parse(text, strlen(text), err);
}

static int validate(const struct glass_spec *spec, const struct glass_create_opts *opts,
                    bool attached, struct glass_err **err)
{
	const struct glass_linux *l = &spec->linux_;
	if (!spec->process.present)
		return glass_err_field(err, 0, "process",
		                       "process: missing (create needs a process to "
		                       "run)");
	if (spec->process.nargs == 0)
		return glass_err_field(err, 0, "process.args", "process.args: must not be empty");
	if (glass_process_check_limits(&spec->process, err) < 0)
		return -1;
	if (!l->ns[GLASS_NS_MOUNT].present) {
		/* Without a mount namespace of its own the container shares
		 * the host's mount table: nothing may be mounted or pivoted
		 * (it would change the host), only chroot()ed into. */
		const char *why = spec->nmounts           ? "mounts"
		                  : l->nmasked_paths      ? "linux.maskedPaths"
		                  : l->nreadonly_paths    ? "linux.readonlyPaths"
		                  : spec->root_readonly   ? "root.readonly"
		                  : l->rootfs_propagation ? "linux.rootfsPropagation"
		                                          : NULL;
		if (why)
			return glass_err_field(err, 0, why,
			                       "%s: needs a mount namespace (without one, mounts "
			                       "would land on the host): add {\"type\": "
			                       "\"mount\"} to linux.namespaces",
			                       why);
	}
	if (glass_intelrdt_check(spec, err) < 0)
		return -1;
	if (spec->hostname && spec->hostname[0] && !l->ns[GLASS_NS_UTS].present)
		return glass_err_field(err, 0, "hostname",
		                       "hostname: setting the hostname needs a UTS namespace (add "
		                       "{\"type\": \"uts\"} to linux.namespaces)");
	if (spec->domainname && spec->domainname[0] && !l->ns[GLASS_NS_UTS].present)
		return glass_err_field(err, 0, "domainname",
		                       "domainname: setting the domainname needs a UTS namespace");
	if (l->ns[GLASS_NS_USER].present && !l->ns[GLASS_NS_USER].path &&
	    (l->nuid_mappings == 0 || l->ngid_mappings == 0))
		return glass_err_field(err, 0, "linux.uidMappings",
		                       "linux.uidMappings/gidMappings: a new user namespace needs "
		                       "both maps");
	if ((l->time_monotonic.present || l->time_boottime.present) &&
	    !(l->ns[GLASS_NS_TIME].present && !l->ns[GLASS_NS_TIME].path))
		return glass_err_field(err, 0, "linux.timeOffsets",
		                       "linux.timeOffsets: needs a new time namespace");
	if (spec->process.terminal && !opts->console_socket && !attached)
		return glass_err_field(err, 0, "process.terminal",
		                       "cannot allocate tty if runc will detach without setting "
		                       "console socket");
	if (opts->console_socket && !spec->process.terminal)
		return glass_err_field(
		    err, 0, "process.terminal",
		    "cannot use console socket if runc will not detach or allocate "
		    "tty");
	return 0;
}

static char *resolve_rootfs(const struct glass_spec *spec, const char *bundle,
                            struct glass_err **err)
{
	cleanup_free char *joined = NULL;
	char real[PATH_MAX];
	struct stat sb;
	if (spec->root_path == NULL || spec->root_path[0] == '\0') {
		glass_err_field(err, 0, "root.path", "root.path: missing");
		return NULL;
	}
	joined = spec->root_path[0] == '/' ? xstrdup(spec->root_path)
	                                   : xasprintf("%s/%s", bundle, spec->root_path);
	if (realpath(joined, real) == NULL || stat(real, &sb) < 0) {
		glass_err_field(err, errno, "root.path", "rootfs %s", joined);
		glass_err_hint(err, "root.path names the container's root filesystem, a directory "
		                    "(relative to the bundle or absolute)");
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		glass_err_field(err, ENOTDIR, "root.path", "rootfs %s", joined);
		return NULL;
	}
	return xstrdup(real);
}

static json_object *annotations_of(const struct glass_spec *spec)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < spec->nannotations; i++)
		json_object_object_add(o, spec->annotations[i].key,
		                       json_object_new_string(spec->annotations[i].value));
	return o;
}

static int run_host_hooks(const struct glass_spec *spec, const struct glass_state *st,
                          struct glass_err **err)
{
	cleanup_free char *sj = glass_state_oci_json(st, GLASS_STATUS_CREATING, false);
	glass_trace_phase("hooks");
	if (glass_hooks_run(spec, GLASS_HOOK_PRESTART, sj, err) < 0 ||
	    glass_hooks_run(spec, GLASS_HOOK_CREATE_RUNTIME, sj, err) < 0)
		return -1;
	return 0;
}

/* Everything create owns until it hands the container over, released in
 * one place (create_release): on success what is handed over has been
 * stolen out of it; on failure every made thing is unmade. */
struct create_ctx {
	const char *root, *id;
	const char *bundle_arg; /* --bundle as given */
	const struct glass_create_opts *opts;
	bool attached;
	struct glass_spec *spec;
	char *bundle, *rootfs, *fifo, *console_path;
	struct glass_ns_plan plan;
	bool plan_made;
	struct glass_seccomp_prog *sc;
	int stub_fd;                  /* the sealed exec stub, or -1 */
	int lock_fd;                  /* the state dir's lock, once made */
	bool dir_made;                /* ROOT/ID exists and is ours to remove */
	int master, slave;            /* the pty (process.terminal), or -1 */
	int fifo_fd;                  /* exec.fifo, O_PATH, for the child */
	int sp[2];                    /* the sync socket: [0] ours, [1] the child's */
	int *idfds;                   /* idmapped mount trees opened for the child */
	pid_t pid;                    /* the init (or the first child until SYNC_PID) */
	struct glass_cgroup *cg;      /* planned for the init */
	bool cg_made;                 /* made (and so ours to kill and remove) */
	struct glass_cgroup_join cgj; /* what the child joins it by */
	bool rdt_made;                /* the resctrl class was made for it */
	struct glass_state st;        /* what state.json will say */
	struct child_args args;       /* the child's copy of all this */
};

/* plan: everything checked, resolved and compiled before anything is made
 * on the host. */
static int plan(struct create_ctx *c, struct glass_err **err)
{
	const char *bundle = c->bundle_arg;
	char real[PATH_MAX], f[256];
	glass_trace_phase("validate");
	if (glass_state_check_id(c->id, err) < 0)
		return -1;
	if (realpath(bundle, real) == NULL) {
		glass_err_new(err, errno, "bundle %s", bundle);
		return glass_err_hint(err, "--bundle names a directory holding config.json");
	}
	c->bundle = xstrdup(real);
	cleanup_free char *cfg = xasprintf("%s/config.json", c->bundle);
	glass_trace_note("load", NULL, "%s", cfg);
	c->spec = glass_spec_load(cfg, err);
	if (c->spec == NULL)
		return -1;
	glass_spec_warn(c->spec);
	if (validate(c->spec, c->opts, c->attached, err) < 0)
		return -1;
	c->rootfs = resolve_rootfs(c->spec, c->bundle, err);
	if (c->rootfs == NULL)
		return -1;
	glass_trace_note("rootfs", "root.path", "%s%s", c->rootfs,
	                 c->spec->root_readonly ? " (read-only)" : "");
	if (glass_ns_plan_make(c->spec, &c->plan, err) < 0)
		return -1;
	c->plan_made = true;
	glass_trace_note("plan", "linux.namespaces", "clone(%s)%s%s",
	                 glass_sys_clone_flags_str(c->plan.clone_flags | SIGCHLD, f, sizeof(f)),
	                 c->plan.join_user ? ", user namespace joined by path" : "",
	                 c->plan.grandchild ? ", then fork into the PID namespace" : "");
	glass_trace_phase("security");
	if (glass_selfexe_guard(c->spec, &c->plan, c->attached, &c->stub_fd, err) < 0)
		return -1;
	return glass_seccomp_prepare(c->spec, NULL, c->root, &c->sc, err);
}

/* state dir: ROOT/ID (its lock held from here on) with a copy of the
 * config, so exec and delete never depend on the bundle again. */
static int make_state_dir(struct create_ctx *c, struct glass_err **err)
{
	glass_trace_phase("state");
	if (glass_state_create_dir(c->root, c->id, &c->lock_fd, err) < 0)
		return -1;
	c->dir_made = true;
	/* The record comes first, then what it records: a create killed at
	 * any later step leaves a `creating` container that list and state
	 * show and delete --force removes (with what each step saved here
	 * before it made it: the init's pid, the cgroup directories). */
	c->st.id = (char *)c->id;
	c->st.bundle = c->bundle;
	c->st.rootfs = c->rootfs;
	c->st.annotations = annotations_of(c->spec);
	c->st.systemd_cgroup = c->opts->systemd_cgroup;
	char created[GLASS_RFC3339_MAX];
	c->st.created = xstrdup(glass_time_rfc3339(created, sizeof(created), NULL));
	c->st.creating = true;
	if (glass_state_save(c->root, &c->st, err) < 0)
		return -1;
	const char *text = json_object_to_json_string_ext(c->spec->json, JSON_C_TO_STRING_PLAIN);
	if (write_file_volatile_at(c->lock_fd, "config.json", text, strlen(text), 0600) < 0)
		return glass_err_new(err, errno, "write %s/%s/config.json", c->root, c->id);
	return 0;
}

/* exec fifo: the init blocks reading it until start writes.  The runtime
 * opens it for the init before clone (spawn_init), so only the runtime's
 * user needs it (as crun makes it: 0600): whoever can write to it starts
 * the container. */
static int make_exec_fifo(struct create_ctx *c, struct glass_err **err)
{
	c->fifo = xasprintf("%s/%s/exec.fifo", c->root, c->id);
	return (int)GLASS_SYS(err, "mkfifoat", NULL, mkfifoat(c->lock_fd, "exec.fifo", 0600),
	                      "\"%s\", 0600", c->fifo);
}

/* console: a pty whose slave becomes the process's stdio, owned by the
 * process's user as the host sees it. */
static int open_console(struct create_ctx *c, struct glass_err **err)
{
	const struct glass_spec *spec = c->spec;
	if (!spec->process.terminal)
		return 0;
	glass_trace_phase("console");
	if (glass_console_open_pty(&c->master, &c->console_path, err) < 0)
		return -1;
	if (spec->process.has_console_size &&
	    glass_console_set_size(c->master, spec->process.console_size.height,
	                           spec->process.console_size.width, err) < 0)
		return -1;
	c->slave = glass_sys_openat(AT_FDCWD, NULL, c->console_path, O_RDWR | O_NOCTTY, 0,
	                            "process.terminal", err);
	if (c->slave < 0)
		return -1;
	uid_t huid = glass_idmap_to_host(spec->linux_.uid_mappings, spec->linux_.nuid_mappings,
	                                 spec->process.user.uid);
	if (huid != (uid_t)-1 && geteuid() == 0 &&
	    GLASS_SYS(err, "fchown", "process.user.uid", fchown(c->slave, huid, (gid_t)-1),
	              "%d<%s>, %u, -1", c->slave, c->console_path, (unsigned)huid) < 0)
		return -1;
	return 0;
}

/* What the child gets (its copy of the parent's memory after clone). */
static void fill_child_args(struct create_ctx *c)
{
	c->args = (struct child_args){
	    .spec = c->spec,
	    .proc = &c->spec->process,
	    .plan = &c->plan,
	    .st = &c->st,
	    .sync_fd = c->sp[1],
	    .parent_fd = c->sp[0],
	    .fifo_path = c->fifo,
	    .fifo_fd = c->fifo_fd,
	    .rootfs = c->rootfs,
	    .console_path = c->console_path,
	    .console_fd = c->slave,
	    .master_fd = c->master,
	    .lock_fd = c->lock_fd,
	    .pty_sock = -1,
	    .seccomp = c->sc,
	    .preserve_fds = c->opts->preserve_fds,
	    .no_pivot = c->opts->no_pivot,
	    .no_new_keyring = c->opts->no_new_keyring,
	    .idmapped_fds = c->idfds,
	    .use_stub = c->stub_fd >= 0,
	    .stub_fd = c->stub_fd,
	    .cgroup_join = &c->cgj,
	};
}

/* Closes what only the child needed, once it has its copies. */
static void close_child_ends(struct create_ctx *c)
{
	cleanup_closep(&c->sp[1]);
	cleanup_closep(&c->fifo_fd);
	cleanup_closep(&c->stub_fd);
	cleanup_closep(&c->slave);
	c->sp[1] = c->fifo_fd = c->stub_fd = c->slave = -1;
	glass_idmapped_close(c->idfds, c->spec->nmounts);
	c->idfds = NULL;
}

/* spawn init: clone into the new namespaces (joined ones entered first);
 * with a PID namespace to join, the child forks the init into it and
 * reports its pid (SYNC_PID). */
static int spawn_init(struct create_ctx *c, struct glass_err **err)
{
	struct glass_ns_saved saved;
	/* Read-write, so the open does not wait for a writer, and the init
	 * needs no path to it after pivot_root (a config without /proc: no
	 * /proc/self/fd to reopen an O_PATH fd through). */
	c->fifo_fd = glass_sys_openat(c->lock_fd, "state dir", "exec.fifo", O_RDWR, 0, NULL, err);
	if (c->fifo_fd < 0 || glass_sync_pair(c->sp, err) < 0)
		return -1;
	/* In a new user namespace the child cannot idmap a host path (it
	 * has no privilege over it): the parent opens those trees now. */
	if (c->plan.create[GLASS_NS_USER]) {
		glass_trace_phase("rootfs");
		if (glass_idmapped_prepare(c->spec, c->bundle, &c->idfds, err) < 0)
			return -1;
	}
	fill_child_args(c);
	glass_trace_phase("namespaces");
	if (glass_ns_join_for_clone(&c->plan, &saved, err) < 0)
		return -1;
	bool placed = false;
	c->pid =
	    glass_sys_clone_into(c->plan.clone_flags | SIGCHLD, c->cgj.v2_fd, c->cgj.v2_path,
	                         glass_container_child, &c->args, &placed, "linux.namespaces", err);
	if (glass_ns_restore(&saved, c->pid < 0 ? NULL : err) < 0 || c->pid < 0)
		return -1;
	close_child_ends(c);
	if (c->plan.grandchild) {
		/* The child joins the cgroup first, then forks the init. */
		uint32_t p = 0;
		int r = glass_container_expect_joined(c->sp[0], &c->cgj, err);
		if (r == 0)
			r = glass_container_sync_expect(c->sp[0], SYNC_PID, &p, sizeof(p), NULL,
			                                err);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = r < 0 ? -1 : (pid_t)p;
		if (r < 0)
			return -1;
	}
	/* Recorded before anything else is made for it (while the child
	 * moves itself into its cgroup). */
	c->st.pid = c->pid;
	glass_state_proc_stat(c->pid, &c->st.start_time, NULL);
	if (glass_state_save(c->root, &c->st, err) < 0 ||
	    (!c->plan.grandchild && glass_container_expect_joined(c->sp[0], &c->cgj, err) < 0))
		return -1;
	glass_cgroup_join_clear(&c->cgj);
	/* clone3 missing: the init goes into cgroup2 by its pid. */
	if (!placed && glass_cgroup_enter_v2(c->cg, c->pid, err) < 0)
		return -1;
	glass_cgroup_enter_end(c->cg); /* the cgroup has its process now */
	return 0;
}

/* The cgroup, made before the clone that starts the child in it: its
 * directories recorded in the state before they are made, so that delete
 * --force after a kill finds them, and removes only those. */
static int make_cgroup(struct create_ctx *c, struct glass_err **err)
{
	glass_trace_phase("cgroup");
	if (glass_cgroup_plan(c->spec, c->id, c->opts->systemd_cgroup, &c->cg, err) < 0)
		return -1;
	c->st.cgroup_path = (char *)glass_cgroup_path(c->cg);
	c->st.cgroup_made = glass_cgroup_made(c->cg);
	if (glass_state_save(c->root, &c->st, err) < 0 ||
	    glass_cgroup_make(c->cg, c->spec, err) < 0)
		return -1;
	c->cg_made = true;
	/* A rootless create may have been left in the caller's cgroups. */
	c->st.cgroup_path = (char *)glass_cgroup_path(c->cg);
	glass_strv_free(c->st.cgroup_made);
	c->st.cgroup_made = glass_cgroup_made(c->cg);
	return glass_cgroup_join_open(c->cg, &c->cgj, err);
}

/* set up from outside: what only a process outside the new namespaces
 * can do: the uid/gid maps, the resctrl class, the network devices. */
static int setup_from_outside(struct create_ctx *c, struct glass_err **err)
{
	if (c->plan.create[GLASS_NS_USER]) {
		glass_trace_phase("idmap");
		if (glass_idmap_write(c->pid, c->spec, err) < 0)
			return -1;
	}
	if (glass_intelrdt_apply(c->spec, c->id, c->pid, &c->rdt_made, err) < 0 ||
	    glass_netdev_move_all(c->spec, c->pid, err) < 0)
		return -1;
	/* No owner: `list` names the state directory's owner, as runc does,
	 * so create does not pay for a passwd lookup. */
	return 0;
}

/* handshake: SYNC_GO lets the child set up its root filesystem; the
 * host-side hooks run when it asks (SYNC_HOOKS); SYNC_READY says the
 * process is ready to exec. */
static int handshake(struct create_ctx *c, struct glass_err **err)
{
	const struct glass_spec *spec = c->spec;
	uint32_t p = (uint32_t)c->pid;
	if (glass_sync_send(c->sp[0], SYNC_GO, &p, sizeof(p), err) < 0)
		return -1;
	if (spec->nhooks[GLASS_HOOK_PRESTART] || spec->nhooks[GLASS_HOOK_CREATE_RUNTIME]) {
		if (glass_container_sync_expect(c->sp[0], SYNC_HOOKS, NULL, 0, NULL, err) < 0 ||
		    run_host_hooks(spec, &c->st, err) < 0 ||
		    glass_sync_send(c->sp[0], SYNC_HOOKS_DONE, NULL, 0, err) < 0)
			return -1;
	}
	if (glass_container_sync_expect(c->sp[0], SYNC_READY, NULL, 0, NULL, err) < 0)
		return glass_seccomp_explain_silence(c->sc, spec->process.no_new_privileges, err);
	return glass_seccomp_notify_forward(c->sc, c->id, c->bundle, c->pid, spec, err);
}

/* publish: state.json, --pid-file, the pty to --console-socket, and
 * SYNC_ATTACH ('a': the caller stays and relays, 'd': it leaves). */
static int publish(struct create_ctx *c, struct glass_err **err)
{
	glass_trace_phase("created");
	c->st.creating = false;
	if (glass_state_save(c->root, &c->st, err) < 0)
		return -1;
	if (c->opts->pid_file && glass_container_write_pid_file(c->opts->pid_file, c->pid, err) < 0)
		return -1;
	if (c->master >= 0 && c->opts->console_socket &&
	    glass_container_send_console(c->opts->console_socket, &c->master, c->console_path,
	                                 err) < 0)
		return -1;
	char a = c->attached ? 'a' : 'd';
	if (glass_sync_send(c->sp[0], SYNC_ATTACH, &a, 1, err) < 0)
		return -1;
	/* A detached init that waits in the exec stub closes the sync socket
	 * when it runs the stub: an error before that is create's. */
	if (!c->attached && c->args.use_stub &&
	    glass_selfexe_init_waits_in_stub(c->spec, false, false) &&
	    glass_container_sync_drain(c->sp[0], err) < 0)
		return -1;
	glass_trace_note("created", NULL, "container %s: init pid %d, state %s/%s/state.json",
	                 c->id, (int)c->pid, c->root, c->id);
	return 0;
}

/* Unmakes what a failed create made (the init killed and reaped, its
 * cgroup, resctrl class and state directory removed), then frees and
 * closes whatever the context still holds. */
static void create_release(struct create_ctx *c, bool failed)
{
	if (failed) {
		cleanup_pidp(&c->pid);
		if (c->idfds)
			glass_idmapped_close(c->idfds, c->spec->nmounts);
		if (c->spec && c->spec->linux_.intel_rdt.present)
			glass_intelrdt_remove(c->spec, c->id, c->rdt_made, NULL);
		/* Not a cgroup make refused: it may hold another's processes. */
		if (c->cg && c->cg_made)
			glass_cgroup_destroy(c->cg, NULL);
		if (c->dir_made)
			glass_state_remove(c->root, c->id, NULL);
	}
	int *fds[] = {&c->lock_fd, &c->sp[0],   &c->sp[1],  &c->master,
	              &c->slave,   &c->fifo_fd, &c->stub_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		cleanup_closep(fds[i]);
	glass_json_putp(&c->st.annotations);
	free(c->st.created);
	free(c->st.owner);
	glass_strv_free(c->st.cgroup_made);
	glass_cgroup_join_clear(&c->cgj);
	glass_cgroup_freep(&c->cg);
	glass_seccomp_free(c->sc);
	if (c->plan_made)
		glass_ns_plan_close(&c->plan);
	glass_spec_freep(&c->spec);
	free(c->bundle);
	free(c->rootfs);
	free(c->fifo);
	free(c->console_path);
}

/* create's script: the steps of the handshake in container-internal.h,
 * in order.  Each returns 0, or -1 with *err set and what it made
 * recorded in the context for create_release(). */
static int (*const create_steps[])(struct create_ctx *c, struct glass_err **err) = {
    plan,               /* config checked, namespaces opened, seccomp compiled */
    make_state_dir,     /* ROOT/ID, locked, with config.json */
    make_exec_fifo,     /* ROOT/ID/exec.fifo, which start opens */
    open_console,       /* the pty, when process.terminal */
    make_cgroup,        /* the cgroup, and what the child joins it by */
    spawn_init,         /* clone into the namespaces and the cgroup (SYNC_JOINED, SYNC_PID) */
    setup_from_outside, /* id maps, resctrl, network devices */
    handshake,          /* SYNC_GO, hooks, SYNC_READY */
    publish,            /* state.json, --pid-file, console socket, SYNC_ATTACH */
};

int glass_container_create_ex(const char *root, const char *id, const char *bundle,
                              const struct glass_create_opts *opts, bool attached,
                              struct glass_created *out, struct glass_err **err)
{
	struct create_ctx c = {.root = root, .id = id, .bundle_arg = bundle, .opts = opts};
	c.cgj = (struct glass_cgroup_join){.v2_fd = -1, .lock_fd = -1};
	c.attached = attached;
	c.stub_fd = c.lock_fd = c.master = c.slave = c.fifo_fd = c.sp[0] = c.sp[1] = -1;
	c.pid = -1;
	out->pid = -1;
	out->sync_fd = out->master_fd = out->lock_fd = -1;

	for (size_t i = 0; i < sizeof(create_steps) / sizeof(create_steps[0]); i++) {
		if (create_steps[i](&c, err) < 0) {
			glass_err_ctx(err, "create %s", id);
			create_release(&c, true);
			return -1;
		}
	}
	/* Hand over: the init, the lock, and for a caller that stays (run in
	 * the foreground) the sync socket and the pty master. */
	out->pid = steal_pid(&c.pid);
	out->lock_fd = steal_fd(&c.lock_fd);
	if (attached) {
		out->sync_fd = steal_fd(&c.sp[0]);
		out->master_fd = steal_fd(&c.master);
	}
	create_release(&c, false);
	return 0;
}

int glass_container_create(const char *root, const char *id, const char *bundle,
                           const struct glass_create_opts *opts, pid_t *init_pid,
                           struct glass_err **err)
{
	struct glass_created c;
	if (glass_container_create_ex(root, id, bundle, opts, false, &c, err) < 0)
		return -1;
	if (init_pid)
		*init_pid = c.pid;
	close(c.lock_fd);
	return 0;
}
