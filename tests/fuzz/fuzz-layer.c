/* fuzz-layer: libFuzzer target for layer extraction (a tar stream from
 * anyone, possibly gzip or zstd).  Each input is unpacked into a fresh
 * directory inside a sandbox directory; afterwards nothing may exist in
 * the sandbox outside that directory (tar-slip), and a failure must carry
 * an error.  Run as root in a scratch directory.
 *
 * Built with -Dfuzzers=true (tests/fuzz/meson.build, CC=clang), from the
 * library's own source lists.  Run, e.g.:
 *
 *   build-fuzz/tests/fuzz/fuzz-layer -max_total_time=60 CORPUS_DIR
 */
#include "unpack.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char sandbox[64];
	struct glass_err *err = NULL;
	struct glass_unpack_stats st;
	if (!sandbox[0]) {
		snprintf(sandbox, sizeof(sandbox), "/tmp/fuzz-layer.%d", (int)getpid());
		mkdir(sandbox, 0700);
	}
	int sfd = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkdirat(sfd, "layer", 0755);
	int dfd = openat(sfd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int in = memfd_create("layer", MFD_CLOEXEC);
	if (sfd < 0 || dfd < 0 || in < 0 || write(in, data, size) != (ssize_t)size)
		abort();
	lseek(in, 0, SEEK_SET);
	if (glass_unpack_fd(in, dfd, NULL, &st, &err) < 0 && !err)
		abort();
	glass_err_free(&err);
	close(in);
	close(dfd);
	/* the only thing in the sandbox may be the layer directory */
	DIR *d = fdopendir(dup(sfd));
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "layer"))
			abort();
	closedir(d);
	glass_rm_rf_at(sfd, "layer");
	close(sfd);
	return 0;
}
