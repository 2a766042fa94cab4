/* rootfs: the container's root filesystem, built inside its new mount
 * namespace by the container's child process (between clone and execve).
 *
 * All paths under the rootfs are resolved relative to a directory fd of
 * the rootfs and never follow a symlink out of it (openat2
 * RESOLVE_IN_ROOT, with a checked fallback): a mount destination that is
 * a symlink to /etc on the host lands in the container's /etc.
 */
#ifndef GLASS_ROOTFS_H
#define GLASS_ROOTFS_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>

struct glass_rootfs_ctx {
	const struct glass_spec *spec;
	const char *rootfs; /* absolute host path of root.path */
	bool no_pivot;
	bool in_userns;          /* a new user namespace: no mknod, bind devices instead */
	const char *console_pty; /* pty slave path to bind on /dev/console, or NULL */
	const char *bundle;      /* bundle directory: relative mounts[].source are under it
	                          * (NULL: relative to the current directory) */
	/* Per mounts[] entry: a detached, idmapped tree the parent opened
	 * before clone (glass_idmapped_prepare: the child in a new user
	 * namespace lacks the privilege to make one), or -1; NULL: none. */
	const int *idmapped_fds;
};

/* Before the switch of root: makes / of the new mount namespace rslave
 * (or rootfsPropagation), binds the rootfs onto itself so it is a mount
 * point, performs every `mounts[]` entry in order, creates /dev (default
 * devices, linux.devices, /dev/fd etc. symlinks, /dev/ptmx, /dev/console). */
int glass_rootfs_setup(const struct glass_rootfs_ctx *ctx, struct glass_err **err);

/* Switches the root: pivot_root(rootfs, rootfs) then detaches the old root
 * (or, with no_pivot, MS_MOVE + chroot).  Afterwards cwd is "/". */
int glass_rootfs_pivot(const struct glass_rootfs_ctx *ctx, struct glass_err **err);

/* After the switch: sysctls, maskedPaths, readonlyPaths, the read-only
 * remount of / when root.readonly, and the final rootfsPropagation. */
int glass_rootfs_finish(const struct glass_rootfs_ctx *ctx, struct glass_err **err);

#endif
