/* glass-pause: the process that holds a Kubernetes pod's namespaces.
 *
 * containerd's CRI plugin starts one "sandbox" container per pod before any
 * of the pod's own containers; the pod's network, IPC and UTS namespaces
 * (and, with shareProcessNamespace, its PID namespace) are this process's,
 * and every container of the pod joins them.  So it must live, doing
 * nothing, until the pod is stopped, and as the pid 1 of a shared PID
 * namespace it must reap the orphans the kernel re-parents to it.
 *
 * The kernel delivers to a namespace's pid 1 only the signals it has a
 * handler for (SIGKILL from an ancestor namespace excepted), so every
 * signal this program acts on is blocked and taken synchronously with
 * sigwaitinfo(): a blocked signal is never discarded as "ignored", and no
 * handler runs at an awkward moment.
 *
 * Contract: runs until SIGINT or SIGTERM, then exits 0 (the sandbox's exit
 * status, which containerd records); reaps every child on SIGCHLD;
 * ignores every other catchable signal.  Arguments: `-v` prints the
 * version and exits.  Static, libc only: the pause image holds nothing
 * else. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GLASS_VERSION
#define GLASS_VERSION "unknown"
#endif

static void reap(void)
{
	int status;
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		printf("glass-pause %s\n", GLASS_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "glass-pause: unknown argument \"%s\" (only -v)\n", argv[1]);
		return 2;
	}
	if (getpid() != 1)
		fprintf(stderr, "glass-pause: warning: not pid 1 of a PID namespace (pid %d)\n",
		        (int)getpid());

	sigset_t all;
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) {
		fprintf(stderr, "glass-pause: sigprocmask: %s\n", strerror(errno));
		return 1;
	}
	/* Orphans re-parented here before SIGCHLD was blocked still need reaping. */
	reap();
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "glass-pause: sigwaitinfo: %s\n", strerror(errno));
			return 1;
		}
		if (sig == SIGCHLD)
			reap();
		else if (sig == SIGINT || sig == SIGTERM)
			return 0;
	}
}
