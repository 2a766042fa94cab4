/* ref: image references ("busybox", "quay.io/a/b:1.0", "r:5000/x@sha256:..")
 * parsed and normalised the way podman and docker do: a first component
 * with a "." or ":" or equal to "localhost" is a registry, otherwise the
 * name is short and belongs to docker.io (with "library/" for one-component
 * names); no tag and no digest means ":latest". */
#ifndef GLASS_REF_H
#define GLASS_REF_H

#include "err.h"

#include <stdbool.h>

struct glass_ref {
	char *domain;     /* "docker.io", "localhost", "127.0.0.1:5000" */
	char *path;       /* "library/busybox" */
	char *tag;        /* NULL when only a digest was given */
	char *digest;     /* NULL when none was given */
	bool short_name;  /* no registry was written: local images are tried first */
	char *short_path; /* the path as written for short names ("busybox") */
};

/* Parses and normalises `s`; errors name the bad part. */
int glass_ref_parse(const char *s, struct glass_ref *out, struct glass_err **err);
void glass_ref_clear(struct glass_ref *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest";
 * malloc'd. */
char *glass_ref_string(const struct glass_ref *r);
/* "domain/path"; malloc'd. */
char *glass_ref_repo(const struct glass_ref *r);
/* The names a short reference may have in the local store, most preferred
 * first (localhost/NAME:TAG, docker.io/library/NAME:TAG); NULL-terminated,
 * malloc'd (free each and the array). */
char **glass_ref_local_candidates(const struct glass_ref *r);

#endif
