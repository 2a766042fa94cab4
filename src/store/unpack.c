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
 * cached because consecutive entries usually share their directory. */
#include "unpack.h"
#include "stream.h"
#include "sys.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct dirtime {
	char *path;
	struct timespec ts[2];
};

/* A regular file handed to a writer thread: its data is copied out of
 * libarchive's buffer, the parent directory fd duplicated. */
struct job {
	struct job *next;
	int pfd;
	char *name;
	char *entry; /* for errors */
	char *data;
	size_t len;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool chown;
	struct timespec ts[2];
	char **xnames; /* xattrs: names and values (NULL-terminated names) */
	char **xvals;
	size_t *xlens;
};

/* File creation is the kernel's most expensive part of extraction (inode
 * allocation, directory insertion, journal), so regular files are written
 * by a small pool of threads while the main thread parses the stream.
 * Anything that depends on earlier entries (hard links, whiteouts,
 * replacing an existing entry) first waits for the pool to drain. */
struct pool {
	pthread_t th[4];
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	size_t queued_bytes;
	int busy;
	bool stop;
	struct glass_err *err;
	bool rootless;
	uid_t euid;
	gid_t egid;
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
	int cache_fd;
	struct dirtime *dirs;
	size_t ndirs, capdirs;
	uid_t euid;
	gid_t egid;
	const char *opaque_xattr;
};

#define POOL_MAX_BYTES (96u << 20)
#define POOL_MAX_FILE  (32u << 20)

static void job_free(struct job *j)
{
	if (j->pfd >= 0)
		close(j->pfd);
	for (size_t i = 0; j->xnames && j->xnames[i]; i++) {
		free(j->xnames[i]);
		free(j->xvals[i]);
	}
	free(j->xnames);
	free(j->xvals);
	free(j->xlens);
	free(j->name);
	free(j->entry);
	free(j->data);
	free(j);
}

/* Runs in a writer thread: create, write, own, xattrs, times. */
static int job_run(struct pool *p, struct job *j, struct glass_err **err)
{
	int fd = -1;
	for (int i = 0; i < 2 && fd < 0; i++) {
		fd = openat(j->pfd, j->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		            j->mode);
		if (fd < 0 && errno == EEXIST && i == 0) {
			if (glass_rm_rf_at(j->pfd, j->name) < 0)
				return glass_err_new(err, errno, "remove existing \"%s\"", j->name);
		} else if (fd < 0) {
			return glass_err_new(err, errno, "openat(\"%s\", O_CREAT|O_EXCL)", j->name);
		}
	}
	int rc = 0;
	if (j->len && write_all(fd, j->data, j->len) < 0)
		rc = glass_err_new(err, errno, "write(\"%s\", %zu bytes)", j->name, j->len);
	if (rc == 0 && j->chown && fchown(fd, j->uid, j->gid) < 0 && !p->rootless)
		rc = glass_err_new(err, errno, "fchown(\"%s\", %u, %u)", j->name, j->uid, j->gid);
	if (rc == 0 && j->chown && (j->mode & 07000) && fchmod(fd, j->mode) < 0)
		rc = glass_err_new(err, errno, "fchmod(\"%s\")", j->name);
	for (size_t i = 0; rc == 0 && j->xnames && j->xnames[i]; i++)
		if (fsetxattr(fd, j->xnames[i], j->xvals[i], j->xlens[i], 0) < 0 && !p->rootless &&
		    errno != ENOTSUP)
			rc = glass_err_new(err, errno, "fsetxattr(\"%s\")", j->xnames[i]);
	if (rc == 0 && futimens(fd, j->ts) < 0)
		rc = glass_err_new(err, errno, "futimens(\"%s\")", j->name);
	close(fd);
	return rc;
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head)
			break;
		struct job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->busy++;
		bool failed = p->err != NULL;
		pthread_mutex_unlock(&p->mu);
		struct glass_err *e = NULL;
		if (!failed && job_run(p, j, &e) < 0)
			glass_err_ctx(&e, "entry \"%s\"", j->entry);
		size_t len = j->len;
		job_free(j);
		pthread_mutex_lock(&p->mu);
		if (e && !p->err)
			p->err = e;
		else
			glass_err_free(&e);
		p->busy--;
		p->queued_bytes -= len;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static struct pool *pool_new(bool rootless)
{
	const char *env = getenv("GLASS_UNPACK_THREADS");
	int n = env ? atoi(env) : 2;
	if (n <= 0)
		return NULL;
	struct pool *p = xcalloc(1, sizeof(*p));
	p->rootless = rootless;
	p->euid = geteuid();
	p->egid = getegid();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < n && i < 4; i++)
		if (pthread_create(&p->th[p->nth], NULL, pool_worker, p) == 0)
			p->nth++;
	if (p->nth == 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* Waits until every queued file is written; returns the first error. */
static int pool_drain(struct pool *p, struct glass_err **err)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->head || p->busy)
		pthread_cond_wait(&p->cv, &p->mu);
	struct glass_err *e = p->err;
	p->err = NULL;
	pthread_mutex_unlock(&p->mu);
	if (e) {
		*err = e;
		return -1;
	}
	return 0;
}

static void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	while (p->head) {
		struct job *j = p->head;
		p->head = j->next;
		job_free(j);
	}
	glass_err_free(&p->err);
	free(p);
}

static int pool_submit(struct pool *p, struct job *j, struct glass_err **err)
{
	pthread_mutex_lock(&p->mu);
	while (p->queued_bytes > POOL_MAX_BYTES && !p->err)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->err) {
		*err = p->err;
		p->err = NULL;
		pthread_mutex_unlock(&p->mu);
		job_free(j);
		return -1;
	}
	p->queued_bytes += j->len;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int glass_rm_rf_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -1;
		DIR *d = fdopendir(fd);
		struct dirent *de;
		if (!d) {
			close(fd);
			return -1;
		}
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (glass_rm_rf_at(fd, de->d_name) < 0) {
				int e = errno;
				closedir(d);
				errno = e;
				return -1;
			}
		}
		closedir(d);
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
			return 0;
		if (errno != ENOTEMPTY)
			return -1;
	}
	return -1;
}

/* Canonical relative form of a tar path: no empty or "." components.
 * Refuses absolute paths and any "..". */
static int clean_path(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (in[0] == '/')
		return -1;
	for (const char *p = in; *p;) {
		const char *q = strchr(p, '/');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o + n + 2 > cap)
				return -1;
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
	if (c->cache_fd >= 0)
		close(c->cache_fd);
	c->cache_fd = -1;
	free(c->cache_path);
	c->cache_path = NULL;
}

/* Walks `parent` one component at a time from the root, creating missing
 * directories (implicit parents) and refusing symlinks and non-dirs. */
static int walk_create(struct ctx *c, const char *parent, const char *entry, struct glass_err **err)
{
	char buf[4096];
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

/* An O_PATH fd of the directory `parent` below the root (the root itself
 * for ""), never through a symlink.  Cached: do not close it. */
static int parent_fd(struct ctx *c, const char *parent, const char *entry, struct glass_err **err)
{
	if (!*parent)
		return c->root;
	if (c->cache_path && strcmp(c->cache_path, parent) == 0)
		return c->cache_fd;
	drop_cache(c);
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	                       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	                                  RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
	int fd = (int)syscall(SYS_openat2, c->root, parent, &how, sizeof(how));
	if (fd < 0 && (errno == ENOENT || errno == ENOSYS))
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
		return -1;
	c->cache_fd = fd;
	c->cache_path = xstrdup(parent);
	return fd;
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
	return pool_drain(c->pool, err);
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

static int set_xattrs(struct ctx *c, int fd, struct archive_entry *e, struct glass_err **err)
{
	const char *name;
	const void *value;
	size_t size;
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* A layer must not smuggle overlayfs metadata past the whiteout rules. */
		if (strncmp(name, "trusted.overlay.", 16) == 0 ||
		    strncmp(name, "user.overlay.", 13) == 0)
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
                       const char *entry, struct glass_err **err)
{
	char tpath[4096];
	const char *tparent, *tbase;
	if (clean_path(target, tpath, sizeof(tpath)) < 0 || !*tpath) {
		glass_err_new(err, EPERM, "hard link target \"%s\" leaves the layer", target);
		return glass_err_hint(err, "refusing entry \"%s\"", entry);
	}
	split(tpath, &tparent, &tbase);
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	                       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	                                  RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
	cleanup_close int tfd = *tparent
	                            ? (int)syscall(SYS_openat2, c->root, tparent, &how, sizeof(how))
	                            : dup(c->root);
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

static int submit_file(struct ctx *c, int pfd, const char *base, const char *raw, mode_t mode,
                       const struct timespec ts[2], struct archive_entry *e, struct glass_err **err)
{
	struct job *j = xcalloc(1, sizeof(*j));
	size_t want = (size_t)archive_entry_size(e), got = 0;
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	j->pfd = fcntl(pfd, F_DUPFD_CLOEXEC, 3);
	j->name = xstrdup(base);
	j->entry = xstrdup(raw);
	j->mode = mode;
	j->uid = (uid_t)archive_entry_uid(e);
	j->gid = (gid_t)archive_entry_gid(e);
	j->chown = j->uid != c->euid || j->gid != c->egid;
	memcpy(j->ts, ts, sizeof(j->ts));
	j->data = want ? xmalloc(want) : NULL;
	if (j->pfd < 0) {
		job_free(j);
		return glass_err_new(err, errno, "dup(parent of \"%s\")", base);
	}
	while ((r = archive_read_data_block(c->a, &buf, &size, &off)) == ARCHIVE_OK) {
		if ((size_t)off != got || got + size > want) {
			job_free(j);
			return glass_err_new(err, EBADMSG, "file data does not match its size");
		}
		memcpy(j->data + got, buf, size);
		got += size;
	}
	if (r != ARCHIVE_EOF || got != want) {
		job_free(j);
		return glass_err_new(err, archive_errno(c->a) > 0 ? archive_errno(c->a) : EIO,
		                     "read tar data: %s", archive_error_string(c->a));
	}
	j->len = want;
	size_t nx = (size_t)archive_entry_xattr_reset(e), k = 0;
	if (nx) {
		const char *xn;
		const void *xv;
		size_t xl;
		j->xnames = xcalloc(nx + 1, sizeof(char *));
		j->xvals = xcalloc(nx + 1, sizeof(char *));
		j->xlens = xcalloc(nx + 1, sizeof(size_t));
		while (archive_entry_xattr_next(e, &xn, &xv, &xl) == ARCHIVE_OK && k < nx) {
			if (strncmp(xn, "trusted.overlay.", 16) == 0 ||
			    strncmp(xn, "user.overlay.", 13) == 0)
				continue;
			j->xnames[k] = xstrdup(xn);
			j->xvals[k] = xmalloc(xl + 1);
			memcpy(j->xvals[k], xv, xl);
			j->xlens[k++] = xl;
		}
	}
	return pool_submit(c->pool, j, err);
}

static int extract(struct ctx *c, struct archive_entry *e, struct glass_err **err)
{
	char path[4096];
	const char *raw = archive_entry_pathname(e), *parent, *base;
	if (!raw)
		return glass_err_new(err, EINVAL, "entry without a path");
	if (clean_path(raw, path, sizeof(path)) < 0) {
		glass_err_new(err, EPERM, "refusing entry \"%s\": the path leaves the layer", raw);
		return glass_err_hint(err, "tar entries must be relative and must not use \"..\"");
	}
	if (!*path) { /* "./": the layer root itself: only its times, set last */
		if (archive_entry_filetype(e) == AE_IFDIR) {
			struct timespec rts[2];
			entry_times(e, rts);
			add_dirtime(c, "", rts);
		}
		return 0;
	}
	split(path, &parent, &base);
	/* The same path, or one of its ancestors, still queued as a file: let
	 * the writers finish so that entries apply in archive order. */
	if (c->ninflight) {
		bool hit = inflight_has(c, path_hash(parent, base));
		char pp[4096];
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
		if (hit && drain(c, err) < 0)
			return -1;
	}
	int pfd = parent_fd(c, parent, raw, err);
	if (pfd < 0)
		return -1;
	if (!c->o->no_whiteouts && strncmp(base, ".wh.", 4) == 0)
		return drain(c, err) < 0 ? -1 : do_whiteout(c, pfd, base, err);
	const char *hl = archive_entry_hardlink(e);
	if (hl)
		return drain(c, err) < 0 ? -1 : do_hardlink(c, pfd, base, hl, raw, err);

	mode_t mode = archive_entry_perm(e) & 07777;
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];
	entry_times(e, ts);
	int r;
	switch (type) {
	case AE_IFDIR: {
		struct stat st;
		if (mkdirat(pfd, base, mode) < 0) {
			if (errno != EEXIST)
				return glass_err_new(err, errno, "mkdirat(\"%s\")", base);
			if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    !S_ISDIR(st.st_mode)) {
				if (remove_existing(c, pfd, base, err) < 0)
					return -1;
				pfd = parent_fd(c, parent, raw, err);
				if (pfd < 0 || mkdirat(pfd, base, mode) < 0)
					return glass_err_new(err, errno, "mkdirat(\"%s\")", base);
			} else if (fchmodat(pfd, base, mode, 0) < 0) {
				return glass_err_new(err, errno, "fchmodat(\"%s\")", base);
			}
		}
		cleanup_close int d =
		    openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (d < 0)
			return glass_err_new(err, errno, "open(\"%s\")", base);
		if ((r = set_owner(c, pfd, base, d, e, err)) < 0)
			return -1;
		if (r > 0 && (mode & 07000) && fchmod(d, mode) < 0)
			return glass_err_new(err, errno, "fchmod(\"%s\")", base);
		if (set_xattrs(c, d, e, err) < 0)
			return -1;
		cleanup_free char *full = xasprintf("%s%s%s", parent, *parent ? "/" : "", base);
		add_dirtime(c, full, ts);
		return 0;
	}
	case AE_IFREG: {
		if (c->pool && archive_entry_sparse_count(e) == 0 && archive_entry_size(e) >= 0 &&
		    archive_entry_size(e) <= (la_int64_t)POOL_MAX_FILE) {
			inflight_add(c, path_hash(parent, base));
			return submit_file(c, pfd, base, raw, mode, ts, e, err);
		}
		int fd = -1;
		for (int i = 0; i < 2 && fd < 0; i++) {
			fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			            mode);
			if (fd < 0 && errno == EEXIST && i == 0) {
				if (remove_existing(c, pfd, base, err) < 0)
					return -1;
				pfd = parent_fd(c, parent, raw, err);
				if (pfd < 0)
					return -1;
			} else if (fd < 0) {
				return glass_err_new(err, errno, "openat(\"%s\", O_CREAT|O_EXCL)",
				                     base);
			}
		}
		if (write_data(c, fd, e, err) < 0 ||
		    (r = set_owner(c, pfd, base, fd, e, err)) < 0 ||
		    (r > 0 && (mode & 07000) && fchmod(fd, mode) < 0 &&
		     glass_err_new(err, errno, "fchmod(\"%s\")", base)) ||
		    set_xattrs(c, fd, e, err) < 0) {
			close(fd);
			return -1;
		}
		if (futimens(fd, ts) < 0) {
			close(fd);
			return glass_err_new(err, errno, "futimens(\"%s\")", base);
		}
		close(fd);
		return 0;
	}
	case AE_IFLNK:
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		for (int i = 0; i < 2; i++) {
			if (type == AE_IFLNK)
				r = symlinkat(archive_entry_symlink(e) ? archive_entry_symlink(e)
				                                       : "",
				              pfd, base);
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
			pfd = parent_fd(c, parent, raw, err);
			if (pfd < 0)
				return -1;
		}
		if (r < 0) {
			if (c->o->rootless && type != AE_IFLNK && errno == EPERM)
				return 0; /* no device nodes without CAP_MKNOD */
			return glass_err_new(err, errno, "%s(\"%s\")",
			                     type == AE_IFLNK ? "symlinkat" : "mknodat", base);
		}
		if (set_owner(c, pfd, base, -1, e, err) < 0)
			return -1;
		if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return glass_err_new(err, errno, "utimensat(\"%s\")", base);
		return 0;
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
	struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	                       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV};
	for (size_t i = c->ndirs; i-- > 0;) {
		int fd = *c->dirs[i].path ? (int)syscall(SYS_openat2, c->root, c->dirs[i].path,
		                                         &how, sizeof(how))
		                          : dup(c->root);
		if (fd >= 0) {
			futimens(fd, c->dirs[i].ts);
			close(fd);
		}
		free(c->dirs[i].path);
	}
	free(c->dirs);
	c->dirs = NULL;
}

int glass_unpack_fd(int fd, int destfd, const struct glass_unpack_opts *opts,
                    struct glass_unpack_stats *stats, struct glass_err **err)
{
	struct glass_unpack_opts none = {0};
	struct ctx c = {.root = destfd, .o = opts ? opts : &none, .cache_fd = -1};
	struct archive_entry *e;
	int rc = -1;
	mode_t old_umask = umask(0);
	c.euid = geteuid();
	c.egid = getegid();
	c.opaque_xattr = c.o->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
	memset(stats, 0, sizeof(*stats));
	if (glass_lstream_open(fd, &c.ls, err) < 0)
		goto out;
	stats->compression = glass_compression_name(glass_lstream_compression(c.ls));
	c.pool = pool_new(c.o->rootless);
	c.a = archive_read_new();
	archive_read_support_format_tar(c.a);
	if (archive_read_open(c.a, &c, NULL, read_cb, NULL) != ARCHIVE_OK) {
		if (c.stream_err) {
			*err = c.stream_err;
			c.stream_err = NULL;
		} else {
			glass_err_new(err, EINVAL, "open tar stream: %s",
			              archive_error_string(c.a));
		}
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(c.a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (c.stream_err) {
				*err = c.stream_err;
				c.stream_err = NULL;
			} else {
				glass_err_new(err, EBADMSG, "read tar header: %s",
				              archive_error_string(c.a));
			}
			goto out;
		}
		if (extract(&c, e, err) < 0) {
			if (c.stream_err) { /* the real cause: corrupt compressed data */
				glass_err_free(err);
				*err = c.stream_err;
				c.stream_err = NULL;
			}
			glass_err_ctx(err, "entry \"%s\"", archive_entry_pathname(e));
			goto out;
		}
		stats->entries++;
	}
	if (c.stream_err) {
		*err = c.stream_err;
		c.stream_err = NULL;
		goto out;
	}
	if (drain(&c, err) < 0)
		goto out;
	if (glass_lstream_finish(c.ls, stats->diff_id, &stats->bytes, err) < 0)
		goto out;
	rc = 0;
out:
	pool_free(c.pool); /* joins the writers before the fds they use go */
	free(c.inflight);
	apply_dir_times(&c);
	drop_cache(&c);
	if (c.a)
		archive_read_free(c.a);
	glass_lstream_free(c.ls);
	glass_err_free(&c.stream_err);
	umask(old_umask);
	return rc;
}
