/* unpack: streaming extraction of a layer with the kernel doing the
 * containment.
 *
 * The tar stream comes from stream.c (decompressed on another thread) and
 * is parsed by libarchive from a read callback, so the data is never
 * copied to a temporary file.  Each entry's parent directory is opened
 * with openat2(2) and RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: the kernel
 * itself refuses a walk that leaves the layer directory or crosses a
 * symlink (a tar-slip through "evil -> /etc" then "evil/passwd"), which a
 * string check alone cannot guarantee.  The entry is then created relative
 * to that fd with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW.  The parent fd is
 * cached because consecutive entries usually share their directory.
 *
 * Modes are set exactly without touching the process's umask (a
 * process-wide setting other threads depend on): a file is created with
 * its mode and fixed with fchmod only where the umask took bits away. */
#include "lazy-archive.h"
#include "unpack-internal.h"
#include "stream.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct dirtime {
	char *path;
	struct timespec ts[2];
};

struct ctx {
	struct pool *pool;
	uint64_t *inflight; /* hashes of paths queued to the pool since the last drain */
	size_t ninflight, capinflight;
	struct archive *a;
	int root;
	const struct glass_unpack_opts *o;
	struct glass_lstream *ls;
	struct glass_err *stream_err;
	char *cache_path;
	struct pdir *cache;
	struct dirtime *dirs;
	size_t ndirs, capdirs;
	uid_t euid;
	gid_t egid;
	mode_t umask; /* the process's, read once: bits to restore with fchmod */
	const char *opaque_xattr;
};

/* Canonical relative form of a tar path: no empty or "." components.
 * Returns 0, -1 for an absolute path or one with "..", -2 when it does not
 * fit `cap` (PATH_MAX). */
static int clean_path(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (strlen(in) >= cap)
		return -2;
	if (in[0] == '/')
		return -1;
	for (const char *p = in; *p;) {
		const char *q = strchr(p, '/');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return 0;
}

/* The error for a path clean_path() refused; the caller's context names
 * the entry. */
static int bad_path(int why, const char *what, const char *path, struct glass_err **err)
{
	if (why == -2) {
		glass_err_new(err, ENAMETOOLONG, "%s is %zu bytes, past PATH_MAX (%d)", what,
		              strlen(path), PATH_MAX);
		return glass_err_hint(err, "no file system can hold that path; the archive is "
		                           "corrupt or made to attack its reader");
	}
	glass_err_new(err, EPERM, "%s \"%s\" leaves the layer", what, path);
	return glass_err_hint(err, "tar entries must be relative and must not use \"..\"");
}

static void split(char *path, const char **parent, const char **base)
{
	char *slash = strrchr(path, '/');
	if (!slash) {
		*parent = "";
		*base = path;
	} else {
		*slash = '\0';
		*parent = path;
		*base = slash + 1;
	}
}

static void drop_cache(struct ctx *c)
{
	unpack_pdir_put(c->cache);
	c->cache = NULL;
	free(c->cache_path);
	c->cache_path = NULL;
}

/* The fallback of parent_fd(): walks `parent` one component at a time
 * from the root, creating missing directories (implicit parents) and
 * refusing symlinks and non-directories. */
static int walk_create(struct ctx *c, const char *parent, const char *entry, struct glass_err **err)
{
	char buf[PATH_MAX];
	int cur = c->root;
	snprintf(buf, sizeof(buf), "%s", parent);
	for (char *p = buf; p && *p;) {
		char *next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		int fd = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST) {
				glass_err_new(err, errno, "mkdirat(\"%s\")", p);
				goto fail;
			}
			fd = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int e = errno;
			struct stat st;
			if (fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				e = ELOOP;
			glass_err_new(err, e, "openat(\"%s\", O_NOFOLLOW|O_DIRECTORY)", parent);
			if (e == ELOOP)
				glass_err_hint(err,
				               "refusing entry \"%s\": its path goes through a "
				               "symlink (%s), which could lead outside the layer",
				               entry, p);
			goto fail;
		}
		if (cur != c->root)
			close(cur);
		cur = fd;
		p = next;
	}
	return cur;
fail:
	if (cur != c->root)
		close(cur);
	return -1;
}

#define BENEATH (RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)

/* The directory `parent` below the root (the root itself for ""), never
 * through a symlink, as a shared pdir the cache holds.  Borrowed: take a
 * reference to keep it past the next call. */
static struct pdir *parent_dir(struct ctx *c, const char *parent, const char *entry,
                               struct glass_err **err)
{
	if (c->cache_path && strcmp(c->cache_path, parent) == 0)
		return c->cache;
	drop_cache(c);
	int fd =
	    glass_openat2_beneath(c->root, *parent ? parent : ".", O_PATH | O_DIRECTORY, BENEATH);
	if (fd < 0 && errno == ENOENT)
		fd = walk_create(c, parent, entry, err);
	else if (fd < 0) {
		int e = errno;
		glass_err_new(err, e, "openat2(layer, \"%s\", RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)",
		              parent);
		if (e == ELOOP || e == EXDEV)
			glass_err_hint(err,
			               "refusing entry \"%s\": its path goes through a symlink, "
			               "which could lead outside the layer",
			               entry);
	}
	if (fd < 0)
		return NULL;
	c->cache = unpack_pdir_new(fd);
	c->cache_path = xstrdup(parent);
	return c->cache;
}

static int parent_fd(struct ctx *c, const char *parent, const char *entry, struct glass_err **err)
{
	struct pdir *p = parent_dir(c, parent, entry, err);
	return p ? p->fd : -1;
}

static uint64_t path_hash(const char *parent, const char *base)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = parent; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ '/') * 1099511628211ull;
	for (const char *p = base; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h | 1; /* 0 marks an empty slot */
}

static bool inflight_has(const struct ctx *c, uint64_t h)
{
	if (!c->capinflight)
		return false;
	for (size_t i = h & (c->capinflight - 1);; i = (i + 1) & (c->capinflight - 1)) {
		if (c->inflight[i] == h)
			return true;
		if (!c->inflight[i])
			return false;
	}
}

static void inflight_add(struct ctx *c, uint64_t h)
{
	if (2 * (c->ninflight + 1) > c->capinflight) {
		size_t oldcap = c->capinflight;
		uint64_t *old = c->inflight;
		c->capinflight = oldcap ? 2 * oldcap : 1024;
		c->inflight = xcalloc(c->capinflight, sizeof(uint64_t));
		c->ninflight = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				inflight_add(c, old[i]);
		free(old);
	}
	size_t i = h & (c->capinflight - 1);
	while (c->inflight[i] && c->inflight[i] != h)
		i = (i + 1) & (c->capinflight - 1);
	if (!c->inflight[i]) {
		c->inflight[i] = h;
		c->ninflight++;
	}
}

/* Waits for the writer threads; afterwards nothing is in flight. */
static int drain(struct ctx *c, struct glass_err **err)
{
	if (!c->pool)
		return 0;
	if (c->ninflight) {
		memset(c->inflight, 0, c->capinflight * sizeof(uint64_t));
		c->ninflight = 0;
	}
	return unpack_pool_drain(c->pool, err);
}

/* Lets the writers finish when `path` or one of its ancestors is still
 * queued as a file, so that entries apply in archive order. */
static int wait_for_path(struct ctx *c, const char *parent, const char *base,
                         struct glass_err **err)
{
	if (!c->ninflight)
		return 0;
	bool hit = inflight_has(c, path_hash(parent, base));
	char pp[PATH_MAX];
	snprintf(pp, sizeof(pp), "%s", parent);
	while (!hit && *pp) {
		char *slash = strrchr(pp, '/');
		if (!slash) {
			hit = inflight_has(c, path_hash("", pp));
			break;
		}
		*slash = '\0';
		hit = inflight_has(c, path_hash(pp, slash + 1));
	}
	return hit ? drain(c, err) : 0;
}

/* Removes pfd/base.  The parent fd cache stays valid: it holds the parent
 * itself, never something below the removed entry. */
static int remove_existing(struct ctx *c, int pfd, const char *base, struct glass_err **err)
{
	if (drain(c, err) < 0)
		return -1;
	if (glass_rm_rf_at(pfd, base) < 0)
		return glass_err_new(err, errno, "remove existing \"%s\"", base);
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* Whether a file created with `mode` needs an fchmod: the umask took
 * bits, or a chown (which clears setuid/setgid) was made. */
static bool needs_chmod(const struct ctx *c, mode_t mode, bool chowned)
{
	return (mode & c->umask) || (chowned && (mode & 07000));
}

/* Returns 1 when the owner was changed, 0 when it already was the entry's,
 * -1 on error. */
static int set_owner(struct ctx *c, int pfd, const char *base, int fd, struct archive_entry *e,
                     struct glass_err **err)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if (uid == c->euid && gid == c->egid)
		return 0;
	int r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0 && !c->o->rootless)
		return glass_err_new(err, errno, "fchownat(\"%s\", %u, %u)", base, uid, gid);
	return 1;
}

static bool overlay_xattr(const char *name)
{
	/* A layer must not smuggle overlayfs metadata past the whiteout rules. */
	return strncmp(name, "trusted.overlay.", 16) == 0 ||
	       strncmp(name, "user.overlay.", 13) == 0;
}

static int set_xattrs(struct ctx *c, int fd, struct archive_entry *e, struct glass_err **err)
{
	const char *name;
	const void *value;
	size_t size;
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (overlay_xattr(name))
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0 && !c->o->rootless && errno != ENOTSUP)
			return glass_err_new(err, errno, "fsetxattr(\"%s\")", name);
	}
	return 0;
}

static int write_data(struct ctx *c, int fd, struct archive_entry *e, struct glass_err **err)
{
	const void *buf;
	size_t size;
	la_int64_t off, pos = 0;
	int r;
	while ((r = archive_read_data_block(c->a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (off != pos && lseek(fd, off, SEEK_SET) < 0)
			return glass_err_new(err, errno, "lseek(%lld)", (long long)off);
		if (write_all(fd, buf, size) < 0)
			return glass_err_new(err, errno, "write(%zu bytes)", size);
		pos = off + (la_int64_t)size;
	}
	if (r != ARCHIVE_EOF)
		return glass_err_new(err, archive_errno(c->a) > 0 ? archive_errno(c->a) : EIO,
		                     "read tar data: %s", archive_error_string(c->a));
	/* A sparse file may end in a hole. */
	if (pos < archive_entry_size(e) && ftruncate(fd, archive_entry_size(e)) < 0)
		return glass_err_new(err, errno, "ftruncate(%lld)",
		                     (long long)archive_entry_size(e));
	return 0;
}

static int do_whiteout(struct ctx *c, int pfd, const char *base, struct glass_err **err)
{
	if (strcmp(base, ".wh..wh..opq") == 0) {
		cleanup_close int d = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0)
			return glass_err_new(err, errno, "open(parent of %s)", base);
		return (int)GLASS_SYS(err, "fsetxattr", NULL,
		                      fsetxattr(d, c->opaque_xattr, "y", 1, 0),
		                      "dir, \"%s\", \"y\"", c->opaque_xattr);
	}
	const char *name = base + 4;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
		return glass_err_new(err, EINVAL, "bad whiteout name \"%s\"", base);
	if (remove_existing(c, pfd, name, err) < 0)
		return -1;
	return (int)GLASS_SYS(err, "mknodat", NULL, mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)),
	                      "\"%s\", S_IFCHR, 0:0", name);
}

static int do_hardlink(struct ctx *c, int pfd, const char *base, const char *target,
                       struct glass_err **err)
{
	char tpath[PATH_MAX];
	const char *tparent, *tbase;
	int why = clean_path(target, tpath, sizeof(tpath));
	if (why < 0 || !*tpath)
		return bad_path(why == -2 ? -2 : -1, "hard link target", target, err);
	split(tpath, &tparent, &tbase);
	cleanup_close int tfd =
	    glass_openat2_beneath(c->root, *tparent ? tparent : ".", O_PATH | O_DIRECTORY, BENEATH);
	if (tfd < 0)
		return glass_err_new(err, errno, "openat2(layer, \"%s\") for hard link target",
		                     tparent);
	for (int i = 0; i < 2; i++) {
		if (linkat(tfd, tbase, pfd, base, 0) == 0)
			return 0;
		if (errno != EEXIST || i == 1)
			break;
		if (remove_existing(c, pfd, base, err) < 0)
			return -1;
	}
	return glass_err_new(err, errno, "linkat(\"%s\", \"%s\")", target, base);
}

static void add_dirtime(struct ctx *c, const char *path, const struct timespec ts[2])
{
	if (c->ndirs == c->capdirs) {
		c->capdirs = c->capdirs ? 2 * c->capdirs : 256;
		c->dirs = xrealloc(c->dirs, c->capdirs * sizeof(*c->dirs));
	}
	c->dirs[c->ndirs].path = xstrdup(path);
	memcpy(c->dirs[c->ndirs].ts, ts, sizeof(c->dirs[c->ndirs].ts));
	c->ndirs++;
}

/* Copies the xattrs of `e` (but overlayfs') into the job. */
static void job_xattrs(struct job *j, struct archive_entry *e)
{
	size_t nx = (size_t)archive_entry_xattr_reset(e), k = 0;
	const char *xn;
	const void *xv;
	size_t xl;
	if (!nx)
		return;
	j->xnames = xcalloc(nx + 1, sizeof(char *));
	j->xvals = xcalloc(nx + 1, sizeof(char *));
	j->xlens = xcalloc(nx + 1, sizeof(size_t));
	while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK && k < nx) {
		if (overlay_xattr(xn))
			continue;
		j->xnames[k] = xstrdup(xn);
		j->xvals[k] = xmalloc(xl + 1);
		memcpy(j->xvals[k], xv, xl);
		j->xlens[k++] = xl;
	}
}

/* Hands a regular file to the writers: its data is read now (the stream
 * moves on), written there. */
static int submit_file(struct ctx *c, struct pdir *parent, const char *base, const char *raw,
                       mode_t mode, const struct timespec ts[2], struct archive_entry *e,
                       struct glass_err **err)
{
	struct job *j = xcalloc(1, sizeof(*j));
	size_t want = (size_t)archive_entry_size(e), got = 0;
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	j->parent = unpack_pdir_get(parent);
	j->name = xstrdup(base);
	j->entry = xstrdup(raw);
	j->mode = mode;
	j->uid = (uid_t)archive_entry_uid(e);
	j->gid = (gid_t)archive_entry_gid(e);
	j->chown = j->uid != c->euid || j->gid != c->egid;
	j->chmod = needs_chmod(c, mode, j->chown);
	memcpy(j->ts, ts, sizeof(j->ts));
	j->data = want ? xmalloc(want) : NULL;
	while ((r = archive_read_data_block(c->a, &buf, &size, &off)) == ARCHIVE_OK) {
		if ((size_t)off != got || got + size > want) {
			unpack_job_free(j);
			return glass_err_new(err, EBADMSG, "file data does not match its size");
		}
		if (size > 0) /* an empty file's data is NULL; memcpy wants a pointer */
			memcpy(j->data + got, buf, size);
		got += size;
	}
	if (r != ARCHIVE_EOF || got != want) {
		unpack_job_free(j);
		return glass_err_new(err, archive_errno(c->a) > 0 ? archive_errno(c->a) : EIO,
		                     "read tar data: %s", archive_error_string(c->a));
	}
	j->len = want;
	job_xattrs(j, e);
	return unpack_pool_submit(c->pool, j, err);
}

static int extract_dir(struct ctx *c, const char *parent, const char *base, const char *raw,
                       struct archive_entry *e, struct glass_err **err)
{
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	struct stat st;
	int pfd = parent_fd(c, parent, raw, err), r;
	if (pfd < 0)
		return -1;
	entry_times(e, ts);
	if (mkdirat(pfd, base, mode) < 0) {
		if (errno != EEXIST)
			return glass_err_new(err, errno, "mkdirat(\"%s\")", base);
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			if (remove_existing(c, pfd, base, err) < 0)
				return -1;
			if (mkdirat(pfd, base, mode) < 0)
				return glass_err_new(err, errno, "mkdirat(\"%s\")", base);
		}
	}
	cleanup_close int d = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return glass_err_new(err, errno, "open(\"%s\")", base);
	if ((r = set_owner(c, pfd, base, d, e, err)) < 0)
		return -1;
	/* mkdir(2) applies the umask and ignores setuid; an existing directory
	 * keeps its old mode: set it whenever it may differ. */
	if ((needs_chmod(c, mode, r > 0) || (mode & 07000) || fstat(d, &st) < 0 ||
	     (st.st_mode & 07777) != mode) &&
	    fchmod(d, mode) < 0)
		return glass_err_new(err, errno, "fchmod(\"%s\", 0%o)", base, (unsigned)mode);
	if (set_xattrs(c, d, e, err) < 0)
		return -1;
	cleanup_free char *full = xasprintf("%s%s%s", parent, *parent ? "/" : "", base);
	add_dirtime(c, full, ts);
	return 0;
}

static int extract_file(struct ctx *c, const char *parent, const char *base, const char *raw,
                        struct archive_entry *e, struct glass_err **err)
{
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	struct pdir *pd = parent_dir(c, parent, raw, err);
	int fd = -1, r;
	if (!pd)
		return -1;
	entry_times(e, ts);
	if (c->pool && archive_entry_sparse_count(e) == 0 && archive_entry_size(e) >= 0 &&
	    archive_entry_size(e) <= (la_int64_t)POOL_MAX_FILE) {
		inflight_add(c, path_hash(parent, base));
		return submit_file(c, pd, base, raw, mode, ts, e, err);
	}
	int pfd = pd->fd;
	for (int i = 0; i < 2 && fd < 0; i++) {
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno == EEXIST && i == 0) {
			if (remove_existing(c, pfd, base, err) < 0)
				return -1;
		} else if (fd < 0) {
			return glass_err_new(err, errno, "openat(\"%s\", O_CREAT|O_EXCL)", base);
		}
	}
	cleanup_close int f = fd;
	if (write_data(c, f, e, err) < 0 || (r = set_owner(c, pfd, base, f, e, err)) < 0)
		return -1;
	if (needs_chmod(c, mode, r > 0) && fchmod(f, mode) < 0)
		return glass_err_new(err, errno, "fchmod(\"%s\", 0%o)", base, (unsigned)mode);
	if (set_xattrs(c, f, e, err) < 0)
		return -1;
	if (futimens(f, ts) < 0)
		return glass_err_new(err, errno, "futimens(\"%s\")", base);
	unpack_writeback(f, (size_t)archive_entry_size(e));
	return 0;
}

/* Whether a symlink at `path` (cleaned) pointing to `target` stays inside
 * the tree: relative, and never climbing above the root. */
static bool link_stays_inside(const char *path, const char *target)
{
	int depth = 0;
	if (target[0] == '/')
		return false;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	for (const char *p = target; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

/* Symlinks, devices and FIFOs. */
static int extract_special(struct ctx *c, const char *parent, const char *base, const char *path,
                           const char *raw, struct archive_entry *e, struct glass_err **err)
{
	mode_t type = archive_entry_filetype(e), mode = archive_entry_perm(e) & 07777;
	const char *target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
	struct timespec ts[2];
	int r = -1;
	if (c->o->archive && type != AE_IFLNK) {
		glass_err_new(err, EPERM, "a %s has no place in an image archive",
		              type == AE_IFIFO ? "FIFO" : "device node");
		return glass_err_hint(err, "image archives hold JSON documents and blobs only");
	}
	if (c->o->archive && !link_stays_inside(path, target)) {
		glass_err_new(err, EPERM, "symlink to \"%s\" points outside the archive", target);
		return glass_err_hint(err, "an image archive's links must stay inside it");
	}
	int pfd = parent_fd(c, parent, raw, err);
	if (pfd < 0)
		return -1;
	entry_times(e, ts);
	for (int i = 0; i < 2; i++) {
		if (type == AE_IFLNK)
			r = symlinkat(target, pfd, base);
		else
			r = mknodat(pfd, base,
			            (type == AE_IFCHR   ? S_IFCHR
			             : type == AE_IFBLK ? S_IFBLK
			                                : S_IFIFO) |
			                mode,
			            archive_entry_rdev(e));
		if (r == 0 || errno != EEXIST || i == 1)
			break;
		if (remove_existing(c, pfd, base, err) < 0)
			return -1;
	}
	if (r < 0) {
		if (c->o->rootless && type != AE_IFLNK && errno == EPERM)
			return 0; /* no device nodes without CAP_MKNOD */
		return glass_err_new(err, errno, "%s(\"%s\")",
		                     type == AE_IFLNK ? "symlinkat" : "mknodat", base);
	}
	if ((r = set_owner(c, pfd, base, -1, e, err)) < 0)
		return -1;
	if (type != AE_IFLNK && needs_chmod(c, mode, r > 0) && fchmodat(pfd, base, mode, 0) < 0)
		return glass_err_new(err, errno, "fchmodat(\"%s\", 0%o)", base, (unsigned)mode);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return glass_err_new(err, errno, "utimensat(\"%s\")", base);
	return 0;
}

static int extract(struct ctx *c, struct archive_entry *e, struct glass_err **err)
{
	char path[PATH_MAX];
	const char *raw = archive_entry_pathname(e), *parent, *base;
	if (!raw)
		return glass_err_new(err, EINVAL, "entry without a path");
	int why = clean_path(raw, path, sizeof(path));
	if (why < 0)
		return bad_path(why, "the path", raw, err);
	if (!*path) { /* "./": the layer root itself: only its times, set last */
		if (archive_entry_filetype(e) == AE_IFDIR) {
			struct timespec rts[2];
			entry_times(e, rts);
			add_dirtime(c, "", rts);
		}
		return 0;
	}
	cleanup_free char *full = xstrdup(path);
	split(path, &parent, &base);
	if (wait_for_path(c, parent, base, err) < 0)
		return -1;
	bool whiteout = !c->o->no_whiteouts && !c->o->archive && strncmp(base, ".wh.", 4) == 0;
	const char *hl = archive_entry_hardlink(e);
	if (whiteout || hl) {
		int pfd = drain(c, err) < 0 ? -1 : parent_fd(c, parent, raw, err);
		if (pfd < 0)
			return -1;
		return whiteout ? do_whiteout(c, pfd, base, err)
		                : do_hardlink(c, pfd, base, hl, err);
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return extract_dir(c, parent, base, raw, e, err);
	case AE_IFREG:
		return extract_file(c, parent, base, raw, e, err);
	case AE_IFLNK:
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return extract_special(c, parent, base, full, raw, e, err);
	default:
		return 0; /* sockets and unknown types are not extracted */
	}
}

static la_ssize_t read_cb(struct archive *a, void *ud, const void **buf)
{
	struct ctx *c = ud;
	ssize_t n = glass_lstream_next(c->ls, buf, &c->stream_err);
	if (n < 0) {
		archive_set_error(a, EIO, "layer stream failed");
		return -1;
	}
	return n;
}

/* Directory times last: creating entries inside a directory changes its
 * mtime, so tar sets them after everything else, deepest first. */
static void apply_dir_times(struct ctx *c)
{
	for (size_t i = c->ndirs; i-- > 0;) {
		int fd = glass_openat2_beneath(c->root, *c->dirs[i].path ? c->dirs[i].path : ".",
		                               O_RDONLY | O_DIRECTORY, BENEATH);
		if (fd >= 0) {
			futimens(fd, c->dirs[i].ts);
			close(fd);
		}
		free(c->dirs[i].path);
	}
	free(c->dirs);
	c->dirs = NULL;
}

/* The umask, read from /proc/self/status (Linux 4.7) because umask(2)
 * can only be read by changing it; all bits when unknown, so every mode
 * is then set explicitly. */
static mode_t current_umask(void)
{
	cleanup_free char *st = read_file_at(AT_FDCWD, "/proc/self/status", NULL);
	const char *u = st ? strstr(st, "\nUmask:") : NULL;
	return u ? (mode_t)strtoul(u + 7, NULL, 8) & 0777 : 0777;
}

/* The stream's error is the real cause when the tar parser failed on a
 * corrupt compressed stream: prefer it. */
static void take_stream_err(struct ctx *c, struct glass_err **err)
{
	if (!c->stream_err)
		return;
	glass_err_free(err);
	*err = c->stream_err;
	c->stream_err = NULL;
}

/* Parses the whole tar stream, extracting each entry. */
static int extract_all(struct ctx *c, struct glass_unpack_stats *stats, struct glass_err **err)
{
	struct archive_entry *e;
	if (archive_read_open(c->a, c, NULL, read_cb, NULL) != ARCHIVE_OK) {
		glass_err_new(err, EINVAL, "open tar stream: %s", archive_error_string(c->a));
		take_stream_err(c, err);
		return -1;
	}
	for (;;) {
		int r = archive_read_next_header(c->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			glass_err_new(err, EBADMSG, "read tar header: %s",
			              archive_error_string(c->a));
			take_stream_err(c, err);
			return -1;
		}
		if (extract(c, e, err) < 0) {
			take_stream_err(c, err);
			return glass_err_ctx(err, "entry \"%s\"", archive_entry_pathname(e));
		}
		stats->entries++;
	}
	if (c->stream_err) {
		take_stream_err(c, err);
		return -1;
	}
	return drain(c, err);
}

int glass_unpack_fd(int fd, int destfd, const struct glass_unpack_opts *opts,
                    struct glass_unpack_stats *stats, struct glass_err **err)
{
	struct glass_unpack_opts none = {0};
	struct ctx c = {.root = destfd, .o = opts ? opts : &none};
	int rc = -1;
	c.euid = geteuid();
	c.egid = getegid();
	c.umask = current_umask();
	c.opaque_xattr = c.o->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
	memset(stats, 0, sizeof(*stats));
	if (glass_lstream_open(fd, c.o->zlib, c.o->grow, &c.ls, err) < 0)
		goto out;
	stats->compression = glass_compression_name(glass_lstream_compression(c.ls));
	c.pool = unpack_pool_new(c.o);
	c.a = archive_read_new();
	archive_read_support_format_tar(c.a);
	if (extract_all(&c, stats, err) < 0)
		goto out;
	if (glass_lstream_finish(c.ls, stats->diff_id, &stats->bytes, err) < 0)
		goto out;
	rc = 0;
out:
	unpack_pool_free(c.pool); /* joins the writers before the fds they use go */
	free(c.inflight);
	apply_dir_times(&c);
	drop_cache(&c);
	if (c.a)
		archive_read_free(c.a);
	glass_lstream_free(c.ls);
	glass_err_free(&c.stream_err);
	return rc;
}

int glass_unpack_diff_id(int fd, bool zlib, char diff_id[GLASS_DIGEST_LEN], struct glass_err **err)
{
	struct glass_lstream *ls;
	if (glass_lstream_open(fd, zlib, NULL, &ls, err) < 0)
		return -1;
	int rc = glass_lstream_finish(ls, diff_id, NULL, err);
	glass_lstream_free(ls);
	return rc;
}
