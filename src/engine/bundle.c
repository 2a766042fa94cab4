/* bundle: `glass bundle [-e K=V] [-w DIR] [-u USER] [--read-only] IMAGE DIR
 * [CMD...]` writes DIR/config.json whose root.path is a fresh snapshot of
 * the image (an overlay mount at ROOT/containers/bundle-XXXX/rootfs, also
 * linked as DIR/rootfs), ready for `glass-runtime run --bundle DIR`.
 * `glass bundle --rm DIR` removes the snapshot again. */
#include "bundle.h"
#include "common.h"
#include "snapshot.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char use[] = "glass bundle [-e K=V] [-w DIR] [-u USER] [--read-only] [-t] "
                          "[--platform P] [--tls-verify=false] IMAGE DIR [CMD...] | "
                          "glass bundle --rm DIR";

static char *snapshot_id(const char *dir)
{
	char real[PATH_MAX], d[GLASS_DIGEST_LEN];
	if (!realpath(dir, real))
		snprintf(real, sizeof(real), "%s", dir);
	glass_digest_buf(real, strlen(real), d);
	return xasprintf("bundle-%.12s", glass_digest_hex(d));
}

int engine_bundle_flag(int argc, char **argv, int *i, struct glass_bundle_opts *bo, char **env,
                       size_t *nenv)
{
	const char *a = argv[*i];
	bool has_value = *i + 1 < argc;
	if (strcmp(a, "--read-only") == 0)
		bo->readonly = true;
	else if ((strcmp(a, "-e") == 0 || strcmp(a, "--env") == 0) && has_value)
		env[(*nenv)++] = argv[++*i];
	else if ((strcmp(a, "-w") == 0 || strcmp(a, "--workdir") == 0) && has_value)
		bo->workdir = argv[++*i];
	else if ((strcmp(a, "-u") == 0 || strcmp(a, "--user") == 0) && has_value)
		bo->user = argv[++*i];
	else
		return 0;
	return 1;
}

int cmd_bundle(int argc, char **argv)
{
	cleanup_free char *id = NULL;
	cleanup_free char *link = NULL;
	struct engine_pull_opts po = {.tls_verify = 1};
	struct glass_bundle_opts bo = {0};
	char **env = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nenv = 0;
	bool rm = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		int r = engine_pull_flag(argc, argv, &i, &po);
		if (r < 0)
			return engine_usage(use, "bundle: %s needs a value", a);
		if (r > 0)
			continue;
		if (engine_bundle_flag(argc, argv, &i, &bo, env, &nenv))
			continue;
		if (strcmp(a, "--rm") == 0)
			rm = true;
		else if (strcmp(a, "-t") == 0 || strcmp(a, "--tty") == 0)
			bo.terminal = true;
		else
			return engine_usage(use, "bundle: unknown option %s", a);
	}
	struct glass_err *err = NULL;
	struct glass_store *s = NULL;
	struct glass_image *img = NULL;
	struct glass_snapshot *snap = NULL;
	char **lowers = NULL;
	int rc = 1;
	if (rm) {
		if (argc - i != 1)
			return engine_usage(use, "bundle --rm: need DIR");
		id = snapshot_id(argv[i]);
		link = xasprintf("%s/rootfs", argv[i]);
		if (engine_store_open(false, &s, &err) < 0 ||
		    glass_snapshot_remove(s, id, &err) < 0)
			goto fail;
		unlink(link);
		glass_store_close(s);
		free(env);
		return 0;
	}
	if (argc - i < 2)
		return engine_usage(use, "bundle: need IMAGE and DIR");
	const char *ref = argv[i], *dir = argv[i + 1];
	bo.args = argc - i > 2 ? argv + i + 2 : NULL;
	bo.env = env;
	if (mkdir_p(dir, 0755) < 0) {
		glass_err_new(&err, errno, "mkdir(\"%s\")", dir);
		goto fail;
	}
	id = snapshot_id(dir);
	if (engine_store_open(false, &s, &err) < 0 ||
	    engine_image_get(s, ref, &po, &img, &err) < 0 ||
	    glass_image_unpack(s, img, !po.quiet, &lowers, &err) < 0 ||
	    glass_snapshot_create(s, id, img, lowers, false, &snap, &err) < 0)
		goto fail;
	if (glass_bundle_write(dir, snap->rootfs, snap->rootfs, img, &bo, &err) < 0) {
		glass_snapshot_remove(s, id, NULL);
		goto fail;
	}
	link = xasprintf("%s/rootfs", dir);
	unlink(link);
	if (symlink(snap->rootfs, link) < 0)
		fprintf(stderr, "glass: symlink %s: %s\n", link, strerror(errno));
	printf("%s\n", dir);
	fprintf(stderr,
	        "Bundle %s: rootfs is the %s snapshot %s (remove with `glass bundle --rm %s`)\n",
	        dir, snap->overlay ? "overlay" : "copied", snap->rootfs, dir);
	rc = 0;
	goto out;
fail:
	rc = engine_fail(&err);
out:
	glass_snapshot_free(snap);
	glass_manifest_strv_free(lowers);
	glass_image_free(img);
	glass_store_close(s);
	free(env);
	return rc;
}
