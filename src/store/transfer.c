/* transfer: OCI layouts and archives.  Paths inside a layout come from
 * the layout's own JSON (digests), which are validated before they are
 * turned into blobs/sha256/<hex> paths, so a crafted index cannot point
 * outside the layout. */
#include "transfer.h"
#include "unpack.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int copy_in(struct glass_store *s, int dirfd, const char *rel, const char *expected,
                   char out[GLASS_DIGEST_LEN], struct glass_err **err)
{
	struct glass_blob_writer *w;
	char buf[1 << 16];
	ssize_t n;
	if (expected && glass_store_has_blob(s, expected)) {
		memcpy(out, expected, GLASS_DIGEST_LEN);
		return 0;
	}
	cleanup_close int fd = openat(dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", rel);
	if (glass_blob_writer_open(s, expected, -1, false, &w, err) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (glass_blob_writer_write(w, buf, (size_t)n, err) < 0) {
			glass_blob_writer_abort(w, false);
			return -1;
		}
	if (n < 0) {
		glass_blob_writer_abort(w, false);
		return glass_err_new(err, errno, "read(\"%s\")", rel);
	}
	return glass_blob_writer_commit(w, out, err);
}

static char *blob_path(const char *digest)
{
	return xasprintf("blobs/sha256/%s", glass_digest_hex(digest));
}

static char *read_rel(int dirfd, const char *rel, size_t *len, struct glass_err **err)
{
	char *t = read_file_at(dirfd, rel, len);
	if (!t)
		glass_err_new(err, errno, "read(\"%s\")", rel);
	return t;
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

/* Stores manifest `md` (already in the layout) and its blobs, unpacks it
 * and names it. */
static int import_manifest(struct glass_store *s, int dfd, const char *md, const char *index_digest,
                           const char *name, struct glass_err **err)
{
	cleanup_free char *cp = NULL;
	size_t len;
	char got[GLASS_DIGEST_LEN];
	struct glass_manifest *m = NULL;
	struct glass_image *img = NULL;
	char **dirs = NULL;
	int rc = -1;
	cleanup_free char *p = blob_path(md);
	cleanup_free char *data = read_rel(dfd, p, &len, err);
	if (!data || glass_manifest_parse(data, len, NULL, &m, err) < 0)
		goto out;
	if (m->kind != GLASS_MANIFEST_IMAGE) {
		glass_err_new(err, ENOTSUP, "%s: nested index", md);
		goto out;
	}
	cp = blob_path(m->config.digest);
	if (copy_in(s, dfd, cp, m->config.digest, got, err) < 0)
		goto out;
	for (size_t i = 0; i < m->nlayers; i++) {
		cleanup_free char *lp = blob_path(m->layers[i].digest);
		if (copy_in(s, dfd, lp, m->layers[i].digest, got, err) < 0)
			goto out;
	}
	if (glass_store_put_blob(s, data, len, md, NULL, err) < 0 ||
	    glass_image_load(s, md, &img, err) < 0 ||
	    glass_image_unpack(s, img, false, &dirs, err) < 0)
		goto out;
	struct glass_store_entry e = {.name = (char *)name,
	                              .digest = (char *)md,
	                              .media_type = m->media_type,
	                              .size = (int64_t)len,
	                              .index_digest = (char *)index_digest};
	rc = glass_store_set(s, &e, err);
out:
	glass_manifest_strv_free(dirs);
	glass_image_free(img);
	glass_manifest_free(m);
	return rc;
}

static int import_layout(struct glass_store *s, int dfd, const char *name, const char *base,
                         const char *platform, char ***names, struct glass_err **err)
{
	size_t len, nn = 0;
	struct glass_manifest *idx = NULL;
	int rc = -1;
	cleanup_free char *text = read_rel(dfd, "index.json", &len, err);
	if (!text || glass_manifest_parse(text, len, GLASS_MT_OCI_INDEX, &idx, err) < 0)
		return -1;
	char **out = xcalloc(idx->nmanifests + 1, sizeof(char *));
	for (size_t i = 0; i < idx->nmanifests; i++) {
		const struct glass_desc *d = &idx->manifests[i];
		const char *md = d->digest, *index_digest = NULL;
		struct glass_manifest *sub = NULL;
		cleanup_free char *n = normalise(name          ? name
		                                 : d->ref_name ? d->ref_name
		                                               : "latest",
		                                 base, err);
		if (!n)
			goto out;
		if (d->media_type && (strcmp(d->media_type, GLASS_MT_OCI_INDEX) == 0 ||
		                      strcmp(d->media_type, GLASS_MT_DOCKER_LIST) == 0)) {
			size_t sl;
			cleanup_free char *ip = blob_path(d->digest);
			cleanup_free char *it = read_rel(dfd, ip, &sl, err);
			if (!it || glass_store_put_blob(s, it, sl, d->digest, NULL, err) < 0 ||
			    glass_manifest_parse(it, sl, NULL, &sub, err) < 0)
				goto out;
			const struct glass_desc *sel = glass_manifest_select(sub, platform, err);
			if (!sel) {
				glass_manifest_free(sub);
				goto out;
			}
			index_digest = d->digest;
			md = sel->digest;
			int r = import_manifest(s, dfd, md, index_digest, n, err);
			glass_manifest_free(sub);
			if (r < 0)
				goto out;
		} else if (import_manifest(s, dfd, md, NULL, n, err) < 0) {
			goto out;
		}
		out[nn++] = xstrdup(n);
		if (name)
			break; /* one name: the first image */
	}
	*names = out;
	out = NULL;
	rc = 0;
out:
	glass_manifest_strv_free(out);
	glass_manifest_free(idx);
	return rc;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

static bool is_gzip_or_zstd(int dfd, const char *rel)
{
	unsigned char m[4] = {0};
	cleanup_close int fd = openat(dfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || read(fd, m, 4) < 2)
		return false;
	return (m[0] == 0x1f && m[1] == 0x8b) || (m[0] == 0x28 && m[1] == 0xb5);
}

/* docker save: manifest.json = [{Config, RepoTags, Layers}] with paths
 * relative to the archive root. */
static int import_docker(struct glass_store *s, int dfd, const char *name, const char *base,
                         char ***names, struct glass_err **err)
{
	size_t len, nn = 0;
	cleanup_free char *text = read_rel(dfd, "manifest.json", &len, err);
	struct json_object *arr = text ? json_tokener_parse(text) : NULL;
	int rc = -1;
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return text
		           ? glass_err_new(err, EINVAL, "manifest.json: not a docker-save manifest")
		           : -1;
	}
	char **out = xcalloc(json_object_array_length(arr) + 1, sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *layers, *tags;
		const char *cfgp = jstr(e, "Config");
		char cd[GLASS_DIGEST_LEN], ld[GLASS_DIGEST_LEN], md[GLASS_DIGEST_LEN];
		if (!cfgp || strstr(cfgp, "..") || cfgp[0] == '/' ||
		    !json_object_object_get_ex(e, "Layers", &layers)) {
			glass_err_new(err, EINVAL, "manifest.json[%zu]: bad Config or Layers", i);
			goto out;
		}
		if (copy_in(s, dfd, cfgp, NULL, cd, err) < 0)
			goto out;
		struct strbuf m = STRBUF_INIT;
		strbuf_printf(&m,
		              "{\"schemaVersion\":2,\"mediaType\":\"" GLASS_MT_OCI_MANIFEST
		              "\",\"config\":{\"mediaType\":\"" GLASS_MT_OCI_CONFIG
		              "\",\"digest\":\"%s\",\"size\":%lld},\"layers\":[",
		              cd, (long long)glass_store_blob_size(s, cd));
		for (size_t j = 0; j < json_object_array_length(layers); j++) {
			const char *lp =
			    json_object_get_string(json_object_array_get_idx(layers, j));
			if (!lp || strstr(lp, "..") || lp[0] == '/' ||
			    copy_in(s, dfd, lp, NULL, ld, err) < 0) {
				if (!*err)
					glass_err_new(err, EINVAL, "manifest.json: bad layer path");
				strbuf_release(&m);
				goto out;
			}
			strbuf_printf(
			    &m, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld}",
			    j ? "," : "",
			    is_gzip_or_zstd(dfd, lp) ? GLASS_MT_OCI_LAYER_GZIP : GLASS_MT_OCI_LAYER,
			    ld, (long long)glass_store_blob_size(s, ld));
		}
		strbuf_printf(&m, "]}");
		cleanup_free char *mj = strbuf_steal(&m);
		if (glass_store_put_blob(s, mj, strlen(mj), NULL, md, err) < 0)
			goto out;
		const char *tag = NULL;
		if (json_object_object_get_ex(e, "RepoTags", &tags) &&
		    json_object_is_type(tags, json_type_array) &&
		    json_object_array_length(tags) > 0)
			tag = json_object_get_string(json_object_array_get_idx(tags, 0));
		cleanup_free char *n = NULL;
		if (name || tag) {
			struct glass_ref r;
			if (glass_ref_parse(name ? name : tag, &r, err) < 0)
				goto out;
			n = glass_ref_string(&r);
			glass_ref_clear(&r);
		} else {
			n = xasprintf("localhost/%s:latest", base);
		}
		struct glass_image *img = NULL;
		char **dirs = NULL;
		int r = glass_image_load(s, md, &img, err);
		if (r == 0)
			r = glass_image_unpack(s, img, false, &dirs, err);
		glass_manifest_strv_free(dirs);
		glass_image_free(img);
		struct glass_store_entry se = {.name = n,
		                               .digest = md,
		                               .media_type = (char *)GLASS_MT_OCI_MANIFEST,
		                               .size = (int64_t)strlen(mj)};
		if (r < 0 || glass_store_set(s, &se, err) < 0)
			goto out;
		out[nn++] = xstrdup(n);
		if (name)
			break;
	}
	*names = out;
	out = NULL;
	rc = 0;
out:
	glass_manifest_strv_free(out);
	json_object_put(arr);
	return rc;
}

int glass_import_dir(struct glass_store *s, const char *dir, const char *name, const char *base,
                     const char *platform, char ***names, struct glass_err **err)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;
	if (dfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", dir);
	if (faccessat(dfd, "index.json", F_OK, 0) == 0 &&
	    faccessat(dfd, "oci-layout", F_OK, 0) == 0)
		rc = import_layout(s, dfd, name, base, platform, names, err);
	else if (faccessat(dfd, "manifest.json", F_OK, 0) == 0)
		rc = import_docker(s, dfd, name, base, names, err);
	else {
		glass_err_new(err, EINVAL, "%s is neither an OCI layout nor a docker-save archive",
		              dir);
		return glass_err_hint(err,
		                      "an OCI layout has oci-layout and index.json; docker save "
		                      "writes manifest.json");
	}
	return rc < 0 ? glass_err_ctx(err, "import %s", dir) : 0;
}

int glass_archive_extract(const char *file, const char *dir, struct glass_err **err)
{
	struct glass_unpack_opts o = {.no_whiteouts = true};
	struct glass_unpack_stats st;
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", file);
	if (mkdir_p(dir, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", dir);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", dir);
	if (glass_unpack_fd(fd, dfd, &o, &st, err) < 0)
		return glass_err_ctx(err, "extract %s", file);
	return 0;
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
		struct json_object *d = json_object_array_get_idx(m, i), *ann;
		if (json_object_object_get_ex(d, "annotations", &ann) &&
		    jstr(ann, "org.opencontainers.image.ref.name") &&
		    strcmp(jstr(ann, "org.opencontainers.image.ref.name"), refname) == 0)
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
