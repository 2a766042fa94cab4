/* store: the content-addressable blob store, laid out as an OCI image
 * layout (image-layout.md) under ROOT/store: `oci-layout`, `index.json`
 * (one descriptor per named image) and `blobs/sha256/<hex>`.
 *
 * A blob becomes visible only complete and verified: it is written to
 * ROOT/store/ingest/<hex>.partial while its SHA-256 is computed, checked
 * against the expected digest and size, made durable, and renamed into
 * blobs/ (rename(2) is atomic within a filesystem).  One blob alone is
 * fsynced with its directory; the many blobs and layer directories of a
 * pull or an import form a transaction (glass_store_txn) that is made
 * durable by one syncfs(2) and only then renamed into place.  A crash or
 * kill -9 leaves at worst ingest files and .tmp directories, which the
 * next pull resumes or the next store operation removes.  index.json is
 * replaced atomically too.
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

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the library tells its caller while it works; it never prints.
 * INFO is a line of progress ("Copying blob ... done"), STATUS a transient
 * line the next one replaces (a terminal's progress bar), WARN something
 * the user should know (a fallback was taken).  Called from one thread at
 * a time. */
enum glass_report_kind {
	GLASS_REPORT_INFO,
	GLASS_REPORT_STATUS,
	GLASS_REPORT_WARN,
};
typedef void (*glass_report_fn)(void *data, enum glass_report_kind kind, const char *text);

/* How the store works; all-zero is the default everywhere. */
struct glass_store_opts {
	glass_report_fn report; /* NULL: silent */
	void *report_data;
	const char
	    *snapshotter;   /* "copy" forces copied rootfs; NULL: overlayfs, copy as fallback */
	int unpack_jobs;    /* layers unpacked at once: 0 default, N */
	int unpack_threads; /* file writer threads per layer: 0 default, -1 none, N */
	bool inflate_zlib;  /* gzip through zlib instead of isa-l */
};

struct glass_store {
	char *root;   /* the state root (glass's GLASS_ROOT, default /var/lib/glass) */
	char *dir;    /* ROOT/store */
	int dirfd;    /* ROOT/store */
	int blobfd;   /* ROOT/store/blobs/sha256 */
	int ingestfd; /* ROOT/store/ingest */
	int rootfd;   /* ROOT */
	int gc_lock;  /* ROOT/store/gc.lock, flock'ed */
	struct glass_store_opts o;
	pthread_mutex_t report_mu;
};

/* Opens (creating as needed) the store under `root`, taking gc.lock
 * shared, or exclusive when `exclusive` (rm, prune).  Blocks until the
 * lock is free.  Then removes what dead glass processes left (their
 * ROOT/tmp and layers/.tmp directories; verified downloads go back to
 * resumable .partial files).  `opts` may be NULL (defaults, silent). */
int glass_store_open_opts(const char *root, bool exclusive, const struct glass_store_opts *opts,
                          struct glass_store **out, struct glass_err **err);
int glass_store_open(const char *root, bool exclusive, struct glass_store **out,
                     struct glass_err **err);
void glass_store_close(struct glass_store *s);

/* Hands a line to the caller's report function (see glass_store_opts). */
void glass_store_report(struct glass_store *s, enum glass_report_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A private directory ROOT/tmp/PREFIX-PID for an operation's scratch
 * files (malloc'd path); removed by the next store open once PID is gone. */
char *glass_store_tmpdir(struct glass_store *s, const char *prefix, struct glass_err **err);

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

/* Opens the data written so far for reading (a layer extracted while it
 * downloads); the fd stays valid when the data is renamed.  -1 with err. */
int glass_blob_writer_open_reader(struct glass_blob_writer *w, struct glass_err **err);

/* A blob being downloaded, told to a reader of its growing file: how much
 * is written, and how the download ended.  Reference counted (the
 * downloader and the reader each hold one).  Nothing read through a feed
 * may be used before glass_blob_feed_end() said the blob was verified. */
struct glass_blob_feed;
struct glass_blob_feed *glass_blob_feed_new(int64_t written);
struct glass_blob_feed *glass_blob_feed_ref(struct glass_blob_feed *f);
void glass_blob_feed_unref(struct glass_blob_feed *f);
/* The file now holds `written` bytes. */
void glass_blob_feed_grow(struct glass_blob_feed *f, int64_t written);
/* The download ended: `verified` when the blob joined the transaction;
 * otherwise it failed or restarted from zero (readers must start over). */
void glass_blob_feed_end(struct glass_blob_feed *f, bool verified);
/* Waits until the file holds more than `have` bytes (1), or the download
 * ended verified with `have` bytes (0), or the data is not usable (-1). */
int glass_blob_feed_wait(struct glass_blob_feed *f, int64_t have);
/* Waits for the end of the download; true when verified. */
bool glass_blob_feed_verified(struct glass_blob_feed *f);

/* A transaction: the blobs and layer directories one pull or import
 * writes.  Verified blobs wait in ingest/ (invisible, readable through the
 * transaction); directories wait under temporary names.  Commit makes all
 * of it durable with one syncfs(2) per filesystem and then renames
 * everything into place, so a named blob or layer is never one a crash
 * could have left incomplete.  Safe to use from several threads. */
struct glass_store_txn;
/* `keep_partials`: an abandoned transaction leaves its blobs as resumable
 * .partial files (a pull); otherwise it deletes them (an import). */
struct glass_store_txn *glass_store_txn_new(struct glass_store *s, bool keep_partials);
struct glass_store *glass_store_txn_store(struct glass_store_txn *t);
/* Keeps the disk writing what the transaction writes while it works (a
 * thread syncs the store's file system every 250 ms until the commit), so
 * the commit's sync is short.  For large transactions (a pull). */
void glass_store_txn_writeback(struct glass_store_txn *t);
/* Verifies the writer's blob (as commit does) and adds it; frees w in
 * every case.  The digest goes to out_digest (may be NULL). */
int glass_store_txn_add_writer(struct glass_store_txn *t, struct glass_blob_writer *w,
                               char *out_digest, struct glass_err **err);
/* glass_store_put_blob() into the transaction. */
int glass_store_txn_put_blob(struct glass_store_txn *t, const void *data, size_t len,
                             const char *expected, char *out_digest, struct glass_err **err);
/* True when the blob is in the store or in the transaction. */
bool glass_store_txn_has_blob(struct glass_store_txn *t, const char *digest);
/* Opens a blob of the transaction or, failing that, of the store. */
int glass_store_txn_open_blob(struct glass_store_txn *t, const char *digest,
                              struct glass_err **err);
/* Reads a small blob of the transaction or the store (digest re-checked). */
char *glass_store_txn_read_blob(struct glass_store_txn *t, const char *digest, size_t *len,
                                struct glass_err **err);
/* Registers dirfd/tmp to be renamed to dirfd/name at commit (dirfd is
 * duplicated).  When `name` exists by then (a concurrent writer made the
 * same content), tmp is removed instead. */
void glass_store_txn_add_dir(struct glass_store_txn *t, int dirfd, const char *tmp,
                             const char *name);
/* One syncfs per filesystem touched, then the renames, then an fsync of
 * each directory renamed into.  The transaction is empty afterwards. */
int glass_store_txn_commit(struct glass_store_txn *t, struct glass_err **err);
/* Abandons what was not committed (see keep_partials) and frees t. */
void glass_store_txn_free(struct glass_store_txn *t);

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
