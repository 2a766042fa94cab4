/* Unit test of the CVE-2019-5736 defense: this program runs itself with
 * the verb "exec" in argv, so glass_selfexe_protect() re-executes it from a
 * sealed memfd; the sealed instance then checks what the kernel says about
 * its own executable. */
#include "selfexe.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	struct glass_err *err = NULL;
	char *args[] = {argv[0], "exec", NULL};
	char link[256] = {0};
	int fd, e;

	if (argc < 2) {
		/* First instance: not sealed, and "state" would not seal. */
		char *state[] = {argv[0], "state", NULL};
		char *run[] = {argv[0], "run", NULL};
		TAP_OK(!glass_selfexe_needed(2, state), "verb state skips the copy");
		TAP_OK(glass_selfexe_needed(2, args), "verb exec needs the copy");
		TAP_OK(!glass_selfexe_needed(2, run),
		       "verb run decides later, with the config (glass_selfexe_guard)");
		TAP_OK(!glass_selfexe_is_sealed(), "the binary on disk is not sealed");
		TAP_OK(glass_selfexe_protect(2, state, &err) == 0 && !glass_selfexe_is_sealed(),
		       "protect() with state returns without re-exec");
		fflush(stdout);
		/* Continue the numbering in the sealed instance, and tell it
		 * which file it was copied from. */
		setenv("TEST_SELFEXE_N", "5", 1);
		if (readlink("/proc/self/exe", link, sizeof(link) - 1) > 0)
			setenv("TEST_SELFEXE_ORIG", link, 1);
		glass_selfexe_protect(2, args, &err);
		TAP_OK(0, "re-exec did not happen: %s", err ? err->op : "?");
		return tap_done();
	}
	tap_n = atoi(getenv("TEST_SELFEXE_N") ? getenv("TEST_SELFEXE_N") : "0");
	TAP_OK(glass_selfexe_protect(argc, argv, &err) == 0, "sealed instance accepted");
	TAP_OK(getenv(GLASS_SELFEXE_ENV) == NULL, "marker removed from the environment");
	TAP_OK(glass_selfexe_is_sealed(), "/proc/self/exe carries the four seals");
	readlink("/proc/self/exe", link, sizeof(link) - 1);
	TAP_OK(!strncmp(link, "/memfd:glass-runtime", 20), "/proc/self/exe -> %s", link);
	/* A sealed, executing memfd: the kernel refuses a writable open while
	 * the file is executed (ETXTBSY); where it does not, the seals refuse
	 * the write and the truncation (EPERM).  Nothing else is right. */
	fd = open("/proc/self/exe", O_WRONLY);
	e = errno;
	if (fd >= 0) {
		ssize_t n = write(fd, "x", 1);
		e = errno;
		TAP_OK(n < 0 && e == EPERM, "write to /proc/self/exe fails EPERM (%s)",
		       strerrorname_np(e));
		close(fd);
	} else {
		TAP_OK(e == ETXTBSY, "open(/proc/self/exe, O_WRONLY) fails ETXTBSY (%s)",
		       strerrorname_np(e));
	}
	fd = open("/proc/self/exe", O_RDWR);
	e = errno;
	if (fd >= 0) {
		e = ftruncate(fd, 0) < 0 ? errno : 0;
		close(fd);
		TAP_OK(e == EPERM, "ftruncate of the sealed binary fails EPERM (%s)",
		       strerrorname_np(e));
	} else {
		TAP_OK(e == ETXTBSY, "open(/proc/self/exe, O_RDWR) fails ETXTBSY (%s)",
		       strerrorname_np(e));
	}
	/* The copy is the whole program, byte for byte, after those attempts. */
	const char *orig = getenv("TEST_SELFEXE_ORIG");
	size_t la = 0, lb = 0;
	cleanup_free char *a = read_file_at(AT_FDCWD, "/proc/self/exe", &la);
	cleanup_free char *b = orig ? read_file_at(AT_FDCWD, orig, &lb) : NULL;
	TAP_OK(a && b && la == lb && la > 4 && memcmp(a, b, la) == 0 &&
	           memcmp(a, "\177ELF", 4) == 0,
	       "the sealed copy equals %s (%zu bytes)", orig ? orig : "?", la);
	printf("# copy + re-exec took %.0f us\n", glass_selfexe_cost_ns() / 1000.0);
	return tap_done();
}
