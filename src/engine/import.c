/* import: `glass image import [--name NAME] [--platform P] PATH` where
 * PATH is an OCI layout directory, an OCI archive (a tar of one) or a
 * `docker save` archive (plain or compressed): glass_import_path(). */
#include "common.h"
#include "transfer.h"
#include "util.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

static char *base_name(const char *path)
{
	cleanup_free char *p = xstrdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	char *b = basename(p);
	char *dot = strchr(b, '.');
	if (dot && dot != b)
		*dot = '\0';
	for (char *c = b; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_'))
			*c = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : '-';
	return xstrdup(*b ? b : "import");
}

int cmd_import(int argc, char **argv)
{
	static const char use[] = "glass image import [--name NAME] [--platform OS/ARCH] PATH";
	const char *name = NULL, *platform = NULL, *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strncmp(argv[i], "--name=", 7) == 0)
			name = argv[i] + 7;
		else if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc)
			platform = argv[++i];
		else if (argv[i][0] == '-')
			return engine_usage(use, "import: unknown option %s", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return engine_usage(use, "import: no path given");
	struct glass_err *err = NULL;
	struct glass_store *s;
	char **names = NULL;
	cleanup_free char *base = base_name(path);
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	if (glass_import_path(s, path, name, base, platform, &names, &err) < 0) {
		glass_store_close(s);
		return engine_fail(&err);
	}
	for (char **n = names; *n; n++) {
		struct glass_image *img;
		if (glass_image_find(s, *n, &img, NULL) == 0) {
			printf("Loaded image: %s (%.12s)\n", *n,
			       glass_digest_hex(img->config_digest));
			glass_image_free(img);
		}
	}
	glass_manifest_strv_free(names);
	glass_store_close(s);
	return 0;
}
