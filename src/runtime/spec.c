/* glass-runtime spec: a default config.json, like `runc spec`. */
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_spec(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"rootless", no_argument, NULL, 'r'},
	                                      {"bundle", required_argument, NULL, 'b'},
	                                      {"seccomp-default", no_argument, NULL, 's'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	const char *bundle = ".";
	bool rootless = false, seccomp_default = false;
	cleanup_free char *path = NULL;
	cleanup_free char *json = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "b:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rootless = true;
			break;
		case 'b':
			bundle = optarg;
			break;
		case 's':
			seccomp_default = true;
			break;
		case 'h':
			printf(
			    "usage: glass-runtime spec [--rootless] [--seccomp-default] [--bundle "
			    "DIR]\n\n"
			    "Writes a default config.json (as runc spec does) into DIR (default "
			    ".).\n--rootless: the variant for an unprivileged user, with a user "
			    "namespace\nmapping the caller's uid and gid to root.\n"
			    "--seccomp-default: add the default seccomp profile (Docker's effect:\n"
			    "an allow-list, adapted to the bounding capability set).\n");
			return 0;
		default:
			return runtime_usage(ctx, "spec", "unknown flag");
		}
	}
	if (optind != argc)
		return runtime_usage(ctx, "spec", "takes no arguments");
	path = xasprintf("%s/config.json", bundle);
	if (access(path, F_OK) == 0) {
		glass_err_new(&err, 0, "File %s exists. Remove it first", path);
		return runtime_fail(ctx, &err);
	}
	json = glass_spec_default_json(rootless);
	if (seccomp_default) {
		char *with = glass_seccomp_with_default_profile(json, &err);
		if (!with)
			return runtime_fail(ctx, &err);
		free(json);
		json = with;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, json, strlen(json)) < 0 || write_all(fd, "\n", 1) < 0) {
		glass_err_new(&err, errno, "write %s", path);
		if (fd >= 0)
			close(fd);
		return runtime_fail(ctx, &err);
	}
	close(fd);
	return 0;
}
