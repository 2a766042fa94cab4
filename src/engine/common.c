/* common: what several verbs share: opening the store, finding the
 * built-in image and sibling programs, resolving an image (importing the
 * built-in one or pulling when missing). */
#include "common.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *engine_find_sibling(const char *name)
{
	const char *d = engine_exe_dir();
	const char *rel[] = {"%s/%s", "%s/../runtime/%s", "%s/../shim/%s", "%s/../../%s"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = xasprintf(rel[i], d, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

char *engine_builtin_rootfs(void)
{
	const char *env = getenv("GLASS_BUILTIN_ROOTFS");
	const char *d = engine_exe_dir();
	if (env && *env)
		return xstrdup(env);
	const char *rel[] = {"%s/rootfs", "%s/../../rootfs", "%s/../share/glass/rootfs"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = xasprintf(rel[i], d);
		if (is_dir(p)) {
			char *real = realpath(p, NULL);
			if (real) {
				free(p);
				return real;
			}
			return p;
		}
		free(p);
	}
	return NULL;
}

int engine_store_open(bool exclusive, struct glass_store **s, struct glass_err **err)
{
	return glass_store_open(glass_root_dir(), exclusive, s, err);
}

/* The built-in image answers to "busybox", "busybox:latest" and
 * "localhost/busybox[:latest]". */
static bool is_builtin_name(const char *ref)
{
	return strcmp(ref, "busybox") == 0 || strcmp(ref, "busybox:latest") == 0 ||
	       strcmp(ref, GLASS_BUILTIN_IMAGE) == 0 || strcmp(ref, "localhost/busybox") == 0;
}

int engine_image_get(struct glass_store *s, const char *ref, const struct engine_pull_opts *pull,
                     struct glass_image **img, struct glass_err **err)
{
	struct glass_err *e1 = NULL;
	if (glass_image_find(s, ref, img, &e1) == 0)
		return 0;
	if (e1->errnum != ENOENT) {
		*err = e1;
		return -1;
	}
	if (is_builtin_name(ref)) {
		cleanup_free char *rootfs = engine_builtin_rootfs();
		if (rootfs) {
			glass_err_free(&e1);
			if (!pull || !pull->quiet)
				fprintf(stderr, "Importing the built-in image %s from %s\n",
				        GLASS_BUILTIN_IMAGE, rootfs);
			if (glass_image_import_dir(s, rootfs, GLASS_BUILTIN_IMAGE, err) < 0)
				return -1;
			return glass_image_find(s, GLASS_BUILTIN_IMAGE, img, err);
		}
	}
	if (!pull) {
		*err = e1;
		return -1;
	}
	glass_err_free(&e1);
	cleanup_free char *name = NULL;
	if (engine_pull(s, ref, pull, &name, err) < 0)
		return -1;
	return glass_image_find(s, name, img, err);
}
