/* unpack: one layer (a tar stream, possibly compressed) extracted into a
 * directory in one streaming pass, in overlayfs form.
 *
 * The OCI layer format (layer.md) marks deletions with whiteout files:
 * `.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq` hides
 * everything below in its directory.  overlayfs spells the same things as
 * a 0:0 character device named NAME and the xattr
 * `trusted.overlay.opaque=y` on the directory (`user.overlay.opaque` for
 * an unprivileged mount with `userxattr`), so each layer directory can be
 * used as a lowerdir as is.
 *
 * Every entry is created relative to a directory fd opened with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): an entry whose path is
 * absolute, climbs with `..`, or goes through a symlink made by an earlier
 * entry is refused with an error that names it, and nothing is written
 * outside the layer directory.
 */
#ifndef GLASS_UNPACK_H
#define GLASS_UNPACK_H

#include "digest.h"
#include "err.h"
#include "stream.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

/* File writer threads per layer when the caller does not say. */
#define GLASS_UNPACK_THREADS_DEFAULT 2

struct glass_unpack_opts {
	bool rootless;       /* user.overlay.* xattrs; skip chown/devices that fail */
	bool no_whiteouts;   /* keep .wh.* files as they are (plain extraction) */
	bool archive;        /* an image archive, not a layer: no whiteouts, and no device,
	                        FIFO or symlink that points outside is extracted */
	bool zlib;           /* inflate gzip with zlib instead of isa-l */
	int threads;         /* file writer threads: 0 default, -1 none, N (at most 8) */
	unsigned max_queued; /* files queued to the writers at once: 0 derives it from
	                        RLIMIT_NOFILE (each holds its directory open) */
	const struct glass_lstream_grow *grow; /* the layer file is still being written */
};

struct glass_unpack_stats {
	char diff_id[GLASS_DIGEST_LEN]; /* sha256 of the uncompressed tar */
	uint64_t bytes;                 /* uncompressed size */
	uint64_t entries;
	const char *compression; /* "gzip", "zstd", "none" */
};

/* Extracts the layer read from `fd` into the directory `destfd`.
 * Returns 0 or -1 with err naming the failing entry. */
int glass_unpack_fd(int fd, int destfd, const struct glass_unpack_opts *opts,
                    struct glass_unpack_stats *stats, struct glass_err **err);

/* Decompresses the layer read from `fd` only to compute its diffID. */
int glass_unpack_diff_id(int fd, bool zlib, char diff_id[GLASS_DIGEST_LEN], struct glass_err **err);

#endif
