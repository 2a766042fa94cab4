/* ctr-archive: docker cp's tar streams for the API (archive GET and PUT).
 *
 * A container's files are its own: a symlink in its rootfs may point
 * anywhere ("/etc" -> the host's /etc, once followed from outside), and
 * the container may swap a directory for such a link while a copy runs.
 * So the archive is written and extracted by a child of this process that
 * chroot(2)s into the rootfs first: there every path, ".." and every
 * symlink resolves inside the container's root, whatever it contains or
 * changes.  The child does the work with libarchive, in process, and never
 * executes a program of the container (which, as root in a mere chroot,
 * could leave it).  Extraction also refuses entries with "..", absolute
 * names, or a path through a symlink (libarchive's SECURE flags). */
#include "ctr.h"
#include "lazy-archive.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_NO_PATH 2 /* the child's status: the path does not exist */

/* In the child: into the container's root, then to `dir` within it. */
static int enter(int root, const char *dir)
{
	if (glass_sys_fchdir(root, "rootfs", NULL, NULL) < 0 ||
	    glass_sys_chroot(".", NULL, NULL) < 0 || glass_sys_chdir("/", NULL, NULL) < 0)
		return -1;
	return glass_sys_chdir(*dir ? dir : "/", NULL, NULL);
}

static int copy_data(struct archive *disk, struct archive *out, struct archive_entry *e,
                     const char *name)
{
	if (archive_entry_filetype(e) != AE_IFREG)
		return 0;
	int fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[65536];
	ssize_t n;
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(out, buf, (size_t)n) < 0)
			break;
	close(fd);
	(void)disk;
	return n < 0 ? -1 : 0;
}

/* The child of archive_get: tar of `member` (in the current directory),
 * symlinks archived as symlinks, to fd `out`. */
static int write_tar(const char *member, int out)
{
	struct archive *a = archive_write_new(), *disk = archive_read_disk_new();
	struct archive_entry *e;
	int rc = 0;
	archive_write_set_format_pax_restricted(a);
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_standard_lookup(disk);
	if (archive_write_open_fd(a, out) != ARCHIVE_OK ||
	    archive_read_disk_open(disk, member) != ARCHIVE_OK)
		return 1;
	for (;;) {
		e = archive_entry_new();
		int r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r < ARCHIVE_WARN) {
			archive_entry_free(e);
			rc = 1;
			break;
		}
		archive_read_disk_descend(disk);
		if (archive_write_header(a, e) < ARCHIVE_WARN ||
		    copy_data(disk, a, e, archive_entry_sourcepath(e)) < 0)
			rc = 1;
		archive_entry_free(e);
		if (rc)
			break;
	}
	archive_read_close(disk);
	archive_read_free(disk);
	archive_write_close(a);
	archive_write_free(a);
	return rc;
}

static int read_tar(int in)
{
	struct archive *a = archive_read_new(), *disk = archive_write_disk_new();
	struct archive_entry *e;
	int rc = 0, r;
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_write_disk_set_options(
	    disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
	              ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	              ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open_fd(a, in, 65536) != ARCHIVE_OK) {
		fprintf(stderr, "%s\n", archive_error_string(a));
		return 1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (archive_write_header(disk, e) < ARCHIVE_WARN) {
			fprintf(stderr, "%s: %s\n", archive_entry_pathname(e),
			        archive_error_string(disk));
			rc = 1;
			break;
		}
		const void *buf;
		size_t size;
		la_int64_t off;
		while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(disk, buf, size, off) < ARCHIVE_WARN)
				break;
		if (archive_write_finish_entry(disk) < ARCHIVE_WARN || r < ARCHIVE_WARN) {
			fprintf(stderr, "%s: %s\n", archive_entry_pathname(e),
			        archive_error_string(r < ARCHIVE_WARN ? a : disk));
			rc = 1;
			break;
		}
	}
	if (r != ARCHIVE_EOF && !rc) {
		fprintf(stderr, "%s\n", archive_error_string(a));
		rc = 1;
	}
	archive_read_free(a);
	archive_write_free(disk);
	return rc;
}

static int open_rootfs(const char *ref, struct ctr **c, struct glass_err **err)
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
	cleanup_close int root = open_rootfs(ref, &c, err);
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
	cleanup_free char *copy = xstrdup(*rel ? rel : "/");
	snprintf(st->name, sizeof(st->name), "%s", basename(copy));
	st->size = sb.st_size;
	st->mode = sb.st_mode;
	st->mtime = sb.st_mtim;
	if (S_ISLNK(sb.st_mode) && readlinkat(fd, "", st->link, sizeof(st->link) - 1) < 0)
		st->link[0] = '\0';
	return 0;
}

/* "/a/b" -> "/a" and "b"; "/a/b/." -> "/a/b" and "." (its contents). */
static void split(const char *path, char **dir, char **member)
{
	size_t len = strlen(path);
	if (len >= 2 && strcmp(path + len - 2, "/.") == 0) {
		*dir = xasprintf("%.*s", (int)(len - 2), path);
		*member = xstrdup(".");
		return;
	}
	cleanup_free char *a = xstrdup(path), *b = xstrdup(path);
	*dir = xstrdup(dirname(a));
	*member = xstrdup(basename(b));
}

int ctr_archive_get(const char *ref, const char *path, int *fd, pid_t *pid, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_close int root = open_rootfs(ref, &c, err);
	cleanup_free char *dir = NULL, *member = NULL;
	int p[2];
	/* loaded here: the child cannot once it is in the container's root */
	if (root < 0 || glass_archive_need(err) < 0)
		return -1;
	split(path, &dir, &member);
	if (pipe2(p, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	*pid = fork();
	if (*pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		_exit(enter(root, dir) < 0 ? CHILD_NO_PATH : write_tar(member, p[1]));
	}
	close(p[1]);
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
	cleanup_close int root = open_rootfs(ref, &c, err);
	int pe[2], st = 0;
	if (root < 0 || glass_archive_need(err) < 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pe[1], 2);
		_exit(enter(root, path) < 0 ? CHILD_NO_PATH : read_tar(in));
	}
	close(pe[1]);
	char msg[512] = "";
	ssize_t n = pid > 0 ? read(pe[0], msg, sizeof(msg) - 1) : 0;
	msg[n > 0 ? n : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	close(pe[0]);
	if (pid < 0)
		return glass_err_new(err, errno, "fork");
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == CHILD_NO_PATH)
		return glass_err_new(err, ENOENT,
		                     "extraction point %s in container %s: no such directory", path,
		                     c->name);
	if (st != 0)
		return glass_err_new(err, EINVAL, "extracting the archive into %s: %s", path,
		                     *msg ? msg : "failed");
	return 0;
}
