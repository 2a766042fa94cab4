/* lazy-crypto: OpenSSL's libcrypto: SHA-256 of blobs, loaded at its first call (lazy.h).
 * Include this instead of the library's header: each function below is
 * then a slot of the table, filled by dlopen(3) of the library. */
#ifndef GLASS_LAZY_CRYPTO_H
#define GLASS_LAZY_CRYPTO_H

#include "lazy.h"

#include <openssl/evp.h>

#define GLASS_CRYPTO_FNS(X) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_EncodeBlock) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_sha256)

struct glass_crypto_api {
	GLASS_CRYPTO_FNS(GLASS_LAZY_FIELD)
};

/* The table, loaded (or the program aborts saying which library is
 * missing: glass_crypto_need() first, where an error can be returned). */
const struct glass_crypto_api *glass_crypto_api(void);
/* Loads the library: 0, or -1 with *err naming it and its package. */
int glass_crypto_need(struct glass_err **err);

#ifndef GLASS_LAZY_IMPL
#define EVP_Digest (glass_crypto_api()->EVP_Digest)
#define EVP_DigestFinal_ex (glass_crypto_api()->EVP_DigestFinal_ex)
#define EVP_DigestInit_ex (glass_crypto_api()->EVP_DigestInit_ex)
#define EVP_DigestUpdate (glass_crypto_api()->EVP_DigestUpdate)
#define EVP_EncodeBlock (glass_crypto_api()->EVP_EncodeBlock)
#define EVP_MD_CTX_free (glass_crypto_api()->EVP_MD_CTX_free)
#define EVP_MD_CTX_new (glass_crypto_api()->EVP_MD_CTX_new)
#define EVP_sha256 (glass_crypto_api()->EVP_sha256)
#endif

#endif
