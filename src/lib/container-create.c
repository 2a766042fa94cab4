/* container-create: the parent's half of `create`, as a linear script.
 *
 * Plan, then execute: the whole config is parsed and checked, the
 * namespace paths opened and the seccomp filter compiled before anything
 * is made on the host.  Then the state directory (the lock), the exec
 * fifo, the pty, the sync socket; clone() into the new namespaces; the
 * uid/gid maps and the cgroup, which only a process outside the new
 * namespaces can set up; the host-side hooks; and finally state.json.  A
 * failure at any step undoes all of it: the child is killed and reaped,
 * the cgroup and the state directory removed.  See container-internal.h
 * for the handshake with the child.
 */
#include "cgroup.h"
#include "console.h"
#include "container-internal.h"
#include "intelrdt.h"
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

static char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* Not strftime(): it calls tzset(), which reads /etc/localtime on
	 * every create for a time zone that UTC does not need. */
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static json_object *annotations_of(const struct glass_spec *spec)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < spec->nannotations; i++)
		json_object_object_add(o, spec->annotations[i].key,
		                       json_object_new_string(spec->annotations[i].value));
	return o;
}

static int write_pid_file(const char *path, pid_t pid, struct glass_err **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (write_file_atomic_at(AT_FDCWD, path, buf, (size_t)n, 0644) < 0)
		return glass_err_field(err, errno, "--pid-file", "write pid file %s", path);
	return 0;
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

static void reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int glass_container_create_ex(const char *root, const char *id, const char *bundle,
                              const struct glass_create_opts *opts, bool attached,
                              struct glass_created *out, struct glass_err **err)
{
	struct glass_spec *spec = NULL;
	cleanup_free char *bundle_abs = NULL;
	cleanup_free char *cfg = NULL;
	cleanup_free char *rootfs = NULL;
	cleanup_free char *fifo = NULL;
	cleanup_free char *console_path = NULL;
	struct glass_ns_plan plan;
	bool plan_made = false;
	struct glass_seccomp_prog *sc = NULL;
	struct glass_cgroup *cg = NULL;
	struct glass_state st = {0};
	int lock_fd = -1, master = -1, slave = -1, fifo_fd = -1, stub_fd = -1;
	int sp[2] = {-1, -1};
	pid_t pid = -1;
	bool dir_made = false, rdt_made = false;
	char real[PATH_MAX];
	struct glass_ns_saved saved;
	int *idfds = NULL;

	out->pid = -1;
	out->sync_fd = out->master_fd = out->lock_fd = -1;

	/* --- plan: everything checked before anything is made --- */
	glass_trace_phase("validate");
	if (glass_state_check_id(id, err) < 0)
		goto fail;
	if (realpath(bundle, real) == NULL) {
		glass_err_new(err, errno, "bundle %s", bundle);
		glass_err_hint(err, "--bundle names a directory holding config.json");
		goto fail;
	}
	bundle_abs = xstrdup(real);
	cfg = xasprintf("%s/config.json", bundle_abs);
	glass_trace_note("load", NULL, "%s", cfg);
	spec = glass_spec_load(cfg, err);
	if (spec == NULL)
		goto fail;
	if (validate(spec, opts, attached, err) < 0)
		goto fail;
	rootfs = resolve_rootfs(spec, bundle_abs, err);
	if (rootfs == NULL)
		goto fail;
	glass_trace_note("rootfs", "root.path", "%s%s", rootfs,
	                 spec->root_readonly ? " (read-only)" : "");
	if (glass_ns_plan_make(spec, &plan, err) < 0)
		goto fail;
	plan_made = true;
	{
		char f[256];
		glass_trace_note(
		    "plan", "linux.namespaces", "clone(%s)%s%s",
		    glass_sys_clone_flags_str(plan.clone_flags | SIGCHLD, f, sizeof(f)),
		    plan.join_user ? ", user namespace joined by path" : "",
		    plan.grandchild ? ", then fork into the PID namespace" : "");
	}
	glass_trace_phase("security");
	if (glass_selfexe_guard(spec, &plan, attached, &stub_fd, err) < 0 ||
	    glass_seccomp_prepare(spec, &sc, err) < 0)
		goto fail;

	/* --- execute --- */
	glass_trace_phase("state");
	if (glass_state_create_dir(root, id, &lock_fd, err) < 0)
		goto fail;
	dir_made = true;
	{
		const char *text =
		    json_object_to_json_string_ext(spec->json, JSON_C_TO_STRING_PLAIN);
		if (write_file_atomic_at(lock_fd, "config.json", text, strlen(text), 0600) < 0) {
			glass_err_new(err, errno, "write %s/%s/config.json", root, id);
			goto fail;
		}
	}
	fifo = xasprintf("%s/%s/exec.fifo", root, id);
	if (GLASS_SYS(err, "mkfifoat", NULL, mkfifoat(lock_fd, "exec.fifo", 0622), "\"%s\", 0622",
	              fifo) < 0)
		goto fail;
	{
		/* Writable by the container's root (the umask took it away);
		 * owned by it, as runc does, in a user namespace. */
		uid_t ruid =
		    glass_idmap_to_host(spec->linux_.uid_mappings, spec->linux_.nuid_mappings, 0);
		gid_t rgid =
		    glass_idmap_to_host(spec->linux_.gid_mappings, spec->linux_.ngid_mappings, 0);
		if (GLASS_SYS(err, "fchmodat", NULL, fchmodat(lock_fd, "exec.fifo", 0622, 0),
		              "\"%s\", 0622", fifo) < 0)
			goto fail;
		if (geteuid() == 0 && ruid != (uid_t)-1 && (ruid != 0 || rgid != 0) &&
		    GLASS_SYS(err, "fchownat", "linux.uidMappings",
		              fchownat(lock_fd, "exec.fifo", ruid, rgid, 0), "\"%s\", %u, %u", fifo,
		              (unsigned)ruid, (unsigned)rgid) < 0)
			goto fail;
	}

	if (spec->process.terminal) {
		glass_trace_phase("console");
		if (glass_console_open_pty(&master, &console_path, err) < 0)
			goto fail;
		if (spec->process.has_console_size &&
		    glass_console_set_size(master, spec->process.console_size.height,
		                           spec->process.console_size.width, err) < 0)
			goto fail;
		slave = glass_sys_openat(AT_FDCWD, NULL, console_path, O_RDWR | O_NOCTTY, 0,
		                         "process.terminal", err);
		if (slave < 0)
			goto fail;
		uid_t huid = glass_idmap_to_host(
		    spec->linux_.uid_mappings, spec->linux_.nuid_mappings, spec->process.user.uid);
		if (huid != (uid_t)-1 && geteuid() == 0 &&
		    GLASS_SYS(err, "fchown", "process.user.uid", fchown(slave, huid, (gid_t)-1),
		              "%d<%s>, %u, -1", slave, console_path, (unsigned)huid) < 0)
			goto fail;
	}

	fifo_fd = glass_sys_openat(lock_fd, "state dir", "exec.fifo", O_PATH, 0, NULL, err);
	if (fifo_fd < 0)
		goto fail;
	if (glass_sync_pair(sp, err) < 0)
		goto fail;

	st.id = (char *)id;
	st.bundle = bundle_abs;
	st.rootfs = rootfs;
	st.annotations = annotations_of(spec);
	st.systemd_cgroup = opts->systemd_cgroup;

	struct child_args args = {
	    .spec = spec,
	    .proc = &spec->process,
	    .plan = &plan,
	    .st = &st,
	    .sync_fd = sp[1],
	    .parent_fd = sp[0],
	    .fifo_path = fifo,
	    .fifo_fd = fifo_fd,
	    .rootfs = rootfs,
	    .console_path = console_path,
	    .console_fd = slave,
	    .master_fd = master,
	    .lock_fd = lock_fd,
	    .pty_sock = -1,
	    .seccomp = sc,
	    .preserve_fds = opts->preserve_fds,
	    .no_pivot = opts->no_pivot,
	    .no_new_keyring = opts->no_new_keyring,
	    .use_stub = stub_fd >= 0,
	    .stub_fd = stub_fd,
	};

	/* In a new user namespace the child cannot idmap a host path (it has
	 * no privilege over it): the parent opens those trees now. */
	if (plan.create[GLASS_NS_USER]) {
		glass_trace_phase("rootfs");
		if (glass_idmapped_prepare(spec, bundle_abs, &idfds, err) < 0)
			goto fail;
		args.idmapped_fds = idfds;
	}
	glass_trace_phase("namespaces");
	if (glass_ns_join_for_clone(&plan, &saved, err) < 0)
		goto fail;
	pid = glass_sys_clone(plan.clone_flags | SIGCHLD, glass_container_child, &args,
	                      "linux.namespaces", err);
	if (glass_ns_restore(&saved, pid < 0 ? NULL : err) < 0 || pid < 0)
		goto fail;
	close(sp[1]);
	sp[1] = -1;
	close(fifo_fd);
	fifo_fd = -1;
	if (stub_fd >= 0) {
		close(stub_fd);
		stub_fd = -1;
	}
	glass_idmapped_close(idfds, spec->nmounts);
	idfds = NULL;
	if (slave >= 0) {
		close(slave);
		slave = -1;
	}
	if (plan.grandchild) {
		uint32_t p = 0;
		pid_t inter = pid;
		int r = glass_container_sync_expect(sp[0], SYNC_PID, &p, sizeof(p), NULL, err);
		while (waitpid(inter, NULL, 0) < 0 && errno == EINTR)
			;
		pid = r < 0 ? -1 : (pid_t)p;
		if (r < 0)
			goto fail;
	}

	if (plan.create[GLASS_NS_USER]) {
		glass_trace_phase("idmap");
		if (glass_idmap_write(pid, spec, err) < 0)
			goto fail;
	}

	glass_trace_phase("cgroup");
	if (glass_cgroup_create(spec, id, opts->systemd_cgroup, &cg, err) < 0 ||
	    glass_cgroup_enter(cg, pid, err) < 0)
		goto fail;
	st.cgroup_path = (char *)glass_cgroup_path(cg);
	if (glass_intelrdt_apply(spec, id, pid, &rdt_made, err) < 0 ||
	    glass_netdev_move_all(spec, pid, err) < 0)
		goto fail;
	st.pid = pid;
	glass_state_proc_stat(pid, &st.start_time, NULL);
	st.created = now_rfc3339();
	/* No owner: `list` names the state directory's owner, as runc does,
	 * so create does not pay for a passwd lookup. */

	{
		uint32_t p = (uint32_t)pid;
		if (glass_sync_send(sp[0], SYNC_GO, &p, sizeof(p), err) < 0)
			goto fail;
	}
	if (spec->nhooks[GLASS_HOOK_PRESTART] || spec->nhooks[GLASS_HOOK_CREATE_RUNTIME]) {
		if (glass_container_sync_expect(sp[0], SYNC_HOOKS, NULL, 0, NULL, err) < 0)
			goto fail;
		if (run_host_hooks(spec, &st, err) < 0)
			goto fail;
		if (glass_sync_send(sp[0], SYNC_HOOKS_DONE, NULL, 0, err) < 0)
			goto fail;
	}
	if (glass_container_sync_expect(sp[0], SYNC_READY, NULL, 0, NULL, err) < 0)
		goto fail;
	if (glass_seccomp_notify_forward(sc, id, bundle_abs, pid, spec, err) < 0)
		goto fail;

	glass_trace_phase("created");
	if (glass_state_save(root, &st, err) < 0)
		goto fail;
	if (opts->pid_file && write_pid_file(opts->pid_file, pid, err) < 0)
		goto fail;
	if (master >= 0 && opts->console_socket) {
		if (glass_console_send_fd(opts->console_socket, master, console_path, err) < 0)
			goto fail;
		close(master);
		master = -1;
	}
	{
		char a = attached ? 'a' : 'd';
		if (glass_sync_send(sp[0], SYNC_ATTACH, &a, 1, err) < 0)
			goto fail;
	}
	if (!attached && args.use_stub && glass_selfexe_init_waits_in_stub(spec, false, false) &&
	    glass_container_sync_drain(sp[0], err) < 0)
		goto fail; /* the init could not exec the stub */
	glass_trace_note("created", NULL, "container %s: init pid %d, state %s/%s/state.json", id,
	                 (int)pid, root, id);

	out->pid = pid;
	out->lock_fd = lock_fd;
	if (attached) {
		out->sync_fd = sp[0];
		out->master_fd = master;
	} else {
		close(sp[0]);
		if (master >= 0)
			close(master);
	}
	json_object_put(st.annotations);
	free(st.created);
	free(st.owner);
	glass_cgroup_free(cg);
	glass_seccomp_free(sc);
	glass_ns_plan_close(&plan);
	glass_spec_free(spec);
	return 0;

fail:
	glass_err_ctx(err, "create %s", id);
	reap(pid);
	if (idfds)
		glass_idmapped_close(idfds, spec->nmounts);
	if (spec && spec->linux_.intel_rdt.present)
		glass_intelrdt_remove(spec, id, rdt_made, NULL);
	if (cg) {
		glass_cgroup_destroy(cg, NULL);
		glass_cgroup_free(cg);
	}
	if (dir_made)
		glass_state_remove(root, id, NULL);
	if (lock_fd >= 0)
		close(lock_fd);
	for (int i = 0; i < 2; i++)
		if (sp[i] >= 0)
			close(sp[i]);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	if (fifo_fd >= 0)
		close(fifo_fd);
	if (stub_fd >= 0)
		close(stub_fd);
	json_object_put(st.annotations);
	free(st.created);
	free(st.owner);
	glass_seccomp_free(sc);
	if (plan_made)
		glass_ns_plan_close(&plan);
	glass_spec_free(spec);
	return -1;
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
