/* lazy: a shared library loaded the first time it is used, not at exec.
 *
 * The engine links libcurl (pulls), libarchive (layers, image archives,
 * cp), libcrypto (digests) and libmicrohttpd (the lab).  Linked the usual
 * way, the dynamic loader maps and relocates them and the 30-odd libraries
 * they pull in (GnuTLS, Kerberos, LDAP, ICU, libxml2, libstdc++ ...) at
 * every start of `glass`, before main() runs: about 8 ms of CPU of
 * `glass ps` or `glass run` with an image already unpacked, which needs
 * none of them.  Instead the code that uses such a library calls it
 * through a table of function pointers (lazy-*.h redirect each name to
 * its slot), filled by dlopen(3) of the library's soname (the one the
 * build linked against, so the search is the dynamic loader's own:
 * ld.so.cache, the system directories) and dlsym(3) of each name, once,
 * at the first call.
 */
#ifndef GLASS_LAZY_H
#define GLASS_LAZY_H

#include "err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct glass_lazy {
	const char *soname;        /* "libcurl.so.4" */
	const char *package;       /* the Debian package that ships it */
	const char *const *names;  /* the functions, in the table's order */
	void **slots;              /* n pointers, filled by the load */
	size_t n;
	int state;                 /* 0 not tried, 1 loaded, -1 failed */
	pthread_mutex_t lock;
	char why[256];             /* the failure, for the next caller */
};

/* Loads l (once; safe from several threads): 0, or -1 with *err naming
 * the library, what failed and the package to install. */
int glass_lazy_load(struct glass_lazy *l, struct glass_err **err);
/* The same for a caller that cannot return an error (a function called
 * through the table): on failure it prints why and aborts, as the
 * dynamic loader would have refused to start the program. */
void glass_lazy_must(struct glass_lazy *l);

/* The table's slot `f` as the function it is: the table is a struct of
 * function pointers of the library's own prototypes (__typeof__ of the
 * declaration in its header), laid over the slots. */
#define GLASS_LAZY_FIELD(f) __typeof__(f) *f;
#define GLASS_LAZY_NAME(f)  #f,

#endif
