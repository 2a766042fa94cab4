/* txn: the blobs and layer directories of one pull or import, made
 * durable together.
 *
 * Durability on Linux needs the data on disk before the name that
 * promises it: a rename(2) can reach the journal before the file's
 * delayed-allocation data does, so a crash would leave a blob named by a
 * digest its (empty) content does not have.  Fsyncing each file orders
 * them one by one but costs a journal commit each; syncfs(2) writes back
 * everything of the filesystem in one go.  So a transaction keeps what it
 * wrote under names nothing reads (ingest/<hex>.ready.PID.N, layers/.tmp-*),
 * syncs once, renames all, and fsyncs each directory it renamed into so
 * the renames are durable too. */
#include "store-internal.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

struct pending_blob {
	char digest[GLASS_DIGEST_LEN];
	char ready[96]; /* in ingest/ */
};

struct pending_dir {
	int dirfd;
	char *tmp, *name;
};

struct glass_store_txn {
	struct glass_store *s;
	bool keep_partials;
	pthread_t flusher;
	bool flushing, stop_flusher;
	pthread_cond_t flush_cv;
	pthread_mutex_t mu;
	struct pending_blob *blobs;
	size_t nblobs, capblobs;
	struct pending_dir *dirs;
	size_t ndirs, capdirs;
};

struct glass_store_txn *glass_store_txn_new(struct glass_store *s, bool keep_partials)
{
	struct glass_store_txn *t = xcalloc(1, sizeof(*t));
	t->s = s;
	t->keep_partials = keep_partials;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->flush_cv, NULL);
	return t;
}

/* The page cache holds written data back for up to 30 s (or until a
 * tenth of memory is dirty), so without help all of a pull's gigabytes
 * would reach the disk only at the final sync, after the work.  Syncing
 * every quarter second on a thread of its own keeps the disk writing
 * while the pull computes, and leaves the final sync little to do. */
static void *flusher(void *arg)
{
	struct glass_store_txn *t = arg;
	struct timespec ts;
	pthread_mutex_lock(&t->mu);
	while (!t->stop_flusher) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&t->flush_cv, &t->mu, &ts);
		if (t->stop_flusher)
			break;
		pthread_mutex_unlock(&t->mu);
		syncfs(t->s->dirfd);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

void glass_store_txn_writeback(struct glass_store_txn *t)
{
	if (!t->flushing && pthread_create(&t->flusher, NULL, flusher, t) == 0)
		t->flushing = true;
}

static void stop_flusher(struct glass_store_txn *t)
{
	if (!t->flushing)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop_flusher = true;
	pthread_cond_broadcast(&t->flush_cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->flusher, NULL);
	t->flushing = false;
}

struct glass_store *glass_store_txn_store(struct glass_store_txn *t)
{
	return t->s;
}

/* The pending blob named `digest`, or NULL; called with t->mu held. */
static struct pending_blob *find_blob(struct glass_store_txn *t, const char *digest)
{
	for (size_t i = 0; i < t->nblobs; i++)
		if (strcmp(t->blobs[i].digest, digest) == 0)
			return &t->blobs[i];
	return NULL;
}

int glass_store_txn_add_writer(struct glass_store_txn *t, struct glass_blob_writer *w,
                               char *out_digest, struct glass_err **err)
{
	struct pending_blob b = {0};
	if (store_writer_ready(w, b.digest, b.ready, err) < 0)
		return -1;
	if (out_digest)
		memcpy(out_digest, b.digest, GLASS_DIGEST_LEN);
	pthread_mutex_lock(&t->mu);
	if (find_blob(t, b.digest)) {
		unlinkat(t->s->ingestfd, b.ready, 0); /* the same content twice */
	} else {
		if (t->nblobs == t->capblobs) {
			t->capblobs = t->capblobs ? 2 * t->capblobs : 8;
			t->blobs = xrealloc(t->blobs, t->capblobs * sizeof(*t->blobs));
		}
		t->blobs[t->nblobs++] = b;
	}
	pthread_mutex_unlock(&t->mu);
	return 0;
}

int glass_store_txn_put_blob(struct glass_store_txn *t, const void *data, size_t len,
                             const char *expected, char *out_digest, struct glass_err **err)
{
	char got[GLASS_DIGEST_LEN];
	struct glass_blob_writer *w;
	glass_digest_buf(data, len, got);
	if (expected && strcmp(expected, got) != 0) {
		glass_err_new(err, EBADMSG, "blob %s: content has digest %s", expected, got);
		return glass_err_hint(err,
		                      "the data was corrupted or is not what the manifest names");
	}
	if (out_digest)
		memcpy(out_digest, got, GLASS_DIGEST_LEN);
	if (glass_store_txn_has_blob(t, got))
		return 0;
	if (glass_blob_writer_open(t->s, got, (int64_t)len, false, &w, err) < 0)
		return err && *err && (*err)->errnum == EEXIST ? (glass_err_free(err), 0) : -1;
	if (glass_blob_writer_write(w, data, len, err) < 0) {
		glass_blob_writer_abort(w, false);
		return -1;
	}
	return glass_store_txn_add_writer(t, w, NULL, err);
}

bool glass_store_txn_has_blob(struct glass_store_txn *t, const char *digest)
{
	pthread_mutex_lock(&t->mu);
	bool found = find_blob(t, digest) != NULL;
	pthread_mutex_unlock(&t->mu);
	return found || glass_store_has_blob(t->s, digest);
}

int glass_store_txn_open_blob(struct glass_store_txn *t, const char *digest, struct glass_err **err)
{
	char ready[96] = "";
	pthread_mutex_lock(&t->mu);
	struct pending_blob *b = find_blob(t, digest);
	if (b)
		memcpy(ready, b->ready, sizeof(ready));
	pthread_mutex_unlock(&t->mu);
	if (!*ready)
		return glass_store_open_blob(t->s, digest, err);
	int fd = openat(t->s->ingestfd, ready, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		glass_err_new(err, errno, "open(\"%s/ingest/%s\")", t->s->dir, ready);
	return fd;
}

char *glass_store_txn_read_blob(struct glass_store_txn *t, const char *digest, size_t *len,
                                struct glass_err **err)
{
	char got[GLASS_DIGEST_LEN];
	size_t n = 0;
	cleanup_close int fd = glass_store_txn_open_blob(t, digest, err);
	if (fd < 0)
		return NULL;
	struct strbuf b = STRBUF_INIT;
	char buf[1 << 16];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		strbuf_append(&b, buf, (size_t)r);
	if (r < 0) {
		strbuf_release(&b);
		glass_err_new(err, errno, "read(blob %s)", digest);
		return NULL;
	}
	n = b.len;
	char *data = strbuf_steal(&b);
	glass_digest_buf(data, n, got);
	if (strcmp(got, digest) != 0) {
		free(data);
		glass_err_new(err, EIO, "blob %s: content has digest %s", digest, got);
		glass_err_hint(err,
		               "the store is corrupt; `glass image rm` the image and pull again");
		return NULL;
	}
	if (len)
		*len = n;
	return data;
}

void glass_store_txn_add_dir(struct glass_store_txn *t, int dirfd, const char *tmp,
                             const char *name)
{
	pthread_mutex_lock(&t->mu);
	if (t->ndirs == t->capdirs) {
		t->capdirs = t->capdirs ? 2 * t->capdirs : 8;
		t->dirs = xrealloc(t->dirs, t->capdirs * sizeof(*t->dirs));
	}
	t->dirs[t->ndirs++] =
	    (struct pending_dir){fcntl(dirfd, F_DUPFD_CLOEXEC, 3), xstrdup(tmp), xstrdup(name)};
	pthread_mutex_unlock(&t->mu);
}

/* syncfs(2) of `fd`'s filesystem unless one in devs[] was synced already. */
static int sync_once(int fd, dev_t *devs, size_t *ndevs, struct glass_err **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return glass_err_new(err, errno, "fstat(store directory)");
	for (size_t i = 0; i < *ndevs; i++)
		if (devs[i] == st.st_dev)
			return 0;
	devs[(*ndevs)++] = st.st_dev;
	return (int)GLASS_SYS(err, "syncfs", NULL, syncfs(fd), "store filesystem %u:%u",
	                      major(st.st_dev), minor(st.st_dev));
}

static int commit_blobs(struct glass_store_txn *t, struct glass_err **err)
{
	struct glass_store *s = t->s;
	for (size_t i = 0; i < t->nblobs; i++) {
		const char *hex = glass_digest_hex(t->blobs[i].digest);
		if (renameat(s->ingestfd, t->blobs[i].ready, s->blobfd, hex) < 0)
			return glass_err_new(err, errno,
			                     "renameat(\"ingest/%s\", \"blobs/sha256/%s\")",
			                     t->blobs[i].ready, hex);
		t->blobs[i].ready[0] = '\0';
	}
	if (t->nblobs && fsync(s->blobfd) < 0)
		return glass_err_new(err, errno, "fsync(\"%s/blobs/sha256\")", s->dir);
	t->nblobs = 0;
	return 0;
}

/* Renames every pending directory, then fsyncs each parent once. */
static int commit_dirs(struct glass_store_txn *t, struct glass_err **err)
{
	for (size_t i = 0; i < t->ndirs; i++) {
		struct pending_dir *d = &t->dirs[i];
		if (renameat(d->dirfd, d->tmp, d->dirfd, d->name) < 0) {
			if (errno != EEXIST && errno != ENOTEMPTY)
				return glass_err_new(err, errno, "rename(\"%s\", \"%s\")", d->tmp,
				                     d->name);
			glass_rm_rf_at(d->dirfd, d->tmp); /* a concurrent writer won */
		}
		free(d->tmp);
		d->tmp = NULL;
	}
	for (size_t i = 0; i < t->ndirs; i++) {
		struct pending_dir *d = &t->dirs[i];
		struct stat a, b;
		bool again = false;
		fstat(d->dirfd, &a);
		for (size_t j = i + 1; j < t->ndirs && !again; j++)
			again = fstat(t->dirs[j].dirfd, &b) == 0 && a.st_dev == b.st_dev &&
			        a.st_ino == b.st_ino;
		if (!again && fsync(d->dirfd) < 0)
			return glass_err_new(err, errno, "fsync(directory of \"%s\")", d->name);
		close(d->dirfd);
		free(d->name);
		d->dirfd = -1;
		d->name = NULL;
	}
	t->ndirs = 0;
	return 0;
}

int glass_store_txn_commit(struct glass_store_txn *t, struct glass_err **err)
{
	dev_t devs[8];
	size_t ndevs = 0;
	int rc = 0;
	stop_flusher(t);
	pthread_mutex_lock(&t->mu);
	if (t->nblobs || t->ndirs)
		rc = sync_once(t->s->dirfd, devs, &ndevs, err);
	for (size_t i = 0; rc == 0 && i < t->ndirs && ndevs < 8; i++)
		rc = sync_once(t->dirs[i].dirfd, devs, &ndevs, err);
	if (rc == 0)
		rc = commit_blobs(t, err);
	if (rc == 0)
		rc = commit_dirs(t, err);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

void glass_store_txn_free(struct glass_store_txn *t)
{
	if (!t)
		return;
	stop_flusher(t);
	for (size_t i = 0; i < t->nblobs; i++) {
		char partial[96];
		const char *ready = t->blobs[i].ready;
		if (!*ready)
			continue;
		snprintf(partial, sizeof(partial), "%.64s.partial", ready);
		if (!t->keep_partials ||
		    renameat2(t->s->ingestfd, ready, t->s->ingestfd, partial, RENAME_NOREPLACE) < 0)
			unlinkat(t->s->ingestfd, ready, 0);
	}
	for (size_t i = 0; i < t->ndirs; i++) {
		if (t->dirs[i].dirfd < 0)
			continue;
		if (t->dirs[i].tmp)
			glass_rm_rf_at(t->dirs[i].dirfd, t->dirs[i].tmp);
		close(t->dirs[i].dirfd);
		free(t->dirs[i].tmp);
		free(t->dirs[i].name);
	}
	free(t->blobs);
	free(t->dirs);
	pthread_cond_destroy(&t->flush_cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

struct glass_blob_feed {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t written;
	int state; /* 0 growing, 1 verified, -1 unusable */
	unsigned refs;
};

struct glass_blob_feed *glass_blob_feed_new(int64_t written)
{
	struct glass_blob_feed *f = xcalloc(1, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->written = written;
	f->refs = 1;
	return f;
}

struct glass_blob_feed *glass_blob_feed_ref(struct glass_blob_feed *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void glass_blob_feed_unref(struct glass_blob_feed *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

void glass_blob_feed_grow(struct glass_blob_feed *f, int64_t written)
{
	pthread_mutex_lock(&f->mu);
	f->written = written;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

void glass_blob_feed_end(struct glass_blob_feed *f, bool verified)
{
	pthread_mutex_lock(&f->mu);
	if (f->state == 0)
		f->state = verified ? 1 : -1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

int glass_blob_feed_wait(struct glass_blob_feed *f, int64_t have)
{
	int rc;
	pthread_mutex_lock(&f->mu);
	while (f->state == 0 && f->written <= have)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->state < 0)
		rc = -1;
	else if (f->written > have)
		rc = 1;
	else
		rc = 0;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

bool glass_blob_feed_verified(struct glass_blob_feed *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->state == 0)
		pthread_cond_wait(&f->cv, &f->mu);
	bool ok = f->state > 0;
	pthread_mutex_unlock(&f->mu);
	return ok;
}
