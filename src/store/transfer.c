/* transfer: OCI layouts and archives.
 *
 * A layout or archive is untrusted input like a registry, and a local
 * file can be more hostile than a network stream: a symlink to /dev/zero
 * never ends, a FIFO never answers.  So every file is opened beneath the
 * layout with openat2(RESOLVE_BENEATH) (no absolute symlink, no "..", no
 * magic link; the documents also with O_NOFOLLOW), must be a regular
 * file (O_NONBLOCK, so opening a FIFO cannot hang), and documents read
 * into memory have a size cap; blobs stream into the store and may not
 * exceed the size their descriptor gives.  Digests from the layout's JSON
 * are validated before they become blobs/sha256/<hex> paths, and every
 * blob is re-hashed on the way in.  An import is one store transaction:
 * a bad blob or layer anywhere stores nothing. */
#include "lazy-archive.h"
#include "transfer.h"
#include "store-json.h"
#include "sys.h"
#include "unpack.h"
#include "util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DOC    (4u << 20)  /* index.json, manifest.json, manifests */
#define MAX_CONFIG (16u << 20) /* image configs (history can be long) */

struct import {
	struct glass_store *s;
	struct glass_store_txn *txn;
	int dfd;
	const char *name, *base, *platform;
	struct glass_store_entry *entries; /* names to set once the transaction is durable */
	size_t n;
};

/* Opens dir/rel for reading as described atop.  The error names rel. */
static int open_in(int dfd, const char *rel, bool nofollow, struct stat *st, struct glass_err **err)
{
	int fd =
	    glass_openat2_beneath(dfd, rel, O_RDONLY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0), 0);
	if (fd < 0) {
		int e = errno;
		glass_err_new(err, e, "open(\"%s\")", rel);
		if (e == ELOOP)
			glass_err_hint(err, "%s is a symlink; an image's documents must be files",
			               rel);
		else if (e == EXDEV)
			glass_err_hint(err,
			               "%s leads outside the image (\"..\" or an absolute "
			               "symlink)",
			               rel);
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		int e = errno;
		bool reg = S_ISREG(st->st_mode);
		close(fd);
		glass_err_new(err, reg ? e : EINVAL, "%s is not a regular file", rel);
		return glass_err_hint(err, "an image holds plain files only (no FIFO, device or "
		                           "directory in their place)");
	}
	return fd;
}

/* Reads dir/rel whole; at most `cap` bytes. */
static char *read_in(int dfd, const char *rel, bool nofollow, size_t cap, size_t *len,
                     struct glass_err **err)
{
	struct stat st;
	cleanup_close int fd = open_in(dfd, rel, nofollow, &st, err);
	if (fd < 0)
		return NULL;
	if (st.st_size > (off_t)cap) {
		glass_err_new(err, EFBIG, "%s is %lld bytes, more than the %zu bytes allowed", rel,
		              (long long)st.st_size, cap);
		return NULL;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	ssize_t n;
	while ((n = read(fd, buf + got, (size_t)st.st_size + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0 || got > (size_t)st.st_size) {
		glass_err_new(err, n < 0 ? errno : EFBIG, "read(\"%s\")", rel);
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Copies dir/rel into the transaction as the blob `expected` of
 * `expected_size` bytes (both may be unknown: NULL, -1); its size goes to
 * *size (may be NULL). */
static int copy_in(struct import *im, const char *rel, const char *expected, int64_t expected_size,
                   char out[GLASS_DIGEST_LEN], int64_t *size, struct glass_err **err)
{
	struct glass_blob_writer *w;
	struct stat st;
	char buf[1 << 16];
	ssize_t n;
	if (expected && glass_store_txn_has_blob(im->txn, expected)) {
		memcpy(out, expected, GLASS_DIGEST_LEN);
		if (size)
			*size = expected_size;
		return 0;
	}
	cleanup_close int fd = open_in(im->dfd, rel, false, &st, err);
	if (fd < 0)
		return -1;
	if (size)
		*size = st.st_size;
	if (glass_blob_writer_open(im->s, expected, expected_size >= 0 ? expected_size : st.st_size,
	                           false, &w, err) < 0) {
		if (!expected || !*err || (*err)->errnum != EEXIST)
			return -1;
		glass_err_free(err); /* a concurrent import stored it */
		memcpy(out, expected, GLASS_DIGEST_LEN);
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (glass_blob_writer_write(w, buf, (size_t)n, err) < 0) {
			glass_blob_writer_abort(w, false);
			return glass_err_ctx(err, "%s", rel);
		}
	if (n < 0) {
		glass_blob_writer_abort(w, false);
		return glass_err_new(err, errno, "read(\"%s\")", rel);
	}
	return glass_store_txn_add_writer(im->txn, w, out, err);
}

static char *blob_path(const char *digest)
{
	return xasprintf("blobs/sha256/%s", glass_digest_hex(digest));
}

static char *normalise(const char *n, const char *base, struct glass_err **err)
{
	struct glass_ref r;
	cleanup_free char *full = NULL;
	if (!strchr(n, '/') && !strchr(n, ':') && !strchr(n, '@'))
		full = xasprintf("localhost/%s:%s", base, n); /* a bare tag */
	else if (!strchr(n, '/'))
		full = xasprintf("localhost/%s", n);
	else
		full = xstrdup(n);
	if (glass_ref_parse(full, &r, err) < 0)
		return NULL;
	char *s = glass_ref_string(&r);
	glass_ref_clear(&r);
	return s;
}

/* Unpacks the image's layers (checking each blob against its diffID,
 * also when the layer is there already) and remembers its name. */
static int unpack_and_name(struct import *im, const char *mdata, size_t mlen, const char *md,
                           const char *index_digest, const char *name, struct glass_err **err)
{
	struct glass_image *img = NULL;
	struct glass_layer_unpacker *u;
	size_t clen;
	int rc = -1;
	struct glass_manifest *m = NULL;
	if (glass_manifest_parse(mdata, mlen, NULL, &m, err) < 0)
		return -1;
	cleanup_free char *cdata = glass_store_txn_read_blob(im->txn, m->config.digest, &clen, err);
	if (!cdata || glass_image_parse(md, mdata, mlen, cdata, clen, &img, err) < 0 ||
	    glass_layer_unpacker_start(im->s, im->txn, img, true, false, &u, err) < 0)
		goto out;
	for (size_t i = 0; i < img->manifest->nlayers; i++)
		glass_layer_unpacker_ready(u, img->manifest->layers[i].digest);
	if (glass_layer_unpacker_finish(u, NULL, err) < 0)
		goto out;
	im->entries = xrealloc(im->entries, (im->n + 1) * sizeof(*im->entries));
	im->entries[im->n++] = (struct glass_store_entry){
	    .name = xstrdup(name),
	    .digest = xstrdup(md),
	    .media_type = xstrdup(m->media_type ? m->media_type : GLASS_MT_OCI_MANIFEST),
	    .size = (int64_t)mlen,
	    .index_digest = index_digest ? xstrdup(index_digest) : NULL};
	rc = 0;
out:
	glass_image_free(img);
	glass_manifest_free(m);
	return rc;
}

/* Stores manifest `md` of the layout and its blobs, and unpacks it. */
static int import_manifest(struct import *im, const struct glass_desc *d, const char *index_digest,
                           const char *name, struct glass_err **err)
{
	size_t len;
	char got[GLASS_DIGEST_LEN];
	struct glass_manifest *m = NULL;
	int rc = -1;
	cleanup_free char *cp = NULL;
	cleanup_free char *p = blob_path(d->digest);
	cleanup_free char *data = read_in(im->dfd, p, false, MAX_DOC, &len, err);
	if (!data || glass_store_txn_put_blob(im->txn, data, len, d->digest, NULL, err) < 0 ||
	    glass_manifest_parse(data, len, NULL, &m, err) < 0)
		goto out;
	if (m->kind != GLASS_MANIFEST_IMAGE) {
		glass_err_new(err, ENOTSUP, "%s: nested index", d->digest);
		goto out;
	}
	if (m->config.size > (int64_t)MAX_CONFIG) {
		glass_err_new(err, EFBIG, "config %s: %lld bytes, more than the %u allowed",
		              m->config.digest, (long long)m->config.size, MAX_CONFIG);
		goto out;
	}
	cp = blob_path(m->config.digest);
	if (copy_in(im, cp, m->config.digest, m->config.size, got, NULL, err) < 0)
		goto out;
	for (size_t i = 0; i < m->nlayers; i++) {
		cleanup_free char *lp = blob_path(m->layers[i].digest);
		if (copy_in(im, lp, m->layers[i].digest, m->layers[i].size, got, NULL, err) < 0)
			goto out;
	}
	rc = unpack_and_name(im, data, len, d->digest, index_digest, name, err);
out:
	glass_manifest_free(m);
	return rc;
}

/* An index entry: an image manifest, or an index to choose from. */
static int import_entry(struct import *im, const struct glass_desc *d, const char *name,
                        struct glass_err **err)
{
	if (!d->media_type || (strcmp(d->media_type, GLASS_MT_OCI_INDEX) != 0 &&
	                       strcmp(d->media_type, GLASS_MT_DOCKER_LIST) != 0))
		return import_manifest(im, d, NULL, name, err);
	size_t sl;
	struct glass_manifest *sub = NULL;
	cleanup_free char *ip = blob_path(d->digest);
	cleanup_free char *it = read_in(im->dfd, ip, false, MAX_DOC, &sl, err);
	if (!it || glass_store_txn_put_blob(im->txn, it, sl, d->digest, NULL, err) < 0 ||
	    glass_manifest_parse(it, sl, NULL, &sub, err) < 0)
		return -1;
	const struct glass_desc *sel = glass_manifest_select(sub, im->platform, err);
	int rc = sel ? import_manifest(im, sel, d->digest, name, err) : -1;
	glass_manifest_free(sub);
	return rc;
}

static int import_layout(struct import *im, struct glass_err **err)
{
	size_t len;
	struct glass_manifest *idx = NULL;
	cleanup_free char *text = read_in(im->dfd, "index.json", true, MAX_DOC, &len, err);
	if (!text || glass_manifest_parse(text, len, GLASS_MT_OCI_INDEX, &idx, err) < 0)
		return glass_err_ctx(err, "index.json");
	int rc = 0;
	for (size_t i = 0; i < idx->nmanifests && rc == 0; i++) {
		const struct glass_desc *d = &idx->manifests[i];
		cleanup_free char *n = normalise(im->name      ? im->name
		                                 : d->ref_name ? d->ref_name
		                                               : "latest",
		                                 im->base, err);
		rc = n ? import_entry(im, d, n, err) : -1;
		if (im->name)
			break; /* one name: the first image */
	}
	glass_manifest_free(idx);
	return rc;
}

static bool is_compressed(struct import *im, const char *rel)
{
	unsigned char m[4] = {0};
	struct stat st;
	cleanup_close int fd = open_in(im->dfd, rel, false, &st, NULL);
	if (fd < 0 || read(fd, m, 4) < 2)
		return false;
	return (m[0] == 0x1f && m[1] == 0x8b) || (m[0] == 0x28 && m[1] == 0xb5);
}

/* The OCI manifest of one docker-save entry, its blobs copied in. */
static char *docker_manifest(struct import *im, struct json_object *e, size_t i,
                             struct glass_err **err)
{
	struct json_object *layers;
	const char *cfgp = glass_json_str(e, "Config");
	char cd[GLASS_DIGEST_LEN], ld[GLASS_DIGEST_LEN];
	int64_t csize, lsize;
	if (!cfgp || !json_object_object_get_ex(e, "Layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		glass_err_new(err, EINVAL, "manifest.json[%zu]: no Config or Layers", i);
		return NULL;
	}
	if (copy_in(im, cfgp, NULL, -1, cd, &csize, err) < 0)
		return NULL;
	if (csize > (int64_t)MAX_CONFIG) {
		glass_err_new(err, EFBIG, "%s: %lld bytes, more than the %u allowed", cfgp,
		              (long long)csize, MAX_CONFIG);
		return NULL;
	}
	struct strbuf m = STRBUF_INIT;
	strbuf_printf(&m,
	              "{\"schemaVersion\":2,\"mediaType\":\"" GLASS_MT_OCI_MANIFEST
	              "\",\"config\":{\"mediaType\":\"" GLASS_MT_OCI_CONFIG
	              "\",\"digest\":\"%s\",\"size\":%lld},\"layers\":[",
	              cd, (long long)csize);
	for (size_t j = 0; j < json_object_array_length(layers); j++) {
		const char *lp = json_object_get_string(json_object_array_get_idx(layers, j));
		if (!lp)
			glass_err_new(err, EINVAL, "manifest.json[%zu].Layers[%zu]: not a path", i,
			              j);
		if (!lp || copy_in(im, lp, NULL, -1, ld, &lsize, err) < 0) {
			strbuf_release(&m);
			return NULL;
		}
		strbuf_printf(&m, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}",
		              j ? "," : "",
		              is_compressed(im, lp) ? GLASS_MT_OCI_LAYER_GZIP : GLASS_MT_OCI_LAYER,
		              ld, (long long)lsize);
	}
	strbuf_printf(&m, "]}");
	return strbuf_steal(&m);
}

/* docker save: manifest.json = [{Config, RepoTags, Layers}] with paths
 * relative to the archive root. */
static int import_docker(struct import *im, struct glass_err **err)
{
	size_t len;
	cleanup_free char *text = read_in(im->dfd, "manifest.json", true, MAX_DOC, &len, err);
	struct json_object *arr = text ? json_tokener_parse(text) : NULL, *tags;
	int rc = 0;
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return text
		           ? glass_err_new(err, EINVAL, "manifest.json: not a docker-save manifest")
		           : -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && rc == 0; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		char md[GLASS_DIGEST_LEN];
		cleanup_free char *mj = docker_manifest(im, e, i, err);
		if (!mj || glass_store_txn_put_blob(im->txn, mj, strlen(mj), NULL, md, err) < 0) {
			rc = -1;
			break;
		}
		const char *tag = NULL;
		if (json_object_object_get_ex(e, "RepoTags", &tags) &&
		    json_object_is_type(tags, json_type_array) &&
		    json_object_array_length(tags) > 0)
			tag = json_object_get_string(json_object_array_get_idx(tags, 0));
		cleanup_free char *n = NULL;
		if (im->name || tag) {
			struct glass_ref r;
			if (glass_ref_parse(im->name ? im->name : tag, &r, err) < 0) {
				rc = -1;
				break;
			}
			n = glass_ref_string(&r);
			glass_ref_clear(&r);
		} else {
			n = xasprintf("localhost/%s:latest", im->base);
		}
		rc = unpack_and_name(im, mj, strlen(mj), md, NULL, n, err);
		if (im->name)
			break;
	}
	json_object_put(arr);
	return rc;
}

int glass_import_dir(struct glass_store *s, const char *dir, const char *name, const char *base,
                     const char *platform, char ***names, struct glass_err **err)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct import im = {s, NULL, dfd, name, base, platform, NULL, 0};
	int rc;
	if (dfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", dir);
	im.txn = glass_store_txn_new(s, false);
	if (faccessat(dfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    faccessat(dfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		rc = import_layout(&im, err);
	else if (faccessat(dfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		rc = import_docker(&im, err);
	else {
		glass_err_new(err, EINVAL, "%s is neither an OCI layout nor a docker-save archive",
		              dir);
		rc = glass_err_hint(err, "an OCI layout has oci-layout and index.json; docker save "
		                         "writes manifest.json");
	}
	if (rc == 0)
		rc = glass_store_txn_commit(im.txn, err);
	char **out = xcalloc(im.n + 1, sizeof(char *));
	for (size_t i = 0; i < im.n && rc == 0; i++) {
		rc = glass_store_set(s, &im.entries[i], err);
		out[i] = xstrdup(im.entries[i].name);
	}
	glass_store_txn_free(im.txn);
	glass_store_entries_free(im.entries, im.n);
	if (rc < 0) {
		glass_manifest_strv_free(out);
		return glass_err_ctx(err, "import %s", dir);
	}
	*names = out;
	return 0;
}

int glass_archive_extract(const char *file, const char *dir, struct glass_err **err)
{
	struct glass_unpack_opts o = {.archive = true, .no_whiteouts = true};
	struct glass_unpack_stats st;
	struct stat fst;
	cleanup_close int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", file);
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
		return glass_err_new(err, fstat(fd, &fst) < 0 ? errno : EINVAL,
		                     "%s is not a regular file", file);
	if (mkdir_p(dir, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", dir);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", dir);
	if (glass_unpack_fd(fd, dfd, &o, &st, err) < 0)
		return glass_err_ctx(err, "extract %s", file);
	return 0;
}

int glass_import_path(struct glass_store *s, const char *path, const char *name, const char *base,
                      const char *platform, char ***names, struct glass_err **err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return glass_err_new(err, errno, "stat(\"%s\")", path);
	if (S_ISDIR(st.st_mode))
		return glass_import_dir(s, path, name, base, platform, names, err);
	cleanup_free char *tmp = glass_store_tmpdir(s, "import", err);
	if (!tmp)
		return -1;
	int rc = glass_archive_extract(path, tmp, err);
	if (rc == 0)
		rc = glass_import_dir(s, tmp, name, base, platform, names, err);
	glass_rm_rf_at(AT_FDCWD, tmp);
	return rc;
}

static int copy_out(struct glass_store *s, int bdir, const char *digest, struct glass_err **err)
{
	const char *hex = glass_digest_hex(digest);
	if (faccessat(bdir, hex, F_OK, 0) == 0)
		return 0;
	cleanup_close int in = glass_store_open_blob(s, digest, err);
	if (in < 0)
		return -1;
	cleanup_free char *tmp = xasprintf(".%s.tmp", hex);
	cleanup_close int out = openat(bdir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct stat st;
	if (out < 0 || fstat(in, &st) < 0)
		return glass_err_new(err, errno, "create blob %s", hex);
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0) {
			char buf[1 << 16];
			n = read(in, buf, sizeof(buf));
			if (n <= 0 || write_all(out, buf, (size_t)n) < 0)
				return glass_err_new(err, errno ? errno : EIO, "copy blob %s", hex);
		}
		left -= n;
	}
	if (fsync(out) < 0 || renameat(bdir, tmp, bdir, hex) < 0)
		return glass_err_new(err, errno, "write blob %s", hex);
	return 0;
}

int glass_export_layout(struct glass_store *s, const struct glass_image *img, const char *dir,
                        const char *refname, struct glass_err **err)
{
	cleanup_free char *bd = xasprintf("%s/blobs/sha256", dir);
	if (mkdir_p(bd, 0755) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", bd);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int bfd = open(bd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || bfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", dir);
	if (copy_out(s, bfd, img->manifest_digest, err) < 0 ||
	    copy_out(s, bfd, img->config_digest, err) < 0)
		return -1;
	for (size_t i = 0; i < img->manifest->nlayers; i++)
		if (copy_out(s, bfd, img->manifest->layers[i].digest, err) < 0)
			return -1;
	const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (write_file_atomic_at(dfd, "oci-layout", layout, strlen(layout), 0644) < 0)
		return glass_err_new(err, errno, "write(\"%s/oci-layout\")", dir);
	cleanup_free char *old = read_file_at(dfd, "index.json", NULL);
	struct json_object *idx = old ? json_tokener_parse(old) : NULL, *m;
	if (!idx || !json_object_object_get_ex(idx, "manifests", &m)) {
		json_object_put(idx);
		idx = json_object_new_object();
		json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
		json_object_object_add(idx, "mediaType",
		                       json_object_new_string(GLASS_MT_OCI_INDEX));
		m = json_object_new_array();
		json_object_object_add(idx, "manifests", m);
	}
	for (size_t i = json_object_array_length(m); i-- > 0;) {
		const char *n = glass_json_annotation(json_object_array_get_idx(m, i),
		                                      "org.opencontainers.image.ref.name");
		if (n && strcmp(n, refname) == 0)
			json_object_array_del_idx(m, i, 1);
	}
	struct json_object *d = json_object_new_object(), *ann = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(img->manifest->media_type));
	json_object_object_add(d, "digest", json_object_new_string(img->manifest_digest));
	json_object_object_add(
	    d, "size", json_object_new_int64(glass_store_blob_size(s, img->manifest_digest)));
	json_object_object_add(ann, "org.opencontainers.image.ref.name",
	                       json_object_new_string(refname));
	json_object_object_add(d, "annotations", ann);
	json_object_array_add(m, d);
	const char *t = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PLAIN |
	                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = write_file_atomic_at(dfd, "index.json", t, strlen(t), 0644);
	json_object_put(idx);
	if (rc < 0)
		return glass_err_new(err, errno, "write(\"%s/index.json\")", dir);
	return 0;
}

int glass_archive_create(const char *dir, const char *file, struct glass_err **err)
{
	struct archive *rd = archive_read_disk_new(), *wr = archive_write_new();
	struct archive_entry *e;
	size_t plen = strlen(dir);
	char buf[1 << 16];
	int rc = -1, r;
	cleanup_free char *tmp = xasprintf("%s.tmp.%d", file, (int)getpid());
	archive_read_disk_set_standard_lookup(rd);
	archive_write_set_format_pax_restricted(wr);
	if (archive_write_open_filename(wr, tmp) != ARCHIVE_OK ||
	    archive_read_disk_open(rd, dir) != ARCHIVE_OK) {
		glass_err_new(err, EIO, "archive %s: %s", file, archive_error_string(wr));
		goto out;
	}
	while (1) {
		e = archive_entry_new();
		r = archive_read_next_header2(rd, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			archive_entry_free(e);
			glass_err_new(err, EIO, "read %s: %s", dir, archive_error_string(rd));
			goto out;
		}
		archive_read_disk_descend(rd);
		const char *p = archive_entry_pathname(e);
		if (strlen(p) <= plen) {
			archive_entry_free(e);
			continue;
		}
		archive_entry_set_pathname(e, p + plen + 1);
		archive_write_header(wr, e);
		if (archive_entry_filetype(e) == AE_IFREG) {
			la_ssize_t n;
			while ((n = archive_read_data(rd, buf, sizeof(buf))) > 0)
				archive_write_data(wr, buf, (size_t)n);
		}
		archive_entry_free(e);
	}
	if (archive_write_close(wr) != ARCHIVE_OK || rename(tmp, file) < 0) {
		glass_err_new(err, errno ? errno : EIO, "write %s", file);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(tmp);
	archive_read_free(rd);
	archive_write_free(wr);
	return rc;
}
