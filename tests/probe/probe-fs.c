/* glass-probe fs: file operations done from inside a container, timed,
 * each reported as ONE JSON object (the overlay experiment runs them in a
 * container whose root is an overlay mount, so each one goes through it).
 *
 *   glass-probe fs write PATH      opens PATH for writing (no O_TRUNC) and
 *       writes one byte at offset 0, twice: {"path","size","first_us",
 *       "second_us"} (on overlayfs the first open of a lower file copies
 *       it up whole; the second finds it in the upper layer)
 *   glass-probe fs unlink PATH     {"ret","errname"}
 *   glass-probe fs rmtree-mkdir PATH   removes PATH and what it holds, makes
 *       it again with one new file in it: {"removed","ret","errname"}
 *   glass-probe fs rename SRC DST  rename(2) as it is, no copy fallback
 *   glass-probe fs link SRC DST    link(2)
 *   glass-probe fs fill PATH MB    writes MB MiB into a new file PATH:
 *       {"path","bytes","us"}
 *   glass-probe fs serve           reads one operation per line on stdin
 *       (OP, then its arguments, separated by tabs) and answers each with
 *       one JSON line, until stdin ends: a process that stays in the
 *       container so every operation goes through the same mounts
 * Exit 0 when the operation succeeded, 1 when the kernel refused it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int result(const char *op, int ret, int e)
{
	j_str("op", op);
	j_int("ret", ret);
	j_str("errname", ret < 0 ? errname(e) : NULL);
	j_str("error", ret < 0 ? strerror(e) : NULL);
	j_close('}');
	putchar('\n');
	return ret < 0 ? 1 : 0;
}

/* One open-for-write plus a one-byte write: the copy-up happens at open. */
static long long write_once(const char *path, int *err)
{
	long long t = now_us();
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, "g", 1, 0) != 1) {
		*err = errno;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return now_us() - t;
}

static int fs_write(const char *path)
{
	struct stat st;
	int e = 0;
	j_str("path", path);
	if (stat(path, &st) < 0)
		return result("write", -1, errno);
	j_int("size", (long long)st.st_size);
	long long first = write_once(path, &e);
	if (first < 0)
		return result("write", -1, e);
	long long second = write_once(path, &e);
	if (second < 0)
		return result("write", -1, e);
	j_int("first_us", first);
	j_int("second_us", second);
	return result("write", 0, 0);
}

static int rm_tree(int dfd, const char *name, int *count)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				rm_tree(fd, de->d_name, count);
		if (d)
			closedir(d);
		if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
			return -1;
	} else if (unlinkat(dfd, name, 0) < 0) {
		return -1;
	}
	++*count;
	return 0;
}

static int fs_rmtree_mkdir(const char *path)
{
	int removed = 0;
	j_str("path", path);
	if (rm_tree(AT_FDCWD, path, &removed) < 0)
		return result("rmtree", -1, errno);
	j_int("removed", removed);
	if (mkdir(path, 0755) < 0)
		return result("mkdir", -1, errno);
	char file[4096];
	snprintf(file, sizeof(file), "%s/made-after", path);
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return result("create", -1, errno);
	close(fd);
	return result("rmtree-mkdir", 0, 0);
}

static int fs_fill(const char *path, long mb)
{
	static char block[1 << 20];
	memset(block, 0x47, sizeof(block));
	j_str("path", path);
	long long t = now_us();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return result("fill", -1, errno);
	for (long i = 0; i < mb; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
			int e = errno;
			close(fd);
			return result("fill", -1, e);
		}
	close(fd);
	j_int("bytes", (long long)mb << 20);
	j_int("us", now_us() - t);
	return result("fill", 0, 0);
}

static int fs_serve(void)
{
	char line[8192];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		char *argv[4] = {0};
		int argc = 0;
		for (char *save = NULL, *w = strtok_r(line, "\t", &save); w && argc < 3;
		     w = strtok_r(NULL, "\t", &save))
			argv[argc++] = w;
		if (argc < 2) {
			printf("{\"op\":null,\"ret\":-1,\"errname\":\"EINVAL\"}\n");
			continue;
		}
		j_reset();
		probe_mode_fs(argc, argv);
		fflush(stdout);
	}
	return 0;
}

int probe_mode_fs(int argc, char **argv)
{
	if (argc == 1 && !strcmp(argv[0], "serve"))
		return fs_serve();
	if (argc < 2)
		usage_exit(
		    "fs write|unlink|rmtree-mkdir PATH | rename|link SRC DST | fill PATH MB");
	j_open(NULL, '{');
	const char *op = argv[0];
	if (!strcmp(op, "write") && argc == 2)
		return fs_write(argv[1]);
	if (!strcmp(op, "unlink") && argc == 2) {
		j_str("path", argv[1]);
		int r = unlink(argv[1]);
		return result(op, r, errno);
	}
	if (!strcmp(op, "rmtree-mkdir") && argc == 2)
		return fs_rmtree_mkdir(argv[1]);
	if (!strcmp(op, "rename") && argc == 3) {
		j_str("from", argv[1]);
		j_str("to", argv[2]);
		int r = rename(argv[1], argv[2]);
		return result(op, r, errno);
	}
	if (!strcmp(op, "link") && argc == 3) {
		j_str("from", argv[1]);
		j_str("to", argv[2]);
		int r = link(argv[1], argv[2]);
		return result(op, r, errno);
	}
	if (!strcmp(op, "fill") && argc == 3)
		return fs_fill(argv[1], atol(argv[2]));
	j_str("op", op);
	j_int("ret", -1);
	j_str("errname", "EINVAL");
	j_str("error", "unknown operation or arguments");
	j_close('}');
	putchar('\n');
	return 2;
}
