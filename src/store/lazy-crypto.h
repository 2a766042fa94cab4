/* lazy-crypto: OpenSSL's libcrypto: SHA-256 of blobs, loaded at its first call (lazy.h).
 * Include this instead of the library's header: each function below is
 * then a slot of the table, filled by dlopen(3) of the library. */
#ifndef GLASS_LAZY_CRYPTO_H
#define GLASS_LAZY_CRYPTO_H

#include "lazy.h"

#include <openssl/evp.h>

#define GLASS_CRYPTO_FNS(X)                                                                        \
	X(EVP_Digest)                                                                              \
	X(EVP_DigestFinal_ex)                                                                      \
	X(EVP_DigestInit_ex)                                                                       \
	X(EVP_DigestUpdate)                                                                        \
	X(EVP_EncodeBlock)                                                                         \
	X(EVP_MD_CTX_free)                                                                         \
	X(EVP_MD_CTX_new)                                                                          \
	X(EVP_sha256)

GLASS_LAZY_DECLARE(crypto, GLASS_CRYPTO_FNS);

#ifndef GLASS_LAZY_IMPL
#define EVP_Digest         (glass_crypto_api()->EVP_Digest)
#define EVP_DigestFinal_ex (glass_crypto_api()->EVP_DigestFinal_ex)
#define EVP_DigestInit_ex  (glass_crypto_api()->EVP_DigestInit_ex)
#define EVP_DigestUpdate   (glass_crypto_api()->EVP_DigestUpdate)
#define EVP_EncodeBlock    (glass_crypto_api()->EVP_EncodeBlock)
#define EVP_MD_CTX_free    (glass_crypto_api()->EVP_MD_CTX_free)
#define EVP_MD_CTX_new     (glass_crypto_api()->EVP_MD_CTX_new)
#define EVP_sha256         (glass_crypto_api()->EVP_sha256)
#endif

#endif
