/* pull: an image from a registry into the store, as one operation the
 * CLI, the API server and the lab all call.
 *
 * Downloads, verification and extraction overlap: a layer is unpacked as
 * soon as its blob is verified, on worker threads, while later blobs still
 * arrive.  Everything the pull writes (config, manifest, index, layer
 * blobs, layer directories) forms one store transaction, made durable by
 * one sync at the end; only then is the name recorded in index.json.  An
 * interrupted pull leaves no named, half-present image, and its partial
 * downloads are resumed by the next. */
#ifndef GLASS_PULL_H
#define GLASS_PULL_H

#include "image.h"
#include "registry.h"

struct glass_pull_opts {
	const char *platform;                /* os/arch[/variant], NULL: the host's */
	struct glass_registry_opts registry; /* TLS, credentials, parallel downloads */
	bool quiet;                          /* no reports */
};

/* Pulls `ref`; *name gets the normalised name it is stored under
 * (malloc'd).  Unpack tuning comes from the store's options. */
int glass_pull(struct glass_store *s, const char *ref, const struct glass_pull_opts *o, char **name,
               struct glass_err **err);

#endif
