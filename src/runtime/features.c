/* glass-runtime features: the runtime spec's features document. */
#include "lsm.h"
#include "runtime.h"
#include "spec.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_features(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	char *json;
	int c;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: glass-runtime features\n\nPrints what this runtime supports "
			       "on this host (features.md of the runtime spec).\n");
			return 0;
		}
		return runtime_usage(ctx, "features", "unknown flag");
	}
	if (optind != argc)
		return runtime_usage(ctx, "features", "takes no arguments");
	struct glass_features_host host = {glass_lsm_apparmor_enabled(),
	                                   glass_lsm_selinux_enabled()};
	json = glass_spec_features_json(&host);
	printf("%s\n", json);
	free(json);
	return 0;
}
