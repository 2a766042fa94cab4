/* shim: running the runtime (create, start, delete) and taking over the
 * container's stdio from it. */
#include "shim.h"
#include "event.h"
#include "fdpass.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The fds the runtime's create gets as 0, 1, 2, and what the shim keeps. */
struct stdio_plan {
	int child[3];
	int console; /* the listening --console-socket (tty), -1 */
};

static void plan_release(struct stdio_plan *p)
{
	for (int i = 0; i < 3; i++)
		if (p->child[i] >= 0)
			close(p->child[i]);
	if (p->console >= 0)
		close(p->console);
}

/* A path for a unix socket in the state directory, short enough for
 * sun_path whatever the directory's length: through /proc/self/fd. */
static void state_sockaddr(struct shim *s, const char *name, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", s->dirfd, name);
}

static int listen_console(struct shim *s, struct stdio_plan *p, struct glass_err **err)
{
	struct sockaddr_un sa;
	state_sockaddr(s, "console.sock", &sa);
	unlinkat(s->dirfd, "console.sock", 0);
	p->console = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->console < 0 || bind(p->console, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(p->console, 1) < 0)
		return glass_err_new(err, errno, "listen on %s/console.sock", s->o.state_dir);
	return 0;
}

/* Pipes for stdout and stderr (and stdin with --stdin; /dev/null else), or,
 * with a tty, the console socket the runtime sends the pty master to. */
static int plan_stdio(struct shim *s, struct stdio_plan *p, struct glass_err **err)
{
	int fds[2];
	p->child[0] = p->child[1] = p->child[2] = p->console = -1;
	if (s->o.tty) {
		for (int i = 0; i < 3; i++)
			if ((p->child[i] = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				return glass_err_new(err, errno, "open(\"/dev/null\")");
		return listen_console(s, p, err);
	}
	for (int i = 0; i < 3; i++) {
		if (i == 0 && !s->o.stdin_open) {
			if ((p->child[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
				return glass_err_new(err, errno, "open(\"/dev/null\")");
			continue;
		}
		if (pipe2(fds, O_CLOEXEC) < 0)
			return glass_err_new(err, errno, "pipe2");
		p->child[i] = fds[i == 0 ? 0 : 1];
		int mine = fds[i == 0 ? 1 : 0];
		fcntl(mine, F_SETFL, O_NONBLOCK);
		*(i == 0 ? &s->in_fd : i == 1 ? &s->out_fd : &s->err_fd) = mine;
	}
	return 0;
}

/* Runs the runtime with `verb_args` (NULL-terminated) after its global
 * flags; stdio from `child` (NULL: /dev/null).  Returns its wait status. */
static int run_runtime(struct shim *s, const char *const *verb_args, const int *child)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = s->o.runtime;
	if (s->o.runtime_root)
		argv[n++] = "--root", argv[n++] = s->o.runtime_root;
	argv[n++] = "--log", argv[n++] = "runtime.log", argv[n++] = "--log-format",
	argv[n++] = "json";
	if (s->o.trace)
		argv[n++] = "--trace", argv[n++] = "--trace-fd", argv[n++] = "3";
	for (size_t i = 0; verb_args[i] && n < 31; i++)
		argv[n++] = verb_args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* The trace goes to the shim's stderr as fd 3, set aside before
		 * the container's stdio take 0, 1 and 2. */
		int trace = s->o.trace ? fcntl(2, F_DUPFD_CLOEXEC, 64) : -1;
		if (fchdir(s->dirfd) < 0)
			_exit(126);
		for (int i = 0; i < 3; i++)
			if (dup2(child ? child[i] : nul, i) < 0)
				_exit(126);
		if (trace >= 0 && dup2(trace, 3) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Why the runtime failed: the last message of its json log, or its status. */
static int runtime_failed(struct shim *s, const char *verb, int status, struct glass_err **err)
{
	char msg[512] = "";
	cleanup_free char *log = read_file_at(s->dirfd, "runtime.log", NULL);
	for (char *line = log ? strtok(log, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		char level[16];
		if (glass_wire_get_string(line, "level", level, sizeof(level)) == 0 &&
		    !strcmp(level, "error"))
			glass_wire_get_string(line, "msg", msg, sizeof(msg));
	}
	if (msg[0])
		return glass_err_new(err, 0, "%s", msg);
	if (status < 0)
		return glass_err_new(err, errno, "run %s %s", s->o.runtime, verb);
	if (WIFSIGNALED(status))
		return glass_err_new(err, 0, "%s %s: killed by signal %d", s->o.runtime, verb,
		                     WTERMSIG(status));
	return glass_err_new(err, 0, "%s %s exited with status %d", s->o.runtime, verb,
	                     WEXITSTATUS(status));
}

/* The pty master the runtime sent to the console socket: connected and
 * sent before create returned, so it waits in the socket's queue. */
static int take_console(struct shim *s, struct stdio_plan *p, struct glass_err **err)
{
	cleanup_close int c = accept4(p->console, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char name[64];
	if (c < 0)
		return glass_err_new(err, errno,
		                     "accept on %s/console.sock: the runtime sent no "
		                     "terminal (does config.json ask for process.terminal?)",
		                     s->o.state_dir);
	int fd = glass_fd_recv(c, name, sizeof(name));
	if (fd < 0)
		return glass_err_new(err, errno, "receive the pty master on console.sock");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	s->pty_fd = s->out_fd = fd;
	s->in_fd = -1;
	glass_trace_note("shim", NULL, "received the pty master (fd %d) on console.sock", fd);
	return 0;
}

static int read_pid_file(struct shim *s, struct glass_err **err)
{
	cleanup_free char *text = read_file_at(s->dirfd, "container.pid", NULL);
	if (!text || atoi(text) <= 0)
		return glass_err_new(err, text ? EINVAL : errno, "read %s/container.pid",
		                     s->o.state_dir);
	s->st.pid = (pid_t)atoi(text);
	return 0;
}

static int create(struct shim *s, struct glass_err **err)
{
	struct stdio_plan p;
	bool created = false;
	int r = plan_stdio(s, &p, err);
	const char *args[] = {"create",
	                      "--bundle",
	                      s->o.bundle,
	                      "--pid-file",
	                      "container.pid",
	                      s->o.tty ? "--console-socket" : s->o.id,
	                      s->o.tty ? "console.sock" : NULL,
	                      s->o.tty ? s->o.id : NULL,
	                      NULL};
	int fd = openat(s->dirfd, "runtime.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	unlinkat(s->dirfd, "container.pid", 0);
	if (r == 0) {
		glass_trace_note("shim", NULL, "%s create %s", s->o.runtime, s->o.id);
		int status = run_runtime(s, args, p.child);
		if (status != 0)
			r = runtime_failed(s, "create", status, err);
		/* A runtime that reports its error has undone its create (and an
		 * id that exists is someone else's container); one that was
		 * killed may have left its state. */
		if (status > 0 && WIFSIGNALED(status))
			shim_runtime_delete(s);
		created = status == 0;
	}
	if (r == 0 && s->o.tty)
		r = take_console(s, &p, err);
	plan_release(&p);
	unlinkat(s->dirfd, "console.sock", 0);
	if (r == 0)
		r = read_pid_file(s, err);
	if (r < 0 && created)
		shim_runtime_delete(s);
	return r;
}

void shim_runtime_delete(struct shim *s)
{
	const char *args[] = {"delete", "--force", s->o.id, NULL};
	glass_trace_note("shim", NULL, "%s delete --force %s", s->o.runtime, s->o.id);
	run_runtime(s, args, NULL);
}

int shim_launch(struct shim *s, struct glass_err **err)
{
	const char *args[] = {"start", s->o.id, NULL};
	if (create(s, err) < 0) {
		shim_io_close(s);
		return -1;
	}
	shim_oom_watch(s, s->st.pid);
	glass_trace_note("shim", NULL, "%s start %s (pid %d)", s->o.runtime, s->o.id,
	                 (int)s->st.pid);
	int status = run_runtime(s, args, NULL);
	if (status != 0) {
		runtime_failed(s, "start", status, err);
		shim_oom_close(s);
		shim_runtime_delete(s);
		shim_io_close(s);
		return glass_err_ctx(err, "start %s", s->o.id);
	}
	s->started_ns = now_ns();
	s->running = true;
	s->st.exit_code = s->st.signal = 0;
	s->st.oom_killed = false;
	s->st.finished_at[0] = s->st.error[0] = '\0';
	shim_now(s->st.started_at, sizeof(s->st.started_at));
	shim_set_status(s, "running");
	/* the start (and each restart of the policy) is the shim's to tell:
	 * written before the container can end, so a die never precedes it */
	if (s->o.events)
		glass_event_write(AT_FDCWD, s->o.events, "container", "start", s->o.id, NULL);
	return 0;
}
