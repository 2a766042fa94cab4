/* Unit test of idmapped mounts: a directory with a root-owned file is
 * bind-mounted with uidMappings 0->1000 / gidMappings 0->2000 in a private
 * mount namespace, and the file seen through the new mount belongs to
 * 1000:2000. */
#include "idmapped.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char dir[] = "/tmp/glass-idmapped-XXXXXX";
	char src[128], dst[128], file[160];
	struct glass_idmap u = {0, 1000, 1}, g = {0, 2000, 1};
	struct glass_mount m = {.destination = "/mnt",
	                        .uid_mappings = &u,
	                        .nuid_mappings = 1,
	                        .gid_mappings = &g,
	                        .ngid_mappings = 1};
	int st, fd;
	pid_t pid;

	if (geteuid() != 0) {
		TAP_SKIP("needs root", "idmapped mount");
		return tap_done();
	}
	if (!glass_idmapped_supported()) {
		TAP_SKIP("kernel lacks mount_setattr (Linux 5.12)", "idmapped mount");
		return tap_done();
	}
	mkdtemp(dir);
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	mkdir(src, 0755);
	mkdir(dst, 0755);
	snprintf(file, sizeof(file), "%s/owned-by-root", src);
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	close(fd);
	chown(file, 0, 0);

	pid = fork();
	if (pid == 0) {
		struct glass_err *err = NULL;
		struct stat sb;
		char seen[200];
		int t;
		if (syscall(SYS_unshare, CLONE_NEWNS) < 0 ||
		    syscall(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(10);
		t = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (glass_mount_idmapped(src, t, dst, &m, false, "mounts[0]", &err) < 0) {
			char *s = glass_err_format(err);
			fprintf(stderr, "# %s\n", s);
			_exit(11);
		}
		snprintf(seen, sizeof(seen), "%s/owned-by-root", dst);
		if (stat(seen, &sb) < 0)
			_exit(12);
		_exit(sb.st_uid == 1000 && sb.st_gid == 2000 ? 0 : 13);
	}
	waitpid(pid, &st, 0);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "root-owned file seen as 1000:2000 through the idmapped mount (exit %d)",
	       WEXITSTATUS(st));
	{
		struct stat sb;
		stat(file, &sb);
		TAP_OK(sb.st_uid == 0, "the file itself is still owned by 0 (no chown)");
	}
	/* In a new pid namespace with the host's /proc (as in the container's
	 * child before pivot_root): the helper's pid must be found through
	 * the procfs, not taken from clone(). */
	pid = fork();
	if (pid == 0) {
		pid_t gc;
		int gs;
		if (syscall(SYS_unshare, CLONE_NEWNS | CLONE_NEWPID) < 0 ||
		    syscall(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(10);
		gc = fork();
		if (gc == 0) {
			struct glass_err *err = NULL;
			struct stat sb;
			char seen[200];
			int t = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (glass_mount_idmapped(src, t, dst, &m, false, "mounts[0]", &err) < 0)
				_exit(11);
			snprintf(seen, sizeof(seen), "%s/owned-by-root", dst);
			_exit(stat(seen, &sb) == 0 && sb.st_uid == 1000 ? 0 : 12);
		}
		waitpid(gc, &gs, 0);
		_exit(WIFEXITED(gs) ? WEXITSTATUS(gs) : 20);
	}
	waitpid(pid, &st, 0);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "idmapped mount made as pid 1 of a new pid namespace (exit %d)", WEXITSTATUS(st));

	/* Prepared by a privileged parent, attached by a child that is in a
	 * new user namespace (the container case). */
	{
		struct glass_idmap u2 = {0, 100000, 65536}, g2 = {0, 100000, 65536};
		struct glass_mount m2 = m;
		struct glass_err *err = NULL;
		int tree, sync[2];
		char c = 0, seen[256];
		struct stat sb;
		m2.uid_mappings = &u2;
		m2.gid_mappings = &g2;
		tree = glass_idmapped_open(src, &m2, false, "mounts[1]", &err);
		TAP_OK(tree >= 0, "parent opened a detached idmapped tree");
		pipe(sync);
		pid = fork();
		if (pid == 0) {
			int t;
			close(sync[0]);
			if (syscall(SYS_unshare, CLONE_NEWUSER) < 0 ||
			    syscall(SYS_unshare, CLONE_NEWNS) < 0)
				_exit(10);
			/* The target must be in the new mount namespace. */
			t = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (glass_idmapped_attach(tree, t, dst, "mounts[1]", &err) < 0) {
				cleanup_free char *msg = glass_err_format(err);
				fprintf(stderr, "# %s\n", msg);
				_exit(11);
			}
			write(sync[1], "a", 1);
			pause();
			_exit(0);
		}
		close(sync[1]);
		read(sync[0], &c, 1);
		snprintf(seen, sizeof(seen), "/proc/%d/root%s/owned-by-root", (int)pid, dst);
		TAP_OK(c == 'a' && stat(seen, &sb) == 0 && sb.st_uid == 100000 &&
		           sb.st_gid == 100000,
		       "attached in a child's own user+mount namespace: owner 100000 seen there");
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		close(tree);
		close(sync[0]);
	}
	{
		struct glass_mount half = m;
		struct glass_err *err = NULL;
		half.ngid_mappings = 0;
		TAP_OK(glass_idmapped_open(src, &half, false, "mounts[3]", &err) < 0 && err &&
		           err->field && !strcmp(err->field, "mounts[3]"),
		       "uidMappings without gidMappings refused naming the field");
		glass_err_free(&err);
	}
	unlink(file);
	rmdir(src);
	rmdir(dst);
	rmdir(dir);
	return tap_done();
}
