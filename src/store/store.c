/* store: an OCI image layout on disk, written crash-safely.
 *
 * The kernel guarantees used here: rename(2) within one filesystem
 * replaces the target atomically (readers see the old or the new file,
 * never a mix); fsync(2) of a file and then of its directory makes the
 * data and the new name durable; flock(2) locks belong to the open file
 * description and vanish when the process dies, so a kill -9 never leaves
 * a stale lock behind. */
#include "store-internal.h"
#include "store-json.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#define WRITEBACK_CHUNK (8 << 20)

bool store_pid_gone(int pid)
{
	return pid > 0 && pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
}

void glass_store_report(struct glass_store *s, enum glass_report_kind kind, const char *fmt, ...)
{
	if (!s->o.report)
		return;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *text = xvasprintf(fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->report_mu);
	s->o.report(s->o.report_data, kind, text);
	pthread_mutex_unlock(&s->report_mu);
}

/* NAME-PID (ROOT/tmp) or .tmp-PID-N (ROOT/layers): the PID, or -1. */
static int owner_pid(const char *name, bool layer)
{
	int pid = -1;
	if (layer) {
		if (sscanf(name, ".tmp-%d-", &pid) != 1)
			return -1;
		return pid;
	}
	const char *dash = strrchr(name, '-');
	if (!dash || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return -1;
	return atoi(dash + 1);
}

/* Removes the scratch directories of dead glass processes in ROOT/NAME. */
static void sweep_dead(struct glass_store *s, const char *name, bool layer)
{
	int fd = openat(s->rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (layer && strncmp(de->d_name, ".tmp-", 5) != 0)
			continue;
		if (store_pid_gone(owner_pid(de->d_name, layer)))
			glass_rm_rf_at(dirfd(d), de->d_name);
	}
	closedir(d);
}

/* Verified downloads of a dead process (<hex>.ready.PID.N) become resumable
 * .partial files again: the next pull re-hashes them instead of fetching. */
static void sweep_ready(struct glass_store *s)
{
	int fd = openat(s->ingestfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *dot = strstr(de->d_name, ".ready.");
		char partial[96];
		if (!dot || dot - de->d_name != 64 || !store_pid_gone(atoi(dot + 7)))
			continue;
		snprintf(partial, sizeof(partial), "%.64s.partial", de->d_name);
		if (renameat2(s->ingestfd, de->d_name, s->ingestfd, partial, RENAME_NOREPLACE) < 0)
			unlinkat(s->ingestfd, de->d_name, 0);
	}
	closedir(d);
}

char *glass_store_tmpdir(struct glass_store *s, const char *prefix, struct glass_err **err)
{
	if (mkdirat(s->rootfd, "tmp", 0700) < 0 && errno != EEXIST) {
		glass_err_new(err, errno, "mkdir(\"%s/tmp\")", s->root);
		return NULL;
	}
	char *path = xasprintf("%s/tmp/%s-%d", s->root, prefix, (int)getpid());
	cleanup_free char *rel = xasprintf("tmp/%s-%d", prefix, (int)getpid());
	if (glass_rm_rf_at(s->rootfd, rel) < 0 || mkdirat(s->rootfd, rel, 0700) < 0) {
		glass_err_new(err, errno, "mkdir(\"%s\")", path);
		free(path);
		return NULL;
	}
	return path;
}

static int open_dir(int dirfd, const char *path, struct glass_err **err)
{
	if (mkdirat(dirfd, path, 0700) < 0 && errno != EEXIST)
		return glass_err_new(err, errno, "mkdir(\"%s\")", path);
	return (int)GLASS_SYS(err, "open", NULL,
	                      openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
	                      "\"%s\", O_DIRECTORY", path);
}

int glass_store_open(const char *root, bool exclusive, struct glass_store **out,
                     struct glass_err **err)
{
	return glass_store_open_opts(root, exclusive, NULL, out, err);
}

int glass_store_open_opts(const char *root, bool exclusive, const struct glass_store_opts *opts,
                          struct glass_store **out, struct glass_err **err)
{
	struct glass_store *s = xcalloc(1, sizeof(*s));
	int storefd = -1;
	if (opts)
		s->o = *opts;
	pthread_mutex_init(&s->report_mu, NULL);
	s->dirfd = s->blobfd = s->ingestfd = s->rootfd = s->gc_lock = -1;
	s->root = xstrdup(root);
	s->dir = xasprintf("%s/store", root);
	if (mkdir_p(root, 0700) < 0) {
		glass_err_new(err, errno, "mkdir(\"%s\")", root);
		goto fail;
	}
	s->rootfd = open_dir(AT_FDCWD, root, err);
	if (s->rootfd < 0)
		goto fail;
	storefd = s->dirfd = open_dir(s->rootfd, "store", err);
	if (storefd < 0)
		goto fail;
	s->gc_lock = openat(storefd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->gc_lock < 0) {
		glass_err_new(err, errno, "open(\"%s/gc.lock\")", s->dir);
		goto fail;
	}
	if (GLASS_SYS(err, "flock", NULL, flock(s->gc_lock, exclusive ? LOCK_EX : LOCK_SH),
	              "\"%s/gc.lock\", %s", s->dir, exclusive ? "LOCK_EX" : "LOCK_SH") < 0)
		goto fail;
	int blobs = open_dir(storefd, "blobs", err);
	if (blobs < 0)
		goto fail;
	s->blobfd = open_dir(blobs, "sha256", err);
	close(blobs);
	if (s->blobfd < 0)
		goto fail;
	s->ingestfd = open_dir(storefd, "ingest", err);
	if (s->ingestfd < 0)
		goto fail;
	if (faccessat(storefd, "oci-layout", F_OK, 0) < 0) {
		const char *l = "{\"imageLayoutVersion\":\"1.0.0\"}";
		if (write_file_atomic_at(storefd, "oci-layout", l, strlen(l), 0644) < 0) {
			glass_err_new(err, errno, "write(\"%s/oci-layout\")", s->dir);
			goto fail;
		}
	}
	if (faccessat(storefd, "index.json", F_OK, 0) < 0) {
		const char *i = "{\"schemaVersion\":2,\"manifests\":[]}";
		if (write_file_atomic_at(storefd, "index.json", i, strlen(i), 0644) < 0) {
			glass_err_new(err, errno, "write(\"%s/index.json\")", s->dir);
			goto fail;
		}
	}
	sweep_dead(s, "tmp", false);
	sweep_dead(s, "layers", true);
	sweep_ready(s);
	*out = s;
	return 0;
fail:
	glass_err_ctx(err, "store %s", root);
	glass_store_close(s);
	return -1;
}

void glass_store_close(struct glass_store *s)
{
	if (!s)
		return;
	if (s->blobfd >= 0)
		close(s->blobfd);
	if (s->ingestfd >= 0)
		close(s->ingestfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	if (s->gc_lock >= 0)
		close(s->gc_lock);
	pthread_mutex_destroy(&s->report_mu);
	free(s->root);
	free(s->dir);
	free(s);
}

bool glass_store_has_blob(struct glass_store *s, const char *digest)
{
	return glass_digest_valid(digest) &&
	       faccessat(s->blobfd, glass_digest_hex(digest), F_OK, 0) == 0;
}

int64_t glass_store_blob_size(struct glass_store *s, const char *digest)
{
	struct stat st;
	if (!glass_digest_valid(digest) || fstatat(s->blobfd, glass_digest_hex(digest), &st, 0) < 0)
		return -1;
	return st.st_size;
}

int glass_store_open_blob(struct glass_store *s, const char *digest, struct glass_err **err)
{
	if (glass_digest_check(digest, "blob", err) < 0)
		return -1;
	int fd = openat(s->blobfd, glass_digest_hex(digest), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		glass_err_new(err, errno, "open(\"%s/blobs/sha256/%s\")", s->dir,
		              glass_digest_hex(digest));
		if (errno == ENOENT)
			glass_err_hint(
			    err, "blob %s is missing from the store; pull the image again", digest);
	}
	return fd;
}

char *glass_store_read_blob(struct glass_store *s, const char *digest, size_t *len,
                            struct glass_err **err)
{
	char got[GLASS_DIGEST_LEN];
	size_t n = 0;
	if (glass_digest_check(digest, "blob", err) < 0)
		return NULL;
	char *data = read_file_at(s->blobfd, glass_digest_hex(digest), &n);
	if (!data) {
		glass_err_new(err, errno, "read(\"%s/blobs/sha256/%s\")", s->dir,
		              glass_digest_hex(digest));
		return NULL;
	}
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

int glass_blob_writer_open(struct glass_store *s, const char *expected, int64_t expected_size,
                           bool resume, struct glass_blob_writer **out, struct glass_err **err)
{
	static unsigned seq;
	if (expected && glass_digest_check(expected, "blob", err) < 0)
		return -1;
	struct glass_blob_writer *w = xcalloc(1, sizeof(*w));
	w->s = s;
	if (expected) {
		snprintf(w->expected, sizeof(w->expected), "%s", expected);
		snprintf(w->partial, sizeof(w->partial), "%s.partial", glass_digest_hex(expected));
	} else {
		snprintf(w->partial, sizeof(w->partial), "new-%d-%u.partial", (int)getpid(),
		         __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	}
	w->expected_size = expected_size;
	w->h = glass_sha256_new();
	w->fd = openat(s->ingestfd, w->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		glass_err_new(err, errno, "open(\"%s/ingest/%s\")", s->dir, w->partial);
		goto fail;
	}
	/* Two pulls of the same blob: the second waits for the first and then
	 * finds the blob present (or resumes what the first left). */
	for (;;) {
		struct stat a, b;
		if (GLASS_SYS(err, "flock", NULL, flock(w->fd, LOCK_EX), "\"ingest/%s\", LOCK_EX",
		              w->partial) < 0)
			goto fail;
		/* The holder we waited for may have finished: the blob is there
		 * and our fd names a file that was renamed away. */
		if (expected && glass_store_has_blob(s, expected)) {
			close(w->fd);
			w->fd = -1;
			glass_err_new(err, EEXIST, "blob %s is already in the store", expected);
			goto fail;
		}
		if (fstat(w->fd, &a) == 0 && fstatat(s->ingestfd, w->partial, &b, 0) == 0 &&
		    a.st_ino == b.st_ino)
			break;
		close(w->fd);
		w->fd = openat(s->ingestfd, w->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (w->fd < 0) {
			glass_err_new(err, errno, "open(\"%s/ingest/%s\")", s->dir, w->partial);
			goto fail;
		}
	}
	if (resume) {
		char buf[1 << 16];
		ssize_t n;
		while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
			glass_sha256_update(w->h, buf, (size_t)n);
			w->offset += n;
		}
		if (n < 0) {
			glass_err_new(err, errno, "read(\"ingest/%s\")", w->partial);
			goto fail;
		}
		if (expected_size >= 0 && w->offset > expected_size) {
			if (glass_blob_writer_restart(w, err) < 0)
				goto fail;
		}
	} else if (ftruncate(w->fd, 0) < 0) {
		glass_err_new(err, errno, "ftruncate(\"ingest/%s\")", w->partial);
		goto fail;
	}
	*out = w;
	return 0;
fail:
	glass_blob_writer_abort(w, true);
	return -1;
}

int glass_blob_writer_write(struct glass_blob_writer *w, const void *buf, size_t len,
                            struct glass_err **err)
{
	if (w->expected_size >= 0 && w->offset + (int64_t)len > w->expected_size) {
		glass_err_new(err, EFBIG,
		              "blob %s: more data than the %lld bytes its descriptor says",
		              w->expected[0] ? w->expected : "(new)", (long long)w->expected_size);
		return glass_err_hint(err, "the data is corrupt or is another blob");
	}
	if (write_all(w->fd, buf, len) < 0)
		return glass_err_new(err, errno, "write(\"%s/ingest/%s\")", w->s->dir, w->partial);
	glass_sha256_update(w->h, buf, len);
	/* Start writing back each 8 MiB now (without waiting for it), so the
	 * sync that makes the blob durable finds little left to do. */
	int64_t mark = w->offset & ~(int64_t)(WRITEBACK_CHUNK - 1);
	w->offset += (int64_t)len;
	if (w->offset - mark >= WRITEBACK_CHUNK)
		sync_file_range(w->fd, mark, w->offset - mark, SYNC_FILE_RANGE_WRITE);
	return 0;
}

int glass_blob_writer_open_reader(struct glass_blob_writer *w, struct glass_err **err)
{
	int fd = openat(w->s->ingestfd, w->partial, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		glass_err_new(err, errno, "open(\"%s/ingest/%s\")", w->s->dir, w->partial);
	return fd;
}

int64_t glass_blob_writer_offset(const struct glass_blob_writer *w)
{
	return w->offset;
}

int glass_blob_writer_restart(struct glass_blob_writer *w, struct glass_err **err)
{
	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
		return glass_err_new(err, errno, "ftruncate(\"ingest/%s\")", w->partial);
	glass_sha256_reset(w->h);
	w->offset = 0;
	return 0;
}

/* Checks what was written against the expected digest and size; on a
 * mismatch deletes the data.  The digest goes to got. */
static int writer_check(struct glass_blob_writer *w, char got[GLASS_DIGEST_LEN],
                        struct glass_err **err)
{
	glass_sha256_final(w->h, got);
	if (!w->expected[0])
		memcpy(w->expected, got, GLASS_DIGEST_LEN); /* content named as written */
	if (strcmp(got, w->expected) == 0 &&
	    (w->expected_size < 0 || w->offset == w->expected_size))
		return 0;
	if (w->expected_size >= 0)
		glass_err_new(err, EBADMSG,
		              "blob %s: received %lld bytes with digest %s (expected %lld bytes)",
		              w->expected, (long long)w->offset, got, (long long)w->expected_size);
	else
		glass_err_new(err, EBADMSG, "blob %s: %lld bytes with digest %s", w->expected,
		              (long long)w->offset, got);
	glass_err_hint(err, "the data was corrupted or the source sent another blob; "
	                    "nothing was stored");
	unlinkat(w->s->ingestfd, w->partial, 0);
	return -1;
}

int glass_blob_writer_commit(struct glass_blob_writer *w, char *out_digest, struct glass_err **err)
{
	char got[GLASS_DIGEST_LEN];
	int rc = -1;
	if (writer_check(w, got, err) < 0)
		goto out;
	if (GLASS_SYS(err, "fsync", NULL, fsync(w->fd), "\"ingest/%s\"", w->partial) < 0)
		goto out;
	if (GLASS_SYS(
	        err, "renameat", NULL,
	        renameat(w->s->ingestfd, w->partial, w->s->blobfd, glass_digest_hex(w->expected)),
	        "\"ingest/%s\", \"blobs/sha256/%s\"", w->partial,
	        glass_digest_hex(w->expected)) < 0)
		goto out;
	fsync(w->s->blobfd);
	if (out_digest)
		memcpy(out_digest, w->expected, GLASS_DIGEST_LEN);
	rc = 0;
out:
	glass_blob_writer_abort(w, true);
	return rc;
}

int store_writer_ready(struct glass_blob_writer *w, char digest[GLASS_DIGEST_LEN], char ready[96],
                       struct glass_err **err)
{
	char got[GLASS_DIGEST_LEN];
	int rc = -1;
	if (writer_check(w, got, err) < 0)
		goto out;
	static unsigned seq;
	/* unique even for the same content twice in one transaction */
	snprintf(ready, 96, "%.64s.ready.%d.%u", glass_digest_hex(got), (int)getpid(),
	         __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	if (renameat(w->s->ingestfd, w->partial, w->s->ingestfd, ready) < 0) {
		glass_err_new(err, errno, "renameat(\"ingest/%s\", \"ingest/%s\")", w->partial,
		              ready);
		goto out;
	}
	memcpy(digest, got, GLASS_DIGEST_LEN);
	rc = 0;
out:
	glass_blob_writer_abort(w, true);
	return rc;
}

void glass_blob_writer_abort(struct glass_blob_writer *w, bool keep)
{
	if (!w)
		return;
	if (!keep && w->fd >= 0)
		unlinkat(w->s->ingestfd, w->partial, 0);
	if (w->fd >= 0)
		close(w->fd);
	glass_sha256_free(w->h);
	free(w);
}

int glass_store_put_blob(struct glass_store *s, const void *data, size_t len, const char *expected,
                         char *out_digest, struct glass_err **err)
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
	if (glass_store_has_blob(s, got))
		return 0;
	if (glass_blob_writer_open(s, got, (int64_t)len, false, &w, err) < 0)
		return -1;
	if (glass_blob_writer_write(w, data, len, err) < 0) {
		glass_blob_writer_abort(w, false);
		return -1;
	}
	return glass_blob_writer_commit(w, NULL, err);
}

/* index.json */

void glass_store_entries_free(struct glass_store_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].digest);
		free(e[i].media_type);
		free(e[i].index_digest);
		free(e[i].created);
	}
	free(e);
}

#define REF_NAME     "org.opencontainers.image.ref.name"
#define INDEX_DIGEST "io.glass.image.index"
#define CREATED      "org.opencontainers.image.created"

static struct json_object *load_index(struct glass_store *s, struct glass_err **err)
{
	size_t n;
	cleanup_free char *text = read_file_at(s->dirfd, "index.json", &n);
	if (!text) {
		glass_err_new(err, errno, "read(\"%s/index.json\")", s->dir);
		return NULL;
	}
	struct json_object *o = json_tokener_parse(text);
	struct json_object *m;
	if (!o || !json_object_object_get_ex(o, "manifests", &m) ||
	    !json_object_is_type(m, json_type_array)) {
		json_object_put(o);
		glass_err_new(err, EINVAL, "%s/index.json: not an OCI image index", s->dir);
		return NULL;
	}
	return o;
}

int glass_store_list(struct glass_store *s, struct glass_store_entry **out, size_t *n,
                     struct glass_err **err)
{
	struct json_object *idx = load_index(s, err), *m;
	if (!idx)
		return -1;
	json_object_object_get_ex(idx, "manifests", &m);
	size_t len = json_object_array_length(m), k = 0;
	struct glass_store_entry *e = xcalloc(len + 1, sizeof(*e));
	for (size_t i = 0; i < len; i++) {
		struct json_object *d = json_object_array_get_idx(m, i), *sz;
		const char *name = glass_json_annotation(d, REF_NAME);
		const char *mt = glass_json_str(d, "mediaType");
		if (!name || !glass_digest_valid(glass_json_str(d, "digest")))
			continue;
		e[k].name = xstrdup(name);
		e[k].digest = glass_json_strdup(d, "digest");
		e[k].media_type = xstrdup(mt ? mt : "");
		e[k].size =
		    json_object_object_get_ex(d, "size", &sz) ? json_object_get_int64(sz) : 0;
		e[k].index_digest = glass_json_annotation(d, INDEX_DIGEST)
		                        ? xstrdup(glass_json_annotation(d, INDEX_DIGEST))
		                        : NULL;
		e[k].created = glass_json_annotation(d, CREATED)
		                   ? xstrdup(glass_json_annotation(d, CREATED))
		                   : NULL;
		k++;
	}
	json_object_put(idx);
	*out = e;
	*n = k;
	return 0;
}

static int lock_index(struct glass_store *s, struct glass_err **err)
{
	int fd = openat(s->dirfd, "index.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s/index.lock\")", s->dir);
	if (GLASS_SYS(err, "flock", NULL, flock(fd, LOCK_EX), "\"%s/index.lock\", LOCK_EX",
	              s->dir) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int save_index(struct glass_store *s, struct json_object *idx, struct glass_err **err)
{
	const char *text = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PLAIN);
	if (write_file_atomic_at(s->dirfd, "index.json", text, strlen(text), 0644) < 0)
		return glass_err_new(err, errno, "write(\"%s/index.json\")", s->dir);
	return 0;
}

/* Removes the entry named `name` from the manifests array; returns whether
 * one was there. */
static bool drop_name(struct json_object *m, const char *name)
{
	bool found = false;
	for (size_t i = json_object_array_length(m); i-- > 0;) {
		const char *n = glass_json_annotation(json_object_array_get_idx(m, i), REF_NAME);
		if (n && strcmp(n, name) == 0) {
			json_object_array_del_idx(m, i, 1);
			found = true;
		}
	}
	return found;
}

int glass_store_set(struct glass_store *s, const struct glass_store_entry *e,
                    struct glass_err **err)
{
	cleanup_close int lk = lock_index(s, err);
	if (lk < 0)
		return -1;
	struct json_object *idx = load_index(s, err), *m;
	if (!idx)
		return -1;
	json_object_object_get_ex(idx, "manifests", &m);
	drop_name(m, e->name);
	struct json_object *d = json_object_new_object(), *ann = json_object_new_object();
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	json_object_object_add(d, "mediaType", json_object_new_string(e->media_type));
	json_object_object_add(d, "digest", json_object_new_string(e->digest));
	json_object_object_add(d, "size", json_object_new_int64(e->size));
	json_object_object_add(ann, REF_NAME, json_object_new_string(e->name));
	if (e->index_digest)
		json_object_object_add(ann, INDEX_DIGEST, json_object_new_string(e->index_digest));
	json_object_object_add(ann, CREATED, json_object_new_string(e->created ? e->created : now));
	json_object_object_add(d, "annotations", ann);
	json_object_array_add(m, d);
	int rc = save_index(s, idx, err);
	json_object_put(idx);
	return rc;
}

int glass_store_unset(struct glass_store *s, const char *name, struct glass_err **err)
{
	cleanup_close int lk = lock_index(s, err);
	if (lk < 0)
		return -1;
	struct json_object *idx = load_index(s, err), *m;
	if (!idx)
		return -1;
	json_object_object_get_ex(idx, "manifests", &m);
	int rc = 0;
	if (!drop_name(m, name))
		rc = glass_err_new(err, ENOENT, "no image named %s", name);
	else
		rc = save_index(s, idx, err);
	json_object_put(idx);
	return rc;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int glass_store_sweep_blobs(struct glass_store *s, char **keep, size_t nkeep, uint64_t *freed,
                            struct glass_err **err)
{
	int fd = openat(s->blobfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d)
		return glass_err_new(err, errno, "opendir(\"%s/blobs/sha256\")", s->dir);
	while ((de = readdir(d))) {
		char dg[GLASS_DIGEST_LEN + 8];
		struct stat st;
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
			continue;
		snprintf(dg, sizeof(dg), "sha256:%.64s", de->d_name);
		const char *key = dg;
		if (bsearch(&key, keep, nkeep, sizeof(char *), cmpstr))
			continue;
		if (fstatat(s->blobfd, de->d_name, &st, 0) == 0 &&
		    GLASS_SYS(err, "unlinkat", NULL, unlinkat(s->blobfd, de->d_name, 0),
		              "\"blobs/sha256/%s\"", de->d_name) == 0)
			*freed += (uint64_t)st.st_size;
	}
	closedir(d);
	/* Stale partial downloads that no transfer holds locked. */
	fd = openat(s->ingestfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int pf = openat(s->ingestfd, de->d_name, O_RDONLY | O_CLOEXEC);
		if (pf < 0)
			continue;
		struct stat st;
		if (flock(pf, LOCK_EX | LOCK_NB) == 0 && fstat(pf, &st) == 0 &&
		    unlinkat(s->ingestfd, de->d_name, 0) == 0)
			*freed += (uint64_t)st.st_size;
		close(pf);
	}
	if (d)
		closedir(d);
	return 0;
}
