/* lab images: the store, as the overlay and image experiments use it.
 *
 * Only the store's public API (store.h, image.h, manifest.h): the images
 * the store names, an image by name (the built-in one imported into the
 * store on first use, as the engine does), and a pull from a registry the
 * learner names, through the engine's pull operation (the same one `glass
 * pull` runs).  The store is the engine's (GLASS_ROOT, default /var/lib/glass).
 */
#include "common.h"
#include "lab.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

json_object *lab_image_names(void)
{
	struct glass_store *s = NULL;
	struct glass_err *err = NULL;
	struct glass_store_entry *e = NULL;
	size_t n = 0;
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object_object_add(o, "store", json_object_new_string(engine_root_dir()));
	json_object_object_add(o, "builtin", json_object_new_string(GLASS_BUILTIN_IMAGE));
	if (glass_store_open(engine_root_dir(), false, &s, &err) < 0 ||
	    glass_store_list(s, &e, &n, &err) < 0) {
		cleanup_free char *msg = glass_err_format(err);
		json_object_object_add(o, "error", json_object_new_string(msg));
		glass_err_free(&err);
	}
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "name", json_object_new_string(e[i].name));
		json_object_object_add(x, "digest", json_object_new_string(e[i].digest));
		json_object_object_add(x, "media_type", json_object_new_string(e[i].media_type));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "images", a);
	glass_store_entries_free(e, n);
	if (s)
		glass_store_close(s);
	return o;
}

bool lab_image_ref_ok(const char *ref)
{
	size_t n = strlen(ref);
	if (n == 0 || n > 255)
		return false;
	for (const char *c = ref; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("._-/:@", *c)))
			return false;
	return ref[0] != '-' && !strstr(ref, "..");
}

int lab_image_open(const char *ref, const char *builtin_rootfs, struct glass_store **s,
                   struct glass_image **img, struct glass_err **err)
{
	*img = NULL;
	if (glass_store_open(engine_root_dir(), false, s, err) < 0)
		return -1;
	const char *name = ref && ref[0] && strcmp(ref, "builtin") != 0 ? ref : GLASS_BUILTIN_IMAGE;
	struct glass_err *e1 = NULL;
	if (glass_image_find(*s, name, img, &e1) == 0)
		return 0;
	if (strcmp(name, GLASS_BUILTIN_IMAGE) != 0 || e1->errnum != ENOENT) {
		*err = e1;
		return -1;
	}
	glass_err_free(&e1);
	if (glass_image_import_dir(*s, builtin_rootfs, GLASS_BUILTIN_IMAGE, err) < 0)
		return glass_err_ctx(err, "importing the built-in image %s", builtin_rootfs);
	return glass_image_find(*s, GLASS_BUILTIN_IMAGE, img, err);
}

int lab_image_pull(struct glass_store *s, const char *ref, bool tls_verify, char **name,
                   struct glass_err **err)
{
	struct engine_pull_opts o = {.tls_verify = tls_verify ? 1 : 0, .quiet = true};
	return engine_pull(s, ref, &o, name, err);
}
