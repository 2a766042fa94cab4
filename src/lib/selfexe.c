/* selfexe: see selfexe.h.
 *
 * memfd_create() makes an anonymous tmpfs file; with MFD_ALLOW_SEALING its
 * contents can be frozen by fcntl(F_ADD_SEALS): after F_SEAL_WRITE no
 * write(2) or writable mapping succeeds (EPERM), after F_SEAL_SHRINK/GROW
 * its size is fixed, and F_SEAL_SEAL forbids removing or adding seals.
 * fexecve() runs the memfd through execveat(fd, "", AT_EMPTY_PATH), so the
 * new image's /proc/self/exe is "/memfd:glass-runtime (deleted)".
 */
#include "selfexe.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static unsigned long long cost_ns;

bool glass_selfexe_needed(int argc, char *const argv[])
{
	/* A bare word anywhere is enough: a container id spelled like a verb
	 * only costs one needless copy, a missed verb would cost the defense. */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "create") || !strcmp(argv[i], "run") ||
		    !strcmp(argv[i], "exec"))
			return true;
	return false;
}

bool glass_selfexe_is_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals;
	if (fd < 0)
		return false;
	seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

unsigned long long glass_selfexe_cost_ns(void)
{
	return cost_ns;
}

/* Copies the running binary into a new sealed memfd.  Returns the fd. */
static int sealed_copy(struct glass_err **err)
{
	cleanup_close int src = -1;
	cleanup_close int mfd = -1;
	struct stat st;
	off_t off = 0;

	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return glass_err_new(err, errno, "open(\"/proc/self/exe\", O_RDONLY)");
	if (fstat(src, &st) < 0)
		return glass_err_new(err, errno, "fstat(/proc/self/exe)");
	/* With vm.memfd_noexec = 1 or 2 a memfd is not executable unless
	 * created with MFD_EXEC (Linux 6.3); older kernels reject the flag. */
	mfd = (int)syscall(SYS_memfd_create, "glass-runtime",
	                   MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = (int)syscall(SYS_memfd_create, "glass-runtime",
		                   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return glass_err_new(
		    err, errno, "memfd_create(\"glass-runtime\", MFD_CLOEXEC|MFD_ALLOW_SEALING)");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return glass_err_new(err, n < 0 ? errno : EIO,
			                     "sendfile(memfd, /proc/self/exe, %lld of %lld)",
			                     (long long)off, (long long)st.st_size);
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		return glass_err_new(err, errno,
		                     "fcntl(memfd, F_ADD_SEALS, "
		                     "F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE)");
	return steal_fd(&mfd);
}

/* Records the cost when this is the sealed instance; true when it is. */
static bool sealed_instance(struct glass_err **err, int *rc)
{
	const char *mark = getenv(GLASS_SELFEXE_ENV);
	unsigned long long started;
	if (!mark)
		return false;
	started = strtoull(mark, NULL, 10);
	unsetenv(GLASS_SELFEXE_ENV);
	if (!glass_selfexe_is_sealed()) {
		*rc = glass_err_new(err, EPERM, "re-executed binary is not a sealed memfd");
		return true;
	}
	cost_ns = started ? now_ns() - started : 0;
	*rc = 0;
	return true;
}

int glass_selfexe_seal(char *argv[], struct glass_err **err)
{
	unsigned long long t0;
	char val[32];
	int mfd, rc;

	if (sealed_instance(err, &rc))
		return rc;
	if (glass_selfexe_is_sealed())
		return 0;
	t0 = now_ns();
	mfd = sealed_copy(err);
	if (mfd < 0) {
		glass_err_hint(err, "glass re-executes from a sealed copy of itself so a container "
		                    "cannot overwrite the host binary (CVE-2019-5736)");
		return glass_err_ctx(err, "selfexe");
	}
	snprintf(val, sizeof(val), "%llu", t0);
	setenv(GLASS_SELFEXE_ENV, val, 1);
	GLASS_SYS(err, "execveat", NULL,
	          syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH),
	          "%d</memfd:glass-runtime>, \"\", argv, envp, AT_EMPTY_PATH", mfd);
	unsetenv(GLASS_SELFEXE_ENV);
	close(mfd);
	return glass_err_ctx(err, "selfexe");
}

int glass_selfexe_protect(int argc, char *argv[], struct glass_err **err)
{
	int rc;
	if (sealed_instance(err, &rc))
		return rc;
	if (!glass_selfexe_needed(argc, argv))
		return 0;
	return glass_selfexe_seal(argv, err);
}
