/* devices: the container's /dev.
 *
 * When config.json mounts a fresh tmpfs on /dev, it is empty: the runtime
 * fills it with the device nodes every program expects (null, zero, full,
 * random, urandom, tty), the ones linux.devices asks for, and the links
 * the C library and shells assume (/dev/fd, /dev/stdin, ...).  Without a
 * /dev mount they go into the image's own /dev, on its disk, as runc and
 * crun put them there; only a /dev bound from elsewhere is left alone.  mknod(2) of
 * a device needs CAP_MKNOD in the initial user namespace; inside a user
 * namespace the runtime instead creates an empty file and bind-mounts the
 * host's node over it.  Whether the process may then open the node is the
 * device cgroup's decision, not this module's.  /dev/ptmx points at the
 * devpts instance mounted with `newinstance` on /dev/pts, so the
 * container's ptys are its own; /dev/console is the pty slave handed in by
 * the caller.
 */
#include "path.h"
#include "rootfs-internal.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct dev_def {
	const char *path;
	char type;
	unsigned major, minor;
};

/* config-linux.md, "Default Devices". */
static const struct dev_def default_devices[] = {
    {"/dev/null", 'c', 1, 3},   {"/dev/zero", 'c', 1, 5},    {"/dev/full", 'c', 1, 7},
    {"/dev/random", 'c', 1, 8}, {"/dev/urandom", 'c', 1, 9}, {"/dev/tty", 'c', 5, 0},
};

static mode_t type_bits(char type)
{
	switch (type) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	case 'c':
	case 'u':
		return S_IFCHR;
	default:
		return 0;
	}
}

/* Creates one device node at `path` inside the rootfs. */
static int make_device(const struct glass_rootfs_ctx *ctx, int rootfd, const char *path, char type,
                       unsigned maj, unsigned min, mode_t mode, uid_t uid, gid_t gid,
                       const char *field, struct glass_err **err)
{
	cleanup_free char *dir = xstrdup(path), *base = xstrdup(path);
	cleanup_close int dfd = -1;
	const char *name = basename(base);
	mode_t kind = type_bits(type);

	if (kind == 0)
		return glass_err_field(err, EINVAL, field, "%s.type: unknown device type '%c'",
		                       field, type);
	dfd = glass_path_create(rootfd, dirname(dir), GLASS_PATH_DIR, 0755, field, err);
	if (dfd < 0)
		return -1;

	if (ctx->in_userns && kind != S_IFIFO) {
		/* No mknod in a user namespace: bind the host's node. */
		cleanup_close int fd = -1;
		struct stat st;
		errno = 0;
		if (lstat(path, &st) < 0 || (st.st_mode & S_IFMT) != kind ||
		    st.st_rdev != makedev(maj, min)) {
			glass_err_field(err, errno ? errno : ENODEV, field,
			                "%s: the host's %s is not the device %c %u:%u", field, path,
			                type, maj, min);
			return glass_err_hint(err,
			                      "in a user namespace devices are bind-mounted from "
			                      "the host's node of the same path");
		}
		fd = glass_path_create(rootfd, path, GLASS_PATH_FILE, 0666, field, err);
		if (fd < 0 ||
		    glass_sys_mount_fd(path, fd, path, NULL, MS_BIND, NULL, field, err) < 0)
			return -1;
		/* A device node is never a program nor a setuid file. */
		close(fd);
		fd = glass_path_open(rootfd, path, O_PATH, field, err);
		if (fd < 0)
			return -1;
		return glass_rootfs_remount_bind(fd, path, MS_NOSUID | MS_NOEXEC, field, err);
	}
	if (glass_sys_mknodat(dfd, name, kind | (mode & 07777), makedev(maj, min), field, err) <
	    0) {
		if (errno != EEXIST)
			return errno == EPERM ? glass_err_hint(err, "mknod needs CAP_MKNOD in the "
			                                            "initial user namespace")
			                      : -1;
		glass_err_free(err);
		return 0; /* already there (e.g. from the image): keep it */
	}
	/* mknod applied the umask and made the node ours: fix both. */
	if (GLASS_SYS(err, "fchmodat", field, fchmodat(dfd, name, mode & 07777, 0), "\"%s\", 0%o",
	              path, (unsigned)(mode & 07777)) < 0)
		return -1;
	if (GLASS_SYS(err, "fchownat", field, fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW),
	              "\"%s\", %u, %u", path, (unsigned)uid, (unsigned)gid) < 0)
		return -1;
	return 0;
}

static bool listed(const struct glass_linux *l, const char *path)
{
	for (size_t i = 0; i < l->ndevices; i++)
		if (l->devices[i].path && strcmp(l->devices[i].path, path) == 0)
			return true;
	return false;
}

/* A symlink in /dev; an existing entry of the same name is kept unless
 * `replace` (/dev/ptmx must point at the container's devpts). */
static int dev_link(int devfd, const char *target, const char *name, bool replace,
                    struct glass_err **err)
{
	if (replace &&
	    GLASS_SYS(NULL, "unlinkat", NULL, unlinkat(devfd, name, 0), "/dev, \"%s\", 0", name) <
	        0 &&
	    errno != ENOENT)
		return glass_err_new(err, errno, "unlinkat(/dev, \"%s\")", name);
	if (glass_sys_symlinkat(target, devfd, name, NULL, NULL) < 0 && errno != EEXIST)
		return glass_err_new(err, errno, "symlinkat(\"%s\", /dev/%s)", target, name);
	return 0;
}

int glass_rootfs_setup_dev(const struct glass_rootfs_ctx *ctx, int rootfd, bool setup_dev,
                           struct glass_err **err)
{
	const struct glass_linux *l = &ctx->spec->linux_;

	if (setup_dev) {
		cleanup_close int devfd = -1;
		for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
			const struct dev_def *d = &default_devices[i];
			if (listed(l, d->path))
				continue; /* linux.devices overrides the default */
			if (make_device(ctx, rootfd, d->path, d->type, d->major, d->minor, 0666, 0,
			                0, "default devices", err) < 0)
				return -1;
		}
		for (size_t i = 0; i < l->ndevices; i++) {
			const struct glass_device *d = &l->devices[i];
			char field[40];
			snprintf(field, sizeof(field), "linux.devices[%zu]", i);
			if (make_device(ctx, rootfd, d->path, d->type, (unsigned)d->major,
			                (unsigned)d->minor, d->has_file_mode ? d->file_mode : 0666,
			                d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, field,
			                err) < 0)
				return -1;
		}
		devfd = glass_path_open(rootfd, "/dev", O_RDONLY | O_DIRECTORY, NULL, err);
		if (devfd < 0)
			return -1;
		if (access("/proc/kcore", F_OK) == 0 &&
		    dev_link(devfd, "/proc/kcore", "core", false, err) < 0)
			return -1;
		if (dev_link(devfd, "/proc/self/fd", "fd", false, err) < 0 ||
		    dev_link(devfd, "/proc/self/fd/0", "stdin", false, err) < 0 ||
		    dev_link(devfd, "/proc/self/fd/1", "stdout", false, err) < 0 ||
		    dev_link(devfd, "/proc/self/fd/2", "stderr", false, err) < 0 ||
		    dev_link(devfd, "pts/ptmx", "ptmx", true, err) < 0)
			return -1;
	}

	if (ctx->console_pty) {
		cleanup_close int fd = -1;
		fd = glass_path_create(rootfd, "/dev/console", GLASS_PATH_FILE, 0666,
		                       "process.terminal", err);
		if (fd < 0)
			return -1;
		if (glass_sys_mount_fd(ctx->console_pty, fd, "/dev/console", NULL, MS_BIND, NULL,
		                       "process.terminal", err) < 0)
			return -1;
	}
	return 0;
}
