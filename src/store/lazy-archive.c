/* lazy-archive: the table of lazy-archive.h. */
#define GLASS_LAZY_IMPL
#include "lazy-archive.h"

static const char *const names[] = {GLASS_ARCHIVE_FNS(GLASS_LAZY_NAME)};
static union {
	struct glass_archive_api api;
	void *slot[sizeof(names) / sizeof(names[0])];
} table;
_Static_assert(sizeof(table.api) == sizeof(table.slot), "one slot per function");
static struct glass_lazy lib = {
	.soname = GLASS_SONAME_ARCHIVE,
	.package = "libarchive13",
	.names = names,
	.slots = table.slot,
	.n = sizeof(names) / sizeof(names[0]),
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

const struct glass_archive_api *glass_archive_api(void)
{
	glass_lazy_must(&lib);
	return &table.api;
}

int glass_archive_need(struct glass_err **err)
{
	return glass_lazy_load(&lib, err);
}
