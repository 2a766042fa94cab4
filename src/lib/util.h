/* util: allocation, cleanup attributes and a growable string buffer.
 *
 * The x-allocators abort on out-of-memory (the only place libglass
 * exits); everything else returns errors.  Cleanup attributes free a
 * value when it leaves scope; steal_pointer() hands ownership out. */
#ifndef GLASS_UTIL_H
#define GLASS_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The x-allocators abort on out-of-memory and so never return NULL
 * (returns_nonnull tells the compiler; clang 14's analyzer ignores it). */
#define GLASS_NONNULL_RET __attribute__((returns_nonnull))
void *xmalloc(size_t n) GLASS_NONNULL_RET;
void *xcalloc(size_t n, size_t size) GLASS_NONNULL_RET;
void *xrealloc(void *p, size_t n) GLASS_NONNULL_RET;
char *xstrdup(const char *s) GLASS_NONNULL_RET;
char *xstrndup(const char *s, size_t n) GLASS_NONNULL_RET;
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))) GLASS_NONNULL_RET;
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0))) GLASS_NONNULL_RET;

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
/* Closes an fd (>= 0) without disturbing errno. */
static inline void cleanup_closep(int *fd)
{
	int saved = errno;
	if (*fd >= 0)
		close(*fd);
	errno = saved;
}
/* Closes a directory stream (NULL is fine) without disturbing errno. */
static inline void cleanup_dirp(DIR **d)
{
	int saved = errno;
	if (*d)
		closedir(*d);
	errno = saved;
}
/* A child this scope started and has not handed on: SIGKILL it and reap
 * it, so a failing path leaves no process (and no zombie) behind.  A pid
 * <= 0 is nothing to do; steal_pid() hands a live child out. */
static inline void cleanup_pidp(pid_t *pid)
{
	int saved = errno;
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	*pid = -1;
	errno = saved;
}
#define cleanup_free  __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_dir   __attribute__((cleanup(cleanup_dirp)))
#define cleanup_pid   __attribute__((cleanup(cleanup_pidp)))

/* Returns *pp and sets it to NULL: the value leaves its cleanup scope. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _stolen = *(pp);                                                 \
		*(pp) = NULL;                                                                      \
		_stolen;                                                                           \
	})
/* Returns *pidp and sets it to -1: the child leaves its cleanup_pid scope. */
#define steal_pid(pidp)                                                                            \
	({                                                                                         \
		pid_t _pid = *(pidp);                                                              \
		*(pidp) = -1;                                                                      \
		_pid;                                                                              \
	})
/* Returns *fdp and sets it to -1. */
#define steal_fd(fdp)                                                                              \
	({                                                                                         \
		int _fd = *(fdp);                                                                  \
		*(fdp) = -1;                                                                       \
		_fd;                                                                               \
	})

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_append(struct strbuf *b, const char *s, size_t n);
/* Returns the buffer (never NULL) and resets b. */
char *strbuf_steal(struct strbuf *b);
void strbuf_release(struct strbuf *b);

/* Reads a whole file into a malloc'd NUL-terminated buffer.  Returns NULL
 * and sets errno on failure.  `len` may be NULL. */
char *read_file_at(int dirfd, const char *path, size_t *len);
/* Writes all of buf to fd, retrying on EINTR and short writes. -1/errno. */
int write_all(int fd, const void *buf, size_t len);
/* Atomically replaces dirfd/path with `data` (temp file, fsync, rename). */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, int mode);
/* The same without the fsync, for what means nothing after the crash a
 * sync guards against: a runtime's state and pid files (per boot, as
 * runc's and crun's, which do not sync them either), a shim's pid.  A
 * reader still sees the old file or the whole new one.  On a disk-backed
 * root each fsync is a journal commit (~3.6 ms on this VM's ext4). */
int write_file_volatile_at(int dirfd, const char *path, const void *data, size_t len, int mode);
/* rm -rf of dirfd/name without following symlinks and without crossing
 * into another filesystem (a mount point below is left, failing with
 * EBUSY).  A missing name is success.  0 or -1/errno (the first error;
 * what could be removed is removed). */
int glass_rm_rf_at(int dirfd, const char *name);
/* mkdir -p; 0 or -1/errno. */
int mkdir_p(const char *path, int mode);
/* Monotonic time in nanoseconds. */
unsigned long long now_ns(void);
/* `ts` (the wall clock now when NULL) in RFC 3339, UTC, with nanoseconds,
 * as docker and containerd write times ("2026-12-02T12:00:00.001234567Z"),
 * into buf; returns buf.  GLASS_RFC3339_MAX bytes always suffice. */
#define GLASS_RFC3339_MAX 40
char *glass_time_rfc3339(char *buf, size_t size, const struct timespec *ts);

#endif
