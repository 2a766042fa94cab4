/* glass-runtime: an OCI runtime, runc-compatible, that can show every step.
 *
 *   glass-runtime [global flags] VERB [flags] [ID] ...
 *
 * Global flags are runc's (--root, --log, --log-format, --debug,
 * --systemd-cgroup) plus the trace and step controls (--trace,
 * --trace-format, --trace-fd, --step, --step-fd).  The verb table below is
 * the whole CLI; each verb lives in its own file. */
#include "runtime.h"
#include "spec.h"
#include "selfexe.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GLASS_VERSION "0.1.0"
#define OCI_VERSION   GLASS_OCI_VERSION

static const struct runtime_verb verbs[] = {
    {"create", cmd_create, "create a container (its init waits for start)"},
    {"start", cmd_start, "start the process of a created container"},
    {"run", cmd_run, "create and start a container, wait for it (unless -d)"},
    {"exec", cmd_exec, "run a new process in a running container"},
    {"state", cmd_state, "print the state of a container as JSON"},
    {"kill", cmd_kill, "send a signal to the container's init (or all its processes)"},
    {"delete", cmd_delete, "delete a stopped container (and its cgroup and state)"},
    {"list", cmd_list, "list the containers under --root"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the features this runtime supports (JSON)"},
    /* --- cgroup verbs --- */
    {"ps", cmd_ps, "list the processes of a container"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change a container's resource limits"},
    {"events", cmd_events, "stream a container's events and statistics"},
    /* --- security verbs --- */
    {"audit", cmd_audit, "report what protects a container and what does not"},
};

int runtime_fail(struct runtime_ctx *ctx, struct glass_err **err)
{
	glass_err_report(ctx->prog, *err, ctx->log_fd, ctx->log_json);
	glass_err_free(err);
	return 1;
}

int runtime_usage(struct runtime_ctx *ctx, const char *verb, const char *fmt, ...)
{
	struct glass_err *err = NULL;
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	glass_err_new(&err, 0, "%s: %s (see %s %s --help)", verb, msg, ctx->prog, verb);
	free(msg);
	return runtime_fail(ctx, &err);
}

int runtime_one_id(struct runtime_ctx *ctx, const char *verb, const char *what, int argc,
                   char **argv, const char **id)
{
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: glass-runtime %s ID\n\n%s\n", verb, what);
			return 1;
		}
		runtime_usage(ctx, verb, "unknown flag");
		return -1;
	}
	return runtime_last_id(ctx, verb, argc, argv, id);
}

int runtime_last_id(struct runtime_ctx *ctx, const char *verb, int argc, char **argv,
                    const char **id)
{
	if (optind != argc - 1) {
		runtime_usage(ctx, verb,
		              optind >= argc ? "missing container ID"
		                             : "want exactly one container ID");
		return -1;
	}
	*id = argv[optind];
	return 0;
}

/* One line of runc's log format: {"level","msg","time"} with
 * --log-format json, else time="T" level=LEVEL msg="MSG". */
static void log_line(int fd, bool json, const char *level, const char *msg)
{
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_string(level));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(ts));
		dprintf(fd, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		dprintf(fd, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
	}
}

void runtime_debug(struct runtime_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	if (!ctx->debug || ctx->log_fd < 0)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	log_line(ctx->log_fd, ctx->log_json, "debug", msg);
	free(msg);
}

/* The library's warnings (glass_trace_log): to the --log file, or to
 * stderr without one, in the same format, as runc's logrus does (conmon
 * passes such lines on only when the runtime fails); debug lines only
 * with --debug. */
static void library_log(enum glass_log_level level, const char *msg, void *arg)
{
	struct runtime_ctx *ctx = arg;
	if (level == GLASS_LOG_DEBUG) {
		runtime_debug(ctx, "%s", msg);
		return;
	}
	log_line(ctx->log_fd >= 0 ? ctx->log_fd : 2, ctx->log_json, "warning", msg);
}

int runtime_parse_uint(const char *s)
{
	char *end;
	long v;
	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 1 << 20)
		return -1;
	return (int)v;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: glass-runtime [global flags] COMMAND [flags] [ID] ...\n\n"
	        "An OCI container runtime, runc-compatible, that can show every step it takes.\n\n"
	        "Commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(
	    f,
	    "\nGlobal flags (before the command):\n"
	    "  --root DIR            state directory (default /run/glass-runtime; as a user\n"
	    "                        $XDG_RUNTIME_DIR/glass-runtime)\n"
	    "  --log FILE            write errors (and --debug lines) to FILE\n"
	    "  --log-format FMT      text (default) or json: {\"level\",\"msg\",\"time\"} lines\n"
	    "  --debug               debug lines in the log\n"
	    "  --systemd-cgroup      manage cgroups through systemd\n"
	    "  --trace[=LEVEL]       narrate the kernel operations on stderr: steps (the\n"
	    "                        default: what changes the process, runs folded into\n"
	    "                        one line, then a summary) or all (every call)\n"
	    "  --trace-format FMT    text (default) or json (every event, one per line)\n"
	    "  --color WHEN          color the text trace: auto (default: on a terminal),\n"
	    "                        always or never\n"
	    "  --trace-fd N          write the trace to fd N instead of stderr\n"
	    "  --step                pause before each operation (Enter on /dev/tty)\n"
	    "  --step-fd N           read next/continue/abort lines from fd N (implies --step)\n"
	    "  -v, --version         print the version\n"
	    "  -h, --help            this help; COMMAND --help for a command's flags\n"
	    "\nSee docs/trace.md for the trace format and the step-control interface.\n");
}

static const char *default_root(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (geteuid() == 0)
		return "/run/glass-runtime";
	if (xdg && *xdg) {
		snprintf(buf, sizeof(buf), "%s/glass-runtime", xdg);
		return buf;
	}
	snprintf(buf, sizeof(buf), "/tmp/glass-runtime-%u", (unsigned)geteuid());
	return buf;
}

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_LOG_LEVEL,
	OPT_DEBUG,
	OPT_SYSTEMD,
	OPT_ROOTLESS,
	OPT_CRIU,
	OPT_TRACE,
	OPT_TRACE_FORMAT,
	OPT_TRACE_FD,
	OPT_STEP,
	OPT_STEP_FD,
	OPT_COLOR,
};

/* The global flags, before the verb. */
struct globals {
	const char *log_path;
	bool trace, step;
	enum glass_trace_format tfmt;
	enum glass_trace_level tlevel;
	int trace_fd, step_fd;
	int color; /* -1 auto, 0 never, 1 always */
};

/* The index of ARG in WORDS (a NULL-ended list); -1, with a message that
 * lists them, when it is none of them. */
static int pick_word(const char *flag, const char *arg, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	fprintf(stderr, "glass-runtime: %s: want", flag);
	for (int i = 0; words[i]; i++)
		fprintf(stderr, "%s %s", i == 0 ? "" : words[i + 1] ? "," : " or", words[i]);
	fprintf(stderr, ", not %s\n", arg);
	return -1;
}

/* An fd given on the command line: -1, with a message, when it is not open. */
static int open_fd_arg(const char *flag, const char *arg)
{
	int fd = runtime_parse_uint(arg);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		fprintf(stderr, "glass-runtime: %s %s: not an open fd\n", flag, arg);
		return -1;
	}
	return fd;
}

/* One global flag C (with optarg): 0 to go on, 1 to exit 0 (--help,
 * --version), -1 to exit 1 (the message is printed). */
static int global_flag(int c, struct runtime_ctx *ctx, struct globals *g)
{
	static const char *const text_json[] = {"text", "json", NULL};
	static const char *const levels[] = {"steps", "all", NULL};
	static const char *const colors[] = {"never", "always", "auto", NULL};
	int i = 0;
	switch (c) {
	case OPT_ROOT:
		ctx->root = optarg;
		return 0;
	case OPT_LOG:
		g->log_path = optarg;
		return 0;
	case OPT_LOG_FORMAT:
		if ((i = pick_word("--log-format", optarg, text_json)) < 0)
			return -1;
		ctx->log_json = i == 1;
		return 0;
	case OPT_LOG_LEVEL:
		if (strcmp(optarg, "debug") == 0)
			ctx->debug = true;
		return 0;
	case OPT_DEBUG:
		ctx->debug = true;
		return 0;
	case OPT_SYSTEMD:
		ctx->systemd_cgroup = true;
		return 0;
	case OPT_ROOTLESS:
	case OPT_CRIU:
		return 0;
	case OPT_TRACE:
		g->trace = true;
		if (optarg && (i = pick_word("--trace", optarg, levels)) < 0)
			return -1;
		g->tlevel = optarg && i == 1 ? GLASS_TRACE_ALL : GLASS_TRACE_STEPS;
		return 0;
	case OPT_COLOR:
		if ((i = pick_word("--color", optarg, colors)) < 0)
			return -1;
		g->color = i == 2 ? -1 : i;
		return 0;
	case OPT_TRACE_FORMAT:
		g->trace = true;
		if ((i = pick_word("--trace-format", optarg, text_json)) < 0)
			return -1;
		g->tfmt = i == 1 ? GLASS_TRACE_JSON : GLASS_TRACE_TEXT;
		return 0;
	case OPT_TRACE_FD:
		g->trace = true;
		return (g->trace_fd = open_fd_arg("--trace-fd", optarg)) < 0 ? -1 : 0;
	case OPT_STEP:
		g->step = true;
		return 0;
	case OPT_STEP_FD:
		g->step = true;
		return (g->step_fd = open_fd_arg("--step-fd", optarg)) < 0 ? -1 : 0;
	case 'v':
		printf("glass-runtime version %s\nspec: %s\n", GLASS_VERSION, OCI_VERSION);
		return 1;
	case 'h':
		usage(stdout);
		return 1;
	default:
		usage(stderr);
		return -1;
	}
}

/* The log, the trace and the step control, as the global flags say. */
static int apply_globals(struct runtime_ctx *ctx, const struct globals *g)
{
	if (g->log_path) {
		ctx->log_fd = open(g->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (ctx->log_fd < 0) {
			fprintf(stderr, "glass-runtime: --log %s: %s\n", g->log_path,
			        strerror(errno));
			return -1;
		}
	}
	/* The trace and step fds must not leak into containers. */
	if (g->trace_fd > 2)
		fcntl(g->trace_fd, F_SETFD, FD_CLOEXEC);
	if (g->step_fd > 2)
		fcntl(g->step_fd, F_SETFD, FD_CLOEXEC);
	glass_trace_set_log(library_log, ctx);
	glass_trace_set_style(g->tlevel, g->color);
	if (g->trace || g->step)
		glass_trace_set_output(g->tfmt, g->trace_fd);
	if (g->step)
		glass_trace_set_step(true, g->step_fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"rootless", required_argument, NULL, OPT_ROOTLESS},
	    {"criu", required_argument, NULL, OPT_CRIU},
	    {"trace", optional_argument, NULL, OPT_TRACE},
	    {"color", required_argument, NULL, OPT_COLOR},
	    {"trace-format", required_argument, NULL, OPT_TRACE_FORMAT},
	    {"trace-fd", required_argument, NULL, OPT_TRACE_FD},
	    {"step", no_argument, NULL, OPT_STEP},
	    {"step-fd", required_argument, NULL, OPT_STEP_FD},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct runtime_ctx ctx = {.prog = "glass-runtime", .log_fd = -1};
	struct globals g = {.tfmt = GLASS_TRACE_TEXT,
	                    .tlevel = GLASS_TRACE_STEPS,
	                    .trace_fd = 2,
	                    .step_fd = -1,
	                    .color = -1};
	struct glass_err *err = NULL;
	int c;

	if (glass_selfexe_protect(argc, argv, &err) < 0)
		return runtime_fail(&ctx, &err);

	ctx.root = default_root();
	opterr = 1;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		int r = global_flag(c, &ctx, &g);
		if (r != 0)
			return r < 0 ? 1 : 0;
	}
	if (apply_globals(&ctx, &g) < 0)
		return 1;

	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].name, argv[optind]) != 0)
			continue;
		runtime_debug(&ctx, "%s: root %s", verbs[i].name, ctx.root);
		int vargc = argc - optind;
		char **vargv = argv + optind;
		optind = 0; /* reinitialize getopt for the verb */
		int rc = verbs[i].fn(&ctx, vargc, vargv);
		glass_trace_finish();
		return rc;
	}
	glass_err_new(&err, 0, "unknown command \"%s\" (see %s --help)", argv[optind], ctx.prog);
	return runtime_fail(&ctx, &err);
}
