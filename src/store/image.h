/* image: images as the engine sees them, on top of the blob store: a name
 * in index.json -> a manifest -> a config + layers, each layer unpacked
 * once into ROOT/layers/<chain ID>/diff.
 *
 * The chain ID (config.md, "Layer ChainID") names a layer together with
 * everything below it: chain(L0) = diffID(L0), chain(Ln) =
 * sha256(chain(Ln-1) + " " + diffID(Ln)).  Two images that share their
 * first layers share those directories.  Each layer directory also gets a
 * short name ROOT/layers/l/<10 chars> -> ../<chain>/diff so that an
 * overlay mount of many layers fits the kernel's one-page limit on mount
 * options (the trick containerd and podman use). */
#ifndef GLASS_IMAGE_H
#define GLASS_IMAGE_H

#include "manifest.h"
#include "ref.h"
#include "store.h"

struct glass_image {
	char *name;            /* the name it was found under, or NULL (by ID) */
	char *manifest_digest; /* the image manifest */
	char *index_digest;    /* the index it came from, or NULL */
	char *created_at;      /* when the name was set */
	struct glass_manifest *manifest;
	struct glass_image_config *config;
	char *config_digest; /* the image ID */
	char **chain_ids;    /* one per layer, NULL-terminated */
};

void glass_image_free(struct glass_image *img);

/* Loads the image whose manifest is `manifest_digest`: manifest and config
 * read from the store (digests re-checked), chain IDs computed. */
int glass_image_load(struct glass_store *s, const char *manifest_digest, struct glass_image **out,
                     struct glass_err **err);
/* The same from documents in memory (verified by the caller). */
int glass_image_parse(const char *manifest_digest, const char *mdata, size_t mlen,
                      const char *cdata, size_t clen, struct glass_image **out,
                      struct glass_err **err);

/* Finds a local image by reference (short names: localhost/ first, then
 * docker.io) or by ID (a prefix of at least 3 hex digits of the config
 * digest, with or without "sha256:").  -1 with ENOENT when absent. */
int glass_image_find(struct glass_store *s, const char *ref, struct glass_image **out,
                     struct glass_err **err);

/* Makes sure every layer of the image is unpacked; fills *dirs (NULL-
 * terminated, malloc'd) with the short lowerdir names relative to
 * ROOT/layers ("l/ABCDEFGHIJ"), topmost last.  `verbose` reports each
 * layer unpacked. */
int glass_image_unpack(struct glass_store *s, const struct glass_image *img, bool verbose,
                       char ***dirs, struct glass_err **err);

/* ROOT/layers (and layers/l), created when missing; an fd or -1. */
int glass_layers_dir(struct glass_store *s, struct glass_err **err);

/* Layers unpacked at once by default: one per core, at most this many. */
#define GLASS_UNPACK_JOBS_DEFAULT_MAX 2

/* Unpacks the layers of `img` on worker threads (the store's unpack_jobs)
 * as their blobs become ready, into directories the transaction `txn`
 * publishes at its commit; blobs are read through `txn`.  With `verify`,
 * a layer already unpacked still has its blob checked against the
 * config's diffID.  `img` and `txn` must outlive the unpacker. */
struct glass_layer_unpacker;
int glass_layer_unpacker_start(struct glass_store *s, struct glass_store_txn *txn,
                               const struct glass_image *img, bool verify, bool verbose,
                               struct glass_layer_unpacker **out, struct glass_err **err);
/* Every layer whose blob is `blob_digest` may be unpacked now. */
void glass_layer_unpacker_ready(struct glass_layer_unpacker *u, const char *blob_digest);
/* The blob `blob_digest` is arriving: a layer of it may be extracted from
 * `fd` as it grows (see glass_blob_feed).  Takes the feed reference and
 * fd. */
void glass_layer_unpacker_stream(struct glass_layer_unpacker *u, const char *blob_digest,
                                 struct glass_blob_feed *feed, int fd);
/* Waits for all layers (all must have been made ready); the first error
 * is returned.  Fills *dirs like glass_image_unpack (dirs may be NULL).
 * Frees u. */
int glass_layer_unpacker_finish(struct glass_layer_unpacker *u, char ***dirs,
                                struct glass_err **err);
/* Stops after the layers being unpacked (an abandoned pull) and frees u. */
void glass_layer_unpacker_free(struct glass_layer_unpacker *u);

/* Imports a directory tree as a one-layer image named `name` (the
 * built-in busybox image).  The layer is an uncompressed tar. */
int glass_image_import_dir(struct glass_store *s, const char *dir, const char *name,
                           struct glass_err **err);

/* Removes blobs and layer directories no named image (and no container
 * snapshot under ROOT/containers) uses.  Needs the store opened exclusive.
 * Adds the bytes freed to *freed. */
int glass_image_gc(struct glass_store *s, uint64_t *freed, struct glass_err **err);

/* Adds a blob to the image layout at `layout_fd`-relative use: copies the
 * manifest, config and layers of `img` plus its index entry to an OCI
 * layout directory `dir` (created when missing), tagged `tag`. */
int glass_image_export_layout(struct glass_store *s, const struct glass_image *img, const char *dir,
                              const char *tag, struct glass_err **err);

#endif
