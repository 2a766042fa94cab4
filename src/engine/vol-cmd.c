/* vol-cmd: `glass volume create|ls|inspect|rm|prune`, thin front-ends over
 * vol-store.c. */
#include "common.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char use[] = "glass volume create [--label K=V] [NAME] | ls [-q] | inspect NAME... | "
                          "rm [-f] NAME... | prune [-a]";

static int vol_create(int argc, char **argv)
{
	char **labels = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nl = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "--label") == 0 || strcmp(argv[i], "-l") == 0) &&
		    i + 1 < argc) {
			labels[nl++] = argv[++i];
		} else {
			free(labels);
			return engine_usage(use, "volume create: unknown option %s", argv[i]);
		}
	}
	if (argc - i != 1) {
		free(labels);
		return engine_usage(use, "volume create: need one NAME");
	}
	struct glass_err *err = NULL;
	int rc = engine_vol_create(argv[i], labels, false, NULL, &err);
	free(labels);
	if (rc < 0)
		return engine_fail(&err);
	printf("%s\n", argv[i]);
	return 0;
}

static int vol_ls(int argc, char **argv)
{
	bool quiet = argc > 1 && (strcmp(argv[1], "-q") == 0 || strcmp(argv[1], "--quiet") == 0);
	if (argc > (quiet ? 2 : 1))
		return engine_usage(use, "volume ls: unknown option %s", argv[argc - 1]);
	char **names = engine_vol_list();
	if (!quiet)
		printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
	for (char **n = names; *n; n++)
		if (quiet)
			printf("%s\n", *n);
		else
			printf("%-10s %s\n", "local", *n);
	engine_strv_free(names);
	return 0;
}

static int vol_inspect(int argc, char **argv)
{
	struct json_object *arr = json_object_new_array();
	struct glass_err *err = NULL;
	int rc = 0;
	if (argc < 2)
		return engine_usage(use, "volume inspect: need NAME");
	for (int i = 1; i < argc; i++) {
		struct json_object *m = engine_vol_inspect(argv[i], &err);
		if (m)
			json_object_array_add(arr, m);
		else
			rc = engine_fail(&err);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return rc;
}

static int vol_rm(int argc, char **argv)
{
	struct glass_err *err = NULL;
	bool force = argc > 1 && (strcmp(argv[1], "-f") == 0 || strcmp(argv[1], "--force") == 0);
	int rc = 0, i = force ? 2 : 1;
	if (i >= argc)
		return engine_usage(use, "volume rm: need NAME");
	int lock = engine_lock(true, &err);
	if (lock < 0)
		return engine_fail(&err);
	for (; i < argc; i++)
		if (engine_vol_remove(argv[i], false, &err) < 0)
			rc = engine_fail(&err);
		else
			printf("%s\n", argv[i]);
	close(lock);
	return rc;
}

/* prune: unused anonymous volumes; with -a (--all) unused named ones too,
 * as docker 23+. */
static int vol_prune(int argc, char **argv)
{
	struct glass_err *err = NULL;
	char **removed = NULL;
	bool all = argc > 1 && (strcmp(argv[1], "-a") == 0 || strcmp(argv[1], "--all") == 0);
	if (argc > (all ? 2 : 1))
		return engine_usage(use, "volume prune: unknown option %s", argv[argc - 1]);
	int rc = engine_vol_prune(all, NULL, NULL, &removed, NULL, &err);
	for (char **n = removed; n && *n; n++)
		printf("%s\n", *n);
	engine_strv_free(removed);
	return rc < 0 ? engine_fail(&err) : 0;
}

int cmd_volume(int argc, char **argv)
{
	if (argc < 2)
		return engine_usage(use, "volume: need a subcommand");
	const char *sub = argv[1];
	if (strcmp(sub, "create") == 0)
		return vol_create(argc - 1, argv + 1);
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return vol_ls(argc - 1, argv + 1);
	if (strcmp(sub, "inspect") == 0)
		return vol_inspect(argc - 1, argv + 1);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
		return vol_rm(argc - 1, argv + 1);
	if (strcmp(sub, "prune") == 0)
		return vol_prune(argc - 1, argv + 1);
	return engine_usage(use, "volume: unknown subcommand %s", sub);
}
