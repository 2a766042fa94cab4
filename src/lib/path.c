/* path: see path.h. */
#include "path.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

/* Frees the walk and fails with errno `e`, naming the field. */
#define WALK_FAIL(e, ...)                                                                          \
	do {                                                                                       \
		int _e = (e);                                                                      \
		walk_free(&w);                                                                     \
		glass_err_field(err, _e, field, __VA_ARGS__);                                      \
		errno = _e;                                                                        \
		return -1;                                                                         \
	} while (0)

/* Linux's own limit on symlinks followed in one lookup. */
#define MAX_SYMLINKS 40

char *glass_path_fd_name(int fd)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return xstrdup("?");
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The directories entered so far: dirs[0] is the root (not owned). */
struct walk {
	int *fds;
	char **names;
	size_t depth, cap;
};

static void walk_push(struct walk *w, int fd, const char *name)
{
	if (w->depth + 1 >= w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->fds = xrealloc(w->fds, w->cap * sizeof(*w->fds));
		w->names = xrealloc(w->names, w->cap * sizeof(*w->names));
	}
	w->depth++;
	w->fds[w->depth] = fd;
	w->names[w->depth] = xstrdup(name);
}

static void walk_pop(struct walk *w)
{
	if (w->depth == 0)
		return; /* ".." at the root stays at the root */
	close(w->fds[w->depth]);
	free(w->names[w->depth]);
	w->depth--;
}

static void walk_free(struct walk *w)
{
	int saved = errno;
	while (w->depth > 0)
		walk_pop(w);
	free(w->fds);
	free(w->names);
	errno = saved;
}

static char *walk_resolved(const struct walk *w)
{
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 1; i <= w->depth; i++)
		strbuf_printf(&b, "/%s", w->names[i]);
	if (b.len == 0)
		strbuf_append(&b, "/", 1);
	return strbuf_steal(&b);
}

/* Takes the next component off *rest into comp; false when none is left. */
static bool next_component(const char **rest, char *comp, size_t size, bool *too_long)
{
	const char *p = *rest, *end;
	while (*p == '/')
		p++;
	if (*p == '\0') {
		*rest = p;
		return false;
	}
	end = strchrnul(p, '/');
	*too_long = (size_t)(end - p) >= size;
	snprintf(comp, size, "%.*s", (int)(end - p), p);
	*rest = end;
	return true;
}

static bool only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return *s == '\0';
}

/* Reads the target of the symlink open (O_PATH|O_NOFOLLOW) as fd. */
static char *read_link_fd(int fd)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(fd, "", buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The links of /proc/PID/ that jump to an object rather than a path
 * (fd/N, cwd, root, exe, ns/X, map_files/X): RESOLVE_NO_MAGICLINKS. */
static bool is_magic_link(int fd, const char *parent, const char *name)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return false;
	if (strcmp(name, "cwd") == 0 || strcmp(name, "root") == 0 || strcmp(name, "exe") == 0)
		return true;
	return parent && (strcmp(parent, "fd") == 0 || strcmp(parent, "ns") == 0 ||
	                  strcmp(parent, "map_files") == 0);
}

/* Creates the missing entry `name` in the directory w->fds[depth]. */
static int create_entry(struct walk *w, const char *name, bool dir, mode_t mode, const char *field,
                        struct glass_err **err)
{
	int dfd = w->fds[w->depth], fd;
	if (dir) {
		if (glass_sys_mkdirat(dfd, name, mode, field, NULL) < 0 && errno != EEXIST) {
			int e = errno;
			cleanup_free char *where = glass_path_fd_name(dfd);
			glass_err_field(err, e, field, "mkdirat(%s, \"%s\", 0%o)", where, name,
			                (unsigned)mode);
			errno = e;
			return -1;
		}
		return 0;
	}
	fd = glass_sys_openat(dfd, "dir", name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, mode,
	                      field, NULL);
	if (fd < 0 && errno != EEXIST) {
		int e = errno;
		cleanup_free char *where = glass_path_fd_name(dfd);
		glass_err_field(err, e, field, "create file %s/%s", where, name);
		errno = e;
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int glass_path_walk(int rootfd, const char *path, int flags, enum glass_path_kind kind, mode_t mode,
                    char **resolved, const char *field, struct glass_err **err)
{
	struct walk w = {0};
	cleanup_free char *buf = xstrdup(path);
	const char *rest = buf;
	char comp[NAME_MAX + 2];
	bool too_long = false, last_is_link = false;
	int links = 0, fd;

	w.cap = 16;
	w.fds = xcalloc(w.cap, sizeof(*w.fds));
	w.names = xcalloc(w.cap, sizeof(*w.names));
	w.fds[0] = rootfd;
	w.names[0] = NULL;

	while (next_component(&rest, comp, sizeof(comp), &too_long)) {
		bool last = only_slashes(rest);
		struct stat st;
		if (too_long) {
			WALK_FAIL(ENAMETOOLONG, "resolve \"%s\" in root", path);
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			walk_pop(&w);
			continue;
		}
		fd = openat(w.fds[w.depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && kind != 0) {
			bool dir = !last || kind == GLASS_PATH_DIR;
			if (create_entry(&w, comp, dir, last ? mode : 0755, field, err) < 0) {
				walk_free(&w);
				return -1;
			}
			fd = openat(w.fds[w.depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int e = errno;
			cleanup_free char *at = walk_resolved(&w);
			WALK_FAIL(e, "resolve \"%s\" in root: %s%s%s", path, at,
			          strcmp(at, "/") ? "/" : "", comp);
		}
		if (fstat(fd, &st) < 0) {
			int e = errno;
			close(fd);
			WALK_FAIL(e, "fstat(\"%s\")", comp);
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			cleanup_free char *target = NULL;
			char *joined;
			if (is_magic_link(fd, w.names[w.depth], comp)) {
				close(fd);
				WALK_FAIL(ELOOP,
				          "resolve \"%s\" in root: \"%s\" is a /proc magic link",
				          path, comp);
			}
			target = read_link_fd(fd);
			close(fd);
			if (target == NULL || ++links > MAX_SYMLINKS) {
				int e = target ? ELOOP : errno;
				WALK_FAIL(e, "resolve \"%s\" in root", path);
			}
			/* The link's target replaces it: an absolute one restarts
			 * at the root (never the host's "/"), a relative one goes
			 * on from the directory holding the link. */
			if (target[0] == '/')
				while (w.depth > 0)
					walk_pop(&w);
			joined = xasprintf("%s/%s", target, rest);
			free(buf);
			buf = joined;
			rest = buf;
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			close(fd);
			WALK_FAIL(ENOTDIR, "resolve \"%s\" in root: \"%s\"", path, comp);
		}
		last_is_link = S_ISLNK(st.st_mode);
		walk_push(&w, fd, comp);
	}

	if (resolved)
		*resolved = walk_resolved(&w);
	if (w.depth == 0) {
		fd = openat(rootfd, ".", flags | O_CLOEXEC);
	} else if ((flags & O_PATH) && (last_is_link || !(flags & O_DIRECTORY))) {
		fd = dup(w.fds[w.depth]);
		if (fd >= 0)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	} else {
		/* Reopen by name with O_NOFOLLOW: if the entry was swapped for
		 * a symlink since it was checked, this fails with ELOOP. */
		fd = openat(w.fds[w.depth - 1], w.names[w.depth], flags | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;
		if (resolved) {
			free(*resolved);
			*resolved = NULL;
		}
		WALK_FAIL(e, "open \"%s\" in root", path);
	}
	walk_free(&w);
	return fd;
}

int glass_path_open(int rootfd, const char *path, int flags, const char *field,
                    struct glass_err **err)
{
	struct glass_err *e = NULL;
	int fd = -1;
	for (int tries = 0; tries < 8; tries++) {
		glass_err_free(&e);
		fd = glass_sys_openat2(rootfd, "root", path, flags,
		                       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, field, &e);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS && errno != E2BIG && errno != EPERM && errno != EAGAIN)
		return glass_err_move(err, &e);
	/* No openat2 (older kernel, or a seccomp filter): walk instead. */
	glass_err_free(&e);
	return glass_path_walk(rootfd, path, flags, 0, 0, NULL, field, err);
}

int glass_path_create(int rootfd, const char *path, enum glass_path_kind kind, mode_t mode,
                      const char *field, struct glass_err **err)
{
	struct glass_err *e = NULL;
	int fd = glass_path_open(rootfd, path, O_PATH, field, &e);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return glass_err_move(err, &e);
	glass_err_free(&e);
	return glass_path_walk(rootfd, path, O_PATH, kind, mode, NULL, field, err);
}
