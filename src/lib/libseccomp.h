/* libseccomp.h: libseccomp's <seccomp.h>.  glass's own seccomp.h shadows
 * it on the include path (src/lib comes first), so this wrapper skips to
 * the next directory that has one: the system's. */
#ifndef GLASS_LIBSECCOMP_H
#define GLASS_LIBSECCOMP_H
#include_next <seccomp.h>
#endif
