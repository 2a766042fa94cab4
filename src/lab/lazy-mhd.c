/* lazy-mhd: the table of lazy-mhd.h (lazy.h). */
#define GLASS_LAZY_IMPL
#include "lazy-mhd.h"

GLASS_LAZY_DEFINE(mhd, GLASS_MHD_FNS, GLASS_SONAME_MHD, "libmicrohttpd12")
