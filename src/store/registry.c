/* registry: HTTP to OCI registries.  No kernel primitive here beyond
 * sockets; the points of care are trust (TLS verification unless told
 * otherwise, credentials only to the host they belong to, which curl
 * ensures by dropping Authorization on cross-host redirects) and
 * integrity (every byte is hashed on arrival and nothing unverified
 * becomes visible in the store). */
#include "lazy-crypto.h"
#include "registry.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "registry-internal.h"

struct resp {
	struct strbuf body;
	char *content_type;
	char *www_auth;
	char *docker_digest;
	long status;
	size_t max;
};

static size_t body_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *r = ud;
	if (r->body.len + sz * n > r->max)
		return 0; /* manifests and configs are small; refuse a flood */
	strbuf_append(&r->body, p, sz * n);
	return sz * n;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);
	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	char *out = xmalloc((size_t)(end - v) + 1);
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = '\0';
	return out;
}

static size_t header_cb(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t len = sz * n;
	char *v;
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (redirects) */
		free(r->www_auth);
		r->www_auth = NULL;
	}
	if ((v = header_value(p, len, "Content-Type"))) {
		free(r->content_type);
		r->content_type = v;
	} else if ((v = header_value(p, len, "WWW-Authenticate"))) {
		free(r->www_auth);
		r->www_auth = v;
	} else if ((v = header_value(p, len, "Docker-Content-Digest"))) {
		free(r->docker_digest);
		r->docker_digest = v;
	}
	return len;
}

static void resp_clear(struct resp *r)
{
	strbuf_release(&r->body);
	free(r->content_type);
	free(r->www_auth);
	free(r->docker_digest);
	memset(r, 0, sizeof(*r));
}

void glass_registry_setup_curl(struct glass_registry *r, CURL *c)
{
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "glass/0.1");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (!r->o.tls_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->ca.data)
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &r->ca);
	if (r->client_cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, r->client_cert);
	if (r->client_key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, r->client_key);
}

/* One GET into memory.  Returns the curl code; r->status is the HTTP one. */
static CURLcode get(struct glass_registry *reg, const char *url, const char *accept,
                    const char *auth, struct resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	if (!c)
		abort();
	if (accept) {
		cleanup_free char *a = xasprintf("Accept: %s", accept);
		h = curl_slist_append(h, a);
	}
	if (auth)
		h = curl_slist_append(h, auth);
	glass_registry_setup_curl(reg, c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (!r->max)
		r->max = 32 << 20;
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return cc;
}

/* key="value" parameters of a WWW-Authenticate challenge. */
static char *challenge_param(const char *ch, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = ch; (p = strcasestr(p, key)); p += kl) {
		if (p != ch && p[-1] != ' ' && p[-1] != ',')
			continue;
		if (p[kl] != '=')
			continue;
		const char *v = p + kl + 1, *e;
		if (*v == '"') {
			v++;
			e = strchr(v, '"');
		} else {
			e = v + strcspn(v, ", ");
		}
		if (!e)
			return NULL;
		char *out = xmalloc((size_t)(e - v) + 1);
		memcpy(out, v, (size_t)(e - v));
		out[e - v] = '\0';
		return out;
	}
	return NULL;
}

static char *url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out = xstrdup(e ? e : "");
	curl_free(e);
	return out;
}

/* Answers a 401 challenge: sets reg->auth.  Returns 0 or -1 with err. */
int glass_registry_authenticate(struct glass_registry *reg, const char *challenge,
                                struct glass_err **err)
{
	free(reg->auth);
	reg->auth = NULL;
	if (strncasecmp(challenge, "Basic", 5) == 0) {
		if (!reg->basic) {
			glass_err_new(err, EACCES, "registry %s requires a login", reg->domain);
			return glass_err_hint(err, "give credentials with --authfile (docker "
			                           "config.json format) or --creds USER:PASS");
		}
		reg->auth = xasprintf("Authorization: Basic %s", reg->basic);
		return 0;
	}
	if (strncasecmp(challenge, "Bearer", 6) != 0)
		return glass_err_new(err, ENOTSUP, "registry %s: unsupported authentication \"%s\"",
		                     reg->domain, challenge);
	cleanup_free char *realm = challenge_param(challenge, "realm");
	cleanup_free char *service = challenge_param(challenge, "service");
	cleanup_free char *scope = challenge_param(challenge, "scope");
	if (!realm)
		return glass_err_new(err, EPROTO, "registry %s: Bearer challenge without a realm",
		                     reg->domain);
	cleanup_free char *dscope = xasprintf("repository:%s:pull", reg->repo);
	cleanup_free char *es = url_escape(service ? service : "");
	cleanup_free char *esc = url_escape(scope ? scope : dscope);
	cleanup_free char *url =
	    xasprintf("%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?", es, esc);
	cleanup_free char *basic =
	    reg->basic ? xasprintf("Authorization: Basic %s", reg->basic) : NULL;
	struct resp r = {0};
	CURLcode cc = get(reg, url, "application/json", basic, &r);
	if (cc != CURLE_OK || r.status != 200) {
		if (cc != CURLE_OK)
			glass_err_new(err, EIO, "token from %s: %s", realm, curl_easy_strerror(cc));
		else
			glass_err_new(err, r.status == 401 ? EACCES : EIO,
			              "token from %s: HTTP %ld", realm, r.status);
		if (r.status == 401)
			glass_err_hint(err, "the credentials for %s were refused", reg->domain);
		resp_clear(&r);
		return -1;
	}
	char *body = strbuf_steal(&r.body);
	struct json_object *o = json_tokener_parse(body), *t;
	free(body);
	if (!o || (!json_object_object_get_ex(o, "token", &t) &&
	           !json_object_object_get_ex(o, "access_token", &t))) {
		json_object_put(o);
		resp_clear(&r);
		return glass_err_new(err, EPROTO, "token from %s: no token in the answer", realm);
	}
	reg->auth = xasprintf("Authorization: Bearer %s", json_object_get_string(t));
	json_object_put(o);
	resp_clear(&r);
	return 0;
}

static bool auth_key_matches(const char *key, const char *domain)
{
	const char *k = key;
	if (strncmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncmp(k, "http://", 7) == 0)
		k += 7;
	size_t n = strcspn(k, "/");
	if (strlen(domain) == n && strncmp(k, domain, n) == 0)
		return true;
	if (strcmp(domain, "docker.io") == 0)
		return (n == 15 && strncmp(k, "index.docker.io", n) == 0) ||
		       (n == 20 && strncmp(k, "registry-1.docker.io", n) == 0);
	return false;
}

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static int load_auth(struct glass_registry *reg, struct glass_err **err)
{
	if (reg->o.creds) {
		reg->basic = b64(reg->o.creds);
		return 0;
	}
	const char *one[2] = {reg->o.authfile, NULL};
	const char *const *cands = reg->o.authfile ? one : reg->o.authfiles;
	int rc = 0, n = 0;
	while (cands && cands[n])
		n++;
	for (int i = 0; i < n && !reg->basic; i++) {
		cleanup_free char *text = read_file_at(AT_FDCWD, cands[i], NULL);
		if (!text) {
			if (reg->o.authfile)
				rc = glass_err_new(err, errno, "read auth file \"%s\"", cands[i]);
			continue;
		}
		struct json_object *o = json_tokener_parse(text), *auths;
		if (!o || !json_object_object_get_ex(o, "auths", &auths)) {
			json_object_put(o);
			if (reg->o.authfile)
				rc = glass_err_new(
				    err, EINVAL, "auth file \"%s\": no \"auths\" object", cands[i]);
			continue;
		}
		json_object_object_foreach(auths, key, val)
		{
			struct json_object *a;
			if (!reg->basic && auth_key_matches(key, reg->domain) &&
			    json_object_object_get_ex(val, "auth", &a))
				reg->basic = xstrdup(json_object_get_string(a));
		}
		json_object_put(o);
	}
	return rc;
}

/* CAs: the system bundle plus every *.crt of the cert dir; a client
 * certificate from *.cert / *.key (the containers-certs.d layout). */
static void load_certs(struct glass_registry *reg)
{
	char *dirs[3] = {0};
	int n = 0;
	if (reg->o.cert_dir)
		dirs[n++] = xstrdup(reg->o.cert_dir);
	else {
		dirs[n++] = xasprintf("/etc/containers/certs.d/%s", reg->domain);
		dirs[n++] = xasprintf("/etc/docker/certs.d/%s", reg->domain);
	}
	struct strbuf pem = STRBUF_INIT;
	bool any = false;
	for (int i = 0; i < n; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			size_t l = strlen(de->d_name);
			cleanup_free char *p = xasprintf("%s/%s", dirs[i], de->d_name);
			if (l > 4 && strcmp(de->d_name + l - 4, ".crt") == 0) {
				size_t len;
				cleanup_free char *t = read_file_at(AT_FDCWD, p, &len);
				if (t) {
					strbuf_append(&pem, t, len);
					strbuf_append(&pem, "\n", 1);
					any = true;
				}
			} else if (l > 5 && strcmp(de->d_name + l - 5, ".cert") == 0 &&
			           !reg->client_cert) {
				reg->client_cert = xstrdup(p);
			} else if (l > 4 && strcmp(de->d_name + l - 4, ".key") == 0 &&
			           !reg->client_key) {
				reg->client_key = xstrdup(p);
			}
		}
		if (d)
			closedir(d);
		free(dirs[i]);
	}
	if (any) {
		size_t len;
		cleanup_free char *sys =
		    read_file_at(AT_FDCWD, "/etc/ssl/certs/ca-certificates.crt", &len);
		if (sys)
			strbuf_append(&pem, sys, len);
		reg->ca.len = pem.len;
		reg->ca.data = strbuf_steal(&pem);
		reg->ca.flags = CURL_BLOB_COPY;
	} else {
		strbuf_release(&pem);
	}
}

int glass_registry_open(const char *domain, const char *repo,
                        const struct glass_registry_opts *opts, struct glass_registry **out,
                        struct glass_err **err)
{
	static bool inited;
	if (glass_curl_need(err) < 0)
		return glass_err_ctx(err, "registry %s", domain);
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	struct glass_registry *r = xcalloc(1, sizeof(*r));
	r->o = *opts;
	if (!r->o.parallel)
		r->o.parallel = 3;
	r->domain = xstrdup(domain);
	r->host = xstrdup(strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain);
	r->repo = xstrdup(repo);
	r->scheme = xstrdup("https");
	load_certs(r);
	if (load_auth(r, err) < 0) {
		glass_registry_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void glass_registry_close(struct glass_registry *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->host);
	free(r->repo);
	free(r->scheme);
	free(r->auth);
	free(r->basic);
	free(r->ca.data);
	free(r->client_cert);
	free(r->client_key);
	free(r);
}

static bool tls_failure(CURLcode cc)
{
	return cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION ||
	       cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING;
}

/* GET with the auth dance and, with tls_verify off, the fall back to
 * plain HTTP that podman and skopeo do for insecure registries. */
static int request(struct glass_registry *reg, const char *path, const char *accept, size_t max,
                   struct resp *r, struct glass_err **err)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		cleanup_free char *url = xasprintf("%s://%s%s", reg->scheme, reg->host, path);
		resp_clear(r);
		r->max = max;
		CURLcode cc = get(reg, url, accept, reg->auth, r);
		if (cc != CURLE_OK) {
			if (!reg->o.tls_verify && strcmp(reg->scheme, "https") == 0 &&
			    tls_failure(cc)) {
				free(reg->scheme);
				reg->scheme = xstrdup("http");
				continue;
			}
			glass_err_new(err, EIO, "GET %s: %s", url, curl_easy_strerror(cc));
			if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
				glass_err_hint(err,
				               "the registry's certificate is not trusted: add its "
				               "CA with --cert-dir DIR (DIR/*.crt), or use "
				               "--tls-verify=false for a local test registry");
			else if (cc == CURLE_SSL_CONNECT_ERROR)
				glass_err_hint(err,
				               "the TLS handshake failed: if %s serves plain HTTP, "
				               "use --tls-verify=false",
				               reg->host);
			else if (cc == CURLE_COULDNT_CONNECT)
				glass_err_hint(err, "is the registry running on %s?", reg->host);
			return -1;
		}
		if (r->status == 401 && r->www_auth && attempt < 3) {
			if (glass_registry_authenticate(reg, r->www_auth, err) < 0)
				return -1;
			continue;
		}
		return 0;
	}
	return glass_err_new(err, EACCES, "registry %s: authentication failed", reg->domain);
}

int glass_registry_get_manifest(struct glass_registry *r, const char *reference, char **data,
                                size_t *len, char **content_type, char digest[GLASS_DIGEST_LEN],
                                struct glass_err **err)
{
	struct resp rs = {0};
	cleanup_free char *path = xasprintf("/v2/%s/manifests/%s", r->repo, reference);
	if (request(r, path, GLASS_MANIFEST_ACCEPT, 8 << 20, &rs, err) < 0)
		goto fail;
	if (rs.status != 200) {
		glass_err_new(err,
		              rs.status == 404   ? ENOENT
		              : rs.status == 401 ? EACCES
		                                 : EIO,
		              "GET %s/%s:%s manifest: HTTP %ld", r->domain, r->repo, reference,
		              rs.status);
		if (rs.status == 404)
			glass_err_hint(err, "no such image or tag on %s", r->domain);
		goto fail;
	}
	glass_digest_buf(rs.body.buf ? rs.body.buf : "", rs.body.len, digest);
	if (glass_digest_valid(reference) && strcmp(reference, digest) != 0) {
		glass_err_new(err, EBADMSG, "manifest %s: received content has digest %s",
		              reference, digest);
		goto fail;
	}
	if (rs.docker_digest && glass_digest_valid(rs.docker_digest) &&
	    strcmp(rs.docker_digest, digest) != 0) {
		glass_err_new(err, EBADMSG,
		              "manifest %s: content has digest %s, the registry says %s", reference,
		              digest, rs.docker_digest);
		goto fail;
	}
	*len = rs.body.len;
	*content_type = rs.content_type ? xstrdup(rs.content_type) : NULL;
	*data = strbuf_steal(&rs.body);
	resp_clear(&rs);
	return 0;
fail:
	resp_clear(&rs);
	return glass_err_ctx(err, "pull %s/%s", r->domain, r->repo);
}

int glass_registry_get_blob(struct glass_registry *r, const struct glass_desc *d, char **data,
                            size_t *len, struct glass_err **err)
{
	struct resp rs = {0};
	char got[GLASS_DIGEST_LEN];
	cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", r->repo, d->digest);
	if (request(r, path, NULL, 64 << 20, &rs, err) < 0)
		goto fail;
	if (rs.status != 200) {
		glass_err_new(err, EIO, "GET blob %s: HTTP %ld", d->digest, rs.status);
		goto fail;
	}
	glass_digest_buf(rs.body.buf ? rs.body.buf : "", rs.body.len, got);
	if (strcmp(got, d->digest) != 0) {
		glass_err_new(err, EBADMSG, "blob %s: received content has digest %s", d->digest,
		              got);
		glass_err_hint(err, "the data was corrupted or the server sent another blob; "
		                    "nothing was stored");
		goto fail;
	}
	*len = rs.body.len;
	*data = strbuf_steal(&rs.body);
	resp_clear(&rs);
	return 0;
fail:
	resp_clear(&rs);
	return -1;
}
