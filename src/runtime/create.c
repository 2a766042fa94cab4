/* glass-runtime create: make a container and leave its init waiting for
 * `start` (runc's flags). */
#include "container.h"
#include "runtime.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum {
	O_BUNDLE = 'b',
	O_DETACH = 'd',
	O_HELP = 'h',
	O_PID_FILE = 256,
	O_CONSOLE,
	O_PRESERVE,
	O_NO_PIVOT,
	O_NO_KEYRING,
	O_KEEP,
	O_NO_SUBREAPER,
};

static void help(const char *verb, bool run)
{
	printf("usage: glass-runtime %s [flags] ID\n\n%s\n\n"
	       "  -b, --bundle DIR        the bundle (config.json and rootfs); default: .\n"
	       "      --pid-file FILE     write the init's pid to FILE\n"
	       "      --console-socket S  send the pty master to the unix socket S\n"
	       "                          (process.terminal)\n"
	       "      --preserve-fds N    pass fds 3..3+N-1 to the container's process\n"
	       "      --no-pivot          MS_MOVE + chroot instead of pivot_root\n"
	       "      --no-new-keyring    keep the caller's session keyring\n",
	       verb,
	       run ? "Creates and starts a container; in the foreground, waits for it, relays\n"
	             "signals (and the terminal), deletes it and exits with its exit code."
	           : "Creates a container: namespaces, cgroup, root filesystem and process\n"
	             "identity are made, and the init waits until `start`.");
	if (run)
		printf("  -d, --detach            return once the process runs\n"
		       "      --keep              do not delete the container after it exits\n");
	printf("  -h, --help              this help\n");
}

int runtime_parse_create(struct runtime_ctx *ctx, const char *verb, bool run, int argc, char **argv,
                         struct glass_create_opts *opts, const char **bundle, const char **id)
{
	static const struct option lopts[] = {
	    {"bundle", required_argument, NULL, O_BUNDLE},
	    {"pid-file", required_argument, NULL, O_PID_FILE},
	    {"console-socket", required_argument, NULL, O_CONSOLE},
	    {"preserve-fds", required_argument, NULL, O_PRESERVE},
	    {"no-pivot", no_argument, NULL, O_NO_PIVOT},
	    {"no-new-keyring", no_argument, NULL, O_NO_KEYRING},
	    {"detach", no_argument, NULL, O_DETACH},
	    {"keep", no_argument, NULL, O_KEEP},
	    {"no-subreaper", no_argument, NULL, O_NO_SUBREAPER},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0},
	};
	int c;
	*bundle = ".";
	memset(opts, 0, sizeof(*opts));
	opts->systemd_cgroup = ctx->systemd_cgroup;
	while ((c = getopt_long(argc, argv, run ? "b:dh" : "b:h", lopts, NULL)) != -1) {
		switch (c) {
		case O_BUNDLE:
			*bundle = optarg;
			break;
		case O_PID_FILE:
			opts->pid_file = optarg;
			break;
		case O_CONSOLE:
			opts->console_socket = optarg;
			break;
		case O_PRESERVE:
			opts->preserve_fds = runtime_parse_uint(optarg);
			if (opts->preserve_fds < 0) {
				runtime_usage(ctx, verb, "--preserve-fds: not a number: %s",
				              optarg);
				return -1;
			}
			break;
		case O_NO_PIVOT:
			opts->no_pivot = true;
			break;
		case O_NO_KEYRING:
			opts->no_new_keyring = true;
			break;
		case O_DETACH:
			if (!run)
				goto bad;
			opts->detach = true;
			break;
		case O_KEEP:
			if (!run)
				goto bad;
			opts->keep = true;
			break;
		case O_NO_SUBREAPER:
			break;
		case O_HELP:
			help(verb, run);
			return 1;
		default:
		bad:
			runtime_usage(ctx, verb, "unknown flag");
			return -1;
		}
	}
	return runtime_last_id(ctx, verb, argc, argv, id);
}

int cmd_create(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct glass_create_opts opts;
	struct glass_err *err = NULL;
	const char *bundle, *id;
	int r = runtime_parse_create(ctx, "create", false, argc, argv, &opts, &bundle, &id);
	if (r != 0)
		return r < 0 ? 1 : 0;
	if (glass_container_create(ctx->root, id, bundle, &opts, NULL, &err) < 0)
		return runtime_fail(ctx, &err);
	return 0;
}
