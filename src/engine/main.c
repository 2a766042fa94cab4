/* glass: the engine.  One table of verbs; each lives in its own file.
 * Global options come before the verb:
 *   glass [--trace[=json]] [--root DIR] VERB [ARGS...]
 * GLASS_ROOT=DIR (or --root) puts all state (store, snapshots, container
 * and runtime state) under DIR. */
#include "engine.h"
#include "selfexe.h"
#include "trace.h"
#include "util.h"

#include <locale.h>
#include <signal.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int cmd_lab(int argc, char **argv);    /* src/engine/lab.c */
int cmd_doctor(int argc, char **argv); /* src/engine/doctor.c */
int cmd_serve(int argc, char **argv);  /* src/serve/api-server.c */

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	bool container; /* also `glass container VERB` */
};

static int cmd_container(int argc, char **argv);

static const struct verb verbs[] = {
    {"run", cmd_run, "run a command in a new container from an image", true},
    {"create", cmd_create, "create a container from an image without starting it", true},
    {"start", cmd_start, "start created or stopped containers", true},
    {"ps", cmd_ps, "list containers", true},
    {"logs", cmd_logs, "print (or follow) a container's output", true},
    {"exec", cmd_exec, "run a command in a running container", true},
    {"attach", cmd_attach, "attach to a running container's stdio (detach: ctrl-p ctrl-q)", true},
    {"stop", cmd_stop, "stop containers (signal, then SIGKILL after a timeout)", true},
    {"kill", cmd_kill, "send a signal to containers", true},
    {"restart", cmd_restart, "stop and start containers", true},
    {"rm", cmd_rm, "remove containers", true},
    {"inspect", cmd_inspect, "print containers' details as JSON", true},
    {"wait", cmd_wait, "wait for containers to exit; print their exit codes", true},
    {"pause", cmd_pause, "freeze every process of containers", true},
    {"unpause", cmd_unpause, "thaw paused containers", true},
    {"rename", cmd_rename, "rename a container", true},
    {"cp", cmd_cp, "copy files between a container and the host", true},
    {"diff", cmd_diff, "list a container's filesystem changes (A/C/D)", true},
    {"top", cmd_top, "list a container's processes", true},
    {"stats", cmd_stats, "print containers' resource usage from their cgroups", true},
    {"port", cmd_port, "list a container's published ports", true},
    {"container", cmd_container, "manage containers: ls prune cleanup and the verbs above"},
    {"pull", cmd_pull, "pull an image from a registry"},
    {"images", cmd_images, "list images (same as `image ls`)"},
    {"image", cmd_image, "manage images: ls inspect rm prune import export pull"},
    {"rmi", cmd_rmi, "remove images (same as `image rm`)"},
    {"import", cmd_import, "import a docker-save/OCI archive or an OCI layout"},
    {"export", cmd_export, "export an image to an OCI layout or archive"},
    {"network", cmd_network, "manage CNI networks: create ls inspect rm prune connect disconnect"},
    {"volume", cmd_volume, "manage volumes: create ls inspect rm prune"},
    {"system", cmd_system,
     "system prune: stopped containers, unused networks and images, "
     "what a killed engine left"},
    {"bundle", cmd_bundle, "write a runnable OCI bundle for an image"},
    {"lab", cmd_lab, "the interactive lab in the browser"},
    {"serve", cmd_serve, "the Docker Engine API on a UNIX socket (docker, docker-py, compose)"},
    {"doctor", cmd_doctor, "what this host's kernel can show, each check a real probe"},
};

/* `glass container VERB`: docker's management-command spelling. */
static int cmd_container(int argc, char **argv)
{
	static const char use[] =
	    "glass container ls|prune|cleanup|VERB [ARGS...] (VERB: run create start "
	    "ps logs exec attach stop kill restart rm inspect wait pause "
	    "unpause rename)";
	if (argc < 2)
		return engine_usage(use, "container: no verb given");
	if (strcmp(argv[1], "ls") == 0 || strcmp(argv[1], "list") == 0)
		return cmd_ps(argc - 1, argv + 1);
	if (strcmp(argv[1], "prune") == 0)
		return cmd_container_prune(argc - 1, argv + 1);
	if (strcmp(argv[1], "cleanup") == 0)
		return cmd_container_cleanup(argc - 1, argv + 1);
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(argv[1], verbs[v].name) == 0 && verbs[v].fn != cmd_container &&
		    verbs[v].container)
			return verbs[v].fn(argc - 1, argv + 1);
	return engine_usage(use, "container: unknown verb \"%s\"", argv[1]);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: glass [--trace[=steps|all|json]] [--root DIR] VERB [ARGS...]\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].help);
	fprintf(f,
	        "\nglobal flags (before the verb):\n"
	        "  --trace[=LEVEL]  narrate the kernel operations on stderr: steps (the default),\n"
	        "                   all (every call) or json (every event, one per line)\n"
	        "  --root DIR       keep all state under DIR (as GLASS_ROOT=DIR)\n"
	        "  --version        print the version\n"
	        "  -h, --help       this help; VERB --help for a verb's flags\n");
}

int main(int argc, char **argv)
{
	int i = 1;
	setlocale(LC_CTYPE, "C.UTF-8");
	/* The lab's worker enters containers in-process (it is the runtime's
	 * parent there): like glass-runtime's create/run/exec it re-executes
	 * from a sealed copy of itself first (CVE-2019-5736, selfexe.h). */
	if (argc >= 3 && strcmp(argv[1], "lab") == 0 && strcmp(argv[2], "--worker") == 0 &&
	    !glass_selfexe_is_sealed()) {
		struct glass_err *err = NULL;
		if (glass_selfexe_seal(argv, &err) < 0) {
			glass_err_report("glass", err, -1, 0);
			glass_err_free(&err);
			return 1;
		}
	}
	/* The re-execution's mark is for the sealed copy alone: a program the
	 * worker runs (the lab's own client, a shim, a runtime) would take it
	 * as its own and refuse to run from a file that is not sealed. */
	unsetenv(GLASS_SELFEXE_ENV);
	/* A closed stdout or stderr pipe must not kill glass halfway through
	 * a run: it still has a snapshot to unmount and state to remove. */
	signal(SIGPIPE, SIG_IGN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--trace") == 0 || strcmp(argv[i], "--trace=steps") == 0) {
			glass_trace_set_output(GLASS_TRACE_TEXT, 2);
		} else if (strcmp(argv[i], "--trace=all") == 0) {
			glass_trace_set_style(GLASS_TRACE_ALL, -1);
			glass_trace_set_output(GLASS_TRACE_TEXT, 2);
		} else if (strcmp(argv[i], "--trace=json") == 0) {
			glass_trace_set_output(GLASS_TRACE_JSON, 2);
		} else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			setenv("GLASS_ROOT", argv[++i], 1);
		} else if (strncmp(argv[i], "--root=", 7) == 0) {
			setenv("GLASS_ROOT", argv[i] + 7, 1);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("glass 0.1.0\n");
			return 0;
		} else {
			return engine_usage(NULL, "unknown option %s (see glass --help)", argv[i]);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 125;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(argv[i], verbs[v].name) != 0)
			continue;
		engine_set_help_asked(i + 1 < argc && (strcmp(argv[i + 1], "--help") == 0 ||
		                                       strcmp(argv[i + 1], "-h") == 0));
		int rc = verbs[v].fn(argc - i, argv + i);
		glass_trace_finish();
		return rc;
	}
	return engine_usage(NULL, "unknown verb \"%s\" (see glass --help)", argv[i]);
}
