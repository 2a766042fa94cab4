/* digest: SHA-256 content addresses ("sha256:<64 hex>") through OpenSSL's
 * libcrypto (EVP), which uses the CPU's SHA extensions where present, or
 * for small buffers a plain C SHA-256 that needs no library loaded.
 * Everything in the store is named by the digest of its bytes, so a digest
 * is both a name and a checksum: it is computed while the bytes stream by,
 * never in a second pass. */
#ifndef GLASS_DIGEST_H
#define GLASS_DIGEST_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* "sha256:" + 64 hex + NUL */
#define GLASS_DIGEST_LEN 72

struct glass_sha256; /* opaque running hash */

/* A new running hash; aborts on out-of-memory. */
struct glass_sha256 *glass_sha256_new(void);
void glass_sha256_update(struct glass_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" into out (GLASS_DIGEST_LEN bytes); the hash may be
 * reused after glass_sha256_reset(). */
void glass_sha256_final(struct glass_sha256 *h, char out[GLASS_DIGEST_LEN]);
void glass_sha256_reset(struct glass_sha256 *h);
void glass_sha256_free(struct glass_sha256 *h);

/* One-shot digest of a buffer: up to GLASS_DIGEST_SMALL bytes by nettle,
 * so that a run whose image is in the store never loads
 * libcrypto; bigger buffers through libcrypto. */
#define GLASS_DIGEST_SMALL ((size_t)64 * 1024)
void glass_digest_buf(const void *data, size_t len, char out[GLASS_DIGEST_LEN]);

/* True when `d` is "sha256:" followed by exactly 64 lowercase hex digits.
 * Other algorithms are refused: the store names blobs by sha256 only. */
bool glass_digest_valid(const char *d);

/* Checks `d` with glass_digest_valid(); on failure fills err naming `what`. */
int glass_digest_check(const char *d, const char *what, struct glass_err **err);

/* The hex part of a valid digest (points into d). */
const char *glass_digest_hex(const char *d);

#endif
