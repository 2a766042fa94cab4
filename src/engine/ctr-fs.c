/* ctr-fs: a container's filesystem seen from the host: diff and cp.
 *
 * diff reads the overlay's upper directory, where the kernel puts every
 * change: a new or copied-up file is there as itself, a deletion is a
 * whiteout (a 0:0 character device), and a directory whose lower contents
 * are hidden carries trusted.overlay.opaque=y.  A path present in a lower
 * layer too is a change (C), otherwise an addition (A).
 *
 * cp moves a tar stream between two tar processes, as docker cp does.
 * The container's side is opened with openat2(RESOLVE_IN_ROOT): a symlink
 * in the container resolves inside its root, never on the host, and tar
 * works in that directory through /proc/self/fd/N. */
#include "ctr.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct diff {
	struct ctr_change *v;
	size_t n, cap;
	char **lowers; /* ROOT/layers/ID/diff of each layer */
};

static void add(struct diff *d, char kind, const char *path)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 32;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n++] = (struct ctr_change){kind, xstrdup(path)};
}

static bool in_lower(const struct diff *d, const char *path)
{
	struct stat st;
	for (char **l = d->lowers; l && *l; l++) {
		cleanup_free char *p = xasprintf("%s%s", *l, path);
		if (lstat(p, &st) == 0)
			return true;
	}
	return false;
}

static void walk(struct diff *d, int dirfd, const char *rel)
{
	cleanup_dir DIR *dir = fdopendir(dirfd);
	struct dirent *e;
	if (!dir) {
		close(dirfd);
		return;
	}
	while ((e = readdir(dir))) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		cleanup_free char *path = xasprintf("%s/%s", rel, e->d_name);
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			add(d, 'D', path);
			continue;
		}
		add(d, in_lower(d, path) ? 'C' : 'A', path);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name,
			                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				walk(d, sub, path);
		}
	}
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ctr_change *)a)->path, ((const struct ctr_change *)b)->path);
}

/* The layer directories from the snapshot's `layers` file. */
static char **lower_dirs(const struct ctr *c)
{
	cleanup_free char *p = xasprintf("%s/layers", c->dir);
	cleanup_free char *text = read_file_at(AT_FDCWD, p, NULL);
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xasprintf("%s/layers/%s/diff", engine_root_dir(), l);
		v[n] = NULL;
	}
	return v;
}

int ctr_diff(const char *ref, struct ctr_change **out, size_t *n, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	struct diff d = {0};
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	const char *upper = ctr_rec_str(c, "GraphDriver.Data.UpperDir");
	if (!upper)
		return glass_err_new(err, ENOTSUP,
		                     "diff %s: the container's snapshot is a copy "
		                     "(no overlay upper directory to read)",
		                     c->name);
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", upper);
	d.lowers = lower_dirs(c);
	walk(&d, fd, "");
	glass_manifest_strv_free(d.lowers);
	if (d.n > 1) /* d.v is NULL when nothing changed: qsort's base is nonnull */
		qsort(d.v, d.n, sizeof(*d.v), by_path);
	*out = d.v;
	*n = d.n;
	return 0;
}

void ctr_diff_free(struct ctr_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ch[i].path);
	free(ch);
}
