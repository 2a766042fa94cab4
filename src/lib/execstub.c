/* execstub: see execstub.h.
 *
 * The stub's bytes are compiled into libglass (exec-stub-blob.c, made by
 * src/stub/embed.py), so nothing on disk has to stay trustworthy: each
 * container gets a fresh memfd that even root cannot change once sealed.
 * It is a few kB, so copying it costs microseconds, unlike a copy of the
 * whole runtime.
 */
#include "execstub.h"
#include "selfexe.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef GLASS_HAVE_EXEC_STUB
extern const unsigned char glass_exec_stub[];
extern const size_t glass_exec_stub_size;
#else
static const unsigned char glass_exec_stub[1];
static const size_t glass_exec_stub_size = 0;
#endif

bool glass_execstub_available(void)
{
	return glass_exec_stub_size > 0;
}

size_t glass_execstub_size(void)
{
	return glass_exec_stub_size;
}

int glass_execstub_open(struct glass_err **err)
{
	cleanup_close int fd = -1;
	size_t off = 0;

	if (!glass_execstub_available())
		return glass_err_new(err, ENOTSUP, "this build has no exec stub for this machine");
	fd = glass_selfexe_memfd(GLASS_EXECSTUB_ARGV0, err);
	if (fd < 0)
		return -1;
	while (off < glass_exec_stub_size) {
		ssize_t n = write(fd, glass_exec_stub + off, glass_exec_stub_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return glass_err_new(err, n < 0 ? errno : EIO, "write(memfd:%s, %zu bytes)",
			                     GLASS_EXECSTUB_ARGV0, glass_exec_stub_size);
		off += (size_t)n;
	}
	if (glass_selfexe_memfd_seal(fd, GLASS_EXECSTUB_ARGV0, err) < 0)
		return -1;
	return steal_fd(&fd);
}

static char *fd_arg(int fd, char num[16])
{
	if (fd >= 0)
		snprintf(num, 16, "%d", fd);
	else
		snprintf(num, 16, "-");
	return num;
}

char **glass_execstub_argv(int sync_fd, int fifo_fd, int filter_fd, const char *path,
                           char *const args[], char nums[3][16])
{
	size_t n = 0;
	char **v;
	while (args[n])
		n++;
	v = xcalloc(n + 6, sizeof(char *));
	v[0] = GLASS_EXECSTUB_ARGV0;
	v[1] = fd_arg(sync_fd, nums[0]);
	v[2] = fd_arg(fifo_fd, nums[1]);
	v[3] = fd_arg(filter_fd, nums[2]);
	v[4] = (char *)path;
	for (size_t i = 0; i < n; i++)
		v[5 + i] = args[i];
	return v;
}
