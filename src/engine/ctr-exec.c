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

#include "fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
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

/* A running container's exec: its runtime argv (NULL with *err). */
static char **exec_prepare(const char *ref, const struct ctr_exec_opts *o, struct ctr **c,
                           char **runtime, char **rroot, char **user, struct glass_err **err)
{
	if (ctr_find(ref, c, err) < 0)
		return NULL;
	if ((*c)->st.status == CTR_PAUSED) {
		glass_err_new(err, EINVAL,
		              "container %s is paused, unpause the container before exec",
		              (*c)->name);
		return NULL;
	}
	if ((*c)->st.status != CTR_RUNNING) {
		glass_err_new(err, EINVAL, "container %s is not running", (*c)->name);
		return NULL;
	}
	if (o->user && !(*user = numeric_user(*c, o->user, err)))
		return NULL;
	*runtime = ctr_runtime(err);
	*rroot = engine_runtime_root();
	if (!*runtime)
		return NULL;
	return exec_argv(*c, o, *runtime, *rroot, *user);
}

int ctr_exec(const char *ref, const struct ctr_exec_opts *o, int *code, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_free char *user = NULL, *runtime = NULL, *rroot = NULL;
	cleanup_free char **argv = exec_prepare(ref, o, &c, &runtime, &rroot, &user, err);
	if (!argv)
		return -1;
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

/* The runtime's --console-socket: a listening socket in a private
 * directory, through which it hands over the pty master. */
static int console_listen(char *dir, size_t size, struct glass_err **err)
{
	snprintf(dir, size, "%s/glass-exec-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return glass_err_new(err, errno, "mkdtemp(\"%s\")", dir);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(dir) + sizeof("/console.sock") > sizeof(a.sun_path)) {
		rmdir(dir);
		return glass_err_new(err, ENAMETOOLONG, "console socket in %s: path too long", dir);
	}
	memcpy(a.sun_path, dir, strlen(dir));
	memcpy(a.sun_path + strlen(dir), "/console.sock", sizeof("/console.sock"));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		glass_err_new(err, errno, "console socket %s", a.sun_path);
		if (fd >= 0)
			close(fd);
		rmdir(dir);
		return -1;
	}
	return fd;
}

static void console_unlink(const char *dir)
{
	cleanup_free char *p = xasprintf("%s/console.sock", dir);
	unlink(p);
	rmdir(dir);
}

/* Waits for the runtime's pty master (or for the runtime to end first). */
static int console_accept(int lfd, pid_t pid, struct glass_err **err)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	for (;;) {
		int r = poll(&p, 1, 100);
		if (r > 0) {
			cleanup_close int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			char buf[512];
			int m = s >= 0 ? glass_fd_recv(s, buf, sizeof(buf)) : -1;
			if (m < 0)
				return glass_err_new(err, errno, "receive the exec's pty");
			return m;
		}
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return glass_err_new(err, EIO,
			                     "the runtime's exec ended before its pty was ready");
	}
}

static pid_t spawn_with(char **argv, const int fds[3])
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int nul = open("/dev/null", O_RDWR);
	int use[3];
	for (int i = 0; i < 3; i++) /* moved above 2 first: fds[i] may be 0..2 */
		use[i] = fcntl(fds[i] >= 0 ? fds[i] : nul, F_DUPFD, 3);
	for (int i = 0; i < 3; i++)
		if (use[i] < 0 || dup2(use[i], i) < 0)
			_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

int ctr_exec_spawn(const char *ref, const struct ctr_exec_opts *o, const int fds[3],
                   struct ctr_exec_proc *p, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_free char *user = NULL, *runtime = NULL, *rroot = NULL;
	char dir[256];
	int lfd = -1;
	p->pid = -1;
	p->master = -1;
	cleanup_free char **argv = exec_prepare(ref, o, &c, &runtime, &rroot, &user, err);
	if (!argv)
		return -1;
	cleanup_free char *sock = NULL;
	if (o->tty) {
		if ((lfd = console_listen(dir, sizeof(dir), err)) < 0)
			return -1;
		sock = xasprintf("--console-socket=%s/console.sock", dir);
		size_t n = 0;
		while (argv[n])
			n++;
		argv = xrealloc(argv, (n + 2) * sizeof(char *));
		memmove(argv + 5, argv + 4, (n - 3) * sizeof(char *)); /* after "exec" */
		argv[4] = sock;
	}
	p->pid = spawn_with(argv, fds);
	if (p->pid < 0) {
		if (lfd >= 0) {
			close(lfd);
			console_unlink(dir);
		}
		return glass_err_new(err, errno, "fork");
	}
	if (lfd < 0)
		return 0;
	p->master = console_accept(lfd, p->pid, err);
	close(lfd);
	console_unlink(dir);
	return p->master < 0 ? -1 : 0;
}

int ctr_exec_finish(struct ctr_exec_proc *p, int *code)
{
	int st = 0;
	while (waitpid(p->pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	int rc = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
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
