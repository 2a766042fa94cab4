/* registry-internal: what registry.c shares with registry-fetch.c. */
#ifndef GLASS_REGISTRY_INTERNAL_H
#define GLASS_REGISTRY_INTERNAL_H

#include "registry.h"

#include "lazy-curl.h"

struct glass_registry {
	char *domain;
	char *host; /* registry-1.docker.io for docker.io */
	char *repo;
	char *scheme; /* "https" or "http" */
	char *auth;   /* "Authorization: ..." header line, or NULL */
	char *basic;  /* base64 user:pass, or NULL */
	struct curl_blob ca;
	char *client_cert, *client_key;
	struct glass_registry_opts o;
};

/* TLS, redirects, timeouts and the user agent on a curl handle. */
void glass_registry_setup_curl(struct glass_registry *r, CURL *c);
/* Answers a 401 WWW-Authenticate challenge: sets r->auth. */
int glass_registry_authenticate(struct glass_registry *r, const char *challenge,
                                struct glass_err **err);

#endif
