/* glass-shim: the entry, the detaching (setsid, fork) and the
 * status file.  See shim.h and docs/shim.md. */
#include "shim.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: glass-shim --id ID --bundle DIR --state DIR --runtime PATH [flags]\n"
    "\n"
    "Holds one container for the engine (docs/shim.md): detaches from it, becomes\n"
    "the subreaper of the container's pid 1, runs the runtime's create and start,\n"
    "keeps the container's stdio, writes DIR/container.log (docker's json-file\n"
    "format) and DIR/status.json, and serves DIR/ctl.sock.  Prints the container's\n"
    "host pid once it runs, or the runtime's error (exit status 1).\n"
    "\n"
    "Shim flags:\n"
    "      --id ID             the container's id (the runtime's)\n"
    "      --bundle DIR        the bundle the runtime creates the container from\n"
    "      --state DIR         where the shim keeps its files (made if missing)\n"
    "      --runtime PATH      the OCI runtime (glass-runtime, runc, crun)\n"
    "      --runtime-root DIR  the runtime's state directory (its root flag)\n"
    "      --tty               give the container a terminal (process.terminal);\n"
    "                          the shim holds the pty master\n"
    "      --stdin             keep the container's stdin open for attach\n"
    "      --log-max-size BYTES  rotate container.log past this size\n"
    "      --log-max-file N    log files kept with rotation (default 1)\n"
    "      --restart no|on-failure|always|unless-stopped\n"
    "                          the restart policy (on-failure:N: at most N restarts)\n"
    "      --rm                run the engine's forced rm of ID once the container\n"
    "                          is gone for good\n"
    "      --cleanup           run the engine's `container cleanup ID` then (the\n"
    "                          run's network released, as podman's exit command)\n"
    "      --events FILE       append the container's die events to the engine's\n"
    "                          journal FILE (event.h)\n"
    "      --trace             narrate the hand-off (and the runtime's steps) on stderr\n"
    "  -h, --help              this help\n";

/* status.json, replaced atomically: a reader sees the old or the new. */
void shim_set_status(struct shim *s, const char *status)
{
	if (status != s->st.status)
		snprintf(s->st.status, sizeof(s->st.status), "%s", status);
	cleanup_free char *json = glass_wire_status_json(&s->st);
	size_t n = strlen(json);
	json[n] = '\n';
	if (write_file_atomic_at(s->dirfd, "status.json", json, n + 1, 0644) < 0)
		glass_trace_note("shim", NULL, "writing status.json: %s", strerror(errno));
	json[n] = '\0';
}

static int parse_restart(const char *v, struct shim_opts *o)
{
	char *end;
	if (!strcmp(v, "no"))
		o->restart = RESTART_NO;
	else if (!strcmp(v, "always"))
		o->restart = RESTART_ALWAYS;
	else if (!strcmp(v, "unless-stopped"))
		o->restart = RESTART_UNLESS_STOPPED;
	else if (!strncmp(v, "on-failure", 10) && (v[10] == '\0' || v[10] == ':')) {
		o->restart = RESTART_ON_FAILURE;
		if (v[10] == ':') {
			long n = strtol(v + 11, &end, 10);
			if (end == v + 11 || *end || n < 0 || n > 1000000)
				return -1;
			o->restart_max = (int)n;
		}
	} else
		return -1;
	return 0;
}

static int bad(const char *fmt, const char *v)
{
	fprintf(stderr, "glass-shim: ");
	fprintf(stderr, fmt, v);
	fprintf(stderr, "\n%s", usage_text);
	return -1;
}

static int parse_args(int argc, char **argv, struct shim_opts *o)
{
	static const struct option opts[] = {
	    {"id", 1, NULL, 'i'},           {"bundle", 1, NULL, 'b'},
	    {"state", 1, NULL, 's'},        {"runtime", 1, NULL, 'r'},
	    {"runtime-root", 1, NULL, 'R'}, {"tty", 0, NULL, 't'},
	    {"stdin", 0, NULL, 'I'},        {"log-max-size", 1, NULL, 'S'},
	    {"log-max-file", 1, NULL, 'F'}, {"restart", 1, NULL, 'P'},
	    {"rm", 0, NULL, 'X'},           {"trace", 0, NULL, 'T'},
	    {"cleanup", 0, NULL, 'C'},      {"events", 1, NULL, 'E'},
	    {"help", 0, NULL, 'h'},         {NULL, 0, NULL, 0}};
	char *end;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->id = optarg;
			break;
		case 'b':
			o->bundle = optarg;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'r':
			o->runtime = optarg;
			break;
		case 'R':
			o->runtime_root = optarg;
			break;
		case 't':
			o->tty = true;
			break;
		case 'I':
			o->stdin_open = true;
			break;
		case 'X':
			o->rm = true;
			break;
		case 'C':
			o->cleanup = true;
			break;
		case 'E':
			o->events = optarg;
			break;
		case 'T':
			o->trace = true;
			break;
		case 'S':
			o->log_max_size = strtoll(optarg, &end, 10);
			if (end == optarg || *end || o->log_max_size < 0)
				return bad("--log-max-size: not a size in bytes: \"%s\"", optarg);
			break;
		case 'F':
			o->log_max_file = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || o->log_max_file < 1 || o->log_max_file > 1000)
				return bad("--log-max-file: not a count (1-1000): \"%s\"", optarg);
			break;
		case 'P':
			if (parse_restart(optarg, o) < 0)
				return bad("--restart: want no, on-failure[:N], always or "
				           "unless-stopped, not \"%s\"",
				           optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return bad("%s", "bad option");
		}
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (!o->id || !o->bundle || !o->state_dir || !o->runtime)
		return bad("%s", "--id, --bundle, --state and --runtime are required");
	if (!o->log_max_file)
		o->log_max_file = 1;
	return 0;
}

/* The first process: waits for the shim's word on the ready pipe ("P pid"
 * once the container runs, "E message" when the runtime failed), then for
 * `mid` (the child that made the session, when it did not; -1: none). */
static int first_process(int ready, pid_t mid)
{
	char buf[1024];
	size_t n = 0;
	ssize_t r;
	while (n + 1 < sizeof(buf) && (r = read(ready, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (mid > 0 && waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	if (!strncmp(buf, "P ", 2)) {
		printf("%s\n", buf + 2);
		return 0;
	}
	if (!strncmp(buf, "E ", 2))
		fprintf(stderr, "glass-shim: %s\n", buf + 2);
	else
		fprintf(stderr, "glass-shim: the shim exited before the container ran\n");
	return 1;
}

static void to_dev_null(bool keep_stderr)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	if (!keep_stderr)
		dup2(fd, 2);
	close(fd);
}

/* The engine beside this program (for --rm and --cleanup). */
static char *find_engine(const char *argv0)
{
	char dir[PATH_MAX];
	cleanup_free char *a = xstrdup(argv0);
	char *slash = strrchr(a, '/');
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	cleanup_free char *c0 = NULL, *c1 = NULL, *c2 = NULL;
	if (slash) {
		*slash = '\0';
		c0 = xasprintf("%s/glass", a);
	}
	if (n > 0) {
		dir[n] = '\0';
		*strrchr(dir, '/') = '\0';
		c1 = xasprintf("%s/glass", dir);
		c2 = xasprintf("%s/../engine/glass", dir);
	}
	const char *cands[] = {c0, c1, c2};
	for (int i = 0; i < 3; i++)
		if (cands[i] && access(cands[i], X_OK) == 0)
			return xstrdup(cands[i]);
	return NULL;
}

/* The engine beside the shim, run once the container is gone for good:
 * --rm's `rm -f ID` (the one removal the engine has), or --cleanup's
 * `container cleanup ID`, which releases the run's network (podman's
 * conmon runs `podman container cleanup` for the same reason: no engine
 * process waits for an exit nobody asked about). */
static void run_engine(struct shim *s, const char *verb, const char *arg)
{
	cleanup_free char *engine = find_engine(s->o.argv0);
	if (!engine) {
		glass_trace_note("shim", NULL, "%s: no glass beside %s", verb, s->o.argv0);
		return;
	}
	glass_trace_note("shim", NULL, "%s %s %s %s", engine, verb, arg, s->o.id);
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(engine, engine, verb, arg, s->o.id, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* shim.pid, replaced atomically but not fsynced, unlike status.json: a
 * pid means nothing after the crash a sync would guard against, and
 * readers already take a missing, empty or stale file for "no shim". */
static int write_shim_pid(struct shim *s)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	return write_file_volatile_at(s->dirfd, "shim.pid", pid, (size_t)n, 0644);
}

static int shim_setup(struct shim *s, struct glass_err **err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return glass_err_new(err, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
	glass_trace_note("shim", NULL,
	                 "pid %d: prctl(PR_SET_CHILD_SUBREAPER): the container's orphans come here",
	                 (int)getpid());
	if (write_shim_pid(s) < 0)
		return glass_err_new(err, errno, "write %s/shim.pid", s->o.state_dir);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return glass_err_new(err, errno, "signalfd(SIGCHLD)");
	if (shim_ctl_listen(s, err) < 0 || shim_log_open(s, err) < 0)
		return -1;
	shim_set_status(s, "created");
	return 0;
}

/* The shim proper: sets up, launches the container, tells the first
 * process, then serves until the container is gone for good. */
static int shim_main(struct shim *s, int ready)
{
	struct glass_err *err = NULL;
	to_dev_null(s->o.trace);
	if (chdir("/") < 0 || shim_setup(s, &err) < 0 || shim_launch(s, &err) < 0) {
		cleanup_free char *msg = glass_err_format(err);
		snprintf(s->st.error, sizeof(s->st.error), "%s", msg);
		glass_time_rfc3339(s->st.finished_at, sizeof(s->st.finished_at), NULL);
		s->st.exit_code = 128; /* docker's ExitCode of a container that never ran */
		shim_set_status(s, "exited");
		dprintf(ready, "E %s\n", msg);
		glass_err_free(&err);
		shim_ctl_close(s);
		return 1;
	}
	dprintf(ready, "P %d\n", (int)s->st.pid);
	close(ready);
	glass_trace_note("shim", NULL, "the runtime exited; pid %d waits for pid %d", (int)getpid(),
	                 (int)s->st.pid);
	if (s->o.trace)
		to_dev_null(false);
	shim_loop(s);
	shim_ctl_close(s);
	if (s->o.rm)
		run_engine(s, "rm", "-f");
	else if (s->o.cleanup)
		run_engine(s, "container", "cleanup");
	return 0;
}

int main(int argc, char **argv)
{
	/* Zero-initialized, so in .bss: its pages (64 KiB of stdin buffer, the
	 * clients' request lines) cost nothing until they are used. */
	static struct shim s;
	s.dirfd = s.sigfd = s.ctlfd = s.out_fd = s.err_fd = s.in_fd = s.pty_fd = s.oom.fd = -1;
	int ready[2];
	/* Whatever the engine left open without O_CLOEXEC (a lock on the
	 * container, a socket) would otherwise stay open as long as the
	 * container runs, and reach the runtime and the container. */
	close_range(3, ~0U, 0);
	s.o.argv0 = argv[0];
	if (parse_args(argc, argv, &s.o) < 0)
		return 125;
	if (s.o.trace) {
		glass_trace_set_output(GLASS_TRACE_TEXT, 2);
		glass_trace_phase("shim");
	}
	if (mkdir_p(s.o.state_dir, 0711) < 0 ||
	    (s.dirfd = open(s.o.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "glass-shim: --state %s: %s\n", s.o.state_dir, strerror(errno));
		return 1;
	}
	if (pipe2(ready, O_CLOEXEC) < 0)
		return perror("glass-shim: pipe2"), 1;
	/* A new session for the shim: no controlling terminal, so the
	 * engine's terminal closing (SIGHUP) does not reach it, and as a
	 * member that is not the session's leader it can never acquire a
	 * terminal again.  The engine's child is not a process group leader,
	 * so it calls setsid() itself and forks the shim once; started as a
	 * group leader (a job of an interactive shell), it forks first and
	 * that child makes the session and forks the shim. */
	bool own_session = setsid() >= 0;
	if (own_session)
		glass_trace_note("shim", NULL, "pid %d: setsid: a session of its own, no terminal",
		                 (int)getpid());
	pid_t mid = fork();
	if (mid < 0)
		return perror("glass-shim: fork"), 1;
	if (mid > 0) {
		close(ready[1]);
		glass_trace_note("shim", NULL,
		                 "pid %d: fork: pid %d detaches; this one waits for its word",
		                 (int)getpid(), (int)mid);
		/* the shim itself is not waited for: it outlives this process */
		return first_process(ready[0], own_session ? -1 : mid);
	}
	close(ready[0]);
	glass_trace_note("shim", NULL, "pid %d: fork: detaches; its parent %d waits for its word",
	                 (int)getpid(), (int)getppid());
	if (!own_session) {
		setsid();
		glass_trace_note("shim", NULL, "pid %d: setsid: a session of its own, no terminal",
		                 (int)getpid());
		pid_t shim = fork();
		if (shim != 0)
			_exit(shim < 0 ? 1 : 0);
	}
	glass_trace_note("shim", NULL,
	                 "pid %d: the shim: its parent exits once it has the word, so it is "
	                 "orphaned and detached from the engine",
	                 (int)getpid());
	return shim_main(&s, ready[1]);
}
