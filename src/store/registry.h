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
	const char *authfile; /* must be readable; NULL: the first of `authfiles` that is */
	const char *const *authfiles; /* NULL-terminated candidates, or NULL */
	const char *creds;            /* "user:password" overriding the auth file */
	bool quiet;                   /* no progress reports */
	int parallel;                 /* concurrent blob downloads (0: 3) */
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

/* What a download tells its caller, on the downloading thread. */
struct glass_fetch_hooks {
	/* The blob can be read, complete and verified, through the
	 * transaction (at once for those already there). */
	void (*ready)(void *data, const char *digest);
	/* The blob's data starts arriving: `fd` reads the growing file (the
	 * callee owns fd and the feed reference). */
	void (*stream)(void *data, const char *digest, struct glass_blob_feed *feed, int fd);
	void *data;
};

/* Downloads the blobs not yet in the store into the transaction `t`, in
 * parallel, each verified as it completes; `hooks` (may be NULL) is told
 * of each.  Progress goes to the store's report function.  On error no
 * unverified blob is kept but as a resumable .partial. */
int glass_registry_fetch_blobs(struct glass_registry *r, struct glass_store_txn *t,
                               const struct glass_desc *blobs, size_t n,
                               const struct glass_fetch_hooks *hooks, struct glass_err **err);

/* GET a small blob (a config) into memory, verified. */
int glass_registry_get_blob(struct glass_registry *r, const struct glass_desc *d, char **data,
                            size_t *len, struct glass_err **err);

#endif
