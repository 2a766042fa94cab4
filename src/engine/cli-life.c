/* cli-life: stop, kill, restart, rm, wait, pause, unpause, rename, and
 * `container VERB` (docker's management-command spelling of them all).
 *
 * Each takes one or more containers and, as docker, goes on after one
 * fails: the failure is printed and the status is 1. */
#include "cli.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char stop_use[] = "glass stop [-t SECONDS] [-s SIGNAL] CONTAINER...";
static const char restart_use[] = "glass restart [-t SECONDS] CONTAINER...";
static const char kill_use[] = "glass kill [-s SIGNAL] CONTAINER...";
static const char rm_use[] = "glass rm [-f] [-v] CONTAINER...";
static const char wait_use[] = "glass wait CONTAINER...";
static const char pause_use[] = "glass pause|unpause CONTAINER...";
static const char rename_use[] = "glass rename CONTAINER NEW_NAME";
static const char prune_use[] = "glass container prune [-f]";

enum verb { STOP, RESTART, KILL, RM, WAIT, PAUSE, UNPAUSE };

struct life {
	enum verb verb;
	struct ctr_stop_opts stop;
	int sig;
	bool force, volumes;
};

/* One container: 0, or 1 after printing the error. */
static int one(const struct life *l, const char *ref)
{
	struct glass_err *err = NULL;
	int code = 0, rc = -1;
	switch (l->verb) {
	case STOP:
		rc = ctr_stop(ref, &l->stop, &err);
		break;
	case RESTART:
		rc = ctr_restart(ref, &l->stop, &err);
		break;
	case KILL:
		rc = ctr_kill(ref, l->sig, &err);
		break;
	case RM:
		rc = ctr_rm_ex(ref, l->force, l->volumes, &err);
		break;
	case WAIT:
		rc = ctr_wait(ref, &code, &err);
		if (rc == 0)
			printf("%d\n", code);
		break;
	case PAUSE:
	case UNPAUSE:
		rc = ctr_pause(ref, l->verb == PAUSE, &err);
		break;
	default:
		break;
	}
	if (rc < 0)
		return cli_fail(&err, 1);
	if (l->verb != WAIT)
		printf("%s\n", ref);
	return 0;
}

/* The flags of one verb; index of the first container, or -status-1. */
static int life_flags(int argc, char **argv, struct life *l, const char *use)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes_time = l->verb == STOP || l->verb == RESTART;
		if (takes_time && v &&
		    (strcmp(a, "-t") == 0 || strcmp(a, "--time") == 0 ||
		     strcmp(a, "--timeout") == 0)) {
			char *end;
			l->stop.timeout = (int)strtol(v, &end, 10);
			if (*end || l->stop.timeout < 0)
				return -engine_usage(use, "%s: bad timeout \"%s\"", argv[0], v) - 1;
			i++;
		} else if ((l->verb == KILL || l->verb == STOP) && v &&
		           (strcmp(a, "-s") == 0 || strcmp(a, "--signal") == 0)) {
			int sig = ctr_parse_signal(v);
			if (sig < 0)
				return -engine_usage(use, "%s: unknown signal \"%s\"", argv[0], v) -
				       1;
			l->sig = l->stop.signal = sig;
			i++;
		} else if (l->verb == RM && (strcmp(a, "-f") == 0 || strcmp(a, "--force") == 0)) {
			l->force = true;
		} else if (l->verb == RM && (strcmp(a, "-v") == 0 || strcmp(a, "--volumes") == 0)) {
			l->volumes = true;
		} else if (l->verb == RM && (strcmp(a, "-fv") == 0 || strcmp(a, "-vf") == 0)) {
			l->force = l->volumes = true;
		} else {
			return -engine_usage(use, "%s: unknown option %s", argv[0], a) - 1;
		}
	}
	if (i >= argc)
		return -engine_usage(use, "%s: no container given", argv[0]) - 1;
	return i;
}

static int life_verb(int argc, char **argv, enum verb verb, const char *use)
{
	struct life l = {.verb = verb, .stop = {.timeout = -1}, .sig = SIGKILL};
	int i = life_flags(argc, argv, &l, use), rc = 0;
	if (i < 0)
		return -i - 1;
	for (; i < argc; i++)
		rc |= one(&l, argv[i]);
	return rc;
}

int cmd_stop(int argc, char **argv)
{
	return life_verb(argc, argv, STOP, stop_use);
}

int cmd_restart(int argc, char **argv)
{
	return life_verb(argc, argv, RESTART, restart_use);
}

int cmd_kill(int argc, char **argv)
{
	return life_verb(argc, argv, KILL, kill_use);
}

int cmd_rm(int argc, char **argv)
{
	return life_verb(argc, argv, RM, rm_use);
}

int cmd_wait(int argc, char **argv)
{
	return life_verb(argc, argv, WAIT, wait_use);
}

int cmd_pause(int argc, char **argv)
{
	return life_verb(argc, argv, PAUSE, pause_use);
}

int cmd_unpause(int argc, char **argv)
{
	return life_verb(argc, argv, UNPAUSE, pause_use);
}

int cmd_rename(int argc, char **argv)
{
	struct glass_err *err = NULL;
	if (argc != 3)
		return engine_usage(rename_use, "rename: need CONTAINER and NEW_NAME");
	if (ctr_rename(argv[1], argv[2], &err) < 0)
		return cli_fail(&err, 1);
	return 0;
}

int cmd_container_prune(int argc, char **argv)
{
	struct glass_err *err = NULL;
	char **ids = NULL;
	size_t n = 0;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-f") != 0 && strcmp(argv[i], "--force") != 0)
			return engine_usage(prune_use, "container prune: unknown option %s",
			                    argv[i]);
	if (ctr_prune(&ids, &n, &err) < 0)
		return cli_fail(&err, 1);
	if (n)
		printf("Deleted Containers:\n");
	for (size_t i = 0; i < n; i++)
		printf("%s\n", ids[i]);
	glass_manifest_strv_free(ids);
	return 0;
}
