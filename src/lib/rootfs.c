/* rootfs: the container's root filesystem, in its own mount namespace.
 *
 * A new mount namespace starts as a copy of the host's mount table, with
 * the host's propagation: a mount made in a shared mount would appear on
 * the host.  So the first step makes "/" a slave, recursively (events flow
 * from the host in, never out).  pivot_root(2) then needs the new root to
 * be a mount point whose parent is not shared, so the rootfs is bound onto
 * itself.  The mounts of config.json are made below it, /dev is filled,
 * and pivot_root(".", ".") stacks the old root under the new one, where a
 * lazy unmount makes it disappear without a temporary directory (runc's
 * trick).  With --no-pivot (a ramfs root cannot be pivoted), the rootfs
 * mount is moved over "/" and chroot(".") makes it the root instead.
 */
#include "path.h"
#include "rootfs-internal.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
    {"shared", MS_SHARED | MS_REC},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE | MS_REC},           {"rslave", MS_SLAVE | MS_REC},
    {"private", MS_PRIVATE | MS_REC},       {"rprivate", MS_PRIVATE | MS_REC},
    {"unbindable", MS_UNBINDABLE | MS_REC}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int root_propagation(const struct glass_rootfs_ctx *ctx, unsigned long *out,
                            struct glass_err **err)
{
	const char *p = ctx->spec->linux_.rootfs_propagation;
	if (p == NULL || *p == '\0') {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++)
		if (strcmp(p, propagations[i].name) == 0) {
			*out = propagations[i].flags;
			return 0;
		}
	return glass_err_field(err, EINVAL, "linux.rootfsPropagation",
	                       "linux.rootfsPropagation: unknown propagation \"%s\"", p);
}

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* pivot_root(2) fails with EINVAL when the mount holding the new root is
 * shared (rootfsPropagation "shared" makes it so): make that one private,
 * as runc does.  Looks the mount up in /proc/self/mountinfo. */
static int parent_mount_private(const char *rootfs, struct glass_err **err)
{
	cleanup_free char *info = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL);
	cleanup_free char *best = NULL;
	bool shared = false;
	size_t best_len = 0;
	char *save = NULL;
	if (info == NULL)
		return 0;
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mp[PATH_MAX];
		size_t len;
		char *sep = strstr(line, " - ");
		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 || sep == NULL)
			continue;
		unescape(mp);
		len = strlen(mp);
		if (strcmp(mp, "/") != 0 &&
		    (strncmp(rootfs, mp, len) != 0 || (rootfs[len] != '/' && rootfs[len] != '\0')))
			continue;
		if (strcmp(mp, "/") == 0)
			len = 0;
		/* Later lines shadow earlier ones at the same place. */
		if (best == NULL || len >= best_len) {
			*sep = '\0';
			free(best);
			best = xstrdup(mp);
			best_len = len;
			shared = strstr(line, " shared:") != NULL;
		}
	}
	if (best == NULL || !shared)
		return 0;
	return glass_sys_mount(NULL, best, NULL, MS_PRIVATE, NULL, "linux.rootfsPropagation", err);
}

int glass_rootfs_setup(const struct glass_rootfs_ctx *ctx, struct glass_err **err)
{
	const struct glass_spec *spec = ctx->spec;
	char rootfs[PATH_MAX];
	cleanup_close int rootfd = -1;
	unsigned long prop;
	/* The default devices go into /dev whatever is there (a tmpfs of
	 * the config, or the image's own directory, as runc and crun fill
	 * it), unless /dev is bound from elsewhere (runc's rule). */
	bool setup_dev = true;

	glass_trace_phase("rootfs");
	if (realpath(ctx->rootfs, rootfs) == NULL) {
		glass_err_field(err, errno, "root.path", "root.path: \"%s\"", ctx->rootfs);
		return glass_err_hint(err, "the rootfs directory must exist (relative paths are "
		                           "relative to the bundle)");
	}
	if (root_propagation(ctx, &prop, err) < 0)
		return -1;
	/* An unbindable "/" could not give the rootfs bind below: private
	 * for now, unbindable in glass_rootfs_finish(). */
	if (glass_sys_mount(NULL, "/", NULL,
	                    !prop                  ? MS_SLAVE | MS_REC
	                    : prop & MS_UNBINDABLE ? MS_PRIVATE | MS_REC
	                                           : prop,
	                    NULL, prop ? "linux.rootfsPropagation" : NULL, err) < 0)
		return glass_err_hint(err, "the process must be in a new mount namespace");
	/* Only a shared propagation leaves a shared mount behind after the
	 * recursive change above. */
	if ((prop & MS_SHARED) && parent_mount_private(rootfs, err) < 0)
		return -1;
	if (glass_sys_mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL, "root.path", err) < 0)
		return -1;
	rootfd =
	    glass_sys_openat(AT_FDCWD, NULL, rootfs, O_PATH | O_DIRECTORY, 0, "root.path", err);
	if (rootfd < 0)
		return -1;

	for (size_t i = 0; i < spec->nmounts; i++) {
		const struct glass_mount *m = &spec->mounts[i];
		bool bind = m->type == NULL || strcmp(m->type, "bind") == 0;
		for (size_t k = 0; k < m->noptions && !bind; k++)
			bind = strcmp(m->options[k], "bind") == 0 ||
			       strcmp(m->options[k], "rbind") == 0;
		if (m->destination && glass_rootfs_is_dev(m->destination) && bind)
			setup_dev = false;
		if (glass_rootfs_mount_entry(ctx, rootfd, i, err) < 0)
			return glass_err_ctx(err, "mount %s on %s", m->type ? m->type : "bind",
			                     m->destination ? m->destination : "?");
		/* A mount on "/" covers the directory rootfd holds: the mounts
		 * after it go on the new root, not under it. */
		if (m->destination && m->destination[strspn(m->destination, "/.")] == '\0') {
			close(rootfd);
			rootfd = glass_sys_openat(AT_FDCWD, NULL, rootfs, O_PATH | O_DIRECTORY, 0,
			                          "root.path", err);
			if (rootfd < 0)
				return -1;
		}
	}

	/* A missing cwd is created, as runc does, while we are still root. */
	if (spec->process.cwd && spec->process.cwd[0] == '/') {
		int fd = glass_path_create(rootfd, spec->process.cwd, GLASS_PATH_DIR, 0755,
		                           "process.cwd", err);
		if (fd < 0)
			return errno == ELOOP
			           ? glass_err_hint(err, "process.cwd may not go through a "
			                                 "/proc magic link (/proc/*/fd, "
			                                 "/proc/*/cwd, /proc/*/root)")
			           : -1;
		close(fd);
	}
	return glass_rootfs_setup_dev(ctx, rootfd, setup_dev, err);
}

/* Before --no-pivot's chroot: the host's full proc and sysfs mounts stay
 * in the mount namespace under the new root, and the kernel allows a new
 * proc/sysfs mount wherever a full one is visible in the namespace, so a
 * container could mount a procfs unmasked.  Detach them (or cover them
 * with a tmpfs where they are locked), as runc does. */
static int hide_host_pseudo_fs(const char *rootfs, struct glass_err **err)
{
	cleanup_free char *info = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL);
	char **mps = NULL;
	size_t n = 0, len = strlen(rootfs);
	char *save = NULL;
	int rc = 0;
	if (info == NULL)
		return glass_err_new(err, errno, "read /proc/self/mountinfo");
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char root[PATH_MAX], mp[PATH_MAX], fstype[64];
		char *sep = strstr(line, " - ");
		if (sep == NULL || sscanf(line, "%*d %*d %*s %4095s %4095s", root, mp) != 2 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		unescape(mp);
		if (strcmp(root, "/") != 0 ||
		    (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0))
			continue;
		if (strncmp(mp, rootfs, len) == 0 && (mp[len] == '/' || mp[len] == '\0'))
			continue; /* the container's own */
		mps = xrealloc(mps, (n + 1) * sizeof(*mps));
		mps[n++] = xstrdup(mp);
	}
	/* The same order as mountinfo: a parent before what is below it. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct glass_err *e = NULL;
		if (glass_sys_mount(NULL, mps[i], NULL, MS_SLAVE | MS_REC, NULL, NULL, &e) < 0) {
			glass_err_free(&e);
			continue; /* gone with a parent already */
		}
		if (glass_sys_umount2(mps[i], MNT_DETACH, NULL, &e) == 0)
			continue;
		glass_err_free(&e);
		if (glass_sys_mount("tmpfs", mps[i], "tmpfs", MS_RDONLY, NULL, NULL, err) < 0)
			rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(mps[i]);
	free(mps);
	return rc;
}

int glass_rootfs_pivot(const struct glass_rootfs_ctx *ctx, struct glass_err **err)
{
	char rootfs[PATH_MAX];
	cleanup_close int oldroot = -1;

	glass_trace_phase("rootfs");
	if (realpath(ctx->rootfs, rootfs) == NULL)
		return glass_err_field(err, errno, "root.path", "root.path: \"%s\"", ctx->rootfs);
	if (glass_sys_chdir(rootfs, "root.path", err) < 0)
		return -1;

	if (ctx->no_pivot) {
		/* Move the rootfs mount over "/" and make it the root. */
		if (hide_host_pseudo_fs(rootfs, err) < 0)
			return -1;
		if (glass_sys_mount(rootfs, "/", NULL, MS_MOVE, NULL, "root.path", err) < 0)
			return glass_err_hint(err, "moving the rootfs needs / to be a non-shared "
			                           "mount");
		if (glass_sys_chroot(".", "root.path", err) < 0)
			return -1;
		return glass_sys_chdir("/", NULL, err);
	}

	oldroot = glass_sys_openat(AT_FDCWD, NULL, "/", O_DIRECTORY | O_PATH, 0, NULL, err);
	if (oldroot < 0)
		return -1;
	if (glass_sys_pivot_root(".", ".", "root.path", err) < 0) {
		if (errno == EINVAL)
			return glass_err_hint(err,
			                      "the new root must be a mount point whose parent "
			                      "is not shared, and the current root must not "
			                      "be a ramfs (use --no-pivot there)");
		return -1;
	}
	/* The old root is now stacked on top of "."; get to it, make it a
	 * slave so the unmount does not reach the host, and detach it. */
	if (glass_sys_fchdir(oldroot, "old root", NULL, err) < 0)
		return -1;
	if (glass_sys_mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL, NULL, err) < 0)
		return -1;
	if (glass_sys_umount2(".", MNT_DETACH, NULL, err) < 0)
		return -1;
	return glass_sys_chdir("/", NULL, err);
}

int glass_rootfs_finish(const struct glass_rootfs_ctx *ctx, struct glass_err **err)
{
	const struct glass_spec *spec = ctx->spec;
	cleanup_close int rootfd = -1;
	unsigned long prop;

	glass_trace_phase("rootfs");
	if (root_propagation(ctx, &prop, err) < 0)
		return -1;
	rootfd = glass_sys_openat(AT_FDCWD, NULL, "/", O_PATH | O_DIRECTORY, 0, NULL, err);
	if (rootfd < 0)
		return -1;
	if (glass_rootfs_sysctl(ctx, err) < 0)
		return -1;
	if (glass_rootfs_readonly_paths(ctx, rootfd, err) < 0)
		return -1;
	if (glass_rootfs_masked_paths(ctx, rootfd, err) < 0)
		return -1;
	if (spec->root_readonly &&
	    glass_rootfs_remount_bind(rootfd, "/",
	                              MS_RDONLY | glass_rootfs_found_flags(rootfd, "/", MS_RDONLY),
	                              "root.readonly", err) < 0)
		return -1;
	/* Only now, on the container's own "/": done before the switch it
	 * would have changed the host's root mount. */
	if (prop &&
	    glass_sys_mount(NULL, "/", NULL, prop, NULL, "linux.rootfsPropagation", err) < 0)
		return -1;
	return 0;
}
