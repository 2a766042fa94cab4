/* transfer: images in and out of the store without a registry: OCI image
 * layouts (directories), OCI archives (a tar of a layout), and `docker
 * save` archives (manifest.json + config + layer tars).  Every blob is
 * re-hashed on the way in: a layout is untrusted input like a registry. */
#ifndef GLASS_TRANSFER_H
#define GLASS_TRANSFER_H

#include "image.h"

/* Imports the images of the OCI layout or extracted docker-save archive
 * at `dir`, all or nothing.  `name` overrides the names found there;
 * `base` names images that carry only a tag ("localhost/BASE:TAG").
 * *names receives the normalised names (NULL-terminated, malloc'd). */
int glass_import_dir(struct glass_store *s, const char *dir, const char *name, const char *base,
                     const char *platform, char ***names, struct glass_err **err);

/* glass_import_dir() on a directory, or on an archive (OCI archive or
 * docker save, plain or compressed) extracted into the store's
 * ROOT/tmp/import-PID first, which is removed on every path out. */
int glass_import_path(struct glass_store *s, const char *path, const char *name, const char *base,
                      const char *platform, char ***names, struct glass_err **err);

/* Extracts a tar (optionally gzip/zstd) archive into `dir` with the same
 * containment as layers, no whiteout conversion, and no device, FIFO or
 * symlink leading outside. */
int glass_archive_extract(const char *file, const char *dir, struct glass_err **err);

/* Writes `img` into the OCI layout `dir` (created or extended) under the
 * ref name `refname`. */
int glass_export_layout(struct glass_store *s, const struct glass_image *img, const char *dir,
                        const char *refname, struct glass_err **err);

/* Writes the tree `dir` as an uncompressed tar file `file`. */
int glass_archive_create(const char *dir, const char *file, struct glass_err **err);

#endif
