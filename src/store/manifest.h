/* manifest: image manifests, indexes and configs (OCI image spec
 * manifest.md, image-index.md, config.md) in both the OCI and the Docker
 * schema2 / manifest-list media types, parsed with json-c into typed
 * structs; platform selection from an index. */
#ifndef GLASS_MANIFEST_H
#define GLASS_MANIFEST_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GLASS_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define GLASS_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define GLASS_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define GLASS_MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define GLASS_MT_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define GLASS_MT_OCI_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"
#define GLASS_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define GLASS_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define GLASS_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define GLASS_MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* The Accept header a client sends for manifests. */
#define GLASS_MANIFEST_ACCEPT                                                                      \
	GLASS_MT_OCI_INDEX ", " GLASS_MT_OCI_MANIFEST ", " GLASS_MT_DOCKER_LIST                    \
	                   ", " GLASS_MT_DOCKER_MANIFEST

enum glass_manifest_kind {
	GLASS_MANIFEST_IMAGE = 1,
	GLASS_MANIFEST_INDEX = 2,
};

struct glass_desc {
	char *media_type;
	char *digest;
	int64_t size;
	char *os, *arch, *variant; /* index entries: platform (NULL when absent) */
	char *ref_name;            /* org.opencontainers.image.ref.name, or NULL */
};

struct glass_manifest {
	enum glass_manifest_kind kind;
	char *media_type;
	struct glass_desc config; /* image manifests */
	struct glass_desc *layers;
	size_t nlayers;
	struct glass_desc *manifests; /* indexes */
	size_t nmanifests;
};

/* Parses a manifest or an index.  `content_type` (the registry's
 * Content-Type, or NULL) is used when the document has no mediaType.
 * Unknown schemas (Docker schema1) are refused with a hint. */
int glass_manifest_parse(const char *data, size_t len, const char *content_type,
                         struct glass_manifest **out, struct glass_err **err);
void glass_manifest_free(struct glass_manifest *m);

/* The host's platform in OCI terms ("linux", "amd64", variant or ""). */
void glass_platform_host(char os[32], char arch[32], char variant[32]);

/* Chooses the entry of an index for `platform` ("os/arch[/variant]", NULL
 * for the host).  Returns the entry or NULL with an error listing what the
 * index offers. */
const struct glass_desc *glass_manifest_select(const struct glass_manifest *idx,
                                               const char *platform, struct glass_err **err);

/* The parts of an image config a container needs. */
struct glass_image_config {
	char **entrypoint; /* NULL-terminated or NULL */
	char **cmd;
	char **env;
	char *workdir;
	char *user;
	char *os, *arch, *created;
	char **diff_ids; /* NULL-terminated */
	size_t ndiff_ids;
	char *json; /* the whole document, as stored */
	/* config.ExposedPorts ({"80/tcp": {}}) as parsed, a reference of its
	 * own, or NULL: what a container records, without parsing json again */
	struct json_object *exposed_ports;
};
int glass_config_parse(const char *data, size_t len, struct glass_image_config **out,
                       struct glass_err **err);
void glass_config_free(struct glass_image_config *c);
void glass_manifest_strv_free(char **v);

#endif
