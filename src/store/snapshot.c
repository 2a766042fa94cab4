/* snapshot: overlay mounts of unpacked layers, or a copy.
 *
 * overlayfs(5): `lowerdir=A:B:C` stacks C at the bottom and A on top;
 * a 0:0 character device in a layer hides the name below it, a directory
 * with trusted.overlay.opaque=y hides the directory's lower contents.  The
 * upperdir receives copy-ups and new files; the workdir must be an empty
 * directory on the same filesystem.  Relative lowerdir paths are resolved
 * against the caller's cwd at mount(2) time, which is what keeps many
 * layers within the option page. */
#include "snapshot.h"
#include "sys.h"
#include "unpack.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

void glass_snapshot_free(struct glass_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->dir);
	free(snap->rootfs);
	free(snap);
}

static int copy_meta(int srcfd, const char *name, int dstfd, const struct stat *st, bool is_lnk)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (fchownat(dstfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EPERM)
		return -1;
	if (!is_lnk && fchmodat(dstfd, name, st->st_mode & 07777, 0) < 0)
		return -1;
	if (!is_lnk) {
		/* xattrs (file capabilities, ACLs) except overlayfs' own */
		int s = openat(srcfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		int d = openat(dstfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		char names[4096], val[4096];
		ssize_t n = (s >= 0 && d >= 0) ? flistxattr(s, names, sizeof(names)) : -1;
		for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
			const char *x = names + off;
			if (strstr(x, ".overlay."))
				continue;
			ssize_t vl = fgetxattr(s, x, val, sizeof(val));
			if (vl >= 0)
				fsetxattr(d, x, val, (size_t)vl, 0);
		}
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
	}
	return utimensat(dstfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

static int copy_file(int srcfd, const char *name, int dstfd, const struct stat *st)
{
	cleanup_close int in = openat(srcfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int out =
	    openat(dstfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		return -1;
	off_t left = st->st_size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
			char buf[1 << 16];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write_all(out, buf, (size_t)n) < 0)
				return -1;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		left -= n;
	}
	return 0;
}

struct hl {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the rootfs */
};

struct copyctx {
	int rootfd; /* destination rootfs */
	struct hl *links;
	size_t nlinks, cap;
};

/* Applies one layer directory (overlay form) onto the destination. */
static int apply_dir(struct copyctx *cc, int srcfd, int dstfd, const char *rel,
                     struct glass_err **err)
{
	int fd = dup(srcfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int rc = 0;
	if (!d)
		return glass_err_new(err, errno, "opendir(layer/%s)", rel);
	while (rc == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st, dst;
		char sub[4096];
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", n);
		if (fstatat(srcfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = glass_err_new(err, errno, "stat(layer/%s)", sub);
			break;
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) { /* whiteout */
			glass_rm_rf_at(dstfd, n);
			continue;
		}
		bool exists = fstatat(dstfd, n, &dst, AT_SYMLINK_NOFOLLOW) == 0;
		if (S_ISDIR(st.st_mode)) {
			char v[4];
			cleanup_close int s =
			    openat(srcfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			bool opaque =
			    s >= 0 && (fgetxattr(s, "trusted.overlay.opaque", v, sizeof(v)) == 1 ||
			               fgetxattr(s, "user.overlay.opaque", v, sizeof(v)) == 1);
			if (exists && (!S_ISDIR(dst.st_mode) || opaque)) {
				glass_rm_rf_at(dstfd, n);
				exists = false;
			}
			if (!exists && mkdirat(dstfd, n, 0700) < 0) {
				rc = glass_err_new(err, errno, "mkdir(rootfs/%s)", sub);
				break;
			}
			cleanup_close int dd =
			    openat(dstfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s < 0 || dd < 0) {
				rc = glass_err_new(err, errno, "open(%s)", sub);
				break;
			}
			rc = apply_dir(cc, s, dd, sub, err);
			if (rc == 0 && copy_meta(srcfd, n, dstfd, &st, false) < 0)
				rc = glass_err_new(err, errno, "copy metadata of %s", sub);
			continue;
		}
		if (exists)
			glass_rm_rf_at(dstfd, n);
		if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
			bool linked = false;
			for (size_t i = 0; i < cc->nlinks && !linked; i++)
				if (cc->links[i].dev == st.st_dev && cc->links[i].ino == st.st_ino)
					linked =
					    linkat(cc->rootfd, cc->links[i].path, dstfd, n, 0) == 0;
			if (linked)
				continue;
			if (cc->nlinks == cc->cap) {
				cc->cap = cc->cap ? 2 * cc->cap : 64;
				cc->links = xrealloc(cc->links, cc->cap * sizeof(*cc->links));
			}
			cc->links[cc->nlinks++] = (struct hl){st.st_dev, st.st_ino, xstrdup(sub)};
		}
		int r;
		if (S_ISREG(st.st_mode)) {
			r = copy_file(srcfd, n, dstfd, &st);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t l = readlinkat(srcfd, n, target, sizeof(target) - 1);
			if (l < 0)
				r = -1;
			else {
				target[l] = '\0';
				r = symlinkat(target, dstfd, n);
			}
		} else {
			r = mknodat(dstfd, n, st.st_mode, st.st_rdev);
		}
		if (r < 0 || copy_meta(srcfd, n, dstfd, &st, S_ISLNK(st.st_mode)) < 0)
			rc = glass_err_new(err, errno, "copy %s", sub);
	}
	closedir(d);
	return rc;
}

static int copy_layers(struct glass_store *s, char **lowers, const char *rootfs,
                       struct glass_err **err)
{
	struct copyctx cc = {0};
	int rc = 0;
	cleanup_close int dst = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *ldir = xasprintf("%s/layers", s->root);
	cleanup_close int lfd = open(ldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0 || lfd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", dst < 0 ? rootfs : ldir);
	cc.rootfd = dst;
	for (size_t i = 0; lowers[i] && rc == 0; i++) {
		cleanup_close int src = openat(lfd, lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (src < 0)
			return glass_err_new(err, errno, "open(\"%s/%s\")", ldir, lowers[i]);
		rc = apply_dir(&cc, src, dst, "", err);
		for (size_t j = 0; j < cc.nlinks; j++)
			free(cc.links[j].path);
		cc.nlinks = 0; /* hard links never cross layers */
	}
	free(cc.links);
	return rc;
}

static int mount_overlay(struct glass_store *s, char **lowers, const char *id, const char *rootfs,
                         struct glass_err **err)
{
	struct strbuf o = STRBUF_INIT;
	size_t n = 0;
	while (lowers[n])
		n++;
	strbuf_printf(&o, "lowerdir=");
	for (size_t i = n; i-- > 0;)
		strbuf_printf(&o, "%s%s", lowers[i], i ? ":" : "");
	strbuf_printf(&o, ",upperdir=../containers/%s/upper,workdir=../containers/%s/work", id, id);
	cleanup_free char *opts = strbuf_steal(&o);
	if (glass_trace_on)
		glass_trace_note("overlay", NULL,
		                 "%zu read-only lowerdirs by short name (%zu bytes of options, "
		                 "limit 4096), a fresh upperdir and workdir",
		                 n, strlen(opts));
	if (strlen(opts) >= 4096) {
		return glass_err_new(err, E2BIG, "overlay options for %zu layers are %zu bytes", n,
		                     strlen(opts));
	}
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *ldir = xasprintf("%s/layers", s->root);
	if (glass_sys_chdir(ldir, NULL, err) < 0)
		return -1;
	int rc = glass_sys_mount("overlay", rootfs, "overlay", 0, opts, NULL, err);
	if (cwd >= 0 && fchdir(cwd) < 0)
		chdir("/");
	return rc;
}

int glass_snapshot_create(struct glass_store *s, const char *id, const struct glass_image *img,
                          char **lowers, bool quiet, struct glass_snapshot **out,
                          struct glass_err **err)
{
	cleanup_free char *layers = NULL;
	cleanup_free char *layersf = NULL;
	cleanup_free char *imgf = NULL;
	cleanup_free char *meta = NULL;
	cleanup_free char *upper = NULL;
	cleanup_free char *work = NULL;
	cleanup_free char *m = NULL;
	struct glass_snapshot *snap = xcalloc(1, sizeof(*snap));
	cleanup_free char *cdir = xasprintf("%s/containers", s->root);
	snap->dir = xasprintf("%s/%s", cdir, id);
	snap->rootfs = xasprintf("%s/rootfs", snap->dir);
	if (mkdir(cdir, 0700) < 0 && errno != EEXIST) {
		glass_err_new(err, errno, "mkdir(\"%s\")", cdir);
		goto fail_free;
	}
	if (mkdir(snap->dir, 0700) < 0) {
		glass_err_new(err, errno, "mkdir(\"%s\")", snap->dir);
		if (errno == EEXIST)
			glass_err_hint(err, "a container named %s exists", id);
		goto fail_free;
	}
	struct strbuf l = STRBUF_INIT;
	for (size_t i = 0; img->chain_ids[i]; i++)
		strbuf_printf(&l, "%s\n", glass_digest_hex(img->chain_ids[i]));
	layers = strbuf_steal(&l);
	meta = xasprintf("%s\n%s\n", img->manifest_digest, img->name ? img->name : "");
	upper = xasprintf("%s/upper", snap->dir);
	work = xasprintf("%s/work", snap->dir);
	layersf = xasprintf("%s/layers", snap->dir);
	if (write_file_atomic_at(AT_FDCWD, layersf, layers, strlen(layers), 0600) < 0) {
		glass_err_new(err, errno, "write(\"%s/layers\")", snap->dir);
		goto fail;
	}
	imgf = xasprintf("%s/image", snap->dir);
	write_file_atomic_at(AT_FDCWD, imgf, meta, strlen(meta), 0600);
	if (mkdir(snap->rootfs, 0755) < 0) {
		glass_err_new(err, errno, "mkdir(\"%s\")", snap->rootfs);
		goto fail;
	}
	const char *force = s->o.snapshotter;
	struct glass_err *oerr = NULL;
	if (!(force && strcmp(force, "copy") == 0) && lowers[0]) {
		if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0) {
			glass_err_new(err, errno, "mkdir(\"%s\")", upper);
			goto fail;
		}
		if (mount_overlay(s, lowers, id, snap->rootfs, &oerr) == 0) {
			snap->overlay = true;
			m = xasprintf("%s/snapshotter", snap->dir);
			write_file_atomic_at(AT_FDCWD, m, "overlay\n", 8, 0600);
			*out = snap;
			return 0;
		}
		cleanup_free char *why = glass_err_format(oerr);
		if (!quiet)
			glass_store_report(s, GLASS_REPORT_WARN,
			                   "snapshot: overlayfs unavailable (%s); copying the "
			                   "layers instead",
			                   why);
		glass_err_free(&oerr);
		rmdir(upper);
		rmdir(work);
	} else if (!quiet && lowers[0]) {
		glass_store_report(
		    s, GLASS_REPORT_WARN,
		    "snapshot: the copy snapshotter was asked for: copying the layers");
	}
	if (copy_layers(s, lowers, snap->rootfs, err) < 0)
		goto fail;
	m = xasprintf("%s/snapshotter", snap->dir);
	write_file_atomic_at(AT_FDCWD, m, "copy\n", 5, 0600);
	*out = snap;
	return 0;
fail:
	glass_rm_rf_at(AT_FDCWD, snap->dir);
fail_free:
	glass_err_ctx(err, "snapshot for %s", id);
	glass_snapshot_free(snap);
	return -1;
}

int glass_snapshot_unmount(const char *rootfs, struct glass_err **err)
{
	struct stat a, b;
	cleanup_free char *parent = xasprintf("%s/..", rootfs);
	if (stat(rootfs, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
		return glass_sys_umount2(rootfs, MNT_DETACH, NULL, err);
	return 0;
}

int glass_snapshot_remove(struct glass_store *s, const char *id, struct glass_err **err)
{
	cleanup_free char *dir = xasprintf("%s/containers/%s", s->root, id);
	cleanup_free char *rootfs = xasprintf("%s/rootfs", dir);
	if (glass_snapshot_unmount(rootfs, err) < 0)
		return glass_err_ctx(err, "remove snapshot %s", id);
	if (glass_rm_rf_at(AT_FDCWD, dir) < 0)
		return glass_err_new(err, errno, "remove \"%s\"", dir);
	return 0;
}
