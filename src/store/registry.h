/* registry: a client of the OCI distribution API (/v2/) with libcurl.
 *
 * Manifests are negotiated with an Accept header listing the OCI and
 * Docker media types; authentication follows the registry's 401
 * WWW-Authenticate challenge (Bearer: a token from the realm, with the
 * credentials when there are any; Basic: the credentials directly), with
 * credentials from a docker config.json-style auth file.  Blobs are
 * fetched in parallel with a curl multi handle straight into the store's
 * blob writers (hashed while they arrive), resumed with Range requests
 * after an interrupted attempt, and retried. */
#ifndef GLASS_REGISTRY_H
#define GLASS_REGISTRY_H

#include "manifest.h"
#include "store.h"

#include <stdbool.h>

struct glass_registry_opts {
	bool tls_verify;      /* false: no certificate checks, plain HTTP allowed */
	const char *cert_dir; /* CA files NAME.crt, client NAME.cert + NAME.key; NULL: certs.d */
	const char *authfile; /* NULL: the usual places */
	const char *creds;    /* "user:password" overriding the auth file */
	bool quiet;           /* no progress output */
	int parallel;         /* concurrent blob downloads (0: 3) */
};

struct glass_registry;

/* A client for `repo` on `domain` ("docker.io" is registry-1.docker.io). */
int glass_registry_open(const char *domain, const char *repo,
                        const struct glass_registry_opts *opts, struct glass_registry **out,
                        struct glass_err **err);
void glass_registry_close(struct glass_registry *r);

/* GET /v2/REPO/manifests/REFERENCE.  Checks the body against the digest
 * when REFERENCE is one (and against Docker-Content-Digest when sent).
 * *data is malloc'd; *content_type malloc'd or NULL. */
int glass_registry_get_manifest(struct glass_registry *r, const char *reference, char **data,
                                size_t *len, char **content_type, char digest[GLASS_DIGEST_LEN],
                                struct glass_err **err);

/* Downloads the blobs not yet in the store, in parallel, each verified
 * before it becomes visible.  On error no unverified blob is stored. */
int glass_registry_fetch_blobs(struct glass_registry *r, struct glass_store *s,
                               const struct glass_desc *blobs, size_t n, struct glass_err **err);

/* GET a small blob (a config) into memory, verified. */
int glass_registry_get_blob(struct glass_registry *r, const struct glass_desc *d, char **data,
                            size_t *len, struct glass_err **err);

#endif
