/* ref: reference grammar of the distribution spec, normalised like
 * containers/image and docker/distribution's reference package. */
#include "ref.h"
#include "digest.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

void glass_ref_clear(struct glass_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r->short_path);
	memset(r, 0, sizeof(*r));
}

static bool valid_path(const char *p)
{
	if (!*p || *p == '/' || p[strlen(p) - 1] == '/' || strstr(p, "//"))
		return false;
	for (; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' ||
		      *p == '_' || *p == '-' || *p == '/'))
			return false;
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (; *t; t++)
		if (!(isalnum((unsigned char)*t) || *t == '_' || *t == '.' || *t == '-'))
			return false;
	return true;
}

int glass_ref_parse(const char *s, struct glass_ref *out, struct glass_err **err)
{
	cleanup_free char *name = xstrdup(s);
	char *at = strchr(name, '@'), *slash, *colon;
	memset(out, 0, sizeof(*out));
	if (!*s)
		return glass_err_new(err, EINVAL, "empty image reference");
	if (at) {
		*at = '\0';
		if (glass_digest_check(at + 1, s, err) < 0)
			return -1;
		out->digest = xstrdup(at + 1);
	}
	slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!valid_tag(colon + 1)) {
			glass_err_new(err, EINVAL, "image reference \"%s\": invalid tag \"%s\"", s,
			              colon + 1);
			glass_ref_clear(out);
			return -1;
		}
		out->tag = xstrdup(colon + 1);
	}
	char *first_slash = strchr(name, '/');
	char *path = name;
	if (first_slash) {
		*first_slash = '\0';
		if (strchr(name, '.') || strchr(name, ':') || strcmp(name, "localhost") == 0) {
			for (char *p = name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			out->domain = xstrdup(name);
			path = first_slash + 1;
		} else {
			*first_slash = '/';
		}
	}
	if (!out->domain) {
		out->short_name = true;
		out->short_path = xstrdup(path);
		out->domain = xstrdup("docker.io");
	}
	if (strcmp(out->domain, "index.docker.io") == 0) {
		free(out->domain);
		out->domain = xstrdup("docker.io");
	}
	if (!valid_path(path)) {
		glass_err_new(err, EINVAL, "image reference \"%s\": invalid repository name \"%s\"",
		              s, path);
		glass_err_hint(err, "repository names are lowercase letters, digits and . _ - /");
		glass_ref_clear(out);
		return -1;
	}
	if (strcmp(out->domain, "docker.io") == 0 && !strchr(path, '/'))
		out->path = xasprintf("library/%s", path);
	else
		out->path = xstrdup(path);
	if (!out->tag && !out->digest)
		out->tag = xstrdup("latest");
	return 0;
}

char *glass_ref_repo(const struct glass_ref *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

char *glass_ref_string(const struct glass_ref *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
	                 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

char **glass_ref_local_candidates(const struct glass_ref *r)
{
	char **c = xcalloc(4, sizeof(char *));
	size_t n = 0;
	const char *suffix_sep1 = r->tag ? ":" : "", *tag = r->tag ? r->tag : "";
	const char *sep2 = r->digest ? "@" : "", *dg = r->digest ? r->digest : "";
	if (r->short_name)
		c[n++] =
		    xasprintf("localhost/%s%s%s%s%s", r->short_path, suffix_sep1, tag, sep2, dg);
	c[n++] = glass_ref_string(r);
	return c;
}
