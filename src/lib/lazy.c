/* lazy: dlopen(3) at the first call (see lazy.h). */
#include "lazy.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int resolve(struct glass_lazy *l)
{
	/* RTLD_LOCAL: the library's symbols serve only this table, they do
	 * not join the global scope (nothing else looks them up by name). */
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(l->why, sizeof(l->why), "dlopen(\"%s\"): %s", l->soname, dlerror());
		return -1;
	}
	for (size_t i = 0; i < l->n; i++) {
		dlerror();
		l->slots[i] = dlsym(h, l->names[i]);
		if (!l->slots[i]) {
			const char *e = dlerror();
			snprintf(l->why, sizeof(l->why), "dlsym(\"%s\", \"%s\"): %s", l->soname,
			         l->names[i], e ? e : "NULL");
			return -1;
		}
	}
	return 0;
}

int glass_lazy_load(struct glass_lazy *l, struct glass_err **err)
{
	int state = __atomic_load_n(&l->state, __ATOMIC_ACQUIRE);
	if (state == 0) {
		pthread_mutex_lock(&l->lock);
		state = l->state;
		if (state == 0) {
			state = resolve(l) == 0 ? 1 : -1;
			__atomic_store_n(&l->state, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&l->lock);
	}
	if (state == 1)
		return 0;
	glass_err_new(err, ENOENT, "%s", l->why);
	return glass_err_hint(err, "install the Debian package %s (scripts/install-deps.sh)",
	                      l->package);
}

void glass_lazy_must(struct glass_lazy *l)
{
	if (__atomic_load_n(&l->state, __ATOMIC_ACQUIRE) == 1)
		return;
	struct glass_err *err = NULL;
	if (glass_lazy_load(l, &err) == 0)
		return;
	char *msg = glass_err_format(err);
	fprintf(stderr, "glass: %s\n", msg);
	abort();
}
