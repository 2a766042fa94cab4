/* vol-fill: a new, empty named volume mounted over a directory of the
 * image starts as a copy of that directory (docker's behaviour), so an
 * image's /data with its files and owners shows up in the volume.
 *
 * The image's directory is opened with RESOLVE_IN_ROOT: a symlink in the
 * image resolves inside the rootfs, never to the host.  Below it entries
 * are opened relative to their parent with O_NOFOLLOW, and symlinks are
 * copied as symlinks. */
#include "netvol.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_data(int in, int out)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

static int copy_entry(int src, int dst, const char *n, const struct stat *st);

static int copy_dir(int src, int dst)
{
	int fd = dup(src);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int rc = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		else
			rc = copy_entry(src, dst, de->d_name, &st);
	}
	closedir(d);
	return rc;
}

static int copy_entry(int src, int dst, const char *n, const struct stat *st)
{
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t len = readlinkat(src, n, target, sizeof(target) - 1);
		if (len < 0)
			return -1;
		target[len] = '\0';
		if (symlinkat(target, dst, n) < 0)
			return -1;
		return fchownat(dst, n, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
	}
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
		return 0; /* devices, fifos and sockets are not data */
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0);
	cleanup_close int in = openat(src, n, flags);
	cleanup_close int out = -1;
	if (in < 0)
		return -1;
	if (S_ISDIR(st->st_mode)) {
		if (mkdirat(dst, n, 0700) < 0)
			return -1;
		out = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (out < 0 || copy_dir(in, out) < 0)
			return -1;
	} else {
		out = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0 || copy_data(in, out) < 0)
			return -1;
	}
	if (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
		return -1;
	return 0;
}

int engine_vol_fill(const char *rootfs, const char *path, const char *data_dir,
                    struct glass_err **err)
{
	cleanup_close int root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int out = open(data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0 || out < 0)
		return glass_err_new(err, errno, "open(\"%s\")", root < 0 ? rootfs : data_dir);
	int in = glass_sys_openat2(root, "rootfs", path + (path[0] == '/'), O_RDONLY | O_DIRECTORY,
	                           RESOLVE_IN_ROOT, NULL, NULL);
	if (in < 0)
		return 0; /* nothing at that path in the image: the volume stays empty */
	struct stat st;
	int rc = fstat(in, &st);
	if (rc == 0)
		rc = copy_dir(in, out);
	if (rc == 0 &&
	    (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0))
		rc = -1;
	int e = errno;
	close(in);
	if (rc < 0)
		return glass_err_new(err, e, "fill volume %s from the image's %s", data_dir, path);
	return 0;
}
