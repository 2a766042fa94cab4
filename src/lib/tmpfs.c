/* tmpfs: what a tmpfs mount takes from the directory it covers.
 *
 * A new tmpfs is an empty directory with mode 1777.  Mounted over a
 * directory of the image it hides that directory's files; podman asks
 * for them back with the "tmpcopyup" option (on every --tmpfs, and on
 * /tmp, /var/tmp and /run of --read-only), as Docker's volumes copy an
 * image's content.  The covered directory stays reachable through an fd
 * opened before the mount (an fd names a dentry on its own mount, not a
 * path), so the copy reads from that fd into the new tmpfs: regular files
 * with their content, directories, symlinks, device nodes, fifos and
 * sockets, each with its mode, owner, times and (files and directories)
 * extended attributes, and hard links as links.  Nothing is ever followed:
 * every name is opened relative to its parent's fd with O_NOFOLLOW.
 *
 * Like runc, the tmpfs root takes the covered directory's permission bits
 * unless the mount's options give a mode= of their own.
 */
#include "rootfs-internal.h"
#include "path.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the new tmpfs root */
};

struct copy {
	int root; /* the new tmpfs root */
	const char *dest;
	const char *field;
	struct link_seen *links;
	size_t nlinks, cap;
	size_t entries, linked, skipped_xattrs;
	unsigned long long bytes;
};

static int fail(struct copy *c, const char *rel, const char *what, struct glass_err **err)
{
	return glass_err_field(err, errno, c->field, "%s: tmpcopyup of %s/%s: %s", c->field,
	                       c->dest, rel, what);
}

/* Extended attributes of a file or directory.  trusted.* needs
 * CAP_SYS_ADMIN in the initial user namespace and security.* may be
 * refused by an LSM: those are skipped (counted, noted), other errors
 * fail the copy. */
static int copy_xattrs(struct copy *c, int from, int to, const char *rel, struct glass_err **err)
{
	char names[4096], value[65536];
	ssize_t n = flistxattr(from, names, sizeof(names));
	if (n < 0)
		return errno == ENOTSUP || errno == EOPNOTSUPP ? 0
		                                               : fail(c, rel, "flistxattr", err);
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		ssize_t len = fgetxattr(from, name, value, sizeof(value));
		if (len < 0)
			return fail(c, rel, "fgetxattr", err);
		if (fsetxattr(to, name, value, (size_t)len, 0) == 0)
			continue;
		if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != EACCES)
			return fail(c, rel, "fsetxattr", err);
		glass_trace_note("tmpcopyup", c->field, "%s/%s: xattr %s not copied: %s", c->dest,
		                 rel, name, strerror(errno));
		c->skipped_xattrs++;
	}
	return 0;
}

/* In a user namespace a file of the image may belong to an id the
 * namespace does not map (it shows as the overflow id, 65534): chown(2)
 * says EINVAL, and the copy keeps the namespace's root as owner. */
static bool unmapped_owner(struct copy *c, const struct stat *st, const char *rel)
{
	if (errno != EINVAL)
		return false;
	glass_trace_note("tmpcopyup", c->field,
	                 "%s/%s: owner %u:%u is not mapped in this user namespace: not kept",
	                 c->dest, rel, st->st_uid, st->st_gid);
	return true;
}

/* Owner, permission bits, extended attributes, times, in this order:
 * chown(2) clears the setuid bits and the security.capability xattr. */
static int copy_meta_fd(struct copy *c, int from, int to, const struct stat *st, const char *rel,
                        struct glass_err **err)
{
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	if (fchown(to, st->st_uid, st->st_gid) < 0 && !unmapped_owner(c, st, rel))
		return fail(c, rel, "fchown", err);
	if (fchmod(to, st->st_mode & 07777) < 0)
		return fail(c, rel, "fchmod", err);
	if (copy_xattrs(c, from, to, rel, err) < 0)
		return -1;
	if (futimens(to, t) < 0)
		return fail(c, rel, "futimens", err);
	return 0;
}

static int copy_data(struct copy *c, int from, int to, const struct stat *st, const char *rel,
                     struct glass_err **err)
{
	off_t left = st->st_size;
	while (left > 0) {
		ssize_t n = sendfile(to, from, NULL, (size_t)(left > (1 << 30) ? 1 << 30 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(c, rel, "sendfile", err);
		if (n == 0)
			break; /* the file shrank meanwhile */
		left -= n;
		c->bytes += (unsigned long long)n;
	}
	return 0;
}

static int copy_file(struct copy *c, int from_dir, int to_dir, const char *name,
                     const struct stat *st, const char *rel, struct glass_err **err)
{
	cleanup_close int from = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int to = -1;
	if (from < 0)
		return fail(c, rel, "open", err);
	to = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (to < 0)
		return fail(c, rel, "create", err);
	if (copy_data(c, from, to, st, rel, err) < 0)
		return -1;
	return copy_meta_fd(c, from, to, st, rel, err);
}

/* Symlinks, device nodes, fifos and sockets: made by name, their
 * metadata set by name without following. */
static int copy_special(struct copy *c, int from_dir, int to_dir, const char *name,
                        const struct stat *st, const char *rel, struct glass_err **err)
{
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(from_dir, name, target, sizeof(target) - 1);
		if (n < 0)
			return fail(c, rel, "readlinkat", err);
		target[n] = '\0';
		if (symlinkat(target, to_dir, name) < 0)
			return fail(c, rel, "symlinkat", err);
	} else if (mknodat(to_dir, name, st->st_mode & (S_IFMT | 0600), st->st_rdev) < 0) {
		if (errno != EPERM || !(S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)))
			return fail(c, rel, "mknodat", err);
		/* No CAP_MKNOD (a user namespace): the node is left out. */
		glass_trace_note("tmpcopyup", c->field, "%s/%s: device %u:%u not copied: %s",
		                 c->dest, rel, major(st->st_rdev), minor(st->st_rdev),
		                 strerror(EPERM));
		return 0;
	}
	if (fchownat(to_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    !unmapped_owner(c, st, rel))
		return fail(c, rel, "fchownat", err);
	if (!S_ISLNK(st->st_mode) && fchmodat(to_dir, name, st->st_mode & 07777, 0) < 0)
		return fail(c, rel, "fchmodat", err);
	if (utimensat(to_dir, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, rel, "utimensat", err);
	return 0;
}

/* A second name of an inode already copied: a hard link to the copy.
 * Returns 1 when linked, 0 when the inode is new (remembered). */
static int copy_link(struct copy *c, int to_dir, const char *name, const struct stat *st,
                     const char *rel, struct glass_err **err)
{
	for (size_t i = 0; i < c->nlinks; i++) {
		if (c->links[i].dev != st->st_dev || c->links[i].ino != st->st_ino)
			continue;
		if (linkat(c->root, c->links[i].path, to_dir, name, 0) < 0)
			return fail(c, rel, "linkat", err);
		c->linked++;
		return 1;
	}
	if (c->nlinks == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->links = xrealloc(c->links, c->cap * sizeof(*c->links));
	}
	c->links[c->nlinks++] = (struct link_seen){st->st_dev, st->st_ino, xstrdup(rel)};
	return 0;
}

static int copy_dir(struct copy *c, int from, int to, const char *rel, struct glass_err **err);

static int copy_entry(struct copy *c, int from, int to, const char *name, const char *rel,
                      struct glass_err **err)
{
	struct stat st;
	int r;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, rel, "fstatat", err);
	c->entries++;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		r = copy_link(c, to, name, &st, rel, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	if (S_ISREG(st.st_mode))
		return copy_file(c, from, to, name, &st, rel, err);
	if (!S_ISDIR(st.st_mode))
		return copy_special(c, from, to, name, &st, rel, err);
	if (mkdirat(to, name, 0700) < 0)
		return fail(c, rel, "mkdirat", err);
	cleanup_close int sub_from =
	    openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int sub_to =
	    openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub_from < 0 || sub_to < 0)
		return fail(c, rel, "open directory", err);
	/* The directory's own metadata last: its entries change its times. */
	if (copy_dir(c, sub_from, sub_to, rel, err) < 0)
		return -1;
	return copy_meta_fd(c, sub_from, sub_to, &st, rel, err);
}

static int copy_dir(struct copy *c, int from, int to, const char *rel, struct glass_err **err)
{
	int dfd = dup(from);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	int rc = 0;
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return fail(c, *rel ? rel : ".", "fdopendir", err);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cleanup_free char *sub =
		    *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		rc = copy_entry(c, from, to, de->d_name, sub, err);
	}
	closedir(d);
	return rc;
}

/* True when the filesystem data names a mode ("size=64m,mode=755"). */
static bool has_mode(const char *data)
{
	for (const char *p = data; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, "mode=", 5))
			return true;
	return false;
}

int glass_rootfs_tmpfs_fill(int rootfd, const char *dest, int under,
                            const struct glass_mount_opts *o, const char *field,
                            struct glass_err **err)
{
	struct copy c = {.dest = dest, .field = field};
	struct stat st;
	int rc = 0;

	if (fstat(under, &st) < 0)
		return glass_err_field(err, errno, field, "fstat(%s) before the tmpfs", dest);
	c.root = glass_path_open(rootfd, dest, O_RDONLY | O_DIRECTORY, field, err);
	if (c.root < 0)
		return -1;
	if (!has_mode(o->data) &&
	    GLASS_SYS(err, "fchmod", field, fchmod(c.root, st.st_mode & 07777), "%d</%s>, %#o",
	              c.root, dest, st.st_mode & 07777) < 0) {
		close(c.root);
		return -1;
	}
	if (o->tmpcopyup) {
		glass_trace_note("tmpcopyup", field, "copying the image's %s into the new tmpfs",
		                 dest);
		rc = copy_dir(&c, under, c.root, "", err);
		if (rc == 0)
			glass_trace_note("tmpcopyup", field,
			                 "%s: %zu entries, %llu bytes copied (%zu hard links, %zu "
			                 "xattrs skipped)",
			                 dest, c.entries, c.bytes, c.linked, c.skipped_xattrs);
	}
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].path);
	free(c.links);
	close(c.root);
	return rc;
}
