/* pull: manifest resolution, then downloads and unpacks in one pipeline.
 *
 * The order keeps a crash harmless: nothing is named until the
 * transaction (every blob and layer directory of the image) is durable,
 * and index.json is replaced atomically last. */
#include "pull.h"
#include "util.h"

#include <string.h>

/* What the registry says the image is, verified against its digests. */
struct resolved {
	char *top_data, *man_data, *cfg_data, *ctype, *ctype2;
	size_t top_len, man_len, cfg_len;
	char top_digest[GLASS_DIGEST_LEN], man_digest[GLASS_DIGEST_LEN];
	struct glass_manifest *top, *man;
	bool have_index;
};

static void resolved_clear(struct resolved *r)
{
	glass_manifest_free(r->top);
	glass_manifest_free(r->man);
	free(r->top_data);
	free(r->man_data);
	free(r->cfg_data);
	free(r->ctype);
	free(r->ctype2);
}

/* The manifest for `reference`, through the index for the platform when
 * the registry answers with one; then the config. */
static int resolve(struct glass_registry *reg, const char *reference, const char *platform,
                   struct resolved *r, struct glass_err **err)
{
	if (glass_registry_get_manifest(reg, reference, &r->top_data, &r->top_len, &r->ctype,
	                                r->top_digest, err) < 0 ||
	    glass_manifest_parse(r->top_data, r->top_len, r->ctype, &r->top, err) < 0)
		return -1;
	if (r->top->kind == GLASS_MANIFEST_INDEX) {
		const struct glass_desc *d = glass_manifest_select(r->top, platform, err);
		if (!d)
			return -1;
		r->have_index = true;
		if (glass_registry_get_manifest(reg, d->digest, &r->man_data, &r->man_len,
		                                &r->ctype2, r->man_digest, err) < 0 ||
		    glass_manifest_parse(r->man_data, r->man_len, r->ctype2, &r->man, err) < 0)
			return -1;
		if (r->man->kind != GLASS_MANIFEST_IMAGE)
			return glass_err_new(err, ENOTSUP, "nested index %s is not supported",
			                     d->digest);
	} else {
		r->man = steal_pointer(&r->top);
		r->man_data = steal_pointer(&r->top_data);
		r->man_len = r->top_len;
		memcpy(r->man_digest, r->top_digest, sizeof(r->man_digest));
	}
	return glass_registry_get_blob(reg, &r->man->config, &r->cfg_data, &r->cfg_len, err);
}

static void layer_ready(void *data, const char *digest)
{
	glass_layer_unpacker_ready(data, digest);
}

static void layer_stream(void *data, const char *digest, struct glass_blob_feed *feed, int fd)
{
	glass_layer_unpacker_stream(data, digest, feed, fd);
}

/* Stores the documents, fetches and unpacks the layers, commits. */
static int fetch_image(struct glass_store *s, struct glass_registry *reg, struct resolved *r,
                       const struct glass_pull_opts *o, struct glass_err **err)
{
	struct glass_store_txn *txn = glass_store_txn_new(s, true);
	glass_store_txn_writeback(txn);
	struct glass_layer_unpacker *u = NULL;
	struct glass_image *img = NULL;
	int rc = -1;
	if (glass_image_parse(r->man_digest, r->man_data, r->man_len, r->cfg_data, r->cfg_len, &img,
	                      err) < 0)
		goto out;
	if (glass_store_txn_put_blob(txn, r->cfg_data, r->cfg_len, r->man->config.digest, NULL,
	                             err) < 0 ||
	    glass_store_txn_put_blob(txn, r->man_data, r->man_len, r->man_digest, NULL, err) < 0 ||
	    (r->have_index &&
	     glass_store_txn_put_blob(txn, r->top_data, r->top_len, r->top_digest, NULL, err) < 0))
		goto out;
	if (!o->quiet)
		glass_store_report(s, GLASS_REPORT_INFO, "Getting image source signatures");
	if (glass_layer_unpacker_start(s, txn, img, true, !o->quiet, &u, err) < 0)
		goto out;
	struct glass_fetch_hooks hooks = {layer_ready, layer_stream, u};
	if (glass_registry_fetch_blobs(reg, txn, img->manifest->layers, img->manifest->nlayers,
	                               &hooks, err) < 0)
		goto out;
	if (!o->quiet)
		glass_store_report(s, GLASS_REPORT_INFO, "Copying config %.19s done",
		                   r->man->config.digest);
	rc = glass_layer_unpacker_finish(steal_pointer(&u), NULL, err);
	if (rc == 0) {
		if (!o->quiet)
			glass_store_report(s, GLASS_REPORT_INFO,
			                   "Writing manifest to image destination");
		rc = glass_store_txn_commit(txn, err);
	}
out:
	glass_layer_unpacker_free(u);
	glass_image_free(img);
	glass_store_txn_free(txn);
	return rc;
}

int glass_pull(struct glass_store *s, const char *refstr, const struct glass_pull_opts *o,
               char **name, struct glass_err **err)
{
	struct glass_ref ref;
	struct glass_registry *reg = NULL;
	struct resolved r = {0};
	struct glass_registry_opts ro = o->registry;
	int rc = -1;
	ro.quiet = ro.quiet || o->quiet;
	if (glass_ref_parse(refstr, &ref, err) < 0)
		return -1;
	cleanup_free char *full = glass_ref_string(&ref);
	if (!o->quiet)
		glass_store_report(s, GLASS_REPORT_INFO, "Trying to pull %s...", full);
	if (glass_registry_open(ref.domain, ref.path, &ro, &reg, err) < 0 ||
	    resolve(reg, ref.digest ? ref.digest : ref.tag, o->platform, &r, err) < 0 ||
	    fetch_image(s, reg, &r, o, err) < 0)
		goto out;
	struct glass_store_entry e = {.name = full,
	                              .digest = r.man_digest,
	                              .media_type = r.man->media_type,
	                              .size = (int64_t)r.man_len,
	                              .index_digest = r.have_index ? r.top_digest : NULL};
	if (glass_store_set(s, &e, err) < 0)
		goto out;
	*name = steal_pointer(&full);
	rc = 0;
out:
	if (rc < 0)
		glass_err_ctx(err, "pull %s", refstr);
	resolved_clear(&r);
	glass_registry_close(reg);
	glass_ref_clear(&ref);
	return rc;
}
