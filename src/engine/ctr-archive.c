/* ctr-archive: docker cp's tar streams, for the API (archive GET and PUT)
 * and `glass cp` alike.
 *
 * A container's files are its own: a symlink in its rootfs may point
 * anywhere ("/etc" -> the host's /etc, once followed from outside), and
 * the container may swap a directory for such a link while a copy runs.
 * So an archive is written and extracted by a child of this process that
 * chroot(2)s into the root of the files first (the container's rootfs, or
 * the host's directory `glass cp` reads or writes): there every path, ".."
 * and every symlink resolves inside that root, whatever it contains or
 * changes.  The child does the work with libarchive, in process, and never
 * executes a program of the container (which, as root in a mere chroot,
 * could leave it).  Extraction also refuses entries with "..", absolute
 * names, or a path through a symlink (libarchive's SECURE flags).
 *
 * Nor may the child load a library from the container's root, which glibc
 * does on its own (docker's CVE-2019-14271): a user or group name lookup
 * reads the root's /etc/nsswitch.conf and dlopens the libnss_*.so it
 * names, and the first charset conversion reads its gconv-modules, which
 * can map UTF-8 to a module of its own.  So owners are archived by number
 * only, and every conversion is set up before the fork (prime_iconv). */
#include "ctr.h"
#include "lazy-archive.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <langinfo.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_NO_PATH 2 /* the child's status: the path does not exist */

/* glibc reads its iconv configuration once per process, at the first
 * conversion, from the paths it was built with.  Set up here, in this
 * process before the fork (a child of a threaded server must not wait for
 * glibc's locks), it comes from the host's files and the child inherits
 * it; the conversions libarchive makes are between UTF-8 and the locale's
 * charset (C.UTF-8, set by main(), or ASCII on a host without that
 * locale), both built into glibc, so none loads a module in the child. */
static void prime_iconv(void)
{
	const char *cs = nl_langinfo(CODESET);
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	cd = iconv_open(cs, "UTF-8");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

/* In a child: every fd closed but stdio, `a` and `b`: the other end of a
 * pipe held here would keep its reader from ever seeing EOF, or its writer
 * from a SIGPIPE when the reader is gone. */
static void close_fds_but(int a, int b)
{
	int keep[2] = {a < b ? a : b, a < b ? b : a};
	unsigned int from = 3;
	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue;
		if (keep[i] > (int)from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/* In the child: into the root `root`, then to `dir` within it. */
static int enter(int root, const char *dir)
{
	if (glass_sys_fchdir(root, "root", NULL, NULL) < 0 ||
	    glass_sys_chroot(".", NULL, NULL) < 0 || glass_sys_chdir("/", NULL, NULL) < 0)
		return -1;
	return glass_sys_chdir(*dir ? dir : "/", NULL, NULL);
}

/* follow: `name` is the top of a -L copy, a symlink archived as what it
 * points to (in the root); below it, a file is never opened through one. */
static int copy_data(struct archive *out, struct archive_entry *e, const char *name, bool follow)
{
	if (archive_entry_filetype(e) != AE_IFREG)
		return 0;
	int fd = open(name, O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	char buf[65536];
	ssize_t n;
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(out, buf, (size_t)n) < 0)
			break;
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The child of ctr_tar_start: tar of `member` (in the current directory)
 * to fd `out`, symlinks archived as symlinks (but `member` itself followed
 * with `follow`), owners by number: no name lookup (see the top). */
static int write_tar(const char *member, bool follow, int out)
{
	struct archive *a = archive_write_new(), *disk = archive_read_disk_new();
	struct archive_entry *e;
	int rc = 0;
	bool top = true;
	archive_write_set_format_pax_restricted(a);
	/* what docker's archives carry: no ACLs, file flags or sparse maps,
	 * which cost libarchive an open, an ioctl or two lseeks a file */
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS |
	                                         ARCHIVE_READDISK_NO_SPARSE);
	if (follow)
		archive_read_disk_set_symlink_hybrid(disk);
	else
		archive_read_disk_set_symlink_physical(disk);
	if (archive_write_open_fd(a, out) != ARCHIVE_OK ||
	    archive_read_disk_open(disk, member) != ARCHIVE_OK) {
		fprintf(stderr, "glass: archiving %s: %s\n", member, archive_error_string(disk));
		return 1;
	}
	for (;;) {
		e = archive_entry_new();
		int r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r < ARCHIVE_WARN) {
			fprintf(stderr, "glass: archiving %s: %s\n", member,
			        archive_error_string(disk));
			archive_entry_free(e);
			rc = 1;
			break;
		}
		archive_read_disk_descend(disk);
		if (archive_write_header(a, e) < ARCHIVE_WARN ||
		    copy_data(a, e, archive_entry_sourcepath(e), top && follow) < 0)
			rc = 1;
		top = false;
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

/* docker cp's renaming of a copy: the top entry `from` and every entry
 * under it take the name `to` ("t" -> "renamed", "." -> "newdir"); its
 * hard links' targets with them.  Other names stay as they are. */
static char *rebased(const char *name, const char *from, const char *to)
{
	size_t n = strlen(from);
	if (!name || strncmp(name, from, n) != 0 || (name[n] && name[n] != '/'))
		return NULL;
	return xasprintf("%s%s", to, name + n);
}

static void rebase(struct archive_entry *e, const char *from, const char *to)
{
	if (!from)
		return;
	cleanup_free char *path = rebased(archive_entry_pathname(e), from, to);
	cleanup_free char *link = rebased(archive_entry_hardlink(e), from, to);
	if (path)
		archive_entry_set_pathname(e, path);
	if (link)
		archive_entry_set_hardlink(e, link);
}

/* An entry for a directory that exists: its owner, mode and times are
 * left as they are (GNU tar's --no-overwrite-dir; a copy of a "/." into
 * /tmp must not make it 0755). */
static bool existing_dir(struct archive_entry *e)
{
	struct stat st;
	return archive_entry_filetype(e) == AE_IFDIR &&
	       lstat(archive_entry_pathname(e), &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_tar(int in, const char *from, const char *to)
{
	struct archive *a = archive_read_new(), *disk = archive_write_disk_new();
	struct archive_entry *e;
	int rc = 0, r;
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	/* no archive_write_disk_set_standard_lookup: owners by number */
	archive_write_disk_set_options(
	    disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
	              ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	              ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open_fd(a, in, 65536) != ARCHIVE_OK) {
		fprintf(stderr, "%s\n", archive_error_string(a));
		return 1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		rebase(e, from, to);
		if (existing_dir(e))
			continue;
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

void ctr_path_split(const char *path, char **dir, char **member)
{
	size_t len = strlen(path);
	if (len && strspn(path, "/") == len) { /* the root: its contents */
		*dir = xstrdup("/");
		*member = xstrdup(".");
		return;
	}
	if (len >= 2 && strcmp(path + len - 2, "/.") == 0) {
		*dir = xasprintf("%.*s", (int)(len - 2), path);
		*member = xstrdup(".");
		return;
	}
	cleanup_free char *a = xstrdup(path), *b = xstrdup(path);
	*dir = xstrdup(dirname(a));
	*member = xstrdup(basename(b));
}

int ctr_tar_start(int root, const char *path, bool follow, int out, pid_t *pid,
                  struct glass_err **err)
{
	cleanup_free char *dir = NULL, *member = NULL;
	/* loaded here: the child cannot once it is in the root */
	if (glass_archive_need(err) < 0)
		return -1;
	prime_iconv();
	ctr_path_split(path, &dir, &member);
	*pid = fork();
	if (*pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		close_fds_but(root, out);
		_exit(enter(root, dir) < 0 ? CHILD_NO_PATH : write_tar(member, follow, out));
	}
	if (*pid < 0)
		return glass_err_new(err, errno, "fork");
	return 0;
}

int ctr_tar_wait(pid_t pid, const char *path, struct glass_err **err)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == CHILD_NO_PATH)
		return glass_err_new(err, ENOENT, "Could not find the file %s", path);
	if (st != 0)
		return glass_err_new(err, EIO, "archiving %s failed (status %d)", path, st);
	return 0;
}

int ctr_archive_get(const char *ref, const char *path, int *fd, pid_t *pid, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_close int root = open_rootfs(ref, &c, err);
	int p[2];
	if (root < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	int rc = ctr_tar_start(root, path, false, p[1], pid, err);
	close(p[1]);
	if (rc < 0) {
		close(p[0]);
		return -1;
	}
	*fd = p[0];
	return 0;
}

int ctr_untar(int root, const char *dir, int in, const char *from, const char *to,
              struct glass_err **err)
{
	int pe[2], st = 0;
	if (glass_archive_need(err) < 0)
		return -1;
	prime_iconv();
	if (pipe2(pe, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pe[1], 2);
		close_fds_but(root, in);
		_exit(enter(root, dir) < 0 ? CHILD_NO_PATH : read_tar(in, from, to));
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
		return glass_err_new(err, ENOENT, "extraction point %s: no such directory", dir);
	if (st != 0)
		return glass_err_new(err, EINVAL, "extracting the archive into %s: %s", dir,
		                     *msg ? msg : "failed");
	return 0;
}

int ctr_archive_put(const char *ref, const char *path, int in, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_close int root = open_rootfs(ref, &c, err);
	if (root < 0 || ctr_untar(root, path, in, NULL, NULL, err) < 0)
		return root < 0 ? -1 : glass_err_ctx(err, "container %s", c->name);
	return 0;
}
