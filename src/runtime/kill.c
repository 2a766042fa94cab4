/* glass-runtime kill: a signal to the container's init, or with --all to
 * every process of its cgroup. */
#include "container.h"
#include "runtime.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "TERM", "SIGTERM", "15", "RTMIN+3", "SIGRTMAX-1" -> number, -1 when unknown. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool min = strncasecmp(s, "RTMIN", 5) == 0;
		int base = min ? SIGRTMIN : SIGRTMAX;
		long off = 0;
		if (s[5]) {
			off = strtol(s + 5, &end, 10);
			if (*end)
				return -1;
		}
		n = base + off;
		return n >= SIGRTMIN && n <= SIGRTMAX ? (int)n : -1;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *name = sigabbrev_np(sig);
		if (name && strcasecmp(name, s) == 0)
			return sig;
	}
	return -1;
}

int cmd_kill(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	bool all = false;
	int sig = SIGTERM;
	int c;
	while ((c = getopt_long(argc, argv, "ah", lopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'h':
			printf(
			    "usage: glass-runtime kill [--all] ID [SIGNAL]\n\n"
			    "Sends SIGNAL (default SIGTERM; a name as TERM or SIGTERM, or a "
			    "number) to the\ncontainer's init, or with -a/--all to every process "
			    "of its cgroup.\n");
			return 0;
		default:
			return runtime_usage(ctx, "kill", "unknown flag");
		}
	}
	if (optind >= argc || argc - optind > 2)
		return runtime_usage(ctx, "kill", "want ID [SIGNAL]");
	if (argc - optind == 2) {
		sig = parse_signal(argv[optind + 1]);
		if (sig < 0) {
			glass_err_new(&err, 0, "unknown signal \"%s\"", argv[optind + 1]);
			return runtime_fail(ctx, &err);
		}
	}
	if (glass_container_kill(ctx->root, argv[optind], sig, all, &err) < 0)
		return runtime_fail(ctx, &err);
	return 0;
}
