/* ctr-cp: `glass cp`, both ways: docker cp's operation over the tar
 * streams of the API's (ctr-archive.c), each end in a child chrooted into
 * its root: the container's rootfs on its side, the source's parent or the
 * destination directory on the host's.  So no symlink of the container,
 * nor one it swaps in during the copy, leads a copy onto the host.
 *
 * docker cp's rules for SRC -> DEST:
 *  - SRC a file: DEST an existing directory receives it under its name;
 *    otherwise DEST is the new file's path (a DEST ending in "/" must be
 *    an existing directory);
 *  - SRC a directory: DEST an existing directory receives SRC as
 *    DEST/basename(SRC), or only SRC's contents when SRC ends in "/.";
 *    a DEST that does not exist is created as a copy of SRC;
 *  - symlinks are copied as symlinks; with -L, a symlink given as SRC is
 *    copied as what it points to (resolved in the container's root on its
 *    side, on the host on the host's), under the link's name;
 *  - "-" as DEST: the tar of SRC on stdout; as SRC: a tar on stdin,
 *    extracted into DEST, an existing directory.
 * The top entry of the stream is renamed to DEST's name in the extracting
 * child (docker's rebase), owners kept by number. */
#include "ctr.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { ABSENT, DIRECTORY, OTHER };

struct cp_src {
	int root;     /* the directory the archiving child chroots into */
	char *path;   /* SRC in that root */
	char *member; /* the stream's top entry: SRC's name or "." */
	char *name;   /* the name a copy takes (the link's, with -L on the host) */
	bool is_dir;
	bool follow;
};

static void cp_src_free(struct cp_src *s)
{
	if (s->root >= 0)
		close(s->root);
	free(s->path);
	free(s->member);
	free(s->name);
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

/* `path` in the container's root, a final symlink followed with `follow`:
 * an O_PATH fd, or -1 */
static int open_in(int rootfs, const char *path, bool follow, int flags)
{
	const char *rel = path + strspn(path, "/");
	return glass_sys_openat2(rootfs, "rootfs", *rel ? rel : ".",
	                         O_PATH | flags | (follow ? 0 : O_NOFOLLOW),
	                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, NULL, NULL);
}

static enum kind kind_in(int rootfs, const char *path)
{
	struct stat st;
	cleanup_close int fd = open_in(rootfs, path, true, 0);
	if (fd < 0 || fstat(fd, &st) < 0)
		return ABSENT;
	return S_ISDIR(st.st_mode) ? DIRECTORY : OTHER;
}

static enum kind kind_on_host(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return ABSENT;
	return S_ISDIR(st.st_mode) ? DIRECTORY : OTHER;
}

static int contents_of_file(const struct cp_src *s, const char *path, struct glass_err **err)
{
	if (strcmp(s->member, ".") == 0 && !s->is_dir)
		return glass_err_new(err, ENOTDIR, "cp: %s is not a directory", path);
	return 0;
}

/* SRC in the container: archived from its root, where -L resolves too. */
static int src_in(int rootfs, const char *path, bool follow, struct cp_src *s,
                  struct glass_err **err)
{
	struct stat st;
	cleanup_close int fd = open_in(rootfs, path, follow, 0);
	cleanup_free char *dir = NULL;
	if (fd < 0 || fstat(fd, &st) < 0)
		return glass_err_new(err, ENOENT, "Could not find the file %s", path);
	s->root = fcntl(rootfs, F_DUPFD_CLOEXEC, 3);
	if (s->root < 0)
		return glass_err_new(err, errno, "dup");
	s->path = xstrdup(path);
	ctr_path_split(path, &dir, &s->member);
	s->name = xstrdup(s->member);
	s->is_dir = S_ISDIR(st.st_mode);
	s->follow = follow;
	return contents_of_file(s, path, err);
}

/* SRC on the host: archived from its parent directory; with -L the link
 * is resolved here, the stream's entry renamed to the link's name. */
static int src_on_host(const char *path, bool follow, struct cp_src *s, struct glass_err **err)
{
	struct stat st;
	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0)
		return glass_err_new(err, errno, "Could not find the file %s", path);
	cleanup_free char *real = follow ? realpath(path, NULL) : NULL;
	cleanup_free char *dir = NULL, *ldir = NULL;
	ctr_path_split(real ? real : path, &dir, &s->member);
	ctr_path_split(path, &ldir, &s->name);
	s->root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root < 0)
		return glass_err_new(err, errno, "open %s", dir);
	s->path = xasprintf("/%s", s->member);
	s->is_dir = S_ISDIR(st.st_mode);
	return contents_of_file(s, path, err);
}

/* Where DEST's copy is extracted: `dir` (DEST itself or its parent) and
 * the top entry's new name `to` (NULL: none). */
static int plan_dst(enum kind k, const char *path, const struct cp_src *s, char **dir, char **to,
                    struct glass_err **err)
{
	size_t len = strlen(path);
	if (k == OTHER && s->is_dir)
		return glass_err_new(err, ENOTDIR, "cannot copy a directory to the file %s", path);
	if (k == ABSENT && len && path[len - 1] == '/')
		return glass_err_new(err, ENOENT, "the destination directory %s does not exist",
		                     path);
	*dir = k == DIRECTORY ? xstrdup(path) : dir_of(path);
	*to = k == DIRECTORY ? xstrdup(s->name) : base_of(path);
	return 0;
}

/* The archiving child's stream into ctr_untar; 0 or -1 with *err. */
static int pipe_copy(const struct cp_src *s, int droot, const char *ddir, const char *to,
                     struct glass_err **err)
{
	struct glass_err *terr = NULL;
	const char *from = strcmp(s->member, to) != 0 ? s->member : NULL;
	int p[2];
	pid_t pid;
	if (pipe2(p, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	if (ctr_tar_start(s->root, s->path, s->follow, p[1], &pid, err) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	int rc = ctr_untar(droot, ddir, p[0], from, from ? to : NULL, err);
	close(p[0]);
	/* the extraction's error first: the archiving child dies of SIGPIPE
	 * when its reader is gone */
	if (ctr_tar_wait(pid, s->path, &terr) < 0 && rc == 0)
		return glass_err_move(err, &terr);
	glass_err_free(&terr);
	return rc;
}

static int to_host(int rootfs, const char *src, const char *dst, bool follow,
                   struct glass_err **err)
{
	struct cp_src s = {.root = -1};
	cleanup_free char *dir = NULL, *to = NULL;
	pid_t pid;
	int rc = src_in(rootfs, src, follow, &s, err);
	if (rc == 0 && strcmp(dst, "-") == 0) {
		rc = ctr_tar_start(s.root, s.path, s.follow, 1, &pid, err);
		rc = rc < 0 ? -1 : ctr_tar_wait(pid, src, err);
	} else if (rc == 0) {
		rc = plan_dst(kind_on_host(dst), dst, &s, &dir, &to, err);
	}
	if (rc == 0 && dir) {
		cleanup_close int droot = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (droot < 0)
			rc = glass_err_new(err, errno,
			                   "the destination directory %s does not exist", dir);
		else if (pipe_copy(&s, droot, "/", to, err) < 0)
			rc = glass_err_ctx(err, "into %s", dir);
	}
	cp_src_free(&s);
	return rc;
}

static int to_ctr(int rootfs, const char *src, const char *dst, bool follow, struct glass_err **err)
{
	struct cp_src s = {.root = -1};
	cleanup_free char *dir = NULL, *to = NULL;
	enum kind k = kind_in(rootfs, dst);
	if (strcmp(src, "-") == 0) {
		if (k != DIRECTORY)
			return glass_err_new(
			    err, ENOTDIR, "the destination %s must be an existing directory", dst);
		return ctr_untar(rootfs, dst, 0, NULL, NULL, err);
	}
	int rc = src_on_host(src, follow, &s, err);
	if (rc == 0)
		rc = plan_dst(k, dst, &s, &dir, &to, err);
	if (rc == 0 && kind_in(rootfs, dir) != DIRECTORY)
		rc = glass_err_new(err, ENOENT, "the destination directory %s does not exist", dir);
	if (rc == 0)
		rc = pipe_copy(&s, rootfs, dir, to, err);
	cp_src_free(&s);
	return rc;
}

int ctr_cp(const char *ref, const char *ctr_path, const char *host_path, bool to_host_side,
           bool follow, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", c->dir);
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return glass_err_new(err, errno, "open(\"%s\")", rootfs);
	int rc = to_host_side ? to_host(root, ctr_path, host_path, follow, err)
	                      : to_ctr(root, host_path, ctr_path, follow, err);
	return rc < 0 ? glass_err_ctx(err, "cp %s", c->name) : 0;
}
