/* stream: decompression of layer blobs on a producer thread.
 *
 * The only kernel interaction is read(2) on the blob; the work is CPU:
 * inflate and SHA-256.  Splitting it from extraction (which is mostly
 * syscalls: openat, write, fchown, utimensat) lets a 2-core host overlap
 * the two, the way `tar -xz` overlaps gzip and tar in two processes, but
 * without the pipe copy. */
#include "stream.h"
#include "util.h"

#include <isa-l.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>

#define NSLOTS    4
#define SLOT_SIZE (1 << 20)
#define IN_SIZE   (256 << 10)

struct slot {
	unsigned char *data;
	size_t len;
	bool full;
};

/* Grouped by stage, not by size: one per layer being read, so the padding
 * (32 bytes) costs nothing worth the reordering. */
struct glass_lstream { /* NOLINT(clang-analyzer-optin.performance.Padding) */
	int fd;
	struct glass_lstream_grow grow; /* wait == NULL: a complete file */
	uint64_t consumed;              /* bytes read from fd */
	enum glass_compression comp;
	bool use_zlib;
	/* input */
	unsigned char *in;
	size_t in_len, in_pos;
	bool in_eof;
	/* decoders */
	struct inflate_state *isal;
	z_stream z;
	bool z_init;
	ZSTD_DCtx *zstd;
	bool member_done; /* gzip: the current member ended */
	/* output ring */
	struct slot slots[NSLOTS];
	unsigned head, tail; /* producer fills head, consumer reads tail */
	bool consumer_holds;
	bool done, stop;
	int error;      /* errno-like */
	char emsg[256]; /* producer's error */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	bool started;
	struct glass_sha256 *h;
	uint64_t total;
};

const char *glass_compression_name(enum glass_compression c)
{
	switch (c) {
	case GLASS_COMP_GZIP:
		return "gzip";
	case GLASS_COMP_ZSTD:
		return "zstd";
	case GLASS_COMP_NONE:
		return "none";
	default:
		return "?";
	}
}

/* Refills the input buffer when empty.  Returns bytes available, 0 at EOF,
 * -1 on read errors. */
static ssize_t fill_input(struct glass_lstream *s)
{
	if (s->in_pos < s->in_len)
		return (ssize_t)(s->in_len - s->in_pos);
	if (s->in_eof)
		return 0;
	ssize_t n;
	for (;;) {
		do
			n = read(s->fd, s->in, IN_SIZE);
		while (n < 0 && errno == EINTR);
		if (n != 0 || !s->grow.wait)
			break;
		int w = s->grow.wait(s->grow.ud, s->consumed);
		if (w == 0)
			break;
		if (w < 0) {
			errno = ECANCELED;
			return -1;
		}
	}
	if (n < 0)
		return -1;
	s->consumed += (uint64_t)n;
	s->in_pos = 0;
	s->in_len = (size_t)n;
	if (n == 0)
		s->in_eof = true;
	return n;
}

static int fail(struct glass_lstream *s, int e, const char *fmt, const char *what, long code)
{
	s->error = e;
	snprintf(s->emsg, sizeof(s->emsg), fmt, what, code);
	return -1;
}

/* After a gzip member: more members may follow (pigz and concatenated
 * files); trailing zero padding is ignored. */
static bool another_member(struct glass_lstream *s)
{
	if (fill_input(s) <= 0)
		return false;
	return s->in[s->in_pos] == 0x1f;
}

/* Produces up to `cap` bytes of output into `out`.  Returns the count,
 * 0 at the end, -1 on error (s->error, s->emsg set). */
static ssize_t produce(struct glass_lstream *s, unsigned char *out, size_t cap)
{
	size_t got = 0;
	while (got < cap) {
		ssize_t avail = fill_input(s);
		if (avail < 0)
			return fail(s, errno, "read(%s): error %ld", "layer", errno);
		if (s->comp == GLASS_COMP_NONE) {
			if (avail == 0)
				break;
			size_t n = (size_t)avail < cap - got ? (size_t)avail : cap - got;
			memcpy(out + got, s->in + s->in_pos, n);
			s->in_pos += n;
			got += n;
		} else if (s->comp == GLASS_COMP_ZSTD) {
			if (avail == 0)
				break;
			ZSTD_inBuffer ib = {s->in, s->in_len, s->in_pos};
			ZSTD_outBuffer ob = {out, cap, got};
			size_t r = ZSTD_decompressStream(s->zstd, &ob, &ib);
			if (ZSTD_isError(r))
				return fail(s, EBADMSG, "zstd: %s (%ld)", ZSTD_getErrorName(r), 0);
			s->in_pos = ib.pos;
			got = ob.pos;
		} else if (s->member_done) {
			if (!another_member(s))
				break;
			s->member_done = false;
			if (s->use_zlib) {
				inflateReset(&s->z);
			} else {
				isal_inflate_reset(s->isal);
				s->isal->crc_flag = ISAL_GZIP;
			}
		} else if (s->use_zlib) {
			if (avail == 0)
				return fail(s, EBADMSG, "gzip: %s (%ld)", "truncated input", 0);
			s->z.next_in = s->in + s->in_pos;
			s->z.avail_in = (uInt)(s->in_len - s->in_pos);
			s->z.next_out = out + got;
			s->z.avail_out = (uInt)(cap - got);
			int r = inflate(&s->z, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
				return fail(s, EBADMSG, "gzip (zlib): %s (%ld)",
				            s->z.msg ? s->z.msg : "corrupt data", r);
			s->in_pos = s->in_len - s->z.avail_in;
			got = cap - s->z.avail_out;
			if (r == Z_STREAM_END)
				s->member_done = true;
		} else {
			if (avail == 0)
				return fail(s, EBADMSG, "gzip: %s (%ld)", "truncated input", 0);
			s->isal->next_in = s->in + s->in_pos;
			s->isal->avail_in = (uint32_t)(s->in_len - s->in_pos);
			s->isal->next_out = out + got;
			s->isal->avail_out = (uint32_t)(cap - got);
			int r = isal_inflate(s->isal);
			if (r < 0)
				return fail(s, EBADMSG, "gzip (isa-l): %s (%ld)",
				            r == ISAL_INCORRECT_CHECKSUM ? "CRC mismatch"
				                                         : "corrupt deflate data",
				            r);
			s->in_pos = s->in_len - s->isal->avail_in;
			got = cap - s->isal->avail_out;
			if (s->isal->block_state == ISAL_BLOCK_FINISH)
				s->member_done = true;
		}
	}
	return (ssize_t)got;
}

static void *producer(void *arg)
{
	struct glass_lstream *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->stop && s->slots[s->head].full)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		struct slot *sl = &s->slots[s->head];
		pthread_mutex_unlock(&s->mu);
		ssize_t n = produce(s, sl->data, SLOT_SIZE);
		if (n > 0) {
			glass_sha256_update(s->h, sl->data, (size_t)n);
			s->total += (uint64_t)n;
		}
		pthread_mutex_lock(&s->mu);
		if (n > 0) {
			sl->len = (size_t)n;
			sl->full = true;
			s->head = (s->head + 1) % NSLOTS;
		} else {
			s->done = true;
		}
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		if (n <= 0)
			return NULL;
	}
}

int glass_lstream_open(int fd, bool zlib, const struct glass_lstream_grow *grow,
                       struct glass_lstream **out, struct glass_err **err)
{
	struct glass_lstream *s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	if (grow)
		s->grow = *grow;
	s->in = xmalloc(IN_SIZE);
	s->h = glass_sha256_new();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	for (int i = 0; i < NSLOTS; i++)
		s->slots[i].data = xmalloc(SLOT_SIZE);
	if (fill_input(s) < 0) {
		glass_err_new(err, errno, "read(layer)");
		glass_lstream_free(s);
		return -1;
	}
	const unsigned char *m = s->in;
	if (s->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
		s->comp = GLASS_COMP_GZIP;
		s->use_zlib = zlib;
		if (s->use_zlib) {
			if (inflateInit2(&s->z, 15 + 16) != Z_OK)
				abort();
			s->z_init = true;
		} else {
			s->isal = xcalloc(1, sizeof(*s->isal));
			isal_inflate_init(s->isal);
			s->isal->crc_flag = ISAL_GZIP;
		}
	} else if (s->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
		s->comp = GLASS_COMP_ZSTD;
		s->zstd = ZSTD_createDCtx();
		if (!s->zstd)
			abort();
	}
	int r = pthread_create(&s->th, NULL, producer, s);
	if (r != 0) {
		glass_err_new(err, r, "pthread_create(layer decompressor)");
		glass_lstream_free(s);
		return -1;
	}
	s->started = true;
	*out = s;
	return 0;
}

enum glass_compression glass_lstream_compression(const struct glass_lstream *s)
{
	return s->comp;
}

ssize_t glass_lstream_next(struct glass_lstream *s, const void **buf, struct glass_err **err)
{
	ssize_t rc;
	pthread_mutex_lock(&s->mu);
	if (s->consumer_holds) {
		s->slots[s->tail].full = false;
		s->tail = (s->tail + 1) % NSLOTS;
		s->consumer_holds = false;
		pthread_cond_broadcast(&s->cv);
	}
	while (!s->slots[s->tail].full && !s->done)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->slots[s->tail].full) {
		*buf = s->slots[s->tail].data;
		rc = (ssize_t)s->slots[s->tail].len;
		s->consumer_holds = true;
	} else if (s->error) {
		rc = glass_err_new(err, s->error, "decompress layer: %s", s->emsg);
	} else {
		*buf = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int glass_lstream_finish(struct glass_lstream *s, char diff_id[GLASS_DIGEST_LEN], uint64_t *bytes,
                         struct glass_err **err)
{
	const void *b;
	ssize_t n;
	while ((n = glass_lstream_next(s, &b, err)) > 0)
		;
	if (n < 0)
		return -1;
	pthread_join(s->th, NULL);
	s->started = false;
	glass_sha256_final(s->h, diff_id);
	if (bytes)
		*bytes = s->total;
	return 0;
}

void glass_lstream_free(struct glass_lstream *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
	}
	for (int i = 0; i < NSLOTS; i++)
		free(s->slots[i].data);
	free(s->in);
	free(s->isal);
	if (s->z_init)
		inflateEnd(&s->z);
	if (s->zstd)
		ZSTD_freeDCtx(s->zstd);
	glass_sha256_free(s->h);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
