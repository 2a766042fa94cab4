/* unpack-pool: the threads that write a layer's regular files while the
 * parser reads on.
 *
 * Each queued file holds its data and a reference to its directory; the
 * queue is bounded by bytes and by count, since every distinct directory
 * in it is an open fd and a layer of tens of thousands of small files
 * would otherwise run into the open-file limit. */
#include "unpack-internal.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

struct pdir *unpack_pdir_new(int fd)
{
	struct pdir *p = xmalloc(sizeof(*p));
	p->fd = fd;
	p->refs = 1;
	return p;
}

struct pdir *unpack_pdir_get(struct pdir *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

void unpack_pdir_put(struct pdir *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		close(p->fd);
		free(p);
	}
}

void unpack_job_free(struct job *j)
{
	unpack_pdir_put(j->parent);
	for (size_t i = 0; j->xnames && j->xnames[i]; i++) {
		free(j->xnames[i]);
		free(j->xvals[i]);
	}
	free(j->xnames);
	free(j->xvals);
	free(j->xlens);
	free(j->name);
	free(j->entry);
	free(j->data);
	free(j);
}

/* Starts writing a big file back now, without waiting: the one sync
 * that makes the layer durable then finds little left to do. */
void unpack_writeback(int fd, size_t len)
{
	if (len >= (1u << 20))
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/* Runs in a writer thread: create, write, own, xattrs, times. */
static int job_run(struct pool *p, struct job *j, struct glass_err **err)
{
	int fd = -1, pfd = j->parent->fd;
	for (int i = 0; i < 2 && fd < 0; i++) {
		fd = openat(pfd, j->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		            j->mode);
		if (fd < 0 && errno == EEXIST && i == 0) {
			if (glass_rm_rf_at(pfd, j->name) < 0)
				return glass_err_new(err, errno, "remove existing \"%s\"", j->name);
		} else if (fd < 0) {
			return glass_err_new(err, errno, "openat(\"%s\", O_CREAT|O_EXCL)", j->name);
		}
	}
	int rc = 0;
	if (j->len && write_all(fd, j->data, j->len) < 0)
		rc = glass_err_new(err, errno, "write(\"%s\", %zu bytes)", j->name, j->len);
	if (rc == 0 && j->chown && fchown(fd, j->uid, j->gid) < 0 && !p->rootless)
		rc = glass_err_new(err, errno, "fchown(\"%s\", %u, %u)", j->name, j->uid, j->gid);
	if (rc == 0 && j->chmod && fchmod(fd, j->mode) < 0)
		rc = glass_err_new(err, errno, "fchmod(\"%s\")", j->name);
	for (size_t i = 0; rc == 0 && j->xnames && j->xnames[i]; i++)
		if (fsetxattr(fd, j->xnames[i], j->xvals[i], j->xlens[i], 0) < 0 && !p->rootless &&
		    errno != ENOTSUP)
			rc = glass_err_new(err, errno, "fsetxattr(\"%s\")", j->xnames[i]);
	if (rc == 0 && futimens(fd, j->ts) < 0)
		rc = glass_err_new(err, errno, "futimens(\"%s\")", j->name);
	unpack_writeback(fd, j->len);
	close(fd);
	return rc;
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head)
			break;
		struct job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->busy++;
		bool failed = p->err != NULL;
		pthread_mutex_unlock(&p->mu);
		struct glass_err *e = NULL;
		if (!failed && job_run(p, j, &e) < 0)
			glass_err_ctx(&e, "entry \"%s\"", j->entry);
		size_t len = j->len;
		unpack_job_free(j);
		pthread_mutex_lock(&p->mu);
		if (e && !p->err)
			p->err = e;
		else
			glass_err_free(&e);
		p->busy--;
		p->queued_bytes -= len;
		p->queued--;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Files queued at once: each holds its directory open, so the queue must
 * stay well inside the open-file limit (other layers may be unpacking in
 * parallel, and the caller has fds of its own). */
static unsigned default_max_queued(void)
{
	struct rlimit rl;
	rlim_t n = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur / 16 : 64;
	return n < 8 ? 8 : n > 1024 ? 1024 : (unsigned)n;
}

struct pool *unpack_pool_new(const struct glass_unpack_opts *o)
{
	int n = o->threads == 0 ? GLASS_UNPACK_THREADS_DEFAULT : o->threads;
	if (n <= 0)
		return NULL;
	struct pool *p = xcalloc(1, sizeof(*p));
	p->rootless = o->rootless;
	p->max_queued = o->max_queued ? o->max_queued : default_max_queued();
	p->euid = geteuid();
	p->egid = getegid();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < n && i < 8; i++)
		if (pthread_create(&p->th[p->nth], NULL, pool_worker, p) == 0)
			p->nth++;
	if (p->nth == 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* Waits until every queued file is written; returns the first error. */
int unpack_pool_drain(struct pool *p, struct glass_err **err)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	while (p->head || p->busy)
		pthread_cond_wait(&p->cv, &p->mu);
	struct glass_err *e = p->err;
	p->err = NULL;
	pthread_mutex_unlock(&p->mu);
	if (e) {
		*err = e;
		return -1;
	}
	return 0;
}

void unpack_pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	while (p->head) {
		struct job *j = p->head;
		p->head = j->next;
		unpack_job_free(j);
	}
	glass_err_free(&p->err);
	free(p);
}

int unpack_pool_submit(struct pool *p, struct job *j, struct glass_err **err)
{
	pthread_mutex_lock(&p->mu);
	while ((p->queued_bytes > POOL_MAX_BYTES || p->queued >= p->max_queued) && !p->err)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->err) {
		*err = p->err;
		p->err = NULL;
		pthread_mutex_unlock(&p->mu);
		unpack_job_free(j);
		return -1;
	}
	p->queued_bytes += j->len;
	p->queued++;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}
