/* ctr-cp: docker cp, both ways, as a tar stream between two tar processes.
 *
 * docker cp's rules for SRC -> DEST:
 *  - SRC a file: DEST an existing directory receives it under its name;
 *    otherwise DEST is the new file's path (a DEST ending in "/" must be
 *    an existing directory);
 *  - SRC a directory: DEST an existing directory receives SRC as
 *    DEST/basename(SRC), or only SRC's contents when SRC ends in "/.";
 *    a DEST that does not exist is created as a copy of SRC.
 * The container's paths are resolved with openat2(RESOLVE_IN_ROOT) in its
 * rootfs (mounted from create to rm), so a symlink in the container never
 * leads onto the host; tar then works in /proc/self/fd/N of that
 * directory and archives symlinks as symlinks. */
#include "ctr.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct end {
	int dirfd;    /* the directory tar works in (-C) */
	char *member; /* what tar archives there: a name, or "." */
	bool is_dir;
	bool exists;
};

static int open_path(int root, const char *path, bool in_root, int flags)
{
	if (!in_root)
		return open(path, flags | O_CLOEXEC);
	const char *rel = path + strspn(path, "/");
	if (!*rel)
		rel = ".";
	return glass_sys_openat2(root, "rootfs", rel, flags,
	                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, NULL, NULL);
}

static char *base_of(const char *p)
{
	cleanup_free char *copy = xstrdup(p);
	return xstrdup(basename(copy));
}

static char *dir_of(const char *p)
{
	cleanup_free char *copy = xstrdup(p);
	return xstrdup(dirname(copy));
}

/* The source: its parent directory and name (or itself and "." for "/."). */
static int open_src(int root, const char *path, bool in_root, struct end *e, struct glass_err **err)
{
	size_t len = strlen(path);
	bool contents = len >= 2 && strcmp(path + len - 2, "/.") == 0;
	struct stat st;
	int fd = open_path(root, path, in_root, O_PATH);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return glass_err_new(err, errno, "Could not find the file %s", path);
	}
	e->is_dir = S_ISDIR(st.st_mode);
	e->exists = true;
	if (contents && e->is_dir) {
		e->dirfd = fd;
		e->member = xstrdup(".");
		return 0;
	}
	close(fd);
	cleanup_free char *parent = dir_of(path);
	e->dirfd = open_path(root, parent, in_root, O_PATH | O_DIRECTORY);
	e->member = base_of(path);
	if (e->dirfd < 0)
		return glass_err_new(err, errno, "open %s", parent);
	return 0;
}

/* The destination directory to extract in, and the new name of the
 * source's top entry there (NULL: keep it). */
static int open_dst(int root, const char *path, bool in_root, const struct end *src, struct end *e,
                    struct glass_err **err)
{
	struct stat st;
	size_t len = strlen(path);
	int fd = open_path(root, path, in_root, O_PATH);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		e->dirfd = fd;
		e->member = NULL;
		if (strcmp(src->member, ".") == 0 && !src->is_dir)
			return glass_err_new(err, EINVAL, "cp: %s is not a directory", path);
		return 0;
	}
	if (fd >= 0 && !src->is_dir) { /* an existing file is replaced */
		close(fd);
	} else if (fd >= 0) {
		close(fd);
		return glass_err_new(err, ENOTDIR, "cannot copy a directory to the file %s", path);
	} else if (len && path[len - 1] == '/') {
		return glass_err_new(err, ENOENT, "the destination directory %s does not exist",
		                     path);
	}
	cleanup_free char *parent = dir_of(path);
	e->dirfd = open_path(root, parent, in_root, O_PATH | O_DIRECTORY);
	if (e->dirfd < 0)
		return glass_err_new(err, errno, "the destination directory %s does not exist",
		                     parent);
	e->member = base_of(path);
	if (strcmp(src->member, ".") != 0)
		return 0;
	/* a directory's contents into a new directory: make it, extract in it */
	if (mkdirat(e->dirfd, e->member, 0755) < 0)
		return glass_err_new(err, errno, "mkdir %s", path);
	int sub = openat(e->dirfd, e->member, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return glass_err_new(err, errno, "open %s", path);
	close(e->dirfd);
	e->dirfd = sub;
	free(e->member);
	e->member = NULL;
	return 0;
}

/* tar -c | tar -x between the two ends; 0 or -1 with *err. */
static int pipe_tar(const struct end *src, const struct end *dst, struct glass_err **err)
{
	char sdir[64], ddir[64];
	snprintf(sdir, sizeof(sdir), "/proc/self/fd/%d", src->dirfd);
	snprintf(ddir, sizeof(ddir), "/proc/self/fd/%d", dst->dirfd);
	cleanup_free char *xform = NULL;
	if (dst->member && strcmp(src->member, ".") != 0)
		xform = xasprintf("s|^%s|%s|", src->member, dst->member);
	char *cargv[] = {"/bin/tar", "-C", sdir, "-cf", "-", src->member, NULL};
	char *xargv[] = {
	    "/bin/tar", "-C", ddir, "-xf", "-", "--no-overwrite-dir", xform ? "--transform" : NULL,
	    xform,      NULL};
	int p[2], st1 = 0, st2 = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	pid_t c = fork();
	if (c == 0) {
		dup2(p[1], 1);
		fcntl(src->dirfd, F_SETFD, 0);
		execv(cargv[0], cargv);
		_exit(127);
	}
	pid_t x = fork();
	if (x == 0) {
		dup2(p[0], 0);
		fcntl(dst->dirfd, F_SETFD, 0);
		execv(xargv[0], xargv);
		_exit(127);
	}
	close(p[0]);
	close(p[1]);
	if (c > 0)
		waitpid(c, &st1, 0);
	if (x > 0)
		waitpid(x, &st2, 0);
	if (c < 0 || x < 0 || st1 != 0 || st2 != 0)
		return glass_err_new(err, EIO, "tar %s: status %d, extract: status %d", src->member,
		                     st1, st2);
	return 0;
}

int ctr_cp(const char *ref, const char *ctr_path, const char *host_path, bool to_host,
           struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	struct end src = {.dirfd = -1}, dst = {.dirfd = -1};
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", c->dir);
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return glass_err_new(err, errno, "open(\"%s\")", rootfs);
	int rc = open_src(root, to_host ? ctr_path : host_path, to_host, &src, err);
	if (rc == 0)
		rc = open_dst(root, to_host ? host_path : ctr_path, !to_host, &src, &dst, err);
	if (rc == 0)
		rc = pipe_tar(&src, &dst, err);
	if (src.dirfd >= 0)
		close(src.dirfd);
	if (dst.dirfd >= 0)
		close(dst.dirfd);
	free(src.member);
	free(dst.member);
	return rc < 0 ? glass_err_ctx(err, "cp %s", c->name) : 0;
}

/* The container's rootfs, for resolving paths in it. */
static int open_root(const char *ref, struct ctr **c, struct glass_err **err)
{
	if (ctr_find(ref, c, err) < 0)
		return -1;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", (*c)->dir);
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return glass_err_new(err, errno, "open(\"%s\")", rootfs);
	return root;
}

int ctr_path_stat(const char *ref, const char *path, struct ctr_path_stat *st,
                  struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_close int root = open_root(ref, &c, err);
	struct stat sb;
	if (root < 0)
		return -1;
	const char *rel = path + strspn(path, "/");
	/* the entry itself, not what a final symlink points to */
	cleanup_close int fd =
	    glass_sys_openat2(root, "rootfs", *rel ? rel : ".", O_PATH | O_NOFOLLOW,
	                      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, NULL, NULL);
	if (fd < 0 || fstat(fd, &sb) < 0)
		return glass_err_new(err, ENOENT, "Could not find the file %s in container %s",
		                     path, c->name);
	memset(st, 0, sizeof(*st));
	cleanup_free char *base = base_of(*rel ? rel : "/");
	snprintf(st->name, sizeof(st->name), "%s", base);
	st->size = sb.st_size;
	st->mode = sb.st_mode;
	st->mtime = sb.st_mtim;
	if (S_ISLNK(sb.st_mode) && readlinkat(fd, "", st->link, sizeof(st->link) - 1) < 0)
		st->link[0] = '\0';
	return 0;
}

static pid_t spawn_tar(char **argv, int dirfd, int in, int out)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if ((in >= 0 && dup2(in, 0) < 0) || (out >= 0 && dup2(out, 1) < 0))
		_exit(126);
	fcntl(dirfd, F_SETFD, 0);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

int ctr_archive_get(const char *ref, const char *path, int *fd, pid_t *pid, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_close int root = open_root(ref, &c, err);
	struct end src = {.dirfd = -1};
	int p[2];
	if (root < 0 || open_src(root, path, true, &src, err) < 0)
		return -1;
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", src.dirfd);
	char *argv[] = {"/bin/tar", "-C", dir, "-cf", "-", src.member, NULL};
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(src.dirfd);
		free(src.member);
		return glass_err_new(err, errno, "pipe2()");
	}
	*pid = spawn_tar(argv, src.dirfd, -1, p[1]);
	close(p[1]);
	close(src.dirfd);
	free(src.member);
	if (*pid < 0) {
		close(p[0]);
		return glass_err_new(err, errno, "fork");
	}
	*fd = p[0];
	return 0;
}

int ctr_archive_put(const char *ref, const char *path, int in, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_close int root = open_root(ref, &c, err);
	struct stat sb;
	int st = 0;
	if (root < 0)
		return -1;
	cleanup_close int dfd = open_path(root, path, true, O_PATH | O_DIRECTORY);
	if (dfd < 0 || fstat(dfd, &sb) < 0)
		return glass_err_new(err, errno == ENOTDIR ? EINVAL : ENOENT,
		                     "extraction point %s in container %s: %s", path, c->name,
		                     errno == ENOTDIR ? "not a directory" : "no such directory");
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", dfd);
	char *argv[] = {"/bin/tar", "-C", dir, "-xf", "-", "--no-overwrite-dir", NULL};
	pid_t pid = spawn_tar(argv, dfd, in, -1);
	if (pid < 0)
		return glass_err_new(err, errno, "fork");
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (st != 0)
		return glass_err_new(
		    err, EINVAL, "extracting the archive into %s failed (tar status %d)", path, st);
	return 0;
}
