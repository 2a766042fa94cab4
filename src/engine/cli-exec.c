/* cli-exec: `glass exec` and `glass attach`. */
#include "cli.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char exec_use[] =
    "glass exec [-d] [-i] [-t] [--privileged] [-e K=V] [-w DIR] [-u USER[:GROUP]] "
    "CONTAINER CMD [ARG...]";
static const char attach_use[] = "glass attach [--no-stdin] [--sig-proxy=false] CONTAINER";

static bool letters(const char *a, const char *set)
{
	if (a[0] != '-' || a[1] == '-' || !a[1])
		return false;
	return strspn(a + 1, set) == strlen(a + 1);
}

int cmd_exec(int argc, char **argv)
{
	struct ctr_exec_opts o = {0};
	struct glass_err *err = NULL;
	char **env = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nenv = 0;
	int i = 1, code = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (letters(a, "dit")) {
			o.detach = o.detach || strchr(a, 'd');
			o.interactive = o.interactive || strchr(a, 'i');
			o.tty = o.tty || strchr(a, 't');
		} else if (strcmp(a, "--detach") == 0 || strcmp(a, "--interactive") == 0 ||
		           strcmp(a, "--tty") == 0) {
			o.detach = o.detach || a[2] == 'd';
			o.interactive = o.interactive || a[2] == 'i';
			o.tty = o.tty || a[2] == 't';
		} else if (strcmp(a, "--privileged") == 0) {
			o.privileged = true;
		} else if ((strcmp(a, "-e") == 0 || strcmp(a, "--env") == 0) && v) {
			env[nenv++] = argv[++i];
		} else if ((strcmp(a, "-w") == 0 || strcmp(a, "--workdir") == 0) && v) {
			o.workdir = argv[++i];
		} else if ((strcmp(a, "-u") == 0 || strcmp(a, "--user") == 0) && v) {
			o.user = argv[++i];
		} else {
			free(env);
			return engine_usage(exec_use, "exec: unknown option %s", a);
		}
	}
	if (argc - i < 2) {
		free(env);
		return engine_usage(exec_use, "exec: need CONTAINER and CMD");
	}
	o.env = env;
	o.argv = argv + i + 1;
	int rc = ctr_exec(argv[i], &o, &code, &err);
	free(env);
	if (rc < 0) /* 126/127 when the process could not be started (-d) */
		return cli_fail(&err, code ? code : 125);
	return code;
}

int cmd_attach(int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct json_object *info = NULL;
	bool in = true, proxy = true;
	int i = 1, code = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--no-stdin") == 0)
			in = false;
		else if (strcmp(argv[i], "--sig-proxy=false") == 0)
			proxy = false;
		else if (strcmp(argv[i], "--sig-proxy=true") == 0 ||
		         strcmp(argv[i], "--sig-proxy") == 0)
			proxy = true;
		else
			return engine_usage(attach_use, "attach: unknown option %s", argv[i]);
	}
	if (argc - i != 1)
		return engine_usage(attach_use, "attach: need exactly one container");
	if (ctr_inspect(argv[i], &info, &err) < 0)
		return cli_fail(&err, 1);
	struct cli_session s = {
	    .id = json_object_get_string(json_object_object_get(info, "Id")),
	    .tty = json_object_get_boolean(ctr_json_at(info, "Config.Tty")),
	    .in = in && json_object_get_boolean(ctr_json_at(info, "Config.OpenStdin")),
	    .from_stream = true,
	    .proxy_signals = proxy};
	int rc = cli_session_run(&s, &code, &err);
	json_object_put(info);
	if (rc < 0)
		return cli_fail(&err, 1);
	return code;
}
