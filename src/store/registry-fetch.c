/* registry-fetch: parallel blob downloads with a curl multi handle.
 *
 * Each transfer writes into a store blob writer (ingest/<hex>.partial,
 * hashed on arrival).  An interrupted transfer is retried from where it
 * stopped with a Range request; a server that answers 200 instead of 206
 * restarts the blob.  Only a transfer whose bytes hash to the expected
 * digest is renamed into blobs/. */
#include "registry-internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_TRIES 4

struct xfer {
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
};

static size_t xfer_write(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	if (!x->checked) {
		long st = 0;
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &st);
		x->checked = true;
		if (st == 200 && glass_blob_writer_offset(x->w) > 0 &&
		    glass_blob_writer_restart(x->w, &x->werr) < 0)
			return 0;
		if (st != 200 && st != 206) {
			x->bad_status = true;
			return 0;
		}
	}
	if (glass_blob_writer_write(x->w, p, sz * n, &x->werr) < 0)
		return 0;
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

static int xfer_start(struct xfer *x, CURLM *m, struct glass_store *s, struct glass_err **err)
{
	struct glass_registry *r = x->reg;
	if (!x->w) {
		struct glass_err *e = NULL;
		if (glass_blob_writer_open(s, x->d->digest, x->d->size, true, &x->w, &e) < 0) {
			if (e->errnum == EEXIST) { /* a concurrent pull stored it */
				glass_err_free(&e);
				x->done = true;
				return 1;
			}
			*err = e;
			return -1;
		}
	}
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
	curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, x->h);
	curl_easy_setopt(x->c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(x->c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->c, CURLOPT_HEADERFUNCTION, xfer_header);
	curl_easy_setopt(x->c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->c, CURLOPT_PRIVATE, x);
	curl_multi_add_handle(m, x->c);
	return 0;
}
/* xfer_start returns 0 when started, 1 when the blob needs no transfer. */

static void short_digest(const char *d, char out[20])
{
	snprintf(out, 20, "%.19s", d);
}

/* Finishes one transfer: commit, retry or fail.  Returns 1 when it must
 * be started again, 0 when done, -1 on a fatal error. */
static int xfer_end(struct xfer *x, CURLM *m, CURLcode cc, bool tty, struct glass_err **err)
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
		if (glass_blob_writer_commit(w, NULL, err) < 0)
			return -1;
		if (!x->reg->o.quiet)
			fprintf(stderr, "%sCopying blob %s done (%.1f MB)\n", tty ? "\r\033[K" : "",
			        sd, (double)x->d->size / 1e6);
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
			fprintf(stderr, "%sblob %s: %s%s, retrying (%d/%d)\n",
			        tty ? "\r\033[K" : "", sd,
			        cc != CURLE_OK && !x->bad_status ? curl_easy_strerror(cc) : "HTTP ",
			        cc != CURLE_OK && !x->bad_status ? "" : "error", x->tries,
			        MAX_TRIES - 1);
		usleep(200000u * (unsigned)x->tries);
		return 1;
	}
	return glass_err_new(err, EIO, "GET blob %s: %s (HTTP %ld) after %d attempts", x->d->digest,
	                     cc != CURLE_OK ? curl_easy_strerror(cc) : "bad status", st, x->tries);
}

static void progress(struct xfer *xs, size_t n, unsigned long long t0)
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
	fprintf(stderr,
	        "\r\033[KCopying %zu blobs (%zu active): %.1f / %.1f MB (%3.0f%%) %.1f MB/s", n,
	        active, got / 1e6, total / 1e6, total > 0 ? 100 * got / total : 100.0,
	        secs > 0 ? got / 1e6 / secs : 0);
}

int glass_registry_fetch_blobs(struct glass_registry *r, struct glass_store *s,
                               const struct glass_desc *blobs, size_t n, struct glass_err **err)
{
	struct xfer *xs = xcalloc(n + 1, sizeof(*xs));
	size_t nx = 0, next = 0, active = 0;
	int rc = -1;
	bool tty = isatty(2) && !r->o.quiet;
	unsigned long long t0 = now_ns(), last = 0;
	char sd[20];
	for (size_t i = 0; i < n; i++) {
		if (glass_store_has_blob(s, blobs[i].digest)) {
			if (!r->o.quiet)
				fprintf(stderr, "Copying blob %.19s skipped: already exists\n",
				        blobs[i].digest);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < nx; j++)
			dup |= strcmp(xs[j].d->digest, blobs[i].digest) == 0;
		if (dup)
			continue;
		xs[nx].reg = r;
		xs[nx++].d = &blobs[i];
	}
	CURLM *m = curl_multi_init();
	for (;;) {
		while (active < (size_t)r->o.parallel && next < nx) {
			short_digest(xs[next].d->digest, sd);
			if (!r->o.quiet && !tty)
				fprintf(stderr, "Copying blob %s (%.1f MB)\n", sd,
				        (double)xs[next].d->size / 1e6);
			int st = xfer_start(&xs[next], m, s, err);
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
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct xfer *x;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			int r2 = xfer_end(x, m, msg->data.result, tty, err);
			if (r2 < 0)
				goto out;
			if (r2 == 1) {
				int st = xfer_start(x, m, s, err);
				if (st < 0)
					goto out;
				if (st == 1)
					active--;
			} else {
				active--;
			}
		}
		if (tty && now_ns() - last > 200000000ull) {
			progress(xs, nx, t0);
			last = now_ns();
		}
		curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	if (tty && nx)
		fprintf(stderr, "\r\033[K");
	rc = 0;
out:
	if (rc < 0 && tty)
		fprintf(stderr, "\n");
	for (size_t i = 0; i < nx; i++) {
		if (xs[i].c) {
			curl_multi_remove_handle(m, xs[i].c);
			curl_easy_cleanup(xs[i].c);
		}
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
