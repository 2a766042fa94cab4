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
	const char *soname;       /* "libcurl.so.4" */
	const char *package;      /* the Debian package that ships it */
	const char *const *names; /* the functions, in the table's order */
	void **slots;             /* n pointers, filled by the load */
	size_t n;
	int state; /* 0 not tried, 1 loaded, -1 failed */
	pthread_mutex_t lock;
	char why[256]; /* the failure, for the next caller */
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
#define GLASS_LAZY_FIELD(f)                                                                        \
	__typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses): a declarator                      \
	                   */
#define GLASS_LAZY_NAME(f) #f,

/* In lazy-LIB.h: struct glass_LIB_api (a slot per function of FNS) and
 *   const struct glass_LIB_api *glass_LIB_api(void);   the table, loaded
 *     (or the program aborts saying which library is missing)
 *   int glass_LIB_need(struct glass_err **err);         loads it: 0, or -1
 *     with *err naming the library and its package (call it first where
 *     an error can be returned) */
#define GLASS_LAZY_DECLARE(lib, FNS)                                                               \
	struct glass_##lib##_api {                                                                 \
		FNS(GLASS_LAZY_FIELD)                                                              \
	};                                                                                         \
	const struct glass_##lib##_api *glass_##lib##_api(void);                                   \
	int glass_##lib##_need(struct glass_err **err)

/* In one .c file (with GLASS_LAZY_IMPL defined before lazy-LIB.h): the table
 * and the two functions. */
#define GLASS_LAZY_DEFINE(lib, FNS, so, pkg)                                                       \
	static const char *const lib##_names[] = {FNS(GLASS_LAZY_NAME)};                           \
	static union {                                                                             \
		struct glass_##lib##_api api;                                                      \
		void *slot[sizeof(lib##_names) / sizeof(lib##_names[0])];                          \
	} lib##_table;                                                                             \
	_Static_assert(sizeof(lib##_table.api) == sizeof(lib##_table.slot), "a slot a function");  \
	static struct glass_lazy lib##_lib = {                                                     \
	    .soname = (so),                                                                        \
	    .package = (pkg),                                                                      \
	    .names = lib##_names,                                                                  \
	    .slots = lib##_table.slot,                                                             \
	    .n = sizeof(lib##_names) / sizeof(lib##_names[0]),                                     \
	    .lock = PTHREAD_MUTEX_INITIALIZER,                                                     \
	};                                                                                         \
	const struct glass_##lib##_api *glass_##lib##_api(void)                                    \
	{                                                                                          \
		glass_lazy_must(&lib##_lib);                                                       \
		return &lib##_table.api;                                                           \
	}                                                                                          \
	int glass_##lib##_need(struct glass_err **err)                                             \
	{                                                                                          \
		return glass_lazy_load(&lib##_lib, err);                                           \
	}

#endif
