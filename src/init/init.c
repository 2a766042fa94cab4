/* glass-init: the small init `glass run --init` puts at a container's
 * pid 1 (bound read-only at /sbin/glass-init, as docker binds its
 * docker-init): `glass-init -- CMD [ARG...]`.
 *
 * A process that is pid 1 of its PID namespace has two jobs programs
 * seldom expect: the kernel re-parents every orphan in the namespace to
 * it (so it must reap them, or zombies pile up), and it receives only the
 * signals it installed a handler for (SIGTERM from `docker stop` is
 * otherwise dropped).  glass-init runs CMD as its child, forwards every
 * catchable signal to it, reaps every child, and exits with CMD's status
 * (128+N when signal N ended it) once CMD is gone.
 *
 * Signals are blocked and taken with sigwaitinfo(): none is lost between
 * the fork and the loop, and no handler runs at an awkward moment.  The
 * child unblocks them before it execs.  Static, libc only. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reaps every exited child; returns CMD's status when it was among them. */
static int reap(pid_t cmd, int *status)
{
	int st, found = 0;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == cmd) {
			*status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
			found = 1;
		}
	return found;
}

int main(int argc, char **argv)
{
	sigset_t all;
	int status = 0, first = 1;
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: glass-init -- CMD [ARG...]\n");
		return 2;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	pid_t cmd = fork();
	if (cmd < 0) {
		perror("glass-init: fork");
		return 1;
	}
	if (cmd == 0) {
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		execvp(argv[first], argv + first);
		fprintf(stderr, "glass-init: exec %s: %s\n", argv[first], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			if (reap(cmd, &status))
				return status;
			continue;
		}
		/* stop signals from a terminal would stop us; hand them on too */
		kill(cmd, sig);
	}
}
