/* client: starting glass-shim (glass_shim_start, see client.h). */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* glass-shim beside the running program, in an installed tree or in the
 * build tree (build/src/engine/glass -> build/src/shim/glass-shim). */
static char *find_shim(void)
{
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return NULL;
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	const char *rel[] = {"%s/glass-shim", "%s/../shim/glass-shim", "%s/../../glass-shim"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = xasprintf(rel[i], dir);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static void add_arg(char **argv, size_t *n, const char *a)
{
	argv[(*n)++] = xstrdup(a);
}

static char **shim_argv(const char *shim, const struct glass_shim_opts *o)
{
	char **argv = xcalloc(32, sizeof(char *));
	size_t n = 0;
	const char *pairs[][2] = {{"--id", o->id},
	                          {"--bundle", o->bundle},
	                          {"--state", o->state_dir},
	                          {"--runtime", o->runtime},
	                          {"--runtime-root", o->runtime_root},
	                          {"--restart", o->restart},
	                          {"--events", o->events}};
	add_arg(argv, &n, shim);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!pairs[i][1])
			continue;
		add_arg(argv, &n, pairs[i][0]);
		add_arg(argv, &n, pairs[i][1]);
	}
	if (o->log_max_size > 0)
		argv[n++] = xasprintf("--log-max-size=%lld", o->log_max_size);
	if (o->log_max_file > 0)
		argv[n++] = xasprintf("--log-max-file=%d", o->log_max_file);
	const struct {
		bool on;
		const char *flag;
	} flags[] = {{o->tty, "--tty"},
	             {o->stdin_open, "--stdin"},
	             {o->rm, "--rm"},
	             {o->trace, "--trace"},
	             {o->cleanup, "--cleanup"}};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flags[i].on)
			add_arg(argv, &n, flags[i].flag);
	return argv;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static char *read_all(int fd)
{
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		strbuf_append(&b, buf, (size_t)r);
	}
	return strbuf_steal(&b);
}

/* Requests asked for with the start (glass_shim_early): connected as soon
 * as the new shim's ctl.sock answers (a stale one, of a shim killed
 * before, refuses), so they wait in its queue before the container runs. */
struct early_attach {
	struct glass_shim_early *e;
	const char *state_dir;
};

static void try_attach(struct early_attach *a)
{
	struct glass_shim_early *e = a->e;
	if (e->wait && e->wait_fd < 0) {
		int fd = glass_shim_connect(a->state_dir, NULL);
		static const char req[] = "{\"op\":\"wait\"}\n";
		if (fd >= 0 && write_all(fd, req, sizeof(req) - 1) == 0)
			e->wait_fd = fd;
		else if (fd >= 0)
			close(fd);
	}
	if (!e->attach || e->attach_fd >= 0)
		return;
	int fd = glass_shim_connect(a->state_dir, NULL);
	if (fd >= 0 && glass_shim_attach_request(fd, e->in, e->out, e->err_) == 0)
		e->attach_fd = fd;
	else if (fd >= 0)
		close(fd);
}

static bool early_pending(const struct glass_shim_early *e)
{
	return (e->attach && e->attach_fd < 0) || (e->wait && e->wait_fd < 0);
}

/* Until the first process speaks (or ends), tries to connect every 2 ms. */
static void attach_while_starting(int out_fd, struct early_attach *a)
{
	struct pollfd p = {.fd = out_fd, .events = POLLIN};
	while (early_pending(a->e)) {
		try_attach(a);
		if (!early_pending(a->e) || poll(&p, 1, 2) != 0) {
			try_attach(a);
			return;
		}
	}
}

/* The shim's first process, stdin on /dev/null, stdout (and, without a
 * trace, stderr) on the pipes.  posix_spawn(3), not fork: glibc's spawn
 * is a clone(CLONE_VM|CLONE_VFORK), which does not copy the engine's
 * address space (its page tables, the mappings of every library it
 * loaded) only for the child to exec at once. */
static int spawn_first(char **argv, int out_w, int err_w, pid_t *pid, struct glass_err **err)
{
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return glass_err_new(err, ENOMEM, "posix_spawn_file_actions_init");
	int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	if (rc == 0 && err_w >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	if (rc == 0)
		rc = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return glass_err_new(err, rc, "exec %s", argv[0]);
	return 0;
}

/* Runs the shim's first process with stdout (and, without a trace, stderr)
 * on pipes; fills *out and *errtext with what it wrote. */
static int run_first(char **argv, bool trace, struct early_attach *a, char **out, char **errtext,
                     int *status, struct glass_err **err)
{
	int po[2], pe[2] = {-1, -1};
	pid_t pid;
	if (pipe2(po, O_CLOEXEC) < 0 || (!trace && pipe2(pe, O_CLOEXEC) < 0))
		return glass_err_new(err, errno, "pipe2");
	if (spawn_first(argv, po[1], pe[1], &pid, err) < 0) {
		close(po[0]);
		close(po[1]);
		if (pe[0] >= 0) {
			close(pe[0]);
			close(pe[1]);
		}
		return -1;
	}
	close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	attach_while_starting(po[0], a);
	*out = read_all(po[0]);
	*errtext = pe[0] >= 0 ? read_all(pe[0]) : xstrdup("");
	close(po[0]);
	if (pe[0] >= 0)
		close(pe[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return glass_err_new(err, errno, "waitpid(%d)", (int)pid);
	return 0;
}

static int start(const struct glass_shim_opts *o, struct early_attach *a, pid_t *container_pid,
                 struct glass_err **err)
{
	cleanup_free char *shim = o->shim ? xstrdup(o->shim) : find_shim();
	if (!shim)
		return glass_err_new(err, ENOENT, "glass-shim not found beside this program");
	char **argv = shim_argv(shim, o);
	cleanup_free char *out = NULL, *errtext = NULL;
	int status = 0;
	int r = run_first(argv, o->trace, a, &out, &errtext, &status, err);
	free_argv(argv);
	if (r < 0)
		return glass_err_ctx(err, "start glass-shim for %s", o->id);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && atoi(out) > 0) {
		*container_pid = (pid_t)atoi(out);
		return 0;
	}
	errtext[strcspn(errtext, "\n")] = '\0';
	struct glass_shim_status st;
	if (!errtext[0] && glass_shim_status(o->state_dir, &st, NULL) == 0 && st.error[0])
		snprintf(errtext = xrealloc(errtext, sizeof(st.error)), sizeof(st.error), "%s",
		         st.error);
	if (errtext[0])
		return glass_err_new(err, 0, "%s", errtext);
	return glass_err_new(err, 0, "glass-shim for %s failed (status 0x%x)", o->id, status);
}

int glass_shim_start(const struct glass_shim_opts *o, pid_t *container_pid, struct glass_err **err)
{
	struct glass_shim_early none = {.attach_fd = -1, .wait_fd = -1};
	struct early_attach a = {&none, o->state_dir};
	return start(o, &a, container_pid, err);
}

static void early_close(struct glass_shim_early *e)
{
	if (e->attach_fd >= 0)
		close(e->attach_fd);
	if (e->wait_fd >= 0)
		close(e->wait_fd);
	e->attach_fd = e->wait_fd = -1;
}

int glass_shim_start_early(const struct glass_shim_opts *o, struct glass_shim_early *e,
                           pid_t *container_pid, struct glass_err **err)
{
	struct early_attach a = {e, o->state_dir};
	e->attach_fd = e->wait_fd = -1;
	if (start(o, &a, container_pid, err) < 0) {
		early_close(e);
		return -1;
	}
	if (e->attach && e->attach_fd < 0 &&
	    glass_shim_attach(o->state_dir, e->in, e->out, e->err_, &e->attach_fd, err) < 0) {
		early_close(e);
		return glass_err_ctx(err, "attach to %s", o->id);
	}
	return 0;
}

int glass_shim_start_attached(const struct glass_shim_opts *o, bool in, bool out, bool err_,
                              pid_t *container_pid, int *fd, struct glass_err **err)
{
	struct glass_shim_early e = {.attach = true, .in = in, .out = out, .err_ = err_};
	if (glass_shim_start_early(o, &e, container_pid, err) < 0)
		return -1;
	*fd = e.attach_fd;
	return 0;
}
