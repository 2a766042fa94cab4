/* mount: one mounts[] entry of config.json, made below the rootfs.
 *
 * mount(2) takes three kinds of options in one call: generic flags for the
 * mount (MS_NOSUID, MS_RDONLY, ...), filesystem data as a string ("mode=755,
 * size=64k"), and, in calls of their own, propagation changes (MS_SHARED,
 * MS_SLAVE, ...).  A bind mount ignores every flag but MS_REC on the first
 * call: making one read-only (or nosuid, ...) takes a second call,
 * MS_REMOUNT|MS_BIND|flags, and in a user namespace that remount must keep
 * the flags a more privileged namespace set on the source, which are locked.
 *
 * The target of every mount is created and opened inside the rootfs with
 * path.c and mounted through /proc/self/fd/N, so a symlink in the image
 * cannot redirect it to the host.
 */
#include "idmapped.h"
#include "path.h"
#include "rootfs-internal.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

struct opt_def {
	const char *name;
	bool clear; /* the option clears `flag` */
	unsigned long flag;
};

static const struct opt_def flag_opts[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
};

static const struct opt_def prop_opts[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

/* The recursive variant of a flag option ("ro" of "rro"), as MOUNT_ATTR_*. */
static bool rec_attr(const char *o, struct glass_mount_opts *out)
{
	static const struct {
		const char *name;
		bool clear;
		uint64_t attr;
	} t[] = {
	    {"ro", false, MOUNT_ATTR_RDONLY},
	    {"rw", true, MOUNT_ATTR_RDONLY},
	    {"nosuid", false, MOUNT_ATTR_NOSUID},
	    {"suid", true, MOUNT_ATTR_NOSUID},
	    {"nodev", false, MOUNT_ATTR_NODEV},
	    {"dev", true, MOUNT_ATTR_NODEV},
	    {"noexec", false, MOUNT_ATTR_NOEXEC},
	    {"exec", true, MOUNT_ATTR_NOEXEC},
	    {"nodiratime", false, MOUNT_ATTR_NODIRATIME},
	    {"diratime", true, MOUNT_ATTR_NODIRATIME},
	    {"nosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
	    {"symfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
	    {"relatime", false, MOUNT_ATTR_RELATIME},
	    {"noatime", false, MOUNT_ATTR_NOATIME},
	    {"strictatime", false, MOUNT_ATTR_STRICTATIME},
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		if (strcmp(o, t[k].name) != 0)
			continue;
		if (t[k].attr == MOUNT_ATTR_RELATIME || t[k].attr == MOUNT_ATTR_NOATIME ||
		    t[k].attr == MOUNT_ATTR_STRICTATIME) {
			out->rattr_clr |= MOUNT_ATTR__ATIME;
			out->rattr_set =
			    (out->rattr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | t[k].attr;
		} else if (t[k].clear) {
			out->rattr_clr |= t[k].attr;
			out->rattr_set &= ~t[k].attr;
		} else {
			out->rattr_set |= t[k].attr;
			out->rattr_clr &= ~t[k].attr;
		}
		return true;
	}
	return false;
}

int glass_mount_opts_parse(char *const *opts, size_t n, struct glass_mount_opts *out,
                           const char *field, struct glass_err **err)
{
	struct strbuf data = STRBUF_INIT;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const char *o = opts[i];
		bool known = false;
		for (size_t k = 0; k < sizeof(flag_opts) / sizeof(flag_opts[0]) && !known; k++) {
			if (strcmp(o, flag_opts[k].name) != 0)
				continue;
			known = true;
			if (flag_opts[k].clear) {
				out->flags &= ~flag_opts[k].flag;
				out->clear |= flag_opts[k].flag;
			} else {
				out->flags |= flag_opts[k].flag;
				out->clear &= ~flag_opts[k].flag;
			}
		}
		for (size_t k = 0; k < sizeof(prop_opts) / sizeof(prop_opts[0]) && !known; k++) {
			if (strcmp(o, prop_opts[k].name) != 0)
				continue;
			known = true;
			if (out->nprop == sizeof(out->prop) / sizeof(out->prop[0])) {
				strbuf_release(&data);
				return glass_err_field(
				    err, EINVAL, field,
				    "%s.options: more than %zu propagation options", field,
				    out->nprop);
			}
			out->prop[out->nprop++] = prop_opts[k].flag;
		}
		if (known)
			continue;
		if (strcmp(o, "bind") == 0) {
			out->bind = true;
		} else if (strcmp(o, "rbind") == 0) {
			out->bind = out->rec = true;
		} else if (strcmp(o, "tmpcopyup") == 0) {
			out->tmpcopyup = true;
		} else if (strcmp(o, "copy-symlink") == 0 || strncmp(o, "x-", 2) == 0 ||
		           (o[0] == 'r' && rec_attr(o + 1, out))) {
			/* runtime hints / userspace options: nothing for the kernel;
			 * "rro", "rnosuid", ...: recursive, via mount_setattr(2), which
			 * rec_attr noted */
		} else if (strcmp(o, "idmap") == 0) {
			out->idmap = true;
		} else if (strcmp(o, "ridmap") == 0) {
			out->idmap = out->ridmap = true;
		} else {
			if (data.len)
				strbuf_append(&data, ",", 1);
			strbuf_append(&data, o, strlen(o));
		}
	}
	out->data = data.len ? strbuf_steal(&data) : NULL;
	strbuf_release(&data);
	return 0;
}

void glass_mount_opts_free(struct glass_mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}

bool glass_rootfs_is_dev(const char *dest)
{
	const char *p = dest;
	while (*p == '/')
		p++;
	if (strncmp(p, "dev", 3) != 0)
		return false;
	p += 3;
	while (*p == '/')
		p++;
	return *p == '\0';
}

int glass_rootfs_mount_on(const char *src, int fd, const char *shown, const char *fstype,
                          unsigned long flags, const void *data, const char *field,
                          struct glass_err **err)
{
	if (fd >= 0 && access("/proc/self/fd", F_OK) == 0)
		return glass_sys_mount_fd(src, fd, shown, fstype, flags, data, field, err);
	return glass_sys_mount(src, shown, fstype, flags, data, field, err);
}

unsigned long glass_rootfs_found_flags(int fd, const char *shown, unsigned long given)
{
	struct statvfs sv;
	unsigned long found = 0;
	if ((fd >= 0 ? fstatvfs(fd, &sv) : statvfs(shown, &sv)) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		found |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		found |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		found |= MS_NOEXEC;
	if (sv.f_flag & ST_NODIRATIME)
		found |= MS_NODIRATIME;
	/* One atime mode at a time: the caller's, else the one found. */
	if (!(given & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))) {
		if (sv.f_flag & ST_NOATIME)
			found |= MS_NOATIME;
		if (sv.f_flag & ST_RELATIME)
			found |= MS_RELATIME;
	}
	return found;
}

int glass_rootfs_remount_bind(int fd, const char *shown, unsigned long flags, const char *field,
                              struct glass_err **err)
{
	struct glass_err *first = NULL;
	struct statvfs sv;
	unsigned long locked;
	if (glass_rootfs_mount_on(NULL, fd, shown, NULL, MS_REMOUNT | MS_BIND | flags, NULL, field,
	                          &first) == 0)
		return 0;
	if (errno != EPERM || (fd >= 0 ? fstatvfs(fd, &sv) : statvfs(shown, &sv)) < 0) {
		return glass_err_move(err, &first);
	}
	/* EPERM: the kernel refuses to clear a locked flag.  Keep them. */
	locked = glass_rootfs_found_flags(fd, shown, flags);
	if (sv.f_flag & ST_RDONLY)
		locked |= MS_RDONLY;
	if ((flags | locked) == flags) {
		errno = EPERM;
		return glass_err_move(err, &first);
	}
	glass_err_free(&first);
	return glass_rootfs_mount_on(NULL, fd, shown, NULL, MS_REMOUNT | MS_BIND | flags | locked,
	                             NULL, field, err);
}

/* MOUNT_ATTR_* bits by name ("MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID"), or "0". */
static const char *mount_attr_str(uint64_t m, char *buf, size_t size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
	    {MOUNT_ATTR_RDONLY, "MOUNT_ATTR_RDONLY"},
	    {MOUNT_ATTR_NOSUID, "MOUNT_ATTR_NOSUID"},
	    {MOUNT_ATTR_NODEV, "MOUNT_ATTR_NODEV"},
	    {MOUNT_ATTR_NOEXEC, "MOUNT_ATTR_NOEXEC"},
	    {MOUNT_ATTR_NOATIME, "MOUNT_ATTR_NOATIME"},
	    {MOUNT_ATTR_STRICTATIME, "MOUNT_ATTR_STRICTATIME"},
	    {MOUNT_ATTR_NODIRATIME, "MOUNT_ATTR_NODIRATIME"},
	    {MOUNT_ATTR_IDMAP, "MOUNT_ATTR_IDMAP"},
	    {MOUNT_ATTR_NOSYMFOLLOW, "MOUNT_ATTR_NOSYMFOLLOW"},
	};
	size_t at = 0;
	snprintf(buf, size, "0");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(m & names[i].bit))
			continue;
		m &= ~names[i].bit;
		if (at + strlen(names[i].name) + 1 < size)
			at += (size_t)snprintf(buf + at, size - at, "%s%s", at ? "|" : "",
			                       names[i].name);
	}
	if (m && at + 20 < size)
		snprintf(buf + at, size - at, "%s%#llx", at ? "|" : "", (unsigned long long)m);
	return buf;
}

/* Applies the propagation options of a mount, one call each. */
static int apply_propagation(int fd, const char *shown, const struct glass_mount_opts *o,
                             const char *field, struct glass_err **err)
{
	if (o->rattr_set || o->rattr_clr) {
		struct mount_attr a = {.attr_set = o->rattr_set, .attr_clr = o->rattr_clr};
		char set[160], clr[160];
		if (GLASS_SYS(
		        err, "mount_setattr", field,
		        mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)),
		        "%d<%s>, \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set=%s, attr_clr=%s}", fd,
		        shown, mount_attr_str(a.attr_set, set, sizeof(set)),
		        mount_attr_str(a.attr_clr, clr, sizeof(clr))) < 0)
			return -1;
	}
	for (size_t i = 0; i < o->nprop; i++)
		if (glass_sys_mount_fd(NULL, fd, shown, NULL, o->prop[i], NULL, field, err) < 0)
			return -1;
	return 0;
}

static int mount_hint(const struct glass_rootfs_ctx *ctx, const char *type, struct glass_err **err)
{
	if (errno == EPERM && ctx->in_userns)
		return glass_err_hint(err,
		                      "in a user namespace the kernel allows a %s mount only "
		                      "with its own namespace (e.g. proc needs a new pid "
		                      "namespace, sysfs a new network namespace)",
		                      type);
	if (errno == ENODEV)
		return glass_err_hint(err, "the kernel does not know the filesystem type \"%s\"",
		                      type);
	if (errno == ENOENT)
		return glass_err_hint(err, "the mount source does not exist");
	return -1;
}

/* A bind mount of host path `src` onto `dest` in the rootfs. */
static int bind_entry(const struct glass_rootfs_ctx *ctx, int rootfd, const char *src,
                      const char *dest, const struct glass_mount_opts *o, bool rec,
                      const struct glass_mount *idmapped, int tree_fd, const char *field,
                      struct glass_err **err)
{
	cleanup_close int fd = -1;
	struct stat st;
	unsigned long rflags = o->flags & GLASS_MS_REMOUNT_MASK;

	/* A tree the parent opened is looked at through its fd: the path may
	 * be out of this process's reach (glass_idmapped_prepare()). */
	if ((tree_fd >= 0 ? fstat(tree_fd, &st) : stat(src, &st)) < 0) {
		glass_err_field(err, errno, field, "%s: bind source \"%s\"", field, src);
		return glass_err_hint(err, "the source of a bind mount must exist on the host");
	}
	fd = glass_path_create(rootfd, dest, S_ISDIR(st.st_mode) ? GLASS_PATH_DIR : GLASS_PATH_FILE,
	                       S_ISDIR(st.st_mode) ? 0755 : 0644, field, err);
	if (fd < 0)
		return -1;
	if (tree_fd >= 0) {
		/* The parent made the tree (idmapped or not) before clone. */
		if (glass_idmapped_attach(tree_fd, fd, dest, field, err) < 0)
			return -1;
	} else if (idmapped) {
		/* A detached clone of the source, idmapped, attached here. */
		if (glass_mount_idmapped(src, fd, dest, idmapped, rec || o->ridmap, field, err) <
		    0) {
			if (ctx->in_userns)
				return glass_err_hint(err,
				                      "an idmapped mount needs privilege over the "
				                      "source in the host's user namespace");
			if (ctx->spec->linux_.ns[GLASS_NS_PID].present)
				return glass_err_hint(
				    err, "in a new pid namespace the id-mapping helper's "
				         "pid is not the one the host's /proc knows "
				         "(known limitation of idmapped.c)");
			return -1;
		}
	} else if (glass_sys_mount_fd(src, fd, dest, NULL, MS_BIND | (rec ? MS_REC : 0), NULL,
	                              field, err) < 0) {
		return mount_hint(ctx, "bind", err);
	}
	/* The fd still names the directory under the new mount: reopen. */
	close(fd);
	fd = glass_path_open(rootfd, dest, O_PATH, field, err);
	if (fd < 0)
		return -1;
	/* A bind remount sets exactly the flags it is given: the source's
	 * nosuid/nodev/noexec (and atime mode) would be lost unless the
	 * options clear them on purpose ("suid", "dev", "exec"). */
	if (rflags &&
	    glass_rootfs_remount_bind(
	        fd, dest, rflags | (glass_rootfs_found_flags(fd, dest, rflags) & ~o->clear), field,
	        err) < 0)
		return -1;
	return apply_propagation(fd, dest, o, field, err);
}

/* A relative mounts[].source is relative to the bundle (runc's rule).
 * Without ctx->bundle, a relative root.path tells where the bundle is:
 * ctx->rootfs is then BUNDLE/root.path. */
static char *bind_source(const struct glass_rootfs_ctx *ctx, const char *src)
{
	const char *rp = ctx->spec->root_path;
	size_t rl, pl;
	if (src[0] == '/')
		return xstrdup(src);
	if (ctx->bundle)
		return xasprintf("%s/%s", ctx->bundle, src);
	if (rp && rp[0] != '/' && ctx->rootfs) {
		rl = strlen(ctx->rootfs);
		pl = strlen(rp);
		if (rl > pl + 1 && strcmp(ctx->rootfs + rl - pl, rp) == 0 &&
		    ctx->rootfs[rl - pl - 1] == '/')
			return xasprintf("%.*s/%s", (int)(rl - pl - 1), ctx->rootfs, src);
	}
	return xstrdup(src);
}

/* A filesystem mount (proc, tmpfs, ...) onto dest. */
static int fs_entry(const struct glass_rootfs_ctx *ctx, int rootfd, const struct glass_mount *m,
                    const struct glass_mount_opts *o, const char *field, struct glass_err **err)
{
	cleanup_close int fd = -1;
	cleanup_close int under = -1;
	const char *type = m->type;
	bool special = strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0;
	bool tmpfs = strcmp(type, "tmpfs") == 0;

	if (special) {
		/* proc and sysfs over a symlink are how runc CVE-2019-19921
		 * redirected them; refuse, and refuse anything not a dir. */
		struct glass_err *e = NULL;
		struct stat st;
		fd = glass_path_open(rootfd, m->destination, O_PATH | O_NOFOLLOW, field, &e);
		if (fd < 0 && errno != ENOENT)
			return glass_err_move(err, &e);
		glass_err_free(&e);
		if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
			glass_err_field(err, ENOTDIR, field,
			                "%s: cannot mount %s on \"%s\": it is %s, not a directory",
			                field, type, m->destination,
			                S_ISLNK(st.st_mode) ? "a symlink" : "a file");
			return glass_err_hint(err,
			                      "a %s mount over a symlink could be redirected "
			                      "outside the container; fix the image",
			                      type);
		}
	}
	if (tmpfs) {
		/* The directory the tmpfs will cover, if the image has it:
		 * its mode and (tmpcopyup) content go into the tmpfs. */
		struct glass_err *e = NULL;
		under = glass_path_open(rootfd, m->destination, O_RDONLY | O_DIRECTORY, field, &e);
		glass_err_free(&e);
	}
	if (fd < 0)
		fd = glass_path_create(rootfd, m->destination, GLASS_PATH_DIR, 0755, field, err);
	if (fd < 0)
		return -1;
	/* A read-only tmpfs is filled first, then remounted read-only. */
	unsigned long ro = under >= 0 ? o->flags & MS_RDONLY : 0;
	if (glass_sys_mount_fd(m->source ? m->source : type, fd, m->destination, type,
	                       o->flags & ~ro, o->data, field, err) < 0) {
		/* In a user namespace without a network namespace of its own,
		 * sysfs cannot be mounted: bind the host's (as runc does).
		 * The same for mqueue without an ipc namespace. */
		if (errno == EPERM && ctx->in_userns &&
		    (strcmp(type, "sysfs") == 0 || strcmp(type, "mqueue") == 0)) {
			const char *host = strcmp(type, "sysfs") == 0 ? "/sys" : "/dev/mqueue";
			glass_err_free(err);
			glass_trace_note("fallback", field, "%s not mountable here: rbind %s", type,
			                 host);
			close(steal_fd(&fd));
			return bind_entry(ctx, rootfd, host, m->destination, o, true, NULL, -1,
			                  field, err);
		}
		return mount_hint(ctx, type, err);
	}
	if (under >= 0 && glass_rootfs_tmpfs_fill(rootfd, m->destination, under, o, field, err) < 0)
		return -1;
	if (ro) {
		close(fd);
		fd = glass_path_open(rootfd, m->destination, O_PATH, field, err);
		if (fd < 0 || glass_sys_mount_fd(NULL, fd, m->destination, NULL,
		                                 MS_REMOUNT | o->flags, o->data, field, err) < 0)
			return -1;
	}
	if (o->nprop || o->rattr_set || o->rattr_clr) {
		close(fd);
		fd = glass_path_open(rootfd, m->destination, O_PATH, field, err);
		if (fd < 0)
			return -1;
		return apply_propagation(fd, m->destination, o, field, err);
	}
	return 0;
}

/* The host's hierarchy (mountpoint and mount root) for one line of
 * /proc/self/cgroup, found in mountinfo (the text of /proc/self/mountinfo). */
static bool find_hierarchy(const char *mountinfo, const char *ctrls, bool v2, char **mnt,
                           char **root)
{
	cleanup_free char *info = xstrdup(mountinfo);
	char *save = NULL;
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char r[4096], mp[4096], fstype[64], super[1024];
		char *sep = strstr(line, " - ");
		bool all = true;
		if (sep == NULL || sscanf(line, "%*d %*d %*s %4095s %4095s", r, mp) != 2 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (v2) {
			if (strcmp(fstype, "cgroup2") != 0)
				continue;
		} else {
			cleanup_free char *want = xstrdup(ctrls);
			char *s2 = NULL;
			if (strcmp(fstype, "cgroup") != 0)
				continue;
			for (char *c = strtok_r(want, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
				char needle[128];
				size_t len = strlen(c);
				snprintf(needle, sizeof(needle), ",%s,", c);
				(void)len;
				cleanup_free char *hay = xasprintf(",%s,", super);
				if (strstr(hay, needle) == NULL)
					all = false;
			}
			if (!all)
				continue;
		}
		*mnt = xstrdup(mp);
		*root = xstrdup(r);
		return true;
	}
	return false;
}

/* cgroup on a host that is not cgroup2-only: a tmpfs holding one
 * directory per hierarchy of /proc/self/cgroup, each the container's own
 * cgroup (mounted fresh in a cgroup namespace, else bound from the host),
 * like runc.  Co-mounted controllers get symlinks ("cpu" -> "cpu,cpuacct"). */
static int cgroup_v1(const struct glass_rootfs_ctx *ctx, int rootfd, const struct glass_mount *m,
                     const struct glass_mount_opts *o, const char *field, struct glass_err **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *cg = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL);
	cleanup_free char *info = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL);
	unsigned long fl = o->flags & ~(MS_RDONLY | MS_REMOUNT);
	bool cgns = ctx->spec->linux_.ns[GLASS_NS_CGROUP].present;
	bool mounted;
	char *save = NULL;

	if (cg == NULL)
		return glass_err_field(err, errno, field, "read /proc/self/cgroup");
	if (info == NULL)
		return glass_err_field(err, errno, field, "read /proc/self/mountinfo");
	fd = glass_path_create(rootfd, m->destination, GLASS_PATH_DIR, 0755, field, err);
	if (fd < 0)
		return -1;
	if (glass_sys_mount_fd("tmpfs", fd, m->destination, "tmpfs",
	                       fl | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", field, err) < 0)
		return mount_hint(ctx, "tmpfs", err);
	close(fd);
	fd = glass_path_open(rootfd, m->destination, O_PATH | O_DIRECTORY, field, err);
	if (fd < 0)
		return -1;

	for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		cleanup_free char *ctrls = NULL, *mnt = NULL, *root = NULL, *name = NULL,
		                  *dest = NULL, *src = NULL;
		cleanup_close int sub = -1;
		bool v2;
		const char *path, *rel;
		if (c2 == NULL)
			continue;
		ctrls = xasprintf("%.*s", (int)(c2 - c1 - 1), c1 + 1);
		path = c2 + 1;
		v2 = ctrls[0] == '\0';
		if (!find_hierarchy(info, ctrls, v2, &mnt, &root))
			continue; /* a hierarchy not mounted on the host */
		if (v2)
			name = xstrdup("unified");
		else if (strncmp(ctrls, "name=", 5) == 0)
			name = xstrdup(ctrls + 5);
		else
			name = xstrdup(ctrls);
		dest = xasprintf("%s/%s", m->destination, name);
		sub = glass_path_create(rootfd, dest, GLASS_PATH_DIR, 0755, field, err);
		if (sub < 0)
			return -1;
		mounted = false;
		if (cgns) {
			/* A fresh mount shows the cgroup namespace's root, i.e.
			 * the container's own cgroup.  Not allowed for v1 in a
			 * user namespace: bind then. */
			cleanup_free char *data =
			    v2 ? NULL
			       : xasprintf("%s%s", strncmp(ctrls, "name=", 5) == 0 ? "none," : "",
			                   ctrls);
			struct glass_err *e = NULL;
			if (glass_sys_mount_fd(
			        v2 ? "cgroup2" : "cgroup", sub, dest, v2 ? "cgroup2" : "cgroup",
			        fl | MS_NOSUID | MS_NODEV | MS_NOEXEC, data, field, &e) == 0) {
				mounted = true;
			} else if (errno != EPERM || !ctx->in_userns) {
				glass_err_move(err, &e);
				return mount_hint(ctx, "cgroup", err);
			}
			glass_err_free(&e);
		}
		if (!mounted) {
			/* The container's cgroup relative to the host mount's
			 * root.  Inside a cgroup namespace /proc/self/cgroup says
			 * "/": use linux.cgroupsPath, never the host's whole tree. */
			rel = path;
			if (cgns && strcmp(path, "/") == 0) {
				const char *cp = ctx->spec->linux_.cgroups_path;
				if (cp == NULL || cp[0] != '/') {
					glass_trace_note(
					    "skip", field,
					    "%s: the container's cgroup path is unknown in "
					    "its cgroup namespace",
					    dest);
					continue;
				}
				rel = cp;
			}
			if (strcmp(root, "/") != 0 && strncmp(rel, root, strlen(root)) == 0)
				rel += strlen(root);
			src = xasprintf("%s%s", mnt, rel);
			if (glass_sys_mount_fd(src, sub, dest, NULL, MS_BIND | MS_REC, NULL, field,
			                       err) < 0)
				return mount_hint(ctx, "bind", err);
		}
		close(sub);
		sub = glass_path_open(rootfd, dest, O_PATH, field, err);
		if (sub < 0)
			return -1;
		if ((!mounted || (o->flags & MS_RDONLY)) &&
		    glass_rootfs_remount_bind(sub, dest,
		                              (o->flags & GLASS_MS_REMOUNT_MASK) | MS_NOSUID |
		                                  MS_NODEV | MS_NOEXEC,
		                              field, err) < 0)
			return -1;
		if (!v2 && strchr(name, ',')) {
			cleanup_free char *copy = xstrdup(name);
			char *s2 = NULL;
			for (char *c = strtok_r(copy, ",", &s2); c; c = strtok_r(NULL, ",", &s2))
				if (glass_sys_symlinkat(name, fd, c, field, NULL) < 0 &&
				    errno != EEXIST)
					return glass_err_field(err, errno, field,
					                       "symlinkat(\"%s\", \"%s/%s\")", name,
					                       m->destination, c);
		}
	}
	if (o->flags & MS_RDONLY) {
		if (glass_sys_mount_fd(NULL, fd, m->destination, NULL,
		                       MS_REMOUNT | MS_RDONLY | fl | MS_NOSUID | MS_NODEV |
		                           MS_NOEXEC,
		                       "mode=755", field, err) < 0)
			return -1;
	}
	return apply_propagation(fd, m->destination, o, field, err);
}

/* cgroup: cgroup2 when the host is cgroup2-only, else cgroup_v1(). */
static int cgroup_entry(const struct glass_rootfs_ctx *ctx, int rootfd, const struct glass_mount *m,
                        const struct glass_mount_opts *o, const char *field, struct glass_err **err)
{
	struct statfs sf;
	cleanup_close int fd = -1;
	if (statfs("/sys/fs/cgroup", &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
		return cgroup_v1(ctx, rootfd, m, o, field, err);
	fd = glass_path_create(rootfd, m->destination, GLASS_PATH_DIR, 0755, field, err);
	if (fd < 0)
		return -1;
	if (glass_sys_mount_fd("cgroup2", fd, m->destination, "cgroup2", o->flags, o->data, field,
	                       err) == 0)
		return apply_propagation(fd, m->destination, o, field, err);
	if (errno != EPERM)
		return -1;
	/* Without a cgroup namespace (in a user namespace) cgroup2 cannot be
	 * mounted: bind the host's tree instead. */
	glass_err_free(err);
	close(steal_fd(&fd));
	return bind_entry(ctx, rootfd, "/sys/fs/cgroup", m->destination, o, true, NULL, -1, field,
	                  err);
}

int glass_rootfs_mount_entry(const struct glass_rootfs_ctx *ctx, int rootfd, size_t i,
                             struct glass_err **err)
{
	const struct glass_mount *m = &ctx->spec->mounts[i];
	struct glass_mount_opts o;
	char field[32];
	bool bind;
	int r;

	snprintf(field, sizeof(field), "mounts[%zu]", i);
	if (m->destination == NULL || m->destination[0] != '/')
		return glass_err_field(err, EINVAL, field,
		                       "%s.destination: \"%s\" is not an absolute path", field,
		                       m->destination ? m->destination : "");
	if (glass_mount_opts_parse(m->options, m->noptions, &o, field, err) < 0)
		return -1;
	bind = o.bind || m->type == NULL || strcmp(m->type, "bind") == 0 ||
	       strcmp(m->type, "none") == 0;
	if ((o.idmap || m->nuid_mappings || m->ngid_mappings) && !bind) {
		glass_mount_opts_free(&o);
		return glass_err_field(err, EINVAL, field,
		                       "%s: uidMappings/idmap apply to bind mounts only", field);
	}
	if (bind) {
		cleanup_free char *src = NULL;
		struct glass_mount idm = *m;
		bool idmapped = o.idmap || m->nuid_mappings || m->ngid_mappings;
		if (m->source == NULL) {
			glass_mount_opts_free(&o);
			return glass_err_field(err, EINVAL, field,
			                       "%s.source: a bind mount needs a source", field);
		}
		if (idmapped && !m->nuid_mappings && !m->ngid_mappings) {
			/* "idmap" alone: the container's own user namespace maps. */
			const struct glass_linux *l = &ctx->spec->linux_;
			if (!l->nuid_mappings || !l->ngid_mappings) {
				glass_mount_opts_free(&o);
				glass_err_field(err, EINVAL, field,
				                "%s: \"idmap\" without uidMappings/gidMappings",
				                field);
				return glass_err_hint(err,
				                      "give the mount its own mappings or the "
				                      "container linux.uidMappings/gidMappings");
			}
			idm.uid_mappings = l->uid_mappings;
			idm.nuid_mappings = l->nuid_mappings;
			idm.gid_mappings = l->gid_mappings;
			idm.ngid_mappings = l->ngid_mappings;
		}
		src = bind_source(ctx, m->source);
		r = bind_entry(ctx, rootfd, src, m->destination, &o, o.rec, idmapped ? &idm : NULL,
		               ctx->idmapped_fds ? ctx->idmapped_fds[i] : -1, field, err);
	} else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
		r = cgroup_entry(ctx, rootfd, m, &o, field, err);
	} else {
		r = fs_entry(ctx, rootfd, m, &o, field, err);
	}
	glass_mount_opts_free(&o);
	return r;
}
