/* lab overlay view: the layers of an overlay mount, read file by file.
 *
 * overlayfs shows one directory tree made of several: a writable upper
 * directory on top of read-only lower ones.  A name is looked up in the
 * upper layer first, then in each lower one, top down, and the first match
 * wins; directories found in several layers are merged.  What the upper
 * layer records about the lower ones, it records in the filesystem itself,
 * where this file reads it: a deleted name is a character device 0:0 (a
 * whiteout); a directory made anew over a lower one carries
 * trusted.overlay.opaque=y, which stops the lookup from going further
 * down; a directory renamed with redirect_dir=on carries
 * trusted.overlay.redirect (where its lower half really is); a file copied
 * up carries trusted.overlay.origin (a handle of the lower file it came
 * from).  Every walk here is relative to the layer's directory fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a symlink in an image
 * never leads the lab out of the layer.
 */
#include "lab.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_ENTRIES 4000
#define MAX_DEPTH   16
#define CONTAINED   (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static int open_in(int dirfd, const char *rel, int flags)
{
	while (*rel == '/')
		rel++;
	return glass_sys_openat2(dirfd, NULL, *rel ? rel : ".", flags | O_CLOEXEC, CONTAINED, NULL,
	                         NULL);
}

/* trusted.overlay.NAME of an fd ("" when set but empty); NULL when unset. */
static char *ov_xattr(int fd, const char *name)
{
	char path[64], attr[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(attr, sizeof(attr), "trusted.overlay.%s", name);
	ssize_t n = lgetxattr(path, attr, buf, sizeof(buf) - 1);
	if (n < 0) {
		/* an O_PATH fd of a symlink: the magic link leads to it */
		n = getxattr(path, attr, buf, sizeof(buf) - 1);
		if (n < 0)
			return NULL;
	}
	buf[n] = '\0';
	return xstrdup(buf);
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static char type_char(const struct stat *st)
{
	return is_whiteout(st)        ? 'w'
	       : S_ISDIR(st->st_mode) ? 'd'
	       : S_ISLNK(st->st_mode) ? 'l'
	       : S_ISREG(st->st_mode) ? 'f'
	       : S_ISCHR(st->st_mode) ? 'c'
	       : S_ISBLK(st->st_mode) ? 'b'
	                              : 'p';
}

/* The overlay marks on one entry, as "opaque", "redirect=X", "origin",
 * "impure", "metacopy", joined by spaces ("" when none). */
static char *marks(int fd)
{
	static const char *const names[] = {"opaque", "redirect", "origin", "impure", "metacopy"};
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cleanup_free char *v = ov_xattr(fd, names[i]);
		if (!v)
			continue;
		if (i == 1)
			strbuf_printf(&b, "%sredirect=%s", b.len ? " " : "", v);
		else if (i == 0 && strcmp(v, "y") != 0)
			strbuf_printf(&b, "%sopaque=%s", b.len ? " " : "", v);
		else
			strbuf_printf(&b, "%s%s", b.len ? " " : "", names[i]);
	}
	return strbuf_steal(&b);
}

/* One entry: [path, type, size, nlink, inode, marks]. */
static json_object *entry(const char *rel, int fd, const struct stat *st)
{
	json_object *e = json_object_new_array();
	cleanup_free char *m = marks(fd);
	json_object_array_add(e, json_object_new_string(rel));
	char t[2] = {type_char(st), '\0'};
	json_object_array_add(e, json_object_new_string(t));
	json_object_array_add(e, json_object_new_int64((int64_t)st->st_size));
	json_object_array_add(e, json_object_new_int64((int64_t)st->st_nlink));
	json_object_array_add(e, json_object_new_int64((int64_t)st->st_ino));
	json_object_array_add(e, json_object_new_string(m));
	return e;
}

static void walk(int dirfd, const char *rel, int depth, json_object *out, bool *truncated)
{
	DIR *d = fdopendir(dup(dirfd));
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (json_object_array_length(out) >= MAX_ENTRIES) {
			*truncated = true;
			break;
		}
		cleanup_free char *path = xasprintf("%s/%s", rel, de->d_name);
		cleanup_close int fd = open_in(dirfd, de->d_name, O_PATH | O_NOFOLLOW);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		json_object_array_add(out, entry(path, fd, &st));
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			cleanup_close int sub = open_in(dirfd, de->d_name, O_RDONLY | O_DIRECTORY);
			if (sub >= 0)
				walk(sub, path, depth + 1, out, truncated);
		}
	}
	closedir(d);
}

json_object *lab_ov_list(const char *dir)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	bool truncated = false;
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0) {
			cleanup_free char *m = marks(fd);
			json_object_object_add(o, "root_marks", json_object_new_string(m));
		}
		walk(fd, "", 0, a, &truncated);
	}
	json_object_object_add(o, "dir", json_object_new_string(dir));
	json_object_object_add(o, "entries", a);
	json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
	return o;
}

/* ---- the lookup, as overlayfs does it ---- */

struct layer_hit {
	bool found, whiteout, opaque_stop;
	struct stat st;
	char *redirect; /* a directory redirected elsewhere below */
	char *stop_at;  /* where a whiteout or opaque directory stopped the lookup */
};

/* Looks `path` up in one layer: each leading directory must be a plain
 * directory there (a whiteout deletes everything below it; an opaque
 * directory hides what the lower layers have below it). */
static void look_in(int layer, const char *path, struct layer_hit *h)
{
	cleanup_free char *p = xstrdup(path);
	struct strbuf at = STRBUF_INIT;
	char *save = NULL;
	memset(h, 0, sizeof(*h));
	for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		strbuf_printf(&at, "/%s", c);
		bool last = save == NULL || *save == '\0';
		cleanup_close int fd = open_in(layer, at.buf, O_PATH | O_NOFOLLOW);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			break;
		if (is_whiteout(&st)) {
			h->whiteout = true;
			h->stop_at = xstrdup(at.buf);
			break;
		}
		cleanup_free char *opq = S_ISDIR(st.st_mode) ? ov_xattr(fd, "opaque") : NULL;
		if (last) {
			h->found = true;
			h->st = st;
			h->redirect = S_ISDIR(st.st_mode) ? ov_xattr(fd, "redirect") : NULL;
			if (opq && strcmp(opq, "y") == 0) {
				h->opaque_stop = true;
				h->stop_at = xstrdup(at.buf);
			}
			break;
		}
		if (!S_ISDIR(st.st_mode))
			break;
		if (opq && strcmp(opq, "y") == 0) {
			/* found nothing further here, and the lower layers are hidden */
			h->opaque_stop = true;
			h->stop_at = xstrdup(at.buf);
		}
	}
	strbuf_release(&at);
}

/* A redirect is absolute from the layer root, or a name in the same
 * parent directory. */
static char *redirected(const char *path, const char *redirect)
{
	if (redirect[0] == '/')
		return xstrdup(redirect);
	cleanup_free char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	return xasprintf("%s/%s", parent, redirect);
}

json_object *lab_ov_lookup(const char *merged, const char *const *layers, const char *const *roles,
                           size_t n, const char *path)
{
	json_object *o = json_object_new_object(), *steps = json_object_new_array();
	json_object_object_add(o, "path", json_object_new_string(path));
	cleanup_free char *cur = xstrdup(path);
	int winner = -1;
	struct stat wst = {0};
	bool is_dir = false;
	json_object *from = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_close int lfd = open(layers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct layer_hit h;
		if (lfd < 0)
			continue;
		look_in(lfd, cur, &h);
		json_object *s = json_object_new_object();
		json_object_object_add(s, "layer", json_object_new_int((int)i));
		json_object_object_add(s, "role", json_object_new_string(roles[i]));
		json_object_object_add(s, "looked_for", json_object_new_string(cur));
		const char *said = h.whiteout ? "whiteout: deleted here and in every layer below"
		                   : h.found && S_ISDIR(h.st.st_mode) ? "a directory"
		                   : h.found                          ? "found"
		                   : h.opaque_stop
		                       ? "not here, and an opaque directory hides the layers "
		                         "below"
		                       : "not here";
		json_object_object_add(s, "result", json_object_new_string(said));
		if (h.stop_at)
			json_object_object_add(s, "at", json_object_new_string(h.stop_at));
		json_object_array_add(steps, s);
		bool stop = h.whiteout || h.opaque_stop;
		if (h.found && !h.whiteout) {
			if (winner < 0) {
				winner = (int)i;
				wst = h.st;
				is_dir = S_ISDIR(h.st.st_mode);
			}
			if (is_dir)
				json_object_array_add(from, json_object_new_int((int)i));
			else
				stop = true; /* first match wins */
			if (h.redirect) {
				char *next = redirected(cur, h.redirect);
				json_object_object_add(s, "redirect",
				                       json_object_new_string(h.redirect));
				free(cur);
				cur = next;
			}
		}
		free(h.redirect);
		free(h.stop_at);
		if (stop)
			break;
	}
	json_object_object_add(o, "steps", steps);
	json_object_object_add(o, "layer", winner >= 0 ? json_object_new_int(winner) : NULL);
	json_object_object_add(o, "merged_from", from);
	/* What the kernel shows at that path, for comparison: a file from a
	 * layer keeps that layer's inode number in the merged view. */
	cleanup_close int mfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int pfd = mfd >= 0 ? open_in(mfd, path, O_PATH | O_NOFOLLOW) : -1;
	struct stat mst;
	if (pfd >= 0 && fstat(pfd, &mst) == 0) {
		json_object_object_add(o, "merged_inode",
		                       json_object_new_int64((int64_t)mst.st_ino));
		json_object_object_add(o, "merged_type",
		                       json_object_new_string((char[]){type_char(&mst), 0}));
		if (winner >= 0 && !is_dir)
			json_object_object_add(o, "inode_matches",
			                       json_object_new_boolean(mst.st_ino == wst.st_ino));
		/* A copied-up file keeps the inode number of the lower file it
		 * came from (trusted.overlay.origin): say which. */
		for (size_t i = winner >= 0 ? (size_t)winner + 1 : n; !is_dir && i < n; i++) {
			cleanup_close int lfd = open(layers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			cleanup_close int f =
			    lfd >= 0 ? open_in(lfd, path, O_PATH | O_NOFOLLOW) : -1;
			struct stat lst;
			if (f >= 0 && fstat(f, &lst) == 0 && lst.st_ino == mst.st_ino) {
				json_object_object_add(o, "inode_of_layer",
				                       json_object_new_int((int)i));
				break;
			}
		}
	} else {
		json_object_object_add(o, "merged_errname",
		                       json_object_new_string(strerrorname_np(errno)));
	}
	if (winner >= 0)
		json_object_object_add(o, "layer_inode",
		                       json_object_new_int64((int64_t)wst.st_ino));
	return o;
}
