/* stream: a layer blob turned into its uncompressed tar stream, with the
 * diffID (SHA-256 of the uncompressed bytes) computed on the way.
 *
 * Compression is recognised by its magic bytes, not by the media type a
 * manifest claims: gzip (1f 8b) is inflated by isa-l's igzip (SIMD
 * Huffman decoding, several times zlib's speed) or by zlib when the
 * caller asks; zstd (28 b5 2f fd) by libzstd; anything else is
 * passed through as an uncompressed tar.  Decompression and hashing run
 * on a second thread that fills a small ring of buffers while the caller
 * extracts the previous ones, so the two cores of a small host both work.
 */
#ifndef GLASS_STREAM_H
#define GLASS_STREAM_H

#include "digest.h"
#include "err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum glass_compression {
	GLASS_COMP_NONE,
	GLASS_COMP_GZIP,
	GLASS_COMP_ZSTD,
};

const char *glass_compression_name(enum glass_compression c);

struct glass_lstream;

/* A file still being written (a blob being downloaded): at its current
 * end the stream calls wait(ud, bytes read so far), which blocks until
 * the file holds more (1), or says it is complete (0) or abandoned (-1:
 * the stream fails with ECANCELED). */
struct glass_lstream_grow {
	int (*wait)(void *ud, uint64_t have);
	void *ud;
};

/* Starts decompressing `fd` (read from its current offset; the stream
 * does not own it); gzip with zlib when `zlib`, else isa-l; `grow` NULL
 * for a complete file.  Returns 0 or -1 with err. */
int glass_lstream_open(int fd, bool zlib, const struct glass_lstream_grow *grow,
                       struct glass_lstream **out, struct glass_err **err);
enum glass_compression glass_lstream_compression(const struct glass_lstream *s);
/* The next chunk of uncompressed data: returns its length (0 at the end)
 * and sets *buf; the chunk stays valid until the next call.  -1 with err
 * on corrupt input or I/O errors. */
ssize_t glass_lstream_next(struct glass_lstream *s, const void **buf, struct glass_err **err);
/* Reads (and hashes) whatever the consumer did not, stops the thread and
 * gives the diffID and the uncompressed size. */
int glass_lstream_finish(struct glass_lstream *s, char diff_id[GLASS_DIGEST_LEN], uint64_t *bytes,
                         struct glass_err **err);
/* Stops the thread (if running) and frees everything. */
void glass_lstream_free(struct glass_lstream *s);

#endif
