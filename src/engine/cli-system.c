/* cli-system: `glass system prune [-f]`, docker's: what no container,
 * network or image in use needs goes, each through its own verb's
 * operation (container prune, network prune, image prune), in that order
 * so that what the removed containers held is free for the next.  The
 * container part also finishes what a killed engine left half-made:
 * creates without a record, names and locks of creates that never got a
 * directory (ctr_prune). */
#include "engine.h"

#include <stdio.h>
#include <string.h>

static const char use[] = "glass system prune [-f]";

static int system_prune(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-f") != 0 && strcmp(argv[i], "--force") != 0)
			return engine_usage(use, "system prune: unknown option %s", argv[i]);
	char *cprune[] = {"prune", NULL}, *nprune[] = {"network", "prune", NULL};
	int rc = cmd_container_prune(1, cprune);
	printf("Deleted Networks:\n");
	fflush(stdout);
	rc |= cmd_network(2, nprune);
	rc |= cmd_image_prune(1, cprune);
	return rc ? 1 : 0;
}

int cmd_system(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "prune") == 0)
		return system_prune(argc - 1, argv + 1);
	if (argc < 2)
		return engine_usage(use, "system: need a subcommand");
	return engine_usage(use, "system: unknown subcommand %s", argv[1]);
}
