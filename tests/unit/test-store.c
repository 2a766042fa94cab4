/* Unit tests of the image store's parsers and blob writer: references,
 * manifests and indexes (platform selection), configs, digests, sizes,
 * and the verify-then-rename discipline of the blob store. */
#include "bundle.h"
#include "digest.h"
#include "manifest.h"
#include "ref.h"
#include "store.h"
#include "tap.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void ref_is(const char *in, const char *want, bool short_name)
{
	struct glass_ref r;
	struct glass_err *err = NULL;
	if (glass_ref_parse(in, &r, &err) < 0) {
		TAP_OK(0, "ref %s parses (%s)", in, err ? err->op : "?");
		glass_err_free(&err);
		return;
	}
	char *s = glass_ref_string(&r);
	TAP_OK(strcmp(s, want) == 0 && r.short_name == short_name, "ref %s -> %s (got %s)", in,
	       want, s);
	free(s);
	glass_ref_clear(&r);
}

static void ref_bad(const char *in)
{
	struct glass_ref r;
	struct glass_err *err = NULL;
	TAP_OK(glass_ref_parse(in, &r, &err) < 0 && err, "ref \"%s\" is refused", in);
	glass_err_free(&err);
}

/* Files in ROOT/store/ingest named after digest d. */
static int ingest_count(const char *root, const char *d)
{
	char path[256];
	int n = 0;
	snprintf(path, sizeof(path), "%s/store/ingest", root);
	DIR *dir = opendir(path);
	struct dirent *de;
	while (dir && (de = readdir(dir)))
		n += strncmp(de->d_name, glass_digest_hex(d), 64) == 0;
	if (dir)
		closedir(dir);
	return n;
}

static const char *D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

int main(void)
{
	ref_is("busybox", "docker.io/library/busybox:latest", true);
	ref_is("busybox:1.36", "docker.io/library/busybox:1.36", true);
	ref_is("user/app", "docker.io/user/app:latest", true);
	ref_is("quay.io/a/b:v1", "quay.io/a/b:v1", false);
	ref_is("localhost/busybox", "localhost/busybox:latest", false);
	ref_is("127.0.0.1:5000/x/y:2", "127.0.0.1:5000/x/y:2", false);
	ref_is("index.docker.io/library/alpine", "docker.io/library/alpine:latest", false);
	ref_is("r:5000/x@sha256:1111111111111111111111111111111111111111111111111111111111111111",
	       "r:5000/x@sha256:1111111111111111111111111111111111111111111111111111111111111111",
	       false);
	ref_bad("");
	ref_bad("UPPER/case");
	ref_bad("x@sha256:123");
	ref_bad("x:bad tag");
	ref_bad("a//b");
	{
		struct glass_ref r;
		glass_ref_parse("busybox", &r, NULL);
		char **c = glass_ref_local_candidates(&r);
		TAP_OK(c[0] && strcmp(c[0], "localhost/busybox:latest") == 0 && c[1] &&
		           strcmp(c[1], "docker.io/library/busybox:latest") == 0,
		       "short names try localhost/ first, then docker.io");
		for (char **p = c; *p; p++)
			free(*p);
		free(c);
		glass_ref_clear(&r);
	}

	TAP_OK(glass_digest_valid(D1), "valid digest");
	TAP_OK(!glass_digest_valid("sha256:ABC"), "short digest refused");
	TAP_OK(!glass_digest_valid(
	           "sha512:1111111111111111111111111111111111111111111111111111111111111111"),
	       "other algorithms refused");
	char d[GLASS_DIGEST_LEN];
	glass_digest_buf("", 0, d);
	TAP_OK(
	    strcmp(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") ==
	        0,
	    "sha256 of the empty string");
	glass_digest_buf("abc", 3, d);
	TAP_OK(
	    strcmp(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ==
	        0,
	    "sha256 of \"abc\" (FIPS 180-4's example)");
	{
		/* nettle's hash of small buffers and libcrypto's agree on every
		 * length around the padding's block boundaries and past the size
		 * where glass_digest_buf switches */
		size_t big = GLASS_DIGEST_SMALL + 200;
		unsigned char *buf = xmalloc(big);
		for (size_t i = 0; i < big; i++)
			buf[i] = (unsigned char)(i * 131 + (i >> 8));
		size_t lens[140], n = 0;
		for (size_t l = 0; l <= 130; l++) /* both padding cases, 0 to 2 blocks */
			lens[n++] = l;
		size_t more[] = {447,
		                 448,
		                 4097,
		                 GLASS_DIGEST_SMALL - 1,
		                 GLASS_DIGEST_SMALL,
		                 GLASS_DIGEST_SMALL + 1,
		                 big};
		for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
			lens[n++] = more[i];
		size_t same = 0;
		for (size_t i = 0; i < n; i++) {
			char a[GLASS_DIGEST_LEN], b[GLASS_DIGEST_LEN];
			struct glass_sha256 *h = glass_sha256_new();
			glass_sha256_update(h, buf, lens[i]);
			glass_sha256_final(h, b);
			glass_sha256_free(h);
			glass_digest_buf(buf, lens[i], a);
			same += strcmp(a, b) == 0;
		}
		TAP_OK(same == n, "nettle's sha256 = libcrypto's for %zu lengths (%zu agree)", n,
		       same);
		free(buf);
	}
	TAP_OK(glass_parse_size("64m") == 64 << 20 && glass_parse_size("1g") == 1 << 30 &&
	           glass_parse_size("100") == 100 && glass_parse_size("x") < 0,
	       "sizes");

	/* manifests */
	char idx[2048];
	snprintf(
	    idx, sizeof(idx),
	    "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"arm\",\"variant\":\"v7\"}},"
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":3,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"amd64\"}}]}",
	    GLASS_MT_DOCKER_LIST, GLASS_MT_DOCKER_MANIFEST, D1, GLASS_MT_DOCKER_MANIFEST, D1,
	    GLASS_MT_DOCKER_MANIFEST, D1);
	struct glass_manifest *m = NULL;
	struct glass_err *err = NULL;
	TAP_OK(glass_manifest_parse(idx, strlen(idx), NULL, &m, &err) == 0 &&
	           m->kind == GLASS_MANIFEST_INDEX && m->nmanifests == 3,
	       "docker manifest list parses as an index");
	if (m) {
		const struct glass_desc *s = glass_manifest_select(m, "linux/arm64", NULL);
		TAP_OK(s && s->size == 2, "select linux/arm64");
		s = glass_manifest_select(m, "linux/arm/v7", NULL);
		TAP_OK(s && s->size == 1, "select linux/arm/v7");
		s = glass_manifest_select(m, "linux/amd64", NULL);
		TAP_OK(s && s->size == 3, "select linux/amd64");
		s = glass_manifest_select(m, "linux/s390x", &err);
		TAP_OK(!s && err && err->hint && strstr(err->hint, "linux/arm64/v8"),
		       "an absent platform lists the offers");
		glass_err_free(&err);
		glass_manifest_free(m);
	}
	const char *s1 = "{\"schemaVersion\":1,\"fsLayers\":[]}";
	TAP_OK(glass_manifest_parse(s1, strlen(s1), NULL, &m, &err) < 0 && err->errnum == ENOTSUP,
	       "schema 1 refused");
	glass_err_free(&err);
	const char *bad = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:12\",\"size\":1},"
	                  "\"layers\":[]}";
	TAP_OK(glass_manifest_parse(bad, strlen(bad), NULL, &m, &err) < 0, "bad digest refused");
	glass_err_free(&err);
	char man[1024];
	snprintf(
	    man, sizeof(man),
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":5},"
	    "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":7}]}",
	    GLASS_MT_OCI_CONFIG, D1, GLASS_MT_OCI_LAYER_GZIP, D1);
	TAP_OK(glass_manifest_parse(man, strlen(man), NULL, &m, &err) == 0 &&
	           m->kind == GLASS_MANIFEST_IMAGE && m->nlayers == 1 && m->layers[0].size == 7,
	       "OCI manifest without mediaType is recognised by its fields");
	glass_manifest_free(m);
	m = NULL;
	const char *cfg =
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":"
	    "[\"/e\"],\"Cmd\":[\"a\",\"b\"],\"Env\":[\"A=1\"],\"WorkingDir\":\"/w\","
	    "\"User\":\"u:g\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111\"]}}";
	struct glass_image_config *c = NULL;
	TAP_OK(glass_config_parse(cfg, strlen(cfg), &c, &err) == 0 && c->ndiff_ids == 1 &&
	           strcmp(c->cmd[1], "b") == 0 && strcmp(c->entrypoint[0], "/e") == 0 &&
	           strcmp(c->workdir, "/w") == 0 && strcmp(c->user, "u:g") == 0,
	       "image config fields");
	glass_config_free(c);

	/* the blob store */
	char tmpl[] = "/tmp/glass-test-store.XXXXXX";
	char *root = mkdtemp(tmpl);
	struct glass_store *st = NULL;
	TAP_OK(root && glass_store_open(root, false, &st, &err) == 0, "store opens");
	if (st) {
		char got[GLASS_DIGEST_LEN];
		TAP_OK(glass_store_put_blob(st, "hello", 5, NULL, got, &err) == 0 &&
		           glass_store_has_blob(st, got),
		       "put_blob stores by digest");
		TAP_OK(glass_store_put_blob(st, "hellO", 5, got, NULL, &err) < 0 &&
		           err->errnum == EBADMSG,
		       "put_blob with the wrong expected digest fails");
		glass_err_free(&err);
		struct glass_blob_writer *w;
		char want[GLASS_DIGEST_LEN];
		glass_digest_buf("abcdef", 6, want);
		TAP_OK(glass_blob_writer_open(st, want, 6, true, &w, &err) == 0 &&
		           glass_blob_writer_write(w, "abc", 3, &err) == 0,
		       "writer: first half");
		glass_blob_writer_abort(w, true); /* interrupted */
		TAP_OK(!glass_store_has_blob(st, want), "an interrupted blob is not visible");
		TAP_OK(glass_blob_writer_open(st, want, 6, true, &w, &err) == 0 &&
		           glass_blob_writer_offset(w) == 3,
		       "resume re-hashes the partial data");
		TAP_OK(glass_blob_writer_write(w, "def", 3, &err) == 0 &&
		           glass_blob_writer_commit(w, NULL, &err) == 0 &&
		           glass_store_has_blob(st, want),
		       "resumed blob commits");
		glass_digest_buf("xyz", 3, want);
		glass_blob_writer_open(st, want, 3, false, &w, &err);
		glass_blob_writer_write(w, "xyZ", 3, &err);
		TAP_OK(glass_blob_writer_commit(w, NULL, &err) < 0 &&
		           !glass_store_has_blob(st, want),
		       "a mismatching blob is rejected and not stored");
		glass_err_free(&err);
		/* a transaction: nothing visible before the commit, all after */
		struct glass_store_txn *t = glass_store_txn_new(st, false);
		char d1[GLASS_DIGEST_LEN], d2[GLASS_DIGEST_LEN];
		TAP_OK(glass_store_txn_put_blob(t, "one", 3, NULL, d1, &err) == 0 &&
		           glass_store_txn_put_blob(t, "two", 3, NULL, d2, &err) == 0,
		       "txn: two blobs put");
		TAP_OK(!glass_store_has_blob(st, d1) && glass_store_txn_has_blob(t, d1),
		       "txn: a put blob is readable through the transaction only");
		size_t rl = 0;
		char *rd = glass_store_txn_read_blob(t, d2, &rl, &err);
		TAP_OK(rd && rl == 3 && memcmp(rd, "two", 3) == 0, "txn: read back before commit");
		free(rd);
		TAP_OK(glass_store_txn_commit(t, &err) == 0 && glass_store_has_blob(st, d1) &&
		           glass_store_has_blob(st, d2),
		       "txn: commit makes both blobs visible");
		glass_store_txn_free(t);
		t = glass_store_txn_new(st, false);
		TAP_OK(glass_store_txn_put_blob(t, "three", 5, NULL, d1, &err) == 0, "txn: put");
		glass_store_txn_free(t);
		TAP_OK(!glass_store_has_blob(st, d1) && ingest_count(root, d1) == 0,
		       "txn: an abandoned import leaves neither blob nor data");
		/* the same content twice (a docker-save archive repeating a layer) */
		t = glass_store_txn_new(st, false);
		for (int k = 0; k < 2; k++) {
			struct glass_blob_writer *dw;
			glass_blob_writer_open(st, NULL, -1, false, &dw, &err);
			glass_blob_writer_write(dw, "twice", 5, &err);
			glass_store_txn_add_writer(t, dw, d2, &err);
		}
		TAP_OK(!err && glass_store_txn_commit(t, &err) == 0 &&
		           glass_store_has_blob(st, d2) && ingest_count(root, d2) == 0,
		       "txn: the same new content twice commits once");
		glass_store_txn_free(t);
		t = glass_store_txn_new(st, true);
		glass_store_txn_put_blob(t, "four", 4, NULL, d1, &err);
		glass_store_txn_free(t);
		char partial[128];
		snprintf(partial, sizeof(partial), "%s/store/ingest/%s.partial", root,
		         glass_digest_hex(d1));
		TAP_OK(!glass_store_has_blob(st, d1) && access(partial, F_OK) == 0,
		       "txn: an abandoned pull keeps its data as a resumable .partial");
		glass_err_free(&err);
		struct glass_store_entry e = {.name = "localhost/a:1",
		                              .digest = (char *)D1,
		                              .media_type = GLASS_MT_OCI_MANIFEST,
		                              .size = 1};
		struct glass_store_entry *list;
		size_t n;
		TAP_OK(glass_store_set(st, &e, &err) == 0 && glass_store_set(st, &e, &err) == 0 &&
		           glass_store_list(st, &list, &n, &err) == 0 && n == 1,
		       "setting a name twice keeps one entry");
		glass_store_entries_free(list, n);
		TAP_OK(glass_store_unset(st, "localhost/a:1", &err) == 0 &&
		           glass_store_unset(st, "localhost/a:1", &err) < 0,
		       "unset removes the name once");
		glass_err_free(&err);
		glass_store_close(st);
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", root);
	}
	return tap_done();
}
