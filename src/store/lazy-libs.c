/* lazy-libs: the tables of the store's libraries loaded at their first
 * call (lazy.h): libcurl, libarchive, libcrypto. */
#define GLASS_LAZY_IMPL
#include "lazy-archive.h"
#include "lazy-crypto.h"
#include "lazy-curl.h"

GLASS_LAZY_DEFINE(curl, GLASS_CURL_FNS, GLASS_SONAME_CURL, "libcurl4")
GLASS_LAZY_DEFINE(archive, GLASS_ARCHIVE_FNS, GLASS_SONAME_ARCHIVE, "libarchive13")
GLASS_LAZY_DEFINE(crypto, GLASS_CRYPTO_FNS, GLASS_SONAME_CRYPTO, "libssl3")
