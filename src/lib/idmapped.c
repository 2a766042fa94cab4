/* idmapped: see idmapped.h. */
#include "idmapped.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

bool glass_idmapped_supported(void)
{
	/* An invalid call: ENOSYS means absent, anything else present. */
	long r = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
	return !(r < 0 && errno == ENOSYS);
}

static char *map_text(const struct glass_idmap *m, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	return strbuf_steal(&b);
}

/* The child of glass_idmapped_userns(): exists only to own a user
 * namespace until the parent has opened it.  It first tells the parent
 * its name in the /proc both see ("/proc/self" resolves in the pid
 * namespace of the procfs mount, not the caller's: inside a new pid
 * namespace with the host's /proc still mounted, the pid clone() returned
 * would name another process). */
static int userns_holder(void *arg)
{
	int *sp = arg;
	int sock = sp[1];
	char self[32] = "";
	char c;
	ssize_t n;
	close(sp[0]); /* or the parent's close would never read as EOF here */
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n < 0 || write(sock, self, strlen(self)) < 0)
		return 1;
	while (read(sock, &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

int glass_idmapped_userns(const struct glass_idmap *uids, size_t nuids,
                          const struct glass_idmap *gids, size_t ngids, const char *field,
                          struct glass_err **err)
{
	int sp[2];
	pid_t pid;
	int nsfd = -1, st;
	char path[64], name[32] = "";
	ssize_t n;
	cleanup_free char *ut = map_text(uids, nuids);
	cleanup_free char *gt = map_text(gids, ngids);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return glass_err_new(err, errno, "socketpair()");
	pid = glass_sys_clone(CLONE_NEWUSER | SIGCHLD, userns_holder, sp, field, err);
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return -1;
	}
	do
		n = read(sp[0], name, sizeof(name) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		glass_err_new(err, n < 0 ? errno : EPIPE, "reading the id-mapping helper's pid");
		goto out;
	}
	name[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/uid_map", name);
	if (glass_sys_write_file(path, ut, field, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "/proc/%s/gid_map", name);
	if (glass_sys_write_file(path, gt, field, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "/proc/%s/ns/user", name);
	nsfd = glass_sys_openat(AT_FDCWD, NULL, path, O_RDONLY, 0, field, err);
out:
	close(sp[0]); /* the holder reads EOF and exits */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (nsfd < 0)
		glass_err_hint(err,
		               "writing arbitrary id maps needs CAP_SETUID and CAP_SETGID "
		               "in the host's user namespace: idmapped mounts of a container "
		               "with a user namespace are prepared by the runtime before clone "
		               "(glass_idmapped_prepare)");
	return nsfd;
}

int glass_idmapped_open(const char *source, const struct glass_mount *m, bool recursive,
                        const char *field, struct glass_err **err)
{
	cleanup_close int userns = -1;
	cleanup_close int tree = -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP};
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);

	if (!m->nuid_mappings || !m->ngid_mappings) {
		glass_err_field(err, EINVAL, field,
		                "%s: an idmapped mount needs both uidMappings and gidMappings",
		                field);
		return -1;
	}
	userns = glass_idmapped_userns(m->uid_mappings, m->nuid_mappings, m->gid_mappings,
	                               m->ngid_mappings, field, err);
	if (userns < 0)
		return glass_err_ctx(err, "idmapped mount %s", field);
	tree =
	    (int)GLASS_SYS(err, "open_tree", field, syscall(SYS_open_tree, AT_FDCWD, source, flags),
	                   "AT_FDCWD, \"%s\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC%s", source,
	                   recursive ? "|AT_RECURSIVE" : "");
	if (tree < 0)
		return glass_err_ctx(err, "idmapped mount %s", field);
	attr.userns_fd = (uint64_t)userns;
	if (GLASS_SYS(err, "mount_setattr", field,
	              syscall(SYS_mount_setattr, tree, "",
	                      AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)),
	              "%d, \"\", AT_EMPTY_PATH%s, {attr_set=MOUNT_ATTR_IDMAP, userns_fd=%d}", tree,
	              recursive ? "|AT_RECURSIVE" : "", userns) < 0) {
		if (errno == EINVAL)
			glass_err_hint(err,
			               "the filesystem of %s may not support idmapped mounts "
			               "(ext4, xfs, btrfs, tmpfs and overlayfs do on Linux 6.x)",
			               source);
		return glass_err_ctx(err, "idmapped mount %s", field);
	}
	return steal_fd(&tree);
}

int glass_idmapped_attach(int tree_fd, int target_fd, const char *shown, const char *field,
                          struct glass_err **err)
{
	if (GLASS_SYS(err, "move_mount", field,
	              syscall(SYS_move_mount, tree_fd, "", target_fd, "",
	                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
	              "%d, \"\", %d</%s>, \"\", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH",
	              tree_fd, target_fd, shown ? shown : "?") < 0)
		return glass_err_ctx(err, "idmapped mount %s", field);
	return 0;
}

int glass_mount_idmapped(const char *source, int target_fd, const char *shown,
                         const struct glass_mount *m, bool recursive, const char *field,
                         struct glass_err **err)
{
	cleanup_close int tree = glass_idmapped_open(source, m, recursive, field, err);
	if (tree < 0)
		return -1;
	return glass_idmapped_attach(tree, target_fd, shown, field, err);
}

/* A detached clone of the tree at `source` (open_tree(2)). */
static int bind_tree_open(const char *source, bool recursive, const char *field,
                          struct glass_err **err)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int tree =
	    (int)GLASS_SYS(err, "open_tree", field, syscall(SYS_open_tree, AT_FDCWD, source, flags),
	                   "AT_FDCWD, \"%s\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC%s", source,
	                   recursive ? "|AT_RECURSIVE" : "");
	if (tree < 0) {
		glass_err_ctx(err, "bind source of %s", field);
		return errno == ENOENT
		           ? glass_err_hint(err, "the source of a bind mount must exist "
		                                 "on the host")
		           : -1;
	}
	return tree;
}

int glass_idmapped_prepare(const struct glass_spec *spec, const char *bundle, int **fds,
                           struct glass_err **err)
{
	int *out;
	*fds = NULL;
	if (!spec->nmounts)
		return 0;
	out = xcalloc(spec->nmounts, sizeof(int));
	for (size_t i = 0; i < spec->nmounts; i++)
		out[i] = -1;
	for (size_t i = 0; i < spec->nmounts; i++) {
		const struct glass_mount *m = &spec->mounts[i];
		cleanup_free char *src = NULL;
		char field[32];
		bool rec = false, bind = !m->type || !strcmp(m->type, "bind"), idmap = false;
		bool mapped = m->nuid_mappings || m->ngid_mappings;
		for (size_t k = 0; k < m->noptions; k++) {
			if (!strcmp(m->options[k], "rbind") || !strcmp(m->options[k], "ridmap"))
				rec = true;
			bind |= !strcmp(m->options[k], "bind") || !strcmp(m->options[k], "rbind");
			idmap |=
			    !strcmp(m->options[k], "idmap") || !strcmp(m->options[k], "ridmap");
		}
		/* A plain bind too: its source is looked up now, with the
		 * runtime's credentials, as runc and crun do.  The child, root
		 * only in its own user namespace, could not reach a source
		 * behind a directory only the host's root may search. */
		if (!m->source || !(mapped || (bind && !idmap)))
			continue;
		snprintf(field, sizeof(field), "mounts[%zu]", i);
		src = m->source[0] == '/' || !bundle ? xstrdup(m->source)
		                                     : xasprintf("%s/%s", bundle, m->source);
		out[i] = mapped ? glass_idmapped_open(src, m, rec, field, err)
		                : bind_tree_open(src, rec, field, err);
		/* A rootless runtime may not clone trees (EPERM): the child
		 * binds the path itself, with the caller's own reach. */
		if (out[i] < 0 && !mapped && errno == EPERM) {
			glass_err_free(err);
			continue;
		}
		if (out[i] < 0) {
			glass_idmapped_close(out, spec->nmounts);
			return -1;
		}
	}
	*fds = out;
	return 0;
}

void glass_idmapped_close(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}
