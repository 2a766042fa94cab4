/* ctr-exec: a new process in a running container, and attaching to its
 * first one.
 *
 * exec goes through `glass-runtime exec` (it joins the container's
 * namespaces and cgroup and takes its process's identity and limits), in
 * the foreground with the caller's stdio; with -t the runtime relays a pty
 * of its own.  Attach connects to the shim's control socket, which holds
 * pid 1's stdio. */
#include "client.h"
#include "ctr.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* runc's status for an exec that failed before the process ran */
#define RUNTIME_EXEC_FAILED 255

/* docker's -u NAME|UID[:GROUP|GID] as the runtime's UID:GID, names
 * looked up in the container's own /etc/passwd and /etc/group. */
static char *numeric_user(const struct ctr *c, const char *u, struct glass_err **err)
{
	cleanup_free char *rootfs = xasprintf("%s/rootfs", c->dir);
	long uid, gid;
	if (glass_bundle_resolve_user(u, rootfs, &uid, &gid, err) < 0)
		return NULL;
	return xasprintf("%ld:%ld", uid, gid);
}

/* The runtime's exec flags for the options (NULL-terminated; the strings
 * are the options', `user` and `process`). */
static char **exec_flags(const struct ctr_exec_opts *o, char *user, char *process)
{
	size_t n = 0, cap = 12;
	for (char **p = o->env; p && *p; p++)
		cap += 2;
	char **v = xcalloc(cap, sizeof(char *));
	if (process) {
		v[n++] = "--process";
		v[n++] = process;
	}
	if (o->tty)
		v[n++] = "--tty";
	for (char **p = o->env; p && *p; p++) {
		v[n++] = "--env";
		v[n++] = *p;
	}
	if (o->workdir) {
		v[n++] = "--cwd";
		v[n++] = (char *)o->workdir;
	}
	if (user) {
		v[n++] = "--user";
		v[n++] = user;
	}
	return v;
}

/* runtime --root R exec FLAGS ID CMD (the command is in --process's file
 * when there is one). */
static char **exec_argv(const struct ctr *c, const struct ctr_exec_opts *o, char *runtime,
                        char *rroot, char **flags, bool process)
{
	size_t n = 0, cap = 8;
	for (char **p = flags; *p; p++)
		cap++;
	for (char **p = o->argv; *p; p++)
		cap++;
	char **v = xcalloc(cap, sizeof(char *));
	v[n++] = runtime;
	v[n++] = "--root";
	v[n++] = rroot;
	v[n++] = "exec";
	for (char **p = flags; *p; p++)
		v[n++] = *p;
	v[n++] = (char *)c->id;
	for (char **p = o->argv; !process && *p; p++)
		v[n++] = *p;
	return v;
}

/* exec --privileged, docker's meaning: the container's process with every
 * capability in its bounding, permitted and effective sets (none
 * inheritable or ambient), each one this engine can hand on (a host whose
 * bounding set lacks one, as this one CAP_SYS_RESOURCE, cannot).  The
 * container's seccomp filter stays: the runtime applies linux.seccomp to
 * every process it starts in the container, as runc does for docker.
 * Written as DIR/exec-PID.json for the runtime's --process; its path. */
static char *privileged_process(const struct ctr *c, char **argv, struct glass_err **err)
{
	cleanup_free char *cfg_path = xasprintf("%s/config.json", c->dir);
	struct json_object *cfg = json_object_from_file(cfg_path), *proc;
	if (!cfg || !json_object_object_get_ex(cfg, "process", &proc)) {
		json_object_put(cfg);
		return glass_err_new(err, errno ? errno : EINVAL, "read %s", cfg_path), NULL;
	}
	struct json_object *args = json_object_new_array(), *caps = json_object_new_object(),
	                   *all = json_object_new_array();
	for (char **p = argv; *p; p++)
		json_object_array_add(args, json_object_new_string(*p));
	for (int cap = 0; cap <= 63; cap++)
		if (glass_cap_name(cap) && prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1)
			json_object_array_add(all, json_object_new_string(glass_cap_name(cap)));
	json_object_object_add(caps, "bounding", json_object_get(all));
	json_object_object_add(caps, "permitted", json_object_get(all));
	json_object_object_add(caps, "effective", all);
	json_object_object_add(proc, "args", args);
	json_object_object_add(proc, "capabilities", caps);
	json_object_object_add(proc, "terminal", json_object_new_boolean(false));
	json_object_object_del(proc, "consoleSize");
	char *path = xasprintf("%s/exec-%d.json", c->dir, (int)getpid());
	const char *text = json_object_to_json_string_ext(proc, JSON_C_TO_STRING_PLAIN);
	if (write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600) < 0) {
		glass_err_new(err, errno, "write %s", path);
		free(path);
		path = NULL;
	}
	json_object_put(cfg);
	return path;
}

/* docker's status for an exec whose process could not be started */
static int exec_failed_status(const struct glass_err *err)
{
	cleanup_free char *msg = glass_err_format(err);
	if (strstr(msg, "ermission denied"))
		return 126;
	if (strstr(msg, "not found") || strstr(msg, "No such file"))
		return 127;
	return 126;
}

/* In the foreground, with the caller's stdio (without -i the process
 * reads nothing, as docker's). */
static int exec_here(char **argv, const struct ctr_exec_opts *o, int *code, struct glass_err **err)
{
	int saved = -1, null = -1;
	if (!o->interactive) {
		saved = dup(0);
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 0);
	}
	int rc = engine_run_runtime(argv, err);
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	}
	if (null >= 0)
		close(null);
	if (rc < 0)
		return -1;
	*code = rc == RUNTIME_EXEC_FAILED ? 126 : rc;
	return 0;
}

/* exec -d: through the shim, whose orphan the process becomes (shim-exec.c). */
static int exec_detached(const struct ctr *c, const struct ctr_exec_opts *o, char **flags,
                         bool process, int *code, struct glass_err **err)
{
	pid_t pid;
	char *none[] = {NULL};
	if (o->tty)
		return glass_err_new(err, EINVAL,
		                     "exec -d -t: a detached process with a terminal nobody reads "
		                     "is not supported; use -d without -t");
	if (glass_shim_exec(c->dir, flags, process ? none : o->argv, &pid, err) < 0) {
		*code = exec_failed_status(*err);
		return -1;
	}
	*code = 0;
	return 0;
}

int ctr_exec(const char *ref, const struct ctr_exec_opts *o, int *code, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_free char *user = NULL, *process = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	if (c->st.status == CTR_PAUSED)
		return glass_err_new(err, EINVAL,
		                     "container %s is paused, unpause the container "
		                     "before exec",
		                     c->name);
	if (c->st.status != CTR_RUNNING)
		return glass_err_new(err, EINVAL, "container %s is not running", c->name);
	if (o->user && !(user = numeric_user(c, o->user, err)))
		return -1;
	if (o->privileged && !(process = privileged_process(c, o->argv, err)))
		return -1;
	cleanup_free char **flags = exec_flags(o, user, process);
	int rc;
	if (o->detach) {
		rc = exec_detached(c, o, flags, process != NULL, code, err);
	} else {
		cleanup_free char *runtime = ctr_runtime(err);
		cleanup_free char *rroot = engine_runtime_root();
		cleanup_free char **argv =
		    runtime ? exec_argv(c, o, runtime, rroot, flags, process != NULL) : NULL;
		rc = argv ? exec_here(argv, o, code, err) : -1;
	}
	if (process)
		unlink(process);
	return rc;
}

int ctr_attach(const char *ref, bool in, bool out, bool errs, int *fd, bool *tty,
               struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	if (c->st.status != CTR_RUNNING && c->st.status != CTR_RESTARTING)
		return glass_err_new(err, EINVAL,
		                     "You cannot attach to a stopped container, start it first");
	*tty = json_object_get_boolean(ctr_rec(c, "Config.Tty"));
	in = in && json_object_get_boolean(ctr_rec(c, "Config.OpenStdin"));
	if (glass_shim_attach(c->dir, in, out, errs, fd, err) < 0)
		return glass_err_ctx(err, "attach %s", c->name);
	return 0;
}

int ctr_resize(const char *ref, unsigned short h, unsigned short w, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	return glass_shim_resize(c->dir, h, w, err);
}
