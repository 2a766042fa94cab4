/* cli-run: `glass run`, `glass create`, `glass start`.
 *
 * run = create + start + (without -d) a session that streams the output
 * and waits for the exit + (with --rm) rm.  The exit status is docker's:
 * the container's, 125 when the engine failed, 126 when the command
 * cannot be invoked, 127 when it is not found. */
#include "cli.h"
#include "trace.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static const char run_use[] =
    "glass run [-d] [-i] [-t] [--name NAME] [--rm] [-e K=V] [--env-file F] [-w DIR] "
    "[-u USER[:GROUP]] [-h HOST] [-l K=V] [--entrypoint CMD] [--restart POLICY] [-m SIZE] "
    "[--cpus N] [--pids-limit N] [--read-only] [--cap-add CAP] [--cap-drop CAP] [--privileged] "
    "[--security-opt OPT] [--stop-signal SIG] [--stop-timeout S] [--log-opt K=V] [--init] "
    "[--cgroup-parent PATH] [--platform P] [--tls-verify=false] [-q] IMAGE [CMD...]";
static const char create_use[] = "glass create [run's flags but -d] IMAGE [CMD...]";
static const char start_use[] = "glass start [-a] [-i] CONTAINER...";

/* docker's status when the container's process could not be started */
static int start_status(const struct glass_err *err)
{
	cleanup_free char *msg = glass_err_format(err);
	if (strstr(msg, "ermission denied") || strstr(msg, "EACCES"))
		return 126;
	if (strstr(msg, "not found") || strstr(msg, "No such file") || strstr(msg, "ENOENT"))
		return 127;
	return 125;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* After create: start, and unless detached stay with it to the end. */
/* `creating`: the create's lock, held until the container has started
 * (container prune leaves it alone meanwhile). */
static int run_created(const struct cli_run *r, const char *id, int creating,
                       struct glass_err **err)
{
	int code = 0, hold = -1;
	if (!r->detach)
		cli_catch_signals();
	/* --rm in the foreground: the shim removes the container, once this
	 * engine has read how it ended */
	if (!r->detach && r->c.rm && (hold = ctr_rm_hold(id, err)) < 0) {
		engine_fail(err);
		ctr_create_release(id, creating);
		ctr_rm(id, true, false, NULL);
		return 125;
	}
	struct ctr_start_hold h = {.attach = !r->detach && r->c.stdin_open, .in = true};
	int started = ctr_start_held(id, &h, err);
	ctr_create_release(id, creating);
	if (started < 0) {
		int st = start_status(*err);
		engine_fail(err);
		if (hold >= 0)
			close(hold);
		/* the shim never ran it: it removes nothing */
		if (r->c.rm)
			ctr_rm(id, true, false, NULL);
		return st;
	}
	if (r->detach) {
		printf("%s\n", id);
		return 0;
	}
	struct cli_session s = {.id = id,
	                        .tty = r->c.tty,
	                        .in = r->c.stdin_open,
	                        .in_attached = h.started,
	                        .in_fd = h.attach_fd,
	                        .proxy_signals = true};
	int d = cli_session_run(&s, &code, err);
	if (hold >= 0 && d == 0)
		ctr_rm_hold_release(id, hold);
	else if (hold >= 0) /* detached from (or failed): the shim removes it at the end */
		close(hold);
	if (d < 0)
		return cli_fail(err, 125);
	return code;
}

/* -t on a terminal: the container's starts with its size (stdout's, as
 * docker's CLI; stdin's when stdout is not one). */
static void terminal_size(struct cli_run *r)
{
	struct winsize ws;
	if (!r->c.tty || (ioctl(1, TIOCGWINSZ, &ws) < 0 && ioctl(0, TIOCGWINSZ, &ws) < 0) ||
	    ws.ws_row == 0 || ws.ws_col == 0)
		return;
	r->c.bundle.console_height = ws.ws_row;
	r->c.bundle.console_width = ws.ws_col;
}

int cmd_run(int argc, char **argv)
{
	struct cli_run r = {0};
	struct glass_err *err = NULL;
	char id[CTR_ID_LEN + 1];
	int status = 0;
	if (cli_parse_run(argc, argv, &r, run_use, "run", &status) < 0) {
		cli_run_release(&r);
		return status;
	}
	int hold = -1;
	terminal_size(&r);
	if (cli_run_check(&r, &err) < 0 || ctr_create_held(&r.c, id, &hold, &err) < 0)
		status = cli_fail(&err, 125);
	else
		status = run_created(&r, id, hold, &err);
	cli_run_release(&r);
	return status;
}

int cmd_create(int argc, char **argv)
{
	struct cli_run r = {0};
	struct glass_err *err = NULL;
	char id[CTR_ID_LEN + 1];
	int status = 0;
	if (cli_parse_run(argc, argv, &r, create_use, "create", &status) < 0) {
		cli_run_release(&r);
		return status;
	}
	terminal_size(&r);
	if (r.detach)
		status = engine_usage(create_use, "create: -d is run's flag");
	else if (cli_run_check(&r, &err) < 0 || ctr_create(&r.c, id, &err) < 0)
		status = cli_fail(&err, 125);
	else
		printf("%s\n", id);
	cli_run_release(&r);
	return status;
}

/* start -a: the session of run, from the output written from now on. */
static int start_attached(const char *ref, bool in, struct glass_err **err)
{
	struct json_object *info = NULL;
	int code = 0;
	int64_t since = wall_ns();
	cli_catch_signals();
	if (ctr_inspect(ref, &info, err) < 0)
		return cli_fail(err, 1);
	const char *id = json_object_get_string(json_object_object_get(info, "Id"));
	int hold = json_object_get_boolean(ctr_json_at(info, "HostConfig.AutoRemove"))
	               ? ctr_rm_hold(id, err)
	               : -2;
	struct ctr_start_hold h = {
	    .attach = in && json_object_get_boolean(ctr_json_at(info, "Config.OpenStdin")),
	    .in = true};
	if (hold == -1 || ctr_start_held(ref, &h, err) < 0) {
		if (hold >= 0)
			close(hold);
		json_object_put(info);
		return cli_fail(err, 1);
	}
	struct cli_session s = {.id = id,
	                        .tty = json_object_get_boolean(ctr_json_at(info, "Config.Tty")),
	                        .in = h.attach,
	                        .in_attached = h.started,
	                        .in_fd = h.attach_fd,
	                        .proxy_signals = true,
	                        .since_ns = since};
	int rc = cli_session_run(&s, &code, err);
	if (hold >= 0 && rc == 0)
		ctr_rm_hold_release(id, hold);
	else if (hold >= 0)
		close(hold);
	json_object_put(info);
	if (rc < 0)
		return cli_fail(err, 1);
	return code;
}

int cmd_start(int argc, char **argv)
{
	bool attach = false, in = false;
	int i = 1, rc = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--attach") == 0)
			attach = true;
		else if (strcmp(argv[i], "-i") == 0 || strcmp(argv[i], "--interactive") == 0)
			in = true;
		else if (strcmp(argv[i], "-ai") == 0 || strcmp(argv[i], "-ia") == 0)
			attach = in = true;
		else
			return engine_usage(start_use, "start: unknown option %s", argv[i]);
	}
	if (i >= argc)
		return engine_usage(start_use, "start: no container given");
	if (attach && argc - i > 1)
		return engine_usage(start_use, "start: you cannot start and attach multiple "
		                               "containers at once");
	if (attach)
		return start_attached(argv[i], in, &(struct glass_err *){NULL});
	for (; i < argc; i++) {
		struct glass_err *err = NULL;
		if (ctr_start(argv[i], &err) < 0)
			rc = cli_fail(&err, 1);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}
