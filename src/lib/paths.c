/* paths: what the container may see and change of the kernel's own files,
 * applied after the root switch.
 *
 * /proc and /sys expose the whole machine.  maskedPaths hide entries by
 * mounting over them: /dev/null over a file (reads are empty, writes go
 * nowhere), an empty read-only tmpfs over a directory.  readonlyPaths bind
 * an entry onto itself and remount that bind read-only, so writes fail
 * with EROFS even for root.  sysctl writes /proc/sys/KEY; only the keys
 * the kernel keeps per namespace are allowed (kernel.hostname in a new UTS
 * namespace, net.* in a new network namespace, the System V IPC and
 * fs.mqueue.* keys in a new IPC namespace): the others would change the
 * whole host.
 */
#include "path.h"
#include "rootfs-internal.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static const char *const ipc_sysctls[] = {
    "kernel.msgmax",      "kernel.msgmnb",      "kernel.msgmni",      "kernel.sem",
    "kernel.shmall",      "kernel.shmmax",      "kernel.shmmni",      "kernel.shm_rmid_forced",
    "kernel.msg_next_id", "kernel.sem_next_id", "kernel.shm_next_id",
};

/* The namespace a sysctl key belongs to, or -1 when it is not namespaced. */
static int sysctl_ns(const char *key)
{
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		return GLASS_NS_IPC;
	for (size_t i = 0; i < sizeof(ipc_sysctls) / sizeof(ipc_sysctls[0]); i++)
		if (strcmp(key, ipc_sysctls[i]) == 0)
			return GLASS_NS_IPC;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return GLASS_NS_UTS;
	if (strncmp(key, "net.", 4) == 0)
		return GLASS_NS_NET;
	return -1;
}

int glass_rootfs_sysctl(const struct glass_rootfs_ctx *ctx, struct glass_err **err)
{
	const struct glass_linux *l = &ctx->spec->linux_;
	for (size_t i = 0; i < l->nsysctl; i++) {
		const char *key = l->sysctl[i].key;
		cleanup_free char *field = xasprintf("linux.sysctl.%s", key);
		cleanup_free char *path = NULL;
		int ns = sysctl_ns(key);
		if (strstr(key, "..") || strchr(key, '/') == key)
			return glass_err_field(err, EINVAL, field, "%s: invalid sysctl name",
			                       field);
		if (ns < 0) {
			glass_err_field(err, EPERM, field, "%s: \"%s\" is not a namespaced sysctl",
			                field, key);
			return glass_err_hint(err, "only kernel.hostname/domainname (uts), the "
			                           "System V IPC keys and fs.mqueue.* (ipc) and "
			                           "net.* (network) can be set per container; "
			                           "others would change the whole host");
		}
		if (!l->ns[ns].present) {
			glass_err_field(err, EPERM, field,
			                "%s: sysctl \"%s\" needs a %s namespace of the container",
			                field, key, glass_ns_name((enum glass_ns_type)ns));
			return glass_err_hint(err, "add {\"type\": \"%s\"} to linux.namespaces",
			                      glass_ns_name((enum glass_ns_type)ns));
		}
		/* "net.ipv4.conf.eth0/1.x" style keys use '/' for a literal '.';
		 * the common dotted form maps each '.' to a directory. */
		path = xasprintf("/proc/sys/%s", key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (glass_sys_write_file(path, l->sysctl[i].value, field, err) < 0) {
			if (errno == ENOENT)
				return glass_err_hint(err,
				                      "the kernel has no such sysctl (or /proc "
				                      "is not mounted in the container)");
			return -1;
		}
	}
	return 0;
}

/* The nosuid/nodev/noexec of the mount an entry sits on: a read-only
 * bind of /proc/sys must stay as nosuid, nodev and noexec as /proc is, and
 * a bind remount that does not name them clears them (runc keeps them). */
static unsigned long kept_flags(int fd)
{
	struct statvfs sv;
	unsigned long fl = 0;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		fl |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		fl |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		fl |= MS_NOEXEC;
	return fl;
}

int glass_rootfs_readonly_paths(const struct glass_rootfs_ctx *ctx, int rootfd,
                                struct glass_err **err)
{
	const struct glass_linux *l = &ctx->spec->linux_;
	for (size_t i = 0; i < l->nreadonly_paths; i++) {
		const char *p = l->readonly_paths[i];
		char field[48];
		struct glass_err *e = NULL;
		cleanup_close int fd = -1;
		snprintf(field, sizeof(field), "linux.readonlyPaths[%zu]", i);
		fd = glass_path_open(rootfd, p, O_PATH, field, &e);
		if (fd < 0) {
			if (errno == ENOENT) {
				glass_err_free(&e);
				continue; /* nothing to protect */
			}
			return glass_err_move(err, &e);
		}
		if (glass_rootfs_mount_on(p, fd, p, NULL, MS_BIND | MS_REC, NULL, field, err) < 0)
			return -1;
		close(fd);
		fd = glass_path_open(rootfd, p, O_PATH, field, err);
		if (fd < 0)
			return -1;
		if (glass_rootfs_remount_bind(fd, p, MS_RDONLY | kept_flags(fd), field, err) < 0)
			return -1;
	}
	return 0;
}

int glass_rootfs_masked_paths(const struct glass_rootfs_ctx *ctx, int rootfd,
                              struct glass_err **err)
{
	const struct glass_linux *l = &ctx->spec->linux_;
	for (size_t i = 0; i < l->nmasked_paths; i++) {
		const char *p = l->masked_paths[i];
		char field[48];
		struct glass_err *e = NULL;
		struct stat st;
		cleanup_close int fd = -1;
		snprintf(field, sizeof(field), "linux.maskedPaths[%zu]", i);
		fd = glass_path_open(rootfd, p, O_PATH, field, &e);
		if (fd < 0) {
			if (errno == ENOENT) {
				glass_err_free(&e);
				continue; /* nothing to hide */
			}
			return glass_err_move(err, &e);
		}
		if (fstat(fd, &st) < 0)
			return glass_err_field(err, errno, field, "fstat(\"%s\")", p);
		if (S_ISDIR(st.st_mode)) {
			if (glass_rootfs_mount_on("tmpfs", fd, p, "tmpfs", MS_RDONLY, NULL, field,
			                          err) < 0)
				return -1;
		} else if (glass_rootfs_mount_on("/dev/null", fd, p, NULL, MS_BIND, NULL, field,
		                                 err) < 0) {
			return -1;
		}
	}
	return 0;
}
