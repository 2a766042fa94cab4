/* manifest: the JSON documents that describe an image.  No kernel here;
 * the care is in refusing what we cannot verify: every descriptor needs
 * a valid sha256 digest and a size, since the store trusts nothing it
 * cannot check against its name. */
#include "manifest.h"
#include "digest.h"
#include "store-json.h"
#include "util.h"

#include <json-c/json.h>
#include <string.h>
#include <stdio.h>
#include <sys/utsname.h>

static void desc_clear(struct glass_desc *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	free(d->ref_name);
}

static int parse_desc(struct json_object *o, const char *where, struct glass_desc *d,
                      struct glass_err **err)
{
	struct json_object *sz, *plat, *ann;
	if (!o || !json_object_is_type(o, json_type_object))
		return glass_err_new(err, EINVAL, "%s: not an object", where);
	d->media_type = glass_json_strdup(o, "mediaType");
	d->digest = glass_json_strdup(o, "digest");
	if (glass_digest_check(d->digest, where, err) < 0)
		return -1;
	if (!json_object_object_get_ex(o, "size", &sz) || !json_object_is_type(sz, json_type_int) ||
	    json_object_get_int64(sz) < 0)
		return glass_err_new(err, EINVAL, "%s.size: missing or negative", where);
	d->size = json_object_get_int64(sz);
	if (json_object_object_get_ex(o, "platform", &plat)) {
		d->os = glass_json_strdup(plat, "os");
		d->arch = glass_json_strdup(plat, "architecture");
		d->variant = glass_json_strdup(plat, "variant");
	}
	if (json_object_object_get_ex(o, "annotations", &ann))
		d->ref_name = glass_json_strdup(ann, "org.opencontainers.image.ref.name");
	return 0;
}

static int parse_descs(struct json_object *o, const char *key, struct glass_desc **out, size_t *n,
                       struct glass_err **err)
{
	struct json_object *arr;
	if (!json_object_object_get_ex(o, key, &arr) || !json_object_is_type(arr, json_type_array))
		return glass_err_new(err, EINVAL, "%s: missing or not an array", key);
	*n = json_object_array_length(arr);
	*out = xcalloc(*n + 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		char where[64];
		snprintf(where, sizeof(where), "%s[%zu]", key, i);
		if (parse_desc(json_object_array_get_idx(arr, i), where, &(*out)[i], err) < 0)
			return -1;
	}
	return 0;
}

int glass_manifest_parse(const char *data, size_t len, const char *content_type,
                         struct glass_manifest **out, struct glass_err **err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, data, (int)len), *sv, *tmp;
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return glass_err_new(err, EINVAL, "manifest: not a JSON object");
	}
	struct glass_manifest *m = xcalloc(1, sizeof(*m));
	const char *mt = glass_json_str(o, "mediaType");
	if (!mt && content_type && strstr(content_type, "json") &&
	    strcmp(content_type, "application/json") != 0)
		mt = content_type;
	if (json_object_object_get_ex(o, "schemaVersion", &sv) && json_object_get_int(sv) == 1) {
		glass_err_new(err, ENOTSUP, "manifest: Docker schema 1 is not supported");
		glass_err_hint(err, "schema 1 images are deprecated; push the image again with a "
		                    "current tool");
		goto fail;
	}
	if (mt)
		m->media_type = xstrdup(mt);
	if ((mt &&
	     (strcmp(mt, GLASS_MT_OCI_INDEX) == 0 || strcmp(mt, GLASS_MT_DOCKER_LIST) == 0)) ||
	    (!mt && json_object_object_get_ex(o, "manifests", &tmp))) {
		m->kind = GLASS_MANIFEST_INDEX;
		if (!m->media_type)
			m->media_type = xstrdup(GLASS_MT_OCI_INDEX);
		if (parse_descs(o, "manifests", &m->manifests, &m->nmanifests, err) < 0)
			goto fail;
	} else if ((mt && (strcmp(mt, GLASS_MT_OCI_MANIFEST) == 0 ||
	                   strcmp(mt, GLASS_MT_DOCKER_MANIFEST) == 0)) ||
	           (!mt && json_object_object_get_ex(o, "layers", &tmp))) {
		m->kind = GLASS_MANIFEST_IMAGE;
		if (!m->media_type)
			m->media_type = xstrdup(GLASS_MT_OCI_MANIFEST);
		/* Found by fuzz-manifest: a manifest without "config" was
		 * refused with no error to say why. */
		if (!json_object_object_get_ex(o, "config", &tmp)) {
			glass_err_new(err, EINVAL, "manifest: no \"config\" descriptor");
			goto fail;
		}
		if (parse_desc(tmp, "config", &m->config, err) < 0 ||
		    parse_descs(o, "layers", &m->layers, &m->nlayers, err) < 0)
			goto fail;
	} else {
		glass_err_new(err, ENOTSUP, "manifest: unsupported media type \"%s\"",
		              mt ? mt : "(none)");
		goto fail;
	}
	json_object_put(o);
	*out = m;
	return 0;
fail:
	json_object_put(o);
	glass_manifest_free(m);
	return -1;
}

void glass_manifest_free(struct glass_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	desc_clear(&m->config);
	for (size_t i = 0; i < m->nlayers; i++)
		desc_clear(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->nmanifests; i++)
		desc_clear(&m->manifests[i]);
	free(m->manifests);
	free(m);
}

void glass_platform_host(char os[32], char arch[32], char variant[32])
{
	struct utsname u;
	uname(&u);
	snprintf(os, 32, "linux");
	variant[0] = '\0';
	if (strcmp(u.machine, "x86_64") == 0)
		snprintf(arch, 32, "amd64");
	else if (strcmp(u.machine, "aarch64") == 0) {
		snprintf(arch, 32, "arm64");
		snprintf(variant, 32, "v8");
	} else if (strncmp(u.machine, "armv7", 5) == 0) {
		snprintf(arch, 32, "arm");
		snprintf(variant, 32, "v7");
	} else if (strncmp(u.machine, "armv6", 5) == 0) {
		snprintf(arch, 32, "arm");
		snprintf(variant, 32, "v6");
	} else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
		snprintf(arch, 32, "386");
	else
		snprintf(arch, 32, "%.31s", u.machine);
}

const struct glass_desc *glass_manifest_select(const struct glass_manifest *idx,
                                               const char *platform, struct glass_err **err)
{
	char os[32], arch[32], variant[32];
	const struct glass_desc *best = NULL;
	if (platform) {
		char buf[96];
		snprintf(buf, sizeof(buf), "%s", platform);
		char *a = strchr(buf, '/'), *v = NULL;
		if (!a) {
			glass_err_new(err, EINVAL, "--platform \"%s\": expected os/arch[/variant]",
			              platform);
			return NULL;
		}
		*a++ = '\0';
		if ((v = strchr(a, '/')))
			*v++ = '\0';
		snprintf(os, sizeof(os), "%.31s", buf);
		snprintf(arch, sizeof(arch), "%.31s", a);
		snprintf(variant, sizeof(variant), "%.31s", v ? v : "");
	} else {
		glass_platform_host(os, arch, variant);
	}
	for (size_t i = 0; i < idx->nmanifests; i++) {
		const struct glass_desc *d = &idx->manifests[i];
		if (!d->os || !d->arch || strcmp(d->os, os) != 0 || strcmp(d->arch, arch) != 0)
			continue;
		if (d->media_type && strcmp(d->media_type, GLASS_MT_OCI_MANIFEST) != 0 &&
		    strcmp(d->media_type, GLASS_MT_DOCKER_MANIFEST) != 0)
			continue; /* attestations, nested indexes */
		if (variant[0] && d->variant && strcmp(d->variant, variant) == 0)
			return d; /* exact */
		if (!best || (!variant[0] && !d->variant))
			best = d;
	}
	if (best)
		return best;
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < idx->nmanifests; i++) {
		const struct glass_desc *d = &idx->manifests[i];
		strbuf_printf(&b, "%s%s/%s%s%s", i ? ", " : "", d->os ? d->os : "?",
		              d->arch ? d->arch : "?", d->variant ? "/" : "",
		              d->variant ? d->variant : "");
	}
	cleanup_free char *offers = strbuf_steal(&b);
	glass_err_new(err, ENOENT, "no image for platform %s/%s%s%s in the index", os, arch,
	              variant[0] ? "/" : "", variant);
	glass_err_hint(err, "the index offers: %s; choose one with --platform", offers);
	return NULL;
}

void glass_manifest_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static char **strv(struct json_object *o, const char *key, size_t *n)
{
	struct json_object *a;
	if (n)
		*n = 0;
	if (!o || !json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	size_t len = json_object_array_length(a), k = 0;
	char **v = xcalloc(len + 1, sizeof(char *));
	for (size_t i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (json_object_is_type(e, json_type_string))
			v[k++] = xstrdup(json_object_get_string(e));
	}
	if (n)
		*n = k;
	return v;
}

int glass_config_parse(const char *data, size_t len, struct glass_image_config **out,
                       struct glass_err **err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, data, (int)len), *cfg = NULL, *rootfs;
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return glass_err_new(err, EINVAL, "image config: not a JSON object");
	}
	struct glass_image_config *c = xcalloc(1, sizeof(*c));
	json_object_object_get_ex(o, "config", &cfg);
	c->entrypoint = strv(cfg, "Entrypoint", NULL);
	c->cmd = strv(cfg, "Cmd", NULL);
	c->env = strv(cfg, "Env", NULL);
	c->workdir = glass_json_strdup(cfg, "WorkingDir");
	c->user = glass_json_strdup(cfg, "User");
	c->os = glass_json_strdup(o, "os");
	c->arch = glass_json_strdup(o, "architecture");
	c->created = glass_json_strdup(o, "created");
	if (json_object_object_get_ex(o, "rootfs", &rootfs))
		c->diff_ids = strv(rootfs, "diff_ids", &c->ndiff_ids);
	struct json_object *ports = NULL;
	if (cfg && json_object_object_get_ex(cfg, "ExposedPorts", &ports) &&
	    json_object_is_type(ports, json_type_object))
		c->exposed_ports = json_object_get(ports);
	for (size_t i = 0; i < c->ndiff_ids; i++) {
		char where[80];
		snprintf(where, sizeof(where), "image config rootfs.diff_ids[%zu]", i);
		if (glass_digest_check(c->diff_ids[i], where, err) < 0) {
			json_object_put(o);
			glass_config_free(c);
			return -1;
		}
	}
	c->json = xmalloc(len + 1);
	memcpy(c->json, data, len);
	c->json[len] = '\0';
	json_object_put(o);
	*out = c;
	return 0;
}

void glass_config_free(struct glass_image_config *c)
{
	if (!c)
		return;
	glass_manifest_strv_free(c->entrypoint);
	glass_manifest_strv_free(c->cmd);
	glass_manifest_strv_free(c->env);
	glass_manifest_strv_free(c->diff_ids);
	free(c->workdir);
	free(c->user);
	free(c->os);
	free(c->arch);
	free(c->created);
	free(c->json);
	json_object_put(c->exposed_ports);
	free(c);
}
