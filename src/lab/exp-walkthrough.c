/* Experiment 2: the syscall walk-through.
 *
 * A real container creation in the runtime's step mode: the trace sink is
 * the event pipe, the step control is the pipe from the server, and every
 * traced operation of the library (in the worker, and in the container's
 * child, relayed over the sync socket) stops before it runs until the page
 * says "next".  Between two steps the server reads /proc of the
 * container's process, so the page shows what the step changed.
 *
 * "Break it": pivot_root(2) needs the new root to be a mount point (and
 * its parent mount not shared).  The runtime always bind-mounts the rootfs
 * onto itself first, so this variant replays the runtime's rootfs steps
 * without that bind, through the same traced wrappers, in a throwaway
 * child with its own mount namespace: the kernel's real EINVAL, then the
 * fix (the bind) and the pivot that then works.
 */
#include "lab.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#define WALK_SECTIONS "pid,ids,uts,ns,idmap,status,rlimits,mounts,cgroup,root"

static int break_pivot(const char *rootfs)
{
	struct glass_err *err = NULL;
	cleanup_close int oldroot = -1;

	glass_trace_phase("namespaces");
	if (glass_sys_unshare(CLONE_NEWNS, "linux.namespaces[type=mount]", &err) < 0)
		goto fail;
	glass_trace_phase("rootfs");
	if (glass_sys_mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL, NULL, &err) < 0)
		goto fail;
	if (glass_sys_chdir(rootfs, "root.path", &err) < 0)
		goto fail;
	if (glass_sys_pivot_root(".", ".", "root.path", &err) < 0) {
		glass_err_hint(&err,
		               "the new root must be a mount point of its own (EBUSY: it is on "
		               "the current root's mount; EINVAL: it is not a mount point): "
		               "bind-mount the rootfs onto itself first");
		lab_emit_error(err, "pivot_root");
		glass_err_free(&err);
	} else {
		return 1; /* it should have failed */
	}
	glass_trace_note("fix", "root.path", "bind-mount the rootfs onto itself, then pivot again");
	if (glass_sys_mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL, "root.path", &err) < 0)
		goto fail;
	/* Re-enter the directory: the cwd still points below the new mount. */
	if (glass_sys_chdir(rootfs, "root.path", &err) < 0)
		goto fail;
	oldroot = glass_sys_openat(AT_FDCWD, NULL, "/", O_DIRECTORY | O_PATH, 0, NULL, &err);
	if (oldroot < 0)
		goto fail;
	if (glass_sys_pivot_root(".", ".", "root.path", &err) < 0)
		goto fail;
	if (glass_sys_fchdir(oldroot, "old root", NULL, &err) < 0 ||
	    glass_sys_umount2(".", MNT_DETACH, NULL, &err) < 0 ||
	    glass_sys_chdir("/", NULL, &err) < 0)
		goto fail;
	glass_trace_note("done", NULL, "the new root is in place; the old one is detached");
	return 0;
fail:
	lab_emit_error(err, "break-it");
	glass_err_free(&err);
	return 1;
}

static int walk_break(json_object *p)
{
	const char *rootfs = lab_param_str(p, "rootfs");
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("breakit"));
	json_object_object_add(o, "rootfs", json_object_new_string(rootfs));
	lab_emit(o);

	glass_trace_set_output(GLASS_TRACE_JSON, LAB_EVENT_FD);
	glass_trace_set_step(true, LAB_CONTROL_FD);
	pid_t c = fork();
	if (c == 0)
		_exit(break_pivot(rootfs));
	glass_trace_set_step(false, -1);
	int st = 0;
	if (c < 0 || lab_wait_exit(c, &st, -1) < 0) {
		if (c > 0) {
			kill(c, SIGKILL);
			waitpid(c, NULL, 0);
		}
		return -1;
	}
	glass_trace_set_output(GLASS_TRACE_OFF, -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int run_walkthrough(json_object *p)
{
	if (strcmp(lab_param_str(p, "break"), "pivot-not-mountpoint") == 0)
		return walk_break(p);

	static const char *const args[] = {"/usr/bin/glass-probe", "--only", WALK_SECTIONS, NULL};
	struct lab_config c = {
	    .ns = {true, true, true, true, true, lab_param_bool(p, "user"), true, false},
	    .rootfs = lab_param_str(p, "rootfs"),
	    .cgroup = lab_param_str(p, "cgroup"),
	    .hostname = "glass-walk",
	    .args = args,
	    .seccomp = true,
	    .rlimits = true,
	    .pids_limit = true,
	};
	struct glass_err *err = NULL;
	int rc = -1;
	json_object *cfg = lab_config_json(&c);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("config"));
	json_object_object_add(o, "config", json_object_get(cfg));
	lab_emit(o);

	cleanup_free char *bundle = xasprintf("%s/bundle", lab_param_str(p, "dir"));
	cleanup_free char *state = xasprintf("%s/state", lab_param_str(p, "dir"));
	cleanup_free char *id = xasprintf("glass-lab-%d-%s", getppid(), lab_param_str(p, "id"));
	if (lab_write_bundle(bundle, cfg, &err) < 0 || mkdir_p(state, 0711) < 0) {
		lab_emit_error(err, "bundle");
		glass_err_free(&err);
		json_object_put(cfg);
		return -1;
	}
	json_object_put(cfg);

	json_object *view = NULL;
	int status = -1;
	glass_trace_set_output(GLASS_TRACE_JSON, LAB_EVENT_FD);
	glass_trace_set_step(true, LAB_CONTROL_FD);
	if (lab_run_container(state, id, bundle, &view, &status) == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("view"));
		json_object_object_add(o, "side", json_object_new_string("container"));
		json_object_object_add(o, "exit", json_object_new_int(status));
		json_object_object_add(o, "view", view);
		lab_emit(o);
		rc = status == 0 ? 0 : -1;
	}
	glass_trace_set_step(false, -1);
	glass_trace_set_output(GLASS_TRACE_OFF, -1);
	return rc;
}

static int walk_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind", "user", "break", NULL};
	static const char *const breaks[] = {"none", "pivot-not-mountpoint", NULL};
	const char *brk;
	bool user;
	if (!lab_req_only(req, keys, why) || !lab_req_bool(req, "user", false, &user, why) ||
	    !lab_req_enum(req, "break", breaks, "none", &brk, why))
		return -1;
	json_object_object_add(p, "break", json_object_new_string(brk));
	json_object_object_add(p, "user", json_object_new_boolean(user));
	return 0;
}

static const struct lab_kind kinds[] = {
    {.name = "walkthrough",
     .params = walk_params,
     .run = run_walkthrough,
     .flags = LAB_KIND_STEPPED},
};

const struct lab_module lab_module_walkthrough = {
    .id = "walkthrough",
    .title = "2 · A container, one syscall at a time",
    .summary = "the runtime's step mode: every traced kernel operation of a real create, one "
               "Next (or one phase) at a time, with what /proc says after each; break it: "
               "pivot_root into a directory that is not a mount point",
    .source = "src/lab/exp-walkthrough.c",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
};
