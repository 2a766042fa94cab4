/* hooks: see hooks.h. */
#include "hooks.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *glass_hook_name(enum glass_hook_kind kind)
{
	switch (kind) {
	case GLASS_HOOK_PRESTART:
		return "prestart";
	case GLASS_HOOK_CREATE_RUNTIME:
		return "createRuntime";
	case GLASS_HOOK_CREATE_CONTAINER:
		return "createContainer";
	case GLASS_HOOK_START_CONTAINER:
		return "startContainer";
	case GLASS_HOOK_POSTSTART:
		return "poststart";
	case GLASS_HOOK_POSTSTOP:
		return "poststop";
	case GLASS_HOOK_COUNT:
	default:
		return "unknown";
	}
}

/* Waits for `pid` until `deadline_ns` (0: forever).  Returns the wait
 * status, or -1 with errno ETIMEDOUT after killing it. */
static int wait_deadline(pid_t pid, unsigned long long deadline_ns)
{
	int status;
	int pidfd = deadline_ns ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pidfd >= 0) {
		for (;;) {
			unsigned long long now = now_ns();
			struct pollfd p = {pidfd, POLLIN, 0};
			int ms =
			    now >= deadline_ns ? 0 : (int)((deadline_ns - now) / 1000000ull) + 1;
			int r = poll(&p, 1, ms);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0) {
				/* The hook leads its own process group: kill what it
				 * started too. */
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				close(pidfd);
				errno = ETIMEDOUT;
				return -1;
			}
			break;
		}
		close(pidfd);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

static int run_one(const struct glass_hook *h, const char *field, const char *state_json,
                   struct glass_err **err)
{
	int in[2];
	pid_t pid;
	int status;
	struct glass_trace_op op = {0};
	char **argv;
	char *empty_env[] = {NULL};

	if (glass_trace_on && glass_trace_begin(&op, "hook", field, "\"%s\"%s", h->path,
	                                        h->has_timeout ? ", timeout" : "") < 0)
		return glass_err_field(err, ECANCELED, field, "hook %s", h->path);
	if (pipe2(in, O_CLOEXEC) < 0) {
		if (op.active)
			glass_trace_end(&op, -1, errno);
		return glass_err_field(err, errno, field, "pipe2()");
	}
	argv = xcalloc(h->nargs + 2, sizeof(char *));
	if (h->nargs)
		for (size_t i = 0; i < h->nargs; i++)
			argv[i] = h->args[i];
	else
		argv[0] = h->path;
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(in[0], 0);
		/* The hook's stdout would mix with the runtime's answer
		 * (e.g. create's output parsed by a client): stderr. */
		dup2(2, 1);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Without "env" a hook gets the runtime's environment, as runc's
		 * and crun's hooks do (Go's exec.Cmd with a nil Env). */
		execve(h->path, argv, h->has_env ? (h->nenv ? h->env : empty_env) : environ);
		dprintf(2, "hook %s: execve: %s\n", h->path, strerror(errno));
		_exit(127);
	}
	free(argv);
	close(in[0]);
	if (pid > 0)
		setpgid(pid, pid); /* both sides: no race with the kill */
	if (pid < 0) {
		close(in[1]);
		if (op.active)
			glass_trace_end(&op, -1, errno);
		return glass_err_field(err, errno, field, "fork() for hook %s", h->path);
	}
	{
		/* A hook that does not read its stdin must not block us. */
		struct sigaction sa = {.sa_handler = SIG_IGN}, old;
		sigaction(SIGPIPE, &sa, &old);
		write_all(in[1], state_json, strlen(state_json));
		sigaction(SIGPIPE, &old, NULL);
	}
	close(in[1]);
	status = wait_deadline(
	    pid, h->has_timeout ? now_ns() + (unsigned long long)h->timeout * 1000000000ull : 0);
	if (op.active)
		glass_trace_end(&op, status < 0 ? -1 : status, status < 0 ? errno : 0);
	if (status < 0 && errno == ETIMEDOUT)
		return glass_err_field(err, 0, field, "hook %s timed out after %d s (killed)",
		                       h->path, h->timeout);
	if (status < 0)
		return glass_err_field(err, errno, field, "waitpid(hook %s)", h->path);
	if (WIFSIGNALED(status))
		return glass_err_field(
		    err, 0, field, "hook %s was killed by signal %s", h->path,
		    sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	if (WEXITSTATUS(status) == 127)
		return glass_err_field(err, 0, field,
		                       "hook %s could not be executed (exit status 127)", h->path);
	if (WEXITSTATUS(status) != 0)
		return glass_err_field(err, 0, field, "hook %s exited with status %d", h->path,
		                       WEXITSTATUS(status));
	return 0;
}

int glass_hooks_run_one(const struct glass_spec *spec, enum glass_hook_kind kind, size_t i,
                        const char *state_json, struct glass_err **err)
{
	char field[64];
	snprintf(field, sizeof(field), "hooks.%s[%zu]", glass_hook_name(kind), i);
	if (run_one(&spec->hooks[kind][i], field, state_json, err) < 0)
		return glass_err_ctx(err, "%s hook", glass_hook_name(kind));
	return 0;
}

int glass_hooks_run(const struct glass_spec *spec, enum glass_hook_kind kind,
                    const char *state_json, struct glass_err **err)
{
	for (size_t i = 0; i < spec->nhooks[kind]; i++)
		if (glass_hooks_run_one(spec, kind, i, state_json, err) < 0)
			return -1;
	return 0;
}
