/* sha256: SHA-256 (FIPS 180-4) in plain C, no library: what digest.c
 * uses for small buffers (sha256.c says why). */
#ifndef GLASS_SHA256_H
#define GLASS_SHA256_H

#include <stddef.h>

/* The raw 32 bytes of the SHA-256 of data. */
void glass_sha256_portable(const void *data, size_t len, unsigned char md[32]);

#endif
