/* glass-runtime exec: a new process in a running container (runc's flags:
 * a process.json with --process, or the command after the ID).  Exit
 * status: the process's, or 255 when the exec itself failed (runc's). */
#include "container.h"
#include "runtime.h"
#include "state.h"
#include "util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum {
	O_PROCESS = 'p',
	O_TTY = 't',
	O_ENV = 'e',
	O_USER = 'u',
	O_CAP = 'c',
	O_DETACH = 'd',
	O_GIDS = 'g',
	O_HELP = 'h',
	O_CONSOLE = 256,
	O_CWD,
	O_PID_FILE,
	O_PRESERVE,
	O_NNP,
	O_APPARMOR,
	O_LABEL,
	O_IGNORED,
};

static void help(void)
{
	printf("usage: glass-runtime exec [flags] ID [COMMAND [ARG...]]\n\n"
	       "Runs a new process in a running container: it joins every namespace of the\n"
	       "container's init and its cgroup, and takes the process's identity and limits.\n\n"
	       "  -p, --process FILE      the process as JSON (config.json's \"process\")\n"
	       "  -t, --tty               allocate a pseudo-terminal\n"
	       "      --console-socket S  send the pty master to the unix socket S\n"
	       "      --cwd DIR           working directory\n"
	       "  -e, --env K=V           add an environment variable (repeatable)\n"
	       "  -u, --user UID[:GID]    run as this user\n"
	       "  -g, --additional-gids G add a supplementary group (repeatable)\n"
	       "  -c, --cap CAP           add a capability (repeatable)\n"
	       "  -d, --detach            return once the process runs\n"
	       "      --pid-file FILE     write the process's pid to FILE\n"
	       "      --preserve-fds N    pass fds 3..3+N-1 to the process\n"
	       "      --no-new-privs      set no_new_privs\n"
	       "      --apparmor P        the AppArmor profile (refused where AppArmor is off)\n"
	       "      --process-label L   the SELinux label (refused where SELinux is off)\n"
	       "  -h, --help              this help\n");
}

static char **push(char **v, size_t *n, const char *s)
{
	v = xrealloc(v, (*n + 2) * sizeof(char *));
	v[(*n)++] = (char *)s;
	v[*n] = NULL;
	return v;
}

int cmd_exec(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"process", required_argument, NULL, O_PROCESS},
	    {"tty", no_argument, NULL, O_TTY},
	    {"console-socket", required_argument, NULL, O_CONSOLE},
	    {"cwd", required_argument, NULL, O_CWD},
	    {"env", required_argument, NULL, O_ENV},
	    {"user", required_argument, NULL, O_USER},
	    {"additional-gids", required_argument, NULL, O_GIDS},
	    {"cap", required_argument, NULL, O_CAP},
	    {"detach", no_argument, NULL, O_DETACH},
	    {"pid-file", required_argument, NULL, O_PID_FILE},
	    {"preserve-fds", required_argument, NULL, O_PRESERVE},
	    {"no-new-privs", no_argument, NULL, O_NNP},
	    {"apparmor", required_argument, NULL, O_APPARMOR},
	    {"process-label", required_argument, NULL, O_LABEL},
	    {"ignore-paused", no_argument, NULL, O_IGNORED},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0},
	};
	struct glass_exec_opts opts = {0};
	struct glass_err *err = NULL;
	struct glass_spec *spec = NULL;
	struct glass_state *st = NULL;
	struct glass_process fileproc = {0};
	struct glass_process p;
	const char *process_file = NULL, *user = NULL;
	char **env = NULL, **caps = NULL;
	size_t nenv = 0, ncaps = 0;
	uint32_t *gids = NULL;
	size_t ngids = 0;
	bool tty = false;
	const char *id;
	pid_t pid = 0;
	int code = 0, c, rc = 1;

	while ((c = getopt_long(argc, argv, "+p:te:u:g:c:dh", lopts, NULL)) != -1) {
		switch (c) {
		case O_PROCESS:
			process_file = optarg;
			break;
		case O_TTY:
			tty = true;
			break;
		case O_CONSOLE:
			opts.console_socket = optarg;
			break;
		case O_CWD:
			opts.cwd = optarg;
			break;
		case O_ENV:
			env = push(env, &nenv, optarg);
			break;
		case O_USER:
			user = optarg;
			break;
		case O_GIDS:
			gids = xrealloc(gids, (ngids + 1) * sizeof(uint32_t));
			if (glass_spec_parse_id_arg(optarg, "--additional-gids", &gids[ngids],
			                            &err) < 0)
				goto fail;
			ngids++;
			break;
		case O_CAP:
			caps = push(caps, &ncaps, optarg);
			break;
		case O_DETACH:
			opts.detach = true;
			break;
		case O_PID_FILE:
			opts.pid_file = optarg;
			break;
		case O_PRESERVE:
			opts.preserve_fds = runtime_parse_uint(optarg);
			if (opts.preserve_fds < 0)
				return runtime_usage(ctx, "exec", "--preserve-fds: not a number");
			break;
		case O_NNP:
			opts.no_new_privs = true;
			break;
		case O_APPARMOR:
			opts.apparmor = optarg;
			break;
		case O_LABEL:
			opts.process_label = optarg;
			break;
		case O_IGNORED:
			break;
		case O_HELP:
			help();
			return 0;
		default:
			return runtime_usage(ctx, "exec", "unknown flag");
		}
	}
	if (optind >= argc)
		return runtime_usage(ctx, "exec", "missing container ID");
	id = argv[optind++];
	if (glass_state_load(ctx->root, id, &st, &err) < 0)
		goto fail;
	if (process_file) {
		size_t len;
		cleanup_free char *text = read_file_at(AT_FDCWD, process_file, &len);
		if (text == NULL) {
			glass_err_new(&err, errno, "read --process %s", process_file);
			goto fail;
		}
		if (glass_spec_parse_process(text, len, &fileproc, &err) < 0) {
			glass_err_ctx(&err, "--process %s", process_file);
			goto fail;
		}
		p = fileproc;
		if (tty)
			p.terminal = true;
	} else {
		if (optind >= argc) {
			rc = runtime_usage(ctx, "exec", "missing command (or --process)");
			goto out;
		}
		spec = glass_container_load_config(ctx->root, id, &err);
		if (spec == NULL)
			goto fail;
		p = spec->process;
		p.args = argv + optind;
		p.nargs = (size_t)(argc - optind);
		p.terminal = tty;
		p.has_console_size = false;
	}
	if (user) {
		bool has_gid;
		if (glass_spec_parse_user_arg(user, "--user", &p.user.uid, &p.user.gid, &has_gid,
		                              &err) < 0)
			goto fail;
		p.user.additional_gids = NULL;
		p.user.nadditional_gids = 0;
	}
	if (ngids) {
		p.user.additional_gids = gids;
		p.user.nadditional_gids = ngids;
	}
	opts.env = env;
	opts.caps = caps;
	opts.tty = p.terminal;
	if (glass_container_exec(ctx->root, id, &p, &opts, &pid, &code, &err) < 0)
		goto fail;
	rc = opts.detach ? 0 : code;
	goto out;
fail:
	/* runc's code for a failed exec, so that it cannot be taken for the
	 * process's own exit status 1. */
	runtime_fail(ctx, &err);
	rc = 255;
out:
	glass_process_clear(&fileproc);
	glass_spec_free(spec);
	glass_state_free(st);
	free(env);
	free(caps);
	free(gids);
	return rc;
}
