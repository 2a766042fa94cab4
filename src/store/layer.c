/* layer: unpacked layer directories, ROOT/layers/<chain ID>/diff, made by
 * a few worker threads while the blobs still arrive.
 *
 * A layer is extracted into its own directory, so layers need no order
 * among themselves: the parent-before-child order of the chain matters to
 * the overlay mount, not to extraction.  A worker takes whichever layer's
 * blob has started to arrive (reading the growing file as the download
 * writes it) or is complete, extracts it into layers/.tmp-PID-N, waits
 * for the blob's digest to be verified, checks the diffID against the
 * config, and leaves the directory to the transaction, which renames it
 * to its chain ID after the one sync of the pull.  An extraction whose
 * download restarts is thrown away and done again from the complete blob;
 * nothing extracted from an unverified blob is ever published.
 *
 * A layer whose chain ID is already unpacked is not extracted again, but
 * its blob is still checked to decompress to the config's diffID (once
 * per blob: the verified blob digests are listed in layers/<chain>/blobs),
 * so a corrupted blob cannot hide behind a good layer of the same name. */
#include "image.h"
#include "trace.h"
#include "unpack.h"
#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_JOBS 8

struct layer_job {
	bool ready, taken;
	struct glass_blob_feed *feed; /* its blob while it downloads, or NULL */
	int fd;                       /* reads the growing blob */
};

/* unpack_layer()'s "start again once the blob is complete": the download
 * that fed a streamed extraction restarted or failed. */
#define RETRY 1

struct glass_layer_unpacker {
	struct glass_store *s;
	struct glass_store_txn *txn;
	const struct glass_image *img;
	bool verify, verbose;
	int lfd;
	struct glass_unpack_opts uo;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th[MAX_JOBS];
	int nth;
	struct layer_job *jobs;
	size_t n, left; /* layers, layers not yet finished */
	bool stop;
	struct glass_err *err;
};

int glass_layers_dir(struct glass_store *s, struct glass_err **err)
{
	if (mkdirat(s->rootfd, "layers", 0700) < 0 && errno != EEXIST)
		return glass_err_new(err, errno, "mkdir(\"%s/layers\")", s->root);
	int fd = openat(s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s/layers\")", s->root);
	if (mkdirat(fd, "l", 0700) < 0 && errno != EEXIST) {
		close(fd);
		return glass_err_new(err, errno, "mkdir(\"%s/layers/l\")", s->root);
	}
	return fd;
}

/* A small file in a directory being made: no fsync, the transaction's
 * sync covers it. */
static int put_file(int dirfd, const char *name, const char *text)
{
	cleanup_close int fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	return fd < 0 ? -1 : write_all(fd, text, strlen(text));
}

static char **lower_dirs(const struct glass_image *img)
{
	size_t n = img->manifest->nlayers;
	char **out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = xasprintf("l/%.12s", glass_digest_hex(img->chain_ids[i]));
	return out;
}

/* The short name l/<12 hex> -> ../<chain>/diff that keeps overlay mount
 * options short. */
static int short_link(int lfd, const char *chain, struct glass_err **err)
{
	char target[96], lname[32];
	snprintf(target, sizeof(target), "../%s/diff", chain);
	snprintf(lname, sizeof(lname), "l/%.12s", chain);
	if (symlinkat(target, lfd, lname) < 0 && errno != EEXIST)
		return glass_err_new(err, errno, "symlink(\"layers/%s\")", lname);
	return 0;
}

/* Checks that the blob of layer i decompresses to its diffID, unless
 * layers/<chain>/blobs says it was checked before. */
static int verify_existing(struct glass_layer_unpacker *u, size_t i, struct glass_err **err)
{
	const char *chain = glass_digest_hex(u->img->chain_ids[i]);
	const char *blob = u->img->manifest->layers[i].digest;
	const char *want = u->img->config->diff_ids[i];
	char path[96], got[GLASS_DIGEST_LEN];
	snprintf(path, sizeof(path), "%s/blobs", chain);
	cleanup_free char *known = read_file_at(u->lfd, path, NULL);
	for (char *p = known; p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n == strlen(blob) && strncmp(p, blob, n) == 0)
			return 0;
		p += n + (p[n] == '\n');
	}
	cleanup_close int bfd = glass_store_txn_open_blob(u->txn, blob, err);
	if (bfd < 0 || glass_unpack_diff_id(bfd, u->uo.zlib, got, err) < 0)
		return -1;
	if (strcmp(got, want) != 0) {
		glass_err_new(err, EBADMSG, "uncompressed layer has digest %s, the config says %s",
		              got, want);
		return glass_err_hint(err, "the blob is corrupt or not this image's layer; "
		                           "nothing was stored");
	}
	cleanup_close int fd =
	    openat(u->lfd, path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	cleanup_free char *line = xasprintf("%s\n", blob);
	if (fd >= 0)
		write_all(fd, line, strlen(line)); /* a cache: losing it costs a check */
	return 0;
}

static int feed_wait(void *ud, uint64_t have)
{
	return glass_blob_feed_wait(ud, (int64_t)have);
}

/* Extracts layer i into layers/TMP/diff, with its link, diff_id and
 * blobs files.  0, RETRY, or -1 with err. */
static int fill_tmp(struct glass_layer_unpacker *u, size_t i, const char *tmp,
                    struct glass_blob_feed *feed, int fd, struct glass_unpack_stats *st,
                    struct glass_err **err)
{
	const char *chain = glass_digest_hex(u->img->chain_ids[i]);
	const struct glass_desc *l = &u->img->manifest->layers[i];
	struct glass_lstream_grow grow = {feed_wait, feed};
	struct glass_unpack_opts uo = u->uo;
	char link[16];
	cleanup_close int tfd = openat(u->lfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0 || mkdirat(tfd, "diff", 0755) < 0)
		return glass_err_new(err, errno, "mkdir(\"layers/%s/diff\")", tmp);
	cleanup_close int dfd = openat(tfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* the root of a lowerdir: readable by the container's users whatever
	 * the umask (an entry "./" in the layer may set it again) */
	if (dfd < 0 || fchmod(dfd, 0755) < 0)
		return glass_err_new(err, errno, "open(\"layers/%s/diff\")", tmp);
	cleanup_close int bfd = feed ? -1 : glass_store_txn_open_blob(u->txn, l->digest, err);
	if (!feed && bfd < 0)
		return -1;
	uo.grow = feed ? &grow : NULL;
	int r = glass_unpack_fd(feed ? fd : bfd, dfd, &uo, st, err);
	/* what came from a growing blob counts only once the blob is verified */
	if (feed && !glass_blob_feed_verified(feed)) {
		glass_err_free(err);
		return RETRY;
	}
	if (r < 0)
		return -1;
	if (strcmp(st->diff_id, u->img->config->diff_ids[i]) != 0) {
		glass_err_new(err, EBADMSG, "uncompressed layer has digest %s, the config says %s",
		              st->diff_id, u->img->config->diff_ids[i]);
		return glass_err_hint(err, "the blob is corrupt or not this image's layer; "
		                           "nothing was stored");
	}
	snprintf(link, sizeof(link), "%.12s", chain);
	cleanup_free char *blobs = xasprintf("%s\n", l->digest);
	if (put_file(tfd, "link", link) < 0 || put_file(tfd, "diff_id", st->diff_id) < 0 ||
	    put_file(tfd, "blobs", blobs) < 0)
		return glass_err_new(err, errno, "write(\"layers/%s/link\")", tmp);
	return short_link(u->lfd, chain, err);
}

/* Extracts layer i into layers/.tmp-PID-N and hands it to the
 * transaction; from the growing blob `fd` when `feed` is set.  RETRY when
 * that blob turned out unusable. */
static int extract_layer(struct glass_layer_unpacker *u, size_t i, struct glass_blob_feed *feed,
                         int fd, struct glass_err **err)
{
	static unsigned seq;
	const char *chain = glass_digest_hex(u->img->chain_ids[i]);
	const struct glass_desc *l = &u->img->manifest->layers[i];
	char tmp[64];
	struct glass_unpack_stats st;
	unsigned long long t0 = now_ns();
	snprintf(tmp, sizeof(tmp), ".tmp-%d-%u", (int)getpid(),
	         __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	if (mkdirat(u->lfd, tmp, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"layers/%s\")", tmp);
	int rc = fill_tmp(u, i, tmp, feed, fd, &st, err);
	if (rc != 0) {
		glass_rm_rf_at(u->lfd, tmp);
		return rc;
	}
	glass_store_txn_add_dir(u->txn, u->lfd, tmp, chain);
	if (u->verbose)
		glass_store_report(u->s, GLASS_REPORT_INFO,
		                   "Unpacked layer %.19s (%s, %.1f MB, %llu entries) in %.2f s",
		                   l->digest, st.compression, (double)st.bytes / 1e6,
		                   (unsigned long long)st.entries, (double)(now_ns() - t0) / 1e9);
	return 0;
}

/* 0, RETRY (start again from the complete blob), or -1 with err. */
static int unpack_layer(struct glass_layer_unpacker *u, size_t i, struct glass_blob_feed *feed,
                        int fd, struct glass_err **err)
{
	const char *chain = glass_digest_hex(u->img->chain_ids[i]);
	char path[96];
	snprintf(path, sizeof(path), "%s/link", chain);
	int rc;
	if (faccessat(u->lfd, path, F_OK, 0) == 0) {
		if (feed && !glass_blob_feed_verified(feed))
			return RETRY; /* checked from the complete blob */
		rc = (!u->verify || verify_existing(u, i, err) == 0)
		         ? short_link(u->lfd, chain, err)
		         : -1;
	} else {
		rc = extract_layer(u, i, feed, fd, err);
	}
	if (rc < 0)
		glass_err_ctx(err, "unpack layer %s", u->img->manifest->layers[i].digest);
	return rc;
}

static void *worker(void *arg)
{
	struct glass_layer_unpacker *u = arg;
	pthread_mutex_lock(&u->mu);
	for (;;) {
		size_t i = u->n;
		for (size_t k = 0; k < u->n && i == u->n; k++)
			if ((u->jobs[k].ready || u->jobs[k].feed) && !u->jobs[k].taken)
				i = k;
		if (u->stop || u->err || u->left == 0)
			break;
		if (i == u->n) {
			pthread_cond_wait(&u->cv, &u->mu);
			continue;
		}
		struct layer_job *j = &u->jobs[i];
		struct glass_blob_feed *feed = j->ready ? NULL : j->feed;
		j->taken = true;
		pthread_mutex_unlock(&u->mu);
		struct glass_err *e = NULL;
		int rc = unpack_layer(u, i, feed, j->fd, &e);
		pthread_mutex_lock(&u->mu);
		if (j->feed) { /* streamed or not, the growing file is done with */
			glass_blob_feed_unref(j->feed);
			close(j->fd);
			j->feed = NULL;
		}
		if (rc == RETRY) {
			j->taken = false; /* again once the blob is ready */
			continue;
		}
		if (e && !u->err)
			u->err = e;
		else
			glass_err_free(&e);
		u->left--;
		pthread_cond_broadcast(&u->cv);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

/* Layers unpacked at once: each needs a core for its decompressor and
 * its file writers, so more than the cores only adds contention. */
static int default_jobs(size_t nlayers)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long n = cpus > 1 ? cpus : 1;
	if (n > GLASS_UNPACK_JOBS_DEFAULT_MAX)
		n = GLASS_UNPACK_JOBS_DEFAULT_MAX;
	return (int)(n < (long)nlayers ? n : (long)nlayers);
}

int glass_layer_unpacker_start(struct glass_store *s, struct glass_store_txn *txn,
                               const struct glass_image *img, bool verify, bool verbose,
                               struct glass_layer_unpacker **out, struct glass_err **err)
{
	struct glass_layer_unpacker *u = xcalloc(1, sizeof(*u));
	size_t n = img->manifest->nlayers;
	u->s = s;
	u->txn = txn;
	u->img = img;
	u->verify = verify;
	u->verbose = verbose;
	u->n = u->left = n;
	u->jobs = xcalloc(n + 1, sizeof(*u->jobs));
	u->lfd = glass_layers_dir(s, err);
	if (u->lfd < 0) {
		free(u->jobs);
		free(u);
		return -1;
	}
	int jobs = s->o.unpack_jobs > 0 ? s->o.unpack_jobs : default_jobs(n);
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	u->uo = (struct glass_unpack_opts){
	    .rootless = geteuid() != 0, .zlib = s->o.inflate_zlib, .threads = s->o.unpack_threads};
	/* the queued files of all layers together stay within a quarter of
	 * the open-file limit */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && jobs > 0) {
		rlim_t q = rl.rlim_cur / 4 / (rlim_t)jobs;
		u->uo.max_queued = q < 8 ? 8 : q > 1024 ? 1024 : (unsigned)q;
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	for (int k = 0; k < jobs && n > 0; k++)
		if (pthread_create(&u->th[u->nth], NULL, worker, u) == 0)
			u->nth++;
	if (n > 0 && u->nth == 0) {
		glass_layer_unpacker_free(u);
		return glass_err_new(err, EAGAIN, "pthread_create(layer unpacker)");
	}
	*out = u;
	return 0;
}

void glass_layer_unpacker_ready(struct glass_layer_unpacker *u, const char *blob_digest)
{
	pthread_mutex_lock(&u->mu);
	for (size_t i = 0; i < u->n; i++) {
		if (u->jobs[i].ready ||
		    strcmp(u->img->manifest->layers[i].digest, blob_digest) != 0)
			continue;
		u->jobs[i].ready = true;
		if (glass_trace_on)
			glass_trace_note("unpack", NULL, "layer %s -> %s/layers/%s", blob_digest,
			                 u->s->root, glass_digest_hex(u->img->chain_ids[i]));
	}
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
}

void glass_layer_unpacker_stream(struct glass_layer_unpacker *u, const char *blob_digest,
                                 struct glass_blob_feed *feed, int fd)
{
	pthread_mutex_lock(&u->mu);
	for (size_t i = 0; i < u->n && feed; i++) {
		struct layer_job *j = &u->jobs[i];
		if (j->ready || j->taken || j->feed ||
		    strcmp(u->img->manifest->layers[i].digest, blob_digest) != 0)
			continue;
		j->feed = steal_pointer(&feed);
		j->fd = fd;
	}
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	if (feed) { /* no layer wants it */
		glass_blob_feed_unref(feed);
		close(fd);
	}
}

int glass_layer_unpacker_finish(struct glass_layer_unpacker *u, char ***dirs,
                                struct glass_err **err)
{
	pthread_mutex_lock(&u->mu);
	while (u->left > 0 && !u->err)
		pthread_cond_wait(&u->cv, &u->mu);
	struct glass_err *e = u->err;
	u->err = NULL;
	pthread_mutex_unlock(&u->mu);
	if (e) {
		glass_err_free(err);
		*err = e;
		glass_layer_unpacker_free(u);
		return -1;
	}
	if (dirs)
		*dirs = lower_dirs(u->img);
	glass_layer_unpacker_free(u);
	return 0;
}

void glass_layer_unpacker_free(struct glass_layer_unpacker *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->mu);
	u->stop = true;
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	for (int k = 0; k < u->nth; k++)
		pthread_join(u->th[k], NULL);
	for (size_t i = 0; i < u->n; i++)
		if (u->jobs[i].feed) {
			glass_blob_feed_unref(u->jobs[i].feed);
			close(u->jobs[i].fd);
		}
	glass_err_free(&u->err);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
	if (u->lfd >= 0)
		close(u->lfd);
	free(u->jobs);
	free(u);
}

/* Every layer of img unpacked before, as for most runs: what a worker
 * does for such a layer without verifying (its short link made again)
 * is all there is to do, so no worker thread and no transaction.  1 when
 * so (and *dirs filled), 0 when a layer is missing, -1 with err. */
static int unpacked_already(struct glass_store *s, const struct glass_image *img, char ***dirs,
                            struct glass_err **err)
{
	int lfd = glass_layers_dir(s, err);
	if (lfd < 0)
		return -1;
	int rc = 1;
	for (size_t i = 0; rc == 1 && i < img->manifest->nlayers; i++) {
		char path[96];
		snprintf(path, sizeof(path), "%s/link", glass_digest_hex(img->chain_ids[i]));
		if (faccessat(lfd, path, F_OK, 0) < 0)
			rc = 0;
	}
	for (size_t i = 0; rc == 1 && i < img->manifest->nlayers; i++) {
		const char *chain = glass_digest_hex(img->chain_ids[i]);
		if (glass_trace_on)
			glass_trace_note("unpack", NULL, "layer %s -> %s/layers/%s",
			                 img->manifest->layers[i].digest, s->root, chain);
		if (short_link(lfd, chain, err) < 0)
			rc = glass_err_ctx(err, "unpack layer %s", img->manifest->layers[i].digest);
	}
	close(lfd);
	if (rc == 1 && dirs)
		*dirs = lower_dirs(img);
	return rc;
}

int glass_image_unpack(struct glass_store *s, const struct glass_image *img, bool verbose,
                       char ***dirs, struct glass_err **err)
{
	int done = unpacked_already(s, img, dirs, err);
	if (done != 0)
		return done < 0 ? -1 : 0;
	struct glass_store_txn *txn = glass_store_txn_new(s, false);
	struct glass_layer_unpacker *u;
	int rc = -1;
	if (glass_layer_unpacker_start(s, txn, img, false, verbose, &u, err) < 0)
		goto out;
	for (size_t i = 0; i < img->manifest->nlayers; i++)
		glass_layer_unpacker_ready(u, img->manifest->layers[i].digest);
	if (glass_layer_unpacker_finish(u, dirs, err) < 0)
		goto out;
	if (glass_store_txn_commit(txn, err) < 0) {
		glass_manifest_strv_free(*dirs);
		*dirs = NULL;
		goto out;
	}
	rc = 0;
out:
	glass_store_txn_free(txn);
	return rc;
}
