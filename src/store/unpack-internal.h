/* unpack-internal: the file writer pool unpack.c hands regular files to
 * (unpack-pool.c). */
#ifndef GLASS_UNPACK_INTERNAL_H
#define GLASS_UNPACK_INTERNAL_H

#include "unpack.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#define POOL_MAX_BYTES (96u << 20) /* file data queued at once */
#define POOL_MAX_FILE  (32u << 20) /* larger files are written by the parser */

/* A directory fd shared by the parser's cache and the queued files in it:
 * the last one to let go closes it.  Sharing (rather than one dup per
 * file) keeps the open fds to one per distinct directory in the queue. */
struct pdir {
	int fd;
	unsigned refs;
};

struct pdir *unpack_pdir_new(int fd);
struct pdir *unpack_pdir_get(struct pdir *p);
/* Drops a reference; the last closes the fd. */
void unpack_pdir_put(struct pdir *p);

/* A regular file handed to a writer thread: its data is copied out of
 * libarchive's buffer, its parent directory shared. */
struct job {
	struct job *next;
	struct pdir *parent;
	char *name;
	char *entry; /* for errors */
	char *data;
	size_t len;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool chown, chmod;
	struct timespec ts[2];
	char **xnames; /* xattrs: names and values (NULL-terminated names) */
	char **xvals;
	size_t *xlens;
};

void unpack_job_free(struct job *j);

/* File creation is the kernel's most expensive part of extraction (inode
 * allocation, directory insertion, journal), so regular files are written
 * by a small pool of threads while the main thread parses the stream.
 * Anything that depends on earlier entries (hard links, whiteouts,
 * replacing an existing entry) first waits for the pool to drain. */
struct pool {
	pthread_t th[8];
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	size_t queued_bytes;
	unsigned queued, max_queued;
	int busy;
	bool stop;
	struct glass_err *err;
	bool rootless;
	uid_t euid;
	gid_t egid;
};

/* A pool as `o` asks (threads, queue bound), or NULL for none. */
struct pool *unpack_pool_new(const struct glass_unpack_opts *o);
/* Queues j (waiting while the queue is full); takes j in every case. */
int unpack_pool_submit(struct pool *p, struct job *j, struct glass_err **err);
/* Waits until every queued file is written; returns the first error. */
int unpack_pool_drain(struct pool *p, struct glass_err **err);
/* Stops and joins the writers, dropping what is still queued. */
void unpack_pool_free(struct pool *p);
/* Starts writing a big file back without waiting (see unpack-pool.c). */
void unpack_writeback(int fd, size_t len);

#endif
