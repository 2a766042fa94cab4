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

/* runc's code for a failed exec, so that it cannot be taken for the
 * process's own exit status 1. */
#define EXEC_FAILED 255

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

static const struct option exec_opts[] = {
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

/* What the command line asks for besides the library's exec options. */
struct exec_args {
	struct glass_exec_opts opts;
	const char *process_file, *user;
	char **env, **caps;
	size_t nenv, ncaps;
	uint32_t *gids;
	size_t ngids;
	bool tty;
};

static void exec_args_free(struct exec_args *a)
{
	free(a->env);
	free(a->caps);
	free(a->gids);
}

/* The flags into *a.  0, or -1 with the verb's exit status in *status
 * (--help printed, or a usage error). */
static int parse_flags(struct runtime_ctx *ctx, int argc, char **argv, struct exec_args *a,
                       int *status)
{
	struct glass_err *err = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+p:te:u:g:c:dh", exec_opts, NULL)) != -1) {
		switch (c) {
		case O_PROCESS:
			a->process_file = optarg;
			break;
		case O_TTY:
			a->tty = true;
			break;
		case O_CONSOLE:
			a->opts.console_socket = optarg;
			break;
		case O_CWD:
			a->opts.cwd = optarg;
			break;
		case O_ENV:
			a->env = push(a->env, &a->nenv, optarg);
			break;
		case O_USER:
			a->user = optarg;
			break;
		case O_GIDS:
			a->gids = xrealloc(a->gids, (a->ngids + 1) * sizeof(uint32_t));
			if (glass_spec_parse_id_arg(optarg, "--additional-gids", &a->gids[a->ngids],
			                            &err) < 0) {
				runtime_fail(ctx, &err);
				*status = EXEC_FAILED;
				return -1;
			}
			a->ngids++;
			break;
		case O_CAP:
			a->caps = push(a->caps, &a->ncaps, optarg);
			break;
		case O_DETACH:
			a->opts.detach = true;
			break;
		case O_PID_FILE:
			a->opts.pid_file = optarg;
			break;
		case O_PRESERVE:
			a->opts.preserve_fds = runtime_parse_uint(optarg);
			if (a->opts.preserve_fds < 0) {
				*status =
				    runtime_usage(ctx, "exec", "--preserve-fds: not a number");
				return -1;
			}
			break;
		case O_NNP:
			a->opts.no_new_privs = true;
			break;
		case O_APPARMOR:
			a->opts.apparmor = optarg;
			break;
		case O_LABEL:
			a->opts.process_label = optarg;
			break;
		case O_IGNORED:
			break;
		case O_HELP:
			help();
			*status = 0;
			return -1;
		default:
			*status = runtime_usage(ctx, "exec", "unknown flag");
			return -1;
		}
	}
	return 0;
}

/* The process to run: --process FILE's (into *fileproc), or the
 * container's own with the command after the ID (its config into *spec).
 * 0; -1 with *err; 1 with the usage status in *status. */
static int load_process(struct runtime_ctx *ctx, const char *id, const struct exec_args *a,
                        char **cmd, int ncmd, struct glass_process *fileproc,
                        struct glass_spec **spec, struct glass_process *p, int *status,
                        struct glass_err **err)
{
	if (a->process_file) {
		size_t len;
		cleanup_free char *text = read_file_at(AT_FDCWD, a->process_file, &len);
		if (text == NULL)
			return glass_err_new(err, errno, "read --process %s", a->process_file);
		if (glass_spec_parse_process(text, len, fileproc, err) < 0)
			return glass_err_ctx(err, "--process %s", a->process_file);
		*p = *fileproc;
		if (a->tty)
			p->terminal = true;
		return 0;
	}
	if (ncmd <= 0) {
		*status = runtime_usage(ctx, "exec", "missing command (or --process)");
		return 1;
	}
	*spec = glass_container_load_config(ctx->root, id, err);
	if (*spec == NULL)
		return -1;
	*p = (*spec)->process;
	p->args = cmd;
	p->nargs = (size_t)ncmd;
	p->terminal = a->tty;
	p->has_console_size = false;
	return 0;
}

/* --user and --additional-gids on the process.  0 or -1 with *err. */
static int apply_identity(const struct exec_args *a, struct glass_process *p,
                          struct glass_err **err)
{
	if (a->user) {
		bool has_gid;
		if (glass_spec_parse_user_arg(a->user, "--user", &p->user.uid, &p->user.gid,
		                              &has_gid, err) < 0)
			return -1;
		p->user.additional_gids = NULL;
		p->user.nadditional_gids = 0;
	}
	if (a->ngids) {
		p->user.additional_gids = a->gids;
		p->user.nadditional_gids = a->ngids;
	}
	return 0;
}

int cmd_exec(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct exec_args a = {0};
	struct glass_err *err = NULL;
	cleanup_spec struct glass_spec *spec = NULL;
	struct glass_state *st = NULL;
	struct glass_process fileproc = {0};
	struct glass_process p;
	pid_t pid = 0;
	int code = 0, rc = 1, r = 0;

	if (parse_flags(ctx, argc, argv, &a, &rc) < 0) {
		exec_args_free(&a);
		return rc;
	}
	if (optind >= argc) {
		exec_args_free(&a);
		return runtime_usage(ctx, "exec", "missing container ID");
	}
	/* Each step: 0 to go on, -1 with err, 1 with the usage status in rc. */
	const char *id = argv[optind++];
	r = glass_state_load(ctx->root, id, &st, &err);
	if (r == 0)
		r = load_process(ctx, id, &a, argv + optind, argc - optind, &fileproc, &spec, &p,
		                 &rc, &err);
	if (r == 0)
		r = apply_identity(&a, &p, &err);
	if (r == 0) {
		a.opts.env = a.env;
		a.opts.caps = a.caps;
		a.opts.tty = p.terminal;
		r = glass_container_exec(ctx->root, id, &p, &a.opts, &pid, &code, &err);
	}
	if (r < 0) {
		runtime_fail(ctx, &err);
		rc = EXEC_FAILED;
	} else if (r == 0)
		rc = a.opts.detach ? 0 : code;
	glass_process_clear(&fileproc);
	glass_state_free(st);
	exec_args_free(&a);
	return rc;
}
