/* store-internal: what store.c shares with txn.c. */
#ifndef GLASS_STORE_INTERNAL_H
#define GLASS_STORE_INTERNAL_H

#include "store.h"

struct glass_blob_writer {
	struct glass_store *s;
	char expected[GLASS_DIGEST_LEN];
	char partial[96];
	int64_t expected_size;
	int64_t offset;
	int fd;
	struct glass_sha256 *h;
};

/* Verifies digest and size and renames the data to ingest/`ready`
 * (<hex>.ready.PID.N): complete, unlocked, not yet a blob.  The digest goes
 * to `digest`.  On mismatch the data is deleted.  Frees w in every case. */
int store_writer_ready(struct glass_blob_writer *w, char digest[GLASS_DIGEST_LEN], char ready[96],
                       struct glass_err **err);

/* True when pid names no live process. */
bool store_pid_gone(int pid);

#endif
