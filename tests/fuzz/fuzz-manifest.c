/* fuzz-manifest: libFuzzer target for what a registry or an OCI layout
 * sends the store: manifests and indexes (with platform selection), image
 * configs, and image references.  None may crash, leak or read out of
 * bounds, and every rejection must carry an error.
 *
 * Built with -Dfuzzers=true (tests/fuzz/meson.build, CC=clang), from the
 * library's own source lists.  Run, e.g.:
 *
 *   build-fuzz/tests/fuzz/fuzz-manifest -max_total_time=60 CORPUS_DIR
 */
#include "manifest.h"
#include "ref.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glass_err *err = NULL;
	struct glass_manifest *m = NULL;
	struct glass_image_config *c = NULL;
	struct glass_ref r;

	if (glass_manifest_parse((const char *)data, size, NULL, &m, &err) == 0) {
		if (m->kind == GLASS_MANIFEST_INDEX) {
			glass_manifest_select(m, NULL, &err);
			glass_err_free(&err);
			glass_manifest_select(m, "linux/arm/v7", &err);
		}
		glass_manifest_free(m);
	} else if (!err) {
		abort();
	}
	glass_err_free(&err);
	if (glass_config_parse((const char *)data, size, &c, &err) == 0)
		glass_config_free(c);
	else if (!err)
		abort();
	glass_err_free(&err);
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (glass_ref_parse(s, &r, &err) == 0) {
		char *full = glass_ref_string(&r);
		char **cand = glass_ref_local_candidates(&r);
		for (char **p = cand; *p; p++)
			free(*p);
		free(cand);
		free(full);
		glass_ref_clear(&r);
	} else if (!err) {
		abort();
	}
	glass_err_free(&err);
	free(s);
	return 0;
}
