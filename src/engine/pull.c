/* pull: `glass pull [--platform OS/ARCH[/VARIANT]] [--authfile F]
 * [--cert-dir D] [--creds U:P] [--tls-verify=false] [-q] REF`.
 *
 * Order matters for crash safety: layers are downloaded (verified) first,
 * then config, index and manifest blobs are stored, the layers unpacked,
 * and only then does the name appear in index.json.  An interrupted pull
 * leaves no named, half-present image. */
#include "common.h"
#include "registry.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int engine_pull_flag(int argc, char **argv, int *i, struct engine_pull_opts *o)
{
	const char *a = argv[*i];
	const char *names[] = {"--platform", "--authfile", "--cert-dir", "--creds"};
	const char **dst[] = {&o->platform, &o->authfile, &o->cert_dir, &o->creds};
	for (size_t k = 0; k < 4; k++) {
		size_t l = strlen(names[k]);
		if (strncmp(a, names[k], l) != 0)
			continue;
		if (a[l] == '=') {
			*dst[k] = a + l + 1;
			return 1;
		}
		if (a[l] == '\0') {
			if (*i + 1 >= argc)
				return -1;
			*dst[k] = argv[++*i];
			return 1;
		}
	}
	if (strcmp(a, "--tls-verify") == 0 || strcmp(a, "--tls-verify=true") == 0) {
		o->tls_verify = 1;
		return 1;
	}
	if (strcmp(a, "--tls-verify=false") == 0) {
		o->tls_verify = 0;
		return 1;
	}
	return 0;
}

int engine_pull(struct glass_store *s, const char *refstr, const struct engine_pull_opts *o,
                char **name, struct glass_err **err)
{
	struct glass_ref ref;
	struct glass_registry *reg = NULL;
	struct glass_registry_opts ro = {.tls_verify = o->tls_verify != 0,
	                                 .cert_dir = o->cert_dir,
	                                 .authfile = o->authfile,
	                                 .creds = o->creds,
	                                 .quiet = o->quiet};
	struct glass_manifest *top = NULL, *man = NULL;
	struct glass_image_config *cfg = NULL;
	struct glass_image *img = NULL;
	char *top_data = NULL, *man_data = NULL, *cfg_data = NULL, *ctype = NULL, *ctype2 = NULL;
	char **dirs = NULL;
	size_t top_len = 0, man_len = 0, cfg_len = 0;
	char top_digest[GLASS_DIGEST_LEN], man_digest[GLASS_DIGEST_LEN];
	bool have_index = false;
	int rc = -1;
	if (glass_ref_parse(refstr, &ref, err) < 0)
		return -1;
	cleanup_free char *full = glass_ref_string(&ref);
	if (!o->quiet)
		fprintf(stderr, "Trying to pull %s...\n", full);
	if (glass_registry_open(ref.domain, ref.path, &ro, &reg, err) < 0)
		goto out;
	if (glass_registry_get_manifest(reg, ref.digest ? ref.digest : ref.tag, &top_data, &top_len,
	                                &ctype, top_digest, err) < 0 ||
	    glass_manifest_parse(top_data, top_len, ctype, &top, err) < 0)
		goto out;
	if (top->kind == GLASS_MANIFEST_INDEX) {
		const struct glass_desc *d = glass_manifest_select(top, o->platform, err);
		if (!d)
			goto out;
		have_index = true;
		if (glass_registry_get_manifest(reg, d->digest, &man_data, &man_len, &ctype2,
		                                man_digest, err) < 0 ||
		    glass_manifest_parse(man_data, man_len, ctype2, &man, err) < 0)
			goto out;
		if (man->kind != GLASS_MANIFEST_IMAGE) {
			glass_err_new(err, ENOTSUP, "nested index %s is not supported", d->digest);
			goto out;
		}
	} else {
		man = top;
		top = NULL;
		man_data = top_data;
		top_data = NULL;
		man_len = top_len;
		memcpy(man_digest, top_digest, sizeof(man_digest));
	}
	if (glass_registry_get_blob(reg, &man->config, &cfg_data, &cfg_len, err) < 0 ||
	    glass_config_parse(cfg_data, cfg_len, &cfg, err) < 0)
		goto out;
	if (cfg->ndiff_ids != man->nlayers) {
		glass_err_new(err, EINVAL, "image config has %zu diff_ids for %zu layers",
		              cfg->ndiff_ids, man->nlayers);
		goto out;
	}
	if (!o->quiet)
		fprintf(stderr, "Getting image source signatures\n");
	if (glass_registry_fetch_blobs(reg, s, man->layers, man->nlayers, err) < 0)
		goto out;
	if (!o->quiet)
		fprintf(stderr,
		        "Copying config %.19s done\nWriting manifest to image destination\n",
		        man->config.digest);
	if (glass_store_put_blob(s, cfg_data, cfg_len, man->config.digest, NULL, err) < 0 ||
	    glass_store_put_blob(s, man_data, man_len, man_digest, NULL, err) < 0 ||
	    (have_index && glass_store_put_blob(s, top_data, top_len, top_digest, NULL, err) < 0))
		goto out;
	if (glass_image_load(s, man_digest, &img, err) < 0 ||
	    glass_image_unpack(s, img, !o->quiet, &dirs, err) < 0)
		goto out;
	struct glass_store_entry e = {.name = full,
	                              .digest = man_digest,
	                              .media_type = man->media_type,
	                              .size = (int64_t)man_len,
	                              .index_digest = have_index ? top_digest : NULL};
	if (glass_store_set(s, &e, err) < 0)
		goto out;
	*name = xstrdup(full);
	rc = 0;
out:
	if (rc < 0)
		glass_err_ctx(err, "pull %s", refstr);
	glass_manifest_strv_free(dirs);
	glass_image_free(img);
	glass_config_free(cfg);
	glass_manifest_free(top);
	glass_manifest_free(man);
	free(top_data);
	free(man_data);
	free(cfg_data);
	free(ctype);
	free(ctype2);
	glass_registry_close(reg);
	glass_ref_clear(&ref);
	return rc;
}

int cmd_pull(int argc, char **argv)
{
	static const char use[] = "glass pull [--platform OS/ARCH[/VARIANT]] [--authfile FILE] "
	                          "[--cert-dir DIR] [--creds USER:PASS] [--tls-verify=false] [-q] "
	                          "IMAGE";
	struct engine_pull_opts o = {.tls_verify = 1};
	const char *ref = NULL;
	for (int i = 1; i < argc; i++) {
		int r = engine_pull_flag(argc, argv, &i, &o);
		if (r < 0)
			return engine_usage(use, "pull: %s needs a value", argv[i]);
		if (r > 0)
			continue;
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			o.quiet = true;
		else if (argv[i][0] == '-')
			return engine_usage(use, "pull: unknown option %s", argv[i]);
		else if (ref)
			return engine_usage(use, "pull: one image at a time");
		else
			ref = argv[i];
	}
	if (!ref)
		return engine_usage(use, "pull: no image given");
	struct glass_err *err = NULL;
	struct glass_store *s;
	struct glass_image *img;
	cleanup_free char *name = NULL;
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	if (engine_pull(s, ref, &o, &name, &err) < 0 || glass_image_find(s, name, &img, &err) < 0) {
		glass_store_close(s);
		return engine_fail(&err);
	}
	printf("%s\n", glass_digest_hex(img->config_digest));
	glass_image_free(img);
	glass_store_close(s);
	return 0;
}
