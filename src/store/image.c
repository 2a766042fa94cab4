/* image: named images on top of the blob store, and their collection.
 *
 * Layer directories (layer.c) are made in ROOT/layers/.tmp-PID-N and
 * renamed into place whole after syncfs(2), so a directory named by a
 * chain ID is always complete: a kill -9 in the middle leaves only a .tmp
 * directory, which the next store operation removes once its PID is
 * gone. */
#include "lazy-archive.h"
#include "image.h"
#include "sys.h"
#include "unpack.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void glass_image_free(struct glass_image *img)
{
	if (!img)
		return;
	free(img->name);
	free(img->manifest_digest);
	free(img->index_digest);
	free(img->created_at);
	free(img->config_digest);
	glass_manifest_free(img->manifest);
	glass_config_free(img->config);
	glass_manifest_strv_free(img->chain_ids);
	free(img);
}

int glass_image_parse(const char *manifest_digest, const char *mdata, size_t mlen,
                      const char *cdata, size_t clen, struct glass_image **out,
                      struct glass_err **err)
{
	struct glass_image *img = xcalloc(1, sizeof(*img));
	img->manifest_digest = xstrdup(manifest_digest);
	if (glass_manifest_parse(mdata, mlen, NULL, &img->manifest, err) < 0)
		goto fail;
	if (img->manifest->kind != GLASS_MANIFEST_IMAGE) {
		glass_err_new(err, EINVAL, "%s is an index, not an image manifest",
		              manifest_digest);
		goto fail;
	}
	img->config_digest = xstrdup(img->manifest->config.digest);
	if (glass_config_parse(cdata, clen, &img->config, err) < 0)
		goto fail;
	if (img->config->ndiff_ids != img->manifest->nlayers) {
		glass_err_new(err, EINVAL, "image config has %zu diff_ids for %zu layers",
		              img->config->ndiff_ids, img->manifest->nlayers);
		goto fail;
	}
	img->chain_ids = xcalloc(img->manifest->nlayers + 1, sizeof(char *));
	for (size_t i = 0; i < img->manifest->nlayers; i++) {
		if (i == 0) {
			img->chain_ids[0] = xstrdup(img->config->diff_ids[0]);
			continue;
		}
		char buf[2 * GLASS_DIGEST_LEN + 2], d[GLASS_DIGEST_LEN];
		int n = snprintf(buf, sizeof(buf), "%s %s", img->chain_ids[i - 1],
		                 img->config->diff_ids[i]);
		glass_digest_buf(buf, (size_t)n, d);
		img->chain_ids[i] = xstrdup(d);
	}
	*out = img;
	return 0;
fail:
	glass_image_free(img);
	return -1;
}

int glass_image_load(struct glass_store *s, const char *manifest_digest, struct glass_image **out,
                     struct glass_err **err)
{
	size_t mlen = 0, clen = 0;
	struct glass_manifest *m = NULL;
	cleanup_free char *mdata = glass_store_read_blob(s, manifest_digest, &mlen, err),
	                  *cdata = NULL;
	if (mdata && glass_manifest_parse(mdata, mlen, NULL, &m, err) == 0) {
		if (m->kind == GLASS_MANIFEST_IMAGE)
			cdata = glass_store_read_blob(s, m->config.digest, &clen, err);
		else
			glass_err_new(err, EINVAL, "%s is an index, not an image manifest",
			              manifest_digest);
	}
	glass_manifest_free(m);
	if (!cdata || glass_image_parse(manifest_digest, mdata, mlen, cdata, clen, out, err) < 0)
		return glass_err_ctx(err, "image %s", manifest_digest);
	return 0;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int found(struct glass_store *s, const struct glass_store_entry *e, struct glass_image **out,
                 struct glass_err **err)
{
	if (glass_image_load(s, e->digest, out, err) < 0)
		return -1;
	(*out)->name = xstrdup(e->name);
	(*out)->index_digest = e->index_digest ? xstrdup(e->index_digest) : NULL;
	(*out)->created_at = e->created ? xstrdup(e->created) : NULL;
	return 0;
}

int glass_image_find(struct glass_store *s, const char *refstr, struct glass_image **out,
                     struct glass_err **err)
{
	struct glass_store_entry *e = NULL;
	size_t n = 0;
	struct glass_ref r;
	int rc = -1;
	if (glass_store_list(s, &e, &n, err) < 0)
		return -1;
	struct glass_err *perr = NULL;
	if (glass_ref_parse(refstr, &r, &perr) == 0) {
		char **cand = glass_ref_local_candidates(&r);
		cleanup_free char *repo = glass_ref_repo(&r);
		for (char **c = cand; *c && rc < 0; c++)
			for (size_t i = 0; i < n; i++)
				if (strcmp(e[i].name, *c) == 0) {
					rc = found(s, &e[i], out, err) < 0 ? -2 : 0;
					break;
				}
		/* name@digest: any image of that repository with that manifest or index */
		for (size_t i = 0; rc == -1 && r.digest && i < n; i++) {
			size_t rl = strlen(repo);
			bool same = strncmp(e[i].name, repo, rl) == 0 &&
			            (e[i].name[rl] == ':' || e[i].name[rl] == '@');
			if (same &&
			    (strcmp(e[i].digest, r.digest) == 0 ||
			     (e[i].index_digest && strcmp(e[i].index_digest, r.digest) == 0)))
				rc = found(s, &e[i], out, err) < 0 ? -2 : 0;
		}
		glass_manifest_strv_free(cand);
		glass_ref_clear(&r);
	}
	glass_err_free(&perr);
	const char *id = strncmp(refstr, "sha256:", 7) == 0 ? refstr + 7 : refstr;
	if (rc == -1 && strlen(id) >= 3 && strlen(id) <= 64 && is_hex(id)) {
		for (size_t i = 0; i < n && rc == -1; i++) {
			struct glass_image *img;
			if (glass_image_load(s, e[i].digest, &img, NULL) < 0)
				continue;
			if (strncmp(glass_digest_hex(img->config_digest), id, strlen(id)) == 0) {
				img->name = xstrdup(e[i].name);
				img->created_at = e[i].created ? xstrdup(e[i].created) : NULL;
				*out = img;
				rc = 0;
			} else {
				glass_image_free(img);
			}
		}
	}
	if (rc == -1) {
		glass_err_new(err, ENOENT, "no local image \"%s\"", refstr);
		glass_err_hint(err,
		               "`glass image ls` lists local images; `glass pull %s` fetches "
		               "it",
		               refstr);
	}
	glass_store_entries_free(e, n);
	return rc < 0 ? -1 : 0;
}

/* Import of a directory tree: libarchive walks it (archive_read_disk) and
 * writes a pax tar straight into a blob writer, hashing as it goes. */
static la_ssize_t tar_write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
	struct glass_blob_writer *w = ud;
	if (glass_blob_writer_write(w, buf, len, NULL) < 0) {
		archive_set_error(a, errno, "write layer blob");
		return -1;
	}
	return (la_ssize_t)len;
}

static int tar_dir(struct glass_store *s, const char *dir, char digest[GLASS_DIGEST_LEN],
                   struct glass_err **err)
{
	struct glass_blob_writer *w;
	struct archive *rd = archive_read_disk_new(), *wr = archive_write_new();
	struct archive_entry *e;
	size_t plen = strlen(dir);
	int rc = -1, r;
	char buf[1 << 16];
	if (glass_blob_writer_open(s, NULL, -1, false, &w, err) < 0)
		goto out;
	archive_read_disk_set_standard_lookup(rd);
	archive_read_disk_set_behavior(rd, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	archive_write_set_format_pax_restricted(wr);
	archive_write_set_bytes_in_last_block(wr, 1);
	if (archive_write_open2(wr, w, NULL, tar_write_cb, NULL, NULL) != ARCHIVE_OK ||
	    archive_read_disk_open(rd, dir) != ARCHIVE_OK) {
		glass_err_new(err, EIO, "tar %s: %s", dir, archive_error_string(rd));
		goto out;
	}
	for (;;) {
		e = archive_entry_new();
		r = archive_read_next_header2(rd, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			glass_err_new(err, EIO, "read %s: %s", dir, archive_error_string(rd));
			archive_entry_free(e);
			goto out;
		}
		archive_read_disk_descend(rd);
		const char *p = archive_entry_pathname(e);
		if (strlen(p) <= plen || strcmp(p + plen + 1, ".glass-rootfs") == 0) {
			archive_entry_free(e);
			continue;
		}
		archive_entry_set_pathname(e, p + plen + 1);
		if (archive_write_header(wr, e) != ARCHIVE_OK) {
			glass_err_new(err, EIO, "tar %s: %s", p, archive_error_string(wr));
			archive_entry_free(e);
			goto out;
		}
		if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
			la_ssize_t n;
			while ((n = archive_read_data(rd, buf, sizeof(buf))) > 0)
				archive_write_data(wr, buf, (size_t)n);
		}
		archive_entry_free(e);
	}
	if (archive_write_close(wr) != ARCHIVE_OK) {
		glass_err_new(err, EIO, "tar %s: %s", dir, archive_error_string(wr));
		goto out;
	}
	rc = glass_blob_writer_commit(w, digest, err);
	w = NULL;
out:
	glass_blob_writer_abort(w, false);
	archive_read_free(rd);
	archive_write_free(wr);
	return rc;
}

int glass_image_import_dir(struct glass_store *s, const char *dir, const char *name,
                           struct glass_err **err)
{
	char layer[GLASS_DIGEST_LEN], cfgd[GLASS_DIGEST_LEN], md[GLASS_DIGEST_LEN];
	char os[32], arch[32], variant[32], now[32];
	time_t t = time(NULL);
	struct tm tm;
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return glass_err_new(err, errno ? errno : ENOTDIR, "stat(\"%s\")", dir);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	glass_platform_host(os, arch, variant);
	if (tar_dir(s, dir, layer, err) < 0)
		return glass_err_ctx(err, "import %s", dir);
	int64_t lsize = glass_store_blob_size(s, layer);
	cleanup_free char *cfg = xasprintf(
	    "{\"created\":\"%s\",\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Env\":"
	    "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/"
	    "bin\"],\"Cmd\":[\"sh\"]},"
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]},\"history\":[{\"created\":\"%"
	    "s\","
	    "\"created_by\":\"glass: import %s\"}]}",
	    now, arch, layer, now, dir);
	if (glass_store_put_blob(s, cfg, strlen(cfg), NULL, cfgd, err) < 0)
		return -1;
	cleanup_free char *man = xasprintf(
	    "{\"schemaVersion\":2,\"mediaType\":\"" GLASS_MT_OCI_MANIFEST "\",\"config\":{"
	    "\"mediaType\":\"" GLASS_MT_OCI_CONFIG
	    "\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{"
	    "\"mediaType\":\"" GLASS_MT_OCI_LAYER "\",\"digest\":\"%s\",\"size\":%lld}]}",
	    cfgd, strlen(cfg), layer, (long long)lsize);
	if (glass_store_put_blob(s, man, strlen(man), NULL, md, err) < 0)
		return -1;
	struct glass_store_entry e = {.name = (char *)name,
	                              .digest = md,
	                              .media_type = (char *)GLASS_MT_OCI_MANIFEST,
	                              .size = (int64_t)strlen(man)};
	return glass_store_set(s, &e, err);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n + 1 >= *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = xrealloc(*v, *cap * sizeof(char *));
	}
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

/* Chain IDs (hex) that container snapshots still use: each container
 * directory keeps a `layers` file with one chain hex per line. */
static void container_layers(struct glass_store *s, char ***v, size_t *n, size_t *cap)
{
	int cfd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = cfd >= 0 ? fdopendir(cfd) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[300];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/layers", de->d_name);
		cleanup_free char *text = read_file_at(cfd, p, NULL);
		for (char *save = NULL, *tok = text ? strtok_r(text, "\n", &save) : NULL; tok;
		     tok = strtok_r(NULL, "\n", &save))
			add(v, n, cap, tok);
	}
	if (d)
		closedir(d);
}

int glass_image_gc(struct glass_store *s, uint64_t *freed, struct glass_err **err)
{
	struct glass_store_entry *e;
	size_t n, nb = 0, capb = 0, nl = 0, capl = 0;
	char **blobs = NULL, **layers = NULL;
	int rc = -1;
	if (glass_store_list(s, &e, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct glass_image *img;
		add(&blobs, &nb, &capb, e[i].digest);
		if (e[i].index_digest)
			add(&blobs, &nb, &capb, e[i].index_digest);
		if (glass_image_load(s, e[i].digest, &img, NULL) < 0)
			continue; /* a broken image keeps what it has; `rm` it to free */
		add(&blobs, &nb, &capb, img->config_digest);
		for (size_t j = 0; j < img->manifest->nlayers; j++) {
			add(&blobs, &nb, &capb, img->manifest->layers[j].digest);
			add(&layers, &nl, &capl, glass_digest_hex(img->chain_ids[j]));
		}
		glass_image_free(img);
	}
	container_layers(s, &layers, &nl, &capl);
	if (nb)
		qsort(blobs, nb, sizeof(char *), cmpstr);
	if (nl)
		qsort(layers, nl, sizeof(char *), cmpstr);
	if (glass_store_sweep_blobs(s, blobs, nb, freed, err) < 0)
		goto out;
	int lfd = glass_layers_dir(s, err);
	if (lfd < 0)
		goto out;
	DIR *d = fdopendir(dup(lfd));
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *key = de->d_name;
		int pid;
		if (strcmp(key, ".") == 0 || strcmp(key, "..") == 0 || strcmp(key, "l") == 0)
			continue;
		if (sscanf(key, ".tmp-%d-", &pid) == 1) {
			if (pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH)
				glass_rm_rf_at(lfd, key);
			continue;
		}
		if (nl && bsearch(&key, layers, nl, sizeof(char *), cmpstr))
			continue;
		GLASS_SYS(NULL, "rm -r", NULL, glass_rm_rf_at(lfd, key), "\"%s/layers/%s\"",
		          s->root, key);
	}
	if (d)
		closedir(d);
	/* short links whose layer is gone */
	int lk = openat(lfd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = lk >= 0 ? fdopendir(lk) : NULL;
	while (d && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] != '.' && fstatat(lk, de->d_name, &st, 0) < 0 && errno == ENOENT)
			unlinkat(lk, de->d_name, 0);
	}
	if (d)
		closedir(d);
	close(lfd);
	rc = 0;
out:
	glass_manifest_strv_free(blobs);
	glass_manifest_strv_free(layers);
	glass_store_entries_free(e, n);
	return rc;
}
