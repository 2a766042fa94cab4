/* rootfs-internal: helpers shared by rootfs.c, mount.c, devices.c and
 * paths.c (not installed). */
#ifndef GLASS_ROOTFS_INTERNAL_H
#define GLASS_ROOTFS_INTERNAL_H

#include "rootfs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The options of one mounts[] entry, split the way mount(2) wants them. */
struct glass_mount_opts {
	unsigned long flags;   /* MS_* to set */
	unsigned long clear;   /* MS_* explicitly cleared ("rw", "suid", "dev", ...) */
	unsigned long prop[4]; /* propagation changes, applied one call each, in order */
	size_t nprop;
	bool bind, rec;     /* "bind" / "rbind" */
	bool idmap, ridmap; /* "idmap" / "ridmap" (recursive) */
	bool tmpcopyup;     /* "tmpcopyup": a tmpfs gets the covered directory's content */
	uint64_t rattr_set; /* recursive options ("rro", "rnosuid"): MOUNT_ATTR_* */
	uint64_t rattr_clr;
	char *data; /* the rest, comma-joined, for the filesystem (malloc'd) */
};

/* Parses `opts` (mounts[i].options).  Unknown options go to ->data, as
 * the filesystem may know them ("mode=755", "size=64k", "newinstance").
 * Returns 0, or -1 for options glass refuses. */
int glass_mount_opts_parse(char *const *opts, size_t n, struct glass_mount_opts *out,
                           const char *field, struct glass_err **err);
void glass_mount_opts_free(struct glass_mount_opts *o);

/* Flags that a bind remount may change, and those a user namespace cannot
 * clear once set on the source ("locked"). */
#define GLASS_MS_REMOUNT_MASK                                                                      \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)

/* After a tmpfs was mounted on `dest` over the directory open as `under`
 * (O_RDONLY, opened before the mount): the tmpfs root takes its mode
 * unless o->data has mode=, and with o->tmpcopyup its whole content is
 * copied in (tmpfs.c).  0, or -1 with *err naming `field`. */
int glass_rootfs_tmpfs_fill(int rootfd, const char *dest, int under,
                            const struct glass_mount_opts *o, const char *field,
                            struct glass_err **err);

/* Performs mounts[i] below the rootfs open as rootfd. */
int glass_rootfs_mount_entry(const struct glass_rootfs_ctx *ctx, int rootfd, size_t i,
                             struct glass_err **err);

/* Mounts onto the entry open as `fd` through /proc/self/fd/N, or, when
 * fd < 0 or no /proc is mounted (after the root switch), onto the path
 * `shown` (safe then: the process's root is the container's). */
int glass_rootfs_mount_on(const char *src, int fd, const char *shown, const char *fstype,
                          unsigned long flags, const void *data, const char *field,
                          struct glass_err **err);

/* The flags a bind remount of the mount open as fd (else `shown`) must
 * repeat to keep what it has (statvfs): nosuid, nodev, noexec, nodiratime
 * and, unless `given` names one, its atime mode.  0 when unknown. */
unsigned long glass_rootfs_found_flags(int fd, const char *shown, unsigned long given);
/* A bind remount of the mount open as fd with `flags` (MS_RDONLY...),
 * keeping the flags the kernel locked on it (a user namespace cannot clear
 * nosuid/nodev/noexec/atime flags inherited from a more privileged one). */
int glass_rootfs_remount_bind(int fd, const char *shown, unsigned long flags, const char *field,
                              struct glass_err **err);

/* True when `dest` (a mount destination) names /dev. */
bool glass_rootfs_is_dev(const char *dest);

/* /dev: default devices, linux.devices, symlinks, /dev/ptmx, /dev/console. */
int glass_rootfs_setup_dev(const struct glass_rootfs_ctx *ctx, int rootfd, bool setup_dev,
                           struct glass_err **err);

/* After pivot: sysctl, readonlyPaths, maskedPaths. */
int glass_rootfs_sysctl(const struct glass_rootfs_ctx *ctx, struct glass_err **err);
int glass_rootfs_readonly_paths(const struct glass_rootfs_ctx *ctx, int rootfd,
                                struct glass_err **err);
int glass_rootfs_masked_paths(const struct glass_rootfs_ctx *ctx, int rootfd,
                              struct glass_err **err);

#endif
