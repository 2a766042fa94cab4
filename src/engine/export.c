/* export: `glass image export [--ref NAME] IMAGE DEST`: DEST ending in
 * .tar is written as an OCI archive, anything else as an OCI layout
 * directory (an existing layout gains the image).  The ref name
 * (org.opencontainers.image.ref.name) defaults to the image's tag, which
 * is what `skopeo ... oci:DEST:TAG` and `podman load` look for. */
#include "common.h"
#include "transfer.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int cmd_export(int argc, char **argv)
{
	cleanup_free char *tag = NULL;
	static const char use[] = "glass image export [--ref NAME] IMAGE DEST(.tar|DIR)";
	const char *ref = NULL, *image = NULL, *dest = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc)
			ref = argv[++i];
		else if (argv[i][0] == '-')
			return engine_usage(use, "export: unknown option %s", argv[i]);
		else if (!image)
			image = argv[i];
		else if (!dest)
			dest = argv[i];
		else
			return engine_usage(use, "export: too many arguments");
	}
	if (!image || !dest)
		return engine_usage(use, "export: need IMAGE and DEST");
	struct glass_err *err = NULL;
	struct glass_store *s;
	struct glass_image *img = NULL;
	int rc = 0;
	size_t dl = strlen(dest);
	bool archive = dl > 4 && strcmp(dest + dl - 4, ".tar") == 0;
	cleanup_free char *tmp = NULL;
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	if (engine_image_get(s, image, NULL, &img, &err) < 0)
		goto fail;
	tag = NULL;
	if (!ref) {
		const char *n = img->name ? img->name : "latest";
		const char *slash = strrchr(n, '/'), *colon = strrchr(n, ':');
		tag = xstrdup(colon && (!slash || colon > slash) ? colon + 1 : "latest");
		char *at = strchr(tag, '@');
		if (at)
			*at = '\0';
		ref = tag;
	}
	if (archive) {
		tmp = glass_store_tmpdir(s, "export", &err);
		if (!tmp || glass_export_layout(s, img, tmp, ref, &err) < 0 ||
		    glass_archive_create(tmp, dest, &err) < 0)
			goto fail;
	} else if (glass_export_layout(s, img, dest, ref, &err) < 0) {
		goto fail;
	}
	fprintf(stderr, "Exported %s to %s (%s, ref %s)\n", img->name ? img->name : image, dest,
	        archive ? "OCI archive" : "OCI layout", ref);
	goto out;
fail:
	rc = engine_fail(&err);
out:
	if (tmp)
		glass_rm_rf_at(AT_FDCWD, tmp);
	glass_image_free(img);
	glass_store_close(s);
	return rc;
}
