/* fuzz-archive: libFuzzer target for `glass image import FILE`: a whole
 * image archive (a `docker save` tar, an OCI layout as a tar, either
 * possibly compressed) from anyone.  Each input is imported into a fresh
 * store inside a sandbox directory, through glass_import_path(), the
 * function the engine's verb calls.  Afterwards:
 *   - a refusal carries an error;
 *   - nothing exists in the sandbox outside the store and the input
 *     (tar-slip out of the extraction directory);
 *   - the store's tmp/ is empty (the extracted archive is gone on every
 *     path out, issue 12 item 8);
 *   - an import that succeeded named at least one image, and each name
 *     resolves in the store.
 * Run as root in a scratch directory (the store keeps owners).
 *
 *   build-fuzz/tests/fuzz/fuzz-archive -max_total_time=60 tests/fuzz/corpus/fuzz-archive
 * The seeds come from tests/fuzz/make-archive-seeds.py. */
#include "image.h"
#include "manifest.h"
#include "store.h"
#include "transfer.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when directory `rel` below dfd has no entry but . and .. (or is
 * missing). */
static bool empty_dir(int dfd, const char *rel)
{
	int fd = openat(dfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return true;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static void check_sandbox(int sfd)
{
	DIR *d = fdopendir(dup(sfd));
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "root") && strcmp(de->d_name, "in"))
			abort(); /* written outside the store */
	closedir(d);
	if (!empty_dir(sfd, "root/tmp"))
		abort(); /* the extracted archive was left behind */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char sandbox[64], root[96], in[96];
	struct glass_err *err = NULL;
	struct glass_store *s = NULL;
	char **names = NULL;
	if (!sandbox[0]) {
		snprintf(sandbox, sizeof(sandbox), "/tmp/fuzz-archive.%d", (int)getpid());
		snprintf(root, sizeof(root), "%s/root", sandbox);
		snprintf(in, sizeof(in), "%s/in", sandbox);
		mkdir(sandbox, 0700);
	}
	int sfd = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || write_file_atomic_at(sfd, "in", data, size, 0600) < 0)
		abort();
	if (glass_store_open(root, false, &s, &err) < 0)
		abort();
	if (glass_import_path(s, in, NULL, "fuzz", NULL, &names, &err) < 0) {
		if (!err)
			abort(); /* refused without saying why */
		glass_err_free(&err);
	} else {
		if (!names || !names[0])
			abort();
		for (char **n = names; *n; n++) {
			struct glass_image *img = NULL;
			if (glass_image_find(s, *n, &img, NULL) < 0)
				abort(); /* named but not stored */
			glass_image_free(img);
		}
		glass_manifest_strv_free(names);
	}
	glass_store_close(s);
	check_sandbox(sfd);
	glass_rm_rf_at(sfd, "root");
	unlinkat(sfd, "in", 0);
	close(sfd);
	return 0;
}
