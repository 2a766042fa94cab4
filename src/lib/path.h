/* path: resolving paths inside a container's root filesystem.
 *
 * A rootfs is untrusted: any of its entries may be a symlink, and a
 * symlink is resolved by the kernel against the resolving process's root
 * (the host's "/" before pivot_root).  A mount destination "/etc/x" where
 * the image made /etc a symlink to "/../../etc" would land on the host.
 * Every path under a rootfs is therefore resolved relative to a directory
 * fd of the rootfs as if it were "/": ".." stops at it, absolute symlinks
 * restart at it, and magic links (/proc/PID/fd/N, /proc/PID/root) are
 * refused.  The kernel does this itself with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) (Linux 5.6); where that is missing (or filtered
 * by seccomp) a checked walk does it one component at a time with
 * O_NOFOLLOW, reading each symlink and splicing its target back in.
 *
 * The fds returned are O_PATH (unless asked otherwise) and can be handed
 * to glass_sys_mount_fd(), which mounts through /proc/self/fd/N so nothing
 * is resolved again between the check and the mount (CVE-2021-30465).
 */
#ifndef GLASS_PATH_H
#define GLASS_PATH_H

#include "err.h"

#include <stdbool.h>
#include <sys/types.h>

enum glass_path_kind {
	GLASS_PATH_DIR = 1,  /* create missing final component as a directory */
	GLASS_PATH_FILE = 2, /* ... as an empty regular file */
};

/* Opens `path` (absolute or relative; both mean "from the root") inside
 * the tree of `rootfd`.  `flags` are open(2) flags: O_PATH, O_DIRECTORY,
 * O_RDONLY, ...; with O_NOFOLLOW a final symlink is opened itself.
 * Returns a new O_CLOEXEC fd, or -1 with *err (ENOENT when missing, ELOOP
 * for a magic link or a symlink loop, EXDEV for a resolved escape). */
int glass_path_open(int rootfd, const char *path, int flags, const char *field,
                    struct glass_err **err);

/* Makes sure `path` exists inside `rootfd`: missing parent directories are
 * created (mode 0755) and a missing final component is created as `kind`
 * with `mode`.  Symlinks met on the way are followed inside the root (a
 * dangling one is created at its target, inside the root).  Returns an
 * O_PATH fd of the final component, or -1 with *err. */
int glass_path_create(int rootfd, const char *path, enum glass_path_kind kind, mode_t mode,
                      const char *field, struct glass_err **err);

/* The checked walk alone, without openat2 (unit tests compare it against
 * openat2).  `kind` 0: do not create anything.  When `resolved` is not
 * NULL it receives the canonical path inside the root ("/etc/x"). */
int glass_path_walk(int rootfd, const char *path, int flags, enum glass_path_kind kind, mode_t mode,
                    char **resolved, const char *field, struct glass_err **err);

/* The path of `fd` as the kernel names it (readlink of /proc/self/fd/N),
 * for messages; malloc'd, "?" when unknown. */
char *glass_path_fd_name(int fd);

#endif
