/* snapshot: a container's root filesystem made from an image's layer
 * directories.
 *
 * With overlayfs the layers are the read-only lowerdirs (topmost first)
 * and the container gets a fresh upperdir (its writes) and workdir (the
 * kernel's scratch space for atomic copy-up), all on one filesystem, so
 * starting a container copies nothing.  The kernel limits mount options
 * to one page (4096 bytes), so lowerdirs are given as short relative
 * names (layers/l/XXXXXXXXXXXX) with the mount issued from ROOT/layers.
 * Where overlayfs is not available (no module, a filesystem it cannot use
 * as upper, no privilege), the layers are copied into a plain directory,
 * applying whiteouts and opaque directories on the way; the choice is
 * automatic and reported.  The store option snapshotter="copy" forces
 * the copy. */
#ifndef GLASS_SNAPSHOT_H
#define GLASS_SNAPSHOT_H

#include "image.h"

struct glass_snapshot {
	char *dir;    /* ROOT/containers/ID */
	char *rootfs; /* ROOT/containers/ID/rootfs */
	bool overlay; /* false: a copy */
};

/* Makes ROOT/containers/ID with a rootfs for the image whose unpacked
 * layers are `lowers` (from glass_image_unpack).  Fails with EEXIST when
 * the container exists.  `quiet` hides the fallback notice (otherwise a
 * WARN report). */
int glass_snapshot_create(struct glass_store *s, const char *id, const struct glass_image *img,
                          char **lowers, bool quiet, struct glass_snapshot **out,
                          struct glass_err **err);

/* Unmounts the rootfs when it is a mount point (the container keeps its
 * upper directory). */
int glass_snapshot_unmount(const char *rootfs, struct glass_err **err);

/* Unmounts (when mounted) and deletes ROOT/containers/ID. */
int glass_snapshot_remove(struct glass_store *s, const char *id, struct glass_err **err);

void glass_snapshot_free(struct glass_snapshot *snap);

#endif
