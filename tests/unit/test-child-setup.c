/* Unit tests of the parsers and helpers of the container's child setup:
 * mount options, id lists, the $PATH lookup of process.args[0] and the
 * close-on-exec sweep of fds. */
#include "process-internal.h"
#include "rootfs-internal.h"
#include "tap.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_mount_opts(void)
{
	char *o1[] = {"nosuid",   "ro",      "rw",     "mode=755", "rbind",
	              "rprivate", "size=1k", "noexec", "exec",     "strictatime"};
	char *o2[] = {"rro", "rnosuid", "bind", "slave"};
	char *o3[] = {"idmap"};
	struct glass_mount_opts o;
	struct glass_err *err = NULL;

	TAP_OK(glass_mount_opts_parse(o1, 10, &o, "mounts[0]", &err) == 0, "options parse");
	TAP_OK(o.flags == (MS_NOSUID | MS_STRICTATIME), "flags: later options win (%#lx)", o.flags);
	TAP_OK(o.clear == (MS_RDONLY | MS_NOEXEC), "cleared flags recorded");
	TAP_OK(o.data && strcmp(o.data, "mode=755,size=1k") == 0,
	       "filesystem data kept in order: %s", o.data ? o.data : "(null)");
	TAP_OK(o.bind && o.rec, "rbind is a recursive bind");
	TAP_OK(o.nprop == 1 && o.prop[0] == (MS_PRIVATE | MS_REC), "rprivate is MS_PRIVATE|MS_REC");
	glass_mount_opts_free(&o);

	TAP_OK(glass_mount_opts_parse(o2, 4, &o, "mounts[1]", &err) == 0,
	       "recursive options parse");
	TAP_OK(o.rattr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) && o.flags == 0,
	       "rro/rnosuid go to mount_setattr");
	TAP_OK(o.bind && !o.rec && o.nprop == 1 && o.prop[0] == MS_SLAVE, "bind + slave");
	glass_mount_opts_free(&o);

	TAP_OK(glass_mount_opts_parse(o3, 1, &o, "mounts[2]", &err) == 0 && o.idmap && !o.ridmap,
	       "idmap is an idmapped-mount request");
	glass_mount_opts_free(&o);
	{
		char *o4[] = {"propagation-1", "private",    "shared",
		              "slave",         "unbindable", "rprivate"};
		TAP_OK(glass_mount_opts_parse(o4 + 1, 5, &o, "mounts[3]", &err) < 0 && err &&
		           strcmp(err->field, "mounts[3]") == 0,
		       "more than 4 propagation options: an error naming the field");
		glass_err_free(&err);
	}

	TAP_OK(glass_rootfs_is_dev("/dev") && glass_rootfs_is_dev("//dev/") &&
	           !glass_rootfs_is_dev("/dev/pts") && !glass_rootfs_is_dev("/devices"),
	       "is_dev matches /dev only");
}

static void test_lists(void)
{
	unsigned long m[2];
	struct glass_err *err = NULL;
	TAP_OK(glass_parse_id_list("0-3,7", m, 128, "f", &err) == 7 && m[0] == 0x8f,
	       "0-3,7 parses");
	TAP_OK(glass_parse_id_list("", m, 128, "f", &err) == -1 && m[0] == 0, "empty list");
	TAP_OK(glass_parse_id_list("3-1", m, 128, "linux.memoryPolicy.nodes", &err) == -2 && err &&
	           strstr(err->op, "linux.memoryPolicy.nodes"),
	       "a reversed range is an error naming the field");
	glass_err_free(&err);
	TAP_OK(glass_parse_id_list("200", m, 128, "f", &err) == -2, "out of range");
	glass_err_free(&err);
}

static void test_find_exec(void)
{
	char dir[] = "/tmp/glass-test-exec.XXXXXX", p[256], env[300], *got;
	char *args[] = {"prog"}, *args2[] = {"nope"}, *args3[] = {"notexec"};
	char *envv[] = {"HOME=/", env};
	struct glass_process proc = {0};
	struct glass_err *err = NULL;
	int fd;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(p, sizeof(p), "%s/prog", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0755);
	close(fd);
	snprintf(p, sizeof(p), "%s/notexec", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	close(fd);
	snprintf(env, sizeof(env), "PATH=/nonexistent:%s", dir);
	proc.env = envv;
	proc.nenv = 2;
	proc.args = args;
	proc.nargs = 1;
	got = glass_process_find_exec(&proc, &err);
	snprintf(p, sizeof(p), "%s/prog", dir);
	TAP_OK(got && strcmp(got, p) == 0, "args[0] found through the container's PATH");
	free(got);
	proc.args = args2;
	got = glass_process_find_exec(&proc, &err);
	TAP_OK(got == NULL && err &&
	           strcmp(err->op, "exec: \"nope\": executable file not found in $PATH") == 0,
	       "runc's message when not found: %s", err ? err->op : "");
	glass_err_free(&err);
	proc.args = args3;
	got = glass_process_find_exec(&proc, &err);
	TAP_OK(got == NULL, "a file without x bits is not an executable");
	glass_err_free(&err);
	proc.nenv = 1;
	proc.args = args;
	got = glass_process_find_exec(&proc, &err);
	TAP_OK(got == NULL, "no PATH in process.env: not found (runc)");
	glass_err_free(&err);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static bool cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);
	return f >= 0 && (f & FD_CLOEXEC);
}

static void test_close_fds(void)
{
	int fds[6], keep[2];
	struct glass_err *err = NULL;
	for (int i = 0; i < 6; i++) {
		fds[i] = open("/dev/null", O_RDONLY);
		fcntl(fds[i], F_SETFD, 0);
	}
	keep[0] = fds[4];
	keep[1] = fds[1];
	TAP_OK(glass_process_close_fds(fds[0], keep, 2, &err) == 0, "close_fds runs");
	TAP_OK(cloexec(fds[0]) && cloexec(fds[2]) && cloexec(fds[3]) && cloexec(fds[5]),
	       "other fds are close-on-exec");
	TAP_OK(!cloexec(fds[1]) && !cloexec(fds[4]), "kept fds are untouched");
	TAP_OK(!cloexec(2), "fds below first_fd are untouched");
	for (int i = 0; i < 6; i++)
		close(fds[i]);
}

/* linux.personality and linux.memoryPolicy, applied to this process (a
 * forked child, so the test runner's own settings stay as they were). */
static void test_prepare_linux(void)
{
	struct glass_linux l = {0};
	struct glass_err *err = NULL;
	pid_t pid;
	int st = -1;
	char mode[] = "MPOL_BIND", nodes[] = "63", dom[] = "LINUX32";

	l.memory_policy.present = true;
	l.memory_policy.mode = 2; /* MPOL_BIND */
	l.memory_policy.mode_name = mode;
	l.memory_policy.nodes = nodes;
	TAP_OK(glass_process_prepare_linux(&l, &err) < 0 && err && err->field &&
	           strcmp(err->field, "linux.memoryPolicy.nodes") == 0 && err->hint,
	       "memoryPolicy on a NUMA node the host lacks: error naming the field, with a hint");
	glass_err_free(&err);

	memset(&l, 0, sizeof(l));
	l.personality.present = true;
	l.personality.domain = dom;
	pid = fork();
	if (pid == 0)
		_exit(glass_process_prepare_linux(&l, NULL) == 0 &&
		              personality(0xffffffff) == PER_LINUX32
		          ? 0
		          : 1);
	waitpid(pid, &st, 0);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "personality LINUX32 is applied");
}

int main(void)
{
	test_prepare_linux();
	test_mount_opts();
	test_lists();
	test_find_exec();
	test_close_fds();
	return tap_done();
}
