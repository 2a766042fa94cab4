/* glass-runtime ps: the processes of a container, read from its cgroup's
 * cgroup.procs (the kernel's list, which includes every process the
 * container forked, whatever namespace it sees itself in). */
#include "cgroup-verbs.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Runs `ps ARGS` and prints its header and the lines of our pids. */
static int table(char **args, size_t nargs, const pid_t *pids, size_t n, struct glass_err **err)
{
	int fds[2];
	if (pipe(fds) < 0)
		return glass_err_new(err, errno, "pipe()");
	pid_t child = fork();
	if (child < 0)
		return glass_err_new(err, errno, "fork()");
	if (child == 0) {
		char **argv = xcalloc(nargs + 2, sizeof(char *));
		argv[0] = (char *)"ps";
		for (size_t i = 0; i < nargs; i++)
			argv[i + 1] = args[i];
		if (nargs == 0)
			argv[1] = (char *)"-ef";
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp("ps", argv);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char *line = NULL;
	size_t cap = 0;
	int col = -1;
	while (getline(&line, &cap, f) > 0) {
		if (col < 0) {
			/* The header: which whitespace-separated column is PID. */
			int k = 0;
			cleanup_free char *copy = xstrdup(line);
			char *save = NULL;
			for (char *t = strtok_r(copy, " \t\n", &save); t;
			     t = strtok_r(NULL, " \t\n", &save), k++)
				if (strcmp(t, "PID") == 0)
					col = k;
			if (col < 0) {
				/* (the message first: it quotes the line; found by
				 * clang-tidy's analyzer, a use after free) */
				glass_err_new(err, 0, "ps: no PID column in \"%.80s\"", line);
				free(line);
				fclose(f);
				waitpid(child, NULL, 0);
				return -1;
			}
			fputs(line, stdout);
			continue;
		}
		cleanup_free char *copy = xstrdup(line);
		char *save = NULL, *t = strtok_r(copy, " \t\n", &save);
		for (int k = 0; t && k < col; k++)
			t = strtok_r(NULL, " \t\n", &save);
		if (t && has_pid(pids, n, strtol(t, NULL, 10)))
			fputs(line, stdout);
	}
	free(line);
	fclose(f);
	int st;
	waitpid(child, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return glass_err_new(err, 0, "ps exited with status %d",
		                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

int cmd_ps(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"format", required_argument, NULL, 'f'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	const char *format = "table";
	int c;
	while ((c = getopt_long(argc, argv, "+f:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'h':
			printf(
			    "usage: glass-runtime ps [--format table|json] ID [-- PS-ARGS...]\n\n"
			    "Lists the processes in the container's cgroup: as a JSON array of "
			    "host "
			    "pids,\nor as the lines of `ps PS-ARGS` (default -ef) for those "
			    "pids.\n");
			return 0;
		default:
			return runtime_usage(ctx, "ps", "unknown flag");
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return runtime_usage(ctx, "ps", "invalid format \"%s\": want table or json",
		                     format);
	if (optind >= argc)
		return runtime_usage(ctx, "ps", "want a container ID");
	const char *id = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	struct glass_state *st;
	struct glass_cgroup *cg;
	enum glass_status s;
	if (cgverb_open(ctx, id, &st, &s, &cg, &err) < 0)
		return runtime_fail(ctx, &err);
	pid_t *pids = NULL;
	size_t n = 0;
	int rc = 0;
	if (s == GLASS_STATUS_STOPPED) {
		glass_err_new(&err, 0, "container not running");
		rc = -1;
	} else {
		rc = glass_cgroup_pids(cg, &pids, &n, &err);
	}
	if (rc == 0 && strcmp(format, "json") == 0) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else if (rc == 0) {
		fflush(stdout);
		rc = table(argv + optind, (size_t)(argc - optind), pids, n, &err);
	}
	free(pids);
	glass_cgroup_free(cg);
	glass_state_free(st);
	return rc < 0 ? runtime_fail(ctx, &err) : 0;
}
