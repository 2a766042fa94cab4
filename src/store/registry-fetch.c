/* registry-fetch: parallel blob downloads with a curl multi handle.
 *
 * Each transfer writes into a store blob writer (ingest/<hex>.partial,
 * hashed on arrival).  An interrupted transfer is retried from where it
 * stopped with a Range request; a server that answers 200 instead of 206
 * restarts the blob; a .partial that is already complete is verified
 * without a transfer.  Only a transfer whose bytes hash to the expected
 * digest joins the transaction, which names it a blob at its commit. */
#include "registry-internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_TRIES 4

struct fetch {
	struct glass_registry *reg;
	struct glass_store *s;
	struct glass_store_txn *txn;
	const struct glass_fetch_hooks *hooks; /* may be NULL */
};

struct xfer {
	struct fetch *f;
	struct glass_registry *reg;
	const struct glass_desc *d;
	struct glass_blob_writer *w;
	CURL *c;
	struct curl_slist *h;
	int tries;
	bool checked; /* status looked at for this attempt */
	bool bad_status;
	char *www_auth;
	struct glass_err *werr; /* a local write failed */
	bool done;
	struct glass_blob_feed *feed; /* told to a reader while the data arrives */
	int64_t fed;                  /* what the feed was last told */
};

static void ready(struct xfer *x)
{
	if (x->f->hooks && x->f->hooks->ready)
		x->f->hooks->ready(x->f->hooks->data, x->d->digest);
}

/* Ends the feed of x: the reader learns whether the blob was verified. */
static void feed_end(struct xfer *x, bool verified)
{
	if (!x->feed)
		return;
	if (verified)
		glass_blob_feed_grow(x->feed, x->d->size);
	glass_blob_feed_end(x->feed, verified);
	glass_blob_feed_unref(x->feed);
	x->feed = NULL;
}

/* Offers the growing file of x to a reader (who gets its own fd). */
static void feed_start(struct xfer *x)
{
	const struct glass_fetch_hooks *h = x->f->hooks;
	if (!h || !h->stream || x->feed)
		return;
	int fd = glass_blob_writer_open_reader(x->w, NULL);
	if (fd < 0)
		return;
	x->fed = glass_blob_writer_offset(x->w);
	x->feed = glass_blob_feed_new(x->fed);
	h->stream(h->data, x->d->digest, glass_blob_feed_ref(x->feed), fd);
}

static size_t xfer_write(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	if (!x->checked) {
		long st = 0;
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &st);
		x->checked = true;
		if (st == 200 && glass_blob_writer_offset(x->w) > 0) {
			feed_end(x, false); /* what a reader read is void now */
			if (glass_blob_writer_restart(x->w, &x->werr) < 0)
				return 0;
		}
		if (st != 200 && st != 206) {
			x->bad_status = true;
			return 0;
		}
	}
	if (glass_blob_writer_write(x->w, p, sz * n, &x->werr) < 0)
		return 0;
	int64_t off = glass_blob_writer_offset(x->w);
	if (x->feed && off - x->fed >= (256 << 10)) {
		glass_blob_feed_grow(x->feed, off);
		x->fed = off;
	}
	return sz * n;
}

static size_t xfer_header(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;
	if (len > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0) {
		free(x->www_auth);
		const char *v = p + 17;
		while (*v == ' ')
			v++;
		size_t l = len - (size_t)(v - p);
		while (l && (v[l - 1] == '\r' || v[l - 1] == '\n'))
			l--;
		x->www_auth = xmalloc(l + 1);
		memcpy(x->www_auth, v, l);
		x->www_auth[l] = '\0';
	}
	return len;
}

/* Opens the blob writer of x (resuming a .partial).  Returns 0 when data
 * must be fetched, 1 when the blob needs no transfer (a concurrent pull
 * stored it, or the .partial was complete and verified), -1 on error. */
static int xfer_open(struct xfer *x, struct glass_err **err)
{
	struct glass_err *e = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (glass_blob_writer_open(x->f->s, x->d->digest, x->d->size, attempt == 0, &x->w,
		                           &e) < 0) {
			if (e->errnum == EEXIST) { /* a concurrent pull stored it */
				glass_err_free(&e);
				return 1;
			}
			*err = e;
			return -1;
		}
		if (x->d->size < 0 || glass_blob_writer_offset(x->w) != x->d->size)
			return 0;
		struct glass_blob_writer *w = x->w;
		x->w = NULL;
		if (glass_store_txn_add_writer(x->f->txn, w, NULL, &e) == 0)
			return 1;
		if (e->errnum != EBADMSG) {
			*err = e;
			return -1;
		}
		glass_err_free(&e); /* complete but wrong: fetch it again */
	}
	return 0;
}

/* Starts (or restarts) the transfer of x.  Returns 0 when started, 1 when
 * the blob needs no transfer, -1 on error. */
static int xfer_start(struct xfer *x, CURLM *m, struct glass_err **err)
{
	struct glass_registry *r = x->reg;
	if (!x->w) {
		int st = xfer_open(x, err);
		if (st != 0) {
			x->done = st == 1;
			if (x->done)
				ready(x);
			return st;
		}
	}
	feed_start(x);
	x->c = curl_easy_init();
	if (!x->c)
		abort();
	x->checked = x->bad_status = false;
	cleanup_free char *url =
	    xasprintf("%s://%s/v2/%s/blobs/%s", r->scheme, r->host, r->repo, x->d->digest);
	glass_registry_setup_curl(r, x->c);
	curl_slist_free_all(x->h);
	x->h = NULL;
	if (r->auth)
		x->h = curl_slist_append(x->h, r->auth);
	int64_t off = glass_blob_writer_offset(x->w);
	if (off > 0 && (x->d->size < 0 || off < x->d->size)) {
		char range[64];
		snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)off);
		x->h = curl_slist_append(x->h, range);
	}
	curl_easy_setopt(x->c, CURLOPT_URL, url);
	/* large reads: fewer recv/write calls and hash updates per MB */
	curl_easy_setopt(x->c, CURLOPT_BUFFERSIZE, 512L << 10);
	curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, x->h);
	curl_easy_setopt(x->c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(x->c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->c, CURLOPT_HEADERFUNCTION, xfer_header);
	curl_easy_setopt(x->c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->c, CURLOPT_PRIVATE, x);
	curl_multi_add_handle(m, x->c);
	return 0;
}

static void short_digest(const char *d, char out[20])
{
	snprintf(out, 20, "%.19s", d);
}

/* Finishes one transfer: commit, retry or fail.  Returns 1 when it must
 * be started again, 0 when done, -1 on a fatal error. */
static int xfer_end(struct xfer *x, CURLM *m, CURLcode cc, struct glass_err **err)
{
	long st = 0;
	char sd[20];
	short_digest(x->d->digest, sd);
	curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &st);
	curl_multi_remove_handle(m, x->c);
	curl_easy_cleanup(x->c);
	x->c = NULL;
	if (x->werr) {
		*err = x->werr;
		x->werr = NULL;
		return glass_err_ctx(err, "blob %s", x->d->digest);
	}
	if (cc == CURLE_OK && (st == 200 || st == 206)) {
		struct glass_blob_writer *w = x->w;
		x->w = NULL;
		x->done = true;
		if (glass_store_txn_add_writer(x->f->txn, w, NULL, err) < 0) {
			feed_end(x, false);
			return -1;
		}
		feed_end(x, true);
		ready(x);
		if (!x->reg->o.quiet)
			glass_store_report(x->f->s, GLASS_REPORT_INFO,
			                   "Copying blob %s done (%.1f MB)", sd,
			                   (double)x->d->size / 1e6);
		return 0;
	}
	if (st == 401 && x->www_auth && x->tries < MAX_TRIES) {
		x->tries++;
		if (glass_registry_authenticate(x->reg, x->www_auth, err) < 0)
			return -1;
		return 1;
	}
	if (st == 404 || st == 403 || st == 401) {
		return glass_err_new(err, st == 404 ? ENOENT : EACCES, "GET blob %s: HTTP %ld",
		                     x->d->digest, st);
	}
	if (++x->tries < MAX_TRIES) {
		if (!x->reg->o.quiet)
			glass_store_report(
			    x->f->s, GLASS_REPORT_WARN, "blob %s: %s%s, retrying (%d/%d)", sd,
			    cc != CURLE_OK && !x->bad_status ? curl_easy_strerror(cc) : "HTTP ",
			    cc != CURLE_OK && !x->bad_status ? "" : "error", x->tries,
			    MAX_TRIES - 1);
		usleep(200000u * (unsigned)x->tries);
		return 1;
	}
	return glass_err_new(err, EIO, "GET blob %s: %s (HTTP %ld) after %d attempts", x->d->digest,
	                     cc != CURLE_OK ? curl_easy_strerror(cc) : "bad status", st, x->tries);
}

static void progress(struct fetch *f, struct xfer *xs, size_t n, unsigned long long t0)
{
	double got = 0, total = 0;
	size_t active = 0;
	for (size_t i = 0; i < n; i++) {
		total += (double)xs[i].d->size;
		if (xs[i].done)
			got += (double)xs[i].d->size;
		else if (xs[i].w) {
			got += (double)glass_blob_writer_offset(xs[i].w);
			active += xs[i].c != NULL;
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	glass_store_report(f->s, GLASS_REPORT_STATUS,
	                   "Copying %zu blobs (%zu active): %.1f / %.1f MB (%3.0f%%) %.1f MB/s", n,
	                   active, got / 1e6, total / 1e6, total > 0 ? 100 * got / total : 100.0,
	                   secs > 0 ? got / 1e6 / secs : 0);
}

/* The blobs to transfer: those neither in the store nor in the
 * transaction, once each; the others are ready at once. */
static size_t plan(struct fetch *f, const struct glass_desc *blobs, size_t n, struct xfer *xs)
{
	size_t nx = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < nx; j++)
			dup |= strcmp(xs[j].d->digest, blobs[i].digest) == 0;
		if (dup)
			continue;
		if (glass_store_txn_has_blob(f->txn, blobs[i].digest)) {
			if (!f->reg->o.quiet)
				glass_store_report(f->s, GLASS_REPORT_INFO,
				                   "Copying blob %.19s skipped: already exists",
				                   blobs[i].digest);
			if (f->hooks && f->hooks->ready)
				f->hooks->ready(f->hooks->data, blobs[i].digest);
			continue;
		}
		xs[nx].f = f;
		xs[nx].reg = f->reg;
		xs[nx++].d = &blobs[i];
	}
	return nx;
}

/* Handles the transfers curl finished: how many, or -1 on a fatal
 * error. */
static int reap(CURLM *m, size_t *active, struct glass_err **err)
{
	CURLMsg *msg;
	int left, ended = 0;
	while ((msg = curl_multi_info_read(m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		ended++;
		struct xfer *x;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		int r = xfer_end(x, m, msg->data.result, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			(*active)--;
			continue;
		}
		int st = xfer_start(x, m, err);
		if (st < 0)
			return -1;
		if (st == 1)
			(*active)--;
	}
	return ended;
}

int glass_registry_fetch_blobs(struct glass_registry *r, struct glass_store_txn *t,
                               const struct glass_desc *blobs, size_t n,
                               const struct glass_fetch_hooks *hooks, struct glass_err **err)
{
	struct fetch f = {r, glass_store_txn_store(t), t, hooks};
	struct xfer *xs = xcalloc(n + 1, sizeof(*xs));
	size_t nx = plan(&f, blobs, n, xs), next = 0, active = 0;
	int rc = -1;
	unsigned long long t0 = now_ns(), last = 0;
	CURLM *m = curl_multi_init();
	for (;;) {
		while (active < (size_t)r->o.parallel && next < nx) {
			if (!r->o.quiet)
				glass_store_report(
				    f.s, GLASS_REPORT_INFO, "Copying blob %.19s (%.1f MB)",
				    xs[next].d->digest, (double)xs[next].d->size / 1e6);
			int st = xfer_start(&xs[next], m, err);
			if (st < 0)
				goto out;
			next++;
			if (st == 0)
				active++;
		}
		if (active == 0)
			break;
		int running;
		curl_multi_perform(m, &running);
		int ended = reap(m, &active, err);
		if (ended < 0)
			goto out;
		if (!r->o.quiet && now_ns() - last > 200000000ull) {
			progress(&f, xs, nx, t0);
			last = now_ns();
		}
		/* a transfer that ended frees a slot: no waiting then */
		if (ended == 0)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	rc = 0;
out:
	for (size_t i = 0; i < nx; i++) {
		if (xs[i].c) {
			curl_multi_remove_handle(m, xs[i].c);
			curl_easy_cleanup(xs[i].c);
		}
		feed_end(&xs[i], false);
		/* keep partial data for a resume unless it was proven wrong */
		glass_blob_writer_abort(xs[i].w, true);
		curl_slist_free_all(xs[i].h);
		free(xs[i].www_auth);
		glass_err_free(&xs[i].werr);
	}
	curl_multi_cleanup(m);
	free(xs);
	return rc;
}
