/* Unit tests of path.c: resolution inside a root never escapes it, both
 * through openat2(RESOLVE_IN_ROOT) and through the checked walk.  The
 * tree (a fake rootfs in a temp dir) has the classic escape attempts:
 * absolute symlinks, ".." chains, symlinks to "..", dangling links. */
#include "path.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/glass-test-path.XXXXXX";
static char root[4200], outside[4200];

static void mk(const char *rel, const char *content)
{
	char p[4400];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void ln(const char *target, const char *rel)
{
	char p[4400];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0)
		perror(p);
}

static void md(const char *rel)
{
	char p[4400];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
}

/* True when fd is the same file as root/rel. */
static bool same(int fd, const char *rel)
{
	char p[4400];
	struct stat a, b;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (fd < 0 || fstat(fd, &a) < 0 || lstat(p, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

typedef int (*open_fn)(int rootfd, const char *path, int flags);

static int via_open(int rootfd, const char *path, int flags)
{
	return glass_path_open(rootfd, path, flags, NULL, NULL);
}

static int via_walk(int rootfd, const char *path, int flags)
{
	return glass_path_walk(rootfd, path, flags, 0, 0, NULL, NULL, NULL);
}

static void escapes(int rootfd, open_fn f, const char *how)
{
	int fd;
	fd = f(rootfd, "/etc/passwd", O_RDONLY);
	TAP_OK(same(fd, "etc/passwd"), "%s: plain path", how);
	close(fd);
	fd = f(rootfd, "abs/passwd", O_RDONLY);
	TAP_OK(same(fd, "etc/passwd"), "%s: absolute symlink /etc resolves inside the root", how);
	close(fd);
	fd = f(rootfd, "up/passwd", O_RDONLY);
	TAP_OK(same(fd, "etc/passwd"), "%s: ../../../../etc symlink stays inside", how);
	close(fd);
	fd = f(rootfd, "../../../../../../etc/passwd", O_RDONLY);
	TAP_OK(same(fd, "etc/passwd"), "%s: leading .. chain stays inside", how);
	close(fd);
	fd = f(rootfd, "a/b/dotdot/b/dotdot/../../../etc/passwd", O_RDONLY);
	TAP_OK(same(fd, "etc/passwd"), "%s: symlinks to .. stop at the root", how);
	close(fd);
	fd = f(rootfd, "a/b/toout/secret", O_RDONLY);
	TAP_OK(fd < 0 && errno == ENOENT, "%s: link to the host's outside dir is not followed out",
	       how);
	if (fd >= 0)
		close(fd);
	fd = f(rootfd, "loop", O_RDONLY);
	TAP_OK(fd < 0 && errno == ELOOP, "%s: symlink loop gives ELOOP", how);
	if (fd >= 0)
		close(fd);
	fd = f(rootfd, "etc/passwd/x", O_RDONLY);
	TAP_OK(fd < 0 && errno == ENOTDIR, "%s: a file as a directory gives ENOTDIR", how);
	if (fd >= 0)
		close(fd);
	fd = f(rootfd, "abs", O_PATH | O_NOFOLLOW);
	TAP_OK(same(fd, "abs"), "%s: O_NOFOLLOW opens the final symlink itself", how);
	close(fd);
	fd = f(rootfd, "/", O_PATH | O_DIRECTORY);
	TAP_OK(same(fd, "."), "%s: \"/\" is the root", how);
	close(fd);
	fd = f(rootfd, "abs", O_PATH | O_DIRECTORY);
	TAP_OK(same(fd, "etc"), "%s: O_PATH|O_DIRECTORY through a symlink", how);
	close(fd);
}

int main(void)
{
	int rootfd, fd, hostroot;
	char *res = NULL;
	char p[4400];
	struct stat st;
	struct glass_err *err = NULL;

	if (mkdtemp(base) == NULL)
		return perror("mkdtemp"), 1;
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof(p), "%s/secret", outside);
	fclose(fopen(p, "w"));
	md("etc");
	mk("etc/passwd", "root:x:0:0::/:/bin/sh\n");
	md("a");
	md("a/b");
	ln("/etc", "abs");
	ln("../../../../etc", "up");
	ln("..", "a/b/dotdot");
	ln(outside, "a/b/toout");
	ln("loop", "loop");
	ln("/made/by/link", "dangling");
	ln("/etc", "etclink");

	rootfd = open(root, O_PATH | O_DIRECTORY);
	escapes(rootfd, via_open, "openat2");
	escapes(rootfd, via_walk, "walk");

	fd = glass_path_walk(rootfd, "up/../a/./b/dotdot/../abs/passwd", O_PATH, 0, 0, &res, NULL,
	                     NULL);
	TAP_OK(fd >= 0 && res && strcmp(res, "/etc/passwd") == 0,
	       "walk reports the resolved path: %s", res ? res : "(null)");
	free(res);
	close(fd);

	fd = glass_path_create(rootfd, "dangling", GLASS_PATH_DIR, 0700, NULL, NULL);
	snprintf(p, sizeof(p), "%s/made/by/link", root);
	TAP_OK(fd >= 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	       "a dangling symlink target is created inside the root");
	TAP_OK(stat("/made", &st) < 0, "and nothing on the host");
	close(fd);

	fd = glass_path_create(rootfd, "etclink/sub/newfile", GLASS_PATH_FILE, 0600, NULL, NULL);
	snprintf(p, sizeof(p), "%s/etc/sub/newfile", root);
	TAP_OK(fd >= 0 && stat(p, &st) == 0 && S_ISREG(st.st_mode),
	       "create through an absolute symlink lands inside the root");
	close(fd);

	fd = glass_path_create(rootfd, "a/b/toout/evil", GLASS_PATH_FILE, 0600, NULL, NULL);
	snprintf(p, sizeof(p), "%s/evil", outside);
	TAP_OK(stat(p, &st) < 0, "create through a link to the host's dir does not write outside");
	if (fd >= 0)
		close(fd);

	fd = glass_path_create(rootfd, "etc/passwd/x", GLASS_PATH_DIR, 0755, "mounts[3]", &err);
	TAP_OK(fd < 0 && err && err->field && strcmp(err->field, "mounts[3]") == 0,
	       "errors name the config field");
	glass_err_free(&err);

	/* Magic links: /proc/self/fd/N must not be followed. */
	hostroot = open("/", O_PATH | O_DIRECTORY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", rootfd);
	fd = glass_path_open(hostroot, p, O_PATH, NULL, NULL);
	TAP_OK(fd < 0 && errno == ELOOP, "openat2: /proc/self/fd/N magic link refused");
	if (fd >= 0)
		close(fd);
	fd = glass_path_walk(hostroot, p, O_PATH, 0, 0, NULL, NULL, NULL);
	TAP_OK(fd < 0 && errno == ELOOP, "walk: /proc/self/fd/N magic link refused");
	if (fd >= 0)
		close(fd);
	fd = glass_path_walk(hostroot, "/proc/self/cwd", O_PATH, 0, 0, NULL, NULL, NULL);
	TAP_OK(fd < 0 && errno == ELOOP, "walk: /proc/self/cwd refused");
	if (fd >= 0)
		close(fd);
	fd = glass_path_walk(hostroot, "/proc/self/status", O_RDONLY, 0, 0, NULL, NULL, NULL);
	TAP_OK(fd >= 0, "walk: /proc/self (a plain procfs symlink) is fine");
	if (fd >= 0)
		close(fd);
	close(hostroot);
	close(rootfd);

	snprintf(p, sizeof(p), "rm -rf '%s'", base);
	if (system(p) != 0)
		fprintf(stderr, "cleanup of %s failed\n", base);
	return tap_done();
}
