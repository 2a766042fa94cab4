/* img: the image operations of the engine, written once for every
 * front-end (the CLI verbs in image.c, export.c, the API's api-image.c).
 *
 * Each takes an open store and returns 0, or -1 with *err; none prints.
 * Images are named in the store by their normalised reference
 * ("docker.io/library/busybox:latest"); an image's ID is its config
 * digest, as docker's.  Docker shows names "familiar": without
 * "docker.io/" and "library/" (engine_image_familiar()). */
#ifndef GLASS_ENGINE_IMG_H
#define GLASS_ENGINE_IMG_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

struct json_object;

/* One image with every name it has: the rows of `images`. */
struct engine_image_row {
	struct glass_image *img; /* loaded under its first name */
	char **names;            /* normalised names, NULL-terminated */
	char **manifests;        /* the manifest digest of each name */
	char *created;           /* the config's creation time (RFC 3339) or "" */
	int64_t size;            /* config + layer blobs, as stored */
};

/* Every image of the store, one row per image ID, in index order; images
 * that do not load are reported through the store and left out. */
int engine_image_rows(struct glass_store *s, struct engine_image_row **rows, size_t *n,
                      struct glass_err **err);
void engine_image_rows_free(struct engine_image_row *rows, size_t n);
/* The bytes an image holds in the store: its config and layer blobs. */
int64_t engine_image_size(struct glass_store *s, const struct glass_image *img);
/* Seconds since the epoch of an RFC 3339 time ("2024-01-02T03:04:05.123Z",
 * "...+01:00"); 0 when it does not parse. */
int64_t engine_time_unix(const char *rfc3339);
/* "docker.io/library/busybox:latest" -> "busybox:latest" (malloc'd). */
char *engine_image_familiar(const char *name);
/* True when `ref` names the image by ID (a hex prefix of its config
 * digest, with or without "sha256:"), not by one of its names. */
bool engine_image_ref_is_id(const struct glass_image *img, const char *ref);
/* IDs of the containers whose image is `config_digest`, NULL-terminated
 * (free with engine_strv_free()). */
char **engine_image_users(const char *config_digest);

/* Removes `ref`: by name, that name is untagged; by ID, every name (with
 * `force` when there are several, as docker).  A container using the
 * image refuses it (EBUSY) unless `force` and it is not running.  Then the
 * store is swept (the store must be open exclusive).  Each step is
 * appended to `report` as docker's {"Untagged": NAME} / {"Deleted": ID}. */
int engine_image_remove(struct glass_store *s, const char *ref, bool force,
                        struct json_object *report, struct glass_err **err);
/* Removes images no container uses (`all`), or none (dangling images do
 * not exist in glass: every image has a name), then sweeps unreferenced
 * blobs and layers; `report` as for remove, *freed the bytes reclaimed.
 * `keep` (may be NULL) is asked for each image: true keeps it (filters). */
int engine_image_prune(struct glass_store *s, bool all,
                       bool (*keep)(void *data, const struct engine_image_row *r), void *data,
                       struct json_object *report, uint64_t *freed, struct glass_err **err);
/* Gives the image `ref` the additional name `name` ("repo[:tag]", tag
 * "latest" when absent); *full (may be NULL) gets it normalised. */
int engine_image_tag(struct glass_store *s, const char *ref, const char *name, char **full,
                     struct glass_err **err);
/* Writes the images `refs` (NULL-terminated) as one tar file `file` that
 * is both an OCI archive (oci-layout, index.json, blobs/) and a `docker
 * save` archive (manifest.json with RepoTags): docker load, podman load
 * and glass image import all read it. */
int engine_image_save(struct glass_store *s, char *const *refs, const char *file,
                      struct glass_err **err);
/* The image's history, newest first, as docker shows it: created_by,
 * created, comment, the layer size of entries that made one. */
struct json_object *engine_image_history(const struct glass_image *img);

#endif
