/* digest: SHA-256 through OpenSSL's EVP interface, and small buffers
 * through nettle's.  Loading libcrypto costs more than hashing the
 * small buffers the engine hashes on every run (an image's index,
 * manifest and config) ~100 times over: its dlopen, relocation and
 * OPENSSL_init_crypto's reading of its configuration take about 3 ms;
 * nettle is a plain library with nothing to initialise.  Layers and other
 * streams go through libcrypto, whose SHA extensions win once the bytes
 * are many.  The kernel plays no part here;
 * the point is that hashing happens inline with the I/O that moves the
 * bytes (download, decompression), so verifying costs no extra read of
 * the data. */
#include "lazy-crypto.h"
#include "digest.h"
#include "util.h"

#include <nettle/sha2.h>
#include <string.h>

struct glass_sha256 {
	EVP_MD_CTX *ctx;
};

struct glass_sha256 *glass_sha256_new(void)
{
	struct glass_sha256 *h = xcalloc(1, sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		abort();
	return h;
}

void glass_sha256_update(struct glass_sha256 *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->ctx, data, len);
}

static void hexify(const unsigned char *md, unsigned n, char out[GLASS_DIGEST_LEN])
{
	static const char hx[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < n && i < 32; i++) {
		out[7 + 2 * i] = hx[md[i] >> 4];
		out[8 + 2 * i] = hx[md[i] & 15];
	}
	out[71] = '\0';
}

void glass_sha256_final(struct glass_sha256 *h, char out[GLASS_DIGEST_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_DigestFinal_ex(h->ctx, md, &n);
	hexify(md, n, out);
}

void glass_sha256_reset(struct glass_sha256 *h)
{
	EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void glass_sha256_free(struct glass_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void glass_digest_buf(const void *data, size_t len, char out[GLASS_DIGEST_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 32;
	if (len <= GLASS_DIGEST_SMALL) {
		struct sha256_ctx ctx;
		sha256_init(&ctx);
		sha256_update(&ctx, len, data);
		sha256_digest(&ctx, SHA256_DIGEST_SIZE, md);
	} else
		EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hexify(md, n, out);
}

bool glass_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int glass_digest_check(const char *d, const char *what, struct glass_err **err)
{
	if (glass_digest_valid(d))
		return 0;
	glass_err_new(err, EINVAL, "%s: invalid digest \"%s\"", what, d ? d : "(null)");
	return glass_err_hint(err, "a digest is \"sha256:\" followed by 64 lowercase hex digits");
}

const char *glass_digest_hex(const char *d)
{
	return d + 7;
}
