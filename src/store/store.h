/* store: the content-addressable blob store, laid out as an OCI image
 * layout (image-layout.md) under ROOT/store: `oci-layout`, `index.json`
 * (one descriptor per named image) and `blobs/sha256/<hex>`.
 *
 * A blob becomes visible only complete and verified: it is written to
 * ROOT/store/ingest/<hex>.partial while its SHA-256 is computed, checked
 * against the expected digest and size, fsynced, and renamed into blobs/
 * (rename(2) is atomic within a filesystem), then the directory is
 * fsynced.  A crash or kill -9 leaves at worst a .partial file, which the
 * next pull resumes.  index.json is replaced the same way.
 *
 * Locking with flock(2): writers (pull, import) hold ROOT/store/gc.lock
 * shared for their whole run, removals (rm, prune) hold it exclusive, so a
 * blob just written but not yet named cannot be collected under a pull.
 * index.json read-modify-write cycles hold index.lock exclusive; a
 * .partial file is locked by the transfer writing it.
 */
#ifndef GLASS_STORE_H
#define GLASS_STORE_H

#include "digest.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct glass_store {
	char *root;   /* GLASS_ROOT (default /var/lib/glass) */
	char *dir;    /* ROOT/store */
	int dirfd;    /* ROOT/store */
	int blobfd;   /* ROOT/store/blobs/sha256 */
	int ingestfd; /* ROOT/store/ingest */
	int rootfd;   /* ROOT */
	int gc_lock;  /* ROOT/store/gc.lock, flock'ed */
};

/* GLASS_ROOT from the environment, or /var/lib/glass. */
const char *glass_root_dir(void);

/* Opens (creating as needed) the store under `root`, taking gc.lock
 * shared, or exclusive when `exclusive` (rm, prune).  Blocks until the
 * lock is free. */
int glass_store_open(const char *root, bool exclusive, struct glass_store **out,
                     struct glass_err **err);
void glass_store_close(struct glass_store *s);

bool glass_store_has_blob(struct glass_store *s, const char *digest);
/* Size of a blob in bytes, -1 when absent. */
int64_t glass_store_blob_size(struct glass_store *s, const char *digest);
/* Opens a blob read-only.  Returns the fd or -1 with err. */
int glass_store_open_blob(struct glass_store *s, const char *digest, struct glass_err **err);
/* Reads a (small: manifest, config) blob and checks its digest again.
 * Returns a malloc'd NUL-terminated buffer or NULL with err. */
char *glass_store_read_blob(struct glass_store *s, const char *digest, size_t *len,
                            struct glass_err **err);
/* Stores `data`; when `expected` is not NULL the digest must match.  The
 * digest is written to out_digest (may be NULL). */
int glass_store_put_blob(struct glass_store *s, const void *data, size_t len, const char *expected,
                         char *out_digest, struct glass_err **err);

/* A blob being written.  `expected` names the .partial (resumable); NULL
 * when the digest is not known in advance (the blob is then named by what
 * was written);
 * `expected_size` < 0 when unknown.  With `resume`, an existing .partial
 * is kept and re-hashed, and glass_blob_writer_offset() tells where to
 * continue; otherwise it starts empty.  Fails with EEXIST when the blob
 * is (or, after waiting for a concurrent writer, has become) present. */
struct glass_blob_writer;
int glass_blob_writer_open(struct glass_store *s, const char *expected, int64_t expected_size,
                           bool resume, struct glass_blob_writer **out, struct glass_err **err);
int glass_blob_writer_write(struct glass_blob_writer *w, const void *buf, size_t len,
                            struct glass_err **err);
int64_t glass_blob_writer_offset(const struct glass_blob_writer *w);
/* Drops what was written so far (a server that ignored a Range request). */
int glass_blob_writer_restart(struct glass_blob_writer *w, struct glass_err **err);
/* Verifies digest and size, fsyncs and renames into blobs/; the digest
 * goes to out_digest (may be NULL).  On mismatch the partial data is
 * deleted and the error names both digests.  Frees w in every case. */
int glass_blob_writer_commit(struct glass_blob_writer *w, char *out_digest, struct glass_err **err);
/* Abandons the write; `keep` leaves the .partial for a later resume. */
void glass_blob_writer_abort(struct glass_blob_writer *w, bool keep);

/* One named image in index.json. */
struct glass_store_entry {
	char *name;       /* normalised reference: "docker.io/library/busybox:latest" */
	char *digest;     /* the image manifest */
	char *media_type; /* of the manifest */
	int64_t size;
	char *index_digest; /* the index it was chosen from, or NULL */
	char *created;      /* RFC 3339 time the name was set */
};
void glass_store_entries_free(struct glass_store_entry *e, size_t n);

/* Reads index.json. */
int glass_store_list(struct glass_store *s, struct glass_store_entry **out, size_t *n,
                     struct glass_err **err);
/* Points `e->name` at the manifest (replacing an older image of that name). */
int glass_store_set(struct glass_store *s, const struct glass_store_entry *e,
                    struct glass_err **err);
/* Removes the name; -1 with ENOENT when no image has it. */
int glass_store_unset(struct glass_store *s, const char *name, struct glass_err **err);

/* Deletes every blob not in `keep` (sorted with qsort/strcmp), and stale
 * .partial files no transfer holds.  Adds the bytes freed to *freed. */
int glass_store_sweep_blobs(struct glass_store *s, char **keep, size_t nkeep, uint64_t *freed,
                            struct glass_err **err);

#endif
