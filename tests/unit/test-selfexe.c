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
		/* Continue the numbering in the sealed instance. */
		setenv("TEST_SELFEXE_N", "5", 1);
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
	fd = open("/proc/self/exe", O_WRONLY);
	e = errno;
	if (fd >= 0) {
		ssize_t n = write(fd, "x", 1);
		e = errno;
		TAP_OK(n < 0 && e == EPERM, "write to /proc/self/exe fails EPERM (%s)",
		       strerrorname_np(e));
		close(fd);
	} else {
		TAP_OK(e == EPERM || e == ETXTBSY || e == EACCES,
		       "open(/proc/self/exe, O_WRONLY) refused (%s)", strerrorname_np(e));
	}
	fd = open("/proc/self/exe", O_RDWR);
	TAP_OK(fd < 0 || ftruncate(fd, 0) < 0, "truncating the sealed binary fails (%s)",
	       strerrorname_np(errno));
	printf("# copy + re-exec took %.0f us\n", glass_selfexe_cost_ns() / 1000.0);
	TAP_OK(glass_selfexe_cost_ns() > 0, "cost measured: %llu ns", glass_selfexe_cost_ns());
	return tap_done();
}
