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
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

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

static char **exec_argv(const struct ctr *c, const struct ctr_exec_opts *o, char *runtime,
                        char *rroot, char *user)
{
	size_t n = 0, cap = 16;
	for (char **p = o->argv; *p; p++)
		cap++;
	for (char **p = o->env; p && *p; p++)
		cap += 2;
	char **v = xcalloc(cap, sizeof(char *));
	v[n++] = runtime;
	v[n++] = "--root";
	v[n++] = rroot;
	v[n++] = "exec";
	if (o->tty)
		v[n++] = "--tty";
	if (o->detach)
		v[n++] = "--detach";
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
	v[n++] = (char *)c->id;
	for (char **p = o->argv; *p; p++)
		v[n++] = *p;
	return v;
}

int ctr_exec(const char *ref, const struct ctr_exec_opts *o, int *code, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_free char *user = NULL;
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
	cleanup_free char *runtime = ctr_runtime(err);
	cleanup_free char *rroot = engine_runtime_root();
	if (!runtime)
		return -1;
	cleanup_free char **argv = exec_argv(c, o, runtime, rroot, user);
	/* without -i the process reads nothing, as docker's */
	int saved = -1, null = -1;
	if (!o->interactive || o->detach) {
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
