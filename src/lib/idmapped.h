/* idmapped: idmapped bind mounts (mounts[].uidMappings / gidMappings).
 *
 * Since Linux 5.12 a mount can carry its own id mapping: the kernel
 * translates the owner of every inode seen through that mount with the
 * mappings of a user namespace attached to it (mount_setattr(2) with
 * MOUNT_ATTR_IDMAP).  A file owned by uid 0 on disk, seen through a mount
 * idmapped with "0 100000 65536", belongs to host uid 100000, i.e. to
 * root of a container whose user namespace maps 0 to 100000, without a
 * chown of the tree.  The mapping is taken from a user namespace made for
 * the purpose (a short-lived child in a new user namespace whose maps are
 * the mount's), and only a detached mount (open_tree(OPEN_TREE_CLONE))
 * can be idmapped; move_mount(2) then attaches it at the destination.
 *
 * The two halves can run in different processes: glass_idmapped_open()
 * needs privilege over the source in the host's user namespace (run it in
 * the runtime before clone), glass_idmapped_attach() only needs to own the
 * mount namespace of the destination (the container's child).
 */
#ifndef GLASS_IDMAPPED_H
#define GLASS_IDMAPPED_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>

/* True when the kernel has mount_setattr(2) (Linux 5.12+). */
bool glass_idmapped_supported(void);

/* Clones `source` (recursively with `recursive`) into a detached mount
 * and idmaps it with m->uidMappings / m->gidMappings (both are needed: a
 * missing half is an error naming the field).  Returns the detached mount
 * fd (O_CLOEXEC). */
int glass_idmapped_open(const char *source, const struct glass_mount *m, bool recursive,
                        const char *field, struct glass_err **err);

/* Attaches a detached mount at the directory or file open as target_fd
 * (an O_PATH fd resolved inside the rootfs); `shown` names it. */
int glass_idmapped_attach(int tree_fd, int target_fd, const char *shown, const char *field,
                          struct glass_err **err);

/* open + attach in one process: for a caller with privilege over both
 * (a container without a user namespace). */
int glass_mount_idmapped(const char *source, int target_fd, const char *shown,
                         const struct glass_mount *m, bool recursive, const char *field,
                         struct glass_err **err);

/* Parent side, before clone: for every mounts[] entry with uidMappings /
 * gidMappings, opens the detached idmapped tree of its source, and for
 * every plain bind (no "idmap" option) a detached clone of its source, so
 * that sources only the runtime's credentials reach still bind (relative
 * sources resolve against `bundle`; "rbind"/"ridmap" make it recursive).
 * *fds gets spec->nmounts entries, -1 for other mounts (NULL when there
 * are no mounts); the child then calls glass_idmapped_attach(fds[i], ...)
 * instead of bind-mounting.  This is the path that works when the
 * container has its own user namespace.  0 or -1 with *err (nothing left
 * open). */
int glass_idmapped_prepare(const struct glass_spec *spec, const char *bundle, int **fds,
                           struct glass_err **err);
/* Closes the fds of glass_idmapped_prepare() and frees the array. */
void glass_idmapped_close(int *fds, size_t n);

/* A user namespace fd whose maps are the given ones (for tests and for
 * callers that idmap with the container's own mappings). */
int glass_idmapped_userns(const struct glass_idmap *uids, size_t nuids,
                          const struct glass_idmap *gids, size_t ngids, const char *field,
                          struct glass_err **err);

#endif
